// Issue 4 §7–§8: the back office's orders through HTTP — list with filters,
// detail with its timeline (OR-6), PA-5 reconciliation of a bank transfer (EL),
// PA-6 hold / release (FR), cancelling (OR-7) and refund transfers, and who
// may do what (warehouse and store staff read, never act).
import { sql } from 'kysely';
import { describe, expect, it, beforeAll } from 'vitest';
import { addCartLine, chooseDestination } from '../../../src/app/cart.js';
import { registerCustomer } from '../../../src/app/customers.js';
import { placeOrder } from '../../../src/app/orders.js';
import { setStock } from '../../../src/app/stock.js';
import { listTermsVersions } from '../../../src/app/terms.js';
import { versionInForce } from '../../../src/domain/terms-versions.js';
import { signIn, useTestApp, type TestApp } from '../../support/app.js';

let counter = 0;
const key = () => `bo-key-${++counter}-${Math.random().toString(36).slice(2)}`;

async function placed(t: TestApp, options: { paymentMethod: 'card' | 'bank_transfer'; shippingMethodId: string; skip: number }) {
  const shopId = t.ctx.shop.id;
  const shop = { id: shopId, policy: t.ctx.shop.policy };
  const now = await t.ctx.clock.now();
  const { rows } = await sql<{ id: string }>`
    SELECT v.id::text AS id FROM variants v JOIN products p ON p.id = v.product_id
     WHERE v.shop_id = ${shopId} AND p.eco_fee_minor = 0
       AND EXISTS (SELECT 1 FROM price_history ph WHERE ph.variant_id = v.id AND ph.currency = 'EUR')
     ORDER BY v.id OFFSET ${options.skip} LIMIT 1`.execute(t.ctx.db);
  const variantId = rows[0]!.id;
  const warehouse = await t.ctx.db.selectFrom('locations').select('code').where('shop_id', '=', shopId).where('kind', '=', 'warehouse').executeTakeFirstOrThrow();
  await setStock(t.ctx.db, { shopId, variantId, levels: [{ locationCode: warehouse.code, quantity: 5 }], actor: { kind: 'system' }, now });
  const added = await addCartLine(t.ctx.db, { shop, token: null, variantId, quantity: 1, now });
  await chooseDestination(t.ctx.db, { shop, token: added.token, country: 'FR', shippingMethodId: options.shippingMethodId, now });
  const customer = await registerCustomer(t.ctx.db, { shop, email: `buyer-${key()}@example.com`, password: 'correct horse battery staple', now });
  const terms = versionInForce(await listTermsVersions(t.ctx.db, shopId), now)!;
  return placeOrder(t.ctx.db, {
    shop: { ...shop, policyHash: t.ctx.shop.policyHash },
    provider: t.ctx.payments?.provider,
    cartToken: added.token,
    customerId: customer.id,
    deliveryAddress: { name: 'Camille Martin', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR' },
    shippingMethodId: options.shippingMethodId,
    paymentMethod: options.paymentMethod,
    acceptedTerms: { versionId: terms.id, hash: terms.hash.fr, language: 'fr' },
    declarations: { age: { meetsMinimumAge: true } },
    idempotencyKey: key(),
    returnUrl: '/checkout/done',
    now,
  });
}

function http(t: TestApp) {
  const call = (method: 'GET' | 'POST', url: string, cookie: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { cookie }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  async function csrfFrom(url: string, cookie: string): Promise<{ token: string; cookie: string }> {
    const page = await t.app.inject({ method: 'GET', url, headers: { cookie } });
    expect(page.statusCode).toBe(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    expect(token).toBeTruthy();
    const session = page.cookies.find((c) => c.name === 'comptoir_session');
    return { token: token!, cookie: session ? `comptoir_session=${encodeURIComponent(session.value)}` : cookie };
  }
  const postForm = (url: string, cookie: string, fields: Record<string, string>) =>
    t.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
  async function staffCookie(owner: string, role: string): Promise<string> {
    const email = `${role}-${key()}@example.com`;
    const password = 'a long enough password 123';
    const created = await call('POST', '/api/admin/staff', owner, { email, role, password });
    expect(created.statusCode).toBe(201);
    return signIn(t.app, email, password);
  }
  return { call, csrfFrom, postForm, staffCookie };
}

describe('EL: orders list, detail, timeline and bank transfer reconciliation (PA-5)', () => {
  const t = useTestApp('el');
  const h = http(t);
  let owner: string;
  let warehouse: string;

  beforeAll(async () => {
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    warehouse = await h.staffCookie(owner, 'warehouse');
  });

  it('lists orders newest first with state and number / email filters, and shows one with its timeline', async () => {
    const first = await placed(t, { paymentMethod: 'bank_transfer', shippingMethodId: 'standard', skip: 0 });
    const second = await placed(t, { paymentMethod: 'bank_transfer', shippingMethodId: 'standard', skip: 1 });

    const list = await h.call('GET', '/api/admin/orders', owner);
    expect(list.statusCode).toBe(200);
    const numbers = (list.json() as { orders: { number: string }[] }).orders.map((o) => o.number);
    expect(numbers.slice(0, 2)).toEqual([second.order.number, first.order.number]);

    const byState = (await h.call('GET', '/api/admin/orders?state=paid', owner)).json() as { orders: unknown[] };
    expect(byState.orders).toEqual([]);
    const byEmail = (await h.call('GET', `/api/admin/orders?q=${encodeURIComponent(first.order.email.slice(0, 20).toUpperCase())}`, owner)).json() as { orders: { number: string }[] };
    expect(byEmail.orders.map((o) => o.number)).toEqual([first.order.number]);
    const page = (await h.call('GET', `/api/admin/orders?limit=1`, owner)).json() as { orders: { number: string }[]; next: string };
    expect(page.orders.map((o) => o.number)).toEqual([second.order.number]);
    const older = (await h.call('GET', `/api/admin/orders?limit=1&before=${page.next}`, owner)).json() as { orders: { number: string }[] };
    expect(older.orders.map((o) => o.number)).toEqual([first.order.number]);
    expect((await h.call('GET', '/api/admin/orders?state=shipped', owner)).statusCode).toBe(400);

    const detail = await h.call('GET', `/api/admin/orders/${first.order.number}`, owner);
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({
      order: { number: first.order.number, state: 'awaiting_transfer', total: first.order.total, deliveryAddress: { city: 'Paris' }, lines: [{ quantity: 1 }] },
      payments: [{ method: 'bank_transfer', state: 'pending', bankTransferReference: first.bankTransfer!.reference }],
    });
    const timeline = (detail.json() as { timeline: { seq: number; kind: string }[] }).timeline;
    const kinds = timeline.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['payment.started', 'order.validated']));
    expect(kinds.indexOf('payment.started')).toBeLessThan(kinds.indexOf('order.validated')); // oldest first
    expect(timeline.map((e) => e.seq)).toEqual([...timeline.map((e) => e.seq)].sort((a, b) => a - b));
    expect((await h.call('GET', '/api/admin/orders/EL-2026-999999', owner)).json()).toMatchObject({ error: { code: 'order.not_found' } });

    const listPage = await t.app.inject({ method: 'GET', url: '/admin/orders?state=awaiting_transfer', headers: { cookie: owner } });
    expect(listPage.statusCode).toBe(200);
    expect(listPage.body).toContain(first.order.number);
    const detailPage = await t.app.inject({ method: 'GET', url: `/admin/orders/${first.order.number}`, headers: { cookie: owner } });
    expect(detailPage.body).toContain('order.validated');
    expect(detailPage.body).toContain(first.bankTransfer!.reference);
    // EL has no fraud review: no hold form
    expect(detailPage.body).not.toContain('/hold"');
  });

  it('reconciles a transfer by its reference: the order becomes paid, audited, in the timeline; a wrong amount is refused', async () => {
    const order = await placed(t, { paymentMethod: 'bank_transfer', shippingMethodId: 'standard', skip: 2 });
    const transfer = order.bankTransfer!;
    const amount = (transfer.amount.amount / 100).toFixed(2);

    const transfers = await t.app.inject({ method: 'GET', url: '/admin/bank-transfers', headers: { cookie: owner } });
    expect(transfers.statusCode).toBe(200);
    expect(transfers.body).toContain(transfer.reference);
    expect(transfers.body).toContain(transfer.lastDay);

    const wrong = await h.call('POST', '/api/admin/bank-transfers/received', owner, { reference: transfer.reference, amount: '1.00' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toMatchObject({ error: { code: 'payment.bank_transfer_amount_mismatch' } });

    // as typed from a statement: lower case, no dash
    const ok = await h.call('POST', '/api/admin/bank-transfers/received', owner, { reference: transfer.reference.toLowerCase().replace('-', ''), amount });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ payment: { state: 'captured', orderNumber: order.order.number } });
    const detail = (await h.call('GET', `/api/admin/orders/${order.order.number}`, owner)).json() as { order: { state: string }; timeline: { kind: string; actor: string }[] };
    expect(detail.order.state).toBe('paid');
    expect(detail.timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['order.paid', 'payment.captured']));
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action']).where('shop_id', '=', 'el').where('action', '=', 'payment.bank_transfer_received').execute();
    expect(audit.length).toBeGreaterThanOrEqual(1);
    const again = await h.call('POST', '/api/admin/bank-transfers/received', owner, { reference: transfer.reference, amount });
    expect(again.json()).toMatchObject({ error: { code: 'payment.bank_transfer_not_pending' } });
    expect((await t.app.inject({ method: 'GET', url: '/admin/bank-transfers', headers: { cookie: owner } })).body).not.toContain(transfer.reference);
  });

  it('reconciles through the page form (CSRF)', async () => {
    const order = await placed(t, { paymentMethod: 'bank_transfer', shippingMethodId: 'standard', skip: 3 });
    const { token, cookie } = await h.csrfFrom('/admin/bank-transfers', owner);
    const response = await h.postForm('/admin/bank-transfers/received', cookie, { _csrf: token, reference: order.bankTransfer!.reference, amount: (order.order.total / 100).toFixed(2) });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/admin/bank-transfers?paid=${order.order.number}`);
    expect((await t.ctx.db.selectFrom('orders').select('state').where('number', '=', order.order.number).executeTakeFirstOrThrow()).state).toBe('paid');
    expect((await h.postForm('/admin/bank-transfers/received', cookie, { reference: 'x', amount: '1' })).statusCode).toBe(403); // no CSRF token
  });

  it('EL has no fraud review: holding is refused with fraud_review.not_offered', async () => {
    const order = await placed(t, { paymentMethod: 'bank_transfer', shippingMethodId: 'standard', skip: 0 });
    const response = await h.call('POST', `/api/admin/orders/${order.order.number}/hold`, owner, { reason: 'doubt', documentsRequested: ['identity'] });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ error: { code: 'fraud_review.not_offered', rule: 'PA-6' } });
  });

  it('warehouse staff read orders and their pages but may not act (403)', async () => {
    const order = await placed(t, { paymentMethod: 'bank_transfer', shippingMethodId: 'standard', skip: 1 });
    expect((await h.call('GET', '/api/admin/orders', warehouse)).statusCode).toBe(200);
    expect((await h.call('GET', `/api/admin/orders/${order.order.number}`, warehouse)).statusCode).toBe(200);
    for (const url of ['/admin/orders', `/admin/orders/${order.order.number}`, '/admin/bank-transfers', '/admin/fraud-review']) {
      const page = await t.app.inject({ method: 'GET', url, headers: { cookie: warehouse } });
      expect(page.statusCode, url).toBe(200);
    }
    expect((await t.app.inject({ method: 'GET', url: '/admin/bank-transfers', headers: { cookie: warehouse } })).body).not.toContain('/admin/bank-transfers/received');
    const forbidden = [
      ['/api/admin/bank-transfers/received', { reference: order.bankTransfer!.reference, amount: (order.order.total / 100).toFixed(2) }],
      [`/api/admin/orders/${order.order.number}/hold`, { reason: 'doubt', documentsRequested: ['identity'] }],
      [`/api/admin/orders/${order.order.number}/release`, {}],
      [`/api/admin/orders/${order.order.number}/documents-received`, {}],
    ] as const;
    for (const [url, body] of forbidden) {
      const response = await h.call('POST', url, warehouse, body);
      expect(response.statusCode, url).toBe(403);
      expect(response.json()).toMatchObject({ error: { code: 'auth.forbidden' } });
    }
    expect((await h.postForm('/admin/bank-transfers/received', warehouse, {})).statusCode).toBe(403);
    expect((await t.ctx.db.selectFrom('orders').select('state').where('number', '=', order.order.number).executeTakeFirstOrThrow()).state).toBe('awaiting_transfer');
  });
});

describe('EL: cancelling (OR-7) and refund transfers from the back office', () => {
  const t = useTestApp('el');
  const h = http(t);
  let owner: string;

  beforeAll(async () => {
    owner = await signIn(t.app, t.owner.email, t.owner.password);
  });

  it('owner and customer service cancel by the API; a second cancel is 409; warehouse and store staff get 403', async () => {
    const service = await h.staffCookie(owner, 'customer_service');
    const first = await placed(t, { paymentMethod: 'bank_transfer', shippingMethodId: 'standard', skip: 0 });
    const second = await placed(t, { paymentMethod: 'bank_transfer', shippingMethodId: 'standard', skip: 1 });
    for (const role of ['warehouse', 'store_staff']) {
      const cookie = await h.staffCookie(owner, role);
      const refused = await h.call('POST', `/api/admin/orders/${first.order.number}/cancel`, cookie, { reason: 'payment_not_received' });
      expect(refused.statusCode, role).toBe(403);
      expect(refused.json()).toMatchObject({ error: { code: 'auth.forbidden' } });
    }
    expect((await h.call('POST', `/api/admin/orders/${first.order.number}/cancel`, owner, { reason: 'because' })).statusCode).toBe(400);
    expect((await h.call('POST', `/api/admin/orders/${first.order.number}/cancel`, owner, {})).statusCode).toBe(400);

    const ok = await h.call('POST', `/api/admin/orders/${first.order.number}/cancel`, owner, { reason: 'payment_not_received', note: 'customer changed his mind' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ cancellation: { number: first.order.number, state: 'cancelled', reason: 'payment_not_received', rule: 'PA-5', payments: [{ action: 'transfer_closed' }] } });
    const again = await h.call('POST', `/api/admin/orders/${first.order.number}/cancel`, owner, { reason: 'payment_not_received' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'order.illegal_transition', rule: 'OR-7' } });

    expect((await h.call('POST', `/api/admin/orders/${second.order.number}/cancel`, service, { reason: 'payment_dispute' })).statusCode).toBe(200);
    const detail = (await h.call('GET', `/api/admin/orders/${first.order.number}`, owner)).json() as { order: { state: string; cancelReason: string; cancelNote: string }; timeline: { kind: string; actor: string }[] };
    expect(detail.order).toMatchObject({ state: 'cancelled', cancelReason: 'payment_not_received', cancelNote: 'customer changed his mind' });
    expect(detail.timeline.filter((e) => e.kind === 'order.cancelled')).toHaveLength(1);
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'staff_id']).where('target', 'in', [`order:${first.order.number}`, `order:${second.order.number}`]).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['order.cancelled', 'order.cancelled']);
    expect(new Set(audit.map((a) => a.staff_id)).size).toBe(2); // each names who did it
  });

  it('cancels a paid transfer order through the page form (CSRF); the refund due is shown, then recorded through its form and listed', async () => {
    const order = await placed(t, { paymentMethod: 'bank_transfer', shippingMethodId: 'standard', skip: 2 });
    const number = order.order.number;
    const total = order.order.total;
    const received = await h.call('POST', '/api/admin/bank-transfers/received', owner, { reference: order.bankTransfer!.reference, amount: (total / 100).toFixed(2) });
    expect(received.statusCode).toBe(200);

    const { token, cookie } = await h.csrfFrom(`/admin/orders/${number}`, owner);
    expect((await h.postForm(`/admin/orders/${number}/cancel`, cookie, { reason: 'flagged_as_risky' })).statusCode).toBe(403); // no CSRF token
    const noReason = await h.postForm(`/admin/orders/${number}/cancel`, cookie, { _csrf: token, reason: '' });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.body).toContain('order.cancel_reason_invalid');
    const cancelled = await h.postForm(`/admin/orders/${number}/cancel`, cookie, { _csrf: token, reason: 'flagged_as_risky', note: 'internal note' });
    expect(cancelled.statusCode).toBe(303);
    expect(cancelled.headers.location).toBe(`/admin/orders/${number}?done=1`);

    const page = await t.app.inject({ method: 'GET', url: `/admin/orders/${number}`, headers: { cookie } });
    expect(page.body).toContain('data-cancel-reason="flagged_as_risky"');
    expect(page.body).toContain(`data-refund-due="${total}"`);
    expect(page.body).toContain(`${number}/transfer-refunds"`);
    expect(page.body).not.toContain(`${number}/cancel"`); // cancelled: no second cancel form

    const today = (await t.ctx.clock.now()).toISOString().slice(0, 10);
    const tooMuch = await h.call('POST', `/api/admin/orders/${number}/transfer-refunds`, owner, { amount: ((total + 1) / 100).toFixed(2), transferredOn: today, bankReference: 'VIR-1' });
    expect(tooMuch.statusCode).toBe(422);
    expect(tooMuch.json()).toMatchObject({ error: { code: 'payment.refund_exceeds_received', field: 'amount' } });

    const form = await h.csrfFrom(`/admin/orders/${number}`, owner);
    const recorded = await h.postForm(`/admin/orders/${number}/transfer-refunds`, form.cookie, { _csrf: form.token, amount: (total / 100).toFixed(2).replace('.', ','), transferredOn: today, bankReference: 'VIR-REMB-42' });
    expect(recorded.statusCode).toBe(303);
    const after = await t.app.inject({ method: 'GET', url: `/admin/orders/${number}`, headers: { cookie: form.cookie } });
    expect(after.body).toContain(`data-refund="${total}"`);
    expect(after.body).toContain('VIR-REMB-42');
    expect(after.body).not.toContain('data-refund-due');
    expect(after.body).not.toContain(`${number}/transfer-refunds"`);
    const detail = (await h.call('GET', `/api/admin/orders/${number}`, owner)).json() as { payments: { state: string; refunded: number; refundPending: number }[]; refunds: { amount: number; bankReference: string }[]; timeline: { kind: string }[] };
    expect(detail.payments).toMatchObject([{ state: 'refunded', refunded: total, refundPending: 0 }]);
    expect(detail.refunds).toMatchObject([{ amount: total, bankReference: 'VIR-REMB-42', transferredOn: today }]);
    expect(detail.timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['order.cancelled', 'payment.refunded']));

    const warehouse = await h.staffCookie(owner, 'warehouse');
    expect((await h.call('POST', `/api/admin/orders/${number}/transfer-refunds`, warehouse, { amount: '1.00', transferredOn: today, bankReference: 'x' })).statusCode).toBe(403);
  });
});

describe('FR: hold and release from the back office (PA-6)', () => {
  const t = useTestApp('fr');
  const h = http(t);
  let owner: string;

  beforeAll(async () => {
    owner = await signIn(t.app, t.owner.email, t.owner.password);
  });

  it('holds by the API, lists the order on /admin/fraud-review with its deadline, releases through the page form', async () => {
    const order = await placed(t, { paymentMethod: 'card', shippingMethodId: 'colissimo', skip: 0 });
    const number = order.order.number;
    const held = await h.call('POST', `/api/admin/orders/${number}/hold`, owner, { reason: 'new account, high value', documentsRequested: ['identity', 'address'] });
    expect(held.statusCode).toBe(201);
    expect(held.json()).toMatchObject({ review: { state: 'open', lastDay: '2026-11-25', heldFrom: 'awaiting_payment' } });
    const again = await h.call('POST', `/api/admin/orders/${number}/hold`, owner, { reason: 'again', documentsRequested: ['identity'] });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'fraud_review.not_holdable' } });

    const review = await t.app.inject({ method: 'GET', url: '/admin/fraud-review', headers: { cookie: owner } });
    expect(review.body).toContain(number);
    expect(review.body).toContain('2026-11-25');

    const { token, cookie } = await h.csrfFrom(`/admin/orders/${number}`, owner);
    const released = await h.postForm(`/admin/orders/${number}/release`, cookie, { _csrf: token });
    expect(released.statusCode).toBe(303);
    const detail = (await h.call('GET', `/api/admin/orders/${number}`, owner)).json() as { order: { state: string }; reviews: { state: string }[]; timeline: { kind: string }[] };
    expect(detail.order.state).toBe('awaiting_payment');
    expect(detail.reviews).toMatchObject([{ state: 'released' }]);
    expect(detail.timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['order.held_for_review', 'order.released_from_review']));
    expect((await t.app.inject({ method: 'GET', url: '/admin/fraud-review', headers: { cookie: owner } })).body).not.toContain(number);
    const audit = await t.ctx.db.selectFrom('audit_log').select('action').where('shop_id', '=', 'fr').where('target', '=', `order:${number}`).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['order.held_for_review', 'order.released_from_review']);

    const notHeld = await h.call('POST', `/api/admin/orders/${number}/documents-received`, owner, {});
    expect(notHeld.statusCode).toBe(409);
    expect(notHeld.json()).toMatchObject({ error: { code: 'fraud_review.not_on_hold' } });
  });
});
