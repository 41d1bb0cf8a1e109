// Issue 6 §3–5: a return authorisation from the statement to the refund
// (WD-5, WD-6, WD-8, RF-1…RF-6). The statement itself: src/app/withdrawals.ts.
//
//   authorised ─▶ sent_back (proof of shipment, RF-1) ─▶ received ─▶ refunded
//        └──────────────────────────────────────────▶ received ─▶ inspected (nothing accepted)
//   inspected (refused items kept, WD-8) ─▶ closed (keeping period over)
//
// - recordReturnShipment: the customer (or staff) records the tracking number
//   of the parcel sent back — a proof of shipment, which starts the refund
//   clock if it comes before the goods (RF-1).
// - receiveReturn: the goods are at the warehouse.
// - inspectReturn: per line accepted, accepted with a depreciation (amount and
//   reason), or refused (reason); then, in the same transaction, THE refund
//   calculator (src/domain/returns/refund-calculation.ts) and THE refund
//   executor (`refundOrderAmount`: same means of payment, RF-3, or store
//   credit on the customer's request, RF-4), the accepted units back in
//   stock, the refused ones kept for the customer until a date (WD-8, timer),
//   the email and `return.inspected` last.
// - RF-1 due date: the notice + 14 days, the law whatever the shop declares;
//   the shop may wait for the goods or the proof of shipment, whichever comes
//   first, so a refund is late only after both that day and the due date.
//   When late, the L242-4 surcharge (src/domain/returns/withdrawal-late-refund.ts).
//
// Locks: the order's payments → the order → the return → stock → evidence head.
import { createHash } from 'node:crypto';
import type { ReturnSlipContent } from '../adapters/pdf/return-slip-pdf.js';
import { localDateIn } from '../domain/calendar/local-date.js';
import { periodEnd } from '../domain/calendar/period-end.js';
import { DomainError } from '../domain/errors.js';
import { formatMoney, money, type Currency } from '../domain/money.js';
import { lineAmountFor } from '../domain/fulfilment/fulfilment-plan.js';
import { creditLessKept } from '../domain/invoices/credit-note-content.js';
import { calculateRefund, type RefundCalculation } from '../domain/returns/refund-calculation.js';
import { legalInterestRate } from '../domain/returns/legal-interest-rate.js';
import { withdrawalLateRefundSurcharge } from '../domain/returns/withdrawal-late-refund.js';
import { quoteShipping } from '../domain/shipping/shipping-quote.js';
import type { Policy } from '../policy/schema.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import { inTransaction, type Queryable, type Tx } from '../store/db.js';
import { appendEvidence, type EvidenceData, type NewEvidence } from '../store/evidence.js';
import type { ReturnChannel, ReturnPurpose, ReturnState } from '../store/schema.js';
import { scheduleTimer, type DueTimer } from '../store/timers.js';
import { queueEmail } from './emails.js';
import { issueComplementaryInvoice, issueCreditNote } from './credit-notes.js';
import { restockUnits } from './fulfilment.js';
import { settledUnits } from './settled-units.js';
import { refundOrderAmount, type SettledPayment } from './order-refunds.js';
import { loadOrder, lockOrderWithPayments, policyOfOrder, type Order } from './orders.js';
import { refusedKeepingOverEmail, returnInspectedEmail, sendBackOverdueEmail } from './return-emails.js';

export const RETURN_SENT_BACK = 'return.sent_back';
export const RETURN_RECEIVED = 'return.received';
export const RETURN_INSPECTED = 'return.inspected';
export const RETURN_CLOSED = 'return.closed';
export const RETURN_SEND_BACK_OVERDUE = 'return.send_back_overdue';
export const RETURN_REFUND_OVERDUE = 'return.refund_overdue';
export const REFUSED_RESEND_REQUESTED = 'return.refused_resend_requested';

/** WD-6: the customer's days to send the goods have passed. */
export const SEND_BACK_DUE_TIMER = 'return.send_back_due';
/** RF-1: the refund's legal due date. */
export const REFUND_DUE_TIMER = 'return.refund_due';
/** WD-8: the refused items' keeping period ends. */
export const REFUSED_KEPT_TIMER = 'return.refused_kept_end';

export type ReturnAddress = { name: string; line1: string; line2: string | null; postalCode: string | null; city: string; country: string };
export type ReturnLabel = { carrier: string; trackingNumber: string; trackingUrl: string; prepaid: boolean };
export type InspectionOutcome = 'accepted' | 'depreciated' | 'refused';

export type ReturnLine = {
  position: number;
  sku: string;
  name: { fr: string; en: string };
  quantity: number;
  exchangeVariantId: string | null;
  outcome: InspectionOutcome | null;
  acceptedQuantity: number | null;
  depreciation: number;
  reason: string | null;
};

export type ReturnRefund = RefundCalculation & {
  /** What the executor gave back (less than `refund` when part was never taken, PA-3). */
  executed: number;
  dueOn: string | null;
  settlement: SettledPayment[];
  to: 'original_payment' | 'store_credit';
  /** L242-4: the surcharge owed because the refund was made after its due date (0 when on time). */
  lateSurcharge: number;
  daysLate: number;
  /** DOC-1: the credit note of what is given back (null when the order had no invoice yet). */
  creditNote: string | null;
  /** RF-5: the complementary invoice of the charges (gift kept, bundle re-priced). */
  complementaryInvoice: string | null;
};

export type Return = {
  number: string;
  orderNumber: string;
  currency: Currency;
  purpose: ReturnPurpose;
  channel: ReturnChannel;
  sentAt: Date;
  recordedAt: Date;
  recordedBy: string;
  name: string;
  email: string;
  statementSha256: string;
  /** The last day of the period the statement was sent in (WD-1/WD-2). */
  periodLastDay: string;
  state: ReturnState;
  /** WD-6: the customer sends the goods by this day. */
  sendBy: string;
  returnAddress: ReturnAddress;
  label: ReturnLabel | null;
  refundTo: 'original_payment' | 'store_credit';
  /** RF-1: the notice + 14 days. */
  refundDueOn: string;
  /** RF-1: the day the refund is late after — the due date, or the first of goods back / proof of shipment if later; null while waiting for both. */
  refundLateAfter: string | null;
  shippedTracking: string | null;
  shippedRecordedAt: Date | null;
  receivedAt: Date | null;
  inspectedAt: Date | null;
  inspectedBy: string | null;
  refund: ReturnRefund | null;
  refundedAt: Date | null;
  refusedKeptUntil: string | null;
  refusedResendRequestedAt: Date | null;
  lines: ReturnLine[];
};

/** The return's own page (the acknowledgment links to it with its token). */
export const returnPagePath = (number: string): string => `/returns/${encodeURIComponent(number)}`;

// ---------------------------------------------------------------------------
// Reading

type ReturnWhere = { shopId: string; number?: string; orderId?: string; customerId?: string; open?: boolean; limit?: number };

async function returnsWhere(q: Queryable, where: ReturnWhere): Promise<Return[]> {
  let query = q
    .selectFrom('returns as r')
    .innerJoin('orders as o', 'o.id', 'r.order_id')
    .selectAll('r')
    .select(['o.number as order_number', 'o.currency', 'o.policy_hash'])
    .where('r.shop_id', '=', where.shopId);
  if (where.number !== undefined) query = query.where('r.number', '=', where.number);
  if (where.orderId !== undefined) query = query.where('r.order_id', '=', where.orderId);
  if (where.customerId !== undefined) query = query.where('o.customer_id', '=', where.customerId);
  if (where.open) query = query.where('r.state', 'not in', ['refunded', 'closed']);
  const rows = await query.orderBy('r.refund_due_on').orderBy('r.id').limit(Math.min(Math.max(where.limit ?? 200, 1), 500)).execute();
  if (rows.length === 0) return [];
  const [lines, orderLines] = await Promise.all([
    q.selectFrom('return_lines').selectAll().where('return_id', 'in', rows.map((r) => r.id)).orderBy('position').execute(),
    q.selectFrom('order_lines').select(['order_id', 'position', 'sku', 'name_fr', 'name_en']).where('order_id', 'in', [...new Set(rows.map((r) => r.order_id))]).execute(),
  ]);
  const timeZones = new Map<string, string>();
  for (const r of rows) if (!timeZones.has(r.policy_hash)) timeZones.set(r.policy_hash, (await policyOfOrder(q, where.shopId, r.policy_hash)).shop.timeZone);
  return rows.map((r) => {
    const statement = r.statement as { name?: string; email?: string };
    const timeZone = timeZones.get(r.policy_hash)!;
    return {
      number: r.number,
      orderNumber: r.order_number,
      currency: r.currency as Currency,
      purpose: r.purpose,
      channel: r.channel,
      sentAt: r.sent_at,
      recordedAt: r.recorded_at,
      recordedBy: r.recorded_by,
      name: statement.name ?? '',
      email: statement.email ?? '',
      statementSha256: r.statement_sha256,
      periodLastDay: r.period_last_day,
      state: r.state,
      sendBy: r.send_by,
      returnAddress: r.return_address as unknown as ReturnAddress,
      label: r.label as unknown as ReturnLabel | null,
      refundTo: r.refund_to,
      refundDueOn: r.refund_due_on,
      refundLateAfter: lateAfter(r.refund_due_on, [r.received_at, r.shipped_recorded_at], timeZone),
      shippedTracking: r.shipped_tracking,
      shippedRecordedAt: r.shipped_recorded_at,
      receivedAt: r.received_at,
      inspectedAt: r.inspected_at,
      inspectedBy: r.inspected_by,
      refund: r.refund as unknown as ReturnRefund | null,
      refundedAt: r.refunded_at,
      refusedKeptUntil: r.refused_kept_until,
      refusedResendRequestedAt: r.refused_resend_requested_at,
      lines: lines
        .filter((l) => l.return_id === r.id)
        .map((l) => {
          const line = orderLines.find((o) => o.order_id === r.order_id && o.position === l.position);
          return {
            position: l.position,
            sku: line?.sku ?? '',
            name: { fr: line?.name_fr ?? '', en: line?.name_en ?? '' },
            quantity: l.quantity,
            exchangeVariantId: l.exchange_variant_id,
            outcome: l.outcome,
            acceptedQuantity: l.accepted_quantity,
            depreciation: Number(l.depreciation_minor),
            reason: l.reason,
          };
        }),
    };
  });
}

/**
 * RF-1: the shop may wait for the goods or the proof of shipment, whichever
 * comes first; the refund is late after the later of that day and the due
 * date. Null while neither has come: not late yet, whatever the date.
 */
function lateAfter(dueOn: string, facts: readonly (Date | null)[], timeZone: string): string | null {
  const first = facts.filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0];
  if (!first) return null;
  const arrived = localDateIn(timeZone, first);
  return arrived > dueOn ? arrived : dueOn;
}

export async function getReturn(q: Queryable, input: { shopId: string; number: string }): Promise<Return> {
  const [found] = await returnsWhere(q, { shopId: input.shopId, number: input.number });
  if (!found) throw new DomainError('return.not_found', { field: 'number', rule: 'WD-5' }, `No return ${input.number}.`);
  return found;
}

/** The returns of an order (the caller checked who may read it), oldest first. */
export async function listReturnsOfOrder(q: Queryable, input: { shopId: string; order: Pick<Order, 'id'> }): Promise<Return[]> {
  return (await returnsWhere(q, { shopId: input.shopId, orderId: input.order.id })).sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime());
}

export type QueuedReturn = Return & { late: boolean; daysLate: number; surchargeIfRefundedToday: number };

/**
 * The back office's queue: open returns by their refund's legal due date,
 * late ones flagged with the L242-4 surcharge owed if refunded today.
 */
export async function returnsQueue(q: Queryable, input: { shopId: string; now: Date; all?: boolean }): Promise<QueuedReturn[]> {
  const returns = await returnsWhere(q, { shopId: input.shopId, open: input.all !== true, limit: 500 });
  const out: QueuedReturn[] = [];
  for (const r of returns) {
    const order = (await loadOrder(q, { shopId: input.shopId, number: r.orderNumber }))!;
    const timeZone = (await policyOfOrder(q, input.shopId, order.policyHash)).shop.timeZone;
    const today = localDateIn(timeZone, input.now);
    const owed = r.refund === null ? estimatedRefund(order, r) : 0;
    const late = r.refund === null && r.refundLateAfter !== null && today > r.refundLateAfter && owed > 0;
    const surcharge = late ? surchargeOn(r.refundLateAfter!, today, owed, order.currency) : { total: 0, daysLate: 0 };
    out.push({ ...r, late, daysLate: surcharge.daysLate, surchargeIfRefundedToday: surcharge.total });
  }
  return out;
}

/** What the named units cost the customer (their lines spread to the cent), before inspection: the base of a late surcharge estimate. */
function estimatedRefund(order: Order, r: Return): number {
  return r.lines.reduce((sum, l) => {
    const line = order.lines.find((o) => o.position === l.position);
    return line ? sum + lineAmountFor(line, 0, l.quantity) : sum;
  }, 0);
}

function surchargeOn(dueOn: string, on: string, amount: number, currency: Currency): { total: number; daysLate: number } {
  const s = withdrawalLateRefundSurcharge({
    dueOn,
    asOf: on,
    amount: money(amount, currency),
    refunds: [{ on, amount: money(amount, currency) }],
    legalInterestBasisPoints: legalInterestRate(dueOn).basisPoints,
  });
  return { total: s.total.amount, daysLate: s.daysLate };
}

// ---------------------------------------------------------------------------
// Sent back, received

export async function lockReturn(tx: Tx, shopId: string, number: string): Promise<{ order: Order; payments: Awaited<ReturnType<typeof lockOrderWithPayments>>['payments']; ret: Return; id: string }> {
  const found = await getReturn(tx, { shopId, number });
  const { order, payments } = await lockOrderWithPayments(tx, shopId, found.orderNumber);
  const row = await tx.selectFrom('returns').select(['id']).where('shop_id', '=', shopId).where('number', '=', number).forUpdate().executeTakeFirstOrThrow();
  return { order, payments, ret: await getReturn(tx, { shopId, number }), id: row.id };
}

const trackingPattern = /^[A-Za-z0-9-]{3,60}$/;

/** RF-1: the proof of shipment (tracking number of the parcel sent back). The caller checked the customer may read the order, or is staff. */
export async function recordReturnShipment(db: Queryable, input: { shopId: string; returnNumber: string; trackingNumber: string; by: string; now: Date }): Promise<Return> {
  const tracking = input.trackingNumber.trim();
  if (!trackingPattern.test(tracking)) throw new DomainError('return.invalid_tracking', { field: 'trackingNumber', rule: 'RF-1' }, 'Give the tracking number of the parcel (letters, digits, dashes).');
  return inTransaction(db, async (tx) => {
    const { order, ret, id } = await lockReturn(tx, input.shopId, input.returnNumber);
    if (ret.state === 'sent_back' && ret.shippedTracking === tracking) return ret;
    if (ret.state !== 'authorised') throw new DomainError('return.illegal_transition', { field: 'trackingNumber', rule: 'RF-1', from: ret.state, to: 'sent_back' }, 'This return is past that step.');
    await tx.updateTable('returns').set({ state: 'sent_back', shipped_tracking: tracking, shipped_recorded_at: input.now }).where('id', '=', id).execute();
    await appendEvidence(tx, { shopId: input.shopId, kind: RETURN_SENT_BACK, subject: { type: 'order', id: order.number }, actor: input.by, data: { number: order.number, return: ret.number, rule: 'RF-1', trackingNumber: tracking }, at: input.now });
    return getReturn(tx, { shopId: input.shopId, number: ret.number });
  });
}

/** The goods are back at the warehouse (staff). */
export async function receiveReturn(db: Queryable, input: { shopId: string; returnNumber: string; actor: Actor; now: Date }): Promise<Return> {
  return inTransaction(db, async (tx) => {
    const { order, ret, id } = await lockReturn(tx, input.shopId, input.returnNumber);
    if (ret.receivedAt !== null) return ret;
    if (ret.state !== 'authorised' && ret.state !== 'sent_back') throw new DomainError('return.illegal_transition', { field: 'number', rule: 'WD-8', from: ret.state, to: 'received' });
    await tx.updateTable('returns').set({ state: 'received', received_at: input.now }).where('id', '=', id).execute();
    await recordAudit(tx, { shopId: input.shopId, actor: input.actor, action: RETURN_RECEIVED, target: `return:${ret.number}`, details: { order: order.number }, at: input.now });
    await appendEvidence(tx, { shopId: input.shopId, kind: RETURN_RECEIVED, subject: { type: 'order', id: order.number }, actor: actorLabel(input.actor), data: { number: order.number, return: ret.number, rule: 'WD-8' }, at: input.now });
    return getReturn(tx, { shopId: input.shopId, number: ret.number });
  });
}

// ---------------------------------------------------------------------------
// Inspection and refund

export type InspectedLine = {
  position: number;
  outcome: InspectionOutcome;
  /** depreciated: the amount kept for the depreciation (minor units, for the line's units). */
  depreciation?: number | undefined;
  /** depreciated / refused: why (shown to the customer). */
  reason?: string | null | undefined;
};

export type InspectReturnInput = {
  shopId: string;
  returnNumber: string;
  lines: readonly InspectedLine[];
  /** The goods were not in conformity (RF-2 FA variant; WD-6: the return costs are the shop's). */
  nonConforming?: boolean | undefined;
  actor: Actor;
  now: Date;
};

/** WD-8 then RF-1…RF-6 (see the header). Inspected once: `return.illegal_transition` after. */
export async function inspectReturn(db: Queryable, input: InspectReturnInput): Promise<Return> {
  return inTransaction(db, async (tx) => {
    const { shopId, now } = input;
    const { order, payments, ret, id } = await lockReturn(tx, shopId, input.returnNumber);
    if (ret.state !== 'received') {
      throw new DomainError('return.not_received', { field: 'number', rule: 'WD-8', state: ret.state }, ret.inspectedAt ? 'This return was inspected already.' : 'Record the goods as received first.');
    }
    if (ret.purpose === 'exchange') throw new DomainError('exchange.use_exchange_inspection', { field: 'number', rule: 'EX-1' }, 'An exchange is settled from the exchange screen.');
    const policy = await policyOfOrder(tx, shopId, order.policyHash);
    const decided = checkInspection(ret, input.lines);
    const nonConforming = input.nonConforming === true;
    const calculation = await refundFor(tx, { shopId, order, policy, ret, decided, nonConforming });

    const timeZone = policy.shop.timeZone;
    const today = localDateIn(timeZone, now);
    const lateAfterDay = ret.refundLateAfter ?? today;
    const late = calculation.refund > 0 && today > lateAfterDay ? surchargeOn(lateAfterDay, today, calculation.refund, order.currency) : { total: 0, daysLate: 0 };
    const key = `withdrawal:${ret.number}`;
    // The engine's lock order: stock, then the document counters, then the evidence head (the executor proves the refund).
    const accepted = decided.filter((d) => d.outcome !== 'refused');
    await restockUnits(tx, order, accepted.map((d) => ({ position: d.position, quantity: d.quantity })), now);
    const proofs: NewEvidence[] = []; // the documents' proofs, appended last (after the executor's locks)
    const documents = await adjustInvoice(tx, { shopId, order, key, calculation, proofs, now });
    const executed = await refundOrderAmount(tx, {
      shopId,
      order,
      payments,
      key,
      reason: 'withdrawal',
      rule: ret.purpose === 'money_back' ? 'WD-2/RF-1' : 'RF-1',
      amount: calculation.refund,
      dueOn: lateAfterDay,
      to: ret.refundTo,
      actor: input.actor,
      now,
    });
    const refund: ReturnRefund = {
      ...calculation,
      executed: executed.amount,
      dueOn: executed.dueOn,
      settlement: executed.settlement,
      to: ret.refundTo,
      lateSurcharge: late.total,
      daysLate: late.daysLate,
      creditNote: documents.creditNote,
      complementaryInvoice: documents.complementaryInvoice,
    };

    const keptUntil = await recordInspection(tx, {
      shopId,
      id,
      ret,
      decided,
      policy,
      country: order.deliveryAddress.country,
      state: accepted.length > 0 ? 'refunded' : 'inspected',
      refundedAt: accepted.length > 0 ? now : null,
      refundKey: key,
      refund,
      actor: input.actor,
      now,
    });
    const result = await getReturn(tx, { shopId, number: ret.number });
    await queueEmail(tx, { shopId, key: `${RETURN_INSPECTED}:${shopId}:${ret.number}`, email: returnInspectedEmail({ ...order, email: ret.email }, policy, result) }, now);
    await recordAudit(tx, { shopId, actor: input.actor, action: RETURN_INSPECTED, target: `return:${ret.number}`, details: { order: order.number, lines: decided.map((d) => ({ ...d })), refund: refund.refund }, at: now });
    const proof: EvidenceData = {
      number: order.number,
      return: ret.number,
      rule: 'WD-8/RF-1',
      lines: decided.map((d) => ({ position: d.position, quantity: d.quantity, outcome: d.outcome, depreciation: d.depreciation, reason: d.reason })),
      items: calculation.itemsTotal,
      depreciation: calculation.depreciationTotal,
      shipping: calculation.shipping.amount,
      shippingRule: calculation.shipping.rule,
      charges: calculation.chargesTotal,
      returnLabelCost: calculation.returnLabelCost,
      refund: calculation.refund,
      executed: executed.amount,
      creditNote: documents.creditNote,
      complementaryInvoice: documents.complementaryInvoice,
      currency: order.currency,
      dueOn: lateAfterDay,
      lateSurcharge: late.total,
      daysLate: late.daysLate,
      refusedKeptUntil: keptUntil?.lastDay ?? null,
    };
    for (const p of proofs) await appendEvidence(tx, p);
    await appendEvidence(tx, { shopId, kind: RETURN_INSPECTED, subject: { type: 'order', id: order.number }, actor: actorLabel(input.actor), data: proof, at: now });
    return result;
  });
}

/**
 * DOC-1 / RF-5: what the return gives back is credited on the order's invoice
 * (the items net of their depreciation, the delivery refunded), and what it
 * charges (a gift kept, a bundle re-priced) goes on a complementary invoice at
 * once — well within FA's 15 days. Nothing when the order has no invoice yet.
 */
async function adjustInvoice(
  tx: Tx,
  input: { shopId: string; order: Order; key: string; calculation: RefundCalculation; proofs: NewEvidence[]; now: Date },
): Promise<{ creditNote: string | null; complementaryInvoice: string | null }> {
  const { calculation: c, order } = input;
  // DOC-1: the credit note states the money given back for the goods and delivery: a prepaid label's cost (WD-6) is taken off it.
  const { items, shipping } = creditLessKept({ items: c.items.filter((i) => i.net > 0).map((i) => ({ position: i.position, quantity: i.quantity, amount: i.net })), shipping: c.shipping.amount }, c.returnLabelCost);
  const credited =
    items.length > 0 || shipping > 0
      ? await issueCreditNote(tx, {
          shopId: input.shopId,
          orderId: order.id,
          key: input.key,
          reason: { fr: 'Rétractation : articles retournés', en: 'Withdrawal: items returned' },
          items,
          shipping,
          proofs: input.proofs,
          now: input.now,
        })
      : null;
  const charged =
    c.charges.length > 0 ? await issueComplementaryInvoice(tx, { shopId: input.shopId, orderId: order.id, key: input.key, items: c.charges.map((x) => ({ ...x })), proofs: input.proofs, now: input.now }) : null;
  return { creditNote: credited?.number ?? null, complementaryInvoice: charged?.number ?? null };
}

type DecidedLine = { position: number; quantity: number; outcome: InspectionOutcome; depreciation: number; reason: string | null };

/**
 * WD-8: the inspection recorded — each line's outcome, the return's state and
 * refund; refused items are kept for the customer until the policy's
 * `refusedReturns.keptFor` ends, when REFUSED_KEPT_TIMER closes the return.
 * Used by the withdrawal's inspection and the exchange's settlement (EX-1).
 * Returns the end of the keeping (null when nothing was refused).
 */
export async function recordInspection(
  tx: Tx,
  input: {
    shopId: string;
    id: string;
    ret: Return;
    decided: readonly DecidedLine[];
    policy: Pick<Policy, 'shop' | 'withdrawal'>;
    country: string;
    state: ReturnState;
    refundedAt: Date | null;
    refundKey: string;
    refund: ReturnRefund;
    actor: Actor;
    now: Date;
  },
): Promise<ReturnType<typeof periodEnd> | null> {
  const { shopId, id, ret, policy, now } = input;
  const refused = input.decided.some((d) => d.outcome === 'refused');
  const keptUntil = refused ? periodEnd({ from: now, period: policy.withdrawal.refusedReturns.keptFor, timeZone: policy.shop.timeZone, place: { country: input.country } }) : null;
  for (const d of input.decided) {
    await tx
      .updateTable('return_lines')
      .set({ outcome: d.outcome, accepted_quantity: d.outcome === 'refused' ? 0 : d.quantity, depreciation_minor: d.depreciation, reason: d.reason })
      .where('return_id', '=', id)
      .where('position', '=', d.position)
      .execute();
  }
  await tx
    .updateTable('returns')
    .set({
      state: input.state,
      inspected_at: now,
      inspected_by: actorLabel(input.actor),
      refund_key: input.refundKey,
      refund: JSON.stringify(input.refund),
      refunded_at: input.refundedAt,
      refused_kept_until: keptUntil?.lastDay ?? null,
    })
    .where('id', '=', id)
    .execute();
  if (keptUntil) {
    await scheduleTimer(tx, { shopId, kind: REFUSED_KEPT_TIMER, key: `${REFUSED_KEPT_TIMER}:${shopId}:${ret.number}`, dueAt: keptUntil.dueAt, payload: { returnNumber: ret.number } }, now);
  }
  return keptUntil;
}

/** WD-8: one outcome per line of the return; a depreciation has an amount and a reason, a refusal a reason. */
export function checkInspection(ret: Return, lines: readonly InspectedLine[]): DecidedLine[] {
  return ret.lines.map((l) => {
    const i = lines.findIndex((x) => x.position === l.position);
    const field = `lines.${i < 0 ? ret.lines.indexOf(l) : i}`;
    const d = lines[i];
    if (!d) throw new DomainError('return.outcome_required', { field, rule: 'WD-8', position: l.position }, `Give the outcome of ${l.sku}.`);
    if (!['accepted', 'depreciated', 'refused'].includes(d.outcome)) throw new DomainError('return.invalid_outcome', { field: `${field}.outcome`, rule: 'WD-8' });
    const reason = d.reason?.trim() ? d.reason.trim().slice(0, 1000) : null;
    const depreciation = d.outcome === 'depreciated' ? (d.depreciation ?? 0) : 0;
    if (d.outcome === 'depreciated' && (!Number.isSafeInteger(depreciation) || depreciation <= 0)) {
      throw new DomainError('return.depreciation_required', { field: `${field}.depreciation`, rule: 'WD-8' }, 'Give the amount of the depreciation.');
    }
    if (d.outcome !== 'accepted' && reason === null) throw new DomainError('return.reason_required', { field: `${field}.reason`, rule: 'WD-8' }, 'Say why, for the customer.');
    return { position: l.position, quantity: l.quantity, outcome: d.outcome, depreciation, reason };
  });
}

/** RF-2: the cheapest standard delivery (a delivery to the door or a relay, not a collection) the shop offered for the order. */
function cheapestStandardDelivery(policy: Policy, order: Order): number {
  const goodsInclVat = order.lines.reduce((s, l) => s + l.total - l.ecoFeePerUnit * l.quantity, 0);
  const goodsExclVat = order.lines.reduce((s, l) => s + Math.round(((l.total - l.ecoFeePerUnit * l.quantity) * 10_000) / (10_000 + l.vatRateBasisPoints)), 0);
  let options: ReturnType<typeof quoteShipping>;
  try {
    options = quoteShipping({
    policy,
    destinationCountry: order.deliveryAddress.country,
    customerKind: order.customerKind,
    goods: { inclVat: money(goodsInclVat, order.currency), exclVat: money(goodsExclVat, order.currency) },
    orderedAt: order.placedAt,
    extraLeadWorkingDays: 0,
    });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'destination.not_served') return order.shipping; // no longer served: what was paid
    throw error;
  }
  const standard = options.filter((o) => o.kind === 'home_standard' || o.kind === 'relay_point' || o.kind === 'post_office_hold');
  return Math.min(...(standard.length > 0 ? standard : options).map((o) => o.amount.amount));
}

export async function refundFor(
  tx: Tx,
  input: { shopId: string; order: Order; policy: Policy; ret: Return; decided: readonly DecidedLine[]; nonConforming: boolean },
): Promise<RefundCalculation> {
  const { order, policy, ret } = input;
  const [rows, earlier, settled] = await Promise.all([
    tx.selectFrom('order_lines').select(['position', 'discount_minor', 'promotion_id', 'initial_unit_price_minor']).where('order_id', '=', order.id).execute(),
    returnsWhere(tx, { shopId: input.shopId, orderId: order.id }),
    settledUnits(tx, order.id),
  ]);
  const before = earlier.filter((r) => r.number !== ret.number && r.refund !== null);
  const sum = <T>(items: readonly T[], f: (t: T) => number) => items.reduce((s, t) => s + f(t), 0);
  const perPosition = (pick: (r: Return) => readonly { position: number; quantity: number }[]) => {
    const m = new Map<number, number>();
    for (const r of before) for (const x of pick(r)) m.set(x.position, (m.get(x.position) ?? 0) + x.quantity);
    return [...m].map(([position, quantity]) => ({ position, quantity }));
  };
  const labelProvided = ret.label !== null && ret.label.prepaid;
  const customerPaysReturn = policy.withdrawal.returnCost.paidBy === 'customer' && !input.nonConforming;
  return calculateRefund({
    currency: order.currency,
    lines: order.lines.map((l) => {
      const row = rows.find((r) => r.position === l.position)!;
      return {
        position: l.position,
        quantity: l.quantity,
        cancelledQuantity: l.cancelledQuantity,
        total: l.total,
        discount: Number(row.discount_minor),
        promotionId: row.promotion_id,
        isGift: l.isGift,
        initialUnitPrice: row.initial_unit_price_minor === null ? null : Number(row.initial_unit_price_minor),
        vatRateBasisPoints: l.vatRateBasisPoints,
      };
    }),
    // The units of each line settled before — earlier returns, refunds by claims and guarantees, in-store exchanges — come first (to the cent, never twice).
    earlier: order.lines.map((l) => {
      const s = settled.get(l.position);
      const returnedBefore = perPosition((r) => r.lines.map((x) => ({ position: x.position, quantity: x.acceptedQuantity ?? 0 }))).find((x) => x.position === l.position)?.quantity ?? 0;
      return { position: l.position, accepted: returnedBefore + (s ? s.deliveryRefunded + s.guaranteeRefunded + s.exchangedInStore : 0) };
    }).filter((e) => e.accepted > 0),
    returned: input.decided
      .filter((d) => d.outcome !== 'refused')
      .map((d) => {
        // GU-1 / GU-2: a price reduction given on the line is not refunded again with its units (less what earlier returns took off).
        const offsetBefore = sum(before, (r) => sum(r.refund!.items.filter((i) => i.position === d.position), (i) => i.alreadyRefunded ?? 0));
        const alreadyRefunded = Math.max(0, (settled.get(d.position)?.priceReductions ?? 0) - offsetBefore);
        return { position: d.position, accepted: d.quantity, depreciation: d.depreciation, ...(alreadyRefunded > 0 ? { alreadyRefunded } : {}) };
      }),
    shipping: {
      // WD-2 (EL): the money-back promise after the legal period says whether the outward delivery comes back.
      paid: ret.purpose === 'money_back' && policy.withdrawal.moneyBackGuarantee?.outwardShippingRefunded === false ? 0 : order.shipping,
      cheapestStandard: cheapestStandardDelivery(policy, order),
      rule: policy.refunds.shipping,
      alreadyRefunded: sum(before, (r) => r.refund!.shipping.amount),
    },
    nonConforming: input.nonConforming,
    // EX-1: an exchange keeps the order, its delivery is not at stake (settled by src/app/postal-exchanges.ts).
    ...(ret.purpose === 'exchange' ? { exchangeRefundsShipping: false } : {}),
    ...(policy.refunds.promotionsOnPartialReturn ? { promotions: { giftMustComeBack: policy.refunds.promotionsOnPartialReturn.giftMustComeBack, bundleRepriced: policy.refunds.promotionsOnPartialReturn.bundleRepriced } } : {}),
    giftsAlreadyCharged: perPosition((r) => r.refund!.charges.filter((c) => c.kind === 'gift_kept')),
    repricedAlready: perPosition((r) => r.refund!.charges.filter((c) => c.kind === 'bundle_repriced')),
    returnLabelCost: labelProvided && customerPaysReturn ? (policy.withdrawal.returnLabelCost?.amount ?? 0) : 0,
    customerBankFeesRefunded: policy.refunds.customerBankFees !== 'not_refunded',
  });
}

// ---------------------------------------------------------------------------
// Refused items (WD-8)

/** WD-8: the customer asks for the refused items back, at their cost; staff send them. */
export async function requestRefusedResend(db: Queryable, input: { shopId: string; returnNumber: string; by: string; now: Date }): Promise<Return> {
  return inTransaction(db, async (tx) => {
    const { order, ret, id } = await lockReturn(tx, input.shopId, input.returnNumber);
    if (ret.refusedResendRequestedAt) return ret;
    if (ret.refusedKeptUntil === null || ret.state === 'closed') throw new DomainError('return.nothing_kept', { field: 'number', rule: 'WD-8' }, 'No refused item is kept for you.');
    await tx.updateTable('returns').set({ refused_resend_requested_at: input.now }).where('id', '=', id).execute();
    await appendEvidence(tx, { shopId: input.shopId, kind: REFUSED_RESEND_REQUESTED, subject: { type: 'order', id: order.number }, actor: input.by, data: { number: order.number, return: ret.number, rule: 'WD-8' }, at: input.now });
    return getReturn(tx, { shopId: input.shopId, number: ret.number });
  });
}

// ---------------------------------------------------------------------------
// Timers

/** Timer `return.send_back_due` (WD-6): no goods and no proof of shipment by the day → the customer is reminded; the refund waits (RF-1). */
export async function sendBackDue(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const number = String(timer.payload.returnNumber);
  const ret = await getReturn(tx, { shopId: timer.shopId, number });
  if (ret.state !== 'authorised') return;
  const order = (await loadOrder(tx, { shopId: timer.shopId, number: ret.orderNumber }))!;
  await queueEmail(tx, { shopId: timer.shopId, key: `${RETURN_SEND_BACK_OVERDUE}:${timer.shopId}:${number}`, email: sendBackOverdueEmail({ ...order, email: ret.email }, ret) }, now);
  await appendEvidence(tx, { shopId: timer.shopId, kind: RETURN_SEND_BACK_OVERDUE, subject: { type: 'order', id: ret.orderNumber }, actor: 'system', data: { number: ret.orderNumber, return: number, rule: 'WD-6', sendBy: ret.sendBy }, at: now });
}

/** Timer `return.refund_due` (RF-1): the due date passed unrefunded while the goods or their proof are in → recorded as overdue (the queue flags it). */
export async function refundDue(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const number = String(timer.payload.returnNumber);
  const ret = await getReturn(tx, { shopId: timer.shopId, number });
  if (ret.refund !== null || ret.refundLateAfter === null) return; // refunded, or still allowed to wait for the goods
  await appendEvidence(tx, { shopId: timer.shopId, kind: RETURN_REFUND_OVERDUE, subject: { type: 'order', id: ret.orderNumber }, actor: 'system', data: { number: ret.orderNumber, return: number, rule: 'RF-1', dueOn: ret.refundLateAfter }, at: now });
}

/** Timer `return.refused_kept_end` (WD-8): the keeping period of refused items ended → the return is closed, the customer told. */
export async function refusedKeepingOver(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const number = String(timer.payload.returnNumber);
  const ret = await getReturn(tx, { shopId: timer.shopId, number });
  if (ret.state === 'closed') return;
  const order = (await loadOrder(tx, { shopId: timer.shopId, number: ret.orderNumber }))!;
  await tx.updateTable('returns').set({ state: 'closed' }).where('shop_id', '=', timer.shopId).where('number', '=', number).execute();
  if (!ret.refusedResendRequestedAt) {
    await queueEmail(tx, { shopId: timer.shopId, key: `${RETURN_CLOSED}:${timer.shopId}:${number}`, email: refusedKeepingOverEmail({ ...order, email: ret.email }, ret) }, now);
  }
  await appendEvidence(tx, { shopId: timer.shopId, kind: RETURN_CLOSED, subject: { type: 'order', id: ret.orderNumber }, actor: 'system', data: { number: ret.orderNumber, return: number, rule: 'WD-8', keptUntil: ret.refusedKeptUntil, resendRequested: ret.refusedResendRequestedAt !== null }, at: now });
}

// ---------------------------------------------------------------------------
// The customer's side

/** Who reads a return on the storefront: the account holder of its order, or whoever holds the acknowledgment's link. */
export type ReturnReader = { customerId?: string | null | undefined; token?: string | null | undefined };

/** A return for its customer (`return.not_found` for anyone else: another learns nothing). */
export async function getReturnFor(q: Queryable, input: { shopId: string; number: string; reader: ReturnReader }): Promise<Return> {
  const row = await q
    .selectFrom('returns as r')
    .innerJoin('orders as o', 'o.id', 'r.order_id')
    .select(['r.access_token_hash', 'o.customer_id'])
    .where('r.shop_id', '=', input.shopId)
    .where('r.number', '=', input.number)
    .executeTakeFirst();
  const { customerId, token } = input.reader;
  const mayRead =
    row !== undefined &&
    ((customerId != null && row.customer_id === customerId) || (token != null && token !== '' && createHash('sha256').update(token).digest('hex') === row.access_token_hash));
  if (!mayRead) throw new DomainError('return.not_found', { field: 'number', rule: 'WD-5' }, `No return ${input.number}.`);
  return getReturn(q, input);
}

/** DOC-2: the return slip's content (the PDF adapter lays it out), in the order's language. */
export async function returnSlipContent(q: Queryable, input: { shopId: string; ret: Return }): Promise<ReturnSlipContent> {
  const { ret } = input;
  const order = (await loadOrder(q, { shopId: input.shopId, number: ret.orderNumber }))!;
  const policy = await policyOfOrder(q, input.shopId, order.policyHash);
  const lang = order.language;
  const fr = lang === 'fr';
  const id = policy.identity;
  const a = ret.returnAddress;
  const cost = policy.withdrawal.returnLabelCost;
  return {
    language: lang,
    seller: { tradingName: id.tradingName, companyName: id.companyName, address: { line1: id.headOffice.line1, postalCode: id.headOffice.postalCode, city: id.headOffice.city, country: id.headOffice.country } },
    returnNumber: ret.number,
    orderNumber: order.number,
    orderedOn: localDateIn(policy.shop.timeZone, order.placedAt),
    customer: { name: ret.name, email: ret.email },
    returnAddress: { name: a.name, line1: a.line1, ...(a.line2 ? { line2: a.line2 } : {}), ...(a.postalCode ? { postalCode: a.postalCode } : {}), city: a.city, country: a.country },
    items: ret.lines.map((l) => ({ sku: l.sku, name: l.name[lang], quantity: l.quantity })),
    sendBy: ret.sendBy,
    label: ret.label ? { carrier: ret.label.carrier, trackingNumber: ret.label.trackingNumber } : null,
    notes: [
      policy.withdrawal.returnCost.paidBy === 'customer' ? (fr ? 'Frais de retour à votre charge.' : 'The return costs are yours.') : fr ? 'Frais de retour à notre charge.' : 'We bear the return costs.',
      ...(ret.label?.prepaid && cost && cost.amount > 0 ? [fr ? `Étiquette prépayée : ${formatMoney(cost, 'fr')} déduits du remboursement.` : `Prepaid label: ${formatMoney(cost, 'en')} deducted from the refund.`] : []),
      ...(ret.purpose === 'exchange' ? [fr ? 'Échange : l’article demandé vous sera envoyé à réception.' : 'Exchange: the item asked for will be sent on receipt.'] : []),
    ],
  };
}
