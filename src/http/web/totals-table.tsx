// The totals of a priced cart (PR-9), shown the same way on the cart page and
// the checkout summary: goods, eco-fees (PR-3), discounts, shipping, total, and
// the VAT included per rate — or nothing more when no VAT is charged (PR-1).
import type { PricedCart } from '../../domain/pricing/cart-pricing.js';
import { formatMoney } from '../../domain/money.js';
import type { Language } from './language.js';

export type TotalsLabels = {
  goods: string;
  ecoFees: string;
  discounts: string;
  shipping: string;
  free: string;
  /** Shown while no delivery method is chosen. */
  shippingPending: string;
  total: string;
  vatIncluded: (rate: string) => string;
};

/** A VAT rate in basis points as the language writes it ("5,5" / "5.5"). */
export const percentLabel = (bp: number, lang: Language) =>
  new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 2 }).format(bp / 100);

export function TotalsTable({ priced, lang, labels: t }: { priced: PricedCart; lang: Language; labels: TotalsLabels }) {
  const m = (x: Parameters<typeof formatMoney>[0]) => formatMoney(x, lang);
  return (
    <table class="totals">
      <tbody>
        <tr>
          <th scope="row">{t.goods}</th>
          <td>{m(priced.goods)}</td>
        </tr>
        {priced.ecoFees.amount > 0 ? (
          <tr>
            <th scope="row">{t.ecoFees}</th>
            <td>{m(priced.ecoFees)}</td>
          </tr>
        ) : null}
        {priced.discounts.amount > 0 ? (
          <tr>
            <th scope="row">{t.discounts}</th>
            <td>−{m(priced.discounts)}</td>
          </tr>
        ) : null}
        <tr>
          <th scope="row">{t.shipping}</th>
          <td>{priced.shipping ? (priced.shipping.free ? t.free : m(priced.shipping.amount)) : t.shippingPending}</td>
        </tr>
        <tr class="grand-total">
          <th scope="row">{t.total}</th>
          <td>
            <strong>{m(priced.total)}</strong>
          </td>
        </tr>
        {priced.vat.mode === 'included'
          ? priced.vatBreakdown
              .filter((r) => r.treatment === 'included')
              .map((r) => (
                <tr key={r.rateBasisPoints} class="meta">
                  <th scope="row">{t.vatIncluded(percentLabel(r.rateBasisPoints, lang))}</th>
                  <td>{m(r.vat)}</td>
                </tr>
              ))
          : null}
      </tbody>
    </table>
  );
}
