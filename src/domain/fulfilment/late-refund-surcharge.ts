// SH-4 / L241-4 Code de la consommation: when the contract was terminated for
// late delivery (L216-6) and the shop did not refund every sum paid within 14
// days of the termination (L216-7), the sum is increased by law:
//
//   refunded at most 14 days after the due date  → +10 %
//   15 to 30 days after                           → +20 %
//   more than 30 days after                       → +50 %
//
// Days late are calendar days between the refund's legal due date (its last
// day) and the day the money went back: a refund made ON the due date is on
// time. Each part of the refund is surcharged at the tier of its own day (a
// refund made in two transfers, one 5 and one 20 days late, owes 10 % on the
// first and 20 % on the second); what is still not refunded on `asOf` is
// surcharged at the tier of `asOf` — what the shop owes if it refunds today.
// The base is what was not refunded by the due date (the law's "cette
// somme"); what went back in time owes nothing. Rounded once per part with
// the engine's rule (half away from zero, `applyRate`).
//
// Not to be confused with RF-1's scale after a withdrawal (L242-4: legal
// interest, then +5 %… up to +50 % and beyond), which is another function.
import { parseCalendarDate, type CalendarDate } from '../calendar/working-days.js';
import { DomainError } from '../errors.js';
import { add, applyRate, money, zero, type Money } from '../money.js';

/** L241-4: the surcharge by days late (the last tier has no end). */
export const LATE_REFUND_SURCHARGE_TIERS = [
  { upToDaysLate: 14, basisPoints: 1000 },
  { upToDaysLate: 30, basisPoints: 2000 },
  { upToDaysLate: Number.POSITIVE_INFINITY, basisPoints: 5000 },
] as const;

/** SH-4 / L241-4: the surcharge rate (basis points) of a refund made `daysLate` days after its due date; 0 when on time. */
export function lateRefundSurchargeRate(daysLate: number): number {
  if (!Number.isSafeInteger(daysLate)) throw new DomainError('refund.invalid_days_late', { field: 'daysLate', rule: 'SH-4', value: daysLate });
  if (daysLate <= 0) return 0;
  return LATE_REFUND_SURCHARGE_TIERS.find((t) => daysLate <= t.upToDaysLate)!.basisPoints;
}

/** Calendar days from `dueOn` to `on` (negative when `on` is before). */
export function daysAfter(dueOn: CalendarDate, on: CalendarDate): number {
  return parseCalendarDate(dueOn, 'dueOn').until(parseCalendarDate(on, 'on'), { largestUnit: 'days' }).days;
}

export type RefundMade = { on: CalendarDate; amount: Money };

export type LateRefundPart = {
  /** The day the part went back, or `asOf` for the part still owed. */
  on: CalendarDate;
  amount: Money;
  daysLate: number;
  rateBasisPoints: number;
  surcharge: Money;
  /** false: still owed on `asOf`. */
  refunded: boolean;
};

export type LateRefundSurcharge = {
  /** Some of the refund went back after its due date, or is still owed after it. */
  late: boolean;
  /** The most days late of any part (0 when on time). */
  daysLate: number;
  /** The tier of those days (basis points; 0 when on time). */
  rateBasisPoints: number;
  /** What the law adds, to the cent. */
  surcharge: Money;
  /** Still to refund on `asOf` (the surcharge not included). */
  outstanding: Money;
  /** The late parts, each with its own tier. */
  parts: LateRefundPart[];
};

/** A part of a refund due by a date: what went back on one day (or is still owed on `asOf`), and how late. */
export type RefundPart = { on: CalendarDate; amount: Money; daysLate: number; refunded: boolean };

/**
 * The per-part split both late-refund scales use (SH-4 / L241-4 and RF-1 /
 * L242-4): what was due by `dueOn` (its last day), taken by the refunds made
 * (any order, a refund dated after `asOf` not counted yet, refunds beyond
 * `due` ignored) oldest first, and what is still owed on `asOf` as a last
 * part. Every part is listed, on time ones too (daysLate <= 0); `rule` is the
 * rule ID the errors carry.
 */
export function refundParts(input: { dueOn: CalendarDate; due: Money; refunds: readonly RefundMade[]; asOf: CalendarDate; rule: string }): { parts: RefundPart[]; outstanding: Money } {
  const { due, dueOn, asOf, rule } = input;
  if (!Number.isSafeInteger(due.amount) || due.amount < 0) throw new DomainError('refund.invalid_amount', { field: 'due', rule, value: due.amount });
  daysAfter(dueOn, asOf); // both dates checked
  const made = input.refunds
    .filter((r) => daysAfter(asOf, r.on) <= 0)
    .map((r) => {
      if (r.amount.currency !== due.currency) throw new DomainError('refund.currency_mismatch', { field: 'refunds', rule, expected: due.currency });
      if (!Number.isSafeInteger(r.amount.amount) || r.amount.amount < 0) throw new DomainError('refund.invalid_amount', { field: 'refunds', rule, value: r.amount.amount });
      return r;
    })
    .sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));

  const parts: RefundPart[] = [];
  let left = due.amount;
  for (const r of made) {
    if (left === 0) break;
    const amount = Math.min(left, r.amount.amount);
    left -= amount;
    if (amount > 0) parts.push({ on: r.on, amount: money(amount, due.currency), daysLate: daysAfter(dueOn, r.on), refunded: true });
  }
  if (left > 0) parts.push({ on: asOf, amount: money(left, due.currency), daysLate: daysAfter(dueOn, asOf), refunded: false });
  return { parts, outstanding: money(left, due.currency) };
}

/**
 * SH-4 / L241-4: the statutory surcharge of a refund due by `dueOn` (its last
 * day), given the refunds made (`refunds`, any order; a refund dated after
 * `asOf` is not counted yet) and the day of the computation `asOf`. Refunds
 * beyond `due` are ignored (nothing is owed on them).
 *
 * 100.00 EUR due on 2027-01-06, refunded on 2027-01-20 (14 days late) → 10.00;
 * on 2027-01-21 (15 days) → 20.00; still owed on 2027-02-06 (31 days) → 50.00.
 */
export function lateRefundSurcharge(input: { dueOn: CalendarDate; due: Money; refunds: readonly RefundMade[]; asOf: CalendarDate }): LateRefundSurcharge {
  const { due } = input;
  const split = refundParts({ ...input, rule: 'SH-4' });
  const parts: LateRefundPart[] = split.parts.flatMap((p) => {
    const rateBasisPoints = lateRefundSurchargeRate(p.daysLate);
    return rateBasisPoints === 0 ? [] : [{ on: p.on, amount: p.amount, daysLate: p.daysLate, rateBasisPoints, surcharge: applyRate(p.amount, rateBasisPoints), refunded: p.refunded }];
  });

  const worst = parts.reduce((m, p) => (p.daysLate > m.daysLate ? p : m), { daysLate: 0, rateBasisPoints: 0 } as Pick<LateRefundPart, 'daysLate' | 'rateBasisPoints'>);
  return {
    late: parts.length > 0,
    daysLate: worst.daysLate,
    rateBasisPoints: worst.rateBasisPoints,
    surcharge: parts.reduce((s, p) => add(s, p.surcharge), zero(due.currency)),
    outstanding: split.outstanding,
    parts,
  };
}
