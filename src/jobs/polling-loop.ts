// What the timer runner and the outbox dispatcher share: the handler lookup in
// a registry and how a failure is written down — and the timer runner's
// polling loop (the outbox has workers woken by NOTIFY, outbox-dispatcher.ts).
import { DomainError } from '../domain/errors.js';

/** Structured logger a loop writes to (a pino logger fits). */
export type LoopLog = {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

export type PollingLoop = {
  /** Stops polling; resolves once the item in progress has committed. */
  stop(): Promise<void>;
};

/**
 * A pass right away, then one every `intervalMs` after the previous one ends
 * (passes never overlap). `stop()` aborts the signal given to the pass — which
 * lets the item in progress commit and skips the rest — and resolves when
 * nothing runs any more (graceful shutdown). A pass must not throw.
 */
export function startPollingLoop(pass: (signal: AbortSignal) => Promise<void>, intervalMs: number): PollingLoop {
  const abort = new AbortController();
  let wait: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const run = (): void => {
    wait = undefined;
    running = pass(abort.signal).finally(() => {
      running = undefined;
      if (!abort.signal.aborted) {
        wait = setTimeout(run, intervalMs);
        wait.unref();
      }
    });
  };
  run();
  return {
    async stop() {
      abort.abort();
      if (wait) clearTimeout(wait);
      wait = undefined;
      await running;
    },
  };
}

/** The registered handler of a kind; a kind nobody registered is an error, never a silent drop. */
export function handlerFor<H>(handlers: Readonly<Record<string, H>>, kind: string, registry: string): H {
  const handler = Object.hasOwn(handlers, kind) ? handlers[kind] : undefined;
  if (!handler) throw new Error(`No handler registered for ${registry}`.replace('%s', kind));
  return handler;
}

const LAST_ERROR_MAX = 2000;

/** One line for `last_error` and logs: the stable code for a DomainError, bounded in length. */
export function describeError(error: unknown): string {
  let text: string;
  if (error instanceof DomainError) text = `${error.code}: ${error.message}`;
  else if (error instanceof Error) text = `${error.name}: ${error.message}`;
  else text = String(error);
  return text.length > LAST_ERROR_MAX ? `${text.slice(0, LAST_ERROR_MAX - 1)}…` : text;
}
