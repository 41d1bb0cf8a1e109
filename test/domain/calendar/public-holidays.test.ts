import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/domain/errors.js';
import { holidayCalendar, isPublicHoliday, publicHolidays, type CalendarPlace } from '../../../src/domain/calendar/public-holidays.js';

const FR: CalendarPlace = { country: 'FR' };
const dates = (year: number, place: CalendarPlace): string[] => publicHolidays(year, place).map((h) => h.date);

// The eleven public holidays of the French labour code (L3133-1), worked out
// from the rules: fixed dates, and Easter Monday / Ascension (Easter + 39) /
// Whit Monday (Easter + 50) from Easter Sunday (5 April 2026, 28 March 2027).
const france2026 = [
  '2026-01-01', // Jour de l'an (Thursday)
  '2026-04-06', // Easter Monday
  '2026-05-01', // Fête du travail (Friday)
  '2026-05-08', // Victoire 1945 (Friday)
  '2026-05-14', // Ascension (Thursday)
  '2026-05-25', // Whit Monday
  '2026-07-14', // Fête nationale (Tuesday)
  '2026-08-15', // Assomption (Saturday)
  '2026-11-01', // Toussaint (Sunday)
  '2026-11-11', // Armistice (Wednesday)
  '2026-12-25', // Noël (Friday)
];
const france2027 = [
  '2027-01-01', // Friday
  '2027-03-29', // Easter Monday
  '2027-05-01', // Saturday
  '2027-05-06', // Ascension
  '2027-05-08', // Saturday
  '2027-05-17', // Whit Monday (style.md §3 is right)
  '2027-07-14', // Wednesday
  '2027-08-15', // Sunday
  '2027-11-01', // Monday
  '2027-11-11', // Thursday
  '2027-12-25', // Saturday
];

describe('WD-3 French public holidays', () => {
  it.each([
    [2026, france2026],
    [2027, france2027],
  ])('WD-3 the eleven French public holidays of %i, and only those', (year, expected) => {
    expect(dates(year, FR)).toEqual(expected);
  });

  it.each([...france2026, ...france2027])('WD-3 %s is a French public holiday', (date) => {
    expect(isPublicHoliday(date, FR)).toBe(true);
  });

  it.each([
    // Easter Sunday → Easter Monday, Ascension (+39), Whit Monday (+50)
    [2024, '2024-04-01', '2024-05-09', '2024-05-20'], // Easter 31 March
    [2025, '2025-04-21', '2025-05-29', '2025-06-09'], // Easter 20 April
    [2026, '2026-04-06', '2026-05-14', '2026-05-25'], // Easter 5 April
    [2027, '2027-03-29', '2027-05-06', '2027-05-17'], // Easter 28 March
    [2028, '2028-04-17', '2028-05-25', '2028-06-05'], // Easter 16 April
    [2029, '2029-04-02', '2029-05-10', '2029-05-21'], // Easter 1 April
    [2030, '2030-04-22', '2030-05-30', '2030-06-10'], // Easter 21 April
  ])('WD-3 Easter-based holidays of %i: %s, %s, %s', (year, easterMonday, ascension, whitMonday) => {
    const all = dates(year, FR);
    expect(all).toEqual(expect.arrayContaining([easterMonday, ascension, whitMonday]));
    expect(all).toHaveLength(11);
  });

  it.each([
    ['2026-05-24', 'Pentecost Sunday (observance)'],
    ['2026-05-31', "Mother's Day (observance)"],
    ['2026-04-05', 'Easter Sunday'],
    ['2026-04-03', 'Good Friday outside Alsace-Moselle'],
    ['2026-12-26', '26 December outside Alsace-Moselle'],
  ])('WD-3 %s is not a public holiday in metropolitan France (%s)', (date) => {
    expect(isPublicHoliday(date, FR)).toBe(false);
  });
});

describe('WD-3 Alsace-Moselle and overseas departments add their own', () => {
  it.each(['57', '67', '68', 'FR-57'])('WD-3 department %s adds Good Friday and 26 December', (region) => {
    const place = { country: 'FR', region };
    expect(dates(2027, place)).toEqual([...france2027, '2027-03-26', '2027-12-26'].sort());
    expect(isPublicHoliday('2026-04-03', place)).toBe(true); // Good Friday 2026
    expect(isPublicHoliday('2028-04-14', place)).toBe(true); // Good Friday 2028 (Easter 16 April)
    expect(isPublicHoliday('2028-12-26', place)).toBe(true);
  });

  it.each([
    // commemoration of the abolition of slavery (law 83-550), per department
    ['RE', '2027-12-20'],
    ['GP', '2027-05-27'],
    ['MQ', '2027-05-22'],
    ['GF', '2027-06-10'],
    ['YT', '2027-04-27'],
  ])('WD-3 %s adds %s', (code, date) => {
    for (const place of [{ country: code }, { country: 'FR', region: code }, { country: 'FR', region: `FR-${code}` }]) {
      expect(isPublicHoliday(date, place)).toBe(true);
      expect(dates(2027, place)).toEqual(expect.arrayContaining(france2027));
    }
    expect(isPublicHoliday(date, FR)).toBe(false);
  });

  it.each([
    [{ country: 'RE' }, { country: 'FR', state: 'RE' }],
    [{ country: 're' }, { country: 'FR', state: 'RE' }],
    [{ country: 'FR', region: 'RE' }, { country: 'FR', state: 'RE' }],
    [{ country: 'FR', region: '974' }, { country: 'FR', state: 'RE' }],
    [{ country: 'FR', region: '971' }, { country: 'FR', state: 'GP' }],
    [{ country: 'FR', region: '57' }, { country: 'FR', state: '57' }],
    [{ country: 'FR', region: '75' }, { country: 'FR' }],
    [{ country: 'FR', region: 'NC' }, { country: 'NC' }],
    [{ country: 'FR', region: '987' }, { country: 'PF' }],
    [{ country: 'PF' }, { country: 'PF' }],
    [{ country: 'GB', region: 'SCT' }, { country: 'GB', state: 'SCT' }],
    [{ country: 'DE', region: 'XX' }, { country: 'DE' }],
    [{ country: 'UK' }, { country: 'GB' }],
    [{ country: 'EL' }, { country: 'GR' }],
    [{ country: 'AQ' }, { country: null }],
  ])('WD-3 place %j uses calendar %j', (place, calendar) => {
    expect(holidayCalendar(place)).toEqual(calendar);
  });

  it('WD-3 Réunion: 20 December is the one extra day', () => {
    expect(dates(2026, { country: 'RE' })).toEqual([...france2026, '2026-12-20'].sort());
  });
});

describe('WD-3 other countries: their own public holidays only', () => {
  it.each([
    [{ country: 'GB' }, '2027-05-03', true, 'Early May bank holiday'],
    [{ country: 'GB' }, '2027-03-26', true, 'Good Friday'],
    [{ country: 'GB' }, '2027-03-28', false, 'Easter Sunday is an observance'],
    [{ country: 'GB' }, '2026-12-28', true, 'Boxing Day substitute (26 Dec 2026 is a Saturday)'],
    [{ country: 'GB', region: 'SCT' }, '2027-01-04', true, '2 January substitute in Scotland'],
    [{ country: 'GB' }, '2027-01-04', false, 'not in England'],
    [{ country: 'DE' }, '2027-10-03', true, 'German Unity Day'],
    [{ country: 'DE' }, '2026-12-24', false, 'Christmas Eve afternoon is a bank half-day'],
    [{ country: 'CH' }, '2027-08-01', true, 'Swiss National Day'],
    [{ country: 'NL' }, '2027-03-26', false, 'Good Friday is a school holiday in NL'],
    [{ country: 'IE' }, '2027-03-26', false, 'Good Friday is a bank holiday in IE'],
    [{ country: 'IE' }, '2027-03-17', true, "St Patrick's Day"],
    [{ country: 'AM' }, '2027-01-02', true, 'second day of a two-day holiday'],
    [{ country: 'CW' }, '2026-12-31', false, 'a half-day holiday (from 12:00)'],
  ])('WD-3 %j %s → %s (%s)', (place: CalendarPlace, date: string, expected: boolean, _why: string) => {
    expect(isPublicHoliday(date, place)).toBe(expected);
  });

  it('JW worldwide: a country date-holidays does not know has no public holidays (weekends only)', () => {
    expect(publicHolidays(2027, { country: 'AQ' })).toEqual([]);
    expect(isPublicHoliday('2027-01-01', { country: 'AQ' })).toBe(false);
  });

  // Section 15: FA's 29 destinations, PF's 23 EU countries + GB, EL's France,
  // overseas, Europe and Switzerland.
  const served = [
    ...'FR DE AT BE BG CY DK ES EE FI GI GR HU IE IT RE LV LT LU MT NL PL PT CZ RO GB SK SI SE'.split(' '),
    ...'HR CH NO IS LI MC AD GP MQ GF YT PM BL MF NC PF WF'.split(' '),
  ];
  it.each(served)('WD-3 %s: a known calendar with New Year’s Day and Christmas', (country) => {
    expect(holidayCalendar({ country }).country).not.toBeNull();
    const all = dates(2027, { country });
    expect(all).toContain('2027-01-01');
    expect(all).toContain('2027-12-25');
  });

  it('gives a name with each date', () => {
    expect(publicHolidays(2027, FR)[0]).toEqual({ date: '2027-01-01', name: 'Nouvel An' });
  });

  it.each([
    [() => isPublicHoliday('2027-1-1', FR), 'calendar.invalid_date'],
    [() => publicHolidays(2027, { country: 'France' }), 'calendar.invalid_country'],
    [() => publicHolidays(2027.5, FR), 'calendar.invalid_year'],
  ])('refuses bad input (%#)', (run, code) => {
    expect(run).toThrow(DomainError);
    try {
      run();
    } catch (error) {
      expect((error as DomainError).code).toBe(code);
    }
  });
});
