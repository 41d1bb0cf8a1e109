// Issue 4 §4: cancelling an order (OR-7: after validation the merchant may
// cancel an order per CU-4, PA-5 and PA-6).
//
// This is the ONE way an order becomes `cancelled`: staff in the back office
// (`cancelOrder`), the PA-5 bank transfer deadline (`cancelUnpaidTransferOrder`)
// and the PA-6 fraud-review deadline (`cancelUnansweredReview`) all end in
// `cancelLockedOrder`, in the caller's transaction, in this order:
//   (a) locks: the order's payments (sorted ids) → the order
//       (`lockOrderWithPayments`) → its open review → stock rows → evidence head,
//       the lock order of the rest of the engine (a payment webhook takes
//       payment → order);
//   (b) refused unless the lifecycle lets the order go to `cancelled`
//       (`order.illegal_transition`, 409: a cancelled order is not cancelled
//       again, so a repeated request changes nothing);
//   (c) an open fraud review ends (`expired` by its deadline, `cancelled` by
//       staff) with its timer;
//   (d) the stock goes back (`releaseOrderStock`, OR-3);
//   (e) the money, payment by payment — every provider call through the
//       outbox with an idempotency key (src/app/payments.ts):
//         card / wallet not paid yet      → its session closed at the provider
//                                           (the hosted page refuses it afterwards)
//         authorised for capture at dispatch → the authorisation voided
//         authorised, automatic capture   → refunded when its capture arrives
//         captured                        → what is left refunded
//       (`giveMoneyBack`, src/app/orders.ts: the same rule for a payment made
//       after the cancellation)
//         transfer awaited (PA-5)         → the payment fails, its deadline timer goes
//         transfer received               → recorded as a refund due to the customer,
//                                           made by the shop's bank (`recordBankTransferRefund`)
//       A customer who pays on the provider's page before the session is
//       closed gets the money back as soon as the webhook says so
//       (`orderPaymentChanged`, src/app/orders.ts);
//   (f) the order `cancelled`, with the reason code and the staff member's note;
//   (g) the customer's email, in the order's language (neutral wording for a
//       CU-4 block or an inconclusive review: the merchant's reason and note
//       are never told, CU-4);
//   (h) the audit log naming the staff member, then `order.cancelled` in the
//       evidence log (OR-6), last, with the reason, its rule and what became
//       of each payment.
import { DomainError } from '../domain/errors.js';
import { formatMoney, money } from '../domain/money.js';
import { canTransition, transition } from '../domain/orders/order-lifecycle.js';
import type { PaymentState } from '../domain/payments/payment-lifecycle.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import type { Tx } from '../store/db.js';
import { appendEvidence, type EvidenceData, type NewEvidence } from '../store/evidence.js';
import { creditWhatRemains } from './credit-notes.js';
import type { Payment } from '../store/payments.js';
import { cancelTimer, type DueTimer } from '../store/timers.js';
import { queueEmail, type EmailPayload } from './emails.js';
import { endReviewOnCancellation, lockOpenReview } from './fraud-review.js';
import { cancelPackedParcels } from './fulfilment.js';
import { replyClosing } from './order-emails.js';
import { refundThroughPartner } from './instalment-collections.js';
import { cancelInstalmentPlan } from './instalments.js';
import { giveMoneyBack, lockOrderWithPayments, ORDER_CANCELLED, releaseOrderStock, setOrderState, type Order } from './orders.js';
import { bankTransferTimerKey, cancelPaymentSession, expireBankTransfer, getPayment, recordTransferRefundDue } from './payments.js';

/**
 * Why an order is cancelled: the rule that allows it (OR-7), whether the
 * customer's email must stay neutral (CU-4), and whether staff may choose it
 * (the two deadlines are the timers' own).
 */
export const CANCELLATION_REASONS = {
  // CU-4: blocking — an unpaid earlier order, an open payment dispute, a customer flagged as risky.
  unpaid_earlier_order: { rule: 'CU-4', neutral: true, staff: true },
  payment_dispute: { rule: 'CU-4', neutral: true, staff: true },
  flagged_as_risky: { rule: 'CU-4', neutral: true, staff: true },
  // PA-6: the proof sent does not lift the doubt (the customer is not told why either).
  review_inconclusive: { rule: 'PA-6', neutral: true, staff: true },
  // PA-5: staff stop waiting for the payment.
  payment_not_received: { rule: 'PA-5', neutral: false, staff: true },
  // The deadlines (timers).
  bank_transfer_not_received: { rule: 'PA-5', neutral: false, staff: false },
  fraud_review_unanswered: { rule: 'PA-6', neutral: false, staff: false },
  payment_not_completed: { rule: 'OR-3', neutral: false, staff: false },
  // SH-4: the customer terminated the contract, the goods not delivered by the end of their notice (src/app/delivery-deadline.ts).
  delivery_terminated: { rule: 'SH-4', neutral: false, staff: false },
  // AV-1: nothing shipped and every unit turned out unavailable (src/app/unavailability.ts).
  items_unavailable: { rule: 'AV-1', neutral: false, staff: false },
} as const satisfies Record<string, { rule: 'CU-4' | 'OR-3' | 'PA-5' | 'PA-6' | 'SH-4' | 'AV-1'; neutral: boolean; staff: boolean }>;
export type CancellationReason = keyof typeof CANCELLATION_REASONS;

/** The reasons staff choose from (the back-office form and the API). */
export const STAFF_CANCELLATION_REASONS = ['unpaid_earlier_order', 'payment_dispute', 'flagged_as_risky', 'review_inconclusive', 'payment_not_received'] as const satisfies readonly CancellationReason[];
export type StaffCancellationReason = (typeof STAFF_CANCELLATION_REASONS)[number];

export function isStaffCancellationReason(value: unknown): value is StaffCancellationReason {
  return typeof value === 'string' && (STAFF_CANCELLATION_REASONS as readonly string[]).includes(value);
}

export const SETTLEMENT_ACTIONS = ['session_cancelled', 'void', 'refund', 'refund_on_capture', 'transfer_closed', 'refund_due', 'plan_cancelled', 'partner_refund', 'none'] as const;
export type SettlementAction = (typeof SETTLEMENT_ACTIONS)[number];

/** What the cancellation did with one payment, or an instalment plan (in the evidence event and the API's answer). */
export type PaymentSettlement = {
  paymentId: string;
  method: Payment['method'];
  /** The payment's state when the order was cancelled. */
  state: PaymentState;
  action: SettlementAction;
  /** Minor units: authorisation released, amount refunded or due back; 0 otherwise. */
  amount: number;
};

export type Cancellation = { number: string; reason: CancellationReason; rule: string; cancelledAt: Date; payments: PaymentSettlement[] };

type CancelLockedInput = {
  shopId: string;
  reason: CancellationReason;
  note?: string | null | undefined;
  actor: Actor;
  /** The timer cancelling the order now, if any: the runner marks it fired, it is not cancelled. */
  firingTimerKey?: string | undefined;
  /** Who acts, for the evidence, when it is not staff nor the engine (SH-4: `customer:<id>`). */
  by?: string | undefined;
  /** Lines the caller adds to the customer's email, before its closing (SH-4: the refund's due date). */
  emailLines?: readonly { fr: string; en: string }[] | undefined;
  now: Date;
};

// ---------------------------------------------------------------------------
// Staff

/** PA-7: an order on a deferred invoice was invoiced when placed; undoing it takes a credit note (DOC-1), not built yet. */
const needsCreditNote = (order: Pick<Order, 'paymentMethod'>): boolean => order.paymentMethod === 'deferred';

/** OR-7: whether the order can be cancelled now (the back office offers the form only then). */
export function canCancel(order: Pick<Order, 'state' | 'paymentMethod' | 'fulfilment'>): boolean {
  return canTransition(order.state, 'cancelled') && !needsCreditNote(order) && order.fulfilment === 'unfulfilled';
}

export type CancelOrderInput = { shopId: string; orderNumber: string; reason: string; note?: string | null | undefined; actor: Actor; now: Date };

/**
 * OR-7, staff (`orders.manage`): cancels an order not yet shipped, for one of
 * STAFF_CANCELLATION_REASONS with an optional note. Refused:
 * `order.cancel_reason_invalid` (no or unknown reason), `order.illegal_transition`
 * (409: already cancelled), `order.cancel_reason_not_applicable` (PA-5 when
 * money was received), `order.cancellation_not_supported` (deferred payment:
 * its invoice would need a credit note).
 */
export async function cancelOrder(tx: Tx, input: CancelOrderInput): Promise<Cancellation> {
  if (!isStaffCancellationReason(input.reason)) {
    throw new DomainError('order.cancel_reason_invalid', { field: 'reason', rule: 'OR-7', allowed: STAFF_CANCELLATION_REASONS.join(', ') }, 'Choose why the order is cancelled.');
  }
  const note = input.note?.trim() ? input.note.trim() : null;
  if (note !== null && note.length > 2000) throw new DomainError('order.cancel_note_too_long', { field: 'note', max: 2000 });
  const locked = await lockOrderWithPayments(tx, input.shopId, input.orderNumber);
  // OR-7: staff cancel an order before it ships; once a parcel left, the goods come back through a return (after-sales).
  const left = await tx.selectFrom('shipments').select('number').where('order_id', '=', locked.order.id).where('shipped_at', 'is not', null).executeTakeFirst();
  if (left) throw new DomainError('order.already_shipped', { field: 'number', rule: 'OR-7', shipment: left.number }, 'A parcel of this order has left: it can no longer be cancelled.');
  return cancelLockedOrder(tx, locked, { shopId: input.shopId, reason: input.reason, note, actor: input.actor, now: input.now });
}

// ---------------------------------------------------------------------------
// The deadlines (timers registered in src/jobs/timer-kinds.ts)

/**
 * Timer `payment.bank_transfer_deadline` (PA-5): the money did not arrive in
 * time — the order is cancelled, its payment fails. Money recorded meanwhile
 * cancelled the timer; checked again here under the locks.
 */
export async function cancelUnpaidTransferOrder(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const paymentId = timer.payload['paymentId'];
  if (typeof paymentId !== 'string') throw new Error(`${timer.kind} timer ${timer.key} has no paymentId`);
  const payment = await getPayment(tx, timer.shopId, paymentId);
  if (!payment || payment.reference.kind !== 'order') return;
  const locked = await lockOrderWithPayments(tx, timer.shopId, payment.reference.id);
  const current = locked.payments.find((p) => p.id === paymentId);
  if (current?.state !== 'pending' || locked.order.state !== 'awaiting_transfer') return; // paid (or cancelled) meanwhile
  await cancelLockedOrder(tx, locked, { shopId: timer.shopId, reason: 'bank_transfer_not_received', actor: { kind: 'system' }, firingTimerKey: timer.key, now });
}

/**
 * Timer `order.fraud_review_deadline` (PA-6): the customer did not answer in
 * time — the order is cancelled and any money given back. A review ended
 * meanwhile cancelled the timer; checked again here under the locks.
 */
export async function cancelUnansweredReview(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const reviewId = timer.payload['reviewId'];
  const orderNumber = timer.payload['orderNumber'];
  if (typeof reviewId !== 'string' || typeof orderNumber !== 'string') throw new Error(`${timer.kind} timer ${timer.key} has no reviewId / orderNumber`);
  const locked = await lockOrderWithPayments(tx, timer.shopId, orderNumber);
  const open = locked.order.state === 'on_hold' ? await lockOpenReview(tx, timer.shopId, locked.order.id) : undefined;
  if (!open || open.id !== reviewId) return; // answered or released meanwhile
  await cancelLockedOrder(tx, locked, { shopId: timer.shopId, reason: 'fraud_review_unanswered', actor: { kind: 'system' }, firingTimerKey: timer.key, now });
}

/**
 * Timer `order.payment_window` (OR-3): a card or wallet order still unpaid, or
 * whose payment failed, when its payment window ends is cancelled, its stock
 * back on sale and its provider session closed. A payment that went through
 * meanwhile made the order `paid`: nothing to do.
 */
export async function cancelUnpaidCardOrder(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const orderNumber = timer.payload['orderNumber'];
  if (typeof orderNumber !== 'string') throw new Error(`${timer.kind} timer ${timer.key} has no orderNumber`);
  const locked = await lockOrderWithPayments(tx, timer.shopId, orderNumber);
  if (locked.order.state !== 'awaiting_payment' && locked.order.state !== 'payment_failed') return;
  await cancelLockedOrder(tx, locked, { shopId: timer.shopId, reason: 'payment_not_completed', actor: { kind: 'system' }, firingTimerKey: timer.key, now });
}

/**
 * SH-4: the customer terminates the contract of an order not delivered by the
 * end of their notice. src/app/delivery-deadline.ts holds the order's locks
 * (`lockOrderWithPayments`) and has checked the notice; the money goes back
 * here, once, like any cancellation.
 */
export async function cancelForLateDelivery(
  tx: Tx,
  locked: { order: Order; payments: Payment[] },
  input: { shopId: string; customerLabel: string; emailLines: readonly { fr: string; en: string }[]; now: Date },
): Promise<Cancellation> {
  return cancelLockedOrder(tx, locked, { shopId: input.shopId, reason: 'delivery_terminated', actor: { kind: 'system' }, by: input.customerLabel, emailLines: input.emailLines, now: input.now });
}

/**
 * AV-1: nothing of the order was shipped and every unit turned out
 * unavailable (src/app/unavailability.ts holds the order's locks): the whole
 * order is cancelled, every payment settled, the delivery included.
 */
export async function cancelForUnavailableItems(
  tx: Tx,
  locked: { order: Order; payments: Payment[] },
  input: { shopId: string; actor: Actor; by?: string | undefined; emailLines: readonly { fr: string; en: string }[]; now: Date },
): Promise<Cancellation> {
  return cancelLockedOrder(tx, locked, { shopId: input.shopId, reason: 'items_unavailable', actor: input.actor, by: input.by, emailLines: input.emailLines, now: input.now });
}

// ---------------------------------------------------------------------------
// The cancellation

async function cancelLockedOrder(tx: Tx, locked: { order: Order; payments: Payment[] }, input: CancelLockedInput): Promise<Cancellation> {
  const { order } = locked;
  const { shopId, reason, now } = input;
  const { rule, neutral } = CANCELLATION_REASONS[reason];
  transition(order.state, 'cancelled'); // (b) OR-7
  if (needsCreditNote(order)) {
    throw new DomainError('order.cancellation_not_supported', { field: 'orderNumber', rule: 'OR-7', paymentMethod: order.paymentMethod }, `An order paid by ${order.paymentMethod} cannot be cancelled here yet.`);
  }
  const payments = [...locked.payments].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  if (reason === 'payment_not_received' && payments.some((p) => p.method !== 'store_credit' && p.authorised > 0)) {
    throw new DomainError('order.cancel_reason_not_applicable', { field: 'reason', rule: 'PA-5' }, 'The payment of this order was received: choose another reason.');
  }
  const by = input.by ?? actorLabel(input.actor);

  // (c), (d)
  const review = order.state === 'on_hold'
    ? await endReviewOnCancellation(tx, { shopId, order, outcome: reason === 'fraud_review_unanswered' ? 'expired' : 'cancelled', by, firingTimerKey: input.firingTimerKey, now })
    : undefined;
  await cancelPackedParcels(tx, order, now); // packed, not gone: unpacked (shipments before stock, the engine's lock order)
  await releaseOrderStock(tx, order, now);
  // DOC-1: an invoiced order undone is credited in full (what earlier credit notes did not credit); its proof comes last.
  const proofs: NewEvidence[] = [];
  const creditNote = await creditWhatRemains(tx, { shopId, orderId: order.id, key: cancellationRefundKey(order.number), reason: { fr: 'Annulation de la commande', en: 'Order cancelled' }, proofs, now });

  // (e)
  const settlements: PaymentSettlement[] = [];
  for (const p of payments) settlements.push(await settle(tx, p, input, by));
  // PA-4: before the first dispatch nothing was collected: the partner withdraws the plan (outbox). After it (an SH-4
  // termination), the shares not yet collected are waived and the partner refunds what it collected (outbox).
  if (order.paymentMethod === 'instalments') settlements.push(...(await settleInstalments(tx, order, { shopId, key: cancellationRefundKey(order.number), now })));

  // (f), (g)
  await setOrderState(tx, order, 'cancelled', now, { cancel_reason: reason, cancel_note: input.note ?? null });
  await queueEmail(tx, { shopId, key: `order.cancelled:${shopId}:${order.number}`, email: cancellationEmail(order, reason, neutral, settlements, input.emailLines ?? []) }, now);

  // (h)
  if (input.actor.kind !== 'system') {
    await recordAudit(tx, { shopId, actor: input.actor, action: ORDER_CANCELLED, target: `order:${order.number}`, details: { reason, rule, note: input.note ?? null, payments: settlements }, at: now });
  }
  for (const proof of proofs) await appendEvidence(tx, proof);
  const data: EvidenceData = { number: order.number, reason, rule, payments: settlements, creditNote: creditNote?.number ?? null };
  if (review) Object.assign(data, { reviewId: review.id, lastDay: review.lastDay });
  await appendEvidence(tx, { shopId, kind: ORDER_CANCELLED, subject: { type: 'order', id: order.number }, actor: by, data, at: now });
  return { number: order.number, reason, rule, cancelledAt: now, payments: settlements };
}

/** The key of the money a cancellation gives back through the financing partner (its `instalment_refunds` row). */
export const cancellationRefundKey = (orderNumber: string): string => `order.cancelled:${orderNumber}`;

/** (e) for an order paid in instalments (PA-4): the plan withdrawn, or, once collections started, refunded through the partner. */
async function settleInstalments(tx: Tx, order: Order, input: { shopId: string; key: string; now: Date }): Promise<PaymentSettlement[]> {
  const plan = await tx.selectFrom('instalment_plans').select(['partner_plan_id', 'collections_started_at']).where('order_id', '=', order.id).where('cancelled_at', 'is', null).executeTakeFirst();
  if (!plan) return [];
  if (!plan.collections_started_at) {
    const planId = await cancelInstalmentPlan(tx, { shopId: input.shopId, orderId: order.id, now: input.now });
    return planId ? [{ paymentId: planId, method: 'instalments', state: 'pending', action: 'plan_cancelled', amount: 0 }] : [];
  }
  const back = await refundThroughPartner(tx, { shopId: input.shopId, orderId: order.id, amount: money(order.total, order.currency), key: input.key, now: input.now });
  return [{ paymentId: plan.partner_plan_id, method: 'instalments', state: 'captured', action: 'partner_refund', amount: back.refunded }];
}

/** (e) for one payment (see the header). */
async function settle(tx: Tx, p: Payment, input: CancelLockedInput, by: string): Promise<PaymentSettlement> {
  const { shopId, now } = input;
  const done = (action: PaymentSettlement['action'], amount: number): PaymentSettlement => ({ paymentId: p.id, method: p.method, state: p.state, action, amount });
  if (p.method === 'bank_transfer') {
    if (p.state === 'pending') {
      const failureCode = input.reason === 'bank_transfer_not_received' ? 'bank_transfer_not_received' : 'order_cancelled';
      await expireBankTransfer(tx, { shopId, paymentId: p.id, failureCode, actor: by, now });
      const timerKey = bankTransferTimerKey(shopId, p.id);
      if (timerKey !== input.firingTimerKey) await cancelTimer(tx, timerKey, now);
      return done('transfer_closed', 0);
    }
    if (p.state === 'captured' || p.state === 'partially_refunded') return done('refund_due', await recordTransferRefundDue(tx, { shopId, paymentId: p.id, now }));
    return done('none', 0);
  }
  if (!p.providerSessionId) return done('none', 0);
  if (p.state === 'pending' || p.state === 'requires_action') {
    await cancelPaymentSession(tx, { shopId, paymentId: p.id, now });
    return done('session_cancelled', 0);
  }
  const back = await giveMoneyBack(tx, p, now);
  return done(back.action, back.amount);
}

// ---------------------------------------------------------------------------
// The customer's email (FR / EN by the order's language)

type NeutralReason = { [R in CancellationReason]: (typeof CANCELLATION_REASONS)[R]['neutral'] extends true ? R : never }[CancellationReason];

/** The first line of the email for a reason the customer is told (FR, EN). */
const openingLines = (n: string): Record<Exclude<CancellationReason, NeutralReason>, [string, string]> => ({
  bank_transfer_not_received: [
    `Nous n'avons pas reçu votre virement pour la commande ${n} dans le délai prévu : elle est annulée.`,
    `We did not receive your bank transfer for order ${n} in time: the order is cancelled.`,
  ],
  payment_not_completed: [
    `Le paiement de votre commande ${n} n'a pas abouti dans le délai prévu : elle est annulée et les articles sont remis en vente.`,
    `The payment for your order ${n} was not completed in time: the order is cancelled and its items are back on sale.`,
  ],
  fraud_review_unanswered: [`Sans réponse de votre part dans le délai indiqué, votre commande ${n} est annulée.`, `As we did not hear from you in time, your order ${n} is cancelled.`],
  payment_not_received: [`Nous n'avons pas reçu le paiement de votre commande ${n} : elle est annulée.`, `We did not receive the payment for your order ${n}: it is cancelled.`],
  items_unavailable: [`Les articles de votre commande ${n} ne sont plus disponibles : elle est annulée.`, `The items of your order ${n} are no longer available: the order is cancelled.`],
  delivery_terminated: [
    `Vous avez résolu la vente de votre commande ${n}, qui ne vous a pas été livrée dans le délai supplémentaire que vous nous aviez accordé (article L216-6 du Code de la consommation) : elle est annulée.`,
    `You terminated the contract of your order ${n}, which was not delivered within the additional period you gave us (article L216-6 of the French Consumer Code): the order is cancelled.`,
  ],
});

function cancellationEmail(order: Order, reason: CancellationReason, neutral: boolean, settlements: readonly PaymentSettlement[], extra: readonly { fr: string; en: string }[]): EmailPayload {
  const fr = order.language === 'fr';
  const n = order.number;
  const amount = (minor: number) => formatMoney(money(minor, order.currency), order.language);
  const opening = neutral
    ? fr
      ? `Votre commande ${n} est annulée : nous ne sommes pas en mesure d'y donner suite.`
      : `Your order ${n} is cancelled: we are unable to proceed with it.`
    : openingLines(n)[reason as Exclude<CancellationReason, NeutralReason>][fr ? 0 : 1];
  const moneyLines: string[] = [];
  for (const s of settlements) {
    if (s.action === 'refund' || s.action === 'refund_on_capture') moneyLines.push(fr ? `La somme versée (${amount(s.amount)}) vous est remboursée sur votre moyen de paiement.` : `The money paid (${amount(s.amount)}) is refunded to your payment method.`);
    else if (s.action === 'void') moneyLines.push(fr ? `L'autorisation de paiement (${amount(s.amount)}) est annulée : rien ne sera débité.` : `The payment authorisation (${amount(s.amount)}) is released: nothing will be charged.`);
    else if (s.action === 'partner_refund' && s.amount > 0) moneyLines.push(fr ? `Les échéances déjà prélevées (${amount(s.amount)}) vous sont remboursées par l'organisme de financement ; les suivantes sont annulées.` : `The instalments already taken (${amount(s.amount)}) are refunded by the financing partner; the next ones are cancelled.`);
    else if (s.action === 'plan_cancelled') moneyLines.push(fr ? 'Le paiement en plusieurs fois est annulé : aucune échéance ne sera prélevée.' : 'The instalment plan is cancelled: no instalment will be taken.');
    else if (s.method === 'store_credit') moneyLines.push(fr ? 'Le montant payé avec votre avoir y est recrédité.' : 'The amount paid with your store credit is credited back to it.'); // RF-3: released in setOrderState
    else if (s.action === 'session_cancelled') moneyLines.push(fr ? `Le lien de paiement n'est plus valable : rien ne sera débité.` : `The payment link is no longer valid: nothing will be charged.`);
    else if (s.action === 'refund_due' && s.amount > 0) {
      moneyLines.push(
        fr
          ? `La somme reçue (${amount(s.amount)}) vous sera remboursée par virement : répondez à ce message en nous indiquant l'IBAN du compte à créditer.`
          : `The money received (${amount(s.amount)}) will be refunded by bank transfer: reply to this message with the IBAN of the account to credit.`,
      );
    }
  }
  const closing = replyClosing(order.language);
  return {
    to: order.email,
    subject: fr ? `Commande ${n} annulée` : `Order ${n} cancelled`,
    text: [opening, ...moneyLines, ...extra.map((l) => (fr ? l.fr : l.en)), '', closing].join('\n'),
    html: null,
    language: order.language,
    related: { kind: 'order', id: n },
  };
}
