// Issue 5 §4, §9: the customer's declaration that a parcel arrived (SH-9; the
// form is on the account's order page, web/order-tracking.tsx) and the
// sandbox carrier's public tracking page, where the dispatch email's link
// lands (SH-5) while the carrier is the sandbox one.
import { formField as field, type Form } from '../web/form.js';
import type { FastifyPluginAsync } from 'fastify';
import { Temporal } from 'temporal-polyfill';
import type { AppContext } from '../../app/context.js';
import { declarePossession, getShipmentByTracking } from '../../app/fulfilment.js';
import { DomainError } from '../../domain/errors.js';
import { requireCustomerPage } from '../customer-auth.js';
import { resolveLanguage } from '../web/language.js';
import { SandboxTrackingPage } from '../web/pages/sandbox-tracking.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';


/** A `datetime-local` value (no zone) read in the shop's time zone. */
function localInstant(value: string, timeZone: string): Date {
  try {
    return new Date(Temporal.PlainDateTime.from(value).toZonedDateTime(timeZone).epochMilliseconds);
  } catch {
    throw new DomainError('shipment.possession_date_invalid', { field: 'receivedAt', rule: 'SH-9' }, 'Give the date and time the parcel was received.');
  }
}

export const trackingPageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shopId = ctx.shop.id;
  const timeZone = ctx.shop.policy.shop.timeZone;

  app.post('/account/orders/:number/shipments/:shipment/received', { onRequest: requireCustomerPage(ctx), preHandler: app.csrfProtection }, async (request, reply) => {
    const { number, shipment } = request.params as { number: string; shipment: string };
    const body = (request.body ?? {}) as Form;
    const now = await ctx.clock.now();
    await ctx.db.transaction().execute((tx) =>
      declarePossession(tx, {
        shopId,
        customerId: request.customer!.id,
        orderNumber: number.slice(0, 40),
        shipmentNumber: shipment.slice(0, 60),
        receivedAt: localInstant(field(body, 'receivedAt'), timeZone),
        by: field(body, 'by') === 'third_party' ? 'third_party' : 'customer',
        name: field(body, 'name'),
        now,
      }),
    );
    return reply.redirect(`/account/orders/${encodeURIComponent(number)}#tracking-title`, 303);
  });

  if (ctx.carrier.name === 'sandbox-carrier') {
    app.get('/sandbox/carrier/:tracking', async (request, reply) => {
      const { tracking } = request.params as { tracking: string };
      const shipment = /^SB\d{11}$/.test(tracking) ? await getShipmentByTracking(ctx.db, { shopId, trackingNumber: tracking }) : undefined;
      if (!shipment) throw new DomainError('shipment.not_found', { field: 'tracking' }, `No parcel ${tracking.slice(0, 20)}.`);
      return sendPage(reply, <SandboxTrackingPage lang={resolveLanguage(request, reply)} shop={shopView(ctx.shop)} timeZone={timeZone} shipment={shipment} />);
    });
  }
};
