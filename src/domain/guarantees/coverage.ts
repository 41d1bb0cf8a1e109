// Guarantees (GU-1…GU-4) as pure rules: which guarantee covers an order line
// on a date, and the legal clocks of a claim. No I/O, no clock (`at` is a
// parameter).
//
// - GU-1 legal conformity: 2 years from delivery (the parcel's possession
//   date, SH-9); a defect appearing within 24 months (12 for second-hand) is
//   presumed to have existed at delivery. The end moves: the days the item is
//   immobilised for a remedy suspend it (added to the end), a repair extends it
//   by 6 months, a replacement imposed instead of the repair asked for starts a
//   new 2-year guarantee for the replacement (from its delivery).
// - GU-2 hidden defects: 2 years from the discovery the customer states.
// - GU-4 (EL) commercial: dead on arrival within 10 days of receipt; then the
//   manufacturer guarantee from day 11 for 36 months (6 for second-hand).
//
// Dates are calendar dates of the customer's calendar counted with `periodEnd`
// (the delivery day does not count; "2 years" lands on the same date), ending
// at midnight in the shop's time zone. No WD-3 shift: the law counts these in
// months and years, not in days to act.
import { Temporal } from 'temporal-polyfill';
import type { Policy } from '../../policy/schema.js';
import { plainDateIn, periodEnd, startOfDay, type PeriodEnd } from '../calendar/period-end.js';
import type { CalendarPlace } from '../calendar/public-holidays.js';
import type { CalendarDate } from '../calendar/working-days.js';
import { DomainError } from '../errors.js';
import { effectiveConformityRemedyDays, legalGuarantee } from '../legal-floor.js';

export const GUARANTEE_KINDS = ['conformity', 'hidden_defect', 'dead_on_arrival', 'commercial'] as const;
export type GuaranteeKind = (typeof GUARANTEE_KINDS)[number];
export const isGuaranteeKind = (value: unknown): value is GuaranteeKind => typeof value === 'string' && (GUARANTEE_KINDS as readonly string[]).includes(value);

export type Calendar = { timeZone: string; place: CalendarPlace };
type GuaranteePolicy = Pick<Policy, 'guarantees'>;

/** The last day of a guarantee and when it ends (midnight after it, shop time zone). */
export type Span = { kind: GuaranteeKind; startsOn: CalendarDate; lastDay: CalendarDate; dueAt: Date; rule: string };

const endOf = (lastDay: CalendarDate, cal: Calendar): PeriodEnd => ({ lastDay, dueAt: startOfDay(Temporal.PlainDate.from(lastDay).add({ days: 1 }).toString(), cal.timeZone) });
const addMonths = (day: CalendarDate, months: number) => Temporal.PlainDate.from(day).add({ months }).toString();
const addDays = (day: CalendarDate, days: number) => Temporal.PlainDate.from(day).add({ days }).toString();

/**
 * What happened to the item under earlier claims, oldest first (GU-1):
 * `immobilised` days suspend the guarantee, a `repaired` item gets 6 more
 * months, a `replaced_imposed` item starts again from the replacement's delivery.
 */
export type LineHistoryEvent = { kind: 'immobilised'; days: number } | { kind: 'repaired'; at: Date } | { kind: 'replaced_imposed'; deliveredAt: Date };

/** GU-1: the legal guarantee of conformity of a line delivered at `deliveredAt`, with its history. */
export function conformitySpan(input: { deliveredAt: Date; secondHand: boolean; history?: readonly LineHistoryEvent[]; calendar: Calendar }): Span & { presumptionLastDay: CalendarDate } {
  const law = legalGuarantee({ secondHand: input.secondHand });
  const cal = input.calendar;
  let start = plainDateIn(cal.timeZone, input.deliveredAt).toString();
  let last = addMonths(start, law.conformityMonths);
  let presumption = addMonths(start, law.presumptionMonths);
  for (const e of input.history ?? []) {
    if (e.kind === 'immobilised') last = addDays(last, e.days);
    else if (e.kind === 'repaired') last = addMonths(last, law.extensionAfterRepairMonths);
    else {
      // GU-1: a replacement imposed instead of the repair asked for is a new item with a new 2-year guarantee.
      start = plainDateIn(cal.timeZone, e.deliveredAt).toString();
      last = addMonths(start, law.conformityMonths);
      presumption = addMonths(start, law.presumptionMonths);
    }
  }
  return { kind: 'conformity', startsOn: start, ...endOf(last, cal), presumptionLastDay: presumption, rule: 'GU-1' };
}

/** GU-2: hidden defects, 2 years from the discovery the customer states (never before delivery nor in the future). */
export function hiddenDefectSpan(input: { deliveredAt: Date; discoveredOn?: string | null | undefined; at: Date; calendar: Calendar }): Span {
  const cal = input.calendar;
  const day = input.discoveredOn ?? '';
  let discovered: Temporal.PlainDate;
  try {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(day);
    discovered = Temporal.PlainDate.from(day);
  } catch {
    throw new DomainError('guarantee.discovery_date_required', { field: 'discoveredOn', rule: 'GU-2' }, 'Give the date you discovered the defect (YYYY-MM-DD).');
  }
  const delivered = plainDateIn(cal.timeZone, input.deliveredAt);
  const today = plainDateIn(cal.timeZone, input.at);
  if (Temporal.PlainDate.compare(discovered, delivered) < 0 || Temporal.PlainDate.compare(discovered, today) > 0) {
    throw new DomainError('guarantee.discovery_date_invalid', { field: 'discoveredOn', rule: 'GU-2', deliveredOn: delivered.toString(), today: today.toString() }, 'The discovery date is between the delivery and today.');
  }
  const years = legalGuarantee({ secondHand: false }).hiddenDefectYearsFromDiscovery;
  return { kind: 'hidden_defect', startsOn: discovered.toString(), ...endOf(discovered.add({ years }).toString(), cal), rule: 'GU-2' };
}

/** GU-4 (EL): the dead-on-arrival window from receipt, or null when the shop offers none. */
export function deadOnArrivalSpan(input: { policy: GuaranteePolicy; deliveredAt: Date; calendar: Calendar }): Span | null {
  const doa = input.policy.guarantees.deadOnArrival;
  if (!doa) return null;
  const end = periodEnd({ from: input.deliveredAt, period: doa.window, timeZone: input.calendar.timeZone, place: input.calendar.place });
  return { kind: 'dead_on_arrival', startsOn: plainDateIn(input.calendar.timeZone, input.deliveredAt).toString(), ...end, rule: 'GU-4' };
}

/** GU-4 (EL): the commercial guarantee — from the day after the dead-on-arrival window (day 11), 36 months, 6 for second-hand. */
export function commercialSpan(input: { policy: GuaranteePolicy; deliveredAt: Date; secondHand: boolean; calendar: Calendar }): Span | null {
  const c = input.policy.guarantees.commercial;
  if (!c) return null;
  const doa = deadOnArrivalSpan(input);
  const received = plainDateIn(input.calendar.timeZone, input.deliveredAt).toString();
  const from = c.startsAfterDeadOnArrival && doa ? doa.lastDay : received;
  const months = input.secondHand ? c.secondHandMonths : c.months;
  return { kind: 'commercial', startsOn: addDays(from, 1), ...endOf(addMonths(from, months), input.calendar), rule: 'GU-4' };
}

/** Every guarantee the shop's policy and the law give a line (for the account page), in the order they start. */
export function guaranteesOfLine(input: { policy: GuaranteePolicy; deliveredAt: Date; secondHand: boolean; history?: readonly LineHistoryEvent[]; calendar: Calendar }): Span[] {
  return [conformitySpan(input), deadOnArrivalSpan(input), commercialSpan(input)].filter((s): s is Span => s !== null);
}

/**
 * The guarantee a claim of `kind` filed at `at` relies on, or a refusal with
 * the dates: `guarantee.not_offered` (the shop has no such guarantee),
 * `guarantee.not_started` (EL commercial before day 11: dead on arrival
 * applies), `guarantee.expired` (its last day has passed).
 */
export function coverageFor(input: {
  policy: GuaranteePolicy;
  kind: GuaranteeKind;
  deliveredAt: Date;
  secondHand: boolean;
  history?: readonly LineHistoryEvent[];
  discoveredOn?: string | null;
  at: Date;
  calendar: Calendar;
}): Span & { presumptionLastDay: CalendarDate | null } {
  let span: Span | null;
  let presumptionLastDay: CalendarDate | null = null;
  if (input.kind === 'conformity') {
    const c = conformitySpan(input);
    span = c;
    presumptionLastDay = c.presumptionLastDay;
  } else if (input.kind === 'hidden_defect') span = hiddenDefectSpan(input);
  else if (input.kind === 'dead_on_arrival') span = deadOnArrivalSpan(input);
  else span = commercialSpan(input);
  if (span === null) throw new DomainError('guarantee.not_offered', { field: 'kind', rule: 'GU-4', kind: input.kind }, 'This shop offers no such commercial guarantee; the legal guarantees apply.');
  const today = plainDateIn(input.calendar.timeZone, input.at).toString();
  if (today < span.startsOn) {
    throw new DomainError('guarantee.not_started', { field: 'kind', rule: span.rule, kind: input.kind, startsOn: span.startsOn }, `This guarantee starts on ${span.startsOn}.`);
  }
  if (input.at.getTime() >= span.dueAt.getTime()) {
    throw new DomainError(
      'guarantee.expired',
      { field: 'kind', rule: span.rule, kind: input.kind, startsOn: span.startsOn, lastDay: span.lastDay },
      `This guarantee ran from ${span.startsOn} to ${span.lastDay} (${span.rule}).`,
    );
  }
  return { ...span, presumptionLastDay };
}

// ---------------------------------------------------------------------------
// The clocks of a claim

export type ClaimClocks = {
  /** GU-4: the merchant's answer is due (EL: 48 h for dead on arrival and commercial claims); null: no such promise. */
  answerDueAt: Date | null;
  /** GU-1 / GU-3: the remedy is due by the end of this day; null for hidden defects (GU-2 sets no delay). */
  remedyLastDay: CalendarDate | null;
  remedyDueAt: Date | null;
  rule: string;
};

/**
 * The clocks from the request (`filedAt`): the answer due (GU-4 hours, an
 * instant) and the remedy due — the policy's `within`, never above the law's
 * 30 days (legal-floor.ts); where the policy also promises a refund when the
 * remedy takes longer than a month (EL), the earlier of the two dates applies
 * (a month can be shorter than 30 days: 31 Jan → 28 Feb), so the customer never waits longer.
 */
export function claimClocks(input: { policy: GuaranteePolicy; kind: GuaranteeKind; filedAt: Date; calendar: Calendar }): ClaimClocks {
  const g = input.policy.guarantees;
  const hours = input.kind === 'dead_on_arrival' ? g.deadOnArrival?.answerWithinHours : input.kind === 'commercial' ? g.commercial?.answerWithinHours : undefined;
  const answerDueAt = hours === undefined ? null : new Date(input.filedAt.getTime() + hours * 3_600_000);
  if (input.kind === 'hidden_defect') return { answerDueAt, remedyLastDay: null, remedyDueAt: null, rule: 'GU-2' };
  const place = { from: input.filedAt, timeZone: input.calendar.timeZone, place: input.calendar.place };
  let end = periodEnd({ ...place, period: effectiveConformityRemedyDays(input.policy).applied });
  let rule = 'GU-1/GU-3';
  const longer = g.conformityRemedy.refundWhenLongerThan;
  if (longer) {
    const other = periodEnd({ ...place, period: longer });
    if (other.dueAt.getTime() < end.dueAt.getTime()) {
      end = other;
      rule = 'GU-3';
    }
  }
  return { answerDueAt, remedyLastDay: end.lastDay, remedyDueAt: end.dueAt, rule };
}

/** GU-1 suspension: the whole calendar days an item spent with the shop (received → given back, customer's calendar). */
export function immobilisedDays(input: { receivedAt: Date; returnedAt: Date; calendar: Calendar }): number {
  const from = plainDateIn(input.calendar.timeZone, input.receivedAt);
  const to = plainDateIn(input.calendar.timeZone, input.returnedAt);
  return Math.max(0, from.until(to, { largestUnit: 'days' }).days);
}
