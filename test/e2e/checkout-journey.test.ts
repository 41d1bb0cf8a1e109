// Issue 4, done-when: in Chromium, a customer of FA (an account is required,
// CU-1) creates one on the way, adds a product, goes through checkout — address
// and phone, delivery method, the summary — ticks the terms, clicks the final
// button (OR-1b), pays on the sandbox's hosted page with the 3-D Secure card
// (PA-2), approves the challenge, and lands on the confirmation page with the
// order number, paid; the confirmation email with the withdrawal form is in the
// mailbox (OR-5, DOC-5).
import { describe, expect, it } from 'vitest';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { useBrowserShop } from './support/browser.js';
import { signIn } from '../support/app.js';

describe('checkout journey in Chromium (FA)', () => {
  const shop = useBrowserShop('fa');

  it('account → cart → checkout → terms → final button → 3-D Secure → confirmation, paid → email', async () => {
    const page = await shop.browser.newPage({ locale: 'fr-FR' });
    const dispatch = async () => dispatchOutbox(shop.t.ctx.db, shop.t.ctx.outbox, await shop.t.ctx.clock.now());

    // CU-1: FA requires an account — create one.
    await page.goto(`${shop.base}/account/register`);
    await page.getByLabel('Adresse e-mail').fill('camille@example.com');
    await page.getByLabel('Mot de passe').fill('correct horse battery staple');
    await page.getByLabel('Nom', { exact: true }).fill('Camille Martin');
    await page.getByRole('button', { name: 'Créer un compte' }).click();

    // A product in the cart.
    await page.goto(`${shop.base}/catalogue`);
    await page.getByLabel('Rechercher un produit').fill('mariniere');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.getByRole('link', { name: 'Marinière Écume' }).click();
    await page.getByRole('button', { name: 'Ajouter au panier' }).first().click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Votre panier');

    // OR-1: addresses, phone, delivery method.
    await page.goto(`${shop.base}/checkout`);
    const delivery = page.getByRole('group', { name: 'Adresse de livraison' });
    await delivery.getByLabel('Nom et prénom').fill('Camille Martin');
    await delivery.getByLabel('Adresse', { exact: true }).fill('12 rue des Lilas');
    await delivery.getByLabel('Code postal').fill('75011');
    await delivery.getByLabel('Ville').fill('Paris');
    await delivery.getByRole('combobox', { name: 'Pays' }).selectOption('FR');
    await delivery.getByLabel('Téléphone').fill('01 23 45 67 89');
    await page.getByRole('radio', { name: /Livraison à domicile/ }).check();
    await page.getByRole('button', { name: 'Continuer vers le récapitulatif' }).click();

    // The summary: every line, the totals, the declarations, the unticked terms box.
    await expect(page.locator('h1').textContent()).resolves.toBe('Récapitulatif de votre commande');
    expect(await page.locator('table.checkout-lines tbody tr').count()).toBe(1);
    expect(await page.locator('table.checkout-lines').textContent()).toContain('Marinière Écume');
    const terms = page.getByRole('checkbox', { name: /J'ai lu et j'accepte les conditions générales de vente/ });
    expect(await terms.isChecked()).toBe(false);
    await page.getByRole('checkbox', { name: /au moins 18 ans/ }).check();
    await terms.check();
    await page.getByRole('radio', { name: 'Carte bancaire' }).check();
    await page.screenshot({ path: 'test-results/checkout-summary-fr.png', fullPage: true });

    // OR-1b: the final button says that ordering means paying.
    const button = page.locator('button.order-button');
    expect((await button.textContent())?.trim()).toBe('Commande avec obligation de paiement');
    await button.click();

    // PA-2: the hosted card page, then the 3-D Secure challenge.
    await expect(page.locator('h1').textContent()).resolves.toBe('Pay by card');
    await page.getByLabel('Card number').fill('4000 0000 0000 3220');
    await page.getByLabel('Expiry (MM/YY)').fill('12/30');
    await page.getByLabel('Security code (CVC)').fill('123');
    await page.getByRole('button', { name: 'Pay' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('3-D Secure');
    await page.getByRole('button', { name: 'Approve' }).click();

    // Back on the shop: the confirmation page.
    expect(new URL(page.url()).pathname).toMatch(/^\/checkout\/confirmation\/FA-2026-\d{6}$/);
    const number = await page.locator('[data-order-number]').getAttribute('data-order-number');
    expect(number).toMatch(/^FA-2026-\d{6}$/);
    // The provider's webhook and the email leave through the outbox.
    await dispatch();
    await page.reload();
    expect(await page.locator('[data-order-state]').getAttribute('data-order-state')).toBe('paid');
    expect(await page.locator('[data-payment-state]').textContent()).toBe('Payée');
    expect(await page.locator('main').textContent()).toContain('14 jours calendaires');
    await page.screenshot({ path: 'test-results/checkout-confirmation-fr.png', fullPage: true });

    // OR-5 / DOC-5: the confirmation email in the mailbox.
    const cookie = await signIn(shop.t.app, shop.t.owner.email, shop.t.owner.password);
    const mailbox = await shop.t.app.inject({ method: 'GET', url: '/api/admin/mailbox', headers: { cookie } });
    expect(mailbox.statusCode).toBe(200);
    expect(mailbox.body).toContain(`Confirmation de votre commande ${number}`);
    const email = await shop.t.ctx.db.selectFrom('emails').select(['text', 'html', 'to_address']).where('shop_id', '=', 'fa').where('related_id', '=', number!).executeTakeFirstOrThrow();
    expect(email.to_address).toBe('camille@example.com');
    expect(email.text).toContain(number);
    expect(email.text).toContain('Formulaire de rétractation');
    expect(email.text).toContain('75011 Paris');
    expect(email.html).toContain('Formulaire de rétractation');
    await page.close();
  });
});
