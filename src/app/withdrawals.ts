// Issue 6 §2–3: the withdrawal function and the return authorisation it
// creates (WD-1…WD-7, WD-9, WD-10, DOC-2).
//
// - withdrawalOptions: what the customer may withdraw from now — the window
//   (WD-1/WD-2, EL's money-back after it), each line's withdrawable units and
//   WD-7 exclusion, whether store credit (RF-4) may be asked for.
// - submitWithdrawal: the withdrawal function (WD-4), for the signed-in
//   customer or a guest (order number + the order's email: WD-10, only the
//   customer who placed the order). The page has two steps (identify the
//   order and the items, then « confirmer la rétractation »); this is the
//   second, the statement itself.
// - recordWithdrawal: customer service records a statement received by email,
//   letter or the model form, with the time it was SENT (WD-1: in time if
//   sent before the period ended).
//
// Both create, in one transaction, the return authorisation (WD-5: number,
// return address; the label follows, `attachReturnLabel`), the statement
// frozen with its SHA-256, the acknowledgment email quoting it with the date
// and time it was sent (WD-4), the timers of the customer's 14 days to send
// the goods (WD-6) and of the refund's legal due date (RF-1: the notice + 14
// days), and `withdrawal.received` last.
//
// Locks: the order's payments → the order → evidence head.
import { createHash, createHmac } from 'node:crypto';
import { localDateIn } from '../domain/calendar/local-date.js';
import { periodEnd } from '../domain/calendar/period-end.js';
import { DomainError } from '../domain/errors.js';
import { effectiveSendBackPeriod, moneyBackPeriod, MONEY_BACK_WITHIN } from '../domain/legal-floor.js';
import {
  checkRequestedItems,
  isSmallProfessionalException,
  windowClosedError,
  withdrawalWindow,
  type ProfessionalException,
  type RequestedItem,
  type WithdrawableLine,
  type WithdrawalWindow,
} from '../domain/returns/withdrawal-request.js';
import { withdrawalDeadline } from '../domain/withdrawal/deadline.js';
import { exclusionOf, withdrawalStatus } from '../domain/withdrawal/status.js';
import type { Carrier } from '../adapters/carrier/carrier.js';
import type { Policy } from '../policy/schema.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import { inTransaction, type Db, type Queryable, type Tx } from '../store/db.js';
import { appendEvidence, canonicalJson } from '../store/evidence.js';
import type { ReturnChannel } from '../store/schema.js';
import { getOrCreateSecret } from '../store/secrets.js';
import { scheduleTimer } from '../store/timers.js';
import { queueEmail } from './emails.js';
import { getOrderFor, loadOrder, lockOrderWithPayments, policyOfOrder, type Order } from './orders.js';
import { returnLabelEmail, withdrawalAcknowledgmentEmail } from './return-emails.js';
import { getReturn, REFUND_DUE_TIMER, returnPagePath, SEND_BACK_DUE_TIMER, type Return } from './returns.js';
import { settledUnits, unitsLeft } from './settled-units.js';

export const WITHDRAWAL_RECEIVED = 'withdrawal.received';
export const RETURN_LABEL_ISSUED = 'return.label_issued';

/** Who withdraws on the storefront: the signed-in customer, or a guest naming the order's email (WD-10). */
export type WithdrawalAccess = { customerId?: string | null | undefined; email?: string | null | undefined; accessToken?: string | null | undefined };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The secret of a return's page link: derived from the return, so a statement sent again gets the same link (only its hash is stored). */
async function returnAccessToken(q: Queryable, shopId: string, number: string): Promise<string> {
  const secret = await getOrCreateSecret(q, 'return_links');
  return createHmac('sha256', secret).update(`${shopId}:${number}`).digest('base64url').slice(0, 32);
}
const placeOf = (order: Order) => ({ country: order.deliveryAddress.country });

/**
 * The order a statement is about, for whoever may withdraw from it (WD-10):
 * its account holder, a guest holding its access token, or anyone naming its
 * number with the email it was placed with. Anything else: `order.not_found`.
 */
export async function orderForWithdrawal(q: Queryable, input: { shopId: string; orderNumber: string; access: WithdrawalAccess }): Promise<Order> {
  const { access } = input;
  if (access.customerId || access.accessToken) {
    return getOrderFor(q, { shopId: input.shopId, number: input.orderNumber, customerId: access.customerId ?? null, accessToken: access.accessToken ?? null });
  }
  const order = await loadOrder(q, { shopId: input.shopId, number: input.orderNumber.trim() });
  const email = access.email?.trim().toLowerCase() ?? '';
  if (!order || email === '' || order.email.toLowerCase() !== email) {
    throw new DomainError('order.not_found', { field: 'number', rule: 'WD-10' }, 'No order with this number and email.');
  }
  return order;
}

// ---------------------------------------------------------------------------
// What may be withdrawn

export type WithdrawalLineOption = {
  position: number;
  sku: string;
  name: { fr: string; en: string };
  options: Record<string, string>;
  delivered: number;
  withdrawn: number;
  /** Units the customer may name now. */
  withdrawable: number;
  exclusion: WithdrawableLine['exclusion'];
};

export type WithdrawalOptions = {
  window: WithdrawalWindow;
  lines: WithdrawalLineOption[];
  /** RF-4: the customer may ask for store credit instead of money (FA). */
  storeCreditOffered: boolean;
  /** EX-1: an exchange by post may be asked for instead (JW, EL). */
  exchangeOffered: boolean;
  /** WD-5: the shop provides a return label. */
  returnLabel: Policy['withdrawal']['returnLabel'];
};

/**
 * WD-7: per line, the units received and those no longer withdrawable (`withdrawn`:
 * named by earlier statements, exchanged in store, refunded by a delivery
 * claim or a guarantee — src/app/settled-units.ts).
 */
async function withdrawableLines(q: Queryable, order: Order): Promise<WithdrawableLine[]> {
  const settled = await settledUnits(q, order.id);
  return order.lines.map((l) => {
    const units = settled.get(l.position);
    const received = units?.received ?? 0;
    return { position: l.position, delivered: received, withdrawn: units ? received - unitsLeft(units, 'withdrawal') : 0, exclusion: exclusionOf(l) };
  });
}

/** WD-1/WD-2/WD-3 (+ EL's money-back, WD-9 exception): the window for a statement sent at `sentAt`. */
function windowOf(policy: Policy, order: Order, sentAt: Date, exception: ProfessionalException | null | undefined): WithdrawalWindow {
  const timeZone = policy.shop.timeZone;
  const place = placeOf(order);
  const placedOn = localDateIn(timeZone, order.placedAt);
  const customerKind = order.customerKind === 'professional' && isSmallProfessionalException(exception) ? 'consumer' : order.customerKind;
  const status = withdrawalStatus({
    customerKind,
    cancelled: order.state === 'cancelled',
    period: order.withdrawalPeriod,
    lastDeliveredAt: order.lastDeliveredAt,
    placedOn,
    timeZone,
    place,
    lines: order.lines,
    now: sentAt,
  });
  const mb = moneyBackPeriod(policy);
  const moneyBack =
    mb && status.possessionDate && mb.kind !== 'working_and_saturdays'
      ? withdrawalDeadline({ possessionDate: status.possessionDate, period: { days: mb.days, kind: mb.kind }, place, timeZone })
      : null;
  return withdrawalWindow({ status, moneyBack, sentAt });
}

export async function withdrawalOptions(q: Queryable, input: { shopId: string; order: Order; now: Date; professionalException?: ProfessionalException | null }): Promise<WithdrawalOptions> {
  const { order } = input;
  const policy = await policyOfOrder(q, input.shopId, order.policyHash);
  const lines = await withdrawableLines(q, order);
  return {
    window: windowOf(policy, order, input.now, input.professionalException),
    lines: lines.map((l) => {
      const line = order.lines.find((o) => o.position === l.position)!;
      const blocked = l.exclusion === 'personalised' || l.exclusion === 'perishable';
      return { ...l, sku: line.sku, name: line.name, options: line.options, withdrawable: blocked ? 0 : Math.max(0, l.delivered - l.withdrawn) };
    }),
    storeCreditOffered: policy.refunds.storeCredit.offered === 'on_request' && order.customerId !== null && storeCreditRefundable(order),
    exchangeOffered: policy.exchanges.byPost !== undefined && (await exchangesLeft(q, policy, order)) !== 0,
    returnLabel: policy.withdrawal.returnLabel,
  };
}

/** EX-1: exchanges by post the order may still have (null: no limit) — every earlier exchange statement counts, whatever became of it (JW: one). */
async function exchangesLeft(q: Queryable, policy: Policy, order: Order): Promise<number | null> {
  const max = policy.exchanges.byPost?.maxPerOrder ?? null;
  if (max === null) return null;
  const earlier = await q.selectFrom('returns').select((eb) => eb.fn.countAll<string>().as('n')).where('order_id', '=', order.id).where('purpose', '=', 'exchange').executeTakeFirstOrThrow();
  return Math.max(0, max - Number(earlier.n));
}

/**
 * RF-4: store credit replaces money that was taken; an instalment plan is
 * unwound with the financing partner and a deferred invoice is settled by
 * credit note (RF-3), so those orders are refunded the way they were paid.
 */
const storeCreditRefundable = (order: Order) => order.paymentMethod !== 'instalments' && order.paymentMethod !== 'deferred';

// ---------------------------------------------------------------------------
// The statement

type StatementInput = {
  shopId: string;
  orderNumber: string;
  /** The name the customer gives (WD-4 asks only what is needed). */
  name: string;
  /** Where the acknowledgment goes (WD-4); the order's email by default. */
  email?: string | null | undefined;
  items: readonly RequestedItem[];
  /** EX-1: an exchange instead of a refund (each item names the variant wanted). */
  exchange?: boolean | undefined;
  /** RF-4: the customer's explicit request for store credit instead of money. */
  refundTo?: 'original_payment' | 'store_credit' | undefined;
  professionalException?: ProfessionalException | null | undefined;
  /** Base URL of the storefront, for the link to the return's page in the acknowledgment. */
  publicUrl?: string | undefined;
  /** The request's key: the same statement sent again returns the return it created. */
  idempotencyKey?: string | null | undefined;
  now: Date;
};

/** A return just created, with the secret of its page's link (given once). */
export type CreatedReturn = Return & { accessToken: string };

export type SubmitWithdrawalInput = StatementInput & { access: WithdrawalAccess };

export type RecordWithdrawalInput = StatementInput & {
  channel: Exclude<ReturnChannel, 'withdrawal_function'>;
  /** WD-1: when the customer sent it (the email's date, the postmark). */
  sentAt: Date;
  /** What the customer wrote, as received. */
  text: string;
  actor: Actor;
};

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** WD-4: the withdrawal function's statement (the second step, « confirmer la rétractation »). */
export async function submitWithdrawal(db: Queryable, input: SubmitWithdrawalInput): Promise<CreatedReturn> {
  return inTransaction(db, async (tx) => {
    const order = await orderForWithdrawal(tx, { shopId: input.shopId, orderNumber: input.orderNumber, access: input.access });
    const by = input.access.customerId ? `customer:${input.access.customerId}` : 'guest';
    return createReturn(tx, { ...input, orderNumber: order.number, channel: 'withdrawal_function', sentAt: input.now, text: null, recordedBy: by, actor: null });
  });
}

/** WD-4: customer service records a statement received by email, letter or the model form. */
export async function recordWithdrawal(db: Queryable, input: RecordWithdrawalInput): Promise<CreatedReturn> {
  if (Number.isNaN(input.sentAt.getTime()) || input.sentAt.getTime() > input.now.getTime()) {
    throw new DomainError('withdrawal.invalid_sent_at', { field: 'sentAt', rule: 'WD-1' }, 'The date the statement was sent cannot be in the future.');
  }
  const text = input.text.trim();
  if (text.length < 1 || text.length > 8000) throw new DomainError('withdrawal.invalid_text', { field: 'text', rule: 'WD-4' }, 'Copy what the customer wrote (1 to 8000 characters).');
  return inTransaction(db, (tx) => createReturn(tx, { ...input, text, recordedBy: actorLabel(input.actor), actor: input.actor }));
}

async function createReturn(
  tx: Tx,
  input: StatementInput & { channel: ReturnChannel; sentAt: Date; text: string | null; recordedBy: string; actor: Actor | null },
): Promise<CreatedReturn> {
  const { shopId, now } = input;
  const name = input.name.trim();
  if (name.length < 1 || name.length > 200) throw new DomainError('withdrawal.name_required', { field: 'name', rule: 'WD-4' }, 'Give your name.');
  const { order } = await lockOrderWithPayments(tx, shopId, input.orderNumber);
  const key = input.idempotencyKey?.trim() || null;
  if (key !== null) {
    if (key.length > 200) throw new DomainError('withdrawal.invalid_idempotency_key', { field: 'idempotencyKey' });
    const sent = await tx.selectFrom('returns').select(['number', 'order_id']).where('shop_id', '=', shopId).where('idempotency_key', '=', key).executeTakeFirst();
    if (sent) {
      if (sent.order_id !== order.id) throw new DomainError('withdrawal.idempotency_key_reused', { field: 'idempotencyKey' }, 'This key was used for another order.');
      return { ...(await getReturn(tx, { shopId, number: sent.number })), accessToken: await returnAccessToken(tx, shopId, sent.number) };
    }
  }
  const email = input.email?.trim() || order.email;
  if (!emailPattern.test(email) || email.length > 254) throw new DomainError('withdrawal.invalid_email', { field: 'email', rule: 'WD-4' }, 'Give a valid email address for the acknowledgment.');
  const policy = await policyOfOrder(tx, shopId, order.policyHash);
  const window = windowOf(policy, order, input.sentAt, input.professionalException);
  if (!window.open) throw windowClosedError(window);
  const exchange = input.exchange === true;
  if (exchange && !policy.exchanges.byPost) throw new DomainError('exchange.not_offered', { field: 'exchange', rule: 'EX-1' }, 'This shop does not exchange items by post.');
  if (exchange && (await exchangesLeft(tx, policy, order)) === 0) {
    const max = policy.exchanges.byPost?.maxPerOrder;
    throw new DomainError('exchange.limit_reached', { field: 'exchange', rule: 'EX-1', max }, 'This order has already had its exchange: ask for a refund instead.');
  }
  if (input.refundTo === 'store_credit') {
    if (policy.refunds.storeCredit.offered !== 'on_request') throw new DomainError('refund.store_credit_not_offered', { field: 'refundTo', rule: 'RF-4' }, 'This shop refunds money only.');
    if (order.customerId === null) throw new DomainError('store_credit.account_required', { field: 'refundTo', rule: 'RF-4' }, 'Store credit is kept in a customer account.');
    if (!storeCreditRefundable(order)) throw new DomainError('refund.store_credit_not_available', { field: 'refundTo', rule: 'RF-4', paymentMethod: order.paymentMethod }, 'An order paid in instalments or on a deferred invoice is refunded the way it was paid.');
  }
  const items = checkRequestedItems(await withdrawableLines(tx, order), input.items, { exchange });
  if (exchange) await checkExchangeVariants(tx, shopId, order, items);

  const count = await tx.selectFrom('returns').select((eb) => eb.fn.countAll<string>().as('n')).where('order_id', '=', order.id).executeTakeFirstOrThrow();
  const number = `${order.number}-RT${Number(count.n) + 1}`;
  const purpose = exchange ? 'exchange' : window.purpose;
  const timeZone = policy.shop.timeZone;
  const place = placeOf(order);
  // WD-6, with WD-3: a 14th day on a Saturday, Sunday or public holiday runs to the next working day (Reg. 1182/71).
  const sendBack = effectiveSendBackPeriod(policy).applied;
  const sendByDay = withdrawalDeadline({ possessionDate: localDateIn(timeZone, input.sentAt), period: { days: sendBack.days, kind: sendBack.kind === 'working' ? 'working' : 'calendar' }, place, timeZone });
  const sendBy = { lastDay: sendByDay.lastDay, dueAt: sendByDay.endsAt };
  // RF-1: 14 days from the notice, the law's floor whatever the shop declares (JW's "15 working days from the goods" is linted).
  const refundDue = periodEnd({ from: input.sentAt, period: MONEY_BACK_WITHIN, timeZone, place });
  const office = policy.identity.returnAddress ?? policy.identity.headOffice;
  const returnAddress = { name: policy.identity.companyName, line1: office.line1, line2: office.line2 ?? null, postalCode: office.postalCode ?? null, city: office.city, country: office.country };
  const statement = {
    number,
    order: order.number,
    orderedOn: localDateIn(timeZone, order.placedAt),
    receivedOn: order.lastDeliveredAt ? localDateIn(timeZone, order.lastDeliveredAt) : null,
    name,
    email,
    channel: input.channel,
    sentAt: input.sentAt.toISOString(),
    purpose,
    items: items.map((i) => {
      const line = order.lines.find((l) => l.position === i.position)!;
      return { position: i.position, sku: line.sku, name: line.name.fr, quantity: i.quantity, ...(i.sealed ? { sealed: true } : {}), ...(i.exchangeVariantId ? { exchangeVariantId: i.exchangeVariantId } : {}) };
    }),
    refundTo: input.refundTo ?? 'original_payment',
    ...(input.professionalException ? { professionalException: { ...input.professionalException } } : {}),
    ...(input.text !== null ? { text: input.text } : {}),
  };
  const statementSha256 = sha256(canonicalJson(statement));
  const accessToken = await returnAccessToken(tx, shopId, number);
  const row = await tx
    .insertInto('returns')
    .values({
      shop_id: shopId,
      order_id: order.id,
      number,
      purpose,
      channel: input.channel,
      sent_at: input.sentAt,
      recorded_at: now,
      recorded_by: input.recordedBy,
      statement: JSON.stringify(statement),
      statement_sha256: statementSha256,
      access_token_hash: sha256(accessToken),
      idempotency_key: key,
      period_last_day: window.lastDay,
      send_by: sendBy.lastDay,
      return_address: JSON.stringify(returnAddress),
      refund_to: input.refundTo ?? 'original_payment',
      refund_due_on: refundDue.lastDay,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await tx
    .insertInto('return_lines')
    .values(items.map((i) => ({ return_id: row.id, position: i.position, quantity: i.quantity, exchange_variant_id: i.exchangeVariantId ?? null })))
    .execute();
  await scheduleTimer(tx, { shopId, kind: SEND_BACK_DUE_TIMER, key: `${SEND_BACK_DUE_TIMER}:${shopId}:${number}`, dueAt: sendBy.dueAt, payload: { returnNumber: number } }, now);
  await scheduleTimer(tx, { shopId, kind: REFUND_DUE_TIMER, key: `${REFUND_DUE_TIMER}:${shopId}:${number}`, dueAt: refundDue.dueAt, payload: { returnNumber: number } }, now);
  const created = await getReturn(tx, { shopId, number });
  const link = `${(input.publicUrl ?? '').replace(/\/$/, '')}${returnPagePath(number)}?token=${accessToken}`;
  await queueEmail(tx, { shopId, key: `${WITHDRAWAL_RECEIVED}:${shopId}:${number}`, email: withdrawalAcknowledgmentEmail({ ...order, email }, policy, created, { timeZone, link }) }, now);
  if (input.actor) {
    await recordAudit(tx, { shopId, actor: input.actor, action: WITHDRAWAL_RECEIVED, target: `return:${number}`, details: { order: order.number, channel: input.channel, sentAt: input.sentAt.toISOString() }, at: now });
  }
  await appendEvidence(tx, {
    shopId,
    kind: WITHDRAWAL_RECEIVED,
    subject: { type: 'order', id: order.number },
    actor: input.recordedBy,
    data: {
      number: order.number,
      return: number,
      rule: purpose === 'money_back' ? 'WD-2' : purpose === 'exchange' ? 'EX-1' : 'WD-4',
      channel: input.channel,
      sentAt: input.sentAt.toISOString(),
      periodLastDay: window.lastDay,
      statementSha256,
      items: items.map((i) => ({ position: i.position, quantity: i.quantity })),
      sendBy: sendBy.lastDay,
      refundDueOn: refundDue.lastDay,
      refundTo: input.refundTo ?? 'original_payment',
    },
    at: now,
  });
  return { ...created, accessToken };
}

/** EX-1: each variant wanted exists, is for sale in the order's currency, and is another variant than the one sent back. */
async function checkExchangeVariants(tx: Tx, shopId: string, order: Order, items: readonly RequestedItem[]): Promise<void> {
  for (const [i, item] of items.entries()) {
    const line = order.lines.find((l) => l.position === item.position)!;
    const v = await tx
      .selectFrom('variants as v')
      .innerJoin('products as p', 'p.id', 'v.product_id')
      .select(['v.id'])
      .where('p.shop_id', '=', shopId)
      .where('v.id', '=', String(item.exchangeVariantId))
      .executeTakeFirst();
    if (!v) throw new DomainError('variant.not_found', { field: `items.${i}.exchangeVariantId`, rule: 'EX-1' }, 'No such item for sale.');
    if (v.id === line.variantId) throw new DomainError('exchange.same_variant', { field: `items.${i}.exchangeVariantId`, rule: 'EX-1' }, 'Choose another size, colour or item.');
  }
}

/**
 * WD-5: the return label where the shop provides one (FR: prepaid through its
 * portal; EL: emailed with the reference), from the carrier after the
 * statement's commit, keyed by the return number (asking again gives the same
 * label), then emailed. Nothing to do for a shop without labels.
 */
export async function attachReturnLabel(db: Db, carrier: Carrier, input: { shopId: string; returnNumber: string; now: Date }): Promise<Return> {
  const found = await getReturn(db, { shopId: input.shopId, number: input.returnNumber });
  const order = (await loadOrder(db, { shopId: input.shopId, number: found.orderNumber }))!;
  const policy = await policyOfOrder(db, input.shopId, order.policyHash);
  if (policy.withdrawal.returnLabel === 'none' || found.label !== null) return found;
  const address = found.returnAddress;
  const parcel = await carrier.createParcel({
    idempotencyKey: `return:${found.number}`,
    carrierName: policy.shipping.methods.find((m) => m.kind === 'home_standard')?.carrier ?? policy.shipping.methods[0]!.carrier,
    methodKind: 'return',
    destination: { country: address.country, postalCode: address.postalCode ?? '' },
  });
  return db.transaction().execute(async (tx) => {
    const locked = await tx.selectFrom('returns').select(['label']).where('shop_id', '=', input.shopId).where('number', '=', found.number).forUpdate().executeTakeFirstOrThrow();
    if (locked.label !== null) return getReturn(tx, { shopId: input.shopId, number: found.number });
    const label = { carrier: carrier.name, trackingNumber: parcel.trackingNumber, trackingUrl: parcel.trackingUrl, prepaid: policy.withdrawal.returnLabel === 'prepaid_via_portal' };
    await tx.updateTable('returns').set({ label: JSON.stringify(label) }).where('shop_id', '=', input.shopId).where('number', '=', found.number).execute();
    const withLabel = await getReturn(tx, { shopId: input.shopId, number: found.number });
    await queueEmail(tx, { shopId: input.shopId, key: `${RETURN_LABEL_ISSUED}:${input.shopId}:${found.number}`, email: returnLabelEmail({ ...order, email: withLabel.email }, policy, withLabel) }, input.now);
    await appendEvidence(tx, {
      shopId: input.shopId,
      kind: RETURN_LABEL_ISSUED,
      subject: { type: 'order', id: order.number },
      actor: 'system',
      data: { number: order.number, return: found.number, rule: 'WD-5', carrier: label.carrier, trackingNumber: label.trackingNumber, prepaid: label.prepaid },
      at: input.now,
    });
    return withLabel;
  });
}
