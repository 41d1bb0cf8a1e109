// The guest cart (issue 3 §5–§7): CA-1 add / change / remove with totals
// recomputed from CURRENT prices on every read and change, CA-2 retention
// (a `cart.expire` timer per cart, moved on every change), CA-4 the cart never
// holds stock, CAT-2 unavailable variants refused, CAT-3 the most units of one
// reference, PR-7/PR-8 codes and automatic promotions, OR-2 destinations,
// SH-1…SH-3 delivery options with prices and estimated dates.
//
// A guest cart is found again from a secure random token kept in an HttpOnly
// cookie; only its SHA-256 is stored. Each change runs in one transaction that
// locks the cart row (src/store/carts.ts) and prices the cart before
// committing, so a refused code is never kept.
//
// Pricing is the domain's (src/domain/pricing/cart-pricing.ts): this module
// reads the facts (lines, current prices, promotions with their usage) in a
// bounded number of queries — three for a cart, whatever its number of lines
// and promotions (style.md §7, asserted in test/app/cart.test.ts).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { cartExpiresAt } from '../domain/cart/retention.js';
import { canAddToCart, variantAvailability, type VariantAvailability } from '../domain/catalogue/availability.js';
import { DomainError } from '../domain/errors.js';
import { isCurrency, money, type Currency } from '../domain/money.js';
import { priceCart, type PricedCart } from '../domain/pricing/cart-pricing.js';
import type { PromotionDefinition } from '../domain/promotions/promotions.js';
import { vatTreatment } from '../domain/pricing/vat.js';
import { destinationCountries, isCountryCode, methodServes, type CustomerKind, type Policy } from '../policy/schema.js';
import { cartExpiryTimerKey, lockCart } from '../store/carts.js';
import { prepared, type Queryable, type Tx, inTransaction } from '../store/db.js';
import { rescheduleTimer, scheduleTimer } from '../store/timers.js';

/** What the cart needs of the shop. */
export type CartShop = { id: string; policy: Policy };

/** The name of the guest cart cookie (HttpOnly, SameSite=Lax, Secure by default). */
export const CART_COOKIE = 'comptoir_cart';

/** Units of one line at most, whatever the shop (a typo must not overflow a total). */
export const MAX_LINE_QUANTITY = 999;

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

/** A new guest cart token: 256 random bits, base64url. */
export function newCartToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps of a token. */
export function hashCartToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export type CartState = {
  id: string;
  currency: Currency;
  destinationCountry: string | null;
  shippingMethodId: string | null;
  codes: string[];
  customerKind: CustomerKind;
  customerId: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** CA-2: the cart is forgotten at this instant unless it changes before. */
  expiresAt: Date;
};

/** What the storefront shows of a line besides its price. */
export type CartLineFacts = {
  variantId: string;
  productId: string;
  productSlug: string;
  sku: string;
  name: { fr: string; en: string };
  options: Record<string, string>;
  quantity: number;
  availability: VariantAvailability;
};

export type CartView = {
  /** null when the visitor has no cart yet (nothing is created by reading). */
  cart: CartState | null;
  currency: Currency;
  destinationCountry: string | null;
  shippingMethodId: string | null;
  codes: string[];
  lines: CartLineFacts[];
  /** CA-1: the totals, computed now from the prices in force now. */
  priced: PricedCart;
};

/** The result of a change: the view after it, and the token to (re)set in the cookie. */
export type CartChange = { token: string; view: CartView };

type CartRow = {
  id: string;
  currency: string;
  destination_country: string | null;
  shipping_method_id: string | null;
  codes: string[];
  customer_kind: CustomerKind;
  customer_id: string | null;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
};

function toState(row: CartRow): CartState {
  if (!isCurrency(row.currency)) throw new Error(`cart ${row.id} has an unknown currency ${row.currency}`);
  return {
    id: row.id,
    currency: row.currency,
    destinationCountry: row.destination_country,
    shippingMethodId: row.shipping_method_id,
    codes: row.codes,
    customerKind: row.customer_kind,
    customerId: row.customer_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}

const cartColumns = [
  'id',
  'currency',
  'destination_country',
  'shipping_method_id',
  'codes',
  'customer_kind',
  'customer_id',
  'created_at',
  'updated_at',
  'expires_at',
] as const;

/** PR-1: the currency of the destination's price list; the default list's until a destination is chosen (as priceCart reads it). */
function currencyOf(policy: Policy, country: string | null): Currency {
  return vatTreatment(policy, country).priceListCurrency;
}
const defaultCurrency = (policy: Policy): Currency => currencyOf(policy, null);

/** CA-2: the guest cart of this token, unless it expired (an expired cart is never found again). */
export async function findCart(q: Queryable, input: { shopId: string; token: string | null | undefined; now: Date }): Promise<CartState | null> {
  if (!input.token || !tokenPattern.test(input.token)) return null;
  const row = await q
    .selectFrom('carts')
    .select(cartColumns)
    .where('shop_id', '=', input.shopId)
    .where('token_hash', '=', hashCartToken(input.token))
    .where('expires_at', '>', input.now)
    .executeTakeFirst();
  return row ? toState(row) : null;
}

/**
 * Finds the guest cart of `token` and locks it, or starts a new one with a new
 * token (CA-2: an expired cart is deleted here if its timer has not fired yet).
 */
async function openCart(tx: Tx, shop: CartShop, token: string | null | undefined, now: Date): Promise<{ cart: CartState; token: string; created: boolean }> {
  const found = await findCart(tx, { shopId: shop.id, token, now });
  if (found && (await lockCart(tx, found.id))) {
    const locked = await tx.selectFrom('carts').select(cartColumns).where('id', '=', found.id).where('expires_at', '>', now).executeTakeFirst();
    if (locked) return { cart: toState(locked), token: token!, created: false };
  }
  if (token && tokenPattern.test(token)) {
    await tx.deleteFrom('carts').where('shop_id', '=', shop.id).where('token_hash', '=', hashCartToken(token)).where('expires_at', '<=', now).execute();
  }
  const fresh = newCartToken();
  const row = await tx
    .insertInto('carts')
    .values({
      id: randomUUID(),
      shop_id: shop.id,
      token_hash: hashCartToken(fresh),
      currency: defaultCurrency(shop.policy),
      codes: [],
      created_at: now,
      updated_at: now,
      expires_at: expiryOf(shop.policy, now),
    })
    .returning(cartColumns)
    .executeTakeFirstOrThrow();
  return { cart: toState(row), token: fresh, created: true };
}

function expiryOf(policy: Policy, now: Date): Date {
  return cartExpiresAt(policy.cart.retention, now, policy.shop.timeZone, { country: policy.shop.dispatchCountry });
}

/**
 * CA-2: a change keeps the cart for the retention period from now; its expiry
 * timer moves with it. A cart created by this change already has both dates
 * and no timer yet: it only gets its timer (two statements fewer).
 */
async function touch(tx: Tx, shop: CartShop, cartId: string, now: Date, expiresAt: Date, created: boolean): Promise<void> {
  const key = cartExpiryTimerKey(cartId);
  if (created) {
    await scheduleTimer(tx, { shopId: shop.id, kind: 'cart.expire', key, dueAt: expiresAt, payload: { cartId } }, now);
    return;
  }
  await tx.updateTable('carts').set({ updated_at: now, expires_at: expiresAt }).where('id', '=', cartId).execute();
  if (!(await rescheduleTimer(tx, key, expiresAt, now))) {
    await scheduleTimer(tx, { shopId: shop.id, kind: 'cart.expire', key, dueAt: expiresAt, payload: { cartId } }, now);
  }
}

// ---------------------------------------------------------------------------
// Reading: lines with current prices, promotions with their usage, pricing.

type LineRow = {
  variant_id: string;
  quantity: number;
  sku: string;
  options: Record<string, string>;
  product_id: string;
  slug: string;
  name: { fr: string; en: string };
  category_id: string | null;
  eco_fee_minor: string;
  extra_lead_working_days: number;
  expected_arrival: string | null;
  backorder_allowed: boolean;
  warehouse_quantity: string | null;
  price_minor: string | null;
};

/** The facts of every line of a cart, with the price in force at `now` in `currency` — one query (PR-4/PR-6 price history). */
async function loadLines(q: Queryable, cartId: string, currency: Currency, now: Date): Promise<LineRow[]> {
  const { rows } = await sql<LineRow>`${prepared}
    SELECT cl.variant_id, cl.quantity, v.sku, v.options, v.product_id, p.slug, p.name, p.category_id,
           p.eco_fee_minor, p.extra_lead_working_days, v.expected_arrival, v.backorder_allowed,
           ws.quantity AS warehouse_quantity, cur.amount_minor AS price_minor
      FROM cart_lines cl
      JOIN variants v ON v.id = cl.variant_id
      JOIN products p ON p.id = v.product_id
      LEFT JOIN LATERAL (
        SELECT ph.amount_minor FROM price_history ph
         WHERE ph.variant_id = v.id AND ph.currency = ${currency} AND ph.effective_at <= ${now}
         ORDER BY ph.effective_at DESC, ph.id DESC LIMIT 1
      ) cur ON true
      LEFT JOIN LATERAL (
        SELECT sum(s.quantity) AS quantity FROM stock s JOIN locations l ON l.id = s.location_id
         WHERE s.variant_id = v.id AND l.kind = 'warehouse'
      ) ws ON true
     WHERE cl.cart_id = ${cartId}
     ORDER BY cl.added_at, cl.variant_id`.execute(q);
  return rows;
}

type PromotionRow = {
  id: string;
  code: string | null;
  kind: 'percentage' | 'fixed_amount' | 'gift';
  percent_basis_points: number | null;
  currency: string | null;
  amount_minor: string | null;
  gift_variant_id: string | null;
  gift_sku: string | null;
  gift_product_id: string | null;
  gift_name: { fr: string; en: string } | null;
  gift_price_minor: string | null;
  starts_at: Date | null;
  ends_at: Date | null;
  minimum_basket_minor: string | null;
  excluded_product_ids: string[];
  excluded_category_ids: string[];
  usage_limit_total: number | null;
  usage_limit_per_customer: number | null;
  combinable: boolean;
  used_total: string;
  used_by_customer: string;
};

/**
 * PR-7/PR-8: the shop's running automatic promotions and the promotions of the
 * given codes (case-insensitive), not archived, with
 * their usage counts — one query. Dates and limits are the domain's to judge.
 */
async function loadPromotions(q: Queryable, input: { shopId: string; codes: readonly string[]; currency: Currency; customerKey: string; now: Date }): Promise<PromotionDefinition[]> {
  const lowered = input.codes.map((c) => c.toLowerCase());
  const { rows } = await sql<PromotionRow>`${prepared}
    SELECT pr.id, pr.code, pr.kind, pr.percent_basis_points, pr.currency, pr.amount_minor, pr.gift_variant_id,
           gv.sku AS gift_sku, gv.product_id AS gift_product_id, gp.name AS gift_name, gcur.amount_minor AS gift_price_minor,
           pr.starts_at, pr.ends_at, pr.minimum_basket_minor, pr.excluded_product_ids, pr.excluded_category_ids,
           pr.usage_limit_total, pr.usage_limit_per_customer, pr.combinable,
           coalesce(u.total, 0) AS used_total, coalesce(u.by_customer, 0) AS used_by_customer
      FROM promotions pr
      LEFT JOIN variants gv ON gv.id = pr.gift_variant_id
      LEFT JOIN products gp ON gp.id = gv.product_id
      LEFT JOIN LATERAL (
        SELECT ph.amount_minor FROM price_history ph
         WHERE ph.variant_id = gv.id AND ph.currency = ${input.currency} AND ph.effective_at <= ${input.now}
         ORDER BY ph.effective_at DESC, ph.id DESC LIMIT 1
      ) gcur ON true
      LEFT JOIN LATERAL (
        SELECT count(*) AS total, count(*) FILTER (WHERE pu.customer_key = ${input.customerKey}) AS by_customer
          FROM promotion_usages pu WHERE pu.promotion_id = pr.id
      ) u ON true
     WHERE pr.shop_id = ${input.shopId}
       AND pr.archived_at IS NULL
       AND (pr.code IS NULL OR lower(pr.code) = ANY(${lowered}::text[]))
     ORDER BY pr.id`.execute(q);
  const definitions: PromotionDefinition[] = [];
  for (const r of rows) {
    if (r.kind === 'gift' && (r.gift_price_minor === null || r.gift_variant_id === null)) continue; // a gift not sold in this currency
    // A fixed amount or minimum basket keeps its own currency: the domain refuses it in another (promotion.other_currency).
    const currency = r.currency !== null && isCurrency(r.currency) ? r.currency : input.currency;
    definitions.push({
      id: r.id,
      code: r.code,
      kind: r.kind,
      ...(r.percent_basis_points !== null ? { percentBasisPoints: r.percent_basis_points } : {}),
      ...(r.amount_minor !== null ? { amount: money(Number(r.amount_minor), currency) } : {}),
      ...(r.kind === 'gift'
        ? {
            gift: {
              variantId: r.gift_variant_id!,
              productId: r.gift_product_id!,
              initialUnitPrice: money(Number(r.gift_price_minor), input.currency),
              sku: r.gift_sku!,
              name: r.gift_name!,
            },
          }
        : {}),
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      ...(r.minimum_basket_minor !== null ? { minimumBasket: money(Number(r.minimum_basket_minor), currency) } : {}),
      excludedProductIds: r.excluded_product_ids.map(String),
      excludedCategoryIds: r.excluded_category_ids.map(String),
      usageLimitTotal: r.usage_limit_total,
      usageLimitPerCustomer: r.usage_limit_per_customer,
      usedTotal: Number(r.used_total),
      usedByCustomer: Number(r.used_by_customer),
      combinable: r.combinable,
    });
  }
  return definitions;
}

/** PR-7 usage per customer: the account once issue 4 brings it; a guest is its cart. */
const customerKeyOf = (cart: CartState | null): string => (cart?.customerId ? `customer:${cart.customerId}` : cart ? `cart:${cart.id}` : 'guest');

type PricingFacts = {
  shop: CartShop;
  cart: CartState | null;
  currency: Currency;
  destinationCountry: string | null;
  shippingMethodId: string | null;
  codes: string[];
  now: Date;
};

async function priceFacts(q: Queryable, facts: PricingFacts): Promise<{ lines: CartLineFacts[]; priced: PricedCart }> {
  const { shop, cart, currency, now } = facts;
  const rows = cart ? await loadLines(q, cart.id, currency, now) : [];
  const promotions = await loadPromotions(q, { shopId: shop.id, codes: facts.codes, currency, customerKey: customerKeyOf(cart), now });
  const ecoFees = shop.policy.pricing.extraFees.weeeEcoFee;
  const lines: CartLineFacts[] = [];
  const pricingLines = rows.map((r) => {
    if (r.price_minor === null) {
      throw new DomainError('variant.not_priced', { field: 'variantId', rule: 'PR-1', variantId: r.variant_id, currency }, `${r.sku} has no price in ${currency}.`);
    }
    lines.push({
      variantId: r.variant_id,
      productId: r.product_id,
      productSlug: r.slug,
      sku: r.sku,
      name: r.name,
      options: r.options,
      quantity: r.quantity,
      availability: variantAvailability({ warehouseQuantity: Number(r.warehouse_quantity ?? 0), expectedArrival: r.expected_arrival, backorderAllowed: r.backorder_allowed }),
    });
    return {
      lineId: r.variant_id,
      variantId: r.variant_id,
      productId: r.product_id,
      categoryId: r.category_id,
      sku: r.sku,
      name: r.name,
      quantity: r.quantity,
      unitPrice: money(Number(r.price_minor), currency),
      // PR-3: the WEEE eco-fee per unit, only where the shop charges it.
      ecoFeePerUnit: money(ecoFees ? Number(r.eco_fee_minor) : 0, currency),
    };
  });
  const priced = priceCart({
    policy: shop.policy,
    destinationCountry: facts.destinationCountry,
    customerKind: cart?.customerKind ?? 'consumer',
    lines: pricingLines,
    promotions,
    codes: facts.codes,
    shippingMethodId: facts.shippingMethodId,
    now,
    // CAT-5: the longest extra lead time of the cart's items delays dispatch.
    extraLeadWorkingDays: rows.reduce((m, r) => Math.max(m, r.extra_lead_working_days), 0),
  });
  return { lines, priced };
}

async function viewOf(q: Queryable, shop: CartShop, cart: CartState | null, now: Date): Promise<CartView> {
  const currency = cart?.currency ?? defaultCurrency(shop.policy);
  const facts = {
    shop,
    cart,
    currency,
    destinationCountry: cart?.destinationCountry ?? null,
    shippingMethodId: cart?.shippingMethodId ?? null,
    codes: cart?.codes ?? [],
    now,
  };
  const { lines, priced } = await priceFacts(q, facts);
  return { cart, currency, destinationCountry: facts.destinationCountry, shippingMethodId: facts.shippingMethodId, codes: facts.codes, lines, priced };
}

/**
 * OR-3 / PR-9: a cart priced for its checkout — delivery to `destinationCountry`
 * (in that destination's currency, PR-1) by `shippingMethodId` — with the same
 * facts and the same calculator as the cart page (src/app/orders.ts freezes the result).
 */
export async function priceCartForCheckout(
  q: Queryable,
  input: { shop: CartShop; cart: CartState; destinationCountry: string; shippingMethodId: string; now: Date },
): Promise<{ lines: CartLineFacts[]; priced: PricedCart }> {
  const { shop, cart, now } = input;
  return priceFacts(q, {
    shop,
    cart,
    currency: currencyOf(shop.policy, input.destinationCountry),
    destinationCountry: input.destinationCountry,
    shippingMethodId: input.shippingMethodId,
    codes: cart.codes,
    now,
  });
}

/**
 * CA-1: the visitor's cart priced now — current prices (PR-4 concerns orders:
 * the cart follows price changes), promotions, shipping, VAT. Reading creates
 * nothing: without a (live) cart, the empty cart is priced.
 */
export async function viewCart(q: Queryable, input: { shop: CartShop; token: string | null | undefined; now: Date }): Promise<CartView> {
  const cart = await findCart(q, { shopId: input.shop.id, token: input.token, now: input.now });
  return viewOf(q, input.shop, cart, input.now);
}

// ---------------------------------------------------------------------------
// Changes: one transaction each, the cart row locked first.

type ChangeInput = { shop: CartShop; token: string | null | undefined; now: Date };

async function change(q: Queryable, input: ChangeInput, apply: (tx: Tx, cart: CartState) => Promise<CartState | void>): Promise<CartChange> {
  return inTransaction(q, async (tx) => {
    const opened = await openCart(tx, input.shop, input.token, input.now);
    const changed = (await apply(tx, opened.cart)) ?? opened.cart;
    const expiresAt = expiryOf(input.shop.policy, input.now);
    await touch(tx, input.shop, changed.id, input.now, expiresAt, opened.created);
    const cart = { ...changed, updatedAt: input.now, expiresAt };
    return { token: opened.token, view: await viewOf(tx, input.shop, cart, input.now) };
  });
}

function checkQuantity(quantity: unknown, policy: Policy, field = 'quantity'): number {
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
    throw new DomainError('cart.invalid_quantity', { field, rule: 'CA-1', min: 1, max: MAX_LINE_QUANTITY }, `The quantity must be a whole number from 1 to ${MAX_LINE_QUANTITY}.`);
  }
  // CAT-3: the most units of one reference per order.
  const limit = policy.cart.maxQuantityPerReference;
  if (limit !== null && quantity > limit) {
    throw new DomainError('cart.max_quantity_per_reference', { field, rule: 'CAT-3', limit }, `At most ${limit} units of one reference per order.`);
  }
  return quantity;
}

const variantIdPattern = /^[1-9]\d{0,17}$/;

/**
 * CA-1: adds `quantity` units of a variant (to the line already there, if any).
 * @throws variant.not_found (field variantId), cart.variant_unavailable (CAT-2),
 *   cart.invalid_quantity, cart.max_quantity_per_reference (CAT-3, with `limit`).
 */
export async function addCartLine(q: Queryable, input: ChangeInput & { variantId: string; quantity: number }): Promise<CartChange> {
  checkQuantity(input.quantity, input.shop.policy);
  return change(q, input, async (tx, cart) => {
    const variant = variantIdPattern.test(input.variantId)
      ? await tx
          .selectFrom('variants as v')
          .leftJoin(
            (eb) =>
              eb
                .selectFrom('stock as s')
                .innerJoin('locations as l', 'l.id', 's.location_id')
                .where('l.kind', '=', 'warehouse')
                .where('s.variant_id', '=', input.variantId)
                .select(sql<string>`sum(s.quantity)`.as('quantity'))
                .as('ws'),
            (join) => join.onTrue(),
          )
          .select(['v.id', 'v.sku', 'v.expected_arrival', 'v.backorder_allowed', 'ws.quantity'])
          .where('v.id', '=', input.variantId)
          .where('v.shop_id', '=', input.shop.id)
          .executeTakeFirst()
      : undefined;
    if (!variant) throw new DomainError('variant.not_found', { field: 'variantId', rule: 'CAT-1' }, `No product variant ${input.variantId}.`);
    // CAT-2: in stock, or awaiting stock with back-orders allowed (the shop's switch and the variant's).
    const availability = variantAvailability({
      warehouseQuantity: Number(variant.quantity ?? 0),
      expectedArrival: variant.expected_arrival,
      backorderAllowed: variant.backorder_allowed && input.shop.policy.catalogue.backOrders,
    });
    if (!canAddToCart(availability)) {
      throw new DomainError('cart.variant_unavailable', { field: 'variantId', rule: 'CAT-2', availability: availability.state }, `${variant.sku} cannot be ordered at the moment.`);
    }
    const existing = await tx.selectFrom('cart_lines').select('quantity').where('cart_id', '=', cart.id).where('variant_id', '=', variant.id).executeTakeFirst();
    const quantity = checkQuantity((existing?.quantity ?? 0) + input.quantity, input.shop.policy);
    await tx
      .insertInto('cart_lines')
      .values({ cart_id: cart.id, variant_id: variant.id, quantity, added_at: input.now })
      .onConflict((oc) => oc.columns(['cart_id', 'variant_id']).doUpdateSet({ quantity }))
      .execute();
  });
}

async function requireLine(tx: Tx, cart: CartState, variantId: string): Promise<void> {
  const line = variantIdPattern.test(variantId)
    ? await tx.selectFrom('cart_lines').select('variant_id').where('cart_id', '=', cart.id).where('variant_id', '=', variantId).executeTakeFirst()
    : undefined;
  if (!line) throw new DomainError('cart.line_not_found', { field: 'variantId', rule: 'CA-1' }, `The cart has no line for variant ${variantId}.`);
}

/** CA-1: sets a line's quantity (CAT-3 applies). */
export async function changeCartLineQuantity(q: Queryable, input: ChangeInput & { variantId: string; quantity: number }): Promise<CartChange> {
  const quantity = checkQuantity(input.quantity, input.shop.policy);
  return change(q, input, async (tx, cart) => {
    await requireLine(tx, cart, input.variantId);
    await tx.updateTable('cart_lines').set({ quantity }).where('cart_id', '=', cart.id).where('variant_id', '=', input.variantId).execute();
  });
}

/** CA-1: removes a line. */
export async function removeCartLine(q: Queryable, input: ChangeInput & { variantId: string }): Promise<CartChange> {
  return change(q, input, async (tx, cart) => {
    await requireLine(tx, cart, input.variantId);
    await tx.deleteFrom('cart_lines').where('cart_id', '=', cart.id).where('variant_id', '=', input.variantId).execute();
  });
}

const codePattern = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * PR-7: applies a promotion code. The cart is priced with it before the
 * transaction commits; a code the pricing rejects (unknown, expired, not
 * combinable with a running promotion, minimum basket…) is refused as
 * `promotion.<reason>` naming field `code`, and is not kept.
 */
export async function applyPromotionCode(q: Queryable, input: ChangeInput & { code: string }): Promise<CartChange> {
  const typed = input.code.trim();
  if (!codePattern.test(typed)) throw new DomainError('promotion.unknown_code', { field: 'code', rule: 'PR-7' }, 'This code does not exist.');
  return change(q, input, async (tx, cart) => {
    // The code as the shop wrote it (codes are case-insensitive).
    const known = await tx
      .selectFrom('promotions')
      .select('code')
      .where('shop_id', '=', input.shop.id)
      .where(sql<boolean>`lower(code) = ${typed.toLowerCase()}`)
      .where('archived_at', 'is', null)
      .executeTakeFirst();
    if (!known?.code) throw new DomainError('promotion.unknown_code', { field: 'code', rule: 'PR-7' }, `The code ${typed} does not exist.`);
    const code = known.code;
    if (cart.codes.some((c) => c.toLowerCase() === code.toLowerCase())) return cart;
    const codes = [...cart.codes, code];
    const { priced } = await priceFacts(tx, { shop: input.shop, cart, currency: cart.currency, destinationCountry: cart.destinationCountry, shippingMethodId: cart.shippingMethodId, codes, now: input.now });
    const rejected = priced.rejectedCodes.find((r) => r.code.toLowerCase() === code.toLowerCase());
    if (rejected) {
      // The domain's reason is already a stable code: promotion.expired, promotion.not_combinable…
      throw new DomainError(
        rejected.reason,
        { field: 'code', rule: 'PR-7', code, ...(rejected.minimum ? { minimum: rejected.minimum } : {}), ...(rejected.conflictsWith ? { conflictsWith: rejected.conflictsWith } : {}) },
        `The code ${code} cannot be used: ${rejected.reason.slice('promotion.'.length).replace(/_/g, ' ')}.`,
      );
    }
    await tx.updateTable('carts').set({ codes }).where('id', '=', cart.id).execute();
    return { ...cart, codes };
  });
}

/** PR-7: takes a code off the cart (case-insensitive). */
export async function removePromotionCode(q: Queryable, input: ChangeInput & { code: string }): Promise<CartChange> {
  return change(q, input, async (tx, cart) => {
    const codes = cart.codes.filter((c) => c.toLowerCase() !== input.code.trim().toLowerCase());
    if (codes.length === cart.codes.length) throw new DomainError('cart.code_not_found', { field: 'code', rule: 'PR-7' }, `The code ${input.code} is not on the cart.`);
    await tx.updateTable('carts').set({ codes }).where('id', '=', cart.id).execute();
    return { ...cart, codes };
  });
}

/** OR-2: refuses a destination the shop does not serve. */
export function checkDestination(policy: Policy, country: string): string {
  const c = country.trim().toUpperCase();
  const served = destinationCountries(policy);
  const ok = isCountryCode(c) && (served === 'worldwide' ? !policy.destinations.exceptCountries.includes(c) : served.includes(c));
  if (!ok) throw new DomainError('destination.not_served', { field: 'country', rule: 'OR-2', country: c }, `${policy.identity.tradingName} does not deliver to ${c}.`);
  return c;
}

/** SH-1: refuses a delivery method that does not exist or does not serve the country. */
function checkMethod(policy: Policy, methodId: string, country: string): string {
  const method = policy.shipping.methods.find((m) => m.id === methodId);
  if (!method || !methodServes(method, country)) {
    throw new DomainError('shipping.method_unavailable', { field: 'shippingMethodId', rule: 'SH-1', country, shippingMethodId: methodId }, `Delivery method ${methodId} is not available for ${country}.`);
  }
  return method.id;
}

/**
 * OR-2 / PR-1 / SH-1: the delivery country (which sets the currency of the
 * cart: PF prices GB in GBP) and optionally the delivery method. Without a
 * method, the one already chosen is kept when it serves the new country.
 */
export async function chooseDestination(q: Queryable, input: ChangeInput & { country: string; shippingMethodId?: string | null | undefined }): Promise<CartChange> {
  const { policy } = input.shop;
  const country = checkDestination(policy, input.country);
  const methodId = input.shippingMethodId ? checkMethod(policy, input.shippingMethodId, country) : null;
  return change(q, input, async (tx, cart) => {
    const kept = cart.shippingMethodId && policy.shipping.methods.some((m) => m.id === cart.shippingMethodId && methodServes(m, country)) ? cart.shippingMethodId : null;
    const shippingMethodId = methodId ?? kept;
    const currency = currencyOf(policy, country);
    await tx.updateTable('carts').set({ destination_country: country, shipping_method_id: shippingMethodId, currency }).where('id', '=', cart.id).execute();
    return { ...cart, destinationCountry: country, shippingMethodId, currency };
  });
}

export type ShippingQuote = {
  country: string;
  currency: Currency;
  /** SH-1/SH-2/SH-3: each method serving the country, its price for this cart and estimated delivery dates. */
  options: PricedCart['shippingOptions'];
  priced: PricedCart;
};

/** SH-2/SH-3: what delivery to `country` would cost for the current cart, and when it would arrive — nothing is saved. */
export async function quoteShipping(q: Queryable, input: { shop: CartShop; token: string | null | undefined; country?: string | null | undefined; now: Date }): Promise<ShippingQuote> {
  const cart = await findCart(q, { shopId: input.shop.id, token: input.token, now: input.now });
  const asked = input.country ?? cart?.destinationCountry;
  if (!asked) throw new DomainError('destination.required', { field: 'country', rule: 'OR-2' }, 'Give the delivery country.');
  const country = checkDestination(input.shop.policy, asked);
  const currency = currencyOf(input.shop.policy, country);
  const { priced } = await priceFacts(q, {
    shop: input.shop,
    cart,
    currency,
    destinationCountry: country,
    shippingMethodId: null,
    codes: cart?.codes ?? [],
    now: input.now,
  });
  return { country, currency, options: priced.shippingOptions, priced };
}
