import { describe, expect, it } from 'vitest';
import { PAYMENT_EVENTS, PAYMENT_STATES, isTerminal, transition, type PaymentEvent, type PaymentState } from '../../../src/domain/payments/payment-lifecycle.js';

const legal: [PaymentState, PaymentEvent, PaymentState][] = [
  ['pending', 'require_action', 'requires_action'], // PA-2: 3-D Secure
  ['pending', 'authorise', 'authorised'],
  ['pending', 'fail', 'failed'],
  ['requires_action', 'authorise', 'authorised'],
  ['requires_action', 'fail', 'failed'], // PA-2: failed or refused challenge
  ['authorised', 'capture_full', 'captured'],
  ['authorised', 'capture_partial', 'partially_captured'],
  ['authorised', 'void', 'voided'],
  ['partially_captured', 'capture_partial', 'partially_captured'],
  ['partially_captured', 'capture_full', 'captured'],
  ['partially_captured', 'refund_partial', 'partially_refunded'],
  ['partially_captured', 'refund_full', 'refunded'],
  ['captured', 'refund_partial', 'partially_refunded'],
  ['captured', 'refund_full', 'refunded'],
  ['partially_refunded', 'refund_partial', 'partially_refunded'],
  ['partially_refunded', 'refund_full', 'refunded'],
];

describe('payment lifecycle', () => {
  it.each(legal)('%s --%s--> %s', (from, event, to) => {
    expect(transition(from, event)).toBe(to);
  });

  const legalKeys = new Set(legal.map(([from, event]) => `${from}:${event}`));
  const illegal = PAYMENT_STATES.flatMap((from) => (Object.keys(PAYMENT_EVENTS) as PaymentEvent[]).filter((e) => !legalKeys.has(`${from}:${e}`)).map((e) => [from, e] as const));

  it('refuses every other move with payment.illegal_transition', () => {
    expect(illegal.length).toBeGreaterThan(40);
    for (const [from, event] of illegal) {
      expect(() => transition(from, event), `${from}:${event}`).toThrow(expect.objectContaining({ code: 'payment.illegal_transition' }));
    }
  });

  it.each([
    ['captured', 'void'],
    ['failed', 'authorise'],
    ['voided', 'capture_full'],
    ['pending', 'capture_full'],
    ['refunded', 'refund_partial'],
    ['requires_action', 'capture_full'],
  ] as const)('e.g. %s --%s--> refused', (from, event) => {
    expect(() => transition(from, event)).toThrow(expect.objectContaining({ code: 'payment.illegal_transition' }));
  });

  it('refunded, voided and failed are terminal', () => {
    expect(PAYMENT_STATES.filter(isTerminal)).toEqual(['refunded', 'voided', 'failed']);
  });
});
