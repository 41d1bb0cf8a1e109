import { Layout, type ShopView } from '../layout.js';
import type { Language } from '../language.js';
import { messages } from '../messages.js';

export type AdminHomeProps = {
  lang: Language;
  shop: ShopView;
  csrfToken: string;
  staff: { email: string; role: string };
  clock: { kind: 'system' | 'manual'; now: string; canAdvance: boolean };
  team: Array<{ email: string; role: string; disabled: boolean }> | null;
  audit: Array<{ at: string; actor: string; action: string; target: string | null }> | null;
};

/** The back office's sections: the queues staff work from (each page checks its own permission). */
const ADMIN_SECTIONS: readonly { path: string; label: { fr: string; en: string } }[] = [
  { path: '/admin/orders', label: { fr: 'Commandes', en: 'Orders' } },
  { path: '/admin/fulfilment', label: { fr: 'Préparation et expédition', en: 'Fulfilment' } },
  { path: '/admin/collections', label: { fr: 'Colis à retirer', en: 'Parcels awaiting collection' } },
  { path: '/admin/returns', label: { fr: 'Rétractations et retours', en: 'Withdrawals and returns' } },
  { path: '/admin/claims', label: { fr: 'Réclamations de livraison', en: 'Delivery claims' } },
  { path: '/admin/guarantee-claims', label: { fr: 'Garanties', en: 'Guarantee claims' } },
  { path: '/admin/store-exchanges', label: { fr: 'Échanges en magasin', en: 'In-store exchanges' } },
  { path: '/admin/reservations', label: { fr: 'Réservations en magasin', en: 'Store reservations' } },
  { path: '/admin/instalments', label: { fr: 'Paiements en plusieurs fois', en: 'Instalments' } },
  { path: '/admin/catalogue', label: { fr: 'Catalogue', en: 'Catalogue' } },
  { path: '/admin/promotions', label: { fr: 'Promotions', en: 'Promotions' } },
  { path: '/admin/mailbox', label: { fr: 'E-mails envoyés', en: 'Emails sent' } },
];

export function AdminHomePage(props: AdminHomeProps) {
  const t = messages[props.lang];
  return (
    <Layout lang={props.lang} title={t.backOffice} shop={props.shop} path="/admin" area="admin" staffLabel={props.staff.email} csrfToken={props.csrfToken}>
      <h1>{t.backOffice}</h1>
      <p>
        {t.signedInAs} <strong>{props.staff.email}</strong> ({props.staff.role})
      </p>
      <nav aria-labelledby="sections-title">
        <h2 id="sections-title">{t.sections}</h2>
        <ul>
          {ADMIN_SECTIONS.map((s) => (
            <li key={s.path}>
              <a href={s.path}>{s.label[props.lang]}</a>
            </li>
          ))}
        </ul>
      </nav>
      <section aria-labelledby="clock-title">
        <h2 id="clock-title">{t.engineClock}</h2>
        <p>
          <time dateTime={props.clock.now}>{props.clock.now}</time> ({props.clock.kind})
        </p>
        {props.clock.canAdvance ? (
          <form method="post" action="/admin/dev/clock" class="inline">
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <label>
              {t.advanceClock}
              <input name="advance" placeholder="3d, 2h, 1w" required pattern="[0-9dhmsw]+" size={8} />
            </label>{' '}
            <button type="submit">{t.advanceClock}</button>
          </form>
        ) : null}
      </section>
      {props.team ? (
        <section aria-labelledby="team-title">
          <h2 id="team-title">{t.staff}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.email}</th>
                <th scope="col">{t.role}</th>
              </tr>
            </thead>
            <tbody>
              {props.team.map((m) => (
                <tr key={m.email}>
                  <td>{m.email}</td>
                  <td>{m.role}{m.disabled ? ' (disabled)' : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {props.audit ? (
        <section aria-labelledby="audit-title">
          <h2 id="audit-title">{t.auditLog}</h2>
          {props.audit.length === 0 ? <p>{t.nothingYet}</p> : null}
          <table>
            <tbody>
              {props.audit.map((e, i) => (
                <tr key={i}>
                  <td>
                    <time dateTime={e.at}>{e.at}</time>
                  </td>
                  <td>{e.actor}</td>
                  <td>{e.action}</td>
                  <td>{e.target ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </Layout>
  );
}
