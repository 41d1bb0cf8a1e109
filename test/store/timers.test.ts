import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  cancelTimer,
  listNextPendingTimers,
  listTimers,
  nextPendingDueAt,
  rescheduleTimer,
  scheduleTimer,
} from '../../src/store/timers.js';
import { useTestDatabase } from '../support/database.js';

const NOW = new Date('2027-03-03T10:00:00Z');
const at = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);

describe('timers store', () => {
  const t = useTestDatabase();

  beforeAll(async () => {
    await t.db
      .insertInto('shops')
      .values([
        { id: 'fa', name: 'FA', policy_hash: 'h', loaded_at: NOW },
        { id: 'pf', name: 'PF', policy_hash: 'h', loaded_at: NOW },
      ])
      .execute();
  });
  beforeEach(async () => {
    await t.db.deleteFrom('timers').execute();
  });

  it('schedules a timer with its payload, pending, no attempts', async () => {
    expect(await scheduleTimer(t.db, { shopId: 'fa', kind: 'test.kind', key: 'k1', dueAt: at(2), payload: { orderId: 42 } }, NOW)).toBe(true);
    const [timer] = await listTimers(t.db, 'fa');
    expect(timer).toMatchObject({ shopId: 'fa', kind: 'test.kind', key: 'k1', dueAt: at(2), payload: { orderId: 42 }, state: 'pending', attempts: 0, lastError: null, createdAt: NOW, firedAt: null });
    expect(typeof timer!.id).toBe('string');
  });

  it('is idempotent on key: a second schedule with the same key does nothing, whatever the state', async () => {
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'test.kind', key: 'k1', dueAt: at(2) }, NOW);
    expect(await scheduleTimer(t.db, { shopId: 'fa', kind: 'other', key: 'k1', dueAt: at(9), payload: { x: 1 } }, NOW)).toBe(false);
    await cancelTimer(t.db, 'k1', NOW);
    expect(await scheduleTimer(t.db, { shopId: 'fa', kind: 'test.kind', key: 'k1', dueAt: at(2) }, NOW)).toBe(false);
    const timers = await listTimers(t.db, 'fa');
    expect(timers).toHaveLength(1);
    expect(timers[0]).toMatchObject({ kind: 'test.kind', dueAt: at(2), payload: {}, state: 'cancelled' });
  });

  it('schedules inside a transaction: a rolled-back use case leaves no duty', async () => {
    await t.db
      .transaction()
      .execute(async (tx) => {
        await scheduleTimer(tx, { shopId: 'fa', kind: 'test.kind', key: 'k-rolled-back', dueAt: at(1) }, NOW);
        throw new Error('use case failed');
      })
      .catch(() => undefined);
    expect(await listTimers(t.db, 'fa')).toEqual([]);
  });

  it('cancels only a pending timer', async () => {
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'test.kind', key: 'k1', dueAt: at(1) }, NOW);
    expect(await cancelTimer(t.db, 'k1', NOW)).toBe(true);
    expect(await cancelTimer(t.db, 'k1', NOW)).toBe(false);
    expect(await cancelTimer(t.db, 'unknown', NOW)).toBe(false);
    expect((await listTimers(t.db, 'fa'))[0]!.state).toBe('cancelled');
  });

  it('leaves a timer the runner is firing (its row locked) to the runner, without waiting for it', async () => {
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'test.kind', key: 'k1', dueAt: at(1) }, NOW);
    await t.db.transaction().execute(async (runner) => {
      await runner.selectFrom('timers').select('id').where('key', '=', 'k1').forUpdate().execute();
      // Another connection (a staff action holding its own locks) does not block here.
      expect(await cancelTimer(t.db, 'k1', NOW)).toBe(false);
    });
    expect((await listTimers(t.db, 'fa'))[0]!.state).toBe('pending');
  });

  it('reschedules a pending timer (due time, payload, attempts reset) and leaves settled ones alone', async () => {
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'test.kind', key: 'k1', dueAt: at(1), payload: { a: 1 } }, NOW);
    await t.db.updateTable('timers').set({ attempts: 2, last_error: 'boom' }).execute();
    expect(await rescheduleTimer(t.db, 'k1', at(5), NOW, { a: 2 })).toBe(true);
    expect((await listTimers(t.db, 'fa'))[0]).toMatchObject({ dueAt: at(5), payload: { a: 2 }, attempts: 0, lastError: null, state: 'pending' });
    await cancelTimer(t.db, 'k1', NOW);
    expect(await rescheduleTimer(t.db, 'k1', at(7), NOW)).toBe(false);
  });

  it('lists one shop’s timers in due order (due_at, id) with filters', async () => {
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'b', key: 'late', dueAt: at(5) }, NOW);
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'a', key: 'early', dueAt: at(1) }, NOW);
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'a', key: 'early-too', dueAt: at(1) }, NOW);
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'a', key: 'gone', dueAt: at(2) }, NOW);
    await scheduleTimer(t.db, { shopId: 'pf', kind: 'a', key: 'other-shop', dueAt: at(0) }, NOW);
    await cancelTimer(t.db, 'gone', NOW);

    const keys = (ts: { key: string }[]) => ts.map((x) => x.key);
    expect(keys(await listTimers(t.db, 'fa'))).toEqual(['early', 'early-too', 'gone', 'late']);
    expect(keys(await listTimers(t.db, 'fa', { state: 'pending' }))).toEqual(['early', 'early-too', 'late']);
    expect(keys(await listTimers(t.db, 'fa', { state: ['cancelled', 'fired'] }))).toEqual(['gone']);
    expect(keys(await listTimers(t.db, 'fa', { kind: 'b' }))).toEqual(['late']);
    expect(keys(await listTimers(t.db, 'fa', { dueBefore: at(2) }))).toEqual(['early', 'early-too', 'gone']);
    expect(keys(await listTimers(t.db, 'fa', { limit: 1 }))).toEqual(['early']);
    expect(keys(await listNextPendingTimers(t.db, 3))).toEqual(['other-shop', 'early', 'early-too']);
  });

  it('nextPendingDueAt finds the earliest pending due time up to a bound, ignoring excluded ids', async () => {
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'a', key: 'one', dueAt: at(1) }, NOW);
    await scheduleTimer(t.db, { shopId: 'fa', kind: 'a', key: 'two', dueAt: at(3) }, NOW);
    expect(await nextPendingDueAt(t.db, at(10))).toEqual(at(1));
    expect(await nextPendingDueAt(t.db, at(0))).toBeUndefined();
    const [one] = await listTimers(t.db, 'fa', { kind: 'a', limit: 1 });
    expect(await nextPendingDueAt(t.db, at(10), new Set([one!.id]))).toEqual(at(3));
  });
});
