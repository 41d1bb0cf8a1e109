// RF-4: store credit ("avoir") — issued instead of money at the customer's
// explicit request where the policy offers it (FA), usable on the next orders
// of the shop until the end of its last day, then expired by a timer.
//
// The ledger is `store_credit_entries` (migration 0025, append-only); the
// arithmetic is src/domain/store-credit/ledger.ts. Each change runs in the
// caller's transaction and locks the issue rows it reads (sorted ids): two
// checkouts of one customer never spend the same credit, an expiry never
// takes what a use took. Those rows are the last locks before the evidence
// head (after the order's payments, the order and the stock): nothing waits
// on them while holding another lock they guard.
//
// - issueStoreCredit: an issue, the customer emailed at once (« Votre avoir…
//   est disponible… valable jusqu'au… »), `store_credit.issued`, the expiry timer;
// - lockStoreCredit / recordStoreCreditUse: paying an order (src/app/orders.ts);
// - releaseStoreCredit: a use given back (the order cancelled or refunded,
//   RF-3: same means of payment); a part whose credit expired meanwhile is
//   issued again for the same validity, never lost;
// - expireStoreCredit: the timer `store_credit.expiry`, what is left expires;
// - storeCreditOf: the account's view (customer page and API, back office).
import { DomainError } from '../domain/errors.js';
import { formatMoney, money, type Currency } from '../domain/money.js';
import type { LegalPeriod } from '../domain/calendar/period-end.js';
import { localDateIn } from '../domain/calendar/local-date.js';
import { transition } from '../domain/payments/payment-lifecycle.js';
import {
  allocateRelease,
  allocateUse,
  issuesOf,
  storeCreditBalance,
  storeCreditExpiry,
  storeCreditValidity,
  type StoreCreditEntry,
  type StoreCreditIssue,
} from '../domain/store-credit/ledger.js';
import type { Policy } from '../policy/schema.js';
import type { Queryable, Tx } from '../store/db.js';
import { appendEvidence } from '../store/evidence.js';
import { insertPaymentEvent, updatePayment, type Payment } from '../store/payments.js';
import type { DueTimer } from '../store/timers.js';
import { scheduleTimer } from '../store/timers.js';
import { queueEmail } from './emails.js';
import { legalDate, orderEmail, replyClosing } from './order-emails.js';

export const STORE_CREDIT_ISSUED = 'store_credit.issued';
export const STORE_CREDIT_RELEASED = 'store_credit.released';
export const STORE_CREDIT_EXPIRED = 'store_credit.expired';
/** Timer kind: the end of a credit's last day (src/jobs/timer-kinds.ts). */
export const STORE_CREDIT_EXPIRY_TIMER = 'store_credit.expiry';
export const storeCreditExpiryTimerKey = (shopId: string, issueId: string): string => `${STORE_CREDIT_EXPIRY_TIMER}:${shopId}:${issueId}`;

const idPattern = /^[1-9][0-9]{0,18}$/;

export type IssuedStoreCredit = {
  id: string;
  amount: number;
  currency: Currency;
  expiresOn: string;
  /** false when the key returned a credit issued before. */
  created: boolean;
};

export type IssueStoreCreditInput = {
  shopId: string;
  /** The account credited; null (a guest) is refused: store credit lives in a customer account. */
  customerId: string | null;
  /** The order refunded: its policy (OR-4) says whether and how long credit is offered. */
  orderId: string;
  amount: number;
  currency: Currency;
  /** The cause, once per shop (`refund:<key>`). */
  key: string;
  rule: string;
  /** Given again (a released use of an expired credit): the validity of the credit it replaces, whatever the policy says now. */
  validity?: LegalPeriod;
  actor?: string;
  now: Date;
};

type OrderFacts = { number: string; email: string; language: 'fr' | 'en'; policy: Policy };

async function orderFacts(q: Queryable, shopId: string, orderId: string): Promise<OrderFacts> {
  const row = await q
    .selectFrom('orders as o')
    .innerJoin('policy_versions as pv', (j) => j.onRef('pv.shop_id', '=', 'o.shop_id').onRef('pv.hash', '=', 'o.policy_hash'))
    .select(['o.number', 'o.email', 'o.language', 'pv.policy'])
    .where('o.shop_id', '=', shopId)
    .where('o.id', '=', orderId)
    .executeTakeFirst();
  if (!row) throw new DomainError('order.not_found', { field: 'orderId' });
  return { number: row.number, email: row.email, language: row.language, policy: row.policy as unknown as Policy };
}

/** The customer's address and language for an email about their credit. */
async function recipient(q: Queryable, shopId: string, customerId: string, number: string): Promise<{ email: string; language: 'fr' | 'en'; number: string }> {
  const c = await q.selectFrom('customers').select(['email', 'language']).where('shop_id', '=', shopId).where('id', '=', customerId).executeTakeFirstOrThrow();
  return { email: c.email, language: c.language as 'fr' | 'en', number };
}

const amountText = (amount: number, currency: string, lang: 'fr' | 'en') => formatMoney(money(amount, currency as Currency), lang);

/**
 * RF-4: credits the customer's account with `amount` valid for the policy's
 * validity from today (`refund.store_credit_not_offered` where the order's
 * policy does not offer it; `store_credit.account_required` for a guest).
 * Emails the customer at once, proves `store_credit.issued` and schedules the
 * expiry. The same `key` again returns the first issue.
 */
export async function issueStoreCredit(tx: Tx, input: IssueStoreCreditInput): Promise<IssuedStoreCredit> {
  const { shopId, now } = input;
  if (input.customerId === null || !idPattern.test(input.customerId)) {
    throw new DomainError('store_credit.account_required', { field: 'to', rule: 'RF-4' }, 'Store credit is kept in a customer account: a guest order is refunded in money.');
  }
  const existing = await tx.selectFrom('store_credit_entries').selectAll().where('shop_id', '=', shopId).where('key', '=', input.key).where('kind', '=', 'issue').executeTakeFirst();
  if (existing) return { id: existing.id, amount: Number(existing.amount_minor), currency: existing.currency as Currency, expiresOn: existing.expires_on!, created: false };
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new DomainError('store_credit.invalid_amount', { field: 'amount', rule: 'RF-4', amount: input.amount });
  const order = await orderFacts(tx, shopId, input.orderId);
  const validity = input.validity ?? storeCreditValidity(order.policy);
  const { expiresOn, dueAt } = storeCreditExpiry({ issuedAt: now, validity, timeZone: order.policy.shop.timeZone, place: { country: order.policy.shop.dispatchCountry } });
  const row = await tx
    .insertInto('store_credit_entries')
    .values({
      shop_id: shopId,
      customer_id: input.customerId,
      kind: 'issue',
      currency: input.currency,
      amount_minor: input.amount,
      expires_on: expiresOn,
      validity: JSON.stringify(validity),
      order_id: input.orderId,
      key: input.key,
      rule: input.rule,
      created_by: input.actor ?? 'system',
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await scheduleTimer(tx, { shopId, kind: STORE_CREDIT_EXPIRY_TIMER, key: storeCreditExpiryTimerKey(shopId, row.id), dueAt, payload: { issueId: row.id } }, now);
  const to = await recipient(tx, shopId, input.customerId, order.number);
  const fr = to.language === 'fr';
  const amount = amountText(input.amount, input.currency, to.language);
  const until = legalDate(expiresOn, to.language);
  await queueEmail(
    tx,
    {
      shopId,
      key: `${STORE_CREDIT_ISSUED}:${shopId}:${row.id}`,
      email: orderEmail(to, fr ? `Votre avoir de ${amount} est disponible` : `Your store credit of ${amount} is available`, [
        fr
          ? `Votre avoir de ${amount} (commande ${order.number}) est disponible sur votre compte client.`
          : `Your store credit of ${amount} (order ${order.number}) is available in your customer account.`,
        fr
          ? `Il est utilisable dès votre prochaine commande, jusqu'au ${until} inclus ; au-delà, il ne pourra plus être utilisé.`
          : `You can use it from your next order until ${until} included; after that day it can no longer be used.`,
        '',
        replyClosing(to.language),
      ]),
    },
    now,
  );
  await appendEvidence(tx, {
    shopId,
    kind: STORE_CREDIT_ISSUED,
    subject: { type: 'order', id: order.number },
    actor: input.actor ?? 'system',
    data: { issueId: row.id, customerId: input.customerId, amount: input.amount, currency: input.currency, expiresOn, key: input.key, rule: input.rule },
    at: now,
  });
  return { id: row.id, amount: input.amount, currency: input.currency, expiresOn, created: true };
}

// ---------------------------------------------------------------------------
// Paying an order

const toEntry = (r: { id: string; kind: StoreCreditEntry['kind']; issue_id: string | null; currency: string; amount_minor: string; expires_on: string | null }): StoreCreditEntry => ({
  id: r.id,
  kind: r.kind,
  issueId: r.issue_id,
  currency: r.currency,
  amount: Number(r.amount_minor),
  expiresOn: r.expires_on,
});

/** Locks the issue rows `ids` (sorted) and reads every entry drawing on them. */
async function lockIssues(tx: Tx, shopId: string, ids: readonly string[]): Promise<StoreCreditIssue[]> {
  const sorted = [...new Set(ids)].sort((a, b) => Number(BigInt(a) - BigInt(b)));
  if (sorted.length === 0) return [];
  await tx.selectFrom('store_credit_entries').select('id').where('shop_id', '=', shopId).where('id', 'in', sorted).orderBy('id').forUpdate().execute();
  const rows = await tx
    .selectFrom('store_credit_entries')
    .select(['id', 'kind', 'issue_id', 'currency', 'amount_minor', 'expires_on'])
    .where('shop_id', '=', shopId)
    .where((eb) => eb.or([eb('id', 'in', sorted), eb('issue_id', 'in', sorted)]))
    .execute();
  return issuesOf(rows.map(toEntry));
}

export type LockedStoreCredit = { customerId: string; currency: string; today: string; balance: number; issues: StoreCreditIssue[] };

/**
 * RF-4 at checkout: the customer's credit usable today in `currency`, its
 * issues locked until the commit (a concurrent checkout waits, then sees what
 * is left). Expired credit and credit of another currency do not count.
 */
export async function lockStoreCredit(tx: Tx, input: { shopId: string; customerId: string; currency: string; timeZone: string; now: Date }): Promise<LockedStoreCredit> {
  const today = localDateIn(input.timeZone, input.now);
  const candidates = await tx
    .selectFrom('store_credit_entries')
    .select('id')
    .where('shop_id', '=', input.shopId)
    .where('customer_id', '=', input.customerId)
    .where('currency', '=', input.currency)
    .where('kind', '=', 'issue')
    .where('expires_on', '>=', today)
    .execute();
  const issues = await lockIssues(tx, input.shopId, candidates.map((c) => c.id));
  return { customerId: input.customerId, currency: input.currency, today, balance: storeCreditBalance(issues, input.currency, today), issues };
}

/** Records the use of `amount` of the locked credit by the order's store-credit payment (the first-expiring credit first). */
export async function recordStoreCreditUse(tx: Tx, input: { shopId: string; locked: LockedStoreCredit; amount: number; orderId: string; paymentId: string; key: string; actor: string; now: Date }): Promise<void> {
  const parts = allocateUse(input.locked.issues, { amount: input.amount, currency: input.locked.currency, today: input.locked.today });
  await tx
    .insertInto('store_credit_entries')
    .values(
      parts.map((p) => ({
        shop_id: input.shopId,
        customer_id: input.locked.customerId,
        kind: 'use' as const,
        issue_id: p.issueId,
        currency: input.locked.currency,
        amount_minor: p.amount,
        order_id: input.orderId,
        payment_id: input.paymentId,
        key: input.key,
        rule: 'RF-4',
        created_by: input.actor,
        created_at: input.now,
      })),
    )
    .execute();
}

// ---------------------------------------------------------------------------
// Giving a use back

/**
 * RF-3 / RF-4: gives back up to `amount` (all that is left by default) of
 * what the order's store-credit `payment` took — the caller holds the
 * payment's lock (`lockOrderWithPayments`). Back on the credit it came from;
 * a part whose credit's last day has passed is issued again for the same
 * validity (the customer loses nothing). The payment becomes refunded (or
 * partially); `store_credit.released` proves it. The same `key` gives back
 * nothing twice. @returns the amount given back.
 */
export async function releaseStoreCredit(tx: Tx, input: { shopId: string; payment: Payment; amount?: number; key: string; actor?: string; now: Date }): Promise<number> {
  const { shopId, payment, now } = input;
  if (payment.method !== 'store_credit') throw new DomainError('payment.not_found', { field: 'paymentId' });
  const done = await tx.selectFrom('store_credit_entries').select('id').where('shop_id', '=', shopId).where('key', '=', input.key).where('payment_id', '=', payment.id).executeTakeFirst();
  if (done) return 0;
  const entries = await tx
    .selectFrom('store_credit_entries')
    .select(['id', 'kind', 'issue_id', 'currency', 'amount_minor', 'expires_on', 'customer_id', 'order_id'])
    .where('shop_id', '=', shopId)
    .where('payment_id', '=', payment.id)
    .orderBy('id')
    .execute();
  const first = entries[0];
  const wanted = Math.min(input.amount ?? Infinity, payment.captured - payment.refunded);
  if (!first || wanted <= 0) return 0;
  const parts = allocateRelease(entries.map(toEntry), wanted);
  const issues = await lockIssues(tx, shopId, parts.map((p) => p.issueId));
  const today = localDateIn((await orderFacts(tx, shopId, first.order_id!)).policy.shop.timeZone, now);
  const actor = input.actor ?? 'system';
  const reissued: string[] = [];
  for (const part of parts) {
    const issue = issues.find((i) => i.id === part.issueId)!;
    await tx
      .insertInto('store_credit_entries')
      .values({ shop_id: shopId, customer_id: first.customer_id, kind: 'release', issue_id: part.issueId, currency: payment.currency, amount_minor: part.amount, order_id: first.order_id, payment_id: payment.id, key: input.key, rule: 'RF-3', created_by: actor, created_at: now })
      .execute();
    if (issue.expiresOn >= today) continue;
    // Its last day passed: what came back expires with it, and is issued again for as long as it was valid.
    await tx
      .insertInto('store_credit_entries')
      .values({ shop_id: shopId, customer_id: first.customer_id, kind: 'expiry', issue_id: part.issueId, currency: payment.currency, amount_minor: part.amount, order_id: first.order_id, payment_id: payment.id, key: `${input.key}:reissued`, rule: 'RF-4', created_by: actor, created_at: now })
      .execute();
    const validity = await tx.selectFrom('store_credit_entries').select('validity').where('id', '=', part.issueId).executeTakeFirstOrThrow();
    reissued.push(
      (await issueStoreCredit(tx, { shopId, customerId: first.customer_id, orderId: first.order_id!, amount: part.amount, currency: payment.currency, key: `${input.key}:${part.issueId}`, rule: 'RF-3', validity: validity.validity as LegalPeriod, actor, now })).id,
    );
  }
  const given = parts.reduce((n, p) => n + p.amount, 0);
  const refunded = payment.refunded + given;
  const state = transition(payment.state, refunded === payment.captured ? 'refund_full' : 'refund_partial');
  await updatePayment(tx, payment.id, { state, refunded_minor: refunded, refund_requested_minor: payment.refundRequested + given }, now);
  await insertPaymentEvent(tx, { paymentId: payment.id, type: STORE_CREDIT_RELEASED, stateBefore: payment.state, stateAfter: state, data: { amount: given, key: input.key, reissued }, now });
  await appendEvidence(tx, {
    shopId,
    kind: STORE_CREDIT_RELEASED,
    subject: { type: payment.reference.kind, id: payment.reference.id },
    actor,
    data: { paymentId: payment.id, customerId: first.customer_id, amount: given, currency: payment.currency, key: input.key, rule: 'RF-3', parts, reissued },
    at: now,
  });
  return given;
}

// ---------------------------------------------------------------------------
// Expiry

/** Timer `store_credit.expiry`: what is left of the issue when its last day ended expires, the customer is told (idempotent). */
export async function expireStoreCredit(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const issueId = timer.payload['issueId'];
  if (typeof issueId !== 'string' || !idPattern.test(issueId)) throw new Error(`${timer.kind} timer ${timer.key} has no issueId`);
  const [issue] = await lockIssues(tx, timer.shopId, [issueId]);
  if (!issue || issue.left <= 0) return;
  const row = await tx.selectFrom('store_credit_entries').select(['customer_id', 'order_id']).where('id', '=', issueId).executeTakeFirstOrThrow();
  const order = await orderFacts(tx, timer.shopId, row.order_id!);
  if (issue.expiresOn >= localDateIn(order.policy.shop.timeZone, now)) return; // not yet over (the timer is due at the end of the last day)
  await tx
    .insertInto('store_credit_entries')
    .values({ shop_id: timer.shopId, customer_id: row.customer_id, kind: 'expiry', issue_id: issueId, currency: issue.currency, amount_minor: issue.left, order_id: row.order_id, key: timer.key, rule: 'RF-4', created_by: 'system', created_at: now })
    .execute();
  const to = await recipient(tx, timer.shopId, row.customer_id, order.number);
  const fr = to.language === 'fr';
  const amount = amountText(issue.left, issue.currency, to.language);
  const initial = amountText(issue.amount, issue.currency, to.language);
  const lastDay = legalDate(issue.expiresOn, to.language);
  await queueEmail(
    tx,
    {
      shopId: timer.shopId,
      key: `${STORE_CREDIT_EXPIRED}:${timer.shopId}:${issueId}`,
      email: orderEmail(to, fr ? `Votre avoir a expiré` : `Your store credit has expired`, [
        fr
          ? `Votre avoir de ${initial} (commande ${order.number}) était utilisable jusqu'au ${lastDay} : les ${amount} restants ne peuvent plus être utilisés.`
          : `Your store credit of ${initial} (order ${order.number}) could be used until ${lastDay}: the remaining ${amount} can no longer be used.`,
        '',
        replyClosing(to.language),
      ]),
    },
    now,
  );
  await appendEvidence(tx, {
    shopId: timer.shopId,
    kind: STORE_CREDIT_EXPIRED,
    subject: { type: 'order', id: order.number },
    actor: 'system',
    data: { issueId, customerId: row.customer_id, amount: issue.left, issued: issue.amount, currency: issue.currency, expiresOn: issue.expiresOn, rule: 'RF-4' },
    at: now,
  });
}

// ---------------------------------------------------------------------------
// Reading

export type StoreCreditMovement = { kind: 'use' | 'release' | 'expiry'; amount: number; orderNumber: string | null; at: Date };

export type StoreCreditView = {
  /** Usable today, per currency (minor units). */
  balances: { currency: Currency; amount: number }[];
  credits: {
    id: string;
    currency: Currency;
    amount: number;
    left: number;
    issuedAt: Date;
    expiresOn: string;
    state: 'usable' | 'used' | 'expired';
    orderNumber: string | null;
    movements: StoreCreditMovement[];
  }[];
};

/** The customer's store credit as they (or staff) read it: balances, each credit with its last day and what happened to it. */
export async function storeCreditOf(q: Queryable, input: { shopId: string; customerId: string; timeZone: string; now: Date }): Promise<StoreCreditView> {
  if (!idPattern.test(input.customerId)) return { balances: [], credits: [] };
  const rows = await q
    .selectFrom('store_credit_entries as e')
    .leftJoin('orders as o', 'o.id', 'e.order_id')
    .select(['e.id', 'e.kind', 'e.issue_id', 'e.currency', 'e.amount_minor', 'e.expires_on', 'e.created_at', 'o.number'])
    .where('e.shop_id', '=', input.shopId)
    .where('e.customer_id', '=', input.customerId)
    .orderBy('e.id')
    .execute();
  const today = localDateIn(input.timeZone, input.now);
  const issues = issuesOf(rows.map(toEntry));
  const currencies = [...new Set(issues.map((i) => i.currency))].sort();
  return {
    balances: currencies.map((currency) => ({ currency: currency as Currency, amount: storeCreditBalance(issues, currency, today) })),
    credits: issues
      .map((i) => {
        const row = rows.find((r) => r.id === i.id)!;
        return {
          id: i.id,
          currency: i.currency as Currency,
          amount: i.amount,
          left: i.expiresOn >= today ? i.left : 0,
          issuedAt: row.created_at,
          expiresOn: i.expiresOn,
          state: i.expiresOn < today ? ('expired' as const) : i.left > 0 ? ('usable' as const) : ('used' as const),
          orderNumber: row.number,
          movements: rows
            .filter((r) => r.issue_id === i.id)
            .map((r) => ({ kind: r.kind as StoreCreditMovement['kind'], amount: Number(r.amount_minor), orderNumber: r.number, at: r.created_at })),
        };
      })
      .sort((a, b) => b.issuedAt.getTime() - a.issuedAt.getTime() || Number(BigInt(b.id) - BigInt(a.id))),
  };
}
