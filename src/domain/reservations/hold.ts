// ST-1 (CAT-6): reservation in store, free and without obligation — the pure
// rules on time and quantity. No I/O, no clock: every instant is a parameter.
//
//   holdEnd               when the items go back on sale:
//                         FA `{ hours: 48, withinOpeningHours: true }` — 48 hours
//                         counted only while the store is open, from the request;
//                         FR `{ days: 3, kind: working, from: confirmation }` — the
//                         day of confirmation does not count, then 3 working days
//                         (Mon–Fri without the public holidays of the store's
//                         place), the hold ending at the end of the last one in
//                         the shop's time zone (like every legal day of the engine).
//   confirmationDeadline  FR `confirmationWithinHours: 2`: the store confirms within
//                         2 hours of OPENING time after the request (see below).
//   checkDistinctItems    FR `maxDistinctItems: 10`: at most 10 different items
//                         (variants, i.e. SKUs) held by one customer at a time,
//                         over all their active reservations.
//
// Why the confirmation deadline counts opening hours (ST-1 says "the store
// confirms (FR: within 2 hours)", the policy has no flag for it): only an open
// store can confirm, and the only consequence of a missed deadline is an email
// telling the customer the store has not confirmed yet. Counting clock hours
// would send that email for every reservation made in the evening or on a
// Sunday, telling customers something misleading (the store has not failed,
// it is closed). FA's hold, the other ST-1 duration tied to a store, is
// counted the same way.
//
// Opening hours are local wall-clock intervals per weekday (the catalogue's
// `opening_hours`, src/policy/catalogue-file.ts); an open hour is an hour of
// elapsed time inside them, so the day the clocks change counts what really
// elapsed. Public holidays are not closing days here: the catalogue's opening
// hours do not say when a store closes on one.
import { Temporal } from 'temporal-polyfill';
import { DomainError } from '../errors.js';
import { isPublicHoliday, type CalendarPlace } from '../calendar/public-holidays.js';
import { addWorkingDays, type CalendarDate } from '../calendar/working-days.js';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
const weekdays: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** A store's week: intervals "HH:MM"–"HH:MM" (closing "24:00" allowed) per weekday, in its time zone. */
export type OpeningHours = {
  readonly timeZone: string;
  readonly week: Readonly<Record<Weekday, readonly { readonly opens: string; readonly closes: string }[]>>;
};

export type DayKind = 'calendar' | 'working' | 'working_and_saturdays';

/** The policy's `reservations.hold` (src/policy/schema.ts `reservationsSchema`). */
export type HoldRule =
  | { readonly hours: number; readonly withinOpeningHours: boolean }
  | { readonly days: number; readonly kind: DayKind; readonly from: 'confirmation' | 'request' };

const HOUR_MS = 3_600_000;
/** However many hours a policy gives, a hold never needs more days than this to end: beyond, the data are wrong. */
const MAX_DAYS = 3660;

function invalid(field: string, value: unknown): never {
  throw new DomainError('reservation.invalid_rule', { field, rule: 'ST-1', value });
}

function zoned(at: Date, timeZone: string): Temporal.ZonedDateTime {
  try {
    return Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(timeZone);
  } catch {
    throw new DomainError('calendar.invalid_time_zone', { field: 'timeZone', value: timeZone });
  }
}

/** The instant a local wall-clock time of a day happens ("24:00" = the next day's start). */
function instantOf(day: Temporal.PlainDate, time: string, timeZone: string): number {
  if (time === '24:00') return day.add({ days: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds;
  let plainTime: Temporal.PlainTime;
  try {
    plainTime = Temporal.PlainTime.from(time);
  } catch {
    return invalid('openingHours', time);
  }
  // 'compatible': a time skipped when clocks go forward is read after the gap.
  return day.toZonedDateTime({ timeZone, plainTime }).epochMilliseconds;
}

/**
 * The store's open intervals [start, end) as epoch milliseconds, in order,
 * from `from` on (an interval under way is cut at `from`).
 */
function* openIntervals(hours: OpeningHours, from: Date): Generator<[number, number]> {
  if (!weekdays.some((d) => (hours.week[d] ?? []).length > 0)) {
    throw new DomainError('reservation.store_never_open', { field: 'store', rule: 'ST-1' }, 'This store has no opening hours: nothing can be held there.');
  }
  const fromMs = from.getTime();
  let day = zoned(from, hours.timeZone).toPlainDate();
  for (let i = 0; i < MAX_DAYS; i += 1) {
    for (const interval of hours.week[weekdays[day.dayOfWeek - 1]!] ?? []) {
      const start = instantOf(day, interval.opens, hours.timeZone);
      const end = instantOf(day, interval.closes, hours.timeZone);
      if (end <= fromMs || end <= start) continue;
      yield [Math.max(start, fromMs), end];
    }
    day = day.add({ days: 1 });
  }
  invalid('hours', `more than ${MAX_DAYS} days`);
}

/**
 * ST-1: the instant `openHours` hours of opening time have passed since
 * `from`. From a closed store, counting starts when it opens; a count that
 * ends exactly at closing time ends then (not at the next opening).
 * Mon–Sat 10:00–19:00, Sat 17:00 + 48 h → the next Saturday 11:00.
 */
export function addOpeningHours(hours: OpeningHours, from: Date, openHours: number): Date {
  if (!Number.isSafeInteger(openHours) || openHours < 1) invalid('hours', openHours);
  if (Number.isNaN(from.getTime())) invalid('from', String(from));
  let remaining = openHours * HOUR_MS;
  for (const [start, end] of openIntervals(hours, from)) {
    if (end - start >= remaining) return new Date(start + remaining);
    remaining -= end - start;
  }
  return invalid('hours', openHours); // unreachable: openIntervals throws first
}

/** Where a store's public holidays come from: its country, and for France its department (Alsace-Moselle, overseas) from the postcode. */
export function placeOfStore(address: { readonly country: string; readonly postcode?: string | undefined }): CalendarPlace {
  const country = address.country.trim().toUpperCase();
  const postcode = (address.postcode ?? '').replace(/\s/g, '');
  if (country !== 'FR' || !/^\d{5}$/.test(postcode)) return { country };
  return { country, region: postcode.startsWith('97') ? postcode.slice(0, 3) : postcode.slice(0, 2) };
}

/** From which step a hold is counted: an hours rule from the request (FA), a days rule from its `from` (FR: confirmation). */
export function holdCountedFrom(rule: HoldRule): 'request' | 'confirmation' {
  return 'hours' in rule ? 'request' : rule.from;
}

export type HoldEnd = {
  /** When the items go back on sale (the timer `reservation.hold_expiry`). */
  readonly endsAt: Date;
  /** For a rule in days: the last day the customer may come (YYYY-MM-DD, shop's calendar); null for a rule in hours. */
  readonly lastDay: CalendarDate | null;
};

/**
 * ST-1: when a hold counted from `from` (the request or the confirmation,
 * `holdCountedFrom`) ends.
 * - `{ hours, withinOpeningHours: true }` (FA): `addOpeningHours` over the store's hours;
 *   `withinOpeningHours: false`: plain elapsed hours.
 * - `{ days, kind }` (FR: 3 working days): the day of `from` does not count;
 *   `days` days of the kind are counted from the next day in the shop's time
 *   zone (working: Mon–Fri without public holidays of `place`;
 *   working_and_saturdays: all but Sundays and public holidays; calendar:
 *   every day), and the hold ends at the end of the last one.
 *   Confirmed Tue 10 Nov 2026 → Thu 12, Fri 13, Mon 16 (11 Nov is a public
 *   holiday) → ends Tue 17 Nov 00:00 Paris.
 */
export function holdEnd(input: { rule: HoldRule; from: Date; openingHours: OpeningHours | null; timeZone: string; place: CalendarPlace }): HoldEnd {
  const { rule, from } = input;
  if (Number.isNaN(from.getTime())) invalid('from', String(from));
  if ('hours' in rule) {
    if (!Number.isSafeInteger(rule.hours) || rule.hours < 1) invalid('hold.hours', rule.hours);
    if (!rule.withinOpeningHours) return { endsAt: new Date(from.getTime() + rule.hours * HOUR_MS), lastDay: null };
    if (!input.openingHours) throw new DomainError('reservation.store_never_open', { field: 'store', rule: 'ST-1' }, 'This store has no opening hours: nothing can be held there.');
    return { endsAt: addOpeningHours(input.openingHours, from, rule.hours), lastDay: null };
  }
  if (!Number.isSafeInteger(rule.days) || rule.days < 1) invalid('hold.days', rule.days);
  const start = zoned(from, input.timeZone).toPlainDate();
  let last: Temporal.PlainDate;
  if (rule.kind === 'calendar') last = start.add({ days: rule.days });
  else if (rule.kind === 'working') last = Temporal.PlainDate.from(addWorkingDays(start.toString(), rule.days, input.place));
  else {
    last = start;
    for (let left = rule.days; left > 0; ) {
      last = last.add({ days: 1 });
      if (last.dayOfWeek !== 7 && !isPublicHoliday(last.toString(), input.place)) left -= 1;
    }
  }
  return { endsAt: new Date(last.add({ days: 1 }).toZonedDateTime({ timeZone: input.timeZone }).epochMilliseconds), lastDay: last.toString() };
}

/**
 * ST-1 (FR: "the store confirms within 2 hours"): the instant the store
 * should have confirmed a reservation requested at `requestedAt` —
 * `withinHours` hours of the store's OPENING time (see the header for why).
 * Requested Tue 10:00 in a store open 10:00–19:00 → 12:00; requested Sat
 * 19:00 in a store closing at 19:30, closed Sunday and open Mon 14:00 → Mon 15:30.
 */
export function confirmationDeadline(input: { withinHours: number; requestedAt: Date; openingHours: OpeningHours | null }): Date {
  if (!input.openingHours) throw new DomainError('reservation.store_never_open', { field: 'store', rule: 'ST-1' }, 'This store has no opening hours: it cannot confirm.');
  return addOpeningHours(input.openingHours, input.requestedAt, input.withinHours);
}

/**
 * ST-1 (FR: at most 10 different items per customer): the different items
 * (variant ids) the customer would hold — those of their active reservations
 * plus those asked for now — or `reservation.too_many_items` (field `lines`)
 * beyond `max`. `max` null: no limit (FA).
 */
export function checkDistinctItems(input: { held: readonly string[]; requested: readonly string[]; max: number | null }): { distinct: number } {
  const distinct = new Set([...input.held, ...input.requested]).size;
  if (input.max !== null && distinct > input.max) {
    const alreadyHeld = new Set(input.held).size;
    throw new DomainError(
      'reservation.too_many_items',
      { field: 'lines', rule: 'ST-1', limit: input.max, distinct, alreadyHeld },
      `At most ${input.max} different items may be reserved at a time (${alreadyHeld} already reserved, ${distinct} with this request).`,
    );
  }
  return { distinct };
}
