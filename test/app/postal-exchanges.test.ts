// Issue 6: exchange by post instead of a refund (EX-1) on the manual clock,
// through real orders paid on the sandbox PSP and delivered by the sandbox carrier:
// - JW: one unit exchanged for a dearer variant — the customer pays the
//   difference on the hosted page, then the replacement line is added,
//   invoiced (DOC-1: credit note of the returned unit, complementary invoice
//   of the replacement) and its parcel packed, dispatched and delivered like
//   any parcel; a second exchange on the order is refused (one per order);
//   the replacement is then withdrawn: credited at its price, refunded from
//   both payments (the order's and the difference's).
// - JW: the difference never paid — a new link extends the window by 7 days
//   (the engine's choice), then the exchange is closed and the replacement's
//   units are back on sale.
// - EL: a line exchanged for a cheaper variant — the difference refunded
//   through the provider within 14 days of the settlement; a refused line is
//   kept for the customer (WD-8), with no replacement.
import { describe, expect, it } from 'vitest';
import { sandboxCarrier } from '../../src/adapters/carrier/sandbox.js';
import { findDocument, orderDocuments, type AdjustmentContent } from '../../src/app/credit-notes.js';
import { dispatchShipment, getShipment, listShipments } from '../../src/app/fulfilment.js';
import { loadOrder } from '../../src/app/orders.js';
import { getExchange, reissueExchangePaymentLink, settleExchange, type ExchangeLineDecision } from '../../src/app/postal-exchanges.js';
import { inspectReturn } from '../../src/app/returns.js';
import { listEvidence, verifyEvidenceChain } from '../../src/store/evidence.js';
import { listPaymentEvents, listPaymentsFor } from '../../src/store/payments.js';
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
    // DOC-1: the returned unit credited, the replacement billed by a complementary invoice referring to the invoice.
    expect(x.refund).toMatchObject({ creditNote: expect.stringMatching(/^JW-A-/), complementaryInvoice: expect.stringMatching(/^JW-F-/) });
    const docs = await orderDocuments(t.ctx.db, { shopId: 'jw', orderNumber: o.order.number });
    expect(docs.map((d) => [d.kind, d.total])).toEqual([['invoice', 10_750], ['credit_note', 5_000], ['complementary_invoice', 6_490]]);
    const billed = (await findDocument(t.ctx.db, { shopId: 'jw', number: x.refund!.complementaryInvoice! }))!.content as AdjustmentContent;
    expect(billed.invoice.number).toBe(docs[0]!.number);
    expect(billed.lines).toMatchObject([{ kind: 'exchange_replacement', position: 1, quantity: 1, amount: 6_490, vatRateBasisPoints: null }]);
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

  it('the replacement and the other unit withdrawn: credited at their prices, 122.40 refunded from both payments to the cent (DOC-1, RF-1, RF-3)', async () => {
    await h.moveTo('2026-12-11T10:00:00Z');
    const r = await h.withdraw({ orderNumber: o.order.number, name: 'Camille Martin', items: [{ position: 0, quantity: 1 }, { position: 1, quantity: 1 }], access: { customerId: o.customerId } });
    await h.receive(r.number);
    const inspected = await h.inspect(r.number, [{ position: 0, outcome: 'accepted' }, { position: 1, outcome: 'accepted' }]);
    // RF-2 (JW): the initial delivery comes back with the last units.
    expect(inspected.refund).toMatchObject({ itemsTotal: 5_000 + 6_490, shipping: { amount: 750 }, refund: 12_240, executed: 12_240 });
    const note = (await findDocument(t.ctx.db, { shopId: 'jw', number: inspected.refund!.creditNote! }))!.content as AdjustmentContent;
    expect(note.lines.map((l) => [l.kind, l.position, l.amount])).toEqual([['goods', 0, 5_000], ['goods', 1, 6_490], ['shipping', null, 750]]);
    expect(note.total).toBe(12_240);
    const [paid] = await listPaymentsFor(t.ctx.db, 'jw', { kind: 'order', id: o.order.number });
    const [difference] = await listPaymentsFor(t.ctx.db, 'jw', { kind: 'exchange', id: returnNumber });
    expect(inspected.refund!.settlement).toEqual([
      { paymentId: paid!.id, action: 'provider_refund', amount: 10_750 },
      { paymentId: difference!.id, action: 'provider_refund', amount: 1_490 },
    ]);
    expect((await listPaymentsFor(t.ctx.db, 'jw', { kind: 'exchange', id: returnNumber }))[0]!.refundRequested).toBe(1_490);
  });

  it('evidence: the statement, the settlement, the payment and the parcel, chain intact', async () => {
    const kinds = (await listEvidence(t.ctx.db, 'jw', {})).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['withdrawal.received', 'return.received', 'exchange.settled', 'payment.started', 'exchange.replacement_packed', 'shipment.packed', 'credit_note.issued', 'invoice.complementary_issued']));
    expect((await verifyEvidenceChain(t.ctx.db, 'jw')).ok).toBe(true);
  });
});

describe('JW: the difference never paid — a new link, then the exchange closed after 7 days (EX-1; a delay of the engine)', () => {
  const t = useTestApp('jw', { clockStart: '2026-12-01T09:00:00Z' });
  const h = afterSales(t);
  let o: Awaited<ReturnType<typeof h.deliveredOrder>>;
  let dearer: string;
  let returnNumber: string;
  let held: number;

  it('a dearer exchange settled on 4 December: 14.90 to pay by 11 December, the unit held', async () => {
    o = await h.deliveredOrder({ method: 'ems', lines: [{ quantity: 1, price: 5_000 }] });
    dearer = await stockedVariant(t, 10, { skip: 1 });
    await h.price(dearer, 6_490);
    await h.moveTo('2026-12-02T10:00:00Z');
    const r = await h.withdraw({ orderNumber: o.order.number, name: 'Camille Martin', exchange: true, items: [{ position: 0, quantity: 1, exchangeVariantId: dearer }], access: { customerId: o.customerId } });
    returnNumber = r.number;
    await h.moveTo('2026-12-04T10:00:00Z');
    await h.receive(returnNumber);
    const before = await warehouseUnits(t, dearer);
    const x = await settle(t, returnNumber, [{ position: 0, outcome: 'accepted' }]);
    expect(x.exchange!.payment).toMatchObject({ amount: 1_490, state: 'awaiting', payBy: '2026-12-11' });
    held = before - 1;
    expect(await warehouseUnits(t, dearer)).toBe(held);
    await h.dispatch();
    const mail = (await h.emailsAbout(o.order.number)).find((m) => m.subject.includes('différence à régler'))!;
    expect(mail.text).toContain('au plus tard le 11 décembre 2026');
  });

  it('staff send a new link on 8 December: the unpaid page closed, 7 more days', async () => {
    await h.moveTo('2026-12-08T10:00:00Z');
    const first = (await getExchange(t.ctx.db, { shopId: 'jw', returnNumber })).exchange!.payment!;
    const x = await reissueExchangePaymentLink(t.ctx.db, { shopId: 'jw', returnNumber, actor: await ownerActor(t), now: await h.now(), provider: t.ctx.payments?.provider });
    expect(x.exchange!.payment).toMatchObject({ amount: 1_490, state: 'awaiting', payBy: '2026-12-15' });
    expect(x.exchange!.payment!.id).not.toBe(first.id);
    expect(x.paymentUrl).toMatch(/^http/);
    expect((await listPaymentEvents(t.ctx.db, first.id)).map((e) => e.type)).toContain('session.cancel_requested');
    await h.dispatch();
    expect((await h.emailsAbout(o.order.number)).filter((m) => m.subject.includes('différence à régler'))).toHaveLength(2);
  });

  it('the first window ends on 12 December: nothing happens, the new link runs', async () => {
    await h.moveTo('2026-12-12T10:00:00Z');
    const x = await getExchange(t.ctx.db, { shopId: 'jw', returnNumber });
    expect(x.exchange!.payment!.state).toBe('awaiting');
    expect(await warehouseUnits(t, dearer)).toBe(held);
  });

  it('unpaid on 16 December: the exchange closed, the replacement back on sale, the unit sent back refunded (RF-1) by 30 December', async () => {
    await h.moveTo('2026-12-16T10:00:00Z');
    const x = await getExchange(t.ctx.db, { shopId: 'jw', returnNumber });
    expect(x.state).toBe('closed');
    expect(x.exchange).toMatchObject({ payment: { state: 'expired' }, replacementShipment: null });
    expect(x.paymentUrl).toBeNull();
    expect(await warehouseUnits(t, dearer)).toBe(held + 1);
    const order = (await loadOrder(t.ctx.db, { shopId: 'jw', number: o.order.number }))!;
    expect(order.lines).toHaveLength(1);
    await h.dispatch();
    const mail = (await h.emailsAbout(o.order.number)).find((m) => m.subject === `Votre échange ${returnNumber} : annulé faute de paiement`)!;
    expect(mail.text).toContain('14,90');
    expect(mail.text).toContain('15 décembre 2026');
    // WD-1 / RF-1: no exchange took place, the withdrawal stands: the 50.00 unit back, within 14 days of the closing.
    expect(mail.text).toContain('Les articles que vous nous avez renvoyés vous sont remboursés (50,00');
    expect(mail.text).toContain('30 décembre 2026');
    const refund = await t.ctx.db.selectFrom('order_refunds').select(['amount_minor', 'due_on', 'reason']).where('key', '=', `exchange_closed:${returnNumber}`).executeTakeFirstOrThrow();
    expect(refund).toMatchObject({ amount_minor: '5000', due_on: '2026-12-30', reason: 'withdrawal' });
    expect(await codeOf(reissueExchangePaymentLink(t.ctx.db, { shopId: 'jw', returnNumber, actor: await ownerActor(t), now: await h.now(), provider: t.ctx.payments?.provider }))).toBe('exchange.no_payment_due');
    const kinds = (await listEvidence(t.ctx.db, 'jw', {})).map((e) => e.kind);
    expect(kinds).toContain('exchange.closed');
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
    // DOC-1: 89.90 credited, 59.90 billed at the line's VAT rate; the two documents state the 30.00 given back.
    const docs = await orderDocuments(t.ctx.db, { shopId: 'el', orderNumber: o.order.number });
    expect(docs.map((d) => [d.kind, d.total])).toEqual([['invoice', expect.any(Number)], ['credit_note', 8_990], ['complementary_invoice', 5_990]]);
    const billed = (await findDocument(t.ctx.db, { shopId: 'el', number: x.refund!.complementaryInvoice! }))!.content as AdjustmentContent;
    expect(billed.lines).toMatchObject([{ kind: 'exchange_replacement', position: 2, amount: 5_990, vatRateBasisPoints: order.lines[0]!.vatRateBasisPoints }]);
    expect(billed.vat.breakdown).toEqual([{ rateBasisPoints: 2_000, base: 4_992, vat: 998 }]);
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
