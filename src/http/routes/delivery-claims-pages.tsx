// Delivery claims as pages (issue 5 §7; SH-8, SH-9), FR and EN, no JavaScript:
//   the account's order page (/account/orders/:number) gets a "delivery
//   problem" section — the claims of the order with their outcome, the advice
//   of the terms (FA: refuse a damaged parcel with reservations), and for each
//   delivered parcel still in its window a form (lines, description, photos)
//   posted as multipart/form-data to
//   POST /account/orders/:number/claims    (signed-in customer, CSRF)
//   GET  /admin/claims                     claims to decide, decided, parcels refused at delivery (`returns.read`)
//   POST /admin/claims/:id/decision        reship | refund | reject with a reason (`returns.manage`, CSRF)
// The form's multipart body is read by web/multipart.ts, registered for these
// routes only (5 photos of 5 MB at most).
// Each form calls one use case (one transaction) and redirects (303) with a
// notice, or shows the page with the refusal and its status.
import { formField as field } from '../web/form.js';
import { FlashMessages as Flash, type PageError } from '../web/flash.js';
import { sendAccountOrderPage } from './account-order-page.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { AppContext } from '../../app/context.js';
import {
  claimKindLabel,
  claimOptionsOf,
  decideDeliveryClaim,
  fileDeliveryClaim,
  listClaimsForStaff,
  listClaimsOfOrder,
  listRefusedParcels,
  type ClaimOptions,
  type DeliveryClaim,
  type DeliveryClaimForStaff,
  type RefusedParcel,
} from '../../app/delivery-claims.js';
import type { Order } from '../../app/orders.js';
import { legalDate } from '../../app/order-emails.js';
import { DomainError } from '../../domain/errors.js';
import { CLAIM_KINDS, CLAIM_STATES, type ClaimOutcome, type ClaimState } from '../../domain/fulfilment/delivery-claims.js';
import { formatMoney, isCurrency, money } from '../../domain/money.js';
import { can } from '../../domain/staff-roles.js';
import type { Actor } from '../../store/audit.js';
import { requireStaffPage } from '../auth.js';
import { requireCustomerPage } from '../customer-auth.js';
import { statusFor } from '../errors.js';
import { CLAIM_FORM_LIMIT, ClaimEvidenceFields, claimPhotos, photoRefusals } from '../web/claim-photos-form.js';
import { doneParam, orderNumberParam, refusalOf, sendFormPage, staffPage, type PageFlash, type StaffPage } from '../web/form-page.js';
import { resolveLanguage, type Language } from '../web/language.js';
import { AdminPage } from '../web/admin-page.js';
import { acceptMultipartForms } from '../web/multipart.js';
import { shopView } from '../web/shop-view.js';
import { StateFilter, stateFilterOf } from '../web/state-filter.js';
import { accountPhotoPath, adminPhotoPath } from './delivery-claims-api.js';

// ---------------------------------------------------------------------------
// Texts

const messages = {
  fr: {
    section: 'Un problème avec la livraison ?',
    advice: 'Colis abîmé à la livraison : refusez-le auprès du transporteur en notant vos réserves sur le bordereau ; il nous revient et vous êtes remboursé.',
    window: (days: number, kind: string) => `Signalez-nous tout problème dans les ${days} ${kind === 'calendar' ? 'jours' : kind === 'working' ? 'jours ouvrés' : 'jours (samedis compris)'} suivant la livraison.`,
    noWindow: 'Signalez-nous tout problème constaté à la livraison.',
    notDelivered: 'Vous pourrez signaler un problème une fois votre colis livré.',
    parcel: (n: string) => `Colis ${n}`,
    deliveredOn: (d: string) => `livré le ${d}`,
    lastDay: (d: string) => `réclamation possible jusqu’au ${d} inclus`,
    closed: (d: string) => `délai de réclamation expiré le ${d} — la garantie légale de conformité reste acquise`,
    kind: 'Problème',
    items: 'Articles concernés (quantité)',
    description: 'Description',
    photosRequired: ', au moins une',
    submit: 'Envoyer la réclamation',
    claims: 'Vos réclamations',
    claim: 'Réclamation',
    filedOn: 'Envoyée le',
    state: 'État',
    outcome: 'Réponse',
    states: { filed: 'En cours d’examen', reshipped: 'Articles renvoyés', refunded: 'Remboursée', rejected: 'Refusée' } as Record<ClaimState, string>,
    replacement: (n: string) => `Colis de remplacement ${n}`,
    refund: (amount: string, due: string | null) => `${amount} remboursés${due ? ` au plus tard le ${due}` : ''}`,
    reason: (r: string) => `Motif : ${r}`,
    filed: (n: string) => `Réclamation ${n} enregistrée : un e-mail vous le confirme.`,
    photo: (n: number) => `Photo ${n}`,
    errors: {
      ...photoRefusals('fr'),
      'claim.window_closed': 'Le délai de réclamation pour ce colis est expiré. La garantie légale de conformité reste acquise : contactez le service client.',
      'claim.photos_required': 'Ajoutez au moins une photo du colis et de son contenu.',
      'claim.no_lines': 'Indiquez au moins un article concerné.',
      'claim.quantity_exceeds_parcel': 'La quantité indiquée dépasse ce que contenait le colis (ou ce qui est déjà réclamé).',
      'claim.description_required': 'Décrivez le problème.',
      'claim.parcel_not_delivered': 'Ce colis n’est pas encore livré.',
      'request.body_too_large': 'Les photos sont trop lourdes.',
    } as Record<string, string>,
    error: 'La réclamation n’a pas pu être enregistrée.',
    // Back office
    adminTitle: 'Réclamations livraison',
    filter: 'Filtrer',
    all: 'Toutes',
    none: 'Aucune réclamation.',
    order: 'Commande',
    customer: 'Client',
    possession: 'Prise de possession (SH-9)',
    possessionBy: { customer: 'le client', third_party: 'un tiers désigné' } as Record<string, string>,
    possessionSource: { carrier: 'preuve du transporteur', customer_declaration: 'déclaration du client', store: 'remise en magasin' } as Record<string, string>,
    windowLabel: 'Délai',
    noWindowShort: 'aucun délai dans les CGV',
    decide: 'Décision',
    reship: 'Renvoyer les articles',
    refundAction: (amount: string) => `Rembourser ${amount}`,
    reject: 'Refuser',
    rejectReason: 'Motif du refus (lu par le client)',
    refusals: 'Colis refusés à la livraison',
    noRefusals: 'Aucun colis refusé.',
    refusedOn: 'Refusé le',
    refusalReason: 'Motif',
    parcelState: 'Colis',
    refundDue: 'Remboursement',
    awaitingReturn: 'au retour du colis',
    done: (n: string) => `Réclamation ${n} décidée.`,
    adminErrors: {
      'claim.reason_required': 'Donnez le motif du refus.',
      'claim.illegal_transition': 'Cette réclamation est déjà décidée.',
      'claim.replacement_out_of_stock': 'Stock insuffisant pour le renvoi.',
      'shipment.order_not_shippable': 'La commande ne peut pas être expédiée dans son état actuel.',
    } as Record<string, string>,
  },
  en: {
    section: 'A problem with the delivery?',
    advice: 'A parcel damaged at delivery: refuse it to the carrier, writing your reservations on the slip; it comes back to us and you are refunded.',
    window: (days: number, kind: string) => `Tell us about any problem within ${days} ${kind === 'calendar' ? 'days' : kind === 'working' ? 'working days' : 'days (Saturdays included)'} of delivery.`,
    noWindow: 'Tell us about any problem found at delivery.',
    notDelivered: 'You can report a problem once your parcel is delivered.',
    parcel: (n: string) => `Parcel ${n}`,
    deliveredOn: (d: string) => `delivered on ${d}`,
    lastDay: (d: string) => `claims until ${d} inclusive`,
    closed: (d: string) => `claim period ended on ${d} — the legal guarantee of conformity still applies`,
    kind: 'Problem',
    items: 'Items concerned (quantity)',
    description: 'Description',
    photosRequired: ', at least one',
    submit: 'Send the claim',
    claims: 'Your claims',
    claim: 'Claim',
    filedOn: 'Sent on',
    state: 'State',
    outcome: 'Answer',
    states: { filed: 'Being looked into', reshipped: 'Items sent again', refunded: 'Refunded', rejected: 'Refused' } as Record<ClaimState, string>,
    replacement: (n: string) => `Replacement parcel ${n}`,
    refund: (amount: string, due: string | null) => `${amount} refunded${due ? ` by ${due}` : ''}`,
    reason: (r: string) => `Reason: ${r}`,
    filed: (n: string) => `Claim ${n} recorded: an email confirms it.`,
    photo: (n: number) => `Photo ${n}`,
    errors: {
      ...photoRefusals('en'),
      'claim.window_closed': 'The claim period for this parcel has ended. The legal guarantee of conformity still applies: contact customer service.',
      'claim.photos_required': 'Add at least one photo of the parcel and its contents.',
      'claim.no_lines': 'Name at least one item concerned.',
      'claim.quantity_exceeds_parcel': 'The quantity is more than the parcel held (or than is claimed already).',
      'claim.description_required': 'Describe the problem.',
      'claim.parcel_not_delivered': 'This parcel is not delivered yet.',
      'request.body_too_large': 'The photos are too large.',
    } as Record<string, string>,
    error: 'The claim could not be recorded.',
    adminTitle: 'Delivery claims',
    filter: 'Filter',
    all: 'All',
    none: 'No claim.',
    order: 'Order',
    customer: 'Customer',
    possession: 'Possession (SH-9)',
    possessionBy: { customer: 'the customer', third_party: 'a third party named by them' } as Record<string, string>,
    possessionSource: { carrier: 'carrier proof', customer_declaration: 'customer declaration', store: 'handed over in store' } as Record<string, string>,
    windowLabel: 'Window',
    noWindowShort: 'no window in the terms',
    decide: 'Decision',
    reship: 'Send the items again',
    refundAction: (amount: string) => `Refund ${amount}`,
    reject: 'Refuse',
    rejectReason: 'Reason of the refusal (read by the customer)',
    refusals: 'Parcels refused at delivery',
    noRefusals: 'No parcel refused.',
    refusedOn: 'Refused on',
    refusalReason: 'Reason',
    parcelState: 'Parcel',
    refundDue: 'Refund',
    awaitingReturn: 'when the parcel is back',
    done: (n: string) => `Claim ${n} decided.`,
    adminErrors: {
      'claim.reason_required': 'Give the reason of the refusal.',
      'claim.illegal_transition': 'This claim is decided already.',
      'claim.replacement_out_of_stock': 'Not enough stock to send the items again.',
      'shipment.order_not_shippable': 'The order cannot ship in its current state.',
    } as Record<string, string>,
  },
} as const;

const instant = (lang: Language, timeZone: string, at: Date) =>
  new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone }).format(at);

const amount = (lang: Language, minor: number, currency: string) => (isCurrency(currency) ? formatMoney(money(minor, currency), lang) : `${minor} ${currency}`);


function Outcome({ claim, lang }: { claim: DeliveryClaim; lang: Language }) {
  const t = messages[lang];
  const d = claim.decision;
  if (!d) return <span>—</span>;
  if (d.outcome === 'reship') return <span>{t.replacement(d.replacementShipment ?? '')}</span>;
  if (d.outcome === 'refund') return <span>{d.refund ? t.refund(amount(lang, d.refund.amount, d.refund.currency), d.refund.dueOn ? legalDate(d.refund.dueOn, lang) : null) : '—'}</span>;
  return <span data-claim-reason>{t.reason(d.reason ?? '')}</span>;
}

function ClaimLines({ claim, lang }: { claim: DeliveryClaim; lang: Language }) {
  return (
    <ul>
      {claim.lines.map((l) => (
        <li key={l.position}>
          {l.quantity} × {l.name[lang]} <code>{l.sku}</code>
        </li>
      ))}
    </ul>
  );
}

// ---------------------------------------------------------------------------
// The account's order page section

type SectionProps = { lang: Language; csrfToken: string; timeZone: string; orderNumber: string; claims: DeliveryClaim[]; options: ClaimOptions; notice: string | null; error: PageError | null };

export function DeliveryClaimsSection(props: SectionProps) {
  const { lang, options } = props;
  const t = messages[lang];
  const action = `/account/orders/${encodeURIComponent(props.orderNumber)}/claims`;
  return (
    <section id="delivery-claims" aria-labelledby="delivery-claims-title" class="delivery-claims">
      <h2 id="delivery-claims-title">{t.section}</h2>
      <Flash notice={props.notice} error={props.error} />
      {options.parcelRefusalAdvised ? <p data-refusal-advised>{t.advice}</p> : null}
      <p class="meta">{options.window ? t.window(options.window.days, options.window.kind) : t.noWindow}</p>
      {props.claims.length > 0 ? (
        <>
          <h3>{t.claims}</h3>
          <table class="delivery-claims-list">
            <thead>
              <tr>
                <th scope="col">{t.claim}</th>
                <th scope="col">{t.kind}</th>
                <th scope="col">{t.items}</th>
                <th scope="col">{t.filedOn}</th>
                <th scope="col">{t.state}</th>
                <th scope="col">{t.outcome}</th>
              </tr>
            </thead>
            <tbody>
              {props.claims.map((c) => (
                <tr key={c.id} data-claim-number={c.number}>
                  <td>
                    {c.number}
                    <br />
                    <span class="meta">{t.parcel(c.shipmentNumber)}</span>
                    {c.photos.map((p) => (
                      <span key={p.n}>
                        {' '}
                        <a href={accountPhotoPath(c.id, p.n)}>{t.photo(p.n)}</a>
                      </span>
                    ))}
                  </td>
                  <td>{claimKindLabel(lang, c.kind)}</td>
                  <td>
                    <ClaimLines claim={c} lang={lang} />
                  </td>
                  <td>{instant(lang, props.timeZone, c.filedAt)}</td>
                  <td data-claim-state={c.state}>{t.states[c.state]}</td>
                  <td>
                    <Outcome claim={c} lang={lang} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {options.parcels.length === 0 ? <p>{t.notDelivered}</p> : null}
      {options.parcels.map((p) => (
        <div key={p.number} class="delivery-claim-parcel" data-parcel={p.number}>
          <h3>
            {t.parcel(p.number)} — {t.deliveredOn(instant(lang, props.timeZone, p.deliveredAt))}
          </h3>
          {p.lastDay ? <p class="meta">{p.open ? t.lastDay(legalDate(p.lastDay, lang)) : t.closed(legalDate(p.lastDay, lang))}</p> : null}
          {p.open && p.lines.some((l) => l.claimable > 0) ? (
            <form method="post" action={action} enctype="multipart/form-data" class="stack">
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <input type="hidden" name="shipment" value={p.number} />
              <label>
                {t.kind}{' '}
                <select name="kind" required>
                  {CLAIM_KINDS.map((k) => (
                    <option key={k} value={k}>
                      {claimKindLabel(lang, k)}
                    </option>
                  ))}
                </select>
              </label>
              <fieldset>
                <legend>{t.items}</legend>
                {p.lines
                  .filter((l) => l.claimable > 0)
                  .map((l) => (
                    <label key={l.position}>
                      {l.name[lang]} <code>{l.sku}</code>{' '}
                      <input type="number" name={`qty.${l.position}`} min={0} max={l.claimable} value={0} inputMode="numeric" />
                    </label>
                  ))}
              </fieldset>
              <ClaimEvidenceFields lang={lang} description={t.description} photosNote={options.photosRequested ? t.photosRequired : ''} photosRequired={options.photosRequested} />
              <button type="submit">{t.submit}</button>
            </form>
          ) : null}
        </div>
      ))}
    </section>
  );
}

/** SH-8: the delivery claims section of the account's order page (routes/account-order-page.tsx). `flash`: the refusal of a claim just posted. */
export async function deliveryClaimsSection(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, order: Order, flash: { error?: DomainError } = {}): Promise<VNode> {
  const lang = resolveLanguage(request, reply);
  const customerId = request.customer?.id ?? null;
  const [claims, options] = await Promise.all([
    listClaimsOfOrder(ctx.db, { shopId: ctx.shop.id, orderNumber: order.number, access: { customerId } }),
    claimOptionsOf(ctx.db, { shopId: ctx.shop.id, order, now: await ctx.clock.now() }),
  ]);
  const filed = (request.query as { claim?: unknown } | undefined)?.claim;
  const notice = typeof filed === 'string' && claims.some((c) => c.number === filed) ? messages[lang].filed(filed) : null;
  return (
    <DeliveryClaimsSection
      lang={lang}
      csrfToken={reply.generateCsrf()}
      timeZone={ctx.shop.policy.shop.timeZone}
      orderNumber={order.number}
      claims={claims}
      options={options}
      notice={notice}
      error={flash.error ? refusalOf(flash.error, messages[lang].errors, messages[lang].error) : null}
    />
  );
}

type Form = Record<string, unknown>;

/** The claimed lines of the form: `qty.<position>` fields with a quantity above 0. */
function linesOf(body: unknown): { position: number; quantity: number }[] {
  return Object.entries((body as Form | undefined) ?? {})
    .filter(([name]) => /^qty\.\d{1,5}$/.test(name))
    .map(([name]) => ({ position: Number(name.slice(4)), quantity: Number(field(body, name) || '0') }))
    .filter((l) => l.quantity !== 0);
}

// ---------------------------------------------------------------------------
// Routes

/** The customer's claim form; register without prefix, inside the session scope. */
export const deliveryClaimPageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shopId = ctx.shop.id;
  acceptMultipartForms(app, CLAIM_FORM_LIMIT);

  app.post('/account/orders/:number/claims', { onRequest: requireCustomerPage(ctx), preHandler: app.csrfProtection, bodyLimit: CLAIM_FORM_LIMIT }, async (request, reply) => {
    const number = orderNumberParam(request);
    const body = request.body;
    const customerId = request.customer!.id;
    try {
      const claim = await fileDeliveryClaim(ctx.db, {
        shopId,
        orderNumber: number,
        shipmentNumber: field(body, 'shipment'),
        kind: field(body, 'kind'),
        description: field(body, 'description'),
        lines: linesOf(body),
        photos: claimPhotos(body),
        access: { customerId },
        now: await ctx.clock.now(),
      });
      return reply.redirect(`/account/orders/${encodeURIComponent(number)}?claim=${encodeURIComponent(claim.number)}#delivery-claims`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'order.not_found') throw error;
      return sendAccountOrderPage(ctx, request, reply, number, { claimError: error }, statusFor(error.code));
    }
  });
};

// ---------------------------------------------------------------------------
// Back office

type AdminProps = StaffPage & {
  timeZone: string;
  claims: DeliveryClaimForStaff[];
  refusals: RefusedParcel[];
  filter: ClaimState | 'all';
  mayDecide: boolean;
  notice: string | null;
  error: (PageError & { claimId?: string }) | null;
};

function Decision({ claim, lang, csrfToken }: { claim: DeliveryClaimForStaff; lang: Language; csrfToken: string }) {
  const t = messages[lang];
  const action = `/admin/claims/${claim.id}/decision`;
  const button = (outcome: ClaimOutcome, label: string) => (
    <form method="post" action={action} class="inline" key={outcome}>
      <input type="hidden" name="_csrf" value={csrfToken} />
      <input type="hidden" name="outcome" value={outcome} />
      <button type="submit">{label}</button>
    </form>
  );
  return (
    <div class="stack" data-decide={claim.id}>
      {button('reship', t.reship)}
      {button('refund', t.refundAction(amount(lang, claim.refundProposal, claim.currency)))}
      <form method="post" action={action} class="stack">
        <input type="hidden" name="_csrf" value={csrfToken} />
        <input type="hidden" name="outcome" value="reject" />
        <label>
          {t.rejectReason}
          <textarea name="reason" rows={2} maxLength={1000} required />
        </label>
        <button type="submit">{t.reject}</button>
      </form>
    </div>
  );
}

export function AdminClaimsPage(props: AdminProps) {
  const { lang } = props;
  const t = messages[lang];
  return (
    <AdminPage {...props} title={t.adminTitle} path="/admin/claims">
      <StateFilter action="/admin/claims" label={t.state} submit={t.filter} selected={props.filter} first={[{ value: 'all', label: t.all }]} states={CLAIM_STATES} stateLabels={t.states} />
      {props.claims.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <table class="admin-claims">
          <thead>
            <tr>
              <th scope="col">{t.claim}</th>
              <th scope="col">{t.customer}</th>
              <th scope="col">{t.kind}</th>
              <th scope="col">{t.items}</th>
              <th scope="col">{t.description}</th>
              <th scope="col">{t.possession}</th>
              <th scope="col">{t.windowLabel}</th>
              <th scope="col">{t.state}</th>
              <th scope="col">{t.decide}</th>
            </tr>
          </thead>
          <tbody>
            {props.claims.map((c) => (
              <tr key={c.id} data-claim-id={c.id} data-claim-number={c.number}>
                <td>
                  {c.number}
                  <br />
                  <a href={`/admin/orders/${encodeURIComponent(c.orderNumber)}`}>
                    {t.order} {c.orderNumber}
                  </a>
                  <br />
                  <span class="meta">{t.parcel(c.shipmentNumber)}</span>
                  <br />
                  <span class="meta">
                    {t.filedOn} {instant(lang, props.timeZone, c.filedAt)}
                  </span>
                </td>
                <td>{c.customerEmail}</td>
                <td>{claimKindLabel(lang, c.kind)}</td>
                <td>
                  <ClaimLines claim={c} lang={lang} />
                </td>
                <td>
                  <p>{c.description}</p>
                  {c.photos.map((p) => (
                    <a key={p.n} href={adminPhotoPath(c.id, p.n)} title={`${t.photo(p.n)} — SHA-256 ${p.sha256}`}>
                      <img src={adminPhotoPath(c.id, p.n)} alt={t.photo(p.n)} width={96} height={96} loading="lazy" />
                    </a>
                  ))}
                </td>
                <td data-possession={c.possession.by}>
                  {instant(lang, props.timeZone, c.deliveredAt)}
                  <br />
                  {t.possessionBy[c.possession.by] ?? c.possession.by}
                  {c.possession.name ? ` (${c.possession.name})` : ''}
                  <br />
                  <span class="meta">{t.possessionSource[c.possession.source] ?? c.possession.source}</span>
                </td>
                <td>{c.windowLastDay ? legalDate(c.windowLastDay, lang) : <span class="meta">{t.noWindowShort}</span>}</td>
                <td data-claim-state={c.state}>
                  {t.states[c.state]}
                  {c.decision ? (
                    <>
                      <br />
                      <Outcome claim={c} lang={lang} />
                    </>
                  ) : null}
                </td>
                <td>{c.state === 'filed' && props.mayDecide ? <Decision claim={c} lang={lang} csrfToken={props.csrfToken} /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t.refusals}</h2>
      {props.refusals.length === 0 ? (
        <p>{t.noRefusals}</p>
      ) : (
        <table class="admin-refusals">
          <thead>
            <tr>
              <th scope="col">{t.order}</th>
              <th scope="col">{t.parcelState}</th>
              <th scope="col">{t.refusedOn}</th>
              <th scope="col">{t.refusalReason}</th>
              <th scope="col">{t.refundDue}</th>
            </tr>
          </thead>
          <tbody>
            {props.refusals.map((r) => (
              <tr key={r.shipmentNumber} data-refused-parcel={r.shipmentNumber}>
                <td>
                  <a href={`/admin/orders/${encodeURIComponent(r.orderNumber)}`}>{r.orderNumber}</a>
                </td>
                <td>
                  {r.shipmentNumber} ({r.carrier}) — {r.state}
                </td>
                <td>{instant(lang, props.timeZone, r.refusedAt)}</td>
                <td>{r.reason ?? '—'}</td>
                <td>{r.refund ? `${amount(lang, r.refund.amount, r.refund.currency)}${r.refund.dueOn ? ` — ${legalDate(r.refund.dueOn, lang)}` : ''}` : t.awaitingReturn}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminPage>
  );
}

const isOutcome = (value: string): value is ClaimOutcome => value === 'reship' || value === 'refund' || value === 'reject';

/** Register with prefix /admin, inside the session scope. */
export const deliveryClaimBackOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  const shopId = ctx.shop.id;
  const timeZone = ctx.shop.policy.shop.timeZone;
  const read = requireStaffPage(ctx, 'returns.read');
  const manage = requireStaffPage(ctx, 'returns.manage');
  const actorOf = (request: FastifyRequest): Actor => ({ kind: 'staff', staffId: request.staff!.id });

  const render = async (request: FastifyRequest, reply: FastifyReply, flash: PageFlash & { claimId?: string }) => {
    const page = staffPage(request, reply, shop);
    const filter = stateFilterOf<ClaimState | 'all'>(request.query, ['all', ...CLAIM_STATES], 'all');
    const [claims, refusals] = await Promise.all([listClaimsForStaff(ctx.db, { shopId, state: filter }), listRefusedParcels(ctx.db, { shopId })]);
    return sendFormPage(
      reply,
      <AdminClaimsPage
        {...page}
        timeZone={timeZone}
        claims={claims}
        refusals={refusals}
        filter={filter}
        mayDecide={can(request.staff!.role, 'returns.manage')}
        notice={flash.notice ?? null}
        error={flash.error ? { ...refusalOf(flash.error, messages[page.lang].adminErrors, messages[page.lang].error), ...(flash.claimId ? { claimId: flash.claimId } : {}) } : null}
      />,
      flash.error,
    );
  };

  app.get('/claims', { onRequest: read }, async (request, reply) => {
    const done = doneParam(request);
    return render(request, reply, { notice: done ? messages[resolveLanguage(request, reply)].done(done) : null });
  });

  app.post('/claims/:id/decision', { onRequest: manage, preHandler: app.csrfProtection }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!/^\d{1,18}$/.test(id)) throw new DomainError('claim.not_found', { field: 'id', rule: 'SH-8' });
    const outcome = field(request.body, 'outcome');
    try {
      if (!isOutcome(outcome)) throw new DomainError('claim.invalid_outcome', { field: 'outcome', rule: 'SH-8' });
      const now = await ctx.clock.now();
      const claim = await ctx.db.transaction().execute((tx) => decideDeliveryClaim(tx, { shopId, claimId: id, outcome, reason: field(request.body, 'reason'), actor: actorOf(request), now }));
      return reply.redirect(`/admin/claims?done=${encodeURIComponent(claim.number)}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'claim.not_found') throw error;
      return render(request, reply, { error, claimId: id });
    }
  });
};
