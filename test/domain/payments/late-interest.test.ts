import { describe, expect, it } from 'vitest';
import { parseAmount } from '../../../src/domain/money.js';
import { appliedAnnualRatePercent, daysLate, lateInterest, latePaymentCharges, recoveryIndemnity } from '../../../src/domain/payments/late-interest.js';

const eur = (text: string) => parseAmount(text, 'EUR');

describe('PA-7 late interest = amount × multiple × reference rate × days / 365', () => {
  it.each([
    // amount      multiple  rate %   days  → interest
    ['1000.00', 1.5, '4.00', 30, 493], //   1000 × 6 % × 30/365 = 4.9315…
    ['12345.67', 1.5, '3.15', 45, 7192], // 12345.67 × 4.725 % × 45/365 = 71.9177…
    ['2500.00', 1.5, '2.1', 1, 22], //       2500 × 3.15 % / 365 = 0.2157…
    ['2500.00', 1.5, '2.1', 0, 0],
    ['100.00', '1.5', 0, 365, 0],
  ])('%s EUR, %s × %s %%, %i days → %i cents', (amount, multiple, rate, days, expected) => {
    expect(lateInterest({ amount: eur(amount), multiple, referenceRatePercent: rate, daysLate: days })).toEqual({ amount: expected, currency: 'EUR' });
  });

  it('refuses rates with more decimals than it can take exactly', () => {
    expect(() => lateInterest({ amount: eur('10.00'), multiple: 1.5, referenceRatePercent: '3.123456', daysLate: 3 })).toThrow(expect.objectContaining({ code: 'late_interest.invalid_rate' }));
  });

  it('counts the days after the due date', () => {
    expect(daysLate('2027-01-31', '2027-01-31')).toBe(0);
    expect(daysLate('2027-01-31', '2027-01-20')).toBe(0);
    expect(daysLate('2027-01-31', '2027-03-02')).toBe(30);
  });

  it('L441-10: 40 EUR recovery indemnity per late invoice, nothing when paid on time', () => {
    expect(recoveryIndemnity()).toEqual({ amount: 4000, currency: 'EUR' });
    expect(latePaymentCharges({ amount: eur('1000.00'), multiple: 1.5, referenceRatePercent: '4', dueOn: '2027-01-31', paidOn: '2027-03-02' })).toEqual({
      daysLate: 30,
      interest: { amount: 493, currency: 'EUR' },
      indemnity: { amount: 4000, currency: 'EUR' },
    });
    expect(latePaymentCharges({ amount: eur('1000.00'), multiple: 1.5, referenceRatePercent: '4', dueOn: '2027-01-31', paidOn: '2027-01-31' }).indemnity.amount).toBe(0);
  });

  it('shows the applied annual rate', () => {
    expect(appliedAnnualRatePercent(1.5, '3.15')).toBe('4.725');
    expect(appliedAnnualRatePercent(1.5, 4)).toBe('6');
  });
});
