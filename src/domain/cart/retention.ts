// CA-2: a cart is kept for the shop's retention period after its last change,
// then forgotten (an expired cart is never found again; a new one starts).
// Pure: `lastChange` is given, never read from a clock.
import { Temporal } from 'temporal-polyfill';
import { DomainError } from '../errors.js';
import { isPublicHoliday, type CalendarPlace } from '../calendar/public-holidays.js';
import { addWorkingDays } from '../calendar/working-days.js';

/** The policy's `cart.retention`: calendar / working days, or calendar months. */
export type CartRetention =
  | { readonly days: number; readonly kind: 'calendar' | 'working' | 'working_and_saturdays' }
  | { readonly months: number };

const DAY_MS = 24 * 60 * 60 * 1000;

/** French "jours ouvrables": every day but Sundays and public holidays. */
function isWorkingOrSaturday(date: Temporal.PlainDate, place: CalendarPlace): boolean {
  return date.dayOfWeek !== 7 && !isPublicHoliday(date.toString(), place);
}

/**
 * CA-2: the instant a cart last changed at `lastChange` expires. Calendar days
 * are 24-hour steps; months and working days are counted on the shop's local
 * calendar (time zone `timeZone`, public holidays of `place`) and keep the
 * local time of day.
 */
export function cartExpiresAt(retention: CartRetention, lastChange: Date, timeZone: string, place: CalendarPlace): Date {
  if (Number.isNaN(lastChange.getTime())) throw new DomainError('cart.invalid_instant', { field: 'lastChange', rule: 'CA-2' });
  if ('months' in retention) {
    const local = Temporal.Instant.fromEpochMilliseconds(lastChange.getTime()).toZonedDateTimeISO(timeZone);
    return new Date(local.add({ months: retention.months }).epochMilliseconds);
  }
  if (retention.kind === 'calendar') return new Date(lastChange.getTime() + retention.days * DAY_MS);
  const local = Temporal.Instant.fromEpochMilliseconds(lastChange.getTime()).toZonedDateTimeISO(timeZone);
  let date = local.toPlainDate();
  if (retention.kind === 'working') {
    date = Temporal.PlainDate.from(addWorkingDays(date.toString(), retention.days, place));
  } else {
    for (let left = retention.days; left > 0; ) {
      date = date.add({ days: 1 });
      if (isWorkingOrSaturday(date, place)) left -= 1;
    }
  }
  return new Date(date.toZonedDateTime({ timeZone, plainTime: local.toPlainTime() }).epochMilliseconds);
}
