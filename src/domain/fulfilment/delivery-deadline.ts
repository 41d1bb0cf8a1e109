// SH-4: the latest delivery date of an order. No delivery date is agreed at
// checkout, so the goods are due at the latest the policy's number of days
// after the order, never more than the law's 30 (L216-1 Code de la
// consommation; `effectiveDeliveryDeadlineDays` in legal-floor.ts).
import { plainDateIn } from '../calendar/period-end.js';
import { isCalendarDate, parseCalendarDate, type CalendarDate } from '../calendar/working-days.js';
import { DomainError } from '../errors.js';

/** SH-4: the order's day in the shop's calendar + `days` calendar days. */
export function deliveryDueOn(input: { placedAt: Date; days: number; timeZone: string }): CalendarDate {
  return plainDateIn(input.timeZone, input.placedAt).add({ days: input.days }).toString();
}

// ---------------------------------------------------------------------------
// SH-4 after the due date (L216-6 / L216-7 Code de la consommation): the
// customer enjoins the shop to deliver within a reasonable additional period
// (the notice); if the goods are still not delivered when it ends, the
// customer may terminate the contract and every sum paid is refunded within
// 14 days of the termination (late: `lateRefundSurcharge`, L241-4).
//
// The additional period: the customer picks the last day the shop has to
// deliver (`deliverBy`), at least DELIVERY_NOTICE_PERIOD.minDays and at most
// maxDays calendar days after the day of the notice; without a choice,
// defaultDays. Seven days leaves a shop already late by a month a real chance
// to ship and the carrier time to deliver (the law says "reasonable" and
// fixes no number); sixty keeps a typo from suspending the customer's right
// for years. The period ends at the end of `deliverBy` in the shop's time zone.
//
// Not handled here: termination without notice when the shop refuses to
// deliver or the date was essential (L216-6 second paragraph) — customer
// service handles those.

/** SH-4: the additional period a notice gives the shop, in calendar days after the notice's day. */
export const DELIVERY_NOTICE_PERIOD = { minDays: 7, defaultDays: 14, maxDays: 60 } as const;

/** The back office's "at risk" window: orders due within this many days. */
export const AT_RISK_WITHIN_DAYS = 3;

/** The fulfilment summary of an order (orders.fulfilment), as far as SH-4 reads it. */
export type DeliveryProgress = 'unfulfilled' | 'partially_shipped' | 'shipped' | 'partially_delivered' | 'delivered' | 'returned';

/** SH-4: the goods are late once the day after the due date has begun (the due date itself is in time). */
export function isDeliveryLate(input: { dueOn: CalendarDate; today: CalendarDate; fulfilment: DeliveryProgress }): boolean {
  return input.fulfilment !== 'delivered' && input.today > input.dueOn;
}

/**
 * SH-4: whether the customer may send the notice today — the goods are not
 * delivered and the due date has passed; `delivery.already_delivered` or
 * `delivery.not_late` (with the first day a notice is possible) otherwise.
 */
export function checkNoticeAllowed(input: { dueOn: CalendarDate; today: CalendarDate; fulfilment: DeliveryProgress }): void {
  if (input.fulfilment === 'delivered') throw new DomainError('delivery.already_delivered', { field: 'number', rule: 'SH-4' }, 'This order was delivered.');
  if (!isDeliveryLate(input)) {
    const from = parseCalendarDate(input.dueOn, 'dueOn').add({ days: 1 }).toString();
    throw new DomainError('delivery.not_late', { field: 'number', rule: 'SH-4', dueOn: input.dueOn, noticeFrom: from }, `The order may be delivered until ${input.dueOn}: a notice is possible from ${from}.`);
  }
}

/**
 * SH-4: the last day of the additional period the notice gives the shop —
 * `deliverBy` as the customer chose it, else `today` + the default days.
 * `delivery.deliver_by_invalid` (field `deliverBy`) when it is not a date, or
 * outside [today + minDays, today + maxDays].
 */
export function noticeDeliverBy(input: { today: CalendarDate; deliverBy?: string | undefined }): CalendarDate {
  const today = parseCalendarDate(input.today, 'today');
  const earliest = today.add({ days: DELIVERY_NOTICE_PERIOD.minDays }).toString();
  const latest = today.add({ days: DELIVERY_NOTICE_PERIOD.maxDays }).toString();
  if (input.deliverBy === undefined || input.deliverBy === '') return today.add({ days: DELIVERY_NOTICE_PERIOD.defaultDays }).toString();
  const details = { field: 'deliverBy', rule: 'SH-4', earliest, latest };
  if (!isCalendarDate(input.deliverBy)) throw new DomainError('delivery.deliver_by_invalid', details, 'Give the last day of delivery as YYYY-MM-DD.');
  if (input.deliverBy < earliest || input.deliverBy > latest) {
    throw new DomainError('delivery.deliver_by_invalid', details, `The additional period must end between ${earliest} and ${latest}.`);
  }
  return input.deliverBy;
}

/** The back office's view of an order's deadline: past due, due within AT_RISK_WITHIN_DAYS, or neither (null); delivered orders are never at risk. */
export function deliveryRisk(input: { dueOn: CalendarDate; today: CalendarDate; fulfilment: DeliveryProgress }): 'past_due' | 'due_soon' | null {
  if (input.fulfilment === 'delivered') return null;
  if (input.today > input.dueOn) return 'past_due';
  const horizon = parseCalendarDate(input.today, 'today').add({ days: AT_RISK_WITHIN_DAYS }).toString();
  return input.dueOn <= horizon ? 'due_soon' : null;
}
