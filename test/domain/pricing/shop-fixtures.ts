// Test fixtures for the pricing tests: the five real shop policies and cart
// lines built from their demo catalogues (shops/<id>/catalogue.yaml).
import { parseAmount, type Currency, type Money } from '../../../src/domain/money.js';
import type { CartLineInput } from '../../../src/domain/pricing/cart-pricing.js';
import { loadShop } from '../../../src/policy/loader.js';
import type { Policy } from '../../../src/policy/schema.js';

export type ShopId = 'jw' | 'fa' | 'pf' | 'el' | 'fr';

export async function loadPolicies(): Promise<Record<ShopId, Policy>> {
  const ids: ShopId[] = ['jw', 'fa', 'pf', 'el', 'fr'];
  const loaded = await Promise.all(ids.map((id) => loadShop('shops', id)));
  return Object.fromEntries(loaded.map((shop, i) => [ids[i], shop.policy])) as Record<ShopId, Policy>;
}

export const eur = (amount: string): Money => parseAmount(amount, 'EUR');
export const gbp = (amount: string): Money => parseAmount(amount, 'GBP');
export const cash = (amount: string, currency: Currency): Money => parseAmount(amount, currency);

/** A cart line for a catalogue variant: `line('PF-FIG-30', eur('59.00'), 2)`. */
export function line(
  sku: string,
  unitPrice: Money,
  quantity = 1,
  over: Partial<CartLineInput> = {},
): CartLineInput {
  return {
    lineId: `line-${sku}`,
    variantId: `variant-${sku}`,
    productId: `product-${sku.split('-').slice(0, 2).join('-')}`,
    categoryId: null,
    sku,
    name: { fr: sku, en: sku },
    quantity,
    unitPrice,
    ecoFeePerUnit: { amount: 0, currency: unitPrice.currency },
    ...over,
  };
}
