// Shipping orders in tests (issue 5): pack and dispatch through the sandbox
// carrier, and carrier tracking events, as staff and the carrier would.
import { sandboxCarrier, sandboxTrackingEvent } from '../../src/adapters/carrier/sandbox.js';
import type { TrackingEvent } from '../../src/adapters/carrier/carrier.js';
import { dispatchShipment, packShipment, recordTrackingEvent, type Shipment } from '../../src/app/fulfilment.js';
import type { Actor } from '../../src/store/audit.js';
import type { TestApp } from './app.js';

export async function ownerActor(t: TestApp): Promise<Extract<Actor, { kind: 'staff' }>> {
  const row = await t.ctx.db.selectFrom('staff').select('id').where('email', '=', t.owner.email).executeTakeFirstOrThrow();
  return { kind: 'staff', staffId: String(row.id) };
}

/** Packs `lines` of the order (every line in full when absent) and dispatches the parcel with the sandbox carrier. */
export async function shipOrder(t: TestApp, orderNumber: string, lines?: { position: number; quantity: number }[], options: { replaces?: string } = {}): Promise<Shipment> {
  const actor = await ownerActor(t);
  const shopId = t.ctx.shop.id;
  const chosen =
    lines ??
    (await t.ctx.db.selectFrom('order_lines as l').innerJoin('orders as o', 'o.id', 'l.order_id').select(['l.position', 'l.quantity']).where('o.number', '=', orderNumber).orderBy('l.position').execute());
  const packed = await t.ctx.db.transaction().execute(async (tx) => packShipment(tx, { shopId, orderNumber, lines: chosen, replaces: options.replaces, actor, now: await t.ctx.clock.now() }));
  const parcel = await sandboxCarrier('http://shop.test').createParcel({ idempotencyKey: packed.number, carrierName: packed.carrier, methodKind: packed.methodKind, destination: { country: 'FR', postalCode: '75011' } });
  return t.ctx.db.transaction().execute(async (tx) => dispatchShipment(tx, { shopId, shipmentNumber: packed.number, parcel, actor, now: await t.ctx.clock.now() }));
}

/** A carrier tracking event for the parcel, dated now unless `occurredAt`. */
export async function track(t: TestApp, trackingNumber: string, event: Omit<TrackingEvent, 'eventId' | 'trackingNumber' | 'occurredAt'> & { occurredAt?: Date }) {
  const now = await t.ctx.clock.now();
  const e = sandboxTrackingEvent({ ...event, trackingNumber, occurredAt: event.occurredAt ?? now });
  return t.ctx.db.transaction().execute(async (tx) => recordTrackingEvent(tx, { shopId: t.ctx.shop.id, event: e, source: 'carrier', now }));
}
