// Issue 2 §10: the home page and the terms page, in both languages, in a real browser.
import { describe, expect, it } from 'vitest';
import { useBrowserShop } from './support/browser.js';

describe('storefront in Chromium (FA)', () => {
  const shop = useBrowserShop('fa');

  it('shows the demo catalogue on the home page in French, then in English', async () => {
    const page = await shop.browser.newPage({ locale: 'fr-FR' });
    await page.goto(`${shop.base}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Catalogue');
    const products = page.locator('li.product');
    expect(await products.count()).toBeGreaterThanOrEqual(8);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('fr');
    // Prices are formatted the French way: "49,90 €".
    expect(await page.locator('.price').first().textContent()).toMatch(/\d,\d{2}\s€/);

    await page.getByRole('link', { name: 'English' }).click();
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    expect(await page.locator('.price').first().textContent()).toMatch(/€\d+\.\d{2}/);
    // The choice is remembered.
    await page.goto(`${shop.base}/`);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await page.close();
  });

  it('shows the terms in force with their history, in both languages', async () => {
    const page = await shop.browser.newPage({ locale: 'fr-FR' });
    await page.goto(`${shop.base}/terms?lang=fr`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Conditions générales de vente');
    const version = await page.locator('[data-terms-version]').textContent();
    expect(version).toBeTruthy();
    expect(await page.locator('article').textContent()).toMatch(/rétractation/i);
    const history = page.locator('#history-title + ol li');
    expect(await history.count()).toBeGreaterThanOrEqual(2);

    // An older version stays readable (ID-3).
    const older = history.last().locator('a');
    const olderId = await older.textContent();
    await older.click();
    await expect(page.locator('[data-terms-version]').textContent()).resolves.toBe(olderId);

    await page.goto(`${shop.base}/terms?lang=en`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Terms and conditions of sale');
    expect(await page.locator('article').textContent()).toMatch(/withdraw/i);
    await page.screenshot({ path: 'test-results/terms-en.png', fullPage: true });
    await page.close();
  });
});
