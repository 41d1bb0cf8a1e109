// Items unavailable after ordering (AV-1, AV-2) as pages, FR and EN, no JavaScript:
//   GET  /orders/:number/unavailable/:token          the customer's question behind the email's link (guests too)
//   POST /orders/:number/unavailable/:token          the answer: wait, refund or the substitute
//   GET  /account/orders/:number/unavailable         the same for the signed-in customer's own order
//   POST /account/orders/:number/unavailable/:caseId
//   GET  /admin/orders/:number/unavailable           the back-office panel: lines, what may be declared, the cases (`orders.read`)
//   POST /admin/orders/:number/lines/:position/unavailable
//                                                    declare units unavailable (`fulfilment.manage` or `orders.manage`)
// CSRF on every form; each form calls one use case (one transaction) and
// redirects (303) back with a notice, or shows the page with the refusal and
// its status. `UnavailabilityPanel` is the back-office component, for the
// order page as well (it needs `unavailabilityOfOrder`'s view).
import { formField as field } from '../web/form.js';
import { Csrf, FlashMessages as Flash, pageError, type PageError } from '../web/flash.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { answerUnavailability, declareUnavailable, getCaseByToken, listCustomerCases, unavailabilityOfOrder, type UnavailabilityCase } from '../../app/unavailability.js';
import { legalDate } from '../../app/order-emails.js';
import { DomainError } from '../../domain/errors.js';
import type { UnavailabilityMode } from '../../domain/fulfilment/unavailability.js';
import { formatMoney, isCurrency, money } from '../../domain/money.js';
import { requireStaffPage } from '../auth.js';
import { requireCustomerPage } from '../customer-auth.js';
import { statusFor } from '../errors.js';
import { resolveLanguage, type Language } from '../web/language.js';
import { Layout, type ShopView } from '../web/layout.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';
import { canDeclareUnavailable, mayDeclareUnavailable } from './unavailability-api.js';

// ---------------------------------------------------------------------------
// Texts

const messages = {
  fr: {
    title: (n: string) => `Article indisponible — commande ${n}`,
    openQuestion: 'Un article de cette commande est indisponible : dites-nous ce que vous préférez.',
    answer: 'Répondre',
    adminTitle: (n: string) => `Articles indisponibles — commande ${n}`,
    backToOrder: 'Retour à la commande',
    backToAccount: 'Mon compte',
    item: 'Article',
    quantity: 'Quantité',
    answerBy: (day: string) => `Merci de répondre au plus tard le ${day}. Sans réponse, l'article est annulé (jamais facturé, ou remboursé) et les articles disponibles vous sont expédiés.`,
    choices: { wait: "Attendre que l'article soit de nouveau disponible", refund: (amount: string) => `Annuler cet article (${amount} non facturés ou remboursés)`, substitute: (name: string) => `Recevoir à la place : ${name}, sans supplément` },
    submit: 'Envoyer ma réponse',
    answered: 'Votre réponse est enregistrée.',
    states: {
      awaiting_answer: 'En attente de votre réponse',
      waiting: "Vous attendez l'article : il vous sera expédié dès son arrivée.",
      substituted: "L'article de remplacement vous sera expédié.",
      cancelled: "L'article est annulé.",
      back_ordered: "L'article est en réapprovisionnement : il vous sera expédié dès sa réception.",
      void: 'La commande a été annulée.',
    } as Record<string, string>,
    refund: (amount: string, due: string | null) => `Remboursement : ${amount}${due ? `, au plus tard le ${due}` : ''}.`,
    none: "Aucun article indisponible sur cette commande.",
    lines: 'Lignes',
    remaining: 'Reste à expédier',
    cancelledUnits: 'Annulés',
    backordered: 'En réapprovisionnement',
    declare: 'Déclarer indisponible',
    substituteSku: 'Référence proposée à la place (facultatif)',
    cases: 'Déclarations',
    mode: 'Règle de la boutique (AV-1)',
    modes: { cancel_line: "ligne annulée, le reste expédié aussitôt", customer_chooses_wait_or_refund: 'le client choisit : attendre ou être remboursé', substitute_or_refund: 'produit de remplacement ou remboursement', back_order: 'réapprovisionnement' } as Record<UnavailabilityMode, string>,
    caseStates: { awaiting_answer: 'réponse attendue', waiting: 'le client attend', substituted: 'remplacé', cancelled: 'annulé', back_ordered: 'en réapprovisionnement', void: 'sans objet' } as Record<string, string>,
    lastDay: 'Dernier jour',
    answeredBy: { customer: 'par le client', default: 'sans réponse (règle par défaut)' } as Record<string, string>,
    declared: 'Déclaration enregistrée : le client est prévenu par e-mail.',
    notOpen: "La commande n'est pas en préparation.",
    errors: {
      'unavailability.quantity_exceeds_remaining': 'Pas plus que les unités restant à expédier.',
      'unavailability.invalid_quantity': 'Indiquez un nombre entier d’unités.',
      'unavailability.already_answered': 'Cette question a déjà reçu une réponse.',
      'unavailability.invalid_choice': 'Choisissez une des réponses proposées.',
      'unavailability.order_not_open': "La commande n'est plus en cours.",
      'unavailability.substitute_sold_out': "L'article de remplacement n'est plus en stock : vous pouvez choisir le remboursement.",
      'unavailability.substitute_not_offered': 'Cette boutique ne propose pas de produit de remplacement.',
      'unavailability.substitute_too_expensive': 'Le remplacement coûterait plus cher au client.',
      'unavailability.substitute_same_variant': 'Le remplacement doit être un autre article.',
      'variant.not_found': 'Référence inconnue.',
    } as Record<string, string>,
    error: "La demande n'a pas pu aboutir.",
  },
  en: {
    title: (n: string) => `Item unavailable — order ${n}`,
    openQuestion: 'An item of this order is unavailable: tell us what you prefer.',
    answer: 'Answer',
    adminTitle: (n: string) => `Unavailable items — order ${n}`,
    backToOrder: 'Back to the order',
    backToAccount: 'My account',
    item: 'Item',
    quantity: 'Quantity',
    answerBy: (day: string) => `Please answer by ${day}. Without an answer, the item is cancelled (never charged, or refunded) and the items available are shipped to you.`,
    choices: { wait: 'Wait until the item is available again', refund: (amount: string) => `Cancel this item (${amount} not charged or refunded)`, substitute: (name: string) => `Receive instead: ${name}, at no extra cost` },
    submit: 'Send my answer',
    answered: 'Your answer is recorded.',
    states: {
      awaiting_answer: 'Waiting for your answer',
      waiting: 'You are waiting for the item: it will be shipped as soon as it arrives.',
      substituted: 'The replacement item will be shipped to you.',
      cancelled: 'The item is cancelled.',
      back_ordered: 'The item is on order: it will be shipped as soon as it arrives.',
      void: 'The order was cancelled.',
    } as Record<string, string>,
    refund: (amount: string, due: string | null) => `Refund: ${amount}${due ? `, by ${due} at the latest` : ''}.`,
    none: 'No unavailable item on this order.',
    lines: 'Lines',
    remaining: 'Left to ship',
    cancelledUnits: 'Cancelled',
    backordered: 'Back-ordered',
    declare: 'Declare unavailable',
    substituteSku: 'SKU offered instead (optional)',
    cases: 'Declarations',
    mode: "The shop's rule (AV-1)",
    modes: { cancel_line: 'line cancelled, the rest shipped at once', customer_chooses_wait_or_refund: 'the customer chooses: wait or refund', substitute_or_refund: 'a substitute or a refund', back_order: 'back-order' } as Record<UnavailabilityMode, string>,
    caseStates: { awaiting_answer: 'answer awaited', waiting: 'customer waits', substituted: 'substituted', cancelled: 'cancelled', back_ordered: 'back-ordered', void: 'void' } as Record<string, string>,
    lastDay: 'Last day',
    answeredBy: { customer: 'by the customer', default: 'no answer (default rule)' } as Record<string, string>,
    declared: 'Declaration recorded: the customer is told by email.',
    notOpen: 'The order is not being prepared.',
    errors: {
      'unavailability.quantity_exceeds_remaining': 'No more than the units left to ship.',
      'unavailability.invalid_quantity': 'Give a whole number of units.',
      'unavailability.already_answered': 'This question was already answered.',
      'unavailability.invalid_choice': 'Choose one of the answers offered.',
      'unavailability.order_not_open': 'The order is no longer open.',
      'unavailability.substitute_sold_out': 'The replacement item is no longer in stock: you may choose the refund.',
      'unavailability.substitute_not_offered': 'This shop does not offer substitutes.',
      'unavailability.substitute_too_expensive': 'The substitute would cost the customer more.',
      'unavailability.substitute_same_variant': 'The substitute must be another item.',
      'variant.not_found': 'Unknown SKU.',
    } as Record<string, string>,
    error: 'The request could not be completed.',
  },
} as const;

const errorOf = (lang: Language, error: DomainError): PageError => pageError(error, messages[lang].errors, messages[lang].error);

const orderNumberOf = (request: FastifyRequest): string => {
  const { number } = request.params as { number: string };
  if (!/^[A-Za-z0-9-]{1,40}$/.test(number)) throw new DomainError('order.not_found', { field: 'number' }, 'No such order.');
  return number;
};
const amountText = (minor: number, currency: string, lang: Language) => (isCurrency(currency) ? formatMoney(money(minor, currency), lang) : `${minor} ${currency}`);
const nameOf = (name: { fr: string; en: string }, options: Record<string, string>, lang: Language) => {
  const o = Object.values(options).join(', ');
  return `${name[lang]}${o ? ` (${o})` : ''}`;
};

// ---------------------------------------------------------------------------
// Components



/** AV-1b / AV-1c: one question to the customer — the choices while it is open, the outcome afterwards. */
export function UnavailabilityQuestion({ kase, lang, action, csrfToken }: { kase: UnavailabilityCase; lang: Language; action: string; csrfToken: string }) {
  const t = messages[lang];
  const amount = amountText(kase.amount, kase.currency, lang);
  return (
    <section class="unavailability-case" data-case-id={kase.id} data-case-state={kase.state}>
      <p>
        {t.item}: <strong>{kase.name[lang]}</strong> — {t.quantity}: {kase.quantity}
      </p>
      {kase.state === 'awaiting_answer' ? (
        <form method="post" action={action} class="stack">
          <Csrf token={csrfToken} />
          {kase.lastDay ? <p>{t.answerBy(legalDate(kase.lastDay, lang))}</p> : null}
          <fieldset>
            {kase.choices.map((choice, i) => (
              <label key={choice} class="check">
                <input type="radio" name="choice" value={choice} required checked={i === 0} />{' '}
                {choice === 'wait' ? t.choices.wait : choice === 'refund' ? t.choices.refund(amount) : t.choices.substitute(kase.substitute ? nameOf(kase.substitute.name, kase.substitute.options, lang) : '')}
              </label>
            ))}
          </fieldset>
          <button type="submit">{t.submit}</button>
        </form>
      ) : (
        <p>
          <strong>{t.states[kase.state] ?? kase.state}</strong>
          {kase.refund && kase.refund.amount > 0 ? ` ${t.refund(amountText(kase.refund.amount, kase.currency, lang), kase.refund.dueOn ? legalDate(kase.refund.dueOn, lang) : null)}` : ''}
        </p>
      )}
    </section>
  );
}

type Base = { lang: Language; shop: ShopView; csrfToken: string; notice: string | null; error: PageError | null };

function CustomerPage(props: Base & { orderNumber: string; path: string; cases: { kase: UnavailabilityCase; action: string }[]; account: boolean }) {
  const t = messages[props.lang];
  return (
    <Layout lang={props.lang} title={t.title(props.orderNumber)} shop={props.shop} path={props.path} area="store">
      <h1>{t.title(props.orderNumber)}</h1>
      {props.account ? (
        <p>
          <a href={`/account/orders/${encodeURIComponent(props.orderNumber)}`}>{t.backToAccount}</a>
        </p>
      ) : null}
      <Flash notice={props.notice} error={props.error} />
      {props.cases.length === 0 ? <p>{t.none}</p> : props.cases.map((c) => <UnavailabilityQuestion key={c.kase.id} kase={c.kase} lang={props.lang} action={c.action} csrfToken={props.csrfToken} />)}
    </Layout>
  );
}

/** AV-1b/AV-1c, on the account's order page: a question waits for the customer's answer — where to give it. */
export function OpenUnavailabilityNotice({ lang, orderNumber, cases }: { lang: Language; orderNumber: string; cases: readonly UnavailabilityCase[] }) {
  if (!cases.some((c) => c.state === 'awaiting_answer')) return null;
  const t = messages[lang];
  return (
    <section class="unavailability-notice" aria-labelledby="unavailable-title">
      <h2 id="unavailable-title">{t.title(orderNumber)}</h2>
      <p>
        {t.openQuestion} <a href={`/account/orders/${encodeURIComponent(orderNumber)}/unavailable`}>{t.answer}</a>
      </p>
    </section>
  );
}

export type UnavailabilityPanelView = Awaited<ReturnType<typeof unavailabilityOfOrder>>;

/** The back office's AV-1 panel for an order: each line with what may be declared unavailable (a form per line), and the cases. */
export function UnavailabilityPanel({ view, lang, csrfToken, canDeclare }: { view: UnavailabilityPanelView; lang: Language; csrfToken: string; canDeclare: boolean }) {
  const t = messages[lang];
  const base = `/admin/orders/${encodeURIComponent(view.orderNumber)}`;
  return (
    <section class="unavailability" data-mode={view.mode}>
      <h2>{t.adminTitle(view.orderNumber)}</h2>
      <p class="meta">
        {t.mode}: {t.modes[view.mode]}
        {view.open ? '' : ` — ${t.notOpen}`}
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">{t.item}</th>
            <th scope="col">{t.quantity}</th>
            <th scope="col">{t.cancelledUnits}</th>
            <th scope="col">{t.backordered}</th>
            <th scope="col">{t.remaining}</th>
            <th scope="col">{t.declare}</th>
          </tr>
        </thead>
        <tbody>
          {view.lines.map((l) => (
            <tr key={l.position} data-position={String(l.position)}>
              <td>{l.sku}</td>
              <td>{l.name[lang]}</td>
              <td>{l.quantity}</td>
              <td>{l.cancelledQuantity}</td>
              <td>{l.backorderedQuantity}</td>
              <td>{l.remaining}</td>
              <td>
                {canDeclare && l.declarable > 0 ? (
                  <form method="post" action={`${base}/lines/${l.position}/unavailable`} class="inline">
                    <Csrf token={csrfToken} />
                    <input type="number" name="quantity" min={1} max={l.declarable} value="1" required aria-label={t.quantity} />
                    {view.mode === 'substitute_or_refund' && !l.isGift ? <input type="text" name="substituteSku" maxLength={100} placeholder={t.substituteSku} aria-label={t.substituteSku} /> : null}
                    <button type="submit">{t.declare}</button>
                  </form>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {view.cases.length > 0 ? (
        <>
          <h3>{t.cases}</h3>
          <ul>
            {view.cases.map((c) => (
              <li key={c.id} data-case-id={c.id} data-case-state={c.state}>
                #{c.id} — {c.sku} × {c.quantity} — <strong>{t.caseStates[c.state] ?? c.state}</strong>
                {c.choice ? ` — ${c.choice} ${c.answeredBy ? (t.answeredBy[c.answeredBy] ?? '') : ''}` : ''}
                {c.state === 'awaiting_answer' && c.lastDay ? ` — ${t.lastDay}: ${c.lastDay}` : ''}
                {c.substitute ? ` — ↔ ${c.substitute.sku}` : ''}
                {c.refund && c.refund.amount > 0 ? ` — ${t.refund(amountText(c.refund.amount, c.currency, lang), c.refund.dueOn)}` : ''} — {c.declaredBy}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function AdminPage(props: Base & { view: UnavailabilityPanelView; canDeclare: boolean; staffEmail: string }) {
  const t = messages[props.lang];
  const base = `/admin/orders/${encodeURIComponent(props.view.orderNumber)}`;
  return (
    <Layout lang={props.lang} title={t.adminTitle(props.view.orderNumber)} shop={props.shop} path={`${base}/unavailable`} area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <p>
        <a href={base}>← {t.backToOrder}</a>
      </p>
      <Flash notice={props.notice} error={props.error} />
      <UnavailabilityPanel view={props.view} lang={props.lang} csrfToken={props.csrfToken} canDeclare={props.canDeclare} />
    </Layout>
  );
}

// ---------------------------------------------------------------------------
// Routes

/** The customer's pages (storefront, session scope, no prefix). */
export const unavailabilityPageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const view = shopView(ctx.shop);
  const shopId = ctx.shop.id;
  const limited = { rateLimit: { max: 30, timeWindow: '1 minute' } };
  const signedIn = { onRequest: requireCustomerPage(ctx) };
  const tokenOf = (request: FastifyRequest) => (request.params as { token: string }).token.slice(0, 100);

  const renderToken = async (request: FastifyRequest, reply: FastifyReply, flash: { notice?: string; error?: DomainError }) => {
    const lang = resolveLanguage(request, reply);
    const number = orderNumberOf(request);
    const token = tokenOf(request);
    const { kase } = await getCaseByToken(ctx.db, { shopId, orderNumber: number, token });
    const path = `/orders/${encodeURIComponent(number)}/unavailable/${encodeURIComponent(token)}`;
    return sendPage(
      reply,
      <CustomerPage lang={lang} shop={view} csrfToken={reply.generateCsrf()} notice={flash.notice ?? null} error={flash.error ? errorOf(lang, flash.error) : null} orderNumber={number} path={path} cases={[{ kase, action: path }]} account={false} />,
      flash.error ? statusFor(flash.error.code) : 200,
    );
  };

  app.get('/orders/:number/unavailable/:token', { config: limited }, async (request, reply) => {
    const done = (request.query as { done?: string }).done;
    return renderToken(request, reply, { notice: done ? messages[resolveLanguage(request, reply)].answered : undefined });
  });

  app.post('/orders/:number/unavailable/:token', { config: limited, preHandler: app.csrfProtection }, async (request, reply) => {
    const number = orderNumberOf(request);
    const token = tokenOf(request);
    try {
      const now = await ctx.clock.now();
      await ctx.db.transaction().execute((tx) => answerUnavailability(tx, { shopId, orderNumber: number, choice: field(request.body, 'choice'), access: { token }, now }));
    } catch (error) {
      if (error instanceof DomainError && error.code !== 'unavailability.not_found') return renderToken(request, reply, { error });
      throw error;
    }
    return reply.redirect(`/orders/${encodeURIComponent(number)}/unavailable/${encodeURIComponent(token)}?done=1`, 303);
  });

  const renderAccount = async (request: FastifyRequest, reply: FastifyReply, flash: { notice?: string; error?: DomainError }) => {
    const lang = resolveLanguage(request, reply);
    const number = orderNumberOf(request);
    const { cases } = await listCustomerCases(ctx.db, { shopId, orderNumber: number, customerId: request.customer!.id });
    const base = `/account/orders/${encodeURIComponent(number)}/unavailable`;
    return sendPage(
      reply,
      <CustomerPage
        lang={lang}
        shop={view}
        csrfToken={reply.generateCsrf()}
        notice={flash.notice ?? null}
        error={flash.error ? errorOf(lang, flash.error) : null}
        orderNumber={number}
        path={base}
        cases={cases.map((kase) => ({ kase, action: `${base}/${kase.id}` }))}
        account
      />,
      flash.error ? statusFor(flash.error.code) : 200,
    );
  };

  app.get('/account/orders/:number/unavailable', signedIn, async (request, reply) => {
    const done = (request.query as { done?: string }).done;
    return renderAccount(request, reply, { notice: done ? messages[resolveLanguage(request, reply)].answered : undefined });
  });

  app.post('/account/orders/:number/unavailable/:caseId', { ...signedIn, preHandler: app.csrfProtection }, async (request, reply) => {
    const number = orderNumberOf(request);
    const { caseId } = request.params as { caseId: string };
    try {
      if (!/^\d{1,18}$/.test(caseId)) throw new DomainError('unavailability.not_found', { field: 'caseId', rule: 'AV-1' });
      const now = await ctx.clock.now();
      await ctx.db.transaction().execute((tx) => answerUnavailability(tx, { shopId, orderNumber: number, choice: field(request.body, 'choice'), access: { customerId: request.customer!.id, caseId }, now }));
    } catch (error) {
      if (error instanceof DomainError && error.code !== 'unavailability.not_found') return renderAccount(request, reply, { error });
      throw error;
    }
    return reply.redirect(`/account/orders/${encodeURIComponent(number)}/unavailable?done=1`, 303);
  });
};

/** The back office's pages (session scope, prefix /admin). */
export const unavailabilityBackOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const view = shopView(ctx.shop);
  const shopId = ctx.shop.id;

  const render = async (request: FastifyRequest, reply: FastifyReply, number: string, flash: { notice?: string; error?: DomainError }) => {
    const lang = resolveLanguage(request, reply);
    const role = request.staff!.role;
    const panel = await unavailabilityOfOrder(ctx.db, { shopId, orderNumber: number });
    return sendPage(
      reply,
      <AdminPage
        lang={lang}
        shop={view}
        csrfToken={reply.generateCsrf()}
        staffEmail={request.staff!.email}
        notice={flash.notice ?? null}
        error={flash.error ? errorOf(lang, flash.error) : null}
        view={panel}
        canDeclare={canDeclareUnavailable(role)}
      />,
      flash.error ? statusFor(flash.error.code) : 200,
    );
  };

  app.get('/orders/:number/unavailable', { onRequest: requireStaffPage(ctx, 'orders.read') }, async (request, reply) => {
    const done = (request.query as { done?: string }).done;
    return render(request, reply, orderNumberOf(request), { notice: done ? messages[resolveLanguage(request, reply)].declared : undefined });
  });

  app.post('/orders/:number/lines/:position/unavailable', { onRequest: [requireStaffPage(ctx, 'orders.read'), mayDeclareUnavailable], preHandler: app.csrfProtection }, async (request, reply) => {
    const number = orderNumberOf(request);
    try {
      const { position } = request.params as { position: string };
      const quantity = field(request.body, 'quantity');
      if (!/^\d{1,5}$/.test(position)) throw new DomainError('order_line.not_found', { field: 'position' });
      if (!/^\d{1,6}$/.test(quantity)) throw new DomainError('unavailability.invalid_quantity', { field: 'quantity', rule: 'AV-1' });
      const now = await ctx.clock.now();
      await ctx.db.transaction().execute((tx) =>
        declareUnavailable(tx, {
          shopId,
          orderNumber: number,
          position: Number(position),
          quantity: Number(quantity),
          substituteSku: field(request.body, 'substituteSku') || null,
          storefrontUrl: ctx.config.publicUrl,
          actor: { kind: 'staff', staffId: request.staff!.id },
          now,
        }),
      );
    } catch (error) {
      if (error instanceof DomainError && error.code !== 'order.not_found') return render(request, reply, number, { error });
      throw error;
    }
    return reply.redirect(`/admin/orders/${encodeURIComponent(number)}/unavailable?done=1`, 303);
  });
};
