// Issue 4 §4: card and wallet payments through the sandbox PSP (hosted pages
// driven with app.inject), signed webhooks through the outbox, capture / void
// / refund with their limits and idempotency, bank transfers (PA-5).
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { SIGNATURE_HEADER, signWebhook, type CardRules } from '../../src/adapters/payments/provider.js';
import { webhookBody } from '../../src/adapters/payments/sandbox/webhooks.js';
import {
  capturePayment,
  expireBankTransfer,
  getPayment,
  listPaymentEvents,
  recordBankTransferReceived,
  refundPayment,
  releaseAuthorisationRemainder,
  startBankTransferPayment,
  startPayment,
  voidPayment,
  type PaymentsContext,
} from '../../src/app/payments.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { money, parseAmount } from '../../src/domain/money.js';
import { normaliseBankTransferReference } from '../../src/domain/payments/bank-transfer.js';
import type { Tx } from '../../src/store/db.js';
import { listOutbox } from '../../src/store/outbox.js';
import { useTestApp, type TestApp } from '../support/app.js';

const eur = (text: string) => parseAmount(text, 'EUR');
const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});
const CARD = { expiry: '12/30', cvc: '123' };
/**
 * The card rules these sessions are started with: the issuer decides on 3-D
 * Secure (PA-2) and any issuing country is accepted (PA-1), so 4242 is
 * authorised without a challenge. FA's own rules (SCA required) through
 * placeOrder: test/adapters/payments/sandbox-card-rules.test.ts.
 */
const ISSUER_DECIDES: CardRules = { strongAuthentication: 'when_issuer_requests', issuerCountries: null };

function helpers(t: TestApp) {
  const payments = () => t.ctx.payments as PaymentsContext;
  const now = () => t.ctx.clock.now();
  let order = 0;
  return {
    payments,
    now,
    async start(options: { method?: 'card' | 'wallet'; amount?: string; captureMode?: 'automatic' | 'manual' } = {}) {
      order += 1;
      const at = await now();
      const method = options.method ?? 'card';
      const { payment, redirectUrl } = await t.ctx.db
        .transaction()
        .execute((tx) =>
          startPayment(tx, payments().provider, {
            shopId: t.ctx.shop.id,
            reference: { kind: 'order', id: `FA-2026-${String(order).padStart(6, '0')}` },
            method,
            amount: eur(options.amount ?? '100.00'),
            captureMode: options.captureMode ?? 'automatic',
            cardRules: method === 'card' ? ISSUER_DECIDES : null,
            returnUrl: '/checkout/return',
            now: at,
          }),
        );
      return { payment, path: new URL(redirectUrl).pathname, sessionId: payment.providerSessionId! };
    },
    async dispatch() {
      const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await now());
      expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
      return report;
    },
    async payment(id: string) {
      return (await getPayment(t.ctx.db, t.ctx.shop.id, id))!;
    },
    async payByCard(path: string, number: string) {
      return t.app.inject({ method: 'POST', url: path, ...form({ number, ...CARD }) });
    },
  };
}

describe('card payments through the hosted page (FA: capture at order → automatic)', () => {
  const t = useTestApp('fa');
  const h = helpers(t);

  it('4242 4242 4242 4242: authorised and captured after the webhooks; only brand and last 4 kept', async () => {
    const { payment, path } = await h.start();
    expect(payment.state).toBe('pending');
    expect(path).toMatch(/^\/sandbox\/pay\/cs_/);

    const page = await t.app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="number"');
    expect(page.body).toContain('data-amount="10000"');

    const paid = await h.payByCard(path, '4242 4242 4242 4242');
    expect(paid.statusCode).toBe(303);
    expect(paid.headers.location).toBe(`/checkout/return?payment=${payment.id}`);
    // The webhooks travel through the outbox: nothing changed before it is dispatched.
    expect((await h.payment(payment.id)).state).toBe('pending');
    expect((await listOutbox(t.ctx.db, t.ctx.shop.id, { kind: 'sandbox.webhook', state: 'pending' })).length).toBe(2);

    await h.dispatch();
    const after = await h.payment(payment.id);
    expect(after).toMatchObject({ state: 'captured', authorised: 10000, captured: 10000, card: { brand: 'visa', last4: '4242' } });
    expect((await listPaymentEvents(t.ctx.db, payment.id)).map((e) => [e.type, e.stateAfter])).toEqual([
      ['session.created', 'pending'],
      ['payment.authorised', 'authorised'],
      ['payment.captured', 'captured'],
    ]);

    // PA-1: the card number is nowhere in the database.
    const { rows } = await sql<{ hit: number }>`
      SELECT count(*)::int AS hit FROM (
        SELECT row_to_json(p)::text AS t FROM payments p UNION ALL SELECT row_to_json(e)::text FROM payment_events e
        UNION ALL SELECT row_to_json(s)::text FROM sandbox_psp_sessions s UNION ALL SELECT row_to_json(v)::text FROM sandbox_psp_events v
        UNION ALL SELECT row_to_json(o)::text FROM outbox o
      ) x WHERE t LIKE '%424242424242%' OR t LIKE '%4242 4242%'`.execute(t.ctx.db);
    expect(rows[0]!.hit).toBe(0);

    // The hosted page of a paid session no longer takes a card.
    const again = await t.app.inject({ method: 'GET', url: path });
    expect(again.body).toContain('data-state="captured"');
    expect((await h.payByCard(path, '4242424242424242')).statusCode).toBe(409);
  });

  it.each([
    ['4000 0000 0000 0002', 'card_declined'],
    ['4000 0000 0000 9995', 'insufficient_funds'],
  ])('%s fails the payment (%s)', async (number, code) => {
    const { payment, path } = await h.start();
    const response = await h.payByCard(path, number);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/checkout/return?payment=${payment.id}`);
    await h.dispatch();
    expect(await h.payment(payment.id)).toMatchObject({ state: 'failed', failureCode: code, captured: 0 });
  });

  it('refuses bad input on the form without touching the payment', async () => {
    const { payment, path } = await h.start();
    for (const [fields, error] of [
      [{ number: '4242 4242 4242 4241', ...CARD }, 'card.number_invalid'],
      [{ number: '5555 5555 5555 4444', ...CARD }, 'card.not_a_test_card'],
      [{ number: '4242424242424242', expiry: '01/20', cvc: '123' }, 'card.expired'],
      [{ number: '4242424242424242', expiry: '12/30', cvc: '12' }, 'card.cvc_invalid'],
    ] as const) {
      const response = await t.app.inject({ method: 'POST', url: path, ...form(fields) });
      expect(response.statusCode).toBe(422);
      expect(response.body).toContain(`data-error="${error}"`);
    }
    expect((await t.ctx.db.selectFrom('sandbox_psp_sessions').select('state').where('id', '=', payment.providerSessionId!).executeTakeFirstOrThrow()).state).toBe('open');
  });

  it('PA-2: 4000 0000 0000 3220 asks for 3-D Secure; Approve authorises and captures', async () => {
    const { payment, path, sessionId } = await h.start();
    const challenge = await h.payByCard(path, '4000000000003220');
    expect(challenge.statusCode).toBe(303);
    expect(challenge.headers.location).toBe(`/sandbox/3ds/${sessionId}`);
    await h.dispatch();
    expect((await h.payment(payment.id)).state).toBe('requires_action');

    const page = await t.app.inject({ method: 'GET', url: challenge.headers.location! });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('value="approve"');
    expect(page.body).toContain('value="fail"');

    const approved = await t.app.inject({ method: 'POST', url: challenge.headers.location!, ...form({ decision: 'approve' }) });
    expect(approved.statusCode).toBe(303);
    expect(approved.headers.location).toBe(`/checkout/return?payment=${payment.id}`);
    await h.dispatch();
    expect(await h.payment(payment.id)).toMatchObject({ state: 'captured', captured: 10000 });
  });

  it('PA-2: a failed challenge fails the payment', async () => {
    const { payment, path, sessionId } = await h.start();
    await h.payByCard(path, '4000000000003220');
    const failed = await t.app.inject({ method: 'POST', url: `/sandbox/3ds/${sessionId}`, ...form({ decision: 'fail' }) });
    expect(failed.statusCode).toBe(303);
    await h.dispatch();
    expect(await h.payment(payment.id)).toMatchObject({ state: 'failed', failureCode: 'authentication_failed' });
    expect((await listPaymentEvents(t.ctx.db, payment.id)).map((e) => e.stateAfter)).toEqual(['pending', 'requires_action', 'failed']);
  });
});

describe('wallet (PayPal-like redirect)', () => {
  const t = useTestApp('fa');
  const h = helpers(t);

  it('Cancel fails the payment', async () => {
    const { payment, path } = await h.start({ method: 'wallet' });
    expect(path).toMatch(/^\/sandbox\/wallet\//);
    const page = await t.app.inject({ method: 'GET', url: path });
    expect(page.body).toContain('value="pay"');
    const cancelled = await t.app.inject({ method: 'POST', url: path, ...form({ decision: 'cancel' }) });
    expect(cancelled.statusCode).toBe(303);
    expect(cancelled.headers.location).toBe(`/checkout/return?payment=${payment.id}`);
    await h.dispatch();
    expect(await h.payment(payment.id)).toMatchObject({ state: 'failed', failureCode: 'wallet_cancelled' });
  });

  it('Pay authorises (manual capture: stays authorised)', async () => {
    const { payment, path } = await h.start({ method: 'wallet', captureMode: 'manual' });
    await t.app.inject({ method: 'POST', url: path, ...form({ decision: 'pay' }) });
    await h.dispatch();
    expect(await h.payment(payment.id)).toMatchObject({ state: 'authorised', authorised: 10000, captured: 0 });
  });
});

describe('webhook endpoint: signature, freshness, deduplication, order', () => {
  const t = useTestApp('fa');
  const h = helpers(t);
  const url = '/api/webhooks/sandbox-payments';

  async function pendingEvents(sessionId: string) {
    const rows = await t.ctx.db.selectFrom('sandbox_psp_events').selectAll().where('session_id', '=', sessionId).orderBy('created_at').execute();
    return rows.map((r) => webhookBody(r));
  }
  const post = (body: string, signature: string) => t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature }, payload: body });

  it('refuses a forged signature (401), a stale one (400), and applies an authentic one once', async () => {
    const { payment, path, sessionId } = await h.start({ captureMode: 'manual' });
    await h.payByCard(path, '4242424242424242');
    const [authorised] = await pendingEvents(sessionId);
    const secret = h.payments().webhookSecret;
    const now = await h.now();

    const forged = await post(authorised!, signWebhook(Buffer.from('not-the-secret'), authorised!, now));
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ error: { code: 'payment.webhook_signature_invalid' } });
    const tampered = await post(authorised!.replace('"amount":10000', '"amount":99999'), signWebhook(secret, authorised!, now));
    expect(tampered.statusCode).toBe(401);
    expect((await post(authorised!, '')).statusCode).toBe(401);

    const stale = await post(authorised!, signWebhook(secret, authorised!, new Date(now.getTime() - 6 * 60_000)));
    expect(stale.statusCode).toBe(400);
    expect(stale.json()).toMatchObject({ error: { code: 'payment.webhook_timestamp_stale' } });
    expect((await h.payment(payment.id)).state).toBe('pending');

    const first = await post(authorised!, signWebhook(secret, authorised!, now));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ outcome: 'processed', state: 'authorised' });
    const second = await post(authorised!, signWebhook(secret, authorised!, now));
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ outcome: 'duplicate' });
    // The outbox delivers the same event a third time: acknowledged, not reprocessed.
    await h.dispatch();
    const events = await listPaymentEvents(t.ctx.db, payment.id);
    expect(events.filter((e) => e.type === 'payment.authorised')).toHaveLength(1);
    expect(await h.payment(payment.id)).toMatchObject({ state: 'authorised', authorised: 10000 });
  });

  it('an event that comes too early is refused (409) and applied once its predecessor arrived', async () => {
    const { payment, path, sessionId } = await h.start();
    await h.payByCard(path, '4242424242424242');
    const [, captured] = await pendingEvents(sessionId);
    const secret = h.payments().webhookSecret;
    const early = await post(captured!, signWebhook(secret, captured!, await h.now()));
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: { code: 'payment.webhook_out_of_order' } });
    await h.dispatch();
    expect((await h.payment(payment.id)).state).toBe('captured');
  });
});

describe('capture, void and refund: limits and idempotency (PA-3 at dispatch → manual)', () => {
  const t = useTestApp('fa');
  const h = helpers(t);

  async function authorised(amount = '100.00') {
    const started = await h.start({ captureMode: 'manual', amount });
    await h.payByCard(started.path, '4242424242424242');
    await h.dispatch();
    expect((await h.payment(started.payment.id)).state).toBe('authorised');
    return started;
  }
  const inTx = async <T>(f: (tx: Tx, now: Date) => Promise<T>) => {
    const now = await h.now();
    return t.ctx.db.transaction().execute((trx) => f(trx, now));
  };
  const shopId = () => t.ctx.shop.id;

  it('partial capture, then refunds never above what was captured', async () => {
    const { payment } = await authorised();
    const captured = await inTx((trx, now) => capturePayment(trx, { shopId: shopId(), paymentId: payment.id, amount: eur('60.00'), key: 'shipment:1', now }));
    expect(captured).toMatchObject({ state: 'authorised', captureRequested: 6000 });
    // The same operation key again: nothing more is asked.
    await inTx((trx, now) => capturePayment(trx, { shopId: shopId(), paymentId: payment.id, amount: eur('60.00'), key: 'shipment:1', now }));
    expect((await h.payment(payment.id)).captureRequested).toBe(6000);
    await expect(inTx((trx, now) => capturePayment(trx, { shopId: shopId(), paymentId: payment.id, amount: eur('40.01'), key: 'shipment:2', now }))).rejects.toMatchObject({
      code: 'payment.capture_exceeds_authorised',
    });

    await h.dispatch();
    expect(await h.payment(payment.id)).toMatchObject({ state: 'partially_captured', captured: 6000 });
    const session = await h.payments().sandbox.getSession(payment.providerSessionId!);
    expect(session).toMatchObject({ captured: 6000, state: 'partially_captured' });

    await expect(inTx((trx, now) => refundPayment(trx, { shopId: shopId(), paymentId: payment.id, amount: eur('60.01'), key: 'r1', now }))).rejects.toMatchObject({
      code: 'payment.refund_exceeds_captured',
    });
    await inTx((trx, now) => refundPayment(trx, { shopId: shopId(), paymentId: payment.id, amount: eur('20.00'), key: 'r1', now }));
    await inTx((trx, now) => refundPayment(trx, { shopId: shopId(), paymentId: payment.id, amount: eur('20.00'), key: 'r1', now })); // same key: once
    // Requests in flight count: 20.00 asked, so at most 40.00 more.
    await expect(inTx((trx, now) => refundPayment(trx, { shopId: shopId(), paymentId: payment.id, amount: eur('40.01'), key: 'r2', now }))).rejects.toMatchObject({
      code: 'payment.refund_exceeds_captured',
    });
    await h.dispatch();
    expect(await h.payment(payment.id)).toMatchObject({ state: 'partially_refunded', refunded: 2000 });

    await inTx((trx, now) => refundPayment(trx, { shopId: shopId(), paymentId: payment.id, amount: eur('40.00'), key: 'r2', now }));
    await h.dispatch();
    // PA-3: 40.00 is still authorised (parcels to come): the payment is not over until it is captured or released.
    expect(await h.payment(payment.id)).toMatchObject({ state: 'partially_refunded', captured: 6000, refunded: 6000 });
    await inTx((trx, now) => releaseAuthorisationRemainder(trx, { shopId: shopId(), paymentId: payment.id, now }));
    await h.dispatch();
    expect(await h.payment(payment.id)).toMatchObject({ state: 'refunded', captured: 6000, refunded: 6000 });
    expect((await h.payments().sandbox.getSession(payment.providerSessionId!))!.refunded).toBe(6000);
  });

  it('the provider is idempotent by key: same key → same result, no double capture or refund', async () => {
    const { payment, sessionId } = await authorised();
    const provider = h.payments().provider;
    const first = await provider.capture(sessionId, eur('30.00'), 'k-capture-1');
    const again = await provider.capture(sessionId, eur('30.00'), 'k-capture-1');
    expect(again).toEqual(first);
    expect((await h.payments().sandbox.getSession(sessionId))!.captured).toBe(3000);
    await expect(provider.capture(sessionId, eur('31.00'), 'k-capture-1')).rejects.toMatchObject({ name: 'ProviderRefusal', code: 'sandbox.idempotency_key_reused' });

    const refund = await provider.refund(sessionId, eur('10.00'), 'k-refund-1');
    expect(await provider.refund(sessionId, eur('10.00'), 'k-refund-1')).toEqual(refund);
    expect((await h.payments().sandbox.getSession(sessionId))!.refunded).toBe(1000);
    await expect(provider.refund(sessionId, eur('20.01'), 'k-refund-2')).rejects.toMatchObject({ code: 'sandbox.refund_exceeds_captured' });

    // One webhook per operation, however many calls.
    await h.dispatch();
    const events = await listPaymentEvents(t.ctx.db, payment.id);
    expect(events.filter((e) => e.type === 'payment.captured')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'payment.refunded')).toHaveLength(1);
    expect(await h.payment(payment.id)).toMatchObject({ state: 'partially_refunded', captured: 3000, refunded: 1000 });
  });

  it('a refusal by the provider is compensated: the requested amount is released', async () => {
    const { payment, sessionId } = await authorised();
    // Someone captured 90.00 directly at the provider (outside the engine's books).
    await h.payments().provider.capture(sessionId, eur('90.00'), 'outside');
    await inTx((trx, now) => capturePayment(trx, { shopId: shopId(), paymentId: payment.id, amount: eur('50.00'), key: 'shipment:1', now }));
    await h.dispatch();
    const after = await h.payment(payment.id);
    expect(after).toMatchObject({ state: 'partially_captured', captured: 9000, captureRequested: 0 });
    expect((await listPaymentEvents(t.ctx.db, payment.id)).find((e) => e.type === 'capture.refused')?.data).toMatchObject({ code: 'sandbox.capture_exceeds_authorised' });
  });

  it('void releases an authorisation; nothing captured may be voided', async () => {
    const { payment } = await authorised();
    await inTx((trx, now) => voidPayment(trx, { shopId: shopId(), paymentId: payment.id, now }));
    await expect(inTx((trx, now) => capturePayment(trx, { shopId: shopId(), paymentId: payment.id, amount: eur('1.00'), key: 'late', now }))).rejects.toMatchObject({ code: 'payment.not_capturable' });
    await h.dispatch();
    expect((await h.payment(payment.id)).state).toBe('voided');

    const other = await authorised();
    await inTx((trx, now) => capturePayment(trx, { shopId: shopId(), paymentId: other.payment.id, amount: eur('1.00'), key: 's', now }));
    await expect(inTx((trx, now) => voidPayment(trx, { shopId: shopId(), paymentId: other.payment.id, now }))).rejects.toMatchObject({ code: 'payment.not_voidable' });
  });
});

describe('PA-5 bank transfer (EL)', () => {
  const t = useTestApp('el');

  it('gives the reference and account, then records the money when staff find it', async () => {
    const now = await t.ctx.clock.now();
    const start = (id: string) =>
      t.ctx.db.transaction().execute((trx) =>
        startBankTransferPayment(trx, { shopId: t.ctx.shop.id, policy: t.ctx.shop.policy, reference: { kind: 'order', id }, amount: eur('1249.90'), now }),
      );
    const { payment, instructions } = await start('EL-2026-000001');
    expect(instructions).toMatchObject({ holder: 'Voltaïque Distribution SARL', iban: 'FR7612345000010001234567887', bic: 'VOLTFRPPXXX', lastDay: '2026-11-29' });
    expect(instructions.dueAt.toISOString()).toBe('2026-11-29T23:00:00.000Z');
    expect(normaliseBankTransferReference(instructions.reference)).toBe(instructions.reference);
    expect(payment).toMatchObject({ state: 'pending', method: 'bank_transfer' });

    const actor = { kind: 'staff' as const, staffId: '1' };
    await expect(
      t.ctx.db.transaction().execute((trx) => recordBankTransferReceived(trx, { shopId: t.ctx.shop.id, reference: instructions.reference, amount: eur('1249.00'), actor, now })),
    ).rejects.toMatchObject({ code: 'payment.bank_transfer_amount_mismatch' });
    const typed = instructions.reference.toLowerCase().replace('-', ' ');
    const paid = await t.ctx.db.transaction().execute((trx) => recordBankTransferReceived(trx, { shopId: t.ctx.shop.id, reference: typed, amount: eur('1249.90'), actor, now }));
    expect(paid).toMatchObject({ state: 'captured', captured: 124990 });

    const late = await start('EL-2026-000002');
    const expired = await t.ctx.db.transaction().execute((trx) => expireBankTransfer(trx, { shopId: t.ctx.shop.id, paymentId: late.payment.id, now }));
    expect(expired).toMatchObject({ state: 'failed', failureCode: 'bank_transfer_not_received' });
    expect(money(paid.captured, 'EUR')).toEqual(eur('1249.90'));
  });
});
