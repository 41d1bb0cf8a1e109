// Issue 4 §4: fraud review (PA-6, OR-7, CU-4).
//
// A shop whose policy has `payment.fraudReview` (PF: 15 days, FR: 2 days) may
// hold a suspicious order and ask the customer for identity / address proof:
//
//   holdForReview            awaiting_payment | paid ─▶ on_hold; the customer
//                            is asked (neutral email, FR/EN); the timer
//                            `order.fraud_review_deadline` is scheduled at the
//                            end of the last day to answer.
//   recordDocumentsReceived  (staff) the proof arrived: the timer is cancelled,
//                            the order goes back to where it was.
//   releaseFromReview        (staff) the doubt is lifted: same, without proof.
//   cancelUnansweredReview   (timer) no answer in time: the order is cancelled,
//                            its stock released (`releaseOrderStock`, the same
//                            release as PA-5), the payment voided (authorised)
//                            or refunded (captured) through the outbox, the
//                            customer told.
//
// "Back to where it was": an order held before its payment came may have been
// paid meanwhile (the payment's webhook leaves an `on_hold` order alone), so the
// restored state is read from its payments: authorised or captured → paid;
// failed → payment_failed; otherwise awaiting_payment.
//
// The reason is the merchant's (CU-4): it is kept in `fraud_reviews` and the
// audit log, never shown to the customer nor put in the evidence log.
//
// Locks, in the order of the rest of the engine: the order's payments (sorted
// ids) → the order → its review → stock rows → evidence head. A payment webhook
// takes payment → order; nothing here waits on a lock in the reverse order.
import { DomainError } from '../domain/errors.js';
import { formatMoney, money, type Currency } from '../domain/money.js';
import { fraudReviewDeadline, isFraudReviewDocument, type FraudReviewDocument } from '../domain/orders/fraud-review.js';
import type { OrderState } from '../domain/orders/order-lifecycle.js';
import type { Policy } from '../policy/schema.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import type { Queryable, Tx } from '../store/db.js';
import { appendEvidence } from '../store/evidence.js';
import { lockPayment, type Payment } from '../store/payments.js';
import { cancelTimer, scheduleTimer, type DueTimer } from '../store/timers.js';
import { queueEmail } from './emails.js';
import { loadOrder, ORDER_CANCELLED, releaseOrderStock, setOrderState, type Order } from './orders.js';
import { listPaymentsFor, refundPayment, voidPayment } from './payments.js';

/** Timer kind of the answer deadline (registered in src/jobs/timer-kinds.ts). */
export const FRAUD_REVIEW_DEADLINE = 'order.fraud_review_deadline';
export const ORDER_HELD_FOR_REVIEW = 'order.held_for_review';
export const ORDER_REVIEW_DOCUMENTS_RECEIVED = 'order.review_documents_received';
export const ORDER_RELEASED_FROM_REVIEW = 'order.released_from_review';

/** One timer per review of an order (an order released and held again gets a new one). */
export function fraudReviewTimerKey(shopId: string, orderNumber: string, reviewId: string): string {
  return `${FRAUD_REVIEW_DEADLINE}:${shopId}:${orderNumber}:${reviewId}`;
}

export type FraudReviewState = 'open' | 'documents_received' | 'released' | 'expired';

export type FraudReview = {
  id: string;
  orderNumber: string;
  state: FraudReviewState;
  heldFrom: 'awaiting_payment' | 'paid';
  /** The merchant's reason (CU-4: never shown to the customer). */
  reason: string;
  documentsRequested: FraudReviewDocument[];
  /** The last day to answer (YYYY-MM-DD) and the instant the order is cancelled without an answer. */
  lastDay: string;
  dueAt: Date;
  heldBy: string;
  heldAt: Date;
  closedBy: string | null;
  closedAt: Date | null;
};

type ReviewRow = {
  id: string;
  order_number: string;
  state: FraudReviewState;
  held_from: 'awaiting_payment' | 'paid';
  reason: string;
  documents_requested: string[];
  last_day: string;
  due_at: Date;
  held_by: string;
  held_at: Date;
  closed_by: string | null;
  closed_at: Date | null;
};

const toReview = (r: ReviewRow): FraudReview => ({
  id: r.id,
  orderNumber: r.order_number,
  state: r.state,
  heldFrom: r.held_from,
  reason: r.reason,
  documentsRequested: r.documents_requested.filter(isFraudReviewDocument),
  lastDay: r.last_day,
  dueAt: r.due_at,
  heldBy: r.held_by,
  heldAt: r.held_at,
  closedBy: r.closed_by,
  closedAt: r.closed_at,
});

const reviewColumns = ['id', 'order_number', 'state', 'held_from', 'reason', 'documents_requested', 'last_day', 'due_at', 'held_by', 'held_at', 'closed_by', 'closed_at'] as const;

/** The reviews of one order, newest first. */
export async function listReviewsOf(q: Queryable, shopId: string, orderNumber: string): Promise<FraudReview[]> {
  const rows = await q.selectFrom('fraud_reviews').select(reviewColumns).where('shop_id', '=', shopId).where('order_number', '=', orderNumber).orderBy('id', 'desc').execute();
  return rows.map(toReview);
}

/** Orders on hold now, the nearest deadline first (the /admin/fraud-review page). */
export async function listOpenReviews(q: Queryable, shopId: string, options: { limit?: number } = {}): Promise<(FraudReview & { email: string; total: number; currency: Currency })[]> {
  const rows = await q
    .selectFrom('fraud_reviews as r')
    .innerJoin('orders as o', 'o.id', 'r.order_id')
    .select(['r.id', 'r.order_number', 'r.state', 'r.held_from', 'r.reason', 'r.documents_requested', 'r.last_day', 'r.due_at', 'r.held_by', 'r.held_at', 'r.closed_by', 'r.closed_at', 'o.email', 'o.total_minor', 'o.currency'])
    .where('r.shop_id', '=', shopId)
    .where('r.state', '=', 'open')
    .orderBy('r.due_at')
    .orderBy('r.id')
    .limit(Math.min(Math.max(options.limit ?? 200, 1), 500))
    .execute();
  return rows.map((r) => ({ ...toReview(r), email: r.email, total: Number(r.total_minor), currency: r.currency as Currency }));
}

// ---------------------------------------------------------------------------
// Locks

/** payments (sorted ids) → order: the engine's lock order. `order.not_found` when there is no such order. */
async function lockOrderWithPayments(tx: Tx, shopId: string, orderNumber: string): Promise<{ order: Order; payments: Payment[] }> {
  const known = await listPaymentsFor(tx, shopId, { kind: 'order', id: orderNumber });
  const payments: Payment[] = [];
  for (const id of known.map((p) => p.id).sort()) {
    const locked = await lockPayment(tx, shopId, id);
    if (locked) payments.push(locked);
  }
  const order = await loadOrder(tx, { shopId, number: orderNumber, forUpdate: true });
  if (!order) throw new DomainError('order.not_found', { field: 'number' }, `No order ${orderNumber}.`);
  return { order, payments };
}

async function lockOpenReview(tx: Tx, shopId: string, orderId: string): Promise<ReviewRow | undefined> {
  return tx.selectFrom('fraud_reviews').select(reviewColumns).where('shop_id', '=', shopId).where('order_id', '=', orderId).where('state', '=', 'open').forUpdate().executeTakeFirst();
}

// ---------------------------------------------------------------------------
// Holding

export type HoldForReviewInput = {
  shop: { id: string; policy: Policy };
  orderNumber: string;
  /** Why the merchant doubts the order (CU-4: for the merchant only). */
  reason: string;
  /** What the customer is asked for (PA-6: identity and / or address proof). */
  documentsRequested: readonly string[];
  actor: Actor;
  now: Date;
};

/**
 * PA-6: holds the order for review. Refused where the policy has no fraud
 * review (`fraud_review.not_offered`, e.g. FA), for an order in any state but
 * awaiting_payment or paid (`fraud_review.not_holdable`, 409: a bank transfer
 * order keeps its PA-5 deadline), or already on hold.
 */
export async function holdForReview(tx: Tx, input: HoldForReviewInput): Promise<FraudReview> {
  const { shop, now } = input;
  const review = shop.policy.payment.fraudReview;
  if (!review) throw new DomainError('fraud_review.not_offered', { field: 'orderNumber', rule: 'PA-6' }, 'This shop\'s terms of sale do not provide for holding an order for review.');
  const reason = input.reason.trim();
  if (reason.length === 0 || reason.length > 2000) throw new DomainError('fraud_review.reason_required', { field: 'reason', rule: 'CU-4' }, 'Say why the order is held (for the shop only).');
  const documents = [...new Set(input.documentsRequested)];
  if (documents.length === 0 || !documents.every(isFraudReviewDocument)) {
    throw new DomainError('fraud_review.invalid_documents', { field: 'documentsRequested', rule: 'PA-6' }, 'Ask for identity and / or address proof.');
  }

  const { order } = await lockOrderWithPayments(tx, shop.id, input.orderNumber);
  if (order.state !== 'awaiting_payment' && order.state !== 'paid') {
    throw new DomainError('fraud_review.not_holdable', { field: 'orderNumber', rule: 'PA-6', state: order.state }, `An order ${order.state.replace('_', ' ')} cannot be held for review.`);
  }
  const deadline = fraudReviewDeadline({ heldAt: now, answerWithin: review.answerWithin, timeZone: shop.policy.shop.timeZone, place: { country: order.deliveryAddress.country } });
  const heldBy = actorLabel(input.actor);
  const row = await tx
    .insertInto('fraud_reviews')
    .values({
      shop_id: shop.id,
      order_id: order.id,
      order_number: order.number,
      state: 'open',
      held_from: order.state,
      reason,
      documents_requested: JSON.stringify(documents),
      last_day: deadline.lastDay,
      due_at: deadline.dueAt,
      held_by: heldBy,
      held_at: now,
    })
    .returning(reviewColumns)
    .executeTakeFirstOrThrow();
  await setOrderState(tx, order, 'on_hold', now);
  await scheduleTimer(
    tx,
    { shopId: shop.id, kind: FRAUD_REVIEW_DEADLINE, key: fraudReviewTimerKey(shop.id, order.number, row.id), dueAt: deadline.dueAt, payload: { reviewId: row.id, orderNumber: order.number } },
    now,
  );
  await queueEmail(tx, { shopId: shop.id, key: `order.fraud_review_request:${shop.id}:${order.number}:${row.id}`, email: requestEmail(shop.policy, order, documents, deadline.lastDay) }, now);
  await recordAudit(tx, { shopId: shop.id, actor: input.actor, action: 'order.held_for_review', target: `order:${order.number}`, details: { reason, documents, lastDay: deadline.lastDay }, at: now });
  await appendEvidence(tx, {
    shopId: shop.id,
    kind: ORDER_HELD_FOR_REVIEW,
    subject: { type: 'order', id: order.number },
    actor: heldBy,
    data: { number: order.number, rule: 'PA-6', reviewId: row.id, heldFrom: order.state, documentsRequested: documents, lastDay: deadline.lastDay, dueAt: deadline.dueAt.toISOString() },
    at: now,
  });
  return toReview(row);
}

// ---------------------------------------------------------------------------
// Ending a review (staff)

export type CloseReviewInput = { shopId: string; orderNumber: string; note?: string | null; actor: Actor; now: Date };

/** The state an order on hold goes back to (see the header). */
function restoredState(heldFrom: 'awaiting_payment' | 'paid', payments: readonly Payment[]): OrderState {
  if (heldFrom === 'paid') return 'paid';
  if (payments.some((p) => ['authorised', 'partially_captured', 'captured'].includes(p.state))) return 'paid';
  if (payments.at(-1)?.state === 'failed') return 'payment_failed';
  return 'awaiting_payment';
}

async function closeReview(tx: Tx, input: CloseReviewInput, outcome: 'documents_received' | 'released'): Promise<{ review: FraudReview; state: OrderState }> {
  const { order, payments } = await lockOrderWithPayments(tx, input.shopId, input.orderNumber);
  const open = order.state === 'on_hold' ? await lockOpenReview(tx, input.shopId, order.id) : undefined;
  if (!open) throw new DomainError('fraud_review.not_on_hold', { field: 'orderNumber', rule: 'PA-6', state: order.state }, `Order ${order.number} is not on hold for review.`);
  const note = input.note?.trim() ? input.note.trim().slice(0, 2000) : null;
  const by = actorLabel(input.actor);
  const closed = await tx
    .updateTable('fraud_reviews')
    .set({ state: outcome, closed_by: by, closed_at: input.now, note })
    .where('id', '=', open.id)
    .returning(reviewColumns)
    .executeTakeFirstOrThrow();
  await cancelTimer(tx, fraudReviewTimerKey(input.shopId, order.number, open.id), input.now);
  const byCreation = [...payments].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const state = restoredState(open.held_from, byCreation);
  await setOrderState(tx, order, state, input.now);
  const kind = outcome === 'documents_received' ? ORDER_REVIEW_DOCUMENTS_RECEIVED : ORDER_RELEASED_FROM_REVIEW;
  await recordAudit(tx, { shopId: input.shopId, actor: input.actor, action: kind, target: `order:${order.number}`, details: { reviewId: open.id, state, ...(note ? { note } : {}) }, at: input.now });
  await appendEvidence(tx, {
    shopId: input.shopId,
    kind,
    subject: { type: 'order', id: order.number },
    actor: by,
    data: { number: order.number, rule: 'PA-6', reviewId: open.id, state, paidDuringReview: open.held_from === 'awaiting_payment' && state === 'paid' },
    at: input.now,
  });
  return { review: toReview(closed), state };
}

/** PA-6, staff: the customer sent the proof asked for — the deadline is lifted and the order goes on. */
export async function recordDocumentsReceived(tx: Tx, input: CloseReviewInput): Promise<{ review: FraudReview; state: OrderState }> {
  return closeReview(tx, input, 'documents_received');
}

/** PA-6, staff: the order is released from review (no proof needed after all). */
export async function releaseFromReview(tx: Tx, input: CloseReviewInput): Promise<{ review: FraudReview; state: OrderState }> {
  return closeReview(tx, input, 'released');
}

// ---------------------------------------------------------------------------
// The deadline

type MoneyAction = { paymentId: string; action: 'void' | 'refund' | 'manual_refund_due' | 'none'; amount: number; state: string };

/** What becomes of each payment of an order cancelled after review: void what is only authorised, refund what was captured. */
async function giveMoneyBack(tx: Tx, shopId: string, reviewId: string, payments: readonly Payment[], now: Date): Promise<MoneyAction[]> {
  const actions: MoneyAction[] = [];
  for (const p of payments) {
    const refundable = p.captured - p.refundRequested;
    if (p.state === 'authorised' && p.captureRequested === 0 && p.voidRequestedAt === null && p.providerSessionId) {
      await voidPayment(tx, { shopId, paymentId: p.id, now });
      actions.push({ paymentId: p.id, action: 'void', amount: p.authorised, state: p.state });
    } else if (['captured', 'partially_captured', 'partially_refunded'].includes(p.state) && refundable > 0) {
      if (p.providerSessionId) {
        await refundPayment(tx, { shopId, paymentId: p.id, key: `fraud_review.${reviewId}`, amount: money(refundable, p.currency), now });
        actions.push({ paymentId: p.id, action: 'refund', amount: refundable, state: p.state });
      } else {
        // A bank transfer: the money goes back by a transfer staff make (no provider to call).
        actions.push({ paymentId: p.id, action: 'manual_refund_due', amount: refundable, state: p.state });
      }
    } else {
      actions.push({ paymentId: p.id, action: 'none', amount: 0, state: p.state });
    }
  }
  return actions;
}

/**
 * Timer `order.fraud_review_deadline` (PA-6): the customer did not answer in
 * time — the order is cancelled, its stock released, its money voided or
 * refunded, the customer told. A review ended meanwhile cancelled the timer;
 * this handler checks again under the locks.
 */
export async function cancelUnansweredReview(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const reviewId = timer.payload['reviewId'];
  const orderNumber = timer.payload['orderNumber'];
  if (typeof reviewId !== 'string' || typeof orderNumber !== 'string') throw new Error(`${timer.kind} timer ${timer.key} has no reviewId / orderNumber`);
  const { order, payments } = await lockOrderWithPayments(tx, timer.shopId, orderNumber);
  const open = order.state === 'on_hold' ? await lockOpenReview(tx, timer.shopId, order.id) : undefined;
  if (!open || open.id !== reviewId) return; // answered or released meanwhile

  await releaseOrderStock(tx, order, now);
  await setOrderState(tx, order, 'cancelled', now, { cancel_reason: 'fraud_review_unanswered' });
  await tx.updateTable('fraud_reviews').set({ state: 'expired', closed_by: 'system', closed_at: now }).where('id', '=', open.id).execute();
  const actions = await giveMoneyBack(tx, timer.shopId, open.id, payments, now);
  const moneyBack = actions.some((a) => a.action !== 'none');
  await queueEmail(tx, { shopId: timer.shopId, key: `order.cancelled:${timer.shopId}:${order.number}`, email: cancelledEmail(order, moneyBack) }, now);
  await appendEvidence(tx, {
    shopId: timer.shopId,
    kind: ORDER_CANCELLED,
    subject: { type: 'order', id: order.number },
    actor: 'system',
    data: { number: order.number, reason: 'fraud_review_unanswered', rule: 'PA-6', reviewId: open.id, lastDay: open.last_day, payments: actions },
    at: now,
  });
}

// ---------------------------------------------------------------------------
// Emails (neutral: CU-4 — the customer never reads the merchant's reason)

const documentNames = {
  fr: { identity: "une pièce d'identité en cours de validité", address: 'un justificatif de domicile de moins de trois mois' },
  en: { identity: 'a valid identity document', address: 'a proof of address less than three months old' },
} as const;

function requestEmail(policy: Policy, order: Order, documents: FraudReviewDocument[], lastDay: string) {
  const lang = order.language;
  const fr = lang === 'fr';
  const contact = policy.identity.customerService.email;
  const asked = documents.map((d) => `- ${documentNames[lang][d]}`);
  const text = fr
    ? [
        `Bonjour,`,
        '',
        `Avant de préparer votre commande ${order.number}, nous avons besoin de vérifier quelques informations. Merci de nous adresser :`,
        ...asked,
        '',
        `en répondant à ce message ou à ${contact}, au plus tard le ${lastDay}.`,
        `Sans réponse à cette date, la commande sera annulée et toute somme versée vous sera remboursée.`,
        '',
        policy.identity.companyName,
      ]
    : [
        `Hello,`,
        '',
        `Before we prepare your order ${order.number}, we need to check a few details. Please send us:`,
        ...asked,
        '',
        `by replying to this message or writing to ${contact}, no later than ${lastDay}.`,
        `Without an answer by then, the order will be cancelled and any money paid refunded.`,
        '',
        policy.identity.companyName,
      ];
  return {
    to: order.email,
    subject: fr ? `Votre commande ${order.number} : justificatifs à nous transmettre` : `Your order ${order.number}: documents we need`,
    text: text.join('\n'),
    html: null,
    language: lang,
    related: { kind: 'order', id: order.number },
  };
}

function cancelledEmail(order: Order, moneyBack: boolean) {
  const fr = order.language === 'fr';
  const total = formatMoney(money(order.total, order.currency), order.language);
  const text = fr
    ? `Sans réponse de votre part dans le délai indiqué, votre commande ${order.number} est annulée.${moneyBack ? ` La somme versée (${total}) vous est remboursée sur votre moyen de paiement.` : ''}`
    : `As we did not hear from you in time, your order ${order.number} is cancelled.${moneyBack ? ` The money paid (${total}) is refunded to your payment method.` : ''}`;
  return {
    to: order.email,
    subject: fr ? `Commande ${order.number} annulée` : `Order ${order.number} cancelled`,
    text,
    html: null,
    language: order.language,
    related: { kind: 'order', id: order.number },
  };
}
