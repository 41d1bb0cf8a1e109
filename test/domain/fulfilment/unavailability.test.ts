// AV-1 / AV-2: what each policy mode does with units found unavailable, which
// units may be declared, what they are worth, the stock they stop holding, a
// substitute's price, and the answer / refund dates — pure functions.
import { codeOfSync as codeOf } from '../../support/errors.js';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/domain/errors.js';
import {
  answerDeadline,
  cancelledUnitsAmount,
  caseAfter,
  checkDeclaredQuantity,
  declarableUnits,
  refundForCancelledUnits,
  stockAfterMissing,
  substituteLine,
  unavailabilityOutcome,
  unavailableRefundDueOn,
  type DeclarableLine,
  type UnavailabilityPolicy,
} from '../../../src/domain/fulfilment/unavailability.js';
import { lineAmountFor } from '../../../src/domain/fulfilment/fulfilment-plan.js';

// The five shops' `unavailability` as in shops/*/policy.yaml.
const FA: UnavailabilityPolicy = { mode: 'cancel_line' };
const PF: UnavailabilityPolicy = { mode: 'customer_chooses_wait_or_refund', answerWithin: { days: 3, kind: 'calendar' }, withoutAnswer: 'ship_available' };
const JW: UnavailabilityPolicy = { mode: 'substitute_or_refund', answerWithin: { days: 3, kind: 'calendar' }, refundWithinDaysOfOrder: 30 };
const EL: UnavailabilityPolicy = { mode: 'back_order' };


describe('AV-1 what the declaration does, per shop', () => {
  it.each([
    ['FA cancel_line', FA, false, { kind: 'cancel' }],
    ['PF wait or refund, 3 days, default ship what is available', PF, false, { kind: 'ask', choices: ['wait', 'refund'], answerWithin: { days: 3, kind: 'calendar' }, withoutAnswer: 'refund' }],
    ['JW with a substitute offered', JW, true, { kind: 'ask', choices: ['substitute', 'refund'], answerWithin: { days: 3, kind: 'calendar' }, withoutAnswer: 'refund' }],
    ['JW without a substitute: cancelled with a full refund', JW, false, { kind: 'cancel' }],
    ['EL back_order', EL, false, { kind: 'back_order' }],
  ] as const)('AV-1 %s', (_name, policy, substituteOffered, expected) => {
    expect(unavailabilityOutcome(policy, { isGift: false, substituteOffered })).toEqual({ rule: 'AV-1', ...expected });
  });

  it('AV-1 / PR-8: a missing gift is cancelled at once in every shop, never asked about nor back-ordered', () => {
    for (const policy of [FA, PF, JW, EL]) expect(unavailabilityOutcome(policy, { isGift: true, substituteOffered: false })).toEqual({ kind: 'cancel', rule: 'AV-1' });
  });

  it('AV-1c: only a substitute_or_refund shop offers a substitute', () => {
    for (const policy of [FA, PF, EL]) expect(codeOf(() => unavailabilityOutcome(policy, { isGift: false, substituteOffered: true }))).toBe('unavailability.substitute_not_offered');
    expect(codeOf(() => unavailabilityOutcome(JW, { isGift: true, substituteOffered: true }))).toBe('unavailability.substitute_not_offered');
  });
});

describe('AV-1 which units may be declared unavailable', () => {
  // 5 ordered, 1 cancelled earlier, 2 in parcels: 2 left to ship.
  const line: DeclarableLine = { position: 0, quantity: 5, cancelledQuantity: 1, shippedQuantity: 2, total: 10_000, backorderedQuantity: 1 };

  it('AV-1 only units left to ship, less those already under an open question', () => {
    expect(declarableUnits(line, { openCaseUnits: 0, mode: 'cancel_line' })).toBe(2);
    expect(declarableUnits(line, { openCaseUnits: 1, mode: 'customer_chooses_wait_or_refund' })).toBe(1);
    expect(declarableUnits(line, { openCaseUnits: 2, mode: 'customer_chooses_wait_or_refund' })).toBe(0);
  });

  it('AV-1 / CAT-2 a back-order shop does not declare again units already back-ordered', () => {
    expect(declarableUnits(line, { openCaseUnits: 0, mode: 'back_order' })).toBe(1);
  });

  it('AV-1 refusals name the field: a quantity that is not a whole number ≥ 1, or more than is left', () => {
    expect(codeOf(() => checkDeclaredQuantity(line, 0, { openCaseUnits: 0, mode: 'cancel_line' }))).toBe('unavailability.invalid_quantity');
    expect(codeOf(() => checkDeclaredQuantity(line, 1.5, { openCaseUnits: 0, mode: 'cancel_line' }))).toBe('unavailability.invalid_quantity');
    try {
      checkDeclaredQuantity(line, 3, { openCaseUnits: 0, mode: 'cancel_line' });
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('unavailability.quantity_exceeds_remaining');
      expect((error as DomainError).details).toMatchObject({ field: 'quantity', rule: 'AV-1', remaining: 2 });
    }
    expect(() => checkDeclaredQuantity(line, 2, { openCaseUnits: 0, mode: 'cancel_line' })).not.toThrow();
  });
});

describe('AV-1 what cancelled units are worth (to the cent)', () => {
  it('AV-1 three units for 100.00: the last unit is worth 33.34, the two kept 66.66 — what dispatch captures and the invoice bills', () => {
    const line = { quantity: 3, total: 10_000 };
    expect(cancelledUnitsAmount(line, 0, 1)).toBe(3334);
    expect(lineAmountFor(line, 0, 2)).toBe(6666);
    expect(cancelledUnitsAmount(line, 1, 1)).toBe(3333); // the second cancellation
    expect(cancelledUnitsAmount(line, 2, 1)).toBe(3333);
    expect(cancelledUnitsAmount(line, 0, 1) + cancelledUnitsAmount(line, 1, 1) + cancelledUnitsAmount(line, 2, 1)).toBe(10_000);
    expect(cancelledUnitsAmount(line, 0, 3)).toBe(10_000);
  });

  it('AV-2: money authorised for a capture at dispatch is never captured for missing units (nothing to refund); money taken at order is refunded in full', () => {
    expect(refundForCancelledUnits(3334, [{ captureMode: 'manual', state: 'authorised' }])).toBe(0);
    expect(refundForCancelledUnits(3334, [{ captureMode: 'manual', state: 'partially_captured' }])).toBe(0);
    expect(refundForCancelledUnits(3334, [{ captureMode: 'automatic', state: 'captured' }])).toBe(3334);
    expect(refundForCancelledUnits(3334, [{ captureMode: null, state: 'captured' }])).toBe(3334); // bank transfer received
    expect(refundForCancelledUnits(3334, [])).toBe(3334); // instalments: the partner's plan
  });
});

describe('OR-3 the stock of missing units: the order stops holding it, nothing goes back on sale', () => {
  it('AV-1a cancelled units: back-ordered units first, then the latest allocation', () => {
    const line = { quantity: 5, backorderedQuantity: 1, stockTaken: [{ locationId: '1', quantity: 2 }, { locationId: '2', quantity: 2 }] };
    expect(stockAfterMissing(line, 1, 'cancel')).toEqual({ stockTaken: line.stockTaken, backorderedQuantity: 0, writtenOff: 0 });
    expect(stockAfterMissing(line, 4, 'cancel')).toEqual({ stockTaken: [{ locationId: '1', quantity: 1 }], backorderedQuantity: 0, writtenOff: 3 });
    expect(line.stockTaken).toEqual([{ locationId: '1', quantity: 2 }, { locationId: '2', quantity: 2 }]); // not mutated
  });

  it('AV-1 / CAT-2 back-ordered units hold no stock and wait for the delivery', () => {
    const line = { quantity: 3, backorderedQuantity: 0, stockTaken: [{ locationId: '7', quantity: 3 }] };
    expect(stockAfterMissing(line, 2, 'back_order')).toEqual({ stockTaken: [{ locationId: '7', quantity: 1 }], backorderedQuantity: 2, writtenOff: 2 });
  });
});

describe('AV-1c a substitute never costs the customer more', () => {
  it.each([
    // cancelled units, unit price, eco-fee, qty → goods, eco-fee, discount, total, refunded difference
    ['cheaper: the difference is refunded', 12_000, 4_500, 0, 2, { goods: 9_000, ecoFee: 0, discount: 0, total: 9_000, difference: 3_000 }],
    ['the same price', 12_000, 6_000, 0, 2, { goods: 12_000, ecoFee: 0, discount: 0, total: 12_000, difference: 0 }],
    ['dearer: discounted down to the cancelled amount, nothing more to pay', 12_000, 7_500, 0, 2, { goods: 15_000, ecoFee: 0, discount: 3_000, total: 12_000, difference: 0 }],
    ['dearer with an eco-fee: only the goods are discounted (PR-3)', 10_000, 5_500, 50, 2, { goods: 11_000, ecoFee: 100, discount: 1_100, total: 10_000, difference: 0 }],
  ] as const)('AV-1c %s', (_name, cancelledAmount, unitPrice, ecoFeePerUnit, quantity, expected) => {
    expect(substituteLine({ cancelledAmount, unitPrice, ecoFeePerUnit, quantity })).toEqual(expected);
  });

  it('AV-1c refused when its eco-fee alone costs more than the cancelled units', () => {
    expect(codeOf(() => substituteLine({ cancelledAmount: 100, unitPrice: 5_000, ecoFeePerUnit: 200, quantity: 1 }))).toBe('unavailability.substitute_too_expensive');
  });
});

describe('AV-1b / RF-1 dates, in the shop and customer calendar', () => {
  const paris = { timeZone: 'Europe/Paris', place: { country: 'FR' } };

  it('AV-1b PF: 3 calendar days from Mon 23 Nov 2026 10:00 Paris — last day Thu 26 Nov, the default applies at midnight Paris', () => {
    expect(answerDeadline({ declaredAt: new Date('2026-11-23T09:00:00Z'), answerWithin: { days: 3, kind: 'calendar' }, ...paris })).toEqual({ lastDay: '2026-11-26', dueAt: new Date('2026-11-26T23:00:00Z') });
  });

  it('AV-1b the day of the declaration does not count, even late at night (23:30 Paris on 23 Nov is still the 23rd)', () => {
    expect(answerDeadline({ declaredAt: new Date('2026-11-23T22:30:00Z'), answerWithin: { days: 3, kind: 'calendar' }, ...paris }).lastDay).toBe('2026-11-26');
  });

  it('RF-1: cancelled units are refunded within 14 days of the cancellation (FA)', () => {
    expect(unavailableRefundDueOn({ cancelledAt: new Date('2026-11-23T09:00:00Z'), placedAt: new Date('2026-11-20T09:00:00Z'), policy: FA, ...paris })).toBe('2026-12-07');
  });

  it('AV-1c JW: within 30 days of the order when that comes first, else RF-1', () => {
    expect(unavailableRefundDueOn({ cancelledAt: new Date('2026-11-23T09:00:00Z'), placedAt: new Date('2026-11-01T09:00:00Z'), policy: JW, ...paris })).toBe('2026-12-01');
    expect(unavailableRefundDueOn({ cancelledAt: new Date('2026-11-23T09:00:00Z'), placedAt: new Date('2026-11-20T09:00:00Z'), policy: JW, ...paris })).toBe('2026-12-07');
  });
});

describe('AV-1 the case is answered once', () => {
  it('AV-1b awaiting an answer → waiting / cancelled / substituted / void; never answered twice', () => {
    expect(caseAfter('awaiting_answer', 'waiting')).toBe('waiting');
    expect(caseAfter('awaiting_answer', 'cancelled')).toBe('cancelled');
    expect(caseAfter('awaiting_answer', 'substituted')).toBe('substituted');
    expect(caseAfter('awaiting_answer', 'void')).toBe('void');
    expect(codeOf(() => caseAfter('waiting', 'cancelled'))).toBe('unavailability.already_answered');
    expect(codeOf(() => caseAfter('cancelled', 'cancelled'))).toBe('unavailability.already_answered');
    expect(codeOf(() => caseAfter('back_ordered', 'waiting'))).toBe('unavailability.already_answered');
  });
});
