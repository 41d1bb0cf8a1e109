// The totals of a placed order as they were frozen (OR-4, PR-9): the same rows
// and labels as the cart's `TotalsTable` (totals-table.tsx), read from the
// order's stored amounts instead of a priced cart — goods, eco-fees (PR-3),
// discounts, shipping, total, and the VAT included per rate (none when no VAT
// was charged, PR-1).
import type { OrderVatRate } from '../../app/account-orders.js';
import type { Order } from '../../app/orders.js';
import { formatMoney, money } from '../../domain/money.js';
import type { Language } from './language.js';
import { percentLabel, type TotalsLabels } from './totals-table.js';

type Props = {
  order: Pick<Order, 'currency' | 'goods' | 'ecoFees' | 'discounts' | 'shipping' | 'total'>;
  vatBreakdown: OrderVatRate[];
  lang: Language;
  labels: Omit<TotalsLabels, 'shippingPending'>;
};

export function OrderTotalsTable({ order, vatBreakdown, lang, labels: t }: Props) {
  const m = (amount: number) => formatMoney(money(amount, order.currency), lang);
  return (
    <table class="totals">
      <tbody>
        <tr>
          <th scope="row">{t.goods}</th>
          <td>{m(order.goods)}</td>
        </tr>
        {order.ecoFees > 0 ? (
          <tr>
            <th scope="row">{t.ecoFees}</th>
            <td>{m(order.ecoFees)}</td>
          </tr>
        ) : null}
        {order.discounts > 0 ? (
          <tr>
            <th scope="row">{t.discounts}</th>
            <td>−{m(order.discounts)}</td>
          </tr>
        ) : null}
        <tr>
          <th scope="row">{t.shipping}</th>
          <td>{order.shipping === 0 ? t.free : m(order.shipping)}</td>
        </tr>
        <tr class="grand-total">
          <th scope="row">{t.total}</th>
          <td>
            <strong>{m(order.total)}</strong>
          </td>
        </tr>
        {vatBreakdown
          .filter((r) => r.treatment === 'included' && r.vat > 0)
          .map((r) => (
            <tr key={r.rateBasisPoints} class="meta">
              <th scope="row">{t.vatIncluded(percentLabel(r.rateBasisPoints, lang))}</th>
              <td>{m(r.vat)}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}
