// A parcel's lifecycle, declared as data (style.md §1): for each tracking
// event, the states it may come from and the state it leads to. A carrier
// event that does not fit (a "delivered" for a parcel already returned) is
// refused with `shipment.illegal_event` (409) and recorded nowhere.
//
//   packed ─▶ shipped ─▶ in_transit ─▶ delivery_attempted ─▶ awaiting_collection (post office hold)
//                                  └─▶ awaiting_collection (relay point, store, warehouse)
//   shipped | in_transit | delivery_attempted | awaiting_collection ─▶ delivered   (SH-9: possession)
//   shipped | in_transit | delivery_attempted ─▶ refused                          (SH-8: refused at delivery)
//   … | awaiting_collection | refused ─▶ returning ─▶ returned                    (SH-7: uncollected, back to the sender)
import { DomainError } from '../errors.js';

export const SHIPMENT_STATES = ['packed', 'shipped', 'in_transit', 'delivery_attempted', 'awaiting_collection', 'delivered', 'refused', 'returning', 'returned', 'cancelled'] as const;
export type ShipmentState = (typeof SHIPMENT_STATES)[number];
type ShipmentStateColumn = ShipmentState;

/** What can be recorded about a parcel: its lifecycle moves, plus the customer's declaration of possession (SH-9). */
export type ShipmentEventKind = TrackedEventKind | 'packed' | 'possession_declared';

type Move = { readonly from: readonly ShipmentStateColumn[]; readonly to: ShipmentStateColumn };

const MOVING: readonly ShipmentStateColumn[] = ['shipped', 'in_transit', 'delivery_attempted'];

export const shipmentLifecycle = {
  shipped: { from: ['packed'], to: 'shipped' },
  cancelled: { from: ['packed'], to: 'cancelled' },
  in_transit: { from: ['shipped', 'in_transit'], to: 'in_transit' },
  delivery_attempted: { from: MOVING, to: 'delivery_attempted' },
  available_for_collection: { from: MOVING, to: 'awaiting_collection' },
  delivered: { from: [...MOVING, 'awaiting_collection'], to: 'delivered' },
  refused: { from: MOVING, to: 'refused' },
  returned_to_sender: { from: [...MOVING, 'awaiting_collection', 'refused'], to: 'returning' },
  returned: { from: [...MOVING, 'awaiting_collection', 'refused', 'returning'], to: 'returned' },
} as const satisfies Readonly<Record<string, Move>>;

export type TrackedEventKind = keyof typeof shipmentLifecycle;
export const TRACKED_EVENT_KINDS = Object.keys(shipmentLifecycle) as TrackedEventKind[];

export function isTrackedEventKind(value: unknown): value is TrackedEventKind {
  return typeof value === 'string' && Object.hasOwn(shipmentLifecycle, value);
}

/** The state `event` leads to from `from`, or `shipment.illegal_event` (409). */
export function shipmentAfter(from: ShipmentStateColumn, event: TrackedEventKind): ShipmentStateColumn {
  const move: Move = shipmentLifecycle[event];
  if (!move.from.includes(from)) throw new DomainError('shipment.illegal_event', { field: 'kind', from, event });
  return move.to;
}
