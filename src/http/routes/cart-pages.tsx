// Storefront cart page and its forms (issue 3 §8): plain CSRF-protected POSTs
// that redirect back to /cart (303), with a flash message in FR/EN when the
// change is refused — the same use cases as the JSON API (routes/cart-api.ts).
import { formField as field } from '../web/form.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  addCartLine,
  applyPromotionCode,
  changeCartLineQuantity,
  chooseDestination,
  removeCartLine,
  removePromotionCode,
  viewCart,
  type CartChange,
} from '../../app/cart.js';
import type { AppContext } from '../../app/context.js';
import { DomainError } from '../../domain/errors.js';
import { formatMoney, isCurrency } from '../../domain/money.js';
import { destinationCountries, methodServes } from '../../policy/schema.js';
import { cartTokenOf, keepCartCookie } from '../cart-session.js';
import { errorMessage } from '../web/cart-messages.js';
import { resolveLanguage } from '../web/language.js';
import { CartPage } from '../web/pages/cart.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';

type Flash = { code: string; details: Record<string, unknown> };

declare module '@fastify/secure-session' {
  interface SessionData {
    cartFlash: Flash;
  }
}


/** A form's quantity: a whole number, or NaN (refused by the use case as cart.invalid_quantity). */
const quantityOf = (text: string): number => (/^\d{1,6}$/.test(text) ? Number(text) : Number.NaN);

export const cartPageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = { id: ctx.shop.id, policy: ctx.shop.policy };
  const view = shopView(ctx.shop);
  const served = destinationCountries(ctx.shop.policy);
  const countries = served === 'worldwide' ? null : [...served];

  /** Runs a change; a refusal becomes a flash message on the cart page. */
  const submit = async (request: FastifyRequest, reply: FastifyReply, run: () => Promise<CartChange>) => {
    try {
      keepCartCookie(ctx, reply, await run());
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const { minimum, limit } = error.details as { minimum?: unknown; limit?: unknown };
      const details: Record<string, unknown> = {};
      if (typeof limit === 'number') details.limit = limit;
      const min = minimum as { amount?: number; currency?: string } | undefined;
      if (min && typeof min.amount === 'number' && isCurrency(min.currency)) details.minimum = { amount: min.amount, currency: min.currency };
      request.session.set('cartFlash', { code: error.code, details });
    }
    return reply.redirect('/cart', 303);
  };

  app.get('/cart', async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const flash = request.session.get('cartFlash');
    if (flash) request.session.set('cartFlash', undefined);
    const cart = await viewCart(ctx.db, { shop, token: cartTokenOf(request), now: await ctx.clock.now() });
    const min = flash?.details.minimum as { amount: number; currency: 'EUR' | 'GBP' } | undefined;
    const message = flash
      ? errorMessage(lang, flash.code, { ...flash.details, ...(min ? { minimum: formatMoney(min, lang) } : {}) } as Record<string, unknown> & { minimum?: string })
      : null;
    return sendPage(
      reply,
      <CartPage lang={lang} shop={view} csrfToken={reply.generateCsrf()} view={cart} countries={countries} flash={message ? { kind: 'error', message } : null} />,
    );
  });

  const now = () => ctx.clock.now();

  // The product page's add-to-cart form (fields variantId, quantity, _csrf).
  app.post('/cart/lines', { preHandler: app.csrfProtection }, async (request, reply) =>
    submit(request, reply, async () =>
      addCartLine(ctx.db, { shop, token: cartTokenOf(request), now: await now(), variantId: field(request.body, 'variantId'), quantity: quantityOf(field(request.body, 'quantity') || '1') }),
    ),
  );

  // A line's quantity form, or its remove button (remove=1).
  app.post('/cart/lines/:variantId', { preHandler: app.csrfProtection }, async (request, reply) => {
    const { variantId } = request.params as { variantId: string };
    return submit(request, reply, async () =>
      field(request.body, 'remove')
        ? removeCartLine(ctx.db, { shop, token: cartTokenOf(request), now: await now(), variantId })
        : changeCartLineQuantity(ctx.db, { shop, token: cartTokenOf(request), now: await now(), variantId, quantity: quantityOf(field(request.body, 'quantity')) }),
    );
  });

  // Apply a code, or take one off (remove=<code>).
  app.post('/cart/codes', { preHandler: app.csrfProtection }, async (request, reply) => {
    const remove = field(request.body, 'remove');
    return submit(request, reply, async () =>
      remove
        ? removePromotionCode(ctx.db, { shop, token: cartTokenOf(request), now: await now(), code: remove })
        : applyPromotionCode(ctx.db, { shop, token: cartTokenOf(request), now: await now(), code: field(request.body, 'code') }),
    );
  });

  app.post('/cart/destination', { preHandler: app.csrfProtection }, async (request, reply) => {
    const country = field(request.body, 'country').toUpperCase();
    const asked = field(request.body, 'shippingMethodId');
    // Without JavaScript the method radios are those of the previous country:
    // a method that does not serve the new country is dropped, not an error.
    const method = ctx.shop.policy.shipping.methods.find((m) => m.id === asked);
    const shippingMethodId = method && methodServes(method, country) ? method.id : null;
    return submit(request, reply, async () => chooseDestination(ctx.db, { shop, token: cartTokenOf(request), now: await now(), country, shippingMethodId }));
  });
};
