// EX-1 (JW, EL): what an exchange by post may ask for instead of a refund —
// per order line, the OTHER variants of the same product (another size or
// colour) that are for sale now in the order's currency, at their price in
// force (eco-fee included: what the customer would pay for it today), and
// whether the warehouse has one (the exchange's parcel leaves from there,
// src/app/postal-exchanges.ts). A read for the withdrawal function's step 1.
import { sql } from 'kysely';
import type { Queryable } from '../store/db.js';
import { priceInForce } from '../store/product-cards.js';
import type { Order, OrderLine } from './orders.js';

export type ExchangeChoice = {
  variantId: string;
  sku: string;
  options: Record<string, string>;
  /** Price in force now in the order's currency, eco-fee included, in minor units. */
  price: number;
  /** Units at the warehouse now (the exchange is settled when the goods come back: a hint, not a reservation). */
  inStock: boolean;
};

/** Per order line position, the sibling variants for sale (catalogue order); a line whose product has none maps to []. */
export async function exchangeChoices(q: Queryable, input: { shopId: string; order: Pick<Order, 'currency'> & { lines: readonly Pick<OrderLine, 'position' | 'variantId'>[] }; now: Date }): Promise<Map<number, ExchangeChoice[]>> {
  const { order } = input;
  const ordered = [...new Set(order.lines.map((l) => l.variantId))];
  if (ordered.length === 0) return new Map();
  const rows = await q
    .selectFrom('variants as v')
    .innerJoin('products as p', 'p.id', 'v.product_id')
    .innerJoin('variants as o', 'o.product_id', 'v.product_id')
    .select([
      sql<string>`o.id::text`.as('ordered_id'),
      sql<string>`v.id::text`.as('id'),
      'v.sku',
      'v.options',
      'p.eco_fee_minor',
      priceInForce(sql.ref('v.id'), order.currency, input.now).as('price_minor'),
      sql<string>`(SELECT coalesce(sum(s.quantity), 0) FROM stock s JOIN locations l ON l.id = s.location_id WHERE s.variant_id = v.id AND l.kind = 'warehouse')`.as('warehouse_units'),
    ])
    .where('p.shop_id', '=', input.shopId)
    .where(sql<boolean>`o.id = ANY(${ordered}::bigint[])`)
    .whereRef('v.id', '<>', 'o.id')
    .orderBy('v.position')
    .orderBy('v.id')
    .execute();
  const siblings = new Map<string, ExchangeChoice[]>();
  for (const r of rows) {
    if (r.price_minor === null) continue; // not for sale in this currency
    const list = siblings.get(r.ordered_id) ?? [];
    list.push({ variantId: r.id, sku: r.sku, options: r.options, price: Number(r.price_minor) + Number(r.eco_fee_minor), inStock: Number(r.warehouse_units) > 0 });
    siblings.set(r.ordered_id, list);
  }
  return new Map(order.lines.map((l) => [l.position, siblings.get(l.variantId) ?? []]));
}
