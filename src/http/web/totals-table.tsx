// The totals of a basket (PR-9), one table for every page: goods, eco-fees
// (PR-3), discounts, shipping, total, and the VAT included per rate — or no VAT
// row when none is charged (PR-1). A priced cart (cart page, checkout summary)
// and a placed order's frozen amounts (confirmation, account) are both read
// into the same rows first.
import type { OrderVatRate } from '../../app/account-orders.js';
import { rateLabel } from '../../app/order-emails.js';
import type { Order } from '../../app/orders.js';
import type { PricedCart } from '../../domain/pricing/cart-pricing.js';
import { formatMoney, money, type Currency } from '../../domain/money.js';
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

/** The rows, in minor units of one currency; `shipping` null while no method is chosen. */
type Totals = {
  currency: Currency;
  goods: number;
  ecoFees: number;
  discounts: number;
  shipping: { amount: number; free: boolean } | null;
  total: number;
  /** VAT included per rate (empty when no VAT is charged). */
  vat: { rateBasisPoints: number; vat: number }[];
};

function Table({ totals: x, lang, labels: t }: { totals: Totals; lang: Language; labels: TotalsLabels }) {
  const m = (amount: number) => formatMoney(money(amount, x.currency), lang);
  return (
    <table class="totals">
      <tbody>
        <tr>
          <th scope="row">{t.goods}</th>
          <td>{m(x.goods)}</td>
        </tr>
        {x.ecoFees > 0 ? (
          <tr>
            <th scope="row">{t.ecoFees}</th>
            <td>{m(x.ecoFees)}</td>
          </tr>
        ) : null}
        {x.discounts > 0 ? (
          <tr>
            <th scope="row">{t.discounts}</th>
            <td>−{m(x.discounts)}</td>
          </tr>
        ) : null}
        <tr>
          <th scope="row">{t.shipping}</th>
          <td>{x.shipping ? (x.shipping.free ? t.free : m(x.shipping.amount)) : t.shippingPending}</td>
        </tr>
        <tr class="grand-total">
          <th scope="row">{t.total}</th>
          <td>
            <strong>{m(x.total)}</strong>
          </td>
        </tr>
        {x.vat
          .filter((r) => r.vat > 0)
          .map((r) => (
            <tr key={r.rateBasisPoints} class="meta">
              <th scope="row">{t.vatIncluded(rateLabel(r.rateBasisPoints, lang))}</th>
              <td>{m(r.vat)}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

/** A priced cart's totals (cart page, checkout summary). */
export function TotalsTable({ priced, lang, labels }: { priced: PricedCart; lang: Language; labels: TotalsLabels }) {
  const totals: Totals = {
    currency: priced.total.currency,
    goods: priced.goods.amount,
    ecoFees: priced.ecoFees.amount,
    discounts: priced.discounts.amount,
    shipping: priced.shipping ? { amount: priced.shipping.amount.amount, free: priced.shipping.free } : null,
    total: priced.total.amount,
    vat: priced.vat.mode === 'included' ? priced.vatBreakdown.filter((r) => r.treatment === 'included').map((r) => ({ rateBasisPoints: r.rateBasisPoints, vat: r.vat.amount })) : [],
  };
  return <Table totals={totals} lang={lang} labels={labels} />;
}

/** A placed order's frozen totals (OR-4: confirmation page, account). */
export function OrderTotalsTable(props: {
  order: Pick<Order, 'currency' | 'goods' | 'ecoFees' | 'discounts' | 'shipping' | 'total'>;
  vatBreakdown: OrderVatRate[];
  lang: Language;
  labels: Omit<TotalsLabels, 'shippingPending'>;
}) {
  const { order } = props;
  const totals: Totals = {
    currency: order.currency,
    goods: order.goods,
    ecoFees: order.ecoFees,
    discounts: order.discounts,
    shipping: { amount: order.shipping, free: order.shipping === 0 },
    total: order.total,
    vat: props.vatBreakdown.filter((r) => r.treatment === 'included'),
  };
  return <Table totals={totals} lang={props.lang} labels={{ ...props.labels, shippingPending: '—' }} />;
}
