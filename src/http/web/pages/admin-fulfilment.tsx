// Back office: the fulfilment queue, an order's pick list and packing form,
// the parcel screen (tracking events, the sandbox carrier's events, the
// counter hand-over, SH-7) and the parcels waiting to be collected.
import type { AwaitingCollection, QueueRow, Shipment } from '../../../app/fulfilment.js';
import { formatMoney, money, type Currency } from '../../../domain/money.js';
import { TRACKED_EVENT_KINDS } from '../../../domain/fulfilment/shipment-lifecycle.js';
import { fulfilmentMessages } from '../fulfilment-messages.js';
import { Layout, type ShopView } from '../layout.js';
import type { Language } from '../language.js';
import { Csrf, FlashMessages } from '../flash.js';

type Common = { lang: Language; shop: ShopView; csrfToken: string; staffEmail: string };
type Flash = { error?: { code: string; message: string; field?: string } | null; notice?: string | null };
type PickLine = { position: number; sku: string; name: { fr: string; en: string }; quantity: number; locations: string[] };

const when = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '—');
const shipmentPath = (n: string) => `/admin/shipments/${encodeURIComponent(n)}`;
const preparePath = (n: string) => `/admin/orders/${encodeURIComponent(n)}/fulfilment`;

function Nav({ lang }: { lang: Language }) {
  const t = fulfilmentMessages[lang];
  return (
    <p>
      <a href="/admin/fulfilment">{t.queue}</a> · <a href="/admin/collections">{t.collections}</a>
    </p>
  );
}

export function AdminFulfilmentQueuePage(props: Common & { orders: QueueRow[] }) {
  const { lang } = props;
  const t = fulfilmentMessages[lang];
  return (
    <Layout lang={lang} title={t.queue} shop={props.shop} path="/admin/fulfilment" area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>{t.queue}</h1>
      <Nav lang={lang} />
      {props.orders.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t.order}</th>
              <th scope="col">{t.dueOn}</th>
              <th scope="col">{t.fulfilment}</th>
              <th scope="col">{t.method}</th>
              <th scope="col">{t.total}</th>
            </tr>
          </thead>
          <tbody>
            {props.orders.map((o) => (
              <tr key={o.number} data-order={o.number}>
                <td>
                  <a href={preparePath(o.number)}>{o.number}</a>
                </td>
                <td>{o.deliveryDueOn}</td>
                <td>{t.fulfilments[o.fulfilment as keyof typeof t.fulfilments] ?? o.fulfilment}</td>
                <td>{o.shippingMethodId}</td>
                <td>{formatMoney(money(o.total, o.currency as Currency), lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

function ParcelList({ lang, shipments }: { lang: Language; shipments: Shipment[] }) {
  const t = fulfilmentMessages[lang];
  if (shipments.length === 0) return null;
  return (
    <section aria-labelledby="parcels-title">
      <h2 id="parcels-title">{t.parcels}</h2>
      <ul>
        {shipments.map((s) => (
          <li key={s.number} data-shipment={s.number}>
            <a href={shipmentPath(s.number)}>{s.number}</a> — {t.states[s.state]}
            {s.trackingNumber ? <> · {s.trackingNumber}</> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function AdminPreparePage(props: Common & Flash & { orderNumber: string; deliveryDueOn: string; lines: PickLine[]; shipments: Shipment[] }) {
  const { lang } = props;
  const t = fulfilmentMessages[lang];
  return (
    <Layout lang={lang} title={t.prepare(props.orderNumber)} shop={props.shop} path={preparePath(props.orderNumber)} area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>{t.prepare(props.orderNumber)}</h1>
      <Nav lang={lang} />
      <p>
        <a href={`/admin/orders/${encodeURIComponent(props.orderNumber)}`}>{t.order} {props.orderNumber}</a> · {t.dueOn} {props.deliveryDueOn}
      </p>
      <FlashMessages error={props.error ?? null} notice={props.notice ?? null} />
      {props.lines.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <form method="post" action={preparePath(props.orderNumber)}>
          <Csrf token={props.csrfToken} />
          <table>
            <caption>{t.pickList}</caption>
            <thead>
              <tr>
                <th scope="col">{t.sku}</th>
                <th scope="col">{t.item}</th>
                <th scope="col">{t.from}</th>
                <th scope="col">{t.toShip}</th>
                <th scope="col">{t.quantity}</th>
              </tr>
            </thead>
            <tbody>
              {props.lines.map((l) => (
                <tr key={l.position}>
                  <td>{l.sku}</td>
                  <td>{l.name[lang]}</td>
                  <td>{l.locations.join(', ') || '—'}</td>
                  <td>{l.quantity}</td>
                  <td>
                    <label>
                      <span class="visually-hidden">
                        {t.quantity} {l.sku}
                      </span>
                      <input type="number" name={`qty_${l.position}`} min={0} max={l.quantity} value={String(l.quantity)} />
                    </label>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            <label>
              <input type="checkbox" name="dispatch" value="1" checked /> {t.dispatchNow}
            </label>
          </p>
          <button type="submit">{t.pack}</button>
        </form>
      )}
      <ParcelList lang={lang} shipments={props.shipments} />
    </Layout>
  );
}

/** SH-9 / SH-7: the parcel's facts, every tracking event, and the forms its state allows. */
export function AdminShipmentPage(props: Common & Flash & { shipment: Shipment; handOver: boolean; sandboxCarrier: boolean }) {
  const { lang, shipment: s } = props;
  const t = fulfilmentMessages[lang];
  const path = shipmentPath(s.number);
  const moving = !['packed', 'delivered', 'returned', 'cancelled'].includes(s.state);
  return (
    <Layout lang={lang} title={t.parcel(s.number)} shop={props.shop} path={path} area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>{t.parcel(s.number)}</h1>
      <Nav lang={lang} />
      <FlashMessages error={props.error ?? null} notice={props.notice ?? null} />
      <dl class="order-facts">
        <dt>{t.order}</dt>
        <dd>
          <a href={preparePath(s.orderNumber)}>{s.orderNumber}</a>
        </dd>
        <dt>{t.state}</dt>
        <dd data-shipment-state={s.state}>{t.states[s.state]}</dd>
        <dt>{t.carrier}</dt>
        <dd>{s.carrier}</dd>
        <dt>{t.tracking}</dt>
        <dd>{s.trackingUrl ? <a href={s.trackingUrl}>{s.trackingNumber}</a> : '—'}</dd>
        {s.replaces ? (
          <>
            <dt>{t.replaces}</dt>
            <dd>{s.replaces}</dd>
          </>
        ) : null}
        <dt>{t.shippedAt}</dt>
        <dd>{when(s.shippedAt)}</dd>
        {s.collectionDueAt ? (
          <>
            <dt>{t.collectBy}</dt>
            <dd>{when(s.collectionDueAt)}</dd>
          </>
        ) : null}
        <dt>{t.deliveredAt}</dt>
        <dd data-delivered-at={s.deliveredAt?.toISOString() ?? ''}>{when(s.deliveredAt)}</dd>
        <dt>{t.possession}</dt>
        <dd>{s.possession ? `${s.possession.name || '—'} (${s.possession.by === 'customer' ? t.byCustomer : t.byThirdParty}, ${t.sources[s.possession.source === 'customer_declaration' ? 'customer' : s.possession.source === 'store' ? 'staff' : 'carrier']})` : '—'}</dd>
      </dl>
      <table>
        <caption>{t.item}</caption>
        <tbody>
          {s.lines.map((l) => (
            <tr key={l.position}>
              <td>{l.sku}</td>
              <td>{l.name[lang]}</td>
              <td>{l.quantity}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t.events}</h2>
      <ol class="timeline">
        {s.events.map((e, i) => (
          <li key={i} data-event={e.kind}>
            {when(e.occurredAt)} — {t.eventKinds[e.kind] ?? e.kind} ({t.sources[e.source] ?? e.source})
            {typeof e.data.signedBy === 'string' ? <> · {e.data.signedBy}</> : null}
            {typeof e.data.location === 'string' ? <> · {e.data.location}</> : null}
          </li>
        ))}
      </ol>
      {s.state === 'packed' ? (
        <form method="post" action={`${path}/dispatch`}>
          <Csrf token={props.csrfToken} />
          <button type="submit">{t.dispatch}</button>
        </form>
      ) : null}
      {moving || s.state === 'refused' ? (
        <form method="post" action={`${path}/events`}>
          <Csrf token={props.csrfToken} />
          <fieldset>
            <legend>{t.recordEvent}</legend>
            <label>
              {t.eventKind}{' '}
              <select name="kind">
                {TRACKED_EVENT_KINDS.filter((k) => k !== 'shipped' && k !== 'cancelled').map((k) => (
                  <option key={k} value={k}>
                    {t.eventKinds[k] ?? k}
                  </option>
                ))}
              </select>
            </label>{' '}
            <label>
              {t.signedBy} <input name="signedBy" maxLength={200} />
            </label>{' '}
            <label>
              {t.recipient}{' '}
              <select name="recipient">
                <option value="customer">{t.byCustomer}</option>
                <option value="third_party">{t.byThirdParty}</option>
              </select>
            </label>{' '}
            <label>
              {t.location} <input name="location" maxLength={300} />
            </label>{' '}
            <label>
              {t.occurredAt} <input name="occurredAt" maxLength={40} placeholder="2026-11-25T14:30:00Z" />
            </label>{' '}
            <input type="hidden" name="as" value={props.sandboxCarrier ? 'carrier' : 'staff'} />
            <button type="submit">{t.record}</button>
          </fieldset>
        </form>
      ) : null}
      {props.handOver && s.state === 'awaiting_collection' ? (
        <form method="post" action={`${path}/hand-over`}>
          <Csrf token={props.csrfToken} />
          <fieldset>
            <legend>{t.handOver}</legend>
            <label>
              {t.collectedBy} <input name="collectedBy" required maxLength={200} />
            </label>{' '}
            <label>
              <input type="checkbox" name="identityChecked" value="1" /> {t.identityChecked}
            </label>{' '}
            <label>
              <input type="checkbox" name="availabilityEmailShown" value="1" /> {t.emailShown}
            </label>{' '}
            <button type="submit">{t.handOverButton}</button>
          </fieldset>
        </form>
      ) : null}
    </Layout>
  );
}

export function AdminCollectionsPage(props: Common & { parcels: AwaitingCollection[] }) {
  const { lang } = props;
  const t = fulfilmentMessages[lang];
  return (
    <Layout lang={lang} title={t.collections} shop={props.shop} path="/admin/collections" area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>{t.collections}</h1>
      <Nav lang={lang} />
      {props.parcels.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t.parcels}</th>
              <th scope="col">{t.order}</th>
              <th scope="col">{t.method}</th>
              <th scope="col">{t.location}</th>
              <th scope="col">{t.collectBy}</th>
            </tr>
          </thead>
          <tbody>
            {props.parcels.map((p) => (
              <tr key={p.number}>
                <td>
                  <a href={shipmentPath(p.number)}>{p.number}</a>
                </td>
                <td>{p.orderNumber}</td>
                <td>{p.methodKind}</td>
                <td>{p.pickupPoint ?? '—'}</td>
                <td>{when(p.dueAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
