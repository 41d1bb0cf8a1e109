// What is left to ship of an order, whether a parcel may take these lines
// (SH-6), what the order's shipments add up to, and what a dispatch charges
// (PA-3). Pure functions over the order's lines and its shipments.
import { DomainError } from '../errors.js';

export type PlanLine = {
  readonly position: number;
  readonly quantity: number;
  /** AV-1: never to be shipped. */
  readonly cancelledQuantity: number;
  /** Units in shipments that are not cancelled. */
  readonly shippedQuantity: number;
  /** Amount of the line incl. its eco-fee and net of its discount (minor units). */
  readonly total: number;
};

export type ShipmentRequestLine = { readonly position: number; readonly quantity: number };

export const remainingToShip = (line: PlanLine): number => line.quantity - line.cancelledQuantity - line.shippedQuantity;

/** Nothing is left to ship: every unit is shipped or cancelled. */
export const nothingLeftToShip = (lines: readonly PlanLine[]): boolean => lines.every((l) => remainingToShip(l) === 0);

/**
 * SH-6: a parcel takes units still to ship, each line once. With
 * `all_together` (JW) the parcel takes everything still to ship — a shop that
 * ships all available items together never sends part of an order; missing
 * items are dealt with first (AV-1: cancelled, or waited for).
 */
export function checkShipmentLines(lines: readonly PlanLine[], request: readonly ShipmentRequestLine[], shipments: 'all_together' | 'partial_allowed'): void {
  if (request.length === 0) throw new DomainError('shipment.no_lines', { field: 'lines', rule: 'SH-6' }, 'A parcel takes at least one line.');
  const seen = new Set<number>();
  request.forEach((r, i) => {
    const line = lines.find((l) => l.position === r.position);
    if (!line) throw new DomainError('shipment.unknown_line', { field: `lines.${i}.position`, position: r.position });
    if (seen.has(r.position)) throw new DomainError('shipment.duplicate_line', { field: `lines.${i}.position`, position: r.position });
    seen.add(r.position);
    if (!Number.isSafeInteger(r.quantity) || r.quantity < 1) throw new DomainError('shipment.invalid_quantity', { field: `lines.${i}.quantity`, quantity: r.quantity });
    const left = remainingToShip(line);
    if (r.quantity > left) throw new DomainError('shipment.quantity_exceeds_remaining', { field: `lines.${i}.quantity`, rule: 'SH-6', position: r.position, remaining: left });
  });
  if (shipments === 'all_together') {
    const missing = lines.filter((l) => remainingToShip(l) > 0 && (request.find((r) => r.position === l.position)?.quantity ?? 0) < remainingToShip(l));
    if (missing.length > 0) {
      throw new DomainError('shipment.all_together', { field: 'lines', rule: 'SH-6', positions: missing.map((l) => l.position) }, 'This shop ships all the items of an order together.');
    }
  }
}

export type ShipmentProgress = { readonly state: string; readonly quantity: number };
export type Fulfilment = 'unfulfilled' | 'partially_shipped' | 'shipped' | 'partially_delivered' | 'delivered' | 'returned';

const ON_THE_WAY = new Set(['shipped', 'in_transit', 'delivery_attempted', 'awaiting_collection']);
const BACK = new Set(['refused', 'returning', 'returned']);

/**
 * The order's shipments summed up. Units of parcels that came back (refused,
 * returning, returned: refunded, not shipped again) no longer count as to
 * ship. `delivered` once every unit still to deliver is in a delivered parcel
 * (WD-1: the last item's possession); `returned` when everything that left
 * came back and nothing else is to ship.
 */
export function fulfilmentOf(lines: readonly PlanLine[], shipments: readonly ShipmentProgress[]): Fulfilment {
  const live = shipments.filter((s) => s.state !== 'cancelled' && s.state !== 'packed');
  const units = (keep: (state: string) => boolean) => live.filter((s) => keep(s.state)).reduce((n, s) => n + s.quantity, 0);
  const back = units((state) => BACK.has(state));
  const toShip = lines.reduce((n, l) => n + l.quantity - l.cancelledQuantity, 0) - back;
  const delivered = units((state) => state === 'delivered');
  const sent = units((state) => ON_THE_WAY.has(state) || state === 'delivered');
  if (toShip <= 0) return back > 0 ? 'returned' : 'unfulfilled';
  if (delivered === toShip) return 'delivered';
  if (delivered > 0) return 'partially_delivered';
  if (sent === 0) return 'unfulfilled';
  return sent >= toShip ? 'shipped' : 'partially_shipped';
}

/**
 * PA-3: what a line's `units` units cost when `before` units of it were
 * charged already — the line total spread over its units so that the parts
 * add up to the total to the cent (the rounding cent goes to the later units).
 */
export function lineAmountFor(line: Pick<PlanLine, 'quantity' | 'total'>, before: number, units: number): number {
  const upTo = (n: number) => Math.floor((line.total * n) / line.quantity);
  return upTo(before + units) - upTo(before);
}
