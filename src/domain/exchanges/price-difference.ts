// EX-1 / EX-2: who owes what when an item is exchanged, in minor units. Pure.
import { DomainError } from '../errors.js';

function checkAmount(field: string, value: number, rule: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new DomainError('exchange.invalid_amount', { field, rule, value });
}

/** EX-1 (by post, JW/EL): the replacement dearer → the customer pays the difference; cheaper → the shop refunds it. */
export function postalExchangeDifference(input: { returnedAmount: number; replacementPrice: number }): { customerPays: number; shopRefunds: number } {
  checkAmount('returnedAmount', input.returnedAmount, 'EX-1');
  checkAmount('replacementPrice', input.replacementPrice, 'EX-1');
  const difference = input.replacementPrice - input.returnedAmount;
  return { customerPays: Math.max(difference, 0), shopRefunds: Math.max(-difference, 0) };
}

/**
 * EX-2 (in store, FR): same product in another size/colour → nothing either
 * way, whatever the price; another item: the invoiced amount (excl. shipping)
 * counts as credit, the customer pays any excess, a lower difference is lost
 * (no cash, no credit).
 */
export function inStoreExchangeDifference(input: { sameProduct: boolean; invoicedAmount: number; replacementPrice: number }): { customerPays: number; lost: number } {
  checkAmount('invoicedAmount', input.invoicedAmount, 'EX-2');
  checkAmount('replacementPrice', input.replacementPrice, 'EX-2');
  if (input.sameProduct) return { customerPays: 0, lost: 0 };
  const difference = input.replacementPrice - input.invoicedAmount;
  return { customerPays: Math.max(difference, 0), lost: Math.max(-difference, 0) };
}
