// One HTTP server for the JSON API, the storefront and the back office.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import secureSession from '@fastify/secure-session';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.js';
import { getOrCreateSecret } from '../store/secrets.js';
import { fulfilmentApiRoutes } from './routes/fulfilment-api.js';
import { fulfilmentBackOfficeRoutes } from './routes/fulfilment-back-office.js';
import { trackingPageRoutes } from './routes/tracking-pages.js';
import { registerErrorHandling } from './errors.js';
import { registerAuth } from './auth.js';
import { registerCustomerAuth } from './customer-auth.js';
import { customerApiRoutes } from './routes/customer-api.js';
import { accountOrdersApiRoutes } from './routes/account-orders-api.js';
import { customerAdminApiRoutes } from './routes/customer-admin-api.js';
import { accountPageRoutes } from './routes/account-pages.js';
import { healthRoutes } from './routes/health.js';
import { storeApiRoutes } from './routes/store-api.js';
import { adminApiRoutes } from './routes/admin-api.js';
import { storefrontRoutes } from './routes/storefront.js';
import { backOfficeRoutes } from './routes/back-office.js';
import { mailboxApiRoutes, mailboxPageRoutes } from './routes/mailbox.js';
import { evidenceApiRoutes } from './routes/evidence-api.js';
import { stockAlertApiRoutes, stockAlertFormRoutes } from './routes/stock-alerts.js';
import { catalogueStoreApiRoutes } from './routes/catalogue-store-api.js';
import { catalogueAdminApiRoutes } from './routes/catalogue-admin-api.js';
import { cataloguePageRoutes } from './routes/catalogue-pages.js';
import { catalogueBackOfficeRoutes } from './routes/catalogue-back-office.js';
import { cartApiRoutes } from './routes/cart-api.js';
import { orderApiRoutes } from './routes/order-api.js';
import { invoiceAdminApiRoutes, invoiceStoreApiRoutes } from './routes/invoice-api.js';
import { cartPageRoutes } from './routes/cart-pages.js';
import { checkoutPageRoutes } from './routes/checkout-pages.js';
import { promotionsApiRoutes } from './routes/promotions-api.js';
import { promotionsBackOfficeRoutes } from './routes/promotions-back-office.js';
import { paymentWebhookRoutes } from './routes/payment-webhooks.js';
import { ordersAdminApiRoutes } from './routes/orders-admin-api.js';
import { ordersBackOfficeRoutes } from './routes/orders-back-office.js';
import { reservationAdminApiRoutes, reservationStoreApiRoutes } from './routes/reservations-api.js';
import { reservationBackOfficeRoutes, reservationPageRoutes } from './routes/reservations-pages.js';
import { instalmentsAdminApiRoutes } from './routes/instalments-admin-api.js';
import { instalmentsBackOfficeRoutes } from './routes/instalments-back-office.js';
import { deliveryDeadlineAdminApiRoutes, deliveryDeadlineStoreApiRoutes } from './routes/delivery-deadline-api.js';
import { deliveryDeadlineBackOfficeRoutes, deliveryDeadlinePageRoutes } from './routes/delivery-deadline-pages.js';
import { unavailabilityAdminApiRoutes, unavailabilityStoreApiRoutes } from './routes/unavailability-api.js';
import { unavailabilityBackOfficeRoutes, unavailabilityPageRoutes } from './routes/unavailability-pages.js';
import { storeExchangeAdminApiRoutes } from './routes/store-exchanges-api.js';
import { postalExchangeAdminApiRoutes } from './routes/postal-exchanges-api.js';
import { storeExchangeBackOfficeRoutes } from './routes/store-exchanges-back-office.js';
import { sandboxPaymentRoutes } from '../adapters/payments/sandbox/routes.js';
import { deliveryClaimAdminApiRoutes, deliveryClaimStoreApiRoutes } from './routes/delivery-claims-api.js';
import { deliveryClaimBackOfficeRoutes, deliveryClaimPageRoutes } from './routes/delivery-claims-pages.js';
import { guaranteeClaimAdminApiRoutes, guaranteeClaimStoreApiRoutes } from './routes/guarantee-claims-api.js';
import { guaranteeClaimBackOfficeRoutes, guaranteeClaimPageRoutes } from './routes/guarantee-claims-pages.js';
import { storeCreditAdminApiRoutes, storeCreditStoreApiRoutes } from './routes/store-credit-api.js';
import { storeCreditPageRoutes } from './routes/store-credit-pages.js';
import { returnsAdminApiRoutes } from './routes/returns-admin-api.js';
import { withdrawalsStoreApiRoutes } from './routes/withdrawals-api.js';
import { withdrawalPageRoutes } from './routes/withdrawal-pages.js';
import { returnsBackOfficeRoutes } from './routes/returns-back-office.js';
import { errorPageSender } from './web/pages/error.js';
import { shopView } from './web/shop-view.js';

const here = path.dirname(fileURLToPath(import.meta.url));

async function sessionKey(ctx: AppContext): Promise<Buffer> {
  // A configured secret wins (production requires one); else a key kept in the database.
  if (ctx.config.sessionSecret) return createHash('sha256').update(ctx.config.sessionSecret).digest();
  return getOrCreateSecret(ctx.db, 'session_key', 32);
}

export async function buildServer(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    // No personal data in logs: requests are logged by the onResponse hook below
    // (method, route pattern, status, time) — no query strings, bodies, headers or IPs.
    logger: { level: ctx.config.logLevel, serializers: { req: () => ({}), res: () => ({}) } },
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: ctx.config.env === 'production',
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app, { page: errorPageSender(shopView(ctx.shop)) });

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'], styleSrc: ["'self'", "'unsafe-inline'"], scriptSrc: ["'self'"], formAction: ["'self'"] },
    },
  });
  await app.register(cookie);
  await app.register(formbody);
  await app.register(rateLimit, { global: false });

  await app.register(swagger, {
    openapi: {
      info: { title: `Comptoir — ${ctx.shop.id.toUpperCase()}`, version: '0.1.0', description: 'Store and admin JSON API. Errors: `{ error: { code, message, field?, rule? } }`.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Staff API token (`comptoir admin token create`)' },
          session: { type: 'apiKey', in: 'cookie', name: 'comptoir_session' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(fastifyStatic, { root: path.join(here, 'web', 'assets'), prefix: '/assets/', decorateReply: false });
  await app.register(fastifyStatic, { root: path.join(ctx.shop.dir, 'images'), prefix: '/media/', decorateReply: false });

  // Routes that never read the session cookie: cookie-less JSON facts, the
  // catalogue (the hot read paths, issue 3 §9), signed provider webhooks. The
  // encrypted session is not opened for them.
  await app.register(async (open) => {
    await open.register(healthRoutes(ctx));
    await open.register(storeApiRoutes(ctx), { prefix: '/api/store' });
    await open.register(catalogueStoreApiRoutes(ctx), { prefix: '/api/store' });
    await open.register(stockAlertApiRoutes(ctx), { prefix: '/api/store' });
    // Issue 4 §4: the provider's webhooks (signed, not staff routes).
    await open.register(paymentWebhookRoutes(ctx), { prefix: '/api/webhooks' });
    // The sandbox PSP's hosted pages stand for a separate service: no shop session.
    if (ctx.payments) await open.register(sandboxPaymentRoutes(ctx.payments.sandbox, ctx.clock));
  });

  // Everything that may read or write the session (staff, customer, CSRF secret).
  const key = await sessionKey(ctx);
  await app.register(async (scope) => {
    await scope.register(secureSession, {
      key,
      cookieName: 'comptoir_session',
      expiry: 8 * 60 * 60,
      cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.cookieSecure },
    });
    await scope.register(csrf, { sessionPlugin: '@fastify/secure-session' });
    registerAuth(scope);
    registerCustomerAuth(scope);
    await scope.register(adminApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(catalogueAdminApiRoutes(ctx), { prefix: '/api/admin/catalogue' });
    await scope.register(promotionsApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(mailboxApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(evidenceApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(customerAdminApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(ordersAdminApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(fulfilmentApiRoutes(ctx), { prefix: '/api/admin' }); // issue 5: parcels, tracking, collection
    await scope.register(instalmentsAdminApiRoutes(ctx), { prefix: '/api/admin' }); // PA-4 collections
    await scope.register(cartApiRoutes(ctx), { prefix: '/api/store' });
    await scope.register(orderApiRoutes(ctx), { prefix: '/api/store' });
    await scope.register(invoiceStoreApiRoutes(ctx), { prefix: '/api/store' });
    await scope.register(invoiceAdminApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(customerApiRoutes(ctx), { prefix: '/api/store' });
    await scope.register(accountOrdersApiRoutes(ctx), { prefix: '/api/store' });
    await scope.register(storefrontRoutes(ctx));
    await scope.register(cataloguePageRoutes(ctx));
    await scope.register(cartPageRoutes(ctx));
    await scope.register(checkoutPageRoutes(ctx));
    await scope.register(stockAlertFormRoutes(ctx));
    await scope.register(accountPageRoutes(ctx));
    await scope.register(backOfficeRoutes(ctx), { prefix: '/admin' });
    await scope.register(ordersBackOfficeRoutes(ctx), { prefix: '/admin' });
    await scope.register(fulfilmentBackOfficeRoutes(ctx), { prefix: '/admin' }); // issue 5
    await scope.register(trackingPageRoutes(ctx)); // issue 5: SH-9 declaration, sandbox carrier tracking page
    await scope.register(instalmentsBackOfficeRoutes(ctx), { prefix: '/admin' }); // PA-4 collections
    await scope.register(catalogueBackOfficeRoutes(ctx), { prefix: '/admin/catalogue' });
    await scope.register(promotionsBackOfficeRoutes(ctx), { prefix: '/admin' });
    await scope.register(mailboxPageRoutes(ctx), { prefix: '/admin' });
    // Issue 5 §8: reservation in store (ST-1).
    await scope.register(reservationStoreApiRoutes(ctx), { prefix: '/api/store' });
    await scope.register(reservationAdminApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(reservationPageRoutes(ctx));
    await scope.register(reservationBackOfficeRoutes(ctx), { prefix: '/admin' });
    // Issue 5 §6: the delivery deadline (SH-4): the customer's notice and termination, orders at risk.
    await scope.register(deliveryDeadlineStoreApiRoutes(ctx), { prefix: '/api/store' });
    await scope.register(deliveryDeadlineAdminApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(deliveryDeadlinePageRoutes(ctx));
    await scope.register(deliveryDeadlineBackOfficeRoutes(ctx), { prefix: '/admin' });
    // Issue 5 §7: delivery claims (SH-8, SH-9).
    await scope.register(deliveryClaimStoreApiRoutes(ctx), { prefix: '/api/store' });
    await scope.register(deliveryClaimAdminApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(deliveryClaimPageRoutes(ctx));
    await scope.register(deliveryClaimBackOfficeRoutes(ctx), { prefix: '/admin' });
    // Issue 6: guarantee claims (GU-1…GU-5).
    await scope.register(guaranteeClaimStoreApiRoutes(ctx), { prefix: '/api/store' });
    await scope.register(guaranteeClaimAdminApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(guaranteeClaimPageRoutes(ctx));
    await scope.register(guaranteeClaimBackOfficeRoutes(ctx), { prefix: '/admin' });
    // Issue 5 §3: items unavailable after ordering (AV-1, AV-2).
    await scope.register(unavailabilityAdminApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(unavailabilityStoreApiRoutes(ctx), { prefix: '/api/store' });
    await scope.register(unavailabilityPageRoutes(ctx));
    await scope.register(unavailabilityBackOfficeRoutes(ctx), { prefix: '/admin' });
    // Issue 6: in-store exchange of online purchases (EX-2).
    await scope.register(storeExchangeAdminApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(storeExchangeBackOfficeRoutes(ctx), { prefix: '/admin' });
    // Issue 6: exchange by post instead of a refund (EX-1).
    await scope.register(postalExchangeAdminApiRoutes(ctx), { prefix: '/api/admin' });
    // Issue 6: store credit (RF-4).
    await scope.register(storeCreditStoreApiRoutes(ctx), { prefix: '/api/store' });
    await scope.register(storeCreditAdminApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(storeCreditPageRoutes(ctx));
    // Issue 6 §2–5: the withdrawal function and returns for the customer (WD-4…WD-8, RF-1, DOC-1, DOC-2).
    await scope.register(withdrawalsStoreApiRoutes(ctx), { prefix: '/api/store' });
    await scope.register(withdrawalPageRoutes(ctx));
    // Issue 6 §9: withdrawals and returns in the back office (WD-4…WD-8, RF-1…RF-6).
    await scope.register(returnsAdminApiRoutes(ctx), { prefix: '/api/admin' });
    await scope.register(returnsBackOfficeRoutes(ctx), { prefix: '/admin' });
  });
  return app;
}
