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
//   no answer in time        the timer's handler (`cancelUnansweredReview`,
//                            src/app/order-cancellation.ts) cancels the order
//                            through the one cancellation of the engine (OR-7):
//                            stock released, authorisation voided or capture
//                            refunded, customer told; the review ends `expired`.
//                            Staff cancelling an order on hold end it `cancelled`
//                            (`endReviewOnCancellation`).
//
// "Back to where it was": an order held before its payment came may have been
// paid meanwhile (the payment's webhook leaves an `on_hold` order alone), so the
// restored state is read from its payments: authorised or captured → paid;
// failed → payment_failed; otherwise awaiting_payment. Paid that way, the
// order gets its invoice at release (DOC-1: the money was taken during the
// hold, but the webhook could not invoice an order on hold).
//
// The reason is the merchant's (CU-4): it is kept in `fraud_reviews` and the
// audit log, never shown to the customer nor put in the evidence log.
//
// Locks, in the order of the rest of the engine: the order's payments (sorted
// ids) → the order → its review → stock rows → evidence head. A payment webhook
// takes payment → order; nothing here waits on a lock in the reverse order.
import { DomainError } from '../domain/errors.js';
import type { Currency } from '../domain/money.js';
import { fraudReviewDeadline, isFraudReviewDocument, type FraudReviewDocument } from '../domain/orders/fraud-review.js';
import type { OrderState } from '../domain/orders/order-lifecycle.js';
import type { Policy } from '../policy/schema.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import type { Queryable, Tx } from '../store/db.js';
import { appendEvidence } from '../store/evidence.js';
import type { Payment } from '../store/payments.js';
import { cancelTimer, scheduleTimer } from '../store/timers.js';
import { queueEmail } from './emails.js';
import { legalDate } from './order-emails.js';
import { invoiceIfMoneyTaken, lockOrderWithPayments, setOrderState, type Order } from './orders.js';

/** Timer kind of the answer deadline (registered in src/jobs/timer-kinds.ts). */
export const FRAUD_REVIEW_DEADLINE = 'order.fraud_review_deadline';
export const ORDER_HELD_FOR_REVIEW = 'order.held_for_review';
export const ORDER_REVIEW_DOCUMENTS_RECEIVED = 'order.review_documents_received';
export const ORDER_RELEASED_FROM_REVIEW = 'order.released_from_review';

/** One timer per review of an order (an order released and held again gets a new one). */
export function fraudReviewTimerKey(shopId: string, orderNumber: string, reviewId: string): string {
  return `${FRAUD_REVIEW_DEADLINE}:${shopId}:${orderNumber}:${reviewId}`;
}

/** `expired`: cancelled by the deadline; `cancelled`: the order was cancelled by staff while on hold (OR-7). */
export type FraudReviewState = 'open' | 'documents_received' | 'released' | 'expired' | 'cancelled';

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

/** The open review of an order, locked — after its payments and the order (`lockOrderWithPayments`, src/app/orders.ts). */
export async function lockOpenReview(tx: Tx, shopId: string, orderId: string): Promise<FraudReview | undefined> {
  const row = await tx.selectFrom('fraud_reviews').select(reviewColumns).where('shop_id', '=', shopId).where('order_id', '=', orderId).where('state', '=', 'open').forUpdate().executeTakeFirst();
  return row ? toReview(row) : undefined;
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
  const state = restoredState(open.heldFrom, byCreation);
  await setOrderState(tx, order, state, input.now);
  // DOC-1: paid during the hold (capture at order), the order is invoiced now; held once paid, it already was (issueInvoice returns that one).
  if (state === 'paid') await invoiceIfMoneyTaken(tx, { shopId: input.shopId, orderId: order.id, payments: byCreation, now: input.now });
  const kind = outcome === 'documents_received' ? ORDER_REVIEW_DOCUMENTS_RECEIVED : ORDER_RELEASED_FROM_REVIEW;
  await recordAudit(tx, { shopId: input.shopId, actor: input.actor, action: kind, target: `order:${order.number}`, details: { reviewId: open.id, state, ...(note ? { note } : {}) }, at: input.now });
  await appendEvidence(tx, {
    shopId: input.shopId,
    kind,
    subject: { type: 'order', id: order.number },
    actor: by,
    data: { number: order.number, rule: 'PA-6', reviewId: open.id, state, paidDuringReview: open.heldFrom === 'awaiting_payment' && state === 'paid' },
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
// The order is cancelled (OR-7, src/app/order-cancellation.ts)

/**
 * Ends the open review of an order being cancelled — `expired` when its
 * deadline cancels it, `cancelled` when staff do — with its timer, unless that
 * timer is the one firing now (the runner marks it fired). The caller holds
 * the payments → order locks; this takes the review's.
 */
export async function endReviewOnCancellation(
  tx: Tx,
  input: { shopId: string; order: Pick<Order, 'id' | 'number'>; outcome: 'expired' | 'cancelled'; by: string; firingTimerKey?: string | undefined; now: Date },
): Promise<FraudReview | undefined> {
  const open = await lockOpenReview(tx, input.shopId, input.order.id);
  if (!open) return undefined;
  const closed = await tx
    .updateTable('fraud_reviews')
    .set({ state: input.outcome, closed_by: input.by, closed_at: input.now })
    .where('id', '=', open.id)
    .returning(reviewColumns)
    .executeTakeFirstOrThrow();
  const timerKey = fraudReviewTimerKey(input.shopId, input.order.number, open.id);
  if (timerKey !== input.firingTimerKey) await cancelTimer(tx, timerKey, input.now);
  return toReview(closed);
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
        `en répondant à ce message ou à ${contact}, au plus tard le ${legalDate(lastDay, 'fr')}.`,
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
        `by replying to this message or writing to ${contact}, no later than ${legalDate(lastDay, 'en')}.`,
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
