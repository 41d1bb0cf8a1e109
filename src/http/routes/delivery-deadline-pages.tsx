// The delivery deadline's pages (issue 5 §6, SH-4), src/app/delivery-deadline.ts:
//
// - the account: a "Delivery deadline" section on the order page (the due
//   date; past it, the notice form with the last day of the additional
//   period; once that period ended, the termination form; after it, the
//   refund and its L216-7 due date), added by `withDeliveryDeadline` in
//   routes/account-pages.tsx, and the same section on a page of its own,
//   GET /account/orders/{number}/delivery, where the forms come back with
//   their outcome. CSRF-protected POSTs that redirect (303) there:
//   /account/orders/{number}/delivery-notice and …/terminate. The signed-in
//   customer's own orders only (another's is a 404, as everywhere in the account).
// - the back office (`orders.read`): /admin/orders/at-risk — orders due
//   within 3 days or past due, not delivered, not cancelled, and terminated
//   orders with the refund's due date and the L241-4 surcharge when late.
import { formField as field } from '../web/form.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { AppContext } from '../../app/context.js';
import {
  deliveryDeadlineWatch,
  getDeliveryDeadline,
  sendDeliveryNotice,
  terminateLateDelivery,
  type AtRiskOrder,
  type DeliveryDeadlineStatus,
  type TerminatedOrder,
} from '../../app/delivery-deadline.js';
import { legalDate } from '../../app/order-emails.js';
import { localDateIn } from '../../domain/calendar/local-date.js';
import { parseCalendarDate, type CalendarDate } from '../../domain/calendar/working-days.js';
import { DomainError } from '../../domain/errors.js';
import { formatMoney, money, type Currency } from '../../domain/money.js';
import { requireStaffPage } from '../auth.js';
import { requireCustomerPage } from '../customer-auth.js';
import { Layout, type ShopView } from '../web/layout.js';
import { resolveLanguage, type Language } from '../web/language.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';

const orderPath = (number: string) => `/account/orders/${encodeURIComponent(number)}`;
const deliveryPath = (number: string) => `${orderPath(number)}/delivery`;
const nextDay = (date: CalendarDate) => parseCalendarDate(date).add({ days: 1 }).toString();
const amountText = (minor: number, currency: Currency, lang: Language) => formatMoney(money(minor, currency), lang);
const percent = (basisPoints: number) => `${basisPoints / 100} %`;

const messages = {
  fr: {
    title: 'Délai de livraison',
    page: (n: string) => `Commande ${n} : délai de livraison`,
    backToOrder: 'Retour à la commande',
    dueOn: (d: string) => `Votre commande doit vous être livrée au plus tard le ${d}.`,
    delivered: 'La commande vous a été livrée.',
    notYetLate: (d: string) =>
      `Si elle ne vous est pas livrée à cette date, vous pourrez à partir du ${d} nous demander de la livrer dans un délai supplémentaire ; à défaut, vous pourrez résoudre la vente et être remboursé (articles L216-6 et L216-7 du Code de la consommation).`,
    late: (d: string) => `La date de livraison du ${d} est dépassée et la commande ne vous a pas été livrée.`,
    noticeIntro:
      'Vous pouvez nous mettre en demeure de la livrer dans un délai supplémentaire raisonnable (article L216-6 du Code de la consommation). Si elle ne vous est pas livrée à la fin de ce délai, vous pourrez résoudre la vente : toutes les sommes versées vous seront remboursées sous 14 jours.',
    deliverBy: (min: string, max: string) => `Dernier jour de livraison que vous nous accordez (entre le ${min} et le ${max})`,
    sendNotice: 'Envoyer la demande de livraison',
    noticeNotPossible: 'Cette commande ne peut pas faire l\u2019objet d\u2019une demande de livraison (elle n\u2019est pas réglée ou elle est annulée).',
    noticeSent: (sent: string, by: string) => `Le ${sent}, vous nous avez demandé de livrer la commande au plus tard le ${by}.`,
    terminateFrom: (d: string) => `Si elle ne vous est pas livrée d\u2019ici là, vous pourrez résoudre la vente à partir du ${d}.`,
    terminateIntro:
      'Le délai supplémentaire a pris fin sans que la commande vous ait été livrée. Vous pouvez résoudre la vente : la commande sera annulée et toutes les sommes versées vous seront remboursées au plus tard 14 jours après (article L216-7 du Code de la consommation). Vous pouvez aussi attendre la livraison.',
    terminate: 'Résoudre la vente et être remboursé',
    partlyDelivered: 'Une partie de la commande vous a été livrée : pour résoudre la vente des articles manquants, contactez le service client.',
    terminated: (d: string) => `Vous avez résolu la vente le ${d} : la commande est annulée.`,
    refund: (amount: string, d: string) => `Remboursement de ${amount} au plus tard le ${d}.`,
    nothingTaken: 'Aucune somme n\u2019avait été prélevée : rien à rembourser.',
    done: { notice_sent: 'Votre demande de livraison est enregistrée ; vous la recevez aussi par e-mail.', terminated: 'La vente est résolue ; vous recevez la confirmation par e-mail.' } as Record<string, string>,
    errors: {
      'delivery.not_late': 'La date de livraison n\u2019est pas encore dépassée.',
      'delivery.deliver_by_invalid': 'Choisissez un dernier jour de livraison dans les limites indiquées.',
      'delivery.notice_already_sent': 'Une demande de livraison a déjà été envoyée pour cette commande.',
      'delivery.notice_period_running': 'Le délai supplémentaire n\u2019a pas encore pris fin.',
      'delivery.already_delivered': 'La commande vous a été livrée.',
      'delivery.partially_delivered': 'Une partie de la commande vous a été livrée : contactez le service client.',
      'delivery.already_terminated': 'La vente est déjà résolue.',
    } as Record<string, string>,
    genericError: 'Cette demande n\u2019a pas pu aboutir.',
  },
  en: {
    title: 'Delivery deadline',
    page: (n: string) => `Order ${n}: delivery deadline`,
    backToOrder: 'Back to the order',
    dueOn: (d: string) => `Your order must be delivered by ${d} at the latest.`,
    delivered: 'The order was delivered.',
    notYetLate: (d: string) =>
      `If it is not delivered by then, from ${d} you may ask us to deliver it within an additional period; failing that, you may terminate the contract and be refunded (articles L216-6 and L216-7 of the French Consumer Code).`,
    late: (d: string) => `The delivery date of ${d} has passed and the order was not delivered.`,
    noticeIntro:
      'You may enjoin us to deliver it within a reasonable additional period (article L216-6 of the French Consumer Code). If it is not delivered by the end of that period, you may terminate the contract: all the money paid will be refunded within 14 days.',
    deliverBy: (min: string, max: string) => `Last day of delivery you give us (between ${min} and ${max})`,
    sendNotice: 'Send the notice to deliver',
    noticeNotPossible: 'No notice to deliver is possible for this order (it is not paid, or it is cancelled).',
    noticeSent: (sent: string, by: string) => `On ${sent} you asked us to deliver the order by ${by} at the latest.`,
    terminateFrom: (d: string) => `If it is not delivered by then, you may terminate the contract from ${d}.`,
    terminateIntro:
      'The additional period ended and the order was not delivered. You may terminate the contract: the order will be cancelled and all the money paid refunded within 14 days (article L216-7 of the French Consumer Code). You may also wait for the delivery.',
    terminate: 'Terminate the contract and be refunded',
    partlyDelivered: 'Part of the order was delivered: to terminate the contract for the missing items, contact customer service.',
    terminated: (d: string) => `You terminated the contract on ${d}: the order is cancelled.`,
    refund: (amount: string, d: string) => `Refund of ${amount} by ${d} at the latest.`,
    nothingTaken: 'No money had been taken: nothing to refund.',
    done: { notice_sent: 'Your notice to deliver is recorded; you also receive it by email.', terminated: 'The contract is terminated; you receive the confirmation by email.' } as Record<string, string>,
    errors: {
      'delivery.not_late': 'The delivery date has not passed yet.',
      'delivery.deliver_by_invalid': 'Choose a last day of delivery within the limits given.',
      'delivery.notice_already_sent': 'A notice to deliver was already sent for this order.',
      'delivery.notice_period_running': 'The additional period has not ended yet.',
      'delivery.already_delivered': 'The order was delivered.',
      'delivery.partially_delivered': 'Part of the order was delivered: contact customer service.',
      'delivery.already_terminated': 'The contract is already terminated.',
    } as Record<string, string>,
    genericError: 'This request could not be completed.',
  },
} as const;

type Outcome = { kind: 'notice' | 'error'; message: string } | null;

/** SH-4: the order's delivery deadline for its customer, with the form the moment calls for. */
export function DeliveryDeadlineSection(props: { lang: Language; timeZone: string; status: DeliveryDeadlineStatus; csrfToken: string; outcome?: Outcome }) {
  const { lang, status: s } = props;
  const t = messages[lang];
  const d = (date: CalendarDate) => legalDate(date, lang);
  const csrf = <input type="hidden" name="_csrf" value={props.csrfToken} />;
  const notice = s.notice;
  if (s.state === 'cancelled' && !notice?.terminatedAt) return null; // cancelled otherwise: nothing is owed
  let body: VNode;
  if (notice?.terminatedAt) {
    body = (
      <>
        <p data-delivery="terminated">{t.terminated(d(localDateIn(props.timeZone, notice.terminatedAt)))}</p>
        <p data-refund-due-on={notice.refundDueOn ?? ''}>{notice.refundDueOn ? t.refund(amountText(notice.refund ?? 0, s.currency, lang), d(notice.refundDueOn)) : t.nothingTaken}</p>
      </>
    );
  } else if (s.fulfilment === 'delivered') {
    body = <p data-delivery="delivered">{t.delivered}</p>;
  } else if (notice) {
    body = (
      <>
        <p data-delivery="notice_sent">{t.noticeSent(d(localDateIn(props.timeZone, notice.sentAt)), d(notice.deliverBy))}</p>
        {s.canTerminate ? (
          <form method="post" action={`${orderPath(s.number)}/terminate`}>
            {csrf}
            <p>{t.terminateIntro}</p>
            <button type="submit">{t.terminate}</button>
          </form>
        ) : s.fulfilment === 'partially_delivered' ? (
          <p>{t.partlyDelivered}</p>
        ) : s.state !== 'cancelled' ? (
          <p>{t.terminateFrom(d(nextDay(notice.deliverBy)))}</p>
        ) : null}
      </>
    );
  } else if (s.late) {
    body = (
      <>
        <p data-delivery="late">{t.late(d(s.dueOn))}</p>
        {s.canSendNotice ? (
          <form method="post" action={`${orderPath(s.number)}/delivery-notice`}>
            {csrf}
            <p>{t.noticeIntro}</p>
            <label>
              {t.deliverBy(d(s.deliverBy.earliest), d(s.deliverBy.latest))}
              <input type="date" name="deliverBy" min={s.deliverBy.earliest} max={s.deliverBy.latest} value={s.deliverBy.default} required />
            </label>
            <button type="submit">{t.sendNotice}</button>
          </form>
        ) : (
          <p>{t.noticeNotPossible}</p>
        )}
      </>
    );
  } else {
    body = <p data-delivery="due">{t.notYetLate(d(s.noticeFrom))}</p>;
  }
  return (
    <section aria-labelledby="delivery-deadline-title" class="delivery-deadline" data-due-on={s.dueOn}>
      <h2 id="delivery-deadline-title">{t.title}</h2>
      {props.outcome ? (
        <p class={props.outcome.kind === 'error' ? 'error' : 'notice'} role={props.outcome.kind === 'error' ? 'alert' : 'status'}>
          {props.outcome.message}
        </p>
      ) : null}
      <p>{t.dueOn(d(s.dueOn))}</p>
      {body}
    </section>
  );
}

/** SH-4: the delivery deadline section of the account's order page (routes/account-order-page.tsx). */
export async function deliveryDeadlineSection(ctx: AppContext, input: { request: FastifyRequest; reply: FastifyReply; orderNumber: string }): Promise<VNode> {
  const status = await getDeliveryDeadline(ctx.db, { shopId: ctx.shop.id, customerId: input.request.customer!.id, number: input.orderNumber, now: await ctx.clock.now() });
  return <DeliveryDeadlineSection lang={resolveLanguage(input.request, input.reply)} timeZone={ctx.shop.policy.shop.timeZone} status={status} csrfToken={input.reply.generateCsrf()} />;
}

const outcomeOf = (lang: Language, query: unknown): Outcome => {
  const { done, error } = (query ?? {}) as { done?: unknown; error?: unknown };
  const t = messages[lang];
  if (typeof done === 'string' && t.done[done]) return { kind: 'notice', message: t.done[done] };
  if (typeof error === 'string') return { kind: 'error', message: t.errors[error] ?? t.genericError };
  return null;
};


/** Storefront pages (the account), inside the session scope. */
export const deliveryDeadlinePageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const view = shopView(ctx.shop);
  const shopId = ctx.shop.id;
  const timeZone = ctx.shop.policy.shop.timeZone;
  const signedIn = { onRequest: requireCustomerPage(ctx) };
  const csrf = { preHandler: app.csrfProtection };
  const numberOf = (request: FastifyRequest) => (request.params as { number: string }).number.slice(0, 40);

  app.get('/account/orders/:number/delivery', signedIn, async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const number = numberOf(request);
    const status = await getDeliveryDeadline(ctx.db, { shopId, customerId: request.customer!.id, number, now: await ctx.clock.now() });
    const t = messages[lang];
    return sendPage(
      reply,
      <Layout lang={lang} title={t.page(status.number)} shop={view} path={deliveryPath(status.number)} area="store">
        <h1>{t.page(status.number)}</h1>
        <p>
          <a href={orderPath(status.number)}>{t.backToOrder}</a>
        </p>
        <DeliveryDeadlineSection lang={lang} timeZone={timeZone} status={status} csrfToken={reply.generateCsrf()} outcome={outcomeOf(lang, request.query)} />
      </Layout>,
    );
  });

  /** Runs the customer's step, then back to the delivery page with its outcome (a refusal by its code). */
  const submit = async (request: FastifyRequest, reply: FastifyReply, done: string, run: (number: string, customerId: string, now: Date) => Promise<unknown>) => {
    const number = numberOf(request);
    try {
      await run(number, request.customer!.id, await ctx.clock.now());
      return reply.redirect(`${deliveryPath(number)}?done=${done}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'order.not_found') throw error;
      return reply.redirect(`${deliveryPath(number)}?error=${encodeURIComponent(error.code)}`, 303);
    }
  };

  app.post('/account/orders/:number/delivery-notice', { ...signedIn, ...csrf }, async (request, reply) =>
    submit(request, reply, 'notice_sent', (number, customerId, now) =>
      ctx.db.transaction().execute((tx) => sendDeliveryNotice(tx, { shopId, customerId, number, deliverBy: field(request.body, 'deliverBy') || undefined, now })),
    ),
  );

  app.post('/account/orders/:number/terminate', { ...signedIn, ...csrf }, async (request, reply) =>
    submit(request, reply, 'terminated', (number, customerId, now) => ctx.db.transaction().execute((tx) => terminateLateDelivery(tx, { shopId, customerId, number, now }))),
  );
};

// ---------------------------------------------------------------------------
// Back office

const adminMessages = {
  fr: {
    title: 'Commandes en retard de livraison',
    intro: (n: number) =>
      `SH-4 : commandes non livrées dont la date limite de livraison (30 jours au plus après la commande, article L216-1 du Code de la consommation) tombe dans les ${n} jours ou est dépassée, et commandes dont le client a résolu la vente, avec le remboursement dû sous 14 jours (L216-7) et, en cas de retard, la majoration légale (L241-4 : +10 % jusqu\u2019à 14 jours de retard, +20 % jusqu\u2019à 30, +50 % au-delà).`,
    atRisk: 'À risque',
    none: 'Aucune commande à risque.',
    order: 'Commande',
    customer: 'Client',
    fulfilment: 'Expédition',
    dueOn: 'À livrer au plus tard le',
    delay: 'Retard',
    notice: 'Mise en demeure',
    pastDue: (n: number) => `${n} j de retard`,
    daysLeft: (n: number) => (n === 0 ? 'aujourd\u2019hui' : `dans ${n} j`),
    noticeText: (by: string, ended: boolean) => `livrer avant le ${by}${ended ? ' — délai expiré' : ''}`,
    terminated: 'Ventes résolues',
    noneTerminated: 'Aucune vente résolue.',
    terminatedOn: 'Résolue le',
    refund: 'À rembourser',
    refundDueOn: 'Au plus tard le',
    refunded: 'Remboursé',
    surcharge: 'Majoration due',
    onTime: '—',
    late: (days: number, rate: string) => `${days} j de retard (+${rate})`,
    fulfilments: { unfulfilled: 'non expédiée', partially_shipped: 'expédiée en partie', shipped: 'expédiée', partially_delivered: 'livrée en partie', delivered: 'livrée', returned: 'retournée' } as Record<string, string>,
  },
  en: {
    title: 'Orders late for delivery',
    intro: (n: number) =>
      `SH-4: orders not delivered whose delivery deadline (30 days after the order at most, article L216-1 of the French Consumer Code) falls within ${n} days or has passed, and orders whose customer terminated the contract, with the refund due within 14 days (L216-7) and, when late, the statutory surcharge (L241-4: +10 % up to 14 days late, +20 % up to 30, +50 % beyond).`,
    atRisk: 'At risk',
    none: 'No order at risk.',
    order: 'Order',
    customer: 'Customer',
    fulfilment: 'Shipping',
    dueOn: 'Deliver by',
    delay: 'Delay',
    notice: 'Notice',
    pastDue: (n: number) => `${n} d late`,
    daysLeft: (n: number) => (n === 0 ? 'today' : `in ${n} d`),
    noticeText: (by: string, ended: boolean) => `deliver by ${by}${ended ? ' — period ended' : ''}`,
    terminated: 'Terminated contracts',
    noneTerminated: 'No terminated contract.',
    terminatedOn: 'Terminated on',
    refund: 'To refund',
    refundDueOn: 'Due by',
    refunded: 'Refunded',
    surcharge: 'Surcharge owed',
    onTime: '—',
    late: (days: number, rate: string) => `${days} d late (+${rate})`,
    fulfilments: { unfulfilled: 'not shipped', partially_shipped: 'partly shipped', shipped: 'shipped', partially_delivered: 'partly delivered', delivered: 'delivered', returned: 'returned' } as Record<string, string>,
  },
} as const;

export function AdminAtRiskPage(props: { lang: Language; shop: ShopView; csrfToken: string; staffEmail: string; timeZone: string; withinDays: number; atRisk: AtRiskOrder[]; terminated: TerminatedOrder[] }) {
  const { lang } = props;
  const t = adminMessages[lang];
  const d = (date: CalendarDate) => legalDate(date, lang);
  const orderLink = (number: string) => <a href={`/admin/orders/${encodeURIComponent(number)}`}>{number}</a>;
  return (
    <Layout lang={lang} title={t.title} shop={props.shop} path="/admin/orders/at-risk" area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>{t.title}</h1>
      <p>{t.intro(props.withinDays)}</p>
      <h2>{t.atRisk}</h2>
      {props.atRisk.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <table data-table="at-risk">
          <thead>
            <tr>
              <th scope="col">{t.order}</th>
              <th scope="col">{t.customer}</th>
              <th scope="col">{t.fulfilment}</th>
              <th scope="col">{t.dueOn}</th>
              <th scope="col">{t.delay}</th>
              <th scope="col">{t.notice}</th>
            </tr>
          </thead>
          <tbody>
            {props.atRisk.map((r) => (
              <tr key={r.number} data-order={r.number} data-risk={r.risk}>
                <td>{orderLink(r.number)}</td>
                <td>{r.email}</td>
                <td>{t.fulfilments[r.fulfilment] ?? r.fulfilment}</td>
                <td>{d(r.dueOn)}</td>
                <td>{r.daysLate > 0 ? <strong>{t.pastDue(r.daysLate)}</strong> : t.daysLeft(-r.daysLate)}</td>
                <td>{r.notice ? t.noticeText(d(r.notice.deliverBy), r.notice.periodEnded) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t.terminated}</h2>
      {props.terminated.length === 0 ? (
        <p>{t.noneTerminated}</p>
      ) : (
        <table data-table="terminated">
          <thead>
            <tr>
              <th scope="col">{t.order}</th>
              <th scope="col">{t.customer}</th>
              <th scope="col">{t.terminatedOn}</th>
              <th scope="col">{t.refund}</th>
              <th scope="col">{t.refundDueOn}</th>
              <th scope="col">{t.refunded}</th>
              <th scope="col">{t.surcharge}</th>
            </tr>
          </thead>
          <tbody>
            {props.terminated.map((r) => (
              <tr key={r.number} data-order={r.number} data-late={r.surcharge?.late ? 'true' : 'false'}>
                <td>{orderLink(r.number)}</td>
                <td>{r.email}</td>
                <td>{d(localDateIn(props.timeZone, r.terminatedAt))}</td>
                <td>{amountText(r.refund, r.currency, lang)}</td>
                <td>{r.refundDueOn ? d(r.refundDueOn) : '—'}</td>
                <td>
                  {amountText(r.refunded, r.currency, lang)}
                  {r.refundedOn ? ` (${d(r.refundedOn)})` : ''}
                </td>
                <td data-surcharge={r.surcharge?.surcharge.amount ?? 0}>
                  {r.surcharge?.late ? (
                    <strong>
                      {formatMoney(r.surcharge.surcharge, lang)} — {t.late(r.surcharge.daysLate, percent(r.surcharge.rateBasisPoints))}
                    </strong>
                  ) : (
                    t.onTime
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

/** Register with the prefix /admin. */
export const deliveryDeadlineBackOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  const timeZone = ctx.shop.policy.shop.timeZone;
  app.get('/orders/at-risk', { onRequest: requireStaffPage(ctx, 'orders.read') }, async (request, reply) => {
    const watch = await deliveryDeadlineWatch(ctx.db, { shopId: ctx.shop.id, timeZone, now: await ctx.clock.now() });
    return sendPage(
      reply,
      <AdminAtRiskPage
        lang={resolveLanguage(request, reply)}
        shop={shop}
        csrfToken={reply.generateCsrf()}
        staffEmail={request.staff!.email}
        timeZone={timeZone}
        withinDays={watch.withinDays}
        atRisk={watch.atRisk}
        terminated={watch.terminated}
      />,
    );
  });
};
