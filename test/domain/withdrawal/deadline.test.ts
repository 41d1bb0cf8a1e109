import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/domain/errors.js';
import type { CalendarPlace } from '../../../src/domain/calendar/public-holidays.js';
import {
  isNoticeInTime,
  withdrawalDeadline,
  type WithdrawalDeadlineInput,
  type WithdrawalPeriod,
} from '../../../src/domain/withdrawal/deadline.js';

const FR: CalendarPlace = { country: 'FR' };
const law: WithdrawalPeriod = { days: 14, kind: 'calendar' };
const input = (over: Partial<WithdrawalDeadlineInput> = {}): WithdrawalDeadlineInput => ({
  possessionDate: '2027-03-03',
  period: law,
  place: FR,
  timeZone: 'Europe/Paris',
  ...over,
});

// Every expected date below is worked out by hand from the rules and a real
// calendar: the period starts the day after possession; a calendar period
// ending on a Saturday, Sunday or public holiday of the customer's country runs
// to the next working day.
describe('WD-1 / WD-3 14 calendar days, moved past non-working days', () => {
  it.each([
    // possession     place                               → last day      basis    moved from
    ['2027-03-03', FR, '2027-03-17', 'WD-1', null], // style.md §3 row 1 (a Wednesday)
    ['2027-05-03', FR, '2027-05-18', 'WD-3', '2027-05-17'], // style.md §3 row 2: 17 May 2027 is Whit Monday (Easter 28 March)
    ['2026-03-23', FR, '2026-04-07', 'WD-3', '2026-04-06'], // Easter Monday 2026
    ['2026-04-24', FR, '2026-05-11', 'WD-3', '2026-05-08'], // 8 May 2026 (Friday) → Monday
    ['2026-04-30', FR, '2026-05-15', 'WD-3', '2026-05-14'], // Ascension 2026
    ['2026-05-11', FR, '2026-05-26', 'WD-3', '2026-05-25'], // Whit Monday 2026
    ['2026-06-30', FR, '2026-07-15', 'WD-3', '2026-07-14'], // 14 July 2026 (Tuesday)
    ['2027-04-17', FR, '2027-05-03', 'WD-3', '2027-05-01'], // 1 May 2027 is a Saturday
    ['2027-04-22', FR, '2027-05-07', 'WD-3', '2027-05-06'], // Ascension 2027
    ['2027-08-01', FR, '2027-08-16', 'WD-3', '2027-08-15'], // 15 August 2027 is a Sunday
    ['2027-10-18', FR, '2027-11-02', 'WD-3', '2027-11-01'], // Toussaint 2027 (Monday)
    ['2027-10-28', FR, '2027-11-12', 'WD-3', '2027-11-11'], // Armistice 2027 (Thursday)
    // year boundaries
    ['2026-12-11', FR, '2026-12-28', 'WD-3', '2026-12-25'], // Christmas 2026 (Friday)
    ['2026-12-17', FR, '2026-12-31', 'WD-1', null], // 31 December is a working day
    ['2026-12-18', FR, '2027-01-04', 'WD-3', '2027-01-01'], // New Year (Friday) → Monday
    ['2026-12-20', FR, '2027-01-04', 'WD-3', '2027-01-03'], // a Sunday in the new year
    // Alsace-Moselle
    ['2027-03-12', FR, '2027-03-26', 'WD-1', null], // Good Friday is a working day in Paris
    ['2027-03-12', { country: 'FR', region: '57' }, '2027-03-30', 'WD-3', '2027-03-26'], // … not in Moselle (then the weekend and Easter Monday)
    ['2028-12-11', FR, '2028-12-26', 'WD-3', '2028-12-25'], // Christmas 2028 (Monday)
    ['2028-12-11', { country: 'FR', region: '67' }, '2028-12-27', 'WD-3', '2028-12-25'], // and 26 December in Bas-Rhin
    // overseas: 20 December in Réunion, either way of writing the place
    ['2027-12-06', FR, '2027-12-20', 'WD-1', null],
    ['2027-12-06', { country: 'RE' }, '2027-12-21', 'WD-3', '2027-12-20'],
    ['2027-12-06', { country: 'FR', region: '974' }, '2027-12-21', 'WD-3', '2027-12-20'],
    // the CUSTOMER's country counts, not the shop's
    ['2027-04-19', { country: 'GB' }, '2027-05-04', 'WD-3', '2027-05-03'], // Early May bank holiday
    ['2027-04-19', FR, '2027-05-03', 'WD-1', null],
    ['2027-01-02', { country: 'AQ' }, '2027-01-18', 'WD-3', '2027-01-16'], // unknown calendar: weekends only
  ])('WD-1/WD-3 possession %s in %j → %s (%s)', (possessionDate, place, lastDay, basis, movedFrom) => {
    expect(withdrawalDeadline(input({ possessionDate, place }))).toMatchObject({ lastDay, basis, movedFrom });
  });
});

describe('WD-2 longer periods of the shop', () => {
  it.each([
    // possession    period                          place            → last day     basis    moved from
    ['2027-03-03', { days: 14, kind: 'working' }, FR, '2027-03-23', 'WD-2', null], // PF: 14 working days
    ['2027-05-03', { days: 14, kind: 'working' }, FR, '2027-05-25', 'WD-2', null], // over Ascension and Whit Monday
    ['2027-05-03', { days: 14, kind: 'working' }, { country: 'GB' }, '2027-05-21', 'WD-2', null], // PF to the UK
    ['2027-03-03', { days: 30, kind: 'calendar' }, FR, '2027-04-02', 'WD-2', null], // FR abroad: 30 days
    ['2027-04-01', { days: 30, kind: 'calendar' }, FR, '2027-05-03', 'WD-3', '2027-05-01'],
    ['2027-04-01', { days: 30, kind: 'calendar' }, { country: 'DE' }, '2027-05-03', 'WD-3', '2027-05-01'],
    ['2026-12-02', { days: 30, kind: 'calendar' }, FR, '2027-01-04', 'WD-3', '2027-01-01'],
    // the law wins at run time even when the caller did not raise the period
    ['2027-03-03', { days: 10, kind: 'calendar' }, FR, '2027-03-17', 'WD-1', null], // JW's 10 days
    ['2027-03-03', { days: 10, kind: 'working' }, FR, '2027-03-17', 'WD-1', null], // 10 working days end the same day
  ] as const)('WD-2 possession %s, %j in %j → %s (%s)', (possessionDate, period, place, lastDay, basis, movedFrom) => {
    expect(withdrawalDeadline(input({ possessionDate, period, place }))).toMatchObject({ lastDay, basis, movedFrom });
  });
});

describe('WD-1 the period ends at the end of the last day in the shop time zone', () => {
  it.each([
    // possession    time zone          → last day       endsAt (UTC)                 why
    ['2027-03-03', 'Europe/Paris', '2027-03-17', '2027-03-17T23:00:00.000Z'], // winter time, UTC+1
    ['2027-03-12', 'Europe/Paris', '2027-03-26', '2027-03-26T23:00:00.000Z'], // Friday before the change of 28 March 2027: still UTC+1
    ['2027-03-14', 'Europe/Paris', '2027-03-30', '2027-03-30T22:00:00.000Z'], // WD-3: Sunday 28 March (DST) → Easter Monday → Tuesday 30, UTC+2
    ['2026-03-15', 'Europe/Paris', '2026-03-30', '2026-03-30T22:00:00.000Z'], // WD-3: Sunday 29 March 2026 (DST) → Monday 30, UTC+2
    ['2026-10-09', 'Europe/Paris', '2026-10-23', '2026-10-23T22:00:00.000Z'], // Friday before the change of 25 October 2026: UTC+2
    ['2026-10-11', 'Europe/Paris', '2026-10-26', '2026-10-26T23:00:00.000Z'], // WD-3: Sunday 25 October (DST ends) → Monday 26, UTC+1
    ['2027-10-15', 'Europe/Paris', '2027-10-29', '2027-10-29T22:00:00.000Z'], // Friday before 31 October 2027: UTC+2
    ['2027-10-17', 'Europe/Paris', '2027-11-02', '2027-11-02T23:00:00.000Z'], // WD-3: Sunday 31 October → Toussaint → Tuesday 2 November, UTC+1
    ['2026-12-17', 'Europe/Paris', '2026-12-31', '2026-12-31T23:00:00.000Z'], // ends as 2027 begins in Paris
    ['2027-03-03', 'Europe/London', '2027-03-17', '2027-03-18T00:00:00.000Z'],
    ['2027-03-03', 'Indian/Reunion', '2027-03-17', '2027-03-17T20:00:00.000Z'],
  ])('WD-1 possession %s, shop in %s → last day %s ends at %s', (possessionDate, timeZone, lastDay, endsAt) => {
    const deadline = withdrawalDeadline(input({ possessionDate, timeZone }));
    expect(deadline.lastDay).toBe(lastDay);
    expect(deadline.endsAt.toISOString()).toBe(endsAt);
  });

  it.each([
    ['2027-03-17T22:59:59.999Z', true, 'the last millisecond of 17 March in Paris'],
    ['2027-03-17T23:00:00.000Z', false, 'midnight in Paris: too late'],
    ['2027-03-17T12:00:00.000Z', true, 'on the last day'],
    ['2027-03-01T09:00:00.000Z', true, 'before possession'],
    ['2027-03-18T08:00:00.000Z', false, 'the day after'],
  ])('WD-1 a notice sent at %s is in time: %s (%s)', (sentAt, expected) => {
    expect(isNoticeInTime(new Date(sentAt), withdrawalDeadline(input()))).toBe(expected);
  });
});

describe('WD-3b withdrawal information missing or late (L221-20)', () => {
  it.each([
    // possession   contract       information given  period → last day     basis            moved from
    ['2027-03-03', '2027-02-25', undefined, law, '2027-03-17', 'WD-1', null], // not recorded: given on time
    ['2027-03-03', '2027-02-25', '2027-02-20', law, '2027-03-17', 'WD-1', null], // before the contract
    ['2027-03-03', '2027-02-25', '2027-02-25', law, '2027-03-17', 'WD-1', null], // with the contract
    ['2027-03-03', undefined, '2027-03-03', law, '2027-03-17', 'WD-1', null], // no contract date: on possession day is on time
    // never given: 12 months after the end of the initial period, then WD-3
    ['2027-03-03', '2027-02-25', null, law, '2028-03-17', 'WD-3b-missing', null], // 17 March 2028 is a Friday
    ['2026-04-22', '2026-04-15', null, law, '2027-05-07', 'WD-3b-missing', '2027-05-06'], // 6 May 2026 + 12 months = Ascension 2027
    ['2027-05-03', '2027-04-28', null, law, '2028-05-18', 'WD-3b-missing', null], // from the moved initial end, 18 May 2027
    ['2028-02-15', '2028-02-10', null, law, '2029-02-28', 'WD-3b-missing', null], // 29 February 2028 + 12 months: last day of February
    ['2027-03-03', '2027-02-25', null, { days: 14, kind: 'working' }, '2028-03-23', 'WD-3b-missing', null], // PF: from 23 March 2027
    // given late: 14 days from the day it was given, never shorter than the initial period
    ['2027-03-03', '2027-02-25', '2027-06-01', law, '2027-06-15', 'WD-3b-late', null],
    ['2027-03-03', '2027-02-25', '2027-03-10', law, '2027-03-24', 'WD-3b-late', null], // during the initial period
    ['2027-03-03', undefined, '2027-03-04', law, '2027-03-18', 'WD-3b-late', null], // the day after possession
    ['2027-03-03', '2027-02-25', '2027-02-28', law, '2027-03-17', 'WD-1', null], // late but before delivery: initial stands
    ['2027-03-03', '2027-02-25', '2027-06-30', law, '2027-07-15', 'WD-3b-late', '2027-07-14'], // WD-3: 14 July
    ['2027-03-03', '2027-02-25', '2028-03-17', law, '2028-03-31', 'WD-3b-late', null], // on the last day of the extension
    ['2027-03-03', '2027-02-25', '2028-03-20', law, '2028-03-17', 'WD-3b-missing', null], // after it: nothing revives
    ['2027-03-03', '2027-02-25', '2027-06-01', { days: 14, kind: 'working' }, '2027-06-21', 'WD-3b-late', null], // PF: its own 14 working days
  ] as const)(
    'WD-3b possession %s, contract %s, information %s, %j → %s (%s)',
    (possessionDate, contractDate, given, period, lastDay, basis, movedFrom) => {
      const deadline = withdrawalDeadline(input({ possessionDate, contractDate, withdrawalInformationGivenOn: given, period }));
      expect(deadline).toMatchObject({ lastDay, basis, movedFrom });
    },
  );

  it('WD-3b the extended period also ends at the end of its last day in the shop time zone', () => {
    const deadline = withdrawalDeadline(input({ withdrawalInformationGivenOn: null }));
    expect(deadline.endsAt.toISOString()).toBe('2028-03-17T23:00:00.000Z');
  });
});

describe('withdrawal deadline input errors', () => {
  it.each([
    [{ period: { days: 0, kind: 'calendar' } }, 'withdrawal.invalid_period'],
    [{ period: { days: 14.5, kind: 'calendar' } }, 'withdrawal.invalid_period'],
    [{ period: { days: 2, kind: 'weeks' } }, 'withdrawal.invalid_period'],
    [{ possessionDate: '2027-02-29' }, 'calendar.invalid_date'],
    [{ withdrawalInformationGivenOn: '17/03/2027' }, 'calendar.invalid_date'],
    [{ timeZone: 'Europe/Nowhere' }, 'calendar.invalid_time_zone'],
  ])('refuses %j with %s', (over, code) => {
    try {
      withdrawalDeadline(input(over as Partial<WithdrawalDeadlineInput>));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe(code);
    }
  });
});
