// Reservation in store as JSON (issue 5 §8; ST-1, CAT-6): free, without
// obligation, paid in the store.
//   /api/store/reservations/stores       the stores and, per variant asked, what each has in stock (open)
//   /api/store/account/reservations…     the signed-in customer's: reserve, list, read, cancel —
//                                        401 `auth.required` without the customer session, another
//                                        customer's reservation is a 404 `reservation.not_found`
//   /api/admin/reservations…             the back office: list (`reservations.read`), confirm and
//                                        cancel (`reservations.manage`), mark collected at the counter
//                                        (`pickup.manage`); access checked in onRequest, acts audited
// A shop whose policy has no `reservations` (JW, PF, EL) refuses every
// request with `reservation.not_offered` (422). Register both plugins inside
// the session scope (src/http/server.ts).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import {
  cancelReservation,
  confirmReservation,
  getCustomerReservation,
  listCustomerReservations,
  listReservationsForStaff,
  listStores,
  markReservationCollected,
  MAX_RESERVATION_LINES,
  MAX_RESERVATION_QUANTITY,
  reserve,
  storesWithStock,
  type Reservation,
  type ReservationForStaff,
} from '../../app/reservations.js';
import { DomainError } from '../../domain/errors.js';
import { RESERVATION_STATES } from '../../domain/reservations/reservation-lifecycle.js';
import type { Actor } from '../../store/audit.js';
import { requireStaff } from '../auth.js';
import { requireCustomer } from '../customer-auth.js';

const numberParam = z.object({ number: z.string().min(1).max(40) });
const localised = z.object({ fr: z.string(), en: z.string() });

const addressJson = z.object({ line1: z.string(), line2: z.string().optional(), postcode: z.string(), city: z.string(), country: z.string() });
const openingHoursJson = z
  .object({ timeZone: z.string(), week: z.record(z.string(), z.array(z.object({ opens: z.string(), closes: z.string() }))) })
  .nullable()
  .describe('local wall-clock intervals per weekday (mon…sun)');

export const reservationJson = z.object({
  number: z.string(),
  state: z.enum(RESERVATION_STATES),
  store: z.object({ code: z.string(), name: z.string(), address: addressJson }),
  payment: z.literal('in_store').describe('ST-1: nothing is paid online'),
  currency: z.string(),
  total: z.number().int().nullable().describe('minor units, at the prices shown when reserving; null when a line had no price'),
  lines: z.array(
    z.object({
      variantId: z.string(),
      sku: z.string(),
      name: localised,
      options: z.record(z.string(), z.string()),
      quantity: z.number().int(),
      unitPrice: z.number().int().nullable().describe('minor units'),
    }),
  ),
  requestedAt: z.string(),
  confirmationDueAt: z.string().nullable().describe('FR: the store confirms within 2 opening hours'),
  confirmationOverdueAt: z.string().nullable().describe('FR: when the customer was told the store had not confirmed in time'),
  confirmedAt: z.string().nullable(),
  holdUntil: z.string().nullable().describe('when the items go back on sale (null while awaiting an FR confirmation)'),
  holdLastDay: z.string().nullable().describe('for a hold in days: the last day to come, YYYY-MM-DD'),
  collectedAt: z.string().nullable(),
  expiredAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const toReservationJson = (r: Reservation) => ({
  number: r.number,
  state: r.state,
  store: { code: r.store.code, name: r.store.name, address: r.store.address },
  payment: 'in_store' as const,
  currency: r.currency,
  total: r.total?.amount ?? null,
  lines: r.lines.map((l) => ({ variantId: l.variantId, sku: l.sku, name: l.name, options: l.options, quantity: l.quantity, unitPrice: l.unitPrice?.amount ?? null })),
  requestedAt: r.requestedAt.toISOString(),
  confirmationDueAt: iso(r.confirmationDueAt),
  confirmationOverdueAt: iso(r.confirmationOverdueAt),
  confirmedAt: iso(r.confirmedAt),
  holdUntil: iso(r.holdUntil),
  holdLastDay: r.holdLastDay,
  collectedAt: iso(r.collectedAt),
  expiredAt: iso(r.expiredAt),
  cancelledAt: iso(r.cancelledAt),
});

const staffReservationJson = reservationJson.extend({ customer: z.object({ id: z.string(), email: z.string(), name: z.string() }), cancelledBy: z.string().nullable() });
const toStaffReservationJson = (r: ReservationForStaff) => ({ ...toReservationJson(r), customer: { id: r.customerId, email: r.customerEmail, name: r.customerName }, cancelledBy: r.cancelledBy });

/** Register with prefix /api/store, inside the session scope. */
export const reservationStoreApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['store: reservations'];
  const shop = { id: ctx.shop.id, policy: ctx.shop.policy, policyHash: ctx.shop.policyHash };
  const signedIn = { onRequest: requireCustomer(ctx) };
  const rules = ctx.shop.policy.reservations;

  app.get(
    '/reservations/stores',
    {
      schema: {
        tags,
        summary: 'ST-1: the stores where items may be reserved, with their hours, and for each variant asked what each store has in stock',
        querystring: z.object({ variantIds: z.string().max(2000).optional().describe('comma-separated variant ids') }),
        response: {
          200: z.object({
            offered: z.boolean().describe('false: this shop offers no reservation in store'),
            rules: z
              .object({
                confirmationWithinHours: z.number().int().nullable(),
                hold: z.union([
                  z.object({ hours: z.number().int(), withinOpeningHours: z.boolean() }),
                  z.object({ days: z.number().int(), kind: z.enum(['calendar', 'working', 'working_and_saturdays']), from: z.enum(['confirmation', 'request']) }),
                ]),
                maxDistinctItems: z.number().int().nullable(),
              })
              .nullable(),
            stores: z.array(z.object({ code: z.string(), name: z.string(), address: addressJson, openingHours: openingHoursJson, stock: z.record(z.string(), z.number().int()).describe('variant id → units in this store') })),
          }),
        },
      },
    },
    async (request) => {
      if (!rules) return { offered: false, rules: null, stores: [] };
      const variantIds = (request.query.variantIds ?? '').split(',').map((s) => s.trim()).filter(Boolean).slice(0, 100);
      const [stores, stock] = await Promise.all([listStores(ctx.db, shop.id), storesWithStock(ctx.db, { shopId: shop.id, variantIds })]);
      return {
        offered: true,
        rules: { confirmationWithinHours: rules.confirmationWithinHours ?? null, hold: { ...rules.hold }, maxDistinctItems: rules.maxDistinctItems },
        stores: stores.map((s) => ({
          code: s.code,
          name: s.name,
          address: s.address,
          openingHours: s.openingHours ? { timeZone: s.openingHours.timeZone, week: Object.fromEntries(Object.entries(s.openingHours.week).map(([day, intervals]) => [day, intervals.map((i) => ({ opens: i.opens, closes: i.closes }))])) } : null,
          stock: Object.fromEntries([...stock].map(([variantId, levels]) => [variantId, levels.find((l) => l.code === s.code)?.quantity ?? 0])),
        })),
      };
    },
  );

  app.get(
    '/account/reservations',
    { ...signedIn, schema: { tags, summary: "The signed-in customer's reservations in store, newest first (ST-1)", response: { 200: z.object({ reservations: z.array(reservationJson) }) } } },
    async (request) => ({ reservations: (await listCustomerReservations(ctx.db, { shopId: shop.id, customerId: request.customer!.id })).map(toReservationJson) }),
  );

  app.get(
    '/account/reservations/:number',
    { ...signedIn, schema: { tags, summary: "One of the signed-in customer's reservations — 404 `reservation.not_found` for anyone else's", params: numberParam, response: { 200: z.object({ reservation: reservationJson }) } } },
    async (request) => ({ reservation: toReservationJson(await getCustomerReservation(ctx.db, { shopId: shop.id, customerId: request.customer!.id, number: request.params.number })) }),
  );

  app.post(
    '/account/reservations',
    {
      ...signedIn,
      schema: {
        tags,
        summary:
          'ST-1: reserve items in one store, free and without obligation (paid in the store). The units are taken from that store\'s stock: `reservation.not_in_stock` (409) otherwise; FR: at most 10 different items held (`reservation.too_many_items`, 422); shops without reservations: `reservation.not_offered` (422)',
        body: z.object({
          store: z.string().min(1).max(100).describe("the store's code (GET /api/store/reservations/stores)"),
          lines: z.array(z.object({ variantId: z.string().min(1).max(20), quantity: z.number().int().min(1).max(MAX_RESERVATION_QUANTITY) })).min(1).max(MAX_RESERVATION_LINES),
        }),
        response: { 201: z.object({ reservation: reservationJson }) },
      },
    },
    async (request, reply) => {
      const reservation = await reserve(ctx.db, { shop, customerId: request.customer!.id, storeCode: request.body.store, lines: request.body.lines, now: await ctx.clock.now() });
      return reply.status(201).send({ reservation: toReservationJson(reservation) });
    },
  );

  app.post(
    '/account/reservations/:number/cancel',
    { ...signedIn, schema: { tags, summary: 'ST-1: cancel one of your reservations, free of charge: the items go back on sale', params: numberParam, response: { 200: z.object({ reservation: reservationJson }) } } },
    async (request) => {
      const reservation = await cancelReservation(ctx.db, { shopId: shop.id, number: request.params.number, by: { kind: 'customer', customerId: request.customer!.id }, now: await ctx.clock.now() });
      return { reservation: toReservationJson(reservation) };
    },
  );
};

/** Register with prefix /api/admin, inside the session scope. */
export const reservationAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['admin: reservations'];
  const shopId = ctx.shop.id;
  const actorOf = (request: { staff: { id: string } | null }): Actor => ({ kind: 'staff', staffId: request.staff!.id });
  const offered = () => {
    if (!ctx.shop.policy.reservations) throw new DomainError('reservation.not_offered', { field: 'number', rule: 'ST-1' }, 'This shop does not offer reservation in store.');
  };

  app.get(
    '/reservations',
    {
      onRequest: requireStaff(ctx, 'reservations.read'),
      schema: {
        tags,
        summary: 'ST-1: reservations in store — `open` (default: requested and confirmed, the nearest deadline first), one state, or `all` (newest first); optionally one store',
        querystring: z.object({
          state: z.enum(['open', 'all', ...RESERVATION_STATES]).default('open'),
          store: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ reservations: z.array(staffReservationJson) }) },
      },
    },
    async (request) => ({ reservations: (await listReservationsForStaff(ctx.db, { shopId, ...request.query })).map(toStaffReservationJson) }),
  );

  const act = (path: string, permission: 'reservations.manage' | 'pickup.manage', summary: string, run: (number: string, actor: Actor, now: Date) => Promise<Reservation>) =>
    app.post(
      path,
      { onRequest: requireStaff(ctx, permission), schema: { tags, summary, params: numberParam, response: { 200: z.object({ reservation: reservationJson }) } } },
      async (request) => {
        offered();
        return { reservation: toReservationJson(await run(request.params.number, actorOf(request), await ctx.clock.now())) };
      },
    );

  act('/reservations/:number/confirm', 'reservations.manage', 'ST-1: the store has set the items aside (FR: the 3 working days of the hold start now); the customer is told until when', (number, actor, now) =>
    confirmReservation(ctx.db, { shopId, number, actor, now }),
  );
  act('/reservations/:number/collected', 'pickup.manage', 'ST-1: the customer came, paid in the store and took the items', (number, actor, now) => markReservationCollected(ctx.db, { shopId, number, actor, now }));
  act('/reservations/:number/cancel', 'reservations.manage', 'ST-1: the store cancels the reservation: the items go back on sale, the customer is told', (number, actor, now) =>
    cancelReservation(ctx.db, { shopId, number, by: actor, now }),
  );
};
