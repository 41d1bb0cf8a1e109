// In-store exchanges as JSON (issue 6; EX-2, FR):
//   GET  /api/admin/orders/:number/store-exchange-options  the counter's first step: lines, units left, window, eligibility (`exchanges.manage`)
//   POST /api/admin/store-exchanges/preview                every check and the amounts, nothing written (`exchanges.manage`)
//   POST /api/admin/store-exchanges                        record the exchange made at the counter (`exchanges.manage`, audited)
//   GET  /api/admin/store-exchanges                        the latest exchanges (`orders.read`)
//   GET  /api/admin/orders/:number/store-exchanges         the exchanges of an order (`orders.read`)
// Register with prefix /api/admin inside the session scope (src/http/server.ts).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import {
  listStoreExchanges,
  listStoreExchangesOfOrder,
  previewStoreExchange,
  recordStoreExchange,
  storeExchangeOptions,
  type StoreExchange,
  type StoreExchangeLine,
  type StoreExchangePreview,
} from '../../app/store-exchanges.js';
import { requireStaff } from '../auth.js';

const numberParam = z.object({ number: z.string().min(1).max(40) });

export const storeExchangeBody = z.object({
  orderNumber: z.string().min(1).max(40).describe('the order number printed on the return slip'),
  storeCode: z.string().min(1).max(60).describe('the store where the exchange is made (location code)'),
  returnSlipPresented: z.boolean().describe('EX-2: the customer presented the return slip (required by FR)'),
  lines: z
    .array(
      z.object({
        position: z.number().int().min(0).max(10_000).describe('the order line brought back'),
        quantity: z.number().int().describe('its units brought back'),
        replacementSku: z.string().min(1).max(80).describe('the item taken instead, from the store\'s stock'),
      }),
    )
    .max(50),
});

const lineJson = (l: StoreExchangeLine) => ({ ...l, possessionAt: l.possessionAt.toISOString() });
const previewJson = (p: StoreExchangePreview) => ({ ...p, lines: p.lines.map(lineJson) });
export const storeExchangeJson = (e: StoreExchange) => ({ ...previewJson(e), recordedAt: e.recordedAt.toISOString() });

export const storeExchangeAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['admin: in-store exchanges'];
  const shopId = ctx.shop.id;
  const manage = { onRequest: requireStaff(ctx, 'exchanges.manage') };
  const read = { onRequest: requireStaff(ctx, 'orders.read') };

  app.get(
    '/orders/:number/store-exchange-options',
    { ...manage, schema: { tags, summary: 'EX-2: what of the order may be exchanged in store now — each line with its units left, its window\'s last day and eligibility', params: numberParam } },
    async (request) => {
      const options = await storeExchangeOptions(ctx.db, { shopId, orderNumber: request.params.number, now: await ctx.clock.now() });
      return { options: { ...options, lines: options.lines.map((l) => ({ ...l, possessionAt: l.possessionAt?.toISOString() ?? null })) } };
    },
  );

  app.post(
    '/store-exchanges/preview',
    { ...manage, schema: { tags, summary: 'EX-2: check an exchange and compute what the customer pays or loses, writing nothing', body: storeExchangeBody } },
    async (request) => ({ preview: previewJson(await previewStoreExchange(ctx.db, { shopId, ...request.body, now: await ctx.clock.now() })) }),
  );

  app.post(
    '/store-exchanges',
    {
      ...manage,
      schema: {
        tags,
        summary:
          'EX-2: record an exchange made at the counter — same product in another size/colour: nothing either way; another item: the invoiced amount counts, the excess is paid in store, a lower difference is lost. No refund, no credit. Within 30 days of delivery (`exchange.window_closed`), outlet excluded, return slip required.',
        body: storeExchangeBody,
      },
    },
    async (request, reply) => {
      const exchange = await recordStoreExchange(ctx.db, { shopId, ...request.body, actor: { kind: 'staff', staffId: request.staff!.id }, now: await ctx.clock.now() });
      return reply.status(201).send({ exchange: storeExchangeJson(exchange) });
    },
  );

  app.get('/store-exchanges', { ...read, schema: { tags, summary: 'EX-2: the latest in-store exchanges, newest first' } }, async () => ({
    exchanges: (await listStoreExchanges(ctx.db, { shopId })).map(storeExchangeJson),
  }));

  app.get(
    '/orders/:number/store-exchanges',
    { ...read, schema: { tags, summary: 'EX-2: the in-store exchanges of an order', params: numberParam } },
    async (request) => ({ exchanges: (await listStoreExchangesOfOrder(ctx.db, { shopId, orderNumber: request.params.number })).map(storeExchangeJson) }),
  );
};
