import { describe, expect, it } from 'vitest';
import { money, parseAmount, sum } from '../../../src/domain/money.js';
import { assertInstalmentsEligible, firstInstalmentDate, instalmentEligibility, instalmentSchedule, type InstalmentsRule } from '../../../src/domain/payments/instalments.js';

const eur = (text: string) => parseAmount(text, 'EUR');
// FA's policy (shops/fa/policy.yaml, catalogue §15).
const fa: InstalmentsRule = {
  plans: [
    { count: 3, basket: { min: eur('150.00'), max: eur('2000.00') } },
    { count: 4, basket: { min: eur('350.00'), max: eur('2000.00') } },
  ],
  residency: ['FR'],
  customerKinds: ['consumer'],
};
const consumerInFrance = { residence: 'FR', customerKind: 'consumer' };

describe('PA-4 eligibility (bounds inclusive)', () => {
  it.each([
    // total        3x       4x
    ['149.99', false, false],
    ['150.00', true, false],
    ['349.99', true, false],
    ['350.00', true, true],
    ['2000.00', true, true],
    ['2000.01', false, false],
  ])('FA basket %s EUR → 3x %s, 4x %s', (total, three, four) => {
    const result = instalmentEligibility(fa, { total: eur(total), ...consumerInFrance });
    expect(result.map((r) => [r.count, r.eligible])).toEqual([
      [3, three],
      [4, four],
    ]);
  });

  it('names each refusal with a stable code', () => {
    expect(instalmentEligibility(fa, { total: eur('149.99'), ...consumerInFrance })[0]).toEqual({ count: 3, eligible: false, reasons: ['instalments.basket_below_minimum'] });
    expect(instalmentEligibility(fa, { total: eur('2000.01'), ...consumerInFrance })[1]).toEqual({ count: 4, eligible: false, reasons: ['instalments.basket_above_maximum'] });
    expect(instalmentEligibility(fa, { total: eur('500.00'), residence: 'BE', customerKind: 'professional' })[0]).toEqual({
      count: 3,
      eligible: false,
      reasons: ['instalments.customer_kind_not_eligible', 'instalments.residency_not_eligible'],
    });
    expect(instalmentEligibility(fa, { total: money(50000, 'GBP'), ...consumerInFrance })[0]).toMatchObject({ reasons: ['instalments.currency_not_offered'] });
  });

  it('assertInstalmentsEligible throws the first refusal', () => {
    expect(() => assertInstalmentsEligible(fa, { total: eur('349.99'), ...consumerInFrance }, 4)).toThrow(expect.objectContaining({ code: 'instalments.basket_below_minimum' }));
    expect(() => assertInstalmentsEligible(fa, { total: eur('500.00'), ...consumerInFrance }, 5)).toThrow(expect.objectContaining({ code: 'instalments.plan_not_offered' }));
    expect(() => assertInstalmentsEligible(fa, { total: eur('350.00'), ...consumerInFrance }, 4)).not.toThrow();
  });
});

describe('PA-4 schedule', () => {
  const rows = (total: string, count: number, first: string) =>
    instalmentSchedule({ total: eur(total), count, firstDueOn: first }).map((i) => [i.number, i.dueOn, i.amount.amount]);

  it('1,000.00 in 3 from 31 Jan 2027: 333.34 + 333.33 + 333.33, clamped to 28 Feb, back to 31 Mar', () => {
    expect(rows('1000.00', 3, '2027-01-31')).toEqual([
      [1, '2027-01-31', 33334],
      [2, '2027-02-28', 33333],
      [3, '2027-03-31', 33333],
    ]);
  });

  it('the first share takes every leftover cent: 1,000.01 in 3, 100.03 in 4', () => {
    expect(rows('1000.01', 3, '2027-03-10').map((r) => r[2])).toEqual([33335, 33333, 33333]);
    expect(rows('100.03', 4, '2027-03-10').map((r) => r[2])).toEqual([2503, 2500, 2500, 2500]);
  });

  it('4x from 31 Jan 2028 (leap year): 29 Feb, 31 Mar, 30 Apr', () => {
    expect(rows('2000.00', 4, '2028-01-31')).toEqual([
      [1, '2028-01-31', 50000],
      [2, '2028-02-29', 50000],
      [3, '2028-03-31', 50000],
      [4, '2028-04-30', 50000],
    ]);
  });

  it('same day of the following months (catalogue §15), not 30-day steps', () => {
    expect(rows('150.00', 3, '2026-11-23').map((r) => r[1])).toEqual(['2026-11-23', '2026-12-23', '2027-01-23']);
  });

  it.each([
    ['150.00', 3],
    ['999.99', 3],
    ['1234.57', 4],
    ['350.01', 4],
  ])('%s in %i always sums to the total', (total, count) => {
    const shares = instalmentSchedule({ total: eur(total), count, firstDueOn: '2027-05-31' }).map((i) => i.amount);
    expect(sum(shares, 'EUR')).toEqual(eur(total));
  });

  it('the first date is the shipment confirmation day in the shop time zone', () => {
    expect(firstInstalmentDate(new Date('2027-01-30T23:30:00Z'), 'Europe/Paris')).toBe('2027-01-31');
  });
});
