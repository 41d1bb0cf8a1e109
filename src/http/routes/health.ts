import { sql } from 'kysely';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';

export const healthRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness and database check',
        response: {
          200: z.object({ status: z.literal('ok'), shop: z.string(), database: z.literal('ok'), clock: z.enum(['system', 'manual']), now: z.string() }),
          503: z.object({ status: z.literal('unavailable'), database: z.literal('unreachable') }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`SELECT 1`.execute(ctx.db);
      } catch {
        return reply.status(503).send({ status: 'unavailable', database: 'unreachable' });
      }
      const now = await ctx.clock.now();
      return { status: 'ok' as const, shop: ctx.shop.id, database: 'ok' as const, clock: ctx.clock.kind, now: now.toISOString() };
    },
  );
};
