import { describe, expect, it } from 'vitest';
import { cartExpiresAt } from '../../../src/domain/cart/retention.js';

const fr = { country: 'FR' };

describe('CA-2 cartExpiresAt', () => {
  it.each([
    // last change (UTC)         retention                                  → expires (UTC)
    ['2026-11-23T09:00:00Z', { days: 30, kind: 'calendar' as const }, '2026-12-23T09:00:00.000Z'],
    ['2026-03-20T10:00:00Z', { days: 30, kind: 'calendar' as const }, '2026-04-19T10:00:00.000Z'], // 24-hour steps across the DST change
    ['2026-01-31T10:00:00Z', { months: 1 }, '2026-02-28T10:00:00.000Z'], // end of month clamps
    ['2026-12-24T10:00:00Z', { days: 2, kind: 'working' as const }, '2026-12-29T10:00:00.000Z'], // 25 Dec holiday, weekend: Mon 28, Tue 29
    ['2026-12-24T10:00:00Z', { days: 2, kind: 'working_and_saturdays' as const }, '2026-12-28T10:00:00.000Z'], // Sat 26 counts, Sun 27 does not
  ])('%s + %j → %s', (at, retention, expected) => {
    expect(cartExpiresAt(retention, new Date(at), 'Europe/Paris', fr).toISOString()).toBe(expected);
  });
});
