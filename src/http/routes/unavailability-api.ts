// Items unavailable after ordering (AV-1, AV-2) — the JSON API:
//   staff (prefix /api/admin):
//     GET  /orders/:number/unavailable                    lines with what may be declared, the policy's mode, the cases (`orders.read`)
//     POST /orders/:number/lines/:position/unavailable    { quantity, substituteSku? } — `fulfilment.manage` or `orders.manage`
//   customers (prefix /api/store):
//     GET  /orders/:number/unavailable/:token             the question behind the email's link (guests too)
//     POST /orders/:number/unavailable/:token             { choice }
//     GET  /account/orders/:number/unavailable            the signed-in customer's own order only (404 otherwise)
//     POST /account/orders/:number/unavailable/:caseId    { choice }
// Access is checked in onRequest, before the body is parsed; a customer never
// sees who in the shop declared the units.
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { answerUnavailability, declareUnavailable, getCaseByToken, listCustomerCases, unavailabilityOfOrder, type UnavailabilityCase } from '../../app/unavailability.js';
import { DomainError } from '../../domain/errors.js';
import { UNAVAILABILITY_CASE_STATES, UNAVAILABILITY_CHOICES } from '../../domain/fulfilment/unavailability.js';
import { can, type StaffRole } from '../../domain/staff-roles.js';
import { requireStaff } from '../auth.js';
import { requireCustomer } from '../customer-auth.js';

const localised = z.object({ fr: z.string(), en: z.string() });

const caseJson = z.object({
  id: z.string(),
  orderNumber: z.string(),
  position: z.number().int().describe('the order line'),
  sku: z.string(),
  name: localised,
  quantity: z.number().int(),
  mode: z.string().describe('AV-1: the policy\'s mode'),
  state: z.enum(UNAVAILABILITY_CASE_STATES),
  choices: z.array(z.enum(UNAVAILABILITY_CHOICES)).describe('AV-1b: wait | refund; AV-1c: substitute | refund'),
  choice: z.enum(UNAVAILABILITY_CHOICES).nullable(),
  answeredBy: z.enum(['customer', 'default']).nullable(),
  lastDay: z.string().nullable().describe('the last day to answer (YYYY-MM-DD); the default applies after it'),
  dueAt: z.string().nullable(),
  amount: z.number().int().describe('what the units are worth on the order (minor units)'),
  currency: z.string(),
  substitute: z.object({ sku: z.string(), name: localised, options: z.record(z.string(), z.string()), unitPrice: z.number().int(), ecoFeePerUnit: z.number().int() }).nullable(),
  substitutePosition: z.number().int().nullable(),
  refund: z.object({ amount: z.number().int(), dueOn: z.string().nullable() }).nullable().describe('AV-2 / RF-1: money given back and its legal due date'),
  answeredAt: z.string().nullable(),
  closedAt: z.string().nullable(),
});
const staffCaseJson = caseJson.extend({ declaredBy: z.string(), declaredAt: z.string() });

const customerView = (c: UnavailabilityCase): z.infer<typeof caseJson> => ({
  id: c.id,
  orderNumber: c.orderNumber,
  position: c.position,
  sku: c.sku,
  name: c.name,
  quantity: c.quantity,
  mode: c.mode,
  state: c.state,
  choices: c.choices,
  choice: c.choice,
  answeredBy: c.answeredBy,
  lastDay: c.lastDay,
  dueAt: c.dueAt?.toISOString() ?? null,
  amount: c.amount,
  currency: c.currency,
  substitute: c.substitute,
  substitutePosition: c.substitutePosition,
  refund: c.refund,
  answeredAt: c.answeredAt?.toISOString() ?? null,
  closedAt: c.closedAt?.toISOString() ?? null,
});
const staffView = (c: UnavailabilityCase): z.infer<typeof staffCaseJson> => ({ ...customerView(c), declaredBy: c.declaredBy, declaredAt: c.declaredAt.toISOString() });

const numberParam = z.string().max(40);
const choiceBody = z.object({ choice: z.string().max(20).describe('one of the case\'s `choices`') });

/** AV-1 declarations need `fulfilment.manage` (warehouse) or `orders.manage` (customer service). */
export const canDeclareUnavailable = (role: StaffRole): boolean => can(role, 'fulfilment.manage') || can(role, 'orders.manage');

/** onRequest, after `requireStaff`: `canDeclareUnavailable`. */
export async function mayDeclareUnavailable(request: FastifyRequest): Promise<void> {
  const role = request.staff?.role;
  if (role === undefined) throw new DomainError('auth.required', {}, 'Sign in (session cookie) or send a staff API token.');
  if (!canDeclareUnavailable(role)) {
    throw new DomainError('auth.forbidden', { permission: 'fulfilment.manage' }, `Your role (${role}) may not declare items unavailable.`);
  }
}

/** Register with prefix /api/admin, inside the session scope. */
export const unavailabilityAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['admin: fulfilment'];
  const shopId = ctx.shop.id;

  app.get(
    '/orders/:number/unavailable',
    {
      onRequest: requireStaff(ctx, 'orders.read'),
      schema: {
        tags,
        summary: 'AV-1: the order\'s lines with the units left to ship and still declarable, the policy\'s mode, and the unavailability cases',
        params: z.object({ number: numberParam }),
      },
    },
    async (request) => {
      const view = await unavailabilityOfOrder(ctx.db, { shopId, orderNumber: request.params.number });
      return { ...view, cases: view.cases.map(staffView) };
    },
  );

  app.post(
    '/orders/:number/lines/:position/unavailable',
    {
      onRequest: [requireStaff(ctx, 'orders.read'), mayDeclareUnavailable],
      schema: {
        tags,
        summary: 'AV-1 / AV-2: declare units of a line unavailable (before they ship); the policy decides — cancelled (refunded or never charged), the customer asked, or back-ordered — and the customer is emailed',
        params: z.object({ number: numberParam, position: z.coerce.number().int().min(0).max(10_000) }),
        body: z.object({
          quantity: z.number().int().describe('units found missing, at most those left to ship'),
          substituteSku: z.string().max(100).nullish().describe('AV-1c (substitute_or_refund shops): the variant offered instead, never charged more'),
        }),
        response: { 201: z.object({ case: staffCaseJson }) },
      },
    },
    async (request, reply) => {
      const kase = await ctx.db.transaction().execute(async (tx) =>
        declareUnavailable(tx, {
          shopId,
          orderNumber: request.params.number,
          position: request.params.position,
          quantity: request.body.quantity,
          substituteSku: request.body.substituteSku,
          storefrontUrl: ctx.config.publicUrl,
          actor: { kind: 'staff', staffId: request.staff!.id },
          now: await ctx.clock.now(),
        }),
      );
      return reply.status(201).send({ case: staffView(kase) });
    },
  );
};

/** Register with prefix /api/store, inside the session scope. */
export const unavailabilityStoreApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['store: orders'];
  const shopId = ctx.shop.id;
  const byToken = z.object({ number: numberParam, token: z.string().max(100) });
  const limited = { rateLimit: { max: 30, timeWindow: '1 minute' } };

  app.get(
    '/orders/:number/unavailable/:token',
    { config: limited, schema: { tags, summary: 'AV-1b / AV-1c: the question about unavailable items behind the email\'s link (404 `unavailability.not_found` for a wrong link)', params: byToken, response: { 200: z.object({ case: caseJson }) } } },
    async (request) => ({ case: customerView((await getCaseByToken(ctx.db, { shopId, orderNumber: request.params.number, token: request.params.token })).kase) }),
  );

  app.post(
    '/orders/:number/unavailable/:token',
    { config: limited, schema: { tags, summary: 'AV-1b / AV-1c: answer — wait, refund or substitute (409 `unavailability.already_answered` the second time)', params: byToken, body: choiceBody, response: { 200: z.object({ case: caseJson }) } } },
    async (request) => {
      const kase = await ctx.db.transaction().execute(async (tx) =>
        answerUnavailability(tx, { shopId, orderNumber: request.params.number, choice: request.body.choice, access: { token: request.params.token }, now: await ctx.clock.now() }),
      );
      return { case: customerView(kase) };
    },
  );

  app.get(
    '/account/orders/:number/unavailable',
    { onRequest: requireCustomer(ctx), schema: { tags: ['store: customers'], summary: 'AV-1: the unavailable items of the signed-in customer\'s order (404 `order.not_found` for anyone else\'s)', params: z.object({ number: numberParam }), response: { 200: z.object({ cases: z.array(caseJson) }) } } },
    async (request) => {
      const { cases } = await listCustomerCases(ctx.db, { shopId, orderNumber: request.params.number, customerId: request.customer!.id });
      return { cases: cases.map(customerView) };
    },
  );

  app.post(
    '/account/orders/:number/unavailable/:caseId',
    {
      onRequest: requireCustomer(ctx),
      schema: { tags: ['store: customers'], summary: 'AV-1b / AV-1c: the signed-in customer answers about their own order', params: z.object({ number: numberParam, caseId: z.string().regex(/^\d{1,18}$/) }), body: choiceBody, response: { 200: z.object({ case: caseJson }) } },
    },
    async (request) => {
      const kase = await ctx.db.transaction().execute(async (tx) =>
        answerUnavailability(tx, { shopId, orderNumber: request.params.number, choice: request.body.choice, access: { customerId: request.customer!.id, caseId: request.params.caseId }, now: await ctx.clock.now() }),
      );
      return { case: customerView(kase) };
    },
  );
};
