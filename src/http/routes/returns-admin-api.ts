// Withdrawals and returns for the back office, as JSON (issue 6 §9; WD-4…WD-8, RF-1…RF-6):
//   GET  /api/admin/returns?all=                 the queue by refund legal due date, late ones with the L242-4 surcharge (`returns.read`)
//   GET  /api/admin/returns/:number              one return (`returns.read`)
//   POST /api/admin/orders/:number/withdrawals   record a statement received by email, letter or the model form (`returns.manage`)
//   POST /api/admin/returns/:number/label        issue the return label again when the carrier failed (`returns.manage`)
//   POST /api/admin/returns/:number/shipment-proof  the tracking number of the parcel sent back (`returns.manage`)
//   POST /api/admin/returns/:number/receive      the goods are at the warehouse (`returns.receive`)
//   POST /api/admin/returns/:number/inspection   per line accepted / depreciated / refused, then the refund
//                                                (`returns.manage` — "decide on inspections (WD-8)" — AND
//                                                `refunds.manage`, because the decision executes the refund)
// The use cases are src/app/withdrawals.ts and src/app/returns.ts; the pages, routes/returns-back-office.tsx.
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { returnJson, statementBody } from './withdrawals-api.js';
import type { AppContext } from '../../app/context.js';
import { getReturn, inspectReturn, receiveReturn, recordReturnShipment, returnsQueue, type QueuedReturn, type Return } from '../../app/returns.js';
import { attachReturnLabel, recordWithdrawal, type RecordWithdrawalInput } from '../../app/withdrawals.js';
import { actorLabel, type Actor } from '../../store/audit.js';
import { requireStaff } from '../auth.js';

/** The customer's view of a return plus who recorded, inspected and refunded it, and when. */
export function staffReturnJson(r: Return) {
  return {
    ...returnJson(r),
    recordedAt: r.recordedAt.toISOString(),
    recordedBy: r.recordedBy,
    shippedRecordedAt: r.shippedRecordedAt?.toISOString() ?? null,
    inspectedBy: r.inspectedBy,
    refundedAt: r.refundedAt?.toISOString() ?? null,
  };
}

const queuedJson = (r: QueuedReturn) => ({ ...staffReturnJson(r), late: r.late, daysLate: r.daysLate, surchargeIfRefundedToday: r.surchargeIfRefundedToday });

const numberParam = z.object({ number: z.string().regex(/^[A-Za-z0-9-]{1,60}$/) });

const position = z.number().int().min(0).max(10_000);

/** WD-4: a statement customer service received, with when it was sent and what it said; the rest as the store's statement. */
export const withdrawalBody = statementBody.omit({ idempotencyKey: true }).extend({
  channel: z.enum(['email', 'letter', 'model_form']).describe('WD-4: how the statement came'),
  sentAt: z.string().datetime({ offset: true }).describe('WD-1: when the customer SENT it (the email\'s date, the postmark), ISO 8601'),
  text: z.string().max(8000).describe('what the customer wrote, as received'),
});

export const inspectionBody = z.object({
  lines: z
    .array(
      z.object({
        position,
        outcome: z.enum(['accepted', 'depreciated', 'refused']),
        depreciation: z.number().int().min(0).optional().describe('depreciated: the amount kept, minor units, for the line\'s units'),
        reason: z.string().max(1000).optional().describe('depreciated / refused: why, shown to the customer'),
      }),
    )
    .max(200),
  nonConforming: z.boolean().optional().describe('the goods were not in conformity (RF-2 FA variant, WD-6 return costs)'),
});

/**
 * WD-4 + WD-5: the statement, then its return label where the shop provides
 * one. The label comes from the carrier after the statement's commit: when
 * the carrier fails, the statement stays recorded (retrying it would record
 * it twice) and the label is asked for again from the return screen.
 */
export async function recordStatement(ctx: AppContext, log: FastifyBaseLogger, input: Omit<RecordWithdrawalInput, 'shopId' | 'now' | 'publicUrl'>): Promise<Return> {
  const now = await ctx.clock.now();
  const recorded = await recordWithdrawal(ctx.db, { ...input, shopId: ctx.shop.id, publicUrl: ctx.config.publicUrl, now });
  try {
    return await attachReturnLabel(ctx.db, ctx.carrier, { shopId: ctx.shop.id, returnNumber: recorded.number, now });
  } catch (error) {
    log.warn({ err: error, return: recorded.number }, 'return label not issued (WD-5); ask for it again from the return screen');
    return recorded;
  }
}

/** Register with prefix /api/admin, inside the session scope. */
export const returnsAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['admin: returns'];
  const shopId = ctx.shop.id;
  const actorOf = (request: { staff: { id: string } | null }): Actor => ({ kind: 'staff', staffId: request.staff!.id });

  app.get(
    '/returns',
    {
      onRequest: requireStaff(ctx, 'returns.read'),
      schema: {
        tags,
        summary: 'RF-1: open withdrawals and returns by refund legal due date; late ones flagged with the days late and the L242-4 surcharge owed if refunded today (`all=true`: closed ones too)',
        querystring: z.object({ all: z.enum(['true', 'false', '1', '0']).optional() }),
      },
    },
    async (request) => {
      const all = request.query.all === 'true' || request.query.all === '1';
      return { returns: (await returnsQueue(ctx.db, { shopId, now: await ctx.clock.now(), all })).map(queuedJson) };
    },
  );

  app.get(
    '/returns/:number',
    { onRequest: requireStaff(ctx, 'returns.read'), schema: { tags, summary: 'WD-5…WD-8: one return with its statement, dates and refund', params: numberParam } },
    async (request) => ({ return: staffReturnJson(await getReturn(ctx.db, { shopId, number: request.params.number })) }),
  );

  app.post(
    '/orders/:number/withdrawals',
    {
      onRequest: requireStaff(ctx, 'returns.manage'),
      schema: {
        tags,
        summary: 'WD-4: record a withdrawal statement received by email, letter or the model form, in time if SENT within the period (WD-1); acknowledged by email, return label where the shop gives one (WD-5)',
        params: numberParam,
        body: withdrawalBody,
      },
    },
    async (request, reply) => {
      const b = request.body;
      const recorded = await recordStatement(ctx, request.log, {
        orderNumber: request.params.number,
        channel: b.channel,
        sentAt: new Date(b.sentAt),
        text: b.text,
        name: b.name,
        email: b.email,
        items: b.items,
        refundTo: b.refundTo,
        exchange: b.exchange,
        professionalException: b.professionalException ?? null,
        actor: actorOf(request),
      });
      return reply.status(201).send({ return: staffReturnJson(recorded) });
    },
  );

  app.post(
    '/returns/:number/label',
    { onRequest: requireStaff(ctx, 'returns.manage'), schema: { tags, summary: 'WD-5: issue the return label (where the shop gives one) if the carrier failed when the statement was recorded; the same label when asked again', params: numberParam } },
    async (request) => ({ return: staffReturnJson(await attachReturnLabel(ctx.db, ctx.carrier, { shopId, returnNumber: request.params.number, now: await ctx.clock.now() })) }),
  );

  app.post(
    '/returns/:number/shipment-proof',
    {
      onRequest: requireStaff(ctx, 'returns.manage'),
      schema: { tags, summary: 'RF-1: the proof of shipment (tracking number of the parcel sent back), which lets the refund clock run before the goods arrive', params: numberParam, body: z.object({ trackingNumber: z.string().max(60) }) },
    },
    async (request) => {
      const now = await ctx.clock.now();
      const r = await recordReturnShipment(ctx.db, { shopId, returnNumber: request.params.number, trackingNumber: request.body.trackingNumber, by: actorLabel(actorOf(request)), now });
      return { return: staffReturnJson(r) };
    },
  );

  app.post(
    '/returns/:number/receive',
    { onRequest: requireStaff(ctx, 'returns.receive'), schema: { tags, summary: 'WD-8: the returned goods are at the warehouse (once; asking again changes nothing)', params: numberParam } },
    async (request) => ({ return: staffReturnJson(await receiveReturn(ctx.db, { shopId, returnNumber: request.params.number, actor: actorOf(request), now: await ctx.clock.now() })) }),
  );

  app.post(
    '/returns/:number/inspection',
    {
      onRequest: [requireStaff(ctx, 'returns.manage'), requireStaff(ctx, 'refunds.manage')],
      schema: {
        tags,
        summary: 'WD-8 then RF-1…RF-6: the outcome of each line (accepted, depreciated with amount and reason, refused with reason), then the refund computed and executed to the same means of payment (or store credit on request), once',
        params: numberParam,
        body: inspectionBody,
      },
    },
    async (request) => {
      const now = await ctx.clock.now();
      const r = await inspectReturn(ctx.db, { shopId, returnNumber: request.params.number, lines: request.body.lines, nonConforming: request.body.nonConforming, actor: actorOf(request), now });
      return { return: staffReturnJson(r) };
    },
  );
};
