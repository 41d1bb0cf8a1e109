// Issue 6: the one account of an order line's units for after-sales — what the
// customer received, and what after-sales already did with those units — so
// that withdrawals (WD-7), exchanges by post (EX-1, through the same
// statements), in-store exchanges (EX-2) and guarantee claims (GU-1…GU-4)
// never settle the same unit twice.
//
// Per order line (`settledUnits`):
// - received: units delivered in the order's own parcels. A replacement
//   parcel (SH-8 reship, a guarantee replacement: `replaces_shipment_id`)
//   replaces units already counted, it adds none. The line's possession date
//   (SH-9; GU-1 counts from it) is the latest of those parcels: a replacement
//   parcel never moves it (GU-1's imposed replacement is a line history event,
//   see src/domain/guarantees/coverage.ts).
// - named: units named by withdrawal / exchange-by-post statements
//   (`return_lines.quantity`), whatever the inspection decided.
// - returned: units the shop took back through those returns — named while
//   not inspected yet, accepted (or depreciated) once inspected; units refused
//   at inspection went back to the customer (WD-8).
// - deliveryRefunded: units refunded by SH-8 delivery claims (`refunded`).
// - guaranteeRefunded: units refunded by a guarantee claim's refund or
//   termination (GU-1, GU-2 cancelling the sale, GU-4).
// - priceReductions: minor units given back by guarantee price reductions
//   (GU-1, GU-2 partial refund) on the line: the customer keeps those units.
// - exchangedInStore: units given back at a store counter (EX-2).
//
// Which uses block which action (`unitsLeft`):
// - withdrawal and in-store exchange: every unit named by a statement (a unit
//   is withdrawn once, WD-7; a unit refused at inspection is not withdrawn nor
//   exchanged again either), exchanged in store, or refunded (delivery claim,
//   guarantee).
// - guarantee: units the shop took back (returned), exchanged in store, or
//   refunded. Units refused at a return's inspection are the customer's again
//   and stay under guarantee; price reductions leave the units claimable
//   (their money is capped by the guarantee module).
import { lineAmountFor } from '../domain/fulfilment/fulfilment-plan.js';
import type { Queryable } from '../store/db.js';
import type { Order } from './orders.js';

export type SettledLine = {
  position: number;
  received: number;
  /** SH-9: possession of the line — the latest delivered parcel of the order's own that brought it; null: none yet. */
  possessionAt: Date | null;
  /** That parcel (a guarantee claim names it; a replacement is packed as replacing it). */
  parcel: { id: string; number: string } | null;
  named: number;
  returned: number;
  deliveryRefunded: number;
  guaranteeRefunded: number;
  priceReductions: number;
  exchangedInStore: number;
};

export type AfterSalesPurpose = 'withdrawal' | 'store_exchange' | 'guarantee';

/** Units of the line still open to `purpose` (see the header). */
export function unitsLeft(line: SettledLine, purpose: AfterSalesPurpose): number {
  const back = purpose === 'guarantee' ? line.returned : line.named;
  return Math.max(0, line.received - back - line.deliveryRefunded - line.guaranteeRefunded - line.exchangedInStore);
}

/**
 * The money of `quantity` units of an order line still open to `purpose`
 * (src/app/settled-units.ts). `available`: those units — fewer than asked,
 * nothing is given back. `amount`: the units' share of the line total,
 * continuing after the units settled already (to the cent), and for the line
 * as a whole never more than its open units cost less the price reductions
 * given on it already (GU-1/GU-2). Delivery claims (SH-8) and guarantee claims
 * (src/app/guarantee-claims.ts) pay a unit back once with it.
 */
export function unitsMoney(line: Pick<Order['lines'][number], 'quantity' | 'total'>, settled: SettledLine, quantity: number, purpose: AfterSalesPurpose): { available: number; amount: number } {
  const available = unitsLeft(settled, purpose);
  if (quantity > available) return { available, amount: 0 };
  const before = settled.received - available;
  const held = lineAmountFor(line, before, available);
  return { available, amount: Math.max(0, Math.min(lineAmountFor(line, before, quantity), held - settled.priceReductions)) };
}

const byPosition = <T extends { position: number }>(rows: readonly T[]) => new Map(rows.map((r) => [r.position, r]));

/** Every line of the order (by position) with its units received and settled (see the header). */
export async function settledUnits(q: Queryable, orderId: string): Promise<Map<number, SettledLine>> {
  const [lines, parcels, returns, deliveryClaims, guarantees, exchanges] = await Promise.all([
    q.selectFrom('order_lines').select('position').where('order_id', '=', orderId).orderBy('position').execute(),
    q
      .selectFrom('shipment_lines as sl')
      .innerJoin('shipments as s', 's.id', 'sl.shipment_id')
      .select(['sl.position', 'sl.quantity', 's.id', 's.number', 's.delivered_at'])
      .where('sl.order_id', '=', orderId)
      .where('s.state', '=', 'delivered')
      .where('s.delivered_at', 'is not', null)
      .where('s.replaces_shipment_id', 'is', null)
      .orderBy('s.delivered_at')
      .orderBy('s.id')
      .execute(),
    q
      .selectFrom('return_lines as l')
      .innerJoin('returns as r', 'r.id', 'l.return_id')
      .select([
        'l.position',
        (eb) => eb.fn.sum<string>('l.quantity').as('named'),
        (eb) => eb.fn.sum<string>(eb.case().when('l.outcome', 'is', null).then(eb.ref('l.quantity')).else(eb.fn.coalesce('l.accepted_quantity', eb.lit(0))).end()).as('returned'),
      ])
      .where('r.order_id', '=', orderId)
      .groupBy('l.position')
      .execute(),
    q
      .selectFrom('delivery_claim_lines as l')
      .innerJoin('delivery_claims as c', 'c.id', 'l.claim_id')
      .select(['l.position', (eb) => eb.fn.sum<string>(eb.fn.coalesce('l.decided_quantity', eb.lit(0))).as('units')])
      .where('c.order_id', '=', orderId)
      .where('c.state', '=', 'refunded')
      .groupBy('l.position')
      .execute(),
    q
      .selectFrom('guarantee_claims as c')
      .leftJoin('order_refunds as f', (j) => j.onRef('f.shop_id', '=', 'c.shop_id').onRef('f.key', '=', 'c.refund_key'))
      .select([
        'c.position',
        (eb) => eb.fn.sum<string>(eb.case().when('c.outcome', '=', 'refund').then(eb.ref('c.quantity')).else(eb.lit(0)).end()).as('units'),
        (eb) => eb.fn.sum<string>(eb.case().when('c.outcome', '=', 'price_reduction').then(eb.fn.coalesce('f.amount_minor', eb.lit(0))).else(eb.lit(0)).end()).as('reductions'),
      ])
      .where('c.order_id', '=', orderId)
      .where('c.outcome', 'in', ['refund', 'price_reduction'])
      .groupBy('c.position')
      .execute(),
    q
      .selectFrom('store_exchange_lines as l')
      .innerJoin('store_exchanges as e', 'e.id', 'l.exchange_id')
      .select(['l.position', (eb) => eb.fn.sum<string>('l.quantity').as('units')])
      .where('e.order_id', '=', orderId)
      .groupBy('l.position')
      .execute(),
  ]);
  const [returnsOf, claimsOf, guaranteesOf, exchangesOf] = [byPosition(returns), byPosition(deliveryClaims), byPosition(guarantees), byPosition(exchanges)];
  const result = new Map<number, SettledLine>();
  for (const { position } of lines) {
    const own = parcels.filter((p) => p.position === position);
    const last = own.at(-1);
    result.set(position, {
      position,
      received: own.reduce((sum, p) => sum + p.quantity, 0),
      possessionAt: last?.delivered_at ?? null,
      parcel: last ? { id: last.id, number: last.number } : null,
      named: Number(returnsOf.get(position)?.named ?? 0),
      returned: Number(returnsOf.get(position)?.returned ?? 0),
      deliveryRefunded: Number(claimsOf.get(position)?.units ?? 0),
      guaranteeRefunded: Number(guaranteesOf.get(position)?.units ?? 0),
      priceReductions: Number(guaranteesOf.get(position)?.reductions ?? 0),
      exchangedInStore: Number(exchangesOf.get(position)?.units ?? 0),
    });
  }
  return result;
}
