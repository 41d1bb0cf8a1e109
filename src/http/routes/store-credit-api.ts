// Store credit as JSON (RF-4):
//   GET /api/store/account/store-credit      the signed-in customer's credit: balances, each credit with its last day and uses
//   GET /api/admin/customers/:id/store-credit the same for staff (`orders.read`)
// A customer only ever reads their own: the route takes no customer id.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { storeCreditOf, type StoreCreditView } from '../../app/store-credit.js';
import { requireStaff } from '../auth.js';
import { requireCustomer } from '../customer-auth.js';

const money = z.object({ currency: z.string(), amount: z.number().int().describe('minor units') });

export const storeCreditJson = z.object({
  balances: z.array(money).describe('usable today, per currency'),
  credits: z.array(
    z.object({
      id: z.string(),
      currency: z.string(),
      amount: z.number().int().describe('issued (minor units)'),
      left: z.number().int().describe('still usable (0 once expired)'),
      issuedAt: z.string(),
      expiresOn: z.string().describe('RF-4: the last day it can be used (YYYY-MM-DD, shop calendar)'),
      state: z.enum(['usable', 'used', 'expired']),
      orderNumber: z.string().nullable().describe('the order refunded as credit'),
      movements: z.array(z.object({ kind: z.enum(['use', 'release', 'expiry']), amount: z.number().int(), orderNumber: z.string().nullable(), at: z.string() })),
    }),
  ),
});

export const storeCreditToJson = (view: StoreCreditView): z.infer<typeof storeCreditJson> => ({
  balances: view.balances,
  credits: view.credits.map((c) => ({ ...c, issuedAt: c.issuedAt.toISOString(), movements: c.movements.map((m) => ({ ...m, at: m.at.toISOString() })) })),
});

/** Register with prefix /api/store, inside the session scope. */
export const storeCreditStoreApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get(
    '/account/store-credit',
    { onRequest: requireCustomer(ctx), schema: { tags: ['store: account'], summary: 'RF-4: my store credit', response: { 200: storeCreditJson } } },
    async (request) =>
      storeCreditToJson(await storeCreditOf(ctx.db, { shopId: ctx.shop.id, customerId: request.customer!.id, timeZone: ctx.shop.policy.shop.timeZone, now: await ctx.clock.now() })),
  );
};

/** Register with prefix /api/admin, inside the session scope. */
export const storeCreditAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get(
    '/customers/:id/store-credit',
    {
      onRequest: requireStaff(ctx, 'orders.read'),
      schema: { tags: ['admin: customers'], summary: "RF-4: a customer's store credit", params: z.object({ id: z.string().regex(/^\d{1,18}$/) }), response: { 200: storeCreditJson } },
    },
    async (request) => storeCreditToJson(await storeCreditOf(ctx.db, { shopId: ctx.shop.id, customerId: request.params.id, timeZone: ctx.shop.policy.shop.timeZone, now: await ctx.clock.now() })),
  );
};
