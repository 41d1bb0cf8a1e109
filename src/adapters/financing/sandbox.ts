// PA-4: the sandbox financing partner, part of the product so a shop can try
// instalments end to end. It answers deterministically:
//
//   - a customer email whose local part ends in `+refuse`
//     (`jane+refuse@example.com`) is REFUSED with reason `credit_refused`;
//   - otherwise the plan is ACCEPTED with the exact shares of the domain (the
//     first share takes the leftover cents) and a plan id derived from the
//     idempotency key (the same request → the same plan).
//
// Collections (PA-4, from shipment on) are accepted, except for two
// documented test inputs, carried by the plan id so they survive a restart:
//
//   - an email local part ending in `+collectfail` (`jane+collectfail@…`,
//     plan id `plan_cf1_…`): the 2nd share is DECLINED once
//     (`insufficient_funds`), on the first attempt this sandbox sees for it;
//     the next attempt (another key) is collected;
//   - ending in `+collectfailalways` (plan id `plan_cfa_…`): the 2nd share is
//     declined on every attempt.
//
// Answers are remembered per idempotency key for the life of the process (the
// same key → the same answer); "once" is counted in that memory too, so after
// a restart a `+collectfail` plan's 2nd share is declined once more. Refunds
// are always accepted, with a reference derived from their key.
import { createHash } from 'node:crypto';
import { instalmentShares } from '../../domain/payments/instalments.js';
import type { FinancingPartner, ShareCollection } from './partner.js';

/** The documented test input that makes the sandbox refuse: an email local part ending in `+refuse`. */
export const REFUSE_EMAIL = /\+refuse@[^@]+$/i;
/** Test input: the 2nd share's first collection attempt is declined (local part ending in `+collectfail`). */
export const COLLECT_FAIL_ONCE_EMAIL = /\+collectfail@[^@]+$/i;
/** Test input: every collection attempt of the 2nd share is declined (local part ending in `+collectfailalways`). */
export const COLLECT_FAIL_ALWAYS_EMAIL = /\+collectfailalways@[^@]+$/i;

const digest = (text: string, length = 20) => createHash('sha256').update(text).digest('hex').slice(0, length);

/** A sandbox partner with its own memory of answers (the app uses the one below; tests may make their own). */
export function createSandboxFinancingPartner(): FinancingPartner {
  const answers = new Map<string, ShareCollection>();
  const declined = new Set<string>();
  return {
    name: 'sandbox-financing',
    async requestPlan(request) {
      const email = request.customer.email.trim();
      if (REFUSE_EMAIL.test(email)) return { status: 'refused', reason: 'credit_refused' };
      const marker = COLLECT_FAIL_ALWAYS_EMAIL.test(email) ? 'cfa_' : COLLECT_FAIL_ONCE_EMAIL.test(email) ? 'cf1_' : '';
      const planId = `plan_${marker}${digest(request.idempotencyKey)}`;
      return { status: 'accepted', planId, shares: instalmentShares(request.amount, request.count) };
    },
    // Any plan it accepted can be withdrawn, as many times as asked.
    async cancelPlan(planId) {
      return { planId, status: 'cancelled' };
    },
    async collectShare(planId, shareNumber, amount, idempotencyKey) {
      const known = answers.get(idempotencyKey);
      if (known) return known;
      const share = `${planId}:${shareNumber}`;
      const failAlways = planId.startsWith('plan_cfa_') && shareNumber === 2;
      const failOnce = planId.startsWith('plan_cf1_') && shareNumber === 2 && !declined.has(share);
      const answer: ShareCollection =
        failAlways || failOnce
          ? { status: 'declined', shareNumber, reason: 'insufficient_funds' }
          : { status: 'collected', shareNumber, amount, reference: `col_${digest(idempotencyKey)}` };
      if (answer.status === 'declined') declined.add(share);
      answers.set(idempotencyKey, answer);
      return answer;
    },
    async refund(planId, amount, idempotencyKey) {
      return { planId, status: 'refunded', amount, reference: `ref_${digest(idempotencyKey)}` };
    },
  };
}

export const sandboxFinancingPartner: FinancingPartner = createSandboxFinancingPartner();
