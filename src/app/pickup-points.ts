// SH-1 / SH-7: where a collected parcel waits — the store the customer picks
// (FA store pickup), or a relay point of the carrier near the delivery address
// (FA, EL relay). Asked before the order is placed (the carrier is not called
// under the order's locks); `placeOrder` keeps the point with the order.
import type { Carrier, PickupPoint } from '../adapters/carrier/carrier.js';
import { DomainError } from '../domain/errors.js';
import type { ShippingMethod } from '../policy/schema.js';
import type { Queryable } from '../store/db.js';

export type { PickupPoint };

/** Methods whose parcel waits at a point the customer chooses. */
export const needsPickupPoint = (kind: ShippingMethod['kind']): boolean => kind === 'relay_point' || kind === 'store_pickup';

type StoreAddress = { line1?: string; postcode?: string; postalCode?: string; city?: string };

/** The points the customer may choose for `method` (none for the other methods). */
export async function pickupPointsFor(q: Queryable, carrier: Carrier, input: { shopId: string; method: ShippingMethod; country: string; postalCode: string }): Promise<PickupPoint[]> {
  if (input.method.kind === 'store_pickup') {
    const stores = await q.selectFrom('locations').select(['code', 'name', 'address']).where('shop_id', '=', input.shopId).where('kind', '=', 'store').orderBy('code').execute();
    return stores.map((s) => {
      const a = s.address as StoreAddress;
      const where = [a.line1, [a.postcode ?? a.postalCode, a.city].filter(Boolean).join(' ')].filter(Boolean).join(', ');
      return { id: `store:${s.code}`, label: where ? `${s.name}, ${where}` : s.name };
    });
  }
  if (input.method.kind === 'relay_point') return carrier.pickupPoints({ carrierName: input.method.carrier, country: input.country, postalCode: input.postalCode });
  return [];
}

/**
 * The point chosen for the method, checked against those offered: none is
 * needed (null), or `order.pickup_point_required` / `order.unknown_pickup_point`
 * (422, field `pickupPointId`).
 */
export async function resolvePickupPoint(
  q: Queryable,
  carrier: Carrier,
  input: { shopId: string; method: ShippingMethod | undefined; country: string; postalCode: string; pickupPointId: string | null | undefined },
): Promise<PickupPoint | null> {
  if (!input.method || !needsPickupPoint(input.method.kind)) return null;
  const id = input.pickupPointId?.trim() ?? '';
  if (id === '') throw new DomainError('order.pickup_point_required', { field: 'pickupPointId', rule: 'SH-1' }, 'Choose where to collect the parcel.');
  const point = (await pickupPointsFor(q, carrier, { ...input, method: input.method })).find((p) => p.id === id);
  if (!point) throw new DomainError('order.unknown_pickup_point', { field: 'pickupPointId', rule: 'SH-1' }, 'This collection point is not offered for this address.');
  return point;
}
