import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/domain/errors.js';
import { priceDisplay, type PriceHistoryEntry } from '../../../src/domain/pricing/reductions.js';

// A history written as [amount in cents, effective date (UTC midnight)].
const history = (...entries: Array<[number, string]>): PriceHistoryEntry[] =>
  entries.map(([amountMinor, day]) => ({ amountMinor, effectiveAt: new Date(day.includes('T') ? day : `${day}T00:00:00Z`) }));

type Expected = null | { reference: number; percentOff: number; since: string };

// PR-6: the reference is the lowest price of the 30 days before the reduction;
// 30 days before 1 March 2027 is 30 January 2027.
describe('PR-6 price reduction announcements', () => {
  it.each<[string, PriceHistoryEntry[], string, number, Expected]>([
    ['one price, never changed', history([10_000, '2026-06-01']), '2027-03-10', 10_000, null],
    ['a plain reduction: 100 → 80', history([10_000, '2026-06-01'], [8_000, '2027-03-01']), '2027-03-10', 8_000, { reference: 10_000, percentOff: 20, since: '2027-03-01' }],
    [
      'raised then "reduced": 80 → 100 (20 Feb) → 90: the 30-day lowest is 80, not shown as reduced',
      history([8_000, '2027-01-01'], [10_000, '2027-02-20'], [9_000, '2027-03-01']),
      '2027-03-10', 9_000, null,
    ],
    [
      'raised more than 30 days before: 80 → 100 (15 Jan) → 90: reference 100',
      history([8_000, '2027-01-01'], [10_000, '2027-01-15'], [9_000, '2027-03-01']),
      '2027-03-10', 9_000, { reference: 10_000, percentOff: 10, since: '2027-03-01' },
    ],
    [
      'the price in force when the window opens counts: 80 until 30 Jan 00:00:01, then 100',
      history([8_000, '2027-01-01'], [10_000, '2027-01-30T00:00:01Z'], [9_000, '2027-03-01']),
      '2027-03-10', 9_000, null,
    ],
    [
      'a price that ended exactly when the window opens does not count: 80 until 30 Jan 00:00',
      history([8_000, '2027-01-01'], [10_000, '2027-01-30'], [9_000, '2027-03-01']),
      '2027-03-10', 9_000, { reference: 10_000, percentOff: 10, since: '2027-03-01' },
    ],
    [
      'a short low price inside the window: 100 → 85 (5 Feb) → 100 (8 Feb) → 90: lowest 85, not reduced',
      history([10_000, '2026-12-01'], [8_500, '2027-02-05'], [10_000, '2027-02-08'], [9_000, '2027-03-01']),
      '2027-03-10', 9_000, null,
    ],
    [
      'successive reductions in one campaign: 100 → 80 (1 Mar) → 60 (15 Mar): from the price before the first step',
      history([10_000, '2026-12-01'], [8_000, '2027-03-01'], [6_000, '2027-03-15']),
      '2027-03-20', 6_000, { reference: 10_000, percentOff: 40, since: '2027-03-01' },
    ],
    [
      'successive reductions, the window before the first step held a lower price: 70 → 100 (10 Feb) → 80 → 60',
      history([7_000, '2027-01-01'], [10_000, '2027-02-10'], [8_000, '2027-03-01'], [6_000, '2027-03-15']),
      '2027-03-20', 6_000, { reference: 7_000, percentOff: 14, since: '2027-03-01' }, // 14.28 % → 14
    ],
    [
      'the price went back up: 100 → 80 (1 Mar) → 90 (10 Mar) is not a reduction any more',
      history([10_000, '2026-12-01'], [8_000, '2027-03-01'], [9_000, '2027-03-10']),
      '2027-03-12', 9_000, null,
    ],
    [
      'a new campaign after going back up: 100 → 80 → 100 (10 Mar) → 70 (15 Mar): the 30-day lowest is 80',
      history([10_000, '2026-12-01'], [8_000, '2027-03-01'], [10_000, '2027-03-10'], [7_000, '2027-03-15']),
      '2027-03-20', 7_000, { reference: 8_000, percentOff: 12, since: '2027-03-15' }, // 12.5 % → 12
    ],
    [
      'the percentage is rounded down: 29.99 → 19.99 is 33.34 % → 33',
      history([2_999, '2026-12-01'], [1_999, '2027-03-01']),
      '2027-03-02', 1_999, { reference: 2_999, percentOff: 33, since: '2027-03-01' },
    ],
    [
      'rounded down, never up: 100.00 → 66.67 is 33.33 % → 33 (not 34)',
      history([10_000, '2026-12-01'], [6_667, '2027-03-01']),
      '2027-03-02', 6_667, { reference: 10_000, percentOff: 33, since: '2027-03-01' },
    ],
    [
      'a new product: 120 (20 Feb) → 100 (1 Mar): the lowest price it had, 120',
      history([12_000, '2027-02-20'], [10_000, '2027-03-01']),
      '2027-03-05', 10_000, { reference: 12_000, percentOff: 16, since: '2027-03-01' },
    ],
    [
      'the same price recorded twice is one price: 100, 100 (15 Feb) → 80',
      history([10_000, '2027-01-01'], [10_000, '2027-02-15'], [8_000, '2027-03-01']),
      '2027-03-05', 8_000, { reference: 10_000, percentOff: 20, since: '2027-03-01' },
    ],
    [
      'a price scheduled in the future is not in force yet',
      history([10_000, '2027-01-01'], [8_000, '2027-04-01']),
      '2027-03-20', 10_000, null,
    ],
    [
      'at the very instant the reduction takes effect',
      history([10_000, '2027-01-01'], [8_000, '2027-03-01']),
      '2027-03-01', 8_000, { reference: 10_000, percentOff: 20, since: '2027-03-01' },
    ],
  ])('PR-6 %s', (_title, entries, now, current, expected) => {
    const display = priceDisplay(entries, new Date(`${now}T00:00:00Z`));
    expect(display).toEqual({
      current,
      reduced: expected === null ? null : { reference: expected.reference, percentOff: expected.percentOff, since: new Date(`${expected.since}T00:00:00Z`) },
    });
  });

  it('PR-6 the history may come in any order', () => {
    const sorted = history([7_000, '2027-01-01'], [10_000, '2027-02-10'], [8_000, '2027-03-01'], [6_000, '2027-03-15']);
    const now = new Date('2027-03-20T00:00:00Z');
    expect(priceDisplay([...sorted].reverse(), now)).toEqual(priceDisplay(sorted, now));
    expect(priceDisplay([sorted[2]!, sorted[0]!, sorted[3]!, sorted[1]!], now)).toEqual(priceDisplay(sorted, now));
  });

  it.each([
    ['no price in force yet', history([10_000, '2027-04-01']), 'price.none_in_force'],
    ['an empty history', [], 'price.none_in_force'],
    ['a fractional amount', history([99.5, '2027-01-01']), 'price.invalid_history'],
    ['an invalid date', [{ amountMinor: 100, effectiveAt: new Date('nope') }], 'price.invalid_history'],
  ])('PR-6 refuses %s', (_title, entries, code) => {
    try {
      priceDisplay(entries, new Date('2027-03-01T00:00:00Z'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe(code);
    }
  });
});
