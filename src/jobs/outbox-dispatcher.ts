// The outbox dispatcher (design.md "Side effects"), built like the timer runner.
//
// One message at a time per worker, each in its own transaction, which locks
// its row (`FOR UPDATE SKIP LOCKED`: another worker, or a second dispatcher on
// the same database, skips it), marks it done and runs the handler, both under
// one savepoint (so the commit follows the handler's last write, often an
// evidence event whose lock is held until then). What the handler writes (for
// `email.send`: the `emails` row, DOC-5) commits together with the 'done'
// mark, or not at all.
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
// Failures: when the handler throws (or names an unknown kind) the savepoint
// is rolled back — its writes and the 'done' mark —, the attempt is recorded (attempts
// + 1, last_error) while the row is still locked, and the next attempt is set
// at `now + retryDelay(attempts)`, an exponential back-off on ENGINE time (the
// manual clock drives it in tests). After `maxAttempts` attempts (default 8)
// the message is marked 'failed' for an operator. A failing message never
// blocks those after it.
import { sql } from 'kysely';
import type { Clock } from '../adapters/clock.js';
import { connectionStringOf, separatePool, type Db, type Tx } from '../store/db.js';
import { listenForOutbox, lockNextDueMessage, markMessageDone, recordMessageFailure, type DueMessage, type OutboxListener } from '../store/outbox.js';
import { describeError, handlerFor, type LoopLog, type PollingLoop } from './polling-loop.js';

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
  const report: DispatchReport = { done: 0, failed: 0, gaveUp: 0, failures: [] };
  while (options.limit === undefined || report.done + report.failed < options.limit) {
    if (options.signal?.aborted) return report;
    const outcome = await dispatchNext(db, handlers, now, options);
    if (outcome === 'none') return report;
    tally(report, outcome);
  }
  return report;
}

/** Locks the next message due at `now` and dispatches it in one transaction; 'none' when nothing is due. */
async function dispatchNext(db: Db, handlers: OutboxHandlers, now: Date, retry: RetryPolicy): Promise<'none' | 'done' | OutboxFailure> {
  const maxAttempts = retry.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const retryAt = (attempts: number) => new Date(now.getTime() + retryDelayMs(attempts, retry));
  let locked: DueMessage | undefined;
  try {
    return await db.transaction().execute(async (tx) => {
      const message = await lockNextDueMessage(tx, now);
      if (!message) return 'none' as const;
      locked = message;
      await sql`SAVEPOINT outbox_handler`.execute(tx);
      try {
        // Marked done BEFORE the handler, inside the savepoint: a failure rolls the mark back with the
        // handler's writes, and a success ends with the handler's last write — often an evidence event,
        // whose lock is held until the commit, which then follows at once.
        await markMessageDone(tx, message.id, now);
        await handlerFor(handlers, message.kind, 'outbox kind "%s" (src/jobs/outbox-kinds.ts)')(tx, message, now);
      } catch (error) {
        await sql`ROLLBACK TO SAVEPOINT outbox_handler`.execute(tx);
        const text = describeError(error);
        const after = await recordMessageFailure(tx, message.id, text, retryAt(message.attempts + 1), maxAttempts);
        return failureOf(message, after, text);
      }
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
    return failureOf(message, after, text);
  }
}

function tally(report: DispatchReport, outcome: 'done' | OutboxFailure): void {
  if (outcome === 'done') {
    report.done += 1;
    return;
  }
  report.failed += 1;
  if (outcome.gaveUp) report.gaveUp += 1;
  report.failures.push(outcome);
}

export type OutboxLoopLog = LoopLog;

export type OutboxLoop = PollingLoop;

export type OutboxLoopOptions = {
  db: Db;
  clock: Clock;
  handlers: OutboxHandlers;
  /**
   * How often every idle worker looks anyway: for messages due later (back-off
   * retries, `notBefore`), and for those committed while the wake-up
   * connection was down.
   */
  intervalMs: number;
  log: OutboxLoopLog;
  retry?: RetryPolicy;
  /** Concurrent workers, each dispatching one message at a time (COMPTOIR_OUTBOX_WORKERS, src/config.ts). */
  workers: number;
};

/** Back-off between attempts to reopen the wake-up connection. */
const RELISTEN_MIN_MS = 1000;
const RELISTEN_MAX_MS = 30_000;

/**
 * For the server: `workers` workers dispatch concurrently, each locking one
 * message at a time (`FOR UPDATE SKIP LOCKED`: two workers never take the same
 * one, so a message is still dispatched once, with the same back-off). A worker
 * reads the engine time before each message, so a message committed while it
 * works is taken by it, and goes idle when nothing is due.
 *
 * An idle worker wakes on a notification from `enqueue` (a connection of its
 * own LISTENs, see listenForOutbox), one worker per message, at once — the
 * checkout waits for its PSP webhook to come through here — or every
 * `intervalMs` (all of them), which stays the fallback: messages due later,
 * and everything while the wake-up connection is down (reopened with back-off;
 * one log line per outage). A worker whose pass throws (database down) is
 * logged and waits for the next interval.
 *
 * `stop()` lets the messages in progress commit, dispatches nothing more, and
 * resolves when nothing runs any more (graceful shutdown).
 */
export function startOutboxLoop(options: OutboxLoopOptions): OutboxLoop {
  const { db, clock, handlers, intervalMs, log } = options;
  const { workers } = options;
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`startOutboxLoop: workers must be a whole number ≥ 1 (got ${workers})`);
  const abort = new AbortController();
  const wakeUps = new WakeUps(workers);
  // A connection per worker, outside the engine's pool: under load that pool
  // is held by checkouts queued on their locks, and the PSP webhook they wait
  // for must not queue behind them for a connection.
  const dispatchDb = separatePool(db, workers);

  // One message at a time, each at the engine time read just before it: a message committed during the pass is due in it.
  const pass = async (): Promise<'idle' | 'failed'> => {
    let done = 0;
    let failed = 0;
    let now: Date | undefined;
    try {
      while (!abort.signal.aborted) {
        now = await clock.now();
        const report = await dispatchOutbox(dispatchDb, handlers, now, { ...options.retry, signal: abort.signal, limit: 1 });
        if (report.done + report.failed === 0) break;
        done += report.done;
        failed += report.failed;
        for (const f of report.failures) {
          // The key may name a customer's record but never carries personal data itself.
          log.error(
            { outbox: { id: f.id, key: f.key, kind: f.kind, attempts: f.attempts, nextAttemptAt: f.nextAttemptAt?.toISOString() ?? null }, gaveUp: f.gaveUp, err: f.error },
            f.gaveUp ? 'outbox message failed for good' : 'outbox attempt failed',
          );
        }
      }
      return 'idle';
    } catch (error) {
      log.error({ err: describeError(error) }, 'outbox pass aborted');
      return 'failed';
    } finally {
      if (done > 0 || failed > 0) log.info({ done, failed, now: now?.toISOString() }, 'outbox pass');
    }
  };
  const worker = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      const ended = await pass();
      if (!abort.signal.aborted) await wakeUps.wait(ended === 'failed');
    }
  };

  const poll = setInterval(() => wakeUps.all(), intervalMs);
  poll.unref();
  const listener = keepListening(connectionStringOf(db), wakeUps, abort.signal, log, intervalMs);
  const running = Array.from({ length: workers }, () => worker());
  return {
    async stop() {
      abort.abort();
      clearInterval(poll);
      wakeUps.all();
      await Promise.all([...running, listener.close()]);
      await dispatchDb.destroy();
    },
  };
}

/**
 * The idle workers, and the wake-ups none was idle to take. A notification
 * wakes one worker; one that arrives while every worker is busy is kept (at
 * most one per worker: a burst is coalesced), because a busy worker may have
 * read the queue just before that message committed and must look again
 * before it sleeps.
 */
class WakeUps {
  private readonly idle: { resolve: () => void; afterFailure: boolean }[] = [];
  private missed = 0;

  constructor(private readonly workers: number) {}

  /** A message is due: one idle worker — not one whose pass just failed, which waits for the interval instead of retrying on every notification. */
  one(): void {
    const index = this.idle.findIndex((w) => !w.afterFailure);
    if (index >= 0) this.idle.splice(index, 1)[0]!.resolve();
    else this.missed = Math.min(this.missed + 1, this.workers);
  }

  all(): void {
    for (const w of this.idle.splice(0)) w.resolve();
  }

  wait(afterFailure: boolean): Promise<void> {
    if (!afterFailure && this.missed > 0) {
      this.missed -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idle.push({ resolve, afterFailure }));
  }
}

/**
 * Keeps the wake-up connection open while the loop runs: reopened with an
 * exponential back-off when it fails, every worker woken once it listens again
 * (messages may have committed meanwhile). One line is logged per outage.
 */
function keepListening(connectionString: string, wakeUps: WakeUps, signal: AbortSignal, log: OutboxLoopLog, intervalMs: number): OutboxListener {
  let listener: OutboxListener | undefined;
  let attempt: Promise<void> = Promise.resolve();
  let retry: NodeJS.Timeout | undefined;
  let delayMs = RELISTEN_MIN_MS;
  let outage = false;

  const lost = (error: unknown) => {
    listener = undefined;
    if (signal.aborted) return;
    if (!outage) {
      outage = true;
      log.error({ err: describeError(error) }, `outbox wake-up connection lost: polling every ${intervalMs} ms until it is back`);
    }
    retry = setTimeout(() => (attempt = open()), delayMs);
    retry.unref();
    delayMs = Math.min(delayMs * 2, RELISTEN_MAX_MS);
  };
  const open = async (): Promise<void> => {
    retry = undefined;
    try {
      const opened = await listenForOutbox(connectionString, { onNotify: () => wakeUps.one(), onLost: lost });
      if (signal.aborted) return await opened.close();
      listener = opened;
    } catch (error) {
      lost(error);
      return;
    }
    delayMs = RELISTEN_MIN_MS;
    if (outage) {
      outage = false;
      log.info({}, 'outbox wake-up connection restored');
    }
    wakeUps.all();
  };
  attempt = open();
  return {
    async close() {
      if (retry) clearTimeout(retry);
      await attempt;
      await listener?.close();
    },
  };
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

