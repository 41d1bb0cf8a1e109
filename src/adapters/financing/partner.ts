// PA-4: the financing partner port. The partner decides whether it finances a
// plan; the shop only asks for plans its policy offers to an eligible customer
// (src/domain/payments/instalments.ts checks that first). Like the payment
// provider, a request carries an idempotency key: the same order asking again
// gets the same plan, never a second credit.
import type { Money } from '../../domain/money.js';

export type PlanRequest = {
  /** The engine's key for this request (one per order): the same key → the same answer. */
  idempotencyKey: string;
  amount: Money;
  count: 3 | 4;
  customer: { email: string; country: string };
};

export type PlanDecision =
  | {
      status: 'accepted';
      planId: string;
      /** Every share to the cent, in order; they sum to the amount. Dated when shipment is confirmed (PA-4). */
      shares: Money[];
    }
  | { status: 'refused'; reason: 'credit_refused' };

export interface FinancingPartner {
  /** Stored with each plan (`sandbox-financing`). */
  readonly name: string;
  requestPlan(request: PlanRequest): Promise<PlanDecision>;
  /**
   * Withdraws a plan nothing was collected on yet (its order was cancelled).
   * Idempotent: cancelling a cancelled plan answers the same.
   */
  cancelPlan(planId: string, idempotencyKey: string): Promise<{ planId: string; status: 'cancelled' }>;
  /**
   * PA-4 collections: takes share `shareNumber` of the plan (`amount`: the
   * share less what refunds removed from it) from the customer's card. Called
   * from the outbox only (`financing.collect_share`), once per attempt, with
   * one idempotency key per attempt: the same key → the same answer, never a
   * second debit. A declined debit is an answer (`declined`), not an error;
   * throw only when the partner could not be reached (the outbox retries).
   */
  collectShare(planId: string, shareNumber: number, amount: Money, idempotencyKey: string): Promise<ShareCollection>;
  /**
   * PA-4 / RF-3: gives collected money back to the customer (a cancelled line,
   * an uncollected parcel…) through the plan. Called from the outbox only
   * (`financing.refund`); idempotent by key.
   */
  refund(planId: string, amount: Money, idempotencyKey: string): Promise<{ planId: string; status: 'refunded'; amount: Money; reference: string }>;
}

/** The partner's answer to one collection attempt. */
export type ShareCollection =
  | { status: 'collected'; shareNumber: number; amount: Money; reference: string }
  | { status: 'declined'; shareNumber: number; reason: ShareDeclineReason };

export type ShareDeclineReason = 'card_declined' | 'insufficient_funds' | 'card_expired';
