// /api/admin/customers: the merchant's view of customer accounts and CU-4
// blocks — with the reason, which the customer never sees.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { blockCustomer, customerBlockKinds, findCustomers, liftBlock, type CustomerBlock } from '../../app/customers.js';
import type { Actor } from '../../store/audit.js';
import { requireStaff } from '../auth.js';
import { customerJson, toCustomerJson } from './customer-api.js';

const blockJson = z.object({
  id: z.string(),
  kind: z.enum(['unpaid_order', 'payment_dispute', 'risk_flag']),
  reason: z.string().describe('for the merchant only (CU-4)'),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  liftedAt: z.string().nullable(),
  liftedBy: z.string().nullable(),
  active: z.boolean(),
});

const toBlockJson = (b: CustomerBlock) => ({
  id: b.id,
  kind: b.kind,
  reason: b.reason,
  createdBy: b.createdBy,
  createdAt: b.createdAt.toISOString(),
  liftedAt: b.liftedAt?.toISOString() ?? null,
  liftedBy: b.liftedBy,
  active: b.liftedAt === null,
});

const idParam = z.string().regex(/^\d{1,18}$/);

export const customerAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['admin: customers'];
  const shop = { id: ctx.shop.id, policy: ctx.shop.policy };
  const actorOf = (request: { staff: { id: string } | null }): Actor => ({ kind: 'staff', staffId: request.staff!.id });

  app.get(
    '/customers',
    {
      onRequest: requireStaff(ctx, 'customers.read'),
      schema: {
        tags,
        summary: 'Find customers by email (whatever its case), or the newest; with their blocks and reasons (CU-4)',
        querystring: z.object({ email: z.string().max(320).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ customers: z.array(customerJson.extend({ disabled: z.boolean(), blocks: z.array(blockJson) })) }) },
      },
    },
    async (request) => ({
      customers: (await findCustomers(ctx.db, { shopId: shop.id, email: request.query.email, limit: request.query.limit })).map((c) => ({
        ...toCustomerJson(c),
        disabled: c.disabledAt !== null,
        blocks: c.blocks.map(toBlockJson),
      })),
    }),
  );

  app.post(
    '/customers/:id/blocks',
    {
      onRequest: requireStaff(ctx, 'orders.manage'),
      schema: {
        tags,
        summary: "Refuse this customer's orders (CU-4), for a reason the shop's terms allow",
        params: z.object({ id: idParam }),
        body: z.object({ kind: z.enum(customerBlockKinds as ['unpaid_order', 'payment_dispute', 'risk_flag']), reason: z.string().min(1).max(1000) }),
        response: { 201: z.object({ block: blockJson }) },
      },
    },
    async (request, reply) => {
      const block = await blockCustomer(ctx.db, { shop, customerId: request.params.id, ...request.body, actor: actorOf(request), now: await ctx.clock.now() });
      return reply.status(201).send({ block: toBlockJson(block) });
    },
  );

  app.post(
    '/customers/:id/blocks/:blockId/lift',
    {
      onRequest: requireStaff(ctx, 'orders.manage'),
      schema: { tags, summary: 'End a block (CU-4; idempotent)', params: z.object({ id: idParam, blockId: idParam }), response: { 200: z.object({ block: blockJson }) } },
    },
    async (request) => ({
      block: toBlockJson(await liftBlock(ctx.db, { shopId: shop.id, customerId: request.params.id, blockId: request.params.blockId, actor: actorOf(request), now: await ctx.clock.now() })),
    }),
  );
};
