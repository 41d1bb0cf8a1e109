// Issue 6: one account of each order line's units across after-sales
// (src/app/settled-units.ts), driven through the use cases on the manual clock
// with real orders paid on the sandbox PSP and delivered by the sandbox carrier:
// - EL: a unit is refunded once by guarantee claims (the reviewer's finding 1:
//   2 × 129.99 + 6.90 delivery, three claims → the third refused); a unit
//   withdrawn while its claim waited is not refunded again, until the return's
//   inspection refuses it (back with the customer: under guarantee again, not
//   withdrawable again); price reductions of a line capped in total; a
//   replacement parcel does not move the line's GU-1 start (finding 9).
//   Delivery claims (SH-8) count the same units (review finding C1): a unit
//   refunded by a guarantee, or named by a withdrawal, is not refunded by a
//   claim too; guarantee refunds and price reductions are credited on the
//   invoice (finding C3, DOC-1).
// - FR: an in-store exchange (EX-2) and a withdrawal (WD-7) never take the same unit.
import { describe, expect, it } from 'vitest';
import { sandboxCarrier } from '../../src/adapters/carrier/sandbox.js';
import { orderDocuments } from '../../src/app/credit-notes.js';
import { decideDeliveryClaim, fileDeliveryClaim, getClaimForStaff } from '../../src/app/delivery-claims.js';
import { dispatchShipment } from '../../src/app/fulfilment.js';
import { decideGuaranteeClaim, fileGuaranteeClaim, guaranteeOptionsOf, type DecideGuaranteeInput, type FileGuaranteeClaimInput } from '../../src/app/guarantee-claims.js';
import { loadOrder } from '../../src/app/orders.js';
import { settledUnits } from '../../src/app/settled-units.js';
import { recordStoreExchange, storeExchangeOptions } from '../../src/app/store-exchanges.js';
import { withdrawalOptions } from '../../src/app/withdrawals.js';
import { DomainError } from '../../src/domain/errors.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { ownerActor, shipOrder, track } from '../support/fulfilment.js';
import { placeCardOrder, payOnHostedPage, stockedVariant } from '../support/orders.js';
import { afterSales, variantOfSku } from '../support/returns.js';

const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF damaged parcel'), Buffer.from([0xff, 0xd9])]);

/** The DomainError a use case refuses with (code and details). */
const refusal = (p: Promise<unknown>) => p.then(() => expect.fail('expected a DomainError')).catch((e: unknown) => (e instanceof DomainError ? { code: e.code, details: e.details } : Promise.reject(e)));

function helpers(t: TestApp) {
  const base = afterSales(t);
  async function shippedOrder(variantId: string, quantity: number, method: string) {
    const placed = await placeCardOrder(t, { variantId, quantity, method });
    await payOnHostedPage(t, placed.redirectUrl!);
    const shipment = await shipOrder(t, placed.order.number);
    await base.dispatch();
    return { order: placed.order, customerId: placed.customerId, shipment };
  }
  type Shipped = Awaited<ReturnType<typeof shippedOrder>>;
  const file = async (o: Shipped, input: Partial<Omit<FileGuaranteeClaimInput, 'shopId' | 'now' | 'orderNumber' | 'access'>>) =>
    fileGuaranteeClaim(t.ctx.db, { shopId: base.shopId(), orderNumber: o.order.number, position: 0, quantity: 1, kind: 'conformity', remedy: 'repair', description: 'Ne s’allume plus.', photos: [], access: { customerId: o.customerId }, now: await base.now(), ...input });
  const decide = async (number: string, input: Partial<Omit<DecideGuaranteeInput, 'shopId' | 'number' | 'actor' | 'now'>>) => {
    const [actor, now] = [await ownerActor(t), await base.now()];
    return t.ctx.db.transaction().execute((tx) => decideGuaranteeClaim(tx, { shopId: base.shopId(), number, outcome: 'refund', actor, now, ...input }));
  };
  const order = async (o: Shipped) => (await loadOrder(t.ctx.db, { shopId: base.shopId(), number: o.order.number }))!;
  const claimable = async (o: Shipped) => (await guaranteeOptionsOf(t.ctx.db, { shopId: base.shopId(), order: await order(o), now: await base.now() })).lines[0]!.claimable;
  const withdrawable = async (o: Shipped) => (await withdrawalOptions(t.ctx.db, { shopId: base.shopId(), order: await order(o), now: await base.now() })).lines[0]!.withdrawable;
  const refunds = async (o: Shipped) =>
    (await t.ctx.db.selectFrom('order_refunds').select(['key', 'amount_minor']).where('order_id', '=', o.order.id).orderBy('id').execute()).map((r) => [r.key, Number(r.amount_minor)]);
  /** DOC-1: the totals of the order's credit notes, in issue order. */
  const creditNotes = async (o: Shipped) =>
    (await orderDocuments(t.ctx.db, { shopId: base.shopId(), orderNumber: o.order.number })).filter((d) => d.kind === 'credit_note').map((d) => d.total);
  /** SH-8: a delivery claim about the unit of line 0 (EL asks for a photo). */
  const fileClaim = async (o: Shipped) =>
    fileDeliveryClaim(t.ctx.db, { shopId: base.shopId(), orderNumber: o.order.number, shipmentNumber: o.shipment.number, kind: 'damaged', description: 'Écran fissuré à la livraison.', lines: [{ position: 0, quantity: 1 }], photos: [jpeg()], access: { customerId: o.customerId }, now: await base.now() });
  const decideClaim = async (claimId: string, outcome: 'refund' | 'reject', reason?: string) => {
    const [actor, now] = [await ownerActor(t), await base.now()];
    return t.ctx.db.transaction().execute((tx) => decideDeliveryClaim(tx, { shopId: base.shopId(), claimId, outcome, reason, actor, now }));
  };
  return { ...base, shippedOrder, file, decide, claimable, withdrawable, refunds, creditNotes, fileClaim, decideClaim };
}

type Shipped = Awaited<ReturnType<ReturnType<typeof helpers>['shippedOrder']>>;

describe('EL: guarantee claims see every unit settled (GU-1, GU-4, WD-7, WD-8)', () => {
  // Delivered Tue 1 September 2026, 12:00 in Paris.
  const t = useTestApp('el', { clockStart: '2026-08-31T08:00:00Z' });
  const h = helpers(t);
  const o: Record<string, Shipped> = {};

  it('delivers four orders of 2 × 129.99 and one of 1 × 129.99 (standard delivery 6.90)', async () => {
    const variantId = await stockedVariant(t, 40);
    await h.price(variantId, 12_999);
    for (const name of ['twice', 'withdrawn', 'replaced']) o[name] = await h.shippedOrder(variantId, 2, 'standard');
    for (const name of ['reduced', 'guaranteedThenClaimed', 'withdrawnThenClaimed']) o[name] = await h.shippedOrder(variantId, 1, 'standard');
    await h.moveTo('2026-09-01T10:00:00Z');
    for (const x of Object.values(o)) await track(t, x.shipment.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin', recipient: 'customer' });
    const twice = (await loadOrder(t.ctx.db, { shopId: 'el', number: o.twice!.order.number }))!;
    expect([twice.lines[0]!.total, twice.shipping, twice.total]).toEqual([25_998, 690, 26_688]);
  });

  it('finding 1: two units refunded by two claims — a third claim on the line is refused, the delivery is not refunded', async () => {
    await h.moveTo('2026-09-03T10:00:00Z');
    const g1 = await h.file(o.twice!, { kind: 'dead_on_arrival', remedy: 'refund' });
    expect((await h.decide(g1.number, {})).decision!.refund).toMatchObject({ amount: 12_999 });
    expect(await h.claimable(o.twice!)).toBe(1);
    const g2 = await h.file(o.twice!, { kind: 'dead_on_arrival', remedy: 'refund' });
    expect((await h.decide(g2.number, {})).decision!.refund).toMatchObject({ amount: 12_999 });
    expect(await h.claimable(o.twice!)).toBe(0);
    expect(await refusal(h.file(o.twice!, { kind: 'dead_on_arrival', remedy: 'refund' }))).toMatchObject({ code: 'guarantee.invalid_quantity', details: { field: 'quantity', available: 0 } });
    expect(await h.refunds(o.twice!)).toEqual([
      [`guarantee:${g1.number}`, 12_999],
      [`guarantee:${g2.number}`, 12_999],
    ]);
    // C3 / DOC-1: each refund credits its unit on the invoice.
    expect(await h.creditNotes(o.twice!)).toEqual([12_999, 12_999]);
    const line = (await settledUnits(t.ctx.db, o.twice!.order.id)).get(0);
    expect(line).toMatchObject({ received: 2, guaranteeRefunded: 2, priceReductions: 0, possessionAt: new Date('2026-09-01T10:00:00Z') });
  });

  it('C1: a unit refunded by a guarantee claim is not refunded by a delivery claim too, nor claimed again', async () => {
    const x = o.guaranteedThenClaimed!;
    const claim = await h.fileClaim(x);
    const g1 = await h.file(x, { kind: 'dead_on_arrival', remedy: 'refund' });
    expect((await h.decide(g1.number, {})).decision!.refund).toMatchObject({ amount: 12_999 });
    expect((await getClaimForStaff(t.ctx.db, { shopId: 'el', id: claim.id })).refundProposal).toBe(0);
    expect(await refusal(h.decideClaim(claim.id, 'refund'))).toMatchObject({ code: 'claim.already_settled', details: { field: 'lines.0.quantity', rule: 'SH-8', position: 0, available: 0 } });
    await h.decideClaim(claim.id, 'reject', 'Écran déjà remboursé au titre de la garantie.');
    expect(await refusal(h.fileClaim(x))).toMatchObject({ code: 'claim.already_settled', details: { position: 0, available: 0 } });
    // The delivery is not refunded by the claim (6.90 stays), one credit note: the guarantee's.
    expect(await h.refunds(x)).toEqual([[`guarantee:${g1.number}`, 12_999]]);
    expect(await h.creditNotes(x)).toEqual([12_999]);
  });

  it('C1: a unit named by a withdrawal is not refunded by a delivery claim; the return is then refunded and credited, not stuck', async () => {
    const x = o.withdrawnThenClaimed!;
    const claim = await h.fileClaim(x);
    expect((await getClaimForStaff(t.ctx.db, { shopId: 'el', id: claim.id })).refundProposal).toBe(12_999);
    const r = await h.withdraw({ orderNumber: x.order.number, name: 'Camille Martin', items: [{ position: 0, quantity: 1 }], access: { customerId: x.customerId } });
    expect((await getClaimForStaff(t.ctx.db, { shopId: 'el', id: claim.id })).refundProposal).toBe(0);
    expect(await refusal(h.decideClaim(claim.id, 'refund'))).toMatchObject({ code: 'claim.already_settled', details: { position: 0, available: 0 } });
    expect(await h.refunds(x)).toEqual([]);
    await h.receive(r.number);
    await h.inspect(r.number, [{ position: 0, outcome: 'accepted' }]);
    // The unit and the cheapest standard delivery (RF-2: the pickup point's 4.90), credited once.
    expect(await h.refunds(x)).toEqual([[`withdrawal:${r.number}`, 13_489]]);
    expect(await h.creditNotes(x)).toEqual([13_489]);
  });

  it('a claim waiting while its units are withdrawn is not refunded; the return refused at inspection puts them back under guarantee, not up for withdrawal', async () => {
    const g1 = await h.file(o.withdrawn!, { kind: 'dead_on_arrival', remedy: 'refund' });
    const r = await h.withdraw({ orderNumber: o.withdrawn!.order.number, name: 'Camille Martin', items: [{ position: 0, quantity: 2 }], access: { customerId: o.withdrawn!.customerId } });
    expect([await h.claimable(o.withdrawn!), await h.withdrawable(o.withdrawn!)]).toEqual([0, 0]);
    expect(await refusal(h.decide(g1.number, {}))).toMatchObject({ code: 'guarantee.already_settled', details: { field: 'outcome', position: 0, available: 0 } });
    expect(await codeOf(h.decide(g1.number, { outcome: 'price_reduction', amount: 1_000 }))).toBe('guarantee.already_settled');
    expect(await h.refunds(o.withdrawn!)).toEqual([]);

    await h.moveTo('2026-09-10T09:00:00Z');
    await h.receive(r.number);
    await h.inspect(r.number, [{ position: 0, outcome: 'refused', reason: 'Article rayé, emballage manquant.' }]);
    // WD-8: refused units are the customer's again — under guarantee (one is under G1), withdrawn once already.
    expect([await h.claimable(o.withdrawn!), await h.withdrawable(o.withdrawn!)]).toEqual([1, 0]);
    expect((await h.decide(g1.number, {})).decision!.refund).toMatchObject({ amount: 12_999 });
    expect((await h.refunds(o.withdrawn!)).filter(([key]) => String(key).startsWith('guarantee:'))).toEqual([[`guarantee:${g1.number}`, 12_999]]);
  });

  it('price reductions of a line add up to its price at most; a termination after them gives back what is left, to the cent', async () => {
    const g1 = await h.file(o.reduced!, {});
    expect((await h.decide(g1.number, { outcome: 'price_reduction', amount: 8_000 })).decision!.refund).toMatchObject({ amount: 8_000 });
    // The unit is kept: still under guarantee.
    const g2 = await h.file(o.reduced!, {});
    expect(await refusal(h.decide(g2.number, { outcome: 'price_reduction', amount: 5_000 }))).toMatchObject({ code: 'guarantee.invalid_amount', details: { max: 4_999 } });
    expect((await h.decide(g2.number, {})).decision!.refund).toMatchObject({ amount: 4_999 });
    expect(await codeOf(h.file(o.reduced!, {}))).toBe('guarantee.invalid_quantity');
    expect(await h.refunds(o.reduced!)).toEqual([
      [`guarantee:${g1.number}`, 8_000],
      [`guarantee:${g2.number}`, 4_999],
    ]);
    // C3 / DOC-1: the price reduction is credited as an amount at the line's rate, the termination as the unit.
    expect(await h.creditNotes(o.reduced!)).toEqual([8_000, 4_999]);
    const [reduction] = (await t.ctx.db.selectFrom('invoices').select('content').where('kind', '=', 'credit_note').where('key', '=', `guarantee:${g1.number}`).execute()).map((r) => r.content as { lines: unknown[] });
    expect(reduction!.lines).toEqual([{ kind: 'other', position: null, sku: null, description: { fr: 'Réduction de prix (garantie)', en: 'Price reduction (guarantee)' }, quantity: 1, amount: 8_000, vatRateBasisPoints: 2_000 }]);
  });

  it('finding 9: a replacement parcel (asked, not imposed) does not move the line\'s possession date nor its GU-1 guarantee', async () => {
    const g1 = await h.file(o.replaced!, { remedy: 'replace' });
    const replaced = await h.decide(g1.number, { outcome: 'replace' });
    expect(replaced.decision).toMatchObject({ replacementImposed: false, replacementShipment: `${o.replaced!.order.number}-2` });
    const parcel = await sandboxCarrier('http://shop.test').createParcel({ idempotencyKey: `${o.replaced!.order.number}-2`, carrierName: 'UPS Standard', methodKind: 'home_standard', destination: { country: 'FR', postalCode: '75011' } });
    const [actor, at] = [await ownerActor(t), await h.now()];
    const sent = await t.ctx.db.transaction().execute((tx) => dispatchShipment(tx, { shopId: 'el', shipmentNumber: `${o.replaced!.order.number}-2`, parcel, actor, now: at }));
    await h.moveTo('2026-09-21T10:00:00Z');
    await track(t, sent.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin', recipient: 'customer' });

    const g2 = await h.file(o.replaced!, {});
    expect(g2).toMatchObject({ deliveredAt: new Date('2026-09-01T10:00:00Z'), shipmentNumber: o.replaced!.shipment.number, coveredFrom: '2026-09-01', coveredUntil: '2028-09-01' });
    const options = await guaranteeOptionsOf(t.ctx.db, { shopId: 'el', order: (await loadOrder(t.ctx.db, { shopId: 'el', number: o.replaced!.order.number }))!, now: await h.now() });
    expect(options.lines[0]).toMatchObject({ deliveredAt: new Date('2026-09-01T10:00:00Z'), claimable: 1 }); // 2 received (the replacement adds none), 1 under G2
    expect(options.lines[0]!.guarantees.find((g) => g.kind === 'conformity')).toMatchObject({ startsOn: '2026-09-01', lastDay: '2028-09-01' });
  });
});

describe('FR: an in-store exchange and a withdrawal never take the same unit (EX-2, WD-7)', () => {
  // Delivered Tue 24 November 2026, 11:30 in Paris; at the counter on 1 December.
  const t = useTestApp('fr', { clockStart: '2026-11-23T08:00:00Z' });
  const h = helpers(t);
  const o: Record<string, Shipped> = {};
  const STORE = 'nantes-graslin';
  const exchange = async (x: Shipped) =>
    recordStoreExchange(t.ctx.db, { shopId: 'fr', orderNumber: x.order.number, storeCode: STORE, returnSlipPresented: true, lines: [{ position: 0, quantity: 1, replacementSku: 'FR-BRO-38' }], actor: await ownerActor(t), now: await h.now() });
  const withdraw = (x: Shipped) => h.withdraw({ orderNumber: x.order.number, name: 'Camille Martin', items: [{ position: 0, quantity: 1 }], access: { customerId: x.customerId } });
  const exchangeable = async (x: Shipped) => (await storeExchangeOptions(t.ctx.db, { shopId: 'fr', orderNumber: x.order.number, now: await h.now() })).lines[0]!.exchangeable;

  it('delivers two orders of one denim jacket (36)', async () => {
    const variantId = await variantOfSku(t, 'FR-BRO-36');
    o.exchangedFirst = await h.shippedOrder(variantId, 1, 'colissimo');
    o.withdrawnFirst = await h.shippedOrder(variantId, 1, 'colissimo');
    await h.moveTo('2026-11-24T10:30:00Z');
    for (const x of Object.values(o)) await track(t, x.shipment.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin' });
    await h.moveTo('2026-12-01T09:00:00Z');
    expect([await h.withdrawable(o.exchangedFirst!), await exchangeable(o.exchangedFirst!)]).toEqual([1, 1]);
  });

  it('the unit exchanged in store is not withdrawn afterwards', async () => {
    await exchange(o.exchangedFirst!);
    expect([await h.withdrawable(o.exchangedFirst!), await exchangeable(o.exchangedFirst!)]).toEqual([0, 0]);
    expect(await refusal(withdraw(o.exchangedFirst!))).toMatchObject({ code: 'withdrawal.too_many_units', details: { position: 0, left: 0 } });
  });

  it('the unit withdrawn is not exchanged in store afterwards', async () => {
    await withdraw(o.withdrawnFirst!);
    expect([await h.withdrawable(o.withdrawnFirst!), await exchangeable(o.withdrawnFirst!)]).toEqual([0, 0]);
    expect(await refusal(exchange(o.withdrawnFirst!))).toMatchObject({ code: 'exchange.quantity_exceeds_line', details: { position: 0, available: 0 } });
  });
});
