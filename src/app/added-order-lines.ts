// Lines added to a placed order — an unavailable item's substitute (AV-1c,
// src/app/unavailability.ts), an exchange's replacement (EX-1,
// src/app/postal-exchanges.ts): their units taken at the warehouse (OR-3),
// then the lines inserted after the last position and the order's amounts and
// VAT breakdown grown with them.
import { sql } from 'kysely';
import type { DomainError } from '../domain/errors.js';
import { regrossVatRows } from '../domain/invoices/billed-units.js';
import type { VatMode } from '../domain/pricing/vat.js';
import type { Tx } from '../store/db.js';
import { refreshProductCards } from '../store/product-cards.js';
import { refreshFulfilment } from './fulfilment.js';
import { loadOrder, type Order } from './orders.js';
import { lockStock } from './stock.js';

export type StockTaken = { locationId: string; quantity: number }[];

/**
 * OR-3: `quantity` units of the variant leave the warehouses' stock now,
 * location by location (stock rows locked here, in lockStock's order);
 * `short(available)` is thrown when the warehouses hold fewer.
 */
export async function takeWarehouseUnits(tx: Tx, input: { shopId: string; variantId: string; quantity: number; now: Date; short: (available: number) => DomainError }): Promise<StockTaken> {
  const { variantId } = input;
  const warehouses = new Set((await tx.selectFrom('locations').select('id').where('shop_id', '=', input.shopId).where('kind', '=', 'warehouse').execute()).map((w) => String(w.id)));
  const rows = (await lockStock(tx, [variantId])).filter((row) => warehouses.has(row.locationId) && row.quantity > 0);
  const available = rows.reduce((n, row) => n + row.quantity, 0);
  if (available < input.quantity) throw input.short(available);
  const taken: StockTaken = [];
  let left = input.quantity;
  for (const row of rows) {
    if (left === 0) break;
    const part = Math.min(row.quantity, left);
    left -= part;
    taken.push({ locationId: row.locationId, quantity: part });
    await sql`UPDATE stock SET quantity = quantity - ${part}::int WHERE variant_id = ${variantId}::bigint AND location_id = ${row.locationId}::bigint`.execute(tx);
  }
  await refreshProductCards(tx, { variantIds: [variantId], now: input.now });
  return taken;
}

/** A line to add: goods = unitPrice × quantity, eco-fee = ecoFeePerUnit × quantity, total = both − discount. */
export type AddedLine = {
  variantId: string;
  sku: string;
  name: { fr: string; en: string };
  options: Record<string, string>;
  quantity: number;
  unitPrice: number;
  ecoFeePerUnit: number;
  discount: number;
  total: number;
  vatRateBasisPoints: number;
  stockTaken: StockTaken;
};

/**
 * The lines join the order after its last position (their stock taken
 * already, full catalogue price as the line's price), the order's goods,
 * eco-fees, discounts, total and VAT breakdown grow with them, and its
 * fulfilment is refreshed. Returns the positions given (in `lines` order) and
 * the order as it is now.
 */
export async function addOrderLines(tx: Tx, input: { shopId: string; order: Order; lines: readonly AddedLine[]; now: Date }): Promise<{ positions: number[]; order: Order }> {
  const { order, lines, now } = input;
  let position = Math.max(...order.lines.map((l) => l.position));
  const positions: number[] = [];
  const deltas = new Map<number, number>();
  for (const l of lines) {
    positions.push(++position);
    const product = await tx
      .selectFrom('variants as v')
      .innerJoin('products as p', 'p.id', 'v.product_id')
      .select(['v.product_id', 'p.hygiene_sealed', 'p.personalised', 'p.perishable', 'p.second_hand', 'p.outlet'])
      .where('v.id', '=', l.variantId)
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('order_lines')
      .values({
        order_id: order.id,
        position,
        variant_id: l.variantId,
        product_id: product.product_id,
        sku: l.sku,
        name_fr: l.name.fr,
        name_en: l.name.en,
        options: JSON.stringify(l.options),
        quantity: l.quantity,
        unit_price_minor: l.unitPrice,
        catalogue_unit_price_minor: l.unitPrice,
        eco_fee_per_unit_minor: l.ecoFeePerUnit,
        goods_minor: l.unitPrice * l.quantity,
        eco_fee_minor: l.ecoFeePerUnit * l.quantity,
        discount_minor: l.discount,
        total_minor: l.total,
        vat_rate_basis_points: l.vatRateBasisPoints,
        is_gift: false,
        hygiene_sealed: product.hygiene_sealed,
        personalised: product.personalised,
        perishable: product.perishable,
        second_hand: product.second_hand,
        outlet: product.outlet,
        stock_taken: JSON.stringify(l.stockTaken),
        backordered_quantity: 0,
      })
      .execute();
    deltas.set(l.vatRateBasisPoints, (deltas.get(l.vatRateBasisPoints) ?? 0) + l.total);
  }
  const rows = order.vatBreakdown as { rateBasisPoints: number; base: number; vat: number; treatment: VatMode }[];
  const sum = (f: (l: AddedLine) => number) => lines.reduce((n, l) => n + f(l), 0);
  await tx
    .updateTable('orders')
    .set({
      goods_minor: order.goods + sum((l) => l.unitPrice * l.quantity),
      eco_fees_minor: order.ecoFees + sum((l) => l.ecoFeePerUnit * l.quantity),
      discounts_minor: order.discounts + sum((l) => l.discount),
      total_minor: order.total + sum((l) => l.total),
      vat_breakdown: JSON.stringify(regrossVatRows(rows, deltas, order.currency, { treatment: rows[0]?.treatment ?? 'included' })),
      updated_at: now,
    })
    .where('id', '=', order.id)
    .execute();
  const fresh = (await loadOrder(tx, { shopId: input.shopId, number: order.number }))!;
  await refreshFulfilment(tx, fresh, now);
  return { positions, order: fresh };
}
