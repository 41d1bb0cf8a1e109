// PA-1 at checkout: the payment methods this customer may choose for this
// basket — the shop's methods, instalment plans only where PA-4 allows them
// (each with its shares to the cent), deferred payment only for a
// professional the merchant authorised (PA-7). What is not offered here is
// refused again by placeOrder, which checks everything under its locks.
import type { Money } from '../domain/money.js';
import { ORDER_PAYMENT_METHODS, type OrderPaymentMethod } from '../domain/payments/payment-methods.js';
import type { CustomerKind, Policy } from '../policy/schema.js';
import type { Queryable } from '../store/db.js';
import { deferredPaymentDue } from './payments.js';
import { findDeferredPaymentAccount } from './deferred-payments.js';
import { instalmentOffers } from './instalments.js';

export type PaymentChoice =
  | { method: 'card' | 'wallet' | 'bank_transfer' }
  | { method: 'instalments'; count: 3 | 4; partner: string; shares: Money[] }
  | { method: 'deferred'; dueOn: string; outstanding: Money; creditLimit: Money };

/** The form value of a choice: the method, and the plan for instalments (`instalments:3`). */
export const choiceValue = (choice: PaymentChoice): string => (choice.method === 'instalments' ? `instalments:${choice.count}` : choice.method);

/** A posted form value back to placeOrder's input; null when it names no method. */
export function parseChoiceValue(value: string): { paymentMethod: OrderPaymentMethod; instalmentCount?: number } | null {
  const [method, count] = value.split(':', 2);
  if (!(ORDER_PAYMENT_METHODS as readonly string[]).includes(method ?? '')) return null;
  if (method === 'instalments') return /^[1-9]$/.test(count ?? '') ? { paymentMethod: 'instalments', instalmentCount: Number(count) } : null;
  return count === undefined ? { paymentMethod: method as OrderPaymentMethod } : null;
}

export async function paymentChoices(
  q: Queryable,
  input: { shopId: string; policy: Policy; customer: { id: string; kind: CustomerKind } | null; total: Money; billingCountry: string; now: Date },
): Promise<PaymentChoice[]> {
  const methods = input.policy.payment.methods;
  const choices: PaymentChoice[] = [];
  if (methods.card) choices.push({ method: 'card' });
  if (methods.wallet || methods.paypal) choices.push({ method: 'wallet' });
  if (methods.bankTransfer) choices.push({ method: 'bank_transfer' });
  if (methods.instalments) {
    const facts = { total: input.total, residence: input.billingCountry, customerKind: input.customer?.kind ?? 'consumer' };
    for (const offer of instalmentOffers(input.policy, facts)) {
      if (offer.eligible) choices.push({ method: 'instalments', count: offer.count, partner: methods.instalments.partner, shares: offer.shares });
    }
  }
  if (methods.deferredB2B && input.customer) {
    const account = await findDeferredPaymentAccount(q, input.shopId, input.customer.id);
    if (account) choices.push({ method: 'deferred', dueOn: deferredPaymentDue(input.policy, input.now).lastDay, outstanding: account.outstanding, creditLimit: account.creditLimit });
  }
  return choices;
}
