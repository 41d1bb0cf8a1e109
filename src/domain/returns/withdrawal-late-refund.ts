// RF-1 / L242-4 Code de la consommation: when the refund after a withdrawal
// (due 14 days after the notice, L221-24) is late, the sums owed are
// increased by law:
//
//   1 to 10 days late    → the legal interest rate (pro rata temporis)
//   11 to 20 days late   → +5 %
//   21 to 30 days late   → +10 %
//   31 to 60 days late   → +20 %
//   61 to 90 days late   → +50 %
//   then +5 points per new month of delay (91–120 → 55 %, 121–150 → 60 %, …)
//   up to the price of the goods (100 %), then the legal interest rate.
//
// Interpretations (the statute leaves them open):
// - Days late are calendar days after the due date (its last day); a refund
//   made ON the due date is on time. A "month" beyond 90 days is 30 days, and
//   a started month counts (day 91 is already 55 %).
// - Legal interest: `legalInterestBasisPoints` is the yearly legal rate for
//   consumers the caller passes (7.21 % → 721; this module never looks it
//   up), applied pro rata days/365 on the part, rounded once.
// - The cap: the percentage reaches 100 % on day 361 (50 % + 10 × 5 points);
//   the law then adds "the legal interest rate": this module adds legal
//   interest on the part for the days after the end of that first 100 %
//   month (day 391 onwards), on top of the 100 % — one rounding per part.
// - As for SH-4 (late-refund-surcharge.ts, whose per-part split this reuses),
//   each part of the refund is surcharged at the tier of its own day, what is
//   still owed on `asOf` at the tier of `asOf`; the base is what was not
//   refunded by the due date.
import type { CalendarDate } from '../calendar/working-days.js';
import { refundParts, type RefundMade } from '../fulfilment/late-refund-surcharge.js';
import { DomainError } from '../errors.js';
import { add, applyRate, applyRatio, zero, type Money } from '../money.js';

/** L242-4: the percentage tiers (basis points) up to 90 days late; below 11 days the legal interest applies. */
export const WITHDRAWAL_LATE_REFUND_TIERS = [
  { upToDaysLate: 20, basisPoints: 500 },
  { upToDaysLate: 30, basisPoints: 1000 },
  { upToDaysLate: 60, basisPoints: 2000 },
  { upToDaysLate: 90, basisPoints: 5000 },
] as const;

const INTEREST_UP_TO_DAYS = 10;
const MONTH_DAYS = 30;
const POINTS_PER_MONTH = 500;
const CAP_BASIS_POINTS = 10_000;
/** The last day of the first month at 100 %: legal interest runs again after it. */
const CAP_LAST_DAY = 90 + MONTH_DAYS * ((CAP_BASIS_POINTS - 5000) / POINTS_PER_MONTH);

export type WithdrawalLateRefundRate = {
  /** legal_interest: `rateBasisPoints` is the yearly legal rate, pro rata; percentage: of the part; capped: 100 % plus legal interest for `interestDays`. */
  basis: 'on_time' | 'legal_interest' | 'percentage' | 'capped';
  rateBasisPoints: number;
  /** Days the legal interest runs for (0 when none). */
  interestDays: number;
};

/** RF-1 / L242-4: the tier of a refund made `daysLate` days after its due date. */
export function withdrawalLateRefundRate(daysLate: number, legalInterestBasisPoints: number): WithdrawalLateRefundRate {
  if (!Number.isSafeInteger(daysLate)) throw new DomainError('refund.invalid_days_late', { field: 'daysLate', rule: 'RF-1', value: daysLate });
  checkInterest(legalInterestBasisPoints);
  if (daysLate <= 0) return { basis: 'on_time', rateBasisPoints: 0, interestDays: 0 };
  if (daysLate <= INTEREST_UP_TO_DAYS) return { basis: 'legal_interest', rateBasisPoints: legalInterestBasisPoints, interestDays: daysLate };
  const tier = WITHDRAWAL_LATE_REFUND_TIERS.find((t) => daysLate <= t.upToDaysLate);
  if (tier) return { basis: 'percentage', rateBasisPoints: tier.basisPoints, interestDays: 0 };
  const months = Math.ceil((daysLate - 90) / MONTH_DAYS);
  const rateBasisPoints = Math.min(CAP_BASIS_POINTS, 5000 + POINTS_PER_MONTH * months);
  if (daysLate <= CAP_LAST_DAY) return { basis: 'percentage', rateBasisPoints, interestDays: 0 };
  return { basis: 'capped', rateBasisPoints, interestDays: daysLate - CAP_LAST_DAY };
}

function checkInterest(basisPoints: number): void {
  if (!Number.isSafeInteger(basisPoints) || basisPoints < 0) {
    throw new DomainError('refund.invalid_legal_interest', { field: 'legalInterestBasisPoints', rule: 'RF-1', value: basisPoints });
  }
}

/** The surcharge of one part at its tier, rounded once: percentage of the part, plus legal interest × days / 365. */
function surchargeOf(amount: Money, rate: WithdrawalLateRefundRate, legalInterestBasisPoints: number): Money {
  const interest = applyRatio(amount, legalInterestBasisPoints * rate.interestDays, 10_000 * 365);
  if (rate.basis === 'legal_interest') return interest;
  const percentage = applyRate(amount, rate.rateBasisPoints);
  // capped: 100 % is the part itself (exact), so the sum is still rounded once.
  return rate.basis === 'capped' ? add(percentage, interest) : percentage;
}

export type WithdrawalLateRefundPart = {
  /** The day the part went back, or `asOf` for the part still owed. */
  on: CalendarDate;
  amount: Money;
  daysLate: number;
  basis: WithdrawalLateRefundRate['basis'];
  rateBasisPoints: number;
  interestDays: number;
  surcharge: Money;
  /** false: still owed on `asOf`. */
  refunded: boolean;
};

export type WithdrawalLateRefundSurcharge = {
  /** Some of the refund went back after its due date, or is still owed after it. */
  late: boolean;
  /** The most days late of any part (0 when on time). */
  daysLate: number;
  /** The late parts, each at its own tier. */
  parts: WithdrawalLateRefundPart[];
  /** What the law adds, to the cent. */
  total: Money;
  /** Still to refund on `asOf` (the surcharge not included). */
  outstanding: Money;
};

/**
 * RF-1 / L242-4: the statutory surcharge of a withdrawal refund of `amount`
 * due by `dueOn`, given the refunds made and the day of the computation.
 *
 * 100.00 EUR due on 2027-01-06 at 7.21 % legal interest: refunded 10 days
 * late → 0.20 (100 × 7.21 % × 10/365 = 0.1975…); 11 days → 5.00; 91 days →
 * 55.00; 361 days → 100.00.
 */
export function withdrawalLateRefundSurcharge(input: {
  dueOn: CalendarDate;
  asOf: CalendarDate;
  amount: Money;
  refunds: readonly RefundMade[];
  legalInterestBasisPoints: number;
}): WithdrawalLateRefundSurcharge {
  const { amount, legalInterestBasisPoints } = input;
  checkInterest(legalInterestBasisPoints);
  const split = refundParts({ dueOn: input.dueOn, due: amount, refunds: input.refunds, asOf: input.asOf, rule: 'RF-1' });
  const parts: WithdrawalLateRefundPart[] = split.parts.flatMap((p) => {
    const rate = withdrawalLateRefundRate(p.daysLate, legalInterestBasisPoints);
    if (rate.basis === 'on_time') return [];
    return [{ on: p.on, amount: p.amount, daysLate: p.daysLate, ...rate, surcharge: surchargeOf(p.amount, rate, legalInterestBasisPoints), refunded: p.refunded }];
  });
  return {
    late: parts.length > 0,
    daysLate: parts.reduce((m, p) => Math.max(m, p.daysLate), 0),
    parts,
    total: parts.reduce((s, p) => add(s, p.surcharge), zero(amount.currency)),
    outstanding: split.outstanding,
  };
}
