// /admin/instalments (issue 5 §2, PA-4): the back-office page of the
// instalment shares the financing partner could not collect, with the next
// automatic attempt (3 attempts in all, 2 days apart) or "none left" when the
// merchant must act. `orders.read` to see; nothing to act on here (the
// customer settles with the partner; refunds go through the order).
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { listFailedInstalmentCollections, type FailedInstalmentCollection } from '../../app/instalment-collections.js';
import { legalDate } from '../../app/order-emails.js';
import { formatMoney } from '../../domain/money.js';
import { COLLECTION_RETRY } from '../../domain/payments/instalment-collections.js';
import { requireStaffPage } from '../auth.js';
import { Layout, type ShopView } from '../web/layout.js';
import { resolveLanguage, type Language } from '../web/language.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';

const instalmentMessages = {
  fr: {
    title: 'Échéances non prélevées',
    intro: `Paiement en plusieurs fois (PA-4) : échéances que le partenaire de financement n'a pas pu prélever. Chaque échéance refusée est retentée automatiquement (${COLLECTION_RETRY.maxAttempts} tentatives au total, à ${COLLECTION_RETRY.daysApart} jours d'intervalle) ; le client est prévenu par e-mail à chaque refus.`,
    none: 'Aucune échéance en échec.',
    order: 'Commande',
    email: 'Client',
    share: 'Échéance',
    amount: 'Montant',
    dueOn: 'Prévue le',
    attempts: 'Tentatives',
    problem: 'Motif',
    next: 'Prochaine tentative',
    noneLeft: 'Aucune — à traiter',
    problems: { declined: 'Refusée', partner_unreachable: 'Partenaire injoignable' } as Record<string, string>,
    reasons: { insufficient_funds: 'provision insuffisante', card_declined: 'carte refusée', card_expired: 'carte expirée' } as Record<string, string>,
  },
  en: {
    title: 'Failed instalment collections',
    intro: `Payment in instalments (PA-4): shares the financing partner could not collect. Each declined share is tried again automatically (${COLLECTION_RETRY.maxAttempts} attempts in all, ${COLLECTION_RETRY.daysApart} days apart); the customer is emailed on each decline.`,
    none: 'No failed instalment.',
    order: 'Order',
    email: 'Customer',
    share: 'Share',
    amount: 'Amount',
    dueOn: 'Due on',
    attempts: 'Attempts',
    problem: 'Problem',
    next: 'Next attempt',
    noneLeft: 'None — to handle',
    problems: { declined: 'Declined', partner_unreachable: 'Partner unreachable' } as Record<string, string>,
    reasons: { insufficient_funds: 'insufficient funds', card_declined: 'card declined', card_expired: 'card expired' } as Record<string, string>,
  },
} as const;

export function AdminInstalmentsPage(props: { lang: Language; shop: ShopView; csrfToken: string; staffEmail: string; failed: FailedInstalmentCollection[] }) {
  const { lang } = props;
  const t = instalmentMessages[lang];
  return (
    <Layout lang={lang} title={t.title} shop={props.shop} path="/admin/instalments" area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>{t.title}</h1>
      <p>{t.intro}</p>
      {props.failed.length === 0 ? <p>{t.none}</p> : null}
      {props.failed.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t.order}</th>
              <th scope="col">{t.email}</th>
              <th scope="col">{t.share}</th>
              <th scope="col">{t.amount}</th>
              <th scope="col">{t.dueOn}</th>
              <th scope="col">{t.attempts}</th>
              <th scope="col">{t.problem}</th>
              <th scope="col">{t.next}</th>
            </tr>
          </thead>
          <tbody>
            {props.failed.map((f) => (
              <tr key={`${f.orderNumber}:${f.number}`}>
                <td>
                  <a href={`/admin/orders/${encodeURIComponent(f.orderNumber)}`}>{f.orderNumber}</a>
                </td>
                <td>{f.email}</td>
                <td>{`${f.number}/${f.count}`}</td>
                <td>{formatMoney(f.amount, lang)}</td>
                <td>{legalDate(f.dueOn, lang)}</td>
                <td>{f.attempts}</td>
                <td>
                  {t.problems[f.problem] ?? f.problem}
                  {f.lastFailure ? ` (${f.problem === 'declined' ? (t.reasons[f.lastFailure] ?? f.lastFailure) : f.lastFailure.slice(0, 200)})` : ''}
                </td>
                <td>{f.nextAttemptOn ? legalDate(f.nextAttemptOn, lang) : <strong>{t.noneLeft}</strong>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Layout>
  );
}

/** Register with the prefix /admin. */
export const instalmentsBackOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  app.get('/instalments', { onRequest: requireStaffPage(ctx, 'orders.read') }, async (request, reply) =>
    sendPage(
      reply,
      <AdminInstalmentsPage
        lang={resolveLanguage(request, reply)}
        shop={shop}
        csrfToken={reply.generateCsrf()}
        staffEmail={request.staff!.email}
        failed={await listFailedInstalmentCollections(ctx.db, ctx.shop.id)}
      />,
    ),
  );
};
