// PA-6: fraud review. An order may be held and the customer asked for identity
// or address proof; without an answer within the policy's period (FR: 2 days,
// PF: 15 days, of the policy's kind) the order is cancelled and any money refunded.
import { DomainError } from '../errors.js';
import type { CalendarPlace } from '../calendar/public-holidays.js';
import { bankTransferDeadline, type PayWithin } from '../payments/bank-transfer.js';

export type FraudReviewDeadline = {
  /** The last day the customer may answer (calendar of the customer's country). */
  readonly lastDay: string;
  /** The end of that day in the shop's time zone: when the order is cancelled. */
  readonly dueAt: Date;
};

/**
 * PA-6: the day the order is held does not count; `answerWithin.days` days of
 * its kind are counted from the next day, and the answer may come until the
 * end of the last one in the shop's time zone — the same counting as PA-5
 * (`bankTransferDeadline`). FR, 2 calendar days: held Mon 23 Nov 2026 10:00
 * Paris → last day Wed 25 Nov, cancelled from Thu 26 Nov 00:00 Paris.
 */
export function fraudReviewDeadline(input: { heldAt: Date; answerWithin: PayWithin; timeZone: string; place: CalendarPlace }): FraudReviewDeadline {
  if (!Number.isSafeInteger(input.answerWithin.days) || input.answerWithin.days < 1) {
    throw new DomainError('fraud_review.invalid_period', { field: 'payment.fraudReview.answerWithin', rule: 'PA-6', days: input.answerWithin.days });
  }
  const { lastDay, dueAt } = bankTransferDeadline({ orderedAt: input.heldAt, payWithin: input.answerWithin, timeZone: input.timeZone, place: input.place });
  return { lastDay, dueAt };
}

/** The proofs a shop may ask for (PA-6: identity, address). */
export const FRAUD_REVIEW_DOCUMENTS = ['identity', 'address'] as const;
export type FraudReviewDocument = (typeof FRAUD_REVIEW_DOCUMENTS)[number];

export function isFraudReviewDocument(value: unknown): value is FraudReviewDocument {
  return typeof value === 'string' && (FRAUD_REVIEW_DOCUMENTS as readonly string[]).includes(value);
}
