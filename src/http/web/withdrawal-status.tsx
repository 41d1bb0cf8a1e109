// WD-1…WD-3, WD-7, WD-9 on the account's order page: until when the customer
// may withdraw (from the possession of the last item), or why they may not,
// and the lines the law excludes. The withdrawal function itself comes with
// the after-sales work.
import type { WithdrawalStatus } from '../../app/withdrawal.js';
import { legalDate, withdrawalPeriodText } from '../../app/order-emails.js';
import type { Order } from '../../app/orders.js';
import type { WithdrawalExclusion } from '../../domain/withdrawal/status.js';
import type { Language } from './language.js';

const texts = {
  fr: {
    title: 'Droit de rétractation',
    notStarted: (period: string) => `Vous disposerez de ${period} pour vous rétracter, à compter du jour où vous recevrez le dernier article de la commande.`,
    open: (lastDay: string, period: string, from: string) => `Vous pouvez vous rétracter jusqu'au ${lastDay} inclus (${period} à compter de la réception du dernier article, le ${from}).`,
    moved: (from: string) => ` Le délai, qui finissait le ${from}, un jour non ouvré, est prolongé jusqu'au jour ouvré suivant.`,
    closed: (lastDay: string) => `Le délai de rétractation a pris fin le ${lastDay}.`,
    professional: "Le droit de rétractation ne s'applique pas aux achats des professionnels.",
    exclusions: {
      personalised: 'article personnalisé : exclu du droit de rétractation',
      perishable: 'article périssable : exclu du droit de rétractation',
      hygiene_sealed_if_unsealed: "article scellé pour des raisons d'hygiène : exclu s'il a été descellé après la livraison",
    } satisfies Record<WithdrawalExclusion, string>,
  },
  en: {
    title: 'Right of withdrawal',
    notStarted: (period: string) => `You will have ${period} to withdraw, from the day you receive the order's last item.`,
    open: (lastDay: string, period: string, from: string) => `You may withdraw until ${lastDay} inclusive (${period} from the receipt of the last item, on ${from}).`,
    moved: (from: string) => ` The period, which ended on ${from}, a non-working day, runs to the next working day.`,
    closed: (lastDay: string) => `The withdrawal period ended on ${lastDay}.`,
    professional: 'The right of withdrawal does not apply to purchases by professionals.',
    exclusions: {
      personalised: 'personalised item: excluded from the right of withdrawal',
      perishable: 'perishable item: excluded from the right of withdrawal',
      hygiene_sealed_if_unsealed: 'item sealed for hygiene reasons: excluded once unsealed after delivery',
    } satisfies Record<WithdrawalExclusion, string>,
  },
};

export function WithdrawalSection({ lang, status, order }: { lang: Language; status: WithdrawalStatus; order: Order }) {
  if (status.reason === 'cancelled') return null;
  const t = texts[lang];
  const period = withdrawalPeriodText(status.period, lang);
  const d = status.deadline;
  return (
    <section aria-labelledby="withdrawal-title" data-withdrawal-state={status.state}>
      <h2 id="withdrawal-title">{t.title}</h2>
      {status.state === 'not_applicable' ? <p>{t.professional}</p> : null}
      {status.state === 'not_started' ? <p>{t.notStarted(period)}</p> : null}
      {status.state === 'open' && d && status.possessionDate ? (
        <p data-withdrawal-last-day={d.lastDay}>
          {t.open(legalDate(d.lastDay, lang), period, legalDate(status.possessionDate, lang))}
          {d.movedFrom ? t.moved(legalDate(d.movedFrom, lang)) : ''}
        </p>
      ) : null}
      {status.state === 'closed' && d ? <p data-withdrawal-last-day={d.lastDay}>{t.closed(legalDate(d.lastDay, lang))}</p> : null}
      {status.state !== 'not_applicable' && status.exclusions.length > 0 ? (
        <ul>
          {status.exclusions.map((e) => (
            <li key={e.position} data-exclusion={e.exclusion}>
              {order.lines.find((l) => l.position === e.position)?.name[lang] ?? e.position} — {t.exclusions[e.exclusion]}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
