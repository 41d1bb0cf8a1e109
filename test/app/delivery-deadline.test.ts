// Issue 5 §6: the delivery deadline (SH-4; L216-6 notice, L216-7 refund within
// 14 days of the termination, L241-4 surcharge when late), driven by the
// manual clock on PF (card authorised at order, captured at dispatch: the
// shop states SH-4 in its terms) and EL (bank transfer: the refund is a
// transfer staff record, late here).
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/adapters/clock.js';
import { addPrice } from '../../src/app/catalogue-admin.js';
import {
  deliveryDeadlineWatch,
  getDeliveryDeadline,
  sendDeliveryNotice,
  terminateLateDelivery,
  type SendNoticeInput,
} from '../../src/app/delivery-deadline.js';
import { listPaymentsFor, recordBankTransferReceived, recordBankTransferRefund } from '../../src/app/payments.js';
import { formatMoney, money } from '../../src/domain/money.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import { listEvidence, verifyEvidenceChain } from '../../src/store/evidence.js';
import { listTimers } from '../../src/store/timers.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { ownerActor, shipOrder, track } from '../support/fulfilment.js';
import { payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant } from '../support/orders.js';

function helpers(t: TestApp) {
  const shopId = () => t.ctx.shop.id;
  const now = () => t.ctx.clock.now();
  const advanceTo = async (iso: string) => {
    const report = await advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, new Date(iso));
    expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
  };
  const dispatch = async () => {
    const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await now());
    expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
  };
  const notice = async (customerId: string, number: string, over: Partial<SendNoticeInput> = {}) =>
    t.ctx.db.transaction().execute(async (tx) => sendDeliveryNotice(tx, { shopId: shopId(), customerId, number, now: await now(), ...over }));
  const terminate = async (customerId: string, number: string) => t.ctx.db.transaction().execute(async (tx) => terminateLateDelivery(tx, { shopId: shopId(), customerId, number, now: await now() }));
  const status = async (customerId: string, number: string) => getDeliveryDeadline(t.ctx.db, { shopId: shopId(), customerId, number, now: await now() });
  const watch = async () => deliveryDeadlineWatch(t.ctx.db, { shopId: shopId(), timeZone: 'Europe/Paris', now: await now() });
  const emails = async (number: string) =>
    (await sql<{ subject: string; body: string }>`SELECT subject, text AS body FROM emails WHERE shop_id = ${shopId()} AND related_kind = 'order' AND related_id = ${number} ORDER BY id`.execute(t.ctx.db)).rows;
  const evidence = async (number: string, kind: string) => (await listEvidence(t.ctx.db, shopId(), { subject: { type: 'order', id: number }, kinds: [kind] })).reverse();
  const orderRow = (number: string) => t.ctx.db.selectFrom('orders').select(['state', 'cancel_reason', 'delivery_due_on', 'fulfilment']).where('number', '=', number).executeTakeFirstOrThrow();
  const refundRows = (number: string) =>
    t.ctx.db
      .selectFrom('order_refunds as r')
      .innerJoin('orders as o', 'o.id', 'r.order_id')
      .select(['r.key', 'r.reason', 'r.rule', 'r.amount_minor', 'r.due_on', 'r.settlement'])
      .where('o.number', '=', number)
      .orderBy('r.id')
      .execute();
  const warehouseStock = async (variantId: string) =>
    Number((await sql<{ q: string }>`SELECT coalesce(sum(s.quantity), 0) AS q FROM stock s JOIN locations l ON l.id = s.location_id AND l.kind = 'warehouse' WHERE s.variant_id = ${variantId}::bigint`.execute(t.ctx.db)).rows[0]!.q);
  const payments = (number: string) => listPaymentsFor(t.ctx.db, shopId(), { kind: 'order', id: number });
  return { shopId, now, advanceTo, dispatch, notice, terminate, status, watch, emails, evidence, orderRow, refundRows, warehouseStock, payments };
}

describe('PF (SH-4 in its terms; card authorised at order, captured at dispatch)', () => {
  const t = useTestApp('pf');
  const h = helpers(t);
  const eur = (minor: number, lang: 'fr' | 'en' = 'fr') => formatMoney(money(minor, 'EUR'), lang);
  let variantId: string;
  let notShipped: { number: string; customerId: string; total: number };
  let onTheWay: { number: string; customerId: string; total: number; tracking: string };
  let deliveredLate: { number: string; customerId: string; tracking: string };

  it('SH-4: the due date is the order day + 30 days, and the back office lists orders due within 3 days', async () => {
    variantId = await stockedVariant(t, 10);
    const place = async () => {
      const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'standard' });
      await payOnHostedPage(t, placed.redirectUrl!);
      return placed;
    };
    const a = await place();
    const b = await place();
    const c = await place();
    notShipped = { number: a.order.number, customerId: a.customerId, total: a.order.total };
    const bParcel = await shipOrder(t, b.order.number);
    await track(t, bParcel.trackingNumber!, { kind: 'in_transit' });
    onTheWay = { number: b.order.number, customerId: b.customerId, total: b.order.total, tracking: bParcel.trackingNumber! };
    const cParcel = await shipOrder(t, c.order.number);
    deliveredLate = { number: c.order.number, customerId: c.customerId, tracking: cParcel.trackingNumber! };
    await h.dispatch(); // captures at dispatch confirmed by the provider

    expect(a.order.deliveryDueOn).toBe('2026-12-23'); // ordered 23 Nov 2026 (Paris)
    expect(await h.orderRow(a.order.number)).toMatchObject({ state: 'paid', delivery_due_on: '2026-12-23', fulfilment: 'unfulfilled' });
    expect(await h.payments(onTheWay.number)).toMatchObject([{ state: 'captured', captured: onTheWay.total }]);
    expect(await h.warehouseStock(variantId)).toBe(7);

    await h.advanceTo('2026-12-19T12:00:00Z'); // due in 4 days: not yet at risk
    expect((await h.watch()).atRisk).toEqual([]);
    await h.advanceTo('2026-12-20T12:00:00Z'); // due in 3 days
    const watch = await h.watch();
    expect(watch.today).toBe('2026-12-20');
    expect(watch.atRisk.map((r) => [r.number, r.risk, r.daysLate, r.fulfilment])).toEqual([
      [a.order.number, 'due_soon', -3, 'unfulfilled'],
      [b.order.number, 'due_soon', -3, 'shipped'],
      [c.order.number, 'due_soon', -3, 'shipped'],
    ]);
  });

  it('SH-4: no notice on the due date itself (409 delivery.not_late naming the rule); from the next day in Paris, yes', async () => {
    await h.advanceTo('2026-12-23T22:59:00Z'); // 23:59 on 23 December in Paris
    const refused = await t.ctx.db
      .transaction()
      .execute(async (tx) => sendDeliveryNotice(tx, { shopId: h.shopId(), customerId: notShipped.customerId, number: notShipped.number, now: await h.now() }))
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'delivery.not_late', details: { rule: 'SH-4', field: 'number', dueOn: '2026-12-23', noticeFrom: '2026-12-24' } });
    expect(await t.ctx.db.selectFrom('delivery_notices').select('id').execute()).toEqual([]);
    expect(await h.status(notShipped.customerId, notShipped.number)).toMatchObject({ late: false, canSendNotice: false, noticeFrom: '2026-12-24', notice: null });

    await h.advanceTo('2026-12-23T23:00:00Z'); // midnight: 24 December in Paris
    const s = await h.notice(notShipped.customerId, notShipped.number);
    expect(s).toMatchObject({ today: '2026-12-24', late: true, canSendNotice: false, canTerminate: false });
    expect(s.notice).toMatchObject({ deliveryDueOn: '2026-12-23', deliverBy: '2027-01-07', periodEndsAt: new Date('2027-01-07T23:00:00Z'), periodEndedAt: null, terminatedAt: null }); // default 14 days
    await h.dispatch();
    const [ack] = await h.emails(notShipped.number).then((m) => m.filter((x) => x.subject.includes('demande de livraison')));
    expect(ack!.body).toContain('au plus tard le 7 janvier 2027');
    expect(ack!.body).toContain('à partir du 8 janvier 2027');
    expect(ack!.body).toContain('devait vous être livrée au plus tard le 23 décembre 2026');
    expect(await h.evidence(notShipped.number, 'delivery.notice_sent')).toMatchObject([
      { actor: `customer:${notShipped.customerId}`, data: { rule: 'SH-4', deliveryDueOn: '2026-12-23', deliverBy: '2027-01-07', periodEndsAt: '2027-01-07T23:00:00.000Z', fulfilment: 'unfulfilled' } },
    ]);
    const [timer] = await listTimers(t.ctx.db, h.shopId(), { kind: 'delivery.notice_period_end' });
    expect(timer).toMatchObject({ key: `delivery.notice_period_end:pf:${notShipped.number}`, dueAt: new Date('2027-01-07T23:00:00Z'), state: 'pending' });

    // The parcel on its way: the customer gives 7 days, the least allowed; the delivered one: the default.
    expect(await codeOf(h.notice(onTheWay.customerId, onTheWay.number, { deliverBy: '2026-12-30' }))).toBe('delivery.deliver_by_invalid');
    expect((await h.notice(onTheWay.customerId, onTheWay.number, { deliverBy: '2026-12-31' })).notice?.deliverBy).toBe('2026-12-31');
    await h.notice(deliveredLate.customerId, deliveredLate.number);
  });

  it('SH-4: one notice per order, only the customer\'s own order, no termination while the period runs', async () => {
    expect(await codeOf(h.notice(notShipped.customerId, notShipped.number))).toBe('delivery.notice_already_sent');
    const stranger = await registeredCustomer(t);
    expect(await codeOf(h.notice(stranger.id, notShipped.number))).toBe('order.not_found');
    expect(await codeOf(h.terminate(stranger.id, notShipped.number))).toBe('order.not_found');
    const running = await h.terminate(notShipped.customerId, notShipped.number).catch((e: unknown) => e);
    expect(running).toMatchObject({ code: 'delivery.notice_period_running', details: { rule: 'SH-4', deliverBy: '2027-01-07', terminateFrom: '2027-01-08' } });
    expect((await h.orderRow(notShipped.number)).state).toBe('paid');
    const watch = await h.watch();
    expect(watch.atRisk.find((r) => r.number === notShipped.number)).toMatchObject({ risk: 'past_due', daysLate: 1, notice: { deliverBy: '2027-01-07', periodEnded: false } });
  });

  it('SH-4: the period ends (timer): not delivered → the customer is told they may terminate; delivered meanwhile → nothing', async () => {
    await h.advanceTo('2026-12-31T22:59:00Z');
    expect((await h.status(onTheWay.customerId, onTheWay.number)).canTerminate).toBe(false);
    await h.advanceTo('2026-12-31T23:00:00Z'); // the end of 31 December in Paris: the timer fires
    await h.dispatch();
    const ended = (await h.emails(onTheWay.number)).filter((m) => m.subject === `Commande ${onTheWay.number} non livrée : vous pouvez résoudre la vente`);
    expect(ended).toHaveLength(1);
    expect(ended[0]!.body).toContain('a pris fin le 31 décembre 2026');
    expect(await h.evidence(onTheWay.number, 'delivery.notice_period_ended')).toMatchObject([{ actor: 'system', data: { rule: 'SH-4', deliverBy: '2026-12-31', fulfilment: 'shipped' } }]);
    expect(await h.status(onTheWay.customerId, onTheWay.number)).toMatchObject({ canTerminate: true, notice: { periodEndedAt: new Date('2026-12-31T23:00:00Z') } });

    await h.advanceTo('2027-01-02T10:00:00Z');
    await track(t, deliveredLate.tracking, { kind: 'delivered', signedBy: 'C. Martin', recipient: 'customer' });
    await h.advanceTo('2027-01-08T09:00:00Z'); // both 7 January periods ended
    await h.dispatch();
    expect((await h.emails(deliveredLate.number)).filter((m) => m.subject.includes('non livrée'))).toEqual([]);
    expect(await h.evidence(deliveredLate.number, 'delivery.notice_period_ended')).toEqual([]);
    expect(await codeOf(h.terminate(deliveredLate.customerId, deliveredLate.number))).toBe('delivery.already_delivered');
    expect((await h.emails(notShipped.number)).filter((m) => m.subject.includes('non livrée'))).toHaveLength(1);
    expect((await listTimers(t.ctx.db, h.shopId(), { kind: 'delivery.notice_period_end' })).map((x) => x.state)).toEqual(['fired', 'fired', 'fired']);
  });

  it('SH-4: terminating an order never shipped — the authorisation is voided, nothing to refund, stock back on sale', async () => {
    const stockBefore = await h.warehouseStock(variantId);
    const done = await h.terminate(notShipped.customerId, notShipped.number);
    expect(done).toMatchObject({ refund: 0, refundDueOn: null, parcelsOnTheWay: [], payments: [{ action: 'void', amount: notShipped.total }] });
    expect(await h.orderRow(notShipped.number)).toMatchObject({ state: 'cancelled', cancel_reason: 'delivery_terminated' });
    expect(await h.warehouseStock(variantId)).toBe(stockBefore + 1);
    expect(await h.refundRows(notShipped.number)).toMatchObject([{ key: `delivery_terminated:${notShipped.number}`, reason: 'delivery_terminated', rule: 'SH-4', amount_minor: '0', due_on: null }]);
    await h.dispatch();
    expect(await h.payments(notShipped.number)).toMatchObject([{ state: 'voided', captured: 0 }]);
    const mail = (await h.emails(notShipped.number)).find((m) => m.subject === `Commande ${notShipped.number} annulée`)!;
    expect(mail.body).toContain('Vous avez résolu la vente de votre commande');
    expect(mail.body).toContain(`L'autorisation de paiement (${eur(notShipped.total)}) est annulée`);
    expect(mail.body).not.toContain('au plus tard le'); // nothing was taken: no refund date
    expect(await h.evidence(notShipped.number, 'order.cancelled')).toMatchObject([{ actor: `customer:${notShipped.customerId}`, data: { reason: 'delivery_terminated', rule: 'SH-4' } }]);
    expect(await codeOf(h.terminate(notShipped.customerId, notShipped.number))).toBe('delivery.already_terminated');
  });

  it('SH-4 / L216-7: terminating an order whose parcel is on its way — the capture refunded to the cent by the 14th day, the parcel\'s unit counted once', async () => {
    const stockBefore = await h.warehouseStock(variantId);
    const done = await h.terminate(onTheWay.customerId, onTheWay.number);
    expect(done).toMatchObject({ refund: onTheWay.total, refundDueOn: '2027-01-22', parcelsOnTheWay: [`${onTheWay.number}-1`], payments: [{ action: 'refund', amount: onTheWay.total }] });
    expect(await h.warehouseStock(variantId)).toBe(stockBefore); // the unit is with the carrier, not on the shelf
    const [row] = await h.refundRows(onTheWay.number);
    expect(row).toMatchObject({ key: `delivery_terminated:${onTheWay.number}`, reason: 'delivery_terminated', rule: 'SH-4', amount_minor: String(onTheWay.total), due_on: '2027-01-22' });
    expect(row!.settlement).toEqual([{ paymentId: expect.any(String), action: 'provider_refund', amount: onTheWay.total }]);
    expect(await t.ctx.db.selectFrom('delivery_notices').select(['refund_minor', 'refund_due_on']).where('order_id', '=', (await t.ctx.db.selectFrom('orders').select('id').where('number', '=', onTheWay.number).executeTakeFirstOrThrow()).id).executeTakeFirst()).toEqual({
      refund_minor: String(onTheWay.total),
      refund_due_on: '2027-01-22',
    });

    await h.dispatch(); // refund → sandbox → webhook
    expect(await h.payments(onTheWay.number)).toMatchObject([{ state: 'refunded', captured: onTheWay.total, refunded: onTheWay.total }]);
    const mail = (await h.emails(onTheWay.number)).find((m) => m.subject === `Commande ${onTheWay.number} annulée`)!;
    expect(mail.body).toContain(`La somme versée (${eur(onTheWay.total)}) vous est remboursée sur votre moyen de paiement.`);
    expect(mail.body).toContain('les sommes versées vous seront remboursées au plus tard le 22 janvier 2027');
    expect(mail.body).toContain(`le colis ${onTheWay.number}-1 pourrait encore vous parvenir`);
    const [terminated] = await h.evidence(onTheWay.number, 'delivery.terminated');
    expect(terminated).toMatchObject({
      actor: `customer:${onTheWay.customerId}`,
      data: { rule: 'SH-4', deliverBy: '2026-12-31', refund: onTheWay.total, currency: 'EUR', refundDueOn: '2027-01-22', parcelsOnTheWay: [`${onTheWay.number}-1`] },
    });
    // delivery.terminated is the transaction's last write (after order.cancelled).
    const [last, before] = await listEvidence(t.ctx.db, h.shopId(), { subject: { type: 'order', id: onTheWay.number }, kinds: ['order.cancelled', 'delivery.terminated', 'payment.refunded'] });
    expect([before!.kind, last!.kind]).toEqual(['delivery.terminated', 'payment.refunded']);

    // The parcel comes back: back on the shelf, and nothing refunded twice.
    await h.advanceTo('2027-01-12T10:00:00Z');
    await track(t, onTheWay.tracking, { kind: 'returned' });
    await h.dispatch();
    expect(await h.warehouseStock(variantId)).toBe(stockBefore + 1);
    expect(await h.payments(onTheWay.number)).toMatchObject([{ refunded: onTheWay.total, refundRequested: onTheWay.total }]);
    expect((await h.refundRows(onTheWay.number)).map((r) => [r.reason, r.amount_minor])).toEqual([['delivery_terminated', String(onTheWay.total)]]); // the parcel back owes nothing more

    const watch = await h.watch();
    expect(watch.atRisk.map((r) => r.number)).toEqual([]); // cancelled or delivered
    expect(watch.terminated.map((r) => [r.number, r.refund, r.refundDueOn, r.refunded, r.refundedOn, r.surcharge?.late ?? null])).toEqual([
      [onTheWay.number, onTheWay.total, '2027-01-22', onTheWay.total, '2027-01-08', false],
      [notShipped.number, 0, null, 0, null, null],
    ]);
    expect(await verifyEvidenceChain(t.ctx.db, h.shopId())).toMatchObject({ ok: true });
  });
});

describe('EL (bank transfer): the refund is late, and the L241-4 surcharge is owed', () => {
  const t = useTestApp('el');
  const h = helpers(t);

  it('SH-4 / L216-7 / L241-4: notice, period end, termination; the refund transfer made 20 days late owes +20 % on what was late', async () => {
    const variantId = await stockedVariant(t, 4);
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'standard', over: { paymentMethod: 'bank_transfer', declarations: {} } });
    const { number, total } = placed.order;
    const customerId = placed.customerId;
    const owner = await ownerActor(t);
    await t.ctx.db.transaction().execute(async (tx) => recordBankTransferReceived(tx, { shopId: h.shopId(), reference: placed.bankTransfer!.reference, amount: placed.bankTransfer!.amount, actor: owner, now: await h.now() }));
    expect(await h.orderRow(number)).toMatchObject({ state: 'paid', delivery_due_on: '2026-12-23' });
    expect(await codeOf(h.terminate(customerId, number))).toBe('delivery.no_notice');

    await h.advanceTo('2026-12-28T09:00:00Z');
    expect((await h.notice(customerId, number, { deliverBy: '2027-01-04' })).notice).toMatchObject({ deliverBy: '2027-01-04', periodEndsAt: new Date('2027-01-04T23:00:00Z') });
    await h.advanceTo('2027-01-05T09:00:00Z');
    await h.dispatch();
    expect((await h.emails(number)).map((m) => m.subject)).toContain(`Commande ${number} non livrée : vous pouvez résoudre la vente`);

    const done = await h.terminate(customerId, number);
    expect(done).toMatchObject({ refund: total, refundDueOn: '2027-01-19', payments: [{ method: 'bank_transfer', action: 'refund_due', amount: total }] });
    expect(await h.payments(number)).toMatchObject([{ state: 'captured', captured: total, refundRequested: total, refunded: 0 }]);
    expect(await h.refundRows(number)).toMatchObject([{ reason: 'delivery_terminated', amount_minor: String(total), due_on: '2027-01-19', settlement: [{ action: 'transfer_due', amount: total }] }]);
    await h.dispatch();
    const mail = (await h.emails(number)).find((m) => m.subject === `Commande ${number} annulée`)!;
    expect(mail.body).toContain(`La somme reçue (${formatMoney(money(total, 'EUR'), 'fr')}) vous sera remboursée par virement`);
    expect(mail.body).toContain('au plus tard le 19 janvier 2027');
    expect((await h.watch()).terminated).toMatchObject([{ number, refund: total, refundDueOn: '2027-01-19', refunded: 0, refundedOn: null, surcharge: { late: false, surcharge: { amount: 0 }, outstanding: { amount: total } } }]);

    // A third transferred in time, on 15 January.
    const inTime = Math.floor(total / 3);
    const refund = async (amount: number, transferredOn: string, bankReference: string) =>
      t.ctx.db.transaction().execute(async (tx) =>
        recordBankTransferRefund(tx, { shopId: h.shopId(), reference: { kind: 'order', id: number }, amount: money(amount, 'EUR'), transferredOn, bankReference, timeZone: 'Europe/Paris', actor: owner, now: await h.now() }),
      );
    await h.advanceTo('2027-01-15T09:00:00Z');
    await refund(inTime, '2027-01-15', 'VIR-SH4-1');
    // On the due date itself nothing is owed yet.
    await h.advanceTo('2027-01-19T20:00:00Z');
    expect((await h.watch()).terminated[0]!.surcharge).toMatchObject({ late: false, outstanding: { amount: total - inTime } });

    // 20 days after the due date, the rest still owed: +20 % on it.
    const late = total - inTime;
    const twentyPercent = Math.floor((late * 2 + 5) / 10); // half away from zero, to the cent
    await h.advanceTo('2027-02-08T09:00:00Z');
    const owed = (await h.watch()).terminated[0]!;
    expect(owed).toMatchObject({ refunded: inTime, refundedOn: null, surcharge: { late: true, daysLate: 20, rateBasisPoints: 2000, surcharge: { amount: twentyPercent, currency: 'EUR' }, outstanding: { amount: late } } });

    await refund(late, '2027-02-08', 'VIR-SH4-2');
    // Later, the surcharge stays the one of the day the money went back (not +50 %).
    await h.advanceTo('2027-03-20T09:00:00Z');
    const paid = (await h.watch()).terminated[0]!;
    expect(paid).toMatchObject({ refunded: total, refundedOn: '2027-02-08' });
    expect(paid.surcharge).toMatchObject({ late: true, daysLate: 20, rateBasisPoints: 2000, surcharge: { amount: twentyPercent }, outstanding: { amount: 0 } });
    expect(paid.surcharge!.parts).toEqual([{ on: '2027-02-08', amount: money(late, 'EUR'), daysLate: 20, rateBasisPoints: 2000, surcharge: money(twentyPercent, 'EUR'), refunded: true }]);
    expect(await verifyEvidenceChain(t.ctx.db, h.shopId())).toMatchObject({ ok: true });
  });

  it('SH-4: no notice for an order not paid (the shop owes no delivery yet), nor for a professional\'s (consumer law)', async () => {
    const variantId = await stockedVariant(t, 4, { skip: 1 });
    const transfer = { paymentMethod: 'bank_transfer' as const, declarations: {} };
    const unpaid = await placeCardOrder(t, { variantId, quantity: 1, method: 'standard', over: transfer });
    const pro = await placeCardOrder(t, { variantId, quantity: 1, method: 'standard', over: transfer });
    const owner = await ownerActor(t);
    await t.ctx.db.transaction().execute(async (tx) => recordBankTransferReceived(tx, { shopId: h.shopId(), reference: pro.bankTransfer!.reference, amount: pro.bankTransfer!.amount, actor: owner, now: await h.now() }));
    await t.ctx.db.updateTable('orders').set({ customer_kind: 'professional' }).where('number', '=', pro.order.number).execute();
    await h.advanceTo('2027-04-25T09:00:00Z'); // both due on 19 April
    expect(await codeOf(h.notice(unpaid.customerId, unpaid.order.number))).toBe('delivery.notice_not_applicable');
    expect(await codeOf(h.notice(pro.customerId, pro.order.number))).toBe('delivery.notice_not_applicable');
    expect(await h.status(pro.customerId, pro.order.number)).toMatchObject({ late: true, canSendNotice: false });
  });
});

describe('PF: part of the order shipped (partial capture) or delivered', () => {
  const t = useTestApp('pf');
  const h = helpers(t);

  it('SH-4: terminating after a partial dispatch refunds what was captured to the cent and releases the rest of the authorisation', async () => {
    const variantId = await stockedVariant(t, 6);
    const placed = await placeCardOrder(t, { variantId, quantity: 2, method: 'standard' });
    await payOnHostedPage(t, placed.redirectUrl!);
    const { number, total } = placed.order;
    const line = placed.order.lines[0]!;
    const parcel = await shipOrder(t, number, [{ position: line.position, quantity: 1 }]);
    await h.dispatch();
    const captured = Math.floor(line.total / 2) + placed.order.shipping; // PA-3: one unit of the line, and the delivery with the first parcel
    expect(await h.payments(number)).toMatchObject([{ state: 'partially_captured', authorised: total, captured }]);
    expect(await h.warehouseStock(variantId)).toBe(4);

    await h.advanceTo('2026-12-24T09:00:00Z');
    await h.notice(placed.customerId, number, { deliverBy: '2026-12-31' });
    await h.advanceTo('2027-01-01T09:00:00Z');
    const done = await h.terminate(placed.customerId, number);
    expect(done).toMatchObject({ refund: captured, refundDueOn: '2027-01-15', parcelsOnTheWay: [parcel.number], payments: [{ action: 'refund', amount: captured }] });
    expect(await h.warehouseStock(variantId)).toBe(5); // the unit never shipped is back; the one with the carrier is not
    await h.dispatch();
    const [payment] = await h.payments(number);
    expect(payment).toMatchObject({ captured, refunded: captured });
    expect(payment!.voidRequestedAt).not.toBeNull(); // the uncaptured remainder released (PA-3)
    expect(await t.ctx.payments!.sandbox.getSession(payment!.providerSessionId!)).toMatchObject({ captured, refunded: captured, authorised: captured });
  });

  it('SH-4: part of the order delivered — the notice is possible, the termination goes to customer service', async () => {
    const variantId = await stockedVariant(t, 4, { skip: 1 });
    const placed = await placeCardOrder(t, { variantId, quantity: 2, method: 'standard' });
    await payOnHostedPage(t, placed.redirectUrl!);
    const { number } = placed.order;
    const parcel = await shipOrder(t, number, [{ position: placed.order.lines[0]!.position, quantity: 1 }]);
    await track(t, parcel.trackingNumber!, { kind: 'delivered', signedBy: 'C. Martin', recipient: 'customer' });
    expect((await h.orderRow(number)).fulfilment).toBe('partially_delivered');
    await h.advanceTo('2027-01-25T09:00:00Z'); // placed on 1 January: due 31 January
    expect(await codeOf(h.notice(placed.customerId, number))).toBe('delivery.not_late');
    await h.advanceTo('2027-02-01T09:00:00Z');
    expect((await h.notice(placed.customerId, number)).notice?.deliverBy).toBe('2027-02-15');
    await h.advanceTo('2027-02-16T09:00:00Z');
    await h.dispatch();
    expect((await h.emails(number)).find((m) => m.subject.includes('non livrée'))!.body).toContain('Une partie de la commande vous a été livrée');
    expect(await h.status(placed.customerId, number)).toMatchObject({ canTerminate: false, fulfilment: 'partially_delivered' });
    expect(await codeOf(h.terminate(placed.customerId, number))).toBe('delivery.partially_delivered');
    expect((await h.orderRow(number)).state).toBe('paid');
  });
});

describe('FA (instalments, PA-4): shares collected since the dispatch go back through the partner', () => {
  const t = useTestApp('fa');
  const h = helpers(t);

  it('SH-4 / PA-4: terminating a financed order whose parcel is on its way — the two collected shares refunded by the partner, the last one waived', async () => {
    const variantId = await stockedVariant(t, 3);
    await addPrice(t.ctx.db, { shopId: 'fa', variantId, currency: 'EUR', amountMinor: 30000 - 490, currencies: ['EUR'], actor: { kind: 'system' }, now: await h.now() });
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', over: { paymentMethod: 'instalments', instalmentCount: 3, financing: t.ctx.payments?.financing } });
    const { number } = placed.order;
    expect(placed.order).toMatchObject({ state: 'financed', total: 30000 });
    const parcel = await shipOrder(t, number); // the first share is collected at dispatch
    await h.dispatch();
    await h.advanceTo('2026-12-23T09:00:00Z'); // the second share's day
    await h.dispatch();
    const collected = await t.ctx.db
      .selectFrom('instalments as i')
      .innerJoin('instalment_plans as p', 'p.id', 'i.plan_id')
      .select(['i.number', 'i.state', 'i.amount_minor'])
      .where('p.order_id', '=', placed.order.id)
      .orderBy('i.number')
      .execute();
    expect(collected.map((s) => [s.number, s.state, Number(s.amount_minor)])).toEqual([
      [1, 'collected', 10000],
      [2, 'collected', 10000],
      [3, 'pending', 10000],
    ]);

    await h.advanceTo('2026-12-24T09:00:00Z');
    await h.notice(placed.customerId, number, { deliverBy: '2026-12-31' });
    await h.advanceTo('2027-01-01T09:00:00Z');
    const done = await h.terminate(placed.customerId, number);
    expect(done).toMatchObject({ refund: 20000, refundDueOn: '2027-01-15', parcelsOnTheWay: [parcel.number], payments: [{ method: 'instalments', action: 'partner_refund', amount: 20000 }] });
    const [row] = await h.refundRows(number);
    expect(row).toMatchObject({ key: `delivery_terminated:${number}`, reason: 'delivery_terminated', rule: 'SH-4', due_on: '2027-01-15' });
    // From the cancellation's settlement: what the customer had paid, 200.00, refunded by the partner; the last 100.00 share waived.
    expect(row!.amount_minor).toBe('20000');
    expect(await t.ctx.db.selectFrom('instalment_refunds').select(['reduced_minor', 'partner_refund_minor']).where('key', '=', `order.cancelled:${number}`).executeTakeFirst()).toEqual({ reduced_minor: '10000', partner_refund_minor: '20000' });
    await h.dispatch();
    const shares = await t.ctx.db
      .selectFrom('instalments as i')
      .innerJoin('instalment_plans as p', 'p.id', 'i.plan_id')
      .select(['i.number', 'i.state'])
      .where('p.order_id', '=', placed.order.id)
      .orderBy('i.number')
      .execute();
    expect(shares.map((s) => s.state)).toEqual(['collected', 'collected', 'waived']);
    expect((await h.evidence(number, 'instalments.partner_refunded'))[0]).toMatchObject({ data: { amount: 20000 } });
    const mail = (await h.emails(number)).find((m) => m.subject === `Commande ${number} annulée`)!;
    expect(mail.body).toMatch(/Les échéances déjà prélevées \(200,00\s€\) vous sont remboursées par l'organisme de financement/);
    expect(mail.body).toContain('au plus tard le 15 janvier 2027');
    expect((await h.watch()).terminated).toMatchObject([{ number, refund: 20000, refundDueOn: '2027-01-15', refunded: 20000, refundedOn: '2027-01-01', surcharge: { late: false } }]);
  });
});
