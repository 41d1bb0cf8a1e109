// Issue 6: exchange by post instead of a refund (EX-1) on the manual clock,
// through real orders paid on the sandbox PSP and delivered by the sandbox carrier:
// - JW: one unit exchanged for a dearer variant — the customer pays the
//   difference on the hosted page, then the replacement line is added and its
//   parcel packed, dispatched and delivered like any parcel; a second exchange
//   on the order is refused (one per order).
// - EL: a line exchanged for a cheaper variant — the difference refunded
//   through the provider within 14 days of the settlement; a refused line is
//   kept for the customer (WD-8), with no replacement.
import { describe, expect, it } from 'vitest';
import { sandboxCarrier } from '../../src/adapters/carrier/sandbox.js';
import { dispatchShipment, getShipment, listShipments } from '../../src/app/fulfilment.js';
import { loadOrder } from '../../src/app/orders.js';
import { getExchange, settleExchange, type ExchangeLineDecision } from '../../src/app/postal-exchanges.js';
import { inspectReturn } from '../../src/app/returns.js';
import { listEvidence, verifyEvidenceChain } from '../../src/store/evidence.js';
import { listPaymentsFor } from '../../src/store/payments.js';
import { useTestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { ownerActor, track } from '../support/fulfilment.js';
import { payOnHostedPage, stockedVariant } from '../support/orders.js';
import { afterSales } from '../support/returns.js';
import type { TestApp } from '../support/app.js';

const warehouseUnits = async (t: TestApp, variantId: string) => {
  const row = await t.ctx.db
    .selectFrom('stock as s')
    .innerJoin('locations as l', 'l.id', 's.location_id')
    .select((eb) => eb.fn.sum<string>('s.quantity').as('n'))
    .where('s.variant_id', '=', variantId)
    .where('l.kind', '=', 'warehouse')
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

const settle = async (t: TestApp, returnNumber: string, lines: ExchangeLineDecision[]) =>
  settleExchange(t.ctx.db, { shopId: t.ctx.shop.id, returnNumber, lines, actor: await ownerActor(t), now: await t.ctx.clock.now(), provider: t.ctx.payments?.provider });

describe('JW: an exchange for a dearer variant, the difference paid by card (EX-1)', () => {
  // Tue 1 Dec 2026 09:00 UTC; delivered the same day.
  const t = useTestApp('jw', { clockStart: '2026-12-01T09:00:00Z' });
  const h = afterSales(t);
  let o: Awaited<ReturnType<typeof h.deliveredOrder>>;
  let dearer: string;
  let returnNumber: string;

  it('delivers 2 × 50.00 by EMS at 7.50', async () => {
    o = await h.deliveredOrder({ method: 'ems', lines: [{ quantity: 2, price: 5_000 }] });
    dearer = await stockedVariant(t, 10, { skip: 1 });
    await h.price(dearer, 6_490);
    const order = (await loadOrder(t.ctx.db, { shopId: 'jw', number: o.order.number }))!;
    expect(order.total).toBe(10_750);
  });

  it('the customer asks to exchange one unit for the dearer variant; the goods are received', async () => {
    await h.moveTo('2026-12-04T10:00:00Z');
    const r = await h.withdraw({ orderNumber: o.order.number, name: 'Camille Martin', exchange: true, items: [{ position: 0, quantity: 1, exchangeVariantId: dearer }], access: { customerId: o.customerId } });
    expect(r).toMatchObject({ purpose: 'exchange', state: 'authorised' });
    returnNumber = r.number;
    await h.moveTo('2026-12-09T10:00:00Z');
    await h.receive(returnNumber);
  });

  it('EX-1 (JW): a second exchange on the same order is refused', async () => {
    const second = h.withdraw({ orderNumber: o.order.number, name: 'Camille Martin', exchange: true, items: [{ position: 0, quantity: 1, exchangeVariantId: dearer }], access: { customerId: o.customerId } });
    expect(await codeOf(second)).toBe('exchange.limit_reached');
  });

  it('an exchange is not inspected as a refund, and needs every line decided', async () => {
    expect(await codeOf(inspectReturn(t.ctx.db, { shopId: 'jw', returnNumber, lines: [{ position: 0, outcome: 'accepted' }], actor: await ownerActor(t), now: await h.now() }))).toBe('exchange.use_exchange_inspection');
    expect(await codeOf(settle(t, returnNumber, []))).toBe('return.outcome_required');
    expect(await codeOf(settle(t, returnNumber, [{ position: 0, outcome: 'refused' }]))).toBe('return.reason_required');
  });

  it('settled: 64.90 − 50.00 → the customer pays 14.90 before anything ships; the units swap in stock', async () => {
    const before = { returned: await warehouseUnits(t, o.variantId), dearer: await warehouseUnits(t, dearer) };
    const x = await settle(t, returnNumber, [{ position: 0, outcome: 'accepted' }]);
    expect(x.state).toBe('inspected');
    expect(x.exchange).toMatchObject({ returnedAmount: 5_000, replacementPrice: 6_490, customerPays: 1_490, shopRefunds: 0, replacementShipment: null, payment: { amount: 1_490, state: 'awaiting' } });
    expect(x.refund).toMatchObject({ itemsTotal: 5_000, refund: 0, executed: 0, shipping: { amount: 0 } });
    expect(x.paymentUrl).toMatch(/^http/);
    expect(await warehouseUnits(t, o.variantId)).toBe(before.returned + 1);
    expect(await warehouseUnits(t, dearer)).toBe(before.dearer - 1);
    // Nothing to ship yet: the replacement is not on the order before the payment.
    const order = (await loadOrder(t.ctx.db, { shopId: 'jw', number: o.order.number }))!;
    expect(order.lines).toHaveLength(1);
    // Asked again: the same settlement, the same payment page.
    expect((await settle(t, returnNumber, [{ position: 0, outcome: 'accepted' }])).paymentUrl).toBe(x.paymentUrl);
    await h.dispatch();
    const mails = await h.emailsAbout(o.order.number);
    expect(mails.find((m) => m.subject === `Votre échange ${returnNumber}`)!.text).toContain('Différence à votre charge : 14,90');
    expect(mails.find((m) => m.subject.includes('différence à régler'))!.text).toContain(x.paymentUrl!);
  });

  it('paid on the hosted page → the replacement line is added at 64.90 and its parcel packed', async () => {
    const { paymentUrl } = await getExchange(t.ctx.db, { shopId: 'jw', returnNumber });
    await payOnHostedPage(t, paymentUrl!);
    const x = await getExchange(t.ctx.db, { shopId: 'jw', returnNumber });
    expect(x.state).toBe('refunded');
    expect(x.exchange).toMatchObject({ payment: { state: 'paid' }, replacementShipment: `${o.order.number}-2` });
    const [payment] = await listPaymentsFor(t.ctx.db, 'jw', { kind: 'exchange', id: returnNumber });
    expect(payment).toMatchObject({ state: 'captured', captured: 1_490 });
    const order = (await loadOrder(t.ctx.db, { shopId: 'jw', number: o.order.number }))!;
    expect(order.lines[1]).toMatchObject({ position: 1, variantId: dearer, quantity: 1, total: 6_490 });
    expect(order.total).toBe(10_750 + 6_490);
    const parcel = await getShipment(t.ctx.db, { shopId: 'jw', number: `${o.order.number}-2` });
    expect(parcel).toMatchObject({ state: 'packed', replaces: null, lines: [{ position: 1, quantity: 1 }] });
    await h.dispatch();
    expect((await h.emailsAbout(o.order.number)).some((m) => m.subject.includes('paiement reçu'))).toBe(true);
  });

  it('the replacement ships and is delivered like any parcel; the order is delivered again', async () => {
    await h.moveTo('2026-12-10T10:00:00Z');
    const packed = (await listShipments(t.ctx.db, { shopId: 'jw', orderId: o.order.id })).find((s) => s.state === 'packed')!;
    const parcel = await sandboxCarrier('http://shop.test').createParcel({ idempotencyKey: packed.number, carrierName: packed.carrier, methodKind: packed.methodKind, destination: { country: 'FR', postalCode: '75011' } });
    const shipped = await t.ctx.db.transaction().execute(async (tx) => dispatchShipment(tx, { shopId: 'jw', shipmentNumber: packed.number, parcel, actor: await ownerActor(t), now: await h.now() }));
    await track(t, shipped.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin', recipient: 'customer' });
    const order = (await loadOrder(t.ctx.db, { shopId: 'jw', number: o.order.number }))!;
    expect(order.fulfilment).toBe('delivered');
    expect(order.lastDeliveredAt).toEqual(new Date('2026-12-10T10:00:00Z'));
  });

  it('evidence: the statement, the settlement, the payment and the parcel, chain intact', async () => {
    const kinds = (await listEvidence(t.ctx.db, 'jw', {})).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['withdrawal.received', 'return.received', 'exchange.settled', 'payment.started', 'exchange.replacement_packed', 'shipment.packed']));
    expect((await verifyEvidenceChain(t.ctx.db, 'jw')).ok).toBe(true);
  });
});

describe('EL: an exchange for a cheaper variant refunds the difference; a refused line is kept (EX-1, WD-8)', () => {
  const t = useTestApp('el', { clockStart: '2026-12-01T09:00:00Z' });
  const h = afterSales(t);
  let o: Awaited<ReturnType<typeof h.deliveredOrder>>;
  let cheaper: string;
  let returnNumber: string;

  it('delivers 1 × 89.90 and 1 × 30.00; the customer asks to exchange both', async () => {
    o = await h.deliveredOrder({ method: 'standard', lines: [{ quantity: 1, price: 8_990 }, { quantity: 1, price: 3_000 }] });
    cheaper = await stockedVariant(t, 10, { skip: 2 });
    await h.price(cheaper, 5_990);
    await h.moveTo('2026-12-03T10:00:00Z');
    const r = await h.withdraw({
      orderNumber: o.order.number,
      name: 'Camille Martin',
      exchange: true,
      items: [{ position: 0, quantity: 1, exchangeVariantId: cheaper }, { position: 1, quantity: 1, exchangeVariantId: cheaper }],
      access: { customerId: o.customerId },
    });
    returnNumber = r.number;
    await h.moveTo('2026-12-08T10:00:00Z');
    await h.receive(returnNumber);
  });

  it('settled on 8 December: 89.90 → 59.90 refunds 30.00 through the provider by 22 December; the worn item kept until 7 January', async () => {
    const cheaperBefore = await warehouseUnits(t, cheaper);
    const x = await settle(t, returnNumber, [{ position: 0, outcome: 'accepted' }, { position: 1, outcome: 'refused', reason: 'Article porté' }]);
    expect(x.state).toBe('refunded');
    expect(x.exchange).toMatchObject({ returnedAmount: 8_990, replacementPrice: 5_990, customerPays: 0, shopRefunds: 3_000, payment: null, replacementShipment: `${o.order.number}-2` });
    expect(x.exchange!.replacements).toHaveLength(1);
    expect(x.refund).toMatchObject({ refund: 3_000, executed: 3_000, dueOn: '2026-12-22', settlement: [{ action: 'provider_refund', amount: 3_000 }] });
    expect(x.refusedKeptUntil).toBe('2027-01-07');
    expect(x.lines.map((l) => [l.outcome, l.acceptedQuantity])).toEqual([['accepted', 1], ['refused', 0]]);
    expect(x.paymentUrl).toBeNull();
    const [payment] = await listPaymentsFor(t.ctx.db, 'el', { kind: 'order', id: o.order.number });
    expect(payment!.refundRequested).toBe(3_000);
    expect(await warehouseUnits(t, cheaper)).toBe(cheaperBefore - 1);
    const order = (await loadOrder(t.ctx.db, { shopId: 'el', number: o.order.number }))!;
    expect(order.lines[2]).toMatchObject({ variantId: cheaper, quantity: 1, total: 5_990 });
    const parcel = await getShipment(t.ctx.db, { shopId: 'el', number: `${o.order.number}-2` });
    expect(parcel).toMatchObject({ state: 'packed', lines: [{ position: 2, quantity: 1 }] });
  });

  it('settled once; the customer is told in French with the refund date and the refused item', async () => {
    const again = await settle(t, returnNumber, [{ position: 0, outcome: 'refused', reason: 'x' }, { position: 1, outcome: 'refused', reason: 'x' }]);
    expect(again.exchange).toMatchObject({ shopRefunds: 3_000, replacementShipment: `${o.order.number}-2` });
    expect(await listShipments(t.ctx.db, { shopId: 'el', orderId: o.order.id })).toHaveLength(2);
    await h.dispatch();
    const mail = (await h.emailsAbout(o.order.number)).find((m) => m.subject === `Votre échange ${returnNumber}`)!;
    expect(mail.text).toContain('Différence remboursée : 30,00');
    expect(mail.text).toContain('22 décembre 2026');
    expect(mail.text).toContain('Article porté');
    expect(mail.text).toContain('7 janvier 2027');
    const kinds = (await listEvidence(t.ctx.db, 'el', {})).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['exchange.settled', 'order.refund_due', 'shipment.packed']));
    expect((await verifyEvidenceChain(t.ctx.db, 'el')).ok).toBe(true);
  });
});
