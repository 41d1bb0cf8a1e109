// ST-1: the lifecycle of a reservation in store, declared as data (style.md §1).
// Each move is made by `reservationTransition`; the use case that makes it
// (src/app/reservations.ts) writes its evidence event (OR-6).
//
//   requested ─▶ confirmed        the store has set the items aside (staff, `reservations.manage`)
//   requested | confirmed ─▶ collected   the customer came, paid in the store and took them (`pickup.manage`)
//   requested | confirmed ─▶ expired     the hold ended (timer `reservation.hold_expiry`): back on sale
//   requested | confirmed ─▶ cancelled   by the customer (free, without obligation) or by the store
//
// A late confirmation (FR: the store did not confirm within 2 opening hours)
// is not a state: the reservation stays `requested`, the customer is told
// (timer `reservation.confirmation_due`) and may cancel, the store may still
// confirm. See src/app/reservations.ts.
import { DomainError } from '../errors.js';

export const RESERVATION_STATES = ['requested', 'confirmed', 'collected', 'expired', 'cancelled'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

/** The states in which the items are held in the store (stock taken, hold running or awaited). */
export const ACTIVE_RESERVATION_STATES = ['requested', 'confirmed'] as const satisfies readonly ReservationState[];

type Lifecycle = Readonly<Record<ReservationState, readonly ReservationState[]>>;

export const reservationLifecycle = {
  requested: ['confirmed', 'collected', 'expired', 'cancelled'],
  confirmed: ['collected', 'expired', 'cancelled'],
  collected: [],
  expired: [],
  cancelled: [],
} as const satisfies Lifecycle;

export function isReservationState(value: unknown): value is ReservationState {
  return typeof value === 'string' && (RESERVATION_STATES as readonly string[]).includes(value);
}

export function canMoveReservation(from: ReservationState, to: ReservationState): boolean {
  return Object.hasOwn(reservationLifecycle, from) && (reservationLifecycle[from] as readonly ReservationState[]).includes(to);
}

/** `to`, or `reservation.illegal_transition` (409) when the lifecycle does not allow the move. */
export function reservationTransition(from: ReservationState, to: ReservationState): ReservationState {
  if (!isReservationState(from) || !isReservationState(to) || !canMoveReservation(from, to)) {
    throw new DomainError('reservation.illegal_transition', { field: 'state', rule: 'ST-1', from, to }, `A reservation ${from} cannot become ${to}.`);
  }
  return to;
}

export function isActiveReservation(state: ReservationState): boolean {
  return (ACTIVE_RESERVATION_STATES as readonly ReservationState[]).includes(state);
}
