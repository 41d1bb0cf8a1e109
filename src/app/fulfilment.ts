// Issue 5: preparation, dispatch, tracking, possession and collection of an
// order's parcels (SH-1, SH-3, SH-5…SH-9, PA-3, PA-4).
//
// - packShipment: staff pack a parcel with lines still to ship (SH-6: a shop
//   that ships everything together packs everything at once).
// - dispatchShipment: the carrier took the parcel (its tracking number, asked
//   BEFORE the transaction with the shipment number as idempotency key). In
//   one transaction: the money taken at dispatch (PA-3: the shipped lines, the
//   delivery with the first parcel, and with the last parcel the rest of the
//   authorisation released; PA-4: the instalments dated and the first one
//   collected), the invoice then (DOC-1), the dispatch email (SH-5).
// - recordTrackingEvent: what the carrier says happened (in transit, delivery
//   attempted, waiting at a collection point, delivered with who signed,
//   refused, returned to sender, back at the warehouse), once per carrier
//   event id. A parcel waiting to be collected starts its window (SH-7, timer
//   `shipment.collection_window`); a parcel back refunds what it carried.
// - declarePossession: the customer says they received a parcel the carrier
//   never reported delivered; handOverCollection: store or warehouse staff
//   hand a parcel over (SH-7: identity and availability email checked).
//
// The possession date is recorded per parcel from the delivered event, the
// declaration or the hand-over, never inferred from "shipped" (SH-9, WD-1);
// `orders.last_delivered_at` is the possession of the last item.
//
// Locks, the engine's order: the order's payments → the order
// (`lockOrderWithPayments`) → its shipments → stock rows → evidence head.
import { MONEY_BACK_WITHIN } from '../domain/legal-floor.js';
import type { Parcel, TrackingEvent } from '../adapters/carrier/carrier.js';
import { periodEnd, type LegalPeriod } from '../domain/calendar/period-end.js';
import { localDateIn } from '../domain/calendar/local-date.js';
import { DomainError } from '../domain/errors.js';
import { creditLessKept } from '../domain/invoices/credit-note-content.js';
import { checkShipmentLines, fulfilmentOf, lineAmountFor, nothingLeftToShip, remainingToShip, type PlanLine, type ShipmentRequestLine } from '../domain/fulfilment/fulfilment-plan.js';
import { shipmentAfter, type ShipmentState } from '../domain/fulfilment/shipment-lifecycle.js';
import { money } from '../domain/money.js';
import type { OrderState } from '../domain/orders/order-lifecycle.js';
import type { Policy, ShippingMethod } from '../policy/schema.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import type { Queryable, Tx } from '../store/db.js';
import { appendEvidence, type EvidenceData } from '../store/evidence.js';
import { refreshProductCards } from '../store/product-cards.js';
import type { Possession, ShipmentEventKind } from '../store/schema.js';
import { cancelTimer, scheduleTimer, type DueTimer } from '../store/timers.js';
import { queueEmail } from './emails.js';
import { availabilityEmail, dispatchEmail, parcelBackEmail, sentBackEmail, storeNoticeEmail } from './fulfilment-emails.js';
import { startInstalmentCollections } from './instalment-collections.js';
import { issueInvoice } from './invoices.js';
import { refundOrderAmount } from './order-refunds.js';
import { lockOrderWithPayments, policyOfOrder, type Order } from './orders.js';
import { capturePayment, releaseAuthorisationRemainder, type Payment } from './payments.js';
import { lockStock } from './stock.js';

export const SHIPMENT_PACKED = 'shipment.packed';
export const SHIPMENT_DISPATCHED = 'shipment.dispatched';
export const SHIPMENT_TRACKED = 'shipment.tracking';
export const SHIPMENT_DELIVERED = 'shipment.delivered';
export const SHIPMENT_RETURNED = 'shipment.returned';
export const COLLECTION_WINDOW_TIMER = 'shipment.collection_window';
export const collectionTimerKey = (shopId: string, shipmentNumber: string) => `${COLLECTION_WINDOW_TIMER}:${shopId}:${shipmentNumber}`;

export type ShipmentLine = { position: number; quantity: number; sku: string; name: { fr: string; en: string } };
export type ShipmentEvent = { kind: ShipmentEventKind; occurredAt: Date; recordedAt: Date; source: string; data: Record<string, unknown> };
export type Shipment = {
  id: string;
  number: string;
  orderNumber: string;
  state: ShipmentState;
  methodKind: string;
  carrier: string;
  trackingNumber: string | null;
  trackingUrl: string | null;
  pickupPoint: string | null;
  packedAt: Date;
  shippedAt: Date | null;
  awaitingCollectionAt: Date | null;
  collectionDueAt: Date | null;
  deliveredAt: Date | null;
  possession: Possession | null;
  returnedAt: Date | null;
  /** SH-8: the parcel this one replaces (damaged or missing goods reshipped), else null. */
  replaces: string | null;
  lines: ShipmentLine[];
  events: ShipmentEvent[];
};

/** PA-3: payment states an authorisation for capture at dispatch may still be captured from. */
const CAPTURABLE: readonly string[] = ['authorised', 'partially_captured', 'partially_refunded'];

/** A parcel of the order is packed and has not left (replacements aside). */
async function packedParcelWaits(q: Queryable, orderId: string): Promise<boolean> {
  const row = await q.selectFrom('shipments').select('id').where('order_id', '=', orderId).where('state', '=', 'packed').where('replaces_shipment_id', 'is', null).executeTakeFirst();
  return row !== undefined;
}

/** PA-3 / PA-7: orders whose goods may leave — paid, financed by the partner, or on a deferred invoice not overdue. */
const SHIPPABLE: readonly OrderState[] = ['paid', 'financed', 'payment_deferred'];

// ---------------------------------------------------------------------------
// Reading

type ShipmentRow = {
  id: string;
  number: string;
  order_id: string;
  state: ShipmentState;
  method_kind: string;
  carrier: string;
  tracking_number: string | null;
  tracking_url: string | null;
  pickup_point: Record<string, unknown> | null;
  packed_at: Date;
  shipped_at: Date | null;
  awaiting_collection_at: Date | null;
  collection_due_at: Date | null;
  delivered_at: Date | null;
  possession: Possession | null;
  returned_at: Date | null;
  replaces: string | null;
};

async function shipmentsOf(q: Queryable, where: { orderId?: string; shopId: string; number?: string; trackingNumber?: string }): Promise<Shipment[]> {
  let query = q
    .selectFrom('shipments as s')
    .innerJoin('orders as o', 'o.id', 's.order_id')
    .select(['s.id', 's.number', 's.order_id', 's.state', 's.method_kind', 's.carrier', 's.tracking_number', 's.tracking_url', 's.pickup_point', 's.packed_at', 's.shipped_at', 's.awaiting_collection_at', 's.collection_due_at', 's.delivered_at', 's.possession', 's.returned_at', 'o.number as order_number'])
    .select((eb) => eb.selectFrom('shipments as r').select('r.number').whereRef('r.id', '=', 's.replaces_shipment_id').as('replaces'))
    .where('s.shop_id', '=', where.shopId);
  if (where.orderId !== undefined) query = query.where('s.order_id', '=', where.orderId);
  if (where.number !== undefined) query = query.where('s.number', '=', where.number);
  if (where.trackingNumber !== undefined) query = query.where('s.tracking_number', '=', where.trackingNumber);
  const rows = await query.orderBy('s.id').execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const lines = await q
    .selectFrom('shipment_lines as sl')
    .innerJoin('order_lines as l', (j) => j.onRef('l.order_id', '=', 'sl.order_id').onRef('l.position', '=', 'sl.position'))
    .select(['sl.shipment_id', 'sl.position', 'sl.quantity', 'l.sku', 'l.name_fr', 'l.name_en'])
    .where('sl.shipment_id', 'in', ids)
    .orderBy('sl.position')
    .execute();
  const events = await q.selectFrom('shipment_events').selectAll().where('shipment_id', 'in', ids).orderBy('id').execute();
  return rows.map((r) => toShipment(r as ShipmentRow & { order_number: string }, lines.filter((l) => l.shipment_id === r.id), events.filter((e) => e.shipment_id === r.id)));
}

function toShipment(
  r: ShipmentRow & { order_number: string },
  lines: { position: number; quantity: number; sku: string; name_fr: string; name_en: string }[],
  events: { kind: ShipmentEventKind; occurred_at: Date; recorded_at: Date; source: string; data: Record<string, unknown> }[],
): Shipment {
  return {
    id: r.id,
    number: r.number,
    orderNumber: r.order_number,
    state: r.state,
    methodKind: r.method_kind,
    carrier: r.carrier,
    trackingNumber: r.tracking_number,
    trackingUrl: r.tracking_url,
    pickupPoint: pickupLabel(r.pickup_point),
    packedAt: r.packed_at,
    shippedAt: r.shipped_at,
    awaitingCollectionAt: r.awaiting_collection_at,
    collectionDueAt: r.collection_due_at,
    deliveredAt: r.delivered_at,
    possession: r.possession,
    returnedAt: r.returned_at,
    replaces: r.replaces,
    lines: lines.map((l) => ({ position: l.position, quantity: l.quantity, sku: l.sku, name: { fr: l.name_fr, en: l.name_en } })),
    events: events.map((e) => ({ kind: e.kind, occurredAt: e.occurred_at, recordedAt: e.recorded_at, source: e.source, data: e.data })),
  };
}

const pickupLabel = (p: Record<string, unknown> | null): string | null => (p && typeof p.label === 'string' ? p.label : null);

/** The parcels of an order, oldest first, with their lines and tracking events (callers check who may read the order). */
export function listShipments(q: Queryable, input: { shopId: string; orderId: string }): Promise<Shipment[]> {
  return shipmentsOf(q, input);
}

export async function getShipment(q: Queryable, input: { shopId: string; number: string }): Promise<Shipment> {
  const [shipment] = await shipmentsOf(q, input);
  if (!shipment) throw new DomainError('shipment.not_found', { field: 'number' }, `No parcel ${input.number}.`);
  return shipment;
}

/** The order's lines with what is shipped (parcels not cancelled) and cancelled (AV-1). */
export async function planLines(q: Queryable, order: Pick<Order, 'id'>): Promise<PlanLine[]> {
  // Read from the rows, not the loaded order: a use case may have cancelled units (AV-1) or added a line (a substitute) since.
  const lines = await q.selectFrom('order_lines').select(['position', 'quantity', 'cancelled_quantity', 'total_minor']).where('order_id', '=', order.id).orderBy('position').execute();
  const shipped = await q
    .selectFrom('shipment_lines as sl')
    .innerJoin('shipments as s', 's.id', 'sl.shipment_id')
    .select(['sl.position', (eb) => eb.fn.sum<string>('sl.quantity').as('quantity')])
    .where('sl.order_id', '=', order.id)
    .where('s.state', '<>', 'cancelled')
    .where('s.replaces_shipment_id', 'is', null)
    .groupBy('sl.position')
    .execute();
  return lines.map((l) => ({
    position: l.position,
    quantity: l.quantity,
    cancelledQuantity: l.cancelled_quantity,
    shippedQuantity: Number(shipped.find((s) => s.position === l.position)?.quantity ?? 0),
    total: Number(l.total_minor),
  }));
}

/** What is left to pick, with where the stock was taken (OR-3), for the pick list. */
export async function pickList(q: Queryable, input: { shopId: string; order: Order }): Promise<{ position: number; sku: string; name: { fr: string; en: string }; quantity: number; locations: string[] }[]> {
  const plan = await planLines(q, input.order);
  const taken = await q.selectFrom('order_lines').select(['position', 'stock_taken']).where('order_id', '=', input.order.id).execute();
  const locationIds = [...new Set(taken.flatMap((t) => t.stock_taken.map((s) => s.locationId)))];
  const names = locationIds.length === 0 ? [] : await q.selectFrom('locations').select(['id', 'code']).where('id', 'in', locationIds).execute();
  return input.order.lines
    .map((l) => ({ line: l, left: remainingToShip(plan.find((p) => p.position === l.position)!) }))
    .filter((x) => x.left > 0)
    .map(({ line, left }) => ({
      position: line.position,
      sku: line.sku,
      name: line.name,
      quantity: left,
      locations: (taken.find((t) => t.position === line.position)?.stock_taken ?? []).map((s) => names.find((n) => n.id === s.locationId)?.code ?? s.locationId),
    }));
}

export type QueueRow = { number: string; state: OrderState; fulfilment: string; placedAt: Date; deliveryDueOn: string; shippingMethodId: string; total: number; currency: string };

/** The fulfilment queue: orders that may ship and still have something to ship, the most urgent delivery deadline first (SH-4). */
export async function fulfilmentQueue(q: Queryable, shopId: string): Promise<QueueRow[]> {
  const rows = await q
    .selectFrom('orders as o')
    .select(['o.number', 'o.state', 'o.fulfilment', 'o.placed_at', 'o.delivery_due_on', 'o.shipping_method_id', 'o.total_minor', 'o.currency'])
    .where('o.shop_id', '=', shopId)
    .where('o.state', 'in', SHIPPABLE)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('order_lines as l')
          .select('l.position')
          .whereRef('l.order_id', '=', 'o.id')
          .where(({ ref, eb: e }) =>
            e(
              ref('l.quantity'),
              '>',
              e(ref('l.cancelled_quantity'), '+', e.fn.coalesce(
                e.selectFrom('shipment_lines as sl').innerJoin('shipments as s', 's.id', 'sl.shipment_id').select((x) => x.fn.sum<number>('sl.quantity').as('q')).whereRef('sl.order_id', '=', 'l.order_id').whereRef('sl.position', '=', 'l.position').where('s.state', '<>', 'cancelled').where('s.replaces_shipment_id', 'is', null),
                e.lit(0),
              )),
            ),
          ),
      ),
    )
    .orderBy('o.delivery_due_on')
    .orderBy('o.placed_at')
    .limit(500)
    .execute();
  return rows.map((r) => ({ number: r.number, state: r.state, fulfilment: r.fulfilment, placedAt: r.placed_at, deliveryDueOn: r.delivery_due_on, shippingMethodId: r.shipping_method_id, total: Number(r.total_minor), currency: r.currency }));
}

// ---------------------------------------------------------------------------
// Packing and dispatch

function methodOf(policy: Policy, order: Order): ShippingMethod {
  const method = policy.shipping.methods.find((m) => m.id === order.shippingMethodId);
  if (!method) throw new DomainError('shipment.unknown_method', { field: 'shippingMethodId', method: order.shippingMethodId });
  return method;
}

function assertShippable(order: Order, policy: Policy, now: Date): void {
  if (!SHIPPABLE.includes(order.state)) {
    throw new DomainError('shipment.order_not_shippable', { field: 'number', rule: 'PA-3', state: order.state }, 'This order cannot ship in its current state (not paid, on hold or cancelled).');
  }
  // PA-7: nothing ships while a deferred invoice is overdue.
  if (order.state === 'payment_deferred' && order.paymentDueOn !== null && order.paymentDueOn < localDateIn(policy.shop.timeZone, now)) {
    throw new DomainError('shipment.payment_overdue', { field: 'number', rule: 'PA-7', dueOn: order.paymentDueOn }, 'The invoice of this order is overdue: nothing ships until it is paid.');
  }
}

async function recordEvent(tx: Tx, shipmentId: string, event: { kind: ShipmentEventKind; occurredAt: Date; source: 'carrier' | 'staff' | 'customer' | 'engine'; carrierEventId?: string | null; data?: Record<string, unknown> }, now: Date): Promise<boolean> {
  const inserted = await tx
    .insertInto('shipment_events')
    .values({ shipment_id: shipmentId, kind: event.kind, occurred_at: event.occurredAt, recorded_at: now, source: event.source, carrier_event_id: event.carrierEventId ?? null, data: JSON.stringify(event.data ?? {}) })
    .onConflict((oc) => oc.columns(['shipment_id', 'carrier_event_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Sums the shipments up on the order (`fulfilment`, and the possession of the last item, WD-1). */
export async function refreshFulfilment(tx: Tx, order: Order, now: Date): Promise<{ fulfilment: string; lastDeliveredAt: Date | null }> {
  const lines = await planLines(tx, order);
  const parcels = await tx
    .selectFrom('shipments as s')
    .innerJoin('shipment_lines as sl', 'sl.shipment_id', 's.id')
    .select(['s.id', 's.state', 's.delivered_at', (eb) => eb.fn.sum<string>('sl.quantity').as('quantity')])
    .where('s.order_id', '=', order.id)
    .where('s.replaces_shipment_id', 'is', null)
    .groupBy(['s.id', 's.state', 's.delivered_at'])
    .execute();
  const fulfilment = fulfilmentOf(lines, parcels.map((p) => ({ state: p.state, quantity: Number(p.quantity) })));
  const delivered = parcels.filter((p) => p.state === 'delivered' && p.delivered_at !== null).map((p) => p.delivered_at!.getTime());
  const lastDeliveredAt = fulfilment === 'delivered' && delivered.length > 0 ? new Date(Math.max(...delivered)) : null;
  await tx.updateTable('orders').set({ fulfilment, last_delivered_at: lastDeliveredAt, updated_at: now }).where('id', '=', order.id).execute();
  return { fulfilment, lastDeliveredAt };
}

export type PackInput = {
  shopId: string;
  orderNumber: string;
  lines: readonly ShipmentRequestLine[];
  /** SH-8: the number of the parcel this one replaces (reshipping damaged or missing goods): its lines, at most. */
  replaces?: string | undefined;
  actor: Actor;
  now: Date;
};

/** Staff pack a parcel (see the header). `shipment.order_not_shippable`, SH-6 refusals name the line. */
export async function packShipment(tx: Tx, input: PackInput): Promise<Shipment> {
  const { order } = await lockOrderWithPayments(tx, input.shopId, input.orderNumber);
  const policy = await policyOfOrder(tx, input.shopId, order.policyHash);
  assertShippable(order, policy, input.now);
  const replaced = input.replaces === undefined ? null : await getShipment(tx, { shopId: input.shopId, number: input.replaces });
  if (replaced) {
    if (replaced.orderNumber !== order.number) throw new DomainError('shipment.not_found', { field: 'replaces' });
    // SH-8: a replacement carries goods of the parcel it replaces, no more.
    const asShipped = replaced.lines.map((l) => ({ position: l.position, quantity: l.quantity, cancelledQuantity: 0, shippedQuantity: 0, total: 0 }));
    checkShipmentLines(asShipped, input.lines, 'partial_allowed');
  } else {
    checkShipmentLines(await planLines(tx, order), input.lines, policy.shipping.shipments);
  }
  const method = methodOf(policy, order);
  const count = await tx.selectFrom('shipments').select((eb) => eb.fn.countAll<string>().as('n')).where('order_id', '=', order.id).executeTakeFirstOrThrow();
  const number = `${order.number}-${Number(count.n) + 1}`;
  const details = order.shippingDetails as { carrier?: string; pickupPoint?: { label: string } | null };
  const row = await tx
    .insertInto('shipments')
    .values({
      shop_id: input.shopId,
      order_id: order.id,
      number,
      state: 'packed',
      method_kind: method.kind,
      carrier: details.carrier ?? method.carrier,
      pickup_point: JSON.stringify(details.pickupPoint ?? null),
      replaces_shipment_id: replaced?.id ?? null,
      packed_at: input.now,
      packed_by: actorLabel(input.actor),
      updated_at: input.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await tx.insertInto('shipment_lines').values(input.lines.map((l) => ({ shipment_id: row.id, order_id: order.id, position: l.position, quantity: l.quantity }))).execute();
  await recordEvent(tx, row.id, { kind: 'packed', occurredAt: input.now, source: 'staff', data: { by: actorLabel(input.actor) } }, input.now);
  await recordAudit(tx, { shopId: input.shopId, actor: input.actor, action: SHIPMENT_PACKED, target: `shipment:${number}`, details: { order: order.number, lines: input.lines.map((l) => ({ ...l })) }, at: input.now });
  await appendEvidence(tx, {
    shopId: input.shopId,
    kind: SHIPMENT_PACKED,
    subject: { type: 'order', id: order.number },
    actor: actorLabel(input.actor),
    data: { number: order.number, shipment: number, replaces: input.replaces ?? null, lines: input.lines.map((l) => ({ position: l.position, quantity: l.quantity })) },
    at: input.now,
  });
  return getShipment(tx, { shopId: input.shopId, number });
}

/** The parcel's order, locked the engine's way (payments → order), then the parcel. */
async function lockShipment(tx: Tx, shopId: string, where: { number?: string; trackingNumber?: string }): Promise<{ order: Order; payments: Payment[]; shipment: Shipment }> {
  const [found] = await shipmentsOf(tx, { shopId, ...where });
  if (!found) throw new DomainError('shipment.not_found', { field: where.number !== undefined ? 'number' : 'trackingNumber' }, 'No such parcel.');
  const { order, payments } = await lockOrderWithPayments(tx, shopId, found.orderNumber);
  await tx.selectFrom('shipments').select('id').where('id', '=', found.id).forUpdate().execute();
  const shipment = await getShipment(tx, { shopId, number: found.number });
  return { order, payments, shipment };
}

/**
 * PA-3: what a parcel's units cost — each line spread to the cent over its
 * units, the units of the parcels packed earlier counted first, so that the
 * parcels of a line add up to its total whatever the order of dispatch.
 */
const sumOf = (units: readonly { amount: number }[]) => units.reduce((n, u) => n + u.amount, 0);

async function parcelGoods(q: Queryable, order: Order, plan: readonly PlanLine[], shipment: Shipment): Promise<{ position: number; quantity: number; amount: number }[]> {
  if (shipment.replaces !== null) return []; // SH-8: a replacement was paid for with the parcel it replaces
  const before = await unitsInEarlierParcels(q, order.id, shipment.id);
  return shipment.lines.map((l) => ({ position: l.position, quantity: l.quantity, amount: lineAmountFor(plan.find((p) => p.position === l.position)!, before.get(l.position) ?? 0, l.quantity) }));
}

export type DispatchInput = { shopId: string; shipmentNumber: string; parcel: Parcel; actor: Actor; now: Date };

/** The carrier took the parcel (see the header). Repeat-safe: a dispatched parcel is returned as it is. */
export async function dispatchShipment(tx: Tx, input: DispatchInput): Promise<Shipment> {
  const { shopId, now } = input;
  const { order, payments, shipment } = await lockShipment(tx, shopId, { number: input.shipmentNumber });
  if (shipment.state !== 'packed') {
    if (shipment.trackingNumber === input.parcel.trackingNumber) return shipment;
    throw new DomainError('shipment.illegal_event', { field: 'shipmentNumber', from: shipment.state, event: 'shipped' });
  }
  const policy = await policyOfOrder(tx, shopId, order.policyHash);
  assertShippable(order, policy, now);
  shipmentAfter(shipment.state, 'shipped');
  const earlier = await tx.selectFrom('shipments').select('id').where('order_id', '=', order.id).where('shipped_at', 'is not', null).executeTakeFirst();
  const first = earlier === undefined;
  const replacement = shipment.replaces !== null; // SH-8: paid for already
  await tx
    .updateTable('shipments')
    .set({ state: 'shipped', shipped_at: now, tracking_number: input.parcel.trackingNumber, tracking_url: input.parcel.trackingUrl, updated_at: now })
    .where('id', '=', shipment.id)
    .execute();
  await recordEvent(tx, shipment.id, { kind: 'shipped', occurredAt: now, source: 'staff', data: { trackingNumber: input.parcel.trackingNumber } }, now);

  // PA-3 / PA-4: the money, then the invoice (DOC-1).
  const plan = await planLines(tx, order);
  const last = nothingLeftToShip(plan) && !(await packedParcelWaits(tx, order.id)); // the last parcel to leave: no other waits packed
  const money_: EvidenceData = {};
  // PA-3: what is still authorised and not asked for can be captured, refunds made meanwhile or not.
  const atDispatch = replacement ? [] : payments.filter((p) => p.captureMode === 'manual' && CAPTURABLE.includes(p.state) && p.voidRequestedAt === null);
  const charge = atDispatch.length > 0 ? sumOf(await parcelGoods(tx, order, plan, shipment)) + (first ? order.shipping : 0) : 0; // the delivery with the first parcel
  for (const payment of atDispatch) {
    const amount = Math.min(charge, payment.authorised - payment.captureRequested);
    if (amount > 0) await capturePayment(tx, { shopId, paymentId: payment.id, key: `shipment:${shipment.number}`, amount: money(amount, payment.currency), final: last, now });
    money_.captured = amount;
    money_.authorisationReleased = last ? payment.authorised - payment.captureRequested - amount : 0;
  }
  if (order.paymentMethod === 'instalments' && first) {
    await startInstalmentCollections(tx, { shopId, orderId: order.id, dispatchedAt: now, now });
    money_.instalments = 'started';
  }
  if ((atDispatch.length > 0 && last) || (order.paymentMethod === 'instalments' && first)) {
    const invoice = await issueInvoice(tx, { shopId, orderId: order.id, now });
    money_.invoice = invoice.number;
  }
  const { fulfilment } = await refreshFulfilment(tx, order, now);

  // SH-5
  const remaining = plan.reduce((n, l) => n + remainingToShip(l), 0);
  await queueEmail(
    tx,
    {
      shopId,
      key: `shipment.dispatched:${shopId}:${shipment.number}`,
      email: dispatchEmail(
        order,
        { number: shipment.number, carrier: shipment.carrier, trackingNumber: input.parcel.trackingNumber, trackingUrl: input.parcel.trackingUrl, methodKind: shipment.methodKind, pickupPoint: shipment.pickupPoint },
        shipment.lines,
        remaining,
      ),
    },
    now,
  );
  if (shipment.methodKind === 'store_pickup') {
    // SH-7 (FA): the store is notified that the parcel is coming, for whom, and what to check.
    await queueEmail(
      tx,
      {
        shopId,
        key: `shipment.store_notice:${shopId}:${shipment.number}`,
        email: storeNoticeEmail({
          to: policy.identity.customerService.email,
          store: shipment.pickupPoint ?? shipment.carrier,
          shipmentNumber: shipment.number,
          orderNumber: order.number,
          customerName: order.deliveryAddress.name,
          trackingNumber: input.parcel.trackingNumber,
          lines: shipment.lines,
        }),
      },
      now,
    );
  }
  await recordAudit(tx, { shopId, actor: input.actor, action: SHIPMENT_DISPATCHED, target: `shipment:${shipment.number}`, details: { order: order.number, trackingNumber: input.parcel.trackingNumber }, at: now });
  await appendEvidence(tx, {
    shopId,
    kind: SHIPMENT_DISPATCHED,
    subject: { type: 'order', id: order.number },
    actor: actorLabel(input.actor),
    data: { number: order.number, shipment: shipment.number, carrier: shipment.carrier, trackingNumber: input.parcel.trackingNumber, fulfilment, ...money_ },
    at: now,
  });
  return getShipment(tx, { shopId, number: shipment.number });
}

/**
 * PA-3: the order has nothing left to ship because its last lines were
 * cancelled (AV-1) after earlier parcels were captured: the rest of the
 * authorisation is released and the invoice issued. Called by the line
 * cancellation, under the order's locks.
 */
export async function settleWhenNothingLeftToShip(tx: Tx, input: { shopId: string; order: Order; payments: readonly Payment[]; now: Date }): Promise<void> {
  const { shopId, order, now } = input;
  if (!nothingLeftToShip(await planLines(tx, order)) || (await packedParcelWaits(tx, order.id))) return; // a packed parcel still to leave captures last
  const dispatched = await tx.selectFrom('shipments').select('id').where('order_id', '=', order.id).where('shipped_at', 'is not', null).executeTakeFirst();
  if (!dispatched) return;
  const atDispatch = input.payments.filter((p) => p.captureMode === 'manual' && p.voidRequestedAt === null && p.captureRequested > 0 && p.captureRequested < p.authorised);
  for (const payment of atDispatch) await releaseAuthorisationRemainder(tx, { shopId, paymentId: payment.id, now });
  if (input.payments.some((p) => p.captureMode === 'manual' && p.captureRequested > 0)) await issueInvoice(tx, { shopId, orderId: order.id, now });
  await refreshFulfilment(tx, order, now);
}

// ---------------------------------------------------------------------------
// Tracking, possession, collection

export type TrackingInput = { shopId: string; event: TrackingEvent; source: 'carrier' | 'staff'; now: Date };

/** SH-7: how long the parcel of this method waits, or null when it does not wait anywhere. */
const windowOf = (method: ShippingMethod): LegalPeriod | null => method.collectionWindow ?? null;

/**
 * A tracking event (see the header). A carrier event id already recorded is a
 * duplicate (nothing changes); an event that does not fit the parcel's state
 * is `shipment.illegal_event` (409).
 */
export async function recordTrackingEvent(tx: Tx, input: TrackingInput): Promise<{ outcome: 'recorded' | 'duplicate'; shipment: Shipment }> {
  const { shopId, event, now } = input;
  const { order, payments, shipment } = await lockShipment(tx, shopId, { trackingNumber: event.trackingNumber });
  const seen = await tx.selectFrom('shipment_events').select('id').where('shipment_id', '=', shipment.id).where('carrier_event_id', '=', event.eventId).executeTakeFirst();
  if (seen) return { outcome: 'duplicate', shipment };
  if (event.occurredAt.getTime() > now.getTime()) throw new DomainError('shipment.event_in_future', { field: 'occurredAt' }, 'A tracking event cannot be dated in the future.');
  if (shipment.shippedAt && event.occurredAt.getTime() < shipment.shippedAt.getTime()) throw new DomainError('shipment.event_before_dispatch', { field: 'occurredAt' });
  const to = shipmentAfter(shipment.state, event.kind);
  const policy = await policyOfOrder(tx, shopId, order.policyHash);
  const method = methodOf(policy, order);
  const data: Record<string, unknown> = {};
  if (event.signedBy) data.signedBy = event.signedBy;
  if (event.recipient) data.recipient = event.recipient;
  if (event.location) data.location = event.location;
  if (event.reason) data.reason = event.reason;
  await recordEvent(tx, shipment.id, { kind: event.kind, occurredAt: event.occurredAt, source: input.source, carrierEventId: event.eventId, data }, now);
  // delivered and returned set their own dates with the state (recordPossession, parcelBack)
  if (event.kind !== 'delivered' && event.kind !== 'returned') await tx.updateTable('shipments').set({ state: to, updated_at: now }).where('id', '=', shipment.id).execute();

  const proof: EvidenceData = { number: order.number, shipment: shipment.number, event: event.kind, occurredAt: event.occurredAt.toISOString(), ...(data as EvidenceData) };
  let kind = SHIPMENT_TRACKED;
  if (event.kind === 'available_for_collection') await startCollectionWindow(tx, { shopId, policy, method, order, shipment, at: event.occurredAt, where: event.location ?? shipment.pickupPoint ?? shipment.carrier, now });
  if (event.kind === 'delivered') {
    kind = SHIPMENT_DELIVERED;
    const possession: Possession = { by: event.recipient ?? 'customer', name: event.signedBy ?? '', source: 'carrier' };
    Object.assign(proof, await recordPossession(tx, { shopId, order, shipment, at: event.occurredAt, possession, now }));
  }
  if (event.kind === 'returned') {
    kind = SHIPMENT_RETURNED;
    Object.assign(proof, await parcelBack(tx, { shopId, policy, method, order, payments, shipment, at: event.occurredAt, actor: { kind: 'system' }, now }));
  }
  if (shipment.state === 'awaiting_collection' && event.kind === 'returned_to_sender') await cancelTimer(tx, collectionTimerKey(shopId, shipment.number), now);
  if (kind === SHIPMENT_TRACKED) proof.fulfilment = (await refreshFulfilment(tx, order, now)).fulfilment;
  await appendEvidence(tx, { shopId, kind, subject: { type: 'order', id: order.number }, actor: input.source === 'carrier' ? `carrier:${shipment.carrier}` : 'staff', data: proof, at: now });
  return { outcome: 'recorded', shipment: await getShipment(tx, { shopId, number: shipment.number }) };
}

async function startCollectionWindow(
  tx: Tx,
  input: { shopId: string; policy: Policy; method: ShippingMethod; order: Order; shipment: Shipment; at: Date; where: string; now: Date },
): Promise<void> {
  const window = windowOf(input.method);
  if (!window) return;
  const { lastDay, dueAt } = periodEnd({ from: input.at, period: window, timeZone: input.policy.shop.timeZone, place: { country: input.order.deliveryAddress.country } });
  await tx.updateTable('shipments').set({ awaiting_collection_at: input.at, collection_due_at: dueAt }).where('id', '=', input.shipment.id).execute();
  await scheduleTimer(tx, { shopId: input.shopId, kind: COLLECTION_WINDOW_TIMER, key: collectionTimerKey(input.shopId, input.shipment.number), dueAt, payload: { shipment: input.shipment.number } }, input.now);
  await queueEmail(
    tx,
    {
      shopId: input.shopId,
      key: `shipment.available:${input.shopId}:${input.shipment.number}`,
      email: availabilityEmail(input.order, { shipmentNumber: input.shipment.number, where: input.where, lastDay, requires: input.method.collectionRequires, methodKind: input.method.kind }),
    },
    input.now,
  );
}

/** SH-9 / WD-1: possession of one parcel; the order's last delivered item when it completes the order. */
async function recordPossession(tx: Tx, input: { shopId: string; order: Order; shipment: Shipment; at: Date; possession: Possession; now: Date }): Promise<EvidenceData> {
  await tx.updateTable('shipments').set({ state: 'delivered', delivered_at: input.at, possession: JSON.stringify(input.possession), updated_at: input.now }).where('id', '=', input.shipment.id).execute();
  if (input.shipment.state === 'awaiting_collection') await cancelTimer(tx, collectionTimerKey(input.shopId, input.shipment.number), input.now);
  const { fulfilment, lastDeliveredAt } = await refreshFulfilment(tx, input.order, input.now);
  return { deliveredAt: input.at.toISOString(), possessionBy: input.possession.by, possessionName: input.possession.name, possessionSource: input.possession.source, fulfilment, lastDeliveredAt: lastDeliveredAt?.toISOString() ?? null };
}

export type DeclarePossessionInput = { shopId: string; customerId: string | null; orderNumber: string; shipmentNumber: string; receivedAt: Date; by: 'customer' | 'third_party'; name: string; now: Date };

/** SH-9: the customer declares they (or someone they named) received a parcel the carrier never reported delivered. */
export async function declarePossession(tx: Tx, input: DeclarePossessionInput): Promise<Shipment> {
  const { shopId, now } = input;
  const { order, shipment } = await lockShipment(tx, shopId, { number: input.shipmentNumber });
  if (order.number !== input.orderNumber || (input.customerId !== null && order.customerId !== input.customerId)) throw new DomainError('shipment.not_found', { field: 'shipmentNumber' });
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) throw new DomainError('shipment.possession_name_required', { field: 'name', rule: 'SH-9' }, 'Say who took the parcel.');
  if (input.receivedAt.getTime() > now.getTime() || (shipment.shippedAt && input.receivedAt.getTime() < shipment.shippedAt.getTime())) {
    throw new DomainError('shipment.possession_date_invalid', { field: 'receivedAt', rule: 'SH-9' }, 'The date received is between the dispatch and now.');
  }
  shipmentAfter(shipment.state, 'delivered');
  await recordEvent(tx, shipment.id, { kind: 'possession_declared', occurredAt: input.receivedAt, source: 'customer', data: { by: input.by, name } }, now);
  const proof = await recordPossession(tx, { shopId, order, shipment, at: input.receivedAt, possession: { by: input.by, name, source: 'customer_declaration' }, now });
  await appendEvidence(tx, { shopId, kind: SHIPMENT_DELIVERED, subject: { type: 'order', id: order.number }, actor: 'customer', data: { number: order.number, shipment: shipment.number, ...proof }, at: now });
  return getShipment(tx, { shopId, number: shipment.number });
}

export type HandOverInput = { shopId: string; shipmentNumber: string; collectedBy: string; identityChecked: boolean; availabilityEmailShown: boolean; actor: Actor; now: Date };

/** SH-7: store or warehouse staff hand the parcel over, having checked what the policy requires (FA store: ID and the email, the customer only). */
export async function handOverCollection(tx: Tx, input: HandOverInput): Promise<Shipment> {
  const { shopId, now } = input;
  const { order, shipment } = await lockShipment(tx, shopId, { number: input.shipmentNumber });
  const policy = await policyOfOrder(tx, shopId, order.policyHash);
  const method = methodOf(policy, order);
  if (method.kind !== 'store_pickup' && method.kind !== 'warehouse_collection') throw new DomainError('shipment.not_a_collection', { field: 'shipmentNumber', rule: 'SH-7', method: method.kind });
  if (shipment.state !== 'awaiting_collection') throw new DomainError('shipment.illegal_event', { field: 'shipmentNumber', from: shipment.state, event: 'delivered' });
  if (method.collectionRequires.includes('identity_document') && !input.identityChecked) throw new DomainError('collection.identity_not_checked', { field: 'identityChecked', rule: 'SH-7' }, "Check the customer's identity document first.");
  if (method.collectionRequires.includes('availability_email') && !input.availabilityEmailShown) throw new DomainError('collection.email_not_shown', { field: 'availabilityEmailShown', rule: 'SH-7' }, 'The customer shows the availability email.');
  const name = input.collectedBy.trim();
  if (name.length === 0 || name.length > 200) throw new DomainError('collection.collector_required', { field: 'collectedBy', rule: 'SH-7' }, 'Give the name on the identity document.');
  await recordEvent(tx, shipment.id, { kind: 'delivered', occurredAt: now, source: 'staff', data: { collectedBy: name, identityChecked: input.identityChecked, availabilityEmailShown: input.availabilityEmailShown } }, now);
  const proof = await recordPossession(tx, { shopId, order, shipment, at: now, possession: { by: 'customer', name, source: 'store' }, now });
  await recordAudit(tx, { shopId, actor: input.actor, action: 'shipment.handed_over', target: `shipment:${shipment.number}`, details: { order: order.number, collectedBy: name }, at: now });
  await appendEvidence(tx, { shopId, kind: SHIPMENT_DELIVERED, subject: { type: 'order', id: order.number }, actor: actorLabel(input.actor), data: { number: order.number, shipment: shipment.number, identityChecked: input.identityChecked, availabilityEmailShown: input.availabilityEmailShown, ...proof }, at: now });
  return getShipment(tx, { shopId, number: shipment.number });
}

/**
 * SH-7: a parcel is back (uncollected, refused, or resolved in the store): the
 * goods go back on sale where they are, and the order is refunded what the
 * parcel carried — its delivery too when no parcel of the order was delivered —
 * less the policy's flat fee, within the policy's period from the return.
 */
async function parcelBack(
  tx: Tx,
  input: { shopId: string; policy: Policy; method: ShippingMethod; order: Order; payments: readonly Payment[]; shipment: Shipment; at: Date; actor: Actor; now: Date; byTimer?: boolean },
): Promise<EvidenceData> {
  const { shopId, order, shipment, now } = input;
  await tx.updateTable('shipments').set({ state: 'returned', returned_at: input.at, updated_at: now }).where('id', '=', shipment.id).execute();
  // the window's own timer is the one firing when the store resolves it
  if (shipment.state === 'awaiting_collection' && input.byTimer !== true) await cancelTimer(tx, collectionTimerKey(shopId, shipment.number), now);
  await restockUnits(tx, order, shipment.lines, now);
  const { fulfilment } = await refreshFulfilment(tx, order, now);
  // A parcel of a cancelled order (SH-4 termination) comes back: the cancellation settled the money already.
  if (order.state === 'cancelled') return { returnedAt: input.at.toISOString(), fulfilment, refund: 0 };
  // SH-7: the fee is kept only from a parcel nobody collected in its window; a refused or lost parcel costs the customer nothing.
  const uncollected = input.byTimer === true || shipment.events.some((e) => e.kind === 'returned_to_sender' && e.data.reason === 'uncollected');
  const plan = await planLines(tx, order);
  const units = await parcelGoods(tx, order, plan, shipment); // what these units were charged (PA-3)
  const goods = sumOf(units);
  const fee = uncollected ? Math.min(goods, input.method.uncollected?.feeKept?.amount ?? 0) : 0;
  const within = input.method.uncollected?.refundWithin ?? MONEY_BACK_WITHIN; // SH-7: 14 days of the return
  const { lastDay } = periodEnd({ from: input.at, period: within, timeZone: input.policy.shop.timeZone, place: { country: order.deliveryAddress.country } });
  const cause = { reason: uncollected ? ('uncollected' as const) : ('delivery_claim' as const), rule: uncollected ? 'SH-7' : 'SH-8' };
  const common = { shopId, order, payments: input.payments, ...cause, dueOn: lastDay, actor: input.actor, now };
  // The delivery goes back with the parcel whose return leaves nothing delivered, on the way or to ship (once: no parcel is out after it).
  const delivery = fulfilment === 'returned' ? order.shipping : 0;
  const credit = { ...creditLessKept({ items: units, shipping: delivery }, fee), reason: { fr: 'Colis retourné', en: 'Parcel returned' } }; // DOC-1
  const refund = await refundOrderAmount(tx, { ...common, key: `parcel_back:${shipment.number}`, amount: goods + delivery - fee, feeKept: fee, credit });
  const { settlement, amount } = refund;
  await queueEmail(
    tx,
    { shopId, key: `shipment.back:${shopId}:${shipment.number}`, email: parcelBackEmail(order, { shipmentNumber: shipment.number, uncollected, feeKept: fee, dueOn: amount > 0 ? lastDay : null, settlement }) },
    now,
  );
  return { returnedAt: input.at.toISOString(), refund: amount, feeKept: fee, refundDueOn: amount > 0 ? lastDay : null, fulfilment };
}

/** Per line, the units in the order's parcels packed before `shipmentId` (not cancelled, not replacements). */
async function unitsInEarlierParcels(q: Queryable, orderId: string, shipmentId: string): Promise<Map<number, number>> {
  const rows = await q
    .selectFrom('shipment_lines as sl')
    .innerJoin('shipments as s', 's.id', 'sl.shipment_id')
    .select(['sl.position', (eb) => eb.fn.sum<string>('sl.quantity').as('units')])
    .where('sl.order_id', '=', orderId)
    .where('s.id', '<', shipmentId)
    .where('s.state', '<>', 'cancelled')
    .where('s.replaces_shipment_id', 'is', null)
    .groupBy('sl.position')
    .execute();
  return new Map(rows.map((r) => [r.position, Number(r.units)]));
}

/**
 * Units of an order back on sale where the order took them (OR-3: the
 * warehouse): a parcel back — a store pickup parcel too, which staff bring
 * back from the store — or the goods of a return accepted (WD-8).
 */
export async function restockUnits(tx: Tx, order: Pick<Order, 'id'>, lines: readonly { position: number; quantity: number }[], now: Date): Promise<void> {
  const taken = await tx.selectFrom('order_lines').select(['position', 'variant_id', 'stock_taken']).where('order_id', '=', order.id).execute();
  const rows = lines.filter((l) => l.quantity > 0).map((l) => ({ line: l, taken: taken.find((t) => t.position === l.position)! }));
  const variantIds = [...new Set(rows.map((r) => r.taken.variant_id))];
  await lockStock(tx, variantIds);
  for (const { line, taken: t } of rows) {
    const locationId = t.stock_taken[0]?.locationId;
    if (locationId === undefined) continue; // back-ordered units: nothing was taken
    await tx
      .updateTable('stock')
      .set((eb) => ({ quantity: eb('quantity', '+', line.quantity) }))
      .where('variant_id', '=', t.variant_id)
      .where('location_id', '=', locationId)
      .execute();
  }
  await refreshProductCards(tx, { variantIds, now });
}

/**
 * Timer `shipment.collection_window` (SH-7): the window ended and the parcel
 * still waits. A store pickup or a warehouse collection is resolved at once
 * (the parcel is on the shop's own premises: refund less the policy's fee); a
 * relay point or post office sends it back, and the refund follows its return.
 */
export async function expireCollectionWindow(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const number = String(timer.payload.shipment);
  const { order, payments, shipment } = await lockShipment(tx, timer.shopId, { number });
  if (shipment.state !== 'awaiting_collection') return; // collected or back meanwhile
  const policy = await policyOfOrder(tx, timer.shopId, order.policyHash);
  const method = methodOf(policy, order);
  const system: Actor = { kind: 'system' };
  const at = new Date(Math.min(timer.dueAt.getTime(), now.getTime())); // the window's end, even if the runner fires late
  if (method.kind === 'store_pickup' || method.kind === 'warehouse_collection') {
    await recordEvent(tx, shipment.id, { kind: 'returned', occurredAt: at, source: 'engine', data: { reason: 'uncollected' } }, now);
    const proof = await parcelBack(tx, { shopId: timer.shopId, policy, method, order, payments, shipment, at, actor: system, now, byTimer: true });
    await appendEvidence(tx, { shopId: timer.shopId, kind: SHIPMENT_RETURNED, subject: { type: 'order', id: order.number }, actor: 'system', data: { number: order.number, shipment: number, rule: 'SH-7', reason: 'uncollected', ...proof }, at: now });
    return;
  }
  await recordEvent(tx, shipment.id, { kind: 'returned_to_sender', occurredAt: at, source: 'engine', data: { reason: 'uncollected' } }, now);
  await tx.updateTable('shipments').set({ state: 'returning', updated_at: now }).where('id', '=', shipment.id).execute();
  await queueEmail(tx, { shopId: timer.shopId, key: `shipment.uncollected:${timer.shopId}:${number}`, email: sentBackEmail(order, number) }, now);
  await appendEvidence(tx, { shopId: timer.shopId, kind: SHIPMENT_TRACKED, subject: { type: 'order', id: order.number }, actor: 'system', data: { number: order.number, shipment: number, event: 'returned_to_sender', rule: 'SH-7', reason: 'uncollected' }, at: now });
}


export type AwaitingCollection = { number: string; orderNumber: string; methodKind: string; pickupPoint: string | null; since: Date; dueAt: Date | null };

/** SH-7: parcels waiting at a store, warehouse, relay point or post office, the nearest end of window first. */
export async function parcelsAwaitingCollection(q: Queryable, shopId: string): Promise<AwaitingCollection[]> {
  const rows = await q
    .selectFrom('shipments as s')
    .innerJoin('orders as o', 'o.id', 's.order_id')
    .select(['s.number', 'o.number as order_number', 's.method_kind', 's.pickup_point', 's.awaiting_collection_at', 's.collection_due_at'])
    .where('s.shop_id', '=', shopId)
    .where('s.state', '=', 'awaiting_collection')
    .orderBy('s.collection_due_at')
    .limit(500)
    .execute();
  return rows.map((r) => ({ number: r.number, orderNumber: r.order_number, methodKind: r.method_kind, pickupPoint: pickupLabel(r.pickup_point), since: r.awaiting_collection_at!, dueAt: r.collection_due_at }));
}

/** The parcel with this tracking number, if any (the carrier's tracking page). */
export async function getShipmentByTracking(q: Queryable, input: { shopId: string; trackingNumber: string }): Promise<Shipment | undefined> {
  const [shipment] = await shipmentsOf(q, input);
  return shipment;
}

/** OR-7: the order is cancelled — its parcels packed but not dispatched will not leave. */
export async function cancelPackedParcels(tx: Tx, order: Pick<Order, 'id'>, now: Date): Promise<void> {
  const packed = await tx.updateTable('shipments').set({ state: 'cancelled', updated_at: now }).where('order_id', '=', order.id).where('state', '=', 'packed').returning('id').execute();
  for (const p of packed) await recordEvent(tx, p.id, { kind: 'cancelled', occurredAt: now, source: 'engine', data: { reason: 'order_cancelled' } }, now);
}
