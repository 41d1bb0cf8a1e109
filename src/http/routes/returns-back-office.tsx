// Withdrawals and returns in the back office (issue 6 §9; WD-4…WD-8, RF-1…RF-6), FR and EN, no JavaScript:
//   GET  /admin/returns[?all=1]                    the queue by refund legal due date, late ones flagged
//                                                  with the L242-4 surcharge owed if refunded today (`returns.read`)
//   GET  /admin/returns/new?order=                 → the statement form of that order (`returns.manage`)
//   GET  /admin/returns/:number                    the return screen: statement, dates, label, steps, refund (`returns.read`)
//   POST /admin/returns/:number/label              WD-5: issue the label again (`returns.manage`)
//   POST /admin/returns/:number/shipment-proof     RF-1: the tracking number of the parcel sent back (`returns.manage`)
//   POST /admin/returns/:number/receive            « Marquer comme reçu » (`returns.receive`)
//   POST /admin/returns/:number/inspection         WD-8 per line, then the refund (`returns.manage` + `refunds.manage`)
//   GET|POST /admin/orders/:number/withdrawals/new WD-4: customer service records a statement received by
//                                                  email, letter or the model form, with when it was SENT (`returns.manage`)
// Access in onRequest, CSRF in preHandler; each form calls the same use case as
// the API (routes/returns-admin-api.ts) and redirects (303) with a notice, or
// shows the page again with the refusal's code and field.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Temporal } from 'temporal-polyfill';
import type { AppContext } from '../../app/context.js';
import { legalDate } from '../../app/order-emails.js';
import { loadOrder, type Order } from '../../app/orders.js';
import { sentAtText } from '../../app/return-emails.js';
import { getReturn, inspectReturn, receiveReturn, recordReturnShipment, returnsQueue, type InspectedLine, type QueuedReturn, type Return } from '../../app/returns.js';
import { attachReturnLabel, withdrawalOptions, type WithdrawalOptions } from '../../app/withdrawals.js';
import { DomainError } from '../../domain/errors.js';
import { formatMoney, money, parseAmount, type Currency } from '../../domain/money.js';
import { can } from '../../domain/staff-roles.js';
import type { SettledPayment } from '../../app/order-refunds.js';
import type { RefundCharge } from '../../domain/returns/refund-calculation.js';
import { actorLabel, type Actor } from '../../store/audit.js';
import type { ReturnChannel, ReturnPurpose, ReturnState } from '../../store/schema.js';
import { requireStaffPage } from '../auth.js';
import { AdminPage } from '../web/admin-page.js';
import { Csrf, FlashMessages as Flash, type PageError } from '../web/flash.js';
import { formField as field, type Form } from '../web/form.js';
import { refusalOf, sendFormPage, staffPage, type PageFlash, type StaffPage as Page } from '../web/form-page.js';
import { resolveLanguage, type Language } from '../web/language.js';
import { Layout } from '../web/layout.js';
import { shopView } from '../web/shop-view.js';
import { recordStatement } from './returns-admin-api.js';

type Outcome = 'accepted' | 'depreciated' | 'refused';

const messages = {
  fr: {
    queueTitle: 'Rétractations et retours',
    showAll: 'Afficher aussi les retours remboursés et clos',
    showOpen: 'N’afficher que les retours en cours',
    none: 'Aucun retour en cours.',
    recordFor: 'Enregistrer une rétractation reçue (e-mail, courrier, formulaire) pour la commande',
    show: 'Continuer',
    ret: 'Retour',
    order: 'Commande',
    customer: 'Client',
    items: 'Articles',
    state: 'État',
    sendBy: 'Renvoi des articles avant le',
    refundDue: 'Remboursement dû le',
    lateAfter: 'En retard après le',
    waitingGoods: 'pas avant le retour des articles ou la preuve de leur expédition',
    late: (days: number, surcharge: string) => `En retard de ${days} jour${days > 1 ? 's' : ''} — majoration L242-4 : ${surcharge}`,
    onTime: 'Dans les délais',
    states: { authorised: 'Autorisé, en attente des articles', sent_back: 'Renvoyé par le client', received: 'Reçu, à inspecter', inspected: 'Inspecté, rien à rembourser', refunded: 'Remboursé', closed: 'Clos' } as Record<ReturnState, string>,
    purposes: { withdrawal: 'Rétractation', money_back: 'Satisfait ou remboursé', exchange: 'Échange' } as Record<ReturnPurpose, string>,
    channels: { withdrawal_function: 'fonction de rétractation du site', email: 'e-mail', letter: 'courrier', model_form: 'formulaire de rétractation' } as Record<ReturnChannel, string>,
    statement: 'Déclaration',
    channel: 'Reçue par',
    sentAt: 'Envoyée le',
    recorded: (at: string, by: string) => `Enregistrée le ${at} par ${by}`,
    name: 'Nom',
    email: 'E-mail de l’accusé de réception',
    sha: 'Empreinte SHA-256 de la déclaration',
    refundTo: 'Remboursement',
    refundTos: { original_payment: 'sur le moyen de paiement d’origine (RF-3)', store_credit: 'en avoir, à la demande du client (RF-4)' },
    dates: 'Dates',
    periodLastDay: 'Dernier jour du délai de rétractation',
    returnAddress: 'Adresse de retour',
    label: 'Étiquette de retour',
    noLabel: 'Aucune étiquette émise.',
    issueLabel: 'Émettre l’étiquette de retour',
    prepaid: 'prépayée',
    shipment: 'Preuve d’expédition (RF-1)',
    tracking: 'Numéro de suivi du colis renvoyé',
    recordTracking: 'Enregistrer la preuve d’expédition',
    trackingRecorded: (n: string, at: string) => `Colis ${n}, enregistré le ${at}`,
    noTracking: 'Aucune.',
    receipt: 'Réception',
    markReceived: 'Marquer comme reçu',
    receivedAt: (at: string) => `Reçu le ${at}`,
    notReceived: 'Pas encore reçu.',
    inspection: 'Inspection (WD-8)',
    outcomes: { accepted: 'Accepté', depreciated: 'Accepté avec dépréciation', refused: 'Refusé' } as Record<Outcome, string>,
    depreciation: 'Montant de la dépréciation, pour toutes les unités de la ligne (€, ex. 12,50)',
    reason: 'Motif (communiqué au client)',
    nonConforming: 'Articles non conformes (frais de retour et livraison à la charge de la boutique)',
    inspect: 'Enregistrer l’inspection et rembourser',
    exchangeElsewhere: 'Un échange se règle depuis l’écran des échanges.',
    inspectedBy: (at: string, by: string) => `Inspecté le ${at} par ${by}`,
    refund: 'Remboursement',
    itemsTotal: 'Articles',
    depreciationTotal: 'Dépréciation',
    delivery: 'Livraison remboursée',
    charges: 'Retenues RF-5 (facture complémentaire)',
    chargeKinds: { gift_kept: 'cadeau conservé', bundle_repriced: 'lot recalculé sans la remise' } as Record<RefundCharge['kind'], string>,
    labelCost: 'Coût de l’étiquette de retour',
    refundAmount: 'Montant remboursé',
    executed: 'Exécuté',
    owed: 'Reste dû par le client',
    settlement: 'Règlement',
    settlements: { provider_refund: 'remboursé sur le moyen de paiement', transfer_due: 'virement à effectuer', plan_reduced: 'échéancier réduit', partner_refund: 'remboursé par l’organisme de financement', store_credit: 'avoir', store_credit_released: 'avoir restitué' } as Record<SettledPayment['action'], string>,
    lateSurcharge: (days: number) => `Majoration L242-4 (${days} jour${days > 1 ? 's' : ''} de retard)`,
    refusedKept: (day: string) => `Articles refusés conservés pour le client jusqu’au ${day} (WD-8).`,
    resendRequested: 'Le client a demandé leur renvoi à ses frais.',
    position: 'Article',
    quantity: 'Quantité',
    amount: 'Montant',
    net: 'Net',
    done: {
      recorded: 'Rétractation enregistrée ; l’accusé de réception est envoyé au client.',
      label: 'Étiquette de retour émise.',
      shipment: 'Preuve d’expédition enregistrée.',
      received: 'Retour marqué comme reçu.',
    },
    inspected: (refund: string, executed: string) => `Inspection enregistrée. Remboursement : ${refund} (exécuté : ${executed}).`,
    newTitle: (order: string) => `Rétractation reçue — commande ${order}`,
    window: (day: string) => `Délai de rétractation : jusqu’au ${day} (une déclaration envoyée ce jour-là au plus tard est dans les délais).`,
    windowClosed: (day: string) => `Le délai de rétractation a pris fin le ${day} : seule une déclaration envoyée au plus tard ce jour-là peut être enregistrée.`,
    noWindow: 'Le délai de rétractation n’a pas commencé ou ne s’applique pas à cette commande.',
    channelLabel: 'Reçue par',
    sentAtLabel: (tz: string) => `Date et heure d’envoi par le client (cachet de la poste, date de l’e-mail ; heure de ${tz})`,
    text: 'Texte reçu (copié tel quel)',
    nameLabel: 'Nom du client',
    emailLabel: (fallback: string) => `E-mail pour l’accusé de réception (par défaut : ${fallback})`,
    delivered: 'Livrés',
    withdrawn: 'Déjà retournés',
    units: 'Unités retournées',
    sealed: 'Emballage scellé intact (WD-7)',
    excluded: 'Exclu (WD-7)',
    storeCredit: 'Le client demande explicitement un avoir au lieu d’un remboursement (RF-4)',
    record: 'Enregistrer la rétractation',
    panelTitle: 'Rétractations et retours',
    panelNone: 'Aucune rétractation pour cette commande.',
    panelRecord: 'Enregistrer une rétractation reçue (e-mail, courrier, formulaire)',
    fallback: 'Action refusée.',
    errors: {
      'withdrawal.period_closed': 'La déclaration a été envoyée après la fin du délai de rétractation.',
      'withdrawal.not_started': 'Le délai de rétractation n’a pas commencé : la commande n’est pas entièrement livrée.',
      'withdrawal.order_cancelled': 'Cette commande est annulée.',
      'withdrawal.professional_excluded': 'Un professionnel ne peut pas se rétracter (sauf 5 salariés au plus, hors de son activité principale).',
      'withdrawal.invalid_sent_at': 'Indiquez la date et l’heure d’envoi, qui ne peuvent pas être dans le futur.',
      'withdrawal.invalid_text': 'Copiez le texte reçu du client.',
      'withdrawal.name_required': 'Indiquez le nom du client.',
      'withdrawal.invalid_email': 'Adresse e-mail invalide.',
      'withdrawal.no_items': 'Indiquez au moins un article.',
      'withdrawal.too_many_units': 'Plus d’unités que celles qui peuvent être retournées.',
      'withdrawal.invalid_quantity': 'Quantité invalide.',
      'withdrawal.item_excluded': 'Cet article est exclu du droit de rétractation.',
      'refund.store_credit_not_offered': 'Cette boutique ne rembourse pas en avoir.',
      'store_credit.account_required': 'Un avoir nécessite un compte client.',
      'return.invalid_tracking': 'Numéro de suivi invalide (lettres, chiffres, tirets).',
      'return.illegal_transition': 'Ce retour a déjà passé cette étape.',
      'return.not_received': 'Le retour doit être reçu, et n’être inspecté qu’une fois.',
      'return.outcome_required': 'Indiquez le résultat de chaque article.',
      'return.depreciation_required': 'Indiquez le montant de la dépréciation.',
      'return.invalid_depreciation': 'Écrivez le montant comme 12,50.',
      'return.reason_required': 'Indiquez le motif, communiqué au client.',
      'refund.invalid_return': 'La dépréciation dépasse le montant de l’article.',
      'exchange.use_exchange_inspection': 'Un échange se règle depuis l’écran des échanges.',
    } as Record<string, string>,
  },
  en: {
    queueTitle: 'Withdrawals and returns',
    showAll: 'Show refunded and closed returns too',
    showOpen: 'Show open returns only',
    none: 'No open return.',
    recordFor: 'Record a withdrawal received (email, letter, form) for order',
    show: 'Continue',
    ret: 'Return',
    order: 'Order',
    customer: 'Customer',
    items: 'Items',
    state: 'State',
    sendBy: 'Items sent back by',
    refundDue: 'Refund due on',
    lateAfter: 'Late after',
    waitingGoods: 'not before the items or proof of their shipment are back',
    late: (days: number, surcharge: string) => `${days} day${days > 1 ? 's' : ''} late — L242-4 surcharge: ${surcharge}`,
    onTime: 'On time',
    states: { authorised: 'Authorised, awaiting the items', sent_back: 'Sent back by the customer', received: 'Received, to inspect', inspected: 'Inspected, nothing to refund', refunded: 'Refunded', closed: 'Closed' } as Record<ReturnState, string>,
    purposes: { withdrawal: 'Withdrawal', money_back: 'Money-back guarantee', exchange: 'Exchange' } as Record<ReturnPurpose, string>,
    channels: { withdrawal_function: 'the website\'s withdrawal function', email: 'email', letter: 'letter', model_form: 'model withdrawal form' } as Record<ReturnChannel, string>,
    statement: 'Statement',
    channel: 'Received by',
    sentAt: 'Sent on',
    recorded: (at: string, by: string) => `Recorded on ${at} by ${by}`,
    name: 'Name',
    email: 'Acknowledgment email',
    sha: 'SHA-256 of the statement',
    refundTo: 'Refund',
    refundTos: { original_payment: 'to the original means of payment (RF-3)', store_credit: 'as store credit, at the customer\'s request (RF-4)' },
    dates: 'Dates',
    periodLastDay: 'Last day of the withdrawal period',
    returnAddress: 'Return address',
    label: 'Return label',
    noLabel: 'No label issued.',
    issueLabel: 'Issue the return label',
    prepaid: 'prepaid',
    shipment: 'Proof of shipment (RF-1)',
    tracking: 'Tracking number of the parcel sent back',
    recordTracking: 'Record the proof of shipment',
    trackingRecorded: (n: string, at: string) => `Parcel ${n}, recorded on ${at}`,
    noTracking: 'None.',
    receipt: 'Receipt',
    markReceived: 'Mark as received',
    receivedAt: (at: string) => `Received on ${at}`,
    notReceived: 'Not received yet.',
    inspection: 'Inspection (WD-8)',
    outcomes: { accepted: 'Accepted', depreciated: 'Accepted with depreciation', refused: 'Refused' } as Record<Outcome, string>,
    depreciation: 'Depreciation amount, for all the line\'s units (€, e.g. 12.50)',
    reason: 'Reason (told to the customer)',
    nonConforming: 'Items not in conformity (return costs and delivery borne by the shop)',
    inspect: 'Record the inspection and refund',
    exchangeElsewhere: 'An exchange is settled from the exchange screen.',
    inspectedBy: (at: string, by: string) => `Inspected on ${at} by ${by}`,
    refund: 'Refund',
    itemsTotal: 'Items',
    depreciationTotal: 'Depreciation',
    delivery: 'Delivery refunded',
    charges: 'RF-5 charges (complementary invoice)',
    chargeKinds: { gift_kept: 'gift kept', bundle_repriced: 'bundle repriced without the discount' } as Record<RefundCharge['kind'], string>,
    labelCost: 'Return label cost',
    refundAmount: 'Amount refunded',
    executed: 'Executed',
    owed: 'Still owed by the customer',
    settlement: 'Settlement',
    settlements: { provider_refund: 'refunded to the means of payment', transfer_due: 'bank transfer to make', plan_reduced: 'instalment plan reduced', partner_refund: 'refunded by the financing partner', store_credit: 'store credit', store_credit_released: 'store credit given back' } as Record<SettledPayment['action'], string>,
    lateSurcharge: (days: number) => `L242-4 surcharge (${days} day${days > 1 ? 's' : ''} late)`,
    refusedKept: (day: string) => `Refused items kept for the customer until ${day} (WD-8).`,
    resendRequested: 'The customer asked for them to be sent back at their cost.',
    position: 'Item',
    quantity: 'Quantity',
    amount: 'Amount',
    net: 'Net',
    done: {
      recorded: 'Withdrawal recorded; the acknowledgment is emailed to the customer.',
      label: 'Return label issued.',
      shipment: 'Proof of shipment recorded.',
      received: 'Return marked as received.',
    },
    inspected: (refund: string, executed: string) => `Inspection recorded. Refund: ${refund} (executed: ${executed}).`,
    newTitle: (order: string) => `Withdrawal received — order ${order}`,
    window: (day: string) => `Withdrawal period: until ${day} (a statement sent on that day at the latest is in time).`,
    windowClosed: (day: string) => `The withdrawal period ended on ${day}: only a statement sent on that day at the latest can be recorded.`,
    noWindow: 'The withdrawal period has not started or does not apply to this order.',
    channelLabel: 'Received by',
    sentAtLabel: (tz: string) => `Date and time the customer sent it (postmark, email date; ${tz} time)`,
    text: 'Text received (copied as is)',
    nameLabel: 'Customer\'s name',
    emailLabel: (fallback: string) => `Email for the acknowledgment (default: ${fallback})`,
    delivered: 'Delivered',
    withdrawn: 'Already returned',
    units: 'Units returned',
    sealed: 'Sealed packaging intact (WD-7)',
    excluded: 'Excluded (WD-7)',
    storeCredit: 'The customer explicitly asks for store credit instead of a refund (RF-4)',
    record: 'Record the withdrawal',
    panelTitle: 'Withdrawals and returns',
    panelNone: 'No withdrawal for this order.',
    panelRecord: 'Record a withdrawal received (email, letter, form)',
    fallback: 'Action refused.',
    errors: {
      'withdrawal.period_closed': 'The statement was sent after the withdrawal period ended.',
      'withdrawal.not_started': 'The withdrawal period has not started: the order is not fully delivered.',
      'withdrawal.order_cancelled': 'This order is cancelled.',
      'withdrawal.professional_excluded': 'A professional may not withdraw (unless 5 employees or fewer, outside its core business).',
      'withdrawal.invalid_sent_at': 'Give the date and time it was sent, not in the future.',
      'withdrawal.invalid_text': 'Copy the text received from the customer.',
      'withdrawal.name_required': 'Give the customer\'s name.',
      'withdrawal.invalid_email': 'Invalid email address.',
      'withdrawal.no_items': 'Name at least one item.',
      'withdrawal.too_many_units': 'More units than can be returned.',
      'withdrawal.invalid_quantity': 'Invalid quantity.',
      'withdrawal.item_excluded': 'This item is excluded from the right of withdrawal.',
      'refund.store_credit_not_offered': 'This shop does not refund as store credit.',
      'store_credit.account_required': 'Store credit needs a customer account.',
      'return.invalid_tracking': 'Invalid tracking number (letters, digits, dashes).',
      'return.illegal_transition': 'This return is past that step.',
      'return.not_received': 'The return must be received, and is inspected once.',
      'return.outcome_required': 'Give the outcome of every item.',
      'return.depreciation_required': 'Give the depreciation amount.',
      'return.invalid_depreciation': 'Write the amount like 12.50.',
      'return.reason_required': 'Give the reason, told to the customer.',
      'refund.invalid_return': 'The depreciation exceeds the item\'s amount.',
      'exchange.use_exchange_inspection': 'An exchange is settled from the exchange screen.',
    } as Record<string, string>,
  },
} as const;


const amount = (lang: Language, minor: number, currency: Currency) => formatMoney(money(minor, currency), lang);
const returnPath = (number: string) => `/admin/returns/${encodeURIComponent(number)}`;
const newWithdrawalPath = (orderNumber: string) => `/admin/orders/${encodeURIComponent(orderNumber)}/withdrawals/new`;
const errorOf = (lang: Language, error: DomainError): PageError => refusalOf(error, messages[lang].errors, messages[lang].fallback);

function Items({ lang, r }: { lang: Language; r: Return }) {
  return (
    <ul>
      {r.lines.map((l) => (
        <li key={l.position}>
          {l.quantity} × {l.name[lang]} ({l.sku})
        </li>
      ))}
    </ul>
  );
}

/** RF-1: when the refund is late after — the due date, or later when neither the goods nor a proof of shipment came before. */
function LateAfter({ lang, r }: { lang: Language; r: Return }) {
  const t = messages[lang];
  return r.refundLateAfter === null ? <span class="meta">{t.waitingGoods}</span> : <>{legalDate(r.refundLateAfter, lang)}</>;
}

// ---------------------------------------------------------------------------
// The queue

export function ReturnsQueuePage(props: Page & { returns: QueuedReturn[]; all: boolean; mayRecord: boolean }) {
  const { lang } = props;
  const t = messages[lang];
  return (
    <AdminPage {...props} title={t.queueTitle} path="/admin/returns">
      <p>
        <a href={props.all ? '/admin/returns' : '/admin/returns?all=1'}>{props.all ? t.showOpen : t.showAll}</a>
      </p>
      {props.mayRecord ? (
        <form method="get" action="/admin/returns/new" class="catalogue-filter">
          <label>
            {t.recordFor} <input name="order" required maxLength={40} />
          </label>{' '}
          <button type="submit">{t.show}</button>
        </form>
      ) : null}
      {props.returns.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <table class="admin-returns">
          <thead>
            <tr>
              <th scope="col">{t.ret}</th>
              <th scope="col">{t.customer}</th>
              <th scope="col">{t.items}</th>
              <th scope="col">{t.state}</th>
              <th scope="col">{t.sendBy}</th>
              <th scope="col">{t.refundDue}</th>
              <th scope="col">{t.lateAfter}</th>
            </tr>
          </thead>
          <tbody>
            {props.returns.map((r) => (
              <tr key={r.number} data-return={r.number} data-late={String(r.late)}>
                <td>
                  <a href={returnPath(r.number)}>{r.number}</a>
                  <br />
                  <span class="meta">{t.purposes[r.purpose]}</span>
                  <br />
                  <a href={`/admin/orders/${encodeURIComponent(r.orderNumber)}`}>
                    {t.order} {r.orderNumber}
                  </a>
                </td>
                <td>{r.name}</td>
                <td>
                  <Items lang={lang} r={r} />
                </td>
                <td data-state={r.state}>{t.states[r.state]}</td>
                <td>{legalDate(r.sendBy, lang)}</td>
                <td>{legalDate(r.refundDueOn, lang)}</td>
                <td>
                  <LateAfter lang={lang} r={r} />
                  {r.late ? (
                    <>
                      <br />
                      <strong class="error" data-days-late={r.daysLate}>
                        {t.late(r.daysLate, amount(lang, r.surchargeIfRefundedToday, r.currency))}
                      </strong>
                    </>
                  ) : null}
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
// The return screen

type Access = { manage: boolean; receive: boolean; inspect: boolean };

function Refund({ lang, r }: { lang: Language; r: Return & { refund: NonNullable<Return['refund']> } }) {
  const t = messages[lang];
  const f = r.refund;
  const eur = (minor: number) => amount(lang, minor, r.currency);
  const lineOf = (position: number) => r.lines.find((l) => l.position === position);
  return (
    <section class="return-refund" data-refund={f.refund}>
      <h2>{t.refund}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t.position}</th>
            <th scope="col">{t.quantity}</th>
            <th scope="col">{t.amount}</th>
            <th scope="col">{t.depreciationTotal}</th>
            <th scope="col">{t.net}</th>
          </tr>
        </thead>
        <tbody>
          {f.items.map((i) => (
            <tr key={i.position} data-position={i.position}>
              <td>{lineOf(i.position)?.name[lang] ?? i.position}</td>
              <td>{i.quantity}</td>
              <td>{eur(i.amount)}</td>
              <td>{eur(i.depreciation)}</td>
              <td>{eur(i.net)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl>
        <dt>{t.itemsTotal}</dt>
        <dd>{eur(f.itemsTotal)}</dd>
        <dt>{t.depreciationTotal}</dt>
        <dd>− {eur(f.depreciationTotal)}</dd>
        <dt>{t.delivery}</dt>
        <dd>
          {eur(f.shipping.amount)} <span class="meta">{f.shipping.rule}</span>
        </dd>
        {f.charges.length > 0 ? (
          <>
            <dt>{t.charges}</dt>
            {f.charges.map((c) => (
              <dd key={`${c.kind}-${c.position}`}>
                − {eur(c.amount)} ({c.quantity} × {lineOf(c.position)?.name[lang] ?? c.position}, {t.chargeKinds[c.kind]})
              </dd>
            ))}
          </>
        ) : null}
        {f.returnLabelCost > 0 ? (
          <>
            <dt>{t.labelCost}</dt>
            <dd>− {eur(f.returnLabelCost)}</dd>
          </>
        ) : null}
        <dt>{t.refundAmount}</dt>
        <dd data-refund-amount={f.refund}>
          <strong>{eur(f.refund)}</strong> {t.refundTos[f.to]}
        </dd>
        <dt>{t.executed}</dt>
        <dd data-executed={f.executed}>{eur(f.executed)}</dd>
        {f.owed > 0 ? (
          <>
            <dt>{t.owed}</dt>
            <dd>{eur(f.owed)}</dd>
          </>
        ) : null}
        {f.settlement.length > 0 ? (
          <>
            <dt>{t.settlement}</dt>
            {f.settlement.map((s) => (
              <dd key={`${s.paymentId}-${s.action}`}>
                {eur(s.amount)} — {t.settlements[s.action]}
              </dd>
            ))}
          </>
        ) : null}
        {f.lateSurcharge > 0 ? (
          <>
            <dt>{t.lateSurcharge(f.daysLate)}</dt>
            <dd data-late-surcharge={f.lateSurcharge}>{eur(f.lateSurcharge)}</dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

/** The posted inspection, to show the form again as it was when refused. */
type InspectionForm = Record<number, { outcome: string; depreciation: string; reason: string }>;

function InspectionFields({ lang, r, csrfToken, posted, nonConforming }: { lang: Language; r: Return; csrfToken: string; posted: InspectionForm; nonConforming: boolean }) {
  const t = messages[lang];
  return (
    <form method="post" action={`${returnPath(r.number)}/inspection`} class="stack" data-inspection={r.number}>
      <Csrf token={csrfToken} />
      {r.lines.map((l) => {
        const p = posted[l.position];
        return (
          <fieldset key={l.position} data-position={l.position}>
            <legend>
              {l.quantity} × {l.name[lang]} ({l.sku})
            </legend>
            {(['accepted', 'depreciated', 'refused'] as const).map((o) => (
              <label key={o}>
                <input type="radio" name={`outcome_${l.position}`} value={o} checked={p?.outcome === o} required /> {t.outcomes[o]}
              </label>
            ))}
            <label>
              {t.depreciation} <input name={`depreciation_${l.position}`} inputMode="decimal" maxLength={15} value={p?.depreciation ?? ''} />
            </label>
            <label>
              {t.reason} <input name={`reason_${l.position}`} maxLength={1000} value={p?.reason ?? ''} />
            </label>
          </fieldset>
        );
      })}
      <label>
        <input type="checkbox" name="nonConforming" value="1" checked={nonConforming} /> {t.nonConforming}
      </label>
      <button type="submit">{t.inspect}</button>
    </form>
  );
}

export function ReturnPage(
  props: Page & { r: Return; timeZone: string; access: Access; labelOffered: boolean; notice: string | null; error: PageError | null; posted: InspectionForm; nonConforming: boolean },
) {
  const { lang, r, timeZone } = props;
  const t = messages[lang];
  const at = (d: Date) => sentAtText(d, timeZone, lang);
  const base = returnPath(r.number);
  const a = r.returnAddress;
  return (
    <Layout lang={lang} title={`${t.ret} ${r.number}`} shop={props.shop} path={base} area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>
        {t.ret} {r.number}
      </h1>
      <p>
        {t.purposes[r.purpose]} — <a href={`/admin/orders/${encodeURIComponent(r.orderNumber)}`}>{t.order} {r.orderNumber}</a> — <span data-state={r.state}>{t.states[r.state]}</span>
      </p>
      <Flash notice={props.notice} error={props.error} />

      <section>
        <h2>{t.statement}</h2>
        <dl>
          <dt>{t.channel}</dt>
          <dd>{t.channels[r.channel]}</dd>
          <dt>{t.sentAt}</dt>
          <dd data-sent-at={r.sentAt.toISOString()}>{at(r.sentAt)}</dd>
          <dt>{t.name}</dt>
          <dd>{r.name}</dd>
          <dt>{t.email}</dt>
          <dd>{r.email}</dd>
          <dt>{t.items}</dt>
          <dd>
            <Items lang={lang} r={r} />
          </dd>
          <dt>{t.refundTo}</dt>
          <dd>{t.refundTos[r.refundTo]}</dd>
          <dt>{t.sha}</dt>
          <dd>
            <code>{r.statementSha256}</code>
          </dd>
        </dl>
        <p class="meta">{t.recorded(at(r.recordedAt), r.recordedBy)}</p>
      </section>

      <section>
        <h2>{t.dates}</h2>
        <dl>
          <dt>{t.periodLastDay}</dt>
          <dd data-period-last-day={r.periodLastDay}>{legalDate(r.periodLastDay, lang)}</dd>
          <dt>{t.sendBy}</dt>
          <dd data-send-by={r.sendBy}>{legalDate(r.sendBy, lang)}</dd>
          <dt>{t.refundDue}</dt>
          <dd data-refund-due={r.refundDueOn}>{legalDate(r.refundDueOn, lang)}</dd>
          <dt>{t.lateAfter}</dt>
          <dd>
            <LateAfter lang={lang} r={r} />
          </dd>
        </dl>
      </section>

      <section>
        <h2>{t.returnAddress}</h2>
        <p>{[a.name, a.line1, a.line2, `${a.postalCode ?? ''} ${a.city}`.trim(), a.country].filter(Boolean).join(', ')}</p>
        <h3>{t.label}</h3>
        {r.label ? (
          <p>
            {r.label.carrier} — <a href={r.label.trackingUrl}>{r.label.trackingNumber}</a>
            {r.label.prepaid ? ` (${t.prepaid})` : ''}
          </p>
        ) : (
          <>
            <p>{t.noLabel}</p>
            {props.labelOffered && props.access.manage ? (
              <form method="post" action={`${base}/label`} class="inline">
                <Csrf token={props.csrfToken} />
                <button type="submit">{t.issueLabel}</button>
              </form>
            ) : null}
          </>
        )}
      </section>

      <section>
        <h2>{t.shipment}</h2>
        {r.shippedTracking ? <p>{t.trackingRecorded(r.shippedTracking, at(r.shippedRecordedAt!))}</p> : <p>{t.noTracking}</p>}
        {r.state === 'authorised' && props.access.manage ? (
          <form method="post" action={`${base}/shipment-proof`} class="inline">
            <Csrf token={props.csrfToken} />
            <label>
              {t.tracking} <input name="trackingNumber" required maxLength={60} />
            </label>{' '}
            <button type="submit">{t.recordTracking}</button>
          </form>
        ) : null}
      </section>

      <section>
        <h2>{t.receipt}</h2>
        <p>{r.receivedAt ? t.receivedAt(at(r.receivedAt)) : t.notReceived}</p>
        {(r.state === 'authorised' || r.state === 'sent_back') && props.access.receive ? (
          <form method="post" action={`${base}/receive`} class="inline">
            <Csrf token={props.csrfToken} />
            <button type="submit">{t.markReceived}</button>
          </form>
        ) : null}
      </section>

      <section>
        <h2>{t.inspection}</h2>
        {r.inspectedAt ? (
          <>
            <p class="meta">{t.inspectedBy(at(r.inspectedAt), r.inspectedBy ?? '')}</p>
            <ul>
              {r.lines.map((l) => (
                <li key={l.position} data-outcome={l.outcome ?? ''}>
                  {l.quantity} × {l.name[lang]} — {l.outcome ? t.outcomes[l.outcome] : '—'}
                  {l.outcome === 'depreciated' ? ` (− ${amount(lang, l.depreciation, r.currency)})` : ''}
                  {l.reason ? ` : ${l.reason}` : ''}
                </li>
              ))}
            </ul>
            {r.refusedKeptUntil ? (
              <p data-refused-kept-until={r.refusedKeptUntil}>
                {t.refusedKept(legalDate(r.refusedKeptUntil, lang))}
                {r.refusedResendRequestedAt ? ` ${t.resendRequested}` : ''}
              </p>
            ) : null}
          </>
        ) : r.state === 'received' && r.purpose === 'exchange' ? (
          <p>{t.exchangeElsewhere}</p>
        ) : r.state === 'received' && props.access.inspect ? (
          <InspectionFields lang={lang} r={r} csrfToken={props.csrfToken} posted={props.posted} nonConforming={props.nonConforming} />
        ) : null}
      </section>

      {r.refund ? <Refund lang={lang} r={{ ...r, refund: r.refund }} /> : null}
    </Layout>
  );
}

// ---------------------------------------------------------------------------
// Recording a statement received by email, letter or the model form (WD-4)

type StatementForm = { channel: string; sentAt: string; text: string; name: string; email: string; storeCredit: boolean; lines: Record<number, { quantity: string; sealed: boolean }> };

export function NewWithdrawalPage(props: Page & { order: Order; options: WithdrawalOptions; timeZone: string; form: StatementForm; error: PageError | null }) {
  const { lang, order, options, form } = props;
  const t = messages[lang];
  const w = options.window;
  const path = newWithdrawalPath(order.number);
  return (
    <AdminPage {...props} title={t.newTitle(order.number)} path={path}>
      <p>{w.open ? t.window(legalDate(w.lastDay, lang)) : w.lastDay ? t.windowClosed(legalDate(w.lastDay, lang)) : t.noWindow}</p>
      <form method="post" action={path} class="stack">
        <Csrf token={props.csrfToken} />
        <label>
          {t.channelLabel}{' '}
          <select name="channel">
            {(['email', 'letter', 'model_form'] as const).map((c) => (
              <option key={c} value={c} selected={form.channel === c}>
                {t.channels[c]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.sentAtLabel(props.timeZone)} <input type="datetime-local" name="sentAt" required value={form.sentAt} />
        </label>
        <label>
          {t.text}
          <textarea name="text" rows={6} maxLength={8000} required>
            {form.text}
          </textarea>
        </label>
        <label>
          {t.nameLabel} <input name="name" required maxLength={200} value={form.name} />
        </label>
        <label>
          {t.emailLabel(order.email)} <input type="email" name="email" maxLength={254} value={form.email} />
        </label>
        <table class="admin-withdrawal-lines">
          <thead>
            <tr>
              <th scope="col">{t.position}</th>
              <th scope="col">{t.delivered}</th>
              <th scope="col">{t.withdrawn}</th>
              <th scope="col">{t.units}</th>
            </tr>
          </thead>
          <tbody>
            {options.lines.map((l) => (
              <tr key={l.position} data-position={l.position}>
                <td>
                  {l.sku} — {l.name[lang]}
                  {Object.values(l.options).length > 0 ? ` (${Object.values(l.options).join(', ')})` : ''}
                </td>
                <td>{l.delivered}</td>
                <td>{l.withdrawn}</td>
                <td>
                  {l.withdrawable > 0 ? (
                    <>
                      <input type="number" name={`qty_${l.position}`} min={0} max={l.withdrawable} value={form.lines[l.position]?.quantity ?? '0'} />
                      {l.exclusion === 'hygiene_sealed_if_unsealed' ? (
                        <label>
                          <input type="checkbox" name={`sealed_${l.position}`} value="1" checked={form.lines[l.position]?.sealed ?? false} /> {t.sealed}
                        </label>
                      ) : null}
                    </>
                  ) : l.exclusion === 'personalised' || l.exclusion === 'perishable' ? (
                    t.excluded
                  ) : (
                    '0'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {options.storeCreditOffered ? (
          <label>
            <input type="checkbox" name="storeCredit" value="1" checked={form.storeCredit} /> {t.storeCredit}
          </label>
        ) : null}
        <button type="submit">{t.record}</button>
      </form>
    </AdminPage>
  );
}

// ---------------------------------------------------------------------------
// On the admin order page

/** The order's withdrawals and returns, with the link to record a statement received by email, letter or form (mounted on /admin/orders/:number). */
export function OrderReturnsPanel({ lang, orderNumber, returns, mayRecord }: { lang: Language; orderNumber: string; returns: readonly Return[]; mayRecord: boolean }) {
  const t = messages[lang];
  return (
    <section class="order-returns" id="returns">
      <h2>{t.panelTitle}</h2>
      {returns.length === 0 ? (
        <p>{t.panelNone}</p>
      ) : (
        <ul>
          {returns.map((r) => (
            <li key={r.number} data-return={r.number}>
              <a href={returnPath(r.number)}>{r.number}</a> — {t.purposes[r.purpose]}, {t.states[r.state]} — {t.refundDue} {legalDate(r.refundDueOn, lang)}
            </li>
          ))}
        </ul>
      )}
      {mayRecord ? (
        <p>
          <a href={newWithdrawalPath(orderNumber)}>{t.panelRecord}</a>
        </p>
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------------------
// Routes

const numberPattern = /^[A-Za-z0-9-]{1,60}$/;
const numberOf = (request: FastifyRequest, code: 'return.not_found' | 'order.not_found'): string => {
  const { number } = request.params as { number: string };
  if (!numberPattern.test(number)) throw new DomainError(code, { field: 'number' });
  return number;
};

/** A `datetime-local` value (no zone) read in the shop's time zone (WD-1: when the customer sent the statement). */
function sentAtOf(value: string, timeZone: string): Date {
  try {
    return new Date(Temporal.PlainDateTime.from(value).toZonedDateTime(timeZone).epochMilliseconds);
  } catch {
    throw new DomainError('withdrawal.invalid_sent_at', { field: 'sentAt', rule: 'WD-1' }, 'Give the date and time the statement was sent.');
  }
}

function statementForm(body: unknown): StatementForm {
  const lines: StatementForm['lines'] = {};
  for (const key of Object.keys((body as Form | undefined) ?? {})) {
    const m = /^qty_(\d{1,5})$/.exec(key);
    if (m) lines[Number(m[1])] = { quantity: field(body, key), sealed: field(body, `sealed_${m[1]}`) === '1' };
  }
  return { channel: field(body, 'channel'), sentAt: field(body, 'sentAt'), text: field(body, 'text'), name: field(body, 'name'), email: field(body, 'email'), storeCredit: field(body, 'storeCredit') === '1', lines };
}

const isChannel = (c: string): c is 'email' | 'letter' | 'model_form' => c === 'email' || c === 'letter' || c === 'model_form';
const isOutcome = (o: string): o is Outcome => o === 'accepted' || o === 'depreciated' || o === 'refused';

function inspectionForm(body: unknown, r: Return): InspectionForm {
  return Object.fromEntries(
    r.lines.map((l) => [l.position, { outcome: field(body, `outcome_${l.position}`), depreciation: field(body, `depreciation_${l.position}`), reason: field(body, `reason_${l.position}`) }]),
  );
}

/** WD-8: the form's lines as the use case takes them; a depreciation written "12,50" or "12.50" in the order's currency → minor units. */
function inspectedLines(form: InspectionForm, r: Return): InspectedLine[] {
  return r.lines.flatMap((l, i) => {
    const p = form[l.position]!;
    if (!isOutcome(p.outcome)) return [];
    let depreciation: number | undefined;
    if (p.outcome === 'depreciated' && p.depreciation !== '') {
      try {
        depreciation = parseAmount(p.depreciation.replace(',', '.'), r.currency).amount;
      } catch {
        throw new DomainError('return.invalid_depreciation', { field: `lines.${i}.depreciation`, rule: 'WD-8', position: l.position }, 'Write the amount like 12.50.');
      }
    }
    return [{ position: l.position, outcome: p.outcome, depreciation, reason: p.reason || null }];
  });
}

/** Register with prefix /admin, inside the session scope. */
export const returnsBackOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  const shopId = ctx.shop.id;
  const timeZone = ctx.shop.policy.shop.timeZone;
  const read = requireStaffPage(ctx, 'returns.read');
  const manage = requireStaffPage(ctx, 'returns.manage');
  const receive = requireStaffPage(ctx, 'returns.receive');
  // WD-8 decides, RF-1 refunds in the same transaction: both permissions (see routes/returns-admin-api.ts).
  const inspect = [manage, requireStaffPage(ctx, 'refunds.manage')];
  const actorOf = (request: FastifyRequest): Actor => ({ kind: 'staff', staffId: request.staff!.id });
  const common = (request: FastifyRequest, reply: FastifyReply): Page => staffPage(request, reply, shop);

  const queue = async (request: FastifyRequest, reply: FastifyReply) => {
    const all = field(request.query, 'all') === '1';
    const returns = await returnsQueue(ctx.db, { shopId, now: await ctx.clock.now(), all });
    return sendFormPage(reply, <ReturnsQueuePage {...common(request, reply)} returns={returns} all={all} mayRecord={can(request.staff!.role, 'returns.manage')} />);
  };
  app.get('/returns', { onRequest: read }, queue);

  app.get('/returns/new', { onRequest: manage }, async (request, reply) => {
    const order = field(request.query, 'order');
    // Without an order number: the queue, whose box asks for one.
    return numberPattern.test(order) ? reply.redirect(newWithdrawalPath(order), 303) : queue(request, reply);
  });

  type ReturnFlash = PageFlash & { posted?: unknown };
  const renderReturn = async (request: FastifyRequest, reply: FastifyReply, number: string, flash: ReturnFlash = {}) => {
    const r = await getReturn(ctx.db, { shopId, number });
    const page = common(request, reply);
    const role = request.staff!.role;
    return sendFormPage(
      reply,
      <ReturnPage
        {...page}
        r={r}
        timeZone={timeZone}
        access={{ manage: can(role, 'returns.manage'), receive: can(role, 'returns.receive'), inspect: can(role, 'returns.manage') && can(role, 'refunds.manage') }}
        labelOffered={ctx.shop.policy.withdrawal.returnLabel !== 'none'}
        notice={flash.notice ?? null}
        error={flash.error ? errorOf(page.lang, flash.error) : null}
        posted={flash.posted ? inspectionForm(flash.posted, r) : {}}
        nonConforming={flash.posted ? field(flash.posted, 'nonConforming') === '1' : false}
      />,
      flash.error,
    );
  };

  app.get('/returns/:number', { onRequest: read }, async (request, reply) => {
    const number = numberOf(request, 'return.not_found');
    const lang = resolveLanguage(request, reply);
    const done = field(request.query, 'done');
    const t = messages[lang];
    let notice: string | null = null;
    if (done === 'inspected') {
      const r = await getReturn(ctx.db, { shopId, number });
      if (r.refund) notice = t.inspected(amount(lang, r.refund.refund, r.currency), amount(lang, r.refund.executed, r.currency));
    } else if (done === 'recorded' || done === 'label' || done === 'shipment' || done === 'received') {
      notice = t.done[done];
    }
    return renderReturn(request, reply, number, { notice });
  });

  /** One form, one use case: redirect back with a notice, or the screen again with the refusal. */
  const act = (path: string, done: string, access: typeof read | (typeof read)[], run: (request: FastifyRequest, number: string, now: Date) => Promise<unknown>) =>
    app.post(path, { onRequest: access, preHandler: app.csrfProtection }, async (request, reply) => {
      const number = numberOf(request, 'return.not_found');
      try {
        await run(request, number, await ctx.clock.now());
      } catch (error) {
        if (error instanceof DomainError && error.code !== 'return.not_found') return renderReturn(request, reply, number, { error, posted: request.body });
        throw error;
      }
      return reply.redirect(`${returnPath(number)}?done=${done}`, 303);
    });

  act('/returns/:number/label', 'label', manage, (_request, number, now) => attachReturnLabel(ctx.db, ctx.carrier, { shopId, returnNumber: number, now }));
  act('/returns/:number/shipment-proof', 'shipment', manage, (request, number, now) =>
    recordReturnShipment(ctx.db, { shopId, returnNumber: number, trackingNumber: field(request.body, 'trackingNumber'), by: actorLabel(actorOf(request)), now }),
  );
  act('/returns/:number/receive', 'received', receive, (request, number, now) => receiveReturn(ctx.db, { shopId, returnNumber: number, actor: actorOf(request), now }));
  act('/returns/:number/inspection', 'inspected', inspect, async (request, number, now) => {
    const r = await getReturn(ctx.db, { shopId, number });
    const lines = inspectedLines(inspectionForm(request.body, r), r);
    return inspectReturn(ctx.db, { shopId, returnNumber: number, lines, nonConforming: field(request.body, 'nonConforming') === '1', actor: actorOf(request), now });
  });

  const renderNew = async (request: FastifyRequest, reply: FastifyReply, number: string, form: StatementForm | null, error: DomainError | null = null) => {
    const order = await loadOrder(ctx.db, { shopId, number });
    if (!order) throw new DomainError('order.not_found', { field: 'number' });
    const options = await withdrawalOptions(ctx.db, { shopId, order, now: await ctx.clock.now() });
    const page = common(request, reply);
    return sendFormPage(
      reply,
      <NewWithdrawalPage
        {...page}
        order={order}
        options={options}
        timeZone={timeZone}
        form={form ?? { channel: 'email', sentAt: '', text: '', name: order.billingAddress.name, email: '', storeCredit: false, lines: {} }}
        error={error ? errorOf(page.lang, error) : null}
      />,
      error,
    );
  };

  app.get('/orders/:number/withdrawals/new', { onRequest: manage }, async (request, reply) => renderNew(request, reply, numberOf(request, 'order.not_found'), null));

  app.post('/orders/:number/withdrawals/new', { onRequest: manage, preHandler: app.csrfProtection }, async (request, reply) => {
    const number = numberOf(request, 'order.not_found');
    const form = statementForm(request.body);
    try {
      if (!isChannel(form.channel)) throw new DomainError('withdrawal.invalid_channel', { field: 'channel', rule: 'WD-4' }, 'Choose email, letter or the model form.');
      const recorded = await recordStatement(ctx, request.log, {
        orderNumber: number,
        channel: form.channel,
        sentAt: sentAtOf(form.sentAt, timeZone),
        text: form.text,
        name: form.name,
        email: form.email || null,
        items: Object.entries(form.lines)
          .map(([position, l]) => ({ position: Number(position), quantity: Number(l.quantity || '0'), sealed: l.sealed }))
          .filter((i) => i.quantity !== 0),
        refundTo: form.storeCredit ? 'store_credit' : 'original_payment',
        actor: actorOf(request),
      });
      return reply.redirect(`${returnPath(recorded.number)}?done=recorded`, 303);
    } catch (error) {
      if (error instanceof DomainError && error.code !== 'order.not_found') return renderNew(request, reply, number, form, error);
      throw error;
    }
  });
};
