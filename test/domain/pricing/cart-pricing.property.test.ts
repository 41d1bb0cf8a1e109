// PR-9: for any cart, in any shop, to any destination, the totals add up to the
// cent and the VAT breakdown sums to the total.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyRatio, money, type Currency } from '../../../src/domain/money.js';
import { priceCart, type CartLineInput } from '../../../src/domain/pricing/cart-pricing.js';
import { vatTreatment } from '../../../src/domain/pricing/vat.js';
import type { PromotionDefinition } from '../../../src/domain/promotions/promotions.js';
import { CUSTOMER_KINDS, type Policy } from '../../../src/policy/schema.js';
import { loadPolicies, type ShopId } from './shop-fixtures.js';

let policies: Record<ShopId, Policy>;
beforeAll(async () => {
  policies = await loadPolicies();
});

const destinations: Record<ShopId, Array<string | null>> = {
  jw: [null, 'FR', 'DE', 'US', 'JP', 'CH'],
  fa: [null, 'FR', 'DE', 'GB', 'GI', 'RE', 'CH'],
  pf: [null, 'FR', 'GB', 'SE', 'HU', 'US'],
  el: [null, 'FR', 'IT', 'DE', 'CH', 'GP'],
  fr: [null, 'FR', 'DE'],
};

const lineArb = fc.record({
  variant: fc.integer({ min: 1, max: 4 }),
  category: fc.constantFrom(null, 'a', 'b'),
  quantity: fc.integer({ min: 1, max: 5 }),
  unit: fc.integer({ min: 0, max: 200_000 }),
  eco: fc.integer({ min: 0, max: 600 }),
  isGift: fc.boolean(),
});

const promotionArb = fc.record({
  kind: fc.constantFrom('percentage' as const, 'fixed_amount' as const, 'gift' as const),
  bp: fc.integer({ min: 1, max: 10_000 }),
  amount: fc.integer({ min: 1, max: 100_000 }),
  automatic: fc.boolean(),
  combinable: fc.boolean(),
  minimum: fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: undefined }),
  excludedCategory: fc.constantFrom(null, 'a', 'b'),
});

const cartArb = fc.record({
  shop: fc.constantFrom<ShopId>('jw', 'fa', 'pf', 'el', 'fr'),
  destinationIndex: fc.nat(),
  customerKind: fc.constantFrom(...CUSTOMER_KINDS),
  lines: fc.array(lineArb, { maxLength: 7 }),
  promotions: fc.array(promotionArb, { maxLength: 4 }),
  enterAllCodes: fc.boolean(),
  methodIndex: fc.option(fc.nat(), { nil: null }),
  extraLead: fc.integer({ min: 0, max: 15 }),
});

describe('PR-9 property: totals add up to the cent', () => {
  it('PR-9 total = goods + eco-fees − discounts + shipping = Σ line totals + shipping = Σ(base + VAT)', () => {
    fc.assert(
      fc.property(cartArb, (c) => {
        const policy = policies[c.shop];
        const choices = destinations[c.shop];
        const destination = choices[c.destinationIndex % choices.length]!;
        const currency: Currency = vatTreatment(policy, destination).priceListCurrency;
        const lines: CartLineInput[] = c.lines.map((l, i) => ({
          lineId: `l${i}`,
          variantId: `v${l.variant}`,
          productId: `p${l.variant}`,
          categoryId: l.category,
          sku: `SKU-${l.variant}`,
          name: { fr: 'x', en: 'x' },
          quantity: l.quantity,
          unitPrice: money(l.isGift ? 0 : l.unit, currency),
          ecoFeePerUnit: money(l.isGift || !policy.pricing.extraFees.weeeEcoFee ? 0 : l.eco, currency),
          ...(l.isGift ? { isGift: true, initialUnitPrice: money(l.unit, currency) } : {}),
        }));
        const promotions: PromotionDefinition[] = c.promotions.map((p, i) => ({
          id: `promo${i}`,
          code: p.automatic ? null : `CODE${i}`,
          kind: p.kind,
          percentBasisPoints: p.bp,
          amount: money(p.amount, currency),
          gift: { variantId: `gv${i}`, productId: `gp${i}`, sku: `GIFT-${i}`, name: { fr: 'g', en: 'g' }, initialUnitPrice: money(1_500, currency) },
          startsAt: null,
          endsAt: null,
          ...(p.minimum !== undefined ? { minimumBasket: money(p.minimum, currency) } : {}),
          excludedProductIds: [],
          excludedCategoryIds: p.excludedCategory ? [p.excludedCategory] : [],
          usageLimitTotal: null,
          usageLimitPerCustomer: null,
          usedTotal: 0,
          usedByCustomer: 0,
          combinable: p.combinable,
        }));
        const methods = policy.shipping.methods;
        const cart = priceCart({
          policy,
          destinationCountry: destination,
          customerKind: c.customerKind,
          lines,
          promotions,
          codes: c.enterAllCodes ? promotions.filter((p) => p.code).map((p) => p.code!.toLowerCase()) : [],
          shippingMethodId: c.methodIndex === null ? null : methods[c.methodIndex % methods.length]!.id,
          now: new Date('2027-03-01T09:00:00Z'),
          extraLeadWorkingDays: c.extraLead,
        });

        const shipping = cart.shipping?.amount.amount ?? 0;
        const amount = (f: (l: (typeof cart.lines)[number]) => number) => cart.lines.reduce((s, l) => s + f(l), 0);
        expect(cart.currency).toBe(currency);
        expect(cart.goods.amount).toBe(amount((l) => l.lineGoods.amount));
        expect(cart.ecoFees.amount).toBe(amount((l) => l.lineEcoFee.amount));
        expect(cart.discounts.amount).toBe(amount((l) => l.discount.amount));
        expect(cart.total.amount).toBe(cart.goods.amount + cart.ecoFees.amount - cart.discounts.amount + shipping);
        expect(cart.total.amount).toBe(amount((l) => l.lineTotal.amount) + shipping);
        expect(cart.vatBreakdown.reduce((s, r) => s + r.base.amount + r.vat.amount, 0)).toBe(cart.total.amount);
        for (const l of cart.lines) {
          expect(l.lineGoods.amount).toBe(l.unitPrice.amount * l.quantity);
          expect(l.discount.amount).toBeGreaterThanOrEqual(0);
          expect(l.discount.amount).toBeLessThanOrEqual(l.lineGoods.amount);
          if (l.isGift) expect(l.discount.amount).toBe(0);
          expect(l.lineTotal.amount).toBe(l.lineGoods.amount + l.lineEcoFee.amount - l.discount.amount);
        }
        for (const row of cart.vatBreakdown) {
          const gross = money(row.base.amount + row.vat.amount, currency);
          expect(row.vat).toEqual(row.treatment === 'included' ? applyRatio(gross, row.rateBasisPoints, 10_000 + row.rateBasisPoints) : money(0, currency));
        }
        expect(new Set(cart.vatBreakdown.map((r) => r.rateBasisPoints)).size).toBe(cart.vatBreakdown.length);
      }),
      { numRuns: 400 },
    );
  });
});
