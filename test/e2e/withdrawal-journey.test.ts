// Issue 6, done-when: in Chromium, a guest withdraws through the two-step
// withdrawal function (WD-4: « renoncer au contrat ici », then « confirmer la
// rétractation ») and receives the acknowledgment email with the statement and
// the time it was sent; the merchant marks the goods received, inspects and
// refunds from the back office (WD-8, RF-1, RF-2); the customer sees the
// refund and the credit note on the return's page (DOC-1).
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/adapters/clock.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import { shipOrder, track } from '../support/fulfilment.js';
import { payOnHostedPage, placeCardOrder, stockedVariant } from '../support/orders.js';
import { useBrowserShop } from './support/browser.js';

describe('withdrawal journey in Chromium (PF guest)', () => {
  const shop = useBrowserShop('pf');

  it('the guest withdraws in two steps, the merchant inspects and refunds, the guest sees the credit note', async () => {
    const { t, browser, base } = shop;
    const email = 'alex.invite@example.com';
    // A guest order of 2 units (PF: guests allowed), shipped and delivered on Tuesday 24 November 2026.
    const variantId = await stockedVariant(t, 10, { skip: 1 });
    const placed = await placeCardOrder(t, { variantId, quantity: 2, method: 'standard', over: { customerId: null, email } });
    await payOnHostedPage(t, placed.redirectUrl!);
    const number = placed.order.number;
    const moveTo = (iso: string) => advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, new Date(iso));
    await moveTo('2026-11-24T08:00:00Z');
    const shipment = await shipOrder(t, number);
    await moveTo('2026-11-24T15:00:00Z');
    await track(t, shipment.trackingNumber!, { kind: 'delivered', signedBy: 'Alex Invité', recipient: 'customer' });
    await moveTo('2026-12-01T10:30:00Z');

    // The guest: the footer's « Renoncer au contrat ici », the order named by its number and email.
    const page = await browser.newPage({ locale: 'fr-FR' });
    await page.goto(`${base}/`);
    await page.getByRole('link', { name: 'Renoncer au contrat ici' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Renoncer au contrat ici');
    await page.getByLabel('Numéro de commande').fill(number);
    await page.getByLabel('Adresse e-mail de la commande').fill(email);
    await page.getByRole('button', { name: 'Continuer' }).click();

    // Step 1: the items; the period's last day (PF: 14 working days from 24 November → 14 December).
    await expect(page.locator('[data-withdrawal-step="1"] h2').textContent()).resolves.toBe('Étape 1 sur 2 — la commande et les articles');
    expect(await page.locator('[data-withdrawal-window]').getAttribute('data-last-day')).toBe('2026-12-14');
    await page.getByLabel('Votre nom').fill('Alex Invité');
    await page.locator('input[name="qty_0"]').fill('1');
    const sealed = page.getByLabel('L’article est toujours scellé');
    if ((await sealed.count()) > 0) await sealed.check();
    await page.getByRole('button', { name: 'Continuer' }).click();

    // Step 2: the statement as it will be sent, and the separate confirmation control.
    await expect(page.locator('[data-withdrawal-step="2"] h2').textContent()).resolves.toBe('Étape 2 sur 2 — votre déclaration');
    await expect(page.locator('[data-statement]').textContent()).resolves.toContain('Je vous notifie par la présente ma rétractation');
    await page.screenshot({ path: 'test-results/withdrawal-step2-fr.png', fullPage: true });
    await page.getByRole('button', { name: 'Confirmer la rétractation' }).click();

    // The return's page: authorised, to send back by 15 December (WD-6: 14 days after the notice).
    const returnNumber = `${number}-RT1`;
    await expect(page.locator('h1').textContent()).resolves.toBe(`Retour ${returnNumber}`);
    expect(await page.locator('[data-return-state]').getAttribute('data-return-state')).toBe('authorised');
    expect(await page.locator('[data-send-by]').getAttribute('data-send-by')).toBe('2026-12-15');
    const returnUrl = page.url();
    expect(returnUrl).toContain('token=');

    // The acknowledgment, at once: the statement and the date and time it was sent (WD-4).
    await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
    const ack = await t.ctx.db.selectFrom('emails').select(['subject', 'text', 'to_address']).where('related_id', '=', number).where('subject', 'like', '%accusé de réception%').executeTakeFirstOrThrow();
    expect(ack.to_address).toBe(email);
    expect(ack.text).toContain('1 décembre 2026 à 11:30:00 (Europe/Paris)');
    expect(ack.text).toContain(`Numéro de retour : ${returnNumber}`);

    // The merchant: the returns queue → the return → received → inspected and refunded.
    await moveTo('2026-12-07T09:00:00Z');
    const staff = await browser.newPage({ locale: 'fr-FR' });
    await staff.goto(`${base}/admin/login`);
    await staff.getByLabel('Adresse e-mail').fill(t.owner.email);
    await staff.getByLabel('Mot de passe').fill(t.owner.password);
    await staff.getByRole('button', { name: 'Connexion' }).click();
    await staff.goto(`${base}/admin/returns`);
    await staff.getByRole('link', { name: returnNumber }).click();
    await staff.getByRole('button', { name: 'Marquer comme reçu' }).click();
    await staff.getByLabel('Accepté', { exact: true }).check();
    await staff.getByRole('button', { name: 'Enregistrer l’inspection et rembourser' }).click();
    await expect(staff.locator('body').textContent()).resolves.toContain('Inspection enregistrée');
    await staff.screenshot({ path: 'test-results/withdrawal-inspection-fr.png', fullPage: true });

    // The guest, from the acknowledgment's link: refunded, with the credit note (DOC-1).
    const unit = placed.order.lines[0]!.total / 2;
    const refund = unit + placed.order.shipping; // RF-2 (PF): the unit and the standard delivery, which was the one chosen
    await page.goto(returnUrl.replace('&done=1', ''));
    expect(await page.locator('[data-return-state]').getAttribute('data-return-state')).toBe('refunded');
    expect(await page.locator('[data-refunded]').getAttribute('data-refunded')).toBe(String(refund));
    const creditNote = page.locator('[data-document-kind="credit_note"] a');
    await expect(creditNote.textContent()).resolves.toBe('Avoir PF-A-2026-000001');
    const pdf = await page.request.get(`${base}${await creditNote.getAttribute('href')}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    await page.screenshot({ path: 'test-results/withdrawal-return-fr.png', fullPage: true });
  });
});
