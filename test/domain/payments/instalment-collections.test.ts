// PA-4 collections, the pure part: the share lifecycle, the retry days of a
// declined collection, and how a refund is split between the shares not yet
// collected (the last shares first) and a partner refund of collected money.
import { describe, expect, it } from 'vitest';
import { money, parseAmount, type Money } from '../../../src/domain/money.js';
import {
  amountToCollect,
  canMoveShare,
  isPlanSettled,
  nextCollectionAttemptOn,
  planRefundSplit,
  type InstalmentShareState,
  type ShareForRefund,
} from '../../../src/domain/payments/instalment-collections.js';

const eur = (text: string) => parseAmount(text, 'EUR');
const share = (number: number, state: InstalmentShareState, amount: string, reduced = '0.00', collected: string | null = null): ShareForRefund => ({
  number,
  state,
  amount: eur(amount),
  reduced: eur(reduced),
  collected: collected === null ? null : eur(collected),
});
const minor = (m: Money) => m.amount;

describe('PA-4 share lifecycle', () => {
  it.each([
    ['pending', 'collecting', true],
    ['pending', 'waived', true],
    ['collecting', 'collected', true],
    ['collecting', 'failed', true],
    ['failed', 'collecting', true],
    ['failed', 'waived', true],
    ['collected', 'waived', false],
    ['collected', 'failed', false],
    ['waived', 'collecting', false],
    ['pending', 'collected', false],
  ] as const)('%s → %s: %s', (from, to, allowed) => {
    expect(canMoveShare(from, to)).toBe(allowed);
  });

  it('a plan is settled when every share is collected or waived', () => {
    expect(isPlanSettled(['collected', 'collected', 'waived'])).toBe(true);
    expect(isPlanSettled(['collected', 'failed', 'collected'])).toBe(false);
    expect(isPlanSettled(['collected', 'collecting'])).toBe(false);
    expect(isPlanSettled([])).toBe(false);
  });

  it('the amount to collect is the share less what refunds removed', () => {
    expect(amountToCollect({ amount: eur('150.00'), reduced: eur('50.00') })).toEqual(eur('100.00'));
    expect(amountToCollect({ amount: eur('150.00'), reduced: eur('150.00') })).toEqual(eur('0.00'));
  });
});

describe('PA-4 retries of a declined collection (3 attempts, 2 days apart)', () => {
  it.each([
    ['2027-01-05', 1, '2027-01-07'],
    ['2027-01-07', 2, '2027-01-09'],
    ['2027-01-09', 3, null],
    ['2027-02-27', 1, '2027-03-01'], // across a month end
    ['2028-02-28', 1, '2028-03-01'], // leap year: 29 Feb counts
  ] as const)('declined on %s after %i attempt(s) → next on %s', (declinedOn, attempts, expected) => {
    expect(nextCollectionAttemptOn(declinedOn, attempts)).toBe(expected);
  });

  it('refuses a nonsense attempt count', () => {
    expect(() => nextCollectionAttemptOn('2027-01-05', 0)).toThrow(expect.objectContaining({ code: 'instalments.invalid_attempt' }));
  });
});

describe('PA-4 / RF-3: a refund through the plan', () => {
  const fourOf150 = (first: InstalmentShareState = 'collected') => [
    share(1, first, '150.00', '0.00', first === 'collected' ? '150.00' : null),
    share(2, 'pending', '150.00'),
    share(3, 'pending', '150.00'),
    share(4, 'pending', '150.00'),
  ];

  it('removes from the last shares first: 200.00 → share 4 −150.00, share 3 −50.00, nothing from the partner', () => {
    const split = planRefundSplit({ shares: fourOf150(), alreadyRefunded: eur('0.00'), amount: eur('200.00') });
    expect(split.reductions.map((r) => [r.number, minor(r.amount)])).toEqual([
      [4, 15000],
      [3, 5000],
    ]);
    expect([minor(split.reduced), minor(split.partnerRefund), minor(split.unsettled)]).toEqual([20000, 0, 0]);
  });

  it('counts earlier reductions and skips waived shares; above what remains, the partner refunds collected money', () => {
    const shares = [share(1, 'collected', '150.00', '0.00', '150.00'), share(2, 'pending', '150.00'), share(3, 'pending', '150.00', '50.00'), share(4, 'waived', '150.00', '150.00')];
    const split = planRefundSplit({ shares, alreadyRefunded: eur('0.00'), amount: eur('400.00') });
    expect(split.reductions.map((r) => [r.number, minor(r.amount)])).toEqual([
      [3, 10000],
      [2, 15000],
    ]);
    expect([minor(split.reduced), minor(split.partnerRefund), minor(split.unsettled)]).toEqual([25000, 15000, 0]);
  });

  it('a failed share and a share being collected are still outstanding; a collected one is not reduced', () => {
    const shares = [share(1, 'collected', '66.67', '0.00', '66.67'), share(2, 'failed', '66.67'), share(3, 'collecting', '66.67')];
    const split = planRefundSplit({ shares, alreadyRefunded: eur('0.00'), amount: eur('100.00') });
    expect(split.reductions.map((r) => [r.number, minor(r.amount)])).toEqual([
      [3, 6667],
      [2, 3333],
    ]);
    expect(minor(split.partnerRefund)).toBe(0);
  });

  it('never above what the plan holds: earlier partner refunds count, the rest is unsettled', () => {
    const shares = [share(1, 'collected', '200.01', '0.00', '200.01'), share(2, 'collected', '200.00', '0.00', '200.00'), share(3, 'waived', '200.00', '200.00')];
    const split = planRefundSplit({ shares, alreadyRefunded: eur('300.00'), amount: eur('150.00') });
    expect(split.reductions).toEqual([]);
    expect([minor(split.partnerRefund), minor(split.unsettled)]).toEqual([10001, 4999]);
  });

  it('before shipment (nothing collected) a refund only lowers the shares, the first one last', () => {
    const split = planRefundSplit({ shares: fourOf150('pending'), alreadyRefunded: eur('0.00'), amount: eur('500.00') });
    expect(split.reductions.map((r) => [r.number, minor(r.amount)])).toEqual([
      [4, 15000],
      [3, 15000],
      [2, 15000],
      [1, 5000],
    ]);
    expect(minor(split.partnerRefund)).toBe(0);
  });

  it('zero is nothing; another currency is refused', () => {
    expect(planRefundSplit({ shares: fourOf150(), alreadyRefunded: eur('0.00'), amount: eur('0.00') })).toMatchObject({ reductions: [], reduced: eur('0.00'), partnerRefund: eur('0.00') });
    expect(() => planRefundSplit({ shares: fourOf150(), alreadyRefunded: eur('0.00'), amount: money(100, 'GBP') })).toThrow(expect.objectContaining({ code: 'instalments.currency_mismatch' }));
  });
});
