// Money an order owes back outside a cancellation: a line that became
// unavailable after it was paid (AV-1/AV-2), an uncollected parcel (SH-7), a
// late delivery terminated by the customer (SH-4), a delivery claim (SH-8).
//
// One executor for them: the refund is recorded once per cause (`key`), with
// its legal due date, and each payment of the order gives back what it took,
// the way it took it (RF-3: same means of payment) —
//   - a card / wallet capture is refunded through the provider (outbox);
//   - money received by transfer becomes due, and staff record the transfer
//     made (`recordBankTransferRefund`) before the due date;
//   - instalments: the financing partner reduces the plan or refunds what it
//     collected (PA-4).
// Money not taken yet (an authorisation for capture at dispatch, PA-3) is not
// refunded: the caller leaves it uncaptured. The caller holds the order's
// locks (`lockOrderWithPayments`); `order.refund_due` is its evidence.
import { DomainError } from '../domain/errors.js';
import { money } from '../domain/money.js';
import type { Actor } from '../store/audit.js';
import { actorLabel } from '../store/audit.js';
import type { Tx } from '../store/db.js';
import { appendEvidence } from '../store/evidence.js';
import type { RefundReason } from '../store/schema.js';
import { refundThroughPartner } from './instalment-collections.js';
import type { Order } from './orders.js';
import { recordTransferRefundDue, refundPayment, type Payment } from './payments.js';

export const ORDER_REFUND_DUE = 'order.refund_due';

export type SettledPayment = { paymentId: string; action: 'provider_refund' | 'transfer_due' | 'plan_reduced' | 'partner_refund'; amount: number };

export type OrderRefund = {
  key: string;
  reason: RefundReason;
  rule: string;
  amount: number;
  feeKept: number;
  dueOn: string | null;
  settlement: SettledPayment[];
  created: boolean;
};

export type RefundOrderInput = {
  shopId: string;
  order: Order;
  payments: readonly Payment[];
  /** The cause, once: `uncollected:FA-2026-000012-1`. */
  key: string;
  reason: RefundReason;
  rule: string;
  /** What the customer gets back (minor units, the order's currency), after `feeKept`. */
  amount: number;
  /** SH-7: the flat fee kept (FA store pickup: 15.00 EUR), recorded for the proof. */
  feeKept?: number;
  /** The legal date the money must be back by (RF-1, SH-4, SH-7). */
  dueOn: string;
  actor: Actor;
  now: Date;
};

/** Records and sends the refund (see the header); the same `key` again returns the first one (`created: false`). */
export async function refundOrderAmount(tx: Tx, input: RefundOrderInput): Promise<OrderRefund> {
  const { order, now, shopId } = input;
  const existing = await tx.selectFrom('order_refunds').selectAll().where('shop_id', '=', shopId).where('key', '=', input.key).executeTakeFirst();
  if (existing) {
    return {
      key: existing.key,
      reason: existing.reason,
      rule: existing.rule,
      amount: Number(existing.amount_minor),
      feeKept: Number(existing.fee_kept_minor),
      dueOn: existing.due_on,
      settlement: existing.settlement as SettledPayment[],
      created: false,
    };
  }
  if (!Number.isSafeInteger(input.amount) || input.amount < 0) throw new DomainError('refund.invalid_amount', { field: 'amount', amount: input.amount });
  const settlement: SettledPayment[] = [];
  let left = input.amount;
  for (const payment of input.payments) {
    if (left === 0) break;
    if (payment.providerSessionId !== null) {
      const refundable = Math.max(0, payment.captured - payment.refundRequested);
      const part = Math.min(left, refundable);
      if (part === 0) continue;
      await refundPayment(tx, { shopId: shopId, paymentId: payment.id, key: input.key.replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, 100), amount: money(part, payment.currency), now });
      settlement.push({ paymentId: payment.id, action: 'provider_refund', amount: part });
      left -= part;
    } else if (payment.method === 'bank_transfer' || payment.method === 'deferred') {
      const part = await recordTransferRefundDue(tx, { shopId: shopId, paymentId: payment.id, amount: left, now });
      if (part === 0) continue;
      settlement.push({ paymentId: payment.id, action: 'transfer_due', amount: part });
      left -= part;
    }
  }
  if (left > 0 && order.paymentMethod === 'instalments') {
    const back = await refundThroughPartner(tx, { shopId: shopId, orderId: order.id, amount: money(left, order.currency), key: input.key, now });
    if (back.action !== 'none') {
      settlement.push({ paymentId: `plan:${order.number}`, action: back.action, amount: back.amount });
      left -= back.amount;
    }
  }
  const given = input.amount - left; // what was taken and goes back; the rest was never taken
  const refund: OrderRefund = { key: input.key, reason: input.reason, rule: input.rule, amount: given, feeKept: input.feeKept ?? 0, dueOn: given > 0 ? input.dueOn : null, settlement, created: true };
  await tx
    .insertInto('order_refunds')
    .values({
      shop_id: shopId,
      order_id: order.id,
      key: input.key,
      reason: input.reason,
      rule: input.rule,
      currency: order.currency,
      amount_minor: refund.amount,
      fee_kept_minor: refund.feeKept,
      due_on: refund.dueOn,
      settlement: JSON.stringify(settlement),
      created_by: actorLabel(input.actor),
      created_at: now,
    })
    .execute();
  if (given > 0 || refund.feeKept > 0) {
    await appendEvidence(tx, {
      shopId: shopId,
      kind: ORDER_REFUND_DUE,
      subject: { type: 'order', id: order.number },
      actor: actorLabel(input.actor),
      data: { number: order.number, reason: input.reason, rule: input.rule, key: input.key, amount: given, feeKept: refund.feeKept, currency: order.currency, dueOn: refund.dueOn, settlement },
      at: now,
    });
  }
  return refund;
}
