// PA-4: collecting the shares of an instalment plan once shipment is confirmed,
// and unwinding them (RF-3: "instalment plans are unwound with the financing
// partner"). Pure: shares and amounts come in, decisions go out; the use cases
// live in src/app/instalment-collections.ts.
//
// Dates are not computed here: `instalmentSchedule` / `firstInstalmentDate`
// (./instalments.ts) are the one PA-4 date rule (first share on the day of the
// shipment confirmation in the shop's time zone, the next ones on the same day
// of the following months, clamped to a short month's last day; a weekend or
// public holiday is kept: FA's own worked example debits on Saturday 2 June 2018).
import { DomainError } from '../errors.js';
import { money, type Money } from '../money.js';
import { parseCalendarDate, type CalendarDate } from '../calendar/working-days.js';

/**
 * The lifecycle of one share (style.md §1):
 *
 *   pending ──▶ collecting ──▶ collected
 *      │            │  ▲
 *      │            ▼  │ (retry: timer)
 *      │          failed
 *      └────────────┴──────▶ waived      (a refund removed what was left of it)
 *
 * `pending`: not asked yet (undated until shipment, or dated and waiting for
 * its day). `collecting`: one attempt handed to the partner through the
 * outbox. `failed`: the last attempt was declined — retried by timer while
 * attempts remain (`nextAttemptOn`), then left for the merchant.
 */
export const INSTALMENT_SHARE_STATES = ['pending', 'collecting', 'collected', 'failed', 'waived'] as const;
export type InstalmentShareState = (typeof INSTALMENT_SHARE_STATES)[number];

export const instalmentShareLifecycle = {
  pending: ['collecting', 'waived'],
  collecting: ['collected', 'failed', 'waived'],
  failed: ['collecting', 'waived'],
  collected: [],
  waived: [],
} as const satisfies Record<InstalmentShareState, readonly InstalmentShareState[]>;

export function canMoveShare(from: InstalmentShareState, to: InstalmentShareState): boolean {
  return (instalmentShareLifecycle[from] as readonly InstalmentShareState[]).includes(to);
}

/** A share whose money has not been taken (yet): a refund may still remove it. */
export function isOutstanding(state: InstalmentShareState): boolean {
  return state === 'pending' || state === 'collecting' || state === 'failed';
}

/**
 * PA-4 retries of a declined collection. Neither the catalogue nor FA's terms
 * set them (the partner's own terms do, in real life): a sensible default of 3
 * attempts in all, each retry 2 calendar days after the declined one, at the
 * start of that day in the shop's time zone.
 */
export const COLLECTION_RETRY = { maxAttempts: 3, daysApart: 2 } as const;

/**
 * PA-4: the day of the next attempt after `attemptsMade` attempts, the last one
 * declined on `declinedOn` (shop calendar); null when none is left.
 * 5 Jan declined (1st attempt) → 7 Jan; 7 Jan (2nd) → 9 Jan; 9 Jan (3rd) → null.
 */
export function nextCollectionAttemptOn(declinedOn: CalendarDate, attemptsMade: number, retry: { maxAttempts: number; daysApart: number } = COLLECTION_RETRY): CalendarDate | null {
  if (!Number.isSafeInteger(attemptsMade) || attemptsMade < 1) throw new DomainError('instalments.invalid_attempt', { field: 'attemptsMade', rule: 'PA-4', attemptsMade });
  if (attemptsMade >= retry.maxAttempts) return null;
  return parseCalendarDate(declinedOn, 'declinedOn').add({ days: retry.daysApart }).toString();
}

export type ShareForRefund = {
  readonly number: number;
  readonly state: InstalmentShareState;
  /** The share as the plan set it. */
  readonly amount: Money;
  /** What earlier refunds already removed from it. */
  readonly reduced: Money;
  /** What the partner took for it (collected shares only). */
  readonly collected: Money | null;
};

export type PlanRefundSplit = {
  /** Removed from shares not collected yet, the last shares first (share number → amount). */
  readonly reductions: readonly { readonly number: number; readonly amount: Money }[];
  readonly reduced: Money;
  /** Collected money the partner must give back. */
  readonly partnerRefund: Money;
  /** Asked but beyond what the plan still holds (never refunded: the plan's total is the ceiling). */
  readonly unsettled: Money;
};

/**
 * PA-4 / RF-3: how `amount` going back to a customer who pays in instalments
 * is settled. What is not collected yet is removed from the outstanding
 * shares, the LAST share first (so the customer stops paying the latest
 * months first and the next debit stays as planned as long as possible); what
 * is left is refunded by the partner from the money already collected, less
 * what earlier refunds gave back. Nothing beyond that: the plan's total caps
 * every refund, and the rest is `unsettled` for the caller to see.
 *
 * 600.00 in 4 × 150.00, share 1 collected, refund 200.00 → share 4 −150.00,
 * share 3 −50.00, no partner refund. Then refund 400.00 → share 3 −100.00,
 * share 2 −150.00, partner refund 150.00.
 */
export function planRefundSplit(input: { shares: readonly ShareForRefund[]; alreadyRefunded: Money; amount: Money }): PlanRefundSplit {
  const { currency } = input.amount;
  const same = (m: Money, field: string) => {
    if (m.currency !== currency) throw new DomainError('instalments.currency_mismatch', { field, rule: 'PA-4', expected: currency, got: m.currency });
    return m.amount;
  };
  same(input.alreadyRefunded, 'alreadyRefunded');
  if (!Number.isSafeInteger(input.amount.amount) || input.amount.amount < 0) throw new DomainError('instalments.invalid_refund_amount', { field: 'amount', rule: 'PA-4' });

  let left = input.amount.amount;
  const reductions: { number: number; amount: Money }[] = [];
  const lastFirst = [...input.shares].sort((a, b) => b.number - a.number);
  for (const share of lastFirst) {
    if (left === 0) break;
    if (!isOutstanding(share.state)) continue;
    const outstanding = same(share.amount, 'shares.amount') - same(share.reduced, 'shares.reduced');
    if (outstanding <= 0) continue;
    const take = Math.min(outstanding, left);
    reductions.push({ number: share.number, amount: money(take, currency) });
    left -= take;
  }
  const collected = input.shares.reduce((n, s) => n + (s.state === 'collected' && s.collected ? same(s.collected, 'shares.collected') : 0), 0);
  const refundable = Math.max(0, collected - input.alreadyRefunded.amount);
  const refund = Math.min(left, refundable);
  const reduced = reductions.reduce((n, r) => n + r.amount.amount, 0);
  return { reductions, reduced: money(reduced, currency), partnerRefund: money(refund, currency), unsettled: money(left - refund, currency) };
}

/** What is still to collect on a share: the plan's amount less what refunds removed (0: nothing to ask). */
export function amountToCollect(share: { amount: Money; reduced: Money }): Money {
  if (share.amount.currency !== share.reduced.currency) throw new DomainError('instalments.currency_mismatch', { field: 'reduced', rule: 'PA-4' });
  return money(Math.max(0, share.amount.amount - share.reduced.amount), share.amount.currency);
}

/** PA-4: the order's payment is complete when no share is left to collect (each collected, or waived by a refund). */
export function isPlanSettled(states: readonly InstalmentShareState[]): boolean {
  return states.length > 0 && states.every((s) => s === 'collected' || s === 'waived');
}
