// /admin/fulfilment, /admin/orders/:number/fulfilment, /admin/shipments/:number,
// /admin/collections (issue 5 §1, §5, §9): the back-office pages of
// fulfilment. `orders.read` to see, `fulfilment.manage` to pack, dispatch and
// record tracking, `pickup.manage` to hand a parcel over at the counter
// (SH-7). Access in onRequest, CSRF in preHandler; each form calls the same
// functions as the API (routes/fulfilment-api.ts) and redirects (303).
import { formField as field, type Form } from '../web/form.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { fulfilmentQueue, getShipment, handOverCollection, listShipments, parcelsAwaitingCollection, pickList } from '../../app/fulfilment.js';
import { loadOrder } from '../../app/orders.js';
import { DomainError } from '../../domain/errors.js';
import { isTrackedEventKind } from '../../domain/fulfilment/shipment-lifecycle.js';
import { can } from '../../domain/staff-roles.js';
import type { Actor } from '../../store/audit.js';
import { requireStaffPage } from '../auth.js';
import { statusFor } from '../errors.js';
import { resolveLanguage } from '../web/language.js';
import { AdminCollectionsPage, AdminFulfilmentQueuePage, AdminPreparePage, AdminShipmentPage } from '../web/pages/admin-fulfilment.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';
import { dispatchPacked, packAndDispatch, reportTracking } from './fulfilment-api.js';

const paramOf = (request: FastifyRequest): string => {
  const { number } = request.params as { number: string };
  if (!/^[A-Za-z0-9-]{1,60}$/.test(number)) throw new DomainError('shipment.not_found', { field: 'number' });
  return number;
};
const errorView = (error: DomainError) => ({ code: error.code, message: error.message === error.code ? error.code.replace(/[._]/g, ' ') : error.message, ...(error.details.field ? { field: String(error.details.field) } : {}) });

export const fulfilmentBackOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  const shopId = ctx.shop.id;
  const read = requireStaffPage(ctx, 'orders.read');
  const manage = requireStaffPage(ctx, 'fulfilment.manage');
  const pickup = requireStaffPage(ctx, 'pickup.manage');
  const actorOf = (request: FastifyRequest): Actor => ({ kind: 'staff', staffId: request.staff!.id });
  const common = (request: FastifyRequest, reply: FastifyReply) => ({ lang: resolveLanguage(request, reply), shop, csrfToken: reply.generateCsrf(), staffEmail: request.staff!.email });

  app.get('/fulfilment', { onRequest: read }, async (request, reply) => sendPage(reply, <AdminFulfilmentQueuePage {...common(request, reply)} orders={await fulfilmentQueue(ctx.db, shopId)} />));

  app.get('/collections', { onRequest: read }, async (request, reply) => sendPage(reply, <AdminCollectionsPage {...common(request, reply)} parcels={await parcelsAwaitingCollection(ctx.db, shopId)} />));

  const renderPrepare = async (request: FastifyRequest, reply: FastifyReply, number: string, error: DomainError | null = null) => {
    const order = await loadOrder(ctx.db, { shopId, number });
    if (!order) throw new DomainError('order.not_found', { field: 'number' });
    const [lines, shipments] = await Promise.all([pickList(ctx.db, { shopId, order }), listShipments(ctx.db, { shopId, orderId: order.id })]);
    return sendPage(
      reply,
      <AdminPreparePage {...common(request, reply)} orderNumber={order.number} deliveryDueOn={order.deliveryDueOn} lines={lines} shipments={shipments} error={error ? errorView(error) : null} />,
      error ? statusFor(error.code) : 200,
    );
  };
  app.get('/orders/:number/fulfilment', { onRequest: read }, async (request, reply) => renderPrepare(request, reply, paramOf(request)));
  app.post('/orders/:number/fulfilment', { onRequest: manage, preHandler: app.csrfProtection }, async (request, reply) => {
    const number = paramOf(request);
    const body = (request.body ?? {}) as Form;
    const lines = Object.keys(body)
      .filter((k) => /^qty_\d{1,6}$/.test(k))
      .map((k) => ({ position: Number(k.slice(4)), quantity: Number(field(body, k) || '0') }))
      .filter((l) => Number.isSafeInteger(l.quantity) && l.quantity > 0);
    try {
      const shipment = await packAndDispatch(ctx, { orderNumber: number, lines, dispatch: field(body, 'dispatch') === '1', actor: actorOf(request) });
      return reply.redirect(`/admin/shipments/${encodeURIComponent(shipment.number)}`, 303);
    } catch (error) {
      if (error instanceof DomainError && error.code !== 'order.not_found') return renderPrepare(request, reply, number, error);
      throw error;
    }
  });

  const renderShipment = async (request: FastifyRequest, reply: FastifyReply, number: string, error: DomainError | null = null) => {
    const shipment = await getShipment(ctx.db, { shopId, number });
    const handOver = request.staff !== null && can(request.staff.role, 'pickup.manage') && (shipment.methodKind === 'store_pickup' || shipment.methodKind === 'warehouse_collection');
    return sendPage(
      reply,
      <AdminShipmentPage {...common(request, reply)} shipment={shipment} handOver={handOver} sandboxCarrier={ctx.carrier.name === 'sandbox-carrier'} error={error ? errorView(error) : null} />,
      error ? statusFor(error.code) : 200,
    );
  };
  app.get('/shipments/:number', { onRequest: read }, async (request, reply) => renderShipment(request, reply, paramOf(request)));

  const act = (path: string, access: typeof read, run: (request: FastifyRequest, number: string) => Promise<unknown>) =>
    app.post(path, { onRequest: access, preHandler: app.csrfProtection }, async (request, reply) => {
      const number = paramOf(request);
      try {
        await run(request, number);
      } catch (error) {
        if (error instanceof DomainError && error.code !== 'shipment.not_found') return renderShipment(request, reply, number, error);
        throw error;
      }
      return reply.redirect(`/admin/shipments/${encodeURIComponent(number)}`, 303);
    });

  act('/shipments/:number/dispatch', manage, async (request, number) => dispatchPacked(ctx, await getShipment(ctx.db, { shopId, number }), actorOf(request)));

  act('/shipments/:number/events', manage, async (request, number) => {
    const shipment = await getShipment(ctx.db, { shopId, number });
    if (!shipment.trackingNumber) throw new DomainError('shipment.not_dispatched', { field: 'number' }, 'The parcel has not left yet.');
    const kind = field(request.body, 'kind');
    if (!isTrackedEventKind(kind) || kind === 'shipped' || kind === 'cancelled') throw new DomainError('shipment.invalid_event', { field: 'kind' }, 'Choose an event from the list.');
    const at = field(request.body, 'occurredAt');
    if (at && Number.isNaN(Date.parse(at))) throw new DomainError('shipment.invalid_date', { field: 'occurredAt' }, 'Write the date like 2026-11-25T14:30:00Z.');
    const optional = (name: string) => field(request.body, name) || undefined;
    // The sandbox carrier's events are driven from here; with a real carrier, staff record what they learnt.
    const source = field(request.body, 'as') === 'carrier' && ctx.carrier.name === 'sandbox-carrier' ? 'carrier' : 'staff';
    const recipient = field(request.body, 'recipient') === 'third_party' ? 'third_party' : 'customer';
    return ctx.db.transaction().execute((tx) =>
      reportTracking(ctx, tx, shipment.trackingNumber!, { kind, occurredAt: at ? new Date(at).toISOString() : undefined, signedBy: optional('signedBy'), recipient: kind === 'delivered' ? recipient : undefined, location: optional('location'), reason: optional('reason') }, source),
    );
  });

  act('/shipments/:number/hand-over', pickup, async (request, number) => {
    const now = await ctx.clock.now();
    return ctx.db.transaction().execute((tx) =>
      handOverCollection(tx, {
        shopId,
        shipmentNumber: number,
        collectedBy: field(request.body, 'collectedBy'),
        identityChecked: field(request.body, 'identityChecked') === '1',
        availabilityEmailShown: field(request.body, 'availabilityEmailShown') === '1',
        actor: actorOf(request),
        now,
      }),
    );
  });
};
