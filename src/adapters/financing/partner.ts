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
}
