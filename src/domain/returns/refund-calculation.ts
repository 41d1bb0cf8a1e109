// THE refund calculator of a return (withdrawal WD-*, exchange EX-1): what
// the accepted units are worth, what the inspection takes off (WD-8), what
// part of the initial delivery goes back (RF-2), what a partial return of
// promoted goods charges (RF-5), and what is finally refunded or still owed.
// Pure: the app gathers the order's lines, earlier returns and policy; the
// money goes back through `refundOrderAmount` (src/app/order-refunds.ts).
//
// Interpretations (the catalogue leaves them to the engine):
// - Items: each accepted unit is worth the line's total (after its discount,
//   eco-fee included) spread over its units to the cent with `lineAmountFor`,
//   continuing after the units earlier returns refunded, so refunding every
//   unit gives back exactly the line total (cancelled units, AV-1, took the
//   line's last slots). Refused units (WD-8) are simply not in `returned`.
// - WD-8 (EL): the depreciation is per returned position, at most its amount.
// - RF-2 (law): the initial delivery goes back up to the cheapest standard
//   delivery offered, once per order — given with the first refund, whatever
//   part of the order comes back (the "only on a full return" restriction is
//   FA's variant, `cheapest_standard_on_full_return_or_non_conformity`: the
//   delivery goes back with the return that completes the order, or with any
//   return of non-conforming goods). `full_initial_cost` (JW) gives the whole
//   cost back; `none` is below the law and raised to it. What earlier refunds
//   gave back is deducted from the cap, never refunded twice.
// - EX-1 (JW): an exchange whose policy says `initialShippingRefunded: false`
//   gives no delivery back.
// - RF-5 gifts (FA, « retour partiel ou non »): the engine cannot tell which
//   purchase qualified a gift (an order-threshold gift is tied to the whole
//   basket), so returning ANY non-gift unit asks for every gift back; gift
//   units that never came back are charged at their initial unit price, once.
//   A returned gift refunds 0 (its total is 0).
// - RF-5 bundles (FA): every discount promotion counts as a "bundle": on a
//   partial return (the order is not whole returned) of units discounted by
//   promotion P, each unit still kept of the lines discounted by P is charged
//   its share of the line discount (spread to the cent like `lineAmountFor`,
//   the kept units taking the last slots before the cancelled ones), once.
// - Charges and the label cost (WD-6, FR) are deducted from the refund; the
//   label cost is deducted only up to what is refunded (it is never owed),
//   and charges beyond what is left are `owed` on the complementary invoice.
// - Not handled here: a unit charged by an earlier complementary invoice
//   (kept gift, re-priced unit) that comes back in a later return does not
//   get that charge back; the app should not let it happen silently.
// - RF-6 (PF): the customer's own bank fees are never refunded; the flag is
//   only echoed for the documents.
import { DomainError } from '../errors.js';
import { shippingRefund as legalShippingRefund } from '../legal-floor.js';
import { lineAmountFor } from '../fulfilment/fulfilment-plan.js';
import { isCurrency, money, toDecimalString, type Currency } from '../money.js';

export type ShippingRefundRule = 'full_initial_cost' | 'cheapest_standard' | 'cheapest_standard_on_full_return_or_non_conformity' | 'none';

export type RefundableLine = {
  position: number;
  /** Units ordered. */
  quantity: number;
  /** Units cancelled before shipping (never part of a return). */
  cancelledQuantity: number;
  /** What the line cost after its discount, eco-fee included (minor units). */
  total: number;
  /** The promotion discount on the line (minor units, >= 0). */
  discount: number;
  /** The promotion that discounted it, or that added it as a gift. */
  promotionId: string | null;
  /** PR-8 gift line: total 0. */
  isGift: boolean;
  /** Gift lines: the gift's initial unit price (RF-5 charges it). */
  initialUnitPrice: number | null;
  vatRateBasisPoints: number;
};

export type ReturnedLine = {
  position: number;
  accepted: number;
  /** total for those units, minor */ depreciation: number;
  /** Money already given back on the line without its units coming back (a guarantee price reduction, GU-1/GU-2): not refunded twice. */
  alreadyRefunded?: number;
};

export type RefundCalculationInput = {
  currency: Currency;
  lines: readonly RefundableLine[];
  /** Units of earlier returns of the same order already refunded (accepted), per position. */
  earlier: readonly { position: number; accepted: number }[];
  /** This return: units accepted (refused units are NOT listed here / not counted) and their depreciation. */
  returned: readonly ReturnedLine[];
  shipping: {
    /** The initial delivery cost the customer paid (0 when free). */
    paid: number;
    /** The cheapest standard delivery offered for that order (the app computes it). */
    cheapestStandard: number;
    /** policy.refunds.shipping ('none' is raised to the law: cheapest_standard). */
    rule: ShippingRefundRule;
    /** Delivery already given back by earlier refunds of this order. */
    alreadyRefunded: number;
  };
  /** Goods were non-conforming (RF-2 FA variant refunds the delivery then). */
  nonConforming: boolean;
  /** EX-1: this return is an exchange; when false the initial delivery is NOT refunded (JW). undefined = not an exchange. */
  exchangeRefundsShipping?: boolean;
  /** RF-5 (FA), from policy.refunds.promotionsOnPartialReturn; undefined = the shop has no such rule. */
  promotions?: { giftMustComeBack: boolean; bundleRepriced: boolean };
  /** Units of gift lines already charged by an earlier complementary invoice, per position (never charge twice). */
  giftsAlreadyCharged?: readonly { position: number; quantity: number }[];
  /** Units already re-priced by an earlier complementary invoice, per position. */
  repricedAlready?: readonly { position: number; quantity: number }[];
  /** WD-6 (FR): a prepaid return label provided by the shop whose cost the customer bears, deducted from the refund. */
  returnLabelCost: number;
  /** RF-6 (PF): customer bank / conversion fees are not refunded (just echoed for the documents). */
  customerBankFeesRefunded: boolean;
};

export type RefundCharge = { position: number; quantity: number; amount: number; kind: 'gift_kept' | 'bundle_repriced' };

export type RefundCalculation = {
  currency: Currency;
  /** Per returned position: units accepted, gross amount, depreciation, net. */
  items: { position: number; quantity: number; amount: number; depreciation: number; alreadyRefunded: number; net: number }[];
  /** Sum of the items' amounts. */
  itemsTotal: number;
  depreciationTotal: number;
  /** Money given back before on the returned lines (price reductions), taken off their units' amount. */
  alreadyRefundedTotal: number;
  /** `rule`: the rule ID and why, e.g. 'RF-2: cheapest standard delivery 4.90 (paid 12.90)'. */
  shipping: { amount: number; rule: string };
  /** RF-5: charges that go on a complementary invoice (gift kept, bundle re-priced). */
  charges: RefundCharge[];
  chargesTotal: number;
  returnLabelCost: number;
  /** What goes back to the customer: itemsTotal − depreciationTotal + shipping − chargesTotal − returnLabelCost, never below 0. */
  refund: number;
  /** When the charges exceed what is refunded: what the customer still owes (on the complementary invoice); else 0. */
  owed: number;
  /** True when, after this return, every non-gift unit not cancelled has come back (earlier + this). */
  wholeOrderReturned: boolean;
  customerBankFeesRefunded: boolean;
};

function invalid(field: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('refund.invalid_return', { field, ...details });
}

function checkAmount(value: number, field: string, details: Record<string, unknown> = {}): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(field, { ...details, value });
}

/** Units per position of a list, each entry checked against the order's lines. */
function unitsByPosition(entries: readonly { position: number; units: number }[], lines: ReadonlyMap<number, RefundableLine>, field: string): Map<number, number> {
  const units = new Map<number, number>();
  entries.forEach((e, i) => {
    if (!lines.has(e.position)) throw invalid(`${field}.${i}.position`, { position: e.position });
    checkAmount(e.units, `${field}.${i}`, { position: e.position });
    units.set(e.position, (units.get(e.position) ?? 0) + e.units);
  });
  return units;
}

const kept = (line: RefundableLine) => line.quantity - line.cancelledQuantity;

/** RF-2 / EX-1: what part of the initial delivery this refund gives back, and why. */
function shippingRefund(input: RefundCalculationInput, wholeOrderReturned: boolean): { amount: number; rule: string } {
  const { paid, cheapestStandard, rule, alreadyRefunded } = input.shipping;
  const fmt = (amount: number) => toDecimalString(money(amount, input.currency));
  if (input.exchangeRefundsShipping === false) return { amount: 0, rule: 'EX-1: an exchange does not refund the initial delivery' };
  if (paid === 0) return { amount: 0, rule: 'RF-2: free delivery, nothing to refund' };
  if (input.returned.length === 0) return { amount: 0, rule: 'RF-2: nothing accepted back, nothing refunded' };
  const law = legalShippingRefund({ shipping: rule }, { initialShippingPaid: paid, cheapestStandardShipping: cheapestStandard, wholeOrderReturned, nonConforming: input.nonConforming });
  const cap = law.applied;
  if (cap === 0) return { amount: 0, rule: 'RF-2 (shop variant): partial return of conforming goods, the delivery stays with the customer' };
  const why =
    rule === 'full_initial_cost'
      ? `RF-2 (shop policy): the whole initial delivery ${fmt(paid)}`
      : paid > cheapestStandard
        ? `RF-2: cheapest standard delivery ${fmt(cheapestStandard)} (paid ${fmt(paid)})`
        : `RF-2: the initial delivery ${fmt(paid)}`;
  const raised = rule === 'none' ? ' (the policy refunds none; the law applies)' : '';
  if (alreadyRefunded >= cap) return { amount: 0, rule: `RF-2: delivery already refunded (${fmt(alreadyRefunded)})` };
  const less = alreadyRefunded > 0 ? `, less ${fmt(alreadyRefunded)} already refunded` : '';
  return { amount: cap - alreadyRefunded, rule: `${why}${raised}${less}` };
}

/**
 * The refund of one return: items (their share of each line, less WD-8
 * depreciation), the initial delivery (RF-2, EX-1), RF-5 charges, the label
 * cost (WD-6); refund and what is still owed.
 */
export function calculateRefund(input: RefundCalculationInput): RefundCalculation {
  const { currency } = input;
  if (!isCurrency(currency)) throw invalid('currency', { value: currency });
  const lines = new Map<number, RefundableLine>();
  input.lines.forEach((l, i) => {
    if (!Number.isSafeInteger(l.position) || lines.has(l.position)) throw invalid(`lines.${i}.position`, { position: l.position });
    for (const key of ['quantity', 'cancelledQuantity', 'total', 'discount'] as const) checkAmount(l[key], `lines.${i}.${key}`, { position: l.position });
    if (l.cancelledQuantity > l.quantity) throw invalid(`lines.${i}.cancelledQuantity`, { position: l.position, value: l.cancelledQuantity });
    if (l.initialUnitPrice !== null) checkAmount(l.initialUnitPrice, `lines.${i}.initialUnitPrice`, { position: l.position });
    lines.set(l.position, l);
  });
  for (const key of ['paid', 'cheapestStandard', 'alreadyRefunded'] as const) checkAmount(input.shipping[key], `shipping.${key}`);
  checkAmount(input.returnLabelCost, 'returnLabelCost');

  const earlier = unitsByPosition(input.earlier.map((e) => ({ position: e.position, units: e.accepted })), lines, 'earlier');
  for (const [position, units] of earlier) {
    if (units > kept(lines.get(position)!)) throw invalid('earlier', { position, accepted: units, available: kept(lines.get(position)!) });
  }
  const giftsCharged = unitsByPosition((input.giftsAlreadyCharged ?? []).map((e) => ({ position: e.position, units: e.quantity })), lines, 'giftsAlreadyCharged');
  const repriced = unitsByPosition((input.repricedAlready ?? []).map((e) => ({ position: e.position, units: e.quantity })), lines, 'repricedAlready');

  const now = new Map<number, number>();
  const items = input.returned.map((r, i) => {
    const line = lines.get(r.position);
    if (!line) throw invalid(`returned.${i}.position`, { position: r.position });
    if (now.has(r.position)) throw invalid(`returned.${i}.position`, { position: r.position, duplicate: true });
    if (!Number.isSafeInteger(r.accepted) || r.accepted <= 0) throw invalid(`returned.${i}.accepted`, { position: r.position, value: r.accepted });
    const before = earlier.get(r.position) ?? 0;
    const available = kept(line) - before;
    if (r.accepted > available) throw invalid(`returned.${i}.accepted`, { position: r.position, value: r.accepted, available });
    const amount = lineAmountFor(line, before, r.accepted);
    checkAmount(r.depreciation, `returned.${i}.depreciation`, { rule: 'WD-8', position: r.position });
    if (r.depreciation > amount) throw invalid(`returned.${i}.depreciation`, { rule: 'WD-8', position: r.position, value: r.depreciation, max: amount });
    now.set(r.position, r.accepted);
    checkAmount(r.alreadyRefunded ?? 0, `returned.${i}.alreadyRefunded`, { position: r.position });
    const alreadyRefunded = Math.min(r.alreadyRefunded ?? 0, amount - r.depreciation);
    return { position: r.position, quantity: r.accepted, amount, depreciation: r.depreciation, alreadyRefunded, net: amount - r.depreciation - alreadyRefunded };
  });

  /** Units of a line not cancelled and never returned, after this return. */
  const stillKept = (l: RefundableLine) => kept(l) - (earlier.get(l.position) ?? 0) - (now.get(l.position) ?? 0);
  const goods = input.lines.filter((l) => !l.isGift);
  const wholeOrderReturned = goods.every((l) => stillKept(l) === 0);
  const returnedGoods = goods.filter((l) => now.has(l.position));

  const charges: RefundCharge[] = [];
  // RF-5 gifts: any returned purchase asks for the gifts back; those kept are charged at their initial price, once.
  if (input.promotions?.giftMustComeBack && returnedGoods.length > 0) {
    for (const gift of input.lines.filter((l) => l.isGift)) {
      const units = stillKept(gift) - (giftsCharged.get(gift.position) ?? 0);
      if (units <= 0) continue;
      if (gift.initialUnitPrice === null) throw invalid('lines.initialUnitPrice', { rule: 'RF-5', position: gift.position });
      charges.push({ position: gift.position, quantity: units, amount: gift.initialUnitPrice * units, kind: 'gift_kept' });
    }
  }
  // RF-5 bundles: a partial return of discounted units re-prices the kept units of that promotion without its discount.
  if (input.promotions?.bundleRepriced && !wholeOrderReturned) {
    const bundles = new Set(returnedGoods.filter((l) => l.discount > 0 && l.promotionId !== null).map((l) => l.promotionId));
    for (const line of goods.filter((l) => l.discount > 0 && bundles.has(l.promotionId))) {
      const units = stillKept(line) - (repriced.get(line.position) ?? 0);
      if (units <= 0) continue;
      const amount = lineAmountFor({ quantity: line.quantity, total: line.discount }, kept(line) - units, units);
      if (amount > 0) charges.push({ position: line.position, quantity: units, amount, kind: 'bundle_repriced' });
    }
  }

  const itemsTotal = items.reduce((s, i) => s + i.amount, 0);
  const depreciationTotal = items.reduce((s, i) => s + i.depreciation, 0);
  const alreadyRefundedTotal = items.reduce((s, i) => s + i.alreadyRefunded, 0);
  const shipping = shippingRefund(input, wholeOrderReturned);
  const chargesTotal = charges.reduce((s, c) => s + c.amount, 0);
  // WD-6: the label cost is deducted up to what is refunded; RF-5 charges beyond what is left are owed.
  const afterLabel = Math.max(0, itemsTotal - depreciationTotal - alreadyRefundedTotal + shipping.amount - input.returnLabelCost);
  return {
    currency,
    items,
    itemsTotal,
    depreciationTotal,
    alreadyRefundedTotal,
    shipping,
    charges,
    chargesTotal,
    returnLabelCost: input.returnLabelCost,
    refund: Math.max(0, afterLabel - chargesTotal),
    owed: Math.max(0, chargesTotal - afterLabel),
    wholeOrderReturned,
    customerBankFeesRefunded: input.customerBankFeesRefunded,
  };
}
