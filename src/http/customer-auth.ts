// Customer sessions (issue 4 §1): the signed-in customer's id lives in the same
// encrypted session cookie as the staff session, under its own key
// (`customerId`, separate from `staffId`): signing in or out as one never
// touches the other. Every /api/store/account route and /account page checks
// it in `onRequest`, before the body is parsed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CART_COOKIE } from '../app/cart.js';
import { attachCartAtSignIn, keepCartWithAccount, type AccountCart } from '../app/account-cart.js';
import type { AppContext } from '../app/context.js';
import { getCustomer, type CustomerAccount } from '../app/customers.js';
import { DomainError } from '../domain/errors.js';

declare module '@fastify/secure-session' {
  interface SessionData {
    customerId: string;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    customer: CustomerAccount | null;
  }
}

export function registerCustomerAuth(app: FastifyInstance): void {
  app.decorateRequest('customer', null);
}

/** The signed-in, active customer; a stale or disabled one is signed out. */
export async function identifyCustomer(ctx: AppContext, request: FastifyRequest): Promise<CustomerAccount | null> {
  const customerId = request.session.get('customerId');
  if (!customerId) return null;
  const customer = await getCustomer(ctx.db, ctx.shop.id, customerId);
  if (!customer || customer.disabledAt) {
    request.session.set('customerId', undefined);
    return null;
  }
  return customer;
}

/** onRequest hook for /api/store/account routes: 401 `auth.required` without a customer session. */
export function requireCustomer(ctx: AppContext) {
  return async (request: FastifyRequest) => {
    const customer = await identifyCustomer(ctx, request);
    if (!customer) throw new DomainError('auth.required', {}, 'Sign in to your customer account.');
    request.customer = customer;
  };
}

/** onRequest hook for /account pages: the login page, then back here. */
export function requireCustomerPage(ctx: AppContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const customer = await identifyCustomer(ctx, request).catch(() => null);
    if (!customer) return reply.redirect(`/account/login?next=${encodeURIComponent(request.url.split('?')[0] ?? '/account')}`, 303);
    request.customer = customer;
  };
}

/** Opens the customer session and hands the account's cart to this browser (CA-2). */
export async function signInCustomer(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, customer: CustomerAccount): Promise<void> {
  request.session.set('customerId', customer.id);
  const cart = await attachCartAtSignIn(ctx.db, {
    shop: { id: ctx.shop.id, policy: ctx.shop.policy },
    customerId: customer.id,
    customerKind: customer.kind,
    token: request.cookies[CART_COOKIE],
    now: await ctx.clock.now(),
  });
  keepAccountCartCookie(ctx, reply, cart);
}

/** Signs the customer out; the staff session, if any, stays. The cart cookie goes too (the cart stays with the account, CA-2). */
export async function signOutCustomer(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const customerId = request.session.get('customerId');
  if (customerId) {
    await keepCartWithAccount(ctx.db, { shopId: ctx.shop.id, customerId, token: request.cookies[CART_COOKIE], now: await ctx.clock.now() });
  }
  request.session.set('customerId', undefined);
  reply.clearCookie(CART_COOKIE, { path: '/' });
}

/** The account's cart, handed to this browser at sign-in (CA-2). */
export function keepAccountCartCookie(ctx: AppContext, reply: FastifyReply, cart: AccountCart | null): void {
  if (!cart) return;
  reply.setCookie(CART_COOKIE, cart.token, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.cookieSecure, expires: cart.expiresAt });
}
