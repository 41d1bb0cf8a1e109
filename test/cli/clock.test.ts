import { sql } from 'kysely';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/adapters/clock.js';
import { clockCommand } from '../../src/cli/clock.js';
import type { CliContext } from '../../src/cli/context.js';
import { readConfig } from '../../src/config.js';
import type { TimerHandlers } from '../../src/jobs/timer-runner.js';
import { scheduleTimer } from '../../src/store/timers.js';
import { useTestDatabase } from '../support/database.js';

// The registry the command imports (src/jobs/timer-kinds.ts) is empty until issues register
// their kinds: give it two test kinds.
const registry = vi.hoisted(() => ({ handlers: {} as TimerHandlers }));
vi.mock('../../src/jobs/timer-kinds.js', () => ({ timerHandlers: () => registry.handlers }));

const START = '2027-03-03T10:00:00.000Z';
const HOUR = 3_600_000;

describe('comptoir clock', () => {
  const t = useTestDatabase();

  beforeAll(async () => {
    await t.db.insertInto('shops').values({ id: 'fa', name: 'FA', policy_hash: 'h', loaded_at: new Date(START) }).execute();
    await sql`CREATE TABLE timer_effects (timer_key text NOT NULL, fired_now timestamptz NOT NULL)`.execute(t.db);
    registry.handlers = {
      'test.effect': async (tx, timer, now) => {
        await sql`INSERT INTO timer_effects VALUES (${timer.key}, ${now})`.execute(tx);
      },
      'test.broken': async () => {
        throw new Error('handler bug');
      },
    };
  });
  beforeEach(async () => {
    await t.db.deleteFrom('timers').execute();
  });

  function run(args: string[], clock: 'manual' | 'system' = 'manual') {
    const env = clock === 'manual' ? { NODE_ENV: 'test', COMPTOIR_CLOCK: 'manual', COMPTOIR_CLOCK_START: START } : { NODE_ENV: 'test' };
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = {
      config: readConfig(env),
      openDb: async () => t.db,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    };
    return clockCommand(args, ctx).then((code) => ({ code, out: out.join('\n'), err: err.join('\n') }));
  }
  const engineNow = async () => (await ManualClock.open(t.db)).now();

  it('show prints the engine time, the kind, and the next pending timers', async () => {
    const empty = await run(['show']);
    expect(empty.code).toBe(0);
    expect(empty.out).toContain('Engine clock: manual');
    expect(empty.out).toContain(`Now: ${START}`);
    expect(empty.out).toContain('No pending timers.');

    await scheduleTimer(t.db, { shopId: 'fa', kind: 'test.effect', key: 'withdrawal.period_end:fa:order:1', dueAt: new Date(Date.parse(START) + 36 * HOUR) }, new Date(START));
    const listed = await run([]);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/2027-03-04T22:00:00\.000Z\s+in 1d12h\s+fa\s+test\.effect\s+withdrawal\.period_end:fa:order:1/);

    const system = await run(['show'], 'system');
    expect(system.code).toBe(0);
    expect(system.out).toContain('Engine clock: system');
  });

  it('advance <duration> moves a manual clock, fires what falls due, and prints from/to and the count', async () => {
    const from = await engineNow();
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'test.effect', key: 'cli-1', dueAt: new Date(from.getTime() + HOUR) }, from);
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'test.effect', key: 'cli-2', dueAt: new Date(from.getTime() + 30 * HOUR) }, from);
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'test.effect', key: 'cli-later', dueAt: new Date(from.getTime() + 4 * 24 * HOUR) }, from);

    const result = await run(['advance', '3d']);
    const to = new Date(from.getTime() + 3 * 24 * HOUR);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain(`Engine clock moved from ${from.toISOString()} to ${to.toISOString()} (+3d).`);
    expect(result.out).toContain('Timers fired: 2.');
    expect(await engineNow()).toEqual(to);
    const { rows } = await sql<{ timer_key: string }>`SELECT timer_key FROM timer_effects ORDER BY fired_now`.execute(t.db);
    expect(rows.map((r) => r.timer_key)).toEqual(['cli-1', 'cli-2']);
  });

  it('advance reports a failing timer on stderr and still moves the clock', async () => {
    const from = await engineNow();
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'test.broken', key: 'cli-broken', dueAt: new Date(from.getTime() + HOUR) }, from);
    const result = await run(['advance', '2h']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('Timers fired: 0.');
    expect(result.err).toContain('Timer cli-broken (test.broken) failed, attempt 1/5, will be retried: Error: handler bug');
    expect(await engineNow()).toEqual(new Date(from.getTime() + 2 * HOUR));
  });

  it('advance is refused with exit 1 when the clock is the system clock', async () => {
    const before = await engineNow();
    const result = await run(['advance', '3d'], 'system');
    expect(result.code).toBe(1);
    expect(result.err).toContain('COMPTOIR_CLOCK=system');
    expect(await engineNow()).toEqual(before);
    expect((await run(['set', '2099-01-01T00:00:00Z'], 'system')).code).toBe(1);
  });

  it('advance refuses an invalid duration, naming it', async () => {
    const result = await run(['advance', '3days']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('"3days"');
  });

  it('set <ISO instant> moves forward only', async () => {
    const now = await engineNow();
    const target = new Date(now.getTime() + 10 * 24 * HOUR);
    const forward = await run(['set', target.toISOString()]);
    expect(forward.code).toBe(0);
    expect(forward.out).toContain(`to ${target.toISOString()} (+10d)`);
    expect(await engineNow()).toEqual(target);

    const backwards = await run(['set', now.toISOString()]);
    expect(backwards.code).toBe(1);
    expect(backwards.err).toContain('only moves forward');
    expect(await engineNow()).toEqual(target);

    expect((await run(['set', 'tomorrow'])).code).toBe(1);
    expect((await run(['set', '2099-01-01T00:00:00'])).code).toBe(1);
  });

  it('prints usage with exit 2 on unknown sub-commands or missing arguments', async () => {
    for (const args of [['rewind'], ['advance'], ['set'], ['show', 'extra']]) {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.err).toContain('Usage: comptoir clock');
    }
  });
});
