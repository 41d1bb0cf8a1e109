// PA-4 at checkout: paying in instalments through the financing partner.
//
// - `instalmentOffers`: the plans the checkout shows this customer for this
//   basket, each with its shares to the cent or the reasons it is not offered.
// - `assertInstalmentPlanOffered`: the policy's eligibility (consumer resident
//   in France, basket range per plan, bounds inclusive), checked by placeOrder
//   before it takes stock.
// - `requestInstalmentPlan`: the partner's decision, asked LAST in placeOrder
//   (like a payment session: after every refusal and the stock, so a plan is
//   never granted for an order that then fails); a refusal is
//   `instalments.refused_by_partner` and rolls the whole order back. The
//   request's key is derived from the order's key AND what is asked (count,
//   amount, email): asking again for another plan is another request.
// - `recordInstalmentPlan`: the accepted plan and every share, stored with the
//   order in its placing transaction, with the evidence event. The shares are
//   dated when shipment is confirmed (PA-4: the first share is taken then,
//   the next ones on the same day of the following months).
import type { FinancingPartner, PlanDecision } from '../adapters/financing/partner.js';
import { DomainError } from '../domain/errors.js';
import { money, type Currency, type Money } from '../domain/money.js';
import { assertInstalmentsEligible, instalmentEligibility, instalmentShares, type InstalmentRefusal } from '../domain/payments/instalments.js';
import type { CustomerKind, Policy } from '../policy/schema.js';
import type { Queryable, Tx } from '../store/db.js';
import type { OutboxHandlers } from '../jobs/outbox-dispatcher.js';
import { appendEvidence } from '../store/evidence.js';
import { enqueue } from '../store/outbox.js';

export const INSTALMENT_PLAN_ACCEPTED = 'instalments.plan_accepted';

export type InstalmentFacts = { total: Money; residence: string; customerKind: CustomerKind };

export type InstalmentOffer =
  | { count: 3 | 4; eligible: true; shares: Money[] }
  | { count: 3 | 4; eligible: false; reasons: readonly InstalmentRefusal[] };

/** PA-4: each plan of the policy for this customer and basket (none when the shop offers no instalments). */
export function instalmentOffers(policy: Policy, facts: InstalmentFacts): InstalmentOffer[] {
  const rule = policy.payment.methods.instalments;
  if (!rule) return [];
  return instalmentEligibility(rule, facts).map((e) => (e.eligible ? { count: e.count, eligible: true, shares: instalmentShares(facts.total, e.count) } : e));
}

export type AcceptedPlan = Extract<PlanDecision, { status: 'accepted' }> & { partner: string; count: 3 | 4 };

/** PA-4: the policy offers this plan to this customer for this basket (the first refusal otherwise). */
export function assertInstalmentPlanOffered(policy: Policy, input: InstalmentFacts & { count: number | undefined }): 3 | 4 {
  const rule = policy.payment.methods.instalments;
  if (!rule) throw new DomainError('payment.method_not_offered', { field: 'paymentMethod', rule: 'PA-1', method: 'instalments' });
  if (input.count !== 3 && input.count !== 4) throw new DomainError('instalments.plan_not_offered', { field: 'instalmentCount', rule: 'PA-4', count: input.count ?? null });
  assertInstalmentsEligible(rule, input, input.count);
  return input.count;
}

/** PA-4: the financing partner's decision on a plan the policy offers; `instalments.refused_by_partner` when it declines the credit. */
export async function requestInstalmentPlan(
  partner: FinancingPartner | undefined,
  policy: Policy,
  input: { count: 3 | 4; total: Money; residence: string; email: string; orderKey: string },
): Promise<AcceptedPlan> {
  const partnerName = policy.payment.methods.instalments?.partner ?? 'the financing partner';
  if (!partner) throw new DomainError('payment.provider_unavailable', { field: 'paymentMethod', rule: 'PA-4' }, 'Instalments are not available at the moment.');
  const idempotencyKey = `instalments:${input.orderKey}:${input.count}:${input.total.amount}${input.total.currency}:${input.email.toLowerCase()}`;
  const decision = await partner.requestPlan({ idempotencyKey, amount: input.total, count: input.count, customer: { email: input.email, country: input.residence } });
  if (decision.status === 'refused') {
    throw new DomainError('instalments.refused_by_partner', { field: 'paymentMethod', rule: 'PA-4', partner: partnerName }, `${partnerName} did not accept the instalment plan: choose another payment method.`);
  }
  const sum = decision.shares.reduce((n, s) => n + s.amount, 0);
  if (decision.shares.length !== input.count || sum !== input.total.amount || decision.shares.some((s) => s.currency !== input.total.currency)) {
    // The partner broke its own contract: nothing to tell the customer to correct.
    throw new Error(`financing partner ${partner.name}: plan ${decision.planId} does not add up to ${input.total.amount} ${input.total.currency} in ${input.count}`);
  }
  return { ...decision, partner: partner.name, count: input.count };
}

/** PA-4: the accepted plan stored with the order (its transaction), proven in the evidence log. */
export async function recordInstalmentPlan(tx: Tx, input: { shopId: string; orderId: string; orderNumber: string; plan: AcceptedPlan; total: Money; now: Date }): Promise<void> {
  const { plan } = input;
  const row = await tx
    .insertInto('instalment_plans')
    .values({
      shop_id: input.shopId,
      order_id: input.orderId,
      partner: plan.partner,
      partner_plan_id: plan.planId,
      count: plan.count,
      currency: input.total.currency,
      total_minor: input.total.amount,
      accepted_at: input.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await tx
    .insertInto('instalments')
    .values(plan.shares.map((share, i) => ({ plan_id: row.id, number: i + 1, amount_minor: share.amount })))
    .execute();
  await appendEvidence(tx, {
    shopId: input.shopId,
    kind: INSTALMENT_PLAN_ACCEPTED,
    subject: { type: 'order', id: input.orderNumber },
    actor: 'system',
    data: { partner: plan.partner, planId: plan.planId, count: plan.count, currency: input.total.currency, shares: plan.shares.map((s) => s.amount), rule: 'PA-4' },
    at: input.now,
  });
}

export type StoredInstalmentPlan = { partner: string; planId: string; count: 3 | 4; shares: { number: number; amount: Money; dueOn: string | null }[] };

/** The plan of an order paid in instalments, or null. */
export async function findInstalmentPlan(q: Queryable, orderId: string): Promise<StoredInstalmentPlan | null> {
  const plan = await q.selectFrom('instalment_plans').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  if (!plan) return null;
  const shares = await q.selectFrom('instalments').selectAll().where('plan_id', '=', plan.id).orderBy('number').execute();
  const currency = plan.currency as Currency;
  return {
    partner: plan.partner,
    planId: plan.partner_plan_id,
    count: plan.count,
    shares: shares.map((s) => ({ number: s.number, amount: money(Number(s.amount_minor), currency), dueOn: s.due_on })),
  };
}

// ---------------------------------------------------------------------------
// OR-7: an order paid in instalments is cancelled before anything was collected

export const INSTALMENT_PLAN_CANCEL = 'financing.cancel_plan';
export const INSTALMENT_PLAN_CANCELLED = 'instalments.plan_cancelled';

/**
 * In the cancellation's transaction: the plan is cancelled for the engine and
 * the partner is told through the outbox (idempotent key per plan). Shares
 * are only collected from the shipment on (PA-4), and a cancelled order is
 * never shipped: nothing was taken, nothing is to give back.
 * @returns the partner's plan id, or null when the order has no plan.
 */
export async function cancelInstalmentPlan(tx: Tx, input: { shopId: string; orderId: string; now: Date }): Promise<string | null> {
  const plan = await tx
    .updateTable('instalment_plans')
    .set({ cancelled_at: input.now })
    .where('order_id', '=', input.orderId)
    .where('cancelled_at', 'is', null)
    .returning(['id', 'partner_plan_id'])
    .executeTakeFirst();
  if (!plan) return null;
  await enqueue(tx, { shopId: input.shopId, kind: INSTALMENT_PLAN_CANCEL, key: `${INSTALMENT_PLAN_CANCEL}:${plan.partner_plan_id}`, payload: { planId: plan.id } }, input.now);
  return plan.partner_plan_id;
}

/** Outbox handler `financing.cancel_plan`: the partner withdraws the plan; the engine records when, and proves it. */
export function instalmentOutboxHandlers(partner: FinancingPartner): OutboxHandlers {
  return {
    [INSTALMENT_PLAN_CANCEL]: async (tx, message, now) => {
      const planId = message.payload['planId'];
      if (typeof planId !== 'string') throw new Error(`${message.kind} ${message.key} has no planId`);
      const plan = await tx.selectFrom('instalment_plans as p').innerJoin('orders as o', 'o.id', 'p.order_id').select(['p.id', 'p.partner_plan_id', 'p.partner_cancelled_at', 'o.number']).where('p.id', '=', planId).forUpdate().executeTakeFirstOrThrow();
      if (plan.partner_cancelled_at !== null) return;
      await partner.cancelPlan(plan.partner_plan_id, message.key); // the key names the partner's plan: unique at the partner, whichever shop asks
      await tx.updateTable('instalment_plans').set({ partner_cancelled_at: now }).where('id', '=', plan.id).execute();
      await appendEvidence(tx, {
        shopId: message.shopId,
        kind: INSTALMENT_PLAN_CANCELLED,
        subject: { type: 'order', id: plan.number },
        actor: 'system',
        data: { partner: partner.name, planId: plan.partner_plan_id, rule: 'PA-4' },
        at: now,
      });
    },
  };
}
