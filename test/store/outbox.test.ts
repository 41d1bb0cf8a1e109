import { sql } from 'kysely';
import pg from 'pg';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enqueue, getOutboxMessage, listenForOutbox, listOutbox, lockNextDueMessage, markMessageDone, OUTBOX_CHANNEL, recordMessageFailure } from '../../src/store/outbox.js';
import { createDb } from '../../src/store/db.js';
import { useTestDatabase } from '../support/database.js';

const NOW = new Date('2027-03-03T10:00:00.000Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);

/** Waits until `check` holds, at most 5 s (a bound, not a measure). */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('not within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('outbox store', () => {
  const t = useTestDatabase();
  beforeAll(async () => {
    await t.db.insertInto('shops').values({ id: 'fa', name: 'FA', policy_hash: 'h', loaded_at: NOW }).execute();
  });
  beforeEach(async () => {
    await t.db.deleteFrom('outbox').execute();
  });

  it('enqueues in the caller transaction, idempotent on the key', async () => {
    const created = await t.db.transaction().execute(async (tx) => [
      await enqueue(tx, { shopId: 'fa', kind: 'email.send', key: 'k:1', payload: { a: 1 } }, NOW),
      await enqueue(tx, { shopId: 'fa', kind: 'email.send', key: 'k:1', payload: { a: 2 } }, NOW),
    ]);
    expect(created).toEqual([true, false]);
    const message = await getOutboxMessage(t.db, 'k:1');
    expect(message).toMatchObject({ shopId: 'fa', kind: 'email.send', key: 'k:1', payload: { a: 1 }, state: 'pending', attempts: 0, lastError: null, doneAt: null });
    expect(message!.nextAttemptAt).toEqual(NOW);
    // Once done, the key still refuses a second message.
    await t.db.transaction().execute(async (tx) => {
      await markMessageDone(tx, message!.id, NOW);
      expect(await enqueue(tx, { shopId: 'fa', kind: 'email.send', key: 'k:1', payload: {} }, NOW)).toBe(false);
    });
    expect(await listOutbox(t.db, 'fa')).toHaveLength(1);
  });

  it('leaves nothing when the state change rolls back', async () => {
    await expect(
      t.db.transaction().execute(async (tx) => {
        await enqueue(tx, { shopId: 'fa', kind: 'email.send', key: 'k:rolled-back', payload: {} }, NOW);
        throw new Error('the use case failed');
      }),
    ).rejects.toThrow('the use case failed');
    expect(await getOutboxMessage(t.db, 'k:rolled-back')).toBeUndefined();
  });

  it('honours notBefore and locks due messages with SKIP LOCKED', async () => {
    await t.db.transaction().execute(async (tx) => {
      await enqueue(tx, { shopId: 'fa', kind: 'x', key: 'a', payload: {} }, NOW);
      await enqueue(tx, { shopId: 'fa', kind: 'x', key: 'b', payload: {}, notBefore: later(1000) }, NOW);
    });
    const other = createDb(t.url, { max: 1 });
    try {
      await t.db.transaction().execute(async (tx) => {
        expect((await lockNextDueMessage(tx, NOW))?.key).toBe('a');
        // Another connection skips the locked row and finds nothing else due now…
        await other.transaction().execute(async (tx2) => {
          expect(await lockNextDueMessage(tx2, NOW)).toBeUndefined();
          // …but the later one once it is due.
          expect((await lockNextDueMessage(tx2, later(1000)))?.key).toBe('b');
        });
      });
    } finally {
      await other.destroy();
    }
  });

  it('records failures with the next attempt, and gives up after the last one', async () => {
    await t.db.transaction().execute((tx) => enqueue(tx, { shopId: 'fa', kind: 'x', key: 'f', payload: {} }, NOW));
    const { id } = (await getOutboxMessage(t.db, 'f'))!;
    expect(await recordMessageFailure(t.db, id, 'boom', later(60_000), 2)).toEqual({ state: 'pending', attempts: 1, nextAttemptAt: later(60_000) });
    expect(await recordMessageFailure(t.db, id, 'boom again', later(180_000), 2)).toMatchObject({ state: 'failed', attempts: 2 });
    expect(await recordMessageFailure(t.db, id, 'ignored', later(1), 2)).toBeUndefined();
    expect(await getOutboxMessage(t.db, 'f')).toMatchObject({ state: 'failed', attempts: 2, lastError: 'boom again' });
    expect(await listOutbox(t.db, 'fa', { state: 'failed' })).toHaveLength(1);
    expect(await listOutbox(t.db, 'fa', { state: 'pending' })).toHaveLength(0);
  });
  it('notifies on commit, once per message created and due at once, never for a rollback', async () => {
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (n) => payloads.push(`${n.channel}:${n.payload}`));
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    // What has arrived once a round trip on the listening connection is over (notifications come before its answer).
    const received = async () => (await listener.query('SELECT 1'), [...payloads]);
    try {
      await t.db.transaction().execute(async (tx) => {
        await enqueue(tx, { shopId: 'fa', kind: 'x', key: 'n:1', payload: {} }, NOW);
        await enqueue(tx, { shopId: 'fa', kind: 'x', key: 'n:2', payload: {} }, NOW);
        await enqueue(tx, { shopId: 'fa', kind: 'x', key: 'n:1', payload: {} }, NOW); // exists: no second notification
        await enqueue(tx, { shopId: 'fa', kind: 'x', key: 'n:later', payload: {}, notBefore: later(60_000) }, NOW); // left to polling
        expect(await received()).toEqual([]); // not before the commit
      });
      const [one, two] = [(await getOutboxMessage(t.db, 'n:1'))!, (await getOutboxMessage(t.db, 'n:2'))!];
      expect(await received()).toEqual([`${OUTBOX_CHANNEL}:${one.id}`, `${OUTBOX_CHANNEL}:${two.id}`]);

      await expect(
        t.db.transaction().execute(async (tx) => {
          await enqueue(tx, { shopId: 'fa', kind: 'x', key: 'n:rolled-back', payload: {} }, NOW);
          throw new Error('the use case failed');
        }),
      ).rejects.toThrow('the use case failed');
      expect(await received()).toHaveLength(2);
    } finally {
      await listener.end();
    }
  });

  it('listenForOutbox calls onNotify for each committed message, and onLost once when its connection dies', async () => {
    let notified = 0;
    const lost: unknown[] = [];
    const listener = await listenForOutbox(t.url, { onNotify: () => (notified += 1), onLost: (error) => lost.push(error) });
    try {
      await t.db.transaction().execute((tx) => enqueue(tx, { shopId: 'fa', kind: 'x', key: 'l:1', payload: {} }, NOW));
      await until(() => notified === 1);
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = ${`LISTEN ${OUTBOX_CHANNEL}`}`.execute(t.db);
      await until(() => lost.length > 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lost).toHaveLength(1);
    } finally {
      await listener.close();
    }
  });
});
