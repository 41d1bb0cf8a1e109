// EX-1: what an exchange by post may ask for instead of each item (JW): the
// other variants of the same product, for sale in the order's currency at their
// price in force now, and whether the warehouse has one.
import { describe, expect, it } from 'vitest';
import { addPrice } from '../../src/app/catalogue-admin.js';
import { exchangeChoices } from '../../src/app/exchange-choices.js';
import { useTestApp } from '../support/app.js';
import { variantOfSku } from '../support/returns.js';

describe('exchangeChoices (EX-1, JW)', () => {
  const t = useTestApp('jw', { clockStart: '2026-12-01T09:00:00Z' });

  it('per line: the sibling sizes with their price now and warehouse stock; a product of one variant, or another currency, has none', async () => {
    const now = await t.ctx.clock.now();
    const [sol50, sol52, sol54, sol56, sol58, anklet] = [
      await variantOfSku(t, 'JW-SOL-50', 3),
      await variantOfSku(t, 'JW-SOL-52', 5),
      await variantOfSku(t, 'JW-SOL-54', 0),
      await variantOfSku(t, 'JW-SOL-56', 2),
      await variantOfSku(t, 'JW-SOL-58', 1),
      await variantOfSku(t, 'JW-OND-U', 15),
    ];
    const price = (variantId: string, amountMinor: number, effectiveAt: Date | null = null) =>
      addPrice(t.ctx.db, { shopId: 'jw', variantId, currency: 'EUR', amountMinor, effectiveAt, currencies: ['EUR'], actor: { kind: 'system' }, now });
    await price(sol54, 9_500); // PR-4: the price in force now
    await price(sol56, 7_900, new Date('2026-12-20T00:00:00Z')); // not yet

    const choices = await exchangeChoices(t.ctx.db, { shopId: 'jw', order: { currency: 'EUR', lines: [{ position: 0, variantId: sol52 }, { position: 1, variantId: anklet }] }, now });
    expect(choices.get(0)).toEqual([
      { variantId: sol50, sku: 'JW-SOL-50', options: { size: '50' }, price: 8_900, inStock: true },
      { variantId: sol54, sku: 'JW-SOL-54', options: { size: '54' }, price: 9_500, inStock: false },
      { variantId: sol56, sku: 'JW-SOL-56', options: { size: '56' }, price: 8_900, inStock: true },
      { variantId: sol58, sku: 'JW-SOL-58', options: { size: '58' }, price: 8_900, inStock: true },
    ]);
    expect(choices.get(1)).toEqual([]);
    // Not for sale in the order's currency (JW prices in EUR only): nothing to offer.
    const inPounds = await exchangeChoices(t.ctx.db, { shopId: 'jw', order: { currency: 'GBP', lines: [{ position: 0, variantId: sol52 }] }, now });
    expect(inPounds.get(0)).toEqual([]);
  });
});
