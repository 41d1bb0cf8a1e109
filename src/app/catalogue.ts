// The storefront's read side of the catalogue: the product list of the home
// page. One SQL query per page, whatever the number of products and variants
// (style.md §7: the query count is asserted in test/app/catalogue.test.ts).
import { sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { money, type Currency, type Money } from '../domain/money.js';
import type { Localised, ProductFlags } from '../policy/catalogue-file.js';
import type { Queryable } from '../store/db.js';

/**
 * CAT-2, summarised over a product's variants: in stock when one variant has
 * warehouse stock (online orders draw from the warehouse, CAT-6); else awaiting
 * stock when one has an expected arrival date or may be back-ordered; else
 * unavailable.
 */
export type ProductAvailability =
  | { state: 'in_stock' }
  | { state: 'awaiting_stock'; expectedArrival: string | null; backorderAllowed: boolean }
  | { state: 'unavailable' };

export type ProductSummary = {
  id: string;
  slug: string;
  name: Localised;
  categorySlug: string | null;
  /** File name of the first image (under shops/<id>/images/), or null. */
  imagePath: string | null;
  /** The lowest price in force at `now` among the variants, in the requested currency; null when none is priced in it. */
  price: Money | null;
  availability: ProductAvailability;
  flags: ProductFlags;
  /** PR-3: WEEE eco-fee per unit, in minor units of the shop's base currency. */
  ecoFeeMinor: number;
};

export type ListProductsInput = {
  shopId: string;
  currency: Currency;
  now: Date;
  limit: number;
  offset: number;
};

export const maxPageSize = 100;

function toMinor(value: string | number | bigint, field: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new DomainError('money.overflow', { field, rule: 'PR-9', value: String(value) });
  return n;
}

export async function listProducts(q: Queryable, input: ListProductsInput): Promise<ProductSummary[]> {
  const { shopId, currency, now, limit, offset } = input;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxPageSize) {
    throw new DomainError('catalogue.invalid_page', { field: 'limit', limit, max: maxPageSize });
  }
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new DomainError('catalogue.invalid_page', { field: 'offset', offset });
  }

  // The page is cut first (index products_listing), then each of its products
  // gets its first image, and one pass over its variants computes the lowest
  // current price (index price_history_lookup, one row per variant) and the
  // availability from warehouse stock (stock primary key).
  const page = q
    .selectFrom('products')
    .selectAll()
    .where('shop_id', '=', shopId)
    .orderBy('position')
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .as('p');

  const rows = await q
    .selectFrom(page)
    .leftJoin('categories as c', 'c.id', 'p.category_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('product_images as pi')
          .select('pi.path')
          .whereRef('pi.product_id', '=', 'p.id')
          .orderBy('pi.position')
          .limit(1)
          .as('img'),
      (join) => join.onTrue(),
    )
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('variants as v')
          // PR-4 / PR-6: the price in force is the latest one whose effective_at has passed.
          .leftJoinLateral(
            (eb2) =>
              eb2
                .selectFrom('price_history as ph')
                .select('ph.amount_minor')
                .whereRef('ph.variant_id', '=', 'v.id')
                .where('ph.currency', '=', currency)
                .where('ph.effective_at', '<=', now)
                .orderBy('ph.effective_at', 'desc')
                .orderBy('ph.id', 'desc')
                .limit(1)
                .as('cur'),
            (join) => join.onTrue(),
          )
          .leftJoinLateral(
            (eb2) =>
              eb2
                .selectFrom('stock as s')
                .innerJoin('locations as l', 'l.id', 's.location_id')
                .select(sql<string>`sum(s.quantity)`.as('quantity'))
                .whereRef('s.variant_id', '=', 'v.id')
                .where('l.kind', '=', 'warehouse')
                .as('ws'),
            (join) => join.onTrue(),
          )
          .whereRef('v.product_id', '=', 'p.id')
          .select([
            sql<string | null>`min(cur.amount_minor)`.as('price_minor'),
            sql<boolean>`coalesce(bool_or(ws.quantity > 0), false)`.as('in_stock'),
            sql<string | null>`min(v.expected_arrival)`.as('expected_arrival'),
            sql<boolean>`coalesce(bool_or(v.backorder_allowed), false)`.as('backorder_allowed'),
          ])
          .as('agg'),
      (join) => join.onTrue(),
    )
    .select([
      'p.id',
      'p.slug',
      'p.name',
      'c.slug as category_slug',
      'img.path as image_path',
      'agg.price_minor',
      'agg.in_stock',
      'agg.expected_arrival',
      'agg.backorder_allowed',
      'p.hygiene_sealed',
      'p.personalised',
      'p.extra_lead_working_days',
      'p.second_hand',
      'p.outlet',
      'p.perishable',
      'p.eco_fee_minor',
    ])
    .orderBy('p.position')
    .orderBy('p.id')
    .execute();

  return rows.map((row): ProductSummary => {
    let availability: ProductAvailability;
    if (row.in_stock) availability = { state: 'in_stock' };
    else if (row.expected_arrival !== null || row.backorder_allowed) {
      availability = { state: 'awaiting_stock', expectedArrival: row.expected_arrival, backorderAllowed: row.backorder_allowed ?? false };
    } else availability = { state: 'unavailable' };
    return {
      id: row.id,
      slug: row.slug,
      name: row.name,
      categorySlug: row.category_slug,
      imagePath: row.image_path,
      price: row.price_minor === null ? null : money(toMinor(row.price_minor, 'price'), currency),
      availability,
      flags: {
        hygieneSealed: row.hygiene_sealed,
        personalised: row.personalised,
        extraLeadWorkingDays: row.extra_lead_working_days,
        secondHand: row.second_hand,
        outlet: row.outlet,
        perishable: row.perishable,
      },
      ecoFeeMinor: toMinor(row.eco_fee_minor, 'eco_fee'),
    };
  });
}

export async function countProducts(q: Queryable, input: { shopId: string }): Promise<number> {
  const row = await q
    .selectFrom('products')
    .select(sql<string>`count(*)`.as('n'))
    .where('shop_id', '=', input.shopId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
