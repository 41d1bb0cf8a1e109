// The delivery deadline (issue 5 §6, SH-4; L216-6 / L216-7 / L241-4 Code de la
// consommation), src/app/delivery-deadline.ts:
//
// - customer (signed in, every query scoped to them: another customer's order
//   is a 404): GET /api/store/account/orders/{number}/delivery-deadline (where
//   the order stands), POST …/delivery-notice (the notice, with the last day
//   of the additional period, `deliverBy`), POST …/terminate (the termination
//   once that period ended);
// - admin (`orders.read`): GET /api/admin/orders/at-risk — orders due within 3
//   days or past due, not delivered, not cancelled; terminated orders with the
//   refund's due date and the L241-4 surcharge owed when late.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import {
  deliveryDeadlineWatch,
  getDeliveryDeadline,
  sendDeliveryNotice,
  terminateLateDelivery,
  type DeliveryDeadlineStatus,
  type DeliveryNotice,
  type TerminatedOrder,
} from '../../app/delivery-deadline.js';
import { SETTLEMENT_ACTIONS } from '../../app/order-cancellation.js';
import { DELIVERY_NOTICE_PERIOD } from '../../domain/fulfilment/delivery-deadline.js';
import { ORDER_STATES } from '../../domain/orders/order-lifecycle.js';
import { requireStaff } from '../auth.js';
import { requireCustomer } from '../customer-auth.js';

const numberParam = z.object({ number: z.string().min(1).max(40) });
const date = z.string().describe('YYYY-MM-DD');
const fulfilment = z.enum(['unfulfilled', 'partially_shipped', 'shipped', 'partially_delivered', 'delivered', 'returned']);

const noticeJson = z.object({
  sentAt: z.string(),
  deliveryDueOn: date,
  deliverBy: date.describe('the last day of the additional period'),
  periodEndsAt: z.string().describe('termination possible from this instant'),
  periodEndedAt: z.string().nullable(),
  terminatedAt: z.string().nullable(),
  refund: z.number().int().nullable().describe('minor units: every sum paid going back'),
  refundDueOn: date.nullable().describe('L216-7: termination + 14 days'),
});
const toNoticeJson = (n: DeliveryNotice) => ({
  ...n,
  sentAt: n.sentAt.toISOString(),
  periodEndsAt: n.periodEndsAt.toISOString(),
  periodEndedAt: n.periodEndedAt?.toISOString() ?? null,
  terminatedAt: n.terminatedAt?.toISOString() ?? null,
});

const statusJson = z.object({
  number: z.string(),
  state: z.enum(ORDER_STATES),
  fulfilment,
  currency: z.string(),
  dueOn: date.describe('SH-4: the last day of delivery'),
  today: date,
  late: z.boolean(),
  noticeFrom: date,
  canSendNotice: z.boolean(),
  deliverBy: z.object({ earliest: date, default: date, latest: date }),
  notice: noticeJson.nullable(),
  canTerminate: z.boolean(),
});
const toStatusJson = (s: DeliveryDeadlineStatus) => ({ ...s, notice: s.notice ? toNoticeJson(s.notice) : null });

const moneyJson = z.object({ amount: z.number().int(), currency: z.string() });
const surchargeJson = z.object({
  late: z.boolean(),
  daysLate: z.number().int(),
  rateBasisPoints: z.number().int().describe('1000 = +10 %'),
  surcharge: moneyJson,
  outstanding: moneyJson,
  parts: z.array(z.object({ on: date, amount: moneyJson, daysLate: z.number().int(), rateBasisPoints: z.number().int(), surcharge: moneyJson, refunded: z.boolean() })),
});
const terminatedJson = (t: TerminatedOrder) => ({ ...t, terminatedAt: t.terminatedAt.toISOString() });

/** Register with prefix /api/store, inside the session scope. */
export const deliveryDeadlineStoreApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['store: customers'];
  const shopId = ctx.shop.id;
  const signedIn = { onRequest: requireCustomer(ctx) };

  app.get(
    '/account/orders/:number/delivery-deadline',
    {
      ...signedIn,
      schema: {
        tags,
        summary: 'SH-4: the order\'s delivery due date, whether a notice or a termination is possible now, and the notice sent — 404 for anyone else\'s order',
        params: numberParam,
        response: { 200: z.object({ deliveryDeadline: statusJson }) },
      },
    },
    async (request) => ({
      deliveryDeadline: toStatusJson(await getDeliveryDeadline(ctx.db, { shopId, customerId: request.customer!.id, number: request.params.number, now: await ctx.clock.now() })),
    }),
  );

  app.post(
    '/account/orders/:number/delivery-notice',
    {
      ...signedIn,
      schema: {
        tags,
        summary: `SH-4 / L216-6: past the due date, the customer enjoins the shop to deliver by \`deliverBy\` (${DELIVERY_NOTICE_PERIOD.minDays} to ${DELIVERY_NOTICE_PERIOD.maxDays} days ahead; ${DELIVERY_NOTICE_PERIOD.defaultDays} by default). 409 \`delivery.not_late\` before the due date has passed`,
        params: numberParam,
        body: z.object({ deliverBy: date.max(10).optional() }).default({}),
        response: { 201: z.object({ deliveryDeadline: statusJson }) },
      },
    },
    async (request, reply) => {
      const status = await ctx.db.transaction().execute(async (tx) =>
        sendDeliveryNotice(tx, { shopId, customerId: request.customer!.id, number: request.params.number, deliverBy: request.body?.deliverBy, now: await ctx.clock.now() }),
      );
      return reply.status(201).send({ deliveryDeadline: toStatusJson(status) });
    },
  );

  app.post(
    '/account/orders/:number/terminate',
    {
      ...signedIn,
      schema: {
        tags,
        summary: 'SH-4 / L216-6 / L216-7: the notice\'s period ended and the goods are not delivered — the contract is terminated, the order cancelled and every sum paid refunded within 14 days',
        params: numberParam,
        response: {
          200: z.object({
            termination: z.object({
              number: z.string(),
              terminatedAt: z.string(),
              currency: z.string(),
              refund: z.number().int().describe('minor units'),
              refundDueOn: date.nullable(),
              payments: z.array(z.object({ paymentId: z.string(), method: z.string(), state: z.string(), action: z.enum(SETTLEMENT_ACTIONS), amount: z.number().int() })),
              parcelsOnTheWay: z.array(z.string()),
            }),
          }),
        },
      },
    },
    async (request) => {
      const done = await ctx.db.transaction().execute(async (tx) => terminateLateDelivery(tx, { shopId, customerId: request.customer!.id, number: request.params.number, now: await ctx.clock.now() }));
      return { termination: { ...done, terminatedAt: done.terminatedAt.toISOString() } };
    },
  );
};

/** Register with prefix /api/admin. */
export const deliveryDeadlineAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get(
    '/orders/at-risk',
    {
      onRequest: requireStaff(ctx, 'orders.read'),
      schema: {
        tags: ['admin: orders'],
        summary: 'SH-4: orders due within 3 days or past due, not delivered, not cancelled (most urgent first); terminated orders with the refund due date and, when late, the L241-4 surcharge',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(200) }),
        response: {
          200: z.object({
            today: date,
            withinDays: z.number().int(),
            atRisk: z.array(
              z.object({
                number: z.string(),
                email: z.string(),
                state: z.enum(ORDER_STATES),
                fulfilment,
                placedAt: z.string(),
                dueOn: date,
                risk: z.enum(['past_due', 'due_soon']),
                daysLate: z.number().int().describe('negative: days left'),
                notice: z.object({ sentAt: z.string(), deliverBy: date, periodEnded: z.boolean() }).nullable(),
              }),
            ),
            terminated: z.array(
              z.object({
                number: z.string(),
                email: z.string(),
                terminatedAt: z.string(),
                currency: z.string(),
                refund: z.number().int(),
                refundDueOn: date.nullable(),
                refunded: z.number().int(),
                refundedOn: date.nullable(),
                surcharge: surchargeJson.nullable(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const watch = await deliveryDeadlineWatch(ctx.db, { shopId: ctx.shop.id, timeZone: ctx.shop.policy.shop.timeZone, now: await ctx.clock.now(), limit: request.query.limit });
      return {
        ...watch,
        atRisk: watch.atRisk.map((r) => ({ ...r, placedAt: r.placedAt.toISOString(), notice: r.notice ? { ...r.notice, sentAt: r.notice.sentAt.toISOString() } : null })),
        terminated: watch.terminated.map(terminatedJson),
      };
    },
  );
};
