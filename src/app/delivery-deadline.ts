// Issue 5 §6: the delivery deadline (SH-4; L216-1, L216-6, L216-7 and L241-4
// of the Code de la consommation). Every order has its delivery due date
// (`orders.delivery_due_on`, set at placement). Past it, goods not delivered:
//
// - sendDeliveryNotice: the customer, from the account, enjoins the shop to
//   deliver by a day they choose (the additional period,
//   `DELIVERY_NOTICE_PERIOD`: at least 7, by default 14, at most 60 calendar
//   days). One transaction: the notice row, the timer
//   `delivery.notice_period_end` at the end of that day (shop's time zone),
//   the acknowledgment email (FR/EN), `delivery.notice_sent` last.
// - Timer `delivery.notice_period_end` (endNoticePeriod): the period ended and
//   the goods are still not delivered → the customer is told they may
//   terminate (email), `delivery.notice_period_ended`. Delivered or cancelled
//   meanwhile: nothing.
// - terminateLateDelivery: the period ended, still not delivered → the
//   customer terminates the contract: the order is cancelled through THE
//   cancellation (src/app/order-cancellation.ts, reason `delivery_terminated`:
//   stock back, each payment settled once — authorisation voided, capture
//   refunded, transfer refund due, instalment plan withdrawn or, once
//   collections started, refunded through the partner —, the email
//   carrying the L216-7 due date), then this module records the refund owed
//   (`order_refunds` row `delivery_terminated:<number>`, written from the
//   cancellation's settlement: no second refund) with its due date,
//   termination + 14 days, and `delivery.terminated` last. Refused while the
//   period runs, without a notice, once delivered, and when part of the
//   order was delivered (`delivery.partially_delivered`: terminating for the
//   missing items only is customer service's work for now).
// - deliveryDeadlineWatch: the back office's list of orders at risk (due
//   within 3 days or past due, not delivered, not cancelled) and of
//   terminated orders with the refund's due date and, when late, the L241-4
//   surcharge owed (`lateRefundSurcharge`).
//
// Parcels already on their way when the customer terminates: allowed (they
// were not delivered). The customer's email says to refuse the parcel or send
// it back at the shop's cost; it comes back through fulfilment's "returned"
// event, which restocks it and refunds nothing (the cancellation refunded
// everything). The cancellation puts back on sale only the units that did not
// leave (`releaseOrderStock`), so the stock counts each unit once. PF captured
// at dispatch: the part of the authorisation never captured is released
// (PA-3), the captured part refunded.
//
// Not handled: immediate termination without notice (the shop refused to
// deliver, or the date was essential, L216-6 second paragraph) — customer
// service; guest orders (no account) — customer service.
//
// Locks, the engine's order: the order's payments → the order
// (`lockOrderWithPayments`) → its notice → (cancellation: review, stock) →
// evidence head.
import { MONEY_BACK_WITHIN } from '../domain/legal-floor.js';
import { isDeliveryLate, checkNoticeAllowed, deliveryRisk, noticeDeliverBy, AT_RISK_WITHIN_DAYS, DELIVERY_NOTICE_PERIOD, type DeliveryProgress } from '../domain/fulfilment/delivery-deadline.js';
import { daysAfter, lateRefundSurcharge, type LateRefundSurcharge, type RefundMade } from '../domain/fulfilment/late-refund-surcharge.js';
import { localDateIn } from '../domain/calendar/local-date.js';
import { periodEnd } from '../domain/calendar/period-end.js';
import { parseCalendarDate, type CalendarDate } from '../domain/calendar/working-days.js';
import { DomainError } from '../domain/errors.js';
import { money, type Currency } from '../domain/money.js';
import type { OrderState } from '../domain/orders/order-lifecycle.js';
import type { Queryable, Tx } from '../store/db.js';
import { appendEvidence } from '../store/evidence.js';
import { cancelTimer, scheduleTimer, type DueTimer } from '../store/timers.js';
import { queueEmail, type EmailPayload } from './emails.js';
import { cancelForLateDelivery, cancellationRefundKey, type PaymentSettlement } from './order-cancellation.js';
import { legalDate, orderEmail, replyClosing } from './order-emails.js';
import type { SettledPayment } from './order-refunds.js';
import { getOrderFor, lockOrderWithPayments, moneyBackFor, policyOfOrder, type Order } from './orders.js';
import { releaseAuthorisationRemainder, type Payment } from './payments.js';

export const DELIVERY_NOTICE_SENT = 'delivery.notice_sent';
export const DELIVERY_NOTICE_PERIOD_ENDED = 'delivery.notice_period_ended';
export const DELIVERY_TERMINATED = 'delivery.terminated';
/** Timer kind (src/jobs/timer-kinds.ts): the additional period of a notice ended. */
export const NOTICE_PERIOD_END_TIMER = 'delivery.notice_period_end';
export const noticePeriodTimerKey = (shopId: string, orderNumber: string) => `${NOTICE_PERIOD_END_TIMER}:${shopId}:${orderNumber}`;
/** The `order_refunds` key of a termination: one per order. */
export const terminationRefundKey = (orderNumber: string) => `delivery_terminated:${orderNumber}`;

/** SH-4: the shop owes delivery only for an order it may ship (PA-3: paid, financed, or on a deferred invoice). */
const NOTICE_STATES: readonly OrderState[] = ['paid', 'financed', 'payment_deferred'];

/** SH-4 is consumer law (L216-1…L216-7): a professional's order has no notice from the account. */
async function boughtByConsumer(q: Queryable, orderId: string): Promise<boolean> {
  const row = await q.selectFrom('orders').select('customer_kind').where('id', '=', orderId).executeTakeFirstOrThrow();
  return row.customer_kind === 'consumer';
}

export type DeliveryNotice = {
  sentAt: Date;
  /** The SH-4 due date the notice followed. */
  deliveryDueOn: CalendarDate;
  /** The last day of the additional period. */
  deliverBy: CalendarDate;
  /** The end of that day in the shop's time zone: termination possible from then. */
  periodEndsAt: Date;
  /** When the timer found the goods still not delivered (the customer was told), else null. */
  periodEndedAt: Date | null;
  terminatedAt: Date | null;
  /** Minor units: every sum paid going back (0: nothing was taken); null until terminated. */
  refund: number | null;
  /** L216-7: termination + 14 days; null when nothing is owed. */
  refundDueOn: CalendarDate | null;
};

type NoticeRow = {
  sent_at: Date;
  delivery_due_on: string;
  deliver_by: string;
  period_ends_at: Date;
  period_ended_at: Date | null;
  terminated_at: Date | null;
  refund_minor: string | null;
  refund_due_on: string | null;
};

const toNotice = (r: NoticeRow): DeliveryNotice => ({
  sentAt: r.sent_at,
  deliveryDueOn: r.delivery_due_on,
  deliverBy: r.deliver_by,
  periodEndsAt: r.period_ends_at,
  periodEndedAt: r.period_ended_at,
  terminatedAt: r.terminated_at,
  refund: r.refund_minor === null ? null : Number(r.refund_minor),
  refundDueOn: r.refund_due_on,
});

const noticeColumns = ['sent_at', 'delivery_due_on', 'deliver_by', 'period_ends_at', 'period_ended_at', 'terminated_at', 'refund_minor', 'refund_due_on'] as const;

/** The order's notice, its row locked (after the order's, see the header). */
async function lockNotice(tx: Tx, orderId: string): Promise<(NoticeRow & { id: string }) | undefined> {
  return tx.selectFrom('delivery_notices').select(['id', ...noticeColumns]).where('order_id', '=', orderId).forUpdate().executeTakeFirst();
}

const customerLabel = (customerId: string) => `customer:${customerId}`;
const nextDay = (date: CalendarDate) => parseCalendarDate(date).add({ days: 1 }).toString();

/** The customer's order (404 `order.not_found` for anyone else's), locked the engine's way. */
async function lockCustomerOrder(tx: Tx, input: { shopId: string; customerId: string; number: string }): Promise<{ order: Order; payments: Payment[] }> {
  await getOrderFor(tx, { shopId: input.shopId, number: input.number, customerId: input.customerId });
  return lockOrderWithPayments(tx, input.shopId, input.number);
}

// ---------------------------------------------------------------------------
// The customer's view

export type DeliveryDeadlineStatus = {
  number: string;
  state: OrderState;
  fulfilment: DeliveryProgress;
  currency: Currency;
  /** SH-4: the last day of delivery. */
  dueOn: CalendarDate;
  /** The shop's today. */
  today: CalendarDate;
  /** The due date has passed and the goods are not (all) delivered. */
  late: boolean;
  /** The first day a notice is possible (the day after the due date). */
  noticeFrom: CalendarDate;
  canSendNotice: boolean;
  /** The additional period the customer may choose today: its last day between `earliest` and `latest`, `default` when they do not choose. */
  deliverBy: { earliest: CalendarDate; default: CalendarDate; latest: CalendarDate };
  notice: DeliveryNotice | null;
  canTerminate: boolean;
};

function statusOf(order: Order, consumer: boolean, notice: DeliveryNotice | null, today: CalendarDate, now: Date): DeliveryDeadlineStatus {
  const fulfilment = order.fulfilment as DeliveryProgress;
  const late = order.state !== 'cancelled' && isDeliveryLate({ dueOn: order.deliveryDueOn, today, fulfilment });
  const t = parseCalendarDate(today, 'today');
  return {
    number: order.number,
    state: order.state,
    fulfilment,
    currency: order.currency,
    dueOn: order.deliveryDueOn,
    today,
    late,
    noticeFrom: nextDay(order.deliveryDueOn),
    canSendNotice: late && notice === null && consumer && NOTICE_STATES.includes(order.state),
    deliverBy: {
      earliest: t.add({ days: DELIVERY_NOTICE_PERIOD.minDays }).toString(),
      default: t.add({ days: DELIVERY_NOTICE_PERIOD.defaultDays }).toString(),
      latest: t.add({ days: DELIVERY_NOTICE_PERIOD.maxDays }).toString(),
    },
    notice,
    canTerminate:
      notice !== null &&
      notice.terminatedAt === null &&
      now.getTime() >= notice.periodEndsAt.getTime() &&
      order.state !== 'cancelled' &&
      fulfilment !== 'delivered' &&
      fulfilment !== 'partially_delivered',
  };
}

/** SH-4: where the signed-in customer's order stands with its delivery deadline (404 for anyone else's order). */
export async function getDeliveryDeadline(q: Queryable, input: { shopId: string; customerId: string; number: string; now: Date }): Promise<DeliveryDeadlineStatus> {
  const order = await getOrderFor(q, { shopId: input.shopId, number: input.number, customerId: input.customerId });
  const policy = await policyOfOrder(q, input.shopId, order.policyHash);
  const row = await q.selectFrom('delivery_notices').select(noticeColumns).where('order_id', '=', order.id).executeTakeFirst();
  return statusOf(order, await boughtByConsumer(q, order.id), row ? toNotice(row) : null, localDateIn(policy.shop.timeZone, input.now), input.now);
}

// ---------------------------------------------------------------------------
// The notice

export type SendNoticeInput = { shopId: string; customerId: string; number: string; deliverBy?: string | undefined; now: Date };

/**
 * SH-4 / L216-6: the customer enjoins the shop to deliver by `deliverBy` (see
 * the header). Refused: `delivery.not_late` (409: the due date has not passed,
 * with the first day a notice is possible), `delivery.already_delivered`,
 * `delivery.notice_not_applicable` (not paid, cancelled…), `delivery.notice_already_sent`,
 * `delivery.deliver_by_invalid` (422, field `deliverBy`).
 */
export async function sendDeliveryNotice(tx: Tx, input: SendNoticeInput): Promise<DeliveryDeadlineStatus> {
  const { shopId, now } = input;
  const { order } = await lockCustomerOrder(tx, input);
  const policy = await policyOfOrder(tx, shopId, order.policyHash);
  const timeZone = policy.shop.timeZone;
  const today = localDateIn(timeZone, now);
  const fulfilment = order.fulfilment as DeliveryProgress;
  if (!NOTICE_STATES.includes(order.state)) {
    throw new DomainError('delivery.notice_not_applicable', { field: 'number', rule: 'SH-4', state: order.state }, 'A notice is possible only for an order the shop has to deliver (paid, not cancelled).');
  }
  if (!(await boughtByConsumer(tx, order.id))) {
    throw new DomainError('delivery.notice_not_applicable', { field: 'number', rule: 'SH-4', customerKind: 'professional' }, 'The notice of L216-6 is a consumer\'s right: customer service handles a professional order.');
  }
  checkNoticeAllowed({ dueOn: order.deliveryDueOn, today, fulfilment });
  const existing = await lockNotice(tx, order.id);
  if (existing) throw new DomainError('delivery.notice_already_sent', { field: 'number', rule: 'SH-4', deliverBy: existing.deliver_by }, 'A notice was already sent for this order.');
  const deliverBy = noticeDeliverBy({ today, deliverBy: input.deliverBy });
  const { dueAt: periodEndsAt } = periodEnd({ from: now, period: { days: daysAfter(today, deliverBy), kind: 'calendar' }, timeZone, place: { country: order.deliveryAddress.country } });

  const row = await tx
    .insertInto('delivery_notices')
    .values({ shop_id: shopId, order_id: order.id, delivery_due_on: order.deliveryDueOn, sent_at: now, deliver_by: deliverBy, period_ends_at: periodEndsAt })
    .returning(noticeColumns)
    .executeTakeFirstOrThrow();
  await scheduleTimer(tx, { shopId, kind: NOTICE_PERIOD_END_TIMER, key: noticePeriodTimerKey(shopId, order.number), dueAt: periodEndsAt, payload: { orderNumber: order.number } }, now);
  await queueEmail(tx, { shopId, key: `${DELIVERY_NOTICE_SENT}:${shopId}:${order.number}`, email: noticeEmail(order, { sentOn: today, deliverBy }) }, now);
  await appendEvidence(tx, {
    shopId,
    kind: DELIVERY_NOTICE_SENT,
    subject: { type: 'order', id: order.number },
    actor: customerLabel(input.customerId),
    data: { number: order.number, rule: 'SH-4', deliveryDueOn: order.deliveryDueOn, deliverBy, periodEndsAt: periodEndsAt.toISOString(), fulfilment },
    at: now,
  });
  return statusOf(order, true, toNotice(row), today, now);
}

/**
 * Timer `delivery.notice_period_end` (SH-4): the additional period ended. Goods
 * still not delivered (and the order not cancelled) → the customer is told
 * they may terminate; proven by `delivery.notice_period_ended`.
 */
export async function endNoticePeriod(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const orderNumber = timer.payload['orderNumber'];
  if (typeof orderNumber !== 'string') throw new Error(`${timer.kind} timer ${timer.key} has no orderNumber`);
  const { order } = await lockOrderWithPayments(tx, timer.shopId, orderNumber);
  const notice = await lockNotice(tx, order.id);
  if (!notice || notice.terminated_at !== null || notice.period_ended_at !== null) return;
  if (order.state === 'cancelled' || order.fulfilment === 'delivered') return; // delivered in time, or cancelled meanwhile
  await tx.updateTable('delivery_notices').set({ period_ended_at: now }).where('id', '=', notice.id).execute();
  const partlyDelivered = order.fulfilment === 'partially_delivered';
  await queueEmail(tx, { shopId: timer.shopId, key: `${DELIVERY_NOTICE_PERIOD_ENDED}:${timer.shopId}:${order.number}`, email: periodEndedEmail(order, { deliverBy: notice.deliver_by, partlyDelivered }) }, now);
  await appendEvidence(tx, {
    shopId: timer.shopId,
    kind: DELIVERY_NOTICE_PERIOD_ENDED,
    subject: { type: 'order', id: order.number },
    actor: 'system',
    data: { number: order.number, rule: 'SH-4', deliverBy: notice.deliver_by, fulfilment: order.fulfilment },
    at: now,
  });
}

// ---------------------------------------------------------------------------
// The termination

export type Termination = {
  number: string;
  terminatedAt: Date;
  currency: Currency;
  /** Every sum paid going back (minor units; 0 when nothing was taken). */
  refund: number;
  /** L216-7: termination + 14 days (null when nothing is owed). */
  refundDueOn: CalendarDate | null;
  /** What the cancellation did with each payment (and instalment plan). */
  payments: PaymentSettlement[];
  /** Parcels shipped and not back when the contract ended (they may still arrive: refused or sent back). */
  parcelsOnTheWay: string[];
};

export type TerminateInput = { shopId: string; customerId: string; number: string; now: Date };

type ParcelRow = { number: string; state: string; position: number; quantity: number };

/**
 * SH-4 / L216-6 / L216-7: the customer terminates the contract (see the
 * header). Refused: `delivery.no_notice`, `delivery.notice_period_running`
 * (with the day termination becomes possible), `delivery.already_terminated`,
 * `delivery.already_delivered`, `delivery.partially_delivered` (all 409), and
 * what the cancellation refuses (`order.illegal_transition`,
 * `order.cancellation_not_supported` for a deferred invoice).
 */
export async function terminateLateDelivery(tx: Tx, input: TerminateInput): Promise<Termination> {
  const { shopId, now } = input;
  const locked = await lockCustomerOrder(tx, input);
  const { order } = locked;
  const notice = await lockNotice(tx, order.id);
  if (!notice) {
    throw new DomainError('delivery.no_notice', { field: 'number', rule: 'SH-4', noticeFrom: nextDay(order.deliveryDueOn) }, 'Send a notice to deliver first; termination is possible once its period has ended.');
  }
  if (notice.terminated_at !== null) throw new DomainError('delivery.already_terminated', { field: 'number', rule: 'SH-4' }, 'The contract of this order was already terminated.');
  if (now.getTime() < notice.period_ends_at.getTime()) {
    throw new DomainError('delivery.notice_period_running', { field: 'number', rule: 'SH-4', deliverBy: notice.deliver_by, terminateFrom: nextDay(notice.deliver_by) }, `The shop may deliver until ${notice.deliver_by}.`);
  }
  if (order.fulfilment === 'delivered') throw new DomainError('delivery.already_delivered', { field: 'number', rule: 'SH-4' }, 'This order was delivered.');
  if (order.fulfilment === 'partially_delivered') {
    throw new DomainError('delivery.partially_delivered', { field: 'number', rule: 'SH-4' }, 'Part of this order was delivered: customer service terminates the sale of the missing items.');
  }
  const policy = await policyOfOrder(tx, shopId, order.policyHash);
  const timeZone = policy.shop.timeZone;
  const { lastDay: dueOn } = periodEnd({ from: now, period: MONEY_BACK_WITHIN, timeZone, place: { country: order.deliveryAddress.country } });
  const key = terminationRefundKey(order.number);

  // PA-4: once collections started, the cancellation has the partner refund what it collected (src/app/order-cancellation.ts).
  const instalmentsCollected =
    order.paymentMethod === 'instalments' &&
    (await tx.selectFrom('instalment_plans').select('collections_started_at').where('order_id', '=', order.id).where('cancelled_at', 'is', null).executeTakeFirst())?.collections_started_at != null;

  const parcels = await shippedParcels(tx, order.id);
  const onTheWay = [...new Set(parcels.filter((p) => p.state !== 'returned').map((p) => p.number))];
  // Money the cancellation will give back (the same rule it applies, OR-7): a capture, one announced, a transfer received.
  const moneyTaken =
    instalmentsCollected ||
    locked.payments.some((p) => (p.providerSessionId === null ? p.captured - p.refundRequested > 0 : ['refund', 'refund_on_capture'].includes(moneyBackFor(p).action)));
  const emailLines = [
    ...(moneyTaken
      ? [
          {
            fr: `Conformément à l'article L216-7 du Code de la consommation, les sommes versées vous seront remboursées au plus tard le ${legalDate(dueOn, 'fr')}.`,
            en: `As article L216-7 of the French Consumer Code requires, the money paid will be refunded by ${legalDate(dueOn, 'en')} at the latest.`,
          },
        ]
      : []),
    ...(onTheWay.length > 0
      ? [
          {
            fr: `Déjà expédié, le colis ${onTheWay.join(', ')} pourrait encore vous parvenir : refusez-le à la livraison ou, s'il vous est remis, renvoyez-le-nous à nos frais en répondant à ce message.`,
            en: `Already shipped, parcel ${onTheWay.join(', ')} may still reach you: refuse it at delivery or, if it is handed to you, send it back at our cost by replying to this message.`,
          },
        ]
      : []),
  ];
  // PA-3 (PF): what was never captured of the authorisation is released — asked before the cancellation refunds the
  // captured part, so the provider sees the release first (a provider that refuses it afterwards leaves the hold to lapse).
  for (const p of locked.payments) {
    if (p.captureMode === 'manual' && p.voidRequestedAt === null && p.captureRequested > 0 && p.captureRequested < p.authorised) {
      await releaseAuthorisationRemainder(tx, { shopId, paymentId: p.id, now });
    }
  }
  const cancellation = await cancelForLateDelivery(tx, locked, { shopId, customerLabel: customerLabel(input.customerId), emailLines, now });


  // The refund owed, from the cancellation's settlement (no second refund): its L216-7 due date.
  const settled: SettledPayment[] = [
    ...cancellation.payments
      .filter((s) => s.amount > 0 && (s.action === 'refund' || s.action === 'refund_on_capture' || s.action === 'refund_due' || s.action === 'partner_refund'))
      .map((s): SettledPayment => ({ paymentId: s.paymentId, action: s.action === 'refund_due' ? 'transfer_due' : s.action === 'partner_refund' ? 'partner_refund' : 'provider_refund', amount: s.amount })),
  ];
  const refund = settled.reduce((n, s) => n + s.amount, 0);
  const refundDueOn = refund > 0 ? dueOn : null;
  await tx
    .insertInto('order_refunds')
    .values({
      shop_id: shopId,
      order_id: order.id,
      key,
      reason: 'delivery_terminated',
      rule: 'SH-4',
      currency: order.currency,
      amount_minor: refund,
      due_on: refundDueOn,
      settlement: JSON.stringify(settled),
      created_by: customerLabel(input.customerId),
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['shop_id', 'key']).doNothing())
    .execute();
  await tx.updateTable('delivery_notices').set({ terminated_at: now, refund_minor: refund, refund_due_on: refundDueOn }).where('id', '=', notice.id).execute();
  await cancelTimer(tx, noticePeriodTimerKey(shopId, order.number), now); // the runner may not have fired it yet

  await appendEvidence(tx, {
    shopId,
    kind: DELIVERY_TERMINATED,
    subject: { type: 'order', id: order.number },
    actor: customerLabel(input.customerId),
    data: {
      number: order.number,
      rule: 'SH-4',
      deliveryDueOn: notice.delivery_due_on,
      deliverBy: notice.deliver_by,
      noticeSentAt: notice.sent_at.toISOString(),
      fulfilment: order.fulfilment,
      refund,
      currency: order.currency,
      refundDueOn,
      payments: settled.map((s) => ({ ...s })),
      parcelsOnTheWay: onTheWay,
    },
    at: now,
  });
  return { number: order.number, terminatedAt: now, currency: order.currency, refund, refundDueOn, payments: cancellation.payments, parcelsOnTheWay: onTheWay };
}

/** The order's parcels that left (not cancelled, not SH-8 replacements), one row per line. */
async function shippedParcels(tx: Tx, orderId: string): Promise<ParcelRow[]> {
  return tx
    .selectFrom('shipments as s')
    .innerJoin('shipment_lines as sl', 'sl.shipment_id', 's.id')
    .select(['s.number', 's.state', 'sl.position', 'sl.quantity'])
    .where('s.order_id', '=', orderId)
    .where('s.shipped_at', 'is not', null)
    .where('s.state', '<>', 'cancelled')
    .where('s.replaces_shipment_id', 'is', null)
    .orderBy('s.id')
    .orderBy('sl.position')
    .execute();
}

// ---------------------------------------------------------------------------
// The back office

export type AtRiskOrder = {
  number: string;
  email: string;
  state: OrderState;
  fulfilment: DeliveryProgress;
  placedAt: Date;
  dueOn: CalendarDate;
  risk: 'past_due' | 'due_soon';
  /** Days past the due date (negative: days left). */
  daysLate: number;
  notice: { sentAt: Date; deliverBy: CalendarDate; periodEnded: boolean } | null;
};

export type TerminatedOrder = {
  number: string;
  email: string;
  terminatedAt: Date;
  currency: Currency;
  refund: number;
  refundDueOn: CalendarDate | null;
  /** Gone back so far (provider refunds confirmed, transfers recorded by staff, the partner's refund). */
  refunded: number;
  /** The day the last part went back, when all of it did. */
  refundedOn: CalendarDate | null;
  /** L241-4, as of today (or of the day it was all refunded). */
  surcharge: LateRefundSurcharge | null;
};

export type DeliveryDeadlineWatch = { today: CalendarDate; withinDays: number; atRisk: AtRiskOrder[]; terminated: TerminatedOrder[] };

/**
 * SH-4, for the back office: orders due within AT_RISK_WITHIN_DAYS days or
 * past due, not delivered, not cancelled (the most urgent first, with the
 * customer's notice if any), and the terminated orders (newest first) with
 * the refund, its due date, what went back and the L241-4 surcharge when late.
 */
export async function deliveryDeadlineWatch(q: Queryable, input: { shopId: string; timeZone: string; now: Date; limit?: number }): Promise<DeliveryDeadlineWatch> {
  const { shopId } = input;
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? 200) || 200, 1), 500);
  const today = localDateIn(input.timeZone, input.now);
  const horizon = parseCalendarDate(today).add({ days: AT_RISK_WITHIN_DAYS }).toString();
  const risky = await q
    .selectFrom('orders as o')
    .leftJoin('delivery_notices as n', 'n.order_id', 'o.id')
    .select(['o.number', 'o.email', 'o.state', 'o.fulfilment', 'o.placed_at', 'o.delivery_due_on', 'n.sent_at', 'n.deliver_by', 'n.period_ended_at'])
    .where('o.shop_id', '=', shopId)
    .where('o.state', '<>', 'cancelled')
    .where('o.fulfilment', '<>', 'delivered')
    .where('o.delivery_due_on', '<=', horizon)
    .orderBy('o.delivery_due_on')
    .orderBy('o.placed_at')
    .orderBy('o.id')
    .limit(limit)
    .execute();
  const atRisk = risky.map((r): AtRiskOrder => ({
    number: r.number,
    email: r.email,
    state: r.state,
    fulfilment: r.fulfilment as DeliveryProgress,
    placedAt: r.placed_at,
    dueOn: r.delivery_due_on,
    risk: deliveryRisk({ dueOn: r.delivery_due_on, today, fulfilment: r.fulfilment as DeliveryProgress }) ?? 'due_soon',
    daysLate: daysAfter(r.delivery_due_on, today),
    notice: r.sent_at && r.deliver_by ? { sentAt: r.sent_at, deliverBy: r.deliver_by, periodEnded: r.period_ended_at !== null } : null,
  }));

  const ended = await q
    .selectFrom('delivery_notices as n')
    .innerJoin('orders as o', 'o.id', 'n.order_id')
    .leftJoin('order_refunds as r', (j) => j.onRef('r.shop_id', '=', 'n.shop_id').on('r.reason', '=', 'delivery_terminated').onRef('r.order_id', '=', 'n.order_id'))
    .select(['o.number', 'o.email', 'o.currency', 'n.terminated_at', 'n.refund_minor', 'n.refund_due_on', 'r.key', 'r.settlement'])
    .where('n.shop_id', '=', shopId)
    .where('n.terminated_at', 'is not', null)
    .orderBy('n.terminated_at', 'desc')
    .orderBy('n.id', 'desc')
    .limit(limit)
    .execute();
  const made = await refundsMade(q, shopId, input.timeZone, ended.map((e) => ({ number: e.number, settlement: (e.settlement ?? []) as SettledPayment[], since: e.terminated_at! })));
  const terminated = ended.map((e, i): TerminatedOrder => {
    const currency = e.currency as Currency;
    const refund = Number(e.refund_minor ?? 0);
    const parts = made[i]!;
    const refunded = Math.min(refund, parts.reduce((n, p) => n + p.amount, 0));
    const refundedOn = refund > 0 && refunded === refund ? parts.reduce((d, p) => (p.on > d ? p.on : d), '0000-01-01') : null;
    const surcharge =
      e.refund_due_on === null || refund === 0
        ? null
        : lateRefundSurcharge({ dueOn: e.refund_due_on, due: money(refund, currency), refunds: parts.map((p): RefundMade => ({ on: p.on, amount: money(p.amount, currency) })), asOf: refundedOn ?? today });
    return { number: e.number, email: e.email, terminatedAt: e.terminated_at!, currency, refund, refundDueOn: e.refund_due_on, refunded, refundedOn, surcharge };
  });
  return { today, withinDays: AT_RISK_WITHIN_DAYS, atRisk, terminated };
}

/**
 * What went back of each termination's refund, and on which day (shop's
 * calendar): the provider's refunds confirmed after the termination, the
 * refund transfers staff recorded (their `transferredOn`), the partner's
 * refund of collected instalments. Three queries for the whole list.
 */
async function refundsMade(q: Queryable, shopId: string, timeZone: string, terminations: readonly { number: string; settlement: readonly SettledPayment[]; since: Date }[]): Promise<{ on: CalendarDate; amount: number }[][]> {
  const paymentIds = [...new Set(terminations.flatMap((t) => t.settlement.filter((s) => s.action === 'provider_refund' || s.action === 'transfer_due').map((s) => s.paymentId)))];
  const events =
    paymentIds.length === 0
      ? []
      : await q
          .selectFrom('payment_events')
          .select(['payment_id', 'type', 'received_at', 'data'])
          .where('payment_id', 'in', paymentIds)
          .where('type', 'in', ['payment.refunded', 'bank_transfer.refunded'])
          .orderBy('id')
          .execute();
  // PA-4: the partner's refund is the cancellation's (its key names the order).
  const keys = terminations.map((t) => cancellationRefundKey(t.number));
  const partner =
    keys.length === 0
      ? []
      : await q
          .selectFrom('instalment_refunds as ir')
          .innerJoin('instalment_plans as p', 'p.id', 'ir.plan_id')
          .innerJoin('orders as o', 'o.id', 'p.order_id')
          .select(['ir.key', 'ir.partner_refund_minor', 'ir.partner_refunded_at'])
          .where('o.shop_id', '=', shopId)
          .where('ir.key', 'in', keys)
          .where('ir.partner_refunded_at', 'is not', null)
          .execute();
  return terminations.map((t) => {
    const ids = new Set(t.settlement.map((s) => s.paymentId));
    const parts = events
      .filter((e) => ids.has(e.payment_id) && e.received_at.getTime() >= t.since.getTime())
      .map((e) => {
        const data = e.data as { amount?: unknown; transferredOn?: unknown };
        const on = e.type === 'bank_transfer.refunded' && typeof data.transferredOn === 'string' ? data.transferredOn : localDateIn(timeZone, e.received_at);
        return { on, amount: typeof data.amount === 'number' ? data.amount : 0 };
      });
    for (const r of partner.filter((p) => p.key === cancellationRefundKey(t.number))) parts.push({ on: localDateIn(timeZone, r.partner_refunded_at!), amount: Number(r.partner_refund_minor) });
    return parts;
  });
}

// ---------------------------------------------------------------------------
// The customer's emails (FR / EN by the order's language; French is the reference)

const closing = (fr: boolean) => replyClosing(fr ? 'fr' : 'en');

/** SH-4: the notice is acknowledged, with the period it gives the shop and what happens after. */
function noticeEmail(order: Order, input: { sentOn: CalendarDate; deliverBy: CalendarDate }): EmailPayload {
  const fr = order.language === 'fr';
  const n = order.number;
  const d = (date: CalendarDate) => legalDate(date, order.language);
  return orderEmail(order, fr ? `Commande ${n} : votre demande de livraison est enregistrée` : `Order ${n}: your notice to deliver is recorded`, [
    fr
      ? `Nous avons bien reçu le ${d(input.sentOn)} votre demande de livraison de la commande ${n}, qui devait vous être livrée au plus tard le ${d(order.deliveryDueOn)}.`
      : `We received on ${d(input.sentOn)} your notice to deliver order ${n}, which was due to be delivered by ${d(order.deliveryDueOn)} at the latest.`,
    fr
      ? `Comme vous nous l'avez demandé (article L216-6 du Code de la consommation), nous devons vous livrer au plus tard le ${d(input.deliverBy)}.`
      : `As you asked (article L216-6 of the French Consumer Code), we must deliver it by ${d(input.deliverBy)} at the latest.`,
    fr
      ? `Si elle ne vous est pas livrée à cette date, vous pourrez résoudre la vente depuis votre compte à partir du ${d(nextDay(input.deliverBy))} : toutes les sommes versées vous seront alors remboursées au plus tard 14 jours après (article L216-7).`
      : `If it is not delivered by then, you may terminate the contract from your account from ${d(nextDay(input.deliverBy))}: all the money paid will then be refunded within 14 days (article L216-7).`,
    '',
    closing(fr),
  ]);
}

/** SH-4: the additional period ended and the order is not delivered: the customer may terminate. */
function periodEndedEmail(order: Order, input: { deliverBy: CalendarDate; partlyDelivered: boolean }): EmailPayload {
  const fr = order.language === 'fr';
  const n = order.number;
  const d = (date: CalendarDate) => legalDate(date, order.language);
  const next = input.partlyDelivered
    ? [
        fr
          ? `Une partie de la commande vous a été livrée : pour résoudre la vente des articles manquants, répondez à ce message.`
          : `Part of the order was delivered: to terminate the contract for the missing items, reply to this message.`,
      ]
    : [
        fr
          ? `Vous pouvez résoudre la vente depuis votre compte (Mes commandes, commande ${n}) : la commande sera annulée et toutes les sommes versées vous seront remboursées au plus tard 14 jours après (article L216-7 du Code de la consommation).`
          : `You may terminate the contract from your account (My orders, order ${n}): the order will be cancelled and all the money paid refunded within 14 days (article L216-7 of the French Consumer Code).`,
        fr ? 'Vous pouvez aussi choisir d\u2019attendre la livraison : vous n\u2019avez alors rien à faire.' : 'You may also choose to wait for the delivery: then there is nothing to do.',
      ];
  return orderEmail(order, fr ? `Commande ${n} non livrée : vous pouvez résoudre la vente` : `Order ${n} not delivered: you may terminate the contract`, [
    fr
      ? `Le délai supplémentaire que vous nous aviez accordé pour livrer la commande ${n} a pris fin le ${d(input.deliverBy)}, sans que la commande vous ait été livrée.`
      : `The additional period you gave us to deliver order ${n} ended on ${d(input.deliverBy)}, and the order was not delivered.`,
    ...next,
    '',
    closing(fr),
  ]);
}

