// Issue 4 §8, CU-1 / DOC-1: the customer's own orders, as the account shows
// them — the list (newest first, keyset pages) with each order's invoice
// number, and one order with its payment state and invoice. Reading only, and
// always scoped to the signed-in customer: another customer's order is
// `order.not_found` (404), never "forbidden" (the same answer as `getOrderFor`).
import type { Policy } from '../policy/schema.js';
import { paymentArrangementsOf, type PaymentArrangements } from './payment-arrangements.js';
import type { Currency } from '../domain/money.js';
import type { OrderState } from '../domain/orders/order-lifecycle.js';
import type { PaymentState } from '../domain/payments/payment-lifecycle.js';
import type { OrderPaymentMethod } from '../domain/payments/payment-methods.js';
import type { Queryable } from '../store/db.js';
import { listShipments, type Shipment } from './fulfilment.js';
import { findInvoiceOfOrder } from './invoices.js';
import { withdrawalOfOrder, type WithdrawalStatus } from './withdrawal.js';
import { getOrderFor, type Order } from './orders.js';
import { listPaymentsFor } from './payments.js';

export type AccountOrderSummary = {
  number: string;
  placedAt: Date;
  state: OrderState;
  currency: Currency;
  total: number;
  paymentMethod: OrderPaymentMethod;
  /** DOC-1: the invoice's number once issued (capture at order: when paid; PF: at dispatch). */
  invoiceNumber: string | null;
};

export type AccountOrderPage = { orders: AccountOrderSummary[]; next: string | null };

/** One VAT rate of a frozen order (OR-4): `treatment` is the destination's (PR-1: only `included` is charged VAT). */
export type OrderVatRate = { rateBasisPoints: number; base: number; vat: number; treatment: string };

export type AccountOrder = {
  order: Order;
  vatBreakdown: OrderVatRate[];
  /** The state of the order's latest payment, null when none was started. */
  paymentState: PaymentState | null;
  invoice: { number: string; issuedAt: Date } | null;
  /** PA-4 / PA-7: the instalment plan or the deferred invoice's payment details. */
  arrangements: PaymentArrangements;
  /** SH-5: the parcels with their tracking and possession date (SH-9). */
  shipments: Shipment[];
  /** WD-1…WD-3, WD-7, WD-9: the withdrawal period as it stands now. */
  withdrawal: WithdrawalStatus;
};

const idPattern = /^\d{1,18}$/;

/**
 * The customer's orders, newest first (numbers grow with placement, as in
 * `listOrders` of orders-admin.ts); `before` is the previous page's `next`.
 * Uses the `orders_customer` index (migration 0009).
 */
export async function listCustomerOrders(
  q: Queryable,
  input: { shopId: string; customerId: string; limit?: number | undefined; before?: string | undefined },
): Promise<AccountOrderPage> {
  if (!idPattern.test(input.customerId)) return { orders: [], next: null };
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? 20) || 20, 1), 100);
  let query = q
    .selectFrom('orders as o')
    .leftJoin('invoices as i', (join) => join.onRef('i.order_id', '=', 'o.id').on('i.kind', '=', 'invoice'))
    .select(['o.number', 'o.placed_at', 'o.state', 'o.currency', 'o.total_minor', 'o.payment_method', 'i.number as invoice_number'])
    .where('o.shop_id', '=', input.shopId)
    .where('o.customer_id', '=', input.customerId);
  if (input.before) query = query.where('o.number', '<', input.before);
  const rows = await query.orderBy('o.number', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  return {
    orders: page.map((r) => ({
      number: r.number,
      placedAt: r.placed_at,
      state: r.state,
      currency: r.currency as Currency,
      total: Number(r.total_minor),
      paymentMethod: r.payment_method,
      invoiceNumber: r.invoice_number,
    })),
    next: rows.length > limit ? (page.at(-1)?.number ?? null) : null,
  };
}

/** One order of the customer with its payment state and invoice; `order.not_found` (404) when it is not theirs. */
export async function getCustomerOrder(q: Queryable, input: { shopId: string; policy: Policy; customerId: string; number: string; now: Date }): Promise<AccountOrder> {
  const order = await getOrderFor(q, { shopId: input.shopId, number: input.number, customerId: input.customerId });
  const [payments, invoice, shipments, withdrawal] = await Promise.all([
    listPaymentsFor(q, input.shopId, { kind: 'order', id: order.number }),
    findInvoiceOfOrder(q, { shopId: input.shopId, orderNumber: order.number }),
    listShipments(q, { shopId: input.shopId, orderId: order.id }),
    withdrawalOfOrder(q, { shopId: input.shopId, order, now: input.now }),
  ]);
  const arrangements = await paymentArrangementsOf(q, { shopId: input.shopId, policy: input.policy, order, payments });
  return {
    order,
    vatBreakdown: Array.isArray(order.vatBreakdown) ? (order.vatBreakdown as OrderVatRate[]) : [],
    paymentState: payments.at(-1)?.state ?? null,
    invoice: invoice ? { number: invoice.number, issuedAt: invoice.issuedAt } : null,
    arrangements,
    shipments: shipments.filter((s) => s.state !== 'packed' && s.state !== 'cancelled'), // a packed parcel has not left yet
    withdrawal,
  };
}
