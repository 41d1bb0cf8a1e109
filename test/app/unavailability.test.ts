// Issue 5 §3: items unavailable after ordering (AV-1, AV-2) through the use
// cases, with the manual clock, the sandbox PSP and the outbox:
//   FA cancel_line — refunded to the cent through the PSP, the rest ships;
//   PF wait or refund — the 3-day default ships the rest and the final capture
//   charges only what shipped; the customer's refund after a first parcel;
//   waiting; JW substitute; EL back-order; the whole order when nothing is left.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock.js';
import { addCartLine, chooseDestination } from '../../src/app/cart.js';
import { findInvoiceOfOrder } from '../../src/app/invoices.js';
import { cancelOrder } from '../../src/app/order-cancellation.js';
import { loadOrder, placeOrder } from '../../src/app/orders.js';
import { listPaymentsFor } from '../../src/app/payments.js';
import { setStock } from '../../src/app/stock.js';
import { listTermsVersions } from '../../src/app/terms.js';
import { answerDeadlineTimerKey, answerUnavailability, declareUnavailable, listUnavailabilityCases, unavailabilityOfOrder } from '../../src/app/unavailability.js';
import { cancelledUnitsAmount } from '../../src/domain/fulfilment/unavailability.js';
import { lineAmountFor } from '../../src/domain/fulfilment/fulfilment-plan.js';
import { formatMoney, money } from '../../src/domain/money.js';
import { versionInForce } from '../../src/domain/terms-versions.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import { listEvidence, verifyEvidenceChain } from '../../src/store/evidence.js';
import { listTimers } from '../../src/store/timers.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { ownerActor, shipOrder } from '../support/fulfilment.js';
import { payOnHostedPage, registeredCustomer, stockedVariant, testKey } from '../support/orders.js';

const DAY = 24 * 3600_000;

function helpers(t: TestApp) {
  const shopId = () => t.ctx.shop.id;
  const now = () => t.ctx.clock.now();
  const flush = async () => {
    const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await now());
    expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
  };
  const advance = (ms: number) => advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, ms);

  /** A card order of several lines for a new customer, delivered in Paris, paid on the hosted page. */
  const paidOrder = async (lines: { variantId: string; quantity: number }[], method: string) => {
    const shop = { id: shopId(), policy: t.ctx.shop.policy };
    const at = await now();
    let token: string | null = null;
    for (const l of lines) token = (await addCartLine(t.ctx.db, { shop, token, variantId: l.variantId, quantity: l.quantity, now: at })).token;
    await chooseDestination(t.ctx.db, { shop, token: token!, country: 'FR', shippingMethodId: method, now: at });
    const terms = versionInForce(await listTermsVersions(t.ctx.db, shopId()), at)!;
    const customer = await registeredCustomer(t);
    const placed = await placeOrder(t.ctx.db, {
      shop: { ...shop, policyHash: t.ctx.shop.policyHash },
      provider: t.ctx.payments?.provider,
      cartToken: token,
      customerId: customer.id,
      deliveryAddress: { name: 'Camille Martin', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR' },
      shippingMethodId: method,
      paymentMethod: 'card',
      acceptedTerms: { versionId: terms.id, hash: terms.hash.fr, language: 'fr' },
      declarations: { age: { meetsMinimumAge: true } },
      idempotencyKey: testKey(),
      returnUrl: '/checkout/done',
      now: at,
    });
    await payOnHostedPage(t, placed.redirectUrl!);
    await flush();
    return { ...placed, customerId: customer.id };
  };
  const order = async (number: string) => (await loadOrder(t.ctx.db, { shopId: shopId(), number }))!;
  const payment = async (number: string) => (await listPaymentsFor(t.ctx.db, shopId(), { kind: 'order', id: number }))[0]!;
  const session = async (number: string) => (await t.ctx.payments!.sandbox.getSession((await payment(number)).providerSessionId!))!;
  const emails = async (number: string) =>
    (await sql<{ subject: string; body: string }>`SELECT subject, text AS body FROM emails WHERE shop_id = ${shopId()} AND related_id = ${number} ORDER BY id`.execute(t.ctx.db)).rows;
  const unavailableMails = async (number: string) => (await emails(number)).filter((m) => m.subject === `Commande ${number} : article indisponible`);
  const evidence = async (number: string, kind: string) => (await listEvidence(t.ctx.db, shopId(), { subject: { type: 'order', id: number }, kinds: [kind] })).reverse();
  const declare = async (number: string, position: number, quantity: number, substituteSku?: string) => {
    const actor = await ownerActor(t);
    const at = await now();
    return t.ctx.db.transaction().execute((tx) => declareUnavailable(tx, { shopId: shopId(), orderNumber: number, position, quantity, substituteSku, storefrontUrl: 'http://shop.test', actor, now: at }));
  };
  const answer = async (number: string, token: string, choice: string) => {
    const at = await now();
    return t.ctx.db.transaction().execute((tx) => answerUnavailability(tx, { shopId: shopId(), orderNumber: number, choice, access: { token }, now: at }));
  };
  /** The customer's token, from the link in the email (only its SHA-256 is stored). */
  const tokenIn = async (number: string) => {
    await flush();
    const mail = (await unavailableMails(number)).find((m) => m.body.includes('/unavailable/'))!;
    return /\/orders\/[^/]+\/unavailable\/([A-Za-z0-9_-]+)/.exec(mail.body)![1]!;
  };
  const warehouseStock = async (variantId: string) =>
    Number((await sql<{ q: string }>`SELECT coalesce(sum(s.quantity), 0) AS q FROM stock s JOIN locations l ON l.id = s.location_id AND l.kind = 'warehouse' WHERE s.variant_id = ${variantId}::bigint`.execute(t.ctx.db)).rows[0]!.q);
  const stockTaken = async (orderId: string, position: number) =>
    (await t.ctx.db.selectFrom('order_lines').select('stock_taken').where('order_id', '=', orderId).where('position', '=', position).executeTakeFirstOrThrow()).stock_taken.reduce((n, a) => n + a.quantity, 0);
  const refunds = (orderId: string) => t.ctx.db.selectFrom('order_refunds').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
  const eur = (minor: number) => formatMoney(money(minor, 'EUR'), 'fr');
  const timerOf = async (caseId: string) => (await listTimers(t.ctx.db, shopId(), { kind: 'unavailability.answer_deadline' })).find((x) => x.key === answerDeadlineTimerKey(shopId(), caseId));
  return { timerOf, shopId, now, flush, advance, paidOrder, order, payment, session, emails, unavailableMails, evidence, declare, answer, tokenIn, warehouseStock, stockTaken, refunds, eur };
}

describe('FA cancel_line (AV-1a), card captured at order', () => {
  const t = useTestApp('fa');
  const h = helpers(t);

  it('AV-1a / AV-2: one of two units cancelled at once — refunded to the cent through the PSP within 14 days (RF-1), the customer emailed, the rest ships; the stock row is not put back', async () => {
    const shirt = await stockedVariant(t, 10, { skip: 0 });
    const socks = await stockedVariant(t, 10, { skip: 1 });
    const placed = await h.paidOrder([{ variantId: shirt, quantity: 2 }, { variantId: socks, quantity: 1 }], 'home');
    const number = placed.order.number;
    const before = await h.order(number);
    expect(before.state).toBe('paid');
    const line = before.lines.find((l) => l.variantId === shirt)!;
    expect(await h.warehouseStock(shirt)).toBe(8);
    const [paid] = [await h.payment(number)];
    expect(paid).toMatchObject({ state: 'captured', captured: before.total });

    const kase = await h.declare(number, line.position, 1);
    const amount = line.total - lineAmountFor(line, 0, 1);
    expect(amount).toBe(cancelledUnitsAmount(line, 0, 1));
    expect(kase).toMatchObject({ state: 'cancelled', mode: 'cancel_line', quantity: 1, amount, choices: [], refund: { amount, dueOn: '2026-12-07' } });

    const after = await h.order(number);
    expect(after.lines.find((l) => l.position === line.position)).toMatchObject({ quantity: 2, cancelledQuantity: 1 });
    expect(after.state).toBe('paid');
    expect(await h.warehouseStock(shirt)).toBe(8); // the unit is physically missing: nothing goes back on sale
    expect(await h.stockTaken(after.id, line.position)).toBe(1); // the order holds one unit only
    expect(await h.refunds(after.id)).toMatchObject([{ key: `line_unavailable:${kase.id}`, reason: 'line_unavailable', rule: 'AV-1', amount_minor: String(amount), due_on: '2026-12-07' }]);

    await h.flush(); // refund call → sandbox → webhook → engine
    expect(await h.payment(number)).toMatchObject({ state: 'partially_refunded', captured: before.total, refunded: amount });
    expect(await h.session(number)).toMatchObject({ captured: before.total, refunded: amount });

    const [mail, ...more] = await h.unavailableMails(number);
    expect(more).toEqual([]);
    expect(mail!.body).toContain("n'est plus disponible");
    expect(mail!.body).toContain(`${h.eur(amount)} vous sont remboursés sur votre moyen de paiement.`);
    expect(mail!.body).toContain('au plus tard le 7 décembre 2026');
    expect(mail!.body).toContain('Les autres articles de votre commande vous sont expédiés sans attendre.');

    const actor = await ownerActor(t);
    const [declared] = await h.evidence(number, 'order.line_unavailable');
    expect(declared).toMatchObject({ actor: `staff:${actor.staffId}`, data: { caseId: kase.id, position: line.position, quantity: 1, amount, mode: 'cancel_line', rule: 'AV-1', outcome: 'cancel' } });
    const [cancelled] = await h.evidence(number, 'order.line_cancelled');
    expect(cancelled!.data).toMatchObject({ quantity: 1, cancelledQuantity: 1, amount, refund: amount, refundDueOn: '2026-12-07', stockWrittenOff: 1, orderCancelled: false, why: 'terms' });
    expect(await h.evidence(number, 'order.refund_due')).toMatchObject([{ data: { amount, reason: 'line_unavailable', dueOn: '2026-12-07' } }]);
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'staff_id']).where('target', '=', `order:${number}`).where('action', '=', 'order.line_unavailable').execute();
    expect(audit).toEqual([{ action: 'order.line_unavailable', staff_id: actor.staffId }]);

    // Never more than what is left to ship; the rest ships at once (SH-6 partial shipments).
    expect(await codeOf(h.declare(number, line.position, 2))).toBe('unavailability.quantity_exceeds_remaining');
    const shipped = await shipOrder(t, number, after.lines.map((l) => ({ position: l.position, quantity: l.quantity - l.cancelledQuantity })));
    expect(shipped.state).toBe('shipped');
    expect((await h.order(number)).fulfilment).toBe('shipped');
    expect(await codeOf(h.declare(number, line.position, 1))).toBe('unavailability.quantity_exceeds_remaining');
    // DOC-1: FA invoiced when paid, before the cancellation: the invoice stands; the credit note is the next issue's.
    expect((await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: number }))!.content.total).toBe(before.total);
    expect((await verifyEvidenceChain(t.ctx.db, h.shopId())).ok).toBe(true);
  });

  it('AV-1a: every unit missing and nothing shipped — the order is cancelled through the one cancellation (items_unavailable), everything refunded, delivery included', async () => {
    const bag = await stockedVariant(t, 4, { skip: 2 });
    const placed = await h.paidOrder([{ variantId: bag, quantity: 1 }], 'home');
    const number = placed.order.number;
    const total = placed.order.total;
    expect(await h.warehouseStock(bag)).toBe(3);

    const kase = await h.declare(number, 0, 1);
    expect(kase.state).toBe('cancelled');
    const after = await h.order(number);
    expect(after.state).toBe('cancelled');
    expect((await t.ctx.db.selectFrom('orders').select('cancel_reason').where('id', '=', after.id).executeTakeFirstOrThrow()).cancel_reason).toBe('items_unavailable');
    expect(await h.warehouseStock(bag)).toBe(3); // the missing unit is not put back on sale
    expect(await h.refunds(after.id)).toEqual([]); // the cancellation gives everything back itself

    await h.flush();
    expect(await h.payment(number)).toMatchObject({ state: 'refunded', refunded: total });
    const mail = (await h.emails(number)).find((m) => m.subject === `Commande ${number} annulée`)!;
    expect(mail.body).toContain('ne sont plus disponibles : elle est annulée');
    expect(mail.body).toContain(`La somme versée (${h.eur(total)}) vous est remboursée`);
    expect(await h.unavailableMails(number)).toEqual([]); // one email, the cancellation's
    expect(await h.evidence(number, 'order.cancelled')).toMatchObject([{ data: { reason: 'items_unavailable', rule: 'AV-1', payments: [{ action: 'refund', amount: total }] } }]);
    expect(await h.evidence(number, 'order.line_cancelled')).toMatchObject([{ data: { orderCancelled: true, refund: 0 } }]);
    expect(await codeOf(h.declare(number, 0, 1))).toBe('unavailability.order_not_open');
  });
});

describe('PF customer chooses wait or refund (AV-1b), authorised at order and captured at dispatch (PA-3)', () => {
  const t = useTestApp('pf');
  const h = helpers(t);

  it('AV-1b: without an answer in 3 days the missing unit is cancelled (never charged); the rest ships and the final capture charges only what shipped; the invoice bills it alone', async () => {
    const cream = await stockedVariant(t, 10, { skip: 0 });
    const scent = await stockedVariant(t, 10, { skip: 1 });
    const placed = await h.paidOrder([{ variantId: cream, quantity: 1 }, { variantId: scent, quantity: 2 }], 'standard');
    const number = placed.order.number;
    const o = await h.order(number);
    const a = o.lines.find((l) => l.variantId === cream)!;
    const b = o.lines.find((l) => l.variantId === scent)!;
    expect(await h.payment(number)).toMatchObject({ state: 'authorised', authorised: o.total, captured: 0 });

    const kase = await h.declare(number, b.position, 1); // Mon 23 Nov 2026, 10:00 Paris
    expect(kase).toMatchObject({ state: 'awaiting_answer', choices: ['wait', 'refund'], lastDay: '2026-11-26', dueAt: new Date('2026-11-26T23:00:00Z') });
    expect(await h.timerOf(kase.id)).toMatchObject({ state: 'pending', dueAt: new Date('2026-11-26T23:00:00Z') });
    const token = await h.tokenIn(number);
    const [question] = await h.unavailableMails(number);
    expect(question!.body).toContain(`http://shop.test/orders/${number}/unavailable/${token}`);
    expect(question!.body).toContain(`http://shop.test/account/orders/${number}/unavailable`);
    expect(question!.body).toContain('au plus tard le 26 novembre 2026');
    expect(question!.body).toContain("attendre que l'article soit de nouveau disponible");
    const stored = await t.ctx.db.selectFrom('unavailability_cases').select('token_sha256').where('id', '=', kase.id).executeTakeFirstOrThrow();
    expect(stored.token_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.token_sha256).not.toContain(token);

    await h.advance(3 * DAY); // Thu 26 Nov 10:00 Paris: still the last day
    expect((await listUnavailabilityCases(t.ctx.db, { shopId: h.shopId(), orderNumber: number }))[0]!.state).toBe('awaiting_answer');
    await h.advance(DAY); // past midnight: the default applies
    const [expired] = await listUnavailabilityCases(t.ctx.db, { shopId: h.shopId(), orderNumber: number });
    expect(expired).toMatchObject({ state: 'cancelled', choice: 'refund', answeredBy: 'default', refund: null });
    expect((await h.order(number)).lines.find((l) => l.position === b.position)!.cancelledQuantity).toBe(1);
    expect(await h.refunds(o.id)).toEqual([]); // nothing was captured: nothing to refund
    await h.flush();
    const mails = await h.unavailableMails(number);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.body).toContain('Sans réponse de votre part dans le délai indiqué');
    expect(mails[1]!.body).toContain('Cet article ne vous sera pas facturé');

    // The rest ships in one parcel: the first and last dispatch captures the shipped units and the delivery, and releases the rest.
    await shipOrder(t, number, [{ position: a.position, quantity: 1 }, { position: b.position, quantity: 1 }]);
    await h.flush();
    const charged = a.total + lineAmountFor(b, 0, 1) + o.shipping;
    expect(await h.payment(number)).toMatchObject({ captured: charged, authorised: o.total });
    expect(await h.session(number)).toMatchObject({ captured: charged });
    const invoice = (await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: number }))!;
    expect(invoice.content.total).toBe(charged);
    expect(invoice.content.lines.find((l) => l.sku === b.sku)).toMatchObject({ quantity: 1, total: lineAmountFor(b, 0, 1) });
    const vat = invoice.content.vat.breakdown.reduce((n, r) => n + r.base + r.vat, 0);
    expect(vat).toBe(charged);
    expect(await h.evidence(number, 'order.unavailability_answered')).toMatchObject([{ actor: 'system', data: { choice: 'refund', answeredBy: 'default', lastDay: '2026-11-26' } }]);
    expect((await verifyEvidenceChain(t.ctx.db, h.shopId())).ok).toBe(true);
  });

  it('AV-1b: the available items ship at once; the customer then asks for the refund of the missing units: nothing left to ship, so the rest of the authorisation is released and the invoice issued', async () => {
    const cream = await stockedVariant(t, 10, { skip: 2 });
    const scent = await stockedVariant(t, 10, { skip: 3 });
    const placed = await h.paidOrder([{ variantId: cream, quantity: 2 }, { variantId: scent, quantity: 1 }], 'standard');
    const number = placed.order.number;
    const o = await h.order(number);
    const a = o.lines.find((l) => l.variantId === cream)!;
    const b = o.lines.find((l) => l.variantId === scent)!;
    const kase = await h.declare(number, b.position, 1);
    const token = await h.tokenIn(number);

    // PF ships partially: the available line does not wait for the answer.
    await shipOrder(t, number, [{ position: a.position, quantity: 2 }]);
    await h.flush();
    expect(await h.payment(number)).toMatchObject({ state: 'partially_captured', captured: a.total + o.shipping });
    expect(await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: number })).toBeUndefined();

    expect(await codeOf(h.answer(number, token, 'substitute'))).toBe('unavailability.invalid_choice');
    expect(await codeOf(h.answer(number, 'x'.repeat(43), 'refund'))).toBe('unavailability.not_found');
    const answered = await h.answer(number, token, 'refund');
    expect(answered).toMatchObject({ state: 'cancelled', choice: 'refund', answeredBy: 'customer' });
    expect((await h.timerOf(kase.id))!.state).toBe('cancelled');
    expect(await codeOf(h.answer(number, token, 'wait'))).toBe('unavailability.already_answered');

    await h.flush();
    const p = await h.payment(number);
    expect(p.captured).toBe(a.total + o.shipping);
    expect(p.voidRequestedAt).not.toBeNull(); // PA-3: the rest of the authorisation released
    expect(await h.session(number)).toMatchObject({ captured: a.total + o.shipping });
    const invoice = (await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: number }))!;
    expect(invoice.content.total).toBe(a.total + o.shipping);
    expect(invoice.content.lines.map((l) => l.sku)).toEqual([a.sku]);
    expect((await h.order(number)).fulfilment).toBe('shipped');
    const mails = await h.unavailableMails(number);
    expect(mails.at(-1)!.body).toContain("Comme vous l'avez choisi");
    expect(mails.at(-1)!.body).toContain('Les autres articles de votre commande vous ont déjà été expédiés.');
    expect(await h.evidence(number, 'order.unavailability_answered')).toMatchObject([{ actor: 'customer', data: { caseId: kase.id, choice: 'refund', answeredBy: 'customer' } }]);
    expect(await h.evidence(number, 'invoice.issued')).toHaveLength(1);
  });

  it('AV-1b: the customer waits — nothing is cancelled, the deadline passes harmlessly, the units ship when they arrive', async () => {
    const scent = await stockedVariant(t, 10, { skip: 4 });
    const placed = await h.paidOrder([{ variantId: scent, quantity: 2 }], 'standard');
    const number = placed.order.number;
    const o = await h.order(number);
    const kase = await h.declare(number, 0, 2);
    const token = await h.tokenIn(number);
    const waiting = await h.answer(number, token, 'wait');
    expect(waiting).toMatchObject({ state: 'waiting', choice: 'wait', answeredBy: 'customer' });
    await h.advance(10 * DAY);
    expect((await h.timerOf(kase.id))!.state).toBe('cancelled');
    expect((await h.order(number)).lines[0]!.cancelledQuantity).toBe(0);
    expect((await unavailabilityOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: number })).lines[0]).toMatchObject({ remaining: 2, declarable: 2 });
    await h.flush();
    expect((await h.unavailableMails(number)).at(-1)!.body).toContain("C'est noté : vous attendez");
    await shipOrder(t, number, [{ position: 0, quantity: 2 }]);
    await h.flush();
    expect(await h.payment(number)).toMatchObject({ captured: o.total });
  });

  it('AV-1b: an order cancelled while the question is open — the deadline voids the case, nothing else happens', async () => {
    const scent = await stockedVariant(t, 10, { skip: 5 });
    const placed = await h.paidOrder([{ variantId: scent, quantity: 1 }], 'standard');
    const number = placed.order.number;
    const kase = await h.declare(number, 0, 1);
    const actor = await ownerActor(t);
    await t.ctx.db.transaction().execute(async (tx) => cancelOrder(tx, { shopId: h.shopId(), orderNumber: number, reason: 'flagged_as_risky', actor, now: await h.now() }));
    await h.advance(4 * DAY);
    expect(await h.timerOf(kase.id)).toMatchObject({ state: 'fired' });
    expect((await listUnavailabilityCases(t.ctx.db, { shopId: h.shopId(), orderNumber: number }))[0]).toMatchObject({ state: 'void', choice: null, answeredBy: null });
    expect((await h.order(number)).lines[0]!.cancelledQuantity).toBe(0);
    expect(await h.evidence(number, 'order.line_cancelled')).toEqual([]);
  });
});

describe('JW substitute or refund (AV-1c), card captured at order', () => {
  const t = useTestApp('jw');
  const h = helpers(t);

  /** Two variants of different prices: the dearer is ordered, the cheaper offered instead. */
  const pricedPair = async () => {
    const { rows } = await sql<{ id: string; sku: string; price: string }>`
      SELECT DISTINCT ON (v.id) v.id::text AS id, v.sku, ph.amount_minor::text AS price
        FROM variants v JOIN products p ON p.id = v.product_id JOIN price_history ph ON ph.variant_id = v.id AND ph.currency = 'EUR'
       WHERE v.shop_id = 'jw' AND p.eco_fee_minor = 0 ORDER BY v.id, ph.effective_at DESC`.execute(t.ctx.db);
    const sorted = rows.sort((x, y) => Number(y.price) - Number(x.price));
    const dear = sorted[0]!;
    const cheap = sorted.find((r) => Number(r.price) < Number(dear.price))!;
    return { dear, cheap, other: sorted.find((r) => r !== dear && r !== cheap)! };
  };

  it('AV-1c: the customer accepts a cheaper substitute — a new line at its price, its stock taken, the difference refunded through the PSP by the earlier of RF-1 and 30 days of the order', async () => {
    const { dear, cheap, other } = await pricedPair();
    const warehouse = await t.ctx.db.selectFrom('locations').select('code').where('shop_id', '=', 'jw').where('kind', '=', 'warehouse').executeTakeFirstOrThrow();
    for (const id of [dear.id, cheap.id, other.id]) await setStock(t.ctx.db, { shopId: 'jw', variantId: id, levels: [{ locationCode: warehouse.code, quantity: 5 }], actor: { kind: 'system' }, now: await h.now() });
    const placed = await h.paidOrder([{ variantId: dear.id, quantity: 1 }, { variantId: other.id, quantity: 1 }], 'ems');
    const number = placed.order.number;
    const o = await h.order(number);
    const line = o.lines.find((l) => l.variantId === dear.id)!;
    const kept = o.lines.find((l) => l.variantId === other.id)!;
    const difference = line.total - Number(cheap.price);
    expect(difference).toBeGreaterThan(0);

    expect(await codeOf(h.declare(number, line.position, 1, 'NO-SUCH-SKU'))).toBe('variant.not_found');
    expect(await codeOf(h.declare(number, line.position, 1, dear.sku))).toBe('unavailability.substitute_same_variant');
    const kase = await h.declare(number, line.position, 1, cheap.sku);
    expect(kase).toMatchObject({ state: 'awaiting_answer', choices: ['substitute', 'refund'], substitute: { sku: cheap.sku, unitPrice: Number(cheap.price) }, lastDay: '2026-11-26' });
    const token = await h.tokenIn(number);
    const [offer] = await h.unavailableMails(number);
    expect(offer!.body).toContain('recevoir à la place');
    expect(offer!.body).toContain(`la différence de ${h.eur(difference)} vous est remboursée`);
    expect(offer!.body).toContain('elle partira dès votre réponse'); // SH-6: JW ships everything together
    // SH-6: JW ships all together — the available line does not leave while the question is open.
    expect(await codeOf(shipOrder(t, number, [{ position: kept.position, quantity: 1 }]))).toBe('shipment.all_together');

    const done = await h.answer(number, token, 'substitute');
    expect(done).toMatchObject({ state: 'substituted', choice: 'substitute', substitutePosition: 2, refund: { amount: difference, dueOn: '2026-12-07' } });
    const after = await h.order(number);
    expect(after.lines.find((l) => l.position === line.position)).toMatchObject({ variantId: dear.id, quantity: 1, cancelledQuantity: 1 });
    expect(after.lines.find((l) => l.position === 2)).toMatchObject({ variantId: cheap.id, sku: cheap.sku, quantity: 1, cancelledQuantity: 0, unitPrice: Number(cheap.price), discount: 0, total: Number(cheap.price), vatRateBasisPoints: line.vatRateBasisPoints });
    expect(after.total).toBe(o.total + Number(cheap.price)); // Σ lines (cancelled units included) + delivery
    expect(await h.warehouseStock(cheap.id)).toBe(4);
    expect(await h.warehouseStock(dear.id)).toBe(4); // the missing one is not put back
    await h.flush();
    expect(await h.payment(number)).toMatchObject({ captured: o.total, refunded: difference });
    expect(await h.session(number)).toMatchObject({ refunded: difference });
    expect((await h.unavailableMails(number)).at(-1)!.body).toContain('vous recevrez');
    expect(await h.evidence(number, 'order.line_substituted')).toMatchObject([{ actor: 'customer', data: { cancelledAmount: line.total, refund: difference, substitute: { position: 2, sku: cheap.sku, total: Number(cheap.price) } } }]);
    // DOC-1 (finding C3): the difference is credited on the invoice issued at payment, as an amount (JW: no VAT).
    const [note] = await t.ctx.db.selectFrom('invoices').select(['total_minor', 'content']).where('order_id', '=', o.id).where('kind', '=', 'credit_note').execute();
    expect(Number(note!.total_minor)).toBe(difference);
    expect((note!.content as { lines: unknown[] }).lines).toEqual([{ kind: 'other', position: null, sku: null, quantity: 1, amount: difference, vatRateBasisPoints: null, description: { fr: 'Différence de prix de l’article de remplacement', en: 'Price difference of the substitute item' } }]);

    // The substitute ships with the rest, in one parcel.
    const parcel = await shipOrder(t, number, [{ position: kept.position, quantity: 1 }, { position: 2, quantity: 1 }]);
    expect(parcel.lines.map((l) => l.sku).sort()).toEqual([cheap.sku, other.sku].sort());
    expect((await h.order(number)).fulfilment).toBe('shipped');
  });

  it('AV-1c: no substitute to offer — the units are cancelled at once with a full refund (here the whole order)', async () => {
    const { cheap } = await pricedPair();
    const placed = await h.paidOrder([{ variantId: cheap.id, quantity: 1 }], 'ems');
    const number = placed.order.number;
    const kase = await h.declare(number, 0, 1);
    expect(kase.state).toBe('cancelled');
    expect((await h.order(number)).state).toBe('cancelled');
    await h.flush();
    expect(await h.payment(number)).toMatchObject({ refunded: placed.order.total });
  });
});

describe('EL back-order (AV-1 / CAT-2)', () => {
  const t = useTestApp('el');
  const h = helpers(t);

  it('AV-1 / AV-2: the units are back-ordered, the customer told; nothing cancelled nor refunded; they ship on arrival', async () => {
    const drill = await stockedVariant(t, 10, { skip: 0 });
    const placed = await h.paidOrder([{ variantId: drill, quantity: 2 }], 'standard');
    const number = placed.order.number;
    const o = await h.order(number);
    const kase = await h.declare(number, 0, 1);
    expect(kase).toMatchObject({ state: 'back_ordered', mode: 'back_order', choices: [] });
    const after = await h.order(number);
    expect(after.lines[0]).toMatchObject({ quantity: 2, cancelledQuantity: 0, backorderedQuantity: 1 });
    expect(await h.stockTaken(o.id, 0)).toBe(1);
    expect(await h.warehouseStock(drill)).toBe(8);
    expect(await h.refunds(o.id)).toEqual([]);
    await h.flush();
    const [mail] = await h.unavailableMails(number);
    expect(mail!.body).toContain("n'est pas en stock pour le moment");
    expect(mail!.body).toContain("rien n'est annulé");
    expect(await h.evidence(number, 'order.line_backordered')).toMatchObject([{ data: { caseId: kase.id, quantity: 1, backordered: 1, rule: 'AV-1' } }]);
    // Declared once: the back-ordered unit is not declared again.
    expect(await codeOf(h.declare(number, 0, 2))).toBe('unavailability.quantity_exceeds_remaining');
    expect(await h.payment(number)).toMatchObject({ captured: o.total, refunded: 0 });
    await shipOrder(t, number, [{ position: 0, quantity: 2 }]);
    expect((await h.order(number)).fulfilment).toBe('shipped');
  });

  it('AV-1: only an order being prepared — an unpaid order is refused', async () => {
    const drill = await stockedVariant(t, 10, { skip: 1 });
    const shop = { id: 'el', policy: t.ctx.shop.policy };
    const at = await h.now();
    const cart = await addCartLine(t.ctx.db, { shop, token: null, variantId: drill, quantity: 1, now: at });
    await chooseDestination(t.ctx.db, { shop, token: cart.token, country: 'FR', shippingMethodId: 'standard', now: at });
    const terms = versionInForce(await listTermsVersions(t.ctx.db, 'el'), at)!;
    const customer = await registeredCustomer(t);
    const placed = await placeOrder(t.ctx.db, {
      shop: { ...shop, policyHash: t.ctx.shop.policyHash },
      provider: t.ctx.payments?.provider,
      cartToken: cart.token,
      customerId: customer.id,
      deliveryAddress: { name: 'Camille Martin', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR' },
      shippingMethodId: 'standard',
      paymentMethod: 'card',
      acceptedTerms: { versionId: terms.id, hash: terms.hash.fr, language: 'fr' },
      idempotencyKey: testKey(),
      returnUrl: '/checkout/done',
      now: at,
    });
    expect(await codeOf(h.declare(placed.order.number, 0, 1))).toBe('unavailability.order_not_open');
    expect(await codeOf(h.declare(placed.order.number, 9, 1))).toBe('unavailability.order_not_open');
  });
});
