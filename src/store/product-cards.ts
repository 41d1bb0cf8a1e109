// The catalogue listing's read model (migration 0005): one `product_cards` row
// per product, with its lowest price per currency. This module is the only
// writer of the table. Every use case that changes what a
// listing shows calls `refreshProductCards` in its own transaction, so a card
// is never out of step with a committed change:
//   - products (createProduct, updateProduct; seeds)            src/app/catalogue-admin.ts, seed-catalogue.ts, synthetic-catalogue.ts
//   - variants (createVariant, updateVariant: CAT-2 arrival, back-order)
//   - stock (setStock, CAT-6)                                   src/app/stock.ts
//   - prices (addPrice, PR-4 / PR-6)
// A scheduled price changes the lowest price when its instant comes without any
// write: each price of a card holds the interval over which it is true, a
// `product_card.refresh` timer (src/jobs/timer-kinds.ts) refreshes the card at
// the end of that interval, and until it has fired the listing computes the
// price from price_history (`lowestPricesInForce`) — a card never shows a stale price.
import { sql, type Expression, type RawBuilder } from 'kysely';
import type { Queryable, Tx } from './db.js';
import { scheduleTimer, type DueTimer } from './timers.js';

export const productCardTimerKind = 'product_card.refresh';

/**
 * PR-4 / PR-6: the price of one variant in force at `at` in `currency` — the
 * latest row of its history whose effective_at has passed (ties: the last
 * recorded). A scalar subquery (index price_history_lookup); null when none.
 */
export function priceInForce(variantId: Expression<unknown>, currency: string | Expression<unknown>, at: Date): RawBuilder<string | null> {
  return sql<string | null>`(SELECT ph.amount_minor FROM price_history ph
     WHERE ph.variant_id = ${variantId} AND ph.currency = ${currency} AND ph.effective_at <= ${at}
     ORDER BY ph.effective_at DESC, ph.id DESC LIMIT 1)`;
}

/** The lowest price in force at `at` among the variants of a product (a scalar subquery). */
export function lowestPriceInForce(productId: Expression<unknown>, currency: string | Expression<unknown>, at: Date): RawBuilder<string | null> {
  return sql<string | null>`(SELECT min(${priceInForce(sql.ref('lv.id'), currency, at)}) FROM variants lv WHERE lv.product_id = ${productId})`;
}

/**
 * PR-4 / PR-6: the lowest price in force at `at` of each product, from
 * price_history — for the cards whose price interval does not hold `at` (a
 * scheduled price whose refresh timer has not fired yet; a past instant).
 */
export async function lowestPricesInForce(q: Queryable, input: { productIds: readonly string[]; currency: string; at: Date }): Promise<Map<string, string | null>> {
  if (input.productIds.length === 0) return new Map();
  const { rows } = await sql<{ product_id: string; price_minor: string | null }>`
    SELECT p.id::text AS product_id, ${lowestPriceInForce(sql.ref('p.id'), input.currency, input.at)} AS price_minor
      FROM products p WHERE p.id = ANY(${[...input.productIds]}::bigint[])`.execute(q);
  return new Map(rows.map((r) => [r.product_id, r.price_minor]));
}

/** Which cards to refresh: some products, the products of some variants, a whole shop, or every shop (migration). */
export type CardSelection = { productIds: readonly string[] | 'all' } | { variantIds: readonly string[] } | { shopId: string };

function selection(s: CardSelection): RawBuilder<boolean> {
  if ('shopId' in s) return sql<boolean>`p.shop_id = ${s.shopId}`;
  if ('variantIds' in s) return sql<boolean>`p.id IN (SELECT product_id FROM variants WHERE id = ANY(${[...s.variantIds]}::bigint[]))`;
  if (s.productIds === 'all') return sql<boolean>`true`;
  return sql<boolean>`p.id = ANY(${[...s.productIds]}::bigint[])`;
}

/**
 * Rewrites the cards of the selected products from their sources, as of `now`,
 * and schedules a refresh at the next instant a scheduled price changes one of
 * them. Set-based: two statements whatever the number of products (a 100 000
 * product seed included). Call it in the transaction of the change.
 */
export async function refreshProductCards(q: Queryable, input: CardSelection & { now: Date }): Promise<void> {
  const { now } = input;
  const where = selection(input);
  if (('productIds' in input && input.productIds !== 'all' && input.productIds.length === 0) || ('variantIds' in input && input.variantIds.length === 0)) return;

  // CAT-2 facts summarised over the variants the way the domain reads them
  // (src/domain/catalogue/availability.ts; warehouse stock only, CAT-6), and
  // PR-4 / PR-6 per currency: the lowest price in force now and the interval
  // over which it holds — from the last price instant passed to the next one to
  // come (the lowest price can only change at one of them).
  const { rows } = await sql<{ product_id: string; shop_id: string; next_change: string | null }>`
    WITH target AS (SELECT p.* FROM products p WHERE ${where}),
    ws AS (
      SELECT s.variant_id, sum(s.quantity) AS quantity
        FROM stock s
        JOIN locations l ON l.id = s.location_id AND l.kind = 'warehouse'
        JOIN variants v ON v.id = s.variant_id
        JOIN target t ON t.id = v.product_id
       GROUP BY s.variant_id
    ),
    agg AS (
      SELECT v.product_id, bool_or(ws.quantity > 0) AS in_stock, min(v.expected_arrival) AS expected_arrival, bool_or(v.backorder_allowed) AS backorder_allowed
        FROM variants v JOIN target t ON t.id = v.product_id LEFT JOIN ws ON ws.variant_id = v.id
       GROUP BY v.product_id
    ),
    img AS (
      SELECT DISTINCT ON (pi.product_id) pi.product_id, pi.path
        FROM product_images pi JOIN target t ON t.id = pi.product_id
       ORDER BY pi.product_id, pi.position
    ),
    bounds AS (
      SELECT v.product_id, ph.currency,
             max(ph.effective_at) FILTER (WHERE ph.effective_at <= ${now}) AS valid_from,
             min(ph.effective_at) FILTER (WHERE ph.effective_at > ${now}) AS valid_until
        FROM price_history ph JOIN variants v ON v.id = ph.variant_id JOIN target t ON t.id = v.product_id
       GROUP BY v.product_id, ph.currency
    ),
    prices AS (
      SELECT b.product_id,
             jsonb_object_agg(b.currency, jsonb_build_object(
               'minor', ${lowestPriceInForce(sql.ref('b.product_id'), sql.ref('b.currency'), now)},
               'from', (extract(epoch FROM b.valid_from) * 1000)::bigint,
               'until', (extract(epoch FROM b.valid_until) * 1000)::bigint)) AS prices,
             min(b.valid_until) AS next_change
        FROM bounds b GROUP BY b.product_id
    ),
    saved AS (
      INSERT INTO product_cards (product_id, shop_id, position, category_id, category_slug, slug, name, image_path, in_stock, expected_arrival, backorder_allowed,
                                 hygiene_sealed, personalised, extra_lead_working_days, second_hand, outlet, perishable, eco_fee_minor, prices)
      SELECT t.id, t.shop_id, t.position, t.category_id, cat.slug, t.slug, t.name, img.path,
             coalesce(agg.in_stock, false), agg.expected_arrival, coalesce(agg.backorder_allowed, false),
             t.hygiene_sealed, t.personalised, t.extra_lead_working_days, t.second_hand, t.outlet, t.perishable, t.eco_fee_minor,
             coalesce(prices.prices, '{}')
        FROM target t
        LEFT JOIN categories cat ON cat.id = t.category_id
        LEFT JOIN agg ON agg.product_id = t.id
        LEFT JOIN img ON img.product_id = t.id
        LEFT JOIN prices ON prices.product_id = t.id
      ON CONFLICT (product_id) DO UPDATE SET
        shop_id = excluded.shop_id, position = excluded.position, category_id = excluded.category_id, category_slug = excluded.category_slug,
        slug = excluded.slug, name = excluded.name, image_path = excluded.image_path, in_stock = excluded.in_stock,
        expected_arrival = excluded.expected_arrival, backorder_allowed = excluded.backorder_allowed, hygiene_sealed = excluded.hygiene_sealed,
        personalised = excluded.personalised, extra_lead_working_days = excluded.extra_lead_working_days, second_hand = excluded.second_hand,
        outlet = excluded.outlet, perishable = excluded.perishable, eco_fee_minor = excluded.eco_fee_minor, prices = excluded.prices
      RETURNING product_id, shop_id
    )
    SELECT saved.product_id::text AS product_id, saved.shop_id, prices.next_change
      FROM saved JOIN prices ON prices.product_id = saved.product_id
     WHERE prices.next_change IS NOT NULL`.execute(q);

  for (const r of rows) {
    const dueAt = new Date(r.next_change!);
    await scheduleTimer(
      q,
      { shopId: r.shop_id, kind: productCardTimerKind, key: `${productCardTimerKind}:${r.product_id}:${dueAt.toISOString()}`, dueAt, payload: { productId: r.product_id } },
      now,
    );
  }
}

/** Timer kind `product_card.refresh`: a scheduled price of this product takes effect (PR-4 / PR-6). */
export async function refreshProductCardOnTimer(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const productId = timer.payload['productId'];
  if (typeof productId !== 'string') throw new Error(`${timer.kind} timer ${timer.key} has no productId`);
  await refreshProductCards(tx, { productIds: [productId], now });
}
