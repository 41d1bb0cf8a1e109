import { sql } from 'kysely';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock.js';
import { createDevMailbox } from '../../src/adapters/mail/dev-mailbox.js';
import { emailContentHash, messageIdFor, queueEmail } from '../../src/app/emails.js';
import { dispatchOutbox, retryDelayMs, startOutboxLoop, type OutboxHandler, type OutboxHandlers, type OutboxLoop } from '../../src/jobs/outbox-dispatcher.js';
import { outboxHandlers } from '../../src/jobs/outbox-kinds.js';
import { createDb, type Db } from '../../src/store/db.js';
import { listEmails } from '../../src/store/emails.js';
import { enqueue, getOutboxMessage, listenForOutbox } from '../../src/store/outbox.js';
import { useTestDatabase } from '../support/database.js';

const START = new Date('2027-03-03T10:00:00.000Z');
const MINUTE = 60_000;

const record: OutboxHandler = async (tx, message, now) => {
  await sql`INSERT INTO outbox_effects (key, at, attempt) VALUES (${message.key}, ${now}, ${message.attempts + 1})`.execute(tx);
};

/** Polls `check` until it holds or `withinMs` pass: a bound on correctness, not a performance measure. */
async function eventually(check: () => Promise<boolean>, withinMs = 5000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

const quiet = { info: () => undefined, error: () => undefined };

/** Backends of this database whose session LISTENs to the outbox (the loop's wake-up connection). */
async function listeners(db: Db): Promise<number[]> {
  const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN comptoir_outbox'`.execute(db);
  return rows.map((r) => r.pid);
}

async function effects(db: Db): Promise<{ key: string; at: Date; attempt: number }[]> {
  return (await sql<{ key: string; at: Date; attempt: number }>`SELECT key, at, attempt FROM outbox_effects ORDER BY id`.execute(db)).rows;
}

describe('outbox dispatcher', () => {
  const t = useTestDatabase();
  let clock: ManualClock;
  const loops: OutboxLoop[] = [];

  beforeAll(async () => {
    await t.db.insertInto('shops').values({ id: 'fa', name: 'FA', policy_hash: 'h', loaded_at: START }).execute();
    await sql`CREATE TABLE outbox_effects (id bigserial PRIMARY KEY, key text NOT NULL, at timestamptz NOT NULL, attempt integer NOT NULL)`.execute(t.db);
    clock = await ManualClock.open(t.db, START);
  });
  beforeEach(async () => {
    await t.db.deleteFrom('emails').execute();
    await t.db.deleteFrom('outbox').execute();
    await sql`DELETE FROM outbox_effects`.execute(t.db);
  });
  afterEach(async () => {
    await Promise.all(loops.splice(0).map((l) => l.stop()));
  });

  async function put(key: string, kind = 'test.record', payload: Record<string, unknown> = {}) {
    const now = await clock.now();
    await t.db.transaction().execute((tx) => enqueue(tx, { shopId: 'fa', kind, key, payload }, now));
  }

  it('dispatches each message exactly once, marking it done with its effect', async () => {
    await put('m1');
    await put('m2');
    const now = await clock.now();
    const handlers = { 'test.record': record };
    expect(await dispatchOutbox(t.db, handlers, now)).toMatchObject({ done: 2, failed: 0 });
    expect(await dispatchOutbox(t.db, handlers, now)).toMatchObject({ done: 0, failed: 0 });
    expect((await effects(t.db)).map((e) => e.key)).toEqual(['m1', 'm2']);
    expect(await getOutboxMessage(t.db, 'm1')).toMatchObject({ state: 'done', attempts: 1, doneAt: now });
  });

  it('retries with exponential back-off on engine time, rolling back the failed attempt', async () => {
    await put('flaky');
    let calls = 0;
    const handlers: OutboxHandlers = {
      'test.record': async (tx, message, now) => {
        calls += 1;
        await record(tx, message, now); // rolled back when the attempt fails
        if (calls <= 2) throw new Error(`SMTP 451 try again (${calls})`);
      },
    };
    const t0 = await clock.now();
    const first = await dispatchOutbox(t.db, handlers, t0);
    expect(first).toMatchObject({ done: 0, failed: 1, gaveUp: 0 });
    expect(first.failures[0]!.nextAttemptAt).toEqual(new Date(t0.getTime() + MINUTE));
    expect(await getOutboxMessage(t.db, 'flaky')).toMatchObject({ state: 'pending', attempts: 1, lastError: 'Error: SMTP 451 try again (1)' });

    // Not before its next attempt, even on another pass.
    expect(await dispatchOutbox(t.db, handlers, await clock.reach(new Date(t0.getTime() + MINUTE - 1)))).toMatchObject({ done: 0, failed: 0 });
    const second = await dispatchOutbox(t.db, handlers, await clock.reach(new Date(t0.getTime() + MINUTE)));
    expect(second.failures[0]!.nextAttemptAt).toEqual(new Date(t0.getTime() + 3 * MINUTE)); // 1 min + 2 min

    expect(await dispatchOutbox(t.db, handlers, await clock.reach(new Date(t0.getTime() + 3 * MINUTE - 1)))).toMatchObject({ done: 0 });
    expect(await dispatchOutbox(t.db, handlers, await clock.reach(new Date(t0.getTime() + 3 * MINUTE)))).toMatchObject({ done: 1, failed: 0 });
    expect(calls).toBe(3);
    expect(await effects(t.db)).toEqual([{ key: 'flaky', at: new Date(t0.getTime() + 3 * MINUTE), attempt: 3 }]);
    expect(await getOutboxMessage(t.db, 'flaky')).toMatchObject({ state: 'done', attempts: 3, lastError: null });
  });

  it('computes the back-off as base × 2^(n-1), capped', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n))).toEqual([MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE]);
    expect(retryDelayMs(50)).toBe(6 * 60 * MINUTE);
    expect(retryDelayMs(3, { baseDelayMs: 1000, maxDelayMs: 3000 })).toBe(3000);
  });

  it('marks a message failed after N attempts, and never blocks the others', async () => {
    await put('doomed', 'test.fail');
    await put('fine');
    const handlers: OutboxHandlers = {
      'test.fail': async () => {
        throw new Error('mailbox unavailable');
      },
      'test.record': record,
    };
    const options = { maxAttempts: 3, baseDelayMs: 1000 };
    let now = await clock.now();
    const first = await dispatchOutbox(t.db, handlers, now, options);
    expect(first).toMatchObject({ done: 1, failed: 1, gaveUp: 0 });
    for (let i = 0; i < 2; i += 1) {
      now = await clock.reach(new Date(now.getTime() + 10_000));
      await dispatchOutbox(t.db, handlers, now, options);
    }
    expect(await getOutboxMessage(t.db, 'doomed')).toMatchObject({ state: 'failed', attempts: 3, lastError: 'Error: mailbox unavailable' });
    now = await clock.reach(new Date(now.getTime() + 60 * MINUTE));
    expect(await dispatchOutbox(t.db, handlers, now, options)).toMatchObject({ done: 0, failed: 0 });
  });

  it('fails a message whose kind has no handler (it is never dropped silently)', async () => {
    await put('orphan', 'test.unknown');
    const report = await dispatchOutbox(t.db, {}, await clock.now());
    expect(report.failures[0]).toMatchObject({ key: 'orphan', attempts: 1, gaveUp: false });
    expect(report.failures[0]!.error).toMatch(/No handler registered for outbox kind "test.unknown"/);
  });

  it('never dispatches a message twice with two dispatchers on one database', async () => {
    for (let i = 0; i < 40; i += 1) await put(`c${i}`);
    const slow: OutboxHandler = async (tx, message, now) => {
      await record(tx, message, now);
      await sql`SELECT pg_sleep(0.005)`.execute(tx);
    };
    const second = createDb(t.url, { max: 2 });
    try {
      const now = await clock.now();
      const [a, b] = await Promise.all([
        dispatchOutbox(t.db, { 'test.record': slow }, now),
        dispatchOutbox(second, { 'test.record': slow }, now),
      ]);
      expect(a.done + b.done).toBe(40);
      expect(a.done).toBeGreaterThan(0);
      expect(b.done).toBeGreaterThan(0);
    } finally {
      await second.destroy();
    }
    const keys = (await effects(t.db)).map((e) => e.key);
    expect(keys).toHaveLength(40);
    expect(new Set(keys).size).toBe(40);
  });

  it('email.send with the dev mailbox: one stored email per message, hashed, with a Message-ID derived from the key', async () => {
    const handlers = outboxHandlers({ mailer: createDevMailbox(), mailFrom: '"Fil d\'Azur" <service-client@fildazur.example>' });
    const now = await clock.now();
    const email = { to: 'ada@example.com', subject: 'Hello', text: 'Plain text', html: '<p>Hi</p>', language: 'en' as const, related: { kind: 'test', id: '7' } };
    await t.db.transaction().execute((tx) => queueEmail(tx, { shopId: 'fa', key: 'test:email:1', email }, now));
    await t.db.transaction().execute((tx) => queueEmail(tx, { shopId: 'fa', key: 'test:email:1', email }, now));
    await dispatchOutbox(t.db, handlers, now);
    await dispatchOutbox(t.db, handlers, now);
    const emails = await listEmails(t.db, 'fa');
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      from: '"Fil d\'Azur" <service-client@fildazur.example>',
      to: 'ada@example.com',
      subject: 'Hello',
      text: 'Plain text',
      html: '<p>Hi</p>',
      transport: 'dev_mailbox',
      related: { kind: 'test', id: '7' },
      contentSha256: emailContentHash(email),
      messageId: messageIdFor('test:email:1', 'service-client@fildazur.example'),
      sentAt: now,
    });
    expect(emails[0]!.messageId).toMatch(/^<[0-9a-f]{40}\.comptoir@fildazur\.example>$/);
  });

  it('the loop dispatches at the engine time and stops gracefully', async () => {
    await put('looped');
    const log = { info: () => undefined, error: () => undefined };
    let inHandler: () => void = () => undefined;
    const entered = new Promise<void>((resolve) => (inHandler = resolve));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const loop = startOutboxLoop({
      db: t.db,
      clock,
      workers: 1,
      intervalMs: 50,
      log,
      handlers: {
        'test.record': async (tx, message, now) => {
          inHandler();
          await released;
          await record(tx, message, now);
        },
      },
    });
    await entered;
    const stopping = loop.stop();
    release();
    await stopping;
    // Stop waited for the message in progress to commit.
    expect(await getOutboxMessage(t.db, 'looped')).toMatchObject({ state: 'done' });
    await put('after-stop');
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await getOutboxMessage(t.db, 'after-stop')).toMatchObject({ state: 'pending' });
  });
  it('a committed enqueue wakes the idle loop at once, long before its polling interval', async () => {
    const loop = startOutboxLoop({ db: t.db, clock, intervalMs: 60_000, log: quiet, workers: 2, handlers: { 'test.record': record } });
    loops.push(loop);
    // Once it listens and its first pass is over, only a notification can wake it before a minute.
    expect(await eventually(async () => (await listeners(t.db)).length === 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await put('woken');
    expect(await eventually(async () => (await getOutboxMessage(t.db, 'woken'))?.state === 'done')).toBe(true);
    // Again, now that the workers have gone idle after the first one.
    await put('woken-again');
    expect(await eventually(async () => (await getOutboxMessage(t.db, 'woken-again'))?.state === 'done')).toBe(true);
  });

  it('a rolled-back enqueue wakes nothing and dispatches nothing', async () => {
    let notified = 0;
    const listener = await listenForOutbox(t.url, { onNotify: () => (notified += 1), onLost: () => undefined });
    const dispatched: string[] = [];
    const loop = startOutboxLoop({
      db: t.db,
      clock,
      intervalMs: 60_000,
      log: quiet,
      workers: 2,
      handlers: { 'test.record': async (tx, message, now) => void (dispatched.push(message.key), await record(tx, message, now)) },
    });
    loops.push(loop);
    try {
      const now = await clock.now();
      await expect(
        t.db.transaction().execute(async (tx) => {
          expect(await enqueue(tx, { shopId: 'fa', kind: 'test.record', key: 'rolled-back', payload: {} }, now)).toBe(true);
          throw new Error('the use case failed');
        }),
      ).rejects.toThrow('the use case failed');
      // A committed message afterwards: its notification arrives, and the rolled-back one never did.
      await put('committed');
      expect(await eventually(async () => (await getOutboxMessage(t.db, 'committed'))?.state === 'done')).toBe(true);
      expect(notified).toBe(1);
      expect(dispatched).toEqual(['committed']);
      expect(await getOutboxMessage(t.db, 'rolled-back')).toBeUndefined();
    } finally {
      await listener.close();
    }
  });

  it('N workers over 200 messages dispatch each exactly once, in parallel', async () => {
    const backends = new Set<number>();
    const slow: OutboxHandler = async (tx, message, at) => {
      await record(tx, message, at);
      const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid, pg_sleep(0.002)`.execute(tx);
      backends.add(rows[0]!.pid);
    };
    const loop = startOutboxLoop({ db: t.db, clock, intervalMs: 60_000, log: quiet, workers: 4, handlers: { 'test.record': slow } });
    loops.push(loop);
    expect(await eventually(async () => (await listeners(t.db)).length === 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Into the idle loop, in one transaction: one notification per message, so every worker wakes.
    const now = await clock.now();
    await t.db.transaction().execute(async (tx) => {
      for (let i = 0; i < 200; i += 1) await enqueue(tx, { shopId: 'fa', kind: 'test.record', key: `w${i}`, payload: {} }, now);
    });
    expect(await eventually(async () => (await effects(t.db)).length >= 200, 20_000)).toBe(true);
    await loop.stop();
    const keys = (await effects(t.db)).map((e) => e.key);
    expect(keys).toHaveLength(200);
    expect(new Set(keys).size).toBe(200);
    expect(await t.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('state', '=', 'done').executeTakeFirstOrThrow()).toEqual({ n: '200' });
    expect(backends.size).toBeGreaterThan(1);
  });

  it('workers keep the back-off and give up after the last attempt', async () => {
    await put('doomed', 'test.fail');
    const errors: string[] = [];
    const loop = startOutboxLoop({
      db: t.db,
      clock,
      intervalMs: 60_000,
      log: { info: () => undefined, error: (_obj, msg) => void errors.push(msg ?? '') },
      workers: 3,
      retry: { maxAttempts: 2, baseDelayMs: 1000 },
      handlers: {
        'test.fail': async () => {
          throw new Error('mailbox unavailable');
        },
      },
    });
    loops.push(loop);
    expect(await eventually(async () => (await getOutboxMessage(t.db, 'doomed'))?.attempts === 1)).toBe(true);
    const t0 = await clock.now();
    expect(await getOutboxMessage(t.db, 'doomed')).toMatchObject({ state: 'pending', nextAttemptAt: new Date(t0.getTime() + 1000) });
    await loop.stop();
    expect(errors).toEqual(['outbox attempt failed']);
    // The next attempt, at its due engine time, is the last.
    expect(await dispatchOutbox(t.db, { 'test.fail': async () => Promise.reject(new Error('still down')) }, await clock.reach(new Date(t0.getTime() + 1000)), { maxAttempts: 2 })).toMatchObject({ failed: 1, gaveUp: 1 });
    expect(await getOutboxMessage(t.db, 'doomed')).toMatchObject({ state: 'failed', attempts: 2 });
  });

  it('reopens the wake-up connection when it drops, saying so once', async () => {
    const lines: string[] = [];
    const log = { info: (_obj: object, msg?: string) => void lines.push(msg ?? ''), error: (_obj: object, msg?: string) => void lines.push(msg ?? '') };
    const loop = startOutboxLoop({ db: t.db, clock, intervalMs: 60_000, log, workers: 1, handlers: { 'test.record': record } });
    loops.push(loop);
    expect(await eventually(async () => (await listeners(t.db)).length === 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const pid of await listeners(t.db)) await sql`SELECT pg_terminate_backend(${pid})`.execute(t.db);
    expect(await eventually(async () => lines.includes('outbox wake-up connection restored'), 10_000)).toBe(true);
    expect(lines.filter((l) => l.startsWith('outbox wake-up connection lost'))).toHaveLength(1);
    // Woken again through the new connection.
    await put('after-reconnect');
    expect(await eventually(async () => (await getOutboxMessage(t.db, 'after-reconnect'))?.state === 'done')).toBe(true);
  });
});
