// RF-1 / L242-4: the statutory surcharge of a refund made late after a
// withdrawal — legal interest up to 10 days late, then +5 %, +10 %, +20 %,
// +50 %, +5 points per new month up to the price, then legal interest again;
// to the cent and to the day.
import { describe, expect, it } from 'vitest';
import { money, parseAmount } from '../../../src/domain/money.js';
import { withdrawalLateRefundRate, withdrawalLateRefundSurcharge } from '../../../src/domain/returns/withdrawal-late-refund.js';

const eur = (text: string) => parseAmount(text, 'EUR');
const LEGAL = 721; // 7.21 % a year (consumers)

describe('RF-1 / L242-4 tier by days late', () => {
  it.each([
    [-2, 'on_time', 0, 0],
    [0, 'on_time', 0, 0], // refunded on the due date: in time
    [1, 'legal_interest', LEGAL, 1],
    [10, 'legal_interest', LEGAL, 10],
    [11, 'percentage', 500, 0],
    [20, 'percentage', 500, 0],
    [21, 'percentage', 1000, 0],
    [30, 'percentage', 1000, 0],
    [31, 'percentage', 2000, 0],
    [60, 'percentage', 2000, 0],
    [61, 'percentage', 5000, 0],
    [90, 'percentage', 5000, 0],
    [91, 'percentage', 5500, 0], // a started month counts
    [120, 'percentage', 5500, 0],
    [121, 'percentage', 6000, 0],
    [330, 'percentage', 9000, 0],
    [331, 'percentage', 9500, 0],
    [360, 'percentage', 9500, 0],
    [361, 'percentage', 10_000, 0], // the price of the goods is reached
    [390, 'percentage', 10_000, 0],
    [391, 'capped', 10_000, 1], // then the legal interest runs again
    [755, 'capped', 10_000, 365],
  ])('RF-1 %i days late → %s %i bp, %i days of interest', (days, basis, bp, interestDays) => {
    expect(withdrawalLateRefundRate(days, LEGAL)).toEqual({ basis, rateBasisPoints: bp, interestDays });
  });

  it('RF-1 refuses a fractional number of days and a negative legal rate', () => {
    expect(() => withdrawalLateRefundRate(1.5, LEGAL)).toThrow(expect.objectContaining({ code: 'refund.invalid_days_late' }));
    expect(() => withdrawalLateRefundRate(3, -1)).toThrow(expect.objectContaining({ code: 'refund.invalid_legal_interest' }));
  });
});

describe('RF-1 / L242-4 withdrawalLateRefundSurcharge', () => {
  it.each([
    // due on 2027-01-06, 100.00 EUR refunded in one go on:
    ['2027-01-06', 0, '0.00'],
    ['2027-01-07', 1, '0.02'], // 100 × 7.21 % × 1/365 = 0.0198 → 0.02
    ['2027-01-16', 10, '0.20'], // × 10/365 = 0.1975 → 0.20
    ['2027-01-17', 11, '5.00'],
    ['2027-01-26', 20, '5.00'],
    ['2027-01-27', 21, '10.00'],
    ['2027-02-05', 30, '10.00'],
    ['2027-02-06', 31, '20.00'],
    ['2027-03-07', 60, '20.00'],
    ['2027-03-08', 61, '50.00'],
    ['2027-04-06', 90, '50.00'],
    ['2027-04-07', 91, '55.00'],
    ['2027-05-06', 120, '55.00'],
    ['2027-05-07', 121, '60.00'],
    ['2028-01-01', 360, '95.00'],
    ['2028-01-02', 361, '100.00'], // capped at the price
    ['2028-01-31', 390, '100.00'],
    ['2028-02-01', 391, '100.02'], // + legal interest for 1 day
    ['2028-05-10', 490, '101.98'], // + 100 × 7.21 % × 100/365 = 1.9753 → 1.98
  ])('RF-1 refunded on %s (%i days late) → +%s EUR', (on, days, expected) => {
    const result = withdrawalLateRefundSurcharge({ dueOn: '2027-01-06', asOf: '2028-12-31', amount: eur('100.00'), refunds: [{ on, amount: eur('100.00') }], legalInterestBasisPoints: LEGAL });
    expect(result.total).toEqual(eur(expected));
    expect(result.daysLate).toBe(days);
    expect(result.late).toBe(days > 0);
    expect(result.outstanding).toEqual(eur('0.00'));
  });

  it('RF-1 legal interest is pro rata on the part, rounded once: 123.45 EUR 7 days late at 7.21 % → 0.17', () => {
    // 12 345 × 721 × 7 / 3 650 000 = 17.07 cents
    const result = withdrawalLateRefundSurcharge({ dueOn: '2027-01-06', asOf: '2027-01-13', amount: eur('123.45'), refunds: [{ on: '2027-01-13', amount: eur('123.45') }], legalInterestBasisPoints: LEGAL });
    expect(result.parts).toEqual([{ on: '2027-01-13', amount: eur('123.45'), daysLate: 7, basis: 'legal_interest', rateBasisPoints: LEGAL, interestDays: 7, surcharge: eur('0.17'), refunded: true }]);
  });

  it('RF-1 percentages round half away from zero: 123.45 EUR 15 days late → 6.17 (6.1725)', () => {
    const result = withdrawalLateRefundSurcharge({ dueOn: '2027-01-06', asOf: '2027-01-21', amount: eur('123.45'), refunds: [{ on: '2027-01-21', amount: eur('123.45') }], legalInterestBasisPoints: LEGAL });
    expect(result.total).toEqual(eur('6.17'));
  });

  it('RF-1 each part at the tier of its own day; what went back in time owes nothing; what is still owed at the tier of asOf', () => {
    const result = withdrawalLateRefundSurcharge({
      dueOn: '2027-01-06',
      asOf: '2027-02-10', // 35 days late
      amount: eur('200.00'),
      refunds: [
        { on: '2027-01-20', amount: eur('60.00') }, // 14 days late → 5 % = 3.00
        { on: '2027-01-05', amount: eur('40.00') }, // in time (listed out of order)
        { on: '2027-03-01', amount: eur('100.00') }, // after asOf: not made yet
      ],
      legalInterestBasisPoints: LEGAL,
    });
    expect(result.parts.map((p) => [p.on, p.amount.amount, p.daysLate, p.basis, p.rateBasisPoints, p.surcharge.amount, p.refunded])).toEqual([
      ['2027-01-20', 6000, 14, 'percentage', 500, 300, true],
      ['2027-02-10', 10_000, 35, 'percentage', 2000, 2000, false], // 100.00 still owed, 35 days late → 20 %
    ]);
    expect(result).toMatchObject({ late: true, daysLate: 35, total: eur('23.00'), outstanding: eur('100.00') });
  });

  it('RF-1 on time, or nothing due: no surcharge', () => {
    expect(withdrawalLateRefundSurcharge({ dueOn: '2027-01-06', asOf: '2027-01-06', amount: eur('50.00'), refunds: [], legalInterestBasisPoints: LEGAL })).toMatchObject({
      late: false,
      daysLate: 0,
      parts: [],
      total: eur('0.00'),
      outstanding: eur('50.00'),
    });
    expect(withdrawalLateRefundSurcharge({ dueOn: '2027-01-06', asOf: '2027-06-01', amount: eur('0.00'), refunds: [], legalInterestBasisPoints: LEGAL })).toMatchObject({ late: false, total: eur('0.00') });
  });

  it('RF-1 works in pence for GBP (PF in the UK)', () => {
    const gbp = (t: string) => parseAmount(t, 'GBP');
    const result = withdrawalLateRefundSurcharge({ dueOn: '2027-01-06', asOf: '2027-03-20', amount: gbp('80.00'), refunds: [], legalInterestBasisPoints: LEGAL });
    expect(result.total).toEqual(gbp('40.00')); // 73 days → 50 %
  });

  it('RF-1 refuses another currency, a negative amount, a bad legal rate and a date that does not exist', () => {
    const base = { dueOn: '2027-01-06', asOf: '2027-01-20', amount: eur('10.00'), refunds: [], legalInterestBasisPoints: LEGAL };
    expect(() => withdrawalLateRefundSurcharge({ ...base, refunds: [{ on: '2027-01-08', amount: parseAmount('10.00', 'GBP') }] })).toThrow(expect.objectContaining({ code: 'refund.currency_mismatch' }));
    expect(() => withdrawalLateRefundSurcharge({ ...base, amount: money(-1, 'EUR') })).toThrow(expect.objectContaining({ code: 'refund.invalid_amount', details: expect.objectContaining({ rule: 'RF-1' }) }));
    expect(() => withdrawalLateRefundSurcharge({ ...base, legalInterestBasisPoints: 7.21 })).toThrow(expect.objectContaining({ code: 'refund.invalid_legal_interest' }));
    expect(() => withdrawalLateRefundSurcharge({ ...base, dueOn: '2027-02-30' })).toThrow(expect.objectContaining({ code: 'calendar.invalid_date' }));
  });
});
