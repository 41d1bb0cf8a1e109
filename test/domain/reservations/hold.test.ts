// ST-1: reservation holds, confirmation deadlines and the distinct-items
// limit, to the minute (Europe/Paris: UTC+1 in winter, UTC+2 in summer).
import { codeOfSync as codeOf } from '../../support/errors.js';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/domain/errors.js';
import { addOpeningHours, checkDistinctItems, confirmationDeadline, holdCountedFrom, holdEnd, placeOfStore, type OpeningHours } from '../../../src/domain/reservations/hold.js';

const tz = 'Europe/Paris';
const day = (opens: string, closes: string) => [{ opens, closes }];
/** Mon–Sat 10:00–19:00, closed Sunday. */
const monToSat: OpeningHours = { timeZone: tz, week: { mon: day('10:00', '19:00'), tue: day('10:00', '19:00'), wed: day('10:00', '19:00'), thu: day('10:00', '19:00'), fri: day('10:00', '19:00'), sat: day('10:00', '19:00'), sun: [] } };
/** FA Lyon Presqu'île (shops/fa/catalogue.yaml). */
const lyon: OpeningHours = { timeZone: tz, week: { mon: day('14:00', '19:00'), tue: day('10:00', '19:00'), wed: day('10:00', '19:00'), thu: day('10:00', '19:00'), fri: day('10:00', '19:00'), sat: day('10:00', '19:30'), sun: [] } };
/** FA Bordeaux Chartrons: closed at lunch Tue–Thu, closed Sunday and Monday. */
const lunchBreak = [
  { opens: '10:00', closes: '13:00' },
  { opens: '14:00', closes: '19:00' },
];
const bordeaux: OpeningHours = { timeZone: tz, week: { mon: [], tue: lunchBreak, wed: lunchBreak, thu: lunchBreak, fri: day('10:00', '19:00'), sat: day('10:00', '19:00'), sun: [] } };
/** FR Nantes Graslin (shops/fr/catalogue.yaml). */
const nantes = lyon;
const allDay = day('00:00', '24:00');
const alwaysOpen: OpeningHours = { timeZone: tz, week: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay } };


describe('ST-1 FA: 48 hours counted within the store\'s opening hours', () => {
  it.each([
    // store       requested (UTC)            hours → ends (UTC)                  (Paris)
    ['Mon–Sat', monToSat, '2026-11-28T16:00:00Z', 48, '2026-12-05T10:00:00.000Z'], // Sat 17:00: Sat 2 h + Mon–Fri 45 h + Sat 10:00–11:00
    ['Mon–Sat', monToSat, '2026-11-29T21:00:00Z', 48, '2026-12-05T12:00:00.000Z'], // Sun 22:00, closed: from Mon 10:00 → Sat 13:00
    ['Mon–Sat', monToSat, '2026-11-28T18:00:00Z', 48, '2026-12-05T12:00:00.000Z'], // Sat 19:00 sharp, closing: nothing counted that day
    ['Mon–Sat', monToSat, '2026-11-30T09:00:00Z', 9, '2026-11-30T18:00:00.000Z'], // Mon 10:00 + 9 h ends at closing, not at the next opening
    ['Mon–Sat', monToSat, '2026-11-30T07:00:00Z', 1, '2026-11-30T10:00:00.000Z'], // Mon 08:00, before opening → 11:00
    ['Bordeaux', bordeaux, '2026-12-01T11:00:00Z', 2, '2026-12-01T14:00:00.000Z'], // Tue 12:00: 1 h before lunch, 1 h after → 15:00
    ['Lyon', lyon, '2026-11-28T16:00:00Z', 48, '2026-12-05T13:30:00.000Z'], // Sat 17:00: 2½ + Mon 5 + 4 × 9 + Sat 10:00–14:30
    ['always open', alwaysOpen, '2026-10-24T10:00:00Z', 48, '2026-10-26T10:00:00.000Z'], // across 25 Oct (a 25-hour day): 48 real hours
  ])('%s: requested %s + %i open hours → %s', (_name, hours, requested, n, expected) => {
    expect(addOpeningHours(hours, new Date(requested), n).toISOString()).toBe(expected);
  });

  it('the policy rule: counted from the request, through the store\'s hours', () => {
    const rule = { hours: 48, withinOpeningHours: true } as const;
    expect(holdCountedFrom(rule)).toBe('request');
    const end = holdEnd({ rule, from: new Date('2026-11-28T16:00:00Z'), openingHours: monToSat, timeZone: tz, place: { country: 'FR' } });
    expect(end).toEqual({ endsAt: new Date('2026-12-05T10:00:00Z'), lastDay: null });
  });

  it('hours not within opening hours are plain elapsed hours', () => {
    const end = holdEnd({ rule: { hours: 48, withinOpeningHours: false }, from: new Date('2026-11-28T16:00:00Z'), openingHours: monToSat, timeZone: tz, place: { country: 'FR' } });
    expect(end.endsAt.toISOString()).toBe('2026-11-30T16:00:00.000Z');
  });

  it('a store that never opens holds nothing', () => {
    const closed: OpeningHours = { timeZone: tz, week: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] } };
    expect(codeOf(() => addOpeningHours(closed, new Date('2026-11-28T16:00:00Z'), 48))).toBe('reservation.store_never_open');
    expect(codeOf(() => holdEnd({ rule: { hours: 48, withinOpeningHours: true }, from: new Date('2026-11-28T16:00:00Z'), openingHours: null, timeZone: tz, place: { country: 'FR' } }))).toBe(
      'reservation.store_never_open',
    );
  });
});

describe('ST-1 FR: 3 working days after confirmation, public holidays excluded', () => {
  const rule = { days: 3, kind: 'working', from: 'confirmation' } as const;
  const metropolitan = placeOfStore({ country: 'FR', postcode: '44000' });
  const strasbourg = placeOfStore({ country: 'FR', postcode: '67000' });

  it('is counted from the confirmation', () => expect(holdCountedFrom(rule)).toBe('confirmation'));

  it.each([
    // confirmed (UTC)            place          → last day      ends (UTC: the next day 00:00 Paris)
    ['2026-11-10T10:00:00Z', metropolitan, '2026-11-16', '2026-11-16T23:00:00.000Z'], // Tue 10 Nov: Thu 12, Fri 13, Mon 16 — Wed 11 Nov is Armistice Day
    ['2026-11-17T10:00:00Z', metropolitan, '2026-11-20', '2026-11-20T23:00:00.000Z'], // the week after, no holiday: Wed, Thu, Fri
    ['2026-11-13T17:00:00Z', metropolitan, '2026-11-18', '2026-11-18T23:00:00.000Z'], // Fri 18:00: Mon, Tue, Wed
    ['2026-11-17T22:30:00Z', metropolitan, '2026-11-20', '2026-11-20T23:00:00.000Z'], // Tue 23:30 Paris is still Tuesday there
    ['2026-11-17T23:30:00Z', metropolitan, '2026-11-23', '2026-11-23T23:00:00.000Z'], // Wed 00:30 Paris: Thu, Fri, Mon
    ['2026-12-23T10:00:00Z', metropolitan, '2026-12-29', '2026-12-29T23:00:00.000Z'], // Wed 23 Dec: Thu 24, (Fri 25 Christmas), Mon 28, Tue 29
    ['2027-03-25T10:00:00Z', metropolitan, '2027-03-31', '2027-03-31T22:00:00.000Z'], // Thu: Fri 26, (Mon 29 Easter Monday), Tue 30, Wed 31 — summer time
    ['2027-03-25T10:00:00Z', strasbourg, '2027-04-01', '2027-04-01T22:00:00.000Z'], // Alsace: Good Friday is a holiday too
  ])('confirmed %s → held until the end of %s', (confirmed, place, lastDay, endsAt) => {
    expect(holdEnd({ rule, from: new Date(confirmed), openingHours: nantes, timeZone: tz, place })).toEqual({ endsAt: new Date(endsAt), lastDay });
  });

  it('counts calendar days and working days with Saturdays when the policy says so', () => {
    const from = new Date('2026-11-10T10:00:00Z'); // Tue 10 Nov 2026
    expect(holdEnd({ rule: { days: 3, kind: 'calendar', from: 'request' }, from, openingHours: null, timeZone: tz, place: metropolitan }).lastDay).toBe('2026-11-13');
    // Wed 11 (holiday), Thu 12, Fri 13, Sat 14
    expect(holdEnd({ rule: { days: 3, kind: 'working_and_saturdays', from: 'request' }, from, openingHours: null, timeZone: tz, place: metropolitan }).lastDay).toBe('2026-11-14');
  });

  it('reads a French store\'s department from its postcode', () => {
    expect(placeOfStore({ country: 'FR', postcode: '67000' })).toEqual({ country: 'FR', region: '67' });
    expect(placeOfStore({ country: 'FR', postcode: '97400' })).toEqual({ country: 'FR', region: '974' });
    expect(placeOfStore({ country: 'BE', postcode: '1000' })).toEqual({ country: 'BE' });
  });
});

describe('ST-1 FR: the store confirms within 2 opening hours', () => {
  it.each([
    ['2026-11-10T09:00:00Z', '2026-11-10T11:00:00.000Z'], // Tue 10:00 → 12:00
    ['2026-11-09T09:00:00Z', '2026-11-09T15:00:00.000Z'], // Mon 10:00, the store opens at 14:00 → 16:00
    ['2026-11-14T18:00:00Z', '2026-11-16T14:30:00.000Z'], // Sat 19:00: 30 min before closing, Sunday closed, Mon 14:00–15:30
    ['2026-11-10T17:30:00Z', '2026-11-11T10:30:00.000Z'], // Tue 18:30 → Wed 11:30 (a public holiday the store's hours do not close)
  ])('requested %s → confirmation due %s', (requested, due) => {
    expect(confirmationDeadline({ withinHours: 2, requestedAt: new Date(requested), openingHours: nantes }).toISOString()).toBe(due);
  });
});

describe('ST-1 FR: at most 10 different items per customer', () => {
  const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

  it('counts the different items held and asked for', () => {
    expect(checkDistinctItems({ held: ids(1, 8), requested: ['8', '9', '10'], max: 10 })).toEqual({ distinct: 10 });
    expect(checkDistinctItems({ held: ids(1, 40), requested: ids(41, 50), max: null })).toEqual({ distinct: 50 });
  });

  it('refuses the 11th naming the field and the rule', () => {
    try {
      checkDistinctItems({ held: ids(1, 8), requested: ids(9, 11), max: 10 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('reservation.too_many_items');
      expect((error as DomainError).details).toMatchObject({ field: 'lines', rule: 'ST-1', limit: 10, distinct: 11, alreadyHeld: 8 });
    }
    expect(codeOf(() => checkDistinctItems({ held: [], requested: ids(1, 11), max: 10 }))).toBe('reservation.too_many_items');
  });
});
