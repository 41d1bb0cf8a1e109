// The customer's emails about a withdrawal and its return, in the order's
// language (French is the reference): the acknowledgment (WD-4: the content of
// the statement and the date and time it was sent, on a durable medium), the
// return label (WD-5), the inspection and refund (WD-8, RF-1…RF-6), the
// reminder to send the goods (WD-6), the end of the keeping of refused items
// (WD-8). Pure rendering; the callers queue them (DOC-5: kept as sent).
import { formatMoney, money, type Currency } from '../domain/money.js';
import type { Policy } from '../policy/schema.js';
import type { EmailPayload } from './emails.js';
import { refundLines } from './fulfilment-emails.js';
import { legalDate, orderEmail, replyClosing } from './order-emails.js';
import type { Order } from './orders.js';
import type { Return } from './returns.js';

type Lang = 'fr' | 'en';
type Mail = Pick<Order, 'email' | 'language' | 'number' | 'currency' | 'paymentMethod'>;

const amountOf = (minor: number, currency: Currency, lang: Lang) => formatMoney(money(minor, currency), lang);

/** "5 décembre 2026 à 21:14 (Europe/Paris)" — the instant a statement was sent, in the shop's time zone. */
export function sentAtText(at: Date, timeZone: string, lang: Lang): string {
  const day = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone }).format(at);
  const time = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZone }).format(at);
  return lang === 'fr' ? `${day} à ${time} (${timeZone})` : `${day} at ${time} (${timeZone})`;
}

const itemLines = (lang: Lang, lines: Return['lines'], units: (l: Return['lines'][number]) => number = (l) => l.quantity) =>
  lines.filter((l) => units(l) > 0).map((l) => `- ${units(l)} × ${l.name[lang]} (${l.sku})`);

const addressText = (r: Return) => [r.returnAddress.name, r.returnAddress.line1, r.returnAddress.line2, `${r.returnAddress.postalCode ?? ''} ${r.returnAddress.city}`.trim(), r.returnAddress.country].filter(Boolean).join(', ');

const channelText: Record<Lang, Record<Return['channel'], string>> = {
  fr: { withdrawal_function: 'fonction de rétractation du site', email: 'e-mail', letter: 'courrier', model_form: 'formulaire de rétractation' },
  en: { withdrawal_function: 'the withdrawal function of the website', email: 'email', letter: 'letter', model_form: 'model withdrawal form' },
};

/** WD-4: the acknowledgment, at once — the statement as received, when it was sent, and what happens next (WD-5, WD-6, RF-1). */
export function withdrawalAcknowledgmentEmail(order: Mail, policy: Pick<Policy, 'identity' | 'withdrawal'>, r: Return, at: { timeZone: string; link: string }): EmailPayload {
  const { timeZone, link } = at;
  const lang = order.language;
  const fr = lang === 'fr';
  const exchange = r.purpose === 'exchange';
  const subject = exchange
    ? fr ? `Demande d'échange ${r.number} : accusé de réception` : `Exchange request ${r.number}: acknowledgment of receipt`
    : fr ? `Rétractation ${r.number} : accusé de réception` : `Withdrawal ${r.number}: acknowledgment of receipt`;
  const lines = [
    fr
      ? `Nous accusons réception de votre ${exchange ? "demande d'échange" : 'déclaration de rétractation'} pour la commande ${order.number}.`
      : `We acknowledge receipt of your ${exchange ? 'exchange request' : 'withdrawal statement'} for order ${order.number}.`,
    '',
    fr ? 'Contenu de votre déclaration :' : 'Content of your statement:',
    fr
      ? `« Je vous notifie par la présente ma rétractation du contrat portant sur la vente des biens ci-dessous. »`
      : `"I hereby give notice that I withdraw from my contract of sale of the following goods."`,
    fr ? `Nom : ${r.name}` : `Name: ${r.name}`,
    fr ? `Commande : ${order.number}` : `Order: ${order.number}`,
    fr ? 'Articles :' : 'Items:',
    ...itemLines(lang, r.lines),
    fr ? `Envoyée par : ${channelText.fr[r.channel]}` : `Sent by: ${channelText.en[r.channel]}`,
    fr ? `Date et heure d'envoi : ${sentAtText(r.sentAt, timeZone, 'fr')}` : `Date and time sent: ${sentAtText(r.sentAt, timeZone, 'en')}`,
    '',
    fr ? `Numéro de retour : ${r.number}` : `Return number: ${r.number}`,
    fr ? `Adresse de retour : ${addressText(r)}` : `Return address: ${addressText(r)}`,
    fr
      ? `Merci de renvoyer les articles au plus tard le ${legalDate(r.sendBy, 'fr')}, avec le bon de retour (téléchargeable depuis votre commande).`
      : `Please send the items back by ${legalDate(r.sendBy, 'en')} at the latest, with the return slip (downloadable from your order).`,
    policy.withdrawal.returnCost.paidBy === 'customer'
      ? fr ? 'Les frais de retour sont à votre charge.' : 'The return costs are yours.'
      : fr ? 'Les frais de retour sont à notre charge.' : 'We bear the return costs.',
    ...(policy.withdrawal.returnLabel !== 'none' ? [fr ? 'Votre étiquette de retour vous est envoyée dans un e-mail séparé.' : 'Your return label follows in a separate email.'] : []),
    fr
      ? `Nous vous rembourserons au plus tard le ${legalDate(r.refundDueOn, 'fr')} ; nous pouvons attendre d'avoir reçu les articles ou la preuve de leur expédition.`
      : `We will refund you by ${legalDate(r.refundDueOn, 'en')} at the latest; we may wait until we have received the items or proof that you sent them.`,
    fr ? `Suivre votre retour et télécharger le bon de retour : ${link}` : `Follow your return and download the return slip: ${link}`,
    ...(r.refundTo === 'store_credit' ? [fr ? 'À votre demande, le remboursement prendra la forme d’un avoir sur votre compte client.' : 'At your request, the refund will be store credit in your customer account.'] : []),
    '',
    replyClosing(lang),
  ];
  return orderEmail(order, subject, lines);
}

/** WD-5: the return label (FR: prepaid; EL: with the reference). */
export function returnLabelEmail(order: Mail, policy: Pick<Policy, 'withdrawal'>, r: Return): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  const label = r.label!;
  const cost = policy.withdrawal.returnLabelCost;
  return orderEmail(order, fr ? `Votre étiquette de retour ${r.number}` : `Your return label ${r.number}`, [
    fr ? `Voici l'étiquette de retour de votre retour ${r.number} (commande ${order.number}).` : `Here is the return label of your return ${r.number} (order ${order.number}).`,
    fr ? `Transporteur : ${label.carrier} — numéro : ${label.trackingNumber}` : `Carrier: ${label.carrier} — number: ${label.trackingNumber}`,
    fr ? `Suivi : ${label.trackingUrl}` : `Tracking: ${label.trackingUrl}`,
    fr ? `Référence à indiquer sur le colis : ${r.number}` : `Reference to write on the parcel: ${r.number}`,
    ...(label.prepaid && cost && cost.amount > 0
      ? [fr ? `Cette étiquette est prépayée ; son coût (${formatMoney(cost, 'fr')}) sera déduit de votre remboursement.` : `This label is prepaid; its cost (${formatMoney(cost, 'en')}) will be deducted from your refund.`]
      : []),
    fr ? `À déposer au plus tard le ${legalDate(r.sendBy, 'fr')}.` : `To drop off by ${legalDate(r.sendBy, 'en')} at the latest.`,
    '',
    replyClosing(lang),
  ]);
}

const outcomeText: Record<Lang, Record<'accepted' | 'depreciated' | 'refused', string>> = {
  fr: { accepted: 'accepté', depreciated: 'accepté avec dépréciation', refused: 'refusé' },
  en: { accepted: 'accepted', depreciated: 'accepted with a depreciation', refused: 'refused' },
};

/** WD-8 / RF-1…RF-6: what was accepted, what is refunded and how, and where refused items wait. */
export function returnInspectedEmail(order: Mail, policy: Pick<Policy, 'withdrawal'>, r: Return): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  const c = r.currency;
  const refund = r.refund!;
  const lines = [
    fr ? `Nous avons reçu et examiné votre retour ${r.number} (commande ${order.number}) :` : `We have received and inspected your return ${r.number} (order ${order.number}):`,
    ...r.lines.map((l) => {
      const base = `- ${l.quantity} × ${l.name[lang]} : ${outcomeText[lang][l.outcome ?? 'accepted']}`;
      if (l.outcome === 'depreciated') return `${base} (${amountOf(l.depreciation, c, lang)} — ${l.reason})`;
      if (l.outcome === 'refused') return `${base} — ${l.reason}`;
      return base;
    }),
    '',
  ];
  if (refund.refund > 0 || refund.itemsTotal > 0) {
    lines.push(fr ? `Articles : ${amountOf(refund.itemsTotal, c, lang)}` : `Items: ${amountOf(refund.itemsTotal, c, lang)}`);
    if (refund.depreciationTotal > 0) lines.push(fr ? `Dépréciation : −${amountOf(refund.depreciationTotal, c, lang)}` : `Depreciation: −${amountOf(refund.depreciationTotal, c, lang)}`);
    if (refund.alreadyRefundedTotal > 0) lines.push(fr ? `Réduction de prix déjà remboursée : −${amountOf(refund.alreadyRefundedTotal, c, lang)}` : `Price reduction already refunded: −${amountOf(refund.alreadyRefundedTotal, c, lang)}`);
    lines.push(fr ? `Frais de livraison initiaux remboursés : ${amountOf(refund.shipping.amount, c, lang)}` : `Initial delivery cost refunded: ${amountOf(refund.shipping.amount, c, lang)}`);
    for (const charge of refund.charges) {
      lines.push(
        charge.kind === 'gift_kept'
          ? fr ? `Cadeau conservé, facturé à son prix initial : −${amountOf(charge.amount, c, lang)}` : `Gift kept, charged at its initial price: −${amountOf(charge.amount, c, lang)}`
          : fr ? `Articles conservés refacturés sans la remise : −${amountOf(charge.amount, c, lang)}` : `Kept items re-priced without the discount: −${amountOf(charge.amount, c, lang)}`,
      );
    }
    if (refund.returnLabelCost > 0) lines.push(fr ? `Étiquette de retour prépayée : −${amountOf(refund.returnLabelCost, c, lang)}` : `Prepaid return label: −${amountOf(refund.returnLabelCost, c, lang)}`);
    lines.push(fr ? `Montant remboursé : ${amountOf(refund.refund, c, lang)}` : `Amount refunded: ${amountOf(refund.refund, c, lang)}`);
    if (refund.owed > 0) lines.push(fr ? `Reste dû (facture complémentaire) : ${amountOf(refund.owed, c, lang)}` : `Still owed (complementary invoice): ${amountOf(refund.owed, c, lang)}`);
    if (refund.executed > 0) lines.push(...refundLines(order as Order, refund.settlement));
    if (!refund.customerBankFeesRefunded) {
      lines.push(fr ? 'Les frais de change ou bancaires prélevés par votre banque ne sont pas remboursés.' : 'Currency-conversion or bank fees charged by your own bank are not refunded.');
    }
    if (refund.lateSurcharge > 0) {
      lines.push(
        fr
          ? `Ce remboursement intervient ${refund.daysLate} jour(s) après la date légale : la majoration légale (article L242-4 du Code de la consommation) de ${amountOf(refund.lateSurcharge, c, lang)} vous est due ; répondez à ce message en nous indiquant l'IBAN du compte sur lequel nous vous la versons.`
          : `This refund comes ${refund.daysLate} day(s) after its legal date: the statutory surcharge (article L242-4 of the French Consumer Code) of ${amountOf(refund.lateSurcharge, c, lang)} is owed to you; reply to this message with the IBAN of the account we should pay it to.`,
      );
    }
    lines.push(fr ? 'Votre avoir (document comptable) est disponible depuis votre commande.' : 'Your credit note is available from your order.');
  }
  if (r.refusedKeptUntil) {
    const where = policy.withdrawal.refusedReturns.where === 'customer_arranges_collection';
    lines.push(
      '',
      fr
        ? `Les articles refusés restent à votre disposition jusqu'au ${legalDate(r.refusedKeptUntil, 'fr')}${where ? ' : merci d’organiser leur enlèvement' : ' dans notre entrepôt'} ; sur demande, nous pouvons vous les renvoyer à vos frais.`
        : `The refused items are kept for you until ${legalDate(r.refusedKeptUntil, 'en')}${where ? ': please arrange their collection' : ' at our warehouse'}; on request we can send them back to you at your cost.`,
    );
  }
  lines.push('', replyClosing(lang));
  return orderEmail(order, fr ? `Votre retour ${r.number} : remboursement` : `Your return ${r.number}: refund`, lines);
}

/** WD-6: the days to send the goods back have passed with neither goods nor proof of shipment. */
export function sendBackOverdueEmail(order: Mail, r: Return): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  return orderEmail(order, fr ? `Votre retour ${r.number} : articles non reçus` : `Your return ${r.number}: items not received`, [
    fr
      ? `Le délai pour nous renvoyer les articles de votre retour ${r.number} a pris fin le ${legalDate(r.sendBy, 'fr')}, et nous n'avons reçu ni les articles ni la preuve de leur expédition.`
      : `The time to send back the items of your return ${r.number} ended on ${legalDate(r.sendBy, 'en')}, and we have received neither the items nor proof that you sent them.`,
    ...itemLines(lang, r.lines),
    fr
      ? 'Nous effectuerons le remboursement dès réception des articles ou de la preuve de leur expédition (numéro de suivi, à indiquer depuis votre commande).'
      : 'We will refund you as soon as we receive the items or proof that you sent them (the tracking number, to enter from your order).',
    '',
    replyClosing(lang),
  ]);
}

/** WD-8: the keeping period of the refused items ended. */
export function refusedKeepingOverEmail(order: Mail, r: Return): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  return orderEmail(order, fr ? `Votre retour ${r.number} : articles refusés` : `Your return ${r.number}: refused items`, [
    fr
      ? `La période pendant laquelle nous conservions les articles refusés de votre retour ${r.number} a pris fin le ${legalDate(r.refusedKeptUntil!, 'fr')}.`
      : `The period during which we kept the refused items of your return ${r.number} ended on ${legalDate(r.refusedKeptUntil!, 'en')}.`,
    ...itemLines(lang, r.lines.filter((l) => l.outcome === 'refused')),
    '',
    replyClosing(lang),
  ]);
}
