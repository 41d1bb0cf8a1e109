// The cart calculator, shop by shop, from the real policies and the demo
// catalogues' prices; every amount worked out by hand to the cent.
import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/domain/errors.js';
import type { Money } from '../../../src/domain/money.js';
import { priceCart, type CartLineInput, type PriceCartInput } from '../../../src/domain/pricing/cart-pricing.js';
import { splitInclusive } from '../../../src/domain/pricing/vat.js';
import type { PromotionDefinition } from '../../../src/domain/promotions/promotions.js';
import type { CustomerKind, Policy } from '../../../src/policy/schema.js';
import { eur, gbp, line, loadPolicies, type ShopId } from './shop-fixtures.js';

let policies: Record<ShopId, Policy>;
beforeAll(async () => {
  policies = await loadPolicies();
});

// Monday 1 March 2027, 10:00 in Paris.
const NOW = new Date('2027-03-01T09:00:00Z');

function price(
  shop: ShopId,
  destinationCountry: string | null,
  lines: CartLineInput[],
  over: Partial<Omit<PriceCartInput, 'policy' | 'destinationCountry' | 'lines'>> & { customerKind?: CustomerKind } = {},
) {
  return priceCart({
    policy: policies[shop],
    destinationCountry,
    customerKind: 'consumer',
    lines,
    promotions: [],
    codes: [],
    shippingMethodId: null,
    now: NOW,
    ...over,
  });
}

const vatRow = (rateBasisPoints: number, base: Money, vat: Money, treatment: 'included' | 'export' | 'not_subject' = 'included') => ({ rateBasisPoints, base, vat, treatment });

const promo = (over: Partial<PromotionDefinition> & Pick<PromotionDefinition, 'id' | 'kind'>): PromotionDefinition => ({
  code: null,
  startsAt: null,
  endsAt: null,
  excludedProductIds: [],
  excludedCategoryIds: [],
  usageLimitTotal: null,
  usageLimitPerCustomer: null,
  usedTotal: 0,
  usedByCustomer: 0,
  combinable: true,
  ...over,
});

function domainError(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('JW: not subject to VAT (PR-1), worldwide', () => {
  // Bague Trilogie 690.00 + chaîne de cheville Ondine 39.00
  const lines = () => [line('JW-TRI-52', eur('690.00')), line('JW-OND-U', eur('39.00'))];

  it.each([
    ['FR', 'ems', '7.50', '736.50', false],
    ['DE', 'dpd', '14.50', '743.50', false],
    ['US', 'ems', '32.00', '761.00', true],
  ])('PR-1 to %s by %s (%s): total %s, no VAT, the franchise mention', (country, method, shipping, total, importCharges) => {
    const cart = price('jw', country, lines(), { shippingMethodId: method });
    expect(cart.currency).toBe('EUR');
    expect(cart.vat).toMatchObject({ mode: 'not_subject', rateBasisPoints: 0, importChargesPaidByCustomer: importCharges });
    expect(cart.vat.mention?.fr).toBe('TVA non applicable, art. 293 B du CGI');
    expect(cart.goods).toEqual(eur('729.00'));
    expect(cart.shipping?.amount).toEqual(eur(shipping));
    expect(cart.total).toEqual(eur(total));
    expect(cart.vatBreakdown).toEqual([vatRow(0, eur(total), eur('0.00'), 'not_subject')]);
    expect(cart.lines.map((l) => l.unitPrice)).toEqual([eur('690.00'), eur('39.00')]);
  });
});

describe('FA: 20 % French VAT in the EU, export pricing for GB GI RE (PR-2)', () => {
  // Two T-shirts Écume 39.95 + a cape 89.00 = 168.90
  const lines = () => [line('FA-ECU-M-MAR', eur('39.95'), 2), line('FA-CAP-38', eur('89.00'))];

  it('PR-2 France, home delivery: VAT 20 % computed once on 173.80', () => {
    const cart = price('fa', 'FR', lines(), { shippingMethodId: 'home' });
    expect(cart.goods).toEqual(eur('168.90'));
    expect(cart.shipping).toMatchObject({ methodId: 'home', amount: eur('4.90') });
    expect(cart.total).toEqual(eur('173.80'));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, eur('144.83'), eur('28.97'))]); // 28.9666… → 28.97
    expect(cart.shippingOptions.map((o) => o.methodId)).toEqual(['home', 'relay', 'store']);
  });

  it('PR-2 Germany: French VAT too; relay and store are France only', () => {
    const cart = price('fa', 'DE', lines(), { shippingMethodId: 'home' });
    expect(cart.total).toEqual(eur('177.80'));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, eur('148.17'), eur('29.63'))]);
    expect(cart.shippingOptions.map((o) => o.methodId)).toEqual(['home']);
  });

  it('SH-1 relay asked for Germany is reported, not charged', () => {
    const cart = price('fa', 'DE', lines(), { shippingMethodId: 'relay' });
    expect(cart.shipping).toBeNull();
    expect(cart.problems).toEqual([{ code: 'shipping.method_not_available', rule: 'SH-1', methodId: 'relay' }]);
    expect(cart.total).toEqual(eur('168.90'));
  });

  it.each([
    ['GB', '12.90', '153.65'],
    ['GI', '12.90', '153.65'],
    ['RE', '14.90', '155.65'],
  ])('PR-2 %s: prices without French VAT (39.95 → 33.29, 89.00 → 74.17), shipping %s, total %s', (country, shipping, total) => {
    const cart = price('fa', country, lines(), { shippingMethodId: 'home' });
    expect(cart.vat).toMatchObject({ mode: 'export', rateBasisPoints: 0, includedRateBasisPoints: 2000, importChargesPaidByCustomer: true });
    expect(cart.lines.map((l) => [l.catalogueUnitPrice, l.unitPrice, l.lineGoods])).toEqual([
      [eur('39.95'), eur('33.29'), eur('66.58')],
      [eur('89.00'), eur('74.17'), eur('74.17')],
    ]);
    expect(cart.goods).toEqual(eur('140.75'));
    expect(cart.shipping?.amount).toEqual(eur(shipping));
    expect(cart.total).toEqual(eur(total));
    expect(cart.vatBreakdown).toEqual([vatRow(0, eur(total), eur('0.00'), 'export')]);
    expect(cart.shippingOptions.map((o) => o.methodId)).toEqual(['home']);
  });

  it('PR-8 a gift attached by a promotion: a zero line remembering its initial price', () => {
    const tote = promo({
      id: 'tote',
      kind: 'gift',
      minimumBasket: eur('150.00'),
      gift: { variantId: 'variant-FA-TOTE', productId: 'product-FA-TOTE', sku: 'FA-TOTE', name: { fr: 'Tote bag', en: 'Tote bag' }, initialUnitPrice: eur('15.00') },
    });
    const cart = price('fa', 'FR', lines(), { shippingMethodId: 'store', promotions: [tote] });
    expect(cart.lines).toHaveLength(3);
    expect(cart.lines[2]).toMatchObject({ lineId: 'gift:tote', sku: 'FA-TOTE', quantity: 1, unitPrice: eur('0.00'), lineTotal: eur('0.00'), isGift: true, initialUnitPrice: eur('15.00'), promotionId: 'tote' });
    expect(cart.total).toEqual(eur('168.90'));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, eur('140.75'), eur('28.15'))]);
    expect(cart.appliedPromotions).toEqual([{ promotionId: 'tote', code: null, kind: 'gift', discount: eur('0.00'), giftLineId: 'gift:tote' }]);
  });
});

describe('PF: at most 3 per reference (CAT-3), GBP for GB (PR-1), free standard delivery from 175 EUR (SH-2)', () => {
  it.each([
    [[line('PF-FIG-30', eur('59.00'), 3)], []],
    [[line('PF-FIG-30', eur('59.00'), 4)], [{ lineId: 'line-PF-FIG-30', quantity: 4 }]],
    // the same reference on two lines counts together
    [[line('PF-FIG-30', eur('59.00'), 2), line('PF-FIG-30', eur('59.00'), 2, { lineId: 'again' }), line('PF-ROS-50', eur('39.00'), 3)], [{ lineId: 'line-PF-FIG-30', quantity: 4 }]],
  ])('CAT-3 %#', (lines, expected) => {
    const cart = price('pf', 'FR', lines);
    expect(cart.problems).toEqual(
      expected.map((p) => ({ code: 'cart.max_quantity_per_reference', rule: 'CAT-3', variantId: 'variant-PF-FIG-30', limit: 3, ...p })),
    );
  });

  it('CAT-3 no limit in the other shops', () => {
    expect(price('fa', 'FR', [line('FA-ECU-M-MAR', eur('39.95'), 10)]).problems).toEqual([]);
  });

  it('PR-1 GB is priced from the GBP list, UK VAT 20 % included', () => {
    const cart = price('pf', 'GB', [line('PF-FIG-30', gbp('52.00'), 2), line('PF-ROS-50', gbp('34.50'))], { shippingMethodId: 'standard' });
    expect(cart.currency).toBe('GBP');
    expect(cart.goods).toEqual(gbp('138.50'));
    expect(cart.shipping?.amount).toEqual(gbp('10.95'));
    expect(cart.total).toEqual(gbp('149.45'));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, gbp('124.54'), gbp('24.91'))]);
  });

  it('SH-2 GB: free standard delivery from the policy\'s 150.00 GBP', () => {
    const cart = price('pf', 'GB', [line('PF-FIG-100', gbp('110.00')), line('PF-NER-50', gbp('43.00'))], { shippingMethodId: 'standard' });
    expect(cart.shipping).toMatchObject({ amount: gbp('0.00'), free: true, freeBecause: { minimum: gbp('150.00'), basis: 'goods_incl_vat' } });
    expect(cart.total).toEqual(gbp('153.00'));
  });

  it('PR-1 EUR prices for a GB cart are refused, not converted', () => {
    const error = domainError(() => price('pf', 'GB', [line('PF-FIG-30', eur('59.00'))]));
    expect(error.code).toBe('cart.currency_mismatch');
    expect(error.details).toMatchObject({ field: 'unitPrice', rule: 'PR-1', expected: 'GBP', got: 'EUR' });
  });

  // 98.00 + 38.00 + 39.00 = 175.00; 125.00 + 49.00 = 174.00
  const at175 = () => [line('PF-IRG-50', eur('98.00')), line('PF-CED-190', eur('38.00')), line('PF-ROS-50', eur('39.00'))];

  it.each([
    ['174.99 (inclusive bound)', [line('PF-SYN', eur('174.99'))], 'standard', '5.47', '180.46', '150.38', '30.08'],
    ['175.00', at175(), 'standard', '0.00', '175.00', '145.83', '29.17'],
    ['174.00', [line('PF-FIG-100', eur('125.00')), line('PF-NER-50', eur('49.00'))], 'standard', '5.47', '179.47', '149.56', '29.91'],
    ['175.00, express is never free', at175(), 'express', '10.91', '185.91', '154.92', '30.99'],
  ])('SH-2 goods %s to FR by %s: shipping %s, total %s (base %s + VAT %s)', (_goods, lines, method, shipping, total, base, vat) => {
    const cart = price('pf', 'FR', lines, { shippingMethodId: method });
    expect(cart.shipping?.amount).toEqual(eur(shipping));
    expect(cart.total).toEqual(eur(total));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, eur(base), eur(vat))]);
  });

  it('SH-2 the threshold counts goods AFTER discounts: 175.00 − 10 % = 157.50 pays delivery', () => {
    const code = promo({ id: 'ten', code: 'DIX', kind: 'percentage', percentBasisPoints: 1000 });
    const cart = price('pf', 'FR', at175(), { shippingMethodId: 'standard', promotions: [code], codes: ['dix'] });
    expect(cart.discounts).toEqual(eur('17.50'));
    expect(cart.lines.map((l) => l.discount)).toEqual([eur('9.80'), eur('3.80'), eur('3.90')]);
    expect(cart.shipping?.amount).toEqual(eur('5.47'));
    expect(cart.total).toEqual(eur('162.97'));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, eur('135.81'), eur('27.16'))]);
  });

  it('SH-3 express: 1 working day to France, 2 elsewhere; engraving adds 15 working days', () => {
    const fr = price('pf', 'FR', at175());
    const de = price('pf', 'DE', at175());
    const express = (cart: typeof fr) => cart.shippingOptions.find((o) => o.methodId === 'express')!.estimate;
    expect(express(fr)).toEqual({ dispatchBy: '2027-03-03', earliest: '2027-03-04', latest: '2027-03-04' });
    expect(express(de)).toEqual({ dispatchBy: '2027-03-03', earliest: '2027-03-05', latest: '2027-03-05' });
    const engraved = price('pf', 'FR', [line('PF-IRG-50', eur('98.00'))], { extraLeadWorkingDays: 15 });
    expect(express(engraved)).toEqual({ dispatchBy: '2027-03-24', earliest: '2027-03-25', latest: '2027-03-25' });
  });
});

describe('EL: eco-fee per unit shown apart and in the VAT base (PR-3), free delivery from 400 EUR excl. VAT (SH-2), CH export', () => {
  const panorama = (quantity = 1) => line('EL-PAN27', eur('329.00'), quantity, { ecoFeePerUnit: eur('2.50') });
  const onde = (quantity = 1) => line('EL-OND-NOI', eur('149.00'), quantity, { ecoFeePerUnit: eur('0.17') });

  it('PR-3 the eco-fee is a separate amount per unit, taxed with the line', () => {
    const cart = price('el', 'FR', [panorama()], { shippingMethodId: 'standard' });
    expect(cart.lines[0]).toMatchObject({ unitPrice: eur('329.00'), ecoFeePerUnit: eur('2.50'), lineGoods: eur('329.00'), lineEcoFee: eur('2.50'), lineTotal: eur('331.50') });
    expect(cart.ecoFees).toEqual(eur('2.50'));
    expect(cart.shipping?.amount).toEqual(eur('6.90'));
    expect(cart.total).toEqual(eur('338.40'));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, eur('282.00'), eur('56.40'))]);
  });

  it('PR-3/SH-2 above 400 EUR excl. VAT, consumer in France: free standard delivery; VAT base includes the eco-fees', () => {
    const cart = price('el', 'FR', [panorama(), onde(2)], { shippingMethodId: 'standard' });
    expect(cart.goods).toEqual(eur('627.00')); // 522.50 excl. VAT
    expect(cart.ecoFees).toEqual(eur('2.84'));
    expect(cart.shipping).toMatchObject({ amount: eur('0.00'), free: true, freeBecause: { minimum: eur('400.00'), basis: 'goods_excl_vat' } });
    expect(cart.total).toEqual(eur('629.84'));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, eur('524.87'), eur('104.97'))]); // 104.9733… (without the eco-fees: 104.50)
  });

  it('SH-2 not for professionals', () => {
    const cart = price('el', 'FR', [panorama(), onde(2)], { shippingMethodId: 'standard', customerKind: 'professional' });
    expect(cart.shipping?.amount).toEqual(eur('6.90'));
    expect(cart.total).toEqual(eur('636.74'));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, eur('530.62'), eur('106.12'))]);
  });

  it('SH-2 programme resellers too', () => {
    expect(price('el', 'IT', [panorama(), onde(2)], { shippingMethodId: 'standard', customerKind: 'programme_reseller' }).shipping?.free).toBe(true);
  });

  it('SH-2 the threshold is on goods excl. VAT, eco-fees not counted: 478.00 (398.33 excl.) + 2.67 of eco-fees pays', () => {
    const cart = price('el', 'FR', [panorama(), onde()], { shippingMethodId: 'standard' });
    expect(cart.shipping?.amount).toEqual(eur('6.90'));
    expect(cart.total).toEqual(eur('487.57'));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, eur('406.31'), eur('81.26'))]);
  });

  it.each([
    ['479.99', '6.90'],
    ['480.00', '0.00'],
  ])('SH-2 goods %s incl. VAT (400 EUR excl. at 480.00) → standard %s', (goods, shipping) => {
    expect(price('el', 'FR', [line('EL-SYN', eur(goods))], { shippingMethodId: 'standard' }).shipping?.amount).toEqual(eur(shipping));
  });

  it('PR-2 Switzerland: price and eco-fee without French VAT, no VAT line, import charges for the customer', () => {
    const cart = price('el', 'CH', [panorama()], { shippingMethodId: 'standard' });
    expect(cart.vat).toMatchObject({ mode: 'export', importChargesPaidByCustomer: true });
    expect(cart.lines[0]).toMatchObject({ unitPrice: eur('274.17'), ecoFeePerUnit: eur('2.08'), lineTotal: eur('276.25') });
    expect(cart.total).toEqual(eur('301.15'));
    expect(cart.vatBreakdown).toEqual([vatRow(0, eur('301.15'), eur('0.00'), 'export')]);
    expect(cart.shippingOptions.map((o) => o.methodId)).toEqual(['standard', 'express']);
  });
});

describe('FR: promotion stacking (PR-7) and rounding (PR-9)', () => {
  const soldes = promo({ id: 'soldes', kind: 'percentage', percentBasisPoints: 2000, combinable: false });
  const bienvenue = promo({ id: 'bienvenue', code: 'BIENVENUE10', kind: 'fixed_amount', amount: eur('10.00'), combinable: false });
  const lines = () => [line('FR-BRO-38', eur('85.00')), line('FR-IRO-M', eur('45.00'))];

  it('PR-7 a non-combinable code is refused while the sales run', () => {
    const cart = price('fr', 'FR', lines(), { shippingMethodId: 'colissimo', promotions: [soldes, bienvenue], codes: ['bienvenue10'] });
    expect(cart.appliedPromotions.map((a) => [a.promotionId, a.discount])).toEqual([['soldes', eur('26.00')]]);
    expect(cart.rejectedCodes).toEqual([{ code: 'bienvenue10', reason: 'promotion.not_combinable', promotionId: 'bienvenue', conflictsWith: 'soldes' }]);
    expect(cart.lines.map((l) => [l.discount, l.lineTotal])).toEqual([
      [eur('17.00'), eur('68.00')],
      [eur('9.00'), eur('36.00')],
    ]);
    expect(cart.total).toEqual(eur('109.90'));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, eur('91.58'), eur('18.32'))]);
  });

  it('PR-7 after the sales, the same code applies', () => {
    const ended = { ...soldes, endsAt: NOW };
    const cart = price('fr', 'FR', lines(), { shippingMethodId: 'colissimo', promotions: [ended, bienvenue], codes: ['BIENVENUE10'] });
    expect(cart.discounts).toEqual(eur('10.00'));
    expect(cart.total).toEqual(eur('125.90'));
  });

  it('PR-9 three lines at 33.33 with 20 % VAT: VAT 16.67 on the rate total, not 3 × 5.56 = 16.68', () => {
    const cart = price('fr', null, [line('A', eur('33.33')), line('B', eur('33.33')), line('C', eur('33.33'))]);
    expect(cart.total).toEqual(eur('99.99'));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, eur('83.32'), eur('16.67'))]);
    expect(splitInclusive(eur('33.33'), 2000).vat).toEqual(eur('5.56'));
    expect(cart.shipping).toBeNull();
    expect(cart.shippingOptions).toEqual([]);
  });

  it('OR-2 a destination FR does not serve is a problem of the cart, not a crash', () => {
    const cart = price('fr', 'DE', lines(), { shippingMethodId: 'colissimo' });
    expect(cart.problems).toEqual([
      { code: 'destination.not_served', rule: 'OR-2', country: 'DE' },
      { code: 'shipping.method_not_available', rule: 'SH-1', methodId: 'colissimo' },
    ]);
    expect(cart.total).toEqual(eur('130.00'));
  });

  it('CA-1 an empty cart costs nothing', () => {
    const cart = price('fr', 'FR', []);
    expect(cart.total).toEqual(eur('0.00'));
    expect(cart.vatBreakdown).toEqual([vatRow(2000, eur('0.00'), eur('0.00'))]);
  });

  it.each([
    [{ quantity: 0 }, 'cart.invalid_quantity'],
    [{ quantity: 1.5 }, 'cart.invalid_quantity'],
    [{ ecoFeePerUnit: gbp('0.00') }, 'cart.currency_mismatch'],
    [{ unitPrice: { amount: -1, currency: 'EUR' as const } }, 'cart.negative_price'],
    [{ ecoFeePerUnit: eur('0.50') }, 'cart.eco_fee_not_charged'], // PR-3: FR charges no eco-fee
  ])('CA-1 refuses a line %j', (over, code) => {
    expect(domainError(() => price('fr', 'FR', [line('X', eur('10.00'), 1, over)])).code).toBe(code);
  });
});
