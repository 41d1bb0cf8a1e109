// Issue 3, done-when: in Chromium, a customer browses the catalogue, opens a
// product page, adds it to the cart, applies a promotion code, chooses a
// country and a delivery method, and sees the totals — amounts to the cent,
// recomputed by the engine from FA's policy.
import { describe, expect, it } from 'vitest';
import { createPromotion } from '../../src/app/promotions.js';
import { useBrowserShop } from './support/browser.js';

describe('shopping journey in Chromium (FA)', () => {
  const shop = useBrowserShop('fa', async (t) => {
    const now = await t.ctx.clock.now();
    await t.ctx.db.transaction().execute((tx) =>
      createPromotion(tx, {
        shopId: 'fa',
        policy: t.ctx.shop.policy,
        promotion: { code: 'BIENVENUE10', name: 'Bienvenue', kind: 'percentage', percentBasisPoints: 1000, combinable: true },
        actor: { kind: 'cli' },
        now,
      }),
    );
  });

  it('browse → product → add to cart → code → country and method → totals', async () => {
    const page = await shop.browser.newPage({ locale: 'fr-FR' });
    const row = (label: string) => page.locator('table.totals tr', { has: page.locator('th', { hasText: label }) }).locator('td');

    // Browse: search the catalogue, open the product.
    await page.goto(`${shop.base}/catalogue`);
    await page.getByLabel('Rechercher un produit').fill('mariniere');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.getByRole('link', { name: 'Marinière Écume' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Marinière Écume');
    await page.screenshot({ path: 'test-results/product-fr.png', fullPage: true });

    // Add size S to the cart.
    await page.getByRole('button', { name: 'Ajouter au panier' }).first().click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Votre panier');
    expect(await row('Articles').textContent()).toBe('39,95\u00a0€');

    // PR-7: a 10 % code: 3.995 rounds half away from zero to 4.00.
    await page.getByRole('textbox', { name: 'Code promotionnel' }).fill('bienvenue10');
    await page.getByRole('button', { name: 'Appliquer' }).click();
    expect(await row('Remises').textContent()).toBe('−4,00\u00a0€');

    // SH-2: Germany, then the home delivery method at FA's rate for it (8.90).
    await page.getByRole('combobox', { name: 'Pays de livraison' }).selectOption('DE');
    await page.getByRole('button', { name: 'Valider la livraison' }).click();
    await page.getByRole('radio', { name: /Livraison à domicile/ }).check();
    await page.getByRole('button', { name: 'Valider la livraison' }).click();

    expect(await row('Livraison').textContent()).toBe('8,90\u00a0€');
    // 39.95 − 4.00 + 8.90; VAT inside at 20 %: 44.85 × 20/120 = 7.475 → 7.48.
    expect(await row('Total').textContent()).toBe('44,85\u00a0€');
    expect(await row('dont TVA 20').textContent()).toBe('7,48\u00a0€');
    await page.screenshot({ path: 'test-results/cart-fr.png', fullPage: true });
    await page.close();
  });
});
