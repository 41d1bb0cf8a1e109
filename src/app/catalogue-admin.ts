// Back-office use cases of the catalogue (CAT-1, CAT-2, CAT-4, CAT-5, PR-3,
// PR-4, PR-6). Each runs in one transaction and writes its audit row with the
// staff actor in that same transaction. CAT-7: nothing here touches an order —
// orders freeze their lines' price, description and terms when accepted.
import { sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { isCurrency, money, type Currency, type Money } from '../domain/money.js';
import type { Localised, ProductFlags } from '../policy/catalogue-file.js';
import { recordAudit, type Actor } from '../store/audit.js';
import { type Queryable, type Tx, inTransaction } from '../store/db.js';
import { refreshProductCards } from '../store/product-cards.js';
import { isId, variantStock, type LocationStock } from './stock.js';

const slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const skuPattern = /^[A-Z0-9]+(?:[-_.][A-Z0-9]+)*$/;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

function isCalendarDate(value: string): boolean {
  if (!datePattern.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

function checkLocalised(value: Localised, field: string): Localised {
  const fr = value.fr.trim();
  const en = value.en.trim();
  if (!fr) throw new DomainError('product.text_required', { field: `${field}.fr`, rule: 'CAT-1' }, `${field} needs a French text.`);
  if (!en) throw new DomainError('product.text_required', { field: `${field}.en`, rule: 'CAT-1' }, `${field} needs an English text.`);
  return { fr, en };
}

// ---------------------------------------------------------------------------
// Products

export type ProductInput = {
  slug: string;
  categorySlug: string | null;
  name: Localised;
  description: Localised;
  composition: Localised | null;
  flags: ProductFlags;
  /** PR-3: WEEE eco-fee per unit, minor units of the shop's base currency. */
  ecoFeeMinor: number;
  position: number;
};

const defaultFlags: ProductFlags = { hygieneSealed: false, personalised: false, extraLeadWorkingDays: 0, secondHand: false, outlet: false, perishable: false };

function checkProduct(input: Partial<ProductInput>): void {
  if (input.slug !== undefined && !slugPattern.test(input.slug)) {
    throw new DomainError('product.invalid_slug', { field: 'slug', rule: 'CAT-1' }, 'A slug is lower-case letters, digits and single hyphens.');
  }
  if (input.ecoFeeMinor !== undefined) {
    if (!Number.isSafeInteger(input.ecoFeeMinor)) throw new DomainError('product.invalid_eco_fee', { field: 'ecoFee', rule: 'PR-3' }, 'The eco-fee is a whole number of minor units.');
    if (input.ecoFeeMinor < 0) throw new DomainError('product.eco_fee_negative', { field: 'ecoFee', rule: 'PR-3' }, 'The eco-fee cannot be negative.');
  }
  const lead = input.flags?.extraLeadWorkingDays;
  if (lead !== undefined && (!Number.isSafeInteger(lead) || lead < 0 || lead > 365)) {
    throw new DomainError('product.invalid_lead_time', { field: 'flags.extraLeadWorkingDays', rule: 'CAT-5' }, 'The extra lead time is 0 to 365 working days.');
  }
  if (input.position !== undefined && (!Number.isSafeInteger(input.position) || Math.abs(input.position) > 2_147_483_647)) {
    throw new DomainError('product.invalid_position', { field: 'position' });
  }
}

async function categoryId(tx: Tx, shopId: string, slug: string | null): Promise<string | null> {
  if (slug === null) return null;
  const row = await tx.selectFrom('categories').select('id').where('shop_id', '=', shopId).where('slug', '=', slug).executeTakeFirst();
  if (!row) throw new DomainError('product.unknown_category', { field: 'category', rule: 'CAT-1' }, `No category '${slug}'.`);
  return row.id;
}

async function productRow(tx: Tx, shopId: string, productId: string, lock: boolean) {
  if (!isId(productId)) throw new DomainError('product.not_found', { field: 'productId' }, `No product ${productId}.`);
  let query = tx.selectFrom('products').select(['id', 'slug']).where('id', '=', productId).where('shop_id', '=', shopId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new DomainError('product.not_found', { field: 'productId' }, `No product ${productId}.`);
  return row;
}

export async function createProduct(
  q: Queryable,
  input: { shopId: string; product: Omit<ProductInput, 'position' | 'flags'> & { position?: number; flags?: Partial<ProductFlags> }; actor: Actor; now: Date },
): Promise<{ id: string; slug: string }> {
  const { shopId, actor, now } = input;
  const flags = { ...defaultFlags, ...input.product.flags };
  const product = { ...input.product, flags };
  checkProduct(product);
  const name = checkLocalised(product.name, 'name');
  const description = checkLocalised(product.description, 'description');
  const composition = product.composition ? checkLocalised(product.composition, 'composition') : null;
  return inTransaction(q, async (tx) => {
    const category = await categoryId(tx, shopId, product.categorySlug);
    const position =
      product.position ??
      Number((await tx.selectFrom('products').select(sql<string>`coalesce(max(position), -1) + 1`.as('next')).where('shop_id', '=', shopId).executeTakeFirstOrThrow()).next);
    const row = await tx
      .insertInto('products')
      .values({
        shop_id: shopId,
        slug: product.slug,
        category_id: category,
        name: JSON.stringify(name),
        description: JSON.stringify(description),
        composition: composition ? JSON.stringify(composition) : null,
        hygiene_sealed: flags.hygieneSealed,
        personalised: flags.personalised,
        extra_lead_working_days: flags.extraLeadWorkingDays,
        second_hand: flags.secondHand,
        outlet: flags.outlet,
        perishable: flags.perishable,
        eco_fee_minor: product.ecoFeeMinor,
        position,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['shop_id', 'slug']).doNothing())
      .returning(['id', 'slug'])
      .executeTakeFirst();
    if (!row) throw new DomainError('product.slug_taken', { field: 'slug', rule: 'CAT-1' }, `Another product has the slug '${product.slug}'.`);
    await refreshProductCards(tx, { productIds: [row.id], now });
    await recordAudit(tx, {
      shopId,
      actor,
      action: 'product.create',
      target: `product:${row.id}`,
      details: { slug: row.slug, category: product.categorySlug, flags, ecoFeeMinor: product.ecoFeeMinor },
      at: now,
    });
    return row;
  });
}

export type ProductPatch = Partial<Omit<ProductInput, 'flags'>> & { flags?: Partial<ProductFlags> };

/** CAT-7: changes the product for new orders only; accepted orders keep what they froze. */
export async function updateProduct(q: Queryable, input: { shopId: string; productId: string; patch: ProductPatch; actor: Actor; now: Date }): Promise<{ id: string; slug: string }> {
  const { shopId, productId, patch, actor, now } = input;
  checkProduct(patch as Partial<ProductInput>);
  const set: Record<string, unknown> = {};
  if (patch.slug !== undefined) set.slug = patch.slug;
  if (patch.name !== undefined) set.name = JSON.stringify(checkLocalised(patch.name, 'name'));
  if (patch.description !== undefined) set.description = JSON.stringify(checkLocalised(patch.description, 'description'));
  if (patch.composition !== undefined) set.composition = patch.composition === null ? null : JSON.stringify(checkLocalised(patch.composition, 'composition'));
  if (patch.ecoFeeMinor !== undefined) set.eco_fee_minor = patch.ecoFeeMinor;
  if (patch.position !== undefined) set.position = patch.position;
  const f = patch.flags ?? {};
  if (f.hygieneSealed !== undefined) set.hygiene_sealed = f.hygieneSealed;
  if (f.personalised !== undefined) set.personalised = f.personalised;
  if (f.extraLeadWorkingDays !== undefined) set.extra_lead_working_days = f.extraLeadWorkingDays;
  if (f.secondHand !== undefined) set.second_hand = f.secondHand;
  if (f.outlet !== undefined) set.outlet = f.outlet;
  if (f.perishable !== undefined) set.perishable = f.perishable;
  return inTransaction(q, async (tx) => {
    const current = await productRow(tx, shopId, productId, true);
    if (patch.categorySlug !== undefined) set.category_id = await categoryId(tx, shopId, patch.categorySlug);
    if (patch.slug !== undefined && patch.slug !== current.slug) {
      const taken = await tx.selectFrom('products').select('id').where('shop_id', '=', shopId).where('slug', '=', patch.slug).executeTakeFirst();
      if (taken) throw new DomainError('product.slug_taken', { field: 'slug', rule: 'CAT-1' }, `Another product has the slug '${patch.slug}'.`);
    }
    if (Object.keys(set).length > 0) {
      await tx.updateTable('products').set(set).where('id', '=', productId).execute();
      await refreshProductCards(tx, { productIds: [productId], now });
    }
    await recordAudit(tx, {
      shopId,
      actor,
      action: 'product.update',
      target: `product:${productId}`,
      details: { slug: patch.slug ?? current.slug, changed: Object.keys(set) },
      at: now,
    });
    return { id: productId, slug: patch.slug ?? current.slug };
  });
}

// ---------------------------------------------------------------------------
// Variants

export type VariantInput = {
  sku: string;
  options: Record<string, string>;
  /** CAT-2: ISO calendar date, or null. */
  expectedArrival: string | null;
  backorderAllowed: boolean;
  position?: number;
};

function checkVariant(v: Partial<VariantInput>): void {
  if (v.sku !== undefined && !skuPattern.test(v.sku)) {
    throw new DomainError('variant.invalid_sku', { field: 'sku', rule: 'CAT-1' }, 'A SKU is upper-case letters, digits and - _ . separators.');
  }
  if (v.options !== undefined) {
    for (const [key, value] of Object.entries(v.options)) {
      if (!key.trim() || !String(value).trim()) throw new DomainError('variant.invalid_options', { field: `options.${key}`, rule: 'CAT-1' }, 'An option has a name and a value.');
    }
  }
  if (v.expectedArrival !== undefined && v.expectedArrival !== null && !isCalendarDate(v.expectedArrival)) {
    throw new DomainError('variant.invalid_arrival', { field: 'expectedArrival', rule: 'CAT-2' }, 'The expected arrival is a date YYYY-MM-DD.');
  }
}

/** CAT-2: a back-order ships on arrival, so it needs an expected arrival date. */
function checkBackorder(backorderAllowed: boolean, expectedArrival: string | null): void {
  if (backorderAllowed && expectedArrival === null) {
    throw new DomainError('variant.backorder_needs_arrival', { field: 'backorderAllowed', rule: 'CAT-2' }, 'A back-orderable variant needs an expected arrival date.');
  }
}

async function skuTaken(tx: Tx, shopId: string, sku: string, except?: string): Promise<boolean> {
  let query = tx.selectFrom('variants').select('id').where('shop_id', '=', shopId).where('sku', '=', sku);
  if (except) query = query.where('id', '!=', except);
  return (await query.executeTakeFirst()) !== undefined;
}

/** CAT-1: a new variant with a SKU unique in the shop; it gets a stock row (0) at every location (CAT-6). */
export async function createVariant(q: Queryable, input: { shopId: string; productId: string; variant: VariantInput; actor: Actor; now: Date }): Promise<{ id: string; sku: string }> {
  const { shopId, productId, variant, actor, now } = input;
  checkVariant(variant);
  checkBackorder(variant.backorderAllowed, variant.expectedArrival);
  return inTransaction(q, async (tx) => {
    await productRow(tx, shopId, productId, true);
    if (await skuTaken(tx, shopId, variant.sku)) throw new DomainError('variant.sku_taken', { field: 'sku', rule: 'CAT-1' }, `The SKU ${variant.sku} is already used.`);
    const position =
      variant.position ??
      Number((await tx.selectFrom('variants').select(sql<string>`coalesce(max(position), -1) + 1`.as('next')).where('product_id', '=', productId).executeTakeFirstOrThrow()).next);
    const row = await tx
      .insertInto('variants')
      .values({
        product_id: productId,
        sku: variant.sku,
        shop_id: shopId,
        options: JSON.stringify(variant.options),
        expected_arrival: variant.expectedArrival,
        backorder_allowed: variant.backorderAllowed,
        position,
      })
      .onConflict((oc) => oc.columns(['shop_id', 'sku']).doNothing())
      .returning(['id', 'sku'])
      .executeTakeFirst();
    if (!row) throw new DomainError('variant.sku_taken', { field: 'sku', rule: 'CAT-1' }, `The SKU ${variant.sku} is already used.`);
    await sql`INSERT INTO stock (variant_id, location_id, quantity) SELECT ${row.id}::bigint, id, 0 FROM locations WHERE shop_id = ${shopId}`.execute(tx);
    await refreshProductCards(tx, { productIds: [productId], now });
    await recordAudit(tx, {
      shopId,
      actor,
      action: 'variant.create',
      target: `variant:${row.id}`,
      details: { productId, sku: row.sku, options: variant.options, expectedArrival: variant.expectedArrival, backorderAllowed: variant.backorderAllowed },
      at: now,
    });
    return row;
  });
}

export async function updateVariant(q: Queryable, input: { shopId: string; variantId: string; patch: Partial<VariantInput>; actor: Actor; now: Date }): Promise<{ id: string; sku: string }> {
  const { shopId, variantId, patch, actor, now } = input;
  checkVariant(patch);
  return inTransaction(q, async (tx) => {
    if (!isId(variantId)) throw new DomainError('variant.not_found', { field: 'variantId' }, `No variant ${variantId}.`);
    const current = await tx
      .selectFrom('variants')
      .select(['id', 'sku', 'expected_arrival', 'backorder_allowed'])
      .where('id', '=', variantId)
      .where('shop_id', '=', shopId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new DomainError('variant.not_found', { field: 'variantId' }, `No variant ${variantId}.`);
    checkBackorder(patch.backorderAllowed ?? current.backorder_allowed, patch.expectedArrival !== undefined ? patch.expectedArrival : current.expected_arrival);
    if (patch.sku !== undefined && (await skuTaken(tx, shopId, patch.sku, variantId))) {
      throw new DomainError('variant.sku_taken', { field: 'sku', rule: 'CAT-1' }, `The SKU ${patch.sku} is already used.`);
    }
    const set: Record<string, unknown> = {};
    if (patch.sku !== undefined) set.sku = patch.sku;
    if (patch.options !== undefined) set.options = JSON.stringify(patch.options);
    if (patch.expectedArrival !== undefined) set.expected_arrival = patch.expectedArrival;
    if (patch.backorderAllowed !== undefined) set.backorder_allowed = patch.backorderAllowed;
    if (patch.position !== undefined) set.position = patch.position;
    if (Object.keys(set).length > 0) {
      await tx.updateTable('variants').set(set).where('id', '=', variantId).execute();
      await refreshProductCards(tx, { variantIds: [variantId], now });
    }
    await recordAudit(tx, { shopId, actor, action: 'variant.update', target: `variant:${variantId}`, details: { sku: patch.sku ?? current.sku, changed: Object.keys(set) }, at: now });
    return { id: variantId, sku: patch.sku ?? current.sku };
  });
}

// ---------------------------------------------------------------------------
// Prices (PR-4 / PR-6: append-only history)

export type PriceEntry = { id: string; currency: Currency; amountMinor: number; effectiveAt: Date; recordedAt: Date; scheduled: boolean };

/**
 * PR-4 / PR-6: records a new price of a variant in one currency, in force from
 * `effectiveAt` (now when absent; a future instant schedules it, e.g. a
 * reduction). The history is append-only: a row is never updated nor deleted
 * (the database refuses it too). A price cannot take effect in the past
 * (`price.effective_in_past`): the history says what customers were shown.
 */
export async function addPrice(
  q: Queryable,
  input: { shopId: string; variantId: string; currency: string; amountMinor: number; effectiveAt?: Date | null; currencies: readonly Currency[]; actor: Actor; now: Date },
): Promise<PriceEntry> {
  const { shopId, variantId, amountMinor, actor, now } = input;
  if (!Number.isSafeInteger(amountMinor)) throw new DomainError('price.invalid_amount', { field: 'amount', rule: 'PR-9' }, 'A price is a whole number of minor units.');
  if (amountMinor < 0) throw new DomainError('price.negative', { field: 'amount', rule: 'PR-9' }, 'A price cannot be negative.');
  if (!isCurrency(input.currency) || !input.currencies.includes(input.currency)) {
    throw new DomainError('price.currency_not_sold', { field: 'currency', rule: 'PR-1' }, `This shop has no price list in ${input.currency}.`);
  }
  const currency: Currency = input.currency;
  const effectiveAt = input.effectiveAt ?? now;
  if (Number.isNaN(effectiveAt.getTime())) throw new DomainError('price.invalid_instant', { field: 'effectiveAt', rule: 'PR-4' });
  if (effectiveAt.getTime() < now.getTime()) {
    throw new DomainError('price.effective_in_past', { field: 'effectiveAt', rule: 'PR-6' }, 'A price takes effect now or later; the history of past prices cannot be rewritten.');
  }
  return inTransaction(q, async (tx) => {
    if (!isId(variantId)) throw new DomainError('variant.not_found', { field: 'variantId' }, `No variant ${variantId}.`);
    // Serialises price changes of one variant (this row is the price history's owner).
    const variant = await tx.selectFrom('variants').select(['id', 'sku']).where('id', '=', variantId).where('shop_id', '=', shopId).forUpdate().executeTakeFirst();
    if (!variant) throw new DomainError('variant.not_found', { field: 'variantId' }, `No variant ${variantId}.`);
    const row = await tx
      .insertInto('price_history')
      .values({ variant_id: variantId, currency, amount_minor: amountMinor, effective_at: effectiveAt, recorded_at: now })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    // PR-4 / PR-6: the card takes the new price now, or schedules its refresh at effectiveAt.
    await refreshProductCards(tx, { variantIds: [variantId], now });
    const scheduled = effectiveAt.getTime() > now.getTime();
    await recordAudit(tx, {
      shopId,
      actor,
      action: scheduled ? 'price.schedule' : 'price.add',
      target: `variant:${variantId}`,
      details: { sku: variant.sku, currency, amountMinor, effectiveAt: effectiveAt.toISOString() },
      at: now,
    });
    return { id: row.id, currency, amountMinor, effectiveAt, recordedAt: now, scheduled };
  });
}

/** PR-6: every price row of a variant (scheduled ones included), newest effective first. */
export async function listPriceHistory(q: Queryable, input: { shopId: string; variantId: string; now: Date }): Promise<PriceEntry[]> {
  if (!isId(input.variantId)) throw new DomainError('variant.not_found', { field: 'variantId' }, `No variant ${input.variantId}.`);
  const rows = await q
    .selectFrom('price_history as ph')
    .innerJoin('variants as v', 'v.id', 'ph.variant_id')
    .select(['ph.id', 'ph.currency', 'ph.amount_minor', 'ph.effective_at', 'ph.recorded_at'])
    .where('v.id', '=', input.variantId)
    .where('v.shop_id', '=', input.shopId)
    .orderBy('ph.effective_at', 'desc')
    .orderBy('ph.id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    currency: r.currency as Currency,
    amountMinor: Number(r.amount_minor),
    effectiveAt: r.effective_at,
    recordedAt: r.recorded_at,
    scheduled: r.effective_at.getTime() > input.now.getTime(),
  }));
}

// ---------------------------------------------------------------------------
// The back office's view of one product

export type AdminVariant = {
  id: string;
  sku: string;
  options: Record<string, string>;
  expectedArrival: string | null;
  backorderAllowed: boolean;
  position: number;
  /** The price in force at `now` per currency. */
  prices: Money[];
  stock: LocationStock[];
};

export type AdminProduct = {
  id: string;
  slug: string;
  categorySlug: string | null;
  name: Localised;
  description: Localised;
  composition: Localised | null;
  flags: ProductFlags;
  ecoFeeMinor: number;
  position: number;
  variants: AdminVariant[];
};

export async function getProductForAdmin(q: Queryable, input: { shopId: string; productId: string; now: Date }): Promise<AdminProduct> {
  const { shopId, productId, now } = input;
  if (!isId(productId)) throw new DomainError('product.not_found', { field: 'productId' }, `No product ${productId}.`);
  const p = await q
    .selectFrom('products as p')
    .leftJoin('categories as c', 'c.id', 'p.category_id')
    .select([
      'p.id', 'p.slug', 'c.slug as category_slug', 'p.name', 'p.description', 'p.composition', 'p.hygiene_sealed', 'p.personalised',
      'p.extra_lead_working_days', 'p.second_hand', 'p.outlet', 'p.perishable', 'p.eco_fee_minor', 'p.position',
    ])
    .where('p.id', '=', productId)
    .where('p.shop_id', '=', shopId)
    .executeTakeFirst();
  if (!p) throw new DomainError('product.not_found', { field: 'productId' }, `No product ${productId}.`);
  const variants = await q
    .selectFrom('variants as v')
    .select([
      'v.id', 'v.sku', 'v.options', 'v.expected_arrival', 'v.backorder_allowed', 'v.position',
      sql<{ currency: Currency; amount: string }[]>`coalesce((
        SELECT json_agg(json_build_object('currency', cur.currency, 'amount', cur.amount_minor::text) ORDER BY cur.currency)
        FROM (SELECT DISTINCT ON (ph.currency) ph.currency, ph.amount_minor FROM price_history ph
              WHERE ph.variant_id = v.id AND ph.effective_at <= ${now}
              ORDER BY ph.currency, ph.effective_at DESC, ph.id DESC) cur), '[]')`.as('prices'),
    ])
    .where('v.product_id', '=', productId)
    .orderBy('v.position')
    .orderBy('v.id')
    .execute();
  const stock = await variantStock(q, { shopId, variantIds: variants.map((v) => v.id) });
  return {
    id: p.id,
    slug: p.slug,
    categorySlug: p.category_slug,
    name: p.name,
    description: p.description,
    composition: p.composition,
    flags: {
      hygieneSealed: p.hygiene_sealed,
      personalised: p.personalised,
      extraLeadWorkingDays: p.extra_lead_working_days,
      secondHand: p.second_hand,
      outlet: p.outlet,
      perishable: p.perishable,
    },
    ecoFeeMinor: Number(p.eco_fee_minor),
    position: p.position,
    variants: variants.map((v) => ({
      id: v.id,
      sku: v.sku,
      options: v.options,
      expectedArrival: v.expected_arrival,
      backorderAllowed: v.backorder_allowed,
      position: v.position,
      prices: v.prices.map((x) => money(Number(x.amount), x.currency)),
      stock: stock.get(v.id) ?? [],
    })),
  };
}

/** The variant's product id (the back office links a variant page back to its product). */
export async function variantOwner(q: Queryable, input: { shopId: string; variantId: string }): Promise<{ productId: string; sku: string; options: Record<string, string> }> {
  if (!isId(input.variantId)) throw new DomainError('variant.not_found', { field: 'variantId' }, `No variant ${input.variantId}.`);
  const row = await q.selectFrom('variants').select(['product_id', 'sku', 'options']).where('id', '=', input.variantId).where('shop_id', '=', input.shopId).executeTakeFirst();
  if (!row) throw new DomainError('variant.not_found', { field: 'variantId' }, `No variant ${input.variantId}.`);
  return { productId: row.product_id, sku: row.sku, options: row.options };
}
