// PA-4 collections: the shares of an instalment plan, from the order's first
// dispatch on (the checkout side is src/app/instalments.ts).
//
// - `startInstalmentCollections` (called by fulfilment in the transaction of
//   the order's FIRST dispatch): dates every share with the one PA-4 date rule
//   (`firstInstalmentDate` + `instalmentSchedule`: the dispatch day in the
//   shop's time zone, then the same day of the following months, clamped to a
//   short month's end; weekends and holidays kept), asks for the first share
//   at once and schedules one timer `instalments.collect` per later share, due
//   at the START (00:00) of its day in the shop's time zone. Called again, it
//   does nothing.
// - Timer `instalments.collect` (one per share and attempt): the share's day
//   has come (or its retry day): the attempt is handed to the outbox.
// - Outbox `financing.collect_share`: the partner is asked OUTSIDE any
//   business transaction (the dispatcher's own, with the attempt's key as the
//   idempotency key). Collected → the share is `collected`, proven by
//   `instalments.share_collected`; when no share is left to collect, the plan
//   is complete (`instalments.plan_completed`: the order's payment is
//   complete; the order's state is fulfilment's to decide). Declined → the
//   share is `failed`, the customer is told (FR/EN), `instalments.share_failed`
//   is proven, and a retry timer is set while attempts remain
//   (COLLECTION_RETRY: 3 attempts, 2 days apart, at 00:00 shop time); the
//   merchant sees it on GET /api/admin/instalments/failed and /admin/instalments.
//   A partner that cannot be reached is not a decline: the outbox retries the
//   same attempt with its back-off (and the back office shows it once the
//   outbox gives up).
// - `refundThroughPartner` (RF-3, PA-4): money going back to the customer
//   (a cancelled line, an uncollected parcel…) is first removed from the
//   shares not collected yet, the last shares first; what is left is refunded
//   by the partner from the collected money, through the outbox
//   (`financing.refund`); idempotent per key; never above what the plan holds.
//
// Locks: the plan row (`instalment_plans … FOR UPDATE`) is this module's one
// lock, taken AFTER the order's (fulfilment and refunds hold the order when
// they call in) and before the evidence head; nothing here locks the order.
// The handlers hold the plan lock across the partner call, so a refund waits
// for an attempt under way and then sees its outcome.
import { sql } from 'kysely';
import type { FinancingPartner } from '../adapters/financing/partner.js';
import { localDateIn } from '../domain/calendar/local-date.js';
import { startOfDay } from '../domain/calendar/period-end.js';
import { DomainError } from '../domain/errors.js';
import { formatMoney, money, type Currency, type Money } from '../domain/money.js';
import {
  amountToCollect,
  isPlanSettled,
  nextCollectionAttemptOn,
  planRefundSplit,
  COLLECTION_RETRY,
  type InstalmentShareState,
} from '../domain/payments/instalment-collections.js';
import { firstInstalmentDate, instalmentSchedule } from '../domain/payments/instalments.js';
import type { OutboxHandlers } from '../jobs/outbox-dispatcher.js';
import type { DueTimer } from '../jobs/timer-runner.js';
import type { Queryable, Tx } from '../store/db.js';
import { appendEvidence, type EvidenceData } from '../store/evidence.js';
import { enqueue } from '../store/outbox.js';
import { cancelTimer, scheduleTimer } from '../store/timers.js';
import { queueEmail } from './emails.js';
import { legalDate } from './order-emails.js';

export const INSTALMENT_COLLECT_TIMER = 'instalments.collect';
export const FINANCING_COLLECT_SHARE = 'financing.collect_share';
export const FINANCING_REFUND = 'financing.refund';
export const INSTALMENT_SHARE_COLLECTED = 'instalments.share_collected';
export const INSTALMENT_SHARE_FAILED = 'instalments.share_failed';
export const INSTALMENT_PLAN_COMPLETED = 'instalments.plan_completed';
export const INSTALMENT_PARTNER_REFUNDED = 'instalments.partner_refunded';

/** The timer of attempt `attempt` of share `number` (attempt 1: the share's day; 2, 3: the retries). */
export const collectTimerKey = (planId: string, number: number, attempt: number) => `${INSTALMENT_COLLECT_TIMER}:${planId}:${number}:${attempt}`;
/**
 * The outbox key of one attempt, also the partner's idempotency key for it:
 * built on the PARTNER's plan id, unique at the partner (the engine's row id
 * is unique in one database only, and the partner serves many).
 */
export const collectShareKey = (partnerPlanId: string, number: number, attempt: number) => `${FINANCING_COLLECT_SHARE}:${partnerPlanId}:${number}:${attempt}`;

type PlanRow = {
  id: string;
  shop_id: string;
  order_id: string;
  partner: string;
  partner_plan_id: string;
  count: 3 | 4;
  currency: string;
  total_minor: string;
  cancelled_at: Date | null;
  collections_started_at: Date | null;
  completed_at: Date | null;
};

type ShareRow = {
  number: number;
  amount_minor: string;
  due_on: string | null;
  state: InstalmentShareState;
  reduced_minor: string;
  collected_minor: string | null;
  attempts: number;
  collect_key: string | null;
};

/** The plan's one lock (see the header). */
async function lockPlan(tx: Tx, where: { orderId: string; shopId: string } | { planId: string }): Promise<PlanRow | undefined> {
  let query = tx
    .selectFrom('instalment_plans')
    .select(['id', 'shop_id', 'order_id', 'partner', 'partner_plan_id', 'count', 'currency', 'total_minor', 'cancelled_at', 'collections_started_at', 'completed_at']);
  query = 'planId' in where ? query.where('id', '=', where.planId) : query.where('order_id', '=', where.orderId).where('shop_id', '=', where.shopId);
  return query.forUpdate().executeTakeFirst();
}

async function sharesOf(q: Queryable, planId: string): Promise<ShareRow[]> {
  return q
    .selectFrom('instalments')
    .select(['number', 'amount_minor', 'due_on', 'state', 'reduced_minor', 'collected_minor', 'attempts', 'collect_key'])
    .where('plan_id', '=', planId)
    .orderBy('number')
    .execute();
}

/** What the emails and the evidence need of the order, with its frozen policy (time zone, the partner's name in the terms). */
async function orderFacts(q: Queryable, plan: PlanRow) {
  const row = await q
    .selectFrom('orders as o')
    .innerJoin('policy_versions as pv', (join) => join.onRef('pv.shop_id', '=', 'o.shop_id').onRef('pv.hash', '=', 'o.policy_hash'))
    .select(['o.number', 'o.email', 'o.language', 'pv.policy'])
    .where('o.id', '=', plan.order_id)
    .executeTakeFirstOrThrow();
  const policy = row.policy as unknown as { shop: { timeZone: string }; payment: { methods: { instalments?: { partner?: string } } } };
  return { number: row.number, email: row.email, language: row.language, timeZone: policy.shop.timeZone, partnerLabel: policy.payment.methods.instalments?.partner ?? plan.partner };
}

const currencyOf = (plan: PlanRow) => plan.currency as Currency;
const shareMoney = (plan: PlanRow, share: ShareRow) => ({ amount: money(Number(share.amount_minor), currencyOf(plan)), reduced: money(Number(share.reduced_minor), currencyOf(plan)) });

/** Hands attempt `attempt` of a share to the outbox (the partner is called by `financing.collect_share`). */
async function beginAttempt(tx: Tx, plan: PlanRow, number: number, attempt: number, now: Date): Promise<void> {
  const key = collectShareKey(plan.partner_plan_id, number, attempt);
  await tx.updateTable('instalments').set({ state: 'collecting', collect_key: key, next_attempt_on: null }).where('plan_id', '=', plan.id).where('number', '=', number).execute();
  await enqueue(tx, { shopId: plan.shop_id, kind: FINANCING_COLLECT_SHARE, key, payload: { planId: plan.id, number, attempt } }, now);
}

async function waiveShare(tx: Tx, plan: PlanRow, share: ShareRow, now: Date): Promise<void> {
  await tx.updateTable('instalments').set({ state: 'waived', next_attempt_on: null }).where('plan_id', '=', plan.id).where('number', '=', share.number).execute();
  // Its next timer, if any, has nothing left to do (the handler would find the share waived anyway).
  await cancelTimer(tx, collectTimerKey(plan.id, share.number, share.attempts + 1), now);
}

/** PA-4: no share left to collect → the plan (the order's payment) is complete. True when this call completed it. */
async function completeIfSettled(tx: Tx, plan: PlanRow, now: Date): Promise<boolean> {
  if (plan.completed_at !== null || plan.collections_started_at === null) return false;
  const shares = await sharesOf(tx, plan.id);
  if (!isPlanSettled(shares.map((s) => s.state))) return false;
  await tx.updateTable('instalment_plans').set({ completed_at: now }).where('id', '=', plan.id).execute();
  return true;
}

/**
 * PA-4: the order's first shipment is dispatched — every share is dated, the
 * first one asked of the partner at once (through the outbox), one timer per
 * later share. In the dispatch transaction (call it BEFORE that
 * transaction's evidence event: this takes the plan lock). Idempotent: a plan
 * already started is left alone (a second parcel does not move the dates). An
 * order not paid in instalments has no plan: nothing happens. Writes no
 * evidence (the dispatch's event is the transaction's last write; the dated
 * schedule is proven with the first share's collection).
 *
 * @throws DomainError `instalments.plan_cancelled` (422) when the order's plan was cancelled (OR-7: a cancelled order is not shipped).
 */
export async function startInstalmentCollections(tx: Tx, input: { shopId: string; orderId: string; dispatchedAt: Date; now: Date }): Promise<void> {
  const plan = await lockPlan(tx, { orderId: input.orderId, shopId: input.shopId });
  if (!plan) return;
  if (plan.cancelled_at !== null) throw new DomainError('instalments.plan_cancelled', { field: 'orderId', rule: 'PA-4' }, 'The instalment plan of this order was cancelled.');
  if (plan.collections_started_at !== null) return;
  const { timeZone } = await orderFacts(tx, plan);
  // PA-4 (catalogue §15): the first share on the day shipment is confirmed, then the same day of the following months.
  const schedule = instalmentSchedule({ total: money(Number(plan.total_minor), currencyOf(plan)), count: plan.count, firstDueOn: firstInstalmentDate(input.dispatchedAt, timeZone) });
  const shares = await sharesOf(tx, plan.id);
  // One statement dates every share (the amounts stay the partner's, which equal the schedule's).
  await sql`
    UPDATE instalments i SET due_on = d.due_on::date
      FROM (SELECT unnest(${schedule.map((s) => s.number)}::int[]) AS number, unnest(${schedule.map((s) => s.dueOn)}::text[]) AS due_on) d
     WHERE i.plan_id = ${plan.id} AND i.number = d.number`.execute(tx);
  await tx.updateTable('instalment_plans').set({ collections_started_at: input.now }).where('id', '=', plan.id).execute();
  const started = { ...plan, collections_started_at: input.now };

  for (const share of shares) {
    if (share.state !== 'pending') continue; // waived before shipment by a refund
    if (amountToCollect(shareMoney(plan, share)).amount === 0) {
      await waiveShare(tx, started, share, input.now);
      continue;
    }
    if (share.number === 1) {
      await beginAttempt(tx, started, 1, 1, input.now); // PA-4: taken when shipment is confirmed
    } else {
      const dueOn = schedule[share.number - 1]!.dueOn;
      await scheduleTimer(
        tx,
        { shopId: plan.shop_id, kind: INSTALMENT_COLLECT_TIMER, key: collectTimerKey(plan.id, share.number, 1), dueAt: startOfDay(dueOn, timeZone), payload: { planId: plan.id, number: share.number, attempt: 1 } },
        input.now,
      );
    }
  }
  await completeIfSettled(tx, started, input.now);
}

/**
 * Timer `instalments.collect` (PA-4): share `number`'s day (attempt 1) or
 * retry day (attempts 2, 3) has come: the attempt goes to the outbox. Does
 * nothing when the share was collected, waived or already attempted, or the
 * plan cancelled.
 */
export async function collectDueInstalment(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const { planId, number, attempt } = timer.payload;
  if (typeof planId !== 'string' || typeof number !== 'number' || typeof attempt !== 'number') throw new Error(`${timer.kind} timer ${timer.key} has no planId / number / attempt`);
  const plan = await lockPlan(tx, { planId });
  if (!plan || plan.cancelled_at !== null || plan.collections_started_at === null) return;
  const share = (await sharesOf(tx, plan.id)).find((s) => s.number === number);
  if (!share || share.attempts !== attempt - 1 || share.state !== (attempt === 1 ? 'pending' : 'failed')) return;
  if (amountToCollect(shareMoney(plan, share)).amount === 0) {
    await waiveShare(tx, plan, share, now);
    await completeIfSettled(tx, plan, now);
    return;
  }
  await beginAttempt(tx, plan, number, attempt, now);
}

function failureEmail(input: {
  lang: 'fr' | 'en';
  orderNumber: string;
  partner: string;
  number: number;
  count: number;
  amount: Money;
  dueOn: string;
  nextAttemptOn: string | null;
}): { subject: string; text: string } {
  const { lang, orderNumber, partner, number, count } = input;
  const fr = lang === 'fr';
  const amount = formatMoney(input.amount, lang);
  const due = legalDate(input.dueOn, lang);
  return {
    subject: fr ? `Commande ${orderNumber} : l'échéance ${number}/${count} n'a pas pu être prélevée` : `Order ${orderNumber}: instalment ${number} of ${count} could not be collected`,
    text: [
      fr
        ? `${partner} n'a pas pu prélever l'échéance ${number} sur ${count} de votre commande ${orderNumber}, soit ${amount}, prévue le ${due}.`
        : `${partner} could not collect instalment ${number} of ${count} of your order ${orderNumber}, ${amount}, due on ${due}.`,
      input.nextAttemptOn
        ? fr
          ? `Une nouvelle tentative aura lieu le ${legalDate(input.nextAttemptOn, lang)}. Vérifiez d'ici là que votre carte est valide et suffisamment approvisionnée.`
          : `It will be tried again on ${legalDate(input.nextAttemptOn, lang)}. Please make sure by then that your card is valid and has sufficient funds.`
        : fr
          ? `Aucune autre tentative automatique n'aura lieu : contactez notre service client ou ${partner} pour régler cette échéance.`
          : `No further automatic attempt will be made: please contact our customer service or ${partner} to settle this instalment.`,
      fr ? 'Un crédit vous engage et doit être remboursé.' : 'Borrowing money costs money and must be repaid.',
    ].join('\n\n'),
  };
}

/** A partner refund row (in the caller's transaction) and its outbox message. */
async function queuePartnerRefund(tx: Tx, plan: PlanRow, input: { key: string; requested: number; reduced: number; reductions: { number: number; amount: number }[]; refund: number; action: 'plan_reduced' | 'partner_refund' | 'none'; now: Date }) {
  const row = await tx
    .insertInto('instalment_refunds')
    .values({
      plan_id: plan.id,
      key: input.key,
      currency: plan.currency,
      requested_minor: input.requested,
      reduced_minor: input.reduced,
      reductions: JSON.stringify(input.reductions),
      partner_refund_minor: input.refund,
      action: input.action,
      created_at: input.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.refund > 0) await enqueue(tx, { shopId: plan.shop_id, kind: FINANCING_REFUND, key: `${FINANCING_REFUND}:${plan.partner_plan_id}:${row.id}`, payload: { refundId: row.id } }, input.now);
}

/**
 * Outbox handlers `financing.collect_share` (PA-4: one attempt at one share)
 * and `financing.refund` (PA-4 / RF-3: collected money given back by the
 * partner). Each locks the plan, calls the partner with the message's key,
 * records the answer and proves it as the transaction's last write.
 */
export function instalmentCollectionOutboxHandlers(partner: FinancingPartner): OutboxHandlers {
  return {
    [FINANCING_COLLECT_SHARE]: async (tx, message, now) => {
      const { planId, number, attempt } = message.payload;
      if (typeof planId !== 'string' || typeof number !== 'number' || typeof attempt !== 'number') throw new Error(`${message.kind} ${message.key} has no planId / number / attempt`);
      const plan = await lockPlan(tx, { planId });
      if (!plan) throw new Error(`${message.kind} ${message.key}: no plan ${planId}`);
      const shares = await sharesOf(tx, plan.id);
      const share = shares.find((s) => s.number === number);
      if (!share) throw new Error(`${message.kind} ${message.key}: no share ${number}`);
      if (plan.cancelled_at !== null || share.state !== 'collecting' || share.collect_key !== message.key) return; // answered, waived or superseded
      const due = amountToCollect(shareMoney(plan, share));
      if (due.amount === 0) {
        await waiveShare(tx, plan, share, now);
        await completeIfSettled(tx, plan, now);
        return;
      }

      const answer = await partner.collectShare(plan.partner_plan_id, number, due, message.key);
      if (answer.shareNumber !== number) throw new Error(`financing partner ${partner.name}: answered for share ${answer.shareNumber} instead of ${number} (${message.key})`);
      const facts = await orderFacts(tx, plan);
      const base = { partner: facts.partnerLabel, planId: plan.partner_plan_id, share: number, count: plan.count, currency: plan.currency, dueOn: share.due_on, attempt, rule: 'PA-4' };
      // The first share's event carries the dated schedule (proof of the dates given at dispatch).
      const schedule: EvidenceData = number === 1 ? { schedule: shares.map((s) => ({ number: s.number, dueOn: s.due_on, amount: Number(s.amount_minor) - Number(s.reduced_minor) })) } : {};

      if (answer.status === 'collected') {
        if (answer.amount.currency !== plan.currency) throw new Error(`financing partner ${partner.name}: collected in ${answer.amount.currency} for a ${plan.currency} plan (${message.key})`);
        const taken = answer.amount.amount;
        await tx
          .insertInto('instalment_collection_attempts')
          .values({ plan_id: plan.id, number, attempt, idempotency_key: message.key, currency: plan.currency, amount_minor: taken, outcome: 'collected', partner_reference: answer.reference, attempted_at: now })
          .execute();
        await tx
          .updateTable('instalments')
          .set({ state: 'collected', collected_minor: taken, collected_at: now, attempts: attempt, next_attempt_on: null })
          .where('plan_id', '=', plan.id)
          .where('number', '=', number)
          .execute();
        // The partner answered a replayed key with an earlier, larger amount (a refund reduced the share in between): the excess goes back.
        const excess = taken - due.amount;
        if (excess > 0) await queuePartnerRefund(tx, plan, { key: `excess:${message.key}`, requested: excess, reduced: 0, reductions: [], refund: excess, action: 'partner_refund', now });
        const completed = await completeIfSettled(tx, plan, now);
        await appendEvidence(tx, {
          shopId: plan.shop_id,
          kind: INSTALMENT_SHARE_COLLECTED,
          subject: { type: 'order', id: facts.number },
          actor: 'system',
          data: { ...base, amount: taken, reference: answer.reference, planCompleted: completed, ...schedule },
          at: now,
        });
        if (completed) {
          const total = shares.reduce((n, s) => n + (s.number === number ? taken : s.state === 'collected' ? Number(s.collected_minor) : 0), 0);
          await appendEvidence(tx, {
            shopId: plan.shop_id,
            kind: INSTALMENT_PLAN_COMPLETED,
            subject: { type: 'order', id: facts.number },
            actor: 'system',
            data: { partner: facts.partnerLabel, planId: plan.partner_plan_id, count: plan.count, currency: plan.currency, collected: total, rule: 'PA-4' },
            at: now,
          });
        }
        return;
      }

      // Declined: retried by timer while attempts remain (COLLECTION_RETRY), surfaced to the merchant, told to the customer.
      const nextAttemptOn = nextCollectionAttemptOn(localDateIn(facts.timeZone, now), attempt);
      await tx
        .insertInto('instalment_collection_attempts')
        .values({ plan_id: plan.id, number, attempt, idempotency_key: message.key, currency: plan.currency, amount_minor: due.amount, outcome: 'declined', failure: answer.reason, attempted_at: now })
        .execute();
      await tx
        .updateTable('instalments')
        .set({ state: 'failed', attempts: attempt, last_failure: answer.reason, failed_at: now, next_attempt_on: nextAttemptOn })
        .where('plan_id', '=', plan.id)
        .where('number', '=', number)
        .execute();
      if (nextAttemptOn) {
        await scheduleTimer(
          tx,
          {
            shopId: plan.shop_id,
            kind: INSTALMENT_COLLECT_TIMER,
            key: collectTimerKey(plan.id, number, attempt + 1),
            dueAt: startOfDay(nextAttemptOn, facts.timeZone),
            payload: { planId: plan.id, number, attempt: attempt + 1 },
          },
          now,
        );
      }
      const email = failureEmail({ lang: facts.language, orderNumber: facts.number, partner: facts.partnerLabel, number, count: plan.count, amount: due, dueOn: share.due_on!, nextAttemptOn });
      await queueEmail(
        tx,
        {
          shopId: plan.shop_id,
          key: `${INSTALMENT_SHARE_FAILED}:${plan.shop_id}:${facts.number}:${number}:${attempt}`,
          email: { to: facts.email, subject: email.subject, text: email.text, html: null, language: facts.language, related: { kind: 'order', id: facts.number } },
        },
        now,
      );
      await appendEvidence(tx, {
        shopId: plan.shop_id,
        kind: INSTALMENT_SHARE_FAILED,
        subject: { type: 'order', id: facts.number },
        actor: 'system',
        data: { ...base, amount: due.amount, reason: answer.reason, nextAttemptOn, gaveUp: nextAttemptOn === null, maxAttempts: COLLECTION_RETRY.maxAttempts, ...schedule },
        at: now,
      });
    },

    [FINANCING_REFUND]: async (tx, message, now) => {
      const refundId = message.payload['refundId'];
      if (typeof refundId !== 'string') throw new Error(`${message.kind} ${message.key} has no refundId`);
      const head = await tx.selectFrom('instalment_refunds').select('plan_id').where('id', '=', refundId).executeTakeFirstOrThrow();
      const plan = await lockPlan(tx, { planId: head.plan_id });
      if (!plan) throw new Error(`${message.kind} ${message.key}: no plan ${head.plan_id}`);
      const row = await tx.selectFrom('instalment_refunds').selectAll().where('id', '=', refundId).executeTakeFirstOrThrow();
      if (row.partner_refunded_at !== null) return;
      const amount = money(Number(row.partner_refund_minor), currencyOf(plan));
      const answer = await partner.refund(plan.partner_plan_id, amount, message.key);
      if (answer.amount.amount !== amount.amount || answer.amount.currency !== amount.currency) {
        throw new Error(`financing partner ${partner.name}: refunded ${answer.amount.amount} ${answer.amount.currency} instead of ${amount.amount} ${amount.currency} (${message.key})`);
      }
      await tx.updateTable('instalment_refunds').set({ partner_refunded_at: now, partner_reference: answer.reference }).where('id', '=', row.id).execute();
      const facts = await orderFacts(tx, plan);
      await appendEvidence(tx, {
        shopId: plan.shop_id,
        kind: INSTALMENT_PARTNER_REFUNDED,
        subject: { type: 'order', id: facts.number },
        actor: 'system',
        data: { partner: facts.partnerLabel, planId: plan.partner_plan_id, key: row.key, amount: amount.amount, currency: amount.currency, reference: answer.reference, rule: 'PA-4' },
        at: now,
      });
    },
  };
}

export type PartnerRefundOutcome = {
  /** `partner_refund` when collected money goes back through the partner, else `plan_reduced` when only shares were lowered, else `none`. */
  action: 'plan_reduced' | 'partner_refund' | 'none';
  /** What this call settled (minor units): `reduced` + `refunded`. */
  amount: number;
  /** Removed from shares not collected yet. */
  reduced: number;
  /** Refunded by the partner (through the outbox) from collected money. */
  refunded: number;
  /** Asked beyond what the plan still held: not settled (the plan's total is the ceiling). */
  unsettled: number;
  reductions: { number: number; amount: number }[];
  /** This call left no share to collect (the plan is complete). */
  planCompleted: boolean;
};

/**
 * PA-4 / RF-3: gives `amount` back to a customer who pays in instalments, in
 * the caller's transaction (which holds the order): amounts not yet collected
 * are removed from the remaining shares — the last shares first
 * (`planRefundSplit`) —, a share brought to nothing is `waived` (its timer
 * cancelled), and what is above what remains is refunded by the partner from
 * the collected money, through the outbox (`financing.refund`). Idempotent per
 * `key` (the same key returns the first call's outcome and does nothing
 * more); never above what the plan still holds (`unsettled` says what was
 * not). Writes no evidence: the caller's refund event is the transaction's
 * last write (the partner's refund is proven by `instalments.partner_refunded`).
 *
 * @throws DomainError `instalments.plan_not_found` (404) when the order has no plan; `instalments.currency_mismatch` (422).
 */
export async function refundThroughPartner(tx: Tx, input: { shopId: string; orderId: string; amount: Money; key: string; now: Date }): Promise<PartnerRefundOutcome> {
  const plan = await lockPlan(tx, { orderId: input.orderId, shopId: input.shopId });
  if (!plan) throw new DomainError('instalments.plan_not_found', { field: 'orderId', rule: 'PA-4' }, 'This order is not paid in instalments.');
  const earlier = await tx.selectFrom('instalment_refunds').selectAll().where('plan_id', '=', plan.id).where('key', '=', input.key).executeTakeFirst();
  if (earlier) {
    const reduced = Number(earlier.reduced_minor);
    const refunded = Number(earlier.partner_refund_minor);
    return { action: earlier.action, amount: reduced + refunded, reduced, refunded, unsettled: Number(earlier.requested_minor) - reduced - refunded, reductions: earlier.reductions, planCompleted: false };
  }
  if (input.amount.currency !== plan.currency) throw new DomainError('instalments.currency_mismatch', { field: 'amount', rule: 'PA-4', expected: plan.currency, got: input.amount.currency });

  const currency = currencyOf(plan);
  const shares = await sharesOf(tx, plan.id);
  const refunded = await tx.selectFrom('instalment_refunds').select((eb) => eb.fn.coalesce(eb.fn.sum<string>('partner_refund_minor'), sql<string>`0`).as('n')).where('plan_id', '=', plan.id).executeTakeFirstOrThrow();
  // OR-7: a cancelled plan never collected anything and has nothing left to collect.
  const split =
    plan.cancelled_at !== null
      ? { reductions: [], reduced: money(0, currency), partnerRefund: money(0, currency), unsettled: input.amount }
      : planRefundSplit({
          shares: shares.map((s) => ({
            number: s.number,
            state: s.state,
            amount: money(Number(s.amount_minor), currency),
            reduced: money(Number(s.reduced_minor), currency),
            collected: s.collected_minor === null ? null : money(Number(s.collected_minor), currency),
          })),
          alreadyRefunded: money(Number(refunded.n), currency),
          amount: input.amount,
        });

  for (const r of split.reductions) {
    const share = shares.find((s) => s.number === r.number)!;
    const left = Number(share.amount_minor) - Number(share.reduced_minor) - r.amount.amount;
    await tx
      .updateTable('instalments')
      .set({ reduced_minor: sql`reduced_minor + ${r.amount.amount}` })
      .where('plan_id', '=', plan.id)
      .where('number', '=', r.number)
      .execute();
    if (left === 0) await waiveShare(tx, plan, share, input.now);
  }
  const action = split.partnerRefund.amount > 0 ? 'partner_refund' : split.reduced.amount > 0 ? 'plan_reduced' : 'none';
  const reductions = split.reductions.map((r) => ({ number: r.number, amount: r.amount.amount }));
  await queuePartnerRefund(tx, plan, { key: input.key, requested: input.amount.amount, reduced: split.reduced.amount, reductions, refund: split.partnerRefund.amount, action, now: input.now });
  const planCompleted = split.reductions.length > 0 && (await completeIfSettled(tx, plan, input.now));
  return { action, amount: split.reduced.amount + split.partnerRefund.amount, reduced: split.reduced.amount, refunded: split.partnerRefund.amount, unsettled: split.unsettled.amount, reductions, planCompleted };
}

// ---------------------------------------------------------------------------
// Reading

export type InstalmentCollection = {
  number: number;
  state: InstalmentShareState;
  amount: Money;
  /** Removed by refunds before it was collected. */
  reduced: Money;
  dueOn: string | null;
  collected: Money | null;
  collectedAt: Date | null;
  attempts: number;
  lastFailure: string | null;
  nextAttemptOn: string | null;
};

export type InstalmentCollectionsView = {
  partner: string;
  planId: string;
  count: 3 | 4;
  startedAt: Date | null;
  /** PA-4: every share collected (or waived): the order's payment is complete. */
  completedAt: Date | null;
  shares: InstalmentCollection[];
};

/** The collections of an order's plan (null: not paid in instalments). */
export async function getInstalmentCollections(q: Queryable, input: { shopId: string; orderId: string }): Promise<InstalmentCollectionsView | null> {
  const plan = await q.selectFrom('instalment_plans').selectAll().where('order_id', '=', input.orderId).where('shop_id', '=', input.shopId).executeTakeFirst();
  if (!plan) return null;
  const currency = plan.currency as Currency;
  const rows = await q.selectFrom('instalments').selectAll().where('plan_id', '=', plan.id).orderBy('number').execute();
  return {
    partner: plan.partner,
    planId: plan.partner_plan_id,
    count: plan.count,
    startedAt: plan.collections_started_at,
    completedAt: plan.completed_at,
    shares: rows.map((s) => ({
      number: s.number,
      state: s.state,
      amount: money(Number(s.amount_minor), currency),
      reduced: money(Number(s.reduced_minor), currency),
      dueOn: s.due_on,
      collected: s.collected_minor === null ? null : money(Number(s.collected_minor), currency),
      collectedAt: s.collected_at,
      attempts: s.attempts,
      lastFailure: s.last_failure,
      nextAttemptOn: s.next_attempt_on,
    })),
  };
}

export type FailedInstalmentCollection = {
  orderNumber: string;
  email: string;
  partner: string;
  planId: string;
  number: number;
  count: 3 | 4;
  /** What is still to collect on the share. */
  amount: Money;
  dueOn: string;
  attempts: number;
  /** `declined`: the partner declined the debit (`lastFailure` says why); `partner_unreachable`: the outbox gave up calling it. */
  problem: 'declined' | 'partner_unreachable';
  lastFailure: string | null;
  failedAt: Date | null;
  /** The day of the next automatic attempt; null when none is left (the merchant must act). */
  nextAttemptOn: string | null;
};

/**
 * PA-4, for the merchant (GET /api/admin/instalments/failed, /admin/instalments):
 * shares whose last attempt was declined — still to be retried, or given up —
 * and shares whose attempt the outbox could not deliver to the partner.
 * Oldest due date first.
 */
export async function listFailedInstalmentCollections(q: Queryable, shopId: string, options: { limit?: number } = {}): Promise<FailedInstalmentCollection[]> {
  const limit = Math.min(Math.max(options.limit ?? 200, 1), 1000);
  const rows = await q
    .selectFrom('instalments as i')
    .innerJoin('instalment_plans as p', 'p.id', 'i.plan_id')
    .innerJoin('orders as o', 'o.id', 'p.order_id')
    .leftJoin('outbox as m', (join) => join.onRef('m.key', '=', 'i.collect_key').on('i.state', '=', 'collecting'))
    .select([
      'o.number as orderNumber',
      'o.email',
      'p.partner',
      'p.partner_plan_id',
      'p.count',
      'p.currency',
      'i.number',
      'i.amount_minor',
      'i.reduced_minor',
      'i.due_on',
      'i.attempts',
      'i.state',
      'i.last_failure',
      'i.failed_at',
      'i.next_attempt_on',
      'm.state as outboxState',
      'm.last_error as outboxError',
    ])
    .where('p.shop_id', '=', shopId)
    .where('p.cancelled_at', 'is', null)
    .where((eb) => eb.or([eb('i.state', '=', 'failed'), eb.and([eb('i.state', '=', 'collecting'), eb('m.state', '=', 'failed')])]))
    .orderBy('i.due_on')
    .orderBy('o.number')
    .orderBy('i.number')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    orderNumber: r.orderNumber,
    email: r.email,
    partner: r.partner,
    planId: r.partner_plan_id,
    number: r.number,
    count: r.count,
    amount: money(Number(r.amount_minor) - Number(r.reduced_minor), r.currency as Currency),
    dueOn: r.due_on!,
    attempts: r.attempts,
    problem: r.state === 'failed' ? 'declined' : 'partner_unreachable',
    lastFailure: r.state === 'failed' ? r.last_failure : r.outboxError,
    failedAt: r.failed_at,
    nextAttemptOn: r.state === 'failed' ? r.next_attempt_on : null,
  }));
}
