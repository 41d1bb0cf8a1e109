// The outbox dispatcher (design.md "Side effects"), built like the timer runner.
//
// One message at a time, each in its own transaction, which locks its row
// (`FOR UPDATE SKIP LOCKED`: a second dispatcher on the same database skips
// it), runs the handler with that transaction and marks the row done in it.
// What the handler writes (for `email.send`: the `emails` row, DOC-5) commits
// together with the 'done' mark, or not at all.
//
// Delivery guarantee — the at-least-once boundary: an effect that stays in the
// database (the dev mailbox) happens exactly once. An effect outside it (an
// SMTP server, later a provider) is performed by the handler before the
// transaction commits; if the process dies or the commit fails between the
// outside call and the commit, the message is still pending and is sent again
// on the next attempt. That is unavoidable without two-phase commit with the
// receiver; it is mitigated by carrying the message's idempotency key outside
// (`email.send` derives the Message-ID from it, so the same email always has
// the same Message-ID and mail systems drop the duplicate; provider calls pass
// it as their idempotency key).
//
// Failures: the handler runs under a savepoint; when it throws (or names an
// unknown kind) its writes are rolled back, the attempt is recorded (attempts
// + 1, last_error) while the row is still locked, and the next attempt is set
// at `now + retryDelay(attempts)`, an exponential back-off on ENGINE time (the
// manual clock drives it in tests). After `maxAttempts` attempts (default 8)
// the message is marked 'failed' for an operator. A failing message never
// blocks those after it.
import { sql } from 'kysely';
import type { Clock } from '../adapters/clock.js';
import type { Db, Tx } from '../store/db.js';
import { lockNextDueMessage, markMessageDone, recordMessageFailure, type DueMessage } from '../store/outbox.js';
import { describeError, handlerFor, startPollingLoop, type LoopLog, type PollingLoop } from './polling-loop.js';

export type { DueMessage } from '../store/outbox.js';

/**
 * Performs one effect. Runs in the transaction that locked the message and
 * will mark it done: write through `tx` only. Throw to fail the attempt (the
 * writes are rolled back). `now` is the engine time of the dispatch.
 */
export type OutboxHandler = (tx: Tx, message: DueMessage, now: Date) => Promise<void>;
export type OutboxHandlers = Readonly<Record<string, OutboxHandler>>;

export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_RETRY_BASE_MS = 60_000;
export const DEFAULT_RETRY_MAX_MS = 6 * 60 * 60_000;

export type RetryPolicy = { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };

/** Delay before the attempt that follows failed attempt number `attempts` (1-based): base, 2×base, 4×base… capped. */
export function retryDelayMs(attempts: number, policy: RetryPolicy = {}): number {
  const base = policy.baseDelayMs ?? DEFAULT_RETRY_BASE_MS;
  const max = policy.maxDelayMs ?? DEFAULT_RETRY_MAX_MS;
  return Math.min(base * 2 ** Math.max(0, Math.min(attempts - 1, 30)), max);
}

export type OutboxFailure = { id: string; key: string; kind: string; attempts: number; gaveUp: boolean; nextAttemptAt: Date | null; error: string };

export type DispatchReport = {
  /** Messages done (handler committed with the 'done' mark). */
  done: number;
  /** Attempts that failed in this pass, including those that gave up. */
  failed: number;
  /** Messages marked 'failed' in this pass after their last attempt. */
  gaveUp: number;
  failures: OutboxFailure[];
};

export type DispatchOptions = RetryPolicy & {
  /** Stops between two messages (each message's transaction is atomic). */
  signal?: AbortSignal;
  /** At most this many messages in this pass (default: all that are due). */
  limit?: number;
};

/**
 * Dispatches every pending message due at `now` (next_attempt_at <= now), each
 * in its own transaction. Messages enqueued by handlers and due at `now` are
 * dispatched in the same pass; a failed one is not (its next attempt is later).
 * Throws only when the database itself fails.
 */
export async function dispatchOutbox(db: Db, handlers: OutboxHandlers, now: Date, options: DispatchOptions = {}): Promise<DispatchReport> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const report: DispatchReport = { done: 0, failed: 0, gaveUp: 0, failures: [] };
  const retryAt = (attempts: number) => new Date(now.getTime() + retryDelayMs(attempts, options));

  while (options.limit === undefined || report.done + report.failed < options.limit) {
    if (options.signal?.aborted) return report;
    let locked: DueMessage | undefined;
    let outcome: 'none' | 'done' | OutboxFailure;
    try {
      outcome = await db.transaction().execute(async (tx) => {
        const message = await lockNextDueMessage(tx, now);
        if (!message) return 'none' as const;
        locked = message;
        await sql`SAVEPOINT outbox_handler`.execute(tx);
        try {
          await handlerFor(handlers, message.kind, 'outbox kind "%s" (src/jobs/outbox-kinds.ts)')(tx, message, now);
          await sql`RELEASE SAVEPOINT outbox_handler`.execute(tx);
        } catch (error) {
          await sql`ROLLBACK TO SAVEPOINT outbox_handler`.execute(tx);
          const text = describeError(error);
          const after = await recordMessageFailure(tx, message.id, text, retryAt(message.attempts + 1), maxAttempts);
          return failureOf(message, after, text);
        }
        await markMessageDone(tx, message.id, now);
        return 'done' as const;
      });
    } catch (error) {
      // The transaction itself failed (connection lost, commit refused…):
      // nothing of it committed. Record the attempt separately if still
      // pending; if even that fails, the database is down.
      const message = locked as DueMessage | undefined;
      if (!message) throw error;
      const text = describeError(error);
      const after = await recordMessageFailure(db, message.id, text, retryAt(message.attempts + 1), maxAttempts);
      outcome = failureOf(message, after, text);
    }

    if (outcome === 'none') return report;
    if (outcome === 'done') {
      report.done += 1;
      continue;
    }
    report.failed += 1;
    if (outcome.gaveUp) report.gaveUp += 1;
    report.failures.push(outcome);
  }
  return report;
}

export type OutboxLoopLog = LoopLog;

export type OutboxLoop = PollingLoop;

/**
 * For the server: a pass right away, then one every `intervalMs` after the
 * previous one ends (passes never overlap), each dispatching what is due at
 * `clock.now()`. A pass that throws (database down) is logged and the loop goes
 * on. `stop()` lets the message in progress commit, skips the rest of the pass,
 * and resolves when nothing runs any more (graceful shutdown).
 */
export function startOutboxLoop(options: {
  db: Db;
  clock: Clock;
  handlers: OutboxHandlers;
  intervalMs: number;
  log: OutboxLoopLog;
  retry?: RetryPolicy;
}): OutboxLoop {
  const { db, clock, handlers, intervalMs, log } = options;
  return startPollingLoop(async (signal) => {
    try {
      const now = await clock.now();
      const report = await dispatchOutbox(db, handlers, now, { ...options.retry, signal });
      for (const f of report.failures) {
        // The key may name a customer's record but never carries personal data itself.
        log.error(
          { outbox: { id: f.id, key: f.key, kind: f.kind, attempts: f.attempts, nextAttemptAt: f.nextAttemptAt?.toISOString() ?? null }, gaveUp: f.gaveUp, err: f.error },
          f.gaveUp ? 'outbox message failed for good' : 'outbox attempt failed',
        );
      }
      if (report.done > 0 || report.failed > 0) log.info({ done: report.done, failed: report.failed, now: now.toISOString() }, 'outbox pass');
    } catch (error) {
      log.error({ err: describeError(error) }, 'outbox pass aborted');
    }
  }, intervalMs);
}

function failureOf(message: DueMessage, after: { state: string; attempts: number; nextAttemptAt: Date } | undefined, error: string): OutboxFailure {
  const gaveUp = after?.state === 'failed';
  return {
    id: message.id,
    key: message.key,
    kind: message.kind,
    attempts: after?.attempts ?? message.attempts + 1,
    gaveUp,
    nextAttemptAt: gaveUp ? null : (after?.nextAttemptAt ?? null),
    error,
  };
}

