// Issue 5 §3: items unavailable after ordering (AV-1, AV-2).
//
// Staff (`fulfilment.manage` or `orders.manage`) declare that `quantity`
// units of an order line turn out to be unavailable, before they ship
// (`declareUnavailable`; never more than what is left to ship and not yet
// declared). The policy's mode decides (src/domain/fulfilment/unavailability.ts):
//   (a) cancel_line (FA, FR), a gift in any shop, JW without a substitute:
//       the units are cancelled at once (`cancelUnits`);
//   (b) customer_chooses_wait_or_refund (PF): the customer is asked — wait
//       or cancel these units — on a page reached by a link with a secret
//       token (only its SHA-256 is stored), or from the account; the timer
//       `unavailability.answer_deadline` applies the default at the end of
//       the policy's period (`periodEnd`): the units are cancelled and what
//       is available ships. The available items are never held meanwhile:
//       PF ships partially (SH-6), staff may pack the rest at once; "wait"
//       leaves the units to ship when they arrive;
//   (c) substitute_or_refund (JW) with a substitute offered: the customer
//       accepts it — a new order line at no extra charge, its stock taken
//       then, the original units cancelled and a cheaper substitute's
//       difference refunded — or gets the cancellation with a full refund;
//       same page, same timer (the policy's `answerWithin`);
//   (d) back_order (EL): the units stay on the order, back-ordered, and ship
//       on arrival; nothing is cancelled.
// AV-2: an email in the order's language at once, every time.
//
// Cancelling units (`cancelUnits`): `order_lines.cancelled_quantity` grows,
// the order stops holding stock for them (`stock_taken` shrinks) but nothing
// goes back on the stock rows — the units are physically missing, the stock
// count was wrong by them (a count through `setStock` corrects the rest).
// Money: authorised for a capture at dispatch (PF) → simply never captured
// (the last dispatch captures the shipped lines only and releases the rest,
// or `settleWhenNothingLeftToShip` does when the cancelled units were the
// last to ship); taken at order → refunded through `refundOrderAmount`
// (reason `line_unavailable`, due per RF-1: 14 days; JW: and within 30 days
// of the order), the way it was paid (RF-3). When nothing was ever shipped
// and every unit is cancelled, the order itself is cancelled through the one
// cancellation (`cancelForUnavailableItems`, reason `items_unavailable`),
// which gives everything back, delivery included. An invoice issued later
// does not bill cancelled units (src/domain/invoices/billed-units.ts); units
// cancelled after the invoice need a credit note (DOC-1, not built yet): the
// refund is recorded meanwhile.
//
// Locks, the engine's order: the order's payments → the order
// (`lockOrderWithPayments`) → the case row → stock rows (`lockStock`) → the
// evidence head, whose appends come after every other write.
import { remainingToShip } from '../domain/fulfilment/fulfilment-plan.js';
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import {
  answerDeadline,
  cancelledUnitsAmount,
  caseAfter,
  checkDeclaredQuantity,
  declarableUnits,
  isUnavailabilityChoice,
  refundForCancelledUnits,
  stockAfterMissing,
  substituteLine,
  unavailabilityOutcome,
  unavailableRefundDueOn,
  type UnavailabilityCaseState,
  type UnavailabilityChoice,
  type UnavailabilityMode,
} from '../domain/fulfilment/unavailability.js';
import { money } from '../domain/money.js';
import type { OrderState } from '../domain/orders/order-lifecycle.js';
import { splitInclusive, type VatMode } from '../domain/pricing/vat.js';
import type { Policy } from '../policy/schema.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import type { Queryable, Tx } from '../store/db.js';
import { appendEvidence, type EvidenceData } from '../store/evidence.js';
import type { Payment } from '../store/payments.js';
import { cancelTimer, scheduleTimer, type DueTimer } from '../store/timers.js';
import { addOrderLines, takeWarehouseUnits } from './added-order-lines.js';
import { queueEmail } from './emails.js';
import { pickList, refreshFulfilment, settleWhenNothingLeftToShip, planLines } from './fulfilment.js';
import { cancelForUnavailableItems, type Cancellation } from './order-cancellation.js';
import { refundOrderAmount, type OrderRefund } from './order-refunds.js';
import { getOrderFor, loadOrder, lockOrderWithPayments, policyOfOrder, type Order, type OrderLine } from './orders.js';
import { backOrderedEmail, choiceRequestEmail, substitutedEmail, units, unitsCancelledEmail, waitConfirmedEmail, type MissingUnits } from './unavailability-emails.js';

export const UNAVAILABILITY_ANSWER_DEADLINE = 'unavailability.answer_deadline';
export const answerDeadlineTimerKey = (shopId: string, caseId: string): string => `${UNAVAILABILITY_ANSWER_DEADLINE}:${shopId}:${caseId}`;

/** Evidence kinds (OR-6). */
export const ORDER_LINE_UNAVAILABLE = 'order.line_unavailable';
export const ORDER_LINE_CANCELLED = 'order.line_cancelled';
export const ORDER_LINE_BACKORDERED = 'order.line_backordered';
export const ORDER_LINE_SUBSTITUTED = 'order.line_substituted';
export const ORDER_UNAVAILABILITY_ANSWERED = 'order.unavailability_answered';

/** PA-3 / PA-7: the orders whose goods may leave — the only ones whose items can turn out missing at preparation. */
const OPEN: readonly OrderState[] = ['paid', 'financed', 'payment_deferred'];

type Localised = { fr: string; en: string };

export type UnavailabilityCase = {
  id: string;
  orderNumber: string;
  position: number;
  sku: string;
  name: Localised;
  quantity: number;
  mode: UnavailabilityMode;
  state: UnavailabilityCaseState;
  choices: UnavailabilityChoice[];
  choice: UnavailabilityChoice | null;
  answeredBy: 'customer' | 'default' | null;
  /** The customer's last day to answer (YYYY-MM-DD) and when the default applies. */
  lastDay: string | null;
  dueAt: Date | null;
  /** What the units are worth on the order (minor units; once cancelled, what they were worth then). */
  amount: number;
  currency: string;
  substitute: { sku: string; name: Localised; options: Record<string, string>; unitPrice: number; ecoFeePerUnit: number } | null;
  /** The order line the accepted substitute became. */
  substitutePosition: number | null;
  refund: { amount: number; dueOn: string | null } | null;
  declaredBy: string;
  declaredAt: Date;
  answeredAt: Date | null;
  closedAt: Date | null;
};

// ---------------------------------------------------------------------------
// Reading

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

async function casesOf(q: Queryable, where: { shopId: string; orderId?: string; id?: string; tokenSha256?: string }): Promise<UnavailabilityCase[]> {
  let query = q
    .selectFrom('unavailability_cases as c')
    .innerJoin('orders as o', 'o.id', 'c.order_id')
    .innerJoin('order_lines as l', (j) => j.onRef('l.order_id', '=', 'c.order_id').onRef('l.position', '=', 'c.position'))
    .leftJoin('order_refunds as r', (j) => j.onRef('r.order_id', '=', 'c.order_id').onRef('r.key', '=', 'c.refund_key'))
    .select([
      'c.id', 'c.position', 'c.quantity', 'c.mode', 'c.state', 'c.choices', 'c.choice', 'c.answered_by', 'c.last_day', 'c.due_at', 'c.substitute', 'c.substitute_position',
      'c.cancelled_amount_minor', 'c.declared_by', 'c.declared_at', 'c.answered_at', 'c.closed_at',
      'o.number as order_number', 'o.currency', 'l.sku', 'l.name_fr', 'l.name_en', 'r.amount_minor as refund_minor', 'r.due_on as refund_due_on',
    ])
    .where('c.shop_id', '=', where.shopId);
  if (where.orderId !== undefined) query = query.where('c.order_id', '=', where.orderId);
  if (where.id !== undefined) query = query.where('c.id', '=', where.id);
  if (where.tokenSha256 !== undefined) query = query.where('c.token_sha256', '=', where.tokenSha256);
  const rows = await query.orderBy('c.id').execute();
  return rows.map((r) => ({
    id: r.id,
    orderNumber: r.order_number,
    position: r.position,
    sku: r.sku,
    name: { fr: r.name_fr, en: r.name_en },
    quantity: r.quantity,
    mode: r.mode,
    state: r.state,
    choices: r.choices.filter(isUnavailabilityChoice),
    choice: r.choice,
    answeredBy: r.answered_by,
    lastDay: r.last_day,
    dueAt: r.due_at,
    amount: Number(r.cancelled_amount_minor),
    currency: r.currency,
    substitute: r.substitute,
    substitutePosition: r.substitute_position,
    refund: r.refund_minor === null || r.refund_minor === undefined ? null : { amount: Number(r.refund_minor), dueOn: r.refund_due_on ?? null },
    declaredBy: r.declared_by,
    declaredAt: r.declared_at,
    answeredAt: r.answered_at,
    closedAt: r.closed_at,
  }));
}

/** The cases of an order, oldest first (callers check who may read the order). */
export async function listUnavailabilityCases(q: Queryable, input: { shopId: string; orderNumber: string }): Promise<UnavailabilityCase[]> {
  const order = await q.selectFrom('orders').select('id').where('shop_id', '=', input.shopId).where('number', '=', input.orderNumber).executeTakeFirst();
  if (!order) throw new DomainError('order.not_found', { field: 'number' }, `No order ${input.orderNumber}.`);
  return casesOf(q, { shopId: input.shopId, orderId: order.id });
}

export type DeclarableLineView = { position: number; sku: string; name: Localised; quantity: number; cancelledQuantity: number; backorderedQuantity: number; isGift: boolean; remaining: number; declarable: number };

/** The back office's view: each line with what is left to ship and may still be declared unavailable, the policy's mode, the cases. */
export async function unavailabilityOfOrder(q: Queryable, input: { shopId: string; orderNumber: string }): Promise<{ orderNumber: string; state: OrderState; mode: UnavailabilityMode; open: boolean; lines: DeclarableLineView[]; cases: UnavailabilityCase[] }> {
  const order = await loadOrder(q, { shopId: input.shopId, number: input.orderNumber });
  if (!order) throw new DomainError('order.not_found', { field: 'number' }, `No order ${input.orderNumber}.`);
  const policy = await policyOfOrder(q, input.shopId, order.policyHash);
  const cases = await casesOf(q, { shopId: input.shopId, orderId: order.id });
  const left = await pickList(q, { shopId: input.shopId, order });
  const mode = policy.unavailability.mode;
  return {
    orderNumber: order.number,
    state: order.state,
    mode,
    open: OPEN.includes(order.state),
    cases,
    lines: order.lines.map((l) => {
      const remaining = left.find((p) => p.position === l.position)?.quantity ?? 0;
      const openCaseUnits = cases.filter((c) => c.position === l.position && c.state === 'awaiting_answer').reduce((n, c) => n + c.quantity, 0);
      const plan = { position: l.position, quantity: l.quantity, cancelledQuantity: l.cancelledQuantity, shippedQuantity: l.quantity - l.cancelledQuantity - remaining, total: l.total, backorderedQuantity: l.backorderedQuantity };
      return { position: l.position, sku: l.sku, name: l.name, quantity: l.quantity, cancelledQuantity: l.cancelledQuantity, backorderedQuantity: l.backorderedQuantity, isGift: l.isGift, remaining, declarable: OPEN.includes(order.state) ? declarableUnits(plan, { openCaseUnits, mode }) : 0 };
    }),
  };
}

/** The case behind a customer's link (404 `unavailability.not_found` for a wrong token or order). */
export async function getCaseByToken(q: Queryable, input: { shopId: string; orderNumber: string; token: string }): Promise<{ kase: UnavailabilityCase; order: Pick<Order, 'number' | 'language' | 'currency'> }> {
  const [kase] = /^[A-Za-z0-9_-]{20,100}$/.test(input.token) ? await casesOf(q, { shopId: input.shopId, tokenSha256: hashToken(input.token) }) : [];
  if (!kase || kase.orderNumber !== input.orderNumber) throw new DomainError('unavailability.not_found', { field: 'token', rule: 'AV-1' }, 'This link is not valid.');
  const order = (await loadOrder(q, { shopId: input.shopId, number: input.orderNumber }))!;
  return { kase, order: { number: order.number, language: order.language, currency: order.currency } };
}

/** The cases of the signed-in customer's own order (another's order: `order.not_found`, 404). */
export async function listCustomerCases(q: Queryable, input: { shopId: string; orderNumber: string; customerId: string }): Promise<{ order: Order; cases: UnavailabilityCase[] }> {
  const order = await getOrderFor(q, { shopId: input.shopId, number: input.orderNumber, customerId: input.customerId });
  return { order, cases: await casesOf(q, { shopId: input.shopId, orderId: order.id }) };
}

// ---------------------------------------------------------------------------
// Declaring

export type DeclareUnavailableInput = {
  shopId: string;
  orderNumber: string;
  position: number;
  quantity: number;
  /** AV-1c (JW): the SKU of the variant offered instead. */
  substituteSku?: string | null | undefined;
  /** Base URL of the storefront, for the customer's link. */
  storefrontUrl: string;
  actor: Actor;
  now: Date;
};

/**
 * AV-1 / AV-2, staff: `quantity` units of line `position` are unavailable
 * (see the header). Refused: `unavailability.order_not_open` (409: not paid,
 * on hold or cancelled), `order_line.not_found`, `unavailability.invalid_quantity`,
 * `unavailability.quantity_exceeds_remaining`, `unavailability.substitute_not_offered`,
 * `variant.not_found` / `unavailability.substitute_*` for the substitute.
 */
export async function declareUnavailable(tx: Tx, input: DeclareUnavailableInput): Promise<UnavailabilityCase> {
  const { shopId, now } = input;
  const locked = await lockOrderWithPayments(tx, shopId, input.orderNumber);
  const { order } = locked;
  if (!OPEN.includes(order.state)) {
    throw new DomainError('unavailability.order_not_open', { field: 'number', rule: 'AV-1', state: order.state }, 'Only a paid order being prepared can have items declared unavailable.');
  }
  const policy = await policyOfOrder(tx, shopId, order.policyHash);
  const line = order.lines.find((l) => l.position === input.position);
  if (!line) throw new DomainError('order_line.not_found', { field: 'position', position: input.position }, `No line ${input.position} on this order.`);
  const mode = policy.unavailability.mode;
  const open = await tx.selectFrom('unavailability_cases').select((eb) => eb.fn.coalesce(eb.fn.sum<string>('quantity'), eb.val('0')).as('n')).where('order_id', '=', order.id).where('position', '=', line.position).where('state', '=', 'awaiting_answer').executeTakeFirstOrThrow();
  const remaining = (await pickList(tx, { shopId, order })).find((p) => p.position === line.position)?.quantity ?? 0;
  checkDeclaredQuantity(
    { position: line.position, quantity: line.quantity, cancelledQuantity: line.cancelledQuantity, shippedQuantity: line.quantity - line.cancelledQuantity - remaining, total: line.total, backorderedQuantity: line.backorderedQuantity },
    input.quantity,
    { openCaseUnits: Number(open.n), mode },
  );
  const substituteSku = input.substituteSku?.trim() ? input.substituteSku.trim() : null;
  const outcome = unavailabilityOutcome(policy.unavailability, { isGift: line.isGift, substituteOffered: substituteSku !== null });
  const amount = cancelledUnitsAmount(line, line.cancelledQuantity, input.quantity);
  const offer = substituteSku === null ? null : await substituteOffer(tx, { shopId, order, line, sku: substituteSku, quantity: input.quantity, amount, now });
  const by = actorLabel(input.actor);
  const missing: MissingUnits = { name: line.name, options: line.options, quantity: input.quantity };
  const place = { country: order.deliveryAddress.country };

  const token = outcome.kind === 'ask' ? randomBytes(32).toString('base64url') : null;
  const deadline = outcome.kind === 'ask' ? answerDeadline({ declaredAt: now, answerWithin: outcome.answerWithin, timeZone: policy.shop.timeZone, place }) : null;
  const inserted = await tx
    .insertInto('unavailability_cases')
    .values({
      shop_id: shopId,
      order_id: order.id,
      position: line.position,
      quantity: input.quantity,
      mode,
      state: outcome.kind === 'ask' ? 'awaiting_answer' : outcome.kind === 'back_order' ? 'back_ordered' : 'cancelled',
      choices: outcome.kind === 'ask' ? [...outcome.choices] : [],
      token_sha256: token === null ? null : hashToken(token),
      last_day: deadline?.lastDay ?? null,
      due_at: deadline?.dueAt ?? null,
      substitute_variant_id: offer?.variantId ?? null,
      substitute: offer ? JSON.stringify(offer.facts) : null,
      cancelled_amount_minor: amount,
      declared_by: by,
      declared_at: now,
      closed_at: outcome.kind === 'ask' ? null : now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const caseId = inserted.id;
  await recordAudit(tx, { shopId, actor: input.actor, action: ORDER_LINE_UNAVAILABLE, target: `order:${order.number}`, details: { position: line.position, sku: line.sku, quantity: input.quantity, mode, substituteSku, caseId }, at: now });
  const declared: EvidenceData = { number: order.number, caseId, position: line.position, sku: line.sku, quantity: input.quantity, amount, currency: order.currency, mode, rule: 'AV-1', outcome: outcome.kind };
  const evidence: { kind: string; actor: string; data: EvidenceData }[] = [{ kind: ORDER_LINE_UNAVAILABLE, actor: by, data: declared }];

  if (outcome.kind === 'cancel') {
    const done = await cancelUnits(tx, { shopId, locked, policy, caseId, position: line.position, quantity: input.quantity, why: line.isGift ? 'gift' : 'terms', actor: input.actor, now });
    evidence.push(...done.evidence);
  } else if (outcome.kind === 'back_order') {
    const taken = await lineStock(tx, order.id, line.position);
    const after = stockAfterMissing({ ...taken, quantity: line.quantity }, input.quantity, 'back_order');
    await tx.updateTable('order_lines').set({ stock_taken: JSON.stringify(after.stockTaken), backordered_quantity: after.backorderedQuantity }).where('order_id', '=', order.id).where('position', '=', line.position).execute();
    const variant = await tx.selectFrom('variants').select('expected_arrival').where('id', '=', line.variantId).executeTakeFirst();
    await queueEmail(tx, { shopId, key: `unavailability.back_ordered:${shopId}:${caseId}`, email: backOrderedEmail(order, { missing, expectedArrival: variant?.expected_arrival ?? null }) }, now);
    evidence.push({ kind: ORDER_LINE_BACKORDERED, actor: by, data: { number: order.number, caseId, position: line.position, quantity: input.quantity, backordered: after.backorderedQuantity, writtenOff: after.writtenOff, expectedArrival: variant?.expected_arrival ?? null, rule: 'AV-1' } });
  } else {
    await scheduleTimer(tx, { shopId, kind: UNAVAILABILITY_ANSWER_DEADLINE, key: answerDeadlineTimerKey(shopId, caseId), dueAt: deadline!.dueAt, payload: { caseId, orderNumber: order.number } }, now);
    const base = input.storefrontUrl.replace(/\/+$/, '');
    const number = encodeURIComponent(order.number);
    await queueEmail(
      tx,
      {
        shopId,
        key: `unavailability.question:${shopId}:${caseId}`,
        email: choiceRequestEmail(order, {
          missing,
          choices: outcome.choices,
          link: `${base}/orders/${number}/unavailable/${token}`,
          accountLink: order.customerId !== null ? `${base}/account/orders/${number}/unavailable` : null,
          lastDay: deadline!.lastDay,
          amount,
          substitute: offer ? { name: offer.facts.name, options: offer.facts.options, total: offer.line.total, difference: offer.line.difference } : null,
          rest: policy.shipping.shipments === 'all_together' ? 'waits_for_answer' : 'ships_now',
        }),
      },
      now,
    );
    Object.assign(declared, { choices: [...outcome.choices], lastDay: deadline!.lastDay, dueAt: deadline!.dueAt.toISOString(), substitute: offer ? { sku: offer.facts.sku, unitPrice: offer.facts.unitPrice, total: offer.line.total, difference: offer.line.difference } : null });
  }
  for (const e of evidence) await appendEvidence(tx, { shopId, kind: e.kind, subject: { type: 'order', id: order.number }, actor: e.actor, data: e.data, at: now });
  const [kase] = await casesOf(tx, { shopId, id: caseId });
  return kase!;
}

type SubstituteOffer = {
  variantId: string;
  facts: { sku: string; name: Localised; options: Record<string, string>; unitPrice: number; ecoFeePerUnit: number };
  line: ReturnType<typeof substituteLine>;
};

/**
 * AV-1c: the variant offered instead — another variant of the shop, priced in
 * the order's currency now (the offer keeps that price), in stock at the
 * warehouse for the units (its stock is taken when the customer accepts), and
 * never charged more than the cancelled units (`substituteLine`).
 */
async function substituteOffer(tx: Tx, input: { shopId: string; order: Order; line: OrderLine; sku: string; quantity: number; amount: number; now: Date }): Promise<SubstituteOffer> {
  const { rows } = await sql<{ id: string; options: Record<string, string>; name: Localised; eco_fee_minor: string; price_minor: string | null; warehouse: string | null; vat_treatment: { mode: VatMode; includedRateBasisPoints: number } }>`
    SELECT v.id::text AS id, v.options, p.name, p.eco_fee_minor,
           (SELECT ph.amount_minor FROM price_history ph WHERE ph.variant_id = v.id AND ph.currency = ${input.order.currency} AND ph.effective_at <= ${input.now}
             ORDER BY ph.effective_at DESC, ph.id DESC LIMIT 1) AS price_minor,
           (SELECT sum(s.quantity) FROM stock s JOIN locations l ON l.id = s.location_id AND l.kind = 'warehouse' WHERE s.variant_id = v.id) AS warehouse,
           (SELECT o.vat_treatment FROM orders o WHERE o.id = ${input.order.id}::bigint) AS vat_treatment
      FROM variants v JOIN products p ON p.id = v.product_id
     WHERE v.shop_id = ${input.shopId} AND v.sku = ${input.sku}`.execute(tx);
  const v = rows[0];
  if (!v || v.price_minor === null) throw new DomainError('variant.not_found', { field: 'substituteSku', sku: input.sku }, `No variant ${input.sku} for sale.`);
  if (v.id === input.line.variantId) throw new DomainError('unavailability.substitute_same_variant', { field: 'substituteSku', rule: 'AV-1' }, 'The substitute is another item.');
  if (Number(v.warehouse ?? 0) < input.quantity) throw new DomainError('unavailability.substitute_sold_out', { field: 'substituteSku', rule: 'AV-1', available: Number(v.warehouse ?? 0) }, 'The substitute is not in stock for these units.');
  // PR-2: an export is charged the net amounts inside the catalogue's prices, like at checkout.
  const charged = (minor: number) => (v.vat_treatment.mode === 'export' ? splitInclusive(money(minor, input.order.currency), v.vat_treatment.includedRateBasisPoints).net.amount : minor);
  const facts = { sku: input.sku, name: v.name, options: v.options, unitPrice: charged(Number(v.price_minor)), ecoFeePerUnit: charged(Number(v.eco_fee_minor)) };
  return { variantId: v.id, facts, line: substituteLine({ cancelledAmount: input.amount, unitPrice: facts.unitPrice, ecoFeePerUnit: facts.ecoFeePerUnit, quantity: input.quantity }) };
}

async function lineStock(tx: Tx, orderId: string, position: number): Promise<{ stockTaken: { locationId: string; quantity: number }[]; backorderedQuantity: number }> {
  const row = await tx.selectFrom('order_lines').select(['stock_taken', 'backordered_quantity']).where('order_id', '=', orderId).where('position', '=', position).executeTakeFirstOrThrow();
  return { stockTaken: row.stock_taken, backorderedQuantity: row.backordered_quantity };
}

// ---------------------------------------------------------------------------
// Cancelling units

type Locked = { order: Order; payments: Payment[] };
type PendingEvidence = { kind: string; actor: string; data: EvidenceData };
type CancelWhy = 'terms' | 'gift' | 'customer_choice' | 'no_answer';

/**
 * AV-1: cancels `quantity` units of the line (see the header) and tells the
 * customer (AV-2). Returns the evidence to append last, after every write.
 */
async function cancelUnits(
  tx: Tx,
  input: { shopId: string; locked: Locked; policy: Policy; caseId: string; position: number; quantity: number; why: CancelWhy; actor: Actor; now: Date },
): Promise<{ amount: number; refund: OrderRefund | null; cancellation: Cancellation | null; evidence: PendingEvidence[] }> {
  const { shopId, locked, policy, now } = input;
  const { order, payments } = locked;
  const line = order.lines.find((l) => l.position === input.position)!;
  const amount = cancelledUnitsAmount(line, line.cancelledQuantity, input.quantity);
  const after = stockAfterMissing({ ...(await lineStock(tx, order.id, line.position)), quantity: line.quantity }, input.quantity, 'cancel');
  await tx
    .updateTable('order_lines')
    .set({ cancelled_quantity: line.cancelledQuantity + input.quantity, stock_taken: JSON.stringify(after.stockTaken), backordered_quantity: after.backorderedQuantity })
    .where('order_id', '=', order.id)
    .where('position', '=', line.position)
    .execute();
  const fresh = (await loadOrder(tx, { shopId, number: order.number }))!;
  const by = actorLabel(input.actor);
  const missing: MissingUnits = { name: line.name, options: line.options, quantity: input.quantity };
  const parcels = await tx.selectFrom('shipments').select('id').where('order_id', '=', order.id).where('state', '<>', 'cancelled').executeTakeFirst();
  const nothingSold = fresh.lines.filter((l) => !l.isGift).every((l) => l.quantity === l.cancelledQuantity);

  let refund: OrderRefund | null = null;
  let cancellation: Cancellation | null = null;
  let rest: 'ships_now' | 'already_shipped' | 'none' = 'ships_now';
  if (!parcels && nothingSold) {
    // Nothing shipped, nothing left: the whole order is cancelled (OR-7), every payment settled, the delivery too.
    const emailLine = { fr: `L'article ${units(missing, 'fr')} n'est plus disponible.`, en: `The item ${units(missing, 'en')} is no longer available.` };
    cancellation = await cancelForUnavailableItems(tx, { order: fresh, payments }, { shopId, actor: input.actor, by, emailLines: [emailLine], now });
    rest = 'none';
  } else {
    // PA-3: the cancelled units were the last to ship after earlier parcels: release the rest of the authorisation, invoice.
    await settleWhenNothingLeftToShip(tx, { shopId, order: fresh, payments, now });
    const { fulfilment } = await refreshFulfilment(tx, fresh, now);
    if (fulfilment !== 'unfulfilled' && fulfilment !== 'partially_shipped') rest = 'already_shipped';
    const back = refundForCancelledUnits(amount, payments);
    if (back > 0) {
      const dueOn = unavailableRefundDueOn({ cancelledAt: now, placedAt: order.placedAt, policy: policy.unavailability, timeZone: policy.shop.timeZone, place: { country: order.deliveryAddress.country } });
      // DOC-1: units cancelled after the invoice are credited on it (no invoice yet: nothing to credit).
      const credit = { items: [{ position: line.position, quantity: input.quantity, amount: back }], shipping: 0, reason: { fr: 'Article indisponible', en: 'Item unavailable' } };
      refund = await refundOrderAmount(tx, { shopId, order: fresh, payments, key: `line_unavailable:${input.caseId}`, reason: 'line_unavailable', rule: 'AV-1', amount: back, dueOn, credit, actor: input.actor, now });
    }
  }
  await tx
    .updateTable('unavailability_cases')
    .set({ cancelled_amount_minor: amount, refund_key: refund ? refund.key : null })
    .where('id', '=', input.caseId)
    .execute();
  if (!cancellation) {
    await queueEmail(
      tx,
      {
        shopId,
        key: `unavailability.cancelled:${shopId}:${input.caseId}`,
        email: unitsCancelledEmail(order, { missing, why: input.why, refund: refund ? { amount: refund.amount, dueOn: refund.dueOn, settlement: refund.settlement } : null, rest }),
      },
      now,
    );
  }
  const data: EvidenceData = {
    number: order.number,
    caseId: input.caseId,
    position: line.position,
    sku: line.sku,
    quantity: input.quantity,
    cancelledQuantity: line.cancelledQuantity + input.quantity,
    amount,
    currency: order.currency,
    refund: refund?.amount ?? 0,
    refundDueOn: refund?.dueOn ?? null,
    stockWrittenOff: after.writtenOff,
    orderCancelled: cancellation !== null,
    why: input.why,
    rule: 'AV-1',
  };
  return { amount, refund, cancellation, evidence: [{ kind: ORDER_LINE_CANCELLED, actor: by, data }] };
}

// ---------------------------------------------------------------------------
// The customer's answer, and the default

export type AnswerInput = {
  shopId: string;
  orderNumber: string;
  choice: string;
  /** The link's token (guests, and anyone with the email), or the signed-in customer and the case. */
  access: { token: string } | { customerId: string; caseId: string };
  now: Date;
};

/**
 * AV-1b / AV-1c: the customer answers — `wait`, `refund` or `substitute`
 * among the case's choices. Refused: `unavailability.not_found` (404: wrong
 * link, or not their order), `unavailability.invalid_choice`,
 * `unavailability.already_answered` (409), `unavailability.order_not_open`
 * (409: the order was cancelled meanwhile), `unavailability.substitute_sold_out` (409).
 */
export async function answerUnavailability(tx: Tx, input: AnswerInput): Promise<UnavailabilityCase> {
  const { shopId, now } = input;
  let caseId: string;
  if ('token' in input.access) {
    caseId = (await getCaseByToken(tx, { shopId, orderNumber: input.orderNumber, token: input.access.token })).kase.id;
  } else {
    const wanted = input.access.caseId;
    const { cases } = await listCustomerCases(tx, { shopId, orderNumber: input.orderNumber, customerId: input.access.customerId }).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === 'order.not_found') throw new DomainError('unavailability.not_found', { field: 'caseId', rule: 'AV-1' });
      throw error;
    });
    const found = cases.find((c) => c.id === wanted && c.choices.length > 0);
    if (!found) throw new DomainError('unavailability.not_found', { field: 'caseId', rule: 'AV-1' }, 'No such question on this order.');
    caseId = found.id;
  }
  const locked = await lockOrderWithPayments(tx, shopId, input.orderNumber);
  const kase = await lockCase(tx, shopId, caseId);
  if (!isUnavailabilityChoice(input.choice) || !kase.choices.includes(input.choice)) {
    throw new DomainError('unavailability.invalid_choice', { field: 'choice', rule: 'AV-1', allowed: kase.choices.join(', ') }, 'Choose one of the answers offered.');
  }
  const to: UnavailabilityCaseState = input.choice === 'wait' ? 'waiting' : input.choice === 'substitute' ? 'substituted' : 'cancelled';
  caseAfter(kase.state, to);
  if (!OPEN.includes(locked.order.state)) throw new DomainError('unavailability.order_not_open', { field: 'number', rule: 'AV-1', state: locked.order.state }, 'This order is no longer open.');
  await cancelTimer(tx, answerDeadlineTimerKey(shopId, kase.id), now);
  const evidence = await applyAnswer(tx, { shopId, locked, kase, choice: input.choice, by: 'customer', now });
  for (const e of evidence) await appendEvidence(tx, { shopId, kind: e.kind, subject: { type: 'order', id: input.orderNumber }, actor: e.actor, data: e.data, at: now });
  return (await casesOf(tx, { shopId, id: kase.id }))[0]!;
}

/**
 * Timer `unavailability.answer_deadline` (AV-1b, AV-1c): no answer by the
 * end of the last day — the policy's default: the units are cancelled (PF:
 * what is available ships; JW: a full refund). An answer meanwhile cancelled
 * the timer; checked again here under the locks. An order cancelled meanwhile
 * voids the case.
 */
export async function applyDefaultAnswer(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const caseId = timer.payload['caseId'];
  const orderNumber = timer.payload['orderNumber'];
  if (typeof caseId !== 'string' || typeof orderNumber !== 'string') throw new Error(`${timer.kind} timer ${timer.key} has no caseId / orderNumber`);
  const locked = await lockOrderWithPayments(tx, timer.shopId, orderNumber);
  const kase = await lockCase(tx, timer.shopId, caseId);
  if (kase.state !== 'awaiting_answer') return; // answered meanwhile
  if (!OPEN.includes(locked.order.state)) {
    await tx.updateTable('unavailability_cases').set({ state: caseAfter(kase.state, 'void'), closed_at: now }).where('id', '=', kase.id).execute();
    return;
  }
  const evidence = await applyAnswer(tx, { shopId: timer.shopId, locked, kase, choice: 'refund', by: 'default', now });
  for (const e of evidence) await appendEvidence(tx, { shopId: timer.shopId, kind: e.kind, subject: { type: 'order', id: orderNumber }, actor: e.actor, data: e.data, at: now });
}

async function lockCase(tx: Tx, shopId: string, caseId: string): Promise<UnavailabilityCase> {
  await tx.selectFrom('unavailability_cases').select('id').where('id', '=', caseId).where('shop_id', '=', shopId).forUpdate().execute();
  const [kase] = await casesOf(tx, { shopId, id: caseId });
  if (!kase) throw new DomainError('unavailability.not_found', { field: 'caseId', rule: 'AV-1' });
  return kase;
}

/** The answer (or the default) applied, under the locks; the evidence to append last. */
async function applyAnswer(tx: Tx, input: { shopId: string; locked: Locked; kase: UnavailabilityCase; choice: UnavailabilityChoice; by: 'customer' | 'default'; now: Date }): Promise<PendingEvidence[]> {
  const { shopId, locked, kase, choice, now } = input;
  const { order } = locked;
  const actor: Actor = { kind: 'system' };
  const label = input.by === 'customer' ? 'customer' : 'system';
  const policy = await policyOfOrder(tx, shopId, order.policyHash);
  const state: UnavailabilityCaseState = choice === 'wait' ? 'waiting' : choice === 'substitute' ? 'substituted' : 'cancelled';
  const answered: PendingEvidence = { kind: ORDER_UNAVAILABILITY_ANSWERED, actor: label, data: { number: order.number, caseId: kase.id, position: kase.position, quantity: kase.quantity, choice, answeredBy: input.by, lastDay: kase.lastDay, rule: 'AV-1' } };
  const evidence: PendingEvidence[] = [answered];
  const line = order.lines.find((l) => l.position === kase.position)!;
  const missing: MissingUnits = { name: line.name, options: line.options, quantity: kase.quantity };
  // The units turned up and left in a parcel while the question was open: nothing is cancelled nor substituted.
  const plan = (await planLines(tx, order)).find((l) => l.position === kase.position)!;
  if (choice !== 'wait' && remainingToShip(plan) < kase.quantity) {
    await tx.updateTable('unavailability_cases').set({ state: caseAfter(kase.state, 'void'), closed_at: now }).where('id', '=', kase.id).execute();
    return [{ kind: ORDER_UNAVAILABILITY_ANSWERED, actor: label, data: { number: order.number, caseId: kase.id, position: kase.position, choice, answeredBy: input.by, outcome: 'void', reason: 'units_shipped', rule: 'AV-1' } }];
  }
  if (choice === 'wait') {
    await queueEmail(tx, { shopId, key: `unavailability.waiting:${shopId}:${kase.id}`, email: waitConfirmedEmail(order, { missing }) }, now);
  } else if (choice === 'refund') {
    const done = await cancelUnits(tx, { shopId, locked, policy, caseId: kase.id, position: kase.position, quantity: kase.quantity, why: input.by === 'customer' ? 'customer_choice' : 'no_answer', actor, now });
    evidence.push(...done.evidence.map((e) => ({ ...e, actor: label })));
  } else {
    evidence.push(await acceptSubstitute(tx, { shopId, locked, kase, line, actorLabel: label, now }));
  }
  await tx
    .updateTable('unavailability_cases')
    .set({ state, choice, answered_by: input.by, answered_at: now, closed_at: now })
    .where('id', '=', kase.id)
    .execute();
  return evidence;
}

/**
 * AV-1c: the customer accepts the substitute — its stock is taken at the
 * warehouse now (`unavailability.substitute_sold_out` when gone), it becomes a
 * new line of the order at the offered price (discounted down to the cancelled
 * units' amount if dearer), the original units are cancelled, the order's
 * amounts and VAT breakdown follow (total = Σ lines + delivery, cancelled
 * units included), and a cheaper substitute's difference is refunded.
 */
async function acceptSubstitute(tx: Tx, input: { shopId: string; locked: Locked; kase: UnavailabilityCase; line: OrderLine; actorLabel: string; now: Date }): Promise<PendingEvidence> {
  const { shopId, locked, kase, line, now } = input;
  const { order, payments } = locked;
  const offered = await tx.selectFrom('unavailability_cases').select(['substitute_variant_id', 'substitute']).where('id', '=', kase.id).executeTakeFirstOrThrow();
  const variantId = offered.substitute_variant_id!;
  const facts = offered.substitute!;
  const n = kase.quantity;
  const amount = cancelledUnitsAmount(line, line.cancelledQuantity, n);
  const priced = substituteLine({ cancelledAmount: amount, unitPrice: facts.unitPrice, ecoFeePerUnit: facts.ecoFeePerUnit, quantity: n });

  // Stock of the substitute (OR-3), at the warehouse.
  const taken = await takeWarehouseUnits(tx, {
    shopId,
    variantId,
    quantity: n,
    now,
    short: (available) => new DomainError('unavailability.substitute_sold_out', { field: 'choice', rule: 'AV-1', available }, 'The item offered instead is no longer in stock: you may still choose a refund.'),
  });

  // The original units: cancelled, their stock written off (see the header).
  const after = stockAfterMissing({ ...(await lineStock(tx, order.id, line.position)), quantity: line.quantity }, n, 'cancel');
  await tx
    .updateTable('order_lines')
    .set({ cancelled_quantity: line.cancelledQuantity + n, stock_taken: JSON.stringify(after.stockTaken), backordered_quantity: after.backorderedQuantity })
    .where('order_id', '=', order.id)
    .where('position', '=', line.position)
    .execute();

  // The substitute's line, and the order's amounts.
  const added = await addOrderLines(tx, {
    shopId,
    order,
    lines: [{ variantId, sku: facts.sku, name: facts.name, options: facts.options, quantity: n, unitPrice: facts.unitPrice, ecoFeePerUnit: facts.ecoFeePerUnit, discount: priced.discount, total: priced.total, vatRateBasisPoints: line.vatRateBasisPoints, stockTaken: taken }],
    now,
  });
  const position = added.positions[0]!;
  const fresh = added.order;

  // The difference of a cheaper substitute goes back, when the money was taken (RF-1; JW: within 30 days of the order).
  let refund: OrderRefund | null = null;
  const back = refundForCancelledUnits(priced.difference, payments);
  if (back > 0) {
    const policy = await policyOfOrder(tx, shopId, order.policyHash);
    const dueOn = unavailableRefundDueOn({ cancelledAt: now, placedAt: order.placedAt, policy: policy.unavailability, timeZone: policy.shop.timeZone, place: { country: order.deliveryAddress.country } });
    // DOC-1: the difference credited on the invoice at the line's VAT rate (no invoice yet: nothing to credit).
    const label = { fr: 'Différence de prix de l’article de remplacement', en: 'Price difference of the substitute item' };
    const credit = { items: [], shipping: 0, other: [{ label, amount: back, vatRateBasisPoints: line.vatRateBasisPoints }], reason: { fr: 'Article indisponible remplacé', en: 'Unavailable item substituted' } };
    refund = await refundOrderAmount(tx, { shopId, order: fresh, payments, key: `line_substituted:${kase.id}`, reason: 'line_unavailable', rule: 'AV-1', amount: back, dueOn, credit, actor: { kind: 'system' }, now });
  }
  await tx
    .updateTable('unavailability_cases')
    .set({ substitute_position: position, cancelled_amount_minor: amount, refund_key: refund ? refund.key : null })
    .where('id', '=', kase.id)
    .execute();
  await queueEmail(
    tx,
    {
      shopId,
      key: `unavailability.substituted:${shopId}:${kase.id}`,
      email: substitutedEmail(order, {
        missing: { name: line.name, options: line.options, quantity: n },
        substitute: { name: facts.name, options: facts.options, quantity: n },
        refund: refund ? { amount: refund.amount, dueOn: refund.dueOn, settlement: refund.settlement } : null,
      }),
    },
    now,
  );
  return {
    kind: ORDER_LINE_SUBSTITUTED,
    actor: input.actorLabel,
    data: {
      number: order.number,
      caseId: kase.id,
      position: line.position,
      quantity: n,
      cancelledAmount: amount,
      substitute: { position, sku: facts.sku, unitPrice: facts.unitPrice, goods: priced.goods, ecoFee: priced.ecoFee, discount: priced.discount, total: priced.total },
      stockTaken: taken,
      refund: refund?.amount ?? 0,
      refundDueOn: refund?.dueOn ?? null,
      orderTotal: order.total + priced.total,
      rule: 'AV-1',
    },
  };
}
