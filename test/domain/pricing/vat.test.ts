import { beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../../src/domain/money.js';
import { splitInclusive, vatTreatment } from '../../../src/domain/pricing/vat.js';
import type { Policy } from '../../../src/policy/schema.js';
import { eur, gbp, loadPolicies, type ShopId } from './shop-fixtures.js';

let policies: Record<ShopId, Policy>;
beforeAll(async () => {
  policies = await loadPolicies();
});

describe('PR-1/PR-2 VAT treatment by shop and destination (the real policies)', () => {
  it.each([
    // shop, destination → mode, rate charged, rate inside the catalogue price, currency, import charges for the customer
    ['jw', 'FR', 'not_subject', 0, 0, 'EUR', false],
    ['jw', 'DE', 'not_subject', 0, 0, 'EUR', false],
    ['jw', 'US', 'not_subject', 0, 0, 'EUR', true], // customs charges are the customer's
    ['fa', 'FR', 'included', 2000, 2000, 'EUR', false],
    ['fa', 'DE', 'included', 2000, 2000, 'EUR', false], // French VAT for every EU destination
    ['fa', 'GB', 'export', 0, 2000, 'EUR', true],
    ['fa', 'GI', 'export', 0, 2000, 'EUR', true],
    ['fa', 'RE', 'export', 0, 2000, 'EUR', true],
    ['fa', null, 'included', 2000, 2000, 'EUR', false],
    ['pf', 'FR', 'included', 2000, 2000, 'EUR', false],
    ['pf', 'GB', 'included', 2000, 2000, 'GBP', false], // UK VAT inside the GBP price list
    ['pf', null, 'included', 2000, 2000, 'EUR', false],
    ['el', 'FR', 'included', 2000, 2000, 'EUR', false],
    ['el', 'CH', 'export', 0, 2000, 'EUR', true],
    ['el', 'GP', 'export', 0, 2000, 'EUR', true],
    ['fr', 'FR', 'included', 2000, 2000, 'EUR', false],
  ] as const)('PR-2 %s to %s → %s', (shop, country, mode, rate, included, currency, importCharges) => {
    const t = vatTreatment(policies[shop], country);
    expect(t).toMatchObject({ mode, rateBasisPoints: rate, includedRateBasisPoints: included, priceListCurrency: currency, importChargesPaidByCustomer: importCharges });
  });

  it('PR-1 JW carries the franchise mention', () => {
    expect(vatTreatment(policies.jw, 'FR').mention).toEqual({
      fr: 'TVA non applicable, art. 293 B du CGI',
      en: 'VAT not applicable, article 293 B of the French General Tax Code',
    });
  });

  it('PR-2 an export carries the export mention; a VAT-inclusive sale none', () => {
    expect(vatTreatment(policies.el, 'CH').mention?.fr).toContain('262 I du CGI');
    expect(vatTreatment(policies.el, 'FR').mention).toBeUndefined();
  });

  it('PR-2 a destination rate from rates.byCountry wins over the default', () => {
    const policy = structuredClone(policies.pf);
    if (policy.pricing.vat.mode !== 'included') throw new Error('PF includes VAT');
    policy.pricing.vat.rates.byCountry = { GB: 20, IE: 23, LU: 5.5 };
    expect(vatTreatment(policy, 'IE').rateBasisPoints).toBe(2300);
    expect(vatTreatment(policy, 'LU').rateBasisPoints).toBe(550);
    expect(vatTreatment(policy, 'DE').rateBasisPoints).toBe(2000);
  });

  it('PR-2 without an outsideEu country list, every destination outside the EU VAT area is an export', () => {
    const policy = structuredClone(policies.el);
    if (policy.pricing.vat.mode !== 'included') throw new Error('EL includes VAT');
    policy.pricing.vat.outsideEu = { vatCharged: false, importChargesPaidBy: 'customer' };
    expect(vatTreatment(policy, 'CH').mode).toBe('export');
    expect(vatTreatment(policy, 'NO').mode).toBe('export');
    expect(vatTreatment(policy, 'DE').mode).toBe('included');
    expect(vatTreatment(policy, 'MC').mode).toBe('included'); // Monaco is inside the French VAT territory
  });
});

describe('PR-9 the VAT inside a VAT-inclusive amount', () => {
  it.each([
    [eur('120.00'), 2000, eur('100.00'), eur('20.00')],
    [eur('99.99'), 2000, eur('83.32'), eur('16.67')], // 16.665 → 16.67 (half away from zero)
    [eur('33.33'), 2000, eur('27.77'), eur('5.56')], // 5.555 → 5.56
    [eur('185.91'), 2000, eur('154.92'), eur('30.99')], // 30.985 exactly → 30.99
    [eur('105.50'), 550, eur('100.00'), eur('5.50')],
    [eur('0.01'), 2000, eur('0.01'), eur('0.00')],
    [gbp('114.95'), 2000, gbp('95.79'), gbp('19.16')],
    [eur('42.00'), 0, eur('42.00'), eur('0.00')],
    [money(-12_000, 'EUR'), 2000, money(-10_000, 'EUR'), money(-2_000, 'EUR')], // a credit splits as its mirror image
  ])('PR-9 %j at %i bp → net %j + VAT %j', (gross, rate, net, vat) => {
    expect(splitInclusive(gross, rate)).toEqual({ net, vat });
  });
});
