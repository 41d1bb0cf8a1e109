// The sandbox carrier's public tracking page (SH-5): what a carrier's site
// shows for a tracking number — its events, nothing about the order.
import type { Shipment } from '../../../app/fulfilment.js';
import { fulfilmentMessages } from '../fulfilment-messages.js';
import type { Language } from '../language.js';
import { Layout, type ShopView } from '../layout.js';

export function SandboxTrackingPage(props: { lang: Language; shop: ShopView; timeZone: string; shipment: Shipment }) {
  const { lang, shipment: s } = props;
  const t = fulfilmentMessages[lang];
  const at = (d: Date) => new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: props.timeZone }).format(d);
  return (
    <Layout lang={lang} title={`${t.tracking} ${s.trackingNumber ?? ''}`} shop={props.shop} path={`/sandbox/carrier/${s.trackingNumber ?? ''}`} area="store">
      <h1>
        {t.tracking} {s.trackingNumber} <small>(sandbox carrier — {s.carrier})</small>
      </h1>
      <p data-shipment-state={s.state}>{t.states[s.state]}</p>
      <ol class="timeline">
        {s.events
          .filter((e) => e.kind !== 'packed')
          .map((e, i) => (
            <li key={i}>
              {at(e.occurredAt)} — {t.eventKinds[e.kind] ?? e.kind}
              {typeof e.data.location === 'string' ? <> · {e.data.location}</> : null}
            </li>
          ))}
      </ol>
    </Layout>
  );
}
