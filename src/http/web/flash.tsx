// What every form page shows after an action: a notice, or the refusal with
// its code and the field at fault; and the CSRF token every form carries.
import type { DomainError } from '../../domain/errors.js';
export type PageError = { code: string; message: string; field?: string };

/** A refusal as the page shows it: the page's own wording of the code, else `fallback`. */
export function pageError(error: DomainError, wording: Readonly<Record<string, string>>, fallback: string): PageError {
  return { code: error.code, message: wording[error.code] ?? fallback, ...(error.details.field ? { field: String(error.details.field) } : {}) };
}

export function FlashMessages({ notice, error }: { notice?: string | null | undefined; error?: PageError | null | undefined }) {
  return (
    <>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      {error ? (
        <p class="error" role="alert" data-error-code={error.code}>
          {error.message} <code>{error.code}</code>
          {error.field ? <> ({error.field})</> : null}
        </p>
      ) : null}
    </>
  );
}

export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}
