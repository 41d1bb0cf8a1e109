// The provider port's `cancelSession` on the sandbox PSP (OR-7: an order
// cancelled while its payment is pending must not be payable afterwards):
// idempotent by key, one `payment.failed` webhook, the hosted pages refuse the
// session, and a session authorised meanwhile is refused (void or refund it).
import { describe, expect, it } from 'vitest';
import { ProviderRefusal } from '../../../src/adapters/payments/provider.js';
import { SESSION_CANCELLED } from '../../../src/adapters/payments/sandbox/psp.js';
import { cardRulesFor, startPayment } from '../../../src/app/payments.js';
import { parseAmount } from '../../../src/domain/money.js';
import { useTestApp } from '../../support/app.js';

const t = useTestApp('fa');
const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
let counter = 0;

async function session(method: 'card' | 'wallet' = 'card') {
  const now = await t.ctx.clock.now();
  return t.ctx.db.transaction().execute((tx) =>
    startPayment(tx, t.ctx.payments!.provider, {
      shopId: t.ctx.shop.id,
      reference: { kind: 'order', id: `FA-2026-9000${++counter}` },
      method,
      amount: parseAmount('89.90', 'EUR'),
      captureMode: 'automatic',
      cardRules: cardRulesFor(t.ctx.shop.policy, method),
      returnUrl: '/checkout/done',
      now,
    }),
  );
}

const events = (sessionId: string) => t.ctx.db.selectFrom('sandbox_psp_events').select(['type', 'data']).where('session_id', '=', sessionId).orderBy('created_at').orderBy('id').execute();

describe('sandbox PSP: cancelSession', () => {
  it('closes an open session once per key: one payment.failed (session_cancelled), the same answer on a retry, nothing more with another key', async () => {
    const { payment } = await session();
    const provider = t.ctx.payments!.provider;
    const sessionId = payment.providerSessionId!;
    const first = await provider.cancelSession(sessionId, 'cancel-1');
    expect(first).toMatchObject({ sessionId, state: 'cancelled', capturedTotal: 0, refundedTotal: 0 });
    expect(await provider.cancelSession(sessionId, 'cancel-1')).toEqual(first); // same key → same result
    expect(await provider.cancelSession(sessionId, 'cancel-2')).toMatchObject({ state: 'cancelled' }); // already closed: left as it is
    expect(await events(sessionId)).toEqual([{ type: 'payment.failed', data: expect.objectContaining({ failureCode: SESSION_CANCELLED, amount: 0, authorisedTotal: 0 }) }]);
    expect(await t.ctx.payments!.sandbox.getSession(sessionId)).toMatchObject({ state: 'cancelled', failureCode: SESSION_CANCELLED });
  });

  it('the hosted card and wallet pages say so and refuse to authorise', async () => {
    const card = await session('card');
    const wallet = await session('wallet');
    await t.ctx.payments!.provider.cancelSession(card.payment.providerSessionId!, 'cancel-card');
    await t.ctx.payments!.provider.cancelSession(wallet.payment.providerSessionId!, 'cancel-wallet');
    for (const url of [card.redirectUrl, wallet.redirectUrl]) {
      const path = new URL(url).pathname;
      const page = await t.app.inject({ method: 'GET', url: path, headers: { accept: 'text/html' } });
      expect(page.body).toContain('The merchant cancelled this order');
    }
    const paid = await t.app.inject({ method: 'POST', url: new URL(card.redirectUrl).pathname, payload: new URLSearchParams({ number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' }).toString(), headers: form });
    expect(paid.statusCode).toBe(409);
    const walletPaid = await t.app.inject({ method: 'POST', url: new URL(wallet.redirectUrl).pathname, payload: 'decision=pay', headers: form });
    expect(walletPaid.statusCode).toBe(409);
    for (const s of [card, wallet]) expect(await t.ctx.payments!.sandbox.getSession(s.payment.providerSessionId!)).toMatchObject({ state: 'cancelled', authorised: 0, captured: 0 });
  });

  it('a session in its 3-D Secure challenge is closed too: approving afterwards is refused', async () => {
    const { payment, redirectUrl } = await session();
    const submitted = await t.app.inject({ method: 'POST', url: new URL(redirectUrl).pathname, payload: new URLSearchParams({ number: '4000 0000 0000 3220', expiry: '12/30', cvc: '123' }).toString(), headers: form });
    expect(submitted.statusCode).toBe(303);
    await t.ctx.payments!.provider.cancelSession(payment.providerSessionId!, 'cancel-3ds');
    const approved = await t.app.inject({ method: 'POST', url: submitted.headers.location as string, payload: 'decision=approve', headers: form });
    expect(approved.statusCode).toBe(409);
    expect(await t.ctx.payments!.sandbox.getSession(payment.providerSessionId!)).toMatchObject({ state: 'cancelled', authorised: 0 });
  });

  it('a paid session is not closed: ProviderRefusal sandbox.not_cancellable', async () => {
    const { payment, redirectUrl } = await session();
    const submitted = await t.app.inject({ method: 'POST', url: new URL(redirectUrl).pathname, payload: new URLSearchParams({ number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' }).toString(), headers: form });
    // PA-2: FA requires 3-D Secure for every card.
    expect(submitted.headers.location).toBe(`/sandbox/3ds/${payment.providerSessionId!}`);
    const approved = await t.app.inject({ method: 'POST', url: submitted.headers.location as string, payload: 'decision=approve', headers: form });
    expect(approved.statusCode).toBe(303);
    const refused = await t.ctx.payments!.provider.cancelSession(payment.providerSessionId!, 'cancel-paid').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProviderRefusal);
    expect((refused as ProviderRefusal).code).toBe('sandbox.not_cancellable');
    expect(await t.ctx.payments!.sandbox.getSession(payment.providerSessionId!)).toMatchObject({ state: 'captured' });
  });
});
