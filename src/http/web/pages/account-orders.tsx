// The customer's orders in the account (issue 4 §8; CU-1: order history and
// invoices to download, DOC-1): the list, newest first, and one order with its
// lines, amounts, addresses, states and invoice. Links only: no JavaScript.
import type { ComponentChildren } from 'preact';
import type { AccountOrder, AccountOrderSummary } from '../../../app/account-orders.js';
import { addressLines, legalDate, paymentMethodText } from '../../../app/order-emails.js';
import { localDateIn } from '../../../domain/calendar/local-date.js';
import type { CheckedAddress } from '../../../domain/customers/address-rules.js';
import { formatMoney, money, type Currency } from '../../../domain/money.js';
import { accountMessages } from '../account-messages.js';
import { checkoutMessages } from '../checkout-messages.js';
import type { Language } from '../language.js';
import { Layout, type ShopView } from '../layout.js';
import { orderStateLabel } from '../order-state-labels.js';
import { OrderLinesTable } from '../order-lines.js';
import { OrderTracking } from '../order-tracking.js';
import { WithdrawalSection } from '../withdrawal-status.js';
import { PaymentArrangements } from '../payment-arrangements.js';
import { OrderTotalsTable } from '../totals-table.js';

type Base = { lang: Language; shop: ShopView; timeZone: string };

const orderPath = (number: string) => `/account/orders/${encodeURIComponent(number)}`;

/** A placement instant as a calendar date of the shop's time zone. */
const placedOn = (lang: Language, timeZone: string, at: Date) => legalDate(localDateIn(timeZone, at), lang);

function InvoiceLink({ lang, url, number }: { lang: Language; url: string; number: string }) {
  return (
    <a href={url} type="application/pdf" data-invoice-number={number}>
      {accountMessages[lang].invoicePdf(number)}
    </a>
  );
}

export function OrdersPage(props: Base & { orders: AccountOrderSummary[]; next: string | null; paged: boolean; invoiceUrl: (orderNumber: string) => string }) {
  const { lang } = props;
  const t = accountMessages[lang];
  const m = (amount: number, currency: Currency) => formatMoney(money(amount, currency), lang);
  return (
    <Layout lang={lang} title={t.orders} shop={props.shop} path="/account/orders" area="store">
      <h1>{t.orders}</h1>
      <p>
        <a href="/account">{t.account}</a>
      </p>
      {props.orders.length === 0 ? (
        <p>{t.noOrders}</p>
      ) : (
        <table class="account-orders">
          <thead>
            <tr>
              <th scope="col">{t.orderNumber}</th>
              <th scope="col">{t.placedOn}</th>
              <th scope="col">{t.state}</th>
              <th scope="col">{t.total}</th>
              <th scope="col">{t.invoice}</th>
            </tr>
          </thead>
          <tbody>
            {props.orders.map((o) => (
              <tr key={o.number} data-order-number={o.number}>
                <td>
                  <a href={orderPath(o.number)}>{o.number}</a>
                </td>
                <td>
                  <time dateTime={o.placedAt.toISOString()}>{placedOn(lang, props.timeZone, o.placedAt)}</time>
                </td>
                <td data-order-state={o.state}>{orderStateLabel(lang, o.state)}</td>
                <td>{m(o.total, o.currency)}</td>
                <td>{o.invoiceNumber ? <InvoiceLink lang={lang} url={props.invoiceUrl(o.number)} number={o.invoiceNumber} /> : <span class="meta">{t.invoicePending}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        {props.paged ? <a href="/account/orders">{t.newestOrders}</a> : null}{' '}
        {props.next ? (
          <a href={`/account/orders?before=${encodeURIComponent(props.next)}`} rel="next">
            {t.olderOrders}
          </a>
        ) : null}
      </p>
    </Layout>
  );
}

function AddressBlock({ title, address }: { title: string; address: CheckedAddress }) {
  return (
    <>
      <h3>{title}</h3>
      <address>
        {addressLines(address).map((line, i) => (
          <span key={i}>
            {line}
            <br />
          </span>
        ))}
      </address>
    </>
  );
}

/** `children`: the sections of the after-ordering work (delivery claims, SH-8; the delivery deadline, SH-4…), after the order's own. */
export function OrderPage(props: Base & { detail: AccountOrder; invoiceUrl: string; csrfToken?: string; children?: ComponentChildren }) {
  const { lang } = props;
  const { order, vatBreakdown, paymentState, invoice } = props.detail;
  const t = accountMessages[lang];
  const c = checkoutMessages[lang];
  const shipping = order.shippingDetails as { label?: { fr: string; en: string } } | null;
  return (
    <Layout lang={lang} title={t.order(order.number)} shop={props.shop} path={orderPath(order.number)} area="store">
      <h1>{t.order(order.number)}</h1>
      <p>
        <a href="/account/orders">{t.backToOrders}</a>
      </p>
      <dl class="order-facts">
        <dt>{t.placedOn}</dt>
        <dd>
          <time dateTime={order.placedAt.toISOString()}>{placedOn(lang, props.timeZone, order.placedAt)}</time>
        </dd>
        <dt>{t.state}</dt>
        <dd data-order-state={order.state}>{orderStateLabel(lang, order.state)}</dd>
        <dt>{t.paymentMethod}</dt>
        <dd>{paymentMethodText(order.paymentMethod, lang)}</dd>
        <dt>{t.paymentState}</dt>
        <dd data-payment-state={paymentState ?? ''}>{paymentState ? (c.paymentStates[paymentState] ?? paymentState) : '—'}</dd>
        <dt>{t.invoice}</dt>
        <dd>{invoice ? <InvoiceLink lang={lang} url={props.invoiceUrl} number={invoice.number} /> : <span class="meta">{t.invoicePending}</span>}</dd>
      </dl>
      <PaymentArrangements arrangements={props.detail.arrangements} lang={lang} />
      <OrderLinesTable order={order} lang={lang} labels={c} vat={{ breakdown: vatBreakdown, heading: t.vatRate }} />
      <OrderTotalsTable order={order} vatBreakdown={vatBreakdown} lang={lang} labels={c} />
      <WithdrawalSection lang={lang} status={props.detail.withdrawal} order={order} />
      <OrderTracking lang={lang} timeZone={props.timeZone} orderNumber={order.number} lastDeliveredAt={order.lastDeliveredAt} shipments={props.detail.shipments} csrfToken={props.csrfToken} />
      <section aria-labelledby="addresses-title">
        <h2 id="addresses-title">{c.delivery}</h2>
        {shipping?.label ? (
          <p>
            {t.shippingMethod}
            {lang === 'fr' ? '\u00a0: ' : ': '}
            {shipping.label[lang]}
          </p>
        ) : null}
        <AddressBlock title={t.deliveryAddress} address={order.deliveryAddress} />
        <AddressBlock title={t.billingAddress} address={order.billingAddress} />
      </section>
      {props.children}
    </Layout>
  );
}
