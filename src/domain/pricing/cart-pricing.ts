// CA-1 / PR-9: the one calculator of a cart and of a checkout — lines, eco-fees,
// discounts, shipping, VAT breakdown and total, to the cent. The cart page, the
// checkout and the order all price through priceCart; nothing else adds money
// up for a customer.
//
// How the amounts are built (every figure in the cart's currency, integer minor units):
// 1. Currency: the destination's price list (PR-1: PF sells in GBP to GB). The
//    caller passes unit prices and eco-fees from that list; any other currency
//    is refused (`cart.currency_mismatch`), never converted.
// 2. Unit prices: the catalogue's VAT-inclusive price, charged as it is — except
//    for an export (vat.ts), where the unit price and the eco-fee are the net
//    amounts inside them at the French default rate, rounded once per UNIT, so
//    that the unit price shown × quantity is the line.
// 3. lineGoods = unitPrice × quantity; lineEcoFee = ecoFeePerUnit × quantity
//    (PR-3, shown apart); discount from promotions.ts (goods only, never the
//    eco-fee, never a gift); lineTotal = lineGoods + lineEcoFee − discount.
// 4. Shipping: the chosen method's option from shipping-quote.ts, priced on the
//    goods after discounts.
// 5. total = goods + ecoFees − discounts + shipping = Σ lineTotal + shipping.
// 6. VAT breakdown (VAT included): per rate, the VAT is computed ONCE on the
//    rate's gross total — its lines' totals (eco-fee included in the base,
//    PR-3) plus the shipping — as gross × r / (10 000 + r), and base = gross −
//    VAT. VAT is never computed per line and summed, so Σ(base + vat) is the
//    total exactly (three lines of 33.33 at 20 %: VAT 16.67 on 99.99, where
//    three per-line roundings would give 16.68).
//    Shipping is an accessory of the goods: it carries the VAT rate of the
//    sale (the destination's rate, the default rate unless `rates.byCountry`
//    names the country) and its rate from the policy is VAT-inclusive.
//    Export and not-subject sales carry no VAT: the breakdown is one row at
//    rate 0 with vat 0 and the whole total as its base, marked with the
//    treatment, so the breakdown still adds up to the total; the invoice
//    prints the mention instead of VAT lines. An export's shipping rate is
//    charged as the policy states it (the rates for non-EU countries are the
//    amounts charged there).
// 7. Problems are reported, not thrown, for what the customer can fix in the
//    cart: CAT-3 quantity above the limit, a shipping method not offered for
//    the destination, a destination the shop does not serve.
import type { CustomerKind, Policy } from '../../policy/schema.js';
import { DomainError } from '../errors.js';
import { add, multiply, subtract, sum, zero, type Currency, type Money } from '../money.js';
import { applyPromotions, type AppliedPromotion, type PromotionDefinition, type RejectedCode } from '../promotions/promotions.js';
import { quoteShipping, type ShippingOption } from '../shipping/shipping-quote.js';
import { splitInclusive, vatTreatment, type LocalisedText, type VatMode, type VatTreatment } from './vat.js';

export type CartLineInput = {
  readonly lineId: string;
  readonly variantId: string;
  readonly productId: string;
  readonly categoryId: string | null;
  readonly sku: string;
  readonly name: LocalisedText;
  readonly quantity: number;
  /** The catalogue price in force (PR-4), VAT-inclusive French price, in the price list's currency. */
  readonly unitPrice: Money;
  /** PR-3: the WEEE eco-fee per unit, VAT-inclusive; 0 when none. */
  readonly ecoFeePerUnit: Money;
  /** PR-8: a free sample or gift chosen in the cart (PF): never discounted, not counted in a promotion's basket. */
  readonly isGift?: boolean;
  /** PR-8 / RF-5: the gift's initial unit price. */
  readonly initialUnitPrice?: Money;
};

export type PriceCartInput = {
  readonly policy: Pick<Policy, 'shop' | 'pricing' | 'destinations' | 'shipping' | 'cart'>;
  readonly destinationCountry: string | null;
  readonly customerKind: CustomerKind;
  readonly lines: readonly CartLineInput[];
  readonly promotions: readonly PromotionDefinition[];
  readonly codes: readonly string[];
  readonly shippingMethodId: string | null;
  readonly now: Date;
  /** CAT-5: the largest extra lead time of the cart's products, in working days. */
  readonly extraLeadWorkingDays?: number;
};

export type PricedLine = {
  readonly lineId: string;
  readonly variantId: string;
  readonly productId: string;
  readonly categoryId: string | null;
  readonly sku: string;
  readonly name: LocalisedText;
  readonly quantity: number;
  /** The catalogue price the line came with (VAT-inclusive). */
  readonly catalogueUnitPrice: Money;
  /** The unit price charged: the catalogue price, or its net for an export. */
  readonly unitPrice: Money;
  readonly ecoFeePerUnit: Money;
  readonly lineGoods: Money;
  readonly lineEcoFee: Money;
  readonly discount: Money;
  readonly lineTotal: Money;
  readonly vatRateBasisPoints: number;
  readonly isGift: boolean;
  readonly initialUnitPrice?: Money;
  /** The promotion that attached this gift line, or gave this line its discount (RF-5). */
  readonly promotionId?: string;
};

export type VatBreakdownRow = {
  readonly rateBasisPoints: number;
  /** Net amount at this rate. */
  readonly base: Money;
  readonly vat: Money;
  /** 'included' rows are VAT; 'export' and 'not_subject' rows carry no VAT (the mention applies). */
  readonly treatment: VatMode;
};

export type CartProblem =
  | { readonly code: 'cart.max_quantity_per_reference'; readonly rule: 'CAT-3'; readonly lineId: string; readonly variantId: string; readonly quantity: number; readonly limit: number }
  | { readonly code: 'shipping.method_not_available'; readonly rule: 'SH-1'; readonly methodId: string }
  | { readonly code: 'destination.not_served'; readonly rule: 'OR-2'; readonly country: string };

export type PricedCart = {
  readonly currency: Currency;
  readonly vat: Omit<VatTreatment, 'priceListCurrency'>;
  readonly lines: PricedLine[];
  /** Σ lineGoods. */
  readonly goods: Money;
  /** Σ lineEcoFee (PR-3). */
  readonly ecoFees: Money;
  /** Σ line discounts. */
  readonly discounts: Money;
  readonly shipping: ShippingOption | null;
  readonly shippingOptions: ShippingOption[];
  readonly vatBreakdown: VatBreakdownRow[];
  readonly total: Money;
  readonly appliedPromotions: AppliedPromotion[];
  readonly rejectedCodes: RejectedCode[];
  readonly problems: CartProblem[];
};

function assertLine(line: CartLineInput, currency: Currency, ecoFeeCharged: boolean): void {
  if (!Number.isSafeInteger(line.quantity) || line.quantity < 1) {
    throw new DomainError('cart.invalid_quantity', { field: 'quantity', rule: 'CA-1', lineId: line.lineId, value: line.quantity });
  }
  for (const field of ['unitPrice', 'ecoFeePerUnit'] as const) {
    const amount = line[field];
    if (amount.currency !== currency) {
      throw new DomainError('cart.currency_mismatch', { field, rule: 'PR-1', lineId: line.lineId, expected: currency, got: amount.currency });
    }
    if (amount.amount < 0) throw new DomainError('cart.negative_price', { field, rule: 'PR-9', lineId: line.lineId });
  }
  // PR-3: the eco-fee is a policy switch; a shop without it never charges one.
  if (!ecoFeeCharged && line.ecoFeePerUnit.amount !== 0) {
    throw new DomainError('cart.eco_fee_not_charged', { field: 'ecoFeePerUnit', rule: 'PR-3', lineId: line.lineId });
  }
}

/** CAT-3: units of one reference (variant) above the shop's limit, summed over the cart's lines. */
function quantityProblems(lines: readonly CartLineInput[], limit: number | null): CartProblem[] {
  if (limit === null) return [];
  const byVariant = new Map<string, number>();
  for (const line of lines) byVariant.set(line.variantId, (byVariant.get(line.variantId) ?? 0) + line.quantity);
  const reported = new Set<string>();
  const problems: CartProblem[] = [];
  for (const line of lines) {
    const quantity = byVariant.get(line.variantId)!;
    if (quantity > limit && !reported.has(line.variantId)) {
      reported.add(line.variantId);
      problems.push({ code: 'cart.max_quantity_per_reference', rule: 'CAT-3', lineId: line.lineId, variantId: line.variantId, quantity, limit });
    }
  }
  return problems;
}

/** CA-1 / PR-9: prices a cart (or a checkout) from the shop's policy, its lines, promotions and destination. */
export function priceCart(input: PriceCartInput): PricedCart {
  const { policy } = input;
  const treatment = vatTreatment(policy, input.destinationCountry);
  const { priceListCurrency: currency, ...vat } = treatment;
  input.lines.forEach((line) => assertLine(line, currency, policy.pricing.extraFees.weeeEcoFee));

  // PR-2: an export is charged the net price inside the catalogue price, per unit.
  const charged = (amount: Money) => (treatment.mode === 'export' ? splitInclusive(amount, treatment.includedRateBasisPoints).net : amount);
  const base = input.lines.map((line) => {
    const unitPrice = charged(line.unitPrice);
    const ecoFeePerUnit = charged(line.ecoFeePerUnit);
    return { line, unitPrice, ecoFeePerUnit, lineGoods: multiply(unitPrice, line.quantity), lineEcoFee: multiply(ecoFeePerUnit, line.quantity) };
  });

  const promotions = applyPromotions({
    lines: base.map((b) => ({ lineId: b.line.lineId, productId: b.line.productId, categoryId: b.line.categoryId, lineGoods: b.lineGoods, isGift: b.line.isGift === true })),
    promotions: input.promotions,
    codes: input.codes,
    now: input.now,
    currency,
  });
  const discountOf = new Map(promotions.lineDiscounts.map((d) => [d.lineId, d.discount]));
  const promotionOf = new Map(promotions.lineDiscounts.flatMap((d) => (d.promotionId ? [[d.lineId, d.promotionId] as const] : [])));

  const lines: PricedLine[] = base.map(({ line, unitPrice, ecoFeePerUnit, lineGoods, lineEcoFee }) => {
    const discount = discountOf.get(line.lineId) ?? zero(currency);
    return {
      lineId: line.lineId,
      variantId: line.variantId,
      productId: line.productId,
      categoryId: line.categoryId,
      sku: line.sku,
      name: line.name,
      quantity: line.quantity,
      catalogueUnitPrice: line.unitPrice,
      unitPrice,
      ecoFeePerUnit,
      lineGoods,
      lineEcoFee,
      discount,
      lineTotal: subtract(add(lineGoods, lineEcoFee), discount),
      vatRateBasisPoints: treatment.rateBasisPoints,
      isGift: line.isGift === true,
      ...(line.initialUnitPrice ? { initialUnitPrice: line.initialUnitPrice } : {}),
      ...(promotionOf.has(line.lineId) ? { promotionId: promotionOf.get(line.lineId)! } : {}),
    };
  });
  for (const gift of promotions.giftLines) {
    const nothing = zero(currency);
    lines.push({
      lineId: gift.lineId,
      variantId: gift.variantId,
      productId: gift.productId,
      categoryId: null,
      sku: gift.sku,
      name: gift.name,
      quantity: gift.quantity,
      catalogueUnitPrice: nothing,
      unitPrice: nothing,
      ecoFeePerUnit: nothing,
      lineGoods: nothing,
      lineEcoFee: nothing,
      discount: nothing,
      lineTotal: nothing,
      vatRateBasisPoints: treatment.rateBasisPoints,
      isGift: true,
      initialUnitPrice: gift.initialUnitPrice,
      promotionId: gift.promotionId,
    });
  }

  const goods = sum(lines.map((l) => l.lineGoods), currency);
  const ecoFees = sum(lines.map((l) => l.lineEcoFee), currency);
  const discounts = sum(lines.map((l) => l.discount), currency);

  // Goods after discounts, for the free-shipping thresholds (SH-2).
  const goodsByRate = new Map<number, Money>();
  for (const l of lines) goodsByRate.set(l.vatRateBasisPoints, add(goodsByRate.get(l.vatRateBasisPoints) ?? zero(currency), subtract(l.lineGoods, l.discount)));
  const goodsInclVat = subtract(goods, discounts);
  const goodsExclVat = sum([...goodsByRate].map(([rate, gross]) => splitInclusive(gross, rate).net), currency);

  const problems: CartProblem[] = quantityProblems(input.lines, policy.cart.maxQuantityPerReference);
  let shippingOptions: ShippingOption[] = [];
  if (input.destinationCountry !== null) {
    try {
      shippingOptions = quoteShipping({
        policy,
        destinationCountry: input.destinationCountry,
        customerKind: input.customerKind,
        goods: { inclVat: goodsInclVat, exclVat: goodsExclVat },
        orderedAt: input.now,
        extraLeadWorkingDays: input.extraLeadWorkingDays ?? 0,
      });
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'destination.not_served')) throw error;
      problems.push({ code: 'destination.not_served', rule: 'OR-2', country: input.destinationCountry });
    }
  }
  let shipping: ShippingOption | null = null;
  if (input.shippingMethodId !== null && input.destinationCountry !== null) {
    shipping = shippingOptions.find((o) => o.methodId === input.shippingMethodId) ?? null;
    if (shipping === null) problems.push({ code: 'shipping.method_not_available', rule: 'SH-1', methodId: input.shippingMethodId });
  }
  const shippingAmount = shipping?.amount ?? zero(currency);

  const total = add(subtract(add(goods, ecoFees), discounts), shippingAmount);

  // PR-9: VAT once per rate, on the rate's gross total (lines incl. eco-fees, PR-3, and shipping).
  const grossByRate = new Map<number, Money>();
  for (const l of lines) grossByRate.set(l.vatRateBasisPoints, add(grossByRate.get(l.vatRateBasisPoints) ?? zero(currency), l.lineTotal));
  grossByRate.set(treatment.rateBasisPoints, add(grossByRate.get(treatment.rateBasisPoints) ?? zero(currency), shippingAmount));
  const vatBreakdown: VatBreakdownRow[] = [...grossByRate]
    .sort(([a], [b]) => b - a)
    .map(([rate, gross]) => {
      const { net, vat: tax } = splitInclusive(gross, rate);
      return { rateBasisPoints: rate, base: net, vat: tax, treatment: treatment.mode };
    });

  return {
    currency,
    vat,
    lines,
    goods,
    ecoFees,
    discounts,
    shipping,
    shippingOptions,
    vatBreakdown,
    total,
    appliedPromotions: promotions.applied,
    rejectedCodes: promotions.rejectedCodes,
    problems,
  };
}
