// The storefront's read side of the catalogue (CAT-1…CAT-7): the product list
// (category filter, search by name, pages), the categories, and one product's
// detail. One SQL query per page and one per product, whatever the number of
// products and variants (style.md §7: query counts are asserted in
// test/app/catalogue*.test.ts). Search is PostgreSQL full text over the
// generated products.search_vector (migration 0003: case- and
// accent-insensitive, prefix matching, GIN index).
import { sql } from 'kysely';
import { variantAvailability, type VariantAvailability } from '../domain/catalogue/availability.js';
import { DomainError } from '../domain/errors.js';
import { money, type Currency, type Money } from '../domain/money.js';
import { priceDisplay } from '../domain/pricing/reductions.js';
import type { Localised, ProductFlags } from '../policy/catalogue-file.js';
import { compiledQuery, prepared, type Queryable } from '../store/db.js';
import { lowestPricesInForce } from '../store/product-cards.js';
import type { CardPrice } from '../store/schema.js';

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

export type CatalogueFilter = {
  shopId: string;
  /** Only the products of this category (by slug); an unknown slug matches nothing. */
  categorySlug?: string | null | undefined;
  /** Words of the product's FR or EN name, each matched as a prefix, case and accents ignored. */
  search?: string | null | undefined;
};

export type ListProductsInput = CatalogueFilter & {
  currency: Currency;
  now: Date;
  limit: number;
  offset: number;
};

const maxSearchWords = 8;

/**
 * The search box's text as a tsquery for the 'simple' configuration: each word
 * (letters and digits) a prefix, all required. Folding of case and accents is
 * done in SQL by catalogue_search_fold, the function the stored vector uses.
 * Null when the text has no word (no filter).
 */
export function searchQuery(text: string | null | undefined): string | null {
  if (!text) return null;
  const words = (text.normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, maxSearchWords).map((w) => w.slice(0, 64));
  return words.length === 0 ? null : words.map((w) => `${w}:*`).join(' & ');
}

/**
 * The cards (src/store/product-cards.ts) of one shop's products matching the
 * filter, as a kysely query shared by the listing and the count. Category:
 * index product_cards_category; search: the GIN index on products.search_vector.
 */
function matching(q: Queryable, filter: CatalogueFilter) {
  return matchingCards(q, { shopId: filter.shopId, categorySlug: filter.categorySlug || null, tsquery: searchQuery(filter.search) });
}

/** The filter once parsed: the search as a tsquery (searchQuery); null for no category / no search. */
type CardFilter = { shopId: string; categorySlug: string | null; tsquery: string | null };

/**
 * The kysely query of `matching`, its shape decided by which filters are
 * present; with `values` (placeholders of a compiled query) in place of the
 * values when given.
 */
function matchingCards(q: Queryable, shape: CardFilter, values: CardFilter = shape) {
  const { shopId, categorySlug, tsquery } = values;
  let query = q.selectFrom('product_cards as c').where('c.shop_id', '=', shopId);
  if (shape.categorySlug !== null) query = query.where('c.category_slug', '=', categorySlug!);
  if (shape.tsquery !== null) {
    // The products found by name (GIN index), in the category too when there is one.
    query = query.where(
      sql<boolean>`c.product_id IN (SELECT products.id FROM products WHERE products.shop_id = ${shopId}
        AND products.search_vector @@ to_tsquery('simple', catalogue_search_fold(${tsquery}))
        ${shape.categorySlug !== null ? sql`AND products.category_id = (SELECT categories.id FROM categories WHERE categories.shop_id = ${shopId} AND categories.slug = ${categorySlug})` : sql``})`,
    );
  }
  return query;
}

type ListingParams = CardFilter & { currency: string; limit: number; offset: number };

/** The listing's query for one shape of filter (no category / category × no search / search), compiled once. */
function listingQuery(shape: { category: boolean; search: boolean }) {
  return compiledQuery(['shopId', 'categorySlug', 'tsquery', 'currency', 'limit', 'offset'], (q, p: ListingParams) =>
    matchingCards(q, { shopId: '', categorySlug: shape.category ? '' : null, tsquery: shape.search ? '' : null }, p)
      .modifyFront(prepared)
      .select([
        sql<string>`c.product_id::text`.as('id'),
        'c.slug',
        'c.name',
        'c.category_slug',
        'c.image_path',
        sql<CardPrice | null>`c.prices -> ${p.currency}`.as('price'),
        'c.in_stock',
        'c.expected_arrival',
        'c.backorder_allowed',
        'c.hygiene_sealed',
        'c.personalised',
        'c.extra_lead_working_days',
        'c.second_hand',
        'c.outlet',
        'c.perishable',
        'c.eco_fee_minor',
      ])
      .orderBy('c.position')
      .orderBy('c.product_id')
      .limit(p.limit)
      .offset(p.offset),
  );
}

/** Index: category present + 2 × search present. */
const listingQueries = [
  listingQuery({ category: false, search: false }),
  listingQuery({ category: true, search: false }),
  listingQuery({ category: false, search: true }),
  listingQuery({ category: true, search: true }),
];

export const maxPageSize = 100;

function toMinor(value: string | number | bigint, field: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new DomainError('money.overflow', { field, rule: 'PR-9', value: String(value) });
  return n;
}

/**
 * CAT-2 for a product: the domain's rule (availability.ts) applied to its
 * variants' facts summed up — in stock when one variant has warehouse stock,
 * else awaiting stock with the earliest arrival when one has an arrival date
 * or may be back-ordered, else unavailable.
 */
function productAvailability(card: { in_stock: boolean; expected_arrival: string | null; backorder_allowed: boolean }): ProductAvailability {
  return variantAvailability({ warehouseQuantity: card.in_stock ? 1 : 0, expectedArrival: card.expected_arrival, backorderAllowed: card.backorder_allowed });
}

export type ProductPage = { products: ProductSummary[]; hasMore: boolean };

export async function listProducts(q: Queryable, input: ListProductsInput): Promise<ProductSummary[]> {
  return (await listProductPage(q, input)).products;
}

/**
 * One page of the listing, and whether another follows (one more card is read
 * instead of counting the catalogue). ONE query on the read model
 * (src/store/product-cards.ts); a second one only for cards whose price does
 * not hold at `now` (PR-4 / PR-6).
 */
export async function listProductPage(q: Queryable, input: ListProductsInput): Promise<ProductPage> {
  const { currency, now, limit, offset } = input;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxPageSize) {
    throw new DomainError('catalogue.invalid_page', { field: 'limit', limit, max: maxPageSize });
  }
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new DomainError('catalogue.invalid_page', { field: 'offset', offset });
  }

  // One index scan of the cards (product_cards_listing / _category; the GIN
  // index of products for a search), nothing joined. Built and compiled once
  // per shape of filter (listingQueries), executed with this call's values.
  const tsquery = searchQuery(input.search);
  const categorySlug = input.categorySlug || null;
  const shape = (categorySlug === null ? 0 : 1) + (tsquery === null ? 0 : 2);
  const rows = await listingQueries[shape]!(q, { shopId: input.shopId, categorySlug, tsquery, currency, limit: limit + 1, offset });

  // PR-4 / PR-6: the card's price when `now` lies in the interval it holds for;
  // else (a scheduled price whose refresh has not run yet, a past instant) the
  // price from price_history — a second query, for those cards only.
  const t = now.getTime();
  const holds = (p: CardPrice | null) => p === null || ((p.from === null || p.from <= t) && (p.until === null || t < p.until));
  const page = rows.slice(0, limit);
  const stale = page.filter((r) => !holds(r.price)).map((r) => r.id);
  const live = await lowestPricesInForce(q, { productIds: stale, currency, at: now });
  const priceOf = (r: (typeof page)[number]): string | number | null => (live.has(r.id) ? live.get(r.id)! : (r.price?.minor ?? null));

  const products = page.map(
    (row): ProductSummary => ({
      id: row.id,
      slug: row.slug,
      name: row.name,
      categorySlug: row.category_slug,
      imagePath: row.image_path,
      price: priceOf(row) === null ? null : money(toMinor(priceOf(row)!, 'price'), currency),
      availability: productAvailability(row),
      flags: {
        hygieneSealed: row.hygiene_sealed,
        personalised: row.personalised,
        extraLeadWorkingDays: row.extra_lead_working_days,
        secondHand: row.second_hand,
        outlet: row.outlet,
        perishable: row.perishable,
      },
      ecoFeeMinor: toMinor(row.eco_fee_minor, 'eco_fee'),
    }),
  );
  return { products, hasMore: rows.length > limit };
}

/**
 * A page with the number of matching products, for pages that show it: counted
 * only when the page is not the last one (else it is offset + what was read).
 */
export async function listCountedPage(q: Queryable, input: ListProductsInput): Promise<ProductPage & { total: number }> {
  const page = await listProductPage(q, input);
  const total = page.hasMore || (page.products.length === 0 && input.offset > 0) ? await countProducts(q, input) : input.offset + page.products.length;
  return { ...page, total };
}

/** How many products match the filter (an index-only count of cards: O(matches), so callers ask for it only where they show it). */
export async function countProducts(q: Queryable, input: CatalogueFilter): Promise<number> {
  const row = await matching(q, input).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export type CategorySummary = { slug: string; name: Localised; products: number };

/** The shop's categories, by name order of the first language, with their number of products. */
export async function listCategories(q: Queryable, input: { shopId: string }): Promise<CategorySummary[]> {
  const rows = await q
    .selectFrom('categories as c')
    .select(['c.slug', 'c.name', (eb) => eb.selectFrom('products as p').select(sql<string>`count(*)`.as('n')).whereRef('p.category_id', '=', 'c.id').as('products')])
    .where('c.shop_id', '=', input.shopId)
    .orderBy('c.id')
    .execute();
  return rows.map((r) => ({ slug: r.slug, name: r.name, products: Number(r.products ?? 0) }));
}

/** One row of the price history as the PR-6 display reads it. */
export type PricePoint = { amountMinor: number; effectiveAt: Date };

export type VariantDetail = {
  id: string;
  sku: string;
  options: Record<string, string>;
  /** The price in force at `now` in the requested currency; null when the variant has none in it. */
  price: Money | null;
  /** PR-6: the history in that currency up to `now`, oldest first (scheduled prices are not shown before their instant). */
  priceHistory: PricePoint[];
  availability: VariantAvailability;
};

export type ProductDetail = {
  id: string;
  slug: string;
  name: Localised;
  description: Localised;
  composition: Localised | null;
  category: { slug: string; name: Localised } | null;
  images: { path: string; alt: Localised }[];
  flags: ProductFlags;
  /** PR-3: WEEE eco-fee per unit, in minor units of the shop's base currency (0 when none). */
  ecoFeeMinor: number;
  variants: VariantDetail[];
};

type DetailRow = {
  id: string;
  slug: string;
  name: Localised;
  description: Localised;
  composition: Localised | null;
  category_slug: string | null;
  category_name: Localised | null;
  hygiene_sealed: boolean;
  personalised: boolean;
  extra_lead_working_days: number;
  second_hand: boolean;
  outlet: boolean;
  perishable: boolean;
  eco_fee_minor: string;
  images: { path: string; alt: Localised }[];
  variants: {
    id: string;
    sku: string;
    options: Record<string, string>;
    expectedArrival: string | null;
    backorderAllowed: boolean;
    warehouseQuantity: number;
    prices: { amountMinor: string; effectiveAt: string }[];
  }[];
};

/** getProductDetail's query, compiled once (src/store/db.ts compiledQuery). */
const detailQuery = compiledQuery(['shopId', 'slug', 'currency', 'now'], (_q, p: { shopId: string; slug: string; currency: string; now: Date }) =>
  sql<DetailRow>`${prepared}
    SELECT p.id::text AS id, p.slug, p.name, p.description, p.composition,
           c.slug AS category_slug, c.name AS category_name,
           p.hygiene_sealed, p.personalised, p.extra_lead_working_days, p.second_hand, p.outlet, p.perishable,
           p.eco_fee_minor::text AS eco_fee_minor,
           coalesce((SELECT json_agg(json_build_object('path', pi.path, 'alt', pi.alt) ORDER BY pi.position)
                     FROM product_images pi WHERE pi.product_id = p.id), '[]') AS images,
           coalesce((SELECT json_agg(json_build_object(
                       'id', v.id::text,
                       'sku', v.sku,
                       'options', v.options,
                       'expectedArrival', v.expected_arrival,
                       'backorderAllowed', v.backorder_allowed,
                       'warehouseQuantity', (SELECT coalesce(sum(s.quantity), 0) FROM stock s JOIN locations l ON l.id = s.location_id
                                             WHERE s.variant_id = v.id AND l.kind = 'warehouse'),
                       'prices', (SELECT coalesce(json_agg(json_build_object('amountMinor', ph.amount_minor::text, 'effectiveAt', ph.effective_at)
                                                           ORDER BY ph.effective_at, ph.id), '[]')
                                  FROM price_history ph
                                  WHERE ph.variant_id = v.id AND ph.currency = ${p.currency} AND ph.effective_at <= ${p.now})
                     ) ORDER BY v.position, v.id)
                     FROM variants v WHERE v.product_id = p.id), '[]') AS variants
    FROM products p
    LEFT JOIN categories c ON c.id = p.category_id
    WHERE p.shop_id = ${p.shopId} AND p.slug = ${p.slug}
  `,
);

/**
 * CAT-1: a product by its slug with its category, images and variants — each
 * with its options, SKU, availability (CAT-2, from warehouse stock) and price
 * history in `currency` up to `now` (PR-4: the last one is the price in force).
 * ONE query. Throws `product.not_found`.
 */
export async function getProductDetail(q: Queryable, input: { shopId: string; slug: string; currency: Currency; now: Date }): Promise<ProductDetail> {
  const { shopId, slug, currency, now } = input;
  const rows = await detailQuery(q, { shopId, slug, currency, now });
  const row = rows[0];
  if (!row) throw new DomainError('product.not_found', { field: 'slug', slug }, `No product '${slug}'.`);
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    composition: row.composition,
    category: row.category_slug !== null && row.category_name !== null ? { slug: row.category_slug, name: row.category_name } : null,
    images: row.images,
    flags: {
      hygieneSealed: row.hygiene_sealed,
      personalised: row.personalised,
      extraLeadWorkingDays: row.extra_lead_working_days,
      secondHand: row.second_hand,
      outlet: row.outlet,
      perishable: row.perishable,
    },
    ecoFeeMinor: toMinor(row.eco_fee_minor, 'eco_fee'),
    variants: row.variants.map((v): VariantDetail => {
      const priceHistory = v.prices.map((p) => ({ amountMinor: toMinor(p.amountMinor, 'price'), effectiveAt: new Date(p.effectiveAt) }));
      const current = priceHistory.at(-1);
      return {
        id: v.id,
        sku: v.sku,
        options: v.options,
        price: current ? money(current.amountMinor, currency) : null,
        priceHistory,
        availability: variantAvailability({ warehouseQuantity: Number(v.warehouseQuantity), expectedArrival: v.expectedArrival, backorderAllowed: v.backorderAllowed }),
      };
    }),
  };
}

export type PriceDisplayView = { current: Money; reduced: null | { reference: Money; percentOff: number; since: Date } };

/** PR-6, through the pricing domain (src/domain/pricing/reductions.ts); null when nothing is priced in force. */
export function priceDisplayOf(history: readonly PricePoint[], currency: Currency, now: Date): PriceDisplayView | null {
  if (history.length === 0) return null;
  const d = priceDisplay(history, now);
  return {
    current: money(d.current, currency),
    reduced: d.reduced ? { reference: money(d.reduced.reference, currency), percentOff: d.reduced.percentOff, since: d.reduced.since } : null,
  };
}
