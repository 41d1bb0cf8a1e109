// Guarantee claims as pages (issue 6; GU-1…GU-5), FR and EN, no JavaScript:
//   `GuaranteeSection` — the "Garanties" section for the account's order page
//   (mount it with `guaranteeSection(ctx, request, reply, order)`): each
//   delivered line's guarantees with their dates, the claims with their
//   clocks (answer due, remedy due, guarantee end) and a claim form per line.
//   GET  /account/orders/:number/guarantees          the section as its own page
//   POST /account/orders/:number/guarantee-claims    the form (multipart, photos; CSRF) → 303 back, or the page with the refusal
//   GET  /admin/guarantee-claims                     the queue: answer due first, overdue flagged (`returns.read`)
//   GET  /admin/guarantee-claims/:claim              a claim with the decisions (`returns.read`)
//   POST /admin/guarantee-claims/:claim/{decision,item-received,item-returned,shipping-refund}  (`returns.manage`, CSRF)
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { AppContext } from '../../app/context.js';
import {
  decideGuaranteeClaim,
  fileGuaranteeClaim,
  getGuaranteeClaimForStaff,
  guaranteeOptionsOf,
  listGuaranteeClaimsForStaff,
  listGuaranteeClaimsOfOrder,
  recordItemReceived,
  recordItemReturned,
  refundRepairShipping,
  type GuaranteeClaim,
  type GuaranteeClaimForStaff,
  type GuaranteeOptions,
  type QueuedClaim,
} from '../../app/guarantee-claims.js';
import { exclusionLabel, guaranteeKindLabel, remedyLabel } from '../../app/guarantee-emails.js';
import { legalDate } from '../../app/order-emails.js';
import { getOrderFor, type Order } from '../../app/orders.js';
import { DomainError } from '../../domain/errors.js';
import { GU5_EXCLUSIONS, GUARANTEE_CLAIM_STATES, GUARANTEE_OUTCOMES, type GuaranteeClaimState } from '../../domain/guarantees/claims.js';
import { formatMoney, isCurrency, money } from '../../domain/money.js';
import { can } from '../../domain/staff-roles.js';
import type { Actor } from '../../store/audit.js';
import { requireStaffPage } from '../auth.js';
import { requireCustomerPage } from '../customer-auth.js';
import { AdminPage } from '../web/admin-page.js';
import { CLAIM_FORM_LIMIT, ClaimEvidenceFields, claimPhotos, photoRefusals } from '../web/claim-photos-form.js';
import { Csrf, FlashMessages as Flash, type PageError } from '../web/flash.js';
import { formField as field } from '../web/form.js';
import { orderNumberParam, refusalOf, sendFormPage, staffPage, type PageFlash, type StaffPage } from '../web/form-page.js';
import { resolveLanguage, type Language } from '../web/language.js';
import { Layout } from '../web/layout.js';
import { acceptMultipartForms } from '../web/multipart.js';
import { shopView } from '../web/shop-view.js';
import { StateFilter, stateFilterOf } from '../web/state-filter.js';
import { accountGuaranteePhotoPath, adminGuaranteePhotoPath } from './guarantee-claims-api.js';

const messages = {
  fr: {
    section: 'Garanties',
    page: (n: string) => `Garanties — commande ${n}`,
    none: 'Les garanties s’appliquent aux articles livrés.',
    guaranteeUntil: (from: string, to: string) => `du ${from} au ${to} inclus`,
    closed: 'terminée',
    notYet: 'pas encore commencée',
    presumption: (d: string) => `Défaut présumé exister à la livraison s’il apparaît jusqu’au ${d}.`,
    claims: 'Vos demandes',
    claim: 'Demande',
    kind: 'Garantie',
    remedy: 'Solution demandée',
    quantity: 'Quantité',
    description: 'Description du défaut',
    discoveredOn: 'Date de découverte du défaut (vice caché)',
    photosRequired: ' ; obligatoires pour la garantie commerciale',
    submit: 'Envoyer la demande',
    state: 'État',
    states: { filed: 'En cours d’examen', in_repair: 'En réparation', repaired: 'Réparé', replaced: 'Remplacé', refunded: 'Remboursé', refused: 'Refusée' } as Record<GuaranteeClaimState, string>,
    answerDue: 'Réponse au plus tard',
    remedyDue: 'Solution au plus tard',
    coveredUntil: 'Fin de garantie',
    outcome: 'Réponse',
    refund: (a: string, d: string | null) => `${a} remboursés${d ? ` au plus tard le ${d}` : ''}`,
    replacement: (n: string) => `Colis de remplacement ${n}`,
    reason: (r: string) => `Motif : ${r}`,
    filed: (n: string) => `Demande ${n} enregistrée : un e-mail vous le confirme.`,
    overdue: 'en retard',
    error: 'La demande n’a pas pu être enregistrée.',
    errors: {
      ...photoRefusals('fr'),
      'guarantee.expired': 'Cette garantie est terminée pour cet article.',
      'guarantee.not_started': 'La garantie commerciale commence après la période « panne à la livraison ».',
      'guarantee.not_offered': 'Cette garantie n’est pas proposée par la boutique.',
      'guarantee.photos_required': 'Ajoutez au moins une photo du défaut.',
      'guarantee.discovery_date_required': 'Indiquez la date de découverte du défaut.',
      'guarantee.discovery_date_invalid': 'La date de découverte est entre la livraison et aujourd’hui.',
      'guarantee.remedy_not_allowed': 'Cette solution n’est pas possible pour cette garantie.',
      'guarantee.invalid_quantity': 'La quantité dépasse ce qui peut être demandé pour cet article.',
      'guarantee.description_required': 'Décrivez le défaut.',
    } as Record<string, string>,
    adminTitle: 'Demandes de garantie',
    all: 'Toutes',
    filter: 'Filtrer',
    noClaims: 'Aucune demande.',
    order: 'Commande',
    customer: 'Client',
    item: 'Article',
    decide: 'Décision',
    outcomes: { repair: 'Réparer', replace: 'Remplacer (colis, sans frais)', refund: 'Rembourser les articles', price_reduction: 'Réduire le prix', refuse: 'Refuser' } as Record<string, string>,
    amount: 'Montant (centimes)',
    exclusion: 'Exclusion GU-5',
    noExclusion: '—',
    minorDefect: 'Défaut mineur (pas de résolution)',
    send: 'Valider',
    received: 'Article reçu pour réparation',
    returned: 'Article réparé restitué',
    shipping: 'Rembourser les frais d’envoi de la réparation (centimes)',
    done: (n: string) => `Demande ${n} mise à jour.`,
    adminErrors: {
      'guarantee.illegal_transition': 'Cette étape n’est pas possible dans l’état actuel de la demande.',
      'guarantee.reason_required': 'Donnez le motif du refus.',
      'guarantee.invalid_amount': 'Montant invalide.',
      'guarantee.remedy_not_overdue': 'La réparation est encore dans ses 30 jours.',
      'guarantee.termination_minor_defect': 'Un défaut mineur ouvre une réduction du prix, pas la résolution.',
      'claim.replacement_out_of_stock': 'Stock insuffisant pour le remplacement.',
    } as Record<string, string>,
  },
  en: {
    section: 'Guarantees',
    page: (n: string) => `Guarantees — order ${n}`,
    none: 'Guarantees apply to delivered items.',
    guaranteeUntil: (from: string, to: string) => `from ${from} to ${to} inclusive`,
    closed: 'ended',
    notYet: 'not started yet',
    presumption: (d: string) => `A defect appearing until ${d} is presumed to have existed at delivery.`,
    claims: 'Your claims',
    claim: 'Claim',
    kind: 'Guarantee',
    remedy: 'Remedy asked',
    quantity: 'Quantity',
    description: 'Description of the defect',
    discoveredOn: 'Date the defect was discovered (hidden defect)',
    photosRequired: '; required for the commercial guarantee',
    submit: 'Send the claim',
    state: 'State',
    states: { filed: 'Being looked into', in_repair: 'Being repaired', repaired: 'Repaired', replaced: 'Replaced', refunded: 'Refunded', refused: 'Refused' } as Record<GuaranteeClaimState, string>,
    answerDue: 'Answer by',
    remedyDue: 'Remedy by',
    coveredUntil: 'Guarantee ends',
    outcome: 'Answer',
    refund: (a: string, d: string | null) => `${a} refunded${d ? ` by ${d}` : ''}`,
    replacement: (n: string) => `Replacement parcel ${n}`,
    reason: (r: string) => `Reason: ${r}`,
    filed: (n: string) => `Claim ${n} recorded: an email confirms it.`,
    overdue: 'overdue',
    error: 'The claim could not be recorded.',
    errors: {
      ...photoRefusals('en'),
      'guarantee.expired': 'This guarantee has ended for this item.',
      'guarantee.not_started': 'The commercial guarantee starts after the dead-on-arrival period.',
      'guarantee.not_offered': 'The shop offers no such guarantee.',
      'guarantee.photos_required': 'Add at least one photo of the defect.',
      'guarantee.discovery_date_required': 'Give the date you discovered the defect.',
      'guarantee.discovery_date_invalid': 'The discovery date is between the delivery and today.',
      'guarantee.remedy_not_allowed': 'This remedy is not available under this guarantee.',
      'guarantee.invalid_quantity': 'The quantity is more than can be claimed for this item.',
      'guarantee.description_required': 'Describe the defect.',
    } as Record<string, string>,
    adminTitle: 'Guarantee claims',
    all: 'All',
    filter: 'Filter',
    noClaims: 'No claim.',
    order: 'Order',
    customer: 'Customer',
    item: 'Item',
    decide: 'Decision',
    outcomes: { repair: 'Repair', replace: 'Replace (parcel, free)', refund: 'Refund the items', price_reduction: 'Reduce the price', refuse: 'Refuse' } as Record<string, string>,
    amount: 'Amount (cents)',
    exclusion: 'GU-5 exclusion',
    noExclusion: '—',
    minorDefect: 'Minor defect (no termination)',
    send: 'Confirm',
    received: 'Item received for repair',
    returned: 'Repaired item given back',
    shipping: 'Refund the repair\'s shipping costs (cents)',
    done: (n: string) => `Claim ${n} updated.`,
    adminErrors: {
      'guarantee.illegal_transition': 'This step is not possible in the claim\'s current state.',
      'guarantee.reason_required': 'Give the reason of the refusal.',
      'guarantee.invalid_amount': 'Invalid amount.',
      'guarantee.remedy_not_overdue': 'The repair is still within its 30 days.',
      'guarantee.termination_minor_defect': 'A minor defect gives a price reduction, not termination.',
      'claim.replacement_out_of_stock': 'Not enough stock for the replacement.',
    } as Record<string, string>,
  },
} as const;

const instant = (lang: Language, timeZone: string, at: Date) => new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone }).format(at);
const amount = (lang: Language, minor: number, currency: string) => (isCurrency(currency) ? formatMoney(money(minor, currency), lang) : `${minor} ${currency}`);

function Outcome({ claim, lang }: { claim: GuaranteeClaim; lang: Language }) {
  const t = messages[lang];
  const d = claim.decision;
  if (!d) return <span>—</span>;
  if (d.outcome === 'refuse') return <span data-guarantee-reason>{t.reason(d.reason ?? '')}{d.exclusion ? ` (${exclusionLabel(lang, d.exclusion)})` : ''}</span>;
  if (d.outcome === 'replace') return <span>{t.replacement(d.replacementShipment ?? '')}</span>;
  if (d.refund) return <span>{t.refund(amount(lang, d.refund.amount, d.refund.currency), d.refund.dueOn ? legalDate(d.refund.dueOn, lang) : null)}</span>;
  return <span>{remedyLabel(lang, d.outcome)}</span>;
}

/** The claim's clocks and its guarantee's end, as the customer and staff read them. */
function Clocks({ claim, lang, timeZone, now }: { claim: GuaranteeClaim; lang: Language; timeZone: string; now: Date }) {
  const t = messages[lang];
  const waiting = claim.state === 'filed' || claim.state === 'in_repair';
  return (
    <ul class="meta">
      {claim.answerDueAt && claim.state === 'filed' ? (
        <li data-answer-due>
          {t.answerDue} : {instant(lang, timeZone, claim.answerDueAt)} {now >= claim.answerDueAt ? <strong>({t.overdue})</strong> : null}
        </li>
      ) : null}
      {claim.remedyDueOn && claim.remedyDueAt && waiting ? (
        <li data-remedy-due>
          {t.remedyDue} : {legalDate(claim.remedyDueOn, lang)} {now >= claim.remedyDueAt ? <strong>({t.overdue})</strong> : null}
        </li>
      ) : null}
      <li data-covered-until>
        {t.coveredUntil} : {legalDate(claim.coveredUntil, lang)}
      </li>
    </ul>
  );
}

// ---------------------------------------------------------------------------
// The account's section

type SectionProps = { lang: Language; csrfToken: string; timeZone: string; now: Date; orderNumber: string; claims: GuaranteeClaim[]; options: GuaranteeOptions; notice: string | null; error: PageError | null };

export function GuaranteeSection(props: SectionProps) {
  const { lang, options } = props;
  const t = messages[lang];
  const action = `/account/orders/${encodeURIComponent(props.orderNumber)}/guarantee-claims`;
  return (
    <section id="guarantees" aria-labelledby="guarantees-title" class="guarantees">
      <h2 id="guarantees-title">{t.section}</h2>
      <Flash notice={props.notice} error={props.error} />
      {props.claims.length > 0 ? (
        <>
          <h3>{t.claims}</h3>
          <table class="guarantee-claims">
            <thead>
              <tr>
                <th scope="col">{t.claim}</th>
                <th scope="col">{t.kind}</th>
                <th scope="col">{t.state}</th>
                <th scope="col">{t.outcome}</th>
              </tr>
            </thead>
            <tbody>
              {props.claims.map((c) => (
                <tr key={c.number} data-guarantee-claim={c.number}>
                  <td>
                    {c.number} — {c.quantity} × {c.name[lang]}
                    {c.photos.map((p) => (
                      <span key={p.n}>
                        {' '}
                        <a href={accountGuaranteePhotoPath(c.number, p.n)}>{p.n}</a>
                      </span>
                    ))}
                    <Clocks claim={c} lang={lang} timeZone={props.timeZone} now={props.now} />
                  </td>
                  <td>
                    {guaranteeKindLabel(lang, c.kind)}
                    <br />
                    <span class="meta">{remedyLabel(lang, c.remedyAsked)}</span>
                  </td>
                  <td data-guarantee-state={c.state}>{t.states[c.state]}</td>
                  <td>
                    <Outcome claim={c} lang={lang} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {options.lines.length === 0 ? <p>{t.none}</p> : null}
      {options.lines.map((l) => (
        <div key={l.position} class="guarantee-line" data-guarantee-line={l.position}>
          <h3>
            {l.name[lang]} <code>{l.sku}</code>
          </h3>
          <ul>
            {l.guarantees.map((g) => (
              <li key={g.kind} data-guarantee={g.kind}>
                {guaranteeKindLabel(lang, g.kind)} : {t.guaranteeUntil(legalDate(g.startsOn, lang), legalDate(g.lastDay, lang))}
                {g.open ? null : ` (${props.now.getTime() >= g.dueAt.getTime() ? t.closed : t.notYet})`}
                {g.kind === 'conformity' && 'presumptionLastDay' in g ? <p class="meta">{t.presumption(legalDate(String(g.presumptionLastDay), lang))}</p> : null}
              </li>
            ))}
          </ul>
          {l.claimable > 0 ? (
            <form method="post" action={action} enctype="multipart/form-data" class="stack">
              <Csrf token={props.csrfToken} />
              <input type="hidden" name="position" value={String(l.position)} />
              <label>
                {t.kind}{' '}
                <select name="kind" required>
                  {l.kinds.map((k) => (
                    <option key={k} value={k}>
                      {guaranteeKindLabel(lang, k)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t.remedy}{' '}
                <select name="remedy" required>
                  {[...new Set(l.kinds.flatMap((k) => l.remedies[k]))].map((r) => (
                    <option key={r} value={r}>
                      {remedyLabel(lang, r)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t.quantity} <input type="number" name="quantity" min={1} max={l.claimable} value={1} inputMode="numeric" required />
              </label>
              <label>
                {t.discoveredOn} <input type="date" name="discoveredOn" />
              </label>
              <ClaimEvidenceFields lang={lang} description={t.description} photosNote={options.photosRequiredFor.length > 0 ? t.photosRequired : ''} photosRequired={false} />
              <button type="submit">{t.submit}</button>
            </form>
          ) : null}
        </div>
      ))}
    </section>
  );
}

/** GU-1…GU-4: the guarantees section for the account's order page (src/http/routes/account-order-page.tsx). */
export async function guaranteeSection(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, order: Order, flash: { error?: DomainError } = {}): Promise<VNode> {
  const lang = resolveLanguage(request, reply);
  const now = await ctx.clock.now();
  const access = { customerId: request.customer?.id ?? null };
  const [claims, options] = await Promise.all([listGuaranteeClaimsOfOrder(ctx.db, { shopId: ctx.shop.id, orderNumber: order.number, access }), guaranteeOptionsOf(ctx.db, { shopId: ctx.shop.id, order, now })]);
  const filed = (request.query as { guarantee?: unknown } | undefined)?.guarantee;
  const notice = typeof filed === 'string' && claims.some((c) => c.number === filed) ? messages[lang].filed(filed) : null;
  return (
    <GuaranteeSection
      lang={lang}
      csrfToken={reply.generateCsrf()}
      timeZone={ctx.shop.policy.shop.timeZone}
      now={now}
      orderNumber={order.number}
      claims={claims}
      options={options}
      notice={notice}
      error={flash.error ? refusalOf(flash.error, messages[lang].errors, messages[lang].error) : null}
    />
  );
}

// ---------------------------------------------------------------------------
// Routes

/** The customer's pages; register without prefix, inside the session scope. */
export const guaranteeClaimPageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shopId = ctx.shop.id;
  acceptMultipartForms(app, CLAIM_FORM_LIMIT);

  const page = async (request: FastifyRequest, reply: FastifyReply, number: string, flash: PageFlash = {}) => {
    const lang = resolveLanguage(request, reply);
    const order = await getOrderFor(ctx.db, { shopId, number, customerId: request.customer!.id });
    const section = await guaranteeSection(ctx, request, reply, order, flash);
    return sendFormPage(
      reply,
      <Layout lang={lang} title={messages[lang].page(order.number)} shop={shopView(ctx.shop)} path={`/account/orders/${encodeURIComponent(order.number)}/guarantees`} area="store">
        <p>
          <a href={`/account/orders/${encodeURIComponent(order.number)}`}>← {order.number}</a>
        </p>
        {section}
      </Layout>,
      flash.error,
    );
  };

  app.get('/account/orders/:number/guarantees', { onRequest: requireCustomerPage(ctx) }, async (request, reply) => page(request, reply, orderNumberParam(request)));

  app.post('/account/orders/:number/guarantee-claims', { onRequest: requireCustomerPage(ctx), preHandler: app.csrfProtection, bodyLimit: CLAIM_FORM_LIMIT }, async (request, reply) => {
    const number = orderNumberParam(request);
    const body = request.body;
    try {
      const claim = await fileGuaranteeClaim(ctx.db, {
        shopId,
        orderNumber: number,
        position: Number(field(body, 'position')),
        quantity: Number(field(body, 'quantity') || '1'),
        kind: field(body, 'kind'),
        remedy: field(body, 'remedy'),
        description: field(body, 'description'),
        discoveredOn: field(body, 'discoveredOn') || null,
        photos: claimPhotos(body),
        access: { customerId: request.customer!.id },
        now: await ctx.clock.now(),
      });
      return reply.redirect(`/account/orders/${encodeURIComponent(number)}/guarantees?guarantee=${encodeURIComponent(claim.number)}#guarantees`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'order.not_found') throw error;
      return page(request, reply, number, { error });
    }
  });
};

// ---------------------------------------------------------------------------
// Back office

type AdminCommon = StaffPage & { timeZone: string; now: Date; notice: string | null; error: PageError | null };

export function AdminGuaranteeQueue(props: AdminCommon & { claims: QueuedClaim[]; filter: GuaranteeClaimState | 'all' }) {
  const { lang } = props;
  const t = messages[lang];
  return (
    <AdminPage {...props} title={t.adminTitle} path="/admin/guarantee-claims">
      <StateFilter action="/admin/guarantee-claims" label={t.state} submit={t.filter} selected={props.filter} first={[{ value: 'all', label: t.all }]} states={GUARANTEE_CLAIM_STATES} stateLabels={t.states} />
      {props.claims.length === 0 ? (
        <p>{t.noClaims}</p>
      ) : (
        <table class="admin-guarantee-claims">
          <thead>
            <tr>
              <th scope="col">{t.claim}</th>
              <th scope="col">{t.customer}</th>
              <th scope="col">{t.kind}</th>
              <th scope="col">{t.state}</th>
              <th scope="col">{t.answerDue}</th>
            </tr>
          </thead>
          <tbody>
            {props.claims.map((c) => (
              <tr key={c.number} data-guarantee-claim={c.number} data-overdue={c.answerOverdue || c.remedyOverdue ? 'yes' : 'no'}>
                <td>
                  <a href={`/admin/guarantee-claims/${encodeURIComponent(c.number)}`}>{c.number}</a>
                  <br />
                  <span class="meta">
                    {c.quantity} × {c.name[lang]}
                  </span>
                </td>
                <td>{c.customerEmail}</td>
                <td>{guaranteeKindLabel(lang, c.kind)}</td>
                <td data-guarantee-state={c.state}>{t.states[c.state]}</td>
                <td>
                  <Clocks claim={c} lang={lang} timeZone={props.timeZone} now={props.now} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminPage>
  );
}

export function AdminGuaranteeClaim(props: AdminCommon & { claim: GuaranteeClaimForStaff; mayManage: boolean }) {
  const { lang, claim: c } = props;
  const t = messages[lang];
  const base = `/admin/guarantee-claims/${encodeURIComponent(c.number)}`;
  const waiting = c.state !== 'refunded';
  return (
    <AdminPage {...props} title={`${t.claim} ${c.number}`} path={base}>
      <dl>
        <dt>{t.order}</dt>
        <dd>
          <a href={`/admin/orders/${encodeURIComponent(c.orderNumber)}`}>{c.orderNumber}</a> — {c.customerEmail}
        </dd>
        <dt>{t.item}</dt>
        <dd>
          {c.quantity} × {c.name[lang]} <code>{c.sku}</code> — {amount(lang, c.unitsPrice, c.currency)}
        </dd>
        <dt>{t.kind}</dt>
        <dd>
          {guaranteeKindLabel(lang, c.kind)} — {remedyLabel(lang, c.remedyAsked)}
        </dd>
        <dt>{t.description}</dt>
        <dd>
          <p>{c.description}</p>
          {c.photos.map((p) => (
            <a key={p.n} href={adminGuaranteePhotoPath(c.number, p.n)} title={`SHA-256 ${p.sha256}`}>
              <img src={adminGuaranteePhotoPath(c.number, p.n)} alt={`${p.n}`} width={96} height={96} loading="lazy" />
            </a>
          ))}
        </dd>
        <dt>{t.state}</dt>
        <dd data-guarantee-state={c.state}>
          {t.states[c.state]} <Outcome claim={c} lang={lang} />
          <Clocks claim={c} lang={lang} timeZone={props.timeZone} now={props.now} />
        </dd>
      </dl>
      {props.mayManage && waiting ? (
        <>
          <h2>{t.decide}</h2>
          <form method="post" action={`${base}/decision`} class="stack" data-guarantee-decision>
            <Csrf token={props.csrfToken} />
            <fieldset>
              {GUARANTEE_OUTCOMES.map((o) => (
                <label key={o}>
                  <input type="radio" name="outcome" value={o} required /> {t.outcomes[o]}
                </label>
              ))}
            </fieldset>
            <label>
              {t.amount} <input type="number" name="amount" min={1} max={c.unitsPrice} inputMode="numeric" />
            </label>
            <label>
              {t.exclusion}{' '}
              <select name="exclusion">
                <option value="">{t.noExclusion}</option>
                {GU5_EXCLUSIONS.map((x) => (
                  <option key={x} value={x}>
                    {exclusionLabel(lang, x)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t.reason('')}
              <textarea name="reason" rows={2} maxLength={1000} />
            </label>
            <label>
              <input type="checkbox" name="minorDefect" value="1" /> {t.minorDefect}
            </label>
            <button type="submit">{t.send}</button>
          </form>
          {c.state === 'in_repair' ? (
            <form method="post" action={`${base}/${c.receivedAt ? 'item-returned' : 'item-received'}`} class="inline">
              <Csrf token={props.csrfToken} />
              <button type="submit">{c.receivedAt ? t.returned : t.received}</button>
            </form>
          ) : null}
          {(c.state === 'in_repair' || c.state === 'repaired') && c.shippingRefund === null ? (
            <form method="post" action={`${base}/shipping-refund`} class="inline">
              <Csrf token={props.csrfToken} />
              <label>
                {t.shipping} <input type="number" name="amount" min={1} inputMode="numeric" required />
              </label>
              <button type="submit">{t.send}</button>
            </form>
          ) : null}
        </>
      ) : null}
    </AdminPage>
  );
}

const optionalInt = (text: string) => (text.trim() === '' ? undefined : Number(text));

/** Register with prefix /admin, inside the session scope. */
export const guaranteeClaimBackOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  const shopId = ctx.shop.id;
  const timeZone = ctx.shop.policy.shop.timeZone;
  const read = requireStaffPage(ctx, 'returns.read');
  const manage = requireStaffPage(ctx, 'returns.manage');
  const actorOf = (request: FastifyRequest): Actor => ({ kind: 'staff', staffId: request.staff!.id });
  const claimOf = (request: FastifyRequest) => {
    const { claim } = request.params as { claim: string };
    if (!/^[A-Za-z0-9-]{1,60}$/.test(claim)) throw new DomainError('guarantee.not_found', { field: 'number' });
    return claim;
  };
  const common = async (request: FastifyRequest, reply: FastifyReply, flash: PageFlash): Promise<AdminCommon> => {
    const page = staffPage(request, reply, shop);
    const t = messages[page.lang];
    return { ...page, timeZone, now: await ctx.clock.now(), notice: flash.notice ?? null, error: flash.error ? refusalOf(flash.error, t.adminErrors, t.error) : null };
  };
  const claimPage = async (request: FastifyRequest, reply: FastifyReply, number: string, flash: PageFlash = {}) => {
    const claim = await getGuaranteeClaimForStaff(ctx.db, { shopId, number });
    return sendFormPage(reply, <AdminGuaranteeClaim {...await common(request, reply, flash)} claim={claim} mayManage={can(request.staff!.role, 'returns.manage')} />, flash.error);
  };

  app.get('/guarantee-claims', { onRequest: read }, async (request, reply) => {
    const filter = stateFilterOf<GuaranteeClaimState | 'all'>(request.query, ['all', ...GUARANTEE_CLAIM_STATES], 'all');
    const claims = await listGuaranteeClaimsForStaff(ctx.db, { shopId, state: filter, now: await ctx.clock.now() });
    return sendFormPage(reply, <AdminGuaranteeQueue {...await common(request, reply, {})} claims={claims} filter={filter} />);
  });

  app.get('/guarantee-claims/:claim', { onRequest: read }, async (request, reply) => {
    const done = (request.query as { done?: unknown } | undefined)?.done;
    const number = claimOf(request);
    return claimPage(request, reply, number, { notice: done === '1' ? messages[resolveLanguage(request, reply)].done(number) : null });
  });

  /** One staff step: its use case in a transaction, then back to the claim (303), or the claim with the refusal. */
  const post = (path: string, run: (request: FastifyRequest, number: string, now: Date) => Promise<unknown>) =>
    app.post(`/guarantee-claims/:claim/${path}`, { onRequest: manage, preHandler: app.csrfProtection }, async (request, reply) => {
      const number = claimOf(request);
      try {
        await run(request, number, await ctx.clock.now());
        return reply.redirect(`/admin/guarantee-claims/${encodeURIComponent(number)}?done=1`, 303);
      } catch (error) {
        if (!(error instanceof DomainError) || error.code === 'guarantee.not_found') throw error;
        return claimPage(request, reply, number, { error });
      }
    });

  post('decision', (request, number, now) =>
    ctx.db.transaction().execute((tx) =>
      decideGuaranteeClaim(tx, {
        shopId,
        number,
        outcome: field(request.body, 'outcome'),
        reason: field(request.body, 'reason'),
        exclusion: field(request.body, 'exclusion') || null,
        amount: optionalInt(field(request.body, 'amount')),
        minorDefect: field(request.body, 'minorDefect') === '1',
        actor: actorOf(request),
        now,
      }),
    ),
  );
  post('item-received', (request, number, now) => ctx.db.transaction().execute((tx) => recordItemReceived(tx, { shopId, number, actor: actorOf(request), now })));
  post('item-returned', (request, number, now) => ctx.db.transaction().execute((tx) => recordItemReturned(tx, { shopId, number, actor: actorOf(request), now })));
  post('shipping-refund', (request, number, now) => ctx.db.transaction().execute((tx) => refundRepairShipping(tx, { shopId, number, amount: Number(field(request.body, 'amount')), actor: actorOf(request), now })));
};
