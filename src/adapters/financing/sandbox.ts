// PA-4: the sandbox financing partner, part of the product so a shop can try
// instalments end to end. It answers deterministically:
//
//   - a customer email whose local part ends in `+refuse`
//     (`jane+refuse@example.com`) is REFUSED with reason `credit_refused`;
//   - otherwise the plan is ACCEPTED with the exact shares of the domain (the
//     first share takes the leftover cents) and a plan id derived from the
//     idempotency key (the same request → the same plan).
import { createHash } from 'node:crypto';
import { instalmentShares } from '../../domain/payments/instalments.js';
import type { FinancingPartner } from './partner.js';

/** The documented test input that makes the sandbox refuse: an email local part ending in `+refuse`. */
export const REFUSE_EMAIL = /\+refuse@[^@]+$/i;

export const sandboxFinancingPartner: FinancingPartner = {
  name: 'sandbox-financing',
  async requestPlan(request) {
    if (REFUSE_EMAIL.test(request.customer.email.trim())) return { status: 'refused', reason: 'credit_refused' };
    const planId = `plan_${createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 20)}`;
    return { status: 'accepted', planId, shares: instalmentShares(request.amount, request.count) };
  },
  // The sandbox keeps no state: any plan it accepted can be withdrawn, as many times as asked.
  async cancelPlan(planId) {
    return { planId, status: 'cancelled' };
  },
};
