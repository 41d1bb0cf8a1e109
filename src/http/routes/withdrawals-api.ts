// The withdrawal function and returns as JSON, for the customer (issue 6 §2–5; WD-4, WD-5, WD-8, RF-1, DOC-1, DOC-2):
//   GET  /api/store/account/orders/:number/withdrawal     what the signed-in customer may withdraw from now
//   POST /api/store/account/orders/:number/withdrawals    their statement (the function's confirmation)
//   POST /api/store/withdrawals/lookup                    a guest's step 1: order number + the order's email → what may be withdrawn
//   POST /api/store/withdrawals                           a guest's statement (WD-4: guests too; WD-10: the order's email)
//   GET  /api/store/returns/:number                       a return (its customer: the account, or the acknowledgment's ?token=)
//   POST /api/store/returns/:number/shipment-proof        the tracking number of the parcel sent back (RF-1)
//   POST /api/store/returns/:number/refused-resend        refused items sent back at the customer's cost (WD-8)
//   GET  /api/store/returns/:number/slip.pdf              the return slip (DOC-2)
//   GET  /api/store/returns/:number/documents             the order's invoice, credit notes, complementary invoices (DOC-1)
//   GET  /api/store/returns/:number/documents/:doc.pdf    one of them
// Another customer's order or return is a 404, never a 403.
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { orderDocuments } from '../../app/credit-notes.js';
import { staffDocumentPdf } from '../../app/invoice-documents.js';
import { getCustomerOrder } from '../../app/account-orders.js';
import { returnSlipPdf } from '../../adapters/pdf/return-slip-pdf.js';
import { getReturnFor, recordReturnShipment, requestRefusedResend, returnSlipContent, type Return, type ReturnReader } from '../../app/returns.js';
import { attachReturnLabel, orderForWithdrawal, submitWithdrawal, withdrawalOptions, type CreatedReturn, type SubmitWithdrawalInput, type WithdrawalOptions } from '../../app/withdrawals.js';
import { DomainError } from '../../domain/errors.js';
import { identifyCustomer, requireCustomer } from '../customer-auth.js';

const numberParam = z.object({ number: z.string().min(1).max(60) });
const tokenQuery = z.object({ token: z.string().max(100).optional() });

export const statementBody = z.object({
  name: z.string().max(200).describe('WD-4: the customer\'s name'),
  email: z.string().max(254).optional().describe('where the acknowledgment goes (the order\'s email by default)'),
  items: z
    .array(
      z.object({
        position: z.number().int().min(0).max(10_000),
        quantity: z.number().int(),
        sealed: z.boolean().optional().describe('WD-7: a sealed hygiene item is still sealed'),
        exchangeVariantId: z.string().regex(/^\d{1,18}$/).optional().describe('EX-1: the variant wanted instead'),
      }),
    )
    .max(200),
  exchange: z.boolean().optional().describe('EX-1: an exchange instead of a refund (JW, EL)'),
  refundTo: z.enum(['original_payment', 'store_credit']).optional().describe('RF-4: store credit only on the customer\'s explicit request, where the shop offers it'),
  idempotencyKey: z.string().max(200).optional().describe('or the Idempotency-Key header: the same statement sent again returns the same return'),
  professionalException: z
    .object({ employees: z.number().int().min(0), outsideCoreBusiness: z.boolean() })
    .optional()
    .describe('WD-9: a professional with 5 employees or fewer buying outside its core business'),
});

const guestBody = statementBody.extend({ orderNumber: z.string().min(1).max(40), email: z.string().min(3).max(254) });

/** Tells the customer the statement, then asks the carrier for the label where the shop provides one (WD-5). */
export async function withdrawAndLabel(ctx: AppContext, input: Omit<SubmitWithdrawalInput, 'shopId' | 'now' | 'publicUrl'>, log?: FastifyBaseLogger): Promise<CreatedReturn> {
  const created = await submitWithdrawal(ctx.db, { ...input, shopId: ctx.shop.id, publicUrl: ctx.config.publicUrl, now: await ctx.clock.now() });
  try {
    const labelled = await attachReturnLabel(ctx.db, ctx.carrier, { shopId: ctx.shop.id, returnNumber: created.number, now: await ctx.clock.now() });
    return { ...labelled, accessToken: created.accessToken };
  } catch (error) {
    // The statement is recorded and acknowledged (WD-4); staff issue the label again from the return's screen.
    log?.warn({ err: error, return: created.number }, 'return label not issued');
    return created;
  }
}

/**
 * A return as the customer sees it: amounts in minor units, legal dates as
 * YYYY-MM-DD, instants in ISO 8601. Field by field, so that the page secret a
 * just created return carries never leaks; staff add their fields to it.
 */
export function returnJson(r: Return) {
  return {
    number: r.number,
    orderNumber: r.orderNumber,
    purpose: r.purpose,
    channel: r.channel,
    state: r.state,
    sentAt: r.sentAt.toISOString(),
    name: r.name,
    email: r.email,
    statementSha256: r.statementSha256,
    periodLastDay: r.periodLastDay,
    sendBy: r.sendBy,
    returnAddress: r.returnAddress,
    label: r.label,
    refundTo: r.refundTo,
    refundDueOn: r.refundDueOn,
    refundLateAfter: r.refundLateAfter,
    shippedTracking: r.shippedTracking,
    receivedAt: r.receivedAt?.toISOString() ?? null,
    inspectedAt: r.inspectedAt?.toISOString() ?? null,
    currency: r.currency,
    refund: r.refund,
    refusedKeptUntil: r.refusedKeptUntil,
    refusedResendRequestedAt: r.refusedResendRequestedAt?.toISOString() ?? null,
    lines: r.lines,
  };
}

function optionsJson(o: WithdrawalOptions) {
  return { ...o, window: o.window.open ? { ...o.window, endsAt: o.window.endsAt.toISOString() } : o.window };
}

const keyOf = (request: FastifyRequest, body: string | undefined) => body ?? (typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : undefined);

async function readerOf(ctx: AppContext, request: FastifyRequest, token: string | undefined): Promise<ReturnReader> {
  const customer = await identifyCustomer(ctx, request).catch(() => null);
  return { customerId: customer?.id ?? null, token: token ?? (request.headers['x-return-token'] as string | undefined) ?? null };
}

export const withdrawalsStoreApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const shopId = ctx.shop.id;
  const tags = ['store: withdrawal and returns'];

  app.get(
    '/account/orders/:number/withdrawal',
    { onRequest: requireCustomer(ctx), schema: { tags, summary: 'WD-1…WD-7: what the signed-in customer may withdraw from now (window, lines, exclusions)', params: numberParam } },
    async (request) => {
      const detail = await getCustomerOrder(ctx.db, { shopId, policy: ctx.shop.policy, customerId: request.customer!.id, number: request.params.number, now: await ctx.clock.now() });
      return optionsJson(await withdrawalOptions(ctx.db, { shopId, order: detail.order, now: await ctx.clock.now() }));
    },
  );

  app.post(
    '/account/orders/:number/withdrawals',
    { onRequest: requireCustomer(ctx), schema: { tags, summary: 'WD-4: the withdrawal statement of the signed-in customer («\u00a0confirmer la rétractation\u00a0»)', params: numberParam, body: statementBody } },
    async (request, reply) => {
      const created = await withdrawAndLabel(ctx, { ...request.body, idempotencyKey: keyOf(request, request.body.idempotencyKey), orderNumber: request.params.number, access: { customerId: request.customer!.id } }, request.log);
      return reply.code(201).send(returnJson(created));
    },
  );

  app.post(
    '/withdrawals/lookup',
    {
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: { tags, summary: 'WD-4 step 1 for a guest: the order named by its number and email → what may be withdrawn', body: z.object({ orderNumber: z.string().min(1).max(40), email: z.string().min(3).max(254) }) },
    },
    async (request) => {
      const order = await orderForWithdrawal(ctx.db, { shopId, orderNumber: request.body.orderNumber, access: { email: request.body.email } });
      return { orderNumber: order.number, ...optionsJson(await withdrawalOptions(ctx.db, { shopId, order, now: await ctx.clock.now() })) };
    },
  );

  app.post(
    '/withdrawals',
    { config: { rateLimit: { max: 20, timeWindow: '1 minute' } }, schema: { tags, summary: 'WD-4: a guest\'s withdrawal statement (the order\'s number and email, WD-10)', body: guestBody } },
    async (request, reply) => {
      const { orderNumber, email, ...statement } = request.body;
      const created = await withdrawAndLabel(ctx, { ...statement, idempotencyKey: keyOf(request, statement.idempotencyKey), orderNumber, email, access: { email } }, request.log);
      return reply.code(201).send({ ...returnJson(created), accessToken: created.accessToken });
    },
  );

  app.get(
    '/returns/:number',
    { schema: { tags, summary: 'A return for its customer: the account, or the acknowledgment\'s link (?token= or X-Return-Token)', params: numberParam, querystring: tokenQuery } },
    async (request) => returnJson(await getReturnFor(ctx.db, { shopId, number: request.params.number, reader: await readerOf(ctx, request, request.query.token) })),
  );

  app.post(
    '/returns/:number/shipment-proof',
    {
      schema: { tags, summary: 'RF-1: the tracking number of the parcel sent back (a proof of shipment)', params: numberParam, querystring: tokenQuery, body: z.object({ trackingNumber: z.string().max(100) }) },
    },
    async (request) => {
      const reader = await readerOf(ctx, request, request.query.token);
      const r = await getReturnFor(ctx.db, { shopId, number: request.params.number, reader });
      return returnJson(await recordReturnShipment(ctx.db, { shopId, returnNumber: r.number, trackingNumber: request.body.trackingNumber, by: reader.customerId ? `customer:${reader.customerId}` : 'guest', now: await ctx.clock.now() }));
    },
  );

  app.post(
    '/returns/:number/refused-resend',
    { schema: { tags, summary: 'WD-8: send the refused items back, at the customer\'s cost', params: numberParam, querystring: tokenQuery } },
    async (request) => {
      const reader = await readerOf(ctx, request, request.query.token);
      const r = await getReturnFor(ctx.db, { shopId, number: request.params.number, reader });
      return returnJson(await requestRefusedResend(ctx.db, { shopId, returnNumber: r.number, by: reader.customerId ? `customer:${reader.customerId}` : 'guest', now: await ctx.clock.now() }));
    },
  );

  app.get(
    '/returns/:number/slip.pdf',
    { schema: { tags, summary: 'DOC-2: the return slip', params: numberParam, querystring: tokenQuery } },
    async (request, reply) => {
      const r = await getReturnFor(ctx.db, { shopId, number: request.params.number, reader: await readerOf(ctx, request, request.query.token) });
      const pdf = await returnSlipPdf(await returnSlipContent(ctx.db, { shopId, ret: r }));
      reply.header('content-type', 'application/pdf');
      reply.header('content-disposition', `inline; filename="${r.number}.pdf"`);
      return reply.send(pdf);
    },
  );

  app.get(
    '/returns/:number/documents',
    { schema: { tags, summary: 'DOC-1: the invoice, credit notes and complementary invoices of the return\'s order', params: numberParam, querystring: tokenQuery } },
    async (request) => {
      const r = await getReturnFor(ctx.db, { shopId, number: request.params.number, reader: await readerOf(ctx, request, request.query.token) });
      return (await orderDocuments(ctx.db, { shopId, orderNumber: r.orderNumber })).map((d) => ({ ...d, pdf: returnDocumentPath(r.number, d.number, request.query.token) }));
    },
  );

  app.get(
    '/returns/:number/documents/:document.pdf',
    { schema: { tags, summary: 'DOC-1: one document of the return\'s order', params: numberParam.extend({ document: z.string().min(1).max(60) }), querystring: tokenQuery } },
    async (request, reply) => {
      const r = await getReturnFor(ctx.db, { shopId, number: request.params.number, reader: await readerOf(ctx, request, request.query.token) });
      const docs = await orderDocuments(ctx.db, { shopId, orderNumber: r.orderNumber });
      if (!docs.some((d) => d.number === request.params.document)) throw new DomainError('document.not_found', { field: 'document' }, 'No such document for this order.');
      const doc = await staffDocumentPdf(ctx.db, { shopId, documentNumber: request.params.document });
      reply.header('content-type', 'application/pdf');
      reply.header('content-disposition', `inline; filename="${doc.filename}"`);
      return reply.send(doc.pdf);
    },
  );
};

/** A document of the return's order, for whoever reads the return (the token travels with the link). */
export function returnDocumentPath(returnNumber: string, documentNumber: string, token?: string | null): string {
  const base = `/api/store/returns/${encodeURIComponent(returnNumber)}/documents/${encodeURIComponent(documentNumber)}.pdf`;
  return token ? `${base}?token=${encodeURIComponent(token)}` : base;
}
