// PA-4: split payment through a financing partner (FA: 3x for baskets of
// 150.00–2,000.00 EUR, 4x for 350.00–2,000.00 EUR, bounds inclusive;
// consumers resident in France; no fees). Pure: the policy's plans and the
// facts come in, an eligibility or a schedule goes out.
import { Temporal } from 'temporal-polyfill';
import { DomainError } from '../errors.js';
import { allocate, compare, multiply, subtract, type Money } from '../money.js';
import { parseCalendarDate, type CalendarDate } from '../calendar/working-days.js';

export type InstalmentPlanRule = {
  readonly count: 3 | 4;
  /** Both bounds inclusive (catalogue §15). */
  readonly basket: { readonly min: Money; readonly max: Money };
};

/** The policy's `payment.methods.instalments` (the fields eligibility reads). */
export type InstalmentsRule = {
  readonly plans: readonly InstalmentPlanRule[];
  readonly residency: readonly string[];
  readonly customerKinds: readonly string[];
};

export type InstalmentFacts = {
  /** The basket total the customer would pay (taxes and shipping included). */
  readonly total: Money;
  /** Country of residence (ISO 3166-1 alpha-2). */
  readonly residence: string;
  readonly customerKind: string;
};

/** Stable refusal codes, in the order they are checked. */
export const INSTALMENT_REFUSALS = [
  'instalments.customer_kind_not_eligible',
  'instalments.residency_not_eligible',
  'instalments.currency_not_offered',
  'instalments.basket_below_minimum',
  'instalments.basket_above_maximum',
] as const;
export type InstalmentRefusal = (typeof INSTALMENT_REFUSALS)[number];

export type PlanEligibility =
  | { readonly count: 3 | 4; readonly eligible: true }
  | { readonly count: 3 | 4; readonly eligible: false; readonly reasons: readonly InstalmentRefusal[] };

function refusalsFor(plan: InstalmentPlanRule, rule: InstalmentsRule, facts: InstalmentFacts): InstalmentRefusal[] {
  const reasons: InstalmentRefusal[] = [];
  if (!rule.customerKinds.includes(facts.customerKind)) reasons.push('instalments.customer_kind_not_eligible');
  if (!rule.residency.includes(facts.residence)) reasons.push('instalments.residency_not_eligible');
  if (facts.total.currency !== plan.basket.min.currency) {
    reasons.push('instalments.currency_not_offered');
  } else {
    // PA-4 / catalogue §15: both bounds inclusive.
    if (compare(facts.total, plan.basket.min) < 0) reasons.push('instalments.basket_below_minimum');
    if (compare(facts.total, plan.basket.max) > 0) reasons.push('instalments.basket_above_maximum');
  }
  return reasons;
}

/** PA-4: for each plan of the policy, whether this customer and basket may use it, and why not. */
export function instalmentEligibility(rule: InstalmentsRule, facts: InstalmentFacts): PlanEligibility[] {
  return rule.plans.map((plan) => {
    const reasons = refusalsFor(plan, rule, facts);
    return reasons.length === 0 ? { count: plan.count, eligible: true } : { count: plan.count, eligible: false, reasons };
  });
}

/** PA-4: throws the first refusal (`instalments.plan_not_offered` when the policy has no such plan). */
export function assertInstalmentsEligible(rule: InstalmentsRule, facts: InstalmentFacts, count: number): void {
  const plan = rule.plans.find((p) => p.count === count);
  if (!plan) throw new DomainError('instalments.plan_not_offered', { field: 'count', rule: 'PA-4', count });
  const [first] = refusalsFor(plan, rule, facts);
  if (first) throw new DomainError(first, { field: first.includes('basket') || first.includes('currency') ? 'total' : first.includes('residency') ? 'residence' : 'customerKind', rule: 'PA-4', count });
}

export type Instalment = { readonly number: number; readonly dueOn: CalendarDate; readonly amount: Money };

/**
 * PA-4: `count` shares of `total` to the cent. Shares 2…n are the equal share
 * rounded down (money.allocate's share before it hands out leftovers), and
 * the FIRST share takes every leftover minor unit (total − the others). So the
 * shares sum to the total and only the first one can differ: 1,000.00 in 3 →
 * 333.34 + 333.33 + 333.33; 1,000.01 in 3 → 333.35 + 333.33 + 333.33.
 */
export function instalmentShares(total: Money, count: number): Money[] {
  if (!Number.isSafeInteger(count) || count < 2) throw new DomainError('instalments.invalid_count', { field: 'count', rule: 'PA-4', count });
  if (total.amount <= 0) throw new DomainError('instalments.invalid_total', { field: 'total', rule: 'PA-4' });
  const shares = allocate(total, new Array<number>(count).fill(1));
  // allocate hands leftovers to the first shares; the last share is the floor share.
  const floorShare = shares[count - 1]!;
  const firstShare = subtract(total, multiply(floorShare, count - 1));
  return Array.from({ length: count }, (_, i) => (i === 0 ? firstShare : floorShare));
}

/**
 * PA-4: the exact schedule of `count` shares of `total` (amounts: `instalmentShares`).
 *
 * Dates: the first share on `firstDueOn` (the day shipment is confirmed), then
 * on the same day of each following month (catalogue §15: the seed's worked
 * examples, not its "30, 60, 90 days"). Each date is counted from the FIRST
 * date, not chained, and a day the month lacks is clamped to the month's last
 * day: 31 Jan 2027 → 28 Feb 2027 → 31 Mar 2027 (29 Feb in a leap year).
 */
export function instalmentSchedule(input: { total: Money; count: number; firstDueOn: CalendarDate }): Instalment[] {
  const shares = instalmentShares(input.total, input.count);
  const first = parseCalendarDate(input.firstDueOn, 'firstDueOn');
  return shares.map((amount, i) => ({
    number: i + 1,
    // Temporal's default overflow 'constrain' clamps 31 Jan + 1 month to 28/29 Feb.
    dueOn: first.add({ months: i }, { overflow: 'constrain' }).toString(),
    amount,
  }));
}

/** The first due date of a schedule: the local date of the shipment confirmation in the shop's time zone. */
export function firstInstalmentDate(shipmentConfirmedAt: Date, timeZone: string): CalendarDate {
  return Temporal.Instant.fromEpochMilliseconds(shipmentConfirmedAt.getTime()).toZonedDateTimeISO(timeZone).toPlainDate().toString();
}
