// /api/store/orders (issue 4 §3): placing the cart's order and reading it back.
// The HTML checkout pages come later; these are their JSON backbone. The cart
// is the visitor's cart cookie (CA-2), the customer the session's (if any).
import { pickupPointsFor, resolvePickupPoint } from '../../app/pickup-points.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { getOrderFor, placeOrder } from '../../app/orders.js';
import { DomainError } from '../../domain/errors.js';
import { ORDER_PAYMENT_METHODS } from '../../domain/payments/payment-methods.js';
import { cartTokenOf } from '../cart-session.js';
import { identifyCustomer } from '../customer-auth.js';

const address = z.object({
  name: z.string().max(200),
  line1: z.string().max(200),
  line2: z.string().max(200).nullish(),
  postalCode: z.string().max(16).nullish(),
  city: z.string().max(100),
  region: z.string().max(100).nullish(),
  country: z.string().max(2),
  phone: z.string().max(40).nullish(),
});

const placeBody = z.object({
  email: z.string().max(320).optional().describe('CU-1: a guest\'s email (shops allowing guests only)'),
  deliveryAddress: address,
  billingAddress: address.nullish(),
  shippingMethodId: z.string().max(60),
  pickupPointId: z.string().max(100).optional().describe('SH-1 / SH-7: the relay point or store chosen (GET /api/store/pickup-points), for those methods'),
  paymentMethod: z.enum(ORDER_PAYMENT_METHODS).describe('PA-1 (instalments: PA-4; deferred: PA-7, authorised professionals)'),
  instalmentCount: z.number().int().optional().describe('PA-4: 3 or 4, with paymentMethod instalments'),
  storeCredit: z.boolean().optional().describe('RF-4: apply my store credit first (min(balance, total)); paymentMethod pays the rest (store_credit: the credit must cover the order)'),
  acceptedTerms: z.object({ versionId: z.string().max(100), hash: z.string().max(64), language: z.enum(['fr', 'en']) }).describe('ID-2: the version read and accepted, and the SHA-256 of its text'),
  declarations: z
    .object({ age: z.object({ meetsMinimumAge: z.boolean(), guardianConsent: z.boolean().optional() }).nullish(), forResale: z.boolean().optional() })
    .optional()
    .describe('CU-2 / CU-3'),
  idempotencyKey: z.string().max(200).optional().describe('or the Idempotency-Key header'),
  returnUrl: z.string().max(500).optional(),
});

export const orderApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['store: orders'];
  const shop = { id: ctx.shop.id, policy: ctx.shop.policy, policyHash: ctx.shop.policyHash };

  app.post('/orders', { schema: { tags, summary: 'Place the order of the visitor\'s cart (OR-3): one transaction; repeat-safe with an idempotency key', body: placeBody } }, async (request, reply) => {
    const body = request.body;
    const header = request.headers['idempotency-key'];
    const idempotencyKey = (typeof header === 'string' ? header : undefined) ?? body.idempotencyKey;
    if (!idempotencyKey) throw new DomainError('order.idempotency_key_required', { field: 'idempotencyKey' }, 'Send an Idempotency-Key header.');
    const customer = await identifyCustomer(ctx, request);
    const pickupPoint = await resolvePickupPoint(ctx.db, ctx.carrier, {
      shopId: shop.id,
      method: shop.policy.shipping.methods.find((m) => m.id === body.shippingMethodId),
      country: body.deliveryAddress.country,
      postalCode: body.deliveryAddress.postalCode ?? '',
      pickupPointId: body.pickupPointId,
    });
    const placed = await placeOrder(ctx.db, {
      shop,
      provider: ctx.payments?.provider,
      financing: ctx.payments?.financing,
      cartToken: cartTokenOf(request),
      customerId: customer?.id ?? null,
      email: body.email,
      deliveryAddress: body.deliveryAddress,
      billingAddress: body.billingAddress,
      shippingMethodId: body.shippingMethodId,
      pickupPoint,
      paymentMethod: body.paymentMethod,
      instalmentCount: body.instalmentCount,
      storeCredit: body.storeCredit,
      acceptedTerms: body.acceptedTerms,
      declarations: body.declarations,
      idempotencyKey,
      returnUrl: body.returnUrl && body.returnUrl.startsWith('/') && !body.returnUrl.startsWith('//') ? body.returnUrl : '/',
      now: await ctx.clock.now(),
    });
    return reply.status(placed.created ? 201 : 200).send(placed);
  });

  app.get(
    '/pickup-points',
    {
      schema: {
        tags,
        summary: 'SH-1 / SH-7: the relay points (carrier) or stores a parcel of this method can wait at, for a delivery address',
        querystring: z.object({ shippingMethodId: z.string().max(60), country: z.string().length(2), postalCode: z.string().max(16).default('') }),
        response: { 200: z.object({ points: z.array(z.object({ id: z.string(), label: z.string() })) }) },
      },
    },
    async (request) => {
      const method = shop.policy.shipping.methods.find((m) => m.id === request.query.shippingMethodId);
      if (!method) throw new DomainError('shipping.method_not_found', { field: 'shippingMethodId', rule: 'SH-1' });
      return { points: await pickupPointsFor(ctx.db, ctx.carrier, { shopId: shop.id, method, country: request.query.country.toUpperCase(), postalCode: request.query.postalCode }) };
    },
  );

  app.get(
    '/orders/:number',
    { schema: { tags, summary: 'An order: the signed-in customer\'s own, or a guest\'s with its access token (?token= or X-Order-Token)', params: z.object({ number: z.string().max(40) }), querystring: z.object({ token: z.string().max(100).optional() }) } },
    async (request) => {
      const customer = await identifyCustomer(ctx, request).catch(() => null);
      const header = request.headers['x-order-token'];
      return getOrderFor(ctx.db, {
        shopId: ctx.shop.id,
        number: request.params.number,
        customerId: customer?.id ?? null,
        accessToken: request.query.token ?? (typeof header === 'string' ? header : null),
      });
    },
  );
};
