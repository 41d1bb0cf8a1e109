// /api/admin/orders and /api/admin/bank-transfers (issue 4 §4, §7, §8): the
// back office's orders — list, detail with its timeline (OR-6), the fraud
// review moves (PA-6), cancelling (OR-7), the bank transfer reconciliation
// (PA-5) and the refund transfers made. Reading needs `orders.read`, acting
// `orders.manage` (refunds: `refunds.manage`); every act is audited by its use case.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { holdForReview, recordDocumentsReceived, releaseFromReview, type FraudReview } from '../../app/fraud-review.js';
import { cancelOrder, SETTLEMENT_ACTIONS, STAFF_CANCELLATION_REASONS } from '../../app/order-cancellation.js';
import { getOrderForStaff, listOrders, type OrderForStaff } from '../../app/orders-admin.js';
import { recordBankTransferReceived, recordBankTransferRefund } from '../../app/payments.js';
import { ORDER_STATES } from '../../domain/orders/order-lifecycle.js';
import { FRAUD_REVIEW_DOCUMENTS } from '../../domain/orders/fraud-review.js';
import { isCurrency, parseAmount, type Currency } from '../../domain/money.js';
import { DomainError } from '../../domain/errors.js';
import type { Actor } from '../../store/audit.js';
import { requireStaff } from '../auth.js';

const numberParam = z.object({ number: z.string().min(1).max(40) });

export const reviewJson = (r: FraudReview) => ({
  id: r.id,
  state: r.state,
  heldFrom: r.heldFrom,
  reason: r.reason,
  documentsRequested: r.documentsRequested,
  lastDay: r.lastDay,
  dueAt: r.dueAt.toISOString(),
  heldBy: r.heldBy,
  heldAt: r.heldAt.toISOString(),
  closedBy: r.closedBy,
  closedAt: r.closedAt?.toISOString() ?? null,
});

/** The detail as JSON: the order, its payments (no card data beyond brand and last 4), reviews and timeline. */
export const orderDetailJson = (d: OrderForStaff) => ({
  order: { ...d.order, placedAt: d.order.placedAt.toISOString(), cancelledAt: d.order.cancelledAt?.toISOString() ?? null },
  payments: d.payments.map((p) => ({
    id: p.id,
    method: p.method,
    state: p.state,
    currency: p.currency,
    amount: p.amount,
    authorised: p.authorised,
    captured: p.captured,
    refunded: p.refunded,
    refundRequested: p.refundRequested,
    /** Asked of the provider, or due back by transfer, and not yet confirmed. */
    refundPending: p.refundRequested - p.refunded,
    voidRequested: p.voidRequestedAt !== null,
    card: p.card,
    bankTransferReference: p.bankTransferReference,
    dueAt: p.dueAt?.toISOString() ?? null,
    failureCode: p.failureCode,
    createdAt: p.createdAt.toISOString(),
  })),
  refunds: d.refunds.map((r) => ({ ...r, recordedAt: r.recordedAt.toISOString() })),
  reviews: d.reviews.map(reviewJson),
  timeline: d.timeline.map((e) => ({ seq: e.seq, at: e.recordedAt.toISOString(), kind: e.kind, actor: e.actor, data: e.data })),
});

export const ordersAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['admin: orders'];
  const shop = { id: ctx.shop.id, policy: ctx.shop.policy };
  const actorOf = (request: { staff: { id: string } | null }): Actor => ({ kind: 'staff', staffId: request.staff!.id });

  app.get(
    '/orders',
    {
      onRequest: requireStaff(ctx, 'orders.read'),
      schema: {
        tags,
        summary: 'Orders, newest first; filter by state and by number or email (q); page with `before` (the last number seen)',
        querystring: z.object({
          state: z.enum(ORDER_STATES).optional(),
          q: z.string().max(320).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          before: z.string().max(40).optional(),
        }),
      },
    },
    async (request) => {
      const { orders, next } = await listOrders(ctx.db, shop.id, request.query);
      return { orders: orders.map((o) => ({ ...o, placedAt: o.placedAt.toISOString() })), next };
    },
  );

  app.get(
    '/orders/:number',
    {
      onRequest: requireStaff(ctx, 'orders.read'),
      schema: { tags, summary: 'One order: lines, totals, addresses, payments, fraud reviews and its timeline from the evidence log (OR-6)', params: numberParam },
    },
    async (request) => orderDetailJson(await getOrderForStaff(ctx.db, shop.id, request.params.number)),
  );

  app.post(
    '/orders/:number/hold',
    {
      onRequest: requireStaff(ctx, 'orders.manage'),
      schema: {
        tags,
        summary: 'PA-6: hold the order for review and ask the customer for proof (shops whose policy has a fraud review)',
        params: numberParam,
        body: z.object({
          reason: z.string().min(1).max(2000).describe('CU-4: for the merchant only'),
          documentsRequested: z.array(z.enum(FRAUD_REVIEW_DOCUMENTS)).min(1).max(2),
        }),
      },
    },
    async (request, reply) => {
      const now = await ctx.clock.now();
      const review = await ctx.db.transaction().execute((tx) =>
        holdForReview(tx, { shop, orderNumber: request.params.number, reason: request.body.reason, documentsRequested: request.body.documentsRequested, actor: actorOf(request), now }),
      );
      return reply.status(201).send({ review: reviewJson(review) });
    },
  );

  const close = (use: typeof releaseFromReview, summary: string) =>
    app.post(
      use === releaseFromReview ? '/orders/:number/release' : '/orders/:number/documents-received',
      { onRequest: requireStaff(ctx, 'orders.manage'), schema: { tags, summary, params: numberParam, body: z.object({ note: z.string().max(2000).optional() }).optional() } },
      async (request) => {
        const now = await ctx.clock.now();
        const { review, state } = await ctx.db.transaction().execute((tx) => use(tx, { shopId: shop.id, orderNumber: request.params.number, note: request.body?.note ?? null, actor: actorOf(request), now }));
        return { review: reviewJson(review), state };
      },
    );
  close(releaseFromReview, 'PA-6: release the order from review (the deadline is lifted, the order goes back to its state)');
  close(recordDocumentsReceived, 'PA-6: the customer sent the proof asked for (the deadline is lifted, the order goes back to its state)');

  app.post(
    '/orders/:number/cancel',
    {
      onRequest: requireStaff(ctx, 'orders.manage'),
      schema: {
        tags,
        summary: 'OR-7: cancel an order not yet shipped (CU-4, PA-5, PA-6): stock released, money voided / refunded / recorded as due, customer told',
        params: numberParam,
        body: z.object({
          reason: z.enum(STAFF_CANCELLATION_REASONS),
          note: z.string().max(2000).optional().describe('CU-4: for the merchant only'),
        }),
        response: {
          200: z.object({
            cancellation: z.object({
              number: z.string(),
              state: z.literal('cancelled'),
              reason: z.string(),
              rule: z.string(),
              cancelledAt: z.string(),
              payments: z.array(
                z.object({
                  paymentId: z.string(),
                  method: z.string(),
                  state: z.string(),
                  action: z.enum(SETTLEMENT_ACTIONS),
                  amount: z.number().int().describe('minor units: released, refunded or due back'),
                }),
              ),
            }),
          }),
        },
      },
    },
    async (request) => {
      const now = await ctx.clock.now();
      const done = await ctx.db.transaction().execute((tx) => cancelOrder(tx, { shopId: shop.id, orderNumber: request.params.number, reason: request.body.reason, note: request.body.note ?? null, actor: actorOf(request), now }));
      return { cancellation: { ...done, state: 'cancelled' as const, cancelledAt: done.cancelledAt.toISOString() } };
    },
  );

  app.post(
    '/orders/:number/transfer-refunds',
    {
      onRequest: requireStaff(ctx, 'refunds.manage'),
      schema: {
        tags,
        summary: 'Record the transfer the shop made to give back money received by transfer (due after a cancellation); never above what was received',
        params: numberParam,
        body: z.object({
          amount: z.string().regex(/^\d{1,12}([.,]\d{1,2})?$/).describe('e.g. 149.90'),
          transferredOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('the day of the transfer, YYYY-MM-DD'),
          bankReference: z.string().min(1).max(100).describe("the transfer's reference on the shop's bank statement"),
        }),
        response: {
          201: z.object({
            payment: z.object({ id: z.string(), state: z.string(), currency: z.string(), received: z.number().int().describe('minor units'), refunded: z.number().int().describe('minor units') }),
          }),
        },
      },
    },
    async (request, reply) => {
      const now = await ctx.clock.now();
      const payment = await ctx.db.transaction().execute((tx) =>
        recordBankTransferRefund(tx, {
          shopId: shop.id,
          reference: { kind: 'order', id: request.params.number },
          amount: request.body.amount,
          transferredOn: request.body.transferredOn,
          bankReference: request.body.bankReference,
          timeZone: ctx.shop.policy.shop.timeZone,
          actor: actorOf(request),
          now,
        }),
      );
      return reply.status(201).send({ payment: { id: payment.id, state: payment.state, currency: payment.currency, received: payment.captured, refunded: payment.refunded } });
    },
  );

  app.post(
    '/bank-transfers/received',
    {
      onRequest: requireStaff(ctx, 'orders.manage'),
      schema: {
        tags,
        summary: 'PA-5: a bank transfer arrived — found by its reference, for its full amount; the order becomes paid',
        body: z.object({
          reference: z.string().min(1).max(40).describe('as on the bank statement (case, spaces and dashes ignored)'),
          amount: z.string().regex(/^\d{1,12}([.,]\d{1,2})?$/).describe('e.g. 149.90'),
          currency: z.string().length(3).optional(),
        }),
      },
    },
    async (request) => {
      const currency = request.body.currency ?? ctx.shop.policy.pricing.priceLists[0]!.currency;
      if (!isCurrency(currency)) throw new DomainError('payment.currency_mismatch', { field: 'currency' });
      const amount = parseAmount(request.body.amount.replace(',', '.'), currency as Currency);
      const now = await ctx.clock.now();
      const payment = await ctx.db.transaction().execute((tx) => recordBankTransferReceived(tx, { shopId: shop.id, reference: request.body.reference, amount, actor: actorOf(request), now }));
      return { payment: { id: payment.id, state: payment.state, amount: payment.amount, currency: payment.currency, orderNumber: payment.reference.id } };
    },
  );
};
