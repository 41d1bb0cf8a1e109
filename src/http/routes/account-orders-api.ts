// /api/store/account/orders (issue 4 §8; CU-1: an account gives its order
// history and invoices to download, DOC-1). Signed-in customers only (401
// `auth.required` otherwise), every query scoped to them: another customer's
// order is a 404 `order.not_found`, never a 403. The invoice PDF itself is
// served by routes/invoice-api.ts; these answers link to it.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getCustomerOrder, listCustomerOrders } from '../../app/account-orders.js';
import type { AppContext } from '../../app/context.js';
import type { OrderLine } from '../../app/orders.js';
import { ORDER_STATES } from '../../domain/orders/order-lifecycle.js';
import { PAYMENT_STATES } from '../../domain/payments/payment-lifecycle.js';
import { ORDER_PAYMENT_METHODS } from '../../domain/payments/payment-methods.js';
import { requireCustomer } from '../customer-auth.js';
import { checkedAddressJson } from './customer-api.js';
import { shipmentJson, shipmentSchema } from './shipment-json.js';
import { declarePossession } from '../../app/fulfilment.js';

/** DOC-1: where the invoice PDF of an order is downloaded (routes/invoice-api.ts). */
export const invoicePdfPath = (orderNumber: string) => `/api/store/orders/${encodeURIComponent(orderNumber)}/invoice.pdf`;

const paymentMethod = z.enum(ORDER_PAYMENT_METHODS).describe('PA-1');
const invoiceJson = z.object({ number: z.string(), url: z.string().describe('the PDF (DOC-1)') });
const invoiceOf = (orderNumber: string, number: string | null) => (number ? { number, url: invoicePdfPath(orderNumber) } : null);

const summaryJson = z.object({
  number: z.string(),
  placedAt: z.string(),
  state: z.enum(ORDER_STATES),
  currency: z.string(),
  total: z.number().int().describe('minor units'),
  paymentMethod,
  invoice: invoiceJson.nullable().describe('null until issued (DOC-1, PA-3)'),
});


const lineJson = z.object({
  sku: z.string(),
  name: z.object({ fr: z.string(), en: z.string() }),
  options: z.record(z.string(), z.string()),
  quantity: z.number().int(),
  unitPrice: z.number().int(),
  ecoFeePerUnit: z.number().int(),
  discount: z.number().int(),
  total: z.number().int(),
  vatRateBasisPoints: z.number().int(),
  isGift: z.boolean(),
});

const detailJson = summaryJson.extend({
  paymentState: z.enum(PAYMENT_STATES).nullable(),
  goods: z.number().int(),
  ecoFees: z.number().int(),
  discounts: z.number().int(),
  shipping: z.number().int(),
  vatBreakdown: z.array(z.object({ rateBasisPoints: z.number().int(), base: z.number().int(), vat: z.number().int(), treatment: z.string() })),
  deliveryAddress: checkedAddressJson,
  billingAddress: checkedAddressJson,
  lines: z.array(lineJson),
  instalments: z
    .object({ partner: z.string(), shares: z.array(z.object({ amount: z.number().int(), currency: z.string() })) })
    .nullable()
    .describe('PA-4: the plan, every share to the cent (taken from the shipment on)'),
  deferredPayment: z
    .object({ dueOn: z.string(), reference: z.string(), holder: z.string(), iban: z.string(), bic: z.string() })
    .nullable()
    .describe('PA-7: when, to which account and with which reference the invoice is paid'),
  fulfilment: z.enum(['unfulfilled', 'partially_shipped', 'shipped', 'partially_delivered', 'delivered', 'returned']),
  deliveryDueOn: z.string().describe('SH-4: the latest delivery date'),
  lastDeliveredAt: z.string().nullable().describe('WD-1: possession of the last item'),
  shipments: z.array(shipmentSchema).describe('SH-5: the parcels that left, with their tracking'),
  withdrawal: z
    .object({
      state: z.enum(['not_applicable', 'not_started', 'open', 'closed']),
      reason: z.enum(['professional', 'cancelled']).nullable(),
      period: z.object({ days: z.number().int(), kind: z.enum(['calendar', 'working']) }),
      possessionDate: z.string().nullable().describe('WD-1: the day the last item was received'),
      lastDay: z.string().nullable().describe('WD-1…WD-3: the last day to withdraw'),
      endsAt: z.string().nullable(),
      basis: z.string().nullable().describe('the rule that set the last day: WD-1, WD-2, WD-3, WD-3b-…'),
      exclusions: z.array(z.object({ position: z.number().int(), exclusion: z.enum(['personalised', 'perishable', 'hygiene_sealed_if_unsealed']) })).describe('WD-7'),
    })
    .describe('WD-1…WD-3, WD-7, WD-9: the withdrawal period as it stands now'),
});

const toLineJson = (l: OrderLine) => ({
  sku: l.sku,
  name: l.name,
  options: l.options,
  quantity: l.quantity,
  unitPrice: l.unitPrice,
  ecoFeePerUnit: l.ecoFeePerUnit,
  discount: l.discount,
  total: l.total,
  vatRateBasisPoints: l.vatRateBasisPoints,
  isGift: l.isGift,
});

/** Register with prefix /api/store, inside the session scope. */
export const accountOrdersApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['store: customers'];
  const shopId = ctx.shop.id;
  const signedIn = { onRequest: requireCustomer(ctx) };

  app.get(
    '/account/orders',
    {
      ...signedIn,
      schema: {
        tags,
        summary: 'The signed-in customer\'s orders, newest first (CU-1), with their invoice (DOC-1); `next` is the `before` of the following page',
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(100).optional(),
          before: z.string().max(40).optional().describe('the previous page\'s `next`'),
        }),
        response: { 200: z.object({ orders: z.array(summaryJson), next: z.string().nullable() }) },
      },
    },
    async (request) => {
      const page = await listCustomerOrders(ctx.db, { shopId, customerId: request.customer!.id, limit: request.query.limit, before: request.query.before });
      return {
        orders: page.orders.map((o) => ({ ...o, placedAt: o.placedAt.toISOString(), invoice: invoiceOf(o.number, o.invoiceNumber) })),
        next: page.next,
      };
    },
  );

  app.get(
    '/account/orders/:number',
    {
      ...signedIn,
      schema: {
        tags,
        summary: 'One order of the signed-in customer: lines, amounts, addresses, states, invoice — 404 `order.not_found` for anyone else\'s',
        params: z.object({ number: z.string().max(40) }),
        response: { 200: z.object({ order: detailJson }) },
      },
    },
    async (request) => {
      const { order, vatBreakdown, paymentState, invoice, arrangements, shipments, withdrawal } = await getCustomerOrder(ctx.db, { shopId, policy: ctx.shop.policy, customerId: request.customer!.id, number: request.params.number, now: await ctx.clock.now() });
      return {
        order: {
          number: order.number,
          placedAt: order.placedAt.toISOString(),
          state: order.state,
          currency: order.currency,
          total: order.total,
          paymentMethod: order.paymentMethod,
          invoice: invoiceOf(order.number, invoice?.number ?? null),
          paymentState,
          goods: order.goods,
          ecoFees: order.ecoFees,
          discounts: order.discounts,
          shipping: order.shipping,
          vatBreakdown,
          deliveryAddress: order.deliveryAddress,
          billingAddress: order.billingAddress,
          lines: order.lines.map(toLineJson),
          instalments: arrangements.instalments,
          deferredPayment: arrangements.deferred,
          fulfilment: order.fulfilment,
          deliveryDueOn: order.deliveryDueOn,
          lastDeliveredAt: order.lastDeliveredAt?.toISOString() ?? null,
          shipments: shipments.map(shipmentJson),
          withdrawal: {
            state: withdrawal.state,
            reason: withdrawal.reason,
            period: withdrawal.period,
            possessionDate: withdrawal.possessionDate,
            lastDay: withdrawal.deadline?.lastDay ?? null,
            endsAt: withdrawal.deadline?.endsAt.toISOString() ?? null,
            basis: withdrawal.deadline?.basis ?? null,
            exclusions: withdrawal.exclusions,
          },
        },
      };
    },
  );

  app.post(
    '/account/orders/:number/shipments/:shipment/received',
    {
      ...signedIn,
      schema: {
        tags,
        summary: 'SH-9: the customer declares a parcel received that the carrier never reported delivered — when, and by whom (themselves or someone they named)',
        params: z.object({ number: z.string().max(40), shipment: z.string().max(60) }),
        body: z.object({ receivedAt: z.iso.datetime({ offset: true }), by: z.enum(['customer', 'third_party']), name: z.string().min(1).max(200) }),
        response: { 200: z.object({ shipment: shipmentSchema }) },
      },
    },
    async (request) => {
      const now = await ctx.clock.now();
      const shipment = await ctx.db.transaction().execute((tx) =>
        declarePossession(tx, {
          shopId,
          customerId: request.customer!.id,
          orderNumber: request.params.number,
          shipmentNumber: request.params.shipment,
          receivedAt: new Date(request.body.receivedAt),
          by: request.body.by,
          name: request.body.name,
          now,
        }),
      );
      return { shipment: shipmentJson(shipment) };
    },
  );
};
