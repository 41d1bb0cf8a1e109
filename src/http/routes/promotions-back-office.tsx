// /admin/promotions: the back-office list and create form (PR-7, PR-8), behind
// the staff session with permission `promotions.manage`; forms are CSRF-protected.
import { formField as field } from '../web/form.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { archivePromotion, createPromotion, listPromotions, type NewPromotion } from '../../app/promotions.js';
import { DomainError } from '../../domain/errors.js';
import { isCurrency, parseAmount, type Money } from '../../domain/money.js';
import { requireStaffPage } from '../auth.js';
import { cartMessages } from '../web/cart-messages.js';
import { resolveLanguage } from '../web/language.js';
import { AdminPromotionsPage } from '../web/pages/admin-promotions.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';


/** A decimal typed in the form, as money; the field is named when it is not an amount. */
function amountField(body: unknown, name: string, currency: string): Money | null {
  const text = field(body, name).replace(',', '.');
  if (!text) return null;
  if (!isCurrency(currency)) throw new DomainError('promotion.currency_not_sold', { field: 'currency', rule: 'PR-7' }, `Unknown currency ${currency}.`);
  try {
    return parseAmount(text, currency);
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError('promotion.invalid_amount', { field: name, rule: 'PR-7' }, `${name}: expected an amount such as 10.00.`);
    throw error;
  }
}

function instantField(body: unknown, name: string): Date | null {
  const text = field(body, name);
  if (!text) return null;
  const date = new Date(/Z|[+-]\d\d:\d\d$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(date.getTime())) throw new DomainError('promotion.invalid_window', { field: name, rule: 'PR-7' }, `${name}: not a valid date and time.`);
  return date;
}

function integerField(body: unknown, name: string): number | null {
  const text = field(body, name);
  if (!text) return null;
  if (!/^\d{1,9}$/.test(text)) throw new DomainError('promotion.invalid_usage_limit', { field: name, rule: 'PR-7' }, `${name}: expected a whole number.`);
  return Number(text);
}

export const promotionsBackOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  const shopId = ctx.shop.id;
  const currencies = [...new Set(ctx.shop.policy.pricing.priceLists.map((l) => l.currency))];
  const guard = requireStaffPage(ctx, 'promotions.manage');

  const render = async (request: FastifyRequest, reply: FastifyReply, status: number, error: DomainError | null, notice: string | null) =>
    sendPage(
      reply,
      <AdminPromotionsPage
        lang={resolveLanguage(request, reply)}
        shop={shop}
        csrfToken={reply.generateCsrf()}
        staffEmail={request.staff!.email}
        promotions={await listPromotions(ctx.db, { shopId, includeArchived: true })}
        currencies={currencies}
        giftsOffered={ctx.shop.policy.pricing.gifts.attachedByPromotion}
        error={error ? { code: error.code, message: error.message, ...(error.details.field ? { field: error.details.field } : {}) } : null}
        notice={notice}
      />,
      status,
    );

  app.get('/promotions', { onRequest: guard }, async (request, reply) => {
    const created = (request.query as { created?: string }).created;
    return render(request, reply, 200, null, created ? cartMessages[resolveLanguage(request, reply)].created : null);
  });

  app.post('/promotions', { onRequest: guard, preHandler: app.csrfProtection }, async (request, reply) => {
    const body = request.body;
    try {
      const currency = field(body, 'currency') || currencies[0]!;
      const kind = field(body, 'kind') as NewPromotion['kind'];
      let giftVariantId: string | null = null;
      if (kind === 'gift') {
        const sku = field(body, 'giftSku');
        const variant = sku ? await ctx.db.selectFrom('variants').select('id').where('shop_id', '=', shopId).where('sku', '=', sku).executeTakeFirst() : undefined;
        if (!variant) throw new DomainError('variant.not_found', { field: 'giftSku', rule: 'PR-8' }, `No variant with SKU ${sku}.`);
        giftVariantId = variant.id;
      }
      const percentText = field(body, 'percent').replace(',', '.');
      if (kind === 'percentage' && !/^\d{1,3}(\.\d{1,2})?$/.test(percentText)) {
        throw new DomainError('promotion.invalid_percent', { field: 'percent', rule: 'PR-7' }, 'A percentage such as 15 or 12.5.');
      }
      const promotion: NewPromotion = {
        name: field(body, 'name'),
        code: field(body, 'code') || null,
        kind,
        percentBasisPoints: kind === 'percentage' ? Math.round(Number(percentText) * 100) : null,
        amount: kind === 'fixed_amount' ? amountField(body, 'amount', currency) : null,
        giftVariantId,
        startsAt: instantField(body, 'startsAt'),
        endsAt: instantField(body, 'endsAt'),
        minimumBasket: amountField(body, 'minimumBasket', currency),
        usageLimitTotal: integerField(body, 'usageLimitTotal'),
        usageLimitPerCustomer: integerField(body, 'usageLimitPerCustomer'),
        combinable: field(body, 'combinable') === '1',
      };
      const now = await ctx.clock.now();
      await ctx.db.transaction().execute((tx) => createPromotion(tx, { shopId, policy: ctx.shop.policy, promotion, actor: { kind: 'staff', staffId: request.staff!.id }, now }));
      return reply.redirect('/admin/promotions?created=1', 303);
    } catch (error) {
      if (error instanceof DomainError) return render(request, reply, 422, error, null);
      throw error;
    }
  });

  app.post('/promotions/:id/archive', { onRequest: guard, preHandler: app.csrfProtection }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const now = await ctx.clock.now();
    await ctx.db.transaction().execute((tx) => archivePromotion(tx, { shopId, promotionId: id, actor: { kind: 'staff', staffId: request.staff!.id }, now }));
    return reply.redirect('/admin/promotions', 303);
  });
};
