// Delivery claims as JSON (issue 5 §7; SH-8, SH-9):
//   POST /api/store/account/orders/:number/claims        file a claim (signed-in customer; photos in base64)
//   GET  /api/store/account/orders/:number/claims        the claims of one of their orders
//   GET  /api/store/account/claims                       all their claims
//   GET  /api/store/account/claims/:id/photos/:n         a photo of their claim
//   POST|GET /api/store/orders/:number/claims            the same for a guest, with the order's access token
//   GET  /api/store/orders/:number/claims/:id/photos/:n  (?token= or X-Order-Token; a signed-in owner needs none)
//   GET  /api/admin/claims                               claims to decide and decided, with the parcels refused at delivery (`returns.read`)
//   GET  /api/admin/claims/:id                           one claim (`returns.read`)
//   POST /api/admin/claims/:id/decision                  reship | refund | reject with a reason (`returns.manage`)
//   GET  /api/admin/claims/:id/photos/:n                 a photo (`returns.read`)
// Customers only ever see their own (another's order or claim is a 404). The
// photos travel as base64 in JSON (no multipart plugin is installed; the
// account page's form posts multipart to routes/delivery-claims-pages.tsx):
// each is checked by its bytes, not by a name or declared type.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import {
  claimPhoto,
  decideDeliveryClaim,
  fileDeliveryClaim,
  getClaimForStaff,
  listClaimsForStaff,
  listClaimsOfOrder,
  listCustomerClaims,
  listRefusedParcels,
  type ClaimAccess,
  type DeliveryClaim,
  type DeliveryClaimForStaff,
} from '../../app/delivery-claims.js';
import { DomainError } from '../../domain/errors.js';
import { CLAIM_KINDS, CLAIM_OUTCOMES, CLAIM_STATES, PHOTO_MAX_BYTES } from '../../domain/fulfilment/delivery-claims.js';
import type { Actor } from '../../store/audit.js';
import { requireStaff } from '../auth.js';
import { identifyCustomer, requireCustomer } from '../customer-auth.js';

/** 5 photos of 5 MB in base64 (4/3), and the rest of the claim. */
export const CLAIM_BODY_LIMIT = Math.ceil((5 * PHOTO_MAX_BYTES * 4) / 3) + 1024 * 1024;
const BASE64_MAX = Math.ceil((PHOTO_MAX_BYTES * 4) / 3) + 100;

const numberParam = z.object({ number: z.string().min(1).max(40) });
const idParam = z.object({ id: z.string().regex(/^\d{1,18}$/) });
const photoParam = z.object({ id: z.string().regex(/^\d{1,18}$/), n: z.coerce.number().int().min(1).max(5) });
const tokenQuery = z.object({ token: z.string().max(100).optional() });

const lineBody = z.object({ position: z.number().int().min(0).max(10_000), quantity: z.number().int() });

/** A claim's photos in JSON (decoded by `decodePhotos`, then checked by their bytes); `when`: when at least one is required. */
export const photosBody = (when: string) =>
  z
    .array(z.object({ data: z.string().max(BASE64_MAX).describe('base64 (a data: URL prefix is accepted)'), filename: z.string().max(200).optional() }))
    .max(20)
    .default([])
    .describe(`0–5 JPEG, PNG or WebP images of 5 MB at most; at least one ${when}`);

const fileBody = z.object({
  shipment: z.string().min(1).max(60).describe('the number of the delivered parcel'),
  kind: z.enum(CLAIM_KINDS),
  description: z.string().max(5000),
  lines: z.array(lineBody).max(200).describe('the order lines concerned (positions as in the order) and their units'),
  photos: photosBody('where the terms ask for photos (EL)'),
});

const decisionBody = z.object({
  outcome: z.enum(CLAIM_OUTCOMES),
  reason: z.string().max(2000).optional().describe('reject: shown to the customer'),
  lines: z.array(lineBody).max(200).optional().describe('reship / refund: part of the claimed lines (default: all as claimed)'),
});

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/** The photos' bytes; a photo that is not base64 is refused naming it. */
export function decodePhotos(photos: readonly { data: string }[]): Buffer[] {
  return photos.map((p, i) => {
    const data = p.data.replace(/^data:[\w.+/-]*;base64,/, '').replace(/\s+/g, '');
    if (data.length % 4 !== 0 || !base64Pattern.test(data)) throw new DomainError('claim.photo_not_base64', { field: `photos.${i}`, rule: 'SH-8' }, 'Send each photo as base64.');
    return Buffer.from(data, 'base64');
  });
}

type PhotoUrl = (claim: DeliveryClaim, n: number) => string;

/** A claim as JSON; `photoUrl` says where the reader downloads each photo. */
export function claimJson(c: DeliveryClaim, photoUrl: PhotoUrl) {
  return {
    id: c.id,
    number: c.number,
    orderNumber: c.orderNumber,
    shipmentNumber: c.shipmentNumber,
    kind: c.kind,
    description: c.description,
    state: c.state,
    filedAt: c.filedAt.toISOString(),
    deliveredAt: c.deliveredAt.toISOString(),
    possession: c.possession,
    windowLastDay: c.windowLastDay,
    lines: c.lines,
    photos: c.photos.map((p) => ({ ...p, url: photoUrl(c, p.n) })),
    decision: c.decision
      ? {
          outcome: c.decision.outcome,
          decidedAt: c.decision.decidedAt.toISOString(),
          reason: c.decision.reason,
          replacementShipment: c.decision.replacementShipment,
          refund: c.decision.refund,
        }
      : null,
  };
}

const staffClaimJson = (c: DeliveryClaimForStaff) => ({
  ...claimJson(c, (claim, n) => adminPhotoPath(claim.id, n)),
  filedBy: c.filedBy,
  customerEmail: c.customerEmail,
  refundProposal: c.refundProposal,
  decidedBy: c.decision?.decidedBy ?? null,
});

export const accountPhotoPath = (id: string, n: number) => `/api/store/account/claims/${id}/photos/${n}`;
export const guestPhotoPath = (orderNumber: string, id: string, n: number) => `/api/store/orders/${encodeURIComponent(orderNumber)}/claims/${id}/photos/${n}`;
export const adminPhotoPath = (id: string, n: number) => `/api/admin/claims/${id}/photos/${n}`;

/** A claim's photo, inline, never cached nor sniffed. */
export function sendPhoto(reply: FastifyReply, photo: { contentType: string; content: Buffer; filename: string }) {
  reply.header('content-type', photo.contentType);
  reply.header('content-disposition', `inline; filename="${photo.filename}"`);
  reply.header('cache-control', 'private, no-store');
  reply.header('x-content-type-options', 'nosniff');
  return reply.send(photo.content);
}

/** Register with prefix /api/store, inside the session scope. */
export const deliveryClaimStoreApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['store: delivery claims'];
  const shopId = ctx.shop.id;
  const signedIn = { onRequest: requireCustomer(ctx) };
  const posting = { bodyLimit: CLAIM_BODY_LIMIT, config: { rateLimit: { max: 20, timeWindow: '1 minute' } } };

  const file = async (number: string, body: z.infer<typeof fileBody>, access: ClaimAccess) =>
    fileDeliveryClaim(ctx.db, {
      shopId,
      orderNumber: number,
      shipmentNumber: body.shipment,
      kind: body.kind,
      description: body.description,
      lines: body.lines,
      photos: decodePhotos(body.photos),
      access,
      now: await ctx.clock.now(),
    });

  /** A guest's access: the signed-in customer if any, else the order's token. */
  const guestAccess = async (request: FastifyRequest & { query: { token?: string | undefined } }): Promise<ClaimAccess> => {
    const customer = await identifyCustomer(ctx, request).catch(() => null);
    const header = request.headers['x-order-token'];
    return { customerId: customer?.id ?? null, accessToken: request.query.token ?? (typeof header === 'string' ? header : null) };
  };

  app.post(
    '/account/orders/:number/claims',
    {
      ...signedIn,
      ...posting,
      schema: { tags, summary: 'SH-8: claim about a delivered parcel (damaged, item missing, wrong item) within the terms\' window — `claim.window_closed` when late', params: numberParam, body: fileBody },
    },
    async (request, reply) => {
      const claim = await file(request.params.number, request.body, { customerId: request.customer!.id });
      return reply.status(201).send({ claim: claimJson(claim, (c, n) => accountPhotoPath(c.id, n)) });
    },
  );

  app.get(
    '/account/orders/:number/claims',
    { ...signedIn, schema: { tags, summary: 'SH-8: the claims about an order of the signed-in customer, with their outcome', params: numberParam } },
    async (request) => {
      const claims = await listClaimsOfOrder(ctx.db, { shopId, orderNumber: request.params.number, access: { customerId: request.customer!.id } });
      return { claims: claims.map((c) => claimJson(c, (x, n) => accountPhotoPath(x.id, n))) };
    },
  );

  app.get('/account/claims', { ...signedIn, schema: { tags, summary: 'SH-8: every claim of the signed-in customer, newest first' } }, async (request) => {
    const claims = await listCustomerClaims(ctx.db, { shopId, customerId: request.customer!.id });
    return { claims: claims.map((c) => claimJson(c, (x, n) => accountPhotoPath(x.id, n))) };
  });

  app.get(
    '/account/claims/:id/photos/:n',
    { ...signedIn, schema: { tags, summary: 'SH-8: a photo of one of the signed-in customer\'s claims', params: photoParam } },
    async (request, reply) =>
      sendPhoto(reply, await claimPhoto(ctx.db, { shopId, claimId: request.params.id, n: request.params.n, reader: { staff: false, access: { customerId: request.customer!.id } } })),
  );

  // Guests: the order's access token (?token= or X-Order-Token), as for the order itself.
  app.post(
    '/orders/:number/claims',
    { ...posting, schema: { tags, summary: 'SH-8: a guest\'s claim, with the order\'s access token', params: numberParam, querystring: tokenQuery, body: fileBody } },
    async (request, reply) => {
      const claim = await file(request.params.number, request.body, await guestAccess(request));
      return reply.status(201).send({ claim: claimJson(claim, (c, n) => guestPhotoPath(c.orderNumber, c.id, n)) });
    },
  );

  app.get(
    '/orders/:number/claims',
    { schema: { tags, summary: 'SH-8: the claims about an order, for its guest (access token) or its signed-in customer', params: numberParam, querystring: tokenQuery } },
    async (request) => {
      const claims = await listClaimsOfOrder(ctx.db, { shopId, orderNumber: request.params.number, access: await guestAccess(request) });
      return { claims: claims.map((c) => claimJson(c, (x, n) => guestPhotoPath(x.orderNumber, x.id, n))) };
    },
  );

  app.get(
    '/orders/:number/claims/:id/photos/:n',
    { schema: { tags, summary: 'SH-8: a photo of a claim, for the order\'s guest (access token) or its signed-in customer', params: photoParam.extend(numberParam.shape), querystring: tokenQuery } },
    async (request, reply) =>
      sendPhoto(reply, await claimPhoto(ctx.db, { shopId, claimId: request.params.id, n: request.params.n, reader: { staff: false, access: await guestAccess(request), orderNumber: request.params.number } })),
  );
};

/** Register with prefix /api/admin. */
export const deliveryClaimAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['admin: delivery claims'];
  const shopId = ctx.shop.id;
  const actorOf = (request: { staff: { id: string } | null }): Actor => ({ kind: 'staff', staffId: request.staff!.id });

  app.get(
    '/claims',
    {
      onRequest: requireStaff(ctx, 'returns.read'),
      schema: {
        tags,
        summary: 'SH-8: delivery claims (to decide first) with the possession facts (SH-9), and the parcels refused at delivery',
        querystring: z.object({ state: z.enum([...CLAIM_STATES, 'all']).default('all') }),
      },
    },
    async (request) => {
      const [claims, refusals] = await Promise.all([listClaimsForStaff(ctx.db, { shopId, state: request.query.state }), listRefusedParcels(ctx.db, { shopId })]);
      return { claims: claims.map(staffClaimJson), refusals: refusals.map((r) => ({ ...r, refusedAt: r.refusedAt.toISOString() })) };
    },
  );

  app.get(
    '/claims/:id',
    { onRequest: requireStaff(ctx, 'returns.read'), schema: { tags, summary: 'SH-8: one delivery claim', params: idParam } },
    async (request) => ({ claim: staffClaimJson(await getClaimForStaff(ctx.db, { shopId, id: request.params.id })) }),
  );

  app.post(
    '/claims/:id/decision',
    {
      onRequest: requireStaff(ctx, 'returns.manage'),
      schema: { tags, summary: 'SH-8: settle a claim once — reship (replacement parcel), refund (the units, within 14 days) or reject with a reason; emailed to the customer', params: idParam, body: decisionBody },
    },
    async (request) => {
      const now = await ctx.clock.now();
      const claim = await ctx.db.transaction().execute((tx) =>
        decideDeliveryClaim(tx, { shopId, claimId: request.params.id, outcome: request.body.outcome, reason: request.body.reason, lines: request.body.lines, actor: actorOf(request), now }),
      );
      return { claim: staffClaimJson(claim) };
    },
  );

  app.get(
    '/claims/:id/photos/:n',
    { onRequest: requireStaff(ctx, 'returns.read'), schema: { tags, summary: 'SH-8: a photo of a claim', params: photoParam } },
    async (request, reply) => sendPhoto(reply, await claimPhoto(ctx.db, { shopId, claimId: request.params.id, n: request.params.n, reader: { staff: true } })),
  );
};
