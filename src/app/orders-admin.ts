// Issue 4 §7–§8: the back office's reading of orders — the list with its
// filters, one order with its payments, refund transfers made, reviews and
// timeline (the evidence log about `order/<number>`, OR-6), and the bank
// transfers still awaited (PA-5). Reading only: every change goes through its
// own use case (orders.ts, payments.ts, fraud-review.ts, order-cancellation.ts).
import { sql } from 'kysely';
import type { OrderPaymentMethod } from '../domain/payments/payment-methods.js';
import { DomainError } from '../domain/errors.js';
import type { Currency } from '../domain/money.js';
import { isOrderState, type OrderState } from '../domain/orders/order-lifecycle.js';
import type { Queryable } from '../store/db.js';
import { listEvidence, type EvidenceEvent } from '../store/evidence.js';
import type { Payment } from '../store/payments.js';
import { listReviewsOf, type FraudReview } from './fraud-review.js';
import { loadOrder, type Order } from './orders.js';
import { BANK_TRANSFER_REFUNDED, listPaymentsFor } from './payments.js';

export type OrderSummary = {
  number: string;
  state: OrderState;
  email: string;
  currency: Currency;
  total: number;
  paymentMethod: OrderPaymentMethod;
  placedAt: Date;
  cancelReason: string | null;
};

export type OrderListFilter = {
  state?: string | undefined;
  /** An order number (or its start) or an email (or part of it), whatever the case. */
  q?: string | undefined;
  /** Default 50, at most 200. */
  limit?: number | undefined;
  /** The previous page's last order number: only older orders. */
  before?: string | undefined;
};

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Orders newest first (numbers grow with placement), filtered by state and by number / email. */
export async function listOrders(q: Queryable, shopId: string, filter: OrderListFilter = {}): Promise<{ orders: OrderSummary[]; next: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 50) || 50, 1), 200);
  let query = q
    .selectFrom('orders')
    .select(['number', 'state', 'email', 'currency', 'total_minor', 'payment_method', 'placed_at', 'cancel_reason'])
    .where('shop_id', '=', shopId);
  if (filter.state) {
    if (!isOrderState(filter.state)) throw new DomainError('order.invalid_state_filter', { field: 'state', state: filter.state }, `Unknown order state ${filter.state}.`);
    query = query.where('state', '=', filter.state);
  }
  const text = filter.q?.trim();
  if (text) {
    const pattern = `%${escapeLike(text.toLowerCase())}%`;
    query = query.where((eb) => eb.or([eb(sql<string>`lower(number)`, 'like', pattern), eb(sql<string>`lower(email)`, 'like', pattern)]));
  }
  if (filter.before) query = query.where('number', '<', filter.before);
  const rows = await query.orderBy('number', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  return {
    orders: page.map((r) => ({
      number: r.number,
      state: r.state,
      email: r.email,
      currency: r.currency as Currency,
      total: Number(r.total_minor),
      paymentMethod: r.payment_method,
      placedAt: r.placed_at,
      cancelReason: r.cancel_reason,
    })),
    next: rows.length > limit ? (page.at(-1)?.number ?? null) : null,
  };
}

/** A refund transfer the shop made to the customer (`recordBankTransferRefund`). */
export type TransferRefund = { paymentId: string; amount: number; currency: Currency; transferredOn: string; bankReference: string; by: string; recordedAt: Date };

export type OrderForStaff = {
  /** `cancelNote`: the staff member's note on a cancellation (CU-4: for the merchant only). */
  order: Order & { cancelledAt: Date | null; cancelReason: string | null; cancelNote: string | null };
  payments: Payment[];
  /** Refund transfers made for money received by transfer, oldest first. */
  refunds: TransferRefund[];
  reviews: FraudReview[];
  /** OR-6: the evidence events about this order, oldest first. */
  timeline: EvidenceEvent[];
};

/** One order as the back office shows it; `order.not_found` (404) otherwise. */
export async function getOrderForStaff(q: Queryable, shopId: string, number: string): Promise<OrderForStaff> {
  const order = await loadOrder(q, { shopId, number });
  if (!order) throw new DomainError('order.not_found', { field: 'number' }, `No order ${number}.`);
  const cancel = await q.selectFrom('orders').select(['cancelled_at', 'cancel_reason', 'cancel_note']).where('id', '=', order.id).executeTakeFirstOrThrow();
  const [payments, reviews, events] = await Promise.all([
    listPaymentsFor(q, shopId, { kind: 'order', id: number }),
    listReviewsOf(q, shopId, number),
    listEvidence(q, shopId, { subject: { type: 'order', id: number }, limit: 500 }),
  ]);
  const refunds = await listTransferRefunds(q, payments);
  return { order: { ...order, cancelledAt: cancel.cancelled_at, cancelReason: cancel.cancel_reason, cancelNote: cancel.cancel_note }, payments, refunds, reviews, timeline: events.reverse() };
}

async function listTransferRefunds(q: Queryable, payments: readonly Payment[]): Promise<TransferRefund[]> {
  const ids = payments.filter((p) => p.refunded > 0 && p.providerSessionId === null).map((p) => p.id);
  if (ids.length === 0) return [];
  const rows = await q.selectFrom('payment_events').select(['payment_id', 'data', 'received_at']).where('payment_id', 'in', ids).where('type', '=', BANK_TRANSFER_REFUNDED).orderBy('id').execute();
  return rows.map((r) => {
    const d = r.data as { amount: number; currency: Currency; transferredOn: string; bankReference: string; by: string };
    return { paymentId: r.payment_id, amount: d.amount, currency: d.currency, transferredOn: d.transferredOn, bankReference: d.bankReference, by: d.by, recordedAt: r.received_at };
  });
}

export type AwaitedTransfer = {
  orderNumber: string;
  /** PA-5 bank-transfer order, or PA-7 deferred invoice (overdue once `dueAt` has passed). */
  method: 'bank_transfer' | 'deferred';
  email: string;
  reference: string;
  amount: number;
  currency: Currency;
  /** PA-5: the instant the order is cancelled without the money; PA-7: the end of the invoice's due date. */
  dueAt: Date | null;
  placedAt: Date;
};

/** PA-5 / PA-7: transfers the shop is waiting for — bank-transfer orders and deferred invoices — the nearest deadline first. */
export async function listAwaitedTransfers(q: Queryable, shopId: string, options: { limit?: number } = {}): Promise<AwaitedTransfer[]> {
  const rows = await q
    .selectFrom('payments as p')
    .innerJoin('orders as o', (join) => join.onRef('o.number', '=', 'p.reference_id').onRef('o.shop_id', '=', 'p.shop_id'))
    .select(['o.number', 'o.email', 'o.placed_at', 'p.method', 'p.bank_transfer_reference', 'p.amount_minor', 'p.currency', 'p.due_at'])
    .where('p.shop_id', '=', shopId)
    .where('p.reference_kind', '=', 'order')
    .where('p.state', '=', 'pending')
    .where((eb) => eb.or([eb.and([eb('p.method', '=', 'bank_transfer'), eb('o.state', '=', 'awaiting_transfer')]), eb.and([eb('p.method', '=', 'deferred'), eb('o.state', '=', 'payment_deferred')])]))
    .orderBy('p.due_at')
    .orderBy('o.number')
    .limit(Math.min(Math.max(options.limit ?? 200, 1), 500))
    .execute();
  return rows.map((r) => ({
    orderNumber: r.number,
    method: r.method as AwaitedTransfer['method'],
    email: r.email,
    reference: r.bank_transfer_reference ?? '',
    amount: Number(r.amount_minor),
    currency: r.currency as Currency,
    dueAt: r.due_at,
    placedAt: r.placed_at,
  }));
}
