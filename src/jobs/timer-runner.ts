// The timer runner (catalogue section 12, design.md "Timers vs job library").
//
// Exactly once: each timer fires in its own transaction, which locks its row
// (`FOR UPDATE SKIP LOCKED`: a second engine on the same database skips it),
// runs the handler with that transaction and marks the row fired in it. The
// handler's writes and the 'fired' mark commit together or not at all.
//
// Failures: the handler runs under a savepoint. When it throws (or names an
// unknown kind), its writes are rolled back to the savepoint and the attempt is
// recorded (attempts + 1, last_error) while the row is still locked, so no
// other engine can slip in between. The timer stays pending with its due time
// unchanged and is skipped for the rest of the pass (a whole advance of the
// manual clock counts as one pass); the next pass retries it. After
// `maxAttempts` attempts (default 5) it is marked 'failed' for an operator to
// look at. A failing timer never blocks the timers due after it.
//
// Order: one pass fires in due order (due_at, id). Two engines firing at the
// same time may interleave their timers; each timer still fires once.
import type { Clock, ManualClock } from '../adapters/clock.js';
import { sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Db, Tx } from '../store/db.js';
import { lockNextDueTimer, markTimerFired, nextPendingDueAt, recordTimerFailure, type DueTimer } from '../store/timers.js';
import { describeError, handlerFor, startPollingLoop, type LoopLog, type PollingLoop } from './polling-loop.js';

export type { DueTimer } from '../store/timers.js';

/**
 * Does one duty. Runs in the transaction that locked the timer and will mark
 * it fired: write through `tx` only, and put side effects in the outbox. `now`
 * is the engine time of the firing (for the manual clock: the timer's due time
 * when the clock is advanced past it). Throw to fail the attempt.
 */
export type TimerHandler = (tx: Tx, timer: DueTimer, now: Date) => Promise<void>;
export type TimerHandlers = Readonly<Record<string, TimerHandler>>;

export const DEFAULT_MAX_ATTEMPTS = 5;

export type TimerFailure = { id: string; key: string; kind: string; attempts: number; gaveUp: boolean; error: string };

export type FireReport = {
  /** Timers fired (handler committed with the 'fired' mark). */
  fired: number;
  /** Attempts that failed in this pass, including those that gave up. */
  failed: number;
  /** Timers marked 'failed' in this pass after their last attempt. */
  gaveUp: number;
  failures: TimerFailure[];
};

export type FireOptions = {
  /** Attempts before a timer is marked 'failed' (default 5). */
  maxAttempts?: number;
  /** Ids not to try again in this pass; failed ids are added to it. Share one set across calls to make them one pass. */
  skip?: Set<string>;
  /** Stops between two timers (each timer's transaction is atomic). */
  signal?: AbortSignal;
};

/**
 * Fires every pending timer due at `now` (due_at <= now), in due order, each
 * in its own transaction. Timers scheduled by handlers that are due at `now`
 * fire in the same pass. Throws only when the database itself fails.
 */
export async function fireDueTimers(db: Db, handlers: TimerHandlers, now: Date, options: FireOptions = {}): Promise<FireReport> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const skip = options.skip ?? new Set<string>();
  const report: FireReport = { fired: 0, failed: 0, gaveUp: 0, failures: [] };

  for (;;) {
    if (options.signal?.aborted) return report;
    let locked: DueTimer | undefined;
    let outcome: 'none' | 'fired' | TimerFailure;
    try {
      outcome = await db.transaction().execute(async (tx) => {
        const timer = await lockNextDueTimer(tx, now, skip);
        if (!timer) return 'none' as const;
        locked = timer;
        await sql`SAVEPOINT timer_handler`.execute(tx);
        try {
          await handlerFor(handlers, timer.kind, 'timer kind "%s" (src/jobs/timer-kinds.ts)')(tx, timer, now);
          await sql`RELEASE SAVEPOINT timer_handler`.execute(tx);
        } catch (error) {
          await sql`ROLLBACK TO SAVEPOINT timer_handler`.execute(tx);
          const message = describeError(error);
          const after = await recordTimerFailure(tx, timer.id, message, maxAttempts);
          return failureOf(timer, after?.attempts ?? timer.attempts + 1, after?.state === 'failed', message);
        }
        await markTimerFired(tx, timer.id, now);
        return 'fired' as const;
      });
    } catch (error) {
      // The transaction itself failed (connection lost, commit refused…): nothing
      // of it committed. Record the attempt in a separate transaction if the
      // timer is still pending; if even that fails, the database is down.
      const timer = locked as DueTimer | undefined;
      if (!timer) throw error;
      const message = describeError(error);
      const after = await recordTimerFailure(db, timer.id, message, maxAttempts);
      outcome = failureOf(timer, after?.attempts ?? timer.attempts + 1, after?.state === 'failed', message);
    }

    if (outcome === 'none') return report;
    if (outcome === 'fired') {
      report.fired += 1;
      continue;
    }
    skip.add(outcome.id);
    report.failed += 1;
    if (outcome.gaveUp) report.gaveUp += 1;
    report.failures.push(outcome);
  }
}

export type AdvanceResult = { from: Date; to: Date; fired: number; failed: number; gaveUp: number; failures: TimerFailure[] };

/**
 * Moves the manual clock to `target` (an instant, or a number of milliseconds
 * from the engine time) and fires what falls due, before returning. The clock
 * moves step by step: to the due time of each pending timer in order — so a
 * handler sees `now` equal to its timer's due time, and timers scheduled by
 * handlers that fall due before the target fire too, in order — then to the
 * target. Timers already overdue fire first, at the current engine time.
 *
 * The whole advance is one pass: a failing timer is tried once.
 *
 * @throws DomainError `clock.backwards` when the target is before the engine time.
 */
export async function advanceManualClock(
  db: Db,
  clock: ManualClock,
  handlers: TimerHandlers,
  target: Date | number,
  options: Omit<FireOptions, 'skip' | 'signal'> = {},
): Promise<AdvanceResult> {
  const from = await clock.now();
  const to = typeof target === 'number' ? new Date(from.getTime() + target) : target;
  if (Number.isNaN(to.getTime())) throw new DomainError('clock.invalid_instant', { field: 'to' }, 'Not a valid instant to move the clock to.');
  if (to.getTime() < from.getTime()) {
    throw new DomainError(
      'clock.backwards',
      { field: 'to', now: from.toISOString(), requested: to.toISOString() },
      `The engine clock only moves forward: it is ${from.toISOString()}, ${to.toISOString()} is earlier.`,
    );
  }
  const skip = new Set<string>();
  const result: AdvanceResult = { from, to, fired: 0, failed: 0, gaveUp: 0, failures: [] };
  for (;;) {
    const due = await nextPendingDueAt(db, to, skip);
    if (!due) break;
    // Never backwards: an overdue timer fires at the current engine time.
    const now = await clock.reach(due);
    const pass = await fireDueTimers(db, handlers, now, { ...options, skip });
    result.fired += pass.fired;
    result.failed += pass.failed;
    result.gaveUp += pass.gaveUp;
    result.failures.push(...pass.failures);
    // Nothing done: the timer is locked by another engine firing it right now.
    if (pass.fired === 0 && pass.failed === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  result.to = await clock.reach(to);
  return result;
}

export type TimerLoopLog = LoopLog;

export type TimerLoop = PollingLoop;

/**
 * For the server: a pass right away, then one every `intervalMs` after the
 * previous one ends (passes never overlap), each firing what is due at
 * `clock.now()`. A pass that throws (database down) is logged and the loop
 * goes on. `stop()` lets the timer being fired commit, skips the rest of the
 * pass, and resolves when nothing runs any more (graceful shutdown).
 */
export function startTimerLoop(options: {
  db: Db;
  clock: Clock;
  handlers: TimerHandlers;
  intervalMs: number;
  log: TimerLoopLog;
  maxAttempts?: number;
}): TimerLoop {
  const { db, clock, handlers, intervalMs, log } = options;
  return startPollingLoop(async (signal) => {
    try {
      const now = await clock.now();
      const report = await fireDueTimers(db, handlers, now, { maxAttempts: options.maxAttempts, signal });
      for (const f of report.failures) {
        log.error({ timer: { id: f.id, key: f.key, kind: f.kind, attempts: f.attempts }, gaveUp: f.gaveUp, err: f.error }, f.gaveUp ? 'timer failed for good' : 'timer attempt failed');
      }
      if (report.fired > 0 || report.failed > 0) log.info({ fired: report.fired, failed: report.failed, now: now.toISOString() }, 'timers pass');
    } catch (error) {
      log.error({ err: describeError(error) }, 'timers pass aborted');
    }
  }, intervalMs);
}

function failureOf(timer: DueTimer, attempts: number, gaveUp: boolean, error: string): TimerFailure {
  return { id: timer.id, key: timer.key, kind: timer.kind, attempts, gaveUp, error };
}

