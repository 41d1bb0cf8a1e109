import { describe, expect, it } from 'vitest';
import { ManualClock, openEngineClock, systemClock } from '../../src/adapters/clock.js';
import { DomainError } from '../../src/domain/errors.js';
import { createDb } from '../../src/store/db.js';
import { useTestDatabase } from '../support/database.js';

const START = new Date('2027-03-03T10:00:00.000Z');

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

// One database per file: the tests below share one engine_clock row and run in order.
describe('ManualClock', () => {
  const t = useTestDatabase();

  it('is created at the given start and is frozen unless moved', async () => {
    const clock = await ManualClock.open(t.db, START);
    expect(clock.kind).toBe('manual');
    expect(await clock.now()).toEqual(START);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await clock.now()).toEqual(START);
  });

  it('opening it again does not reset it, unless asked', async () => {
    const clock = await ManualClock.open(t.db, new Date('2030-01-01T00:00:00Z'));
    expect(await clock.now()).toEqual(START);
    const reset = await ManualClock.open(t.db, new Date('2026-01-01T00:00:00Z'), { reset: true });
    expect(await reset.now()).toEqual(new Date('2026-01-01T00:00:00Z'));
    await ManualClock.open(t.db, START, { reset: true });
  });

  it('moves forward, to the same instant, but never backwards (clock.backwards)', async () => {
    const clock = await ManualClock.open(t.db);
    const later = new Date(START.getTime() + 3_600_000);
    expect(await clock.moveTo(later)).toEqual({ from: START, to: later });
    expect(await clock.moveTo(later)).toEqual({ from: later, to: later });
    const error = await clock.moveTo(START).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('clock.backwards');
    expect((error as DomainError).details.field).toBe('to');
    expect(await clock.now()).toEqual(later);
    expect(await codeOf(clock.moveTo(new Date('nope')))).toBe('clock.invalid_instant');
  });

  it('reach() never goes backwards either: it keeps the later instant', async () => {
    const clock = await ManualClock.open(t.db);
    const now = await clock.now();
    expect(await clock.reach(new Date(now.getTime() - 1000))).toEqual(now);
    expect(await clock.now()).toEqual(now);
    const later = new Date(now.getTime() + 1000);
    expect(await clock.reach(later)).toEqual(later);
  });

  it('a clock moved by one Db instance is seen by another (server, CLI, second engine)', async () => {
    const other = createDb(t.url, { max: 2 });
    try {
      const mine = await ManualClock.open(t.db);
      const theirs = await ManualClock.open(other, new Date('2020-01-01T00:00:00Z'));
      const before = await mine.now();
      expect(await theirs.now()).toEqual(before);
      const target = new Date(before.getTime() + 86_400_000);
      await theirs.moveTo(target);
      expect(await mine.now()).toEqual(target);
    } finally {
      await other.destroy();
    }
  });

  it('without a start, a new clock starts at the real time truncated to the second', async () => {
    const fresh = createDb(t.url);
    try {
      await fresh.deleteFrom('engine_clock').execute();
      const clock = await ManualClock.open(fresh);
      const now = await clock.now();
      expect(now.getUTCMilliseconds()).toBe(0);
      expect(Math.abs(now.getTime() - Date.now())).toBeLessThan(60_000);
    } finally {
      await fresh.destroy();
    }
  });

  it('openEngineClock follows the configuration', async () => {
    expect(await openEngineClock(t.db, { kind: 'system' })).toBe(systemClock);
    const manual = await openEngineClock(t.db, { kind: 'manual', start: undefined });
    expect(manual).toBeInstanceOf(ManualClock);
    expect(manual.kind).toBe('manual');
  });
});

describe('systemClock', () => {
  it('reads real time', async () => {
    const before = Date.now();
    const now = await systemClock.now();
    expect(systemClock.kind).toBe('system');
    expect(now.getTime()).toBeGreaterThanOrEqual(before);
  });
});
