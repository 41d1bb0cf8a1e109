// Section 12 of the terms catalogue: time-based duties are rows of the `timers`
// table, compared with the ENGINE clock (design.md "Timers vs job library").
// This module owns every query on that table, including the row lock the
// runner takes (style.md §2); src/jobs/timer-runner.ts drives it.
import { sql, type Selectable } from 'kysely';
import type { Queryable, Tx } from './db.js';
import type { TimersTable } from './schema.js';

export type TimerState = 'pending' | 'fired' | 'failed' | 'cancelled';

export type TimerSpec = {
  shopId: string;
  /** Which duty: the key of its handler in src/jobs/timer-kinds.ts, e.g. `withdrawal.period_end`. */
  kind: string;
  /**
   * Identity of this duty instance, unique across the table, e.g.
   * `withdrawal.period_end:fa:order:1042`. Scheduling is idempotent on it.
   */
  key: string;
  dueAt: Date;
  payload?: Record<string, unknown>;
};

export type Timer = {
  id: string;
  shopId: string;
  kind: string;
  key: string;
  dueAt: Date;
  payload: Record<string, unknown>;
  state: TimerState;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  firedAt: Date | null;
};

/** What a handler receives: a pending timer, locked by the transaction it runs in. */
export type DueTimer = Pick<Timer, 'id' | 'shopId' | 'kind' | 'key' | 'dueAt' | 'payload' | 'attempts'>;

/**
 * Schedules a duty. Idempotent on `key`: when a timer with this key already
 * exists — whatever its state (pending, fired, failed or cancelled) — this does
 * nothing, so a use case may call it again on retry or replay without
 * creating a second duty. To move a pending timer, use `rescheduleTimer`.
 * Call it in the use case's transaction so the duty exists iff the state
 * change that needs it committed.
 *
 * @returns true when this call created the timer, false when the key existed.
 */
export async function scheduleTimer(q: Queryable, spec: TimerSpec, now: Date): Promise<boolean> {
  if (!spec.kind) throw new Error('scheduleTimer: kind is required');
  if (!spec.key) throw new Error('scheduleTimer: key is required');
  if (Number.isNaN(spec.dueAt.getTime())) throw new Error(`scheduleTimer: invalid dueAt for ${spec.key}`);
  const result = await q
    .insertInto('timers')
    .values({
      shop_id: spec.shopId,
      kind: spec.kind,
      key: spec.key,
      due_at: spec.dueAt,
      payload: JSON.stringify(spec.payload ?? {}),
      created_at: now,
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/**
 * Cancels a pending timer (the duty became moot: the transfer arrived, the
 * parcel was collected). If the runner is firing it at this very moment, it is
 * left to the runner (see below): exactly one of "cancelled" and "fired" wins,
 * and every handler re-checks, under the locks of what it acts on, that its
 * duty still stands.
 *
 * The table has no cancellation instant; `now` is taken for symmetry with the
 * other calls and for the day it gets one.
 *
 * @returns true when the timer was pending and is now cancelled.
 */
export async function cancelTimer(q: Queryable, key: string, _now: Date): Promise<boolean> {
  // A timer the runner is firing right now is locked by it (FOR UPDATE SKIP LOCKED,
  // then its handler takes the payment and order locks). Waiting for that row
  // here, while holding those same locks, would deadlock: a locked timer is
  // skipped instead — its handler re-checks the state under the payment and
  // order locks and finds nothing left to do.
  const result = await sql`
    UPDATE timers SET state = 'cancelled'
     WHERE key = (SELECT key FROM timers WHERE key = ${key} AND state = 'pending' FOR UPDATE SKIP LOCKED)`.execute(q);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/**
 * Moves a pending timer to a new due time (and optionally replaces its
 * payload); its attempt count starts again. Fired, failed and cancelled
 * timers are left alone.
 *
 * @returns true when a pending timer was moved.
 */
export async function rescheduleTimer(
  q: Queryable,
  key: string,
  dueAt: Date,
  _now: Date,
  payload?: Record<string, unknown>,
): Promise<boolean> {
  if (Number.isNaN(dueAt.getTime())) throw new Error(`rescheduleTimer: invalid dueAt for ${key}`);
  const result = await q
    .updateTable('timers')
    .set({
      due_at: dueAt,
      attempts: 0,
      last_error: null,
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    })
    .where('key', '=', key)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export type TimerFilter = {
  state?: TimerState | readonly TimerState[];
  kind?: string;
  /** Only timers due at or before this instant. */
  dueBefore?: Date;
  /** Default 100, at most 1000. */
  limit?: number;
};

/** One shop's timers for the back office, in due order (due_at, id). */
export async function listTimers(q: Queryable, shopId: string, filter: TimerFilter = {}): Promise<Timer[]> {
  let query = q.selectFrom('timers').selectAll().where('shop_id', '=', shopId);
  if (filter.state !== undefined) {
    const states = typeof filter.state === 'string' ? [filter.state] : [...filter.state];
    if (states.length === 0) return [];
    query = query.where('state', 'in', states);
  }
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.dueBefore !== undefined) query = query.where('due_at', '<=', filter.dueBefore);
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  const rows = await query.orderBy('due_at').orderBy('id').limit(limit).execute();
  return rows.map(toTimer);
}

/** The next pending timers of every shop, for operators (`comptoir clock show`). */
export async function listNextPendingTimers(q: Queryable, limit = 10): Promise<Timer[]> {
  const rows = await q
    .selectFrom('timers')
    .selectAll()
    .where('state', '=', 'pending')
    .orderBy('due_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toTimer);
}

// ---- For the runner (src/jobs/timer-runner.ts) -----------------------------

/**
 * Locks the first pending timer due at `now` in due order (due_at, id), skipping
 * rows another engine has locked (`FOR UPDATE SKIP LOCKED`) and the ids in
 * `exclude` (timers that already failed in this pass). The lock lasts until
 * `tx` ends: whoever holds it is the only one who may fire the timer.
 */
export async function lockNextDueTimer(tx: Tx, now: Date, exclude: ReadonlySet<string> = new Set()): Promise<DueTimer | undefined> {
  let query = tx
    .selectFrom('timers')
    .select(['id', 'shop_id', 'kind', 'key', 'due_at', 'payload', 'attempts'])
    .where('state', '=', 'pending')
    .where('due_at', '<=', now);
  if (exclude.size > 0) query = query.where('id', 'not in', [...exclude]);
  const row = await query.orderBy('due_at').orderBy('id').limit(1).forUpdate().skipLocked().executeTakeFirst();
  return row
    ? { id: row.id, shopId: row.shop_id, kind: row.kind, key: row.key, dueAt: row.due_at, payload: row.payload, attempts: row.attempts }
    : undefined;
}

/** Marks a timer the caller has locked as fired, in the handler's transaction. */
export async function markTimerFired(tx: Tx, id: string, now: Date): Promise<void> {
  const result = await tx
    .updateTable('timers')
    .set((eb) => ({ state: 'fired', fired_at: now, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new Error(`Timer ${id} was no longer pending when marked fired`);
}

/**
 * Records a failed attempt on a pending timer: attempts + 1, last_error, and
 * state 'failed' once `maxAttempts` is reached (else it stays pending, due_at
 * unchanged, to be retried by a later pass).
 *
 * @returns the timer's state afterwards, or undefined when it was no longer pending.
 */
export async function recordTimerFailure(
  q: Queryable,
  id: string,
  error: string,
  maxAttempts: number,
): Promise<{ state: TimerState; attempts: number } | undefined> {
  const row = await q
    .updateTable('timers')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: error,
      state: sql<TimerState>`CASE WHEN attempts + 1 >= ${maxAttempts} THEN 'failed' ELSE 'pending' END`,
    }))
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .returning(['state', 'attempts'])
    .executeTakeFirst();
  return row;
}

/** The earliest due time among pending timers due at or before `until`, ignoring `exclude`. */
export async function nextPendingDueAt(q: Queryable, until: Date, exclude: ReadonlySet<string> = new Set()): Promise<Date | undefined> {
  let query = q.selectFrom('timers').select('due_at').where('state', '=', 'pending').where('due_at', '<=', until);
  if (exclude.size > 0) query = query.where('id', 'not in', [...exclude]);
  const row = await query.orderBy('due_at').orderBy('id').limit(1).executeTakeFirst();
  return row?.due_at;
}

function toTimer(row: Selectable<TimersTable>): Timer {
  return {
    id: row.id,
    shopId: row.shop_id,
    kind: row.kind,
    key: row.key,
    dueAt: row.due_at,
    payload: row.payload,
    state: row.state,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    firedAt: row.fired_at,
  };
}
