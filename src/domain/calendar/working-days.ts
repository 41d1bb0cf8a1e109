// Working days at a place. Dates cross this module's boundary as calendar
// dates 'YYYY-MM-DD' (no time, no zone); Temporal.PlainDate inside.
import { Temporal } from 'temporal-polyfill';
import { DomainError } from '../errors.js';
import { isPublicHoliday, type CalendarPlace } from './public-holidays.js';

/** A calendar date written 'YYYY-MM-DD'. */
export type CalendarDate = string;

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/** Reads a 'YYYY-MM-DD' calendar date; throws `calendar.invalid_date` otherwise (2027-02-30 included). */
/** Whether `value` is a real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function isCalendarDate(value: string): boolean {
  try {
    parseCalendarDate(value);
    return true;
  } catch {
    return false;
  }
}

export function parseCalendarDate(value: string, field = 'date'): Temporal.PlainDate {
  if (typeof value !== 'string' || !datePattern.test(value)) {
    throw new DomainError('calendar.invalid_date', { field, value });
  }
  try {
    return Temporal.PlainDate.from(value, { overflow: 'reject' });
  } catch {
    throw new DomainError('calendar.invalid_date', { field, value });
  }
}

const saturday = 6;
const sunday = 7;

// WD-3: Saturday, Sunday and public holidays are not working days.
function isWorking(date: Temporal.PlainDate, place: CalendarPlace): boolean {
  return date.dayOfWeek !== saturday && date.dayOfWeek !== sunday && !isPublicHoliday(date.toString(), place);
}

export function isWorkingDay(date: CalendarDate, place: CalendarPlace): boolean {
  return isWorking(parseCalendarDate(date), place);
}

/** The date itself when it is a working day, else the first working day after it. */
export function nextWorkingDay(date: CalendarDate, place: CalendarPlace): CalendarDate {
  let day = parseCalendarDate(date);
  while (!isWorking(day, place)) day = day.add({ days: 1 });
  return day.toString();
}

/**
 * The n-th working day strictly after `date` (n ≥ 0): Friday + 1 → Monday;
 * n = 0 returns `date` unchanged, working day or not.
 */
export function addWorkingDays(date: CalendarDate, n: number, place: CalendarPlace): CalendarDate {
  if (!Number.isSafeInteger(n) || n < 0) throw new DomainError('calendar.invalid_working_days', { field: 'n', value: n });
  let day = parseCalendarDate(date);
  for (let counted = 0; counted < n; ) {
    day = day.add({ days: 1 });
    if (isWorking(day, place)) counted += 1;
  }
  return day.toString();
}
