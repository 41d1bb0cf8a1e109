// Guarantee claims as JSON (issue 6; GU-1…GU-5):
//   POST /api/store/account/orders/:number/guarantee-claims   file a claim (signed-in customer; photos in base64)
//   GET  /api/store/account/orders/:number/guarantee-claims   the claims of one of their orders, and what may be claimed now
//   GET  /api/store/account/guarantee-claims/:claim           one of their claims
//   GET  /api/store/account/guarantee-claims/:claim/photos/:n a photo of it
//   GET  /api/admin/guarantee-claims                          the queue: answer due first, overdue flagged (`returns.read`)
//   GET  /api/admin/guarantee-claims/:claim                   one claim (`returns.read`)
//   POST /api/admin/guarantee-claims/:claim/decision          repair | replace | refund | price_reduction | refuse (`returns.manage`)
//   POST /api/admin/guarantee-claims/:claim/item-received     GU-1: the item handed over for repair (`returns.manage`)
//   POST /api/admin/guarantee-claims/:claim/item-returned     GU-1: the repaired item given back (`returns.manage`)
//   POST /api/admin/guarantee-claims/:claim/shipping-refund   GU-1: shipping costs of the repair refunded (`returns.manage`)
//   GET  /api/admin/guarantee-claims/:claim/photos/:n         a photo (`returns.read`)
// Customers only ever see their own (another's is a 404).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import {
  decideGuaranteeClaim,
  fileGuaranteeClaim,
  getGuaranteeClaimFor,
  getGuaranteeClaimForStaff,
  guaranteeClaimPhoto,
  guaranteeOptionsOf,
  listGuaranteeClaimsForStaff,
  listGuaranteeClaimsOfOrder,
  recordItemReceived,
  recordItemReturned,
  refundRepairShipping,
  type GuaranteeClaim,
  type GuaranteeClaimForStaff,
  type GuaranteeOptions,
} from '../../app/guarantee-claims.js';
import { getOrderFor } from '../../app/orders.js';
import { GU5_EXCLUSIONS, GUARANTEE_CLAIM_STATES, GUARANTEE_OUTCOMES, REMEDIES_ASKED } from '../../domain/guarantees/claims.js';
import { GUARANTEE_KINDS } from '../../domain/guarantees/coverage.js';
import type { Actor } from '../../store/audit.js';
import { requireStaff } from '../auth.js';
import { requireCustomer } from '../customer-auth.js';
import { CLAIM_BODY_LIMIT, decodePhotos, photosBody, sendPhoto } from './delivery-claims-api.js';

const numberParam = z.object({ number: z.string().min(1).max(40) });
const claimParam = z.object({ claim: z.string().regex(/^[A-Za-z0-9-]{1,60}$/) });
const photoParam = claimParam.extend({ n: z.coerce.number().int().min(1).max(5) });

const fileBody = z.object({
  position: z.number().int().min(0).max(10_000).describe('the order line (position as in the order)'),
  quantity: z.number().int().describe('units of the line concerned'),
  kind: z.enum(GUARANTEE_KINDS).describe('GU-1 conformity, GU-2 hidden_defect, GU-4 dead_on_arrival / commercial (EL)'),
  remedy: z.enum(REMEDIES_ASKED).describe('GU-1 repair | replace; GU-2 cancel_sale | partial_refund; GU-4 dead on arrival: as the policy lists (EL: repair, replace, refund)'),
  description: z.string().max(5000),
  discoveredOn: z.string().max(10).optional().describe('GU-2: the day the defect was discovered (YYYY-MM-DD)'),
  photos: photosBody('for an EL commercial claim (GU-4)'),
});

const decisionBody = z.object({
  outcome: z.enum(GUARANTEE_OUTCOMES),
  reason: z.string().max(2000).optional().describe('refuse: shown to the customer'),
  exclusion: z.enum(GU5_EXCLUSIONS).optional().describe('refuse: the GU-5 exclusion relied on'),
  amount: z.number().int().optional().describe('price_reduction (and GU-2 partial refund): minor units, at most the units\' price'),
  minorDefect: z.boolean().optional().describe('GU-1: the defect is minor — no termination after a refusal, overdue remedy or persisting defect'),
});

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** A claim as JSON; `photoUrl` says where the reader downloads each photo. */
export function guaranteeClaimJson(c: GuaranteeClaim, photoUrl: (c: GuaranteeClaim, n: number) => string) {
  return {
    number: c.number,
    orderNumber: c.orderNumber,
    position: c.position,
    sku: c.sku,
    name: c.name,
    quantity: c.quantity,
    secondHand: c.secondHand,
    kind: c.kind,
    remedyAsked: c.remedyAsked,
    description: c.description,
    discoveredOn: c.discoveredOn,
    state: c.state,
    filedAt: c.filedAt.toISOString(),
    deliveredAt: c.deliveredAt.toISOString(),
    shipmentNumber: c.shipmentNumber,
    coveredFrom: c.coveredFrom,
    coveredUntil: c.coveredUntil,
    presumptionUntil: c.presumptionUntil,
    answerDueAt: iso(c.answerDueAt),
    remedyDueOn: c.remedyDueOn,
    answerOverdueAt: iso(c.answerOverdueAt),
    remedyOverdueAt: iso(c.remedyOverdueAt),
    receivedAt: iso(c.receivedAt),
    returnedAt: iso(c.returnedAt),
    photos: c.photos.map((p) => ({ ...p, url: photoUrl(c, p.n) })),
    decision: c.decision ? { ...c.decision, decidedAt: c.decision.decidedAt.toISOString() } : null,
    shippingRefund: c.shippingRefund,
  };
}

const staffJson = (c: GuaranteeClaimForStaff & { answerOverdue?: boolean; remedyOverdue?: boolean }) => ({
  ...guaranteeClaimJson(c, (x, n) => adminGuaranteePhotoPath(x.number, n)),
  customerEmail: c.customerEmail,
  filedBy: c.filedBy,
  decidedBy: c.decidedBy,
  unitsPrice: c.unitsPrice,
  ...(c.answerOverdue !== undefined ? { answerOverdue: c.answerOverdue, remedyOverdue: c.remedyOverdue } : {}),
});

export const optionsJson = (o: GuaranteeOptions) => ({
  photosRequiredFor: o.photosRequiredFor,
  lines: o.lines.map((l) => ({ ...l, deliveredAt: l.deliveredAt.toISOString(), guarantees: l.guarantees.map(({ dueAt: _d, ...g }) => g) })),
});

export const accountGuaranteePhotoPath = (number: string, n: number) => `/api/store/account/guarantee-claims/${encodeURIComponent(number)}/photos/${n}`;
export const adminGuaranteePhotoPath = (number: string, n: number) => `/api/admin/guarantee-claims/${encodeURIComponent(number)}/photos/${n}`;

/** Register with prefix /api/store, inside the session scope. */
export const guaranteeClaimStoreApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['store: guarantee claims'];
  const shopId = ctx.shop.id;
  const signedIn = { onRequest: requireCustomer(ctx) };
  const accountUrl = (c: GuaranteeClaim, n: number) => accountGuaranteePhotoPath(c.number, n);

  app.post(
    '/account/orders/:number/guarantee-claims',
    {
      ...signedIn,
      bodyLimit: CLAIM_BODY_LIMIT,
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: { tags, summary: 'GU-1/GU-2/GU-4: claim under a guarantee for units of a delivered line — `guarantee.expired` names the guarantee\'s dates', params: numberParam, body: fileBody },
    },
    async (request, reply) => {
      const b = request.body;
      const claim = await fileGuaranteeClaim(ctx.db, {
        shopId,
        orderNumber: request.params.number,
        position: b.position,
        quantity: b.quantity,
        kind: b.kind,
        remedy: b.remedy,
        description: b.description,
        discoveredOn: b.discoveredOn,
        photos: decodePhotos(b.photos),
        access: { customerId: request.customer!.id },
        now: await ctx.clock.now(),
      });
      return reply.status(201).send({ claim: guaranteeClaimJson(claim, accountUrl) });
    },
  );

  app.get(
    '/account/orders/:number/guarantee-claims',
    { ...signedIn, schema: { tags, summary: 'GU-1…GU-4: the guarantee claims of an order of the signed-in customer, and each delivered line\'s guarantees now', params: numberParam } },
    async (request) => {
      const access = { customerId: request.customer!.id };
      const order = await getOrderFor(ctx.db, { shopId, number: request.params.number, customerId: access.customerId });
      const [claims, options] = await Promise.all([
        listGuaranteeClaimsOfOrder(ctx.db, { shopId, orderNumber: order.number, access }),
        guaranteeOptionsOf(ctx.db, { shopId, order, now: await ctx.clock.now() }),
      ]);
      return { claims: claims.map((c) => guaranteeClaimJson(c, accountUrl)), options: optionsJson(options) };
    },
  );

  app.get(
    '/account/guarantee-claims/:claim',
    { ...signedIn, schema: { tags, summary: 'GU-1…GU-4: one guarantee claim of the signed-in customer', params: claimParam } },
    async (request) => ({ claim: guaranteeClaimJson(await getGuaranteeClaimFor(ctx.db, { shopId, number: request.params.claim, access: { customerId: request.customer!.id } }), accountUrl) }),
  );

  app.get(
    '/account/guarantee-claims/:claim/photos/:n',
    { ...signedIn, schema: { tags, summary: 'A photo of one of the signed-in customer\'s guarantee claims', params: photoParam } },
    async (request, reply) => sendPhoto(reply, await guaranteeClaimPhoto(ctx.db, { shopId, number: request.params.claim, n: request.params.n, reader: { staff: false, access: { customerId: request.customer!.id } } })),
  );
};

/** Register with prefix /api/admin. */
export const guaranteeClaimAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['admin: guarantee claims'];
  const shopId = ctx.shop.id;
  const actorOf = (request: { staff: { id: string } | null }): Actor => ({ kind: 'staff', staffId: request.staff!.id });
  const manage = requireStaff(ctx, 'returns.manage');
  const read = requireStaff(ctx, 'returns.read');

  app.get(
    '/guarantee-claims',
    { onRequest: read, schema: { tags, summary: 'GU-1…GU-5: the queue — waiting claims by answer due (GU-4 48 h) then remedy due (GU-1 30 days), overdue flagged; then the settled ones', querystring: z.object({ state: z.enum([...GUARANTEE_CLAIM_STATES, 'all']).default('all') }) } },
    async (request) => ({ claims: (await listGuaranteeClaimsForStaff(ctx.db, { shopId, state: request.query.state, now: await ctx.clock.now() })).map(staffJson) }),
  );

  app.get(
    '/guarantee-claims/:claim',
    { onRequest: read, schema: { tags, summary: 'One guarantee claim', params: claimParam } },
    async (request) => ({ claim: staffJson(await getGuaranteeClaimForStaff(ctx.db, { shopId, number: request.params.claim })) }),
  );

  app.post(
    '/guarantee-claims/:claim/decision',
    {
      onRequest: manage,
      schema: { tags, summary: 'GU-1…GU-5: repair, replace (a replacement parcel, free), refund (the units, within 14 days), price reduction (an amount), or refuse with a reason and GU-5 exclusion; later GU-1 escalation to price reduction or termination', params: claimParam, body: decisionBody },
    },
    async (request) => {
      const now = await ctx.clock.now();
      const b = request.body;
      const claim = await ctx.db.transaction().execute((tx) =>
        decideGuaranteeClaim(tx, { shopId, number: request.params.claim, outcome: b.outcome, reason: b.reason, exclusion: b.exclusion, amount: b.amount, minorDefect: b.minorDefect, actor: actorOf(request), now }),
      );
      return { claim: staffJson(claim) };
    },
  );

  app.post(
    '/guarantee-claims/:claim/item-received',
    { onRequest: manage, schema: { tags, summary: 'GU-1: the item is handed over for repair (the guarantee is suspended from now)', params: claimParam } },
    async (request) => {
      const now = await ctx.clock.now();
      return { claim: staffJson(await ctx.db.transaction().execute((tx) => recordItemReceived(tx, { shopId, number: request.params.claim, actor: actorOf(request), now }))) };
    },
  );

  app.post(
    '/guarantee-claims/:claim/item-returned',
    { onRequest: manage, schema: { tags, summary: 'GU-1: the repaired item is given back — the guarantee ends later by the days immobilised and 6 months', params: claimParam } },
    async (request) => {
      const now = await ctx.clock.now();
      const claim = await ctx.db.transaction().execute((tx) => recordItemReturned(tx, { shopId, number: request.params.claim, actor: actorOf(request), now }));
      return { claim: staffJson(claim), guaranteeUntil: claim.guaranteeUntil };
    },
  );

  app.post(
    '/guarantee-claims/:claim/shipping-refund',
    { onRequest: manage, schema: { tags, summary: 'GU-1: the shipping costs the customer paid for a conformity repair, refunded within 14 days', params: claimParam, body: z.object({ amount: z.number().int().describe('minor units') }) } },
    async (request) => {
      const now = await ctx.clock.now();
      return { claim: staffJson(await ctx.db.transaction().execute((tx) => refundRepairShipping(tx, { shopId, number: request.params.claim, amount: request.body.amount, actor: actorOf(request), now }))) };
    },
  );

  app.get(
    '/guarantee-claims/:claim/photos/:n',
    { onRequest: read, schema: { tags, summary: 'A photo of a guarantee claim', params: photoParam } },
    async (request, reply) => sendPhoto(reply, await guaranteeClaimPhoto(ctx.db, { shopId, number: request.params.claim, n: request.params.n, reader: { staff: true } })),
  );
};
