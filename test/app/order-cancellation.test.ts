// Issue 4 §4: the merchant cancels an order (OR-7 per CU-4, PA-5, PA-6) — one
// transaction: stock back, money settled through the outbox (session closed,
// authorisation voided, capture refunded, transfer refund due), the customer
// told (neutral for CU-4), audit and `order.cancelled` evidence; refund
// transfers recorded by staff; the PA-5 timer through the same function.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock.js';
import { orderDocuments } from '../../src/app/credit-notes.js';
import { cancelOrder, type CancelOrderInput } from '../../src/app/order-cancellation.js';
import { getOrderForStaff } from '../../src/app/orders-admin.js';
import { listPaymentEvents, listPaymentsFor, recordBankTransferReceived, recordBankTransferRefund, type BankTransferRefundInput } from '../../src/app/payments.js';
import { DomainError } from '../../src/domain/errors.js';
import { formatMoney, money, parseAmount } from '../../src/domain/money.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import { listTermsVersions } from '../../src/app/terms.js';
import { versionInForce } from '../../src/domain/terms-versions.js';
import { verifyEvidenceChain } from '../../src/store/evidence.js';
import { listTimers } from '../../src/store/timers.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { payOnHostedPage, placeCardOrder, stockedVariant } from '../support/orders.js';

const DAY = 24 * 3600 * 1000;

function helpers(t: TestApp) {
  const shopId = () => t.ctx.shop.id;
  const now = () => t.ctx.clock.now();
  const ownerActor = async () => {
    const row = await t.ctx.db.selectFrom('staff').select('id').where('email', '=', t.owner.email).executeTakeFirstOrThrow();
    return { kind: 'staff' as const, staffId: String(row.id) };
  };
  const cancel = async (number: string, reason: string, over: Partial<CancelOrderInput> = {}) => {
    const actor = await ownerActor();
    return t.ctx.db.transaction().execute(async (tx) => cancelOrder(tx, { shopId: shopId(), orderNumber: number, reason, actor, now: await now(), ...over }));
  };
  const dispatch = async () => {
    const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await now());
    expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
  };
  const warehouseStock = async (variantId: string) =>
    Number((await sql<{ q: string }>`SELECT coalesce(sum(s.quantity), 0) AS q FROM stock s JOIN locations l ON l.id = s.location_id AND l.kind = 'warehouse' WHERE s.variant_id = ${variantId}::bigint`.execute(t.ctx.db)).rows[0]!.q);
  const orderRow = (number: string) => t.ctx.db.selectFrom('orders').select(['state', 'cancel_reason', 'cancel_note']).where('number', '=', number).executeTakeFirstOrThrow();
  const payments = (number: string) => listPaymentsFor(t.ctx.db, shopId(), { kind: 'order', id: number });
  const emails = async (number: string) =>
    (await sql<{ subject: string; body: string }>`SELECT subject, text AS body FROM emails WHERE shop_id = ${shopId()} AND subject LIKE ${'%' + number + ' annulée%'} ORDER BY id`.execute(t.ctx.db)).rows;
  const evidence = async (number: string, kind: string) =>
    (await sql<{ actor: string; data: Record<string, unknown> }>`SELECT actor, data FROM evidence_events WHERE shop_id = ${shopId()} AND subject_type = 'order' AND subject_id = ${number} AND kind = ${kind} ORDER BY seq`.execute(t.ctx.db)).rows;
  const audit = (number: string) => t.ctx.db.selectFrom('audit_log').select(['action', 'staff_id', 'details']).where('shop_id', '=', shopId()).where('target', '=', `order:${number}`).orderBy('id').execute();
  const eur = (minor: number) => formatMoney(money(minor, 'EUR'), 'fr');
  return { shopId, now, ownerActor, cancel, dispatch, warehouseStock, orderRow, payments, emails, evidence, audit, eur };
}

describe('FA (capture at order): card orders', () => {
  const t = useTestApp('fa');
  const h = helpers(t);

  it('a paid order cancelled for a CU-4 block: stock back, the capture refunded to the cent, a neutral email, audit and evidence; a second cancel is 409 and changes nothing', async () => {
    const variantId = await stockedVariant(t, 5, { skip: 0 });
    const placed = await placeCardOrder(t, { variantId, quantity: 2, method: 'home' });
    await payOnHostedPage(t, placed.redirectUrl!);
    const number = placed.order.number;
    const total = placed.order.total;
    expect((await h.orderRow(number)).state).toBe('paid');
    expect(await h.warehouseStock(variantId)).toBe(3);

    const done = await h.cancel(number, 'flagged_as_risky', { note: 'same card as chargeback on FA-2026-000001' });
    expect(done).toMatchObject({ number, reason: 'flagged_as_risky', rule: 'CU-4', payments: [{ action: 'refund', amount: total, method: 'card' }] });
    expect(await h.orderRow(number)).toEqual({ state: 'cancelled', cancel_reason: 'flagged_as_risky', cancel_note: 'same card as chargeback on FA-2026-000001' });
    expect(await h.warehouseStock(variantId)).toBe(5);

    await h.dispatch(); // refund call → sandbox → webhook → engine
    expect(await h.payments(number)).toMatchObject([{ state: 'refunded', captured: total, refunded: total, refundRequested: total }]);

    const [mail, ...more] = await h.emails(number);
    expect(more).toEqual([]);
    expect(mail!.body).toContain('nous ne sommes pas en mesure');
    expect(mail!.body).toContain(`La somme versée (${h.eur(total)}) vous est remboursée`);
    expect(mail!.body).not.toMatch(/chargeback|risque|CU-4/); // CU-4: the merchant's reason stays with the merchant

    const actor = await h.ownerActor();
    const [event] = await h.evidence(number, 'order.cancelled');
    expect(event).toMatchObject({ actor: `staff:${actor.staffId}`, data: { number, reason: 'flagged_as_risky', rule: 'CU-4', payments: [{ action: 'refund', amount: total }] } });
    expect(JSON.stringify(event!.data)).not.toContain('chargeback');
    expect(await h.audit(number)).toMatchObject([{ action: 'order.cancelled', staff_id: actor.staffId, details: { reason: 'flagged_as_risky', note: 'same card as chargeback on FA-2026-000001' } }]);

    // Repeat-safe: refused, and nothing is written twice.
    expect(await codeOf(h.cancel(number, 'flagged_as_risky'))).toBe('order.illegal_transition');
    await h.dispatch();
    expect(await h.warehouseStock(variantId)).toBe(5);
    expect(await h.emails(number)).toHaveLength(1);
    expect(await h.evidence(number, 'order.cancelled')).toHaveLength(1);
    expect(await h.payments(number)).toMatchObject([{ refunded: total }]);
    // DOC-1: the invoice issued at payment is credited in full by one credit note, referring to it.
    const documents = await orderDocuments(t.ctx.db, { shopId: 'fa', orderNumber: number });
    expect(documents.map((d) => [d.kind, d.total])).toEqual([
      ['invoice', total],
      ['credit_note', total],
    ]);
    expect(documents[1]!.refersTo).toBe(documents[0]!.number);
    expect(event!.data).toMatchObject({ creditNote: documents[1]!.number });
    expect(await verifyEvidenceChain(t.ctx.db, h.shopId())).toMatchObject({ ok: true });
  });

  it('an unpaid order: its provider session is closed, and the hosted page then refuses to authorise it', async () => {
    const variantId = await stockedVariant(t, 3, { skip: 1 });
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'home' });
    const number = placed.order.number;

    const done = await h.cancel(number, 'payment_not_received');
    expect(done.payments).toMatchObject([{ action: 'session_cancelled', amount: 0, state: 'pending' }]);
    await h.dispatch(); // cancel_session → sandbox → payment.failed webhook
    const [payment] = await h.payments(number);
    expect(payment).toMatchObject({ state: 'failed', failureCode: 'session_cancelled', authorised: 0, captured: 0 });
    const sessionId = payment!.providerSessionId!;
    expect(await t.ctx.payments!.sandbox.getSession(sessionId)).toMatchObject({ state: 'cancelled', authorised: 0 });

    // The customer still has the link.
    const path = new URL(placed.redirectUrl!).pathname;
    const page = await t.app.inject({ method: 'GET', url: path, headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('The merchant cancelled this order');
    const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
    const tried = await t.app.inject({ method: 'POST', url: path, payload: new URLSearchParams({ number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' }).toString(), headers: form });
    expect(tried.statusCode).toBe(409);
    expect(tried.body).toContain('data-state="cancelled"');
    await h.dispatch();
    expect(await t.ctx.payments!.sandbox.getSession(sessionId)).toMatchObject({ state: 'cancelled', authorised: 0, captured: 0 });
    expect(await h.payments(number)).toMatchObject([{ state: 'failed', authorised: 0 }]);
    expect((await h.orderRow(number)).state).toBe('cancelled');
    expect((await h.emails(number))[0]!.body).toContain("Nous n'avons pas reçu le paiement de votre commande");
    expect((await h.emails(number))[0]!.body).toContain("Le lien de paiement n'est plus valable");
  });

  it('paid on the hosted page before the session was closed: the provider refuses the close, and the capture is refunded when its webhook comes', async () => {
    const variantId = await stockedVariant(t, 3, { skip: 2 });
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'home' });
    const number = placed.order.number;
    await h.cancel(number, 'payment_not_received');
    // The customer pays (3-D Secure) before the outbox runs.
    const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
    const submitted = await t.app.inject({ method: 'POST', url: new URL(placed.redirectUrl!).pathname, payload: new URLSearchParams({ number: '4000 0000 0000 3220', expiry: '12/30', cvc: '123' }).toString(), headers: form });
    const approved = await t.app.inject({ method: 'POST', url: submitted.headers.location as string, payload: new URLSearchParams({ decision: 'approve' }).toString(), headers: form });
    expect(approved.statusCode).toBe(303);

    await h.dispatch(); // close refused (captured) → webhooks authorised, captured → refund asked → refunded
    const [payment] = await h.payments(number);
    expect(payment).toMatchObject({ state: 'refunded', captured: placed.order.total, refunded: placed.order.total });
    expect((await listPaymentEvents(t.ctx.db, payment!.id)).map((e) => e.type)).toContain('cancel_session.refused');
    expect((await h.orderRow(number)).state).toBe('cancelled');
    expect(await h.evidence(number, 'order.payment_returned')).toMatchObject([{ data: { action: 'refund', amount: placed.order.total, rule: 'OR-7' } }]);
  });

  it('concurrent cancels of one order: one wins, the other gets order.illegal_transition; stock released once', async () => {
    const variantId = await stockedVariant(t, 4, { skip: 3 });
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'home' });
    const results = await Promise.allSettled([h.cancel(placed.order.number, 'payment_dispute'), h.cancel(placed.order.number, 'payment_dispute')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect((refused!.reason as DomainError).code).toBe('order.illegal_transition');
    expect(await h.warehouseStock(variantId)).toBe(4);
    await h.dispatch();
    expect(await h.emails(placed.order.number)).toHaveLength(1);
  });

  it('refuses an unknown reason, a PA-5 reason for a paid order, and an unknown order', async () => {
    const variantId = await stockedVariant(t, 2, { skip: 4 });
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'home' });
    await payOnHostedPage(t, placed.redirectUrl!);
    expect(await codeOf(h.cancel(placed.order.number, ''))).toBe('order.cancel_reason_invalid');
    expect(await codeOf(h.cancel(placed.order.number, 'bank_transfer_not_received'))).toBe('order.cancel_reason_invalid'); // the timer's own
    expect(await codeOf(h.cancel(placed.order.number, 'payment_not_received'))).toBe('order.cancel_reason_not_applicable');
    expect(await codeOf(h.cancel('FA-2026-999999', 'payment_dispute'))).toBe('order.not_found');
    expect((await h.orderRow(placed.order.number)).state).toBe('paid');
    expect(await h.warehouseStock(variantId)).toBe(1);
  });
});

describe('PF (capture at dispatch): an authorisation is voided', () => {
  const t = useTestApp('pf');
  const h = helpers(t);

  it('voids the authorisation, nothing charged, in English for an English order', async () => {
    const variantId = await stockedVariant(t, 2);
    const terms = versionInForce(await listTermsVersions(t.ctx.db, h.shopId()), await h.now())!;
    const placed = await placeCardOrder(t, {
      variantId,
      quantity: 1,
      method: 'standard',
      over: { customerId: null, email: 'guest-en@example.com', acceptedTerms: { versionId: terms.id, hash: terms.hash.en, language: 'en' } },
    });
    expect(placed.order.language).toBe('en');
    await payOnHostedPage(t, placed.redirectUrl!);
    expect(await h.payments(placed.order.number)).toMatchObject([{ state: 'authorised', authorised: placed.order.total }]);

    const done = await h.cancel(placed.order.number, 'unpaid_earlier_order');
    expect(done.payments).toMatchObject([{ action: 'void', amount: placed.order.total }]);
    await h.dispatch();
    expect(await h.payments(placed.order.number)).toMatchObject([{ state: 'voided', captured: 0 }]);
    const mail = (await sql<{ subject: string; body: string }>`SELECT subject, text AS body FROM emails WHERE subject = ${`Order ${placed.order.number} cancelled`}`.execute(t.ctx.db)).rows;
    expect(mail).toHaveLength(1);
    expect(mail[0]!.body).toContain('we are unable to proceed');
    expect(mail[0]!.body).toContain(`The payment authorisation (${formatMoney(money(placed.order.total, 'EUR'), 'en')}) is released`);
  });
});

describe('EL: bank transfer orders (PA-5)', () => {
  const t = useTestApp('el');
  const h = helpers(t);
  const transferOrder = async (variantId: string) => placeCardOrder(t, { variantId, quantity: 1, method: 'standard', over: { paymentMethod: 'bank_transfer', declarations: {} } });

  it('an awaited transfer: the payment fails, the PA-5 timer goes, a transfer arriving later is refused', async () => {
    const variantId = await stockedVariant(t, 3, { skip: 0 });
    const placed = await transferOrder(variantId);
    const number = placed.order.number;
    const done = await h.cancel(number, 'payment_not_received', { note: 'customer says he will not pay' });
    expect(done.payments).toMatchObject([{ action: 'transfer_closed', method: 'bank_transfer' }]);
    expect(await h.payments(number)).toMatchObject([{ state: 'failed', failureCode: 'order_cancelled' }]);
    const [payment] = await h.payments(number);
    const timers = await listTimers(t.ctx.db, h.shopId(), { kind: 'payment.bank_transfer_deadline' });
    expect(timers.find((x) => x.key.endsWith(payment!.id))?.state).toBe('cancelled');
    expect(await h.warehouseStock(variantId)).toBe(3);

    await advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, 8 * DAY);
    await h.dispatch();
    expect(await h.emails(number)).toHaveLength(1);
    expect(await h.evidence(number, 'order.cancelled')).toHaveLength(1);
    expect(
      await codeOf(t.ctx.db.transaction().execute(async (tx) => recordBankTransferReceived(tx, { shopId: h.shopId(), reference: placed.bankTransfer!.reference, amount: placed.bankTransfer!.amount, actor: await h.ownerActor(), now: await h.now() }))),
    ).toBe('payment.bank_transfer_not_pending');
  });

  it('the PA-5 deadline cancels through the same function: reason, rule, evidence, the email', async () => {
    const variantId = await stockedVariant(t, 3, { skip: 1 });
    const placed = await transferOrder(variantId);
    await advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, 8 * DAY);
    expect(await h.orderRow(placed.order.number)).toMatchObject({ state: 'cancelled', cancel_reason: 'bank_transfer_not_received' });
    expect(await h.payments(placed.order.number)).toMatchObject([{ state: 'failed', failureCode: 'bank_transfer_not_received' }]);
    expect(await h.evidence(placed.order.number, 'order.cancelled')).toMatchObject([{ actor: 'system', data: { reason: 'bank_transfer_not_received', rule: 'PA-5', payments: [{ action: 'transfer_closed' }] } }]);
    expect(await h.audit(placed.order.number)).toEqual([]); // nobody in the back office did it
    await h.dispatch();
    expect((await h.emails(placed.order.number))[0]!.body).toContain("Nous n'avons pas reçu votre virement");
  });

  it('money received: due back to the customer; staff record the refund transfers, never above what was received', async () => {
    const variantId = await stockedVariant(t, 3, { skip: 2 });
    const placed = await transferOrder(variantId);
    const number = placed.order.number;
    const total = placed.order.total;
    const owner = await h.ownerActor();
    await t.ctx.db.transaction().execute(async (tx) => recordBankTransferReceived(tx, { shopId: h.shopId(), reference: placed.bankTransfer!.reference, amount: placed.bankTransfer!.amount, actor: owner, now: await h.now() }));
    expect((await h.orderRow(number)).state).toBe('paid');
    const today = (await h.now()).toISOString().slice(0, 10); // 09:00 UTC: the same day in Paris
    const tomorrow = new Date((await h.now()).getTime() + DAY).toISOString().slice(0, 10);

    const done = await h.cancel(number, 'flagged_as_risky');
    expect(done.payments).toMatchObject([{ action: 'refund_due', amount: total }]);
    expect(await h.payments(number)).toMatchObject([{ state: 'captured', captured: total, refundRequested: total, refunded: 0 }]);
    await h.dispatch();
    expect((await h.emails(number))[0]!.body).toContain(`La somme reçue (${h.eur(total)}) vous sera remboursée par virement`);

    const refund = async (over: Partial<BankTransferRefundInput>) =>
      t.ctx.db.transaction().execute(async (tx) =>
        recordBankTransferRefund(tx, {
          shopId: h.shopId(),
          reference: { kind: 'order', id: number },
          amount: parseAmount('50.00', 'EUR'),
          transferredOn: today,
          bankReference: 'VIR-REMB-0001',
          timeZone: t.ctx.shop.policy.shop.timeZone,
          actor: owner,
          now: await h.now(),
          ...over,
        }),
      );
    expect(await codeOf(refund({ amount: money(total + 1, 'EUR') }))).toBe('payment.refund_exceeds_received');
    expect(await codeOf(refund({ transferredOn: tomorrow }))).toBe('payment.refund_date_invalid');
    expect(await codeOf(refund({ transferredOn: '2026-02-30' }))).toBe('payment.refund_date_invalid');
    expect(await codeOf(refund({ bankReference: '  ' }))).toBe('payment.bank_reference_required');

    expect(await refund({})).toMatchObject({ state: 'partially_refunded', refunded: 5000 });
    expect(await codeOf(refund({ amount: money(total - 5000 + 1, 'EUR') }))).toBe('payment.refund_exceeds_received');
    expect(await refund({ amount: money(total - 5000, 'EUR'), bankReference: 'VIR-REMB-0002' })).toMatchObject({ state: 'refunded', refunded: total });
    expect(await codeOf(refund({ amount: money(1, 'EUR') }))).toBe('payment.no_refund_due');

    const detail = await getOrderForStaff(t.ctx.db, h.shopId(), number);
    expect(detail.refunds).toMatchObject([
      { amount: 5000, transferredOn: today, bankReference: 'VIR-REMB-0001', by: `staff:${owner.staffId}` },
      { amount: total - 5000, bankReference: 'VIR-REMB-0002' },
    ]);
    expect(await h.evidence(number, 'payment.refunded')).toMatchObject([
      { actor: `staff:${owner.staffId}`, data: { amount: 5000, refundedTotal: 5000, transferredOn: today, bankReference: 'VIR-REMB-0001' } },
      { data: { amount: total - 5000, refundedTotal: total } },
    ]);
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'staff_id']).where('action', '=', 'payment.bank_transfer_refunded').where('target', '=', `order:${number}`).execute();
    expect(audit).toEqual([
      { action: 'payment.bank_transfer_refunded', staff_id: owner.staffId },
      { action: 'payment.bank_transfer_refunded', staff_id: owner.staffId },
    ]);
    expect(await verifyEvidenceChain(t.ctx.db, h.shopId())).toMatchObject({ ok: true });
  });

  it('no refund is recorded for a transfer order that is not cancelled', async () => {
    const variantId = await stockedVariant(t, 3, { skip: 3 });
    const placed = await transferOrder(variantId);
    const owner = await h.ownerActor();
    await t.ctx.db.transaction().execute(async (tx) => recordBankTransferReceived(tx, { shopId: h.shopId(), reference: placed.bankTransfer!.reference, amount: placed.bankTransfer!.amount, actor: owner, now: await h.now() }));
    const code = await codeOf(
      t.ctx.db.transaction().execute(async (tx) =>
        recordBankTransferRefund(tx, { shopId: h.shopId(), reference: { kind: 'order', id: placed.order.number }, amount: money(100, 'EUR'), transferredOn: '2026-11-23', bankReference: 'X', timeZone: 'Europe/Paris', actor: owner, now: await h.now() }),
      ),
    );
    expect(code).toBe('payment.no_refund_due');
  });
});

describe('JW: the payment window of a card order (OR-3)', () => {
  const t = useTestApp('jw');
  const h = helpers(t);
  const advance = async (ms: number) => {
    const report = await advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, ms);
    expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
  };

  it('an order left unpaid, or whose card was declined, is cancelled after an hour: stock back on sale, session closed; a paid one is untouched', async () => {
    const variantId = await stockedVariant(t, 5);
    const unpaid = await placeCardOrder(t, { variantId, quantity: 1, method: 'ems' });
    const declined = await placeCardOrder(t, { variantId, quantity: 1, method: 'ems' });
    const paid = await placeCardOrder(t, { variantId, quantity: 1, method: 'ems' });
    const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
    const card = (number: string) => new URLSearchParams({ number, expiry: '12/30', cvc: '123' }).toString();
    expect((await t.app.inject({ method: 'POST', url: new URL(declined.redirectUrl!).pathname, payload: card('4000 0000 0000 0002'), headers: form })).statusCode).toBe(303);
    await payOnHostedPage(t, paid.redirectUrl!);
    await h.dispatch();
    expect((await h.orderRow(declined.order.number)).state).toBe('payment_failed');
    expect(await h.warehouseStock(variantId)).toBe(2);

    await advance(59 * 60_000);
    expect((await h.orderRow(unpaid.order.number)).state).toBe('awaiting_payment');

    await advance(60_000);
    for (const o of [unpaid, declined]) {
      expect(await h.orderRow(o.order.number)).toMatchObject({ state: 'cancelled', cancel_reason: 'payment_not_completed' });
      expect((await h.evidence(o.order.number, 'order.cancelled'))[0]!.data).toMatchObject({ reason: 'payment_not_completed', rule: 'OR-3' });
    }
    expect((await h.orderRow(paid.order.number)).state).toBe('paid');
    expect(await h.warehouseStock(variantId)).toBe(4);

    await h.dispatch(); // the unpaid session closed at the provider
    const [payment] = await h.payments(unpaid.order.number);
    expect(payment).toMatchObject({ state: 'failed', failureCode: 'session_cancelled', authorised: 0 });
    expect((await h.emails(unpaid.order.number))[0]!.body).toContain("n'a pas abouti dans le délai prévu");
    expect(await verifyEvidenceChain(t.ctx.db, 'jw')).toMatchObject({ ok: true });
  });
});
