// Issue 5 §7: delivery problems (SH-8, SH-9).
//
// - fileDeliveryClaim: the customer (signed in, or a guest with the order's
//   access token) says a delivered parcel came damaged, with an item missing
//   or a wrong item: the lines and units concerned, a description, photos
//   (0–5, at least one where the terms ask for photos — EL). In time only
//   within the policy's window from the parcel's possession date
//   (src/domain/fulfilment/delivery-claims.ts; none in the terms: always in
//   time). The possession facts (SH-9: who took the parcel, when, on whose
//   word — the risk passed to the customer then) are copied into the claim
//   for staff. One transaction: the claim, its lines and photos, the
//   acknowledgement email, `delivery_claim.filed` (with each photo's SHA-256) last.
// - decideDeliveryClaim: the merchant (`returns.manage`) settles it once —
//   reship (a replacement parcel packed with `packShipment({ replaces })`,
//   its units taken from stock; dispatched like any parcel), refund (the
//   units concerned at their price to the cent, `refundOrderAmount` reason
//   `delivery_claim`, due within 14 days, credited on the invoice — DOC-1),
//   or reject with a reason the customer reads. One transaction with the
//   email, the audit row and `delivery_claim.decided` last.
// - A unit is settled once (src/app/settled-units.ts): units already named by
//   a withdrawal, exchanged in store, or refunded (by a delivery or guarantee
//   claim) are neither claimed, reshipped nor refunded again —
//   `claim.already_settled` (409); a refund's units come after those settled
//   (to the cent), less the price reductions given on the line (GU-1/GU-2).
// - A parcel refused at delivery (FA advises it) is recorded from the
//   carrier's `refused` event by src/app/fulfilment.ts, which refunds it
//   when it is back; `listRefusedParcels` shows those refusals with the claims.
//
// Locks, the engine's order: the order's payments → the order
// (`lockOrderWithPayments`) → the claim → stock rows → evidence head.
import { MONEY_BACK_WITHIN } from '../domain/legal-floor.js';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { periodEnd } from '../domain/calendar/period-end.js';
import {
  assertClaimInTime,
  checkClaimLines,
  checkClaimPhotos,
  checkDescription,
  checkRejectionReason,
  claimAfter,
  claimWindowEnd,
  decidedLines,
  isClaimKind,
  stateOfOutcome,
  CLAIM_KINDS,
  type ClaimKind,
  type ClaimLineRequest,
  type ClaimOutcome,
  type ClaimState,
} from '../domain/fulfilment/delivery-claims.js';
import { DomainError } from '../domain/errors.js';
import { formatMoney, money, type Currency } from '../domain/money.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import { inTransaction, type Queryable, type Tx } from '../store/db.js';
import { appendEvidence, type EvidenceData } from '../store/evidence.js';
import { refreshProductCards } from '../store/product-cards.js';
import type { Possession } from '../store/schema.js';
import { queueEmail, type EmailPayload } from './emails.js';
import { refundLines } from './fulfilment-emails.js';
import { packShipment } from './fulfilment.js';
import { legalDate, orderEmail, replyClosing } from './order-emails.js';
import { refundOrderAmount, type SettledPayment } from './order-refunds.js';
import { getOrderFor, lockOrderWithPayments, policyOfOrder, type Order } from './orders.js';
import { settledUnits, unitsLeft, unitsMoney, type SettledLine } from './settled-units.js';
import { lockStock } from './stock.js';

export const DELIVERY_CLAIM_FILED = 'delivery_claim.filed';
export const DELIVERY_CLAIM_DECIDED = 'delivery_claim.decided';

/** Who asks on the storefront: the signed-in customer, or a guest with the order's access token. */
export type ClaimAccess = { customerId?: string | null | undefined; accessToken?: string | null | undefined };

export type ClaimLine = { position: number; sku: string; name: { fr: string; en: string }; quantity: number; decidedQuantity: number | null };
export type ClaimPhoto = { n: number; contentType: string; size: number; sha256: string };
export type ClaimRefund = { amount: number; currency: Currency; dueOn: string | null; settlement: SettledPayment[] };
export type ClaimDecision = {
  outcome: ClaimOutcome;
  decidedAt: Date;
  decidedBy: string;
  /** reject: the reason, shown to the customer. */
  reason: string | null;
  /** reship: the replacement parcel. */
  replacementShipment: string | null;
  /** refund: what was given back (the units' price, less nothing: the delivery stays charged). */
  refund: ClaimRefund | null;
};

export type DeliveryClaim = {
  id: string;
  number: string;
  orderNumber: string;
  shipmentNumber: string;
  currency: Currency;
  kind: ClaimKind;
  description: string;
  state: ClaimState;
  filedAt: Date;
  filedBy: string;
  /** SH-9: possession of the parcel (the risk passed then), as recorded when the claim was filed. */
  deliveredAt: Date;
  possession: Possession;
  /** SH-8: the window's last day; null when the terms set none. */
  windowLastDay: string | null;
  lines: ClaimLine[];
  photos: ClaimPhoto[];
  decision: ClaimDecision | null;
};

export type DeliveryClaimForStaff = DeliveryClaim & {
  customerEmail: string;
  /** What a refund of every unit claimed would give back now (minor units), for the merchant's decision. */
  refundProposal: number;
};

const outcomeOfState: Readonly<Record<ClaimState, ClaimOutcome | null>> = { filed: null, reshipped: 'reship', refunded: 'refund', rejected: 'reject' };

// ---------------------------------------------------------------------------
// Reading

type ClaimWhere = { shopId: string; id?: string; orderId?: string; customerId?: string; states?: readonly ClaimState[]; limit?: number };

const idPattern = /^\d{1,18}$/;

async function claimsWhere(q: Queryable, where: ClaimWhere): Promise<DeliveryClaimForStaff[]> {
  if (where.id !== undefined && !idPattern.test(where.id)) return [];
  if (where.customerId !== undefined && !idPattern.test(where.customerId)) return [];
  let query = q
    .selectFrom('delivery_claims as c')
    .innerJoin('orders as o', 'o.id', 'c.order_id')
    .innerJoin('shipments as s', 's.id', 'c.shipment_id')
    .leftJoin('shipments as r', 'r.id', 'c.replacement_shipment_id')
    .leftJoin('order_refunds as f', (j) => j.onRef('f.shop_id', '=', 'c.shop_id').onRef('f.key', '=', 'c.refund_key'))
    .select([
      'c.id', 'c.number', 'c.kind', 'c.description', 'c.state', 'c.filed_at', 'c.filed_by', 'c.delivered_at', 'c.possession', 'c.window_last_day',
      'c.decided_at', 'c.decided_by', 'c.reject_reason', 'c.order_id',
      'o.number as order_number', 'o.currency', 'o.email', 's.number as shipment_number', 'r.number as replacement_number',
      'f.amount_minor as refund_amount', 'f.due_on as refund_due_on', 'f.settlement as refund_settlement',
    ])
    .where('c.shop_id', '=', where.shopId);
  if (where.id !== undefined) query = query.where('c.id', '=', where.id);
  if (where.orderId !== undefined) query = query.where('c.order_id', '=', where.orderId);
  if (where.customerId !== undefined) query = query.where('o.customer_id', '=', where.customerId);
  if (where.states !== undefined && where.states.length > 0) query = query.where('c.state', 'in', [...where.states]);
  const rows = await query.orderBy('c.filed_at', 'desc').orderBy('c.id', 'desc').limit(Math.min(Math.max(where.limit ?? 200, 1), 500)).execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const orderIds = [...new Set(rows.map((r) => r.order_id))];
  // The refund proposal of a claim to decide counts what the order's units settled already.
  const toDecide = [...new Set(rows.filter((r) => r.state === 'filed').map((r) => r.order_id))];
  const [lines, photos, orderLines, settled] = await Promise.all([
    q.selectFrom('delivery_claim_lines').selectAll().where('claim_id', 'in', ids).orderBy('position').execute(),
    q.selectFrom('delivery_claim_photos').select(['claim_id', 'n', 'content_type', 'size_bytes', 'sha256']).where('claim_id', 'in', ids).orderBy('n').execute(),
    q.selectFrom('order_lines').select(['order_id', 'position', 'sku', 'name_fr', 'name_en', 'quantity', 'total_minor']).where('order_id', 'in', orderIds).execute(),
    Promise.all(toDecide.map(async (id) => [id, await settledUnits(q, id)] as const)).then((pairs) => new Map(pairs)),
  ]);
  return rows.map((r) => {
    const own = lines.filter((l) => l.claim_id === r.id);
    const ofOrder = orderLines.filter((l) => l.order_id === r.order_id);
    const outcome = outcomeOfState[r.state];
    let refundProposal = 0;
    if (r.state === 'filed') {
      try {
        const priced = ofOrder.map((l) => ({ position: l.position, quantity: l.quantity, total: Number(l.total_minor) }));
        refundProposal = claimedUnitsMoney(priced, settled.get(r.order_id)!, own).reduce((n, i) => n + i.amount, 0);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        refundProposal = 0; // units settled otherwise since: the decision will say so
      }
    }
    return {
      id: r.id,
      number: r.number,
      orderNumber: r.order_number,
      shipmentNumber: r.shipment_number,
      currency: r.currency as Currency,
      kind: r.kind,
      description: r.description,
      state: r.state,
      filedAt: r.filed_at,
      filedBy: r.filed_by,
      deliveredAt: r.delivered_at,
      possession: r.possession,
      windowLastDay: r.window_last_day,
      lines: own.map((l) => {
        const line = ofOrder.find((o) => o.position === l.position);
        return { position: l.position, sku: line?.sku ?? '', name: { fr: line?.name_fr ?? '', en: line?.name_en ?? '' }, quantity: l.quantity, decidedQuantity: l.decided_quantity };
      }),
      photos: photos.filter((p) => p.claim_id === r.id).map((p) => ({ n: p.n, contentType: p.content_type, size: p.size_bytes, sha256: p.sha256 })),
      decision:
        outcome === null || r.decided_at === null
          ? null
          : {
              outcome,
              decidedAt: r.decided_at,
              decidedBy: r.decided_by ?? '',
              reason: r.reject_reason,
              replacementShipment: r.replacement_number,
              refund:
                r.refund_amount === null
                  ? null
                  : { amount: Number(r.refund_amount), currency: r.currency as Currency, dueOn: r.refund_due_on, settlement: (r.refund_settlement ?? []) as SettledPayment[] },
            },
      customerEmail: r.email,
      refundProposal,
    };
  });
}

/**
 * SH-8: each claimed line at its units' money (`unitsMoney` in src/app/settled-units.ts, as a withdrawal
 * sees them: a unit named by a withdrawal statement, exchanged in store or
 * refunded is not the claim's to settle any more); `claim.already_settled`
 * otherwise, with the units still open.
 */
function claimedUnitsMoney(
  orderLines: readonly { position: number; quantity: number; total: number }[],
  settled: ReadonlyMap<number, SettledLine>,
  lines: readonly ClaimLineRequest[],
): { position: number; quantity: number; amount: number }[] {
  return lines.map((d, i) => {
    const line = orderLines.find((l) => l.position === d.position);
    const units = settled.get(d.position);
    const money = line && units ? unitsMoney(line, units, d.quantity, 'withdrawal') : { available: 0, amount: 0 };
    if (d.quantity > money.available) {
      throw new DomainError('claim.already_settled', { field: `lines.${i}.quantity`, rule: 'SH-8', position: d.position, available: money.available }, 'These units were withdrawn, exchanged or refunded already.');
    }
    return { position: d.position, quantity: d.quantity, amount: money.amount };
  });
}

/** Units of each order line a new claim may name: open to settlement (`unitsLeft`), less those named by claims still to decide. */
async function unitsOpenToClaims(q: Queryable, orderId: string): Promise<Map<number, number>> {
  const [settled, waiting] = await Promise.all([
    settledUnits(q, orderId),
    q
      .selectFrom('delivery_claim_lines as l')
      .innerJoin('delivery_claims as c', 'c.id', 'l.claim_id')
      .select(['l.position', (eb) => eb.fn.sum<string>('l.quantity').as('units')])
      .where('c.order_id', '=', orderId)
      .where('c.state', '=', 'filed')
      .groupBy('l.position')
      .execute(),
  ]);
  return new Map([...settled.values()].map((s) => [s.position, Math.max(0, unitsLeft(s, 'withdrawal') - Number(waiting.find((w) => w.position === s.position)?.units ?? 0))]));
}

const forCustomer = ({ customerEmail: _e, refundProposal: _p, ...claim }: DeliveryClaimForStaff): DeliveryClaim => claim;

/** The claims of an order for whoever may read the order (`order.not_found` otherwise), newest first. */
export async function listClaimsOfOrder(q: Queryable, input: { shopId: string; orderNumber: string; access: ClaimAccess }): Promise<DeliveryClaim[]> {
  const order = await getOrderFor(q, { shopId: input.shopId, number: input.orderNumber, customerId: input.access.customerId ?? null, accessToken: input.access.accessToken ?? null });
  return (await claimsWhere(q, { shopId: input.shopId, orderId: order.id })).map(forCustomer);
}

/** Every claim of the signed-in customer, newest first. */
export async function listCustomerClaims(q: Queryable, input: { shopId: string; customerId: string }): Promise<DeliveryClaim[]> {
  return (await claimsWhere(q, { shopId: input.shopId, customerId: input.customerId })).map(forCustomer);
}

/** One claim for the back office (`claim.not_found` otherwise). */
export async function getClaimForStaff(q: Queryable, input: { shopId: string; id: string }): Promise<DeliveryClaimForStaff> {
  const [claim] = await claimsWhere(q, { shopId: input.shopId, id: input.id });
  if (!claim) throw new DomainError('claim.not_found', { field: 'id', rule: 'SH-8' }, 'No such claim.');
  return claim;
}

/** The back office's list: claims still to decide first (oldest first), then the decided ones, newest first. */
export async function listClaimsForStaff(q: Queryable, input: { shopId: string; state?: ClaimState | 'all' | undefined; limit?: number }): Promise<DeliveryClaimForStaff[]> {
  const states = input.state === undefined || input.state === 'all' ? undefined : [input.state];
  const claims = await claimsWhere(q, { shopId: input.shopId, ...(states ? { states } : {}), limit: input.limit ?? 200 });
  const open = claims.filter((c) => c.state === 'filed').reverse();
  return [...open, ...claims.filter((c) => c.state !== 'filed')];
}

export type RefusedParcel = {
  orderNumber: string;
  shipmentNumber: string;
  carrier: string;
  refusedAt: Date;
  reason: string | null;
  /** The parcel's state now: refused, returning, returned. */
  state: string;
  /** The refund once the parcel is back (src/app/fulfilment.ts), else null. */
  refund: { amount: number; currency: string; dueOn: string | null } | null;
};

/** SH-8: parcels refused at delivery (the carrier's `refused` event), newest first. */
export async function listRefusedParcels(q: Queryable, input: { shopId: string; limit?: number }): Promise<RefusedParcel[]> {
  const rows = await q
    .selectFrom('shipment_events as e')
    .innerJoin('shipments as s', 's.id', 'e.shipment_id')
    .innerJoin('orders as o', 'o.id', 's.order_id')
    .leftJoin('order_refunds as f', (j) => j.onRef('f.shop_id', '=', 's.shop_id').on('f.key', '=', sql<string>`'parcel_back:' || s.number`))
    .select(['o.number as order_number', 's.number as shipment_number', 's.carrier', 's.state', 'e.occurred_at', 'e.data', 'f.amount_minor', 'f.currency', 'f.due_on'])
    .where('s.shop_id', '=', input.shopId)
    .where('e.kind', '=', 'refused')
    .orderBy('e.occurred_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(Math.min(Math.max(input.limit ?? 200, 1), 500))
    .execute();
  return rows.map((r) => ({
    orderNumber: r.order_number,
    shipmentNumber: r.shipment_number,
    carrier: r.carrier,
    refusedAt: r.occurred_at,
    reason: typeof r.data.reason === 'string' ? r.data.reason : null,
    state: r.state,
    refund: r.amount_minor === null ? null : { amount: Number(r.amount_minor), currency: r.currency ?? '', dueOn: r.due_on },
  }));
}

/** A delivered parcel as the claim form offers it: its lines, what is left to claim, and the window. */
export type ClaimableParcel = {
  number: string;
  deliveredAt: Date;
  possession: Possession | null;
  /** SH-8: the last day to claim; null when the terms set no window. */
  lastDay: string | null;
  open: boolean;
  lines: { position: number; sku: string; name: { fr: string; en: string }; quantity: number; claimable: number }[];
};

export type ClaimOptions = {
  parcels: ClaimableParcel[];
  /** SH-8 (FA): refuse a damaged parcel at delivery, with reservations on the carrier's slip. */
  parcelRefusalAdvised: boolean;
  photosRequested: boolean;
  window: { days: number; kind: string } | null;
};

/** What the customer may claim about an order now (the caller checked they may read it). */
export async function claimOptionsOf(q: Queryable, input: { shopId: string; order: Order; now: Date }): Promise<ClaimOptions> {
  const { order } = input;
  const policy = await policyOfOrder(q, input.shopId, order.policyHash);
  const rule = policy.shipping.damageAtDelivery;
  const delivered = await q
    .selectFrom('shipments')
    .select(['id', 'number', 'delivered_at', 'possession'])
    .where('order_id', '=', order.id)
    .where('state', '=', 'delivered')
    .where('delivered_at', 'is not', null)
    .orderBy('id')
    .execute();
  const open = await unitsOpenToClaims(q, order.id);
  const parcels: ClaimableParcel[] = [];
  for (const s of delivered) {
    const lines = await parcelLines(q, s.id);
    const end = claimWindowEnd({ deliveredAt: s.delivered_at!, window: rule.claimWindow, timeZone: policy.shop.timeZone, place: placeOf(order) });
    parcels.push({
      number: s.number,
      deliveredAt: s.delivered_at!,
      possession: s.possession,
      lastDay: end?.lastDay ?? null,
      open: end === null || input.now.getTime() < end.dueAt.getTime(),
      lines: lines.map((l) => {
        const line = order.lines.find((o) => o.position === l.position);
        return { position: l.position, sku: line?.sku ?? '', name: line?.name ?? { fr: '', en: '' }, quantity: l.quantity, claimable: Math.min(l.quantity - l.claimed, open.get(l.position) ?? 0) };
      }),
    });
  }
  return { parcels, parcelRefusalAdvised: rule.parcelRefusalAdvised, photosRequested: rule.photosRequested, window: rule.claimWindow ?? null };
}

/** A photo of a claim: for staff, or for whoever may read the claim's order (`claim.not_found` otherwise, never "forbidden"). */
export async function claimPhoto(
  q: Queryable,
  input: { shopId: string; claimId: string; n: number; reader: { staff: true } | { staff: false; access: ClaimAccess; orderNumber?: string | undefined } },
): Promise<{ contentType: string; content: Buffer; sha256: string; filename: string }> {
  const notFound = () => new DomainError('claim.not_found', { field: 'id', rule: 'SH-8' }, 'No such photo.');
  if (!idPattern.test(input.claimId) || !Number.isSafeInteger(input.n)) throw notFound();
  const claim = await q
    .selectFrom('delivery_claims as c')
    .innerJoin('orders as o', 'o.id', 'c.order_id')
    .select(['c.number', 'o.number as order_number'])
    .where('c.shop_id', '=', input.shopId)
    .where('c.id', '=', input.claimId)
    .executeTakeFirst();
  if (!claim) throw notFound();
  if (!input.reader.staff) {
    const { access, orderNumber } = input.reader;
    if (orderNumber !== undefined && orderNumber !== claim.order_number) throw notFound();
    try {
      await getOrderFor(q, { shopId: input.shopId, number: claim.order_number, customerId: access.customerId ?? null, accessToken: access.accessToken ?? null });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'order.not_found') throw notFound();
      throw error;
    }
  }
  const photo = await q.selectFrom('delivery_claim_photos').select(['content_type', 'content', 'sha256']).where('claim_id', '=', input.claimId).where('n', '=', input.n).executeTakeFirst();
  if (!photo) throw notFound();
  const extension = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' }[photo.content_type];
  return { contentType: photo.content_type, content: photo.content, sha256: photo.sha256, filename: `${claim.number}-${input.n}.${extension}` };
}

// ---------------------------------------------------------------------------
// Filing (the customer)

export type FileClaimInput = {
  shopId: string;
  orderNumber: string;
  shipmentNumber: string;
  kind: string;
  description: string;
  lines: readonly ClaimLineRequest[];
  /** The photos' bytes as sent; their type is read from their content. */
  photos: readonly Uint8Array[];
  access: ClaimAccess;
  now: Date;
};

const placeOf = (order: Order) => ({ country: order.deliveryAddress.country });

/** The parcel's lines with the units already named by its claims not rejected. */
async function parcelLines(q: Queryable, shipmentId: string): Promise<{ position: number; quantity: number; claimed: number }[]> {
  const [lines, claimed] = await Promise.all([
    q.selectFrom('shipment_lines').select(['position', 'quantity']).where('shipment_id', '=', shipmentId).orderBy('position').execute(),
    q
      .selectFrom('delivery_claim_lines as l')
      .innerJoin('delivery_claims as c', 'c.id', 'l.claim_id')
      .select(['l.position', (eb) => eb.fn.sum<string>('l.quantity').as('units')])
      .where('c.shipment_id', '=', shipmentId)
      .where('c.state', '<>', 'rejected')
      .groupBy('l.position')
      .execute(),
  ]);
  return lines.map((l) => ({ position: l.position, quantity: l.quantity, claimed: Number(claimed.find((c) => c.position === l.position)?.units ?? 0) }));
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** SH-8: files a claim (see the header). Refusals name the field and the rule; nothing is written then. */
export async function fileDeliveryClaim(db: Queryable, input: FileClaimInput): Promise<DeliveryClaim> {
  const { shopId, now } = input;
  if (!isClaimKind(input.kind)) throw new DomainError('claim.invalid_kind', { field: 'kind', rule: 'SH-8', allowed: [...CLAIM_KINDS] });
  const kind = input.kind;
  const description = checkDescription(input.description);
  return inTransaction(db, async (tx) => {
    // Who may read the order may claim about it; anyone else learns nothing (404).
    await getOrderFor(tx, { shopId, number: input.orderNumber, customerId: input.access.customerId ?? null, accessToken: input.access.accessToken ?? null });
    const { order } = await lockOrderWithPayments(tx, shopId, input.orderNumber);
    const policy = await policyOfOrder(tx, shopId, order.policyHash);
    const rule = policy.shipping.damageAtDelivery;
    const photos = checkClaimPhotos(input.photos, { required: rule.photosRequested });
    const shipment = await tx
      .selectFrom('shipments')
      .select(['id', 'number', 'state', 'delivered_at', 'possession'])
      .where('shop_id', '=', shopId)
      .where('order_id', '=', order.id)
      .where('number', '=', input.shipmentNumber)
      .executeTakeFirst();
    if (!shipment) throw new DomainError('shipment.not_found', { field: 'shipment' }, `No parcel ${input.shipmentNumber} in this order.`);
    if (shipment.state !== 'delivered' || shipment.delivered_at === null) {
      throw new DomainError('claim.parcel_not_delivered', { field: 'shipment', rule: 'SH-8', state: shipment.state }, 'A claim is about a parcel you received: this one is not recorded as delivered.');
    }
    const windowLastDay = assertClaimInTime({ deliveredAt: shipment.delivered_at, window: rule.claimWindow, timeZone: policy.shop.timeZone, place: placeOf(order), at: now });
    const lines = checkClaimLines(await parcelLines(tx, shipment.id), input.lines);
    const open = await unitsOpenToClaims(tx, order.id);
    for (const [i, l] of lines.entries()) {
      const available = open.get(l.position) ?? 0;
      if (l.quantity > available) throw new DomainError('claim.already_settled', { field: `lines.${i}.quantity`, rule: 'SH-8', position: l.position, available }, 'These units were withdrawn, exchanged or refunded already.');
    }
    const possession: Possession = shipment.possession ?? { by: 'customer', name: '', source: 'carrier' };

    const count = await tx.selectFrom('delivery_claims').select((eb) => eb.fn.countAll<string>().as('n')).where('order_id', '=', order.id).executeTakeFirstOrThrow();
    const number = `${order.number}-R${Number(count.n) + 1}`;
    const filedBy = input.access.customerId ? `customer:${input.access.customerId}` : 'guest';
    const row = await tx
      .insertInto('delivery_claims')
      .values({
        shop_id: shopId,
        order_id: order.id,
        shipment_id: shipment.id,
        number,
        kind,
        description,
        filed_at: now,
        filed_by: filedBy,
        delivered_at: shipment.delivered_at,
        possession: JSON.stringify(possession),
        window_last_day: windowLastDay,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx.insertInto('delivery_claim_lines').values(lines.map((l) => ({ claim_id: row.id, position: l.position, quantity: l.quantity }))).execute();
    const stored = input.photos.map((bytes, i) => ({ n: i + 1, type: photos[i]!.type, size: photos[i]!.size, sha256: sha256(bytes), bytes }));
    for (const p of stored) {
      await tx.insertInto('delivery_claim_photos').values({ claim_id: row.id, n: p.n, content_type: p.type, size_bytes: p.size, sha256: p.sha256, content: Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength) }).execute();
    }
    const claim = forCustomer((await claimsWhere(tx, { shopId, id: row.id }))[0]!);
    await queueEmail(tx, { shopId, key: `${DELIVERY_CLAIM_FILED}:${shopId}:${number}`, email: claimFiledEmail(order, claim, rule.claimWindow ? claim.windowLastDay : null) }, now);
    await appendEvidence(tx, {
      shopId,
      kind: DELIVERY_CLAIM_FILED,
      subject: { type: 'order', id: order.number },
      actor: filedBy,
      data: {
        number: order.number,
        claim: number,
        shipment: shipment.number,
        kind,
        rule: 'SH-8',
        lines: lines.map((l) => ({ position: l.position, quantity: l.quantity })),
        photos: stored.map((p) => ({ n: p.n, contentType: p.type, size: p.size, sha256: p.sha256 })),
        // SH-9: the possession the risk transfer rests on.
        deliveredAt: shipment.delivered_at.toISOString(),
        possessionBy: possession.by,
        possessionName: possession.name,
        possessionSource: possession.source,
        windowLastDay,
      },
      at: now,
    });
    return claim;
  });
}

// ---------------------------------------------------------------------------
// Deciding (the merchant)

export type DecideClaimInput = {
  shopId: string;
  claimId: string;
  outcome: ClaimOutcome;
  /** reject: the reason, shown to the customer. */
  reason?: string | null | undefined;
  /** reship / refund: part of the claimed lines (default: all of them as claimed). */
  lines?: readonly ClaimLineRequest[] | undefined;
  actor: Actor;
  now: Date;
};

/**
 * SH-8: the merchant's decision (see the header). Once: deciding the same
 * outcome again returns the claim as it is; another outcome is
 * `claim.illegal_transition` (409).
 */
export async function decideDeliveryClaim(tx: Tx, input: DecideClaimInput): Promise<DeliveryClaimForStaff> {
  const { shopId, now } = input;
  const found = await getClaimForStaff(tx, { shopId, id: input.claimId });
  const { order, payments } = await lockOrderWithPayments(tx, shopId, found.orderNumber);
  const locked = await tx.selectFrom('delivery_claims').select(['id', 'state']).where('id', '=', found.id).forUpdate().executeTakeFirstOrThrow();
  const to = stateOfOutcome(input.outcome);
  if (locked.state !== 'filed' && locked.state === to) return getClaimForStaff(tx, { shopId, id: found.id });
  claimAfter(locked.state, to);
  const claim = await getClaimForStaff(tx, { shopId, id: found.id });
  const reason = checkRejectionReason(input.outcome, input.reason);
  const claimed = claim.lines.map((l) => ({ position: l.position, quantity: l.quantity }));
  const decided = input.outcome === 'reject' ? [] : decidedLines(claimed, input.lines);
  const policy = await policyOfOrder(tx, shopId, order.policyHash);
  const proof: EvidenceData = { number: order.number, claim: claim.number, shipment: claim.shipmentNumber, outcome: input.outcome, rule: 'SH-8', lines: decided.map((l) => ({ ...l })) };
  let replacement: string | null = null;
  let refundKey: string | null = null;
  // Read under the order's lock: a unit withdrawn, exchanged or refunded since the claim is not reshipped nor refunded again.
  const items = input.outcome === 'reject' ? [] : claimedUnitsMoney(order.lines, await settledUnits(tx, order.id), decided);

  if (input.outcome === 'reship') {
    // SH-8: a replacement parcel of the claimed units, dispatched afterwards like any parcel (SH-5 email then).
    // The stock first: `packShipment` proves the parcel (evidence head), and stock is locked before it (the engine's lock order).
    await takeReplacementStock(tx, { shopId, order, lines: decided, now });
    const packed = await packShipment(tx, { shopId, orderNumber: order.number, lines: decided, replaces: claim.shipmentNumber, actor: input.actor, now });
    replacement = packed.number;
    proof.replacementShipment = packed.number;
  }
  if (input.outcome === 'refund') {
    const amount = items.reduce((n, i) => n + i.amount, 0);
    const { lastDay } = periodEnd({ from: now, period: MONEY_BACK_WITHIN, timeZone: policy.shop.timeZone, place: placeOf(order) });
    refundKey = `delivery_claim:${claim.number}`;
    // DOC-1: the units credited on the invoice, each at its price to the cent.
    const credit = { items, shipping: 0, reason: { fr: `Réclamation ${claim.number}`, en: `Claim ${claim.number}` } };
    const refund = await refundOrderAmount(tx, { shopId, order, payments, key: refundKey, reason: 'delivery_claim', rule: 'SH-8', amount, dueOn: lastDay, credit, actor: input.actor, now });
    Object.assign(proof, { refundRequested: amount, refund: refund.amount, currency: order.currency, refundDueOn: refund.dueOn, settlement: refund.settlement.map((s) => ({ ...s })) });
  }
  if (reason !== null) proof.reason = reason;

  await tx
    .updateTable('delivery_claims')
    .set({ state: to, decided_at: now, decided_by: actorLabel(input.actor), reject_reason: reason, replacement_shipment_id: replacement === null ? null : (await shipmentId(tx, shopId, replacement)), refund_key: refundKey })
    .where('id', '=', claim.id)
    .execute();
  if (input.outcome !== 'reject') {
    for (const l of claim.lines) {
      await tx
        .updateTable('delivery_claim_lines')
        .set({ decided_quantity: decided.find((d) => d.position === l.position)?.quantity ?? 0 })
        .where('claim_id', '=', claim.id)
        .where('position', '=', l.position)
        .execute();
    }
  }
  const result = await getClaimForStaff(tx, { shopId, id: claim.id });
  await queueEmail(tx, { shopId, key: `${DELIVERY_CLAIM_DECIDED}:${shopId}:${claim.number}`, email: claimDecidedEmail(order, result) }, now);
  await recordAudit(tx, { shopId, actor: input.actor, action: DELIVERY_CLAIM_DECIDED, target: `delivery_claim:${claim.number}`, details: { order: order.number, outcome: input.outcome, reason, replacement, lines: decided.map((l) => ({ ...l })) }, at: now });
  await appendEvidence(tx, { shopId, kind: DELIVERY_CLAIM_DECIDED, subject: { type: 'order', id: order.number }, actor: actorLabel(input.actor), data: proof, at: now });
  return result;
}

async function shipmentId(tx: Tx, shopId: string, number: string): Promise<string> {
  const row = await tx.selectFrom('shipments').select('id').where('shop_id', '=', shopId).where('number', '=', number).executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The replacement's units leave the warehouse: taken where the order's units
 * were taken first (OR-3), then from any other warehouse of the shop;
 * `claim.replacement_out_of_stock` (409) when the warehouses have not enough.
 * Also the replacement of a guarantee claim (GU-1, src/app/guarantee-claims.ts).
 */
export async function takeReplacementStock(tx: Tx, input: { shopId: string; order: Order; lines: readonly ClaimLineRequest[]; now: Date }): Promise<void> {
  const taken = await tx.selectFrom('order_lines').select(['position', 'variant_id', 'stock_taken']).where('order_id', '=', input.order.id).execute();
  const variantIds = [...new Set(input.lines.map((l) => taken.find((t) => t.position === l.position)!.variant_id))];
  const rows = await lockStock(tx, variantIds);
  const warehouses = new Set((await tx.selectFrom('locations').select('id').where('shop_id', '=', input.shopId).where('kind', '=', 'warehouse').execute()).map((w) => w.id));
  for (const [i, line] of input.lines.entries()) {
    const t = taken.find((x) => x.position === line.position)!;
    const preferred = t.stock_taken.map((s) => s.locationId);
    const candidates = rows
      .filter((r) => r.variantId === t.variant_id && warehouses.has(r.locationId))
      .sort((a, b) => Number(preferred.includes(b.locationId)) - Number(preferred.includes(a.locationId)));
    let left = line.quantity;
    for (const row of candidates) {
      const part = Math.min(left, row.quantity);
      if (part <= 0) continue;
      await sql`UPDATE stock SET quantity = quantity - ${part}::int WHERE variant_id = ${row.variantId}::bigint AND location_id = ${row.locationId}::bigint`.execute(tx);
      row.quantity -= part;
      left -= part;
      if (left === 0) break;
    }
    if (left > 0) {
      throw new DomainError('claim.replacement_out_of_stock', { field: `lines.${i}.quantity`, rule: 'SH-8', position: line.position, missing: left }, 'Not enough stock at the warehouse for the replacement: refund instead, or wait for stock.');
    }
  }
  await refreshProductCards(tx, { variantIds, now: input.now });
}

// ---------------------------------------------------------------------------
// Emails (the order's language; French is the reference)

type Lang = 'fr' | 'en';

const kindText: Readonly<Record<Lang, Record<ClaimKind, string>>> = {
  fr: { damaged: 'article endommagé', missing_item: 'article manquant', wrong_item: 'article non conforme à la commande' },
  en: { damaged: 'damaged item', missing_item: 'missing item', wrong_item: 'wrong item' },
};

export const claimKindLabel = (lang: Lang, kind: ClaimKind): string => kindText[lang][kind];

const itemLines = (lang: Lang, lines: readonly { name: { fr: string; en: string }; quantity: number }[]) => lines.filter((l) => l.quantity > 0).map((l) => `- ${l.quantity} × ${l.name[lang]}`);


/** SH-8: the claim is recorded — what it says, and that the merchant will answer. */
export function claimFiledEmail(order: Order, claim: DeliveryClaim, windowLastDay: string | null): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  const photos = claim.photos.length;
  return orderEmail(order, fr ? `Votre réclamation ${claim.number} est enregistrée` : `Your claim ${claim.number} is recorded`, [
    fr
      ? `Nous avons bien reçu votre réclamation ${claim.number} concernant le colis ${claim.shipmentNumber} de la commande ${order.number} (${kindText.fr[claim.kind]}).`
      : `We have received your claim ${claim.number} about parcel ${claim.shipmentNumber} of order ${order.number} (${kindText.en[claim.kind]}).`,
    '',
    fr ? 'Articles concernés :' : 'Items concerned:',
    ...itemLines(lang, claim.lines),
    '',
    fr ? `Votre description : ${claim.description}` : `Your description: ${claim.description}`,
    photos > 0 ? (fr ? `Photos jointes : ${photos}` : `Photos attached: ${photos}`) : fr ? 'Aucune photo jointe.' : 'No photo attached.',
    ...(windowLastDay ? [fr ? `Réclamation reçue dans le délai prévu par nos CGV (jusqu'au ${legalDate(windowLastDay, 'fr')}).` : `Claim received within the period of our terms of sale (until ${legalDate(windowLastDay, 'en')}).`] : []),
    '',
    fr ? 'Nous vous répondrons après examen : renvoi des articles, remboursement, ou refus motivé.' : 'We will answer once we have looked into it: the items sent again, a refund, or a refusal with its reason.',
    replyClosing(lang),
  ]);
}

/** SH-8: the merchant's decision, with the replacement parcel, the refund (RF-3: how the money comes back) or the reason of a refusal. */
export function claimDecidedEmail(order: Order, claim: DeliveryClaim): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  const d = claim.decision!;
  const decidedItems = itemLines(lang, claim.lines.map((l) => ({ name: l.name, quantity: l.decidedQuantity ?? 0 })));
  const head = fr ? `Votre réclamation ${claim.number} (colis ${claim.shipmentNumber}, commande ${order.number}) :` : `Your claim ${claim.number} (parcel ${claim.shipmentNumber}, order ${order.number}):`;
  if (d.outcome === 'reship') {
    return orderEmail(order, fr ? `Réclamation ${claim.number} : articles renvoyés` : `Claim ${claim.number}: items sent again`, [
      head,
      fr ? `nous vous envoyons un colis de remplacement (${d.replacementShipment}), sans frais, avec :` : `we are sending you a replacement parcel (${d.replacementShipment}), free of charge, with:`,
      ...decidedItems,
      fr ? 'Vous recevrez son numéro de suivi dès son expédition.' : 'You will receive its tracking number as soon as it ships.',
      '',
      replyClosing(lang),
    ]);
  }
  if (d.outcome === 'refund') {
    const refund = d.refund;
    const amount = (minor: number) => formatMoney(money(minor, order.currency), lang);
    const lines = [head, fr ? 'nous vous remboursons les articles suivants :' : 'we refund the following items:', ...decidedItems];
    if (refund && refund.amount > 0) {
      lines.push(fr ? `Montant remboursé : ${amount(refund.amount)}.` : `Amount refunded: ${amount(refund.amount)}.`, ...refundLines(order, refund.settlement));
      if (refund.dueOn) lines.push(fr ? `Le remboursement interviendra au plus tard le ${legalDate(refund.dueOn, 'fr')}.` : `The refund will be made by ${legalDate(refund.dueOn, 'en')} at the latest.`);
    } else {
      lines.push(fr ? 'Aucun paiement n’a été encaissé pour ces articles : rien ne vous sera prélevé à ce titre.' : 'No payment was taken for these items: nothing will be charged for them.');
    }
    lines.push('', replyClosing(lang));
    return orderEmail(order, fr ? `Réclamation ${claim.number} : remboursement` : `Claim ${claim.number}: refund`, lines);
  }
  return orderEmail(order, fr ? `Réclamation ${claim.number} : réponse` : `Claim ${claim.number}: our answer`, [
    head,
    fr ? 'après examen, nous ne pouvons pas y donner suite.' : 'having looked into it, we cannot accept it.',
    fr ? `Motif : ${d.reason}` : `Reason: ${d.reason}`,
    '',
    fr
      ? 'Cette réponse ne vous prive pas de la garantie légale de conformité (2 ans à compter de la livraison) ni de la garantie des vices cachés.'
      : 'This answer does not affect the legal guarantee of conformity (2 years from delivery) nor the guarantee against hidden defects.',
    replyClosing(lang),
  ]);
}
