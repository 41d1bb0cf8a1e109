// Issue 4 §4: fraud review (PA-6) on the manual clock — held, unanswered →
// cancelled with stock back and money returned; released in time → nothing
// more happens; paid during the hold → invoiced at release (DOC-1, capture at
// order only); cancelled by staff while on hold (OR-7); PF's 15 days; FA has
// no fraud review.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock.js';
import { addCartLine, chooseDestination } from '../../src/app/cart.js';
import { registerCustomer } from '../../src/app/customers.js';
import { fraudReviewTimerKey, holdForReview, listReviewsOf, recordDocumentsReceived, releaseFromReview } from '../../src/app/fraud-review.js';
import { findInvoiceOfOrder } from '../../src/app/invoices.js';
import { cancelOrder } from '../../src/app/order-cancellation.js';
import { placeOrder, type PlaceOrderInput } from '../../src/app/orders.js';
import { listPaymentsFor } from '../../src/app/payments.js';
import { setStock } from '../../src/app/stock.js';
import { listTermsVersions } from '../../src/app/terms.js';
import { versionInForce } from '../../src/domain/terms-versions.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import { verifyEvidenceChain } from '../../src/store/evidence.js';
import { listTimers } from '../../src/store/timers.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';

const staff = { kind: 'system' } as const;
const DAY = 24 * 3600 * 1000;
let counter = 0;
const key = () => `fraud-key-${++counter}-${Math.random().toString(36).slice(2)}`;

function helpers(t: TestApp) {
  const shopId = () => t.ctx.shop.id;
  const now = () => t.ctx.clock.now();
  const shop = () => ({ id: shopId(), policy: t.ctx.shop.policy });

  async function stockedVariant(quantity: number, skip: number): Promise<string> {
    const { rows } = await sql<{ id: string }>`
      SELECT v.id::text AS id FROM variants v JOIN products p ON p.id = v.product_id
       WHERE v.shop_id = ${shopId()} AND p.eco_fee_minor = 0
         AND EXISTS (SELECT 1 FROM price_history ph WHERE ph.variant_id = v.id AND ph.currency = 'EUR')
       ORDER BY v.id OFFSET ${skip} LIMIT 1`.execute(t.ctx.db);
    const id = rows[0]!.id;
    const warehouse = await t.ctx.db.selectFrom('locations').select('code').where('shop_id', '=', shopId()).where('kind', '=', 'warehouse').executeTakeFirstOrThrow();
    await setStock(t.ctx.db, { shopId: shopId(), variantId: id, levels: [{ locationCode: warehouse.code, quantity }], actor: staff, now: await now() });
    return id;
  }

  async function warehouseStock(variantId: string): Promise<number> {
    const { rows } = await sql<{ q: string }>`SELECT coalesce(sum(s.quantity), 0) AS q FROM stock s JOIN locations l ON l.id = s.location_id AND l.kind = 'warehouse' WHERE s.variant_id = ${variantId}::bigint`.execute(t.ctx.db);
    return Number(rows[0]!.q);
  }

  /** A card order of `quantity` units, paid on the sandbox's hosted page (webhooks dispatched). */
  async function paidOrder(variantId: string, quantity: number, shippingMethodId: string, options: { pay?: boolean } = {}) {
    const at = await now();
    const added = await addCartLine(t.ctx.db, { shop: shop(), token: null, variantId, quantity, now: at });
    await chooseDestination(t.ctx.db, { shop: shop(), token: added.token, country: 'FR', shippingMethodId, now: at });
    const customer = await registerCustomer(t.ctx.db, { shop: shop(), email: `buyer-${key()}@example.com`, password: 'correct horse battery staple', now: at });
    const terms = versionInForce(await listTermsVersions(t.ctx.db, shopId()), at)!;
    const input: PlaceOrderInput = {
      shop: { ...shop(), policyHash: t.ctx.shop.policyHash },
      provider: t.ctx.payments?.provider,
      cartToken: added.token,
      customerId: customer.id,
      deliveryAddress: { name: 'Camille Martin', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR' },
      shippingMethodId,
      paymentMethod: 'card',
      acceptedTerms: { versionId: terms.id, hash: terms.hash.fr, language: 'fr' },
      declarations: { age: { meetsMinimumAge: true } },
      idempotencyKey: key(),
      returnUrl: '/checkout/done',
      now: at,
    };
    const placed = await placeOrder(t.ctx.db, input);
    if (options.pay !== false) {
      const path = new URL(placed.redirectUrl!).pathname;
      const formHeaders = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
      const paid = await t.app.inject({ method: 'POST', url: path, payload: new URLSearchParams({ number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' }).toString(), headers: formHeaders });
      expect(paid.statusCode).toBe(303);
      await dispatch();
    }
    return placed.order;
  }

  async function dispatch() {
    for (let i = 0; i < 3; i += 1) {
      const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await now());
      expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
    }
  }

  const orderRow = (number: string) => t.ctx.db.selectFrom('orders').select(['state', 'cancel_reason']).where('number', '=', number).executeTakeFirstOrThrow();
  const advance = async (ms: number) => advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, ms);
  const evidenceKinds = async (number: string) =>
    (await sql<{ kind: string }>`SELECT kind FROM evidence_events WHERE shop_id = ${shopId()} AND subject_type = 'order' AND subject_id = ${number} ORDER BY seq`.execute(t.ctx.db)).rows.map((r) => r.kind);
  const emailsAbout = async (number: string) =>
    (await sql<{ subject: string; text_body: string }>`SELECT subject, text AS text_body FROM emails WHERE shop_id = ${shopId()} AND subject LIKE ${'%' + number + '%'} ORDER BY id`.execute(t.ctx.db)).rows;
  const hold = async (number: string, documentsRequested: string[] = ['identity', 'address']) =>
    t.ctx.db.transaction().execute(async (tx) => holdForReview(tx, { shop: shop(), orderNumber: number, reason: 'billing and delivery names differ, new account', documentsRequested, actor: staff, now: await now() }));

  /** The customer pays on the hosted page of an order's (pending) payment; webhooks dispatched. */
  async function payLater(number: string) {
    const payment = (await listPaymentsFor(t.ctx.db, shopId(), { kind: 'order', id: number }))[0]!;
    const paid = await t.app.inject({
      method: 'POST',
      url: new URL(payment.redirectUrl!).pathname,
      payload: new URLSearchParams({ number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    });
    expect(paid.statusCode).toBe(303);
    await dispatch();
  }
  const release = async (number: string) => t.ctx.db.transaction().execute(async (tx) => releaseFromReview(tx, { shopId: shopId(), orderNumber: number, actor: staff, now: await now() }));

  return { stockedVariant, warehouseStock, paidOrder, payLater, release, dispatch, orderRow, advance, evidenceKinds, emailsAbout, hold, now, shopId };
}

describe('FR: 2 calendar days to answer (PA-6)', () => {
  const t = useTestApp('fr');
  const h = helpers(t);

  it('held and unanswered: after 2 days the order is cancelled, its stock back, the payment refunded, the customer told', async () => {
    const variantId = await h.stockedVariant(5, 0);
    const order = await h.paidOrder(variantId, 2, 'colissimo');
    expect((await h.orderRow(order.number)).state).toBe('paid');
    expect(await h.warehouseStock(variantId)).toBe(3);

    // Held Mon 23 Nov 2026 10:00 Paris → last day Wed 25 Nov, cancelled from Thu 26 Nov 00:00 Paris.
    const review = await h.hold(order.number);
    expect(review).toMatchObject({ state: 'open', heldFrom: 'paid', lastDay: '2026-11-25', documentsRequested: ['identity', 'address'] });
    expect(review.dueAt.toISOString()).toBe('2026-11-25T23:00:00.000Z');
    expect((await h.orderRow(order.number)).state).toBe('on_hold');
    await h.dispatch();
    const request = (await h.emailsAbout(order.number)).find((e) => e.subject.includes('justificatifs'));
    expect(request?.text_body).toContain('au plus tard le 25 novembre 2026');
    expect(request?.text_body).not.toContain('billing and delivery'); // CU-4: the reason stays with the merchant
    // a second hold is refused
    expect(await codeOf(h.hold(order.number))).toBe('fraud_review.not_holdable');

    // One day later: still waiting.
    await h.advance(1 * DAY);
    expect((await h.orderRow(order.number)).state).toBe('on_hold');

    await h.advance(2 * DAY);
    expect(await h.orderRow(order.number)).toEqual({ state: 'cancelled', cancel_reason: 'fraud_review_unanswered' });
    expect(await h.warehouseStock(variantId)).toBe(5);
    await h.dispatch(); // refund call → provider → webhook
    const [payment] = await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: order.number });
    expect(payment).toMatchObject({ state: 'refunded', refunded: order.total });
    const emails = await h.emailsAbout(order.number);
    expect(emails.map((e) => e.subject)).toContain(`Commande ${order.number} annulée`);
    expect(emails.find((e) => e.subject === `Commande ${order.number} annulée`)?.text_body).toContain('remboursée');
    expect((await listReviewsOf(t.ctx.db, h.shopId(), order.number))[0]).toMatchObject({ state: 'expired', closedBy: 'system' });
    const kinds = await h.evidenceKinds(order.number);
    expect(kinds).toEqual(expect.arrayContaining(['order.validated', 'order.paid', 'order.held_for_review', 'order.cancelled', 'payment.refunded']));
    expect(kinds.indexOf('order.cancelled')).toBeGreaterThan(kinds.indexOf('order.held_for_review'));
    // nothing more to do
    expect(await codeOf(t.ctx.db.transaction().execute(async (tx) => releaseFromReview(tx, { shopId: h.shopId(), orderNumber: order.number, actor: staff, now: await h.now() })))).toBe('fraud_review.not_on_hold');
    expect(await verifyEvidenceChain(t.ctx.db, h.shopId())).toMatchObject({ ok: true });
  });

  it('released before the deadline: the timer is cancelled and nothing more happens after 2 days', async () => {
    const variantId = await h.stockedVariant(4, 1);
    const order = await h.paidOrder(variantId, 1, 'colissimo');
    const review = await h.hold(order.number, ['identity']);
    await h.advance(1 * DAY);
    const released = await t.ctx.db.transaction().execute(async (tx) => releaseFromReview(tx, { shopId: h.shopId(), orderNumber: order.number, note: 'called the customer', actor: staff, now: await h.now() }));
    expect(released).toMatchObject({ state: 'paid', review: { state: 'released' } });
    const [timer] = await listTimers(t.ctx.db, h.shopId(), { kind: 'order.fraud_review_deadline' }).then((all) => all.filter((x) => x.key === fraudReviewTimerKey(h.shopId(), order.number, review.id)));
    expect(timer?.state).toBe('cancelled');

    await h.advance(3 * DAY);
    expect(await h.orderRow(order.number)).toEqual({ state: 'paid', cancel_reason: null });
    expect(await h.warehouseStock(variantId)).toBe(3);
    await h.dispatch();
    expect((await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: order.number }))[0]).toMatchObject({ state: 'captured' });
    expect((await h.emailsAbout(order.number)).map((e) => e.subject)).not.toContain(`Commande ${order.number} annulée`);
    expect(await h.evidenceKinds(order.number)).toEqual(expect.arrayContaining(['order.held_for_review', 'order.released_from_review']));
    expect(await h.evidenceKinds(order.number)).not.toContain('order.cancelled');
  });

  it('documents received: the order held before payment goes on to paid when the money came meanwhile', async () => {
    const variantId = await h.stockedVariant(4, 2);
    const order = await h.paidOrder(variantId, 1, 'colissimo', { pay: false });
    expect((await h.orderRow(order.number)).state).toBe('awaiting_payment');
    await h.hold(order.number);
    // the customer pays while the order is held: the order stays on hold
    const payment = (await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: order.number }))[0]!;
    const paid = await t.app.inject({
      method: 'POST',
      url: new URL(payment.redirectUrl!).pathname,
      payload: new URLSearchParams({ number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    });
    expect(paid.statusCode).toBe(303);
    await h.dispatch();
    expect((await h.orderRow(order.number)).state).toBe('on_hold');
    const done = await t.ctx.db.transaction().execute(async (tx) => recordDocumentsReceived(tx, { shopId: h.shopId(), orderNumber: order.number, actor: staff, now: await h.now() }));
    expect(done).toMatchObject({ state: 'paid', review: { state: 'documents_received' } });
    await h.advance(3 * DAY);
    expect((await h.orderRow(order.number)).state).toBe('paid');
  });

  it('refuses a hold without documents or reason, and on an unknown order', async () => {
    const variantId = await h.stockedVariant(2, 3);
    const order = await h.paidOrder(variantId, 1, 'colissimo');
    expect(await codeOf(h.hold(order.number, []))).toBe('fraud_review.invalid_documents');
    expect(await codeOf(h.hold(order.number, ['passport-photo']))).toBe('fraud_review.invalid_documents');
    expect(await codeOf(t.ctx.db.transaction().execute(async (tx) => holdForReview(tx, { shop: { id: h.shopId(), policy: t.ctx.shop.policy }, orderNumber: order.number, reason: '  ', documentsRequested: ['identity'], actor: staff, now: await h.now() })))).toBe('fraud_review.reason_required');
    expect(await codeOf(h.hold('FR-2026-999999'))).toBe('order.not_found');
    expect((await h.orderRow(order.number)).state).toBe('paid');
  });
});

describe('FR: invoices and staff cancellation around a review', () => {
  const t = useTestApp('fr');
  const h = helpers(t);

  it('DOC-1: captured while on hold, the order is invoiced when released — not before, and once', async () => {
    const variantId = await h.stockedVariant(4, 0);
    const order = await h.paidOrder(variantId, 1, 'colissimo', { pay: false });
    await h.hold(order.number);
    await h.payLater(order.number);
    expect((await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: order.number }))[0]).toMatchObject({ state: 'captured', captured: order.total });
    expect((await h.orderRow(order.number)).state).toBe('on_hold');
    expect(await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: order.number })).toBeUndefined();

    expect(await h.release(order.number)).toMatchObject({ state: 'paid' });
    const invoice = await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: order.number });
    expect(invoice?.number).toMatch(/^FR-F-2026-\d{6}$/);
    expect(invoice?.content.total).toBe(order.total);
    const kinds = await h.evidenceKinds(order.number);
    expect(kinds.filter((k) => k === 'invoice.issued')).toHaveLength(1);

    // Held again once paid and released: still that one invoice.
    await h.hold(order.number);
    await h.release(order.number);
    expect((await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: order.number }))?.number).toBe(invoice!.number);
    expect((await h.evidenceKinds(order.number)).filter((k) => k === 'invoice.issued')).toHaveLength(1);
  });

  it('OR-7: staff cancel an order on hold — the review ends `cancelled`, its timer with it; the deadline then does nothing', async () => {
    const variantId = await h.stockedVariant(4, 1);
    const order = await h.paidOrder(variantId, 1, 'colissimo');
    const review = await h.hold(order.number);
    const done = await t.ctx.db.transaction().execute(async (tx) =>
      cancelOrder(tx, { shopId: h.shopId(), orderNumber: order.number, reason: 'review_inconclusive', note: 'ID does not match', actor: staff, now: await h.now() }),
    );
    expect(done).toMatchObject({ rule: 'PA-6', payments: [{ action: 'refund', amount: order.total }] });
    expect((await listReviewsOf(t.ctx.db, h.shopId(), order.number))[0]).toMatchObject({ id: review.id, state: 'cancelled', closedBy: 'system' });
    const timer = (await listTimers(t.ctx.db, h.shopId(), { kind: 'order.fraud_review_deadline' })).find((x) => x.key === fraudReviewTimerKey(h.shopId(), order.number, review.id));
    expect(timer?.state).toBe('cancelled');

    await h.advance(3 * DAY);
    await h.dispatch();
    expect(await h.orderRow(order.number)).toEqual({ state: 'cancelled', cancel_reason: 'review_inconclusive' });
    expect((await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: order.number }))[0]).toMatchObject({ state: 'refunded', refunded: order.total });
    const cancelled = (await h.emailsAbout(order.number)).filter((e) => e.subject === `Commande ${order.number} annulée`);
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]!.text_body).not.toContain('ID does not match');
    expect((await h.evidenceKinds(order.number)).filter((k) => k === 'order.cancelled')).toHaveLength(1);
  });
});

describe('PF: 15 calendar days to answer; an authorisation is voided', () => {
  const t = useTestApp('pf');
  const h = helpers(t);

  it('still on hold after 14 days, cancelled after the 15th, the authorisation voided', async () => {
    const variantId = await h.stockedVariant(3, 0);
    const order = await h.paidOrder(variantId, 1, 'standard');
    expect((await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: order.number }))[0]).toMatchObject({ state: 'authorised' }); // PA-3 at dispatch
    const review = await h.hold(order.number);
    expect(review.lastDay).toBe('2026-12-08');
    await h.advance(14 * DAY);
    expect((await h.orderRow(order.number)).state).toBe('on_hold');
    await h.advance(2 * DAY);
    expect(await h.orderRow(order.number)).toEqual({ state: 'cancelled', cancel_reason: 'fraud_review_unanswered' });
    expect(await h.warehouseStock(variantId)).toBe(3);
    await h.dispatch();
    expect((await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: order.number }))[0]).toMatchObject({ state: 'voided' });
    expect(await verifyEvidenceChain(t.ctx.db, h.shopId())).toMatchObject({ ok: true });
  });

  it('DOC-1 / PA-3: authorised during the hold and released, the order is paid but not invoiced (PF invoices at dispatch)', async () => {
    const variantId = await h.stockedVariant(3, 1);
    const order = await h.paidOrder(variantId, 1, 'standard', { pay: false });
    await h.hold(order.number);
    await h.payLater(order.number);
    expect(await h.release(order.number)).toMatchObject({ state: 'paid' });
    expect((await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: order.number }))[0]).toMatchObject({ state: 'authorised', captured: 0 });
    expect(await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: order.number })).toBeUndefined();
  });
});

describe('FA: no fraud review in its policy', () => {
  const t = useTestApp('fa');
  const h = helpers(t);

  it('refuses to hold with fraud_review.not_offered and changes nothing', async () => {
    const variantId = await h.stockedVariant(2, 0);
    const order = await h.paidOrder(variantId, 1, 'home', { pay: false });
    expect(await codeOf(h.hold(order.number))).toBe('fraud_review.not_offered');
    expect((await h.orderRow(order.number)).state).toBe('awaiting_payment');
    expect(await listReviewsOf(t.ctx.db, h.shopId(), order.number)).toEqual([]);
  });
});
