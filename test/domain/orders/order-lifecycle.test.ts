import { describe, expect, it } from 'vitest';
import { canTransition, isTerminal, ORDER_STATES, orderLifecycle, transition, type OrderState } from '../../../src/domain/orders/order-lifecycle.js';
import { DomainError } from '../../../src/domain/errors.js';

describe('order lifecycle (style.md §1)', () => {
  it.each([
    ['awaiting_payment', 'paid'],
    ['awaiting_payment', 'payment_failed'],
    ['awaiting_payment', 'cancelled'],
    ['awaiting_transfer', 'paid'],
    ['awaiting_transfer', 'cancelled'], // PA-5
    ['payment_failed', 'cancelled'],
    ['paid', 'cancelled'],
  ] as [OrderState, OrderState][])('%s → %s is allowed', (from, to) => {
    expect(transition(from, to)).toBe(to);
  });

  it.each([
    ['awaiting_transfer', 'payment_failed'],
    ['paid', 'awaiting_payment'],
    ['cancelled', 'paid'],
    ['payment_failed', 'paid'],
    ['paid', 'paid'],
  ] as [OrderState, OrderState][])('%s → %s is refused with order.illegal_transition', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    try {
      transition(from, to);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('order.illegal_transition');
    }
  });

  it('an unknown state is refused, not crashed on', () => {
    expect(() => transition('shipped' as OrderState, 'paid')).toThrow(DomainError);
  });

  it('every target is a declared state; only cancelled is terminal', () => {
    for (const state of ORDER_STATES) for (const to of orderLifecycle[state]) expect(ORDER_STATES).toContain(to);
    expect(ORDER_STATES.filter(isTerminal)).toEqual(['cancelled']);
  });
});
