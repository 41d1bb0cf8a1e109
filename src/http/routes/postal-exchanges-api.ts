// Exchanges by post as JSON (issue 6; EX-1, JW and EL). The customer asks for
// the exchange with the withdrawal statement (the withdrawal routes); staff settle it here:
//   POST /api/admin/returns/:number/exchange   settle the received goods once: accepted / refused per line (`returns.manage` — it
//                                              decides on the goods, WD-8 — AND `refunds.manage`: a cheaper replacement refunds money; audited)
//   POST /api/admin/returns/:number/exchange/payment-link  a new link to pay the difference, 7 more days (`returns.manage`, audited)
//   GET  /api/admin/returns/:number/exchange   the settlement: replacements, difference, payment page, replacement parcel (`returns.read`)
// Register with prefix /api/admin inside the session scope (src/http/server.ts).
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { getExchange, reissueExchangePaymentLink, settleExchange, type SettledExchange } from '../../app/postal-exchanges.js';
import { requireStaff } from '../auth.js';

const numberParam = z.object({ number: z.string().min(1).max(60) });

export const settleExchangeBody = z.object({
  lines: z
    .array(
      z.object({
        position: z.number().int().min(0).max(10_000).describe('the order line sent back (as in the return)'),
        outcome: z.enum(['accepted', 'refused']).describe('accepted: exchanged; refused (WD-8): kept for the customer, no replacement'),
        reason: z.string().max(1000).nullish().describe('why it is refused, for the customer'),
      }),
    )
    .max(200),
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const exchangeJson = (x: SettledExchange) => ({
  number: x.number,
  orderNumber: x.orderNumber,
  state: x.state,
  currency: x.currency,
  receivedAt: iso(x.receivedAt),
  inspectedAt: iso(x.inspectedAt),
  inspectedBy: x.inspectedBy,
  refundedAt: iso(x.refundedAt),
  refusedKeptUntil: x.refusedKeptUntil,
  lines: x.lines,
  refund: x.refund ? { refund: x.refund.refund, executed: x.refund.executed, dueOn: x.refund.dueOn, settlement: x.refund.settlement } : null,
  exchange: x.exchange,
  paymentUrl: x.paymentUrl,
});

export const postalExchangeAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['admin: exchanges by post'];
  const shopId = ctx.shop.id;
  // What both staff actions on an exchange pass: the return, who acts (audited), when, and the provider for a payment page or a refund.
  const staffAction = async (request: Pick<FastifyRequest, 'staff'> & { params: { number: string } }) => ({
    shopId,
    returnNumber: request.params.number,
    actor: { kind: 'staff', staffId: request.staff!.id } as const,
    now: await ctx.clock.now(),
    provider: ctx.payments?.provider,
  });

  app.post(
    '/returns/:number/exchange',
    {
      onRequest: [requireStaff(ctx, 'returns.manage'), requireStaff(ctx, 'refunds.manage')],
      schema: {
        tags,
        summary:
          'EX-1: settle an exchange whose goods are received — the replacements added and packed; a cheaper one refunds the difference (14 days), a dearer one emails the customer a card payment link and ships once paid; refused items kept (WD-8)',
        params: numberParam,
        body: settleExchangeBody,
      },
    },
    async (request) => ({ exchange: exchangeJson(await settleExchange(ctx.db, { ...(await staffAction(request)), lines: request.body.lines })) }),
  );

  app.post(
    '/returns/:number/exchange/payment-link',
    {
      onRequest: requireStaff(ctx, 'returns.manage'),
      schema: {
        tags,
        summary: 'EX-1: a new link to pay the difference of a dearer exchange (the unpaid page closed, 7 more days before the exchange is closed), emailed to the customer',
        params: numberParam,
      },
    },
    async (request) => ({ exchange: exchangeJson(await reissueExchangePaymentLink(ctx.db, await staffAction(request))) }),
  );

  app.get(
    '/returns/:number/exchange',
    { onRequest: requireStaff(ctx, 'returns.read'), schema: { tags, summary: 'EX-1: an exchange return and its settlement', params: numberParam } },
    async (request) => ({ exchange: exchangeJson(await getExchange(ctx.db, { shopId, returnNumber: request.params.number })) }),
  );
};
