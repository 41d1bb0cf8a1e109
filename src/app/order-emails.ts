// OR-5 / DOC-5: the order confirmation email, FR/EN, text and HTML (every value
// escaped). Everything OR-5 lists: the number, the lines, the totals with the
// VAT, the shipping cost, the delivery method and its estimated dates, the
// payment method and when the money is taken (PA-3), the PA-5 instructions of a
// bank transfer, the customer's data with the delivery address, the withdrawal
// information (WD-1/WD-2 period the engine applies, WD-4 withdrawal function)
// and the model withdrawal form (Annex I(B) of Directive 2011/83/EU; French
// annex to article R221-1 of the Code de la consommation). Pure rendering: the
// caller queues it (src/app/orders.ts) and the outbox stores it as sent.
import type { CheckedAddress } from '../domain/customers/address-rules.js';
import { formatMoney, money, type Money } from '../domain/money.js';
import type { Period, Policy } from '../policy/schema.js';
import type { EmailPayload } from './emails.js';
import type { Order, OrderLanguage, OrderPaymentMethod, PlacedOrder } from './orders.js';

type Lang = OrderLanguage;

/** The last line of the customer's emails about an order. */
export const replyClosing = (lang: Lang): string => (lang === 'fr' ? 'Pour toute question, répondez simplement à ce message.' : 'For any question, simply reply to this message.');

/** A plain-text email to the customer about an order, in its language, linked to it (DOC-5: kept as sent). */
export function orderEmail(order: { email: string; language: Lang; number: string }, subject: string, lines: readonly string[]): EmailPayload {
  return { to: order.email, subject, text: lines.join('\n'), html: null, language: order.language, related: { kind: 'order', id: order.number } };
}
type ShippingDetails = { label: { fr: string; en: string }; carrier?: string; estimate: { earliest: string; latest: string } };
type VatRow = { rateBasisPoints: number; base: number; vat: number; treatment?: string };

const locale = (lang: Lang) => (lang === 'fr' ? 'fr-FR' : 'en-GB');

/** A legal date (YYYY-MM-DD) as words, never shifted through the local time zone. */
export function legalDate(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
}

/** A VAT rate in basis points as the language writes it ("5,5" / "5.5"), for emails and pages alike. */
export const rateLabel = (bp: number, lang: Lang): string => new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 2 }).format(bp / 100);

/** WD-1/WD-2: "14 calendar days" / « 14 jours calendaires ». */
export function withdrawalPeriodText(period: Period, lang: Lang): string {
  const kinds =
    lang === 'fr'
      ? { calendar: 'jours calendaires', working: 'jours ouvrés', working_and_saturdays: 'jours ouvrables' }
      : { calendar: 'calendar days', working: 'working days', working_and_saturdays: 'working days (Saturdays included)' };
  return `${period.days} ${kinds[period.kind]}`;
}

export function paymentMethodText(method: OrderPaymentMethod, lang: Lang): string {
  const fr = lang === 'fr';
  return {
    card: fr ? 'Carte bancaire' : 'Bank card',
    wallet: fr ? 'Portefeuille électronique' : 'E-wallet',
    bank_transfer: fr ? 'Virement bancaire' : 'Bank transfer',
    instalments: fr ? 'Paiement en plusieurs fois' : 'Payment in instalments',
    deferred: fr ? 'Paiement différé (compte professionnel)' : 'Deferred payment (business account)',
    store_credit: fr ? 'Avoir' : 'Store credit',
  }[method];
}

/**
 * PA-4: the warning French consumer-credit law requires wherever credit is
 * offered (art. L312-5 Code de la consommation, as amended for Directive
 * 2023/2225 from 20 November 2026): credit costs money and must be repaid.
 */
export function creditWarning(lang: Lang): string {
  return lang === 'fr'
    ? 'Un crédit vous engage et doit être remboursé. Vérifiez vos capacités de remboursement avant de vous engager.'
    : 'Borrowing money costs money and must be repaid. Check that you can repay it before committing.';
}

/** PA-4: the shares of a plan as the customer reads them: the first at shipment, the next ones a month apart. */
export function instalmentSharesText(partner: string, shares: readonly Money[], lang: Lang): string[] {
  const fr = lang === 'fr';
  const when = (i: number) =>
    i === 0 ? (fr ? "prélevée à l'expédition de la commande" : 'taken when the order is shipped') : fr ? `${i} mois plus tard, le même jour` : `${i} month${i > 1 ? 's' : ''} later, on the same day`;
  return [
    fr ? `${shares.length} échéances sans frais avec ${partner} :` : `${shares.length} instalments without fees with ${partner}:`,
    ...shares.map((share, i) => `${i + 1}. ${formatMoney(share, lang)} — ${when(i)}`),
    fr ? 'Vous disposez de 14 jours pour vous rétracter du crédit.' : 'You have 14 days to withdraw from the credit agreement.',
    creditWarning(lang),
  ];
}

/** PA-3: when the money is taken, as the customer reads it. */
export function debitText(policy: Pick<Policy, 'payment'>, method: OrderPaymentMethod, lang: Lang): string {
  const fr = lang === 'fr';
  if (method === 'bank_transfer') {
    return fr ? 'La commande est préparée à réception de votre virement.' : 'The order is prepared once your transfer has arrived.';
  }
  if (method === 'instalments') {
    // PA-4: the first share is taken when shipment is confirmed.
    return fr ? "Rien n'est prélevé à la commande : la première échéance l'est à l'expédition." : 'Nothing is taken when you order: the first instalment is taken at dispatch.';
  }
  if (method === 'deferred') {
    return fr ? 'La facture est émise à la commande et payable par virement à son échéance.' : 'The invoice is issued with the order and payable by bank transfer by its due date.';
  }
  if (method === 'store_credit') return fr ? 'Votre avoir est débité à la commande.' : 'Your store credit is used when you order.';
  const card = method === 'card';
  if (policy.payment.capture === 'at_dispatch') {
    if (fr) return `${card ? 'Votre carte est autorisée' : 'Le paiement est autorisé'} à la commande ; le débit a lieu à l'expédition, pour les seuls articles expédiés.`;
    return `${card ? 'Your card is authorised' : 'The payment is authorised'} when you order; the debit happens at dispatch, for the shipped items only.`;
  }
  if (fr) return `${card ? 'Votre carte est débitée' : 'Votre compte est débité'} à la commande, dès l'autorisation du paiement.`;
  return `${card ? 'Your card is debited' : 'Your account is debited'} when you order, as soon as the payment is authorised.`;
}

/** WD-4: where the withdrawal function is (and, in the email, the form that follows). */
export function withdrawalFunctionText(lang: Lang, where: 'email' | 'page' = 'email'): string {
  const fr = lang === 'fr';
  const form =
    where === 'email'
      ? fr
        ? 'le formulaire ci-dessous'
        : 'the form below'
      : fr
        ? "le formulaire de rétractation joint à l'e-mail de confirmation"
        : 'the withdrawal form attached to the confirmation email';
  return fr
    ? `Vous pourrez exercer ce droit en ligne depuis la page de votre commande, avec la fonction « renoncer au contrat ici », pendant tout le délai ; vous pouvez aussi nous adresser ${form} ou toute déclaration dénuée d'ambiguïté.`
    : `You can withdraw online from your order page, with the "withdraw from contract here" function, for the whole period; you may also send us ${form} or any other unambiguous statement.`;
}

export function addressLines(a: CheckedAddress): string[] {
  return [a.name, a.line1, a.line2, `${a.postalCode} ${a.city}`.trim(), a.region, a.country, a.phone].filter((x): x is string => Boolean(x));
}

/** The model withdrawal form, the trader's details filled in. */
export function modelWithdrawalForm(policy: Pick<Policy, 'identity'>, lang: Lang): { title: string; lines: string[] } {
  const id = policy.identity;
  const office = id.returnAddress ?? id.headOffice;
  const trader = [id.companyName, [office.line1, office.line2, `${office.postalCode} ${office.city}`, office.country].filter(Boolean).join(', '), id.customerService.email].join(', ');
  return lang === 'fr'
    ? {
        title: 'Formulaire de rétractation',
        lines: [
          '(Veuillez compléter et renvoyer le présent formulaire uniquement si vous souhaitez vous rétracter du contrat.)',
          `À l'attention de ${trader} :`,
          'Je/Nous (*) vous notifie/notifions (*) par la présente ma/notre (*) rétractation du contrat portant sur la vente du bien (*)/pour la prestation de services (*) ci-dessous :',
          'Commandé le (*)/reçu le (*) :',
          'Nom du (des) consommateur(s) :',
          'Adresse du (des) consommateur(s) :',
          'Signature du (des) consommateur(s) (uniquement en cas de notification du présent formulaire sur papier) :',
          'Date :',
          '(*) Rayez la mention inutile.',
        ],
      }
    : {
        title: 'Model withdrawal form',
        lines: [
          '(Complete and return this form only if you wish to withdraw from the contract.)',
          `To ${trader}:`,
          'I/We (*) hereby give notice that I/We (*) withdraw from my/our (*) contract of sale of the following goods (*)/for the provision of the following service (*),',
          'Ordered on (*)/received on (*),',
          'Name of consumer(s),',
          'Address of consumer(s),',
          'Signature of consumer(s) (only if this form is notified on paper),',
          'Date',
          '(*) Delete as appropriate.',
        ],
      };
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** OR-5: the confirmation email of an order just placed. */
export function orderConfirmationEmail(
  policy: Pick<Policy, 'identity' | 'payment'>,
  order: Order,
  withdrawal: Period,
  bankTransfer: PlacedOrder['bankTransfer'],
  arrangements: { instalments?: { partner: string; shares: readonly Money[] } | null; deferred?: PlacedOrder['deferred'] } = {},
): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  const colon = fr ? '\u00a0: ' : ': ';
  const m = (amount: number): string => formatMoney(money(amount, order.currency), lang);
  const mm = (x: Money): string => formatMoney(x, lang);
  const shipping = order.shippingDetails as ShippingDetails;
  const vat = (Array.isArray(order.vatBreakdown) ? order.vatBreakdown : []) as VatRow[];
  const estimate =
    shipping.estimate.earliest === shipping.estimate.latest
      ? `${fr ? 'livraison estimée le' : 'estimated delivery on'} ${legalDate(shipping.estimate.earliest, lang)}`
      : `${fr ? 'livraison estimée entre le' : 'estimated delivery between'} ${legalDate(shipping.estimate.earliest, lang)} ${fr ? 'et le' : 'and'} ${legalDate(shipping.estimate.latest, lang)}`;
  const form = modelWithdrawalForm(policy, lang);

  // Each section: a heading and its lines (text), shared by both versions.
  const lineText = (l: Order['lines'][number]) => {
    const options = Object.values(l.options).join(', ');
    return `${l.name[lang]}${options ? ` (${options})` : ''} — ${fr ? 'réf.' : 'SKU'} ${l.sku} — ${l.quantity} × ${m(l.unitPrice)} = ${m(l.total)}${l.isGift ? (fr ? ' (cadeau)' : ' (gift)') : ''}`;
  };
  const totals = [
    `${fr ? 'Articles' : 'Items'}${colon}${m(order.goods)}`,
    ...(order.ecoFees > 0 ? [`${fr ? 'Éco-participation' : 'Eco-fee'}${colon}${m(order.ecoFees)}`] : []),
    ...(order.discounts > 0 ? [`${fr ? 'Remises' : 'Discounts'}${colon}−${m(order.discounts)}`] : []),
    `${fr ? 'Livraison' : 'Shipping'}${colon}${order.shipping === 0 ? (fr ? 'offerte' : 'free') : m(order.shipping)}`,
    `${fr ? 'Total TTC' : 'Total incl. VAT'}${colon}${m(order.total)}`,
    ...vat.filter((r) => r.vat > 0).map((r) => `${fr ? `dont TVA ${rateLabel(r.rateBasisPoints, lang)} %` : `incl. VAT ${rateLabel(r.rateBasisPoints, lang)}%`}${colon}${m(r.vat)}`),
  ];
  const sections: { title: string; lines: string[] }[] = [
    { title: fr ? 'Votre commande' : 'Your order', lines: order.lines.map(lineText) },
    { title: fr ? 'Montants' : 'Amounts', lines: totals },
    { title: fr ? 'Livraison' : 'Delivery', lines: [`${shipping.label[lang]}${colon}${order.shipping === 0 ? (fr ? 'offerte' : 'free') : m(order.shipping)} — ${estimate}`] },
    {
      title: fr ? 'Paiement' : 'Payment',
      lines: [
        paymentMethodText(order.paymentMethod, lang),
        debitText(policy, order.paymentMethod, lang),
        ...(bankTransfer
          ? [
              fr ? 'Virement à effectuer :' : 'Please transfer:',
              `${fr ? 'Montant' : 'Amount'}${colon}${mm(bankTransfer.amount)}`,
              `${fr ? 'Titulaire' : 'Account holder'}${colon}${bankTransfer.holder}`,
              `IBAN${colon}${bankTransfer.iban}`,
              `BIC${colon}${bankTransfer.bic}`,
              `${fr ? 'Référence à indiquer' : 'Reference'}${colon}${bankTransfer.reference}`,
              fr
                ? `Sans réception au plus tard le ${legalDate(bankTransfer.lastDay, lang)}, la commande sera annulée.`
                : `Without the money by ${legalDate(bankTransfer.lastDay, lang)}, the order is cancelled.`,
            ]
          : []),
        ...(arrangements.instalments ? instalmentSharesText(arrangements.instalments.partner, arrangements.instalments.shares, lang) : []),
        ...(arrangements.deferred
          ? [
              fr
                ? `Facture payable au plus tard le ${legalDate(arrangements.deferred.dueOn, lang)}, par virement avec la référence ${arrangements.deferred.reference}.`
                : `Invoice payable by ${legalDate(arrangements.deferred.dueOn, lang)}, by bank transfer with the reference ${arrangements.deferred.reference}.`,
              `${fr ? 'Titulaire' : 'Account holder'}${colon}${arrangements.deferred.holder}`,
              `IBAN${colon}${arrangements.deferred.iban}`,
              `BIC${colon}${arrangements.deferred.bic}`,
            ]
          : []),
      ],
    },
    {
      title: fr ? 'Vos coordonnées' : 'Your details',
      lines: [
        order.email,
        `${fr ? 'Adresse de livraison' : 'Delivery address'}${colon}${addressLines(order.deliveryAddress).join(', ')}`,
        `${fr ? 'Adresse de facturation' : 'Billing address'}${colon}${addressLines(order.billingAddress).join(', ')}`,
      ],
    },
    {
      title: fr ? 'Droit de rétractation' : 'Right of withdrawal',
      lines: [
        fr
          ? `Vous disposez de ${withdrawalPeriodText(withdrawal, lang)} à compter de la réception du dernier article pour vous rétracter, sans avoir à justifier de motif.`
          : `You have ${withdrawalPeriodText(withdrawal, lang)} from receipt of the last item to withdraw from the contract, without giving any reason.`,
        withdrawalFunctionText(lang),
      ],
    },
    form,
  ];
  const intro = fr ? `Merci pour votre commande ${order.number}.` : `Thank you for your order ${order.number}.`;
  const signature = `${policy.identity.tradingName} — ${policy.identity.companyName} — ${policy.identity.customerService.email} · ${policy.identity.customerService.phone}`;

  const text = [intro, '', ...sections.flatMap((s) => [s.title, '-'.repeat(s.title.length), ...s.lines.map((l) => (s === form ? l : `- ${l}`)), '']), signature].join('\n');
  const html = [
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(order.number)}</title></head><body>`,
    `<p>${escapeHtml(intro)}</p>`,
    ...sections.map((s) =>
      s === form
        ? `<section class="withdrawal-form"><h2>${escapeHtml(s.title)}</h2>${s.lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</section>`
        : `<h2>${escapeHtml(s.title)}</h2><ul>${s.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`,
    ),
    `<p>${escapeHtml(signature)}</p>`,
    '</body></html>',
  ].join('\n');
  return {
    to: order.email,
    subject: fr ? `Confirmation de votre commande ${order.number}` : `Your order ${order.number} is confirmed`,
    text,
    html,
    language: lang,
    related: { kind: 'order', id: order.number },
  };
}
