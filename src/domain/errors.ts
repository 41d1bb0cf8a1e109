// Errors are part of the API (style.md §6): a stable dotted code, the field at
// fault and the rule ID. The HTTP layer maps codes to statuses in one table
// (src/http/errors.ts); tests assert the code, never the English message.
export type DomainErrorDetails = {
  field?: string;
  rule?: string;
  [key: string]: unknown;
};

export class DomainError extends Error {
  readonly code: string;
  readonly details: DomainErrorDetails;

  constructor(code: string, details: DomainErrorDetails = {}, message?: string) {
    super(message ?? code);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}
