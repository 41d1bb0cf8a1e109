// The lines of a placed order as they were frozen (OR-4): name, options, gift
// (PR-8), SKU, quantity, unit price and total — on the confirmation page and
// in the account, which also shows each line's VAT rate where VAT was charged
// (PR-1: none under the franchise, nor on an export).
import type { OrderVatRate } from '../../app/account-orders.js';
import type { Order } from '../../app/orders.js';
import { formatMoney, money } from '../../domain/money.js';
import type { Language } from './language.js';
import { rateLabel } from '../../app/order-emails.js';

export type OrderLinesLabels = { product: string; sku: string; quantity: string; unitPrice: string; lineTotal: string; gift: string };

export function OrderLinesTable(props: {
  order: Pick<Order, 'currency' | 'lines'>;
  lang: Language;
  labels: OrderLinesLabels;
  /** With a VAT rate column: the order's VAT rows and the column's heading. */
  vat?: { breakdown: OrderVatRate[]; heading: string } | undefined;
}) {
  const { order, lang, labels: t, vat } = props;
  const m = (amount: number) => formatMoney(money(amount, order.currency), lang);
  const chargedRates = new Set((vat?.breakdown ?? []).filter((r) => r.treatment === 'included').map((r) => r.rateBasisPoints));
  const percent = (bp: number) => `${rateLabel(bp, lang)}${lang === 'fr' ? '\u00a0%' : '%'}`;
  return (
    <table class="cart-lines">
      <thead>
        <tr>
          <th scope="col">{t.product}</th>
          <th scope="col">{t.sku}</th>
          <th scope="col">{t.quantity}</th>
          <th scope="col">{t.unitPrice}</th>
          {vat ? <th scope="col">{vat.heading}</th> : null}
          <th scope="col">{t.lineTotal}</th>
        </tr>
      </thead>
      <tbody>
        {order.lines.map((l) => (
          <tr key={l.position}>
            <td>
              {l.name[lang]}
              {Object.keys(l.options).length > 0 ? <span class="meta"> — {Object.values(l.options).join(', ')}</span> : null}
              {l.isGift ? <strong> ({t.gift})</strong> : null}
            </td>
            <td>{l.sku}</td>
            <td>{l.quantity}</td>
            <td>{m(l.unitPrice)}</td>
            {vat ? <td>{chargedRates.has(l.vatRateBasisPoints) ? percent(l.vatRateBasisPoints) : '—'}</td> : null}
            <td>{m(l.total)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
