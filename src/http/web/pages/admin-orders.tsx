// Back office: orders (list with filters, detail with payments, refund
// transfers, reviews and the evidence timeline, OR-6; cancelling, OR-7), fraud
// review (PA-6) and awaited bank transfers (PA-5).
import { Csrf, FlashMessages } from '../flash.js';
import type { ComponentChildren } from 'preact';
import type { FraudReview } from '../../../app/fraud-review.js';
import { canCancel, STAFF_CANCELLATION_REASONS } from '../../../app/order-cancellation.js';
import { transferRefundDue } from '../../../app/payments.js';
import { paymentMethodText } from '../../../app/order-emails.js';
import type { AwaitedTransfer, OrderForStaff, OrderSummary } from '../../../app/orders-admin.js';
import { formatMoney, money, type Currency } from '../../../domain/money.js';
import { FRAUD_REVIEW_DOCUMENTS } from '../../../domain/orders/fraud-review.js';
import { ORDER_STATES } from '../../../domain/orders/order-lifecycle.js';
import { Layout, type ShopView } from '../layout.js';
import type { Language } from '../language.js';
import { fulfilmentMessages } from '../fulfilment-messages.js';
import { orderMessages } from '../order-messages.js';

type Common = { lang: Language; shop: ShopView; csrfToken: string; staffEmail: string };
type Flash = { error?: { code: string; message: string; field?: string } | null; notice?: string | null };

const when = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '—');
const amount = (minor: number, currency: Currency, lang: Language) => formatMoney(money(minor, currency), lang);



export function AdminOrdersPage(props: Common & { orders: OrderSummary[]; next: string | null; filter: { state: string; q: string } }) {
  const { lang } = props;
  const t = orderMessages[lang];
  const nextQuery = props.next ? `?${new URLSearchParams({ ...(props.filter.state ? { state: props.filter.state } : {}), ...(props.filter.q ? { q: props.filter.q } : {}), before: props.next }).toString()}` : null;
  return (
    <Layout lang={lang} title={t.orders} shop={props.shop} path="/admin/orders" area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>{t.orders}</h1>
      <p>
        <a href="/admin/fraud-review">{t.fraudReview}</a> · <a href="/admin/bank-transfers">{t.bankTransfers}</a>
      </p>
      <form method="get" action="/admin/orders" role="search" class="catalogue-filter">
        <label>
          {t.search} <input type="search" name="q" value={props.filter.q} maxLength={320} />
        </label>{' '}
        <label>
          {t.state}{' '}
          <select name="state">
            <option value="">{t.anyState}</option>
            {ORDER_STATES.map((s) => (
              <option key={s} value={s} selected={props.filter.state === s}>
                {t.states[s] ?? s}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="submit">{t.filter}</button>
      </form>
      {props.orders.length === 0 ? <p>{t.none}</p> : null}
      {props.orders.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t.number}</th>
              <th scope="col">{t.state}</th>
              <th scope="col">{t.email}</th>
              <th scope="col">{t.total}</th>
              <th scope="col">{t.payment}</th>
              <th scope="col">{t.placedAt}</th>
            </tr>
          </thead>
          <tbody>
            {props.orders.map((o) => (
              <tr key={o.number}>
                <td>
                  <a href={`/admin/orders/${encodeURIComponent(o.number)}`}>{o.number}</a>
                </td>
                <td data-state={o.state}>{t.states[o.state] ?? o.state}</td>
                <td>{o.email}</td>
                <td>{amount(o.total, o.currency, lang)}</td>
                <td>{o.paymentMethod}</td>
                <td>{when(o.placedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {nextQuery ? (
        <p class="pagination">
          <a href={`/admin/orders${nextQuery}`}>{t.older}</a>
        </p>
      ) : null}
    </Layout>
  );
}

function AddressBlock({ title, address }: { title: string; address: Record<string, unknown> }) {
  const lines = ['name', 'company', 'line1', 'line2', 'postalCode', 'city', 'region', 'country', 'phone'].map((k) => address[k]).filter((v): v is string => typeof v === 'string' && v !== '');
  return (
    <section>
      <h2>{title}</h2>
      <address>
        {lines.map((l, i) => (
          <span key={i}>
            {l}
            <br />
          </span>
        ))}
      </address>
    </section>
  );
}

function ReviewRows({ reviews, lang }: { reviews: FraudReview[]; lang: Language }) {
  const t = orderMessages[lang];
  return (
    <ul>
      {reviews.map((r) => (
        <li key={r.id} data-review-state={r.state}>
          {when(r.heldAt)} — {t.reviewStates[r.state] ?? r.state} — {r.reason} — {r.documentsRequested.map((d) => t.documentNames[d] ?? d).join(', ')} — {t.lastDay} {r.lastDay}
          {r.closedAt ? ` — ${when(r.closedAt)} (${r.closedBy ?? ''})` : ''}
        </li>
      ))}
    </ul>
  );
}

/** `children`: sections of other work on the order (AV-1 unavailable items…), before its timeline. */
export function AdminOrderPage(props: Common & Flash & { detail: OrderForStaff; canManage: boolean; canRefund: boolean; fraudReviewOffered: boolean; children?: ComponentChildren }) {
  const { lang, detail } = props;
  const { order } = detail;
  const t = orderMessages[lang];
  const m = (minor: number) => amount(minor, order.currency, lang);
  const base = `/admin/orders/${encodeURIComponent(order.number)}`;
  const holdable = props.canManage && props.fraudReviewOffered && (order.state === 'awaiting_payment' || order.state === 'paid');
  const onHold = props.canManage && order.state === 'on_hold';
  const cancellable = props.canManage && canCancel(order); // OR-7
  const refundable = props.canRefund && detail.payments.some((p) => transferRefundDue(p) > 0);
  return (
    <Layout lang={lang} title={t.order(order.number)} shop={props.shop} path={base} area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <p>
        <a href="/admin/orders">← {t.orders}</a>
      </p>
      <h1>{t.order(order.number)}</h1>
      <FlashMessages error={props.error ?? null} notice={props.notice ?? null} />
      <p>
        {t.state}: <strong data-state={order.state}>{t.states[order.state] ?? order.state}</strong> · {order.email} · {t.placedAt} {when(order.placedAt)}
        {order.cancelReason ? (
          <>
            {' '}
            · {t.cancelReason}: <span data-cancel-reason={order.cancelReason}>{t.cancelReasons[order.cancelReason] ?? order.cancelReason}</span>
            {order.cancelNote ? ` — ${order.cancelNote}` : ''}
          </>
        ) : null}
      </p>
      <p>
        {fulfilmentMessages[lang].fulfilment}: <span data-fulfilment={order.fulfilment}>{fulfilmentMessages[lang].fulfilments[order.fulfilment]}</span> · {fulfilmentMessages[lang].dueOn} {order.deliveryDueOn} ·{' '}
        <a href={`${base}/fulfilment`}>{fulfilmentMessages[lang].parcels}</a>
      </p>
      <h2>{t.lines}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t.sku}</th>
            <th scope="col">{t.lines}</th>
            <th scope="col">{t.quantity}</th>
            <th scope="col">{t.total}</th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((l) => (
            <tr key={l.position}>
              <td>{l.sku}</td>
              <td>{l.name[lang]}</td>
              <td>{l.quantity}</td>
              <td>{m(l.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl class="totals">
        <dt>{t.goods}</dt>
        <dd>{m(order.goods)}</dd>
        {order.ecoFees > 0 ? (
          <>
            <dt>{t.ecoFees}</dt>
            <dd>{m(order.ecoFees)}</dd>
          </>
        ) : null}
        {order.discounts > 0 ? (
          <>
            <dt>{t.discounts}</dt>
            <dd>-{m(order.discounts)}</dd>
          </>
        ) : null}
        <dt>{t.shipping}</dt>
        <dd>{m(order.shipping)}</dd>
        <dt>{t.total}</dt>
        <dd class="grand-total">{m(order.total)}</dd>
      </dl>
      <AddressBlock title={t.deliveryAddress} address={order.deliveryAddress as unknown as Record<string, unknown>} />
      <AddressBlock title={t.billingAddress} address={order.billingAddress as unknown as Record<string, unknown>} />
      <h2>{t.payments}</h2>
      <ul>
        {detail.payments.map((p) => (
          <li key={p.id}>
            {p.method} — {p.state} — {amount(p.amount, p.currency, lang)}
            {p.bankTransferReference ? ` — ${t.reference} ${p.bankTransferReference}` : ''}
            {p.card ? ` — ${p.card.brand} •••• ${p.card.last4}` : ''}
            {transferRefundDue(p) > 0 ? (
              <strong data-refund-due={String(transferRefundDue(p))}>
                {' '}
                — {t.refundDue}: {amount(transferRefundDue(p), p.currency, lang)}
              </strong>
            ) : null}
          </li>
        ))}
      </ul>
      {detail.refunds.length > 0 ? (
        <>
          <h2>{t.refunds}</h2>
          <ul>
            {detail.refunds.map((r, i) => (
              <li key={i} data-refund={String(r.amount)}>
                {r.transferredOn} — {amount(r.amount, r.currency, lang)} — {t.bankReference} <code>{r.bankReference}</code> — {t.by} {r.by} ({when(r.recordedAt)})
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {refundable ? (
        <form method="post" action={`${base}/transfer-refunds`} class="stack">
          <h2>{t.recordRefund}</h2>
          <Csrf token={props.csrfToken} />
          <label>
            {t.amount} <input type="text" name="amount" required inputMode="decimal" maxLength={16} />
          </label>
          <label>
            {t.transferredOn} <input type="date" name="transferredOn" required />
          </label>
          <label>
            {t.bankReference} <input type="text" name="bankReference" required maxLength={100} autoComplete="off" />
          </label>
          <button type="submit">{t.recordRefundSubmit}</button>
        </form>
      ) : null}
      {detail.reviews.length > 0 ? (
        <>
          <h2>{t.reviews}</h2>
          <ReviewRows reviews={detail.reviews} lang={lang} />
        </>
      ) : null}
      {holdable ? (
        <form method="post" action={`${base}/hold`} class="stack">
          <h2>{t.hold}</h2>
          <Csrf token={props.csrfToken} />
          <label>
            {t.reason} <textarea name="reason" required maxLength={2000} />
          </label>
          <fieldset>
            <legend>{t.documents}</legend>
            {FRAUD_REVIEW_DOCUMENTS.map((d) => (
              <label key={d} class="check">
                <input type="checkbox" name="documents" value={d} checked /> {t.documentNames[d]}
              </label>
            ))}
          </fieldset>
          <button type="submit">{t.holdSubmit}</button>
        </form>
      ) : null}
      {onHold ? (
        <>
          <form method="post" action={`${base}/documents-received`} class="stack">
            <Csrf token={props.csrfToken} />
            <label>
              {t.note} <input type="text" name="note" maxLength={2000} />
            </label>
            <button type="submit">{t.documentsReceived}</button>
          </form>
          <form method="post" action={`${base}/release`} class="stack">
            <Csrf token={props.csrfToken} />
            <button type="submit">{t.release}</button>
          </form>
        </>
      ) : null}
      {cancellable ? (
        <form method="post" action={`${base}/cancel`} class="stack">
          <h2>{t.cancel}</h2>
          <p class="note">{t.cancelHelp}</p>
          <Csrf token={props.csrfToken} />
          <label>
            {t.cancelReasonField}{' '}
            <select name="reason" required>
              <option value="">{t.chooseReason}</option>
              {STAFF_CANCELLATION_REASONS.map((r) => (
                <option key={r} value={r}>
                  {t.cancelReasons[r]}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t.cancelNote} <textarea name="note" maxLength={2000} />
          </label>
          <button type="submit">{t.cancelSubmit}</button>
        </form>
      ) : null}
      {props.children}
      <h2>{t.timeline}</h2>
      <table class="timeline">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t.at}</th>
            <th scope="col">{t.event}</th>
            <th scope="col">{t.actor}</th>
            <th scope="col">{t.details}</th>
          </tr>
        </thead>
        <tbody>
          {detail.timeline.map((e) => (
            <tr key={e.seq}>
              <td>{e.seq}</td>
              <td>{when(e.recordedAt)}</td>
              <td>
                <code>{e.kind}</code>
              </td>
              <td>{e.actor}</td>
              <td>
                <code class="meta">{JSON.stringify(e.data).slice(0, 300)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}

export function AdminFraudReviewPage(props: Common & { reviews: (FraudReview & { email: string; total: number; currency: Currency })[] }) {
  const { lang } = props;
  const t = orderMessages[lang];
  return (
    <Layout lang={lang} title={t.fraudReview} shop={props.shop} path="/admin/fraud-review" area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>{t.fraudReview}</h1>
      {props.reviews.length === 0 ? <p>{t.noReviews}</p> : null}
      {props.reviews.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t.number}</th>
              <th scope="col">{t.email}</th>
              <th scope="col">{t.total}</th>
              <th scope="col">{t.documents}</th>
              <th scope="col">{t.lastDay}</th>
              <th scope="col">{t.dueAt}</th>
              <th scope="col">{t.reason}</th>
            </tr>
          </thead>
          <tbody>
            {props.reviews.map((r) => (
              <tr key={r.id}>
                <td>
                  <a href={`/admin/orders/${encodeURIComponent(r.orderNumber)}`}>{r.orderNumber}</a>
                </td>
                <td>{r.email}</td>
                <td>{amount(r.total, r.currency, lang)}</td>
                <td>{r.documentsRequested.map((d) => t.documentNames[d] ?? d).join(', ')}</td>
                <td>{r.lastDay}</td>
                <td>{when(r.dueAt)}</td>
                <td>{r.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Layout>
  );
}

export function AdminBankTransfersPage(props: Common & Flash & { transfers: AwaitedTransfer[]; lastDays: Map<string, string>; canManage: boolean }) {
  const { lang } = props;
  const t = orderMessages[lang];
  return (
    <Layout lang={lang} title={t.bankTransfers} shop={props.shop} path="/admin/bank-transfers" area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>{t.bankTransfers}</h1>
      <FlashMessages error={props.error ?? null} notice={props.notice ?? null} />
      {props.transfers.length === 0 ? <p>{t.noTransfers}</p> : null}
      {props.transfers.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t.number}</th>
              <th scope="col">{t.reference}</th>
              <th scope="col">{t.transferFor}</th>
              <th scope="col">{t.amount}</th>
              <th scope="col">{t.lastTransferDay}</th>
              <th scope="col">{t.email}</th>
            </tr>
          </thead>
          <tbody>
            {props.transfers.map((b) => (
              <tr key={b.reference}>
                <td>
                  <a href={`/admin/orders/${encodeURIComponent(b.orderNumber)}`}>{b.orderNumber}</a>
                </td>
                <td>
                  <code>{b.reference}</code>
                </td>
                <td>{paymentMethodText(b.method, lang)}</td>
                <td>{amount(b.amount, b.currency, lang)}</td>
                <td>{props.lastDays.get(b.reference) ?? '—'}</td>
                <td>{b.email}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {props.canManage ? (
        <form method="post" action="/admin/bank-transfers/received" class="stack">
          <h2>{t.received}</h2>
          <Csrf token={props.csrfToken} />
          <label>
            {t.reference} <input type="text" name="reference" required maxLength={40} autoComplete="off" />
          </label>
          <label>
            {t.amount} <input type="text" name="amount" required inputMode="decimal" maxLength={16} />
          </label>
          <button type="submit">{t.receivedSubmit}</button>
        </form>
      ) : null}
    </Layout>
  );
}
