// SH-3: estimated dispatch and delivery dates, counted on working days
// (Monday–Friday minus the public holidays of the DISPATCH country).
//
// Counting convention:
// 1. The order's local date and time are read in the shop's time zone.
// 2. Start day: that date when it is a working day and the order came in
//    before the cut-off time (no cut-off: any time of that day); otherwise
//    the next working day. A cut-off 'HH:MM' is exclusive: at 14:00 sharp
//    with cut-off '14:00' the order is after it.
// 3. dispatchBy = start day + (preparation + extra lead) working days: with 0
//    the parcel leaves on the start day; "24 business hours" (1) ordered on
//    Monday leaves by Tuesday; FR's 48 h (2) on Monday leaves by Wednesday.
//    The per-product extra lead (PF engraving: 10–15) is the largest one of the
//    order's items — the caller gives it, using the upper bound of a range.
// 4. earliest / latest = dispatchBy + transit min / max working days: one
//    working day of transit from a Friday dispatch arrives on Monday.
import { Temporal } from 'temporal-polyfill';
import { DomainError } from '../errors.js';
import type { CalendarPlace } from '../calendar/public-holidays.js';
import { addWorkingDays, isWorkingDay, nextWorkingDay, type CalendarDate } from '../calendar/working-days.js';

export type DeliveryEstimateInput = {
  readonly orderedAt: Date;
  /** The shop's IANA time zone, in which the order's date and the cut-off are read. */
  readonly timeZone: string;
  /** SH-3: where the parcel leaves from; its public holidays count. */
  readonly dispatchPlace: CalendarPlace;
  readonly preparationWorkingDays: number;
  /** Largest per-product extra lead time of the order, in working days (0 if none). */
  readonly extraLeadWorkingDays: number;
  readonly transitWorkingDays: { readonly min: number; readonly max: number };
  /** Orders placed at or after this local time start on the next working day. */
  readonly cutoffLocalTime?: string;
};

export type DeliveryEstimate = {
  readonly dispatchBy: CalendarDate;
  readonly earliest: CalendarDate;
  readonly latest: CalendarDate;
};

function assertDays(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new DomainError('shipping.invalid_lead_time', { field, rule: 'SH-3', value });
  return value;
}

const cutoffPattern = /^([01]\d|2[0-3]):([0-5]\d)$/;

function parseCutoff(value: string): Temporal.PlainTime {
  const match = cutoffPattern.exec(value);
  if (!match) throw new DomainError('shipping.invalid_cutoff', { field: 'cutoffLocalTime', rule: 'SH-3', value });
  return new Temporal.PlainTime(Number(match[1]), Number(match[2]));
}

function localOrderTime(orderedAt: Date, timeZone: string): Temporal.PlainDateTime {
  if (Number.isNaN(orderedAt.getTime())) throw new DomainError('shipping.invalid_order_time', { field: 'orderedAt', rule: 'SH-3' });
  try {
    return Temporal.Instant.fromEpochMilliseconds(orderedAt.getTime()).toZonedDateTimeISO(timeZone).toPlainDateTime();
  } catch {
    throw new DomainError('calendar.invalid_time_zone', { field: 'timeZone', value: timeZone });
  }
}

function startDay(input: DeliveryEstimateInput): CalendarDate {
  const local = localOrderTime(input.orderedAt, input.timeZone);
  const date = local.toPlainDate().toString();
  const afterCutoff =
    input.cutoffLocalTime !== undefined && Temporal.PlainTime.compare(local.toPlainTime(), parseCutoff(input.cutoffLocalTime)) >= 0;
  if (isWorkingDay(date, input.dispatchPlace) && !afterCutoff) return date;
  return nextWorkingDay(local.toPlainDate().add({ days: 1 }).toString(), input.dispatchPlace);
}

export function estimateDelivery(input: DeliveryEstimateInput): DeliveryEstimate {
  const preparation = assertDays(input.preparationWorkingDays, 'preparationWorkingDays');
  const extra = assertDays(input.extraLeadWorkingDays, 'extraLeadWorkingDays');
  const { min, max } = input.transitWorkingDays;
  assertDays(min, 'transitWorkingDays.min');
  assertDays(max, 'transitWorkingDays.max');
  if (min > max) throw new DomainError('shipping.invalid_lead_time', { field: 'transitWorkingDays', rule: 'SH-3', min, max });

  const dispatchBy = addWorkingDays(startDay(input), preparation + extra, input.dispatchPlace);
  return {
    dispatchBy,
    earliest: addWorkingDays(dispatchBy, min, input.dispatchPlace),
    latest: addWorkingDays(dispatchBy, max, input.dispatchPlace),
  };
}
