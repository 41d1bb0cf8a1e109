// GET /api/admin/instalments/failed (issue 5 §2, PA-4): the instalment shares
// the financing partner could not collect — declined and waiting for their
// next attempt, declined for good (the merchant must act), or never delivered
// to the partner — for the merchant. Reading needs `orders.read`.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { listFailedInstalmentCollections, type FailedInstalmentCollection } from '../../app/instalment-collections.js';
import { requireStaff } from '../auth.js';

export const failedCollectionJson = (f: FailedInstalmentCollection) => ({
  orderNumber: f.orderNumber,
  email: f.email,
  partner: f.partner,
  planId: f.planId,
  share: f.number,
  count: f.count,
  currency: f.amount.currency,
  amount: f.amount.amount,
  dueOn: f.dueOn,
  attempts: f.attempts,
  problem: f.problem,
  lastFailure: f.lastFailure,
  failedAt: f.failedAt?.toISOString() ?? null,
  nextAttemptOn: f.nextAttemptOn,
  gaveUp: f.problem === 'partner_unreachable' || f.nextAttemptOn === null,
});

/** Register with the prefix /api/admin. */
export const instalmentsAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get(
    '/instalments/failed',
    {
      onRequest: requireStaff(ctx, 'orders.read'),
      schema: {
        tags: ['admin: orders'],
        summary: 'PA-4: instalment shares not collected — declined (retried 3 times in all, 2 days apart) or the partner unreachable; oldest due date first',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      },
    },
    async (request) => ({ failed: (await listFailedInstalmentCollections(ctx.db, ctx.shop.id, { limit: request.query.limit })).map(failedCollectionJson) }),
  );
};
