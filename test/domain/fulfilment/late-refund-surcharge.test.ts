// SH-4 / L241-4: the statutory surcharge of a refund made late after a
// termination for late delivery — +10 % up to 14 days late, +20 % up to 30,
// +50 % beyond; to the cent and to the day.
import { describe, expect, it } from 'vitest';
import { daysAfter, lateRefundSurcharge, lateRefundSurchargeRate } from '../../../src/domain/fulfilment/late-refund-surcharge.js';
import { money, parseAmount } from '../../../src/domain/money.js';

const eur = (text: string) => parseAmount(text, 'EUR');

describe('SH-4 / L241-4 surcharge rate by days late', () => {
  it.each([
    [-3, 0],
    [0, 0], // refunded on the due date: in time
    [1, 1000],
    [14, 1000],
    [15, 2000],
    [30, 2000],
    [31, 5000],
    [400, 5000],
  ])('SH-4 %i days late → %i bp', (days, bp) => {
    expect(lateRefundSurchargeRate(days)).toBe(bp);
  });

  it('SH-4 refuses a fractional number of days', () => {
    expect(() => lateRefundSurchargeRate(1.5)).toThrow(expect.objectContaining({ code: 'refund.invalid_days_late' }));
  });
});

describe('SH-4 / L241-4 days late are calendar days after the due date', () => {
  it.each([
    ['2027-01-06', '2027-01-06', 0],
    ['2027-01-06', '2027-01-20', 14],
    ['2027-02-20', '2027-03-06', 14], // February of 28 days
    ['2028-02-20', '2028-03-05', 14], // 29 February 2028 counts
    ['2026-12-31', '2027-01-31', 31],
    ['2027-01-06', '2027-01-01', -5],
  ])('SH-4 due %s, refunded %s → %i days', (dueOn, on, days) => {
    expect(daysAfter(dueOn, on)).toBe(days);
  });
});

describe('SH-4 / L241-4 lateRefundSurcharge', () => {
  it.each([
    // due on       refunded on    amount      → surcharge  days  rate
    ['2027-01-06', '2027-01-06', '100.00', '0.00', 0, 0],
    ['2027-01-06', '2027-01-05', '100.00', '0.00', 0, 0],
    ['2027-01-06', '2027-01-07', '100.00', '10.00', 1, 1000],
    ['2027-01-06', '2027-01-20', '100.00', '10.00', 14, 1000],
    ['2027-01-06', '2027-01-21', '100.00', '20.00', 15, 2000],
    ['2027-01-06', '2027-02-05', '100.00', '20.00', 30, 2000],
    ['2027-01-06', '2027-02-06', '100.00', '50.00', 31, 5000],
    ['2027-01-06', '2027-01-10', '123.45', '12.35', 4, 1000], // 12.345 → 12.35 (half away from zero)
    ['2027-01-06', '2027-01-30', '123.45', '24.69', 24, 2000],
    ['2027-01-06', '2027-03-01', '123.45', '61.73', 54, 5000], // 61.725 → 61.73
    ['2027-01-06', '2027-01-08', '0.05', '0.01', 2, 1000], // 0.005 → 0.01
    ['2027-01-06', '2027-01-08', '0.04', '0.00', 2, 1000],
  ])('SH-4 due %s, all refunded on %s, %s EUR → +%s EUR (%i days, %i bp)', (dueOn, on, amount, expected, days, rate) => {
    const result = lateRefundSurcharge({ dueOn, due: eur(amount), refunds: [{ on, amount: eur(amount) }], asOf: '2027-12-31' });
    expect(result.surcharge).toEqual(eur(expected));
    expect(result.daysLate).toBe(days);
    expect(result.rateBasisPoints).toBe(rate);
    expect(result.late).toBe(days > 0);
    expect(result.outstanding).toEqual(money(0, 'EUR'));
  });

  it('SH-4 what went back in time owes nothing; the late part at its own tier', () => {
    const result = lateRefundSurcharge({
      dueOn: '2027-01-06',
      due: eur('150.00'),
      refunds: [
        { on: '2027-01-26', amount: eur('100.00') }, // 20 days late → 20 %
        { on: '2027-01-04', amount: eur('50.00') }, // in time (listed out of order)
      ],
      asOf: '2027-02-01',
    });
    expect(result.surcharge).toEqual(eur('20.00'));
    expect(result.parts).toEqual([{ on: '2027-01-26', amount: eur('100.00'), daysLate: 20, rateBasisPoints: 2000, surcharge: eur('20.00'), refunded: true }]);
    expect(result.outstanding).toEqual(eur('0.00'));
  });

  it('SH-4 two late transfers, each at the tier of its day: 10 % + 20 %', () => {
    const result = lateRefundSurcharge({
      dueOn: '2027-01-06',
      due: eur('99.99'),
      refunds: [
        { on: '2027-01-11', amount: eur('60.00') }, // 5 days → 6.00
        { on: '2027-01-26', amount: eur('39.99') }, // 20 days → 7.998 → 8.00
      ],
      asOf: '2027-01-26',
    });
    expect(result.surcharge).toEqual(eur('14.00'));
    expect(result).toMatchObject({ late: true, daysLate: 20, rateBasisPoints: 2000 });
    expect(result.parts.map((p) => [p.daysLate, p.surcharge.amount])).toEqual([
      [5, 600],
      [20, 800],
    ]);
  });

  it('SH-4 still owed: surcharged at the tier of the day of the computation, and the tier rises with the days', () => {
    const owed = (asOf: string) => lateRefundSurcharge({ dueOn: '2027-01-06', due: eur('80.00'), refunds: [{ on: '2027-01-10', amount: eur('30.00') }], asOf });
    expect(owed('2027-01-06')).toMatchObject({ late: false, surcharge: eur('0.00'), outstanding: eur('80.00'), parts: [] }); // the refund of the 10th is not made yet
    // 30.00 refunded 4 days late (3.00) + 50.00 still owed:
    expect(owed('2027-01-20')).toMatchObject({ surcharge: eur('8.00'), outstanding: eur('50.00'), daysLate: 14 }); // 3.00 + 5.00
    expect(owed('2027-01-21')).toMatchObject({ surcharge: eur('13.00'), daysLate: 15 }); // 3.00 + 10.00
    expect(owed('2027-02-06')).toMatchObject({ surcharge: eur('28.00'), daysLate: 31, rateBasisPoints: 5000 }); // 3.00 + 25.00
    expect(owed('2027-02-06').parts.at(-1)).toEqual({ on: '2027-02-06', amount: eur('50.00'), daysLate: 31, rateBasisPoints: 5000, surcharge: eur('25.00'), refunded: false });
  });

  it('SH-4 a refund dated after the day of the computation is not counted yet; refunds beyond what is due are ignored', () => {
    const result = lateRefundSurcharge({ dueOn: '2027-01-06', due: eur('40.00'), refunds: [{ on: '2027-01-12', amount: eur('40.00') }], asOf: '2027-01-10' });
    expect(result).toMatchObject({ outstanding: eur('40.00'), surcharge: eur('4.00'), daysLate: 4 });
    const over = lateRefundSurcharge({ dueOn: '2027-01-06', due: eur('40.00'), refunds: [{ on: '2027-01-08', amount: eur('55.00') }], asOf: '2027-01-10' });
    expect(over).toMatchObject({ outstanding: eur('0.00'), surcharge: eur('4.00') });
  });

  it('SH-4 nothing due, nothing owed', () => {
    expect(lateRefundSurcharge({ dueOn: '2027-01-06', due: eur('0.00'), refunds: [], asOf: '2027-06-01' })).toMatchObject({ late: false, surcharge: eur('0.00'), parts: [] });
  });

  it('SH-4 refuses another currency, a negative amount and a date that does not exist', () => {
    expect(() => lateRefundSurcharge({ dueOn: '2027-01-06', due: eur('10.00'), refunds: [{ on: '2027-01-08', amount: parseAmount('10.00', 'GBP') }], asOf: '2027-01-10' })).toThrow(
      expect.objectContaining({ code: 'refund.currency_mismatch' }),
    );
    expect(() => lateRefundSurcharge({ dueOn: '2027-01-06', due: money(-1, 'EUR'), refunds: [], asOf: '2027-01-10' })).toThrow(expect.objectContaining({ code: 'refund.invalid_amount' }));
    expect(() => lateRefundSurcharge({ dueOn: '2027-02-30', due: eur('10.00'), refunds: [], asOf: '2027-03-10' })).toThrow(expect.objectContaining({ code: 'calendar.invalid_date' }));
  });
});
