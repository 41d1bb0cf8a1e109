// PR-1 / PR-2: how VAT applies to a sale, from the shop's policy and the
// destination country. Pure: the policy and the country in, a treatment out.
//
// Catalogue prices are the French, VAT-inclusive prices of the destination's
// price list (PR-1). Three treatments follow:
// - included:    the price is charged as it is; the VAT inside it is the
//                destination's rate (`rates.byCountry`, else `rates.default`).
//                A different destination rate changes the VAT inside the
//                price, never the price the customer sees.
// - not_subject: the seller is not subject to VAT (JW, French "franchise en
//                base"): no VAT anywhere, the franchise mention on the invoice.
// - export:      the destination leaves the EU VAT area and the policy says
//                `outsideEu.vatCharged: false` (FA: GB GI RE; EL: CH and the
//                overseas departments). Prices are shown and charged WITHOUT
//                French VAT: the export price is the net price inside the
//                catalogue's VAT-inclusive price at the French DEFAULT rate
//                (`includedRateBasisPoints`), so a 120.00 EUR item at 20 %
//                sells 100.00 EUR to Switzerland. Duties, import fees and local
//                VAT are the customer's (`importChargesPaidByCustomer`).
import { currencyFor, percentToBasisPoints, type Policy } from '../../policy/schema.js';
import { applyRatio, subtract, type Currency, type Money } from '../money.js';

export type LocalisedText = { readonly fr: string; readonly en: string };

export type VatMode = 'included' | 'not_subject' | 'export';

export type VatTreatment = {
  readonly mode: VatMode;
  /** The VAT rate charged on the sale, in basis points (2000 = 20 %); 0 for not_subject and export. */
  readonly rateBasisPoints: number;
  /**
   * The rate included in the catalogue's prices, in basis points: the
   * destination's rate when VAT is charged, the French default rate for an
   * export (the rate taken OUT of the catalogue price), 0 when not subject.
   */
  readonly includedRateBasisPoints: number;
  /** PR-1: the currency of the price list serving the destination (the default list when none is set yet). */
  readonly priceListCurrency: Currency;
  /** PR-1: the franchise mention (not_subject); PR-2: the export mention (export). */
  readonly mention?: LocalisedText;
  /** PR-2: duties, import fees and local VAT are billed to the customer by the carrier or customs. */
  readonly importChargesPaidByCustomer: boolean;
};

/**
 * The EU VAT area by ISO code: the 27 member states and Monaco (inside the
 * French VAT territory). Overseas departments have their own ISO codes (RE,
 * GP, MQ, GF, YT) and are outside it, like GB and GI.
 */
export const EU_VAT_AREA: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL',
  'PT', 'RO', 'SE', 'SI', 'SK', 'MC',
]);

const EXPORT_MENTION: LocalisedText = {
  fr: 'Prix hors TVA française (exportation, art. 262 I du CGI) ; droits de douane, frais d’importation et TVA locale à la charge du client.',
  en: 'Prices without French VAT (export, art. 262 I of the French General Tax Code); customs duties, import fees and local VAT are payable by the customer.',
};

type OutsideEu = NonNullable<Policy['pricing']['vat']['outsideEu']>;

/** PR-2: whether the destination is one the policy's `outsideEu` clause covers. */
function leavesEu(outsideEu: OutsideEu | undefined, country: string | null): boolean {
  if (outsideEu === undefined || country === null) return false;
  return outsideEu.countries !== undefined ? outsideEu.countries.includes(country) : !EU_VAT_AREA.has(country);
}

/**
 * PR-1 / PR-2: the VAT treatment of a sale to `destinationCountry` (null: not
 * chosen yet — prices are then shown as for the shop's default destination,
 * with the default rate and the default price list).
 */
export function vatTreatment(policy: Pick<Policy, 'pricing'>, destinationCountry: string | null): VatTreatment {
  const vat = policy.pricing.vat;
  // currencyFor falls back to the default price list for a country no list names.
  const priceListCurrency = currencyFor(policy, destinationCountry ?? '');
  const importChargesPaidByCustomer = leavesEu(vat.outsideEu, destinationCountry);

  if (vat.mode === 'not_subject') {
    return { mode: 'not_subject', rateBasisPoints: 0, includedRateBasisPoints: 0, priceListCurrency, mention: vat.franchiseMention, importChargesPaidByCustomer };
  }
  const defaultRate = percentToBasisPoints(vat.rates.default);
  if (importChargesPaidByCustomer && vat.outsideEu?.vatCharged === false) {
    return { mode: 'export', rateBasisPoints: 0, includedRateBasisPoints: defaultRate, priceListCurrency, mention: EXPORT_MENTION, importChargesPaidByCustomer };
  }
  const own = destinationCountry === null ? undefined : vat.rates.byCountry[destinationCountry];
  const rate = own === undefined ? defaultRate : percentToBasisPoints(own);
  return { mode: 'included', rateBasisPoints: rate, includedRateBasisPoints: rate, priceListCurrency, importChargesPaidByCustomer };
}

/**
 * PR-9: the VAT inside a VAT-inclusive amount at `rateBasisPoints`:
 * vat = gross × r / (10 000 + r), rounded once by money.ts's rule (half away
 * from zero), and net = gross − vat, so net + vat is always exactly gross.
 * 120.00 at 20 % → 100.00 + 20.00; 99.99 at 20 % → 83.32 + 16.67.
 */
export function splitInclusive(gross: Money, rateBasisPoints: number): { net: Money; vat: Money } {
  const vat = applyRatio(gross, rateBasisPoints, 10_000 + rateBasisPoints);
  return { net: subtract(gross, vat), vat };
}
