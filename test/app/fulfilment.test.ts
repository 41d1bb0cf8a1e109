// Issue 5: packing, dispatch, tracking, possession and collection windows
// (SH-5, SH-6, SH-7, SH-9, PA-3) with the manual clock, through the use cases.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { declarePossession, dispatchShipment, handOverCollection, listShipments, packShipment } from '../../src/app/fulfilment.js';
import { sandboxCarrier } from '../../src/adapters/carrier/sandbox.js';
import { findInvoiceOfOrder } from '../../src/app/invoices.js';
import { loadOrder } from '../../src/app/orders.js';
import { listPaymentsFor } from '../../src/app/payments.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import { ManualClock } from '../../src/adapters/clock.js';
import { verifyEvidenceChain } from '../../src/store/evidence.js';
import { listTimers } from '../../src/store/timers.js';
import { addPrice } from '../../src/app/catalogue-admin.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { ownerActor, shipOrder, track } from '../support/fulfilment.js';
import { payOnHostedPage, placeCardOrder, stockedVariant } from '../support/orders.js';

function helpers(t: TestApp) {
  const shopId = () => t.ctx.shop.id;
  const flush = async () => {
    const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
    expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
  };
  const paidOrder = async (line: { quantity: number; skip: number }, method: string) => {
    const variantId = await stockedVariant(t, 10, { skip: line.skip });
    const placed = await placeCardOrder(t, { variantId, quantity: line.quantity, method });
    await payOnHostedPage(t, placed.redirectUrl!);
    await flush();
    return placed;
  };
  const order = async (number: string) => (await loadOrder(t.ctx.db, { shopId: shopId(), number }))!;
  const emails = async (number: string) =>
    (await sql<{ subject: string; body: string }>`SELECT subject, text AS body FROM emails WHERE shop_id = ${shopId()} AND related_id = ${number} ORDER BY id`.execute(t.ctx.db)).rows;
  const evidence = async (number: string, kind: string) =>
    (await sql<{ actor: string; data: Record<string, unknown> }>`SELECT actor, data FROM evidence_events WHERE shop_id = ${shopId()} AND subject_id = ${number} AND kind = ${kind} ORDER BY seq`.execute(t.ctx.db)).rows;
  const advance = async (ms: number) => {
    await advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, ms);
  };
  return { shopId, flush, paidOrder, order, emails, evidence, advance };
}

const DAY = 24 * 3600_000;

describe('FA home delivery: dispatch, tracking and possession (SH-5, SH-9)', () => {
  const t = useTestApp('fa');
  const h = helpers(t);

  it('dispatch gives a tracking number and an email with the link; delivered records who signed and when, the order knows its last item', async () => {
    const placed = await h.paidOrder({ quantity: 2, skip: 0 }, 'home');
    const number = placed.order.number;
    const shipment = await shipOrder(t, number);
    expect(shipment.state).toBe('shipped');
    expect(shipment.trackingNumber).toMatch(/^SB\d{11}$/);
    expect(shipment.number).toBe(`${number}-1`);
    expect((await h.order(number)).fulfilment).toBe('shipped');
    await h.flush();
    const mail = (await h.emails(number)).find((m) => m.subject.includes('expédiée'))!;
    expect(mail.body).toContain(shipment.trackingNumber!);
    expect(mail.body).toContain(`http://shop.test/sandbox/carrier/${shipment.trackingNumber}`);
    expect(mail.body).toContain('Colissimo');

    await h.advance(DAY);
    await track(t, shipment.trackingNumber!, { kind: 'in_transit' });
    await h.advance(DAY);
    const signedAt = new Date(await t.ctx.clock.now());
    const delivered = await track(t, shipment.trackingNumber!, { kind: 'delivered', signedBy: 'C. Martin', recipient: 'customer' });
    expect(delivered.shipment.state).toBe('delivered');
    expect(delivered.shipment.deliveredAt).toEqual(signedAt);
    expect(delivered.shipment.possession).toEqual({ by: 'customer', name: 'C. Martin', source: 'carrier' });
    const o = await h.order(number);
    expect(o.fulfilment).toBe('delivered');
    expect(o.lastDeliveredAt).toEqual(signedAt);
    const [proof] = await h.evidence(number, 'shipment.delivered');
    expect(proof!.data).toMatchObject({ shipment: shipment.number, deliveredAt: signedAt.toISOString(), possessionName: 'C. Martin', lastDeliveredAt: signedAt.toISOString() });
    expect(proof!.actor).toBe('carrier:Colissimo');

    // an event that does not fit the parcel: 409, nothing recorded
    expect(await codeOf(track(t, shipment.trackingNumber!, { kind: 'in_transit' }))).toBe('shipment.illegal_event');
    const [again] = await listShipments(t.ctx.db, { shopId: h.shopId(), orderId: o.id });
    expect(again!.events.map((e) => e.kind)).toEqual(['packed', 'shipped', 'in_transit', 'delivered']);
    expect((await verifyEvidenceChain(t.ctx.db, h.shopId())).ok).toBe(true);
  });

  it('shipped is not possession: without a delivered event the customer declares it (SH-9), never before dispatch nor in the future', async () => {
    const placed = await h.paidOrder({ quantity: 1, skip: 1 }, 'home');
    const number = placed.order.number;
    const shipment = await shipOrder(t, number);
    expect((await h.order(number)).lastDeliveredAt).toBeNull();
    await h.advance(3 * DAY);
    const now = await t.ctx.clock.now();
    const declare = (receivedAt: Date) =>
      t.ctx.db.transaction().execute((tx) => declarePossession(tx, { shopId: h.shopId(), customerId: placed.customerId, orderNumber: number, shipmentNumber: shipment.number, receivedAt, by: 'third_party', name: 'Gardienne', now }));
    expect(await codeOf(declare(new Date(now.getTime() + 3600_000)))).toBe('shipment.possession_date_invalid');
    expect(await codeOf(declare(new Date(shipment.shippedAt!.getTime() - 1000)))).toBe('shipment.possession_date_invalid');
    const receivedAt = new Date(now.getTime() - DAY);
    const declared = await declare(receivedAt);
    expect(declared.possession).toEqual({ by: 'third_party', name: 'Gardienne', source: 'customer_declaration' });
    expect((await h.order(number)).lastDeliveredAt).toEqual(receivedAt);
  });

});

describe('FA relay point: the collection window (SH-7)', () => {
  const t = useTestApp('fa');
  const h = helpers(t);

  it('a relay parcel not collected in 14 days goes back; once back the order is refunded in full within 14 days (SH-7)', async () => {
    const placed = await h.paidOrder({ quantity: 1, skip: 2 }, 'relay');
    const number = placed.order.number;
    const total = placed.order.total;
    const shipment = await shipOrder(t, number);
    expect(shipment.pickupPoint).toBe('Mondial Relay — Relais 1, 3 rue de la Gare, 75011 (FR)'); // SH-1: the point chosen at checkout
    await h.advance(2 * DAY); // Wed 25 Nov 2026 09:00 UTC
    await track(t, shipment.trackingNumber!, { kind: 'available_for_collection', location: 'Relais Le Papyrus, 3 rue Oberkampf, Paris' });
    await h.flush();
    const available = (await h.emails(number)).find((m) => m.subject.includes('disponible'))!;
    expect(available.body).toContain('Relais Le Papyrus');
    expect(available.body).toContain('9 décembre 2026'); // 14 calendar days after Wed 25 Nov
    expect(available.body).toContain("pièce d'identité");
    const [timer] = await listTimers(t.ctx.db, h.shopId(), { kind: 'shipment.collection_window' });
    expect(timer!.dueAt.toISOString()).toBe('2026-12-09T23:00:00.000Z'); // end of 9 Dec, Paris

    await h.advance(15 * DAY);
    const back = (await listShipments(t.ctx.db, { shopId: h.shopId(), orderId: (await h.order(number)).id }))[0]!;
    expect(back.state).toBe('returning');
    await h.advance(2 * DAY);
    const returned = await track(t, shipment.trackingNumber!, { kind: 'returned' });
    expect(returned.shipment.state).toBe('returned');
    const refund = await t.ctx.db.selectFrom('order_refunds').selectAll().where('key', '=', `parcel_back:${shipment.number}`).executeTakeFirstOrThrow();
    expect(Number(refund.amount_minor)).toBe(total);
    expect(Number(refund.fee_kept_minor)).toBe(0);
    expect(refund.due_on).toBe('2026-12-26'); // returned Sat 12 Dec + 14 days
    await h.flush();
    const [payment] = await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: number });
    expect(payment!.refunded).toBe(total);
    expect((await h.order(number)).fulfilment).toBe('returned');
  });

  it('a store pickup not collected within one month is resolved: refunded less the 15.00 EUR fee (SH-7)', async () => {
    const placed = await h.paidOrder({ quantity: 1, skip: 3 }, 'store');
    const number = placed.order.number;
    const shipment = await shipOrder(t, number);
    await h.advance(DAY);
    await track(t, shipment.trackingNumber!, { kind: 'available_for_collection', location: 'Fil d’Azur Nice' });
    await h.flush();
    const mail = (await h.emails(number)).find((m) => m.subject.includes('disponible'))!;
    expect(mail.body).toContain('Seul le titulaire de la commande');
    expect(mail.body).toContain('ce message');
    await h.advance(32 * DAY);
    const refund = await t.ctx.db.selectFrom('order_refunds').selectAll().where('key', '=', `parcel_back:${shipment.number}`).executeTakeFirstOrThrow();
    expect(Number(refund.fee_kept_minor)).toBe(1500);
    expect(Number(refund.amount_minor)).toBe(placed.order.total - 1500);
    expect(refund.reason).toBe('uncollected');
    await h.flush();
    const [payment] = await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: number });
    expect(payment!.refunded).toBe(placed.order.total - 1500);
    const back = (await h.emails(number)).find((m) => m.subject.includes('non retiré'))!;
    expect(back.body).toContain('15,00');
  });

  it('a store pickup is handed over only with the ID checked and the email shown (SH-7)', async () => {
    const placed = await h.paidOrder({ quantity: 1, skip: 4 }, 'store');
    const shipment = await shipOrder(t, placed.order.number);
    await h.flush();
    const notice = (await h.emails(placed.order.number)).find((m) => m.subject.includes('à remettre en magasin'))!;
    expect(notice.subject).toContain(shipment.pickupPoint!); // the store the customer chose (SH-7: the store is notified)
    expect(notice.body).toContain('Camille Martin');
    expect(notice.body).toContain("pièce d'identité");
    await track(t, shipment.trackingNumber!, { kind: 'available_for_collection', location: 'Fil d’Azur Nice' });
    const actor = await ownerActor(t);
    const handOver = async (over: { identityChecked: boolean; availabilityEmailShown: boolean }) =>
      t.ctx.db.transaction().execute(async (tx) => handOverCollection(tx, { shopId: h.shopId(), shipmentNumber: shipment.number, collectedBy: 'Camille Martin', actor, now: await t.ctx.clock.now(), ...over }));
    expect(await codeOf(handOver({ identityChecked: false, availabilityEmailShown: true }))).toBe('collection.identity_not_checked');
    expect(await codeOf(handOver({ identityChecked: true, availabilityEmailShown: false }))).toBe('collection.email_not_shown');
    const done = await handOver({ identityChecked: true, availabilityEmailShown: true });
    expect(done.possession).toEqual({ by: 'customer', name: 'Camille Martin', source: 'store' });
    expect(await listTimers(t.ctx.db, h.shopId(), { kind: 'shipment.collection_window', state: 'pending' })).toEqual([]);
  });
});

describe('PF: captured at dispatch, the shipped lines only (PA-3)', () => {
  const t = useTestApp('pf');
  const h = helpers(t);

  it('two parcels: each captures its units, the first the delivery too; the last releases the rest and the invoice is issued then', async () => {
    const placed = await h.paidOrder({ quantity: 3, skip: 0 }, 'standard');
    const number = placed.order.number;
    const o = await h.order(number);
    const line = o.lines[0]!;
    const [auth] = await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: number });
    expect(auth!.state).toBe('authorised');
    expect(auth!.captured).toBe(0);

    await shipOrder(t, number, [{ position: line.position, quantity: 1 }]);
    await h.flush();
    const unit = Math.floor(line.total / 3);
    let [p] = await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: number });
    expect(p!.captured).toBe(unit + o.shipping);
    expect(p!.state).toBe('partially_captured');
    expect(await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: number })).toBeUndefined();
    expect((await h.order(number)).fulfilment).toBe('partially_shipped');

    await shipOrder(t, number, [{ position: line.position, quantity: 2 }]);
    await h.flush();
    [p] = await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: number });
    expect(p!.captured).toBe(o.total);
    expect(p!.state).toBe('captured');
    const invoice = await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: number });
    expect(invoice?.content.total).toBe(o.total);
    const dispatched = await h.evidence(number, 'shipment.dispatched');
    expect(dispatched.map((e) => e.data.captured)).toEqual([unit + o.shipping, line.total - unit]);
    expect(dispatched[1]!.data.invoice).toBe(invoice!.number);
  });
});

describe('PF: parcels packed together and dispatched in any order, a parcel back in between (PA-3)', () => {
  const t = useTestApp('pf');
  const h = helpers(t);

  it('the last parcel to leave releases the rest, whichever was packed first; a refund in between leaves the rest capturable', async () => {
    const placed = await h.paidOrder({ quantity: 3, skip: 1 }, 'standard');
    const number = placed.order.number;
    const o = await h.order(number);
    const position = o.lines[0]!.position;
    const actor = await ownerActor(t);
    const pack = (quantity: number) => t.ctx.db.transaction().execute(async (tx) => packShipment(tx, { shopId: h.shopId(), orderNumber: number, lines: [{ position, quantity }], actor, now: await t.ctx.clock.now() }));
    const dispatch = async (shipmentNumber: string) => {
      const parcel = await sandboxCarrier('http://shop.test').createParcel({ idempotencyKey: shipmentNumber, carrierName: 'Colissimo', methodKind: 'home_standard', destination: { country: 'FR', postalCode: '75011' } });
      return t.ctx.db.transaction().execute(async (tx) => dispatchShipment(tx, { shopId: h.shopId(), shipmentNumber, parcel, actor, now: await t.ctx.clock.now() }));
    };
    const payment = async () => (await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: number }))[0]!;

    // Parcel 1 (1 unit) leaves, comes back refused and is refunded: the payment is partially refunded.
    const first = await shipOrder(t, number, [{ position, quantity: 1 }]);
    await h.flush();
    await track(t, first.trackingNumber!, { kind: 'refused', reason: 'colis abîmé' });
    await track(t, first.trackingNumber!, { kind: 'returned' });
    await h.flush();
    const unit1 = Math.floor(o.lines[0]!.total / 3); // the first of 3 units (the rounding cent goes to the later ones)
    // The order goes on: the parcel's goods are refunded, not the delivery (SH-8: refused, no fee).
    expect(await payment()).toMatchObject({ state: 'partially_refunded', captured: unit1 + o.shipping, refunded: unit1 });

    // Parcels 2 and 3 (1 unit each) packed; 3 leaves first: not the last, the authorisation stays.
    const second = await pack(1);
    const third = await pack(1);
    await dispatch(third.number);
    await h.flush();
    expect((await h.evidence(number, 'shipment.dispatched')).at(-1)!.data).toMatchObject({ shipment: third.number, authorisationReleased: 0 });
    await dispatch(second.number);
    await h.flush();
    const p = await payment();
    expect(p.captured).toBe(o.total); // every unit charged once, the delivery once
    expect(p.refunded).toBe(unit1);
    expect(await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: number })).toBeDefined();
  });
});

describe('JW ships everything together (SH-6)', () => {
  const t = useTestApp('jw');
  const h = helpers(t);

  it('a parcel with part of the order is refused, naming the line', async () => {
    const placed = await h.paidOrder({ quantity: 2, skip: 0 }, 'ems');
    const position = placed.order.lines[0]!.position;
    const error = await shipOrder(t, placed.order.number, [{ position, quantity: 1 }]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'shipment.all_together', details: { field: 'lines', rule: 'SH-6' } });
    const shipment = await shipOrder(t, placed.order.number);
    expect(shipment.lines).toEqual([expect.objectContaining({ position, quantity: 2 })]);
  });
});

describe('FA instalments: the first share at the dispatch, the invoice then (PA-4, DOC-1)', () => {
  const t = useTestApp('fa');
  const h = helpers(t);

  it('dispatch dates the shares from its day, collects the first through the partner and issues the invoice', async () => {
    const variantId = await stockedVariant(t, 5);
    await addPrice(t.ctx.db, { shopId: 'fa', variantId, currency: 'EUR', amountMinor: 60000 - 490, currencies: ['EUR'], actor: { kind: 'system' }, now: await t.ctx.clock.now() });
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', over: { paymentMethod: 'instalments', instalmentCount: 4, financing: t.ctx.payments?.financing } });
    const number = placed.order.number;
    expect(placed.order).toMatchObject({ state: 'financed', total: 60000 });
    expect(await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: number })).toBeUndefined();
    await h.advance(2 * 24 * 3600_000); // dispatched Wed 25 Nov 2026
    await shipOrder(t, number);
    await h.flush();
    const shares = await t.ctx.db
      .selectFrom('instalments as i')
      .innerJoin('instalment_plans as p', 'p.id', 'i.plan_id')
      .select(['i.number', 'i.due_on', 'i.amount_minor', 'i.state'])
      .where('p.order_id', '=', placed.order.id)
      .orderBy('i.number')
      .execute();
    expect(shares.map((s) => [s.number, s.due_on, Number(s.amount_minor), s.state])).toEqual([
      [1, '2026-11-25', 15000, 'collected'],
      [2, '2026-12-25', 15000, 'pending'],
      [3, '2027-01-25', 15000, 'pending'],
      [4, '2027-02-25', 15000, 'pending'],
    ]);
    const invoice = await findInvoiceOfOrder(t.ctx.db, { shopId: h.shopId(), orderNumber: number });
    expect(invoice?.content.total).toBe(60000);
    expect((await h.evidence(number, 'shipment.dispatched'))[0]!.data).toMatchObject({ instalments: 'started', invoice: invoice!.number });
  });
});

describe('FR: held at the post office after a failed delivery, 15 days (SH-7)', () => {
  const t = useTestApp('fr');
  const h = helpers(t);

  it('delivery attempted, then waiting at the post office: collected in time it is delivered, possession from the carrier', async () => {
    const placed = await h.paidOrder({ quantity: 1, skip: 0 }, 'colissimo');
    const number = placed.order.number;
    const shipment = await shipOrder(t, number);
    await h.advance(24 * 3600_000);
    await track(t, shipment.trackingNumber!, { kind: 'delivery_attempted' });
    await track(t, shipment.trackingNumber!, { kind: 'available_for_collection', location: 'Bureau de poste Paris Oberkampf' });
    await h.flush();
    const mail = (await h.emails(number)).find((m) => m.subject.includes('disponible'))!;
    expect(mail.body).toContain('9 décembre 2026'); // Tue 24 Nov + 15 calendar days
    await h.advance(10 * 24 * 3600_000);
    const done = await track(t, shipment.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin' });
    expect(done.shipment.state).toBe('delivered');
    expect(await listTimers(t.ctx.db, h.shopId(), { kind: 'shipment.collection_window', state: 'pending' })).toEqual([]);
    expect((await h.order(number)).fulfilment).toBe('delivered');
  });
});

describe('EL: collection at the warehouse (SH-7)', () => {
  const t = useTestApp('el');
  const h = helpers(t);

  it('the ready email says there is nothing to pay on site; not collected in 15 days it is resolved and refunded in full', async () => {
    const placed = await h.paidOrder({ quantity: 1, skip: 0 }, 'warehouse');
    const number = placed.order.number;
    const shipment = await shipOrder(t, number);
    await track(t, shipment.trackingNumber!, { kind: 'available_for_collection', location: 'Entrepôt Voltaïque, Lyon' });
    await h.flush();
    const mail = (await h.emails(number)).find((m) => m.subject.includes('disponible'))!;
    expect(mail.body).toContain('aucun paiement sur place');
    expect(mail.body).toContain('8 décembre 2026'); // Mon 23 Nov + 15 days
    await h.advance(16 * 24 * 3600_000);
    const [parcel] = await listShipments(t.ctx.db, { shopId: h.shopId(), orderId: (await h.order(number)).id });
    expect(parcel!.state).toBe('returned'); // on the shop's own premises: resolved when the window ends
    expect(parcel!.returnedAt?.toISOString()).toBe('2026-12-08T23:00:00.000Z');
    const refund = await t.ctx.db.selectFrom('order_refunds').selectAll().where('key', '=', `parcel_back:${shipment.number}`).executeTakeFirstOrThrow();
    expect(Number(refund.amount_minor)).toBe(placed.order.total);
    expect(refund.due_on).toBe('2026-12-23'); // 14 days after 9 Dec (the window ended at its start, Paris)
    await h.flush();
    const [payment] = await listPaymentsFor(t.ctx.db, h.shopId(), { kind: 'order', id: number });
    expect(payment!.refunded).toBe(placed.order.total);
  });
});
