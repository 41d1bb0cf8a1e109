// PA-7: late payment by professionals. Interest runs at a set multiple of a
// reference rate (EL: 1.5 × the reference rate — Euribor for a buyer in the
// dispatch country, the national bank's base rate abroad; the rate in force on
// the due date is an INPUT, this module never looks it up), on the amount
// unpaid, per day late over a 365-day year:
//
//   interest = amount × multiple × reference rate × days late / 365
//
// computed exactly as one fraction and rounded once by src/domain/money.ts.
//
// On top of it, French Code de commerce art. L441-10 (II) owes a fixed
// indemnity for recovery costs of 40 EUR per late invoice to a professional
// creditor (amount set by art. D441-5), whatever the number of days.
// (L441-10 also sets a floor for the penalty rate — three times the legal
// interest rate —, a matter for the policy linter, not for this computation.)
import { DomainError } from '../errors.js';
import { applyRatio, money, type Currency, type Money } from '../money.js';
import { parseCalendarDate, type CalendarDate } from '../calendar/working-days.js';

/** Exact decimal → integer × 10^-digits, refusing more digits than allowed (no float rounding). */
function toScaled(value: number | string, digits: number, field: string): number {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match || (match[2]?.length ?? 0) > digits) {
    throw new DomainError('late_interest.invalid_rate', { field, rule: 'PA-7', value: text, digits });
  }
  const scaled = Number(`${match[1]}${(match[2] ?? '').padEnd(digits, '0')}`);
  if (!Number.isSafeInteger(scaled)) throw new DomainError('late_interest.invalid_rate', { field, rule: 'PA-7', value: text });
  return scaled;
}

/** Days from the due date to the payment date: paid the day after the due date → 1; on or before it → 0. */
export function daysLate(dueOn: CalendarDate, paidOn: CalendarDate): number {
  const due = parseCalendarDate(dueOn, 'dueOn');
  const paid = parseCalendarDate(paidOn, 'paidOn');
  return Math.max(0, due.until(paid, { largestUnit: 'days' }).days);
}

export type LateInterestInput = {
  /** The amount paid late. */
  readonly amount: Money;
  /** The policy's multiple (EL: 1.5), at most 3 decimals. */
  readonly multiple: number | string;
  /** The reference rate in force on the due date, in percent per year (e.g. "3.15"), at most 4 decimals. */
  readonly referenceRatePercent: number | string;
  readonly daysLate: number;
};

/** PA-7: the late interest, exact to the minor unit (rounded once, half away from zero). */
export function lateInterest(input: LateInterestInput): Money {
  if (!Number.isSafeInteger(input.daysLate) || input.daysLate < 0) {
    throw new DomainError('late_interest.invalid_days', { field: 'daysLate', rule: 'PA-7', value: input.daysLate });
  }
  const multipleMilli = toScaled(input.multiple, 3, 'multiple'); // 1.5 → 1500 / 1 000
  const rateTenThousandthsOfPercent = toScaled(input.referenceRatePercent, 4, 'referenceRatePercent'); // 3.15 % → 31 500 / 1 000 000
  const numerator = BigInt(multipleMilli) * BigInt(rateTenThousandthsOfPercent) * BigInt(input.daysLate);
  // 1 000 (multiple) × 100 (percent) × 10 000 (rate decimals) × 365 (days a year)
  const denominator = 1000n * 100n * 10_000n * 365n;
  const divisor = gcd(numerator, denominator);
  const n = numerator / divisor;
  const d = denominator / divisor;
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || d > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new DomainError('late_interest.overflow', { rule: 'PA-7' });
  }
  return applyRatio(input.amount, Number(n), Number(d));
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

/** L441-10 (II) + D441-5: the fixed recovery indemnity per late invoice to a professional: 40 EUR. */
export const RECOVERY_INDEMNITY_EUR_MINOR = 4000;

export function recoveryIndemnity(currency: Currency = 'EUR'): Money {
  if (currency !== 'EUR') throw new DomainError('late_interest.indemnity_currency', { field: 'currency', rule: 'PA-7', currency });
  return money(RECOVERY_INDEMNITY_EUR_MINOR, 'EUR');
}

export type LatePaymentCharges = { readonly daysLate: number; readonly interest: Money; readonly indemnity: Money };

/** PA-7 for one invoice paid late: interest plus the fixed indemnity (nothing when paid on time). */
export function latePaymentCharges(input: Omit<LateInterestInput, 'daysLate'> & { dueOn: CalendarDate; paidOn: CalendarDate }): LatePaymentCharges {
  const days = daysLate(input.dueOn, input.paidOn);
  const interest = lateInterest({ ...input, daysLate: days });
  const indemnity = days > 0 ? recoveryIndemnity(input.amount.currency) : money(0, input.amount.currency);
  return { daysLate: days, interest, indemnity };
}

/** For display: the annual rate applied, in percent (1.5 × 3.15 % → "4.725"). */
export function appliedAnnualRatePercent(multiple: number | string, referenceRatePercent: number | string): string {
  const m = toScaled(multiple, 3, 'multiple');
  const r = toScaled(referenceRatePercent, 4, 'referenceRatePercent');
  const scaled = BigInt(m) * BigInt(r); // × 10^-7 percent
  const text = scaled.toString().padStart(8, '0');
  return `${BigInt(text.slice(0, -7))}.${text.slice(-7)}`.replace(/\.?0+$/, '');
}
