// Issue 5 §7: delivery claims (SH-8, SH-9) on the manual clock, through real
// orders paid on the sandbox PSP, shipped with the sandbox carrier and
// delivered by its tracking events:
// - EL: 3 days with Saturdays from the possession date — a claim on the last
//   day (a holiday and a Sunday skipped) is accepted, one day late refused;
//   photos required and checked by their bytes; refund of the affected units
//   to the cent through the provider; reship as a replacement parcel (stock
//   taken, dispatched without a new capture); reject with a reason; every step
//   emailed and in the evidence log; decided once.
// - JW: 30 calendar days; photos optional.
// - FA: no window in the terms (accepted a year on); a parcel refused at
//   delivery listed with the claims, with its refund once back.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { sandboxCarrier } from '../../src/adapters/carrier/sandbox.js';
import {
  DELIVERY_CLAIM_DECIDED,
  DELIVERY_CLAIM_FILED,
  claimPhoto,
  decideDeliveryClaim,
  fileDeliveryClaim,
  getClaimForStaff,
  listClaimsForStaff,
  listClaimsOfOrder,
  listRefusedParcels,
  type FileClaimInput,
} from '../../src/app/delivery-claims.js';
import { orderDocuments } from '../../src/app/credit-notes.js';
import { dispatchShipment, getShipment, listShipments, type Shipment } from '../../src/app/fulfilment.js';
import type { Actor } from '../../src/store/audit.js';
import { listEvidence, verifyEvidenceChain } from '../../src/store/evidence.js';
import { listPaymentsFor } from '../../src/store/payments.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { ownerActor, shipOrder, track } from '../support/fulfilment.js';
import { payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant } from '../support/orders.js';
import { afterSales } from '../support/returns.js';

const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF fake but well-formed enough'), Buffer.from([0xff, 0xd9])]);
const png = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR')]);
const textRenamedJpg = () => Buffer.from('I am a text file called photo.jpg\n');

function helpers(t: TestApp) {
  const { shopId, now, moveTo, dispatch, price, emailsAbout } = afterSales(t);

  /** A card order of `quantity` units at `price` (minor units), paid, packed and dispatched. */
  async function shippedOrder(input: { method: string; quantity: number; price?: number; variantId?: string }) {
    const variantId = input.variantId ?? (await stockedVariant(t, 50));
    if (input.price !== undefined) await price(variantId, input.price);
    const placed = await placeCardOrder(t, { variantId, quantity: input.quantity, method: input.method });
    await payOnHostedPage(t, placed.redirectUrl!);
    const shipment = await shipOrder(t, placed.order.number);
    await dispatch();
    return { order: placed.order, customerId: placed.customerId, shipment, variantId };
  }

  const deliver = (shipment: Shipment, by: 'customer' | 'third_party' = 'customer', signedBy = 'Camille Martin') =>
    track(t, shipment.trackingNumber!, { kind: 'delivered', signedBy, recipient: by });

  const file = async (input: Omit<FileClaimInput, 'shopId' | 'now'>) => fileDeliveryClaim(t.ctx.db, { shopId: shopId(), now: await now(), ...input });

  const decide = async (claimId: string, outcome: 'reship' | 'refund' | 'reject', extra: { reason?: string; lines?: { position: number; quantity: number }[]; actor?: Actor } = {}) => {
    const actor = extra.actor ?? (await ownerActor(t));
    const at = await now();
    return t.ctx.db.transaction().execute((tx) => decideDeliveryClaim(tx, { shopId: shopId(), claimId, outcome, reason: extra.reason, lines: extra.lines, actor, now: at }));
  };

  const claimRows = () => t.ctx.db.selectFrom('delivery_claims').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n));

  const warehouseStock = async (variantId: string) => {
    const { rows } = await sql<{ q: string }>`SELECT coalesce(sum(s.quantity), 0) AS q FROM stock s JOIN locations l ON l.id = s.location_id AND l.kind = 'warehouse' WHERE s.variant_id = ${variantId}::bigint`.execute(t.ctx.db);
    return Number(rows[0]!.q);
  };

  return { shopId, now, moveTo, dispatch, shippedOrder, deliver, file, decide, emailsAbout, claimRows, warehouseStock };
}

describe('EL: 3 days including Saturdays (SH-8)', () => {
  // Mon 21 Dec 2026; delivered Thu 24 Dec: Fri 25 (Christmas) skipped, Sat 26 counts, Sun 27 skipped, Mon 28, Tue 29 = last day.
  const t = useTestApp('el', { clockStart: '2026-12-21T09:00:00Z' });
  const h = helpers(t);
  const orders: Record<string, Awaited<ReturnType<typeof h.shippedOrder>>> = {};

  it('ships and delivers four orders on Thursday 24 December (SH-9: possession by the carrier\'s proof)', async () => {
    const variantId = await stockedVariant(t, 50, { withEcoFee: true });
    orders.refund = await h.shippedOrder({ method: 'standard', quantity: 3, price: 12_999, variantId });
    orders.reship = await h.shippedOrder({ method: 'standard', quantity: 2, variantId });
    orders.reject = await h.shippedOrder({ method: 'standard', quantity: 1, variantId });
    orders.late = await h.shippedOrder({ method: 'standard', quantity: 1, variantId });
    await h.moveTo('2026-12-24T09:30:00Z');
    for (const o of Object.values(orders)) await h.deliver(o.shipment, o === orders.reship ? 'third_party' : 'customer', o === orders.reship ? 'Gardien, loge B' : 'Camille Martin');
    const delivered = await getShipment(t.ctx.db, { shopId: 'el', number: orders.refund!.shipment.number });
    expect(delivered).toMatchObject({ state: 'delivered', deliveredAt: new Date('2026-12-24T09:30:00Z'), possession: { by: 'customer', name: 'Camille Martin', source: 'carrier' } });
  });

  it('SH-8 refuses what is not a claim about a delivered parcel of the customer\'s order, writing nothing', async () => {
    const o = orders.refund!;
    const base = { orderNumber: o.order.number, shipmentNumber: o.shipment.number, kind: 'damaged', description: 'Carton écrasé', lines: [{ position: 0, quantity: 1 }], photos: [jpeg()], access: { customerId: o.customerId } };
    const stranger = await registeredCustomer(t);
    expect(await codeOf(h.file({ ...base, access: { customerId: stranger.id } }))).toBe('order.not_found');
    expect(await codeOf(h.file({ ...base, access: { accessToken: 'not-the-token' } }))).toBe('order.not_found');
    expect(await codeOf(h.file({ ...base, photos: [] }))).toBe('claim.photos_required'); // EL asks for photos
    expect(await codeOf(h.file({ ...base, photos: [jpeg(), textRenamedJpg()] }))).toBe('claim.photo_type_not_allowed');
    expect(await codeOf(h.file({ ...base, kind: 'lost' }))).toBe('claim.invalid_kind');
    expect(await codeOf(h.file({ ...base, lines: [{ position: 0, quantity: 4 }] }))).toBe('claim.quantity_exceeds_parcel');
    expect(await codeOf(h.file({ ...base, shipmentNumber: orders.reship!.shipment.number }))).toBe('shipment.not_found'); // another order's parcel
    expect(await h.claimRows()).toBe(0);
  });

  it('SH-8 accepts claims until the end of Tuesday 29 December in Paris (Saturday counted, Christmas and Sunday skipped)', async () => {
    await h.moveTo('2026-12-29T22:30:00Z'); // 23:30 in Paris, the last day
    const o = orders.refund!;
    const claim = await h.file({
      orderNumber: o.order.number,
      shipmentNumber: o.shipment.number,
      kind: 'damaged',
      description: 'Écran fissuré à l’ouverture du colis.',
      lines: [{ position: 0, quantity: 1 }],
      photos: [jpeg(), png()],
      access: { customerId: o.customerId },
    });
    expect(claim).toMatchObject({
      number: `${o.order.number}-R1`,
      state: 'filed',
      kind: 'damaged',
      windowLastDay: '2026-12-29',
      deliveredAt: new Date('2026-12-24T09:30:00Z'),
      possession: { by: 'customer', name: 'Camille Martin', source: 'carrier' }, // SH-9
      lines: [{ position: 0, quantity: 1, decidedQuantity: null }],
      photos: [
        { n: 1, contentType: 'image/jpeg', size: jpeg().length },
        { n: 2, contentType: 'image/png', size: png().length },
      ],
      decision: null,
    });
    for (const key of ['reship', 'reject'] as const) {
      const other = orders[key]!;
      await h.file({ orderNumber: other.order.number, shipmentNumber: other.shipment.number, kind: key === 'reship' ? 'missing_item' : 'wrong_item', description: `Claim ${key}`, lines: [{ position: 0, quantity: 1 }], photos: [png()], access: { customerId: other.customerId } });
    }
    // The photo is served back byte for byte, to the owner and to staff only.
    const photo = await claimPhoto(t.ctx.db, { shopId: 'el', claimId: claim.id, n: 1, reader: { staff: false, access: { customerId: o.customerId } } });
    expect(photo.contentType).toBe('image/jpeg');
    expect(Buffer.compare(photo.content, jpeg())).toBe(0);
    expect((await claimPhoto(t.ctx.db, { shopId: 'el', claimId: claim.id, n: 2, reader: { staff: true } })).contentType).toBe('image/png');
    expect(await codeOf(claimPhoto(t.ctx.db, { shopId: 'el', claimId: claim.id, n: 1, reader: { staff: false, access: { customerId: orders.late!.customerId } } }))).toBe('claim.not_found');

    // Filed: acknowledged by email (FR), proven with each photo's hash and the possession facts.
    await h.dispatch();
    const mails = await h.emailsAbout(o.order.number);
    const ack = mails.find((m) => m.subject === `Votre réclamation ${claim.number} est enregistrée`)!;
    expect(ack.language).toBe('fr');
    expect(ack.text).toContain('article endommagé');
    expect(ack.text).toContain('29 décembre 2026');
    const [filed] = await listEvidence(t.ctx.db, 'el', { subject: { type: 'order', id: o.order.number }, kinds: [DELIVERY_CLAIM_FILED] });
    expect(filed!.data).toMatchObject({
      claim: claim.number,
      shipment: o.shipment.number,
      kind: 'damaged',
      rule: 'SH-8',
      lines: [{ position: 0, quantity: 1 }],
      photos: [{ n: 1, sha256: photo.sha256 }, { n: 2 }],
      deliveredAt: '2026-12-24T09:30:00.000Z',
      possessionBy: 'customer',
      possessionName: 'Camille Martin',
      possessionSource: 'carrier',
      windowLastDay: '2026-12-29',
    });
    expect(filed!.actor).toBe(`customer:${o.customerId}`);
  });

  it('SH-8 refuses a claim one day late (Wednesday 30 December): claim.window_closed', async () => {
    await h.moveTo('2026-12-30T10:00:00Z');
    const o = orders.late!;
    const before = await h.claimRows();
    const input = { orderNumber: o.order.number, shipmentNumber: o.shipment.number, kind: 'damaged', description: 'Trop tard', lines: [{ position: 0, quantity: 1 }], photos: [jpeg()], access: { customerId: o.customerId } };
    expect(await codeOf(h.file(input))).toBe('claim.window_closed');
    await h.file(input).catch((error: { details: Record<string, unknown> }) => expect(error.details).toMatchObject({ rule: 'SH-8', lastDay: '2026-12-29', field: 'shipment' }));
    expect(await h.claimRows()).toBe(before);
  });

  it('SH-8 the back office lists the claims to decide with the possession facts and the refund a decision would give', async () => {
    const list = await listClaimsForStaff(t.ctx.db, { shopId: 'el', state: 'filed' });
    expect(list.map((c) => c.orderNumber)).toEqual([orders.refund!.order.number, orders.reship!.order.number, orders.reject!.order.number]);
    expect(list[0]).toMatchObject({ refundProposal: orders.refund!.order.lines[0]!.total / 3, customerEmail: orders.refund!.order.email });
    expect(list[1]!.possession).toEqual({ by: 'third_party', name: 'Gardien, loge B', source: 'carrier' }); // SH-9: a third party named by the customer
  });

  it('SH-8 refund: the one damaged unit to the cent, through the provider, due within 14 days; emailed and proven', async () => {
    const o = orders.refund!;
    const [claim] = await listClaimsOfOrder(t.ctx.db, { shopId: 'el', orderNumber: o.order.number, access: { customerId: o.customerId } });
    const line = o.order.lines[0]!;
    expect(line.total % 3).toBe(0);
    const unit = line.total / 3;
    expect(unit).toBe(12_999 + line.ecoFeePerUnit); // 129.99 and its eco-fee
    const decided = await h.decide(claim!.id, 'refund');
    expect(decided).toMatchObject({ state: 'refunded', lines: [{ position: 0, quantity: 1, decidedQuantity: 1 }], decision: { outcome: 'refund', refund: { amount: unit, currency: 'EUR', dueOn: '2027-01-13' } } });
    expect(decided.decision!.refund!.settlement).toEqual([expect.objectContaining({ action: 'provider_refund', amount: unit })]);
    const refundRow = await t.ctx.db.selectFrom('order_refunds').selectAll().where('key', '=', `delivery_claim:${claim!.number}`).executeTakeFirstOrThrow();
    expect(refundRow).toMatchObject({ reason: 'delivery_claim', rule: 'SH-8', amount_minor: String(unit), due_on: '2027-01-13' });
    await h.dispatch();
    const [payment] = await listPaymentsFor(t.ctx.db, 'el', { kind: 'order', id: o.order.number });
    expect(payment).toMatchObject({ captured: o.order.total, refunded: unit });
    const mail = (await h.emailsAbout(o.order.number)).find((m) => m.subject === `Réclamation ${claim!.number} : remboursement`)!;
    expect(mail.text).toContain('13 janvier 2027');
    expect(mail.text).toContain('remboursés sur votre moyen de paiement');
    const [decidedEvent] = await listEvidence(t.ctx.db, 'el', { subject: { type: 'order', id: o.order.number }, kinds: [DELIVERY_CLAIM_DECIDED] });
    const [refundDue] = await listEvidence(t.ctx.db, 'el', { subject: { type: 'order', id: o.order.number }, kinds: ['order.refund_due'] });
    expect(decidedEvent!.seq).toBe(refundDue!.seq + 1); // the decision's last write, right after the refund it proves
    expect(decidedEvent!.data).toMatchObject({ outcome: 'refund', refund: unit, refundDueOn: '2027-01-13', rule: 'SH-8' });
    // Decided once: the same outcome again changes nothing, another is refused.
    expect((await h.decide(claim!.id, 'refund')).decision!.refund!.amount).toBe(unit);
    // DOC-1: the refunded unit is credited on the invoice, once.
    const documents = await orderDocuments(t.ctx.db, { shopId: 'el', orderNumber: o.order.number });
    expect(documents.filter((d) => d.kind === 'credit_note').map((d) => d.total)).toEqual([unit]);
    expect(await codeOf(h.decide(claim!.id, 'reject', { reason: 'Changed my mind' }))).toBe('claim.illegal_transition');
    expect(await t.ctx.db.selectFrom('order_refunds').select('id').where('key', '=', `delivery_claim:${claim!.number}`).execute()).toHaveLength(1);
  });

  it('SH-8 reship: a replacement parcel of the missing unit, taken from stock, dispatched without charging again', async () => {
    const o = orders.reship!;
    const [claim] = await listClaimsOfOrder(t.ctx.db, { shopId: 'el', orderNumber: o.order.number, access: { customerId: o.customerId } });
    const stockBefore = await h.warehouseStock(o.variantId);
    const decided = await h.decide(claim!.id, 'reship');
    expect(decided).toMatchObject({ state: 'reshipped', decision: { outcome: 'reship', replacementShipment: `${o.order.number}-2`, refund: null } });
    const parcels = await listShipments(t.ctx.db, { shopId: 'el', orderId: o.order.id });
    expect(parcels.map((p) => [p.number, p.state, p.replaces, p.lines.map((l) => [l.position, l.quantity])])).toEqual([
      [o.shipment.number, 'delivered', null, [[0, 2]]],
      [`${o.order.number}-2`, 'packed', o.shipment.number, [[0, 1]]],
    ]);
    expect(await h.warehouseStock(o.variantId)).toBe(stockBefore - 1);
    const [paymentBefore] = await listPaymentsFor(t.ctx.db, 'el', { kind: 'order', id: o.order.number });
    // Dispatched like any parcel (SH-5 email), no money taken again.
    const actor = await ownerActor(t);
    const parcel = await sandboxCarrier('http://shop.test').createParcel({ idempotencyKey: `${o.order.number}-2`, carrierName: 'UPS Standard', methodKind: 'home_standard', destination: { country: 'FR', postalCode: '75011' } });
    const at = await h.now();
    const sent = await t.ctx.db.transaction().execute((tx) => dispatchShipment(tx, { shopId: 'el', shipmentNumber: `${o.order.number}-2`, parcel, actor, now: at }));
    expect(sent.state).toBe('shipped');
    await h.dispatch();
    const [paymentAfter] = await listPaymentsFor(t.ctx.db, 'el', { kind: 'order', id: o.order.number });
    expect(paymentAfter!.captured).toBe(paymentBefore!.captured);
    expect(paymentAfter!.refunded).toBe(0);
    const subjects = (await h.emailsAbout(o.order.number)).map((m) => m.subject);
    expect(subjects).toContain(`Réclamation ${claim!.number} : articles renvoyés`);
    expect(subjects.filter((s) => s === `Votre commande ${o.order.number} est expédiée`)).toHaveLength(2);
  });

  it('SH-8 reject: the reason is kept, shown to the customer and emailed; nothing refunded', async () => {
    const o = orders.reject!;
    const [claim] = await listClaimsOfOrder(t.ctx.db, { shopId: 'el', orderNumber: o.order.number, access: { customerId: o.customerId } });
    expect(await codeOf(h.decide(claim!.id, 'reject', { reason: '  ' }))).toBe('claim.reason_required');
    const reason = 'L’article livré correspond à la référence commandée (photo du carton à l’appui).';
    await h.decide(claim!.id, 'reject', { reason });
    const [seen] = await listClaimsOfOrder(t.ctx.db, { shopId: 'el', orderNumber: o.order.number, access: { customerId: o.customerId } });
    expect(seen).toMatchObject({ state: 'rejected', decision: { outcome: 'reject', reason, refund: null, replacementShipment: null } });
    expect(seen!.lines[0]!.decidedQuantity).toBeNull();
    await h.dispatch();
    const mail = (await h.emailsAbout(o.order.number)).find((m) => m.subject === `Réclamation ${claim!.number} : réponse`)!;
    expect(mail.text).toContain(`Motif : ${reason}`);
    expect(mail.text).toContain('garantie légale de conformité');
    expect(await t.ctx.db.selectFrom('order_refunds').select('id').where('order_id', '=', o.order.id).execute()).toHaveLength(0);
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'target']).where('action', '=', DELIVERY_CLAIM_DECIDED).execute();
    expect(audit.map((a) => a.target)).toContain(`delivery_claim:${claim!.number}`);
  });

  it('SH-8 after the window, the units of a rejected claim cannot be claimed again; the evidence chain holds', async () => {
    const o = orders.reject!;
    expect(await codeOf(h.file({ orderNumber: o.order.number, shipmentNumber: o.shipment.number, kind: 'damaged', description: 'Encore', lines: [{ position: 0, quantity: 1 }], photos: [jpeg()], access: { customerId: o.customerId } }))).toBe('claim.window_closed');
    expect((await verifyEvidenceChain(t.ctx.db, 'el')).ok).toBe(true);
  });
});

describe('JW: delivery complaints within 30 days (SH-8)', () => {
  const t = useTestApp('jw', { clockStart: '2026-12-01T08:00:00Z' });
  const h = helpers(t);

  it('SH-8 accepted on the 30th day without photos (not asked by JW), refused on the 31st', async () => {
    const inTime = await h.shippedOrder({ method: 'ems', quantity: 2 });
    const late = await h.shippedOrder({ method: 'ems', quantity: 1, variantId: inTime.variantId });
    await h.moveTo('2026-12-01T10:00:00Z');
    await h.deliver(inTime.shipment);
    await h.deliver(late.shipment);
    await h.moveTo('2026-12-31T20:00:00Z'); // 21:00 in Paris on the 30th day
    const claim = await h.file({ orderNumber: inTime.order.number, shipmentNumber: inTime.shipment.number, kind: 'missing_item', description: 'Un seul article dans le colis.', lines: [{ position: 0, quantity: 1 }], photos: [], access: { customerId: inTime.customerId } });
    expect(claim).toMatchObject({ state: 'filed', windowLastDay: '2026-12-31', photos: [] });
    await h.moveTo('2027-01-01T09:00:00Z');
    expect(await codeOf(h.file({ orderNumber: late.order.number, shipmentNumber: late.shipment.number, kind: 'damaged', description: 'Cassé', lines: [{ position: 0, quantity: 1 }], photos: [], access: { customerId: late.customerId } }))).toBe('claim.window_closed');
    // Refund of the missing unit: half the line, to the cent, on 1 January + 14 days.
    const decided = await h.decide(claim.id, 'refund');
    expect(decided.decision!.refund).toMatchObject({ amount: Math.floor(inTime.order.lines[0]!.total / 2), dueOn: '2027-01-15' });
  });
});

describe('FA: no claim window in the terms, refusal of the parcel advised (SH-8)', () => {
  const t = useTestApp('fa', { clockStart: '2026-11-23T09:00:00Z' });
  const h = helpers(t);

  it('SH-8 a claim a year after delivery is recorded (no short limit in law or terms)', async () => {
    const o = await h.shippedOrder({ method: 'home', quantity: 1 });
    await h.deliver(o.shipment);
    await h.moveTo('2027-11-20T09:00:00Z');
    const claim = await h.file({ orderNumber: o.order.number, shipmentNumber: o.shipment.number, kind: 'wrong_item', description: 'Mauvaise couleur', lines: [{ position: 0, quantity: 1 }], photos: [], access: { customerId: o.customerId } });
    expect(claim).toMatchObject({ state: 'filed', windowLastDay: null });
    await h.dispatch();
    const ack = (await h.emailsAbout(o.order.number)).find((m) => m.subject === `Votre réclamation ${claim.number} est enregistrée`)!;
    expect(ack.text).not.toContain('délai');
  });

  it('SH-8 a parcel not delivered yet cannot be claimed about; refused at delivery it is listed with its refund once back', async () => {
    const o = await h.shippedOrder({ method: 'home', quantity: 1 });
    expect(await codeOf(h.file({ orderNumber: o.order.number, shipmentNumber: o.shipment.number, kind: 'damaged', description: 'x', lines: [{ position: 0, quantity: 1 }], photos: [], access: { customerId: o.customerId } }))).toBe('claim.parcel_not_delivered');
    await track(t, o.shipment.trackingNumber!, { kind: 'refused', reason: 'Colis endommagé, refusé avec réserves' });
    let [refused] = await listRefusedParcels(t.ctx.db, { shopId: 'fa' });
    expect(refused).toMatchObject({ orderNumber: o.order.number, shipmentNumber: o.shipment.number, reason: 'Colis endommagé, refusé avec réserves', state: 'refused', refund: null });
    await track(t, o.shipment.trackingNumber!, { kind: 'returned' });
    [refused] = await listRefusedParcels(t.ctx.db, { shopId: 'fa' });
    expect(refused).toMatchObject({ state: 'returned', refund: { amount: o.order.total, currency: 'EUR' } });
    expect(await codeOf(getClaimForStaff(t.ctx.db, { shopId: 'fa', id: '999999' }))).toBe('claim.not_found');
  });
});
