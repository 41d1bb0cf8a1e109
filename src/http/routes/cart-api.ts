// /api/store/cart and /api/store/quote: the guest cart as JSON (issue 3 §7).
// The cart is identified by its HttpOnly cookie (CA-2); every answer is the
// cart priced now (CA-1). Errors are 4xx naming the field and the rule.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  addCartLine,
  applyPromotionCode,
  changeCartLineQuantity,
  chooseDestination,
  quoteShipping,
  removeCartLine,
  removePromotionCode,
  viewCart,
} from '../../app/cart.js';
import type { AppContext } from '../../app/context.js';
import { cartJson, cartTokenOf, keepCartCookie, shippingOptionJson, toCartJson, toShippingOptionJson } from '../cart-session.js';

const variantIdSchema = z
  .union([z.string().max(40), z.number().int()])
  .transform((v) => String(v).trim())
  .describe('a variant id, as the catalogue gives it');
const quantitySchema = z.number().describe('a whole number of units, at least 1 (CAT-3: at most the shop\'s limit per reference)');
const countrySchema = z.string().min(2).max(2).transform((c) => c.toUpperCase()).describe('ISO 3166-1 alpha-2');

export const cartApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['store: cart'];
  const shop = { id: ctx.shop.id, policy: ctx.shop.policy };
  const respond = { 200: cartJson };

  app.get('/cart', { schema: { tags, summary: 'The visitor\'s cart, priced now from current prices (CA-1)', response: respond } }, async (request) =>
    toCartJson(await viewCart(ctx.db, { shop, token: cartTokenOf(request), now: await ctx.clock.now() })),
  );

  app.post(
    '/cart/lines',
    {
      schema: {
        tags,
        summary: 'Add units of a variant (CA-1; CAT-2 unavailable refused; CAT-3 limit per reference)',
        body: z.object({ variantId: variantIdSchema, quantity: quantitySchema.default(1) }),
        response: respond,
      },
    },
    async (request, reply) => {
      const change = await addCartLine(ctx.db, { shop, token: cartTokenOf(request), now: await ctx.clock.now(), variantId: request.body.variantId, quantity: request.body.quantity });
      keepCartCookie(ctx, reply, change);
      return toCartJson(change.view);
    },
  );

  app.patch(
    '/cart/lines/:variantId',
    {
      schema: { tags, summary: 'Change a line\'s quantity (CA-1, CAT-3)', params: z.object({ variantId: z.string().max(40) }), body: z.object({ quantity: quantitySchema }), response: respond },
    },
    async (request, reply) => {
      const change = await changeCartLineQuantity(ctx.db, { shop, token: cartTokenOf(request), now: await ctx.clock.now(), variantId: request.params.variantId, quantity: request.body.quantity });
      keepCartCookie(ctx, reply, change);
      return toCartJson(change.view);
    },
  );

  app.delete(
    '/cart/lines/:variantId',
    { schema: { tags, summary: 'Remove a line (CA-1)', params: z.object({ variantId: z.string().max(40) }), response: respond } },
    async (request, reply) => {
      const change = await removeCartLine(ctx.db, { shop, token: cartTokenOf(request), now: await ctx.clock.now(), variantId: request.params.variantId });
      keepCartCookie(ctx, reply, change);
      return toCartJson(change.view);
    },
  );

  app.post(
    '/cart/codes',
    {
      schema: {
        tags,
        summary: 'Apply a promotion code (PR-7); refused with promotion.* naming field code, and then not kept',
        body: z.object({ code: z.string().min(1).max(64) }),
        response: respond,
      },
    },
    async (request, reply) => {
      const change = await applyPromotionCode(ctx.db, { shop, token: cartTokenOf(request), now: await ctx.clock.now(), code: request.body.code });
      keepCartCookie(ctx, reply, change);
      return toCartJson(change.view);
    },
  );

  app.delete(
    '/cart/codes/:code',
    { schema: { tags, summary: 'Take a promotion code off the cart', params: z.object({ code: z.string().min(1).max(64) }), response: respond } },
    async (request, reply) => {
      const change = await removePromotionCode(ctx.db, { shop, token: cartTokenOf(request), now: await ctx.clock.now(), code: request.params.code });
      keepCartCookie(ctx, reply, change);
      return toCartJson(change.view);
    },
  );

  app.put(
    '/cart/destination',
    {
      schema: {
        tags,
        summary: 'Delivery country (OR-2; sets the currency, PR-1) and optionally the delivery method (SH-1)',
        body: z.object({ country: countrySchema, shippingMethodId: z.string().min(1).max(64).nullable().optional() }),
        response: respond,
      },
    },
    async (request, reply) => {
      const change = await chooseDestination(ctx.db, {
        shop,
        token: cartTokenOf(request),
        now: await ctx.clock.now(),
        country: request.body.country,
        shippingMethodId: request.body.shippingMethodId ?? null,
      });
      keepCartCookie(ctx, reply, change);
      return toCartJson(change.view);
    },
  );

  app.get(
    '/quote',
    {
      schema: {
        tags,
        summary: 'Delivery options for the current cart: price (SH-2, free-shipping offers included) and estimated dates (SH-3); saves nothing',
        querystring: z.object({ country: countrySchema.optional() }),
        response: { 200: z.object({ country: z.string(), currency: z.string(), options: z.array(shippingOptionJson) }) },
      },
    },
    async (request) => {
      const quote = await quoteShipping(ctx.db, { shop, token: cartTokenOf(request), country: request.query.country ?? null, now: await ctx.clock.now() });
      return { country: quote.country, currency: quote.currency, options: quote.options.map(toShippingOptionJson) };
    },
  );
};
