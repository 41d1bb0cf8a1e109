// Issue 5, done-when: in Chromium, the merchant ships part of an order from
// the back office (pick list, packing, the sandbox carrier's tracking number,
// SH-5, SH-6), the carrier delivers it (the sandbox carrier's event, driven
// from the parcel screen, with who signed, SH-9), and the customer sees the
// tracking and the possession date in the account.
import { describe, expect, it } from 'vitest';
import { useBrowserShop } from './support/browser.js';
import { CUSTOMER_PASSWORD, payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant } from '../support/orders.js';

describe('fulfilment journey in Chromium (FA)', () => {
  const shop = useBrowserShop('fa');

  it('the merchant ships 1 of 2, the carrier delivers it, the customer sees the tracking and when it was received', async () => {
    const { t, browser, base } = shop;
    const customer = await registeredCustomer(t);
    const placed = await placeCardOrder(t, { variantId: await stockedVariant(t, 5), quantity: 2, method: 'home', customerId: customer.id });
    await payOnHostedPage(t, placed.redirectUrl!);
    const number = placed.order.number;

    // The merchant: fulfilment queue → the order's pick list → a parcel with 1 of the 2 units.
    const staff = await browser.newPage({ locale: 'fr-FR' });
    await staff.goto(`${base}/admin/login`);
    await staff.getByLabel('Adresse e-mail').fill(t.owner.email);
    await staff.getByLabel('Mot de passe').fill(t.owner.password);
    await staff.getByRole('button', { name: 'Connexion' }).click();
    await staff.goto(`${base}/admin/fulfilment`);
    await staff.getByRole('link', { name: number }).click();
    await expect(staff.locator('h1').textContent()).resolves.toBe(`Préparer la commande ${number}`);
    await staff.getByRole('spinbutton').fill('1');
    await staff.getByRole('button', { name: 'Emballer le colis' }).click();
    await expect(staff.locator('h1').textContent()).resolves.toBe(`Colis ${number}-1`);
    const tracking = (await staff.locator('dd a').filter({ hasText: /^SB\d{11}$/ }).textContent())!;
    expect(tracking).toMatch(/^SB\d{11}$/);
    expect(await staff.locator('[data-shipment-state]').getAttribute('data-shipment-state')).toBe('shipped');

    // The sandbox carrier delivers it: who signed (SH-9).
    await staff.getByRole('combobox', { name: 'Événement' }).selectOption('delivered');
    await staff.getByLabel('Signé par', { exact: true }).fill('Camille Martin');
    await staff.getByRole('button', { name: 'Enregistrer' }).click();
    expect(await staff.locator('[data-shipment-state]').getAttribute('data-shipment-state')).toBe('delivered');
    const deliveredAt = await staff.locator('[data-delivered-at]').getAttribute('data-delivered-at');
    expect(deliveredAt).toBe((await t.ctx.clock.now()).toISOString());
    await staff.screenshot({ path: 'test-results/fulfilment-parcel-fr.png', fullPage: true });

    // The customer: the order page shows the parcel, its tracking and its possession date.
    const page = await browser.newPage({ locale: 'fr-FR' });
    await page.goto(`${base}/account/login`);
    await page.getByLabel('Adresse e-mail').fill(customer.email);
    await page.getByLabel('Mot de passe').fill(CUSTOMER_PASSWORD);
    await page.getByRole('button', { name: 'Connexion' }).click();
    await page.goto(`${base}/account/orders/${number}`);
    const section = page.getByRole('region', { name: 'Suivi de livraison' });
    await expect(section.textContent()).resolves.toContain(tracking);
    const parcel = section.locator(`[data-shipment="${number}-1"]`);
    expect(await parcel.getAttribute('data-shipment-state')).toBe('delivered');
    expect(await parcel.locator('[data-delivered-at]').getAttribute('datetime')).toBe(deliveredAt);
    await expect(parcel.locator('[data-delivered-at]').textContent()).resolves.toBe('23 novembre 2026 à 10:00');
    await expect(parcel.textContent()).resolves.toContain('Camille Martin');
    // Only one of two units arrived: the order's last item is not delivered yet (WD-1 does not start).
    expect(await section.locator('[data-last-delivered]').count()).toBe(0);
    await page.screenshot({ path: 'test-results/fulfilment-account-fr.png', fullPage: true });
  });
});
