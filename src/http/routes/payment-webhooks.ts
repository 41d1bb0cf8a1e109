// POST /api/webhooks/sandbox-payments: the sandbox PSP's webhooks, as a PSP
// outside the process would send them. The body is read RAW (the signature is
// over its exact bytes), verified (401 forged, 400 stale), deduplicated and
// applied by src/app/payments.ts `handleProviderWebhook`. Not under
// /api/admin: the caller is the provider, authenticated by the signature.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { handleProviderWebhook } from '../../app/payments.js';
import { DomainError } from '../../domain/errors.js';

export const paymentWebhookRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    // Encapsulated in this plugin: only these routes see JSON as a raw buffer.
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_request, body, done) => done(null, body));
    app.post('/sandbox-payments', async (request, reply) => {
      const payments = ctx.payments;
      if (!payments) throw new DomainError('payment.provider_not_configured');
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.from(typeof request.body === 'string' ? request.body : '');
      const outcome = await handleProviderWebhook(ctx.db, payments.provider, raw, request.headers, await ctx.clock.now());
      return reply.status(200).send({ received: true, outcome: outcome.outcome, state: outcome.state });
    });
  };
