import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/domain/errors.js';
import { estimateDelivery, type DeliveryEstimateInput } from '../../../src/domain/shipping/delivery-estimate.js';

const FR = { country: 'FR' };
const input = (over: Partial<DeliveryEstimateInput>): DeliveryEstimateInput => ({
  orderedAt: new Date('2027-03-01T09:00:00Z'),
  timeZone: 'Europe/Paris',
  dispatchPlace: FR,
  preparationWorkingDays: 2,
  extraLeadWorkingDays: 0,
  transitWorkingDays: { min: 2, max: 3 },
  ...over,
});

// Worked out by hand on a real calendar: start day = the order's local date if
// it is a working day before the cut-off, else the next working day; dispatch =
// start + preparation (+ extra) working days; delivery = dispatch + transit
// working days; public holidays of the dispatch country.
describe('SH-3 delivery estimate on working days of the dispatch country', () => {
  it.each([
    // case, ordered at (UTC), preparation, extra lead, transit [min, max], cut-off → dispatchBy, earliest, latest
    ['FR 48 h + 2–3 d, Monday morning', '2027-03-01T09:00:00Z', 2, 0, [2, 3], undefined, '2027-03-03', '2027-03-05', '2027-03-08'],
    ['FR, on a Saturday', '2027-03-06T09:00:00Z', 2, 0, [2, 3], undefined, '2027-03-10', '2027-03-12', '2027-03-15'],
    ['express, before the 14:00 cut-off (13:59 Paris)', '2027-03-01T12:59:00Z', 0, 0, [1, 1], '14:00', '2027-03-01', '2027-03-02', '2027-03-02'],
    ['express, at the 14:00 cut-off', '2027-03-01T13:00:00Z', 0, 0, [1, 1], '14:00', '2027-03-02', '2027-03-03', '2027-03-03'],
    ['Friday after the cut-off → Monday', '2027-03-05T11:00:00Z', 0, 0, [1, 1], '12:00', '2027-03-08', '2027-03-09', '2027-03-09'],
    ['23:30 Monday in Paris', '2027-03-01T22:30:00Z', 0, 0, [1, 1], undefined, '2027-03-01', '2027-03-02', '2027-03-02'],
    ['00:30 Tuesday in Paris (still Monday in UTC)', '2027-03-01T23:30:00Z', 0, 0, [1, 1], undefined, '2027-03-02', '2027-03-03', '2027-03-03'],
    ['PF standard 4–5 d over Ascension 2027', '2027-05-05T08:00:00Z', 1, 0, [4, 5], undefined, '2027-05-07', '2027-05-13', '2027-05-14'],
    ['PF engraving +15 over Ascension and Whit Monday', '2027-05-03T07:00:00Z', 1, 15, [4, 5], undefined, '2027-05-27', '2027-06-02', '2027-06-03'],
    ['ordered on Ascension Day', '2027-05-06T08:00:00Z', 0, 0, [1, 2], undefined, '2027-05-07', '2027-05-10', '2027-05-11'],
    ['EL 24 business hours + 24–48 h, Friday evening', '2027-03-05T17:00:00Z', 1, 0, [1, 2], undefined, '2027-03-08', '2027-03-09', '2027-03-10'],
    ['over Christmas and New Year', '2026-12-24T15:00:00Z', 2, 0, [2, 3], undefined, '2026-12-29', '2026-12-31', '2027-01-04'],
  ] as const)(
    'SH-3 %s',
    (_title, orderedAt, preparationWorkingDays, extraLeadWorkingDays, [min, max], cutoffLocalTime, dispatchBy, earliest, latest) => {
      const estimate = estimateDelivery(
        input({
          orderedAt: new Date(orderedAt),
          preparationWorkingDays,
          extraLeadWorkingDays,
          transitWorkingDays: { min, max },
          ...(cutoffLocalTime ? { cutoffLocalTime } : {}),
        }),
      );
      expect(estimate).toEqual({ dispatchBy, earliest, latest });
    },
  );

  it.each([
    // Friday 30 April 2027, 10:00 in London / 11:00 in Paris; Monday 3 May is a UK bank holiday, not a French one
    [{ country: 'GB' }, 'Europe/London', '2027-05-04', '2027-05-05'],
    [FR, 'Europe/Paris', '2027-05-03', '2027-05-04'],
  ])('SH-3 the dispatch country’s holidays count: %j', (dispatchPlace, timeZone, dispatchBy, delivered) => {
    const estimate = estimateDelivery(
      input({
        orderedAt: new Date('2027-04-30T09:00:00Z'),
        timeZone,
        dispatchPlace,
        preparationWorkingDays: 1,
        transitWorkingDays: { min: 1, max: 1 },
      }),
    );
    expect(estimate).toEqual({ dispatchBy, earliest: delivered, latest: delivered });
  });

  it.each([
    [{ preparationWorkingDays: -1 }, 'shipping.invalid_lead_time'],
    [{ extraLeadWorkingDays: 1.5 }, 'shipping.invalid_lead_time'],
    [{ transitWorkingDays: { min: 3, max: 2 } }, 'shipping.invalid_lead_time'],
    [{ cutoffLocalTime: '24:00' }, 'shipping.invalid_cutoff'],
    [{ cutoffLocalTime: '9:00' }, 'shipping.invalid_cutoff'],
    [{ timeZone: 'Mars/Olympus' }, 'calendar.invalid_time_zone'],
    [{ orderedAt: new Date('not a date') }, 'shipping.invalid_order_time'],
  ])('SH-3 refuses %j with %s', (over, code) => {
    try {
      estimateDelivery(input(over));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe(code);
    }
  });
});
