// AV-2: the customer is told by email at once, in the order's language
// (French is the reference), whatever the policy does with units found
// unavailable (src/app/unavailability.ts): cancelled (and how the money comes
// back, RF-3), a question to answer (AV-1b wait or refund, AV-1c a substitute
// or a refund) with its link and last day, back-ordered (CAT-2), and the
// outcome of the customer's answer.
import { formatMoney, money, type Currency } from '../domain/money.js';
import type { EmailPayload } from './emails.js';
import { refundLines } from './fulfilment-emails.js';
import { legalDate, orderEmail, replyClosing } from './order-emails.js';
import type { SettledPayment } from './order-refunds.js';

type Lang = 'fr' | 'en';
type OrderFacts = { number: string; email: string; language: Lang; currency: Currency };
export type MissingUnits = { name: { fr: string; en: string }; options?: Record<string, string> | undefined; quantity: number };

const subjectOf = (order: OrderFacts) => (order.language === 'fr' ? `Commande ${order.number} : article indisponible` : `Order ${order.number}: item unavailable`);
/** « Crème de jour » (quantité : 2) / "Day cream" (quantity: 2): reads the same whatever the quantity. */
export function units(u: MissingUnits, lang: Lang): string {
  const options = Object.values(u.options ?? {}).join(', ');
  const name = `${lang === 'fr' ? u.name.fr : u.name.en}${options ? ` (${options})` : ''}`;
  return lang === 'fr' ? `« ${name} » (quantité : ${u.quantity})` : `"${name}" (quantity: ${u.quantity})`;
}

export type RefundFacts = { amount: number; dueOn: string | null; settlement: readonly SettledPayment[] };

/** RF-3: how the money of cancelled units comes back — or that it is never taken (capture at dispatch). */
function moneyLines(order: OrderFacts, refund: RefundFacts | null): string[] {
  const fr = order.language === 'fr';
  if (!refund || refund.amount === 0) return [fr ? 'Cet article ne vous sera pas facturé : rien ne vous est débité pour lui.' : 'This item will not be charged: nothing is taken for it.'];
  const lines = refundLines(order, refund.settlement);
  if (refund.dueOn) lines.push(fr ? `Le remboursement interviendra au plus tard le ${legalDate(refund.dueOn, 'fr')}.` : `The refund will be made by ${legalDate(refund.dueOn, 'en')} at the latest.`);
  return lines;
}

/** What becomes of the rest of the order. */
function restLine(order: OrderFacts, rest: 'ships_now' | 'already_shipped' | 'waits_for_answer' | 'none'): string[] {
  const fr = order.language === 'fr';
  switch (rest) {
    case 'ships_now':
      return [fr ? 'Les autres articles de votre commande vous sont expédiés sans attendre.' : 'The other items of your order are shipped to you without waiting.'];
    case 'already_shipped':
      return [fr ? 'Les autres articles de votre commande vous ont déjà été expédiés.' : 'The other items of your order have already been shipped to you.'];
    case 'waits_for_answer':
      return [fr ? 'Votre commande est expédiée en une seule fois : elle partira dès votre réponse.' : 'Your order ships in one parcel: it will leave as soon as you answer.'];
    case 'none':
      return [];
  }
}

/** AV-1a / AV-1b / AV-1c: units cancelled — at once by the terms, by the customer's choice, or without an answer in time. */
export function unitsCancelledEmail(
  order: OrderFacts,
  input: { missing: MissingUnits; why: 'terms' | 'gift' | 'customer_choice' | 'no_answer'; refund: RefundFacts | null; rest: 'ships_now' | 'already_shipped' | 'none' },
): EmailPayload {
  const fr = order.language === 'fr';
  const what = units(input.missing, order.language);
  const opening = {
    terms: fr ? `Nous sommes désolés : l'article ${what} de votre commande ${order.number} n'est plus disponible. Il est annulé.` : `We are sorry: the item ${what} of your order ${order.number} is no longer available. It is cancelled.`,
    gift: fr ? `Le cadeau ${what} de votre commande ${order.number} n'est plus disponible : il est retiré de la commande, qui n'est pas annulée pour autant.` : `The gift ${what} of your order ${order.number} is no longer available: it is removed from the order, which goes ahead.`,
    customer_choice: fr ? `Comme vous l'avez choisi, l'article ${what}, indisponible, est annulé de votre commande ${order.number}.` : `As you chose, the unavailable item ${what} is cancelled from your order ${order.number}.`,
    no_answer: fr
      ? `Sans réponse de votre part dans le délai indiqué, l'article ${what}, indisponible, est annulé de votre commande ${order.number}.`
      : `As we did not hear from you in time, the unavailable item ${what} is cancelled from your order ${order.number}.`,
  }[input.why];
  return orderEmail(order, subjectOf(order), [opening, ...moneyLines(order, input.refund), ...restLine(order, input.rest), '', replyClosing(order.language)]);
}

/**
 * AV-1b: wait for the item or cancel these units (refund); AV-1c: the
 * substitute offered (never dearer) or cancel with a full refund. The link
 * carries the customer's token; without an answer by `lastDay` the units are
 * cancelled (and the rest shipped).
 */
export function choiceRequestEmail(
  order: OrderFacts,
  input: {
    missing: MissingUnits;
    choices: readonly ('wait' | 'refund' | 'substitute')[];
    link: string;
    accountLink: string | null;
    lastDay: string;
    amount: number;
    substitute: { name: { fr: string; en: string }; options: Record<string, string>; total: number; difference: number } | null;
    rest: 'ships_now' | 'waits_for_answer';
  },
): EmailPayload {
  const fr = order.language === 'fr';
  const m = (minor: number) => formatMoney(money(minor, order.currency), order.language);
  const what = units(input.missing, order.language);
  const lines = [fr ? `Nous sommes désolés : l'article ${what} de votre commande ${order.number} n'est pas disponible pour le moment.` : `We are sorry: the item ${what} of your order ${order.number} is not available at the moment.`, ''];
  lines.push(fr ? 'Vous avez le choix :' : 'You may choose:');
  if (input.choices.includes('wait')) lines.push(fr ? `- attendre que l'article soit de nouveau disponible : il vous sera envoyé dès son arrivée ;` : '- wait until the item is available again: it will be sent as soon as it arrives;');
  if (input.choices.includes('substitute') && input.substitute) {
    const s = input.substitute;
    const instead = units({ name: s.name, options: s.options, quantity: input.missing.quantity }, order.language);
    lines.push(
      fr
        ? `- recevoir à la place l'article ${instead}, sans supplément${s.difference > 0 ? ` (la différence de ${m(s.difference)} vous est remboursée)` : ''} ;`
        : `- receive instead the item ${instead}, at no extra cost${s.difference > 0 ? ` (the difference of ${m(s.difference)} is refunded)` : ''};`,
    );
  }
  if (input.choices.includes('refund')) lines.push(fr ? `- annuler cet article : ${m(input.amount)} ne vous seront pas facturés, ou vous seront remboursés s'ils ont été débités.` : `- cancel this item: ${m(input.amount)} will not be charged, or will be refunded if already taken.`);
  lines.push('', fr ? `Donnez votre réponse ici : ${input.link}` : `Give your answer here: ${input.link}`);
  if (input.accountLink) lines.push(fr ? `(ou depuis votre compte : ${input.accountLink})` : `(or from your account: ${input.accountLink})`);
  lines.push(
    fr
      ? `Sans réponse de votre part au plus tard le ${legalDate(input.lastDay, 'fr')}, ${input.choices.includes('wait') ? 'nous vous expédierons les articles disponibles et annulerons celui-ci' : 'cet article sera annulé et remboursé'}.`
      : `Without an answer by ${legalDate(input.lastDay, 'en')}, ${input.choices.includes('wait') ? 'we will ship you the items available and cancel this one' : 'this item will be cancelled and refunded'}.`,
  );
  lines.push(...restLine(order, input.rest), '', replyClosing(order.language));
  return orderEmail(order, subjectOf(order), lines);
}

/** AV-1 (EL, CAT-2): the units are back-ordered and ship on arrival; nothing is cancelled. */
export function backOrderedEmail(order: OrderFacts, input: { missing: MissingUnits; expectedArrival: string | null }): EmailPayload {
  const fr = order.language === 'fr';
  const what = units(input.missing, order.language);
  const when = input.expectedArrival
    ? fr
      ? ` Arrivée prévue dans notre entrepôt : ${legalDate(input.expectedArrival, 'fr')}.`
      : ` Expected at our warehouse on ${legalDate(input.expectedArrival, 'en')}.`
    : '';
  return orderEmail(order, subjectOf(order), [
    fr ? `L'article ${what} de votre commande ${order.number} n'est pas en stock pour le moment : il est commandé auprès de notre fournisseur et vous sera expédié dès sa réception.${when}` : `The item ${what} of your order ${order.number} is out of stock at the moment: it is on order from our supplier and will be shipped to you as soon as it arrives.${when}`,
    fr ? 'Votre commande reste valable : rien n\'est annulé.' : 'Your order stands: nothing is cancelled.',
    '',
    replyClosing(order.language),
  ]);
}

/** AV-1b: the customer chose to wait. */
export function waitConfirmedEmail(order: OrderFacts, input: { missing: MissingUnits }): EmailPayload {
  const fr = order.language === 'fr';
  const what = units(input.missing, order.language);
  return orderEmail(order, subjectOf(order), [
    fr ? `C'est noté : vous attendez l'article ${what} de votre commande ${order.number}. Nous vous l'expédierons dès son arrivée.` : `Noted: you are waiting for the item ${what} of your order ${order.number}. We will ship it as soon as it arrives.`,
    fr ? 'Les autres articles disponibles vous sont expédiés sans attendre.' : 'The other items available are shipped to you without waiting.',
    '',
    replyClosing(order.language),
  ]);
}

/** AV-1c: the customer accepted the substitute. */
export function substitutedEmail(order: OrderFacts, input: { missing: MissingUnits; substitute: MissingUnits; refund: RefundFacts | null }): EmailPayload {
  const fr = order.language === 'fr';
  const lines = [
    fr
      ? `C'est noté : à la place de l'article ${units(input.missing, 'fr')}, vous recevrez l'article ${units(input.substitute, 'fr')}, sans supplément.`
      : `Noted: instead of the item ${units(input.missing, 'en')}, you will receive the item ${units(input.substitute, 'en')}, at no extra cost.`,
  ];
  if (input.refund && input.refund.amount > 0) lines.push(...moneyLines(order, input.refund));
  lines.push(fr ? 'Votre commande vous sera expédiée sans attendre.' : 'Your order will be shipped to you without waiting.', '', replyClosing(order.language));
  return orderEmail(order, subjectOf(order), lines);
}
