// /api/admin/customers: the merchant's view of customer accounts and CU-4
// blocks — with the reason, which the customer never sees.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { blockCustomer, customerBlockKinds, findCustomers, liftBlock, type CustomerBlock } from '../../app/customers.js';
import { findDeferredPaymentAccount, grantDeferredPayment, revokeDeferredPayment, type DeferredPaymentAccount } from '../../app/deferred-payments.js';
import { DomainError } from '../../domain/errors.js';
import { isCurrency, money } from '../../domain/money.js';
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

const moneyJson = z.object({ amount: z.number().int().describe('minor units'), currency: z.string().length(3) });
const deferredAccountJson = z.object({
  insurerReference: z.string().describe("the credit insurer's approval (PA-1)"),
  creditLimit: moneyJson.describe('PA-7: the most the customer may owe at once on deferred orders'),
  outstanding: moneyJson.describe('owed now on deferred orders not yet paid'),
  grantedBy: z.string(),
  grantedAt: z.string(),
});
const toDeferredAccountJson = (a: DeferredPaymentAccount) => ({
  insurerReference: a.insurerReference,
  creditLimit: a.creditLimit,
  outstanding: a.outstanding,
  grantedBy: a.grantedBy,
  grantedAt: a.grantedAt.toISOString(),
});

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

  // PA-1 / PA-7: who may pay later, and up to how much.
  app.get(
    '/customers/:id/deferred-payment',
    {
      onRequest: requireStaff(ctx, 'customers.read'),
      schema: { tags, summary: "The customer's authorisation to pay later (PA-1/PA-7), with what they owe now", params: z.object({ id: idParam }), response: { 200: deferredAccountJson } },
    },
    async (request) => {
      const account = await findDeferredPaymentAccount(ctx.db, shop.id, request.params.id);
      if (!account) throw new DomainError('deferred_payment.not_found', { field: 'id', rule: 'PA-1' }, 'This customer is not authorised to pay later.');
      return toDeferredAccountJson(account);
    },
  );

  app.put(
    '/customers/:id/deferred-payment',
    {
      onRequest: requireStaff(ctx, 'credit.manage'),
      schema: {
        tags,
        summary: "Authorise a professional to pay later (PA-1/PA-7), after the credit insurer's approval; granting again replaces the limit. Audited",
        params: z.object({ id: idParam }),
        body: z.object({ insurerReference: z.string().min(1).max(200), creditLimit: moneyJson }),
        response: { 200: deferredAccountJson },
      },
    },
    async (request) => {
      const { amount, currency } = request.body.creditLimit;
      if (!isCurrency(currency)) throw new DomainError('payment.invalid_credit_limit', { field: 'creditLimit.currency', rule: 'PA-7' });
      const account = await grantDeferredPayment(ctx.db, {
        shop,
        customerId: request.params.id,
        insurerReference: request.body.insurerReference,
        creditLimit: money(amount, currency),
        actor: actorOf(request),
        now: await ctx.clock.now(),
      });
      return toDeferredAccountJson(account);
    },
  );

  app.delete(
    '/customers/:id/deferred-payment',
    {
      onRequest: requireStaff(ctx, 'credit.manage'),
      schema: { tags, summary: 'End the authorisation to pay later (orders placed keep their due dates). Audited; idempotent', params: z.object({ id: idParam }), response: { 204: z.null() } },
    },
    async (request, reply) => {
      await revokeDeferredPayment(ctx.db, { shopId: shop.id, customerId: request.params.id, actor: actorOf(request), now: await ctx.clock.now() });
      return reply.status(204).send(null);
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
