import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/domain/errors.js';
import { addWorkingDays, isWorkingDay, nextWorkingDay, parseCalendarDate } from '../../../src/domain/calendar/working-days.js';

const FR = { country: 'FR' };
const moselle = { country: 'FR', region: '57' };
const reunion = { country: 'RE' };
const GB = { country: 'GB' };
const unknown = { country: 'AQ' };

describe('WD-3 working days: not Saturday, not Sunday, not a public holiday', () => {
  it.each([
    ['2027-03-03', FR, true, 'a Wednesday'],
    ['2027-03-06', FR, false, 'a Saturday'],
    ['2027-03-07', FR, false, 'a Sunday'],
    ['2027-03-29', FR, false, 'Easter Monday'],
    ['2027-05-06', FR, false, 'Ascension'],
    ['2027-05-07', FR, true, 'the Friday after Ascension'],
    ['2027-05-17', FR, false, 'Whit Monday'],
    ['2027-03-26', FR, true, 'Good Friday in Paris'],
    ['2027-03-26', moselle, false, 'Good Friday in Moselle'],
    ['2028-12-26', FR, true, '26 December in Paris (a Tuesday)'],
    ['2028-12-26', moselle, false, '26 December in Moselle'],
    ['2027-12-20', FR, true, '20 December in Paris (a Monday)'],
    ['2027-12-20', reunion, false, '20 December in Réunion'],
    ['2027-05-03', FR, true, '3 May in France'],
    ['2027-05-03', GB, false, 'Early May bank holiday in the UK'],
    ['2027-01-01', unknown, true, 'New Year in a country without a known calendar (a Friday)'],
    ['2027-01-02', unknown, false, 'a Saturday anywhere'],
  ])('WD-3 %s in %j is a working day: %s (%s)', (date, place, expected) => {
    expect(isWorkingDay(date, place)).toBe(expected);
  });

  it.each([
    ['2027-03-03', FR, '2027-03-03', 'already a working day'],
    ['2027-03-06', FR, '2027-03-08', 'Saturday → Monday'],
    ['2027-03-27', FR, '2027-03-30', 'Saturday → Tuesday, over Easter Monday'],
    ['2027-03-26', moselle, '2027-03-30', 'Good Friday → Tuesday in Moselle'],
    ['2026-12-25', FR, '2026-12-28', 'Christmas (Friday) → Monday'],
    ['2027-01-01', FR, '2027-01-04', 'New Year (Friday) → Monday, over the year boundary'],
    ['2026-12-31', FR, '2026-12-31', 'New Year’s Eve is a working day'],
    ['2027-12-25', moselle, '2027-12-27', 'Christmas (Saturday) → Monday'],
  ])('WD-3 nextWorkingDay(%s, %j) = %s (%s)', (date, place, expected) => {
    expect(nextWorkingDay(date, place)).toBe(expected);
  });

  it.each([
    ['2027-03-05', 1, FR, '2027-03-08', 'Friday + 1 → Monday'],
    ['2027-03-06', 1, FR, '2027-03-08', 'Saturday + 1 → Monday'],
    ['2027-03-06', 0, FR, '2027-03-06', '+ 0 leaves the date as it is'],
    ['2027-03-03', 14, FR, '2027-03-23', 'PF: 14 working days'],
    ['2027-05-03', 14, FR, '2027-05-25', 'over Ascension and Whit Monday'],
    ['2027-05-03', 14, GB, '2027-05-21', 'UK: no Ascension nor Whit Monday'],
    ['2026-12-23', 3, FR, '2026-12-29', 'over Christmas'],
    ['2026-12-30', 2, FR, '2027-01-04', 'over New Year'],
  ])('addWorkingDays(%s, %i, %j) = %s (%s)', (date, n, place, expected) => {
    expect(addWorkingDays(date, n, place)).toBe(expected);
  });

  it.each([
    [() => isWorkingDay('2027-02-30', FR), 'calendar.invalid_date'],
    [() => isWorkingDay('03/03/2027', FR), 'calendar.invalid_date'],
    [() => nextWorkingDay('2027-03-03T10:00', FR), 'calendar.invalid_date'],
    [() => addWorkingDays('2027-03-03', -1, FR), 'calendar.invalid_working_days'],
    [() => addWorkingDays('2027-03-03', 1.5, FR), 'calendar.invalid_working_days'],
    [() => parseCalendarDate('2027-13-01'), 'calendar.invalid_date'],
  ])('refuses bad input (%#)', (run, code) => {
    try {
      run();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe(code);
    }
  });
});
