// The JSON of a parcel (SH-5 tracking, SH-9 possession), the same for the back
// office and the customer's account.
import { z } from 'zod';
import type { Shipment } from '../../app/fulfilment.js';
import { SHIPMENT_STATES } from '../../domain/fulfilment/shipment-lifecycle.js';

export const shipmentSchema = z.object({
  number: z.string(),
  orderNumber: z.string(),
  state: z.enum(SHIPMENT_STATES),
  methodKind: z.string(),
  carrier: z.string(),
  trackingNumber: z.string().nullable(),
  trackingUrl: z.string().nullable(),
  pickupPoint: z.string().nullable(),
  shippedAt: z.string().nullable(),
  awaitingCollectionSince: z.string().nullable(),
  collectionDueAt: z.string().nullable().describe('SH-7: the parcel is sent back after this instant'),
  deliveredAt: z.string().nullable().describe('SH-9 / WD-1: physical possession, from the carrier, the customer or the store'),
  possession: z.object({ by: z.enum(['customer', 'third_party']), name: z.string(), source: z.enum(['carrier', 'customer_declaration', 'store']) }).nullable(),
  returnedAt: z.string().nullable(),
  replaces: z.string().nullable().describe('SH-8: the parcel this one replaces'),
  lines: z.array(z.object({ position: z.number().int(), sku: z.string(), name: z.object({ fr: z.string(), en: z.string() }), quantity: z.number().int() })),
  events: z.array(z.object({ kind: z.string(), occurredAt: z.string(), source: z.string(), data: z.record(z.string(), z.unknown()) })),
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const shipmentJson = (s: Shipment): z.infer<typeof shipmentSchema> => ({
  number: s.number,
  orderNumber: s.orderNumber,
  state: s.state,
  methodKind: s.methodKind,
  carrier: s.carrier,
  trackingNumber: s.trackingNumber,
  trackingUrl: s.trackingUrl,
  pickupPoint: s.pickupPoint,
  shippedAt: iso(s.shippedAt),
  awaitingCollectionSince: iso(s.awaitingCollectionAt),
  collectionDueAt: iso(s.collectionDueAt),
  deliveredAt: iso(s.deliveredAt),
  possession: s.possession,
  returnedAt: iso(s.returnedAt),
  replaces: s.replaces,
  lines: s.lines.map((l) => ({ position: l.position, sku: l.sku, name: l.name, quantity: l.quantity })),
  events: s.events.map((e) => ({ kind: e.kind, occurredAt: e.occurredAt.toISOString(), source: e.source, data: e.data })),
});
