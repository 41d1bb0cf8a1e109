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
//     collected (PA-4);
//   - store credit used to pay goes back as store credit (RF-3), after the
//     money: a partial refund gives money back first.
// RF-4: `to: 'store_credit'` — at the customer's explicit request, where the
// order's policy offers it — issues store credit instead (src/app/store-credit.ts),
// at most what was taken and not given back yet.
// Money not taken yet (an authorisation for capture at dispatch, PA-3) is not
// refunded: the caller leaves it uncaptured. The caller holds the order's
// locks (`lockOrderWithPayments`); `order.refund_due` is its evidence.
import { DomainError } from '../domain/errors.js';
import type { CreditRequest } from '../domain/invoices/credit-note-content.js';
import type { Localised } from '../domain/invoices/invoice-content.js';
import { issueCreditNote } from './credit-notes.js';
import { money } from '../domain/money.js';
import { storeCreditValidity } from '../domain/store-credit/ledger.js';
import type { Actor } from '../store/audit.js';
import { actorLabel } from '../store/audit.js';
import type { Tx } from '../store/db.js';
import { appendEvidence, type NewEvidence } from '../store/evidence.js';
import type { RefundReason } from '../store/schema.js';
import { refundThroughPartner } from './instalment-collections.js';
import { policyOfOrder, type Order } from './orders.js';
import { recordTransferRefundDue, refundPayment, type Payment } from './payments.js';
import { issueStoreCredit, releaseStoreCredit } from './store-credit.js';

export const ORDER_REFUND_DUE = 'order.refund_due';

export type SettledPayment = { paymentId: string; action: 'provider_refund' | 'transfer_due' | 'plan_reduced' | 'partner_refund' | 'store_credit' | 'store_credit_released'; amount: number };

export type OrderRefund = {
  key: string;
  reason: RefundReason;
  rule: string;
  amount: number;
  feeKept: number;
  dueOn: string | null;
  settlement: SettledPayment[];
  /** DOC-1: the credit note issued for it, when the order had an invoice. */
  creditNote: string | null;
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
  /** RF-4: `store_credit` only at the customer's explicit request; money back the way it was paid otherwise (RF-3). */
  to?: 'original_payment' | 'store_credit';
  /**
   * DOC-1: what the refund gives back as it is credited on the order's invoice
   * (units per line, delivery, other amounts such as a price reduction), gross;
   * it adds up to `amount`. A credit note is issued when the invoice exists.
   */
  credit?: CreditedAmounts | undefined;
  actor: Actor;
  now: Date;
};

export type CreditedAmounts = CreditRequest & { reason: Localised };

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
      creditNote: (await tx.selectFrom('invoices').select('number').where('shop_id', '=', shopId).where('kind', '=', 'credit_note').where('key', '=', input.key).executeTakeFirst())?.number ?? null,
      created: false,
    };
  }
  if (!Number.isSafeInteger(input.amount) || input.amount < 0) throw new DomainError('refund.invalid_amount', { field: 'amount', amount: input.amount });
  // DOC-1 first: the credit note's number counter is locked before any evidence of this transaction.
  const proofs: NewEvidence[] = [];
  const creditNote = input.credit && input.amount > 0 ? await creditRefund(tx, input, input.credit, proofs) : null;
  const settlement: SettledPayment[] = [];
  let left = input.amount;
  if (input.to === 'store_credit') left -= await creditInstead(tx, input, settlement);
  // RF-3: money first, store credit last (its evidence among the last writes).
  const payments = [...input.payments].sort((a, b) => Number(a.method === 'store_credit') - Number(b.method === 'store_credit'));
  // RF-4: store credit issued before instead of money stands for money the payments still hold: never refunded a second time.
  let creditedBefore = input.to === 'store_credit' ? 0 : await storeCreditIssuedFor(tx, order);
  for (const payment of input.to === 'store_credit' ? [] : payments) {
    if (left === 0) break;
    if (payment.method === 'store_credit') {
      const part = await releaseStoreCredit(tx, { shopId, payment, amount: left, key: input.key, actor: actorLabel(input.actor), now });
      if (part === 0) continue;
      settlement.push({ paymentId: payment.id, action: 'store_credit_released', amount: part });
      left -= part;
    } else if (payment.providerSessionId !== null) {
      const held = Math.max(0, payment.captured - payment.refundRequested);
      const absorbed = Math.min(creditedBefore, held);
      creditedBefore -= absorbed;
      const part = Math.min(left, held - absorbed);
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
  if (left > 0 && order.paymentMethod === 'instalments' && input.to !== 'store_credit') {
    const back = await refundThroughPartner(tx, { shopId: shopId, orderId: order.id, amount: money(left, order.currency), key: input.key, now });
    if (back.action !== 'none') {
      settlement.push({ paymentId: `plan:${order.number}`, action: back.action, amount: back.amount });
      left -= back.amount;
    }
  }
  const given = input.amount - left; // what was taken and goes back; the rest was never taken
  const refund: OrderRefund = { key: input.key, reason: input.reason, rule: input.rule, amount: given, feeKept: input.feeKept ?? 0, dueOn: given > 0 ? input.dueOn : null, settlement, creditNote, created: true };
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
      // DOC-1: no invoice yet — the credit note follows the invoice (issuePendingCreditNotes).
      credit_pending: input.credit && creditNote === null && given === input.amount && given > 0 ? JSON.stringify(input.credit) : null,
      created_by: actorLabel(input.actor),
      created_at: now,
    })
    .execute();
  for (const proof of proofs) await appendEvidence(tx, proof);
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

/** DOC-1: the credit note of a refund, on the order's invoice (none before the invoice: nothing to credit). */
async function creditRefund(tx: Tx, input: RefundOrderInput, credit: CreditedAmounts, proofs: NewEvidence[]): Promise<string | null> {
  const total = credit.items.reduce((n, i) => n + i.amount, 0) + credit.shipping + (credit.other ?? []).reduce((n, o) => n + o.amount, 0);
  if (total !== input.amount) throw new DomainError('refund.credit_mismatch', { field: 'credit', key: input.key, credited: total, amount: input.amount }, 'The amounts credited do not add up to the refund.');
  const note = await issueCreditNote(tx, { shopId: input.shopId, orderId: input.order.id, key: input.key, reason: credit.reason, items: credit.items, shipping: credit.shipping, ...(credit.other ? { other: credit.other } : {}), now: input.now, proofs });
  return note?.number ?? null;
}

/** RF-4: store credit the order's refunds issued instead of money so far. */
async function storeCreditIssuedFor(tx: Tx, order: Pick<Order, 'id'>): Promise<number> {
  const rows = await tx.selectFrom('order_refunds').select('settlement').where('order_id', '=', order.id).execute();
  return rows.flatMap((r) => r.settlement).filter((s) => s.action === 'store_credit').reduce((n, s) => n + s.amount, 0);
}

/**
 * RF-4: store credit for what the order's payments took and did not give back
 * (less credit issued for it before), up to the amount; 0 when nothing was taken.
 */
async function creditInstead(tx: Tx, input: RefundOrderInput, settlement: SettledPayment[]): Promise<number> {
  const { order, shopId } = input;
  if (order.customerId === null) throw new DomainError('store_credit.account_required', { field: 'to', rule: 'RF-4' }, 'Store credit is kept in a customer account: a guest order is refunded in money.');
  storeCreditValidity(await policyOfOrder(tx, shopId, order.policyHash)); // refund.store_credit_not_offered
  const before = await tx.selectFrom('order_refunds').select('settlement').where('order_id', '=', order.id).execute();
  const credited = before.flatMap((r) => r.settlement).filter((s) => s.action === 'store_credit').reduce((n, s) => n + s.amount, 0);
  const taken = input.payments.reduce((n, p) => n + Math.max(0, p.captured - p.refundRequested), 0) - credited;
  const amount = Math.min(input.amount, taken);
  if (amount <= 0) return 0;
  const credit = await issueStoreCredit(tx, { shopId, customerId: order.customerId, orderId: order.id, amount, currency: order.currency, key: input.key, rule: input.rule, actor: actorLabel(input.actor), now: input.now });
  settlement.push({ paymentId: `store_credit:${credit.id}`, action: 'store_credit', amount });
  return amount;
}
