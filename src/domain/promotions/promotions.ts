// PR-7 / PR-8: which promotions apply to a cart, the discount each gives per
// line, the gifts they attach, and why an entered code does not apply.
// Pure: recomputed from scratch on every cart change (PR-7 "recomputed on
// every change"), with `now` as a parameter.
//
// Rules chosen here (the catalogue leaves them to the engine):
// - Validity window: startsAt ≤ now < endsAt (start inclusive, end exclusive);
//   null bounds are open.
// - Minimum basket: compared with the goods total of the cart (line prices ×
//   quantities, gift lines and eco-fees excluded) BEFORE any discount,
//   bound inclusive.
// - Usage limits: refused when usedTotal ≥ usageLimitTotal or
//   usedByCustomer ≥ usageLimitPerCustomer.
// - Eligible lines: not gift lines, not an excluded product, not an excluded
//   category, with something left to discount.
// - Order and stacking (PR-7 "not combinable with running promotions unless
//   the code says so"): automatic promotions (code null) are considered first,
//   in the order given, then the entered codes in the order the customer
//   entered them. A promotion joins only when every promotion already applied
//   AND itself are combinable; otherwise an automatic one is skipped silently
//   (listed in `automaticNotApplied`), and an entered code is refused with
//   `promotion.not_combinable` naming the promotion it conflicts with. So the
//   running promotion always wins over a code that cannot stack with it.
// - Amounts: a percentage is computed once on the eligible lines' remaining
//   total (after the promotions applied before it) and rounded by money.ts; a
//   fixed amount is capped at that total. Either is split over the eligible
//   lines in proportion to their remaining amounts with money.allocate, so no
//   line goes below zero and no cent is lost. Eco-fees (PR-3) are never
//   discounted: the lines' goods amounts are the only base.
// - Gifts (PR-8): a gift promotion adds one gift line at zero price that
//   remembers the gift's initial unit price (RF-5 charges it when the
//   purchase comes back without it). A gift never carries a discount.
import { DomainError } from '../errors.js';
import { add, allocate, applyRate, min, money, sum, zero, type Currency, type Money } from '../money.js';

export type LocalisedText = { readonly fr: string; readonly en: string };

export type PromotionGift = {
  readonly variantId: string;
  readonly productId: string;
  readonly initialUnitPrice: Money;
  readonly sku: string;
  readonly name: LocalisedText;
};

export type PromotionDefinition = {
  readonly id: string;
  /** The code the customer types; null = an automatic running promotion. */
  readonly code: string | null;
  readonly kind: 'percentage' | 'fixed_amount' | 'gift';
  /** percentage: 1500 = 15 %. */
  readonly percentBasisPoints?: number;
  /** fixed_amount: the amount off the eligible lines. */
  readonly amount?: Money;
  /** gift: the item attached to the order. */
  readonly gift?: PromotionGift;
  readonly startsAt: Date | null;
  readonly endsAt: Date | null;
  /** Goods incl. VAT after line prices, before discounts. */
  readonly minimumBasket?: Money;
  readonly excludedProductIds: readonly string[];
  readonly excludedCategoryIds: readonly string[];
  readonly usageLimitTotal: number | null;
  readonly usageLimitPerCustomer: number | null;
  readonly usedTotal: number;
  readonly usedByCustomer: number;
  readonly combinable: boolean;
};

export type PromotionLine = {
  readonly lineId: string;
  readonly productId: string;
  readonly categoryId: string | null;
  /** Unit price × quantity, in the cart's currency. */
  readonly lineGoods: Money;
  /** A gift line (PR-8) is never discounted nor counted in the basket. */
  readonly isGift?: boolean;
};

export type PromotionRejectionReason =
  | 'promotion.unknown_code'
  | 'promotion.not_started'
  | 'promotion.expired'
  | 'promotion.minimum_not_reached'
  | 'promotion.usage_limit_reached'
  | 'promotion.nothing_eligible'
  | 'promotion.not_combinable'
  | 'promotion.other_currency';

export type RejectedCode = {
  /** The code as the customer entered it. */
  readonly code: string;
  readonly reason: PromotionRejectionReason;
  readonly promotionId?: string;
  /** minimum_not_reached: the minimum basket. */
  readonly minimum?: Money;
  /** not_combinable: the applied promotion it cannot stack with. */
  readonly conflictsWith?: string;
};

export type GiftLine = PromotionGift & {
  readonly lineId: string;
  readonly promotionId: string;
  readonly quantity: 1;
  readonly unitPrice: Money;
};

export type AppliedPromotion = {
  readonly promotionId: string;
  readonly code: string | null;
  readonly kind: PromotionDefinition['kind'];
  /** Total discount this promotion gives (0 for a gift). */
  readonly discount: Money;
  readonly giftLineId?: string;
};

export type PromotionOutcome = {
  readonly applied: AppliedPromotion[];
  /** Discount per line, every input line listed (zero when none), in input order. */
  readonly lineDiscounts: Array<{ readonly lineId: string; readonly discount: Money; readonly promotionId?: string }>;
  readonly totalDiscount: Money;
  readonly giftLines: GiftLine[];
  readonly rejectedCodes: RejectedCode[];
  /** Automatic promotions that did not apply, and why (for "add 12 € to get…" messages). */
  readonly automaticNotApplied: Array<{ readonly promotionId: string; readonly reason: PromotionRejectionReason }>;
};

export type ApplyPromotionsInput = {
  readonly lines: readonly PromotionLine[];
  readonly promotions: readonly PromotionDefinition[];
  /** Codes the customer entered, compared case-insensitively. */
  readonly codes: readonly string[];
  readonly now: Date;
  readonly currency: Currency;
};

/** The prefix of the line ids of gift lines added by a promotion. */
export const GIFT_LINE_PREFIX = 'gift:';

const normalise = (code: string) => code.trim().toLocaleUpperCase('en');

function assertDefinition(p: PromotionDefinition): void {
  const bad = (field: string) => new DomainError('promotion.invalid_definition', { field, rule: 'PR-7', promotionId: p.id });
  if (p.kind === 'percentage' && (!Number.isSafeInteger(p.percentBasisPoints) || p.percentBasisPoints! <= 0 || p.percentBasisPoints! > 10_000)) {
    throw bad('percentBasisPoints');
  }
  if (p.kind === 'fixed_amount' && (p.amount === undefined || p.amount.amount <= 0)) throw bad('amount');
  if (p.kind === 'gift' && p.gift === undefined) throw bad('gift');
}

/** Why a promotion cannot apply to the cart as it is (ignoring other promotions), or null. */
function unmetCondition(
  p: PromotionDefinition,
  input: ApplyPromotionsInput,
  basket: Money,
  remaining: Map<string, number>,
): { reason: PromotionRejectionReason; minimum?: Money } | null {
  const at = input.now.getTime();
  if (p.startsAt !== null && at < p.startsAt.getTime()) return { reason: 'promotion.not_started' };
  if (p.endsAt !== null && at >= p.endsAt.getTime()) return { reason: 'promotion.expired' };
  if ((p.usageLimitTotal !== null && p.usedTotal >= p.usageLimitTotal) || (p.usageLimitPerCustomer !== null && p.usedByCustomer >= p.usageLimitPerCustomer)) {
    return { reason: 'promotion.usage_limit_reached' };
  }
  const currencies = [p.minimumBasket?.currency, p.kind === 'fixed_amount' ? p.amount?.currency : undefined, p.kind === 'gift' ? p.gift?.initialUnitPrice.currency : undefined];
  if (currencies.some((c) => c !== undefined && c !== input.currency)) return { reason: 'promotion.other_currency' };
  if (p.minimumBasket !== undefined && basket.amount < p.minimumBasket.amount) return { reason: 'promotion.minimum_not_reached', minimum: p.minimumBasket };
  if (eligibleLines(p, input.lines, remaining).length === 0) return { reason: 'promotion.nothing_eligible' };
  return null;
}

function eligibleLines(p: PromotionDefinition, lines: readonly PromotionLine[], remaining: Map<string, number>): PromotionLine[] {
  return lines.filter(
    (l) =>
      !l.isGift &&
      !p.excludedProductIds.includes(l.productId) &&
      !(l.categoryId !== null && p.excludedCategoryIds.includes(l.categoryId)) &&
      (p.kind === 'gift' || (remaining.get(l.lineId) ?? 0) > 0),
  );
}

/** PR-7 / PR-8: applies the automatic promotions and the entered codes to the cart's lines. */
export function applyPromotions(input: ApplyPromotionsInput): PromotionOutcome {
  const { currency } = input;
  for (const line of input.lines) {
    if (line.lineGoods.currency !== currency) {
      throw new DomainError('cart.currency_mismatch', { field: 'lineGoods', rule: 'PR-1', lineId: line.lineId, expected: currency, got: line.lineGoods.currency });
    }
  }
  input.promotions.forEach(assertDefinition);

  const basket = sum(input.lines.filter((l) => !l.isGift).map((l) => l.lineGoods), currency);
  const remaining = new Map(input.lines.map((l) => [l.lineId, l.isGift ? 0 : l.lineGoods.amount]));
  const discounts = new Map(input.lines.map((l) => [l.lineId, 0]));
  const applied: AppliedPromotion[] = [];
  const appliedDefinitions: PromotionDefinition[] = [];
  const giftLines: GiftLine[] = [];
  const rejectedCodes: RejectedCode[] = [];
  const automaticNotApplied: Array<{ promotionId: string; reason: PromotionRejectionReason }> = [];

  // RF-5: the promotion a line's discount comes from (the first one), frozen on the order line.
  const discountedBy = new Map<string, string>();
  const conflictFor = (p: PromotionDefinition) => appliedDefinitions.find((a) => !a.combinable || !p.combinable);

  const apply = (p: PromotionDefinition) => {
    appliedDefinitions.push(p);
    if (p.kind === 'gift') {
      const lineId = `${GIFT_LINE_PREFIX}${p.id}`;
      giftLines.push({ ...p.gift!, lineId, promotionId: p.id, quantity: 1, unitPrice: zero(currency) });
      applied.push({ promotionId: p.id, code: p.code, kind: p.kind, discount: zero(currency), giftLineId: lineId });
      return;
    }
    const lines = eligibleLines(p, input.lines, remaining);
    const base = money(lines.reduce((s, l) => s + remaining.get(l.lineId)!, 0), currency);
    const discount = p.kind === 'percentage' ? applyRate(base, p.percentBasisPoints!) : min(p.amount!, base);
    const shares = allocate(discount, lines.map((l) => remaining.get(l.lineId)!));
    lines.forEach((l, i) => {
      const share = shares[i]!.amount;
      remaining.set(l.lineId, remaining.get(l.lineId)! - share);
      discounts.set(l.lineId, discounts.get(l.lineId)! + share);
      if (share > 0 && !discountedBy.has(l.lineId)) discountedBy.set(l.lineId, p.id);
    });
    applied.push({ promotionId: p.id, code: p.code, kind: p.kind, discount });
  };

  for (const p of input.promotions.filter((q) => q.code === null)) {
    const unmet = unmetCondition(p, input, basket, remaining);
    const reason = unmet?.reason ?? (conflictFor(p) ? 'promotion.not_combinable' : null);
    if (reason) automaticNotApplied.push({ promotionId: p.id, reason });
    else apply(p);
  }

  const seen = new Set<string>();
  for (const entered of input.codes) {
    const key = normalise(entered);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    const p = input.promotions.find((q) => q.code !== null && normalise(q.code) === key);
    if (p === undefined) {
      rejectedCodes.push({ code: entered, reason: 'promotion.unknown_code' });
      continue;
    }
    const unmet = unmetCondition(p, input, basket, remaining);
    if (unmet) {
      rejectedCodes.push({ code: entered, reason: unmet.reason, promotionId: p.id, ...(unmet.minimum ? { minimum: unmet.minimum } : {}) });
      continue;
    }
    const conflict = conflictFor(p);
    if (conflict) {
      rejectedCodes.push({ code: entered, reason: 'promotion.not_combinable', promotionId: p.id, conflictsWith: conflict.id });
      continue;
    }
    apply(p);
  }

  const lineDiscounts = input.lines.map((l) => {
    const promotionId = discountedBy.get(l.lineId);
    return { lineId: l.lineId, discount: money(discounts.get(l.lineId)!, currency), ...(promotionId ? { promotionId } : {}) };
  });
  return {
    applied,
    lineDiscounts,
    totalDiscount: lineDiscounts.reduce((s, l) => add(s, l.discount), zero(currency)),
    giftLines,
    rejectedCodes,
    automaticNotApplied,
  };
}
