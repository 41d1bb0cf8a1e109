// The outbox (design.md "Side effects"): a side effect — an email, later a
// provider call — is a row written in the SAME transaction as the state change
// that causes it, so it exists iff that change committed. The dispatcher
// (src/jobs/outbox-dispatcher.ts) delivers it afterwards. This module owns
// every query on the table, including the row lock the dispatcher takes
// (style.md §2).
import { sql, type Selectable } from 'kysely';
import pg from 'pg';
import type { Queryable, Tx } from './db.js';
import type { OutboxState, OutboxTable } from './schema.js';

export type { OutboxState } from './schema.js';

export type OutboxSpec = {
  shopId: string;
  /** Which effect: the key of its handler in src/jobs/outbox-kinds.ts, e.g. `email.send`. */
  kind: string;
  /**
   * Idempotency key, unique across the table, e.g. `stock_alert:42` or
   * `order.confirmation:fa:1042`. Enqueuing is idempotent on it, and it travels
   * to the outside world (the email's Message-ID, a provider's idempotency key)
   * so a receiver can drop a duplicate.
   */
  key: string;
  payload: Record<string, unknown>;
  /** Not before this instant (default: `now`). */
  notBefore?: Date;
};

export type OutboxMessage = {
  id: string;
  shopId: string;
  kind: string;
  key: string;
  payload: Record<string, unknown>;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  doneAt: Date | null;
};

/** What a handler receives: a pending message, locked by the transaction it runs in. */
export type DueMessage = Pick<OutboxMessage, 'id' | 'shopId' | 'kind' | 'key' | 'payload' | 'attempts'>;

/**
 * The channel `enqueue` notifies when a message is due at once; the server's
 * dispatcher LISTENs to it (src/jobs/outbox-dispatcher.ts) instead of waiting
 * for its next poll.
 */
export const OUTBOX_CHANNEL = 'comptoir_outbox';

/**
 * Puts a message in the outbox. Takes a transaction, not the pool: call it in
 * the use case's transaction, next to the state change. Idempotent on `key`:
 * when a message with this key exists, whatever its state, nothing happens.
 *
 * A message due at once also wakes the server's dispatcher: a NOTIFY in the
 * same transaction, which PostgreSQL delivers only when it commits (never on a
 * rollback), so the dispatcher is never woken for a row it cannot see yet. The
 * payload is the message's id rather than the shop's: PostgreSQL folds
 * identical notifications of one transaction into one, and a transaction that
 * queues many messages (stock alerts) should wake as many workers. A message
 * due later is left to the dispatcher's polling.
 *
 * @returns true when this call created the message, false when the key existed.
 */
export async function enqueue(tx: Tx, spec: OutboxSpec, now: Date): Promise<boolean> {
  if (!spec.kind) throw new Error('enqueue: kind is required');
  if (!spec.key) throw new Error('enqueue: key is required');
  const notBefore = spec.notBefore ?? now;
  if (Number.isNaN(notBefore.getTime())) throw new Error(`enqueue: invalid instant for ${spec.key}`);
  const insert = tx
    .insertInto('outbox')
    .values({
      shop_id: spec.shopId,
      kind: spec.kind,
      key: spec.key,
      payload: JSON.stringify(spec.payload),
      next_attempt_at: notBefore,
      created_at: now,
    })
    .onConflict((oc) => oc.column('key').doNothing());
  if (notBefore > now) {
    const result = await insert.executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }
  // One statement (one round trip): the notification exists only when the row was created.
  const created = await tx
    .with('created', () => insert.returning('id'))
    .selectFrom('created')
    .select((eb) => eb.fn<void>('pg_notify', [sql.lit(OUTBOX_CHANNEL), sql`created.id::text`]).as('notified'))
    .execute();
  return created.length > 0;
}

export type OutboxFilter = {
  state?: OutboxState | readonly OutboxState[];
  kind?: string;
  /** Default 100, at most 1000. */
  limit?: number;
};

/** One shop's outbox, newest first (back office, tests). */
export async function listOutbox(q: Queryable, shopId: string, filter: OutboxFilter = {}): Promise<OutboxMessage[]> {
  let query = q.selectFrom('outbox').selectAll().where('shop_id', '=', shopId);
  if (filter.state !== undefined) {
    const states = typeof filter.state === 'string' ? [filter.state] : [...filter.state];
    if (states.length === 0) return [];
    query = query.where('state', 'in', states);
  }
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  const rows = await query.orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toMessage);
}

export async function getOutboxMessage(q: Queryable, key: string): Promise<OutboxMessage | undefined> {
  const row = await q.selectFrom('outbox').selectAll().where('key', '=', key).executeTakeFirst();
  return row ? toMessage(row) : undefined;
}

// ---- For the dispatcher (src/jobs/outbox-dispatcher.ts) ----------------------

/**
 * Locks the first pending message whose next attempt is due at `now`, in order
 * (next_attempt_at, id), skipping rows another dispatcher has locked
 * (`FOR UPDATE SKIP LOCKED`). The lock lasts until `tx` ends.
 */
export async function lockNextDueMessage(tx: Tx, now: Date): Promise<DueMessage | undefined> {
  const row = await tx
    .selectFrom('outbox')
    .select(['id', 'shop_id', 'kind', 'key', 'payload', 'attempts'])
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  return row ? { id: row.id, shopId: row.shop_id, kind: row.kind, key: row.key, payload: row.payload, attempts: row.attempts } : undefined;
}

export type OutboxListener = { close(): Promise<void> };

/**
 * Opens a connection of its own (outside the pool: a LISTEN lasts as long as
 * its session) that LISTENs to OUTBOX_CHANNEL, and resolves once it listens.
 * `onNotify` runs for each notification (each committed message due at once);
 * `onLost` runs once if the connection later fails or ends — it is then closed,
 * and reconnecting is the caller's choice. TCP keep-alive lets a silently dead
 * connection (a server gone without closing it) end instead of waiting forever.
 */
export async function listenForOutbox(connectionString: string, events: { onNotify: () => void; onLost: (error: unknown) => void }): Promise<OutboxListener> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
  let listening = false;
  let closed = false;
  const lose = (error: unknown) => {
    // Before it listens, a failure is the rejection of this call, not a loss.
    if (!listening || closed) return;
    closed = true;
    client.end().catch(() => undefined);
    events.onLost(error);
  };
  // An 'error' event without a listener would crash the process.
  client.on('error', lose);
  client.on('end', () => lose(new Error('the database closed the connection')));
  client.on('notification', (n) => {
    if (n.channel === OUTBOX_CHANNEL) events.onNotify();
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
  } catch (error) {
    closed = true;
    await client.end().catch(() => undefined);
    throw error;
  }
  listening = true;
  return {
    async close() {
      if (closed) return;
      closed = true;
      await client.end().catch(() => undefined);
    },
  };
}

/** Marks a message the caller has locked as done, in the handler's transaction. */
export async function markMessageDone(tx: Tx, id: string, now: Date): Promise<void> {
  const result = await tx
    .updateTable('outbox')
    .set((eb) => ({ state: 'done', done_at: now, attempts: eb('attempts', '+', 1), last_error: null }))
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new Error(`Outbox message ${id} was no longer pending when marked done`);
}

/**
 * Records a failed attempt on a pending message: attempts + 1, last_error, the
 * next attempt at `retryAt`, and state 'failed' once `maxAttempts` is reached.
 *
 * @returns the state afterwards, or undefined when the message was no longer pending.
 */
export async function recordMessageFailure(
  q: Queryable,
  id: string,
  error: string,
  retryAt: Date,
  maxAttempts: number,
): Promise<{ state: OutboxState; attempts: number; nextAttemptAt: Date } | undefined> {
  const row = await q
    .updateTable('outbox')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: error,
      next_attempt_at: retryAt,
      state: sql<OutboxState>`CASE WHEN attempts + 1 >= ${maxAttempts} THEN 'failed' ELSE 'pending' END`,
    }))
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .returning(['state', 'attempts', 'next_attempt_at'])
    .executeTakeFirst();
  return row ? { state: row.state, attempts: row.attempts, nextAttemptAt: row.next_attempt_at } : undefined;
}

function toMessage(row: Selectable<OutboxTable>): OutboxMessage {
  return {
    id: row.id,
    shopId: row.shop_id,
    kind: row.kind,
    key: row.key,
    payload: row.payload,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    doneAt: row.done_at,
  };
}
