// The calendar date an instant falls on in a time zone: legal dates (invoice
// dates, due dates) are dates of the shop's calendar, never UTC dates.
import type { CalendarDate } from './working-days.js';

/** The calendar date of `at` in `timeZone` (YYYY-MM-DD). */
export function localDateIn(timeZone: string, at: Date): CalendarDate {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
