// Issue 6: the exchange by post instead of a refund (EX-1; JW, EL). The
// customer asks for it with the withdrawal statement (src/app/withdrawals.ts,
// `exchange: true`, each item naming the variant wanted; JW: one exchange per
// order), sends the goods back, staff receive them (src/app/returns.ts); this
// module settles it once the goods are in.
//
// settleExchange: per line of the return, accepted or refused (with a reason,
// WD-8). For the accepted lines:
//   - the replacement is the variant named in the statement, at its catalogue
//     price in the order's currency NOW (PR-2: an export is charged net);
//     its units are taken at the warehouse at once (OR-3), whatever comes next;
//   - the returned units go back on sale (`restockUnits`);
//   - EX-1 price difference (src/domain/exchanges/price-difference.ts):
//     returned amount = THE refund calculator's items (each line's total spread
//     over its units, `lineAmountFor`, after earlier returns), no delivery back
//     (the order is kept: its delivery is not at stake, whatever
//     `initialShippingRefunded` says — JW `false`, EL `true` alike);
//     cheaper → the shop refunds the difference through THE executor
//     (`refundOrderAmount`, reason `exchange`, due 14 days after the
//     settlement: MONEY_BACK_WITHIN); dearer → the customer pays it by card
//     before anything ships: a payment referenced `{ kind: 'exchange', id:
//     <return number> }`, its session opened after the commit and its link
//     emailed, to pay within 7 days (the engine's choice, not in the terms:
//     PAYMENT_DUE_WITHIN); when the provider confirms the capture, the
//     listener below adds the replacement to the order and packs its parcel;
//     unpaid by then, the timer `exchange.payment_due` closes the exchange
//     and puts the replacement's units back on sale; staff may send a new
//     link meanwhile (`reissueExchangePaymentLink`);
//   - equal or cheaper: the replacement is added and packed at once.
// DOC-1, once the replacement is on the order: a credit note of the returned
// units and a complementary invoice of the replacement line (which the
// invoice does not list), so that the replacement can be withdrawn and
// credited later; a refund of it draws on the difference's payment too (the
// order's payments include it: `lockOrderWithPayments`).
// Refused lines: kept for the customer like a withdrawal's (WD-8: the
// policy's `refusedReturns`, the return's `refused_kept_until` and timer).
//
// How the order represents it (planLines / fulfilment stay coherent): the
// returned units stay on their line — they were delivered, and are not
// cancelled (a cancelled unit is one that never ships); the return's
// accepted units say they came back, as for a withdrawal, so they are never
// withdrawn or exchanged twice and a later refund of the line continues after
// them. The replacement is a NEW order line (full price; the order's totals
// and VAT breakdown grow with it) shipped in an ordinary parcel: it is then
// to ship like any line, delivered, withdrawable and refundable at its price
// (the customer paid it with the returned units plus the difference).
//
// The return row: `refunded` once settled (`inspected` while the difference
// is awaited, or when nothing was accepted), its `refund` the calculation
// with `refund` = what the shop gives back and `exchange` = the settlement.
//
// Locks: the order's payments (its exchanges' included) → the order → the
// return → stock rows → document counters → evidence head (`order.refund_due`,
// `shipment.packed`, `payment.started`, the documents' proofs, then
// `exchange.settled` last). The listener: the exchange payment (held by the
// webhook) → the order → the return → counters → evidence.
import { sql } from 'kysely';
import { periodEnd, type LegalPeriod } from '../domain/calendar/period-end.js';
import { DomainError } from '../domain/errors.js';
import { postalExchangeDifference } from '../domain/exchanges/price-difference.js';
import { MONEY_BACK_WITHIN } from '../domain/legal-floor.js';
import { formatMoney, money, type Currency } from '../domain/money.js';
import type { PaymentState } from '../domain/payments/payment-lifecycle.js';
import { splitInclusive, type VatMode } from '../domain/pricing/vat.js';
import type { PaymentProvider } from '../adapters/payments/provider.js';
import type { Policy } from '../policy/schema.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import type { Db, Tx } from '../store/db.js';
import { appendEvidence, type NewEvidence } from '../store/evidence.js';
import { priceInForce, refreshProductCards } from '../store/product-cards.js';
import { scheduleTimer, type DueTimer } from '../store/timers.js';
import { addOrderLines, takeWarehouseUnits } from './added-order-lines.js';
import { issueCreditNote, issueReplacementInvoice } from './credit-notes.js';
import { queueEmail, type EmailPayload } from './emails.js';
import { refundLines } from './fulfilment-emails.js';
import { packShipment, restockUnits } from './fulfilment.js';
import { legalDate, orderEmail, replyClosing } from './order-emails.js';
import { refundOrderAmount, type OrderRefund } from './order-refunds.js';
import { loadOrder, policyOfOrder, type Order } from './orders.js';
import { cancelPaymentSession, cardRulesFor, getPayment, onPaymentStateChanged, openPaymentSession, preparePayment, provePaymentStarted, type Payment } from './payments.js';
import { checkInspection, getReturn, lockReturn, recordInspection, refundFor, type Return, type ReturnRefund } from './returns.js';
import { lockStock } from './stock.js';

export const EXCHANGE_SETTLED = 'exchange.settled';
export const EXCHANGE_REPLACEMENT_PACKED = 'exchange.replacement_packed';
export const EXCHANGE_PAYMENT_LINK = 'exchange.payment_link';
export const EXCHANGE_CLOSED = 'exchange.closed';
/** The payment reference kind of a price difference the customer pays (id: the return number). */
export const EXCHANGE_PAYMENT = 'exchange';
/** The difference unpaid by its day → the exchange is closed, the replacement's stock back on sale. */
export const EXCHANGE_PAYMENT_DUE_TIMER = 'exchange.payment_due';
/**
 * How long the customer has to pay the difference (from the settlement, or
 * from a new link). NOT in the source terms (EX-1 sets no deadline): the
 * engine's choice, so that the replacement's units are not held forever.
 */
const PAYMENT_DUE_WITHIN: LegalPeriod = { days: 7, kind: 'calendar' };

type Localised = { fr: string; en: string };

/** One replacement order line: what was sent back (its position) → what the customer gets. */
export type ExchangeReplacement = {
  returnedPosition: number;
  variantId: string;
  sku: string;
  name: Localised;
  options: Record<string, string>;
  quantity: number;
  unitPrice: number;
  ecoFeePerUnit: number;
  /** unitPrice + ecoFeePerUnit, times the units (no discount). */
  total: number;
  vatRateBasisPoints: number;
  /** OR-3: where its units were taken at the settlement. */
  stockTaken: { locationId: string; quantity: number }[];
  /** Its order line, once added (at once, or when the difference is paid). */
  position: number | null;
};

export type ExchangeSettlement = {
  /** EX-1: what the accepted returned units are worth. */
  returnedAmount: number;
  /** EX-1: what the replacements cost now. */
  replacementPrice: number;
  customerPays: number;
  shopRefunds: number;
  replacements: ExchangeReplacement[];
  /**
   * The difference the customer pays (card), null when there is none; to pay
   * by `payBy` (`expired` after it: the exchange closed, the replacement back on sale).
   */
  payment: { id: string; amount: number; state: 'awaiting' | 'paid' | 'expired'; payBy: string } | null;
  /** The replacement parcel, once packed. */
  replacementShipment: string | null;
};

export type SettledExchange = Return & { exchange: ExchangeSettlement | null; paymentUrl: string | null };

export type ExchangeLineDecision = { position: number; outcome: 'accepted' | 'refused'; reason?: string | null | undefined };

export type SettleExchangeInput = {
  shopId: string;
  returnNumber: string;
  lines: readonly ExchangeLineDecision[];
  actor: Actor;
  now: Date;
  /** The card provider, needed when the customer has a difference to pay. */
  provider?: PaymentProvider | undefined;
};

type StoredRefund = ReturnRefund & { exchange: ExchangeSettlement };

const exchangeOf = (r: Return): ExchangeSettlement | null => (r.refund as StoredRefund | null)?.exchange ?? null;

/**
 * EX-1 (see the header). Settled once: asked again, it returns the settlement
 * (and opens the payment page left unopened by a provider failure).
 * @throws exchange.not_an_exchange, return.not_received, return.outcome_required, return.reason_required,
 *   exchange.invalid_outcome, exchange.replacement_not_for_sale, exchange.replacement_out_of_stock,
 *   payment.provider_unavailable (503: settled, the payment page could not be opened: ask again)
 */
export async function settleExchange(db: Db, input: SettleExchangeInput): Promise<SettledExchange> {
  const settled = await db.transaction().execute((tx) => settle(tx, input));
  return sendPaymentLink(db, input, settled);
}

/**
 * PA-1: the provider's session of the difference awaited, opened after the
 * commit (no provider call under the order and stock locks; idempotent), and
 * its link emailed once per payment. The settlement as it is when nothing awaits.
 */
async function sendPaymentLink(db: Db, input: { shopId: string; now: Date; provider?: PaymentProvider | undefined }, settled: Return): Promise<SettledExchange> {
  const { shopId, now } = input;
  const exchange = exchangeOf(settled);
  const awaited = exchange?.payment?.state === 'awaiting' ? exchange.payment : null;
  if (!exchange || !awaited) return { ...settled, exchange, paymentUrl: null };
  let paymentUrl: string;
  try {
    if (!input.provider) throw new Error('no payment provider');
    const policy = await policyOfOrder(db, shopId, (await loadOrder(db, { shopId, number: settled.orderNumber }))!.policyHash);
    const opened = await openPaymentSession(db, input.provider, { shopId, paymentId: awaited.id, cardRules: cardRulesFor(policy, 'card'), returnUrl: '/', now });
    paymentUrl = opened.redirectUrl;
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError('payment.provider_unavailable', { field: 'number', rule: 'EX-1', return: settled.number }, 'The exchange is settled, but the payment page could not be opened: try again in a moment.');
  }
  await db.transaction().execute(async (tx) => {
    const order = (await loadOrder(tx, { shopId, number: settled.orderNumber }))!;
    await queueEmail(tx, { shopId, key: `${EXCHANGE_PAYMENT_LINK}:${shopId}:${settled.number}:${awaited.id}`, email: paymentLinkEmail({ ...order, email: settled.email }, settled, exchange, paymentUrl) }, now);
  });
  return { ...settled, exchange, paymentUrl };
}

async function settle(tx: Tx, input: SettleExchangeInput): Promise<Return> {
  const { shopId, now } = input;
  const { order, payments, ret, id } = await lockReturn(tx, shopId, input.returnNumber);
  if (ret.purpose !== 'exchange') throw new DomainError('exchange.not_an_exchange', { field: 'number', rule: 'EX-1' }, 'This return is a refund: inspect it from the returns screen.');
  if (ret.inspectedAt !== null) return ret; // settled already
  if (ret.state !== 'received') throw new DomainError('return.not_received', { field: 'number', rule: 'WD-8', state: ret.state }, 'Record the goods as received first.');
  const policy = await policyOfOrder(tx, shopId, order.policyHash);
  if (!policy.exchanges.byPost) throw new DomainError('exchange.not_offered', { field: 'number', rule: 'EX-1' }, 'This shop does not exchange items by post.');
  input.lines.forEach((l, i) => {
    if ((l.outcome as string) !== 'accepted' && (l.outcome as string) !== 'refused') throw new DomainError('exchange.invalid_outcome', { field: `lines.${i}.outcome`, rule: 'EX-1' }, 'An exchanged item is accepted or refused.');
  });
  const decided = checkInspection(ret, input.lines);
  const accepted = decided.filter((d) => d.outcome === 'accepted');

  // EX-1: what the returned units are worth (THE calculator; no delivery back on an exchange).
  const calculation = await refundFor(tx, { shopId, order, policy, ret, decided, nonConforming: false });
  const replacements = await priceReplacements(tx, { shopId, order, ret, accepted, now });
  // OR-3: one lock of every variant touched (sorted), the replacements' and the returned ones', before any change.
  await lockStock(tx, [...replacements.map((r) => r.variantId), ...order.lines.filter((l) => accepted.some((d) => d.position === l.position)).map((l) => l.variantId)]);
  for (const r of replacements) {
    r.stockTaken = await takeWarehouseUnits(tx, {
      shopId,
      variantId: r.variantId,
      quantity: r.quantity,
      now,
      short: (available) => new DomainError('exchange.replacement_out_of_stock', { field: 'lines', rule: 'EX-1', sku: r.sku, available }, `Not enough ${r.sku} at the warehouse for the exchange: wait for stock.`),
    });
  }
  await restockUnits(tx, order, accepted.map((d) => ({ position: d.position, quantity: d.quantity })), now);

  const replacementPrice = replacements.reduce((s, r) => s + r.total, 0);
  const difference = postalExchangeDifference({ returnedAmount: calculation.itemsTotal, replacementPrice });
  const timeZone = policy.shop.timeZone;
  const place = { country: order.deliveryAddress.country };
  const key = `exchange:${ret.number}`;
  let payment: Payment | null = null;
  let payBy: ReturnType<typeof periodEnd> | null = null;
  const proofs: NewEvidence[] = []; // the documents' proofs, appended last
  let documents: ExchangeDocuments = { creditNote: null, complementaryInvoice: null };
  if (difference.customerPays > 0) {
    // EX-1: the dearer replacement ships once the customer paid the difference (its stock is kept meanwhile):
    // captured at once whatever the shop's PA-3 mode — the money comes before the parcel.
    payment = await preparePayment(tx, { shopId, reference: { kind: EXCHANGE_PAYMENT, id: ret.number }, method: 'card', amount: money(difference.customerPays, order.currency), captureMode: 'automatic', now });
    payBy = periodEnd({ from: now, period: PAYMENT_DUE_WITHIN, timeZone, place });
  } else if (replacements.length > 0) {
    await addReplacementLines(tx, { shopId, order, replacements, now });
    documents = await invoiceExchange(tx, { shopId, order, key, items: calculation.items, replacements, proofs, now });
  }
  let executed: Awaited<ReturnType<typeof refundOrderAmount>> | null = null;
  if (difference.shopRefunds > 0) {
    // EX-1: the cheaper replacement's difference, the way the order was paid (RF-3), within 14 days of the settlement.
    // DOC-1: the credit note of the returned units and the invoice of the replacement state it already.
    const dueOn = periodEnd({ from: now, period: MONEY_BACK_WITHIN, timeZone, place }).lastDay;
    executed = await refundOrderAmount(tx, { shopId, order, payments, key, reason: 'exchange', rule: 'EX-1', amount: difference.shopRefunds, dueOn, to: ret.refundTo, actor: input.actor, now });
  }
  const shipment = payment === null && replacements.length > 0 ? await packReplacements(tx, { shopId, order, replacements, actor: input.actor, now }) : null;

  const exchange: ExchangeSettlement = {
    returnedAmount: calculation.itemsTotal,
    replacementPrice,
    ...difference,
    replacements,
    payment: payment && payBy ? { id: payment.id, amount: payment.amount, state: 'awaiting', payBy: payBy.lastDay } : null,
    replacementShipment: shipment,
  };
  const refund: StoredRefund = {
    ...calculation,
    refund: difference.shopRefunds,
    owed: 0,
    executed: executed?.amount ?? 0,
    dueOn: executed?.dueOn ?? null,
    settlement: executed?.settlement ?? [],
    to: ret.refundTo,
    lateSurcharge: 0,
    daysLate: 0,
    // DOC-1: the credit note of the returned units and the complementary invoice of the replacement, issued
    // together once the replacement is on the order (at once, or when the difference is paid).
    ...documents,
    exchange,
  };
  // WD-8: the refused items are kept for the customer, as for a withdrawal.
  const done = accepted.length > 0 && payment === null;
  const keptUntil = await recordInspection(tx, {
    shopId,
    id,
    ret,
    decided,
    policy,
    country: order.deliveryAddress.country,
    state: done ? 'refunded' : 'inspected',
    refundedAt: done ? now : null,
    refundKey: key,
    refund,
    actor: input.actor,
    now,
  });
  if (payment && payBy) await schedulePaymentDue(tx, { shopId, returnNumber: ret.number, paymentId: payment.id, dueAt: payBy.dueAt }, now);
  const result = await getReturn(tx, { shopId, number: ret.number });
  await queueEmail(tx, { shopId, key: `${EXCHANGE_SETTLED}:${shopId}:${ret.number}`, email: exchangeSettledEmail({ ...order, email: ret.email }, policy, result, exchange, executed?.dueOn ?? null) }, now);
  await recordAudit(tx, { shopId, actor: input.actor, action: EXCHANGE_SETTLED, target: `return:${ret.number}`, details: { order: order.number, lines: decided.map((d) => ({ ...d })), ...difference, replacementShipment: shipment }, at: now });
  if (payment) await provePaymentStarted(tx, payment, now);
  for (const p of proofs) await appendEvidence(tx, p);
  await appendEvidence(tx, {
    shopId,
    kind: EXCHANGE_SETTLED,
    subject: { type: 'order', id: order.number },
    actor: actorLabel(input.actor),
    data: {
      number: order.number,
      return: ret.number,
      rule: 'EX-1',
      lines: decided.map((d) => ({ position: d.position, quantity: d.quantity, outcome: d.outcome, reason: d.reason })),
      replacements: replacements.map((r) => ({ returnedPosition: r.returnedPosition, sku: r.sku, quantity: r.quantity, total: r.total })),
      returnedAmount: exchange.returnedAmount,
      replacementPrice,
      customerPays: difference.customerPays,
      shopRefunds: difference.shopRefunds,
      executed: refund.executed,
      currency: order.currency,
      refundDueOn: refund.dueOn,
      paymentId: payment?.id ?? null,
      payBy: payBy?.lastDay ?? null,
      replacementShipment: shipment,
      creditNote: documents.creditNote,
      complementaryInvoice: documents.complementaryInvoice,
      refusedKeptUntil: keptUntil?.lastDay ?? null,
    },
    at: now,
  });
  return result;
}

/**
 * EX-1: each accepted line's replacement — the variant named in the statement,
 * at its price in force now in the order's currency (PR-2: an export is
 * charged the net amounts, like at checkout), with the returned line's VAT
 * rate (the same sale, destination and kind of goods).
 */
async function priceReplacements(
  tx: Tx,
  input: { shopId: string; order: Order; ret: Return; accepted: readonly { position: number; quantity: number }[]; now: Date },
): Promise<ExchangeReplacement[]> {
  const { order, ret } = input;
  const treatment = (await tx.selectFrom('orders').select('vat_treatment').where('id', '=', order.id).executeTakeFirstOrThrow()).vat_treatment as { mode: VatMode; includedRateBasisPoints: number };
  const out: ExchangeReplacement[] = [];
  for (const d of input.accepted) {
    const variantId = ret.lines.find((l) => l.position === d.position)!.exchangeVariantId;
    const line = order.lines.find((l) => l.position === d.position)!;
    const field = `lines.${ret.lines.findIndex((l) => l.position === d.position)}`;
    const v =
      variantId === null
        ? undefined
        : await tx
            .selectFrom('variants as v')
            .innerJoin('products as p', 'p.id', 'v.product_id')
            .select(['v.id', 'v.sku', 'v.options', 'p.name', 'p.eco_fee_minor', priceInForce(sql.ref('v.id'), order.currency, input.now).as('price_minor')])
            .where('v.shop_id', '=', input.shopId)
            .where('v.id', '=', variantId)
            .executeTakeFirst();
    if (!v || v.price_minor === null) throw new DomainError('exchange.replacement_not_for_sale', { field, rule: 'EX-1', position: d.position }, 'The item asked for is no longer for sale: refuse the exchange line or contact the customer.');
    const charged = (minor: number) => (treatment.mode === 'export' ? splitInclusive(money(minor, order.currency), treatment.includedRateBasisPoints).net.amount : minor);
    const unitPrice = charged(Number(v.price_minor));
    const ecoFeePerUnit = charged(Number(v.eco_fee_minor));
    out.push({
      returnedPosition: d.position,
      variantId: v.id,
      sku: v.sku,
      name: v.name as Localised,
      options: v.options as Record<string, string>,
      quantity: d.quantity,
      unitPrice,
      ecoFeePerUnit,
      total: (unitPrice + ecoFeePerUnit) * d.quantity,
      vatRateBasisPoints: line.vatRateBasisPoints,
      stockTaken: [],
      position: null,
    });
  }
  return out;
}

/**
 * The replacements become lines of the order (full price, their stock taken
 * already); `packReplacements` then packs their parcel.
 */
async function addReplacementLines(tx: Tx, input: { shopId: string; order: Order; replacements: ExchangeReplacement[]; now: Date }): Promise<void> {
  const { positions } = await addOrderLines(tx, { ...input, lines: input.replacements.map((r) => ({ ...r, discount: 0 })) });
  input.replacements.forEach((r, i) => (r.position = positions[i]!));
}

/** The replacement lines' parcel — an ordinary parcel, dispatched later by staff (SH-5). Returns its number. */
async function packReplacements(tx: Tx, input: { shopId: string; order: Order; replacements: readonly ExchangeReplacement[]; actor: Actor; now: Date }): Promise<string> {
  const lines = input.replacements.map((r) => ({ position: r.position!, quantity: r.quantity }));
  return (await packShipment(tx, { shopId: input.shopId, orderNumber: input.order.number, lines, actor: input.actor, now: input.now })).number;
}

type ExchangeDocuments = { creditNote: string | null; complementaryInvoice: string | null };

/**
 * DOC-1 (EX-1): the invoice is never edited — the returned units are credited
 * (their price, each line spread to the cent by THE calculator) and the
 * replacement lines, which the invoice does not list, are billed by a
 * complementary invoice referring to it (F sequence); a later withdrawal of a
 * replacement is credited on that basis. Nothing before the invoice (PF before
 * dispatch: it will list the replacement). The proofs go to `proofs` (the caller appends them last).
 */
async function invoiceExchange(
  tx: Tx,
  input: { shopId: string; order: Order; key: string; items: readonly { position: number; quantity: number; net: number }[]; replacements: readonly ExchangeReplacement[]; proofs: NewEvidence[]; now: Date },
): Promise<ExchangeDocuments> {
  const { shopId, order, key, proofs, now } = input;
  const items = input.items.filter((i) => i.net > 0).map((i) => ({ position: i.position, quantity: i.quantity, amount: i.net }));
  const note = items.length > 0 ? await issueCreditNote(tx, { shopId, orderId: order.id, key, reason: { fr: 'Échange : articles renvoyés', en: 'Exchange: items sent back' }, items, shipping: 0, proofs, now }) : null;
  const billed = await issueReplacementInvoice(tx, { shopId, orderId: order.id, key, positions: input.replacements.map((r) => r.position!), proofs, now });
  return { creditNote: note?.number ?? null, complementaryInvoice: billed?.number ?? null };
}

async function schedulePaymentDue(tx: Tx, input: { shopId: string; returnNumber: string; paymentId: string; dueAt: Date }, now: Date): Promise<void> {
  const { shopId, returnNumber, paymentId } = input;
  await scheduleTimer(tx, { shopId, kind: EXCHANGE_PAYMENT_DUE_TIMER, key: `${EXCHANGE_PAYMENT_DUE_TIMER}:${shopId}:${returnNumber}:${paymentId}`, dueAt: input.dueAt, payload: { returnNumber, paymentId } }, now);
}

// ---------------------------------------------------------------------------
// The difference paid (listener of the payments referenced `exchange`)

/**
 * EX-1: the customer's payment of the difference is captured → the
 * replacement is added to the order, invoiced (DOC-1) and its parcel packed,
 * the return settled, the customer told. Once: a settlement paid is left alone.
 * A payment that fails leaves the exchange waiting (staff see it open, a new
 * link may be sent). Money that is no longer owed — a payment superseded by a
 * new link, or paid after the exchange was closed — goes back (THE executor).
 *
 * Locks: the exchange payment (held by the webhook) → the order → the return.
 * Not the order's other payments: `lockOrderWithPayments` takes them with this
 * one sorted by id, then the order — taking them after this one would wait in reverse.
 */
async function exchangePaymentChanged(tx: Tx, payment: Payment, _before: PaymentState, now: Date): Promise<void> {
  if (payment.state !== 'captured') return;
  const shopId = payment.shopId;
  const found = await getReturn(tx, { shopId, number: payment.reference.id });
  const order = (await loadOrder(tx, { shopId, number: found.orderNumber, forUpdate: true }))!;
  const { id } = await tx.selectFrom('returns').select('id').where('shop_id', '=', shopId).where('number', '=', found.number).forUpdate().executeTakeFirstOrThrow();
  const ret = await getReturn(tx, { shopId, number: found.number });
  const stored = ret.refund as StoredRefund | null;
  const exchange = stored?.exchange;
  if (!stored || !exchange?.payment) return;
  if (exchange.payment.id !== payment.id || exchange.payment.state !== 'awaiting') {
    if (exchange.payment.id !== payment.id || exchange.payment.state === 'expired') await refundUnowed(tx, { order, payment, returnNumber: ret.number, now });
    return;
  }
  const actor: Actor = { kind: 'system' };
  const proofs: NewEvidence[] = [];
  await addReplacementLines(tx, { shopId, order, replacements: exchange.replacements, now });
  const documents = await invoiceExchange(tx, { shopId, order, key: `exchange:${ret.number}`, items: stored.items, replacements: exchange.replacements, proofs, now });
  const shipment = await packReplacements(tx, { shopId, order, replacements: exchange.replacements, actor, now });
  const paid: ExchangeSettlement = { ...exchange, payment: { ...exchange.payment, state: 'paid' }, replacementShipment: shipment };
  await tx
    .updateTable('returns')
    .set({ state: ret.state === 'inspected' ? 'refunded' : ret.state, refunded_at: now, refund: JSON.stringify({ ...stored, ...documents, exchange: paid }) })
    .where('id', '=', id)
    .execute();
  const result = await getReturn(tx, { shopId, number: ret.number });
  await queueEmail(tx, { shopId, key: `${EXCHANGE_REPLACEMENT_PACKED}:${shopId}:${ret.number}`, email: replacementPackedEmail({ ...order, email: ret.email }, result, paid) }, now);
  for (const p of proofs) await appendEvidence(tx, p);
  await appendEvidence(tx, {
    shopId,
    kind: EXCHANGE_REPLACEMENT_PACKED,
    subject: { type: 'order', id: order.number },
    actor: 'system',
    data: { number: order.number, return: ret.number, rule: 'EX-1', paymentId: payment.id, paid: payment.captured, currency: order.currency, replacementShipment: shipment, ...documents },
    at: now,
  });
}

/** EX-1: a difference captured when nothing is owed any more goes back the way it came (RF-3), within 14 days. */
async function refundUnowed(tx: Tx, input: { order: Order; payment: Payment; returnNumber: string; now: Date }): Promise<void> {
  const { order, payment, now } = input;
  const policy = await policyOfOrder(tx, payment.shopId, order.policyHash);
  const dueOn = periodEnd({ from: now, period: MONEY_BACK_WITHIN, timeZone: policy.shop.timeZone, place: { country: order.deliveryAddress.country } }).lastDay;
  await refundOrderAmount(tx, {
    shopId: payment.shopId,
    order,
    payments: [payment],
    key: `exchange.unowed:${input.returnNumber}:${payment.id}`,
    reason: 'exchange',
    rule: 'EX-1',
    amount: payment.captured,
    dueOn,
    actor: { kind: 'system' },
    now,
  });
}
onPaymentStateChanged(EXCHANGE_PAYMENT, exchangePaymentChanged);

/** The awaited difference's payment is closed or superseded: its hosted page is closed when it has one and nobody paid yet. */
async function closeSession(tx: Tx, payment: Payment | undefined, now: Date): Promise<void> {
  if (payment?.providerSessionId && (payment.state === 'pending' || payment.state === 'requires_action')) await cancelPaymentSession(tx, { shopId: payment.shopId, paymentId: payment.id, now });
}

/** A payment that may still be completed by the customer, or has failed: not being paid. */
const notPaid = (p: Payment | undefined) => p === undefined || p.state === 'pending' || p.state === 'requires_action' || p.state === 'failed';

/**
 * Timer `exchange.payment_due` (EX-1; the 7 days are the engine's, see
 * PAYMENT_DUE_WITHIN): the difference still unpaid → its payment page closed,
 * the replacement's units back on sale (they were never added to the order:
 * no line nor parcel to undo), the exchange closed and the customer invited to
 * contact the shop. Does nothing once paid, being paid, or superseded by a new link.
 */
export async function expireExchangePayment(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const shopId = timer.shopId;
  const { order, payments, ret, id } = await lockReturn(tx, shopId, String(timer.payload.returnNumber));
  const stored = ret.refund as StoredRefund | null;
  const exchange = stored?.exchange;
  if (!stored || exchange?.payment?.state !== 'awaiting' || exchange.payment.id !== timer.payload.paymentId) return;
  const payment = payments.find((p) => p.id === exchange.payment!.id);
  if (!notPaid(payment)) return; // authorised or captured: the webhook's listener adds the replacement
  await closeSession(tx, payment, now);
  // OR-3: the units taken at the settlement go back where they were taken.
  const variantIds = exchange.replacements.map((r) => r.variantId);
  await lockStock(tx, variantIds);
  for (const r of exchange.replacements) {
    for (const a of r.stockTaken) await sql`UPDATE stock SET quantity = quantity + ${a.quantity}::int WHERE variant_id = ${r.variantId}::bigint AND location_id = ${a.locationId}::bigint`.execute(tx);
  }
  await refreshProductCards(tx, { variantIds, now });
  // WD-1 / RF-1: the goods came back and no exchange took place: the withdrawal stands and is refunded, within 14 days of today.
  const items = stored.items.filter((i) => i.net > 0).map((i) => ({ position: i.position, quantity: i.quantity, amount: i.net }));
  const owed = items.reduce((n, i) => n + i.amount, 0);
  const policy = await policyOfOrder(tx, shopId, order.policyHash);
  const dueOn = periodEnd({ from: now, period: MONEY_BACK_WITHIN, timeZone: policy.shop.timeZone, place: { country: order.deliveryAddress.country } }).lastDay;
  const refund =
    owed > 0
      ? await refundOrderAmount(tx, {
          shopId,
          order,
          payments,
          key: `exchange_closed:${ret.number}`,
          reason: 'withdrawal',
          rule: 'EX-1/RF-1',
          amount: owed,
          dueOn,
          credit: { items, shipping: 0, reason: { fr: `Échange ${ret.number} non réglé : articles retournés`, en: `Exchange ${ret.number} not paid: items returned` } },
          actor: { kind: 'system' },
          now,
        })
      : null;
  const closed: ExchangeSettlement = { ...exchange, payment: { ...exchange.payment, state: 'expired' } };
  // WD-8: refused items still kept for the customer keep the return open until their own timer closes it.
  await tx
    .updateTable('returns')
    .set({ state: ret.refusedKeptUntil === null ? 'closed' : ret.state, refund: JSON.stringify({ ...stored, exchange: closed }) })
    .where('id', '=', id)
    .execute();
  const result = await getReturn(tx, { shopId, number: ret.number });
  await queueEmail(tx, { shopId, key: `${EXCHANGE_CLOSED}:${shopId}:${ret.number}`, email: exchangeClosedEmail({ ...order, email: ret.email }, result, closed, refund) }, now);
  await appendEvidence(tx, {
    shopId,
    kind: EXCHANGE_CLOSED,
    subject: { type: 'order', id: order.number },
    actor: 'system',
    data: {
      number: order.number,
      return: ret.number,
      rule: 'EX-1',
      paymentId: exchange.payment.id,
      unpaid: exchange.customerPays,
      currency: order.currency,
      payBy: exchange.payment.payBy,
      restocked: exchange.replacements.map((r) => ({ sku: r.sku, quantity: r.quantity })),
      refund: refund?.amount ?? 0,
      refundDueOn: refund?.dueOn ?? null,
    },
    at: now,
  });
}

/**
 * EX-1: a new link to pay the difference (the customer lost it, or the card
 * was refused), asked by staff: the unpaid page is closed, a new payment
 * opened with a new 7-day window (PAYMENT_DUE_WITHIN), the link emailed. A
 * payment never opened (a provider failure) is opened as it is.
 * @throws exchange.no_payment_due (nothing awaited: paid, being paid, closed, or nothing to pay),
 *   payment.provider_unavailable (503: ask again)
 */
export async function reissueExchangePaymentLink(db: Db, input: { shopId: string; returnNumber: string; actor: Actor; now: Date; provider?: PaymentProvider | undefined }): Promise<SettledExchange> {
  const { shopId, now } = input;
  const ret = await db.transaction().execute(async (tx) => {
    const { order, payments, ret, id } = await lockReturn(tx, shopId, input.returnNumber);
    const stored = ret.refund as StoredRefund | null;
    const exchange = stored?.exchange;
    const current = payments.find((p) => p.id === exchange?.payment?.id);
    if (!stored || exchange?.payment?.state !== 'awaiting' || !notPaid(current)) {
      throw new DomainError('exchange.no_payment_due', { field: 'number', rule: 'EX-1' }, 'This exchange has no difference awaiting payment.');
    }
    if (current?.state === 'pending' && current.redirectUrl === null) return ret;
    await closeSession(tx, current, now);
    const policy = await policyOfOrder(tx, shopId, order.policyHash);
    const payBy = periodEnd({ from: now, period: PAYMENT_DUE_WITHIN, timeZone: policy.shop.timeZone, place: { country: order.deliveryAddress.country } });
    const payment = await preparePayment(tx, { shopId, reference: { kind: EXCHANGE_PAYMENT, id: ret.number }, method: 'card', amount: money(exchange.customerPays, order.currency), captureMode: 'automatic', now });
    const next: ExchangeSettlement = { ...exchange, payment: { id: payment.id, amount: payment.amount, state: 'awaiting', payBy: payBy.lastDay } };
    await tx.updateTable('returns').set({ refund: JSON.stringify({ ...stored, exchange: next }) }).where('id', '=', id).execute();
    await schedulePaymentDue(tx, { shopId, returnNumber: ret.number, paymentId: payment.id, dueAt: payBy.dueAt }, now);
    await recordAudit(tx, { shopId, actor: input.actor, action: EXCHANGE_PAYMENT_LINK, target: `return:${ret.number}`, details: { order: order.number, paymentId: payment.id, replaces: exchange.payment.id, payBy: payBy.lastDay }, at: now });
    await provePaymentStarted(tx, payment, now);
    return getReturn(tx, { shopId, number: ret.number });
  });
  return sendPaymentLink(db, input, ret);
}

/** The settlement of an exchange return, with its payment page when the customer still has the difference to pay (null otherwise). */
export async function getExchange(db: Db, input: { shopId: string; returnNumber: string }): Promise<SettledExchange> {
  const ret = await getReturn(db, { shopId: input.shopId, number: input.returnNumber });
  const exchange = exchangeOf(ret);
  const payment = exchange?.payment?.state === 'awaiting' ? await getPayment(db, input.shopId, exchange.payment.id) : null;
  return { ...ret, exchange, paymentUrl: payment?.redirectUrl ?? null };
}

// ---------------------------------------------------------------------------
// Emails (the order's language; French is the reference)

type Lang = 'fr' | 'en';
type Mail = Pick<Order, 'email' | 'language' | 'number' | 'currency' | 'paymentMethod'>;

const amountOf = (minor: number, currency: Currency, lang: Lang) => formatMoney(money(minor, currency), lang);
const optionsText = (options: Record<string, string>) => (Object.keys(options).length > 0 ? ` (${Object.values(options).join(', ')})` : '');

/** EX-1 / WD-8: what was accepted and what replaces it, the difference either way, the refused items kept. */
function exchangeSettledEmail(order: Mail, policy: Pick<Policy, 'withdrawal'>, r: Return, x: ExchangeSettlement, refundDueOn: string | null): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  const c = r.currency;
  const lines = [
    fr ? `Nous avons reçu et examiné les articles de votre échange ${r.number} (commande ${order.number}) :` : `We have received and inspected the items of your exchange ${r.number} (order ${order.number}):`,
    ...r.lines.map((l) => {
      if (l.outcome === 'refused') return fr ? `- ${l.quantity} × ${l.name.fr} : refusé — ${l.reason}` : `- ${l.quantity} × ${l.name.en}: refused — ${l.reason}`;
      const by = x.replacements.find((p) => p.returnedPosition === l.position)!;
      const with_ = `${by.quantity} × ${by.name[lang]}${optionsText(by.options)}`;
      return fr ? `- ${l.quantity} × ${l.name.fr} : accepté, échangé contre ${with_}` : `- ${l.quantity} × ${l.name.en}: accepted, exchanged for ${with_}`;
    }),
  ];
  if (x.replacements.length > 0) {
    lines.push(
      '',
      fr ? `Valeur des articles renvoyés : ${amountOf(x.returnedAmount, c, lang)}` : `Value of the items sent back: ${amountOf(x.returnedAmount, c, lang)}`,
      fr ? `Prix actuel des articles d'échange : ${amountOf(x.replacementPrice, c, lang)}` : `Current price of the exchange items: ${amountOf(x.replacementPrice, c, lang)}`,
    );
    if (x.customerPays > 0) {
      lines.push(
        fr
          ? `Différence à votre charge : ${amountOf(x.customerPays, c, lang)}. Vous allez recevoir un lien pour la régler par carte ; le colis d'échange part dès le paiement reçu.`
          : `Difference for you to pay: ${amountOf(x.customerPays, c, lang)}. You will receive a link to pay it by card; the exchange parcel leaves once the payment is received.`,
      );
    } else {
      if (x.shopRefunds > 0) {
        lines.push(fr ? `Différence remboursée : ${amountOf(x.shopRefunds, c, lang)}` : `Difference refunded: ${amountOf(x.shopRefunds, c, lang)}`, ...refundLines(order as Order, r.refund!.settlement));
        if (refundDueOn) lines.push(fr ? `Remboursement au plus tard le ${legalDate(refundDueOn, 'fr')}.` : `Refunded by ${legalDate(refundDueOn, 'en')} at the latest.`);
      } else {
        lines.push(fr ? 'Aucune différence de prix.' : 'No price difference.');
      }
      lines.push(
        fr
          ? `Votre colis d'échange ${x.replacementShipment} est en préparation ; vous recevrez son numéro de suivi à l'expédition.`
          : `Your exchange parcel ${x.replacementShipment} is being prepared; you will receive its tracking number when it ships.`,
      );
    }
    lines.push(fr ? 'Les frais de livraison de la commande ne sont pas concernés par un échange.' : 'The delivery cost of the order is not affected by an exchange.');
  }
  if (r.refusedKeptUntil) {
    const collect = policy.withdrawal.refusedReturns.where === 'customer_arranges_collection';
    lines.push(
      '',
      fr
        ? `Articles refusés : conservés pour vous jusqu'au ${legalDate(r.refusedKeptUntil, 'fr')}${collect ? ', à enlever par vos soins' : ''} ; sur demande, renvoyés à vos frais.`
        : `Refused items: kept for you until ${legalDate(r.refusedKeptUntil, 'en')}${collect ? ', for you to collect' : ''}; on request, sent back at your cost.`,
    );
  }
  lines.push('', replyClosing(lang));
  return orderEmail(order, fr ? `Votre échange ${r.number}` : `Your exchange ${r.number}`, lines);
}

/** EX-1: the link to pay the difference of a dearer replacement, and by when. */
function paymentLinkEmail(order: Mail, r: Return, x: ExchangeSettlement, url: string): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  const amount = amountOf(x.customerPays, r.currency, lang);
  const payBy = legalDate(x.payment!.payBy, lang);
  return orderEmail(order, fr ? `Votre échange ${r.number} : différence à régler` : `Your exchange ${r.number}: difference to pay`, [
    fr ? `Pour recevoir vos articles d'échange, réglez la différence de ${amount} par carte sur notre page de paiement sécurisée :` : `To receive your exchange items, pay the difference of ${amount} by card on our secure payment page:`,
    url,
    fr ? "Votre colis d'échange sera préparé dès le paiement reçu." : 'Your exchange parcel will be prepared as soon as the payment is received.',
    fr
      ? `Sans paiement au plus tard le ${payBy}, l'échange sera annulé et les articles réservés pour vous remis en vente.`
      : `Without payment by ${payBy}, the exchange will be cancelled and the items kept for you put back on sale.`,
    '',
    replyClosing(lang),
  ]);
}

/** EX-1: the difference was not paid in time; the exchange is closed and the items sent back are refunded (RF-1). */
function exchangeClosedEmail(order: Mail, r: Return, x: ExchangeSettlement, refund: OrderRefund | null): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  const amount = amountOf(x.customerPays, r.currency, lang);
  const payBy = legalDate(x.payment!.payBy, lang);
  return orderEmail(order, fr ? `Votre échange ${r.number} : annulé faute de paiement` : `Your exchange ${r.number}: cancelled, not paid`, [
    fr
      ? `Nous n'avons pas reçu le paiement de la différence de ${amount} pour votre échange ${r.number} (commande ${order.number}), attendu au plus tard le ${payBy}.`
      : `We have not received the payment of the difference of ${amount} for your exchange ${r.number} (order ${order.number}), due by ${payBy}.`,
    fr ? "L'échange est annulé et les articles réservés pour vous ont été remis en vente :" : 'The exchange is cancelled and the items kept for you are back on sale:',
    ...x.replacements.map((p) => `- ${p.quantity} × ${p.name[lang]}${optionsText(p.options)}`),
    '',
    ...(refund && refund.amount > 0
      ? [
          fr
            ? `Les articles que vous nous avez renvoyés vous sont remboursés (${amountOf(refund.amount, r.currency, lang)}) au plus tard le ${legalDate(refund.dueOn!, 'fr')} :`
            : `The items you sent back are refunded (${amountOf(refund.amount, r.currency, lang)}) by ${legalDate(refund.dueOn!, 'en')} at the latest:`,
          ...refundLines(order as Order, refund.settlement),
        ]
      : []),
    replyClosing(lang),
  ]);
}

/** EX-1: the difference is paid, the replacement parcel is being prepared. */
function replacementPackedEmail(order: Mail, r: Return, x: ExchangeSettlement): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  return orderEmail(order, fr ? `Votre échange ${r.number} : paiement reçu` : `Your exchange ${r.number}: payment received`, [
    fr ? `Nous avons bien reçu votre paiement de ${amountOf(x.customerPays, r.currency, lang)}.` : `We have received your payment of ${amountOf(x.customerPays, r.currency, lang)}.`,
    fr
      ? `Votre colis d'échange ${x.replacementShipment} est en préparation ; vous recevrez son numéro de suivi à l'expédition.`
      : `Your exchange parcel ${x.replacementShipment} is being prepared; you will receive its tracking number when it ships.`,
    ...x.replacements.map((p) => `- ${p.quantity} × ${p.name[lang]}${optionsText(p.options)}`),
    '',
    replyClosing(lang),
  ]);
}
