// Reservation in store as pages (issue 5 §8; ST-1, CAT-6), FR and EN, no
// JavaScript:
//   POST /account/reservations                 the product page's "Réserver en magasin" form
//                                              (src/http/web/reserve-in-store-form.tsx)
//   GET  /account/reservations                 the customer's reservations, with a cancel button
//   POST /account/reservations/:number/cancel  cancel one (free)
//   GET  /admin/reservations                   the back office's list (`reservations.read`)
//   POST /admin/reservations/:number/confirm | collected | cancel
//                                              (`reservations.manage`; collected: `pickup.manage`)
// Customer pages need the customer session (else the sign-in page, then back
// to /account/reservations); back-office pages check access in onRequest and
// CSRF in preHandler. Each form calls one use case (one transaction, audited
// there for staff) and redirects (303) with a notice, or shows the page with
// the refusal and its status.
import { formField as field } from '../web/form.js';
import { Csrf, FlashMessages as Flash, pageError, type PageError } from '../web/flash.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import {
  cancelReservation,
  confirmReservation,
  holdUntilText,
  listCustomerReservations,
  listReservationsForStaff,
  listStores,
  markReservationCollected,
  reservationInstant,
  reserve,
  type Reservation,
  type ReservationForStaff,
  type StaffReservationFilter,
} from '../../app/reservations.js';
import { DomainError } from '../../domain/errors.js';
import { formatMoney } from '../../domain/money.js';
import { isActiveReservation, RESERVATION_STATES, type ReservationState } from '../../domain/reservations/reservation-lifecycle.js';
import { can, type Permission } from '../../domain/staff-roles.js';
import type { Actor } from '../../store/audit.js';
import { requireStaffPage } from '../auth.js';
import { requireCustomerPage } from '../customer-auth.js';
import { AdminPage } from '../web/admin-page.js';
import { sendFormPage, staffPage, type PageFlash } from '../web/form-page.js';
import { resolveLanguage, type Language } from '../web/language.js';
import { Layout, type ShopView } from '../web/layout.js';
import { shopView } from '../web/shop-view.js';
import { StateFilter, stateFilterOf } from '../web/state-filter.js';

// ---------------------------------------------------------------------------
// Texts

const messages = {
  fr: {
    title: 'Mes réservations en magasin',
    adminTitle: 'Réservations en magasin',
    account: 'Mon compte',
    none: 'Aucune réservation.',
    free: 'Réservation gratuite et sans obligation d’achat : vous réglez en magasin.',
    number: 'Réservation',
    store: 'Magasin',
    state: 'État',
    items: 'Articles',
    requestedAt: 'Demandée le',
    holdUntil: 'Gardée',
    toPay: 'À régler en magasin',
    customer: 'Client',
    actions: 'Actions',
    awaitingConfirmation: (due: string) => `confirmation attendue au plus tard le ${due}`,
    overdue: 'confirmation en retard : client prévenu',
    cancel: 'Annuler',
    confirm: 'Confirmer (articles mis de côté)',
    collected: 'Retirée et payée en magasin',
    filter: 'Filtrer',
    open: 'À traiter',
    all: 'Toutes',
    anyStore: 'Tous les magasins',
    reserved: (n: string) => `Réservation ${n} enregistrée : un e-mail vous en confirme les détails.`,
    cancelled: (n: string) => `Réservation ${n} annulée.`,
    done: (n: string) => `Réservation ${n} mise à jour.`,
    notOffered: 'Cette boutique ne propose pas la réservation en magasin.',
    states: { requested: 'Demandée', confirmed: 'Confirmée — prête en magasin', collected: 'Retirée', expired: 'Expirée', cancelled: 'Annulée' } as Record<ReservationState, string>,
    errors: {
      'reservation.not_in_stock': 'Ce magasin n’a plus cette quantité en stock.',
      'reservation.too_many_items': 'Vous avez atteint le nombre maximal d’articles différents réservés.',
      'reservation.not_offered': 'Cette boutique ne propose pas la réservation en magasin.',
      'reservation.invalid_quantity': 'Indiquez une quantité valable.',
      'reservation.illegal_transition': 'Cette réservation n’est plus en cours.',
      'reservation.not_found': 'Réservation introuvable.',
      'store.not_found': 'Choisissez un magasin de la liste.',
      'variant.not_found': 'Article introuvable.',
    } as Record<string, string>,
    error: 'La demande n’a pas pu aboutir.',
  },
  en: {
    title: 'My reservations in store',
    adminTitle: 'Reservations in store',
    account: 'My account',
    none: 'No reservation.',
    free: 'Reserving is free and without obligation to buy: you pay in the store.',
    number: 'Reservation',
    store: 'Store',
    state: 'State',
    items: 'Items',
    requestedAt: 'Requested on',
    holdUntil: 'Held',
    toPay: 'To pay in the store',
    customer: 'Customer',
    actions: 'Actions',
    awaitingConfirmation: (due: string) => `confirmation expected by ${due}`,
    overdue: 'confirmation late: customer told',
    cancel: 'Cancel',
    confirm: 'Confirm (items set aside)',
    collected: 'Collected and paid in store',
    filter: 'Filter',
    open: 'To act on',
    all: 'All',
    anyStore: 'All stores',
    reserved: (n: string) => `Reservation ${n} recorded: an email confirms its details.`,
    cancelled: (n: string) => `Reservation ${n} cancelled.`,
    done: (n: string) => `Reservation ${n} updated.`,
    notOffered: 'This shop does not offer reservation in store.',
    states: { requested: 'Requested', confirmed: 'Confirmed — ready in store', collected: 'Collected', expired: 'Expired', cancelled: 'Cancelled' } as Record<ReservationState, string>,
    errors: {
      'reservation.not_in_stock': 'This store no longer has that quantity in stock.',
      'reservation.too_many_items': 'You have reached the most different items you may reserve.',
      'reservation.not_offered': 'This shop does not offer reservation in store.',
      'reservation.invalid_quantity': 'Give a valid quantity.',
      'reservation.illegal_transition': 'This reservation is no longer under way.',
      'reservation.not_found': 'No such reservation.',
      'store.not_found': 'Choose a store from the list.',
      'variant.not_found': 'No such item.',
    } as Record<string, string>,
    error: 'The request could not be completed.',
  },
} as const;

const errorOf = (lang: Language, error: DomainError): PageError => pageError(error, messages[lang].errors, messages[lang].error);

// ---------------------------------------------------------------------------
// Components


function Lines({ r, lang }: { r: Reservation; lang: Language }) {
  return (
    <ul class="reservation-lines">
      {r.lines.map((l) => (
        <li key={l.variantId}>
          {l.quantity} × {l.name[lang]}
          {Object.keys(l.options).length > 0 ? ` (${Object.values(l.options).join(', ')})` : ''} — <code>{l.sku}</code>
          {l.unitPrice ? ` — ${formatMoney(l.unitPrice, lang)}` : ''}
        </li>
      ))}
    </ul>
  );
}

function Timing({ r, lang, timeZone }: { r: Reservation; lang: Language; timeZone: string }) {
  const t = messages[lang];
  const until = holdUntilText(r, timeZone, lang);
  if (until && isActiveReservation(r.state)) return <span>{until}</span>;
  if (r.state === 'requested' && r.confirmationDueAt) {
    const due = reservationInstant(r.confirmationDueAt, r.store.openingHours?.timeZone ?? timeZone, lang);
    return <span>{r.confirmationOverdueAt ? t.overdue : t.awaitingConfirmation(due)}</span>;
  }
  return <span>—</span>;
}

type Base = { lang: Language; shop: ShopView; csrfToken: string; timeZone: string; notice: string | null; error: PageError | null };


export function AccountReservationsPage(props: Base & { reservations: Reservation[]; offered: boolean }) {
  const { lang } = props;
  const t = messages[lang];
  return (
    <Layout lang={lang} title={t.title} shop={props.shop} path="/account/reservations" area="store">
      <h1>{t.title}</h1>
      <p>
        <a href="/account">{t.account}</a>
      </p>
      <Flash notice={props.notice} error={props.error} />
      <p class="meta">{props.offered ? t.free : t.notOffered}</p>
      {props.reservations.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <table class="account-reservations">
          <thead>
            <tr>
              <th scope="col">{t.number}</th>
              <th scope="col">{t.store}</th>
              <th scope="col">{t.items}</th>
              <th scope="col">{t.state}</th>
              <th scope="col">{t.holdUntil}</th>
              <th scope="col">{t.toPay}</th>
              <th scope="col">{t.actions}</th>
            </tr>
          </thead>
          <tbody>
            {props.reservations.map((r) => (
              <tr key={r.number} data-reservation-number={r.number}>
                <td>{r.number}</td>
                <td>{r.store.name}</td>
                <td>
                  <Lines r={r} lang={lang} />
                </td>
                <td data-reservation-state={r.state}>{t.states[r.state]}</td>
                <td>
                  <Timing r={r} lang={lang} timeZone={props.timeZone} />
                </td>
                <td>{r.total ? formatMoney(r.total, lang) : '—'}</td>
                <td>
                  {isActiveReservation(r.state) ? (
                    <form method="post" action={`/account/reservations/${encodeURIComponent(r.number)}/cancel`} class="inline">
                      <Csrf token={props.csrfToken} />
                      <button type="submit">{t.cancel}</button>
                    </form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

export function AdminReservationsPage(
  props: Base & { staffEmail: string; reservations: ReservationForStaff[]; stores: { code: string; name: string }[]; filter: { state: StaffReservationFilter; store: string }; may: { confirm: boolean; collect: boolean; cancel: boolean } },
) {
  const { lang } = props;
  const t = messages[lang];
  const act = (r: Reservation, action: 'confirm' | 'collected' | 'cancel', label: string) => (
    <form method="post" action={`/admin/reservations/${encodeURIComponent(r.number)}/${action}`} class="inline" key={action}>
      <Csrf token={props.csrfToken} />
      <button type="submit">{label}</button>
    </form>
  );
  return (
    <AdminPage {...props} title={t.adminTitle} path="/admin/reservations">
      <StateFilter
        action="/admin/reservations"
        label={t.state}
        submit={t.filter}
        selected={props.filter.state}
        first={[
          { value: 'open', label: t.open },
          { value: 'all', label: t.all },
        ]}
        states={RESERVATION_STATES}
        stateLabels={t.states}
      >
        <label>
          {t.store}{' '}
          <select name="store">
            <option value="">{t.anyStore}</option>
            {props.stores.map((s) => (
              <option key={s.code} value={s.code} selected={props.filter.store === s.code}>
                {s.name}
              </option>
            ))}
          </select>
        </label>{' '}
      </StateFilter>
      {props.reservations.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <table class="admin-reservations">
          <thead>
            <tr>
              <th scope="col">{t.number}</th>
              <th scope="col">{t.customer}</th>
              <th scope="col">{t.store}</th>
              <th scope="col">{t.items}</th>
              <th scope="col">{t.state}</th>
              <th scope="col">{t.requestedAt}</th>
              <th scope="col">{t.holdUntil}</th>
              <th scope="col">{t.toPay}</th>
              <th scope="col">{t.actions}</th>
            </tr>
          </thead>
          <tbody>
            {props.reservations.map((r) => (
              <tr key={r.number} data-reservation-number={r.number} class={r.confirmationOverdueAt && r.state === 'requested' ? 'overdue' : undefined}>
                <td>{r.number}</td>
                <td>
                  {r.customerName ? `${r.customerName} — ` : ''}
                  {r.customerEmail}
                </td>
                <td>{r.store.name}</td>
                <td>
                  <Lines r={r} lang={lang} />
                </td>
                <td data-reservation-state={r.state}>{t.states[r.state]}</td>
                <td>{reservationInstant(r.requestedAt, r.store.openingHours?.timeZone ?? props.timeZone, lang)}</td>
                <td>
                  <Timing r={r} lang={lang} timeZone={props.timeZone} />
                </td>
                <td>{r.total ? formatMoney(r.total, lang) : '—'}</td>
                <td>
                  {r.state === 'requested' && props.may.confirm ? act(r, 'confirm', t.confirm) : null}
                  {isActiveReservation(r.state) && props.may.collect ? act(r, 'collected', t.collected) : null}
                  {isActiveReservation(r.state) && props.may.cancel ? act(r, 'cancel', t.cancel) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminPage>
  );
}

// ---------------------------------------------------------------------------
// Routes

const numberPattern = /^[A-Za-z0-9-]{1,40}$/;
const numberOf = (request: FastifyRequest): string => {
  const { number } = request.params as { number: string };
  if (!numberPattern.test(number)) throw new DomainError('reservation.not_found', { field: 'number', rule: 'ST-1' }, `No reservation ${number.slice(0, 40)}.`);
  return number;
};
const queryNumber = (request: FastifyRequest, name: string): string | null => {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && numberPattern.test(value) ? value : null;
};

/** The customer's pages; register without prefix, inside the session scope. */
export const reservationPageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const view = shopView(ctx.shop);
  const shop = { id: ctx.shop.id, policy: ctx.shop.policy, policyHash: ctx.shop.policyHash };
  const timeZone = ctx.shop.policy.shop.timeZone;
  const signedIn = { onRequest: requireCustomerPage(ctx) };
  const csrf = { preHandler: app.csrfProtection };

  const render = async (request: FastifyRequest, reply: FastifyReply, flash: PageFlash) => {
    const lang = resolveLanguage(request, reply);
    const reservations = await listCustomerReservations(ctx.db, { shopId: shop.id, customerId: request.customer!.id });
    return sendFormPage(
      reply,
      <AccountReservationsPage
        lang={lang}
        shop={view}
        csrfToken={reply.generateCsrf()}
        timeZone={timeZone}
        reservations={reservations}
        offered={ctx.shop.policy.reservations !== undefined}
        notice={flash.notice ?? null}
        error={flash.error ? errorOf(lang, flash.error) : null}
      />,
      flash.error,
    );
  };

  app.get('/account/reservations', signedIn, async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const reserved = queryNumber(request, 'reserved');
    const cancelled = queryNumber(request, 'cancelled');
    return render(request, reply, { notice: reserved ? messages[lang].reserved(reserved) : cancelled ? messages[lang].cancelled(cancelled) : null });
  });

  app.post('/account/reservations', { ...signedIn, ...csrf }, async (request, reply) => {
    try {
      const quantity = Number(field(request.body, 'quantity') || '1');
      const reservation = await reserve(ctx.db, {
        shop,
        customerId: request.customer!.id,
        storeCode: field(request.body, 'store'),
        lines: [{ variantId: field(request.body, 'variantId'), quantity }],
        now: await ctx.clock.now(),
      });
      return reply.redirect(`/account/reservations?reserved=${encodeURIComponent(reservation.number)}`, 303);
    } catch (error) {
      if (error instanceof DomainError) return render(request, reply, { error });
      throw error;
    }
  });

  app.post('/account/reservations/:number/cancel', { ...signedIn, ...csrf }, async (request, reply) => {
    const number = numberOf(request);
    try {
      await cancelReservation(ctx.db, { shopId: shop.id, number, by: { kind: 'customer', customerId: request.customer!.id }, now: await ctx.clock.now() });
      return reply.redirect(`/account/reservations?cancelled=${encodeURIComponent(number)}`, 303);
    } catch (error) {
      if (error instanceof DomainError) return render(request, reply, { error });
      throw error;
    }
  });
};

/** The back office's page; register with prefix /admin, inside the session scope. */
export const reservationBackOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const view = shopView(ctx.shop);
  const shopId = ctx.shop.id;
  const timeZone = ctx.shop.policy.shop.timeZone;
  const actorOf = (request: FastifyRequest): Actor => ({ kind: 'staff', staffId: request.staff!.id });

  const render = async (request: FastifyRequest, reply: FastifyReply, flash: PageFlash) => {
    const page = staffPage(request, reply, view);
    const query = (request.query ?? {}) as Record<string, unknown>;
    const state = stateFilterOf<StaffReservationFilter>(query, ['open', 'all', ...RESERVATION_STATES], 'open');
    const store = typeof query.store === 'string' ? query.store.slice(0, 100) : '';
    const [reservations, stores] = await Promise.all([listReservationsForStaff(ctx.db, { shopId, state, store: store || undefined }), listStores(ctx.db, shopId)]);
    const role = request.staff!.role;
    return sendFormPage(
      reply,
      <AdminReservationsPage
        {...page}
        timeZone={timeZone}
        reservations={reservations}
        stores={stores}
        filter={{ state, store }}
        may={{ confirm: can(role, 'reservations.manage'), collect: can(role, 'pickup.manage'), cancel: can(role, 'reservations.manage') }}
        notice={flash.notice ?? (ctx.shop.policy.reservations ? null : messages[page.lang].notOffered)}
        error={flash.error ? errorOf(page.lang, flash.error) : null}
      />,
      flash.error,
    );
  };

  app.get('/reservations', { onRequest: requireStaffPage(ctx, 'reservations.read') }, async (request, reply) => {
    const done = queryNumber(request, 'done');
    return render(request, reply, { notice: done ? messages[resolveLanguage(request, reply)].done(done) : null });
  });

  const act = (action: 'confirm' | 'collected' | 'cancel', permission: Permission, run: (number: string, actor: Actor, now: Date) => Promise<unknown>) =>
    app.post(`/reservations/:number/${action}`, { onRequest: requireStaffPage(ctx, permission), preHandler: app.csrfProtection }, async (request, reply) => {
      const number = numberOf(request);
      try {
        await run(number, actorOf(request), await ctx.clock.now());
      } catch (error) {
        if (error instanceof DomainError) return render(request, reply, { error });
        throw error;
      }
      return reply.redirect(`/admin/reservations?done=${encodeURIComponent(number)}`, 303);
    });

  act('confirm', 'reservations.manage', (number, actor, now) => confirmReservation(ctx.db, { shopId, number, actor, now }));
  act('collected', 'pickup.manage', (number, actor, now) => markReservationCollected(ctx.db, { shopId, number, actor, now }));
  act('cancel', 'reservations.manage', (number, actor, now) => cancelReservation(ctx.db, { shopId, number, by: actor, now }));
};
