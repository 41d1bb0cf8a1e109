// WD-3 / SH-3: public holidays of a country (and of a French region), from
// date-holidays. Only days of type 'public' count: date-holidays also lists
// 'observance' (FR: Pentecost Sunday, Mother's Day), 'optional' (GP/MQ: Victor
// Schœlcher day), 'bank' (IE: Good Friday, DE: 24 Dec afternoon) and 'school'
// (NL: Good Friday) days, which are working days for the law.
//
// Place → date-holidays mapping (checked against date-holidays 3.37, whose
// French overseas departments give the same holidays modelled either way):
// - Metropolitan France: country FR, no state (the eleven of the labour code).
// - Alsace-Moselle: FR + state '57', '67' or '68' (adds Good Friday and 26 Dec).
// - Overseas departments and Saint-Martin / Saint-Barthélemy — GP, MQ, GF, RE,
//   YT, MF, BL — are modelled as states of FR. `{ country: 'RE' }` (their own
//   ISO 3166-1 code, as in an address), `{ country: 'FR', region: 'RE' }`,
//   `{ country: 'FR', region: 'FR-RE' }` and `{ country: 'FR', region: '974' }`
//   (INSEE department number) all resolve to FR + state RE.
// - Overseas collectivities PM, WF, PF, NC are countries of their own in
//   date-holidays: `{ country: 'NC' }` and `{ country: 'FR', region: 'NC' }`
//   (or '988') both resolve to NC.
// - An unknown French region (a metropolitan department such as '75') falls
//   back to metropolitan France; for other countries a region that
//   date-holidays knows as a state (GB 'SCT', DE 'BY', CH 'GE'…) is used,
//   anything else falls back to the national holidays.
// - UK and EL (the EU's codes for the United Kingdom and Greece) mean GB, GR.
// - A country date-holidays does not know (JW ships worldwide, e.g. AQ, TF):
//   no public holidays, so only Saturdays and Sundays are non-working days.
//
// A holiday counts for the whole local day(s) it covers; a half-day holiday
// (e.g. CW 31 Dec from 12:00) does not make the day a non-working day.
import Holidays from 'date-holidays';
import { Temporal } from 'temporal-polyfill';
import { DomainError } from '../errors.js';

/** Where a calendar applies: ISO 3166-1 alpha-2 country, optional region (see the mapping above). */
export type CalendarPlace = { readonly country: string; readonly region?: string };

/** The date-holidays calendar a place resolves to; `null` country = unknown (weekends only). */
export type HolidayCalendar = { readonly country: string | null; readonly state?: string };

export type PublicHoliday = { readonly date: string; readonly name: string };

const frenchStates: Readonly<Record<string, string>> = {
  '57': '57', // Moselle
  '67': '67', // Bas-Rhin
  '68': '68', // Haut-Rhin
  GP: 'GP', '971': 'GP',
  MQ: 'MQ', '972': 'MQ',
  GF: 'GF', '973': 'GF',
  RE: 'RE', '974': 'RE',
  YT: 'YT', '976': 'YT',
  BL: 'BL', '977': 'BL',
  MF: 'MF', '978': 'MF',
};

const frenchCollectivities: Readonly<Record<string, string>> = {
  PM: 'PM', '975': 'PM',
  WF: 'WF', '986': 'WF',
  PF: 'PF', '987': 'PF',
  NC: 'NC', '988': 'NC',
};

// Exceptionally reserved ISO codes the EU uses for two member states (VAT, Eurostat).
const aliases: Readonly<Record<string, string>> = { UK: 'GB', EL: 'GR' };

const directory = new Holidays();
const knownCountries = new Set(Object.keys(directory.getCountries()));

function normalise(code: string | undefined, country?: string): string | undefined {
  const upper = code?.trim().toUpperCase();
  if (!upper) return undefined;
  return country && upper.startsWith(`${country}-`) ? upper.slice(country.length + 1) : upper;
}

/** Resolves a place to the date-holidays calendar that holds its public holidays. */
export function holidayCalendar(place: CalendarPlace): HolidayCalendar {
  const written = normalise(place.country);
  const country = written && (aliases[written] ?? written);
  if (!country || !/^[A-Z]{2}$/.test(country)) {
    throw new DomainError('calendar.invalid_country', { field: 'country', value: place.country });
  }
  const region = normalise(place.region, country);
  const overseasState = frenchStates[country];
  if (overseasState) return { country: 'FR', state: overseasState };
  if (country === 'FR') {
    const state = region ? frenchStates[region] : undefined;
    if (state) return { country: 'FR', state };
    const collectivity = region ? frenchCollectivities[region] : undefined;
    return { country: collectivity ?? 'FR' };
  }
  if (!knownCountries.has(country)) return { country: null };
  const states = directory.getStates(country) ?? {};
  return region && Object.hasOwn(states, region) ? { country, state: region } : { country };
}

const calendars = new Map<string, Holidays | null>();
const holidaysByYear = new Map<string, ReadonlyMap<string, string>>();

function keyOf(calendar: HolidayCalendar): string {
  return calendar.country === null ? '-' : `${calendar.country}/${calendar.state ?? ''}`;
}

// Building a Holidays instance parses its rules: one per calendar, kept.
function holidaysFor(calendar: HolidayCalendar): Holidays | null {
  const key = keyOf(calendar);
  let holidays = calendars.get(key);
  if (holidays === undefined) {
    holidays =
      calendar.country === null
        ? null
        : calendar.state
          ? new Holidays(calendar.country, calendar.state, { types: ['public'] })
          : new Holidays(calendar.country, { types: ['public'] });
    calendars.set(key, holidays);
  }
  return holidays;
}

const dayMs = 86_400_000;

function plusDays(date: string, days: number): string {
  return Temporal.PlainDate.from(date).add({ days }).toString();
}

/** Local dates covered by a holiday: its start day, plus the following days of a multi-day one. */
function daysCovered(holiday: { date: string; start: Date; end: Date }): string[] {
  // Whole days, tolerating 23/25-hour days at daylight-saving changes; a half day gives 0.
  const days = Math.floor((holiday.end.getTime() - holiday.start.getTime() + 2 * 3_600_000) / dayMs);
  return Array.from({ length: days }, (_, i) => plusDays(holiday.date.slice(0, 10), i));
}

function holidayMap(year: number, place: CalendarPlace): ReadonlyMap<string, string> {
  const calendar = holidayCalendar(place);
  const key = `${keyOf(calendar)}:${year}`;
  let map = holidaysByYear.get(key);
  if (!map) {
    const holidays = holidaysFor(calendar);
    const found = new Map<string, string>();
    // The year before too: a multi-day holiday may run into 1 January.
    for (const holiday of holidays ? [...holidays.getHolidays(year - 1), ...holidays.getHolidays(year)] : []) {
      if (holiday.type !== 'public') continue;
      for (const date of daysCovered(holiday)) {
        if (date.startsWith(`${year}-`) && !found.has(date)) found.set(date, holiday.name);
      }
    }
    map = new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
    holidaysByYear.set(key, map);
  }
  return map;
}

/** Public holidays of a place in a year, in date order ('YYYY-MM-DD', local name). */
export function publicHolidays(year: number, place: CalendarPlace): PublicHoliday[] {
  if (!Number.isSafeInteger(year) || year < 1 || year > 9999) {
    throw new DomainError('calendar.invalid_year', { field: 'year', value: year });
  }
  return [...holidayMap(year, place)].map(([date, name]) => ({ date, name }));
}

const datePattern = /^(\d{4})-\d{2}-\d{2}$/;

/** Whether a calendar date 'YYYY-MM-DD' is a public holiday at a place. */
export function isPublicHoliday(date: string, place: CalendarPlace): boolean {
  const match = datePattern.exec(date);
  if (!match) throw new DomainError('calendar.invalid_date', { field: 'date', value: date });
  return holidayMap(Number(match[1]), place).has(date);
}
