// The shop's card rules, enforced by the sandbox PSP on its hosted page:
// PA-2 (FA: strong customer authentication required — 4242, which the issuer
// lets through, is challenged too; a failed challenge fails the payment),
// PA-1 (FR: only cards issued in France — a card issued in GB is declined
// before anything is authorised). Walked from placeOrder to the order's state.
import { describe, expect, it } from 'vitest';
import type { CreateSessionInput } from '../../../src/adapters/payments/provider.js';
import { CARD_COUNTRY_NOT_ACCEPTED } from '../../../src/adapters/payments/sandbox/psp.js';
import { listPaymentEvents, listPaymentsFor } from '../../../src/app/payments.js';
import { dispatchOutbox } from '../../../src/jobs/outbox-dispatcher.js';
import { useTestApp, type TestApp } from '../../support/app.js';
import { placeCardOrder, stockedVariant } from '../../support/orders.js';

const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
const CARDS = { success: '4242 4242 4242 4242', issuedInGb: '4000 0082 6000 0000' } as const;

function helpers(t: TestApp, shippingMethodId: string) {
  const post = (url: string, fields: Record<string, string>) => t.app.inject({ method: 'POST', url, payload: new URLSearchParams(fields).toString(), headers: form });
  return {
    /** A card order placed through placeOrder, its session read at the sandbox PSP. */
    async place(paymentMethod: 'card' | 'wallet' = 'card') {
      const placed = await placeCardOrder(t, { variantId: await stockedVariant(t, 3), quantity: 1, method: shippingMethodId, over: { paymentMethod } });
      const [payment] = await listPaymentsFor(t.ctx.db, t.ctx.shop.id, { kind: 'order', id: placed.order.number });
      return { number: placed.order.number, path: new URL(placed.redirectUrl!).pathname, paymentId: payment!.id, sessionId: payment!.providerSessionId! };
    },
    payByCard: (path: string, number: string) => post(path, { number, expiry: '12/30', cvc: '123' }),
    decide: (path: string, decision: 'approve' | 'fail') => post(path, { decision }),
    async dispatch() {
      const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
      expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
    },
    async state(number: string, paymentId: string) {
      const order = await t.ctx.db.selectFrom('orders').select('state').where('shop_id', '=', t.ctx.shop.id).where('number', '=', number).executeTakeFirstOrThrow();
      const [payment] = await listPaymentsFor(t.ctx.db, t.ctx.shop.id, { kind: 'order', id: number });
      expect(payment!.id).toBe(paymentId);
      return { order: order.state, payment: payment! };
    },
    /** The webhooks the PSP sent for the session (one engine instant: in no particular order). */
    async sessionEvents(sessionId: string) {
      const rows = await t.ctx.db.selectFrom('sandbox_psp_events').select('type').where('session_id', '=', sessionId).execute();
      return rows.map((r) => r.type).sort();
    },
    stateChanges: async (paymentId: string) => (await listPaymentEvents(t.ctx.db, paymentId)).map((e) => e.stateAfter),
  };
}

describe('FA: 3-D Secure required (PA-2)', () => {
  const t = useTestApp('fa');
  const h = helpers(t, 'home');

  it('4242 is challenged first; Approve authorises and captures, the order is paid', async () => {
    const { number, path, paymentId, sessionId } = await h.place();
    expect(await t.ctx.payments!.sandbox.getSession(sessionId)).toMatchObject({ cardRules: { strongAuthentication: 'required', issuerCountries: null } });

    const submitted = await h.payByCard(path, CARDS.success);
    expect(submitted.statusCode).toBe(303);
    expect(submitted.headers.location).toBe(`/sandbox/3ds/${sessionId}`);
    await h.dispatch();
    expect(await h.state(number, paymentId)).toMatchObject({ order: 'awaiting_payment', payment: { state: 'requires_action', authorised: 0, captured: 0 } });
    const challenge = await t.app.inject({ method: 'GET', url: submitted.headers.location!, headers: { accept: 'text/html' } });
    expect(challenge.statusCode).toBe(200);
    expect(challenge.body).toContain('ending in 4242');

    const approved = await h.decide(submitted.headers.location!, 'approve');
    expect(approved.statusCode).toBe(303);
    expect(approved.headers.location).toBe(`/checkout/done?payment=${paymentId}`);
    await h.dispatch();
    const after = await h.state(number, paymentId);
    expect(after).toMatchObject({ order: 'paid', payment: { state: 'captured', captured: after.payment.amount, card: { brand: 'visa', last4: '4242' } } });
    expect(await h.stateChanges(paymentId)).toEqual(['pending', 'requires_action', 'authorised', 'captured']);
  });

  it('4242 with a failed challenge: the payment fails (authentication_failed), nothing authorised, the order payment_failed', async () => {
    const { number, path, paymentId, sessionId } = await h.place();
    const submitted = await h.payByCard(path, CARDS.success);
    expect(submitted.headers.location).toBe(`/sandbox/3ds/${sessionId}`);
    const failed = await h.decide(submitted.headers.location!, 'fail');
    expect(failed.statusCode).toBe(303);
    expect(failed.headers.location).toBe(`/checkout/done?payment=${paymentId}`);
    await h.dispatch();
    expect(await h.state(number, paymentId)).toMatchObject({ order: 'payment_failed', payment: { state: 'failed', failureCode: 'authentication_failed', authorised: 0, captured: 0 } });
    expect(await h.sessionEvents(sessionId)).toEqual(['payment.failed', 'payment.requires_action']);
    expect(await h.stateChanges(paymentId)).toEqual(['pending', 'requires_action', 'failed']);
  });

  it('a wallet session carries no card rules: the wallet authenticates its holder itself', async () => {
    const { sessionId } = await h.place('wallet');
    expect(await t.ctx.payments!.sandbox.getSession(sessionId)).toMatchObject({ method: 'wallet', cardRules: null });
  });

  it('the PSP refuses a card session without rules, and an idempotency key reused with other rules', async () => {
    const provider = t.ctx.payments!.provider;
    const input: CreateSessionInput = {
      paymentId: 'rules-test',
      amount: 1000,
      currency: 'EUR',
      method: 'card',
      returnUrl: '/checkout/done',
      idempotencyKey: 'rules-test-key',
      captureMode: 'automatic',
      cardRules: { strongAuthentication: 'required', issuerCountries: null },
    };
    await expect(provider.createSession({ ...input, cardRules: null })).rejects.toMatchObject({ code: 'sandbox.invalid_card_rules' });
    await expect(provider.createSession({ ...input, method: 'wallet' })).rejects.toMatchObject({ code: 'sandbox.invalid_card_rules' });
    const first = await provider.createSession(input);
    expect(await provider.createSession(input)).toEqual(first); // same key, same request → same session
    for (const cardRules of [
      { strongAuthentication: 'when_issuer_requests', issuerCountries: null },
      { strongAuthentication: 'required', issuerCountries: ['FR'] },
    ] as const) {
      await expect(provider.createSession({ ...input, cardRules })).rejects.toMatchObject({ code: 'sandbox.idempotency_key_reused' });
    }
  });
});

describe('JW: 3-D Secure when the issuer requests it (PA-2)', () => {
  const t = useTestApp('jw');
  const h = helpers(t, 'ems');

  it('4242 is authorised and captured without a challenge, the order is paid', async () => {
    const { number, path, paymentId, sessionId } = await h.place();
    expect(await t.ctx.payments!.sandbox.getSession(sessionId)).toMatchObject({ cardRules: { strongAuthentication: 'when_issuer_requests', issuerCountries: null } });
    const paid = await h.payByCard(path, CARDS.success);
    expect(paid.statusCode).toBe(303);
    expect(paid.headers.location).toBe(`/checkout/done?payment=${paymentId}`);
    await h.dispatch();
    expect(await h.state(number, paymentId)).toMatchObject({ order: 'paid', payment: { state: 'captured' } });
    expect(await h.sessionEvents(sessionId)).toEqual(['payment.authorised', 'payment.captured']);
    expect(await h.stateChanges(paymentId)).toEqual(['pending', 'authorised', 'captured']);
  });
});

describe('FR: only cards issued in France (PA-1)', () => {
  const t = useTestApp('fr');
  const h = helpers(t, 'colissimo');

  it('a card issued in GB is declined (card_country_not_accepted): nothing authorised, the order payment_failed', async () => {
    const { number, path, paymentId, sessionId } = await h.place();
    expect(await t.ctx.payments!.sandbox.getSession(sessionId)).toMatchObject({ cardRules: { strongAuthentication: 'when_issuer_requests', issuerCountries: ['FR'] } });
    const page = await t.app.inject({ method: 'GET', url: path, headers: { accept: 'text/html' } });
    expect(page.body).toContain('<code>4000 0082 6000 0000</code> — issued in GB');

    const declined = await h.payByCard(path, CARDS.issuedInGb);
    expect(declined.statusCode).toBe(303);
    expect(declined.headers.location).toBe(`/checkout/done?payment=${paymentId}`);
    await h.dispatch();
    expect(await h.state(number, paymentId)).toMatchObject({
      order: 'payment_failed',
      payment: { state: 'failed', failureCode: CARD_COUNTRY_NOT_ACCEPTED, authorised: 0, captured: 0 },
    });
    expect(await t.ctx.payments!.sandbox.getSession(sessionId)).toMatchObject({ state: 'failed', failureCode: CARD_COUNTRY_NOT_ACCEPTED, authorised: 0 });
    expect(await h.sessionEvents(sessionId)).toEqual(['payment.failed']);
    // The session is closed: the card cannot be tried again on it.
    expect((await h.payByCard(path, CARDS.success)).statusCode).toBe(409);
  });

  it('a card issued in France is authorised', async () => {
    const { number, path, paymentId } = await h.place();
    expect((await h.payByCard(path, CARDS.success)).headers.location).toBe(`/checkout/done?payment=${paymentId}`);
    await h.dispatch();
    expect(await h.state(number, paymentId)).toMatchObject({ order: 'paid', payment: { state: 'captured' } });
  });
});
