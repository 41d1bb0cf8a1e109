// What the customer must know about how an order is paid, read back from what
// was stored: the instalment plan (PA-4: every share, the partner named as in
// the terms) and, for a deferred invoice (PA-7), its due date, the account and
// the transfer reference. The confirmation page, the account's order page and
// a repeated submit of the order all show the same.
import type { Money } from '../domain/money.js';
import type { Policy } from '../policy/schema.js';
import type { Queryable } from '../store/db.js';
import { findInstalmentPlan } from './instalments.js';
import type { Order } from './orders.js';
import { deferredPaymentAccount, listPaymentsFor, type BankAccount, type Payment } from './payments.js';

export type PaymentArrangements = {
  instalments: { partner: string; shares: Money[] } | null;
  deferred: ({ dueOn: string; reference: string } & BankAccount) | null;
};

/** `payments`: the order's payments when the caller has read them already. */
export async function paymentArrangementsOf(
  q: Queryable,
  input: { shopId: string; policy: Policy; order: Pick<Order, 'id' | 'number' | 'paymentMethod' | 'paymentDueOn'>; payments?: readonly Payment[] },
): Promise<PaymentArrangements> {
  const { order, policy } = input;
  let instalments: PaymentArrangements['instalments'] = null;
  let deferred: PaymentArrangements['deferred'] = null;
  if (order.paymentMethod === 'instalments') {
    const plan = await findInstalmentPlan(q, order.id);
    // PA-4: the partner as the terms name it (the adapter's own name only when the policy has none).
    if (plan) instalments = { partner: policy.payment.methods.instalments?.partner ?? plan.partner, shares: plan.shares.map((s) => s.amount) };
  }
  if (order.paymentMethod === 'deferred' && order.paymentDueOn) {
    const payments = input.payments ?? (await listPaymentsFor(q, input.shopId, { kind: 'order', id: order.number }));
    const payment = payments.find((p) => p.method === 'deferred');
    if (payment?.bankTransferReference) deferred = { dueOn: order.paymentDueOn, reference: payment.bankTransferReference, ...deferredPaymentAccount(policy) };
  }
  return { instalments, deferred };
}
