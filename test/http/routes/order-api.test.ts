// Issue 4, "done when", through the public HTTP API only (src/http/routes/order-api.ts):
// a full purchase per shop — cart API → POST /api/store/orders → the sandbox
// PSP's hosted pages (card, 3-D Secure, wallet) → its webhooks delivered by the
// outbox → GET /api/store/orders/:number — asserting every amount to the cent
// (computed here by hand from the shop's catalogue.yaml and policy.yaml, never
// by the engine's calculator), the order state, the stock, the invoice
// numbers (DOC-1), the emails in the mailbox (OR-5, DOC-5) and the evidence
// log (OR-6); the PA-5 and PA-6 timers with the manual clock; and every bad
// input refused with a 4xx that names the code, the field and the rule,
// leaving nothing half-written.
//
// The only thing done outside HTTP is what a separate worker does in
// production: the outbox dispatcher's pass (`flush`), and the test's own
// reading of row counts to prove that a refusal wrote nothing.
import { createHmac } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { dispatchOutbox } from '../../../src/jobs/outbox-dispatcher.js';
import { signIn, useTestApp, type TestApp } from '../../support/app.js';

// ---------------------------------------------------------------------------
// HTTP clients

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Call = (method: Method, url: string, payload?: unknown, headers?: Record<string, string>) => Promise<LightMyRequestResponse>;

/** A shopper's browser-less client: a cookie jar (cart cookie, customer session) and JSON calls. */
function shopper(t: TestApp): { call: Call; jar: Map<string, string> } {
  const jar = new Map<string, string>();
  const call: Call = async (method, url, payload, headers = {}) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
    const response = await t.app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as string | object }),
      headers: { accept: 'application/json', ...(cookie ? { cookie } : {}), ...headers },
    });
    for (const c of response.cookies) {
      if (c.value) jar.set(c.name, c.value);
      else jar.delete(c.name);
    }
    return response;
  };
  return { call, jar };
}

/** The shop's owner, signed in through /api/admin/session. */
async function owner(t: TestApp): Promise<Call> {
  const cookie = await signIn(t.app, t.owner.email, t.owner.password);
  return (method, url, payload, headers = {}) =>
    t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }), headers: { accept: 'application/json', cookie, ...headers } });
}

/** What the production outbox loop does between two requests; a failed delivery fails the test. */
async function flush(t: TestApp): Promise<void> {
  const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
  expect(report.failures).toEqual([]);
}

const json = <T = Record<string, unknown>>(r: LightMyRequestResponse): T => r.json() as T;

// ---------------------------------------------------------------------------
// Reading the shop's state

async function variantId(t: TestApp, sku: string): Promise<string> {
  const row = await t.ctx.db.selectFrom('variants').select('id').where('shop_id', '=', t.ctx.shop.id).where('sku', '=', sku).executeTakeFirstOrThrow();
  return String(row.id);
}

/** Warehouse stock of a variant, read through the back office (CAT-6). */
async function warehouseStock(admin: Call, id: string): Promise<number> {
  const r = await admin('GET', `/api/admin/catalogue/variants/${id}/stock`);
  expect(r.statusCode, r.body).toBe(200);
  return json<{ stock: { kind: string; quantity: number }[] }>(r)
    .stock.filter((s) => s.kind === 'warehouse')
    .reduce((n, s) => n + s.quantity, 0);
}

async function setWarehouseStock(admin: Call, id: string, quantity: number): Promise<void> {
  const r = await admin('PUT', `/api/admin/catalogue/variants/${id}/stock`, { levels: [{ location: 'warehouse', quantity }] });
  expect(r.statusCode, r.body).toBe(200);
}

/** Every row a placed order, a payment, a webhook, an email or an invoice would write — to prove a refusal wrote none. */
async function footprint(t: TestApp) {
  const { rows } = await sql<Record<string, string>>`
    SELECT (SELECT count(*) FROM orders) AS orders,
           (SELECT count(*) FROM order_lines) AS order_lines,
           (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${sql.id(`order_numbers_${t.ctx.shop.id}`)}) AS order_numbers,
           (SELECT count(*) FROM payments) AS payments,
           (SELECT count(*) FROM payment_events) AS payment_events,
           (SELECT count(*) FROM sandbox_psp_sessions) AS psp_sessions,
           (SELECT count(*) FROM sandbox_psp_events) AS psp_events,
           (SELECT count(*) FROM outbox) AS outbox,
           (SELECT count(*) FROM outbox WHERE state = 'pending') AS outbox_pending,
           (SELECT count(*) FROM evidence_events) AS evidence,
           (SELECT count(*) FROM emails) AS emails,
           (SELECT count(*) FROM invoices) AS invoices,
           (SELECT count(*) FROM timers) AS timers,
           (SELECT count(*) FROM promotion_usages) AS promotion_usages,
           (SELECT count(*) FROM carts) AS carts,
           (SELECT coalesce(sum(quantity), 0) FROM stock) AS stock`.execute(t.ctx.db);
  return rows[0]!;
}

/** The evidence about one order, oldest first, through the back office (OR-6). */
async function evidenceKinds(admin: Call, number: string): Promise<string[]> {
  const r = await admin('GET', `/api/admin/evidence?subjectType=order&subjectId=${number}&limit=200`);
  expect(r.statusCode, r.body).toBe(200);
  return json<{ events: { kind: string }[] }>(r)
    .events.map((e) => e.kind)
    .reverse();
}

async function invoiceNumberOf(admin: Call, number: string): Promise<string | null> {
  const r = await admin('GET', `/api/admin/evidence?subjectType=order&subjectId=${number}&kind=invoice.issued&limit=10`);
  const events = json<{ events: { data: { number: string } }[] }>(r).events;
  expect(events.length).toBeLessThanOrEqual(1);
  return events[0]?.data.number ?? null;
}

/** DOC-1: every invoice number the shop issued, in the order issued. */
async function allInvoiceNumbers(admin: Call): Promise<string[]> {
  const r = await admin('GET', '/api/admin/evidence?kind=invoice.issued&limit=500');
  expect(r.statusCode).toBe(200);
  return json<{ events: { data: { number: string } }[] }>(r)
    .events.map((e) => e.data.number)
    .reverse();
}

type Mail = { to: string; subject: string; text: string; html: string | null; related: { kind: string; id: string } | null };

/** The mailbox of one recipient, oldest first (DOC-5: the emails as sent). */
async function mailbox(admin: Call, to: string): Promise<Mail[]> {
  const r = await admin('GET', `/api/admin/mailbox?to=${encodeURIComponent(to)}&limit=100`);
  expect(r.statusCode, r.body).toBe(200);
  return json<{ emails: Mail[] }>(r).emails.reverse();
}

async function expectEvidenceIntact(admin: Call): Promise<void> {
  const r = await admin('GET', '/api/admin/evidence/verify');
  expect(r.statusCode).toBe(200);
  expect(json(r)).toMatchObject({ ok: true });
}

/** POST /api/admin/dev/clock: the manual clock moves and the timers due fire; a timer that threw fails the test with its error. */
async function moveClock(t: TestApp, admin: Call, to: string): Promise<number> {
  const r = await admin('POST', '/api/admin/dev/clock', { to });
  expect(r.statusCode, r.body).toBe(200);
  const failed = await t.ctx.db.selectFrom('timers').select(['kind', 'last_error']).where('last_error', 'is not', null).execute();
  expect(failed).toEqual([]);
  return json<{ fired: number }>(r).fired;
}

/** The error body of a refusal, checked against status, code, field and rule. */
function expectRefusal(r: LightMyRequestResponse, status: number, expected: { code: string; field?: string; rule?: string }): void {
  expect(r.statusCode, r.body).toBe(status);
  expect(json<{ error: Record<string, unknown> }>(r).error).toMatchObject(expected);
}

// ---------------------------------------------------------------------------
// The purchase walk (one function for every shop)

type Pay = 'card' | 'card_3ds_approve' | 'card_3ds_fail' | 'wallet' | 'bank_transfer';
type Language = 'fr' | 'en';
type Buyer = { kind: 'account'; language: Language } | { kind: 'guest'; email: string; language: Language };
type Address = { name: string; line1: string; postalCode: string; city: string; country: string; line2?: string; phone?: string };

const PARIS: Address = { name: 'Camille Martin', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR', phone: '01 23 45 67 89' };

const CARDS = { success: '4242 4242 4242 4242', challenge: '4000 0000 0000 3220' } as const;

type Basket = {
  buyer: Buyer;
  lines: { sku: string; quantity: number }[];
  country: string;
  shippingMethodId: string;
  code?: string;
  declarations?: Record<string, unknown>;
};

type Shopper = ReturnType<typeof shopper> & { email: string };

let keys = 0;
const idempotencyKey = () => `order-api-${++keys}-${Math.random().toString(36).slice(2, 10)}`;

/** A shopper with an account (registered and signed in through the API), or a guest. */
async function newShopper(t: TestApp, buyer: Buyer): Promise<Shopper> {
  const s = shopper(t);
  if (buyer.kind === 'guest') return { ...s, email: buyer.email };
  const email = `buyer-${++keys}@example.com`;
  const r = await s.call('POST', '/api/store/customers', { email, password: 'correct horse battery staple', name: 'Camille Martin', language: buyer.language });
  expect(r.statusCode, r.body).toBe(201);
  return { ...s, email };
}

/** Fills the shopper's cart through the cart API (lines, destination and method, code). */
async function fillCart(s: Shopper, t: TestApp, basket: Basket): Promise<void> {
  for (const line of basket.lines) {
    const r = await s.call('POST', '/api/store/cart/lines', { variantId: await variantId(t, line.sku), quantity: line.quantity });
    expect(r.statusCode, r.body).toBe(200);
  }
  const d = await s.call('PUT', '/api/store/cart/destination', { country: basket.country, shippingMethodId: basket.shippingMethodId });
  expect(d.statusCode, d.body).toBe(200);
  if (basket.code) {
    const c = await s.call('POST', '/api/store/cart/codes', { code: basket.code });
    expect(c.statusCode, c.body).toBe(200);
  }
}

/** ID-2: the version in force and the SHA-256 of its text in the language read, as the store API publishes them. */
async function termsRead(s: Shopper, language: Language) {
  const r = await s.call('GET', '/api/store/terms/current');
  expect(r.statusCode).toBe(200);
  const terms = json<{ id: string; hash: Record<Language, string> }>(r);
  return { versionId: terms.id, hash: terms.hash[language], language };
}

async function orderBody(s: Shopper, basket: Basket, paymentMethod: 'card' | 'wallet' | 'bank_transfer', over: Record<string, unknown> = {}) {
  return {
    ...(basket.buyer.kind === 'guest' ? { email: basket.buyer.email } : {}),
    deliveryAddress: PARIS,
    shippingMethodId: basket.shippingMethodId,
    paymentMethod,
    acceptedTerms: await termsRead(s, basket.buyer.language),
    declarations: basket.declarations ?? { age: { meetsMinimumAge: true } },
    returnUrl: '/checkout/done',
    ...over,
  };
}

type PlacedJson = {
  order: OrderJson;
  created: boolean;
  accessToken: string | null;
  redirectUrl: string | null;
  bankTransfer: { reference: string; iban: string; bic: string; holder: string; amount: { amount: number; currency: string }; lastDay: string; dueAt: string } | null;
};
type OrderJson = {
  number: string;
  state: string;
  email: string;
  currency: string;
  goods: number;
  ecoFees: number;
  discounts: number;
  shipping: number;
  total: number;
  vatBreakdown: { rateBasisPoints: number; base: number; vat: number; treatment: string }[];
  paymentMethod: string;
  lines: { sku: string; quantity: number; unitPrice: number; ecoFeePerUnit: number; discount: number; total: number }[];
};

/** Pays on the sandbox PSP's hosted pages as a customer would, the outbox passing between the steps. */
async function payOnHostedPages(t: TestApp, s: Shopper, redirectUrl: string, pay: Pay, total: number): Promise<void> {
  const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
  const post = (url: string, fields: Record<string, string>) => s.call('POST', url, new URLSearchParams(fields).toString(), form);
  const hosted = new URL(redirectUrl).pathname;
  const page = await s.call('GET', hosted, undefined, { accept: 'text/html' });
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain(`data-amount="${total}"`); // the PSP asks for the order's total, to the cent

  let back: LightMyRequestResponse;
  if (pay === 'wallet') {
    expect(hosted).toMatch(/^\/sandbox\/wallet\//);
    back = await post(hosted, { decision: 'pay' });
  } else {
    expect(hosted).toMatch(/^\/sandbox\/pay\//);
    const challenged = pay === 'card_3ds_approve' || pay === 'card_3ds_fail';
    back = await post(hosted, { number: challenged ? CARDS.challenge : CARDS.success, expiry: '12/30', cvc: '123' });
    if (challenged) {
      // PA-2: the issuer's challenge before any authorisation.
      expect(back.statusCode).toBe(303);
      const challenge = back.headers.location as string;
      expect(challenge).toMatch(/^\/sandbox\/3ds\//);
      await flush(t);
      const challengePage = await s.call('GET', challenge, undefined, { accept: 'text/html' });
      expect(challengePage.statusCode).toBe(200);
      expect(challengePage.body).toContain('3220');
      back = await post(challenge, { decision: pay === 'card_3ds_approve' ? 'approve' : 'fail' });
    }
  }
  expect(back.statusCode, back.body).toBe(303);
  expect(back.headers.location).toMatch(/^\/checkout\/done\?payment=[0-9a-f-]{36}$/);
  await flush(t);
}

type Purchase = { shopper: Shopper; placed: PlacedJson; order: OrderJson; stock: Map<string, { id: string; before: number; after: number }> };

/**
 * The per-shop purchase: a shopper fills a cart, places the order with an
 * Idempotency-Key, pays (or is given the transfer instructions), the outbox
 * delivers the webhooks and the email, and the order is read back.
 */
async function purchase(t: TestApp, admin: Call, basket: Basket, pay: Pay): Promise<Purchase> {
  const s = await newShopper(t, basket.buyer);
  const stock = new Map<string, { id: string; before: number; after: number }>();
  for (const line of basket.lines) {
    const id = await variantId(t, line.sku);
    stock.set(line.sku, { id, before: await warehouseStock(admin, id), after: NaN });
  }
  await fillCart(s, t, basket);

  const method = pay === 'bank_transfer' ? 'bank_transfer' : pay === 'wallet' ? 'wallet' : 'card';
  const r = await s.call('POST', '/api/store/orders', await orderBody(s, basket, method), { 'idempotency-key': idempotencyKey() });
  expect(r.statusCode, r.body).toBe(201);
  const placed = json<PlacedJson>(r);
  expect(placed.created).toBe(true);
  await flush(t); // the confirmation email

  if (pay === 'bank_transfer') expect(placed.redirectUrl).toBeNull();
  else await payOnHostedPages(t, s, placed.redirectUrl!, pay, placed.order.total);

  const read = basket.buyer.kind === 'guest' ? `/api/store/orders/${placed.order.number}?token=${placed.accessToken}` : `/api/store/orders/${placed.order.number}`;
  const got = await s.call('GET', read);
  expect(got.statusCode, got.body).toBe(200);
  for (const entry of stock.values()) entry.after = await warehouseStock(admin, entry.id);
  return { shopper: s, placed, order: json<OrderJson>(got), stock };
}

type Expected = {
  numberPattern: RegExp;
  state: string;
  currency?: string;
  goods: number;
  ecoFees: number;
  discounts: number;
  shipping: number;
  total: number;
  vat: { rateBasisPoints: number; base: number; vat: number; treatment: string }[];
  lines: { sku: string; quantity: number; unitPrice: number; ecoFeePerUnit: number; discount: number; total: number }[];
  payment: { state: string; authorised: number; captured: number };
  /** Whether the stock taken by the order is still out of the warehouse. */
  stockTaken: boolean;
  invoice: string | null;
  evidence: string[];
  emails: { subject: string; contains: (string | RegExp)[] }[];
};

/** Every outcome of a purchase against the figures computed by hand. */
async function expectPurchase(admin: Call, p: Purchase, expected: Expected): Promise<void> {
  const { order } = p;
  expect(order.number).toMatch(expected.numberPattern);
  expect(order.state).toBe(expected.state);
  // PR-9: to the cent.
  expect({ currency: order.currency, goods: order.goods, ecoFees: order.ecoFees, discounts: order.discounts, shipping: order.shipping, total: order.total }).toEqual({
    currency: expected.currency ?? 'EUR',
    goods: expected.goods,
    ecoFees: expected.ecoFees,
    discounts: expected.discounts,
    shipping: expected.shipping,
    total: expected.total,
  });
  expect(order.vatBreakdown).toEqual(expected.vat);
  expect(order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice, ecoFeePerUnit: l.ecoFeePerUnit, discount: l.discount, total: l.total }))).toEqual(expected.lines);
  // The placing answer and the later reading agree (OR-4: frozen).
  expect(p.placed.order.total).toBe(order.total);

  // Stock (OR-3): taken once at validation, or given back.
  for (const line of expected.lines) {
    const s = p.stock.get(line.sku)!;
    expect(s.after, line.sku).toBe(expected.stockTaken ? s.before - line.quantity : s.before);
  }

  // The payment as the back office sees it.
  const detail = await admin('GET', `/api/admin/orders/${order.number}`);
  expect(detail.statusCode).toBe(200);
  const payments = json<{ payments: { state: string; amount: number; authorised: number; captured: number }[] }>(detail).payments;
  expect(payments).toHaveLength(1);
  expect(payments[0]).toMatchObject({ amount: expected.total, ...expected.payment });

  // DOC-1: the invoice number, when the money is taken.
  expect(await invoiceNumberOf(admin, order.number)).toBe(expected.invoice);
  const pdf = await admin('GET', `/api/admin/orders/${order.number}/invoice.pdf`);
  expect(pdf.statusCode).toBe(expected.invoice ? 200 : 404);

  // OR-5 / DOC-5: the mailbox of the customer.
  const mails = (await mailbox(admin, p.shopper.email)).filter((m) => m.related?.id === order.number);
  expect(mails.map((m) => m.subject)).toEqual(expected.emails.map((e) => e.subject));
  expected.emails.forEach((e, i) => {
    expect(mails[i]!.to).toBe(p.shopper.email);
    for (const c of e.contains) expect(mails[i]!.text).toMatch(c);
  });

  // OR-6: the evidence, in order.
  expect(await evidenceKinds(admin, order.number)).toEqual(expected.evidence);
}

/** OR-5: what the confirmation email must say (FR), beyond the number. */
const confirmationFr = (total: RegExp, trader: string): (string | RegExp)[] => [total, 'Formulaire de rétractation', `À l'attention de ${trader}`, 'renoncer au contrat ici'];

// Evidence sequences (the outbox delivers in the order of the changes).
const PLACED = ['payment.started', 'order.validated', 'email.sent'];
const PAID_AT_ONCE = ['invoice.issued', 'order.paid', 'payment.authorised', 'payment.captured'];

// ---------------------------------------------------------------------------

describe('JW (not subject to VAT, card, account required): a full purchase and the PO box', () => {
  const t = useTestApp('jw');
  let admin: Call;
  beforeAll(async () => {
    admin = await owner(t);
  });

  it('PR-1/PR-9/OR-5/DOC-1: card purchase — 129.00 + 39.00 + EMS 7.50 = 175.50, no VAT, paid, invoice JW-F-2026-000001', async () => {
    const p = await purchase(t, admin, { buyer: { kind: 'account', language: 'fr' }, lines: [{ sku: 'JW-PER-40', quantity: 1 }, { sku: 'JW-OND-U', quantity: 1 }], country: 'FR', shippingMethodId: 'ems' }, 'card');
    await expectPurchase(admin, p, {
      numberPattern: /^JW-2026-000001$/,
      state: 'paid',
      goods: 16800,
      ecoFees: 0,
      discounts: 0,
      shipping: 750,
      total: 17550,
      vat: [{ rateBasisPoints: 0, base: 17550, vat: 0, treatment: 'not_subject' }],
      lines: [
        { sku: 'JW-PER-40', quantity: 1, unitPrice: 12900, ecoFeePerUnit: 0, discount: 0, total: 12900 },
        { sku: 'JW-OND-U', quantity: 1, unitPrice: 3900, ecoFeePerUnit: 0, discount: 0, total: 3900 },
      ],
      payment: { state: 'captured', authorised: 17550, captured: 17550 },
      stockTaken: true,
      invoice: 'JW-F-2026-000001',
      evidence: [...PLACED, ...PAID_AT_ONCE],
      emails: [{ subject: `Confirmation de votre commande ${p.order.number}`, contains: [p.order.number, ...confirmationFr(/175,50\s€/, 'Lucie Marchal — Les Petits Éclats')] }],
    });
    await expectEvidenceIntact(admin);
  });

  it('OR-2: a post-office box is refused (422 address.po_box_refused on deliveryAddress.line1) and nothing is written', async () => {
    const basket: Basket = { buyer: { kind: 'account', language: 'fr' }, lines: [{ sku: 'JW-GOU-LAB', quantity: 1 }], country: 'FR', shippingMethodId: 'ems' };
    const s = await newShopper(t, basket.buyer);
    await fillCart(s, t, basket);
    const before = await footprint(t);
    const r = await s.call('POST', '/api/store/orders', await orderBody(s, basket, 'card', { deliveryAddress: { ...PARIS, line1: 'BP 1234' } }), { 'idempotency-key': idempotencyKey() });
    expectRefusal(r, 422, { code: 'address.po_box_refused', field: 'deliveryAddress.line1', rule: 'OR-2' });
    expect(await footprint(t)).toEqual(before);
    // The cart is still there, to correct the address.
    expect(json<{ lines: unknown[] }>(await s.call('GET', '/api/store/cart')).lines).toHaveLength(1);
  });
});

describe('FA (card with 3-D Secure, wallet; account required)', () => {
  const t = useTestApp('fa');
  let admin: Call;
  beforeAll(async () => {
    admin = await owner(t);
  });
  const trader = 'Fil d\'Azur Diffusion';

  it('PA-2/PR-7/DOC-1: card with the 3-D Secure challenge approved — 2 × 89.00 − 10 % + 4.90 = 165.10, VAT 27.52; paid; invoice FA-F-2026-000001', async () => {
    const created = await admin('POST', '/api/admin/promotions', { code: 'AZUR10', name: 'Dix pour cent', kind: 'percentage', percentBasisPoints: 1000 });
    expect(created.statusCode, created.body).toBe(201);
    const p = await purchase(t, admin, { buyer: { kind: 'account', language: 'fr' }, lines: [{ sku: 'FA-CAP-38', quantity: 2 }], country: 'FR', shippingMethodId: 'home', code: 'AZUR10' }, 'card_3ds_approve');
    await expectPurchase(admin, p, {
      numberPattern: /^FA-2026-000001$/,
      state: 'paid',
      goods: 17800,
      ecoFees: 0,
      discounts: 1780,
      shipping: 490,
      total: 16510,
      // 165.10 × 20 / 120 = 27.516… → 27.52; base 137.58
      vat: [{ rateBasisPoints: 2000, base: 13758, vat: 2752, treatment: 'included' }],
      lines: [{ sku: 'FA-CAP-38', quantity: 2, unitPrice: 8900, ecoFeePerUnit: 0, discount: 1780, total: 16020 }],
      payment: { state: 'captured', authorised: 16510, captured: 16510 },
      stockTaken: true,
      invoice: 'FA-F-2026-000001',
      evidence: [...PLACED, 'payment.requires_action', ...PAID_AT_ONCE],
      emails: [{ subject: `Confirmation de votre commande ${p.order.number}`, contains: [p.order.number, /Remises\s:\s−17,80\s€/, /dont TVA 20\s%\s:\s27,52\s€/, ...confirmationFr(/Total TTC\s:\s165,10\s€/, trader)] }],
    });
  });

  it('PA-2: the 3-D Secure challenge failed — payment_failed, payment failed (authentication_failed), no invoice', async () => {
    const p = await purchase(t, admin, { buyer: { kind: 'account', language: 'fr' }, lines: [{ sku: 'FA-AUB-M', quantity: 1 }], country: 'FR', shippingMethodId: 'home' }, 'card_3ds_fail');
    await expectPurchase(admin, p, {
      numberPattern: /^FA-2026-000002$/,
      state: 'payment_failed',
      goods: 14900,
      ecoFees: 0,
      discounts: 0,
      shipping: 490,
      total: 15390,
      // 153.90 / 6 = 25.65 exactly
      vat: [{ rateBasisPoints: 2000, base: 12825, vat: 2565, treatment: 'included' }],
      lines: [{ sku: 'FA-AUB-M', quantity: 1, unitPrice: 14900, ecoFeePerUnit: 0, discount: 0, total: 14900 }],
      payment: { state: 'failed', authorised: 0, captured: 0 },
      stockTaken: true, // payment_failed is not final (→ cancelled): the order keeps its units for now
      invoice: null,
      evidence: [...PLACED, 'payment.requires_action', 'order.payment_failed', 'payment.failed'],
      emails: [{ subject: `Confirmation de votre commande ${p.order.number}`, contains: [p.order.number, /Total TTC\s:\s153,90\s€/] }],
    });
    const detail = json<{ payments: { failureCode: string }[] }>(await admin('GET', `/api/admin/orders/${p.order.number}`));
    expect(detail.payments[0]!.failureCode).toBe('authentication_failed');
  });

  it('PA-1/DOC-1: wallet — 69.00 + 4.90 = 73.90, VAT 12.32; paid; invoice FA-F-2026-000002, next in the sequence after the failed payment', async () => {
    const p = await purchase(t, admin, { buyer: { kind: 'account', language: 'fr' }, lines: [{ sku: 'FA-LIN-38-SAB', quantity: 1 }], country: 'FR', shippingMethodId: 'home' }, 'wallet');
    await expectPurchase(admin, p, {
      numberPattern: /^FA-2026-000003$/,
      state: 'paid',
      goods: 6900,
      ecoFees: 0,
      discounts: 0,
      shipping: 490,
      total: 7390,
      // 73.90 / 6 = 12.316… → 12.32; base 61.58
      vat: [{ rateBasisPoints: 2000, base: 6158, vat: 1232, treatment: 'included' }],
      lines: [{ sku: 'FA-LIN-38-SAB', quantity: 1, unitPrice: 6900, ecoFeePerUnit: 0, discount: 0, total: 6900 }],
      payment: { state: 'captured', authorised: 7390, captured: 7390 },
      stockTaken: true,
      invoice: 'FA-F-2026-000002',
      evidence: [...PLACED, ...PAID_AT_ONCE],
      emails: [{ subject: `Confirmation de votre commande ${p.order.number}`, contains: [p.order.number, 'Portefeuille électronique', ...confirmationFr(/Total TTC\s:\s73,90\s€/, trader)] }],
    });
    // One unbroken sequence: the failed payment took no number.
    expect(await allInvoiceNumbers(admin)).toEqual(['FA-F-2026-000001', 'FA-F-2026-000002']);
    await expectEvidenceIntact(admin);
  });

  describe('bad inputs: a clear 4xx, nothing half-written', () => {
    const basket = (sku = 'FA-OXF-M-BLE'): Basket => ({ buyer: { kind: 'account', language: 'fr' }, lines: [{ sku, quantity: 1 }], country: 'FR', shippingMethodId: 'home' });

    /** A signed-in shopper with a filled cart, and the row counts before the refused request. */
    async function ready(sku?: string) {
      const b = basket(sku);
      const s = await newShopper(t, b.buyer);
      await fillCart(s, t, b);
      return { s, b, before: await footprint(t) };
    }
    const place = (s: Shopper, body: unknown, key: string | null = idempotencyKey()) => s.call('POST', '/api/store/orders', body, key ? { 'idempotency-key': key } : {});

    it('missing fields: 400 request.invalid naming the field (deliveryAddress, acceptedTerms, deliveryAddress.city); no key: 422 order.idempotency_key_required', async () => {
      const { s, b, before } = await ready();
      const full = await orderBody(s, b, 'card');
      const { deliveryAddress: _a, ...noAddress } = full;
      expectRefusal(await place(s, noAddress), 400, { code: 'request.invalid', field: 'deliveryAddress' });
      const { acceptedTerms: _t, ...noTerms } = full;
      expectRefusal(await place(s, noTerms), 400, { code: 'request.invalid', field: 'acceptedTerms' });
      const { city: _c, ...noCity } = PARIS;
      expectRefusal(await place(s, { ...full, deliveryAddress: noCity }), 400, { code: 'request.invalid', field: 'deliveryAddress.city' });
      expectRefusal(await place(s, { ...full, paymentMethod: 'cheque' }), 400, { code: 'request.invalid', field: 'paymentMethod' });
      expectRefusal(await place(s, full, null), 422, { code: 'order.idempotency_key_required', field: 'idempotencyKey' });
      expect(await footprint(t)).toEqual(before);
    });

    it('malformed JSON: 400 request.invalid_json on the body', async () => {
      const { s, before } = await ready();
      const r = await s.call('POST', '/api/store/orders', '{"deliveryAddress": {', { 'content-type': 'application/json', 'idempotency-key': idempotencyKey() });
      expectRefusal(r, 400, { code: 'request.invalid_json', field: 'body' });
      expect(await footprint(t)).toEqual(before);
    });

    it('OR-2: a country the shop does not serve (US) is refused on deliveryAddress.country', async () => {
      const { s, b, before } = await ready();
      const r = await place(s, await orderBody(s, b, 'card', { deliveryAddress: { ...PARIS, country: 'US', postalCode: '10001', city: 'New York', phone: '+1 212 555 0100' } }));
      expectRefusal(r, 422, { code: 'address.country_not_served', field: 'deliveryAddress.country', rule: 'OR-2' });
      // and the cart API refuses it as a destination too
      expectRefusal(await s.call('PUT', '/api/store/cart/destination', { country: 'US' }), 422, { code: 'destination.not_served', field: 'country', rule: 'OR-2' });
      expect(await footprint(t)).toEqual(before);
    });

    it('ID-2: terms accepted under an outdated hash → 409 checkout.terms_outdated on acceptedTerms', async () => {
      const { s, b, before } = await ready();
      const body = await orderBody(s, b, 'card');
      const r = await place(s, { ...body, acceptedTerms: { ...body.acceptedTerms, hash: 'f'.repeat(64) } });
      expectRefusal(r, 409, { code: 'checkout.terms_outdated', field: 'acceptedTerms', rule: 'ID-2' });
      expect(await footprint(t)).toEqual(before);
    });

    it('PA-1: a payment method the shop does not offer (bank transfer at FA) → 422 payment.method_not_offered', async () => {
      const { s, b, before } = await ready();
      expectRefusal(await place(s, await orderBody(s, b, 'bank_transfer')), 422, { code: 'payment.method_not_offered', field: 'paymentMethod', rule: 'PA-1' });
      expect(await footprint(t)).toEqual(before);
    });

    it('CU-3: an order declared for resale where the shop sells for personal use only → 422 customer.resale_refused', async () => {
      const { s, b, before } = await ready();
      const r = await place(s, await orderBody(s, b, 'card', { declarations: { age: { meetsMinimumAge: true }, forResale: true } }));
      expectRefusal(r, 422, { code: 'customer.resale_refused', field: 'declarations.forResale', rule: 'CU-3' });
      // and a professional account cannot even be opened at FA
      const pro = await shopper(t).call('POST', '/api/store/customers', { email: `pro-${++keys}@example.com`, password: 'correct horse battery staple', kind: 'professional', professional: { companyName: 'Revente SARL' } });
      expectRefusal(pro, 422, { code: 'customer.kind_not_accepted', rule: 'CU-3' });
      expect(await footprint(t)).toEqual(before);
    });

    it('CU-1: no account (FA requires one) → 422 checkout.account_required', async () => {
      const b: Basket = { ...basket(), buyer: { kind: 'guest', email: 'guest@example.com', language: 'fr' } };
      const s = await newShopper(t, b.buyer);
      await fillCart(s, t, b);
      const before = await footprint(t);
      expectRefusal(await place(s, await orderBody(s, b, 'card')), 422, { code: 'checkout.account_required', field: 'email', rule: 'CU-1' });
      expect(await footprint(t)).toEqual(before);
    });

    it('CAT-1: an unknown product variant is refused by the cart (404 variant.not_found); an empty cart has nothing to order (404 cart.not_found)', async () => {
      const s = await newShopper(t, { kind: 'account', language: 'fr' });
      const before = await footprint(t);
      expectRefusal(await s.call('POST', '/api/store/cart/lines', { variantId: '999999999', quantity: 1 }), 404, { code: 'variant.not_found', field: 'variantId', rule: 'CAT-1' });
      expectRefusal(await s.call('POST', '/api/store/cart/lines', { variantId: 'abc', quantity: 1 }), 404, { code: 'variant.not_found', field: 'variantId' });
      const r = await place(s, await orderBody(s, basket(), 'card'));
      expectRefusal(r, 404, { code: 'cart.not_found', field: 'cart', rule: 'CA-2' });
      expect(await footprint(t)).toEqual(before);
    });

    it('OR-3: the last unit bought by another customer → 409 order.sold_out; stock, orders, payments unchanged', async () => {
      const id = await variantId(t, 'FA-OXF-M-BLA');
      await setWarehouseStock(admin, id, 1);
      const first = await ready('FA-OXF-M-BLA');
      const second = await ready('FA-OXF-M-BLA');
      const won = await place(first.s, await orderBody(first.s, first.b, 'card'));
      expect(won.statusCode, won.body).toBe(201);
      expect(await warehouseStock(admin, id)).toBe(0);
      const before = await footprint(t);
      const lost = await place(second.s, await orderBody(second.s, second.b, 'card'));
      expectRefusal(lost, 409, { code: 'order.sold_out', field: 'lines', rule: 'OR-3' });
      expect(await footprint(t)).toEqual(before);
      expect(await warehouseStock(admin, id)).toBe(0);
    });

    it('OR-3: a double submit with the same key returns the same order (201 then 200), one payment, the stock taken once; the key reused by another customer → 409', async () => {
      const id = await variantId(t, 'FA-OXF-S-BLE');
      const stockBefore = await warehouseStock(admin, id);
      const { s, b } = await ready('FA-OXF-S-BLE');
      const key = idempotencyKey();
      const body = await orderBody(s, b, 'card');
      const [one, two] = await Promise.all([place(s, body, key), place(s, body, key)]);
      expect([one.statusCode, two.statusCode].sort()).toEqual([200, 201]);
      const first = json<PlacedJson>(one);
      const second = json<PlacedJson>(two);
      expect(second.order.number).toBe(first.order.number);
      expect(second.redirectUrl).toBe(first.redirectUrl);
      const afterTwo = await footprint(t);
      const third = await place(s, body, key); // a later retry (e.g. the network dropped the answer)
      expect(third.statusCode).toBe(200);
      expect(json<PlacedJson>(third)).toMatchObject({ created: false, accessToken: null, order: { number: first.order.number } });
      expect(await footprint(t)).toEqual(afterTwo);
      const detail = json<{ payments: unknown[] }>(await admin('GET', `/api/admin/orders/${first.order.number}`));
      expect(detail.payments).toHaveLength(1);
      expect(await warehouseStock(admin, id)).toBe(stockBefore - 1);

      // The same key from another customer: refused, and their cart is left alone.
      const other = await ready('FA-OXF-S-BLE');
      expectRefusal(await place(other.s, await orderBody(other.s, other.b, 'card'), key), 409, { code: 'order.idempotency_key_reused', field: 'idempotencyKey' });
      expect(await footprint(t)).toEqual(other.before);
      // and cannot read the order either
      expectRefusal(await other.s.call('GET', `/api/store/orders/${first.order.number}`), 404, { code: 'order.not_found' });
    });

    describe('webhooks (POST /api/webhooks/sandbox-payments)', () => {
      /** An order on the hosted page, card submitted and challenge approved: the PSP's `payment.authorised` event waits in the outbox. */
      async function authorisedButNotDelivered() {
        const { s, b } = await ready('FA-RIV-S');
        const r = await place(s, await orderBody(s, b, 'card'));
        expect(r.statusCode).toBe(201);
        const placed = json<PlacedJson>(r);
        const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
        const submitted = await s.call('POST', new URL(placed.redirectUrl!).pathname, new URLSearchParams({ number: CARDS.success, expiry: '12/30', cvc: '123' }).toString(), form);
        // PA-2: FA requires 3-D Secure for every card, 4242 included.
        expect(submitted.statusCode).toBe(303);
        expect(submitted.headers.location).toMatch(/^\/sandbox\/3ds\//);
        await flush(t);
        const approved = await s.call('POST', submitted.headers.location as string, new URLSearchParams({ decision: 'approve' }).toString(), form);
        expect(approved.statusCode).toBe(303);
        const session = await t.ctx.db.selectFrom('payments').select(['provider_session_id']).where('reference_id', '=', placed.order.number).executeTakeFirstOrThrow();
        const event = await t.ctx.db.selectFrom('sandbox_psp_events').selectAll().where('session_id', '=', session.provider_session_id!).where('type', '=', 'payment.authorised').executeTakeFirstOrThrow();
        // The bytes a PSP would post: { id, type, data, created }.
        const body = JSON.stringify({ id: event.id, type: event.type, data: event.data, created: event.created_at.toISOString() });
        return { s, number: placed.order.number, body };
      }
      const sign = (secret: Buffer | string, body: string, at: Date) => {
        const ts = Math.floor(at.getTime() / 1000);
        return `t=${ts},v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
      };
      const deliver = (body: string, signature: string) =>
        t.app.inject({ method: 'POST', url: '/api/webhooks/sandbox-payments', payload: body, headers: { 'content-type': 'application/json', 'comptoir-signature': signature } });

      it('a forged signature → 401, a stale timestamp → 400, a replay → 200 "duplicate": each leaves the payment and the order as they were', async () => {
        const { s, number, body } = await authorisedButNotDelivered();
        const secret = t.ctx.payments!.webhookSecret;
        const now = await t.ctx.clock.now();
        const before = await footprint(t);

        expectRefusal(await deliver(body, sign('not-the-shared-secret-not-the-shared', body, now)), 401, { code: 'payment.webhook_signature_invalid', field: 'comptoir-signature' });
        expectRefusal(await deliver(body, 't=1,v1=zz'), 401, { code: 'payment.webhook_signature_invalid' });
        // Authentic bytes, tampered amount: the signature no longer matches.
        const tampered = body.replace(/"authorisedTotal":\d+/, '"authorisedTotal":1');
        expectRefusal(await deliver(tampered, sign(secret, body, now)), 401, { code: 'payment.webhook_signature_invalid' });
        // Signed 10 minutes ago by engine time: outside the 5-minute tolerance.
        expectRefusal(await deliver(body, sign(secret, body, new Date(now.getTime() - 10 * 60_000))), 400, { code: 'payment.webhook_timestamp_stale', field: 'comptoir-signature' });
        expect(await footprint(t)).toEqual(before);
        expect(json<OrderJson>(await s.call('GET', `/api/store/orders/${number}`)).state).toBe('awaiting_payment');

        // The genuine delivery, then the same event again.
        const ok = await deliver(body, sign(secret, body, now));
        expect(ok.statusCode, ok.body).toBe(200);
        expect(json(ok)).toMatchObject({ outcome: 'processed', state: 'authorised' });
        expect(json<OrderJson>(await s.call('GET', `/api/store/orders/${number}`)).state).toBe('paid');
        const afterOne = await footprint(t);
        const again = await deliver(body, sign(secret, body, now));
        expect(again.statusCode).toBe(200);
        expect(json(again)).toMatchObject({ outcome: 'duplicate', state: 'authorised' });
        expect(await footprint(t)).toEqual(afterOne);

        // The PSP's own delivery of the same event (through the outbox) is a duplicate too; the capture follows.
        await flush(t);
        const kinds = await evidenceKinds(admin, number);
        expect(kinds.filter((k) => k === 'order.paid')).toHaveLength(1);
        expect(kinds.filter((k) => k === 'payment.authorised')).toHaveLength(1);
        expect(kinds.filter((k) => k === 'invoice.issued')).toHaveLength(1);
        expect(kinds.at(-1)).toBe('payment.captured');
        await expectEvidenceIntact(admin);
      });
    });

    it('PR-7: a code that expired between the cart and the order → 422 promotion.expired on codes; the cart API refuses it too', async () => {
      const now = await t.ctx.clock.now();
      const endsAt = new Date(now.getTime() + 60 * 60_000).toISOString();
      const created = await admin('POST', '/api/admin/promotions', { code: 'FLASH5', name: 'Flash', kind: 'fixed_amount', amount: { amount: 500, currency: 'EUR' }, endsAt });
      expect(created.statusCode, created.body).toBe(201);
      const { s, b } = await ready();
      expect((await s.call('POST', '/api/store/cart/codes', { code: 'FLASH5' })).statusCode).toBe(200);
      await moveClock(t, admin, new Date(now.getTime() + 2 * 60 * 60_000).toISOString());
      const before = await footprint(t);
      expectRefusal(await place(s, await orderBody(s, b, 'card')), 422, { code: 'promotion.expired', field: 'codes', rule: 'PR-7' });
      expect(await footprint(t)).toEqual(before);
      const other = await ready();
      expectRefusal(await other.s.call('POST', '/api/store/cart/codes', { code: 'FLASH5' }), 422, { code: 'promotion.expired', field: 'code', rule: 'PR-7' });
      await expectEvidenceIntact(admin);
    });
  });
});

describe('PF (guest checkout, card captured at dispatch, at most 3 per reference)', () => {
  const t = useTestApp('pf');
  let admin: Call;
  beforeAll(async () => {
    admin = await owner(t);
  });

  it('CU-1/PA-3/SH-2/CAT-3: a guest buys 3 × 85.00 = 255.00, standard delivery free from 175.00; authorised only, no invoice before dispatch', async () => {
    const email = 'guest.pf@example.com';
    const p = await purchase(t, admin, { buyer: { kind: 'guest', email, language: 'en' }, lines: [{ sku: 'PF-FIG-50', quantity: 3 }], country: 'FR', shippingMethodId: 'standard' }, 'card');
    expect(p.placed.accessToken).toEqual(expect.any(String));
    await expectPurchase(admin, p, {
      numberPattern: /^PF-2026-000001$/,
      state: 'paid',
      goods: 25500,
      ecoFees: 0,
      discounts: 0,
      shipping: 0,
      total: 25500,
      // 255.00 / 6 = 42.50 exactly
      vat: [{ rateBasisPoints: 2000, base: 21250, vat: 4250, treatment: 'included' }],
      lines: [{ sku: 'PF-FIG-50', quantity: 3, unitPrice: 8500, ecoFeePerUnit: 0, discount: 0, total: 25500 }],
      payment: { state: 'authorised', authorised: 25500, captured: 0 },
      stockTaken: true,
      invoice: null,
      evidence: [...PLACED, 'order.paid', 'payment.authorised'],
      emails: [
        {
          subject: `Your order ${p.order.number} is confirmed`,
          contains: [p.order.number, /Total incl\. VAT: €255\.00/, /Shipping: free/, 'the debit happens at dispatch', 'Model withdrawal form', 'withdraw from contract here'],
        },
      ],
    });
    // PA-3 / DOC-1: at dispatch, not before — the shop has issued no invoice at all.
    expect(await allInvoiceNumbers(admin)).toEqual([]);
    // The guest reads the order with its token only.
    expectRefusal(await shopper(t).call('GET', `/api/store/orders/${p.order.number}`), 404, { code: 'order.not_found' });
    expectRefusal(await shopper(t).call('GET', `/api/store/orders/${p.order.number}?token=nope`), 404, { code: 'order.not_found' });
    expect((await shopper(t).call('GET', `/api/store/orders/${p.order.number}`, undefined, { 'x-order-token': p.placed.accessToken! })).statusCode).toBe(200);
    await expectEvidenceIntact(admin);
  });

  it('CAT-3: a 4th unit of one reference is refused by the cart (422 cart.max_quantity_per_reference, limit 3) and nothing is written', async () => {
    const s = shopper(t);
    const id = await variantId(t, 'PF-NER-50');
    expect((await s.call('POST', '/api/store/cart/lines', { variantId: id, quantity: 3 })).statusCode).toBe(200);
    const before = await footprint(t);
    const more = await s.call('POST', '/api/store/cart/lines', { variantId: id, quantity: 1 });
    expectRefusal(more, 422, { code: 'cart.max_quantity_per_reference', field: 'quantity', rule: 'CAT-3' });
    expect(json<{ error: { details: { limit: number } } }>(more).error.details.limit).toBe(3);
    expectRefusal(await s.call('PATCH', `/api/store/cart/lines/${id}`, { quantity: 4 }), 422, { code: 'cart.max_quantity_per_reference', rule: 'CAT-3' });
    expectRefusal(await shopper(t).call('POST', '/api/store/cart/lines', { variantId: id, quantity: 4 }), 422, { code: 'cart.max_quantity_per_reference' });
    expect(await footprint(t)).toEqual(before);
    expect(json<{ lines: { quantity: number }[] }>(await s.call('GET', '/api/store/cart')).lines.map((l) => l.quantity)).toEqual([3]);
  });

  it('CU-1: a guest without a valid email → 422 checkout.invalid_email, nothing written', async () => {
    const b: Basket = { buyer: { kind: 'guest', email: 'not-an-email', language: 'en' }, lines: [{ sku: 'PF-ROS-50', quantity: 1 }], country: 'FR', shippingMethodId: 'standard' };
    const s = await newShopper(t, b.buyer);
    await fillCart(s, t, b);
    const before = await footprint(t);
    const r = await s.call('POST', '/api/store/orders', await orderBody(s, b, 'card'), { 'idempotency-key': idempotencyKey() });
    expectRefusal(r, 422, { code: 'checkout.invalid_email', field: 'email', rule: 'CU-1' });
    expect(await footprint(t)).toEqual(before);
  });
});

describe('EL (card; bank transfer within 6 days, PA-5; WEEE eco-fee)', () => {
  const t = useTestApp('el');
  let admin: Call;
  beforeAll(async () => {
    admin = await owner(t);
  });
  const el = (lines: Basket['lines']): Basket => ({ buyer: { kind: 'account', language: 'fr' }, lines, country: 'FR', shippingMethodId: 'standard', declarations: {} });
  const trader = 'Voltaïque Distribution';

  it('PR-3/PR-9/DOC-1: card — 2 × (149.00 + eco-fee 0.17) + 6.90 = 305.24, VAT 50.87; paid; invoice EL-F-2026-000001', async () => {
    const p = await purchase(t, admin, el([{ sku: 'EL-OND-NOI', quantity: 2 }]), 'card');
    await expectPurchase(admin, p, {
      numberPattern: /^EL-2026-000001$/,
      state: 'paid',
      goods: 29800,
      ecoFees: 34,
      discounts: 0,
      shipping: 690,
      total: 30524,
      // 305.24 / 6 = 50.873… → 50.87; base 254.37
      vat: [{ rateBasisPoints: 2000, base: 25437, vat: 5087, treatment: 'included' }],
      lines: [{ sku: 'EL-OND-NOI', quantity: 2, unitPrice: 14900, ecoFeePerUnit: 17, discount: 0, total: 29834 }],
      payment: { state: 'captured', authorised: 30524, captured: 30524 },
      stockTaken: true,
      invoice: 'EL-F-2026-000001',
      evidence: [...PLACED, ...PAID_AT_ONCE],
      emails: [{ subject: `Confirmation de votre commande ${p.order.number}`, contains: [p.order.number, /Éco-participation\s:\s0,34\s€/, ...confirmationFr(/Total TTC\s:\s305,24\s€/, trader)] }],
    });
  });

  it('PA-5/DOC-1: bank transfer — 329.00 + eco-fee 2.50 + 6.90 = 338.40; instructions; the money recorded by staff → paid, invoice EL-F-2026-000002', async () => {
    const p = await purchase(t, admin, el([{ sku: 'EL-PAN27', quantity: 1 }]), 'bank_transfer');
    expect(p.placed.bankTransfer).toMatchObject({
      amount: { amount: 33840, currency: 'EUR' },
      iban: 'FR7612345000010001234567887', // the policy's IBAN, spaces removed
      bic: 'VOLTFRPPXXX',
      holder: 'Voltaïque Distribution SARL',
      // ordered Mon 23 Nov 2026 10:00 Paris: 6 calendar days from the next day → Sun 29 Nov, cancelled from 30 Nov 00:00 Paris
      lastDay: '2026-11-29',
      dueAt: '2026-11-29T23:00:00.000Z',
    });
    expect(p.order.state).toBe('awaiting_transfer');
    const reference = p.placed.bankTransfer!.reference;

    // Staff find the transfer on the statement (reference typed in lower case, without the dash).
    const received = await admin('POST', '/api/admin/bank-transfers/received', { reference: reference.replace('-', '').toLowerCase(), amount: '338.40' });
    expect(received.statusCode, received.body).toBe(200);
    await flush(t);
    const order = json<OrderJson>(await p.shopper.call('GET', `/api/store/orders/${p.order.number}`));
    await expectPurchase(admin, { ...p, order }, {
      numberPattern: /^EL-2026-000002$/,
      state: 'paid',
      goods: 32900,
      ecoFees: 250,
      discounts: 0,
      shipping: 690,
      total: 33840,
      // 338.40 / 6 = 56.40 exactly
      vat: [{ rateBasisPoints: 2000, base: 28200, vat: 5640, treatment: 'included' }],
      lines: [{ sku: 'EL-PAN27', quantity: 1, unitPrice: 32900, ecoFeePerUnit: 250, discount: 0, total: 33150 }],
      payment: { state: 'captured', authorised: 33840, captured: 33840 },
      stockTaken: true,
      invoice: 'EL-F-2026-000002',
      evidence: [...PLACED, 'invoice.issued', 'order.paid', 'payment.captured'],
      emails: [{ subject: `Confirmation de votre commande ${p.order.number}`, contains: [p.order.number, /IBAN\s:\sFR7612345000010001234567887/, /BIC\s:\sVOLTFRPPXXX/, reference, /338,40\s€/, /29 novembre 2026/] }],
    });
    // The same transfer recorded twice: refused.
    const again = await admin('POST', '/api/admin/bank-transfers/received', { reference, amount: '338.40' });
    expectRefusal(again, 422, { code: 'payment.bank_transfer_not_pending', rule: 'PA-5' });
  });

  it('PA-5: no transfer by the end of the 6th day — still awaited at 23:59:59 Paris on 29 Nov, cancelled at midnight: stock released, payment failed, customer told', async () => {
    const p = await purchase(t, admin, el([{ sku: 'EL-FRA-AZ', quantity: 2 }]), 'bank_transfer');
    expect(p.placed.bankTransfer).toMatchObject({ lastDay: '2026-11-29', dueAt: '2026-11-29T23:00:00.000Z', amount: { amount: 2 * (11900 + 8) + 690 } });
    const sku = p.stock.get('EL-FRA-AZ')!;
    expect(sku.after).toBe(sku.before - 2);
    const paidEarlier = (await t.ctx.db.selectFrom('orders').select('number').where('state', '=', 'paid').execute()).map((o) => o.number);
    // A transfer of another amount is refused for staff to sort out, and nothing moves.
    const before = await footprint(t);
    const short = await admin('POST', '/api/admin/bank-transfers/received', { reference: p.placed.bankTransfer!.reference, amount: '245.05' });
    expectRefusal(short, 422, { code: 'payment.bank_transfer_amount_mismatch', field: 'amount', rule: 'PA-5' });
    expect(await footprint(t)).toEqual(before);

    await moveClock(t, admin, '2026-11-29T22:59:59Z');
    await flush(t);
    expect(json<OrderJson>(await p.shopper.call('GET', `/api/store/orders/${p.order.number}`)).state).toBe('awaiting_transfer');
    expect(await warehouseStock(admin, sku.id)).toBe(sku.before - 2);

    expect(await moveClock(t, admin, '2026-11-29T23:00:00Z')).toBeGreaterThanOrEqual(1);
    await flush(t);
    const order = json<OrderJson>(await p.shopper.call('GET', `/api/store/orders/${p.order.number}`));
    await expectPurchase(admin, { ...p, order, stock: new Map([['EL-FRA-AZ', { ...sku, after: await warehouseStock(admin, sku.id) }]]) }, {
      numberPattern: /^EL-2026-000003$/,
      state: 'cancelled',
      goods: 23800,
      ecoFees: 16,
      discounts: 0,
      shipping: 690,
      total: 24506,
      // 245.06 / 6 = 40.843… → 40.84; base 204.22
      vat: [{ rateBasisPoints: 2000, base: 20422, vat: 4084, treatment: 'included' }],
      lines: [{ sku: 'EL-FRA-AZ', quantity: 2, unitPrice: 11900, ecoFeePerUnit: 8, discount: 0, total: 23816 }],
      payment: { state: 'failed', authorised: 0, captured: 0 },
      stockTaken: false,
      invoice: null,
      evidence: [...PLACED, 'payment.failed', 'order.cancelled', 'email.sent'],
      emails: [
        { subject: `Confirmation de votre commande ${p.order.number}`, contains: [p.order.number, /245,06\s€/] },
        { subject: `Commande ${p.order.number} annulée`, contains: [p.order.number, 'virement'] },
      ],
    });
    // The transfer paid in time had its deadline lifted: still paid after the same midnight.
    const stillPaid = (await t.ctx.db.selectFrom('orders').select('number').where('state', '=', 'paid').execute()).map((o) => o.number);
    expect(stillPaid).toEqual(paidEarlier);
    await expectEvidenceIntact(admin);
  });
});

describe('FR (card; fraud review answer within 2 days, PA-6)', () => {
  const t = useTestApp('fr');
  let admin: Call;
  beforeAll(async () => {
    admin = await owner(t);
  });

  it('PR-9/DOC-1: card — 85.00 + 45.00 + Colissimo 5.90 = 135.90, VAT 22.65; paid; invoice FR-F-2026-000001', async () => {
    const p = await purchase(t, admin, { buyer: { kind: 'account', language: 'fr' }, lines: [{ sku: 'FR-BRO-38', quantity: 1 }, { sku: 'FR-IRO-M', quantity: 1 }], country: 'FR', shippingMethodId: 'colissimo' }, 'card');
    await expectPurchase(admin, p, {
      numberPattern: /^FR-2026-000001$/,
      state: 'paid',
      goods: 13000,
      ecoFees: 0,
      discounts: 0,
      shipping: 590,
      total: 13590,
      // 135.90 / 6 = 22.65 exactly
      vat: [{ rateBasisPoints: 2000, base: 11325, vat: 2265, treatment: 'included' }],
      lines: [
        { sku: 'FR-BRO-38', quantity: 1, unitPrice: 8500, ecoFeePerUnit: 0, discount: 0, total: 8500 },
        { sku: 'FR-IRO-M', quantity: 1, unitPrice: 4500, ecoFeePerUnit: 0, discount: 0, total: 4500 },
      ],
      payment: { state: 'captured', authorised: 13590, captured: 13590 },
      stockTaken: true,
      invoice: 'FR-F-2026-000001',
      evidence: [...PLACED, ...PAID_AT_ONCE],
      emails: [{ subject: `Confirmation de votre commande ${p.order.number}`, contains: [p.order.number, /Total TTC\s:\s135,90\s€/, 'Formulaire de rétractation', 'renoncer au contrat ici'] }],
    });
  });

  it('PA-6: a paid order held for review, no answer in 2 days — on hold until 23:59:59 Paris on 25 Nov, then cancelled: stock back, payment refunded, customer told (neutrally)', async () => {
    const p = await purchase(t, admin, { buyer: { kind: 'account', language: 'fr' }, lines: [{ sku: 'FR-ARM-L', quantity: 1 }], country: 'FR', shippingMethodId: 'colissimo' }, 'card');
    expect(p.order.state).toBe('paid');
    const sku = p.stock.get('FR-ARM-L')!;
    expect(sku.after).toBe(sku.before - 1);

    const reason = 'Adresse de livraison différente de celle de la carte';
    const held = await admin('POST', `/api/admin/orders/${p.order.number}/hold`, { reason, documentsRequested: ['identity', 'address'] });
    expect(held.statusCode, held.body).toBe(201);
    // Held Mon 23 Nov 2026 10:00 Paris: 2 calendar days from the next day → Wed 25 Nov, cancelled from Thu 26 Nov 00:00 Paris.
    expect(json(held)).toMatchObject({ review: { state: 'open', heldFrom: 'paid', lastDay: '2026-11-25', dueAt: '2026-11-25T23:00:00.000Z' } });
    await flush(t);
    expect(json<OrderJson>(await p.shopper.call('GET', `/api/store/orders/${p.order.number}`)).state).toBe('on_hold');

    await moveClock(t, admin, '2026-11-25T22:59:59Z');
    await flush(t);
    expect(json<OrderJson>(await p.shopper.call('GET', `/api/store/orders/${p.order.number}`)).state).toBe('on_hold');
    expect(await warehouseStock(admin, sku.id)).toBe(sku.before - 1);

    expect(await moveClock(t, admin, '2026-11-25T23:00:00Z')).toBeGreaterThanOrEqual(1);
    await flush(t); // the refund goes to the PSP, whose webhook comes back through the outbox
    const order = json<OrderJson>(await p.shopper.call('GET', `/api/store/orders/${p.order.number}`));
    await expectPurchase(admin, { ...p, order, stock: new Map([['FR-ARM-L', { ...sku, after: await warehouseStock(admin, sku.id) }]]) }, {
      numberPattern: /^FR-2026-000002$/,
      state: 'cancelled',
      goods: 7900,
      ecoFees: 0,
      discounts: 0,
      shipping: 590,
      total: 8490,
      // 84.90 / 6 = 14.15 exactly
      vat: [{ rateBasisPoints: 2000, base: 7075, vat: 1415, treatment: 'included' }],
      lines: [{ sku: 'FR-ARM-L', quantity: 1, unitPrice: 7900, ecoFeePerUnit: 0, discount: 0, total: 7900 }],
      payment: { state: 'refunded', authorised: 8490, captured: 8490 },
      stockTaken: false,
      invoice: 'FR-F-2026-000002',
      // DOC-1: the invoice issued at payment credited in full, just before the cancellation it goes with.
      evidence: [...PLACED, ...PAID_AT_ONCE, 'order.held_for_review', 'email.sent', 'credit_note.issued', 'order.cancelled', 'email.sent', 'payment.refunded'],
      emails: [
        { subject: `Confirmation de votre commande ${p.order.number}`, contains: [p.order.number, /Total TTC\s:\s84,90\s€/] },
        { subject: `Votre commande ${p.order.number} : justificatifs à nous transmettre`, contains: [p.order.number, 'au plus tard le 25 novembre 2026'] },
        { subject: `Commande ${p.order.number} annulée`, contains: [p.order.number] },
      ],
    });
    // CU-4: the merchant's reason never reaches the customer.
    for (const mail of await mailbox(admin, p.shopper.email)) expect(mail.text).not.toContain(reason);
    const detail = json<{ payments: { refunded: number }[]; reviews: { state: string }[] }>(await admin('GET', `/api/admin/orders/${p.order.number}`));
    expect(detail.payments[0]!.refunded).toBe(8490);
    expect(detail.reviews).toMatchObject([{ state: 'expired' }]);
    await expectEvidenceIntact(admin);
  });
});
