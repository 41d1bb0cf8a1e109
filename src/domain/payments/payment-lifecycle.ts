// The payment lifecycle, declared as data (style.md §1): for each state, the
// states it may go to. Card and wallet payments move through it on the
// provider's webhooks; a bank transfer (PA-5) goes pending → authorised →
// captured when staff record the money, pending → failed when its deadline passes.
//
//   pending ─▶ requires_action (PA-2: 3-D Secure challenge) ─▶ authorised
//      │                 │                                          │
//      └──────▶ failed ◀─┘            authorised ─▶ voided          ▼
//                                     authorised ─▶ captured | partially_captured
//                                     captured | partially_captured ─▶ refunded | partially_refunded
//
// A partially captured payment may be captured further (PA-3: captured for the
// shipped items only, dispatch by dispatch) until its amount is reached.
import { DomainError } from '../errors.js';

export const PAYMENT_STATES = [
  'pending',
  'requires_action',
  'authorised',
  'partially_captured',
  'captured',
  'partially_refunded',
  'refunded',
  'voided',
  'failed',
] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

type Lifecycle = Readonly<Record<PaymentState, readonly PaymentState[]>>;

export const paymentLifecycle = {
  pending: ['requires_action', 'authorised', 'failed'],
  requires_action: ['authorised', 'failed'], // PA-2: a failed or refused challenge fails the payment
  authorised: ['partially_captured', 'captured', 'voided'],
  partially_captured: ['partially_captured', 'captured', 'partially_refunded', 'refunded'],
  captured: ['partially_refunded', 'refunded'],
  partially_refunded: ['partially_refunded', 'refunded'],
  refunded: [],
  voided: [],
  failed: [],
} as const satisfies Lifecycle;

/** What happened to a payment; each event leads to one state. */
export const PAYMENT_EVENTS = {
  require_action: 'requires_action',
  authorise: 'authorised',
  capture_partial: 'partially_captured',
  capture_full: 'captured',
  refund_partial: 'partially_refunded',
  refund_full: 'refunded',
  void: 'voided',
  fail: 'failed',
} as const satisfies Readonly<Record<string, PaymentState>>;
export type PaymentEvent = keyof typeof PAYMENT_EVENTS;

export function canTransition(from: PaymentState, to: PaymentState): boolean {
  return (paymentLifecycle[from] as readonly PaymentState[]).includes(to);
}

/** The state after `event`, or `payment.illegal_transition` when the lifecycle does not allow it. */
export function transition(state: PaymentState, event: PaymentEvent): PaymentState {
  const to = PAYMENT_EVENTS[event];
  if (!to || !Object.hasOwn(paymentLifecycle, state)) throw new DomainError('payment.illegal_transition', { field: 'state', from: state, event });
  if (!canTransition(state, to)) throw new DomainError('payment.illegal_transition', { field: 'state', from: state, event, to });
  return to;
}

export function isTerminal(state: PaymentState): boolean {
  return paymentLifecycle[state].length === 0;
}

/** States reachable from `state` by any number of moves (the state itself excluded unless it loops). */
export function reachableFrom(state: PaymentState): Set<PaymentState> {
  const seen = new Set<PaymentState>();
  const queue: PaymentState[] = [...paymentLifecycle[state]];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...paymentLifecycle[next]);
  }
  return seen;
}
