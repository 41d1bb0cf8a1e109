import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, type Clock } from '../../src/adapters/clock.js';
import {
  advanceManualClock,
  fireDueTimers,
  startTimerLoop,
  type TimerHandler,
  type TimerHandlers,
  type TimerLoop,
} from '../../src/jobs/timer-runner.js';
import { createDb, type Db, type Tx } from '../../src/store/db.js';
import { scheduleTimer } from '../../src/store/timers.js';
import { useTestDatabase } from '../support/database.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START = new Date('2027-03-03T10:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

type Effect = { timer_key: string; fired_now: Date; engine: string };

async function recordEffect(tx: Tx, key: string, now: Date, engine = 'main'): Promise<void> {
  await sql`INSERT INTO timer_effects (timer_key, fired_now, engine) VALUES (${key}, ${now}, ${engine})`.execute(tx);
}
const effect: TimerHandler = (tx, timer, now) => recordEffect(tx, timer.key, now);

async function effects(db: Db): Promise<Effect[]> {
  const { rows } = await sql<Effect>`SELECT timer_key, fired_now, engine FROM timer_effects ORDER BY id`.execute(db);
  return rows;
}

function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function collectingLog() {
  const entries: { level: 'info' | 'error'; obj: object; msg?: string }[] = [];
  return {
    entries,
    info: (obj: object, msg?: string) => entries.push({ level: 'info', obj, msg }),
    error: (obj: object, msg?: string) => entries.push({ level: 'error', obj, msg }),
  };
}

describe('timer runner', () => {
  const t = useTestDatabase();
  let clock: ManualClock;
  const loops: TimerLoop[] = [];

  beforeAll(async () => {
    await t.db.insertInto('shops').values({ id: 'fa', name: 'FA', policy_hash: 'h', loaded_at: START }).execute();
    await sql`CREATE TABLE timer_effects (id bigserial PRIMARY KEY, timer_key text NOT NULL, fired_now timestamptz NOT NULL, engine text NOT NULL)`.execute(t.db);
    clock = await ManualClock.open(t.db, START);
  });
  beforeEach(async () => {
    await t.db.deleteFrom('timers').execute();
    await sql`DELETE FROM timer_effects`.execute(t.db);
  });
  afterEach(async () => {
    await Promise.all(loops.splice(0).map((l) => l.stop()));
  });

  async function schedule(key: string, dueAt: Date, kind = 'test.effect', payload?: Record<string, unknown>, q: Db | Tx = t.db) {
    await scheduleTimer(q, { shopId: 'fa', kind, key, dueAt, payload }, await clock.now(q));
  }
  async function timer(key: string) {
    const [row] = await t.db.selectFrom('timers').selectAll().where('key', '=', key).execute();
    return row!;
  }

  it('fires exactly once when the engine clock passes its due time, and not before', async () => {
    const base = await clock.now();
    const due = new Date(base.getTime() + 2 * HOUR);
    await schedule('once', due);
    const handlers = { 'test.effect': effect };

    expect(await fireDueTimers(t.db, handlers, new Date(due.getTime() - 1))).toMatchObject({ fired: 0, failed: 0 });
    expect((await advanceManualClock(t.db, clock, handlers, 2 * HOUR - 1000)).fired).toBe(0);
    expect(await effects(t.db)).toEqual([]);
    expect((await timer('once')).state).toBe('pending');

    const moved = await advanceManualClock(t.db, clock, handlers, 1000);
    expect(moved).toMatchObject({ from: new Date(due.getTime() - 1000), to: due, fired: 1 });
    expect(await effects(t.db)).toEqual([{ timer_key: 'once', fired_now: due, engine: 'main' }]);

    expect((await advanceManualClock(t.db, clock, handlers, 24 * HOUR)).fired).toBe(0);
    expect((await fireDueTimers(t.db, handlers, new Date(due.getTime() + 48 * HOUR))).fired).toBe(0);
    expect(await effects(t.db)).toHaveLength(1);
    expect(await timer('once')).toMatchObject({ state: 'fired', fired_at: due, attempts: 1, last_error: null });
  });

  it('advancing past several timers fires them in due order, each seeing now = its due time, including one a handler schedules', async () => {
    const base = await clock.now();
    const plus = (ms: number) => new Date(base.getTime() + ms);
    const handlers: TimerHandlers = {
      'test.effect': effect,
      'test.chain': async (tx, firing, now) => {
        await recordEffect(tx, firing.key, now);
        // Scheduled during the advance: one due later (before the target), one due right away.
        await scheduleTimer(tx, { shopId: 'fa', kind: 'test.effect', key: 'spawned-90m', dueAt: plus(90 * MINUTE) }, now);
        await scheduleTimer(tx, { shopId: 'fa', kind: 'test.effect', key: 'spawned-now', dueAt: now }, now);
      },
    };
    await schedule('c-3h', plus(3 * HOUR));
    await schedule('a-1h', plus(HOUR));
    await schedule('b-2h', plus(2 * HOUR));
    await schedule('b-2h-second', plus(2 * HOUR));
    await schedule('chain-30m', plus(30 * MINUTE), 'test.chain');
    await schedule('beyond-target', plus(6 * HOUR));

    const result = await advanceManualClock(t.db, clock, handlers, 5 * HOUR);

    expect(result).toMatchObject({ from: base, to: plus(5 * HOUR), fired: 7, failed: 0 });
    expect(await clock.now()).toEqual(plus(5 * HOUR));
    expect((await effects(t.db)).map((e) => [e.timer_key, e.fired_now.getTime() - base.getTime()])).toEqual([
      ['chain-30m', 30 * MINUTE],
      ['spawned-now', 30 * MINUTE],
      ['a-1h', HOUR],
      ['spawned-90m', 90 * MINUTE],
      ['b-2h', 2 * HOUR],
      ['b-2h-second', 2 * HOUR],
      ['c-3h', 3 * HOUR],
    ]);
    expect((await timer('beyond-target')).state).toBe('pending');
  });

  it('advancing fires overdue timers first, at the current engine time, and refuses to go backwards', async () => {
    const base = await clock.now();
    await schedule('overdue', new Date(base.getTime() - HOUR));
    const result = await advanceManualClock(t.db, clock, { 'test.effect': effect }, 0);
    expect(result).toMatchObject({ from: base, to: base, fired: 1 });
    expect(await effects(t.db)).toEqual([{ timer_key: 'overdue', fired_now: base, engine: 'main' }]);

    const error = await advanceManualClock(t.db, clock, {}, new Date(base.getTime() - 1)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'clock.backwards', details: { field: 'to' } });
    await expect(advanceManualClock(t.db, clock, {}, -1)).rejects.toMatchObject({ code: 'clock.backwards' });
    expect(await clock.now()).toEqual(base);
  });

  it('a pending timer survives a restart and fires once on the new engine', async () => {
    const base = await clock.now();
    const first = createDb(t.url, { max: 2 });
    const firstClock = await ManualClock.open(first);
    await scheduleTimer(first, { shopId: 'fa', kind: 'test.effect', key: 'across-restart', dueAt: new Date(base.getTime() + HOUR) }, base);
    const firstLoop = startTimerLoop({ db: first, clock: firstClock, handlers: { 'test.effect': effect }, intervalMs: 10, log: collectingLog() });
    await tick(30);
    await firstLoop.stop();
    await first.destroy();
    expect(await effects(t.db)).toEqual([]);

    // "Restart": a new pool on the same database; the clock row keeps its instant.
    const second = createDb(t.url, { max: 2 });
    try {
      const secondClock = await ManualClock.open(second, new Date('2020-01-01T00:00:00Z'));
      expect(await secondClock.now()).toEqual(base);
      expect((await advanceManualClock(second, secondClock, { 'test.effect': effect }, 2 * HOUR)).fired).toBe(1);
      expect((await advanceManualClock(second, secondClock, { 'test.effect': effect }, 2 * HOUR)).fired).toBe(0);
      expect((await fireDueTimers(second, { 'test.effect': effect }, await secondClock.now())).fired).toBe(0);
    } finally {
      await second.destroy();
    }
    expect((await effects(t.db)).map((e) => e.timer_key)).toEqual(['across-restart']);
  });

  it('two engines on one database (two pools and a child process) fire each of 50 timers exactly once', async () => {
    const now = await clock.now();
    const count = 50;
    for (let i = 0; i < count; i++) await schedule(`race-${String(i).padStart(2, '0')}`, new Date(now.getTime() - (i % 7) * MINUTE));

    // A third engine: a real separate process (tsx), started first, firing in a loop.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'comptoir-timer-engine-'));
    const script = path.join(dir, 'engine.mts');
    await writeFile(
      script,
      `import { createDb } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'src/store/db.ts')).href)};
import { fireDueTimers } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'src/jobs/timer-runner.ts')).href)};
const db = createDb(process.env.ENGINE_DB_URL!, { max: 3 });
const now = new Date(process.env.ENGINE_NOW!);
const handlers = {
  'test.effect': async (tx: any, timer: any, at: Date) => {
    await tx.insertInto('timer_effects').values({ timer_key: timer.key, fired_now: at, engine: 'child' }).execute();
  },
};
await db.selectFrom('timers').select('id').limit(1).execute();
console.log('ready');
let fired = 0;
for (;;) {
  const reports = await Promise.all([1, 2, 3].map(() => fireDueTimers(db, handlers, now)));
  fired += reports.reduce((n, r) => n + r.fired, 0);
  const left = await db.selectFrom('timers').select('id').where('state', '=', 'pending').execute();
  if (left.length === 0) break;
}
console.log(JSON.stringify({ fired }));
await db.destroy();
`,
    );
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [script], {
      cwd: ROOT,
      env: { ...process.env, ENGINE_DB_URL: t.url, ENGINE_NOW: now.toISOString() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    // Two in-process engines, each with its own pool, firing concurrently and repeatedly.
    const slowEffect =
      (engine: string): TimerHandler =>
      async (tx, firing, at) => {
        await sql`SELECT pg_sleep(0.002)`.execute(tx);
        await recordEffect(tx, firing.key, at, engine);
      };
    const engines = [createDb(t.url, { max: 4 }), createDb(t.url, { max: 4 })];
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('ready')) resolve();
        });
        void exited.then((code) => reject(new Error(`child engine exited early (${code}): ${stderr}`)));
      });
      const firedBy = await Promise.all(
        engines.map(async (db, n) => {
          const handlers = { 'test.effect': slowEffect(`pool-${n}`) };
          let fired = 0;
          for (let round = 0; round < 20; round++) {
            const reports = await Promise.all([1, 2, 3, 4].map(() => fireDueTimers(db, handlers, now)));
            fired += reports.reduce((sum, r) => sum + r.fired + r.failed, 0);
          }
          return fired;
        }),
      );
      const code = await exited;
      expect(code, stderr).toBe(0);
      const childFired = (JSON.parse(stdout.trim().split('\n').at(-1)!) as { fired: number }).fired;

      expect(firedBy[0]! + firedBy[1]! + childFired).toBe(count);
      const { rows } = await sql<{ timer_key: string; n: number }>`
        SELECT timer_key, count(*)::int AS n FROM timer_effects GROUP BY timer_key ORDER BY timer_key`.execute(t.db);
      expect(rows).toHaveLength(count);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      const states = await t.db.selectFrom('timers').select(['state', 'attempts']).execute();
      expect(states.every((s) => s.state === 'fired' && s.attempts === 1)).toBe(true);
    } finally {
      child.kill();
      await Promise.all(engines.map((db) => db.destroy()));
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a failing handler rolls back its work, does not block the others, is retried, and is marked failed after 5 attempts', async () => {
    const base = await clock.now();
    const now = new Date(base.getTime() + 10 * MINUTE);
    await schedule('bad', new Date(base.getTime() + MINUTE), 'test.bad');
    await schedule('good-1', new Date(base.getTime() + 2 * MINUTE));
    await schedule('good-2', new Date(base.getTime() + 3 * MINUTE));
    const handlers: TimerHandlers = {
      'test.effect': effect,
      'test.bad': async (tx, firing, at) => {
        await recordEffect(tx, firing.key, at);
        throw new Error('carrier API said no');
      },
    };

    const first = await fireDueTimers(t.db, handlers, now);
    expect(first).toMatchObject({ fired: 2, failed: 1, gaveUp: 0 });
    expect(first.failures[0]).toMatchObject({ key: 'bad', attempts: 1, gaveUp: false, error: 'Error: carrier API said no' });
    expect((await effects(t.db)).map((e) => e.timer_key)).toEqual(['good-1', 'good-2']);
    expect(await timer('bad')).toMatchObject({ state: 'pending', attempts: 1, last_error: 'Error: carrier API said no', due_at: new Date(base.getTime() + MINUTE) });

    for (let attempt = 2; attempt <= 4; attempt++) {
      expect(await fireDueTimers(t.db, handlers, now)).toMatchObject({ fired: 0, failed: 1, gaveUp: 0 });
      expect(await timer('bad')).toMatchObject({ state: 'pending', attempts: attempt });
    }
    expect(await fireDueTimers(t.db, handlers, now)).toMatchObject({ fired: 0, failed: 1, gaveUp: 1 });
    expect(await timer('bad')).toMatchObject({ state: 'failed', attempts: 5 });
    expect(await fireDueTimers(t.db, handlers, now)).toMatchObject({ fired: 0, failed: 0 });
    expect((await effects(t.db)).map((e) => e.timer_key)).toEqual(['good-1', 'good-2']);
  });

  it('a handler that fails once fires on the next pass; an advance tries a failing timer once', async () => {
    const base = await clock.now();
    let calls = 0;
    const handlers: TimerHandlers = {
      'test.effect': effect,
      'test.flaky': async (tx, firing, at) => {
        calls += 1;
        await recordEffect(tx, firing.key, at);
        if (calls === 1) throw new Error('transient');
      },
    };
    await schedule('flaky', new Date(base.getTime() + HOUR), 'test.flaky');
    await schedule('after-1', new Date(base.getTime() + 2 * HOUR));
    await schedule('after-2', new Date(base.getTime() + 3 * HOUR));

    const advance = await advanceManualClock(t.db, clock, handlers, 4 * HOUR);
    expect(advance).toMatchObject({ fired: 2, failed: 1, gaveUp: 0 });
    expect(calls).toBe(1);
    expect(await fireDueTimers(t.db, handlers, await clock.now())).toMatchObject({ fired: 1, failed: 0 });
    expect(await timer('flaky')).toMatchObject({ state: 'fired', attempts: 2, last_error: 'Error: transient' });
    expect((await effects(t.db)).map((e) => e.timer_key)).toEqual(['after-1', 'after-2', 'flaky']);
  });

  it('a handler whose SQL error aborts the transaction is rolled back to its savepoint and recorded', async () => {
    const now = await clock.now();
    await schedule('sql-error', now, 'test.sql_error');
    await schedule('fine', now);
    const handlers: TimerHandlers = {
      'test.effect': effect,
      'test.sql_error': async (tx, firing, at) => {
        await recordEffect(tx, firing.key, at);
        // Swallowing the error leaves the transaction aborted: the runner must still cope.
        await sql`SELECT * FROM no_such_table`.execute(tx).catch(() => undefined);
      },
    };
    expect(await fireDueTimers(t.db, handlers, now)).toMatchObject({ fired: 1, failed: 1 });
    expect((await timer('sql-error')).last_error).toContain('current transaction is aborted');
    expect((await effects(t.db)).map((e) => e.timer_key)).toEqual(['fine']);
  });

  it('a timer of unknown kind counts as a failure with a clear error', async () => {
    const now = await clock.now();
    await schedule('mystery', now, 'test.nobody_handles_this');
    await schedule('known', now);
    const report = await fireDueTimers(t.db, { 'test.effect': effect }, now, { maxAttempts: 2 });
    expect(report).toMatchObject({ fired: 1, failed: 1 });
    expect((await timer('mystery')).last_error).toContain('No handler registered for timer kind "test.nobody_handles_this"');
    // Not fooled by Object.prototype.
    await schedule('proto', now, 'constructor');
    expect(await fireDueTimers(t.db, {}, now, { maxAttempts: 2 })).toMatchObject({ fired: 0, failed: 2, gaveUp: 1 });
    expect(await timer('mystery')).toMatchObject({ state: 'failed', attempts: 2 });
  });

  describe('startTimerLoop', () => {
    it('fires what is due at clock.now() as it polls', async () => {
      const now = await clock.now();
      const loop = startTimerLoop({ db: t.db, clock, handlers: { 'test.effect': effect }, intervalMs: 10, log: collectingLog() });
      loops.push(loop);
      await schedule('polled', now);
      await vi.waitFor(async () => expect((await effects(t.db)).map((e) => e.timer_key)).toEqual(['polled']), { timeout: 5000 });
    });

    it('never overlaps its passes', async () => {
      const now = await clock.now();
      for (let i = 0; i < 4; i++) await schedule(`slow-${i}`, now);
      let active = 0;
      let maxActive = 0;
      const slow: TimerHandler = async (tx, firing, at) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await tick(25);
        await recordEffect(tx, firing.key, at);
        active -= 1;
      };
      const loop = startTimerLoop({ db: t.db, clock, handlers: { 'test.effect': slow }, intervalMs: 1, log: collectingLog() });
      loops.push(loop);
      await vi.waitFor(async () => expect(await effects(t.db)).toHaveLength(4), { timeout: 5000 });
      expect(maxActive).toBe(1);
    });

    it('stop() waits for the timer being fired to commit, then fires nothing more', async () => {
      const now = await clock.now();
      await schedule('in-flight', now);
      await schedule('next-in-pass', now);
      let entered!: () => void;
      const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const handlers: TimerHandlers = {
        'test.effect': async (tx, firing, at) => {
          entered();
          await gate;
          await recordEffect(tx, firing.key, at);
        },
      };
      const loop = startTimerLoop({ db: t.db, clock, handlers, intervalMs: 5, log: collectingLog() });
      await handlerEntered;
      let stopped = false;
      const stopping = loop.stop().then(() => (stopped = true));
      await tick(50);
      expect(stopped).toBe(false);
      release();
      await stopping;
      expect(stopped).toBe(true);
      expect((await effects(t.db)).map((e) => e.timer_key)).toEqual(['in-flight']);
      expect((await timer('in-flight')).state).toBe('fired');
      await tick(50);
      expect((await timer('next-in-pass')).state).toBe('pending');
    });

    it('logs a pass that fails (database or clock down) and keeps polling', async () => {
      const now = await clock.now();
      await schedule('after-outage', now);
      let reads = 0;
      const flakyClock: Clock = {
        kind: 'manual',
        now: async () => {
          reads += 1;
          if (reads === 1) throw new Error('connection refused');
          return clock.now();
        },
      };
      const log = collectingLog();
      const loop = startTimerLoop({ db: t.db, clock: flakyClock, handlers: { 'test.effect': effect }, intervalMs: 5, log });
      loops.push(loop);
      await vi.waitFor(async () => expect(await effects(t.db)).toHaveLength(1), { timeout: 5000 });
      expect(log.entries[0]).toMatchObject({ level: 'error', msg: 'timers pass aborted', obj: { err: 'Error: connection refused' } });
      expect(log.entries.some((e) => e.level === 'info' && e.msg === 'timers pass')).toBe(true);
    });

    it('logs failed attempts', async () => {
      const now = await clock.now();
      await schedule('unknown-in-loop', now, 'test.unknown');
      const log = collectingLog();
      const loop = startTimerLoop({ db: t.db, clock, handlers: {}, intervalMs: 5, log, maxAttempts: 1 });
      loops.push(loop);
      await vi.waitFor(async () => expect((await timer('unknown-in-loop')).state).toBe('failed'), { timeout: 5000 });
      await loop.stop();
      expect(log.entries.find((e) => e.level === 'error')).toMatchObject({
        msg: 'timer failed for good',
        obj: { timer: { key: 'unknown-in-loop', kind: 'test.unknown', attempts: 1 }, gaveUp: true },
      });
    });
  });
});
