// Storefront account pages (issue 4 §1, §8): register, sign in and out, the
// account (profile, email change, addresses, wish list), its orders and
// invoices (CU-1, DOC-1), password reset and email change confirmation. Plain CSRF-protected POSTs that redirect (303) with a
// flash message in FR/EN; the same use cases as the JSON API (routes/customer-api.ts).
import { formField as field, type Form } from '../web/form.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { listCustomerOrders } from '../../app/account-orders.js';
import type { AppContext } from '../../app/context.js';
import {
  addAddress,
  addToWishList,
  authenticateCustomer,
  confirmEmailChange,
  deleteAddress,
  listAddresses,
  listWishList,
  registerCustomer,
  removeFromWishList,
  requestEmailChange,
  requestPasswordReset,
  resetPassword,
  updateAddress,
  updateProfile,
} from '../../app/customers.js';
import { DomainError } from '../../domain/errors.js';
import { requireCustomerPage, signInCustomer, signOutCustomer } from '../customer-auth.js';
import { accountError, accountMessages } from '../web/account-messages.js';
import { resolveLanguage, type Language } from '../web/language.js';
import { AccountPage, EmailChangePage, LoginPage, PasswordResetPage, RegisterPage, type Flash } from '../web/pages/account.js';
import { OrdersPage } from '../web/pages/account-orders.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';
import { invoicePdfPath } from './account-orders-api.js';
import { sendAccountOrderPage } from './account-order-page.js';

type StoredFlash = { kind: 'error' | 'notice'; code: string };

declare module '@fastify/secure-session' {
  interface SessionData {
    accountFlash: StoredFlash;
  }
}

/** An optional form field: undefined when left empty. */
const optional = (body: unknown, name: string): string | undefined => field(body, name) || undefined;

/**
 * Where to go after signing in or registering (CU-1: back to the checkout that
 * asked for an account): only these storefront paths, never another site
 * (`//host`, `https://…`) — no open redirect.
 */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/(account|cart|checkout)(\/[\w\-/]*)?$/.test(next) ? next : '/account');

export const accountPageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = { id: ctx.shop.id, policy: ctx.shop.policy };
  const view = shopView(ctx.shop);
  const accepted = ctx.shop.policy.customers.kinds.accepted;
  const now = () => ctx.clock.now();

  const takeFlash = (request: FastifyRequest, lang: Language): Flash => {
    const stored = request.session.get('accountFlash');
    if (!stored) return null;
    request.session.set('accountFlash', undefined);
    const t = accountMessages[lang];
    return { kind: stored.kind, message: stored.kind === 'error' ? accountError(lang, stored.code) : (t.notices[stored.code] ?? '') };
  };
  const flashTo = (request: FastifyRequest, reply: FastifyReply, to: string, flash: StoredFlash) => {
    request.session.set('accountFlash', flash);
    return reply.redirect(to, 303);
  };
  /** Runs a change of the signed-in account, then back to /account with a notice, or the refusal. */
  const submit = async (request: FastifyRequest, reply: FastifyReply, notice: string, run: () => Promise<unknown>) => {
    try {
      await run();
      return flashTo(request, reply, '/account', { kind: 'notice', code: notice });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return flashTo(request, reply, '/account', { kind: 'error', code: error.code });
    }
  };
  const errorFlash = (lang: Language, error: unknown): Flash => {
    if (!(error instanceof DomainError)) throw error;
    return { kind: 'error', message: accountError(lang, error.code) };
  };
  const signedIn = { onRequest: requireCustomerPage(ctx) };
  const csrf = { preHandler: app.csrfProtection };

  // ---- Register ----
  const renderRegister = (request: FastifyRequest, reply: FastifyReply, flash: Flash, values: Record<string, string>, next: string, status = 200) => {
    const lang = resolveLanguage(request, reply);
    return sendPage(
      reply,
      <RegisterPage
        lang={lang}
        shop={view}
        csrfToken={reply.generateCsrf()}
        flash={flash}
        values={values}
        professionalAccepted={accepted.includes('professional')}
        consumerAccepted={accepted.includes('consumer')}
        next={next}
      />,
      status,
    );
  };
  app.get('/account/register', async (request, reply) =>
    renderRegister(request, reply, takeFlash(request, resolveLanguage(request, reply)), {}, safeNext((request.query as { next?: string }).next)),
  );
  app.post('/account/register', { ...csrf, config: { rateLimit: { max: 20, timeWindow: '1 minute' } } }, async (request, reply) => {
    const b = request.body;
    const next = safeNext(field(b, 'next'));
    const kind = field(b, 'kind') || (accepted.includes('consumer') ? 'consumer' : 'professional');
    try {
      const customer = await registerCustomer(ctx.db, {
        shop,
        email: field(b, 'email'),
        password: (b as Form | undefined)?.password?.toString() ?? '',
        name: field(b, 'name'),
        language: field(b, 'language') || resolveLanguage(request, reply),
        kind,
        professional:
          kind === 'professional'
            ? { companyName: field(b, 'companyName'), registrationNumber: field(b, 'registrationNumber'), vatNumber: field(b, 'vatNumber'), headcount: field(b, 'headcount') }
            : undefined,
        now: await now(),
      });
      await signInCustomer(ctx, request, reply, customer);
      // The welcome notice belongs to the account page; elsewhere it would linger until the next visit there.
      return next === '/account' ? flashTo(request, reply, next, { kind: 'notice', code: 'registered' }) : reply.redirect(next, 303);
    } catch (error) {
      const values = Object.fromEntries(['email', 'name', 'kind', 'companyName', 'registrationNumber', 'vatNumber', 'headcount'].map((k) => [k, field(b, k)]));
      const status = error instanceof DomainError && error.code === 'customer.email_taken' ? 409 : 422;
      return renderRegister(request, reply, errorFlash(resolveLanguage(request, reply), error), values, next, status);
    }
  });

  // ---- Sign in / out ----
  const renderLogin = (request: FastifyRequest, reply: FastifyReply, flash: Flash, next: string, email = '', status = 200) =>
    sendPage(reply, <LoginPage lang={resolveLanguage(request, reply)} shop={view} csrfToken={reply.generateCsrf()} flash={flash} next={next} email={email} />, status);
  app.get('/account/login', async (request, reply) =>
    renderLogin(request, reply, takeFlash(request, resolveLanguage(request, reply)), safeNext((request.query as { next?: string }).next)),
  );
  app.post('/account/login', { ...csrf, config: { rateLimit: { max: 10, timeWindow: '1 minute' } } }, async (request, reply) => {
    const next = safeNext(field(request.body, 'next'));
    const email = field(request.body, 'email');
    try {
      const customer = await authenticateCustomer(ctx.db, { shopId: shop.id, email, password: (request.body as Form | undefined)?.password?.toString() ?? '', now: await now() });
      await signInCustomer(ctx, request, reply, customer);
      return reply.redirect(next, 303);
    } catch (error) {
      return renderLogin(request, reply, errorFlash(resolveLanguage(request, reply), error), next, email, 401);
    }
  });
  app.post('/account/logout', csrf, async (request, reply) => {
    await signOutCustomer(ctx, request, reply);
    return reply.redirect('/', 303);
  });

  // ---- The account ----
  app.get('/account', signedIn, async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const customer = request.customer!;
    const [addresses, wishList] = await Promise.all([
      listAddresses(ctx.db, { shopId: shop.id, customerId: customer.id }),
      listWishList(ctx.db, { shopId: shop.id, customerId: customer.id }),
    ]);
    return sendPage(
      reply,
      <AccountPage lang={lang} shop={view} csrfToken={reply.generateCsrf()} flash={takeFlash(request, lang)} customer={customer} addresses={addresses} wishList={wishList} />,
    );
  });

  app.post('/account/profile', { ...signedIn, ...csrf }, async (request, reply) => {
    const b = request.body;
    const customer = request.customer!;
    return submit(request, reply, 'saved', async () =>
      updateProfile(ctx.db, {
        shop,
        customerId: customer.id,
        name: field(b, 'name'),
        language: optional(b, 'language'),
        professional: customer.professional
          ? { companyName: field(b, 'companyName'), registrationNumber: field(b, 'registrationNumber'), vatNumber: field(b, 'vatNumber'), headcount: field(b, 'headcount') }
          : undefined,
        now: await now(),
      }),
    );
  });

  app.post('/account/email-change', { ...signedIn, ...csrf, config: { rateLimit: { max: 5, timeWindow: '1 minute' } } }, async (request, reply) =>
    submit(request, reply, 'email_change_sent', async () =>
      requestEmailChange(ctx.db, {
        shopId: shop.id,
        customerId: request.customer!.id,
        newEmail: field(request.body, 'newEmail'),
        password: (request.body as Form | undefined)?.password?.toString() ?? '',
        storefrontUrl: ctx.config.publicUrl,
        now: await now(),
      }),
    ),
  );

  app.post('/account/addresses', { ...signedIn, ...csrf }, async (request, reply) => {
    const b = request.body;
    return submit(request, reply, 'address_added', async () =>
      addAddress(ctx.db, {
        shop,
        customerId: request.customer!.id,
        address: {
          label: field(b, 'label'),
          name: field(b, 'name'),
          line1: field(b, 'line1'),
          line2: optional(b, 'line2'),
          postalCode: field(b, 'postalCode'),
          city: field(b, 'city'),
          region: optional(b, 'region'),
          country: field(b, 'country'),
          phone: optional(b, 'phone'),
        },
        now: await now(),
      }),
    );
  });

  app.post('/account/addresses/:id/default', { ...signedIn, ...csrf }, async (request, reply) =>
    submit(request, reply, 'saved', async () =>
      updateAddress(ctx.db, { shop, customerId: request.customer!.id, addressId: (request.params as { id: string }).id, changes: { isDefaultDelivery: true }, now: await now() }),
    ),
  );

  app.post('/account/addresses/:id/delete', { ...signedIn, ...csrf }, async (request, reply) =>
    submit(request, reply, 'address_deleted', async () => deleteAddress(ctx.db, { shopId: shop.id, customerId: request.customer!.id, addressId: (request.params as { id: string }).id })),
  );

  // ---- Orders and invoices (CU-1, DOC-1): the customer's own only; another's is a 404 ----
  const timeZone = ctx.shop.policy.shop.timeZone;
  app.get('/account/orders', signedIn, async (request, reply) => {
    const before = (request.query as { before?: unknown }).before;
    const cursor = typeof before === 'string' && before ? before.slice(0, 40) : undefined;
    const page = await listCustomerOrders(ctx.db, { shopId: shop.id, customerId: request.customer!.id, before: cursor });
    return sendPage(
      reply,
      <OrdersPage lang={resolveLanguage(request, reply)} shop={view} timeZone={timeZone} orders={page.orders} next={page.next} paged={cursor !== undefined} invoiceUrl={invoicePdfPath} />,
    );
  });

  app.get('/account/orders/:number', signedIn, async (request, reply) => sendAccountOrderPage(ctx, request, reply, (request.params as { number: string }).number));

  // The wish-list form of a product page (field variantId).
  app.post('/account/wish-list', { ...signedIn, ...csrf }, async (request, reply) =>
    submit(request, reply, 'wish_added', async () => addToWishList(ctx.db, { shopId: shop.id, customerId: request.customer!.id, variantId: field(request.body, 'variantId'), now: await now() })),
  );

  app.post('/account/wish-list/:variantId/delete', { ...signedIn, ...csrf }, async (request, reply) =>
    submit(request, reply, 'wish_removed', async () =>
      removeFromWishList(ctx.db, { shopId: shop.id, customerId: request.customer!.id, variantId: (request.params as { variantId: string }).variantId }),
    ),
  );

  // ---- Password reset (the emailed link lands on GET /account/password-reset?token=…) ----
  const renderReset = (request: FastifyRequest, reply: FastifyReply, flash: Flash, token: string | null, status = 200) =>
    sendPage(reply, <PasswordResetPage lang={resolveLanguage(request, reply)} shop={view} csrfToken={reply.generateCsrf()} flash={flash} token={token} />, status);
  app.get('/account/password-reset', async (request, reply) => {
    const token = (request.query as { token?: unknown }).token;
    return renderReset(request, reply, takeFlash(request, resolveLanguage(request, reply)), typeof token === 'string' && token ? token.slice(0, 100) : null);
  });
  app.post('/account/password-reset', { ...csrf, config: { rateLimit: { max: 5, timeWindow: '1 minute' } } }, async (request, reply) => {
    await requestPasswordReset(ctx.db, { shopId: shop.id, email: field(request.body, 'email'), storefrontUrl: ctx.config.publicUrl, now: await now() });
    return flashTo(request, reply, '/account/password-reset', { kind: 'notice', code: 'reset_sent' });
  });
  app.post('/account/password-reset/confirm', { ...csrf, config: { rateLimit: { max: 10, timeWindow: '1 minute' } } }, async (request, reply) => {
    const token = field(request.body, 'token');
    try {
      await resetPassword(ctx.db, { shopId: shop.id, token, newPassword: (request.body as Form | undefined)?.newPassword?.toString() ?? '', now: await now() });
      return flashTo(request, reply, '/account/login', { kind: 'notice', code: 'password_set' });
    } catch (error) {
      const flash = errorFlash(resolveLanguage(request, reply), error);
      // A weak password: the same link, once more; a dead link: ask for a new one.
      const keepToken = error instanceof DomainError && error.code.startsWith('customer.weak') ? token : null;
      return renderReset(request, reply, flash, keepToken, 422);
    }
  });

  // ---- Email change confirmation (the link sent to the new address) ----
  app.get('/account/email-change', async (request, reply) => {
    const token = (request.query as { token?: unknown }).token;
    const lang = resolveLanguage(request, reply);
    return sendPage(
      reply,
      <EmailChangePage lang={lang} shop={view} csrfToken={reply.generateCsrf()} flash={takeFlash(request, lang)} token={typeof token === 'string' && token ? token.slice(0, 100) : null} />,
    );
  });
  app.post('/account/email-change/confirm', { ...csrf, config: { rateLimit: { max: 10, timeWindow: '1 minute' } } }, async (request, reply) => {
    try {
      await confirmEmailChange(ctx.db, { shopId: shop.id, token: field(request.body, 'token'), now: await now() });
      return flashTo(request, reply, '/account/email-change', { kind: 'notice', code: 'email_changed' });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return flashTo(request, reply, '/account/email-change', { kind: 'error', code: error.code });
    }
  });
};
