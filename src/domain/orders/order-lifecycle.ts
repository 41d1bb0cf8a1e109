// The order lifecycle, declared as data (style.md §1): for each state, the
// states it may go to. Each move is made by `transition`, and the use case
// that makes it writes its evidence event (OR-6).
//
//   awaiting_payment ─▶ paid | payment_failed | cancelled      (card, wallet)
//   awaiting_transfer ─▶ paid | cancelled                      (PA-5: cancelled when the deadline passes)
//   financed ─▶ cancelled                                      (PA-4: the partner accepted the plan; shares collected from shipment)
//   payment_deferred ─▶ paid | cancelled                       (PA-1/PA-7: invoiced with a due date, paid by transfer later)
//   payment_failed ─▶ cancelled
//   paid ─▶ cancelled                                          (CU-4 / PA-6: by the merchant; fulfilment comes later)
//   awaiting_payment | paid ─▶ on_hold                         (PA-6: held for a fraud review, src/app/fraud-review.ts)
//   on_hold ─▶ awaiting_payment | paid | payment_failed        (PA-6: released, or documents received: the state restored)
//   on_hold ─▶ cancelled                                       (PA-6: no answer within the policy's period)
//
// OR-7: once validated an order is not modified by the customer; only these
// moves change it.
import { DomainError } from '../errors.js';

export const ORDER_STATES = ['awaiting_payment', 'awaiting_transfer', 'financed', 'payment_deferred', 'paid', 'payment_failed', 'on_hold', 'cancelled'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

type Lifecycle = Readonly<Record<OrderState, readonly OrderState[]>>;

export const orderLifecycle = {
  awaiting_payment: ['paid', 'payment_failed', 'on_hold', 'cancelled'],
  awaiting_transfer: ['paid', 'cancelled'], // PA-5
  financed: ['cancelled'], // PA-4
  payment_deferred: ['paid', 'cancelled'], // PA-7
  payment_failed: ['cancelled'],
  paid: ['on_hold', 'cancelled'],
  on_hold: ['awaiting_payment', 'paid', 'payment_failed', 'cancelled'], // PA-6
  cancelled: [],
} as const satisfies Lifecycle;

export function isOrderState(value: unknown): value is OrderState {
  return typeof value === 'string' && (ORDER_STATES as readonly string[]).includes(value);
}

export function canTransition(from: OrderState, to: OrderState): boolean {
  return Object.hasOwn(orderLifecycle, from) && (orderLifecycle[from] as readonly OrderState[]).includes(to);
}

/** `to`, or `order.illegal_transition` (409) when the lifecycle does not allow the move. */
export function transition(from: OrderState, to: OrderState): OrderState {
  if (!isOrderState(from) || !isOrderState(to) || !canTransition(from, to)) {
    throw new DomainError('order.illegal_transition', { field: 'state', rule: 'OR-7', from, to });
  }
  return to;
}

export function isTerminal(state: OrderState): boolean {
  return orderLifecycle[state].length === 0;
}
