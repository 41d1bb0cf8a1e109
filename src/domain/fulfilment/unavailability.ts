// AV-1 / AV-2: units of an order line that turn out to be unavailable after
// the order — what the shop's policy does with them, as pure functions.
//
//   (a) cancel_line (FA, FR): the units are cancelled at once — never charged
//       (capture at dispatch) or refunded (money taken at order) — and the
//       rest ships at once;
//   (b) customer_chooses_wait_or_refund (PF): the customer chooses between
//       waiting for the item and cancelling (refund) those units; without an
//       answer within the policy's period the default applies: "ship what is
//       available" — the missing units are cancelled. The available items are
//       never held meanwhile (PF ships partially, SH-6);
//   (c) substitute_or_refund (JW): staff may offer a substitute (another
//       variant, never charged more than the cancelled units: a dearer one is
//       discounted down to their amount, a cheaper one refunds the
//       difference); the customer accepts it or gets the cancellation with a
//       full refund. Without a substitute offered, the units are cancelled at
//       once. Refund within the policy's days of the order (JW: 30) and never
//       later than RF-1;
//   (d) back_order (EL, CAT-2): the units stay on the order, back-ordered,
//       and ship on arrival; nothing is cancelled.
// A gift (PR-8) is never a reason to ask or wait: its units are cancelled at
// once whatever the mode (PF's terms: no cancellation for a missing sample).
// AV-2: the customer is told by email at once, in every case.
import { MONEY_BACK_WITHIN } from '../legal-floor.js';
import type { Policy } from '../../policy/schema.js';
import { periodEnd, type LegalPeriod, type PeriodEnd } from '../calendar/period-end.js';
import type { CalendarPlace } from '../calendar/public-holidays.js';
import type { CalendarDate } from '../calendar/working-days.js';
import { DomainError } from '../errors.js';
import { lineAmountFor, remainingToShip, type PlanLine } from './fulfilment-plan.js';

export type UnavailabilityPolicy = Policy['unavailability'];
export type UnavailabilityMode = UnavailabilityPolicy['mode'];

// ---------------------------------------------------------------------------
// The case's lifecycle, declared as data (style.md §1)
//
//   awaiting_answer ─▶ waiting | substituted | cancelled | void
//   (cancelled, back_ordered: at the declaration itself; void: the order was
//   cancelled, or the units left otherwise, before an answer)

export const UNAVAILABILITY_CASE_STATES = ['awaiting_answer', 'waiting', 'substituted', 'cancelled', 'back_ordered', 'void'] as const;
export type UnavailabilityCaseState = (typeof UNAVAILABILITY_CASE_STATES)[number];

export const unavailabilityCaseLifecycle = {
  awaiting_answer: ['waiting', 'substituted', 'cancelled', 'void'],
  waiting: [],
  substituted: [],
  cancelled: [],
  back_ordered: [],
  void: [],
} as const satisfies Readonly<Record<UnavailabilityCaseState, readonly UnavailabilityCaseState[]>>;

/** `to`, or `unavailability.already_answered` (409): a case is answered once. */
export function caseAfter(from: UnavailabilityCaseState, to: UnavailabilityCaseState): UnavailabilityCaseState {
  if (!(unavailabilityCaseLifecycle[from] as readonly UnavailabilityCaseState[]).includes(to)) {
    throw new DomainError('unavailability.already_answered', { field: 'choice', rule: 'AV-1', state: from }, 'This question was already answered.');
  }
  return to;
}

/** What the customer may answer (b: wait or refund; c: the substitute or a refund). */
export const UNAVAILABILITY_CHOICES = ['wait', 'refund', 'substitute'] as const;
export type UnavailabilityChoice = (typeof UNAVAILABILITY_CHOICES)[number];

export function isUnavailabilityChoice(value: unknown): value is UnavailabilityChoice {
  return typeof value === 'string' && (UNAVAILABILITY_CHOICES as readonly string[]).includes(value);
}


// ---------------------------------------------------------------------------
// What happens

export type UnavailabilityOutcome =
  | { readonly kind: 'cancel'; readonly rule: 'AV-1' }
  | { readonly kind: 'ask'; readonly rule: 'AV-1'; readonly choices: readonly UnavailabilityChoice[]; readonly answerWithin: LegalPeriod; readonly withoutAnswer: 'refund' }
  | { readonly kind: 'back_order'; readonly rule: 'AV-1' };

/**
 * AV-1: what the declaration does, by the policy's mode (see the header).
 * `unavailability.substitute_not_offered` when staff offer a substitute where
 * the policy has none (only substitute_or_refund offers one).
 */
export function unavailabilityOutcome(policy: UnavailabilityPolicy, input: { isGift: boolean; substituteOffered: boolean }): UnavailabilityOutcome {
  if (input.substituteOffered && policy.mode !== 'substitute_or_refund') {
    throw new DomainError('unavailability.substitute_not_offered', { field: 'substituteSku', rule: 'AV-1', mode: policy.mode }, "This shop's terms do not offer substitutes.");
  }
  if (input.isGift) {
    if (input.substituteOffered) throw new DomainError('unavailability.substitute_not_offered', { field: 'substituteSku', rule: 'PR-8' }, 'A gift is not substituted.');
    return { kind: 'cancel', rule: 'AV-1' }; // PR-8: a missing gift is dropped, never a reason to wait
  }
  switch (policy.mode) {
    case 'cancel_line':
      return { kind: 'cancel', rule: 'AV-1' };
    case 'customer_chooses_wait_or_refund':
      // Both defaults of the schema cancel the missing units: "ship what is available" ships the rest without them.
      return { kind: 'ask', rule: 'AV-1', choices: ['wait', 'refund'], answerWithin: policy.answerWithin, withoutAnswer: 'refund' };
    case 'substitute_or_refund':
      return input.substituteOffered ? { kind: 'ask', rule: 'AV-1', choices: ['substitute', 'refund'], answerWithin: policy.answerWithin, withoutAnswer: 'refund' } : { kind: 'cancel', rule: 'AV-1' };
    case 'back_order':
      return { kind: 'back_order', rule: 'AV-1' };
  }
}

// ---------------------------------------------------------------------------
// Which units, how much

export type DeclarableLine = PlanLine & { readonly backorderedQuantity: number };

/**
 * The units staff may still declare unavailable: those left to ship (never a
 * unit in a parcel, packed or shipped), less those already under an open
 * question (b, c) and, for a back-order shop, those already back-ordered.
 */
export function declarableUnits(line: DeclarableLine, input: { openCaseUnits: number; mode: UnavailabilityMode }): number {
  const known = input.openCaseUnits + (input.mode === 'back_order' ? line.backorderedQuantity : 0);
  return Math.max(0, remainingToShip(line) - known);
}

/** AV-1: `quantity` units of the line may be declared unavailable (`unavailability.invalid_quantity`, `unavailability.quantity_exceeds_remaining`). */
export function checkDeclaredQuantity(line: DeclarableLine, quantity: number, input: { openCaseUnits: number; mode: UnavailabilityMode }): void {
  if (!Number.isSafeInteger(quantity) || quantity < 1) {
    throw new DomainError('unavailability.invalid_quantity', { field: 'quantity', rule: 'AV-1', quantity }, 'Give a whole number of units, at least 1.');
  }
  const declarable = declarableUnits(line, input);
  if (quantity > declarable) {
    throw new DomainError(
      'unavailability.quantity_exceeds_remaining',
      { field: 'quantity', rule: 'AV-1', position: line.position, remaining: declarable },
      `At most ${declarable} unit(s) of this line are still to ship.`,
    );
  }
}

/**
 * AV-1: what `units` more cancelled units of the line are worth, when
 * `cancelledBefore` were cancelled already. Cancelled units are the line's
 * LAST units and shipped ones its first (PA-3 `dispatchCharge`), so that what
 * is kept is `lineAmountFor(line, 0, kept)` — exactly what the dispatches
 * capture and the invoice bills — and kept + cancelled = the line, to the cent.
 */
export function cancelledUnitsAmount(line: Pick<PlanLine, 'quantity' | 'total'>, cancelledBefore: number, units: number): number {
  return lineAmountFor(line, line.quantity - cancelledBefore - units, units);
}

/**
 * AV-1 / AV-2: the part of the cancelled units' amount that goes back to the
 * customer. Money authorised for a capture at dispatch (PF, PA-3) is never
 * captured for units that do not ship: nothing to refund. Otherwise the money
 * was taken at order (card capture, transfer received, financing plan): all of it.
 */
export function refundForCancelledUnits(amount: number, payments: readonly { captureMode: 'automatic' | 'manual' | null; state: string }[]): number {
  // By the capture mode, not the state: after a parcel was refunded (`partially_refunded`) the units still to ship remain uncaptured.
  const capturedAtDispatch = payments.some((p) => p.captureMode === 'manual' && !['failed', 'voided'].includes(p.state));
  return capturedAtDispatch ? 0 : amount;
}

export type StockTaken = readonly { readonly locationId: string; readonly quantity: number }[];

/**
 * OR-3 / CAT-2: the line's record of stock after `units` are found missing.
 * The missing units are physically not there: the order stops holding them
 * (`stockTaken` shrinks, latest allocation first) and NOTHING goes back on the
 * stock rows — the stock counted there was wrong by these units, and a count
 * (`setStock`) corrects any further difference. Cancelled units are the
 * back-ordered ones first (no stock was taken for them); back-ordered units
 * (d) keep no stock either and wait for the delivery.
 */
export function stockAfterMissing(
  line: { readonly stockTaken: StockTaken; readonly backorderedQuantity: number; readonly quantity: number },
  units: number,
  how: 'cancel' | 'back_order',
): { stockTaken: { locationId: string; quantity: number }[]; backorderedQuantity: number; writtenOff: number } {
  let backordered = line.backorderedQuantity;
  let fromStock = units;
  if (how === 'cancel') {
    const fromBackorder = Math.min(backordered, units);
    backordered -= fromBackorder;
    fromStock = units - fromBackorder;
  } else {
    backordered = Math.min(line.quantity, backordered + units);
  }
  const taken = line.stockTaken.map((a) => ({ locationId: a.locationId, quantity: a.quantity }));
  let left = fromStock;
  for (let i = taken.length - 1; i >= 0 && left > 0; i -= 1) {
    const off = Math.min(taken[i]!.quantity, left);
    taken[i]!.quantity -= off;
    left -= off;
  }
  return { stockTaken: taken.filter((a) => a.quantity > 0), backorderedQuantity: backordered, writtenOff: fromStock - left };
}

/**
 * AV-1c: the substitute's line — never more than the cancelled units' amount
 * (no extra charge). A cheaper substitute refunds the difference; a dearer one
 * is discounted on its goods down to that amount (the shop bears it); its
 * eco-fee is never discounted (PR-3), so a substitute whose eco-fee alone is
 * dearer is refused (`unavailability.substitute_too_expensive`).
 */
export function substituteLine(input: { cancelledAmount: number; unitPrice: number; ecoFeePerUnit: number; quantity: number }): {
  goods: number;
  ecoFee: number;
  discount: number;
  total: number;
  /** What goes back to the customer (the substitute is cheaper). */
  difference: number;
} {
  const goods = input.unitPrice * input.quantity;
  const ecoFee = input.ecoFeePerUnit * input.quantity;
  if (goods + ecoFee <= input.cancelledAmount) return { goods, ecoFee, discount: 0, total: goods + ecoFee, difference: input.cancelledAmount - goods - ecoFee };
  const discount = goods + ecoFee - input.cancelledAmount;
  if (discount > goods) {
    throw new DomainError('unavailability.substitute_too_expensive', { field: 'substituteSku', rule: 'AV-1', cancelledAmount: input.cancelledAmount, ecoFee }, 'The substitute would cost the customer more.');
  }
  return { goods, ecoFee, discount, total: input.cancelledAmount, difference: 0 };
}

// ---------------------------------------------------------------------------
// Dates

export type CalendarFacts = { readonly timeZone: string; readonly place: CalendarPlace };

/** AV-1b / AV-1c: the end of the customer's time to answer, counted from the declaration (`periodEnd`). */
export function answerDeadline(input: { declaredAt: Date; answerWithin: LegalPeriod } & CalendarFacts): PeriodEnd {
  return periodEnd({ from: input.declaredAt, period: input.answerWithin, timeZone: input.timeZone, place: input.place });
}

/**
 * RF-1: the refund of cancelled units is due 14 days after the cancellation;
 * AV-1c (JW): and no later than the policy's days after the order — the
 * earlier of the two (a date already past means the refund is late).
 */
export function unavailableRefundDueOn(input: { cancelledAt: Date; placedAt: Date; policy: UnavailabilityPolicy } & CalendarFacts): CalendarDate {
  const rf1 = periodEnd({ from: input.cancelledAt, period: MONEY_BACK_WITHIN, timeZone: input.timeZone, place: input.place }).lastDay;
  if (input.policy.mode !== 'substitute_or_refund' || input.policy.refundWithinDaysOfOrder === undefined) return rf1;
  const shop = periodEnd({ from: input.placedAt, period: { days: input.policy.refundWithinDaysOfOrder, kind: 'calendar' }, timeZone: input.timeZone, place: input.place }).lastDay;
  return shop < rf1 ? shop : rf1;
}
