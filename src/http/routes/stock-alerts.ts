// CAT-2: joining a back-in-stock alert list — the JSON API
// (POST /api/store/stock-alerts) and the storefront form's handler
// (POST /stock-alerts, CSRF-protected, redirecting back to the product page).
// Both are rate-limited: each subscription leads to one email to the address given.
import type { FastifyPluginAsync } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { subscribeStockAlert, type AlertLanguage } from '../../app/stock-alerts.js';
import { DomainError } from '../../domain/errors.js';
import { resolveLanguage } from '../web/language.js';
import type { StockAlertOutcome } from '../web/stock-alert-form.js';

const rateLimit = { max: 10, timeWindow: '1 minute' };

/** POST /api/store/stock-alerts (register with prefix /api/store). */
export const stockAlertApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const defaultLanguage: AlertLanguage = ctx.shop.policy.shop.languages[0] === 'en' ? 'en' : 'fr';
  app.post(
    '/stock-alerts',
    {
      config: { rateLimit },
      schema: {
        tags: ['store'],
        summary: 'Join the back-in-stock alert list of a variant that is not in stock (CAT-2): one email when it returns',
        body: z.object({
          variantId: z.union([z.string(), z.number().int()]).transform(String).pipe(z.string().regex(/^\d{1,18}$/, 'expected a variant id')),
          email: z.string().min(1).max(320),
          language: z.enum(['fr', 'en']).optional(),
        }),
        response: {
          201: z.object({
            alert: z.object({ id: z.string(), variantId: z.string(), email: z.string(), language: z.enum(['fr', 'en']), createdAt: z.string() }),
            created: z.boolean().describe('false when this address already waited for this variant'),
          }),
        },
      },
    },
    async (request, reply) => {
      const { alert, created } = await subscribeStockAlert(ctx.db, {
        shopId: ctx.shop.id,
        policy: ctx.shop.policy,
        variantId: request.body.variantId,
        email: request.body.email,
        language: request.body.language ?? defaultLanguage,
        storefrontUrl: ctx.config.publicUrl,
        now: await ctx.clock.now(),
      });
      return reply.status(201).send({
        alert: { id: alert.id, variantId: alert.variantId, email: alert.email, language: alert.language, createdAt: alert.createdAt.toISOString() },
        created,
      });
    },
  );
};

/** Only a local storefront path is followed back (no open redirect). */
const safeReturn = (value: unknown): string =>
  typeof value === 'string' && /^\/(?![/\\])[A-Za-z0-9\-._~%/]*$/.test(value) && !value.startsWith('/admin') && !value.startsWith('/api') ? value : '/';

const outcomeOf = (code: string): StockAlertOutcome | undefined =>
  ({
    'stock_alert.invalid_email': 'invalid_email',
    'stock_alert.in_stock': 'in_stock',
    'variant.not_found': 'not_found',
    'stock_alert.not_offered': 'not_offered',
  })[code] as StockAlertOutcome | undefined;

/** POST /stock-alerts: the product page's form (fields: _csrf, variantId, email, language, returnTo). */
export const stockAlertFormRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.post('/stock-alerts', { preHandler: app.csrfProtection, config: { rateLimit } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const returnTo = safeReturn(body.returnTo);
    const language: AlertLanguage = body.language === 'fr' || body.language === 'en' ? body.language : resolveLanguage(request, reply);
    let outcome: StockAlertOutcome;
    try {
      await subscribeStockAlert(ctx.db, {
        shopId: ctx.shop.id,
        policy: ctx.shop.policy,
        variantId: typeof body.variantId === 'string' ? body.variantId.trim() : '',
        email: typeof body.email === 'string' ? body.email : '',
        language,
        storefrontUrl: ctx.config.publicUrl,
        now: await ctx.clock.now(),
      });
      outcome = 'subscribed';
    } catch (error) {
      const known = error instanceof DomainError ? outcomeOf(error.code) : undefined;
      if (!known) throw error;
      outcome = known;
    }
    return reply.redirect(`${returnTo}?stockAlert=${outcome}#stock-alert`, 303);
  });
};
