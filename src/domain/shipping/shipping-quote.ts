// SH-2 / SH-3: the delivery options offered for a destination — the price of
// each method (its rate row for the country, in the currency of the
// destination's price list), whether a free-shipping offer makes it free, and
// the estimated dispatch and delivery dates.
//
// - Free shipping (SH-2) applies to a method when an offer lists the method,
//   the destination (or lists no countries), the customer kind (or lists no
//   kinds), and the goods total AFTER discounts reaches the offer's minimum
//   in the destination's currency — the bound is inclusive (175.00 EUR is
//   free, 174.99 pays) — on the offer's basis: goods incl. VAT (PF) or goods
//   excl. VAT (EL: 400 EUR excl. VAT). Goods exclude shipping and eco-fees.
// - Estimate (SH-3): preparation (the policy's maxDays) + the cart's largest
//   per-product extra lead (CAT-5) before dispatch, then the method's transit
//   for the country (its own row, else the method's), counted on working days
//   of the dispatch country in the shop's time zone (delivery-estimate.ts).
//   Transit and preparation are counted as working days whatever `kind` the
//   policy gives them: the five shops all state working days.
import { currencyFor, destinationCountries, methodServes, rateRowFor, type CustomerKind, type Policy, type ShippingMethod } from '../../policy/schema.js';
import { DomainError } from '../errors.js';
import { greaterThanOrEqual, money, zero, type Money } from '../money.js';
import { estimateDelivery, type DeliveryEstimate } from './delivery-estimate.js';

export type FreeShippingBasis = 'goods_incl_vat' | 'goods_excl_vat';

export type ShippingOption = {
  readonly methodId: string;
  readonly kind: ShippingMethod['kind'];
  readonly label: { readonly fr: string; readonly en: string };
  readonly carrier: string;
  /** What the customer pays for this method: 0 when free. */
  readonly amount: Money;
  /** The method's rate for the destination before any free-shipping offer. */
  readonly rate: Money;
  readonly free: boolean;
  /** The offer that made it free (absent when the rate itself is 0). */
  readonly freeBecause?: { readonly minimum: Money; readonly basis: FreeShippingBasis };
  readonly estimate: DeliveryEstimate;
};

export type QuoteShippingInput = {
  readonly policy: Pick<Policy, 'shop' | 'pricing' | 'destinations' | 'shipping'>;
  readonly destinationCountry: string;
  readonly customerKind: CustomerKind;
  /** Goods after discounts, shipping and eco-fees excluded, in the destination's currency. */
  readonly goods: { readonly inclVat: Money; readonly exclVat: Money };
  readonly orderedAt: Date;
  /** CAT-5: the largest extra lead time of the cart's products, in working days (0 when none). */
  readonly extraLeadWorkingDays: number;
};

/** OR-2: whether the shop delivers to the country at all. */
export function servesDestination(policy: Pick<Policy, 'destinations'>, country: string): boolean {
  const countries = destinationCountries(policy);
  return countries === 'worldwide' ? !policy.destinations.exceptCountries.includes(country) : countries.includes(country);
}

/** SH-2 / SH-3: the priced delivery options for a destination, in the policy's order of methods. */
export function quoteShipping(input: QuoteShippingInput): ShippingOption[] {
  const { policy, destinationCountry: country, customerKind, goods } = input;
  const notServed = () => new DomainError('destination.not_served', { field: 'country', rule: 'OR-2', country });
  if (!servesDestination(policy, country)) throw notServed();

  const currency = currencyFor(policy, country);
  const options: ShippingOption[] = [];
  for (const method of policy.shipping.methods) {
    if (!methodServes(method, country)) continue;
    const row = rateRowFor(method, country)?.[currency];
    if (row === undefined) continue; // the policy linter reports a served country without a rate
    const rate = money(row, currency);

    // SH-2: the first offer that applies makes the method free.
    const offer = policy.shipping.freeShipping.find((f) => {
      const minimum = f.minimum[currency];
      if (minimum === undefined) return false;
      if (!f.methods.includes(method.id)) return false;
      if (f.countries !== undefined && !f.countries.includes(country)) return false;
      if (f.customerKinds !== undefined && !f.customerKinds.includes(customerKind)) return false;
      const total = f.basis === 'goods_incl_vat' ? goods.inclVat : goods.exclVat;
      return greaterThanOrEqual(total, money(minimum, currency));
    });

    const transit = method.transit.byCountry[country] ?? { minDays: method.transit.minDays, maxDays: method.transit.maxDays };
    const estimate = estimateDelivery({
      orderedAt: input.orderedAt,
      timeZone: policy.shop.timeZone,
      dispatchPlace: { country: policy.shop.dispatchCountry },
      preparationWorkingDays: policy.shipping.preparation.maxDays,
      extraLeadWorkingDays: input.extraLeadWorkingDays,
      transitWorkingDays: { min: transit.minDays, max: transit.maxDays },
    });

    options.push({
      methodId: method.id,
      kind: method.kind,
      label: method.label,
      carrier: method.carrier,
      amount: offer ? zero(currency) : rate,
      rate,
      free: offer !== undefined || rate.amount === 0,
      ...(offer ? { freeBecause: { minimum: money(offer.minimum[currency]!, currency), basis: offer.basis } } : {}),
      estimate,
    });
  }
  if (options.length === 0) throw notServed();
  return options;
}
