// The withdrawal function's pages (issue 6 §2, WD-4) and the return's page (§3–5):
//
// - GET /withdrawal — « Renoncer au contrat ici », linked from every page's
//   footer: a guest names the order by its number and email (WD-10: the
//   customer who placed it). POST /withdrawal walks the two steps: `identify`
//   → step 1, the items (and the name, the email for the acknowledgment);
//   `review` → step 2, the statement as it will be sent with the separate
//   control « confirmer la rétractation »; `confirm` → sent, the return's page.
// - GET|POST /account/orders/{number}/withdrawal — the same steps for the
//   signed-in customer, from the order page's « renoncer au contrat ici ».
//   Where the shop exchanges by post (EX-1: JW, EL), step 1 asks « je
//   souhaite : être remboursé / échanger contre un autre article » and, per
//   item, the other variant wanted (src/app/exchange-choices.ts); step 2 quotes
//   it (« en échange de : … »).
// - GET /returns/{number} (the account, or the acknowledgment's ?token=) —
//   where the return stands: dates, slip, label, proof of shipment, the
//   inspection, the refund and the credit note (DOC-1), refused items (WD-8).
//   POST …/shipment-proof and …/refused-resend come back to it.
// Every form carries the CSRF token; refusals come back on the page with the field.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { orderDocuments, type OrderDocument } from '../../app/credit-notes.js';
import { exchangeChoices, type ExchangeChoice } from '../../app/exchange-choices.js';
import { legalDate } from '../../app/order-emails.js';
import type { Order } from '../../app/orders.js';
import { getReturnFor, listReturnsOfOrder, recordReturnShipment, requestRefusedResend, returnPagePath, type Return, type ReturnReader } from '../../app/returns.js';
import { orderForWithdrawal, withdrawalOptions, type WithdrawalAccess, type WithdrawalOptions } from '../../app/withdrawals.js';
import { DomainError } from '../../domain/errors.js';
import { formatMoney, money, type Currency } from '../../domain/money.js';
import { checkRequestedItems, type RequestedItem } from '../../domain/returns/withdrawal-request.js';
import { statusFor } from '../errors.js';
import { identifyCustomer, requireCustomerPage } from '../customer-auth.js';
import { Csrf, FlashMessages, pageError, type PageError } from '../web/flash.js';
import { formField as field } from '../web/form.js';
import { resolveLanguage, type Language } from '../web/language.js';
import { Layout, type ShopView } from '../web/layout.js';
import { documentPdfPath } from '../web/order-documents.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';
import { returnDocumentPath, withdrawAndLabel } from './withdrawals-api.js';

const texts = {
  fr: {
    functionTitle: 'Renoncer au contrat ici',
    intro: 'Vous pouvez vous rétracter de votre commande, sans motif, pendant le délai de rétractation. Indiquez le numéro de la commande et l’adresse e-mail utilisée pour la passer.',
    orderNumber: 'Numéro de commande',
    email: 'Adresse e-mail de la commande',
    continue: 'Continuer',
    step1: 'Étape 1 sur 2 — la commande et les articles',
    step2: 'Étape 2 sur 2 — votre déclaration',
    name: 'Votre nom',
    ackEmail: 'E-mail pour l’accusé de réception',
    items: 'Articles dont vous vous rétractez',
    quantity: (n: number) => `quantité (au plus ${n})`,
    sealed: 'L’article est toujours scellé',
    excluded: { personalised: 'personnalisé : exclu', perishable: 'périssable : exclu', hygiene_sealed_if_unsealed: 'scellé pour l’hygiène : seulement s’il n’a pas été descellé' } as Record<string, string>,
    storeCredit: 'Je demande expressément un avoir plutôt qu’un remboursement',
    want: 'Je souhaite :',
    wantRefund: 'être remboursé',
    wantExchange: 'échanger contre un autre article',
    exchangeFor: 'en échange de',
    chooseVariant: '— choisir —',
    outOfStock: 'épuisé pour le moment',
    inExchangeFor: (s: string) => `en échange de : ${s}`,
    exchangeAsked: 'Je demande un échange par la poste plutôt qu’un remboursement.',
    statement: 'Je vous notifie par la présente ma rétractation du contrat portant sur la vente des biens ci-dessous :',
    order: (n: string) => `Commande ${n}`,
    confirm: 'Confirmer la rétractation',
    until: (d: string) => `Délai de rétractation : jusqu’au ${d} inclus.`,
    moneyBack: (d: string) => `Garantie « satisfait ou remboursé » : jusqu’au ${d} inclus.`,
    closed: {
      not_started: 'Le délai de rétractation commencera à la réception du dernier article de la commande.',
      closed: 'Le délai de rétractation de cette commande a pris fin.',
      professional: 'Le droit de rétractation ne s’applique pas aux achats des professionnels.',
      cancelled: 'Cette commande est annulée.',
    } as Record<string, string>,
    back: 'Modifier',
    returnTitle: (n: string) => `Retour ${n}`,
    states: { authorised: 'retour autorisé : à renvoyer', sent_back: 'renvoyé', received: 'reçu, en cours d’examen', inspected: 'examiné', refunded: 'remboursé', closed: 'clos' } as Record<string, string>,
    stateLabel: 'État',
    sentAt: 'Déclaration envoyée le',
    sendBy: (d: string) => `À renvoyer au plus tard le ${d}`,
    refundBy: (d: string) => `Remboursement au plus tard le ${d} (nous pouvons attendre la réception des articles ou la preuve de leur expédition)`,
    returnTo: 'Adresse de retour',
    slip: 'Télécharger le bon de retour (PDF)',
    label: (c: string, n: string) => `Étiquette de retour : ${c}, n° ${n}`,
    proof: 'Numéro de suivi du colis renvoyé (preuve d’expédition)',
    sendProof: 'Enregistrer',
    shipped: (n: string) => `Colis renvoyé : suivi ${n}`,
    outcome: { accepted: 'accepté', depreciated: 'accepté avec dépréciation', refused: 'refusé' } as Record<string, string>,
    refund: 'Remboursement',
    itemsTotal: 'Articles',
    depreciation: 'Dépréciation',
    alreadyRefunded: 'Réduction de prix déjà remboursée',
    shipping: 'Frais de livraison initiaux',
    charges: 'Cadeau conservé / remise retirée (facture complémentaire)',
    labelCost: 'Étiquette prépayée',
    refunded: 'Montant remboursé',
    storeCreditRefund: 'Rendu en avoir',
    late: (amount: string) => `Remboursement tardif : majoration légale de ${amount} (article L242-4).`,
    documents: 'Factures et avoirs',
    kinds: { invoice: 'Facture', credit_note: 'Avoir', complementary_invoice: 'Facture complémentaire' } as Record<string, string>,
    keptUntil: (d: string) => `Les articles refusés restent à votre disposition jusqu’au ${d}.`,
    resend: 'Me les renvoyer (à mes frais)',
    resendAsked: 'Vous avez demandé leur renvoi.',
    done: 'Votre déclaration est envoyée : vous en recevez l’accusé de réception par e-mail.',
    saved: 'C’est enregistré.',
    returns: 'Rétractation et retours',
    openFunction: 'Renoncer au contrat ici',
    genericError: 'Cette demande n’a pas pu aboutir.',
    errors: {
      'order.not_found': 'Aucune commande ne correspond à ce numéro et à cette adresse e-mail.',
      'withdrawal.period_closed': 'Le délai de rétractation a pris fin.',
      'withdrawal.not_started': 'Le délai de rétractation commencera à la réception du dernier article.',
      'withdrawal.no_items': 'Choisissez au moins un article.',
      'withdrawal.too_many_units': 'Vous avez indiqué plus d’articles que ceux que vous pouvez renvoyer.',
      'withdrawal.item_excluded': 'Un article choisi est exclu du droit de rétractation.',
      'withdrawal.name_required': 'Indiquez votre nom.',
      'withdrawal.invalid_email': 'Indiquez une adresse e-mail valide.',
      'withdrawal.professional_excluded': 'Le droit de rétractation ne s’applique pas aux achats des professionnels.',
      'return.invalid_tracking': 'Indiquez le numéro de suivi (lettres, chiffres, tirets).',
      'exchange.limit_reached': 'Cette commande a déjà donné lieu à un échange : vous pouvez demander un remboursement.',
      'exchange.variant_required': 'Pour un échange, choisissez l’article souhaité en échange de chaque article renvoyé.',
      'exchange.same_variant': 'Choisissez une autre taille, une autre couleur ou un autre article.',
      'exchange.not_offered': 'Cette boutique ne propose pas d’échange par la poste.',
      'variant.not_found': 'L’article choisi en échange n’est pas en vente.',
    } as Record<string, string>,
  },
  en: {
    functionTitle: 'Withdraw from contract here',
    intro: 'You may withdraw from your order, without giving any reason, during the withdrawal period. Give the order number and the email address used to place it.',
    orderNumber: 'Order number',
    email: 'Email address of the order',
    continue: 'Continue',
    step1: 'Step 1 of 2 — the order and the items',
    step2: 'Step 2 of 2 — your statement',
    name: 'Your name',
    ackEmail: 'Email for the acknowledgment',
    items: 'Items you withdraw from',
    quantity: (n: number) => `quantity (at most ${n})`,
    sealed: 'The item is still sealed',
    excluded: { personalised: 'personalised: excluded', perishable: 'perishable: excluded', hygiene_sealed_if_unsealed: 'sealed for hygiene: only if still sealed' } as Record<string, string>,
    storeCredit: 'I expressly ask for store credit instead of a refund',
    want: 'I want:',
    wantRefund: 'a refund',
    wantExchange: 'an exchange for another item',
    exchangeFor: 'in exchange for',
    chooseVariant: '— choose —',
    outOfStock: 'out of stock for now',
    inExchangeFor: (s: string) => `in exchange for: ${s}`,
    exchangeAsked: 'I ask for an exchange by post instead of a refund.',
    statement: 'I hereby give notice that I withdraw from my contract of sale of the following goods:',
    order: (n: string) => `Order ${n}`,
    confirm: 'Confirm withdrawal',
    until: (d: string) => `Withdrawal period: until ${d} inclusive.`,
    moneyBack: (d: string) => `Money-back guarantee: until ${d} inclusive.`,
    closed: {
      not_started: 'The withdrawal period starts when you receive the order\'s last item.',
      closed: 'The withdrawal period of this order has ended.',
      professional: 'The right of withdrawal does not apply to purchases by professionals.',
      cancelled: 'This order is cancelled.',
    } as Record<string, string>,
    back: 'Change',
    returnTitle: (n: string) => `Return ${n}`,
    states: { authorised: 'return authorised: to send back', sent_back: 'sent back', received: 'received, being inspected', inspected: 'inspected', refunded: 'refunded', closed: 'closed' } as Record<string, string>,
    stateLabel: 'State',
    sentAt: 'Statement sent on',
    sendBy: (d: string) => `To send back by ${d} at the latest`,
    refundBy: (d: string) => `Refund by ${d} at the latest (we may wait until we receive the items or proof you sent them)`,
    returnTo: 'Return address',
    slip: 'Download the return slip (PDF)',
    label: (c: string, n: string) => `Return label: ${c}, number ${n}`,
    proof: 'Tracking number of the parcel sent back (proof of shipment)',
    sendProof: 'Save',
    shipped: (n: string) => `Parcel sent back: tracking ${n}`,
    outcome: { accepted: 'accepted', depreciated: 'accepted with a depreciation', refused: 'refused' } as Record<string, string>,
    refund: 'Refund',
    itemsTotal: 'Items',
    depreciation: 'Depreciation',
    alreadyRefunded: 'Price reduction already refunded',
    shipping: 'Initial delivery cost',
    charges: 'Gift kept / discount withdrawn (complementary invoice)',
    labelCost: 'Prepaid label',
    refunded: 'Amount refunded',
    storeCreditRefund: 'Given back as store credit',
    late: (amount: string) => `Late refund: statutory surcharge of ${amount} (article L242-4).`,
    documents: 'Invoices and credit notes',
    kinds: { invoice: 'Invoice', credit_note: 'Credit note', complementary_invoice: 'Complementary invoice' } as Record<string, string>,
    keptUntil: (d: string) => `The refused items are kept for you until ${d}.`,
    resend: 'Send them back to me (at my cost)',
    resendAsked: 'You asked for them to be sent back.',
    done: 'Your statement is sent: you receive its acknowledgment by email.',
    saved: 'Saved.',
    returns: 'Withdrawal and returns',
    openFunction: 'Withdraw from contract here',
    genericError: 'This request could not be completed.',
    errors: {
      'order.not_found': 'No order matches this number and email address.',
      'withdrawal.period_closed': 'The withdrawal period has ended.',
      'withdrawal.not_started': 'The withdrawal period starts when you receive the last item.',
      'withdrawal.no_items': 'Choose at least one item.',
      'withdrawal.too_many_units': 'You named more items than you can send back.',
      'withdrawal.item_excluded': 'An item chosen is excluded from the right of withdrawal.',
      'withdrawal.name_required': 'Give your name.',
      'withdrawal.invalid_email': 'Give a valid email address.',
      'withdrawal.professional_excluded': 'The right of withdrawal does not apply to purchases by professionals.',
      'return.invalid_tracking': 'Give the tracking number (letters, digits, dashes).',
      'exchange.limit_reached': 'This order has already had its exchange: you may ask for a refund.',
      'exchange.variant_required': 'For an exchange, choose the item you want instead of each item sent back.',
      'exchange.same_variant': 'Choose another size, colour or item.',
      'exchange.not_offered': 'This shop does not exchange items by post.',
      'variant.not_found': 'The item chosen in exchange is not for sale.',
    } as Record<string, string>,
  },
} as const;

const amountText = (minor: number, currency: Currency, lang: Language) => formatMoney(money(minor, currency), lang);
const accountWithdrawalPath = (number: string) => `/account/orders/${encodeURIComponent(number)}/withdrawal`;

/** What the customer has typed so far, carried from step to step; `exchange`: EX-1, each item names the variant wanted. */
type Draft = { orderNumber: string; email: string; name: string; items: RequestedItem[]; storeCredit: boolean; exchange: boolean };

function draftOf(body: unknown, order: Pick<Order, 'lines'> | null): Draft {
  const exchange = field(body, 'want') === 'exchange';
  const items: RequestedItem[] = [];
  for (const line of order?.lines ?? []) {
    const quantity = field(body, `qty_${line.position}`);
    if (quantity === '' || quantity === '0') continue;
    items.push({
      position: line.position,
      quantity: /^\d{1,4}$/.test(quantity) ? Number(quantity) : Number.NaN,
      sealed: field(body, `sealed_${line.position}`) === '1',
      ...(exchange ? { exchangeVariantId: field(body, `variant_${line.position}`) || null } : {}),
    });
  }
  return { orderNumber: field(body, 'orderNumber'), email: field(body, 'email'), name: field(body, 'name'), items, storeCredit: field(body, 'storeCredit') === '1', exchange };
}

/**
 * EX-1: each variant asked for is one the page offered (another variant of the
 * line's product, for sale) — which also keeps a forged id from the query.
 */
function checkChosenVariants(items: readonly RequestedItem[], choices: ReadonlyMap<number, readonly ExchangeChoice[]>): void {
  items.forEach((item, i) => {
    if (item.exchangeVariantId == null) return;
    if (!choices.get(item.position)?.some((c) => c.variantId === item.exchangeVariantId)) {
      throw new DomainError('variant.not_found', { field: `items.${i}.exchangeVariantId`, rule: 'EX-1' }, 'No such item for sale.');
    }
  });
}

const variantText = (lang: Language, name: { fr: string; en: string }, c: ExchangeChoice, currency: Currency) =>
  `${name[lang]}${Object.keys(c.options).length > 0 ? ` — ${Object.values(c.options).join(', ')}` : ''} (${c.sku}), ${amountText(c.price, currency, lang)}`;

function Hidden({ draft, keepItems }: { draft: Draft; keepItems: boolean }) {
  return (
    <>
      <input type="hidden" name="orderNumber" value={draft.orderNumber} />
      <input type="hidden" name="email" value={draft.email} />
      {keepItems ? (
        <>
          <input type="hidden" name="name" value={draft.name} />
          {draft.storeCredit ? <input type="hidden" name="storeCredit" value="1" /> : null}
          {draft.exchange ? <input type="hidden" name="want" value="exchange" /> : null}
          {draft.items.map((i) => (
            <>
              <input type="hidden" name={`qty_${i.position}`} value={String(i.quantity)} />
              {i.sealed ? <input type="hidden" name={`sealed_${i.position}`} value="1" /> : null}
              {i.exchangeVariantId ? <input type="hidden" name={`variant_${i.position}`} value={i.exchangeVariantId} /> : null}
            </>
          ))}
        </>
      ) : null}
    </>
  );
}

type StepProps = {
  lang: Language;
  csrfToken: string;
  action: string;
  order: Order;
  options: WithdrawalOptions;
  /** EX-1: per line position, the variants the customer may ask for instead (empty where the shop does not exchange by post). */
  choices: ReadonlyMap<number, readonly ExchangeChoice[]>;
  draft: Draft;
  error: PageError | null;
};

function WindowLine({ lang, options }: { lang: Language; options: WithdrawalOptions }) {
  const t = texts[lang];
  const w = options.window;
  if (!w.open) return <p data-withdrawal-window="closed">{t.closed[w.reason]}</p>;
  return <p data-withdrawal-window={w.purpose} data-last-day={w.lastDay}>{w.purpose === 'money_back' ? t.moneyBack(legalDate(w.lastDay, lang)) : t.until(legalDate(w.lastDay, lang))}</p>;
}

/** Step 1: the order, the items and who the customer is (WD-4 asks only what is needed). */
function ItemsStep({ lang, csrfToken, action, order, options, choices, draft, error }: StepProps) {
  const t = texts[lang];
  return (
    <section aria-labelledby="step-title" data-withdrawal-step="1">
      <h2 id="step-title">{t.step1}</h2>
      <p>{t.order(order.number)}</p>
      <WindowLine lang={lang} options={options} />
      <FlashMessages error={error} />
      {options.window.open ? (
        <form method="post" action={action}>
          <Csrf token={csrfToken} />
          <input type="hidden" name="step" value="review" />
          <Hidden draft={draft} keepItems={false} />
          <p>
            <label>
              {t.name} <input name="name" required maxLength={200} value={draft.name} autoComplete="name" />
            </label>
          </p>
          {options.exchangeOffered ? (
            <fieldset data-exchange-choice>
              <legend>{t.want}</legend>
              <label>
                <input type="radio" name="want" value="refund" checked={!draft.exchange} /> {t.wantRefund}
              </label>{' '}
              <label>
                <input type="radio" name="want" value="exchange" checked={draft.exchange} /> {t.wantExchange}
              </label>
            </fieldset>
          ) : null}
          <fieldset>
            <legend>{t.items}</legend>
            {options.lines.map((l) => {
              const chosen = draft.items.find((i) => i.position === l.position);
              const siblings = choices.get(l.position) ?? [];
              return (
                <p data-line={l.position}>
                  <label>
                    {l.name[lang]} ({l.sku}) — {t.quantity(l.withdrawable)}{' '}
                    <input type="number" name={`qty_${l.position}`} min={0} max={l.withdrawable} value={String(chosen?.quantity ?? 0)} disabled={l.withdrawable === 0} />
                  </label>
                  {l.exclusion ? <> — {t.excluded[l.exclusion]}</> : null}
                  {l.exclusion === 'hygiene_sealed_if_unsealed' ? (
                    <label>
                      {' '}
                      <input type="checkbox" name={`sealed_${l.position}`} value="1" checked={chosen?.sealed === true} /> {t.sealed}
                    </label>
                  ) : null}
                  {options.exchangeOffered && l.withdrawable > 0 && siblings.length > 0 ? (
                    <label>
                      {' '}
                      — {t.exchangeFor}{' '}
                      <select name={`variant_${l.position}`} data-exchange-variants={l.position}>
                        <option value="">{t.chooseVariant}</option>
                        {siblings.map((c) => (
                          <option value={c.variantId} selected={chosen?.exchangeVariantId === c.variantId} disabled={!c.inStock}>
                            {variantText(lang, l.name, c, order.currency)}
                            {c.inStock ? '' : ` — ${t.outOfStock}`}
                          </option>
                        ))}
                      </select>
                    </label>
                  ) : null}
                </p>
              );
            })}
          </fieldset>
          {options.storeCreditOffered ? (
            <p>
              <label>
                <input type="checkbox" name="storeCredit" value="1" checked={draft.storeCredit} /> {t.storeCredit}
              </label>
            </p>
          ) : null}
          <button type="submit">{t.continue}</button>
        </form>
      ) : null}
    </section>
  );
}

/** Step 2: the statement as it will be sent, and the separate control « confirmer la rétractation » (WD-4). */
function ConfirmStep({ lang, csrfToken, action, order, options, choices, draft, error }: StepProps) {
  const t = texts[lang];
  return (
    <section aria-labelledby="step-title" data-withdrawal-step="2">
      <h2 id="step-title">{t.step2}</h2>
      <FlashMessages error={error} />
      <blockquote data-statement>
        <p>{t.statement}</p>
        <ul>
          {draft.items.map((i) => {
            const line = options.lines.find((l) => l.position === i.position)!;
            const wanted = choices.get(i.position)?.find((c) => c.variantId === i.exchangeVariantId);
            return (
              <li data-line={i.position}>
                {i.quantity} × {line.name[lang]} ({line.sku})
                {wanted ? <span data-exchange-variant={wanted.variantId}> — {t.inExchangeFor(variantText(lang, line.name, wanted, order.currency))}</span> : null}
              </li>
            );
          })}
        </ul>
        <p>{t.order(order.number)}</p>
        <p>
          {t.name} : {draft.name} — {draft.email || order.email}
        </p>
        {draft.exchange ? <p>{t.exchangeAsked}</p> : draft.storeCredit ? <p>{t.storeCredit}</p> : null}
      </blockquote>
      <form method="post" action={action}>
        <Csrf token={csrfToken} />
        <Hidden draft={draft} keepItems />
        <button type="submit" name="step" value="confirm">
          {t.confirm}
        </button>{' '}
        <button type="submit" name="step" value="identify" class="link">
          {t.back}
        </button>
      </form>
    </section>
  );
}

function FunctionPage(props: { lang: Language; shop: ShopView; path: string; csrfToken: string; children: preact.ComponentChildren }) {
  const t = texts[props.lang];
  return (
    <Layout lang={props.lang} title={t.functionTitle} shop={props.shop} path={props.path} area="store">
      <h1>{t.functionTitle}</h1>
      {props.children}
    </Layout>
  );
}

function IdentifyStep({ lang, csrfToken, draft, error }: { lang: Language; csrfToken: string; draft: Draft; error: PageError | null }) {
  const t = texts[lang];
  return (
    <section data-withdrawal-step="identify">
      <p>{t.intro}</p>
      <FlashMessages error={error} />
      <form method="post" action="/withdrawal">
        <Csrf token={csrfToken} />
        <input type="hidden" name="step" value="identify" />
        <p>
          <label>
            {t.orderNumber} <input name="orderNumber" required maxLength={40} value={draft.orderNumber} />
          </label>
        </p>
        <p>
          <label>
            {t.email} <input type="email" name="email" required maxLength={254} value={draft.email} autoComplete="email" />
          </label>
        </p>
        <button type="submit">{t.continue}</button>
      </form>
    </section>
  );
}

// ---------------------------------------------------------------------------
// The return's page

function ReturnView({ lang, ret, documents, token, csrfToken, timeZone, notice, error }: { lang: Language; ret: Return; documents: readonly OrderDocument[]; token: string | null; csrfToken: string; timeZone: string; notice: string | null; error: PageError | null }) {
  const t = texts[lang];
  const c = ret.currency;
  const action = (what: string) => `${returnPagePath(ret.number)}/${what}`;
  const tokenField = token ? <input type="hidden" name="token" value={token} /> : null;
  const r = ret.refund;
  return (
    <>
      <h1>{t.returnTitle(ret.number)}</h1>
      <FlashMessages notice={notice} error={error} />
      <p>
        {t.order(ret.orderNumber)} — {t.stateLabel} : <strong data-return-state={ret.state}>{t.states[ret.state]}</strong>
      </p>
      <p>
        {t.sentAt} {new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone }).format(ret.sentAt)}
      </p>
      <ul>
        {ret.lines.map((l) => (
          <li data-line={l.position}>
            {l.quantity} × {l.name[lang]} ({l.sku}){l.outcome ? ` — ${t.outcome[l.outcome]}` : ''}
            {l.outcome === 'depreciated' ? ` (${amountText(l.depreciation, c, lang)} — ${l.reason})` : ''}
            {l.outcome === 'refused' ? ` — ${l.reason}` : ''}
          </li>
        ))}
      </ul>
      {ret.state === 'authorised' || ret.state === 'sent_back' ? (
        <>
          <p data-send-by={ret.sendBy}>{t.sendBy(legalDate(ret.sendBy, lang))}</p>
          <p>
            {t.returnTo} : {[ret.returnAddress.name, ret.returnAddress.line1, ret.returnAddress.line2, `${ret.returnAddress.postalCode ?? ''} ${ret.returnAddress.city}`, ret.returnAddress.country].filter(Boolean).join(', ')}
          </p>
          <p>
            <a href={`/api/store/returns/${encodeURIComponent(ret.number)}/slip.pdf${token ? `?token=${encodeURIComponent(token)}` : ''}`}>{t.slip}</a>
          </p>
          {ret.label ? <p>{t.label(ret.label.carrier, ret.label.trackingNumber)}</p> : null}
        </>
      ) : null}
      {r === null ? <p data-refund-due-on={ret.refundDueOn}>{t.refundBy(legalDate(ret.refundDueOn, lang))}</p> : null}
      {ret.shippedTracking ? <p>{t.shipped(ret.shippedTracking)}</p> : null}
      {ret.state === 'authorised' ? (
        <form method="post" action={action('shipment-proof')}>
          <Csrf token={csrfToken} />
          {tokenField}
          <label>
            {t.proof} <input name="trackingNumber" required maxLength={60} />
          </label>{' '}
          <button type="submit">{t.sendProof}</button>
        </form>
      ) : null}
      {r ? (
        <section aria-labelledby="refund-title" data-refund={r.refund}>
          <h2 id="refund-title">{t.refund}</h2>
          <table>
            <tbody>
              <tr>
                <th scope="row">{t.itemsTotal}</th>
                <td>{amountText(r.itemsTotal, c, lang)}</td>
              </tr>
              {r.depreciationTotal > 0 ? (
                <tr>
                  <th scope="row">{t.depreciation}</th>
                  <td>−{amountText(r.depreciationTotal, c, lang)}</td>
                </tr>
              ) : null}
              {r.alreadyRefundedTotal > 0 ? (
                <tr>
                  <th scope="row">{t.alreadyRefunded}</th>
                  <td>−{amountText(r.alreadyRefundedTotal, c, lang)}</td>
                </tr>
              ) : null}
              <tr>
                <th scope="row">{t.shipping}</th>
                <td>{amountText(r.shipping.amount, c, lang)}</td>
              </tr>
              {r.chargesTotal > 0 ? (
                <tr>
                  <th scope="row">{t.charges}</th>
                  <td>−{amountText(r.chargesTotal, c, lang)}</td>
                </tr>
              ) : null}
              {r.returnLabelCost > 0 ? (
                <tr>
                  <th scope="row">{t.labelCost}</th>
                  <td>−{amountText(r.returnLabelCost, c, lang)}</td>
                </tr>
              ) : null}
              <tr>
                <th scope="row">{r.to === 'store_credit' ? t.storeCreditRefund : t.refunded}</th>
                <td data-refunded={r.refund}>{amountText(r.refund, c, lang)}</td>
              </tr>
            </tbody>
          </table>
          {r.lateSurcharge > 0 ? <p>{t.late(amountText(r.lateSurcharge, c, lang))}</p> : null}
        </section>
      ) : null}
      {ret.refusedKeptUntil && ret.state !== 'closed' ? (
        <section>
          <p>{t.keptUntil(legalDate(ret.refusedKeptUntil, lang))}</p>
          {ret.refusedResendRequestedAt ? (
            <p>{t.resendAsked}</p>
          ) : (
            <form method="post" action={action('refused-resend')}>
              <Csrf token={csrfToken} />
              {tokenField}
              <button type="submit">{t.resend}</button>
            </form>
          )}
        </section>
      ) : null}
      {documents.length > 0 ? (
        <section aria-labelledby="documents-title">
          <h2 id="documents-title">{t.documents}</h2>
          <ul>
            {documents.map((d) => (
              <li data-document-kind={d.kind}>
                <a href={token ? returnDocumentPath(ret.number, d.number, token) : documentPdfPath('store', d.number)}>
                  {t.kinds[d.kind]} {d.number}
                </a>{' '}
                — {legalDate(d.issueDate, lang)} — {amountText(d.total, d.currency, lang)}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

/** The account order page's section: the function while the period is open, and the order's returns. */
export function OrderReturnsSection({ lang, orderNumber, options, returns }: { lang: Language; orderNumber: string; options: WithdrawalOptions; returns: readonly Return[] }) {
  const t = texts[lang];
  if (!options.window.open && returns.length === 0) return null;
  return (
    <section aria-labelledby="returns-title">
      <h2 id="returns-title">{t.returns}</h2>
      {options.window.open ? (
        <p>
          <a class="button" href={accountWithdrawalPath(orderNumber)} data-withdrawal-function="order">
            {t.openFunction}
          </a>
        </p>
      ) : null}
      <ul>
        {returns.map((r) => (
          <li data-return={r.number}>
            <a href={returnPagePath(r.number)}>{r.number}</a> — {t.states[r.state]}
          </li>
        ))}
      </ul>
    </section>
  );
}

// ---------------------------------------------------------------------------
// Routes

export const withdrawalPageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const view = shopView(ctx.shop);
  const shopId = ctx.shop.id;
  const limited = { rateLimit: { max: 30, timeWindow: '1 minute' } };
  const timeZone = ctx.shop.policy.shop.timeZone;
  const errorOf = (lang: Language, error: DomainError) => pageError(error, texts[lang].errors, texts[lang].genericError);

  /** The two steps for one order: which step the form asks for, checked as it goes; `confirm` sends the statement. */
  async function walk(request: FastifyRequest, reply: FastifyReply, input: { access: WithdrawalAccess; path: string; action: string; orderNumber: string }) {
    const lang = resolveLanguage(request, reply);
    const now = await ctx.clock.now();
    const order = await orderForWithdrawal(ctx.db, { shopId, orderNumber: input.orderNumber, access: input.access });
    const options = await withdrawalOptions(ctx.db, { shopId, order, now });
    const choices = options.exchangeOffered && options.window.open ? await exchangeChoices(ctx.db, { shopId, order, now }) : new Map<number, ExchangeChoice[]>();
    const draft = draftOf(request.body, order);
    if (!draft.name && order.deliveryAddress.name && request.method === 'GET') draft.name = order.deliveryAddress.name;
    const step = field(request.body, 'step');
    const page = (content: preact.VNode, status = 200) =>
      sendPage(reply, <FunctionPage lang={lang} shop={view} path={input.path} csrfToken={reply.generateCsrf()}>{content}</FunctionPage>, status);
    const props = { lang, csrfToken: reply.generateCsrf(), action: input.action, order, options, choices, draft };
    if (step === 'review' || step === 'confirm') {
      try {
        if (!draft.name) throw new DomainError('withdrawal.name_required', { field: 'name', rule: 'WD-4' });
        checkRequestedItems(options.lines, draft.items, { exchange: draft.exchange });
        checkChosenVariants(draft.items, choices);
        if (step === 'confirm') {
          const created = await withdrawAndLabel(ctx, {
            orderNumber: order.number,
            name: draft.name,
            email: input.access.customerId ? null : draft.email,
            items: draft.items,
            exchange: draft.exchange,
            refundTo: draft.storeCredit && !draft.exchange ? 'store_credit' : 'original_payment',
            access: input.access,
          }, request.log);
          const link = input.access.customerId ? returnPagePath(created.number) : `${returnPagePath(created.number)}?token=${encodeURIComponent(created.accessToken)}`;
          return reply.redirect(`${link}${link.includes('?') ? '&' : '?'}done=1`, 303);
        }
        return page(<ConfirmStep {...props} error={null} />);
      } catch (error) {
        if (!(error instanceof DomainError) || error.code === 'order.not_found') throw error;
        return page(<ItemsStep {...props} error={errorOf(lang, error)} />, statusFor(error.code));
      }
    }
    return page(<ItemsStep {...props} error={null} />);
  }

  app.get('/withdrawal', async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const draft = { orderNumber: String((request.query as { order?: string }).order ?? '').slice(0, 40), email: '', name: '', items: [], storeCredit: false, exchange: false };
    return sendPage(reply, <FunctionPage lang={lang} shop={view} path="/withdrawal" csrfToken={reply.generateCsrf()}><IdentifyStep lang={lang} csrfToken={reply.generateCsrf()} draft={draft} error={null} /></FunctionPage>);
  });

  app.post('/withdrawal', { config: limited, preHandler: app.csrfProtection }, async (request, reply) => {
    const draft = draftOf(request.body, null);
    try {
      return await walk(request, reply, { access: { email: draft.email }, path: '/withdrawal', action: '/withdrawal', orderNumber: draft.orderNumber });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const lang = resolveLanguage(request, reply);
      return sendPage(
        reply,
        <FunctionPage lang={lang} shop={view} path="/withdrawal" csrfToken={reply.generateCsrf()}>
          <IdentifyStep lang={lang} csrfToken={reply.generateCsrf()} draft={draft} error={errorOf(lang, error)} />
        </FunctionPage>,
        statusFor(error.code),
      );
    }
  });

  const signedIn = { onRequest: requireCustomerPage(ctx) };
  const accountWalk = (request: FastifyRequest, reply: FastifyReply) => {
    const number = (request.params as { number: string }).number.slice(0, 40);
    const path = accountWithdrawalPath(number);
    return walk(request, reply, { access: { customerId: request.customer!.id }, path, action: path, orderNumber: number });
  };
  app.get('/account/orders/:number/withdrawal', signedIn, accountWalk);
  app.post('/account/orders/:number/withdrawal', { ...signedIn, preHandler: app.csrfProtection }, accountWalk);

  // The return's page, for the account or the acknowledgment's link.
  const readerOf = async (request: FastifyRequest): Promise<ReturnReader> => {
    const customer = await identifyCustomer(ctx, request).catch(() => null);
    const token = field(request.body, 'token') || String((request.query as { token?: string }).token ?? '');
    return { customerId: customer?.id ?? null, token: token.slice(0, 100) || null };
  };

  async function renderReturn(request: FastifyRequest, reply: FastifyReply, flash: { notice?: string | null; error?: DomainError } = {}) {
    const lang = resolveLanguage(request, reply);
    const number = (request.params as { number: string }).number.slice(0, 60);
    const reader = await readerOf(request);
    const ret = await getReturnFor(ctx.db, { shopId, number, reader });
    const documents = await orderDocuments(ctx.db, { shopId, orderNumber: ret.orderNumber });
    return sendPage(
      reply,
      <Layout lang={lang} title={texts[lang].returnTitle(ret.number)} shop={view} path={returnPagePath(ret.number)} area="store">
        <ReturnView lang={lang} ret={ret} documents={documents} token={reader.customerId ? null : reader.token ?? null} csrfToken={reply.generateCsrf()} timeZone={timeZone} notice={flash.notice ?? null} error={flash.error ? errorOf(lang, flash.error) : null} />
      </Layout>,
      flash.error ? statusFor(flash.error.code) : 200,
    );
  }

  app.get('/returns/:number', { config: limited }, async (request, reply) => {
    const q = request.query as { done?: string; saved?: string };
    const t = texts[resolveLanguage(request, reply)];
    return renderReturn(request, reply, { notice: q.done ? t.done : q.saved ? t.saved : null });
  });

  const afterPost = async (request: FastifyRequest, reply: FastifyReply, act: (ret: Return, by: string) => Promise<unknown>) => {
    const number = (request.params as { number: string }).number.slice(0, 60);
    const reader = await readerOf(request);
    const ret = await getReturnFor(ctx.db, { shopId, number, reader });
    try {
      await act(ret, reader.customerId ? `customer:${reader.customerId}` : 'guest');
    } catch (error) {
      if (error instanceof DomainError) return renderReturn(request, reply, { error });
      throw error;
    }
    const token = reader.customerId ? '' : `token=${encodeURIComponent(reader.token ?? '')}&`;
    return reply.redirect(`${returnPagePath(ret.number)}?${token}saved=1`, 303);
  };

  app.post('/returns/:number/shipment-proof', { config: limited, preHandler: app.csrfProtection }, async (request, reply) =>
    afterPost(request, reply, async (ret, by) => recordReturnShipment(ctx.db, { shopId, returnNumber: ret.number, trackingNumber: field(request.body, 'trackingNumber'), by, now: await ctx.clock.now() })),
  );
  app.post('/returns/:number/refused-resend', { config: limited, preHandler: app.csrfProtection }, async (request, reply) =>
    afterPost(request, reply, async (ret, by) => requestRefusedResend(ctx.db, { shopId, returnNumber: ret.number, by, now: await ctx.clock.now() })),
  );
};

/** For the account's order page: the section above, with what it needs. */
export async function orderReturnsSection(ctx: AppContext, input: { lang: Language; order: Order }) {
  const now = await ctx.clock.now();
  const [options, returns] = await Promise.all([withdrawalOptions(ctx.db, { shopId: ctx.shop.id, order: input.order, now }), listReturnsOfOrder(ctx.db, { shopId: ctx.shop.id, order: input.order })]);
  return <OrderReturnsSection lang={input.lang} orderNumber={input.order.number} options={options} returns={returns} />;
}
