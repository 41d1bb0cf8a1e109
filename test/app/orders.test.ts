// Issue 4 §3: placing an order — one transaction, the cart's amounts to the
// cent, refusals that write nothing, idempotent submits, PA-5's deadline, and
// 300 buyers for 100 units (OR-3).
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { addCartLine, chooseDestination, viewCart } from '../../src/app/cart.js';
import { registerCustomer } from '../../src/app/customers.js';
import { listPaymentsFor, type Payment } from '../../src/app/payments.js';
import { moneyBackFor, placeOrder, type PlaceOrderInput } from '../../src/app/orders.js';
import { setStock } from '../../src/app/stock.js';
import { listTermsVersions } from '../../src/app/terms.js';
import { ManualClock } from '../../src/adapters/clock.js';
import { DomainError } from '../../src/domain/errors.js';
import { versionInForce } from '../../src/domain/terms-versions.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import { verifyEvidenceChain } from '../../src/store/evidence.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';

const actor = { kind: 'system' } as const;
let counter = 0;
const key = () => `test-key-${++counter}-${Math.random().toString(36).slice(2)}`;

/** A priced, eco-fee-free variant of the shop, with `quantity` units at the warehouse. */
async function stockedVariant(t: TestApp, quantity: number, skip = 0): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    SELECT v.id::text AS id FROM variants v JOIN products p ON p.id = v.product_id
     WHERE v.shop_id = ${t.ctx.shop.id} AND p.eco_fee_minor = 0
       AND EXISTS (SELECT 1 FROM price_history ph WHERE ph.variant_id = v.id AND ph.currency = 'EUR')
     ORDER BY v.id OFFSET ${skip} LIMIT 1`.execute(t.ctx.db);
  const id = rows[0]!.id;
  const warehouse = await t.ctx.db.selectFrom('locations').select('code').where('shop_id', '=', t.ctx.shop.id).where('kind', '=', 'warehouse').executeTakeFirstOrThrow();
  await setStock(t.ctx.db, { shopId: t.ctx.shop.id, variantId: id, levels: [{ locationCode: warehouse.code, quantity }], actor, now: await t.ctx.clock.now() });
  return id;
}

async function warehouseStock(t: TestApp, variantId: string): Promise<number> {
  const { rows } = await sql<{ q: string }>`SELECT coalesce(sum(s.quantity), 0) AS q FROM stock s JOIN locations l ON l.id = s.location_id AND l.kind = 'warehouse' WHERE s.variant_id = ${variantId}::bigint`.execute(t.ctx.db);
  return Number(rows[0]!.q);
}

async function cartWith(t: TestApp, variantId: string, quantity: number, country: string, method: string): Promise<string> {
  const shop = { id: t.ctx.shop.id, policy: t.ctx.shop.policy };
  const now = await t.ctx.clock.now();
  const added = await addCartLine(t.ctx.db, { shop, token: null, variantId, quantity, now });
  await chooseDestination(t.ctx.db, { shop, token: added.token, country, shippingMethodId: method, now });
  return added.token;
}

async function termsAccepted(t: TestApp, language: 'fr' | 'en' = 'fr') {
  const v = versionInForce(await listTermsVersions(t.ctx.db, t.ctx.shop.id), await t.ctx.clock.now())!;
  return { versionId: v.id, hash: v.hash[language], language };
}

const address = (country: string, extra: Partial<PlaceOrderInput['deliveryAddress']> = {}) => ({
  name: 'Camille Martin',
  line1: '12 rue des Lilas',
  postalCode: country === 'FR' ? '75011' : country === 'DE' ? '10115' : '1000',
  city: country === 'FR' ? 'Paris' : 'Ville',
  country,
  ...extra,
});

async function customer(t: TestApp): Promise<string> {
  const c = await registerCustomer(t.ctx.db, {
    shop: { id: t.ctx.shop.id, policy: t.ctx.shop.policy },
    email: `buyer-${key()}@example.com`,
    password: 'correct horse battery staple',
    now: await t.ctx.clock.now(),
  });
  return c.id;
}

async function baseInput(t: TestApp, over: Partial<PlaceOrderInput>): Promise<PlaceOrderInput> {
  return {
    shop: { id: t.ctx.shop.id, policy: t.ctx.shop.policy, policyHash: t.ctx.shop.policyHash },
    provider: t.ctx.payments?.provider,
    cartToken: null,
    deliveryAddress: address('FR'),
    shippingMethodId: 'home',
    paymentMethod: 'card',
    acceptedTerms: await termsAccepted(t),
    declarations: { age: { meetsMinimumAge: true } },
    idempotencyKey: key(),
    returnUrl: '/checkout/done',
    now: await t.ctx.clock.now(),
    ...over,
  };
}

async function counts(t: TestApp) {
  const n = async (table: 'orders' | 'payments' | 'evidence_events') =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE shop_id = ${t.ctx.shop.id}`.execute(t.ctx.db)).rows[0]!.n);
  return { orders: await n('orders'), payments: await n('payments'), evidence: await n('evidence_events') };
}

describe('FA: a full card purchase', () => {
  const t = useTestApp('fa');

  it('places the order with the cart\'s amounts, walks the hosted page, and the webhook makes it paid', async () => {
    const variantId = await stockedVariant(t, 5);
    const token = await cartWith(t, variantId, 2, 'FR', 'home');
    const cart = await viewCart(t.ctx.db, { shop: { id: t.ctx.shop.id, policy: t.ctx.shop.policy }, token, now: await t.ctx.clock.now() });
    const customerId = await customer(t);
    const placed = await placeOrder(t.ctx.db, await baseInput(t, { cartToken: token, customerId }));

    expect(placed.created).toBe(true);
    expect(placed.order.number).toMatch(/^FA-2026-\d{6}$/);
    expect(placed.order.state).toBe('awaiting_payment');
    // PR-9: to the cent, the cart's own computation
    expect(placed.order.total).toBe(cart.priced.total.amount);
    expect(placed.order.goods).toBe(cart.priced.goods.amount);
    expect(placed.order.shipping).toBe(cart.priced.shipping!.amount.amount);
    expect(placed.order.lines).toMatchObject([{ variantId, quantity: 2 }]);
    expect(await warehouseStock(t, variantId)).toBe(3);
    // the cart is spent
    expect((await viewCart(t.ctx.db, { shop: { id: t.ctx.shop.id, policy: t.ctx.shop.policy }, token, now: await t.ctx.clock.now() })).cart).toBeNull();

    // The hosted page (PA-2: FA requires 3-D Secure)
    const path = new URL(placed.redirectUrl!).pathname;
    const submitted = await t.app.inject({ method: 'POST', url: path, payload: new URLSearchParams({ number: '4000 0000 0000 3220', expiry: '12/30', cvc: '123' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } });
    expect(submitted.statusCode).toBe(303);
    const approved = await t.app.inject({ method: 'POST', url: submitted.headers.location as string, payload: new URLSearchParams({ decision: 'approve' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } });
    expect(approved.statusCode).toBe(303);
    await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());

    const order = await t.ctx.db.selectFrom('orders').select(['state', 'terms_hash', 'policy_hash']).where('number', '=', placed.order.number).executeTakeFirstOrThrow();
    expect(order.state).toBe('paid');
    expect(order.policy_hash).toBe(t.ctx.shop.policyHash);
    const payments = await listPaymentsFor(t.ctx.db, t.ctx.shop.id, { kind: 'order', id: placed.order.number });
    expect(payments).toMatchObject([{ state: 'captured', amount: cart.priced.total.amount }]);
    const kinds = (await sql<{ kind: string }>`SELECT kind FROM evidence_events WHERE shop_id = 'fa' AND subject_id = ${placed.order.number} ORDER BY seq`.execute(t.ctx.db)).rows.map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['payment.started', 'order.validated', 'order.paid']));
    expect(kinds.indexOf('order.validated')).toBeGreaterThan(kinds.indexOf('payment.started'));
    const mail = await sql<{ n: string }>`SELECT count(*) AS n FROM emails WHERE shop_id = 'fa' AND subject LIKE ${'%' + placed.order.number + '%'}`.execute(t.ctx.db);
    expect(Number(mail.rows[0]!.n)).toBe(1);
    expect(await verifyEvidenceChain(t.ctx.db, 'fa')).toMatchObject({ ok: true });
  });

  it('a double submit with the same key returns the same order and makes one payment', async () => {
    const variantId = await stockedVariant(t, 5, 1);
    const token = await cartWith(t, variantId, 1, 'FR', 'home');
    const input = await baseInput(t, { cartToken: token, customerId: await customer(t) });
    const first = await placeOrder(t.ctx.db, input);
    const second = await placeOrder(t.ctx.db, input);
    expect(second.created).toBe(false);
    expect(second.order.number).toBe(first.order.number);
    expect(second.redirectUrl).toBe(first.redirectUrl);
    expect(await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: first.order.number })).toHaveLength(1);
    expect(await warehouseStock(t, variantId)).toBe(4);
  });

  it('a provider that cannot open the payment page: the order is kept (503), and the same submit opens the session once it answers', async () => {
    const variantId = await stockedVariant(t, 5, 3);
    const token = await cartWith(t, variantId, 1, 'FR', 'home');
    const provider = t.ctx.payments!.provider;
    const down = Object.assign(Object.create(provider) as typeof provider, { createSession: () => Promise.reject(new Error('connect ECONNREFUSED')) });
    const input = await baseInput(t, { cartToken: token, customerId: await customer(t) });
    const refused = await placeOrder(t.ctx.db, { ...input, provider: down }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'payment.provider_unavailable' });
    const number = (refused as DomainError).details['order'] as string;
    expect(await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: number })).toMatchObject([{ state: 'pending', redirectUrl: null }]);
    expect(await warehouseStock(t, variantId)).toBe(4);

    const again = await placeOrder(t.ctx.db, input);
    expect(again).toMatchObject({ created: false, order: { number } });
    expect(again.redirectUrl).toMatch(/\/sandbox\/pay\//);
    expect(await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: number })).toMatchObject([{ state: 'pending', redirectUrl: again.redirectUrl }]);
  });

  it('every refusal leaves nothing written', async () => {
    const variantId = await stockedVariant(t, 5, 2);
    const customerId = await customer(t);
    const before = await counts(t);
    const refusals: [Partial<PlaceOrderInput>, string][] = [
      [{ deliveryAddress: address('US') }, 'address.country_not_served'],
      [{ acceptedTerms: { ...(await termsAccepted(t)), hash: 'f'.repeat(64) } }, 'checkout.terms_outdated'],
      [{ shippingMethodId: 'teleport' }, 'shipping.method_not_available'],
      [{ customerId: null, email: 'guest@example.com' }, 'checkout.account_required'],
      [{ paymentMethod: 'bank_transfer' }, 'payment.method_not_offered'],
    ];
    for (const [over, code] of refusals) {
      const token = await cartWith(t, variantId, 1, 'FR', 'home');
      expect(await codeOf(placeOrder(t.ctx.db, await baseInput(t, { cartToken: token, customerId, ...over })))).toBe(code);
    }
    expect(await counts(t)).toEqual(before);
    expect(await warehouseStock(t, variantId)).toBe(5);
  });

  it('OR-3: 300 buyers, 100 units → exactly 100 orders, 200 sold out, stock 0, one payment per order', async () => {
    const variantId = await stockedVariant(t, 100, 3);
    const customerId = await customer(t);
    const tokens: string[] = [];
    for (let i = 0; i < 300; i += 1) tokens.push(await cartWith(t, variantId, 1, 'FR', 'home'));
    const before = await counts(t);
    // All on the engine's own pool (10 connections), as the server runs them: the
    // sandbox PSP has its own connections, so buyers holding stock locks while
    // they open a payment session never starve it.
    const inputs = await Promise.all(tokens.map((token) => baseInput(t, { cartToken: token, customerId })));
    const results = await Promise.allSettled(inputs.map((input) => placeOrder(t.ctx.db, input)));
    const placed = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(placed).toHaveLength(100);
    expect(refused).toHaveLength(200);
    for (const r of refused) expect((r.reason as DomainError).code).toBe('order.sold_out');
    expect(await warehouseStock(t, variantId)).toBe(0);
    const after = await counts(t);
    expect(after.orders - before.orders).toBe(100);
    expect(after.payments - before.payments).toBe(100);
    expect(await verifyEvidenceChain(t.ctx.db, 'fa')).toMatchObject({ ok: true });
    const numbers = (await sql<{ number: string }>`SELECT number FROM orders WHERE shop_id = 'fa' ORDER BY number`.execute(t.ctx.db)).rows.map((r) => Number(r.number.slice(-6)));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1)); // no gap, no duplicate
  }, 120_000);
});

describe('PF: a guest order', () => {
  const t = useTestApp('pf');

  it('a guest orders with an email, and reads the order back with its token only', async () => {
    const variantId = await stockedVariant(t, 3);
    const token = await cartWith(t, variantId, 1, 'FR', 'standard');
    const placed = await placeOrder(t.ctx.db, await baseInput(t, { cartToken: token, email: 'guest@example.com', shippingMethodId: 'standard' }));
    expect(placed.order).toMatchObject({ state: 'awaiting_payment', customerId: null, email: 'guest@example.com' });
    expect(placed.accessToken).toBeTruthy();
    const ok = await t.app.inject({ method: 'GET', url: `/api/store/orders/${placed.order.number}?token=${placed.accessToken}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ number: placed.order.number, total: placed.order.total });
    const other = await t.app.inject({ method: 'GET', url: `/api/store/orders/${placed.order.number}?token=nope` });
    expect(other.statusCode).toBe(404);
    // PA-3 at dispatch: authorise only
    expect(await listPaymentsFor(t.ctx.db, 'pf', { kind: 'order', id: placed.order.number })).toMatchObject([{ captureMode: 'manual' }]);
  });
});

describe('EL: bank transfer (PA-5)', () => {
  const t = useTestApp('el');

  it('gives the instructions; 6 days without the money cancel the order and release the stock', async () => {
    const variantId = await stockedVariant(t, 4);
    const token = await cartWith(t, variantId, 2, 'FR', 'standard');
    const placed = await placeOrder(t.ctx.db, await baseInput(t, { cartToken: token, customerId: await customer(t), shippingMethodId: 'standard', paymentMethod: 'bank_transfer', declarations: {} }));
    expect(placed.order.state).toBe('awaiting_transfer');
    expect(placed.bankTransfer).toMatchObject({ amount: { amount: placed.order.total, currency: 'EUR' } });
    expect(placed.redirectUrl).toBeNull();
    expect(await warehouseStock(t, variantId)).toBe(2);

    await advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, 8 * 24 * 3600 * 1000);
    const order = await t.ctx.db.selectFrom('orders').select(['state', 'cancel_reason']).where('number', '=', placed.order.number).executeTakeFirstOrThrow();
    expect(order).toEqual({ state: 'cancelled', cancel_reason: 'bank_transfer_not_received' });
    expect(await warehouseStock(t, variantId)).toBe(4);
    expect(await listPaymentsFor(t.ctx.db, 'el', { kind: 'order', id: placed.order.number })).toMatchObject([{ state: 'failed' }]);
    expect(await verifyEvidenceChain(t.ctx.db, 'el')).toMatchObject({ ok: true });
  });
});

describe('JW: post-office boxes are refused', () => {
  const t = useTestApp('jw');

  it('refuses a PO box delivery address and writes nothing', async () => {
    const variantId = await stockedVariant(t, 2);
    const token = await cartWith(t, variantId, 1, 'FR', 'ems');
    const before = await counts(t);
    const code = await codeOf(placeOrder(t.ctx.db, await baseInput(t, { cartToken: token, customerId: await customer(t), shippingMethodId: 'ems', deliveryAddress: address('FR', { line1: 'BP 1234' }) })));
    expect(code).toBe('address.po_box_refused');
    expect(await counts(t)).toEqual(before);
    expect(await warehouseStock(t, variantId)).toBe(2);
  });
});

describe('OR-7: how a card payment of a cancelled order goes back (moneyBackFor)', () => {
  const base: Payment = {
    id: 'p1',
    shopId: 'fa',
    reference: { kind: 'order', id: 'FA-2026-000001' },
    method: 'card',
    currency: 'EUR',
    amount: 4485,
    state: 'authorised',
    failureCode: null,
    captureMode: 'automatic',
    provider: 'sandbox',
    providerSessionId: 'cs_1',
    redirectUrl: null,
    card: null,
    authorised: 4485,
    captured: 0,
    refunded: 0,
    captureRequested: 0,
    refundRequested: 0,
    voidRequestedAt: null,
    bankTransferReference: null,
    dueAt: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };

  it.each([
    ['capture at dispatch, authorised: voided', { captureMode: 'manual' as const }, { action: 'void', amount: 4485 }],
    ['capture at order, authorised before its capture: refunded when the capture arrives, never voided', {}, { action: 'refund_on_capture', amount: 4485 }],
    ['captured: what is left refunded', { state: 'partially_refunded' as const, captured: 4485, refundRequested: 1000 }, { action: 'refund', amount: 3485 }],
    ['all refunded already: nothing', { state: 'refunded' as const, captured: 4485, refundRequested: 4485 }, { action: 'none', amount: 0 }],
    ['a transfer (no provider session): recorded by staff, not here', { method: 'bank_transfer' as const, providerSessionId: null }, { action: 'none', amount: 0 }],
  ])('%s', (_name, over, expected) => {
    expect(moneyBackFor({ ...base, ...over })).toEqual(expected);
  });
});
