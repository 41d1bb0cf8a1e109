// The emails of a guarantee claim (GU-1…GU-5), in the order's language
// (French is the reference), and the merchant's alerts when a clock passes.
// Pure rendering: src/app/guarantee-claims.ts queues them in its transactions.
import { formatMoney, money } from '../domain/money.js';
import type { Policy } from '../policy/schema.js';
import type { EmailPayload } from './emails.js';
import { refundLines } from './fulfilment-emails.js';
import { legalDate, orderEmail, replyClosing } from './order-emails.js';
import type { SettledPayment } from './order-refunds.js';
import type { Order } from './orders.js';

type Lang = 'fr' | 'en';

/** What the emails need of a claim (src/app/guarantee-claims.ts GuaranteeClaim). */
export type ClaimFacts = {
  number: string;
  kind: 'conformity' | 'hidden_defect' | 'dead_on_arrival' | 'commercial';
  remedyAsked: string;
  name: { fr: string; en: string };
  quantity: number;
  coveredUntil: string;
  answerDueAt: Date | null;
  remedyDueOn: string | null;
  shipmentNumber: string;
};

const kindText: Readonly<Record<Lang, Record<ClaimFacts['kind'], string>>> = {
  fr: { conformity: 'garantie légale de conformité', hidden_defect: 'garantie des vices cachés', dead_on_arrival: 'garantie panne à la livraison (10 jours)', commercial: 'garantie commerciale' },
  en: { conformity: 'legal guarantee of conformity', hidden_defect: 'guarantee against hidden defects', dead_on_arrival: 'dead-on-arrival guarantee (10 days)', commercial: 'commercial guarantee' },
};

const remedyText: Readonly<Record<Lang, Record<string, string>>> = {
  fr: { repair: 'réparation', replace: 'remplacement', refund: 'remboursement', cancel_sale: 'annulation de la vente (remboursement intégral)', partial_refund: 'conservation du bien avec remboursement partiel', price_reduction: 'réduction du prix' },
  en: { repair: 'repair', replace: 'replacement', refund: 'refund', cancel_sale: 'cancelling the sale (full refund)', partial_refund: 'keeping the item with a partial refund', price_reduction: 'price reduction' },
};

const exclusionText: Readonly<Record<Lang, Record<string, string>>> = {
  fr: { modified: 'produit modifié', repaired_by_others: 'produit réparé par un tiers', misuse: 'mauvaise utilisation', accident: 'dommage accidentel' },
  en: { modified: 'product modified', repaired_by_others: 'product repaired by someone else', misuse: 'misuse', accident: 'accidental damage' },
};

export const guaranteeKindLabel = (lang: Lang, kind: ClaimFacts['kind']): string => kindText[lang][kind];
export const remedyLabel = (lang: Lang, remedy: string): string => remedyText[lang][remedy] ?? remedy;
export const exclusionLabel = (lang: Lang, exclusion: string): string => exclusionText[lang][exclusion] ?? exclusion;

const instant = (lang: Lang, at: Date, timeZone: string) => new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone }).format(at);
const amountText = (order: Order, minor: number) => formatMoney(money(minor, order.currency), order.language);
const item = (lang: Lang, c: ClaimFacts) => `${c.quantity} × ${c.name[lang]}`;

/** GU-1/GU-2/GU-4: the claim is recorded, with the guarantee relied on and the dates the shop must keep. */
export function guaranteeFiledEmail(order: Order, c: ClaimFacts, timeZone: string): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  return orderEmail(order, fr ? `Votre demande de garantie ${c.number} est enregistrée` : `Your guarantee claim ${c.number} is recorded`, [
    fr ? `Nous avons bien reçu votre demande ${c.number} (commande ${order.number}) au titre de la ${kindText.fr[c.kind]} :` : `We have received your claim ${c.number} (order ${order.number}) under the ${kindText.en[c.kind]}:`,
    `- ${item(lang, c)}`,
    fr ? `Solution demandée : ${remedyText.fr[c.remedyAsked]}.` : `Remedy asked: ${remedyText.en[c.remedyAsked]}.`,
    fr ? `Garantie valable jusqu’au ${legalDate(c.coveredUntil, 'fr')} inclus.` : `Guarantee valid until ${legalDate(c.coveredUntil, 'en')} inclusive.`,
    ...(c.answerDueAt ? [fr ? `Nous vous répondrons au plus tard le ${instant('fr', c.answerDueAt, timeZone)}.` : `We will answer by ${instant('en', c.answerDueAt, timeZone)} at the latest.`] : []),
    ...(c.remedyDueOn
      ? [
          fr
            ? `La solution doit être mise en œuvre sans frais pour vous au plus tard le ${legalDate(c.remedyDueOn, 'fr')} ; à défaut, vous pourrez demander une réduction du prix ou la résolution de la vente.`
            : `The remedy is due free of charge by ${legalDate(c.remedyDueOn, 'en')} at the latest; failing that, you may ask for a price reduction or to terminate the sale.`,
        ]
      : []),
    '',
    replyClosing(lang),
  ]);
}

export type DecisionFacts = {
  outcome: 'repair' | 'replace' | 'refund' | 'price_reduction' | 'refuse';
  reason: string | null;
  exclusion: string | null;
  replacementImposed: boolean;
  replacementShipment: string | null;
  refund: { amount: number; dueOn: string | null; settlement: readonly SettledPayment[] } | null;
};

/** The merchant's decision: the repair to come, the replacement parcel, the money back, or the refusal with its reason. */
export function guaranteeDecidedEmail(order: Order, c: ClaimFacts, d: DecisionFacts, policy: Pick<Policy, 'identity'>): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  const head = fr ? `Votre demande de garantie ${c.number} (commande ${order.number}, ${item('fr', c)}) :` : `Your guarantee claim ${c.number} (order ${order.number}, ${item('en', c)}):`;
  const lines: string[] = [head];
  let subject: string;
  if (d.outcome === 'repair') {
    subject = fr ? `Garantie ${c.number} : réparation` : `Guarantee ${c.number}: repair`;
    lines.push(
      fr ? 'nous réparons l’article, sans frais pour vous. Envoyez-le ou déposez-le à notre service après-vente :' : 'we will repair the item, free of charge. Send it or bring it to our after-sales service:',
      policy.identity.customerService.email,
      fr ? 'La garantie est suspendue pendant l’immobilisation du bien et prolongée de 6 mois après la réparation.' : 'The guarantee is suspended while the item is with us and extended by 6 months after the repair.',
    );
  } else if (d.outcome === 'replace') {
    subject = fr ? `Garantie ${c.number} : remplacement` : `Guarantee ${c.number}: replacement`;
    lines.push(fr ? `nous vous envoyons un article de remplacement (colis ${d.replacementShipment}), sans frais.` : `we are sending you a replacement (parcel ${d.replacementShipment}), free of charge.`);
    if (d.replacementImposed) lines.push(fr ? 'L’article de remplacement bénéficie d’une nouvelle garantie légale de conformité de 2 ans.' : 'The replacement has a new 2-year legal guarantee of conformity.');
  } else if (d.outcome === 'refuse') {
    subject = fr ? `Garantie ${c.number} : réponse` : `Guarantee ${c.number}: our answer`;
    lines.push(fr ? 'après examen, nous ne pouvons pas y donner suite.' : 'having looked into it, we cannot accept it.', fr ? `Motif : ${d.reason}` : `Reason: ${d.reason}`);
    if (d.exclusion) lines.push(fr ? `Exclusion de garantie : ${exclusionText.fr[d.exclusion]}.` : `Guarantee exclusion: ${exclusionText.en[d.exclusion]}.`);
    if (c.kind !== 'hidden_defect') {
      lines.push(fr ? 'Vous pouvez demander une réduction du prix ou, sauf défaut mineur, la résolution de la vente.' : 'You may ask for a price reduction or, unless the defect is minor, to terminate the sale.');
    }
  } else {
    subject = fr ? `Garantie ${c.number} : remboursement` : `Guarantee ${c.number}: refund`;
    lines.push(d.outcome === 'price_reduction' ? (fr ? 'nous vous accordons une réduction du prix.' : 'we grant you a price reduction.') : fr ? 'nous vous remboursons l’article.' : 'we refund the item.');
    if (d.refund && d.refund.amount > 0) {
      lines.push(fr ? `Montant remboursé : ${amountText(order, d.refund.amount)}.` : `Amount refunded: ${amountText(order, d.refund.amount)}.`, ...refundLines(order, d.refund.settlement));
      if (d.refund.dueOn) lines.push(fr ? `Le remboursement interviendra au plus tard le ${legalDate(d.refund.dueOn, 'fr')}.` : `The refund will be made by ${legalDate(d.refund.dueOn, 'en')} at the latest.`);
    }
  }
  lines.push('', replyClosing(lang));
  return orderEmail(order, subject, lines);
}

/** GU-1: the item is with us (the guarantee is suspended) / given back (repaired: +6 months). */
export function guaranteeItemEmail(order: Order, c: ClaimFacts, step: 'received' | 'returned', coveredUntil: string): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  if (step === 'received') {
    return orderEmail(order, fr ? `Garantie ${c.number} : article reçu` : `Guarantee ${c.number}: item received`, [
      fr ? `Nous avons reçu votre article (${item('fr', c)}) pour réparation. La garantie légale est suspendue jusqu’à sa restitution.` : `We have received your item (${item('en', c)}) for repair. The legal guarantee is suspended until it is given back.`,
      '',
      replyClosing(lang),
    ]);
  }
  return orderEmail(order, fr ? `Garantie ${c.number} : article réparé` : `Guarantee ${c.number}: item repaired`, [
    fr ? `Votre article (${item('fr', c)}) est réparé et vous est restitué.` : `Your item (${item('en', c)}) is repaired and given back to you.`,
    fr ? `Garantie légale de conformité prolongée jusqu’au ${legalDate(coveredUntil, 'fr')} inclus (immobilisation et 6 mois après réparation).` : `Legal guarantee of conformity extended until ${legalDate(coveredUntil, 'en')} inclusive (time with us and 6 months after the repair).`,
    fr ? 'Si le défaut persiste, vous pouvez demander une réduction du prix ou la résolution de la vente.' : 'If the defect persists, you may ask for a price reduction or to terminate the sale.',
    '',
    replyClosing(lang),
  ]);
}

/** GU-1: the shipping costs the customer paid for a conformity repair, refunded. */
export function shippingRefundEmail(order: Order, c: ClaimFacts, refund: { amount: number; dueOn: string | null; settlement: readonly SettledPayment[] }): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  return orderEmail(order, fr ? `Garantie ${c.number} : frais d’envoi remboursés` : `Guarantee ${c.number}: shipping costs refunded`, [
    fr ? `Nous vous remboursons les frais d’envoi payés pour la réparation : ${amountText(order, refund.amount)}.` : `We refund the shipping costs you paid for the repair: ${amountText(order, refund.amount)}.`,
    ...refundLines(order, refund.settlement),
    ...(refund.dueOn ? [fr ? `Au plus tard le ${legalDate(refund.dueOn, 'fr')}.` : `By ${legalDate(refund.dueOn, 'en')} at the latest.`] : []),
    '',
    replyClosing(lang),
  ]);
}

/** GU-1: the remedy is overdue — the customer may now ask a price reduction or termination. */
export function remedyOverdueEmail(order: Order, c: ClaimFacts): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  return orderEmail(order, fr ? `Garantie ${c.number} : délai de 30 jours dépassé` : `Guarantee ${c.number}: 30-day limit passed`, [
    fr
      ? `La solution à votre demande ${c.number} devait être mise en œuvre au plus tard le ${legalDate(c.remedyDueOn!, 'fr')}. Ce délai est dépassé : vous pouvez demander une réduction du prix ou, sauf défaut mineur, la résolution de la vente avec remboursement. Répondez à ce message pour nous indiquer votre choix.`
      : `The remedy to your claim ${c.number} was due by ${legalDate(c.remedyDueOn!, 'en')}. That limit has passed: you may ask for a price reduction or, unless the defect is minor, to terminate the sale with a refund. Reply to this message with your choice.`,
    '',
    replyClosing(lang),
  ]);
}

/** To the merchant (customer service address): a clock of a claim has passed. */
export function merchantAlertEmail(policy: Pick<Policy, 'identity' | 'shop'>, order: Order, c: ClaimFacts, clock: 'answer' | 'remedy'): EmailPayload {
  const subject = clock === 'answer' ? `[Garantie] Réponse en retard : ${c.number}` : `[Garantie] Délai de solution dépassé : ${c.number}`;
  const text = [
    `Demande ${c.number} (commande ${order.number}, ${kindText.fr[c.kind]}) : ${item('fr', c)}.`,
    clock === 'answer'
      ? `La réponse promise (GU-4) était due le ${c.answerDueAt ? instant('fr', c.answerDueAt, policy.shop.timeZone) : '—'} et n’a pas été donnée.`
      : `La solution (GU-1, 30 jours) était due le ${c.remedyDueOn ? legalDate(c.remedyDueOn, 'fr') : '—'} : le client peut demander une réduction du prix ou la résolution.`,
    `Back-office : /admin/guarantee-claims/${encodeURIComponent(c.number)}`,
  ].join('\n');
  return { to: policy.identity.customerService.email, subject, text, html: null, language: 'fr', related: { kind: 'order', id: order.number } };
}
