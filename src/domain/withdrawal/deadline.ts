// The withdrawal deadline (WD-1, WD-2, WD-3, WD-3b): pure, no clock — the
// dates are facts the caller records (possession per shipment, when the
// withdrawal information was given).
import { Temporal } from 'temporal-polyfill';
import { DomainError } from '../errors.js';
import type { CalendarPlace } from '../calendar/public-holidays.js';
import { addWorkingDays, nextWorkingDay, parseCalendarDate, type CalendarDate } from '../calendar/working-days.js';

export type WithdrawalPeriod = { readonly days: number; readonly kind: 'calendar' | 'working' };

export type WithdrawalDeadlineInput = {
  /** WD-1: day the customer (or a third party they named) took possession of the LAST item. */
  readonly possessionDate: CalendarDate;
  /** WD-2: the shop's period, already raised to the legal floor by the caller. */
  readonly period: WithdrawalPeriod;
  /** WD-3: the customer's country (and region): its public holidays. */
  readonly place: CalendarPlace;
  /** The shop's IANA time zone: the period ends at the end of the last day there. */
  readonly timeZone: string;
  /** Day the contract was concluded; information given after it was given late (WD-3b). */
  readonly contractDate?: CalendarDate;
  /**
   * WD-3b: day the withdrawal information was given. `null`: never given.
   * Omitted: given on time (before the contract was concluded).
   */
  readonly withdrawalInformationGivenOn?: CalendarDate | null;
};

/**
 * Which rule set `lastDay`: WD-1 the legal 14 days; WD-2 the shop's longer
 * period; WD-3 a WD-1/WD-2 period moved past a non-working day; WD-3b-missing
 * the 12-month extension; WD-3b-late 14 days from information given late.
 * `movedFrom` is the day a period would have ended on before WD-3 moved it.
 */
export type WithdrawalDeadlineBasis = 'WD-1' | 'WD-2' | 'WD-3' | 'WD-3b-missing' | 'WD-3b-late';

export type WithdrawalDeadline = {
  readonly lastDay: CalendarDate;
  /** The instant the period ends: the start of the day after lastDay in the shop's time zone. */
  readonly endsAt: Date;
  readonly basis: WithdrawalDeadlineBasis;
  readonly movedFrom: CalendarDate | null;
};

type PeriodEnd = { lastDay: Temporal.PlainDate; movedFrom: Temporal.PlainDate | null };
type Ending = PeriodEnd & { basis: WithdrawalDeadlineBasis };

// WD-1: the law's floor, 14 calendar days.
const legalPeriod: WithdrawalPeriod = { days: 14, kind: 'calendar' };

// WD-3: a period ending on a Saturday, Sunday or public holiday of the
// customer's country runs to the end of the next working day.
function movedToWorkingDay(day: Temporal.PlainDate, place: CalendarPlace): PeriodEnd {
  const lastDay = Temporal.PlainDate.from(nextWorkingDay(day.toString(), place));
  return { lastDay, movedFrom: lastDay.equals(day) ? null : day };
}

// WD-1 / WD-2: the period starts the day after the event and counts calendar
// days (then WD-3) or working days of the customer's country (the n-th
// working day after the event is itself a working day).
function endOfPeriod(event: Temporal.PlainDate, period: WithdrawalPeriod, place: CalendarPlace): PeriodEnd {
  if (period.kind === 'working') {
    return { lastDay: Temporal.PlainDate.from(addWorkingDays(event.toString(), period.days, place)), movedFrom: null };
  }
  return movedToWorkingDay(event.add({ days: period.days }), place);
}

function isAfter(a: Temporal.PlainDate, b: Temporal.PlainDate): boolean {
  return Temporal.PlainDate.compare(a, b) > 0;
}

// WD-2 over WD-1: the shop's period, but never less than the law's (the law
// wins at run time even if a caller forgot to raise the period).
function periodFrom(event: Temporal.PlainDate, period: WithdrawalPeriod, place: CalendarPlace): PeriodEnd & { byShop: boolean } {
  const law = endOfPeriod(event, legalPeriod, place);
  const shop = endOfPeriod(event, period, place);
  return isAfter(shop.lastDay, law.lastDay) ? { ...shop, byShop: true } : { ...law, byShop: false };
}

function assertPeriod(period: WithdrawalPeriod): void {
  if (!Number.isSafeInteger(period.days) || period.days < 1 || (period.kind !== 'calendar' && period.kind !== 'working')) {
    throw new DomainError('withdrawal.invalid_period', { field: 'period', rule: 'WD-2', days: period.days, kind: period.kind });
  }
}

function endOfDayIn(lastDay: Temporal.PlainDate, timeZone: string): Date {
  try {
    // toZonedDateTime without a time gives the start of that day, even where a
    // daylight-saving change skips midnight.
    return new Date(lastDay.add({ days: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds);
  } catch {
    throw new DomainError('calendar.invalid_time_zone', { field: 'timeZone', value: timeZone });
  }
}

/**
 * WD-3b, reading L221-20 with Art. 10 of Directive 2011/83 (which it transposes):
 * - information never given: the period is extended by 12 months from the end
 *   of the initial period (the WD-3-moved last day of the shop's period, never
 *   shorter than the law's); a period in months ends on the same date 12 months
 *   later, or the last day of the month when that date does not exist
 *   (Regulation 1182/71 art. 3(2)(c)); then WD-3 again;
 * - information given after the contract was concluded (after possession when
 *   the contract date is not known) but no later than the end of that
 *   extension: the period ends 14 days after the day it was received. We run
 *   the shop's own period (≥ 14 days) from that day, then WD-3. It never
 *   shortens the initial period: information given late but early (before
 *   delivery) leaves the initial deadline in place;
 * - information given after the extension ended revives nothing.
 */
function informationRule(input: WithdrawalDeadlineInput, possession: Temporal.PlainDate, initial: Ending): Ending {
  const givenOn = input.withdrawalInformationGivenOn;
  if (givenOn === undefined) return initial;
  const given = givenOn === null ? null : parseCalendarDate(givenOn, 'withdrawalInformationGivenOn');
  const contract = input.contractDate === undefined ? possession : parseCalendarDate(input.contractDate, 'contractDate');
  if (given && !isAfter(given, contract)) return initial;

  const extended = movedToWorkingDay(initial.lastDay.add({ months: 12 }), input.place);
  if (!given || isAfter(given, extended.lastDay)) return { ...extended, basis: 'WD-3b-missing' };
  const late = periodFrom(given, input.period, input.place);
  return isAfter(late.lastDay, initial.lastDay) ? { lastDay: late.lastDay, movedFrom: late.movedFrom, basis: 'WD-3b-late' } : initial;
}

export function withdrawalDeadline(input: WithdrawalDeadlineInput): WithdrawalDeadline {
  assertPeriod(input.period);
  const possession = parseCalendarDate(input.possessionDate, 'possessionDate');
  const first = periodFrom(possession, input.period, input.place);
  const initial: Ending = {
    lastDay: first.lastDay,
    movedFrom: first.movedFrom,
    basis: first.movedFrom ? 'WD-3' : first.byShop ? 'WD-2' : 'WD-1',
  };
  const end = informationRule(input, possession, initial);
  return {
    lastDay: end.lastDay.toString(),
    endsAt: endOfDayIn(end.lastDay, input.timeZone),
    basis: end.basis,
    movedFrom: end.movedFrom?.toString() ?? null,
  };
}

/** WD-1: a notice is in time if sent before the period ends (end of the last day, shop time zone). */
export function isNoticeInTime(sentAt: Date, deadline: Pick<WithdrawalDeadline, 'endsAt'>): boolean {
  if (Number.isNaN(sentAt.getTime())) throw new DomainError('withdrawal.invalid_notice_time', { field: 'sentAt', rule: 'WD-1' });
  return sentAt.getTime() < deadline.endsAt.getTime();
}
