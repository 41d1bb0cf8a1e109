// A browser-free HTTP walk through the sandbox PSP on a listening server:
// GET the hosted page → POST the card form → the 3-D Secure page → Approve →
// back to the shop; then the webhooks (outbox) and the engine's payment state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signWebhook } from '../../../src/adapters/payments/provider.js';
import { cardRulesFor, getPayment, startPayment } from '../../../src/app/payments.js';
import { parseAmount } from '../../../src/domain/money.js';
import { dispatchOutbox } from '../../../src/jobs/outbox-dispatcher.js';
import { useTestApp } from '../../support/app.js';

const t = useTestApp('fa');
let base: string;

beforeAll(async () => {
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.app.close();
});

const formPost = (url: string, fields: Record<string, string>) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: new URLSearchParams(fields) });

describe('sandbox PSP over HTTP', () => {
  it('card with 3-D Secure: hosted page → challenge → approve → captured after the webhooks', async () => {
    const now = await t.ctx.clock.now();
    const { payment, redirectUrl } = await t.ctx.db.transaction().execute((tx) =>
      startPayment(tx, t.ctx.payments!.provider, {
        shopId: t.ctx.shop.id,
        reference: { kind: 'order', id: 'FA-2026-000123' },
        method: 'card',
        amount: parseAmount('249.90', 'EUR'),
        captureMode: 'automatic',
        cardRules: cardRulesFor(t.ctx.shop.policy, 'card'),
        returnUrl: `${base}/`,
        now,
      }),
    );
    const hosted = `${base}${new URL(redirectUrl).pathname}`;

    const page = await fetch(hosted, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`action="${new URL(redirectUrl).pathname}"`);
    expect(html).toContain('4000 0000 0000 3220');

    const submitted = await formPost(hosted, { number: '4000 0000 0000 3220', expiry: '12/30', cvc: '123' });
    expect(submitted.status).toBe(303);
    const challengeUrl = `${base}${submitted.headers.get('location')}`;
    expect(challengeUrl).toMatch(/\/sandbox\/3ds\/cs_/);

    const challenge = await fetch(challengeUrl, { headers: { accept: 'text/html' } });
    expect(challenge.status).toBe(200);
    const challengeHtml = await challenge.text();
    expect(challengeHtml).toContain('Approve');
    expect(challengeHtml).toContain('3220');

    const approved = await formPost(challengeUrl, { decision: 'approve' });
    expect(approved.status).toBe(303);
    expect(approved.headers.get('location')).toBe(`${base}/?payment=${payment.id}`);
    expect((await fetch(approved.headers.get('location')!, { headers: { accept: 'text/html' } })).status).toBe(200);

    // The webhooks leave through the outbox (the server's loop does this every few seconds).
    await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
    expect(await getPayment(t.ctx.db, t.ctx.shop.id, payment.id)).toMatchObject({ state: 'captured', captured: 24990, card: { brand: 'visa', last4: '3220' } });
  });

  it('the webhook endpoint refuses a forged signature and needs no staff login', async () => {
    const body = JSON.stringify({ id: 'evt_forged', type: 'payment.captured', data: {}, created: new Date().toISOString() });
    const response = await fetch(`${base}/api/webhooks/sandbox-payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook('guess', body, await t.ctx.clock.now()) },
      body,
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'payment.webhook_signature_invalid' } });
  });

  it('an unknown session is a 404 page', async () => {
    const response = await fetch(`${base}/sandbox/pay/cs_nope`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(404);
  });
});
