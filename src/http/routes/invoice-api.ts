// DOC-1: invoice PDFs — GET /api/store/orders/:number/invoice.pdf (the order's
// customer, or a guest with its token, as for the order itself) and
// GET /api/admin/orders/:number/invoice.pdf (staff with `orders.read`).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { customerInvoicePdf, staffInvoicePdf, type InvoicePdf } from '../../app/invoice-documents.js';
import { requireStaff } from '../auth.js';
import { identifyCustomer } from '../customer-auth.js';

const params = z.object({ number: z.string().max(40) });

function send(reply: { header(name: string, value: string): unknown; send(body: Buffer): unknown }, invoice: InvoicePdf) {
  reply.header('content-type', 'application/pdf');
  reply.header('content-disposition', `inline; filename="${invoice.filename}"`);
  reply.header('cache-control', 'private, no-store');
  return reply.send(invoice.pdf);
}

/** Register with prefix /api/store (inside the session scope: the customer is the session's). */
export const invoiceStoreApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get(
    '/orders/:number/invoice.pdf',
    {
      schema: {
        tags: ['store: orders'],
        summary: 'DOC-1: the invoice PDF of an order — the signed-in customer\'s own, or a guest\'s with its access token (?token= or X-Order-Token)',
        params,
        querystring: z.object({ token: z.string().max(100).optional() }),
      },
    },
    async (request, reply) => {
      const customer = await identifyCustomer(ctx, request).catch(() => null);
      const header = request.headers['x-order-token'];
      const invoice = await customerInvoicePdf(ctx.db, {
        shopId: ctx.shop.id,
        number: request.params.number,
        customerId: customer?.id ?? null,
        accessToken: request.query.token ?? (typeof header === 'string' ? header : null),
      });
      return send(reply, invoice);
    },
  );
};

/** Register with prefix /api/admin. */
export const invoiceAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get(
    '/orders/:number/invoice.pdf',
    { onRequest: requireStaff(ctx, 'orders.read'), schema: { tags: ['admin: orders'], summary: 'DOC-1: the invoice PDF of an order', params } },
    async (request, reply) => send(reply, await staffInvoicePdf(ctx.db, { shopId: ctx.shop.id, number: request.params.number })),
  );
};
