// CAT-6: stock per location. This module owns the stock rows' locks
// (style.md §2): every use case that changes stock takes them through
// lockStock, in ascending variant then location order, so two transactions
// never wait on each other in opposite orders. Nothing else runs a
// `SELECT … FOR UPDATE` on stock.
import { sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { recordAudit, type Actor } from '../store/audit.js';
import { refreshProductCards } from '../store/product-cards.js';
import { type Queryable, type Tx, inTransaction } from '../store/db.js';
import { queueBackInStockAlerts } from './stock-alerts.js';

export type StockRow = { variantId: string; locationId: string; quantity: number };

/** A bigint primary key as text; anything else matches no row (and never reaches a ::bigint cast). */
export function isId(id: string): boolean {
  return /^[1-9][0-9]{0,18}$/.test(id) && BigInt(id) <= 9_223_372_036_854_775_807n;
}

/**
 * Locks the stock rows of these variants (every location) until the end of
 * the transaction; ids are de-duplicated and sorted numerically first.
 */
export async function lockStock(tx: Tx, variantIds: readonly string[]): Promise<StockRow[]> {
  const ids = [...new Set(variantIds.filter(isId))].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  if (ids.length === 0) return [];
  const { rows } = await sql<{ variant_id: string; location_id: string; quantity: number }>`
    SELECT variant_id::text, location_id::text, quantity FROM stock
    WHERE variant_id = ANY(${ids}::bigint[])
    ORDER BY variant_id, location_id
    FOR UPDATE`.execute(tx);
  return rows.map((r) => ({ variantId: r.variant_id, locationId: r.location_id, quantity: r.quantity }));
}

export type StockLevel = { locationCode: string; quantity: number };

export type SetStockInput = {
  shopId: string;
  variantId: string;
  /** New quantities for some locations (by code); the others keep theirs. */
  levels: readonly StockLevel[];
  actor: Actor;
  now: Date;
};

export type SetStockResult = {
  levels: { locationCode: string; kind: 'warehouse' | 'store'; before: number; after: number }[];
  /** CAT-2: true when warehouse stock went from 0 to more and the back-in-stock alerts were queued. */
  backInStock: boolean;
};

/**
 * CAT-6: sets the counted quantity of a variant at one or more locations, in
 * one transaction, audited. Refuses a negative or non-integer quantity
 * (`stock.negative`, `stock.invalid_quantity`), an unknown location or variant.
 * CAT-2: when the variant's warehouse stock goes from 0 to more than 0, its
 * back-in-stock alerts are queued in the same transaction.
 */
export async function setStock(q: Queryable, input: SetStockInput): Promise<SetStockResult> {
  const { shopId, variantId, levels, actor, now } = input;
  if (levels.length === 0) throw new DomainError('stock.no_levels', { field: 'levels', rule: 'CAT-6' }, 'Give at least one location and quantity.');
  const seen = new Set<string>();
  levels.forEach((level, i) => {
    if (!Number.isSafeInteger(level.quantity)) {
      throw new DomainError('stock.invalid_quantity', { field: `levels.${i}.quantity`, rule: 'CAT-6' }, 'A quantity is a whole number.');
    }
    if (level.quantity < 0) throw new DomainError('stock.negative', { field: `levels.${i}.quantity`, rule: 'CAT-6' }, 'A stock quantity cannot be negative.');
    if (level.quantity > 2_147_483_647) throw new DomainError('stock.too_large', { field: `levels.${i}.quantity`, rule: 'CAT-6' });
    if (seen.has(level.locationCode)) throw new DomainError('stock.location_repeated', { field: `levels.${i}.location`, rule: 'CAT-6' });
    seen.add(level.locationCode);
  });

  return inTransaction(q, async (tx) => {
    if (!isId(variantId)) throw new DomainError('variant.not_found', { field: 'variantId' }, `No variant ${variantId}.`);
    const variant = await tx.selectFrom('variants').select(['id', 'sku']).where('id', '=', variantId).where('shop_id', '=', shopId).executeTakeFirst();
    if (!variant) throw new DomainError('variant.not_found', { field: 'variantId' }, `No variant ${variantId}.`);

    const locations = await tx.selectFrom('locations').select(['id', 'code', 'kind']).where('shop_id', '=', shopId).execute();
    const byCode = new Map(locations.map((l) => [l.code, l]));
    const targets = levels.map((level, i) => {
      const location = byCode.get(level.locationCode);
      if (!location) throw new DomainError('location.not_found', { field: `levels.${i}.location`, rule: 'CAT-6' }, `No location '${level.locationCode}'.`);
      return { location, quantity: level.quantity };
    });

    const locked = await lockStock(tx, [variantId]);
    const quantityAt = new Map(locked.map((r) => [r.locationId, r.quantity]));
    const warehouseIds = new Set(locations.filter((l) => l.kind === 'warehouse').map((l) => l.id));
    const warehouseTotal = (quantities: Map<string, number>) => [...warehouseIds].reduce((n, id) => n + (quantities.get(id) ?? 0), 0);
    const warehouseBefore = warehouseTotal(quantityAt);

    const after = new Map(quantityAt);
    for (const { location, quantity } of targets) after.set(location.id, quantity);
    await tx
      .insertInto('stock')
      .values(targets.map(({ location, quantity }) => ({ variant_id: variantId, location_id: location.id, quantity })))
      .onConflict((oc) => oc.columns(['variant_id', 'location_id']).doUpdateSet((eb) => ({ quantity: eb.ref('excluded.quantity') })))
      .execute();

    // CAT-2: the listing's card shows the new availability from this commit on.
    await refreshProductCards(tx, { variantIds: [variantId], now });

    const backInStock = warehouseBefore === 0 && warehouseTotal(after) > 0;
    // CAT-2: back-in-stock alerts leave with the stock change, or not at all.
    if (backInStock) await queueBackInStockAlerts(tx, { shopId, variantId, now });

    const result = targets.map(({ location, quantity }) => ({ locationCode: location.code, kind: location.kind, before: quantityAt.get(location.id) ?? 0, after: quantity }));
    await recordAudit(tx, {
      shopId,
      actor,
      action: 'stock.set',
      target: `variant:${variantId}`,
      details: { sku: variant.sku, levels: result.map((r) => ({ location: r.locationCode, before: r.before, after: r.after })), backInStock },
      at: now,
    });
    return { levels: result, backInStock };
  });
}

export type LocationStock = { locationId: string; code: string; name: string; kind: 'warehouse' | 'store'; quantity: number };

/** CAT-6: a variant's quantity at every location of its shop (0 where there is no row). */
export async function variantStock(q: Queryable, input: { shopId: string; variantIds: readonly string[] }): Promise<Map<string, LocationStock[]>> {
  const ids = input.variantIds.filter(isId);
  const result = new Map<string, LocationStock[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return result;
  const { rows } = await sql<{ variant_id: string; location_id: string; code: string; name: string; kind: 'warehouse' | 'store'; quantity: number }>`
    SELECT v.id::text AS variant_id, l.id::text AS location_id, l.code, l.name, l.kind, coalesce(s.quantity, 0) AS quantity
    FROM variants v
    JOIN locations l ON l.shop_id = v.shop_id
    LEFT JOIN stock s ON s.variant_id = v.id AND s.location_id = l.id
    WHERE v.shop_id = ${input.shopId} AND v.id = ANY(${ids}::bigint[])
    ORDER BY v.id, l.kind DESC, l.id`.execute(q);
  for (const r of rows) result.get(r.variant_id)?.push({ locationId: r.location_id, code: r.code, name: r.name, kind: r.kind, quantity: r.quantity });
  return result;
}
