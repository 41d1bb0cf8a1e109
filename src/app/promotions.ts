// Back office: promotions and codes (PR-7, PR-8). Create, list, archive; each
// change is audited in its transaction. Validation errors carry stable codes
// naming the field at fault (style.md §6). Applying promotions to a cart is
// the domain's (src/domain/promotions/promotions.ts, via src/app/cart.ts).
import { sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { isCurrency, type Currency, type Money } from '../domain/money.js';
import type { Policy } from '../policy/schema.js';
import { recordAudit, type Actor } from '../store/audit.js';
import type { Queryable, Tx } from '../store/db.js';

export type PromotionKind = 'percentage' | 'fixed_amount' | 'gift';

export type NewPromotion = {
  /** The code customers type (letters, digits, - and _; unique per shop whatever its case), or null for an automatic running promotion. */
  code: string | null;
  name: string;
  kind: PromotionKind;
  /** percentage: 1500 = 15 %. */
  percentBasisPoints?: number | null | undefined;
  /** fixed_amount: the amount off. */
  amount?: Money | null | undefined;
  /** gift (PR-8): the variant attached to the order. */
  giftVariantId?: string | null | undefined;
  startsAt?: Date | null | undefined;
  endsAt?: Date | null | undefined;
  minimumBasket?: Money | null | undefined;
  excludedProductIds?: string[] | undefined;
  excludedCategoryIds?: string[] | undefined;
  usageLimitTotal?: number | null | undefined;
  usageLimitPerCustomer?: number | null | undefined;
  /** PR-7: may stack with running promotions and other codes (FR: only when the code says so). */
  combinable?: boolean | undefined;
};

export type Promotion = {
  id: string;
  code: string | null;
  name: string;
  kind: PromotionKind;
  percentBasisPoints: number | null;
  amount: Money | null;
  giftVariantId: string | null;
  giftSku: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  minimumBasket: Money | null;
  excludedProductIds: string[];
  excludedCategoryIds: string[];
  usageLimitTotal: number | null;
  usageLimitPerCustomer: number | null;
  combinable: boolean;
  usedTotal: number;
  createdAt: Date;
  archivedAt: Date | null;
};

export const promotionCodePattern = /^[A-Za-z0-9_-]{2,40}$/;

const invalid = (code: string, field: string, message: string, extra: Record<string, unknown> = {}) =>
  new DomainError(code, { field, rule: 'PR-7', ...extra }, message);

function soldCurrency(policy: Policy, m: Money, field: string): Currency {
  if (!isCurrency(m.currency) || !policy.pricing.priceLists.some((l) => l.currency === m.currency)) {
    throw invalid('promotion.currency_not_sold', field, `This shop does not sell in ${m.currency}.`, { currency: m.currency });
  }
  if (!Number.isSafeInteger(m.amount)) throw invalid('promotion.invalid_amount', field, 'An amount is a whole number of minor units.');
  return m.currency;
}

const positiveOrNull = (value: number | null | undefined, field: string): number | null => {
  if (value === null || value === undefined) return null;
  if (!Number.isSafeInteger(value) || value < 1) throw invalid('promotion.invalid_usage_limit', field, 'A usage limit is a whole number of at least 1.');
  return value;
};

const idList = (ids: string[] | undefined, field: string): string[] => {
  const list = [...new Set(ids ?? [])];
  if (list.some((id) => !/^[1-9]\d{0,17}$/.test(id))) throw invalid('promotion.invalid_exclusion', field, 'Exclusions are product or category ids.');
  return list;
};

/** PR-7 / PR-8: creates a promotion (audited). */
export async function createPromotion(tx: Tx, input: { shopId: string; policy: Policy; promotion: NewPromotion; actor: Actor; now: Date }): Promise<Promotion> {
  const { shopId, policy, promotion: p } = input;
  const name = p.name.trim();
  if (name.length < 1 || name.length > 200) throw invalid('promotion.invalid_name', 'name', 'Give the promotion a name (200 characters at most).');
  const code = p.code === null || p.code === undefined || p.code.trim() === '' ? null : p.code.trim();
  if (code !== null && !promotionCodePattern.test(code)) {
    throw invalid('promotion.invalid_code', 'code', 'A code is 2 to 40 letters, digits, - or _.');
  }

  let percent: number | null = null;
  let amount: Money | null = null;
  let giftVariantId: string | null = null;
  if (p.kind === 'percentage') {
    if (typeof p.percentBasisPoints !== 'number' || !Number.isSafeInteger(p.percentBasisPoints) || p.percentBasisPoints < 1 || p.percentBasisPoints > 10_000) {
      throw invalid('promotion.invalid_percent', 'percentBasisPoints', 'A percentage is from 0.01 % to 100 % (1 to 10 000 basis points).');
    }
    percent = p.percentBasisPoints;
  } else if (p.kind === 'fixed_amount') {
    if (!p.amount || p.amount.amount < 1) throw invalid('promotion.invalid_amount', 'amount', 'A fixed amount off is positive.');
    soldCurrency(policy, p.amount, 'amount');
    amount = p.amount;
  } else if (p.kind === 'gift') {
    // PR-8: gifts attached by a promotion are for shops whose terms say so (FA).
    if (!policy.pricing.gifts.attachedByPromotion) {
      throw new DomainError('promotion.gifts_not_offered', { field: 'kind', rule: 'PR-8' }, 'This shop\'s terms do not attach gifts through promotions.');
    }
    const variant = p.giftVariantId && /^[1-9]\d{0,17}$/.test(p.giftVariantId)
      ? await tx.selectFrom('variants').select('id').where('id', '=', p.giftVariantId).where('shop_id', '=', shopId).executeTakeFirst()
      : undefined;
    if (!variant) throw new DomainError('variant.not_found', { field: 'giftVariantId', rule: 'PR-8' }, `No product variant ${p.giftVariantId ?? ''}.`);
    giftVariantId = variant.id;
  } else {
    throw invalid('promotion.invalid_kind', 'kind', 'The kind is percentage, fixed_amount or gift.');
  }

  const startsAt = p.startsAt ?? null;
  const endsAt = p.endsAt ?? null;
  for (const [field, d] of [['startsAt', startsAt], ['endsAt', endsAt]] as const) {
    if (d !== null && Number.isNaN(d.getTime())) throw invalid('promotion.invalid_window', field, 'Not a valid instant.');
  }
  if (startsAt && endsAt && startsAt.getTime() >= endsAt.getTime()) throw invalid('promotion.invalid_window', 'endsAt', 'The promotion ends after it starts.');

  let minimum: Money | null = null;
  if (p.minimumBasket) {
    soldCurrency(policy, p.minimumBasket, 'minimumBasket');
    if (p.minimumBasket.amount < 0) throw invalid('promotion.invalid_amount', 'minimumBasket', 'A minimum basket is not negative.');
    if (amount && amount.currency !== p.minimumBasket.currency) throw invalid('promotion.currency_mismatch', 'minimumBasket', 'The minimum basket is in the currency of the amount off.');
    minimum = p.minimumBasket;
  }

  const excludedProductIds = idList(p.excludedProductIds, 'excludedProductIds');
  const excludedCategoryIds = idList(p.excludedCategoryIds, 'excludedCategoryIds');
  if (excludedProductIds.length) {
    const found = await tx.selectFrom('products').select('id').where('shop_id', '=', shopId).where('id', 'in', excludedProductIds).execute();
    if (found.length !== excludedProductIds.length) throw new DomainError('product.not_found', { field: 'excludedProductIds', rule: 'PR-7' }, 'An excluded product does not exist.');
  }
  if (excludedCategoryIds.length) {
    const found = await tx.selectFrom('categories').select('id').where('shop_id', '=', shopId).where('id', 'in', excludedCategoryIds).execute();
    if (found.length !== excludedCategoryIds.length) throw new DomainError('category.not_found', { field: 'excludedCategoryIds', rule: 'PR-7' }, 'An excluded category does not exist.');
  }

  if (code !== null) {
    const taken = await tx
      .selectFrom('promotions')
      .select('id')
      .where('shop_id', '=', shopId)
      .where(sql<boolean>`lower(code) = ${code.toLowerCase()}`)
      .executeTakeFirst();
    if (taken) throw invalid('promotion.code_taken', 'code', `The code ${code} is already used (codes ignore case).`);
  }

  const row = await tx
    .insertInto('promotions')
    .values({
      shop_id: shopId,
      code,
      name,
      kind: p.kind,
      percent_basis_points: percent,
      currency: amount?.currency ?? minimum?.currency ?? null,
      amount_minor: amount?.amount ?? null,
      gift_variant_id: giftVariantId,
      starts_at: startsAt,
      ends_at: endsAt,
      minimum_basket_minor: minimum?.amount ?? null,
      excluded_product_ids: excludedProductIds,
      excluded_category_ids: excludedCategoryIds,
      usage_limit_total: positiveOrNull(p.usageLimitTotal, 'usageLimitTotal'),
      usage_limit_per_customer: positiveOrNull(p.usageLimitPerCustomer, 'usageLimitPerCustomer'),
      combinable: p.combinable ?? false,
      created_at: input.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(tx, {
    shopId,
    actor: input.actor,
    action: 'promotion.created',
    target: `promotion:${row.id}`,
    details: { code, kind: p.kind, name },
    at: input.now,
  });
  const created = await getPromotion(tx, shopId, row.id);
  return created!;
}

type PromotionRow = {
  id: string;
  code: string | null;
  name: string;
  kind: PromotionKind;
  percent_basis_points: number | null;
  currency: string | null;
  amount_minor: string | null;
  gift_variant_id: string | null;
  gift_sku: string | null;
  starts_at: Date | null;
  ends_at: Date | null;
  minimum_basket_minor: string | null;
  excluded_product_ids: string[];
  excluded_category_ids: string[];
  usage_limit_total: number | null;
  usage_limit_per_customer: number | null;
  combinable: boolean;
  used_total: string;
  created_at: Date;
  archived_at: Date | null;
};

function toPromotion(r: PromotionRow): Promotion {
  const currency = r.currency !== null && isCurrency(r.currency) ? r.currency : null;
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    kind: r.kind,
    percentBasisPoints: r.percent_basis_points,
    amount: r.amount_minor !== null && currency ? { amount: Number(r.amount_minor), currency } : null,
    giftVariantId: r.gift_variant_id,
    giftSku: r.gift_sku,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    minimumBasket: r.minimum_basket_minor !== null && currency ? { amount: Number(r.minimum_basket_minor), currency } : null,
    excludedProductIds: r.excluded_product_ids.map(String),
    excludedCategoryIds: r.excluded_category_ids.map(String),
    usageLimitTotal: r.usage_limit_total,
    usageLimitPerCustomer: r.usage_limit_per_customer,
    combinable: r.combinable,
    usedTotal: Number(r.used_total),
    createdAt: r.created_at,
    archivedAt: r.archived_at,
  };
}

async function selectPromotions(q: Queryable, shopId: string, filter: { id?: string; includeArchived: boolean }): Promise<Promotion[]> {
  const { rows } = await sql<PromotionRow>`
    SELECT pr.id, pr.code, pr.name, pr.kind, pr.percent_basis_points, pr.currency, pr.amount_minor, pr.gift_variant_id,
           gv.sku AS gift_sku, pr.starts_at, pr.ends_at, pr.minimum_basket_minor, pr.excluded_product_ids, pr.excluded_category_ids,
           pr.usage_limit_total, pr.usage_limit_per_customer, pr.combinable, coalesce(u.total, 0) AS used_total, pr.created_at, pr.archived_at
      FROM promotions pr
      LEFT JOIN variants gv ON gv.id = pr.gift_variant_id
      LEFT JOIN LATERAL (SELECT count(*) AS total FROM promotion_usages pu WHERE pu.promotion_id = pr.id) u ON true
     WHERE pr.shop_id = ${shopId}
       ${filter.id !== undefined ? sql`AND pr.id = ${filter.id}` : sql``}
       ${filter.includeArchived ? sql`` : sql`AND pr.archived_at IS NULL`}
     ORDER BY pr.archived_at IS NOT NULL, pr.created_at DESC, pr.id DESC`.execute(q);
  return rows.map(toPromotion);
}

export async function getPromotion(q: Queryable, shopId: string, id: string): Promise<Promotion | null> {
  if (!/^[1-9]\d{0,17}$/.test(id)) return null;
  return (await selectPromotions(q, shopId, { id, includeArchived: true }))[0] ?? null;
}

/** The shop's promotions, current ones first (archived ones too when asked), with their usage count — one query. */
export async function listPromotions(q: Queryable, input: { shopId: string; includeArchived?: boolean }): Promise<Promotion[]> {
  return selectPromotions(q, input.shopId, { includeArchived: input.includeArchived ?? false });
}

/**
 * Ends a promotion: it no longer applies to any cart (a code on a cart is then
 * reported as unknown). Idempotent; audited once.
 */
export async function archivePromotion(tx: Tx, input: { shopId: string; promotionId: string; actor: Actor; now: Date }): Promise<Promotion> {
  const found = await getPromotion(tx, input.shopId, input.promotionId);
  if (!found) throw new DomainError('promotion.not_found', { field: 'id', rule: 'PR-7' }, `No promotion ${input.promotionId}.`);
  if (found.archivedAt) return found;
  await tx.updateTable('promotions').set({ archived_at: input.now }).where('id', '=', found.id).where('archived_at', 'is', null).execute();
  await recordAudit(tx, { shopId: input.shopId, actor: input.actor, action: 'promotion.archived', target: `promotion:${found.id}`, details: { code: found.code }, at: input.now });
  return { ...found, archivedAt: input.now };
}
