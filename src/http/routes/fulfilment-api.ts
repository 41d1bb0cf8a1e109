// /api/admin fulfilment (issue 5 §1, §5): the queue, pick list, parcels
// (pack, dispatch through the carrier), tracking events recorded by staff,
// the hand-over at a store or warehouse counter (SH-7), and, while the
// carrier is the sandbox one, its tracking events driven by hand
// (`/dev/carrier/events`: what a real carrier's webhook would send).
// Reading needs `orders.read`; packing, dispatching and tracking
// `fulfilment.manage`; the hand-over `pickup.manage`. Use cases audit.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sandboxTrackingEvent } from '../../adapters/carrier/sandbox.js';
import type { AppContext } from '../../app/context.js';
import { dispatchShipment, fulfilmentQueue, getShipment, handOverCollection, listShipments, packShipment, pickList, recordTrackingEvent, type Shipment } from '../../app/fulfilment.js';
import { loadOrder } from '../../app/orders.js';
import { DomainError } from '../../domain/errors.js';
import { TRACKED_EVENT_KINDS } from '../../domain/fulfilment/shipment-lifecycle.js';
import type { Actor } from '../../store/audit.js';
import type { Tx } from '../../store/db.js';
import { requireStaff } from '../auth.js';
import { shipmentJson, shipmentSchema } from './shipment-json.js';

const numberParam = z.object({ number: z.string().min(1).max(60) });
const linesSchema = z.array(z.object({ position: z.number().int().min(0), quantity: z.number().int().min(1).max(100_000) })).min(1).max(500);
const trackingBody = z.object({
  kind: z.enum(TRACKED_EVENT_KINDS.filter((k) => k !== 'shipped' && k !== 'cancelled') as [string, ...string[]]).describe('SH-5/SH-7/SH-8/SH-9: what happened to the parcel'),
  occurredAt: z.iso.datetime({ offset: true }).optional().describe('when it happened; now by default'),
  signedBy: z.string().min(1).max(200).optional().describe('delivered: who signed (SH-9)'),
  recipient: z.enum(['customer', 'third_party']).optional().describe('delivered: the addressee or a third party they named (SH-9)'),
  location: z.string().min(1).max(300).optional().describe('available_for_collection: where the parcel waits (SH-7)'),
  reason: z.string().min(1).max(500).optional().describe('refused / returned_to_sender: why'),
});

/** Packs and, unless told not to, dispatches: the carrier is asked for the parcel between the two transactions (never under the order's locks). */
export async function packAndDispatch(
  ctx: AppContext,
  input: { orderNumber: string; lines: { position: number; quantity: number }[]; replaces?: string | undefined; dispatch: boolean; actor: Actor },
): Promise<Shipment> {
  const packed = await ctx.db.transaction().execute(async (tx) => packShipment(tx, { shopId: ctx.shop.id, orderNumber: input.orderNumber, lines: input.lines, replaces: input.replaces, actor: input.actor, now: await ctx.clock.now() }));
  return input.dispatch ? dispatchPacked(ctx, packed, input.actor) : packed;
}

/** SH-5: the carrier's parcel for a packed shipment (idempotent by its number), then the dispatch. */
export async function dispatchPacked(ctx: AppContext, shipment: Shipment, actor: Actor): Promise<Shipment> {
  // Only a packed parcel gets a carrier label: one that left is returned as it is (repeat-safe), a cancelled one refused.
  if (shipment.state !== 'packed') {
    if (shipment.shippedAt) return shipment;
    throw new DomainError('shipment.illegal_event', { field: 'number', from: shipment.state, event: 'shipped' });
  }
  const order = await loadOrder(ctx.db, { shopId: ctx.shop.id, number: shipment.orderNumber });
  const destination = { country: order!.deliveryAddress.country, postalCode: order!.deliveryAddress.postalCode };
  const parcel = await ctx.carrier.createParcel({ idempotencyKey: `${ctx.shop.id}:${shipment.number}`, carrierName: shipment.carrier, methodKind: shipment.methodKind, destination });
  return ctx.db.transaction().execute(async (tx) => dispatchShipment(tx, { shopId: ctx.shop.id, shipmentNumber: shipment.number, parcel, actor, now: await ctx.clock.now() }));
}

/** A tracking event for the parcel `number` as staff or the sandbox carrier report it. */
export async function reportTracking(ctx: AppContext, tx: Tx, trackingNumber: string, body: z.infer<typeof trackingBody>, source: 'carrier' | 'staff') {
  const now = await ctx.clock.now();
  const event = sandboxTrackingEvent({
    trackingNumber,
    kind: body.kind as Parameters<typeof sandboxTrackingEvent>[0]['kind'],
    occurredAt: body.occurredAt ? new Date(body.occurredAt) : now,
    signedBy: body.signedBy,
    recipient: body.recipient,
    location: body.location,
    reason: body.reason,
  });
  return recordTrackingEvent(tx, { shopId: ctx.shop.id, event, source, now });
}

export const fulfilmentApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['admin: fulfilment'];
  const shopId = ctx.shop.id;
  const actorOf = (request: { staff: { id: string } | null }): Actor => ({ kind: 'staff', staffId: request.staff!.id });
  const shipmentResponse = { 200: z.object({ shipment: shipmentSchema }) };

  app.get(
    '/fulfilment/queue',
    {
      onRequest: requireStaff(ctx, 'orders.read'),
      schema: {
        tags,
        summary: 'Orders that may ship and still have items to ship, the nearest delivery deadline (SH-4) first',
        response: {
          200: z.object({
            orders: z.array(z.object({ number: z.string(), state: z.string(), fulfilment: z.string(), placedAt: z.string(), deliveryDueOn: z.string(), shippingMethodId: z.string(), total: z.number().int(), currency: z.string() })),
          }),
        },
      },
    },
    async () => ({ orders: (await fulfilmentQueue(ctx.db, shopId)).map((o) => ({ ...o, placedAt: o.placedAt.toISOString() })) }),
  );

  app.get(
    '/orders/:number/pick-list',
    {
      onRequest: requireStaff(ctx, 'orders.read'),
      schema: {
        tags,
        summary: 'What is left to ship of the order, with the locations its stock was taken from',
        params: numberParam,
        response: { 200: z.object({ lines: z.array(z.object({ position: z.number().int(), sku: z.string(), name: z.object({ fr: z.string(), en: z.string() }), quantity: z.number().int(), locations: z.array(z.string()) })) }) },
      },
    },
    async (request) => {
      const order = await loadOrder(ctx.db, { shopId, number: request.params.number });
      if (!order) throw new DomainError('order.not_found', { field: 'number' });
      return { lines: await pickList(ctx.db, { shopId, order }) };
    },
  );

  app.get(
    '/orders/:number/shipments',
    { onRequest: requireStaff(ctx, 'orders.read'), schema: { tags, summary: "The order's parcels with their tracking events", params: numberParam, response: { 200: z.object({ shipments: z.array(shipmentSchema) }) } } },
    async (request) => {
      const order = await loadOrder(ctx.db, { shopId, number: request.params.number });
      if (!order) throw new DomainError('order.not_found', { field: 'number' });
      return { shipments: (await listShipments(ctx.db, { shopId, orderId: order.id })).map(shipmentJson) };
    },
  );

  app.post(
    '/orders/:number/shipments',
    {
      onRequest: requireStaff(ctx, 'fulfilment.manage'),
      schema: {
        tags,
        summary: 'Pack a parcel with lines still to ship (SH-6) and, unless `dispatch` is false, hand it to the carrier: tracking number, money taken at dispatch (PA-3, PA-4), invoice, dispatch email (SH-5)',
        params: numberParam,
        body: z.object({
          lines: linesSchema,
          replaces: z.string().min(1).max(60).optional().describe('SH-8: the parcel this one replaces'),
          dispatch: z.boolean().default(true),
        }),
        response: { 201: z.object({ shipment: shipmentSchema }) },
      },
    },
    async (request, reply) => {
      const shipment = await packAndDispatch(ctx, { orderNumber: request.params.number, lines: request.body.lines, replaces: request.body.replaces, dispatch: request.body.dispatch, actor: actorOf(request) });
      return reply.status(201).send({ shipment: shipmentJson(shipment) });
    },
  );

  app.get(
    '/shipments/:number',
    { onRequest: requireStaff(ctx, 'orders.read'), schema: { tags, summary: 'One parcel', params: numberParam, response: shipmentResponse } },
    async (request) => ({ shipment: shipmentJson(await getShipment(ctx.db, { shopId, number: request.params.number })) }),
  );

  app.post(
    '/shipments/:number/dispatch',
    { onRequest: requireStaff(ctx, 'fulfilment.manage'), schema: { tags, summary: 'Hand a packed parcel to the carrier (SH-5; repeat-safe)', params: numberParam, response: shipmentResponse } },
    async (request) => ({ shipment: shipmentJson(await dispatchPacked(ctx, await getShipment(ctx.db, { shopId, number: request.params.number }), actorOf(request))) }),
  );

  app.post(
    '/shipments/:number/tracking-events',
    {
      onRequest: requireStaff(ctx, 'fulfilment.manage'),
      schema: { tags, summary: 'Record what happened to a parcel as staff learnt it (the carrier reports through its webhook)', params: numberParam, body: trackingBody, response: shipmentResponse },
    },
    async (request) => {
      const shipment = await getShipment(ctx.db, { shopId, number: request.params.number });
      if (!shipment.trackingNumber) throw new DomainError('shipment.not_dispatched', { field: 'number' }, 'The parcel has not left yet.');
      const result = await ctx.db.transaction().execute((tx) => reportTracking(ctx, tx, shipment.trackingNumber!, request.body, 'staff'));
      return { shipment: shipmentJson(result.shipment) };
    },
  );

  app.post(
    '/shipments/:number/hand-over',
    {
      onRequest: requireStaff(ctx, 'pickup.manage'),
      schema: {
        tags,
        summary: 'SH-7: hand a parcel over at the store or warehouse counter, having checked what the policy requires (FA store: ID and the availability email, the customer only)',
        params: numberParam,
        body: z.object({ collectedBy: z.string().min(1).max(200), identityChecked: z.boolean(), availabilityEmailShown: z.boolean() }),
        response: shipmentResponse,
      },
    },
    async (request) => {
      const now = await ctx.clock.now();
      const shipment = await ctx.db.transaction().execute((tx) => handOverCollection(tx, { shopId, shipmentNumber: request.params.number, ...request.body, actor: actorOf(request), now }));
      return { shipment: shipmentJson(shipment) };
    },
  );

  if (ctx.carrier.name === 'sandbox-carrier') {
    app.post(
      '/dev/carrier/events',
      {
        onRequest: requireStaff(ctx, 'fulfilment.manage'),
        schema: {
          tags: ['admin: dev'],
          summary: 'The sandbox carrier reports a tracking event for one of its parcels, as a real carrier\'s webhook would (absent with a real carrier)',
          body: trackingBody.extend({ trackingNumber: z.string().min(1).max(60) }),
          response: { 200: z.object({ outcome: z.enum(['recorded', 'duplicate']), shipment: shipmentSchema }) },
        },
      },
      async (request) => {
        const result = await ctx.db.transaction().execute((tx) => reportTracking(ctx, tx, request.body.trackingNumber, request.body, 'carrier'));
        return { outcome: result.outcome, shipment: shipmentJson(result.shipment) };
      },
    );
  }
};
