// PA-4: the financing partner port and its sandbox. The partner decides; the
// shop only offers plans the policy allows (src/domain/payments/instalments.ts
// checks eligibility before asking). The sandbox answers deterministically:
//
//   - a customer email whose local part ends in `+refuse`
//     (`jane+refuse@example.com`) is REFUSED with reason `credit_refused`;
//   - otherwise the plan is ACCEPTED with the exact schedule of the domain
//     (first share at shipment confirmation, then the same day of each
//     following month; the first share takes the leftover cents), and a plan
//     id derived from the request (the same request → the same plan id).
import { createHash } from 'node:crypto';
import type { Money } from '../../domain/money.js';
import { instalmentSchedule, type Instalment } from '../../domain/payments/instalments.js';
import type { CalendarDate } from '../../domain/calendar/working-days.js';

export type PlanRequest = {
  amount: Money;
  count: 3 | 4;
  customer: { email: string; country: string };
  /** The day shipment is confirmed: the first share's date (PA-4). */
  firstDueOn: CalendarDate;
};

export type PlanDecision =
  | { status: 'accepted'; planId: string; schedule: Instalment[] }
  | { status: 'refused'; reason: 'credit_refused' };

export interface FinancingPartner {
  readonly name: string;
  requestPlan(request: PlanRequest): Promise<PlanDecision>;
}

/** The documented test input that makes the sandbox refuse: an email local part ending in `+refuse`. */
export const REFUSE_EMAIL = /\+refuse@[^@]+$/i;

export const sandboxFinancingPartner: FinancingPartner = {
  name: 'sandbox-financing',
  async requestPlan(request) {
    if (REFUSE_EMAIL.test(request.customer.email.trim())) return { status: 'refused', reason: 'credit_refused' };
    const schedule = instalmentSchedule({ total: request.amount, count: request.count, firstDueOn: request.firstDueOn });
    const planId = `plan_${createHash('sha256')
      .update(JSON.stringify([request.amount.amount, request.amount.currency, request.count, request.customer.email.trim().toLowerCase(), request.firstDueOn]))
      .digest('hex')
      .slice(0, 20)}`;
    return { status: 'accepted', planId, schedule };
  },
};
