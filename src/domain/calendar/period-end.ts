// The end of a legal period that starts at an instant: the one counting shared
// by the engine's deadlines (PA-5 transfer, PA-6 review, SH-7 collection
// windows, SH-4 / RF-1 refund due dates). The day of the starting instant does
// not count; the period's days of its kind are counted from the next day in the
// customer's calendar, and the period ends with the last one, at midnight in
// the shop's time zone.
import { Temporal } from 'temporal-polyfill';
import { DomainError } from '../errors.js';
import { isPublicHoliday, type CalendarPlace } from './public-holidays.js';
import { addWorkingDays, type CalendarDate } from './working-days.js';

/** A period of days of a kind, or calendar months (SH-7: "one month"). */
export type LegalPeriod = { readonly days: number; readonly kind: 'calendar' | 'working' | 'working_and_saturdays' } | { readonly months: number };

export type PeriodEnd = {
  /** The period's last day (customer's calendar). */
  readonly lastDay: CalendarDate;
  /** The end of that day in the shop's time zone: when the engine acts. */
  readonly dueAt: Date;
};

/** The calendar date of `at` in `timeZone`, as a Temporal date (`calendar.invalid_time_zone` for an unknown zone). */
export function plainDateIn(timeZone: string, at: Date): Temporal.PlainDate {
  try {
    return Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(timeZone).toPlainDate();
  } catch {
    throw new DomainError('calendar.invalid_time_zone', { field: 'timeZone', value: timeZone });
  }
}

/** Midnight at the start of `date` in `timeZone`. */
export function startOfDay(date: CalendarDate, timeZone: string): Date {
  return new Date(Temporal.PlainDate.from(date).toZonedDateTime({ timeZone }).epochMilliseconds);
}

/**
 * EL, 6 calendar days from Mon 23 Nov 2026 10:00 Paris → last day Sun 29 Nov,
 * due 30 Nov 00:00 Paris. Working days skip Saturdays, Sundays and public
 * holidays; working_and_saturdays skips Sundays and public holidays; months
 * land on the same day of the month (31 Jan + 1 month → 28 Feb).
 */
export function periodEnd(input: { from: Date; period: LegalPeriod; timeZone: string; place: CalendarPlace }): PeriodEnd {
  const { period, timeZone, place } = input;
  const start = plainDateIn(timeZone, input.from);
  let last: Temporal.PlainDate;
  if ('months' in period) {
    if (!Number.isSafeInteger(period.months) || period.months < 1) throw new DomainError('calendar.invalid_period', { field: 'months', value: period.months });
    last = start.add({ months: period.months });
  } else {
    if (!Number.isSafeInteger(period.days) || period.days < 1) throw new DomainError('calendar.invalid_period', { field: 'days', value: period.days });
    if (period.kind === 'calendar') last = start.add({ days: period.days });
    else if (period.kind === 'working') last = Temporal.PlainDate.from(addWorkingDays(start.toString(), period.days, place));
    else {
      last = start;
      for (let left = period.days; left > 0; ) {
        last = last.add({ days: 1 });
        if (last.dayOfWeek !== 7 && !isPublicHoliday(last.toString(), place)) left -= 1;
      }
    }
  }
  return { lastDay: last.toString(), dueAt: startOfDay(last.add({ days: 1 }).toString(), timeZone) };
}
