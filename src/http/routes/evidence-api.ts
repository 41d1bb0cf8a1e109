// /api/admin/evidence: the evidence log (OR-6, src/store/evidence.ts).
//
// Permissions (src/domain/staff-roles.ts):
// - the timeline (GET /evidence) needs `orders.read`, whose definition is "see
//   orders, their payments, shipments and evidence": the staff who answer a
//   customer or a dispute about an order (customer service, warehouse, store)
//   must see what the engine can prove about it. Its events carry no more
//   personal data than the order itself (the address an email went to).
// - the integrity check (GET /evidence/verify) needs `audit.read` (the owner):
//   it vouches for the shop's records as a whole and reads the whole log.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { DomainError } from '../../domain/errors.js';
import { listEvidence, verifyEvidenceChain, type EvidenceEvent } from '../../store/evidence.js';
import { requireStaff } from '../auth.js';

const eventSchema = z.object({
  seq: z.number().int().describe('1, 2, 3… per shop, without gaps'),
  recordedAt: z.string().describe('engine time of the step (ISO 8601)'),
  kind: z.string().describe('terms.published, email.sent, later order.validated, payment.authorised…'),
  subject: z.object({ type: z.string(), id: z.string() }).describe('what the event is about, e.g. order / 2026-000123'),
  actor: z.string().describe('system, cli, staff:<id>…'),
  data: z.record(z.string(), z.unknown()),
  prevHash: z.string().describe('hash of the previous event (the genesis for seq 1)'),
  hash: z.string().describe('SHA-256 of the canonical JSON of the event and prevHash (src/store/evidence.ts)'),
});

const view = (e: EvidenceEvent): z.infer<typeof eventSchema> => ({
  seq: e.seq,
  recordedAt: e.recordedAt.toISOString(),
  kind: e.kind,
  subject: e.subject,
  actor: e.actor,
  data: e.data,
  prevHash: e.prevHash,
  hash: e.hash,
});

/** GET /api/admin/evidence and /api/admin/evidence/verify (register with prefix /api/admin). */
export const evidenceApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const shopId = ctx.shop.id;

  app.get(
    '/evidence',
    {
      onRequest: requireStaff(ctx, 'orders.read'),
      schema: {
        tags: ['admin: evidence'],
        summary: 'Evidence log (OR-6), newest first; with subjectType and subjectId, the timeline of one order, email, terms version…',
        querystring: z.object({
          subjectType: z.string().min(1).max(100).optional().describe('e.g. order, terms, stock_alert (with subjectId)'),
          subjectId: z.string().min(1).max(200).optional().describe('e.g. 2026-000123 (with subjectType)'),
          kind: z.string().min(1).max(100).optional().describe('only this kind, e.g. email.sent'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          before: z.coerce.number().int().min(1).optional().describe('only events with a lower seq: the nextBefore of the previous page'),
        }),
        response: { 200: z.object({ events: z.array(eventSchema), nextBefore: z.number().int().nullable().describe('pass as before for the next page; null on the last page') }) },
      },
    },
    async (request) => {
      const { subjectType, subjectId, kind, limit, before } = request.query;
      if ((subjectType === undefined) !== (subjectId === undefined)) {
        const field = subjectType === undefined ? 'subjectType' : 'subjectId';
        throw new DomainError('request.invalid', { field }, `${field} is required with ${field === 'subjectType' ? 'subjectId' : 'subjectType'}.`);
      }
      const events = await listEvidence(ctx.db, shopId, {
        limit,
        ...(subjectType !== undefined && subjectId !== undefined ? { subject: { type: subjectType, id: subjectId } } : {}),
        ...(kind !== undefined ? { kinds: [kind] } : {}),
        ...(before !== undefined ? { before } : {}),
      });
      const last = events.at(-1);
      return { events: events.map(view), nextBefore: events.length === limit && last && last.seq > 1 ? last.seq : null };
    },
  );

  app.get(
    '/evidence/verify',
    {
      onRequest: requireStaff(ctx, 'audit.read'),
      schema: {
        tags: ['admin: evidence'],
        summary: 'Recompute the evidence hash chain (OR-6): intact, or the first broken event and why',
        response: {
          200: z.object({
            ok: z.boolean(),
            count: z.number().int().describe('events verified intact'),
            head: z.string().optional().describe('when ok: hash of the last event (the genesis for an empty log)'),
            brokenAt: z.number().int().optional().describe('when not ok: the first altered, missing or out-of-place seq'),
            reason: z.string().optional(),
          }),
        },
      },
    },
    async () => verifyEvidenceChain(ctx.db, shopId),
  );
};
