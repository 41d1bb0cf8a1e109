// SH-5 / SH-9: the account's tracking of an order — each parcel that left,
// its carrier and tracking link, its events, and when (and by whom) it was
// received; the date the last item was received (WD-1 counts from it); and,
// for a parcel the carrier never reported delivered, the form to declare it.
import type { Shipment } from '../../app/fulfilment.js';
import { fulfilmentMessages } from './fulfilment-messages.js';
import type { Language } from './language.js';

const dateTime = (at: Date, lang: Language, timeZone: string) =>
  new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone }).format(at);

const DECLARABLE = new Set(['shipped', 'in_transit', 'delivery_attempted', 'awaiting_collection']);

export function OrderTracking(props: { lang: Language; timeZone: string; orderNumber: string; lastDeliveredAt: Date | null; shipments: Shipment[]; csrfToken?: string | undefined }) {
  const { lang, timeZone } = props;
  const t = fulfilmentMessages[lang];
  return (
    <section aria-labelledby="tracking-title" class="order-tracking">
      <h2 id="tracking-title">{t.trackingTitle}</h2>
      {props.lastDeliveredAt ? (
        <p>
          {t.lastDelivered}{' '}
          <time dateTime={props.lastDeliveredAt.toISOString()} data-last-delivered>
            {dateTime(props.lastDeliveredAt, lang, timeZone)}
          </time>
        </p>
      ) : null}
      {props.shipments.length === 0 ? <p>{t.noParcel}</p> : null}
      {props.shipments.map((s) => (
        <article key={s.number} data-shipment={s.number} data-shipment-state={s.state}>
          <h3>
            {t.parcel(s.number)} — {t.states[s.state]}
          </h3>
          <p>
            {t.carrier} {s.carrier}
            {s.trackingNumber ? (
              <>
                {' · '}
                {t.tracking} {s.trackingNumber}
                {s.trackingUrl ? (
                  <>
                    {' · '}
                    <a href={s.trackingUrl}>{t.trackLink}</a>
                  </>
                ) : null}
              </>
            ) : null}
          </p>
          <ul>
            {s.lines.map((l) => (
              <li key={l.position}>
                {l.quantity} × {l.name[lang]}
              </li>
            ))}
          </ul>
          {s.deliveredAt ? (
            <p>
              {t.deliveredAt}{' '}
              <time dateTime={s.deliveredAt.toISOString()} data-delivered-at>
                {dateTime(s.deliveredAt, lang, timeZone)}
              </time>
              {s.possession?.name ? <> — {s.possession.name}</> : null}
            </p>
          ) : null}
          {s.collectionDueAt && s.state === 'awaiting_collection' ? (
            <p>
              {t.collectBy} {dateTime(s.collectionDueAt, lang, timeZone)}
              {s.pickupPoint ? <> — {s.pickupPoint}</> : null}
            </p>
          ) : null}
          <ol class="timeline">
            {s.events
              .filter((e) => e.kind !== 'packed')
              .map((e, i) => (
                <li key={i}>
                  {dateTime(e.occurredAt, lang, timeZone)} — {t.eventKinds[e.kind] ?? e.kind}
                  {typeof e.data.location === 'string' ? <> · {e.data.location}</> : null}
                </li>
              ))}
          </ol>
          {props.csrfToken && DECLARABLE.has(s.state) ? (
            <form method="post" action={`/account/orders/${encodeURIComponent(props.orderNumber)}/shipments/${encodeURIComponent(s.number)}/received`}>
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <fieldset>
                <legend>{t.declareTitle}</legend>
                <p class="meta">{t.declareHelp}</p>
                <label>
                  {t.receivedAt} <input type="datetime-local" name="receivedAt" required />
                </label>{' '}
                <label>
                  {t.receivedBy}{' '}
                  <select name="by">
                    <option value="customer">{t.byMe}</option>
                    <option value="third_party">{t.byOther}</option>
                  </select>
                </label>{' '}
                <label>
                  {t.name} <input name="name" required maxLength={200} />
                </label>{' '}
                <button type="submit">{t.declare}</button>
              </fieldset>
            </form>
          ) : null}
        </article>
      ))}
    </section>
  );
}
