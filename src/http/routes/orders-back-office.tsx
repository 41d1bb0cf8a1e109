// /admin/orders, /admin/fraud-review, /admin/bank-transfers (issue 4 §8): the
// back-office pages of orders. `orders.read` to see, `orders.manage` to act
// (hold, release, cancel), `refunds.manage` to record a refund transfer;
// access in onRequest, CSRF in preHandler; each form calls one use case in one
// transaction (audited there) and redirects (303) back to the page.
import { formField as field, type Form } from '../web/form.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Temporal } from 'temporal-polyfill';
import type { AppContext } from '../../app/context.js';
import { holdForReview, listOpenReviews, recordDocumentsReceived, releaseFromReview } from '../../app/fraud-review.js';
import { cancelOrder } from '../../app/order-cancellation.js';
import { getOrderForStaff, listAwaitedTransfers, listOrders } from '../../app/orders-admin.js';
import { recordBankTransferReceived, recordBankTransferRefund } from '../../app/payments.js';
import { unavailabilityOfOrder } from '../../app/unavailability.js';
import { canDeclareUnavailable } from './unavailability-api.js';
import { UnavailabilityPanel } from './unavailability-pages.js';
import { DomainError } from '../../domain/errors.js';
import { isCurrency, parseAmount } from '../../domain/money.js';
import { isOrderState } from '../../domain/orders/order-lifecycle.js';
import { can } from '../../domain/staff-roles.js';
import type { Actor } from '../../store/audit.js';
import { statusFor } from '../errors.js';
import { requireStaffPage } from '../auth.js';
import { resolveLanguage } from '../web/language.js';
import { orderMessages } from '../web/order-messages.js';
import { listReturnsOfOrder } from '../../app/returns.js';
import { orderDocuments } from '../../app/credit-notes.js';
import { OrderDocuments } from '../web/order-documents.js';
import { OrderReturnsPanel } from './returns-back-office.js';
import { AdminBankTransfersPage, AdminFraudReviewPage, AdminOrderPage, AdminOrdersPage } from '../web/pages/admin-orders.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';

const fields = (body: unknown, name: string): string[] => {
  const value = (body as Form | undefined)?.[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => v.trim()).filter((v) => v !== '');
};
const numberOf = (request: FastifyRequest): string => {
  const { number } = request.params as { number: string };
  if (!/^[A-Za-z0-9-]{1,40}$/.test(number)) throw new DomainError('order.not_found', { field: 'number' }, `No order ${number.slice(0, 40)}.`);
  return number;
};
const errorView = (error: DomainError) => ({ code: error.code, message: error.message === error.code ? error.code.replace(/[._]/g, ' ') : error.message, ...(error.details.field ? { field: error.details.field } : {}) });

export const ordersBackOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  const shopId = ctx.shop.id;
  const { policy } = ctx.shop;
  const read = requireStaffPage(ctx, 'orders.read');
  const manage = requireStaffPage(ctx, 'orders.manage');
  const refunds = requireStaffPage(ctx, 'refunds.manage');
  const actorOf = (request: FastifyRequest): Actor => ({ kind: 'staff', staffId: request.staff!.id });
  const common = (request: FastifyRequest, reply: FastifyReply) => ({ lang: resolveLanguage(request, reply), shop, csrfToken: reply.generateCsrf(), staffEmail: request.staff!.email });
  /** PA-5: the last day is the day before the instant the order is cancelled, in the shop's time zone. */
  const lastDayOf = (dueAt: Date) => Temporal.Instant.fromEpochMilliseconds(dueAt.getTime()).toZonedDateTimeISO(policy.shop.timeZone).subtract({ days: 1 }).toPlainDate().toString();

  app.get('/orders', { onRequest: read }, async (request, reply) => {
    const query = request.query as { state?: string; q?: string; before?: string };
    const state = query.state && isOrderState(query.state) ? query.state : '';
    const q = typeof query.q === 'string' ? query.q.slice(0, 320) : '';
    const before = typeof query.before === 'string' ? query.before.slice(0, 40) : undefined;
    const { orders, next } = await listOrders(ctx.db, shopId, { state: state || undefined, q, before });
    return sendPage(reply, <AdminOrdersPage {...common(request, reply)} orders={orders} next={next} filter={{ state, q }} />);
  });

  const renderOrder = async (request: FastifyRequest, reply: FastifyReply, number: string, flash: { error?: DomainError; notice?: string }) => {
    const detail = await getOrderForStaff(ctx.db, shopId, number);
    const unavailability = await unavailabilityOfOrder(ctx.db, { shopId, orderNumber: number }); // AV-1
    const [returns, documents] = await Promise.all([listReturnsOfOrder(ctx.db, { shopId, order: { id: detail.order.id } }), orderDocuments(ctx.db, { shopId, orderNumber: number })]); // WD-4…WD-8, DOC-1
    const { csrfToken, lang } = common(request, reply);
    return sendPage(
      reply,
      <AdminOrderPage
        {...common(request, reply)}
        detail={detail}
        canManage={can(request.staff!.role, 'orders.manage')}
        canRefund={can(request.staff!.role, 'refunds.manage')}
        fraudReviewOffered={policy.payment.fraudReview !== undefined}
        error={flash.error ? errorView(flash.error) : null}
        notice={flash.notice ?? null}
      >
        <UnavailabilityPanel view={unavailability} lang={lang} csrfToken={csrfToken} canDeclare={canDeclareUnavailable(request.staff!.role)} />
        <OrderReturnsPanel lang={lang} orderNumber={number} returns={returns} mayRecord={can(request.staff!.role, 'returns.manage')} />
        {documents.length > 1 ? <OrderDocuments documents={documents} lang={lang} area="admin" /> : null}
      </AdminOrderPage>,
      flash.error ? statusFor(flash.error.code) : 200,
    );
  };

  app.get('/orders/:number', { onRequest: read }, async (request, reply) => {
    const done = (request.query as { done?: string }).done;
    return renderOrder(request, reply, numberOf(request), { notice: done ? orderMessages[resolveLanguage(request, reply)].done : undefined });
  });

  /** One form, one use case: redirect back on success, the page with the error otherwise. */
  const act = (path: string, run: (request: FastifyRequest, number: string, now: Date) => Promise<unknown>, access = manage) =>
    app.post(path, { onRequest: access, preHandler: app.csrfProtection }, async (request, reply) => {
      const number = numberOf(request);
      try {
        const now = await ctx.clock.now();
        await run(request, number, now);
      } catch (error) {
        if (error instanceof DomainError && error.code !== 'order.not_found') return renderOrder(request, reply, number, { error });
        throw error;
      }
      return reply.redirect(`/admin/orders/${encodeURIComponent(number)}?done=1`, 303);
    });

  act('/orders/:number/hold', (request, number, now) =>
    ctx.db.transaction().execute((tx) =>
      holdForReview(tx, { shop: { id: shopId, policy }, orderNumber: number, reason: field(request.body, 'reason'), documentsRequested: fields(request.body, 'documents'), actor: actorOf(request), now }),
    ),
  );
  act('/orders/:number/release', (request, number, now) =>
    ctx.db.transaction().execute((tx) => releaseFromReview(tx, { shopId, orderNumber: number, note: field(request.body, 'note'), actor: actorOf(request), now })),
  );
  act('/orders/:number/documents-received', (request, number, now) =>
    ctx.db.transaction().execute((tx) => recordDocumentsReceived(tx, { shopId, orderNumber: number, note: field(request.body, 'note'), actor: actorOf(request), now })),
  );
  act('/orders/:number/cancel', (request, number, now) =>
    ctx.db.transaction().execute((tx) => cancelOrder(tx, { shopId, orderNumber: number, reason: field(request.body, 'reason'), note: field(request.body, 'note'), actor: actorOf(request), now })),
  );
  act(
    '/orders/:number/transfer-refunds',
    async (request, number, now) =>
      ctx.db.transaction().execute((tx) =>
        recordBankTransferRefund(tx, {
          shopId,
          reference: { kind: 'order', id: number },
          amount: field(request.body, 'amount'),
          transferredOn: field(request.body, 'transferredOn'),
          bankReference: field(request.body, 'bankReference'),
          timeZone: policy.shop.timeZone,
          actor: actorOf(request),
          now,
        }),
      ),
    refunds,
  );

  app.get('/fraud-review', { onRequest: read }, async (request, reply) =>
    sendPage(reply, <AdminFraudReviewPage {...common(request, reply)} reviews={await listOpenReviews(ctx.db, shopId)} />),
  );

  const renderTransfers = async (request: FastifyRequest, reply: FastifyReply, flash: { error?: DomainError; notice?: string }) => {
    const transfers = await listAwaitedTransfers(ctx.db, shopId);
    const lastDays = new Map(transfers.filter((b) => b.dueAt).map((b) => [b.reference, lastDayOf(b.dueAt!)]));
    return sendPage(
      reply,
      <AdminBankTransfersPage
        {...common(request, reply)}
        transfers={transfers}
        lastDays={lastDays}
        canManage={can(request.staff!.role, 'orders.manage')}
        error={flash.error ? errorView(flash.error) : null}
        notice={flash.notice ?? null}
      />,
      flash.error ? statusFor(flash.error.code) : 200,
    );
  };

  app.get('/bank-transfers', { onRequest: read }, async (request, reply) => {
    const paid = (request.query as { paid?: string }).paid;
    return renderTransfers(request, reply, { notice: paid && /^[A-Za-z0-9-]{1,40}$/.test(paid) ? orderMessages[resolveLanguage(request, reply)].receivedNotice(paid) : undefined });
  });

  app.post('/bank-transfers/received', { onRequest: manage, preHandler: app.csrfProtection }, async (request, reply) => {
    try {
      const currency = policy.pricing.priceLists[0]!.currency;
      const text = field(request.body, 'amount').replace(',', '.');
      if (!isCurrency(currency) || !/^\d{1,12}(\.\d{1,2})?$/.test(text)) throw new DomainError('payment.invalid_amount', { field: 'amount', rule: 'PA-5' }, 'Write the amount like 149.90.');
      const amount = parseAmount(text, currency);
      const now = await ctx.clock.now();
      const payment = await ctx.db.transaction().execute((tx) => recordBankTransferReceived(tx, { shopId, reference: field(request.body, 'reference'), amount, actor: actorOf(request), now }));
      return reply.redirect(`/admin/bank-transfers?paid=${encodeURIComponent(payment.reference.id)}`, 303);
    } catch (error) {
      if (error instanceof DomainError) return renderTransfers(request, reply, { error });
      throw error;
    }
  });
};
