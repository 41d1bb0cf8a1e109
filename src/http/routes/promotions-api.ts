// /api/admin/promotions: promotions and codes (PR-7, PR-8), permission
// `promotions.manage`; every change is audited.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { archivePromotion, createPromotion, listPromotions, type Promotion } from '../../app/promotions.js';
import type { Actor } from '../../store/audit.js';
import { requireStaff } from '../auth.js';

const money = z.object({ amount: z.number().int().describe('minor units'), currency: z.enum(['EUR', 'GBP']) });

export const promotionJson = z.object({
  id: z.string(),
  code: z.string().nullable().describe('null: an automatic running promotion'),
  name: z.string(),
  kind: z.enum(['percentage', 'fixed_amount', 'gift']),
  percentBasisPoints: z.number().int().nullable(),
  amount: money.nullable(),
  giftVariantId: z.string().nullable(),
  giftSku: z.string().nullable(),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
  minimumBasket: money.nullable(),
  excludedProductIds: z.array(z.string()),
  excludedCategoryIds: z.array(z.string()),
  usageLimitTotal: z.number().int().nullable(),
  usageLimitPerCustomer: z.number().int().nullable(),
  combinable: z.boolean(),
  usedTotal: z.number().int(),
  createdAt: z.string(),
  archivedAt: z.string().nullable(),
});

export const toPromotionJson = (p: Promotion): z.infer<typeof promotionJson> => ({
  ...p,
  startsAt: p.startsAt?.toISOString() ?? null,
  endsAt: p.endsAt?.toISOString() ?? null,
  createdAt: p.createdAt.toISOString(),
  archivedAt: p.archivedAt?.toISOString() ?? null,
});

const actorOf = (staffId: string): Actor => ({ kind: 'staff', staffId });
const ids = z.array(z.union([z.string(), z.number().int()]).transform(String)).max(500).optional();

export const promotionsApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['admin: promotions'];
  const shopId = ctx.shop.id;
  const guard = requireStaff(ctx, 'promotions.manage');

  app.get(
    '/promotions',
    {
      onRequest: guard,
      schema: {
        tags,
        summary: 'Promotions and codes, running ones first, with their usage',
        querystring: z.object({ archived: z.enum(['true', 'false']).default('false').describe('include archived promotions') }),
        response: { 200: z.object({ promotions: z.array(promotionJson) }) },
      },
    },
    async (request) => ({
      promotions: (await listPromotions(ctx.db, { shopId, includeArchived: request.query.archived === 'true' })).map(toPromotionJson),
    }),
  );

  app.post(
    '/promotions',
    {
      onRequest: guard,
      schema: {
        tags,
        summary: 'Create a promotion (PR-7: percentage or fixed amount; PR-8: gift). Without a code it runs automatically.',
        body: z.object({
          code: z.string().max(64).nullable().optional(),
          name: z.string().max(200),
          kind: z.enum(['percentage', 'fixed_amount', 'gift']),
          percentBasisPoints: z.number().int().nullable().optional().describe('percentage: 1500 = 15 %'),
          amount: money.nullable().optional(),
          giftVariantId: z.union([z.string(), z.number().int()]).transform(String).nullable().optional(),
          startsAt: z.iso.datetime({ offset: true }).nullable().optional(),
          endsAt: z.iso.datetime({ offset: true }).nullable().optional(),
          minimumBasket: money.nullable().optional(),
          excludedProductIds: ids,
          excludedCategoryIds: ids,
          usageLimitTotal: z.number().int().nullable().optional(),
          usageLimitPerCustomer: z.number().int().nullable().optional(),
          combinable: z.boolean().optional(),
        }),
        response: { 201: z.object({ promotion: promotionJson }) },
      },
    },
    async (request, reply) => {
      const now = await ctx.clock.now();
      const b = request.body;
      const created = await ctx.db.transaction().execute((tx) =>
        createPromotion(tx, {
          shopId,
          policy: ctx.shop.policy,
          actor: actorOf(request.staff!.id),
          now,
          promotion: {
            ...b,
            code: b.code ?? null,
            startsAt: b.startsAt ? new Date(b.startsAt) : null,
            endsAt: b.endsAt ? new Date(b.endsAt) : null,
          },
        }),
      );
      return reply.status(201).send({ promotion: toPromotionJson(created) });
    },
  );

  app.post(
    '/promotions/:id/archive',
    {
      onRequest: guard,
      schema: { tags, summary: 'End a promotion: it no longer applies to any cart', params: z.object({ id: z.string().max(20) }), response: { 200: z.object({ promotion: promotionJson }) } },
    },
    async (request) => {
      const now = await ctx.clock.now();
      const archived = await ctx.db.transaction().execute((tx) => archivePromotion(tx, { shopId, promotionId: request.params.id, actor: actorOf(request.staff!.id), now }));
      return { promotion: toPromotionJson(archived) };
    },
  );
};
