// The customer's emails of fulfilment, in the order's language (French is the
// reference): dispatch with carrier and tracking (SH-5), a parcel waiting to
// be collected (SH-7), an uncollected parcel and its refund (SH-7), and the
// lines every refund email shares (RF-3: how the money comes back).
import { formatMoney, money, type Currency } from '../domain/money.js';
import type { EmailPayload } from './emails.js';
import { legalDate, orderEmail, replyClosing } from './order-emails.js';
import type { SettledPayment } from './order-refunds.js';

type Lang = 'fr' | 'en';
type OrderFacts = { number: string; email: string; language: Lang; currency: Currency };
export type ShippedLine = { name: { fr: string; en: string }; quantity: number };


/** SH-5: the parcel left, with its carrier, tracking number and link, and what it contains. */
export function dispatchEmail(
  order: OrderFacts,
  shipment: { number: string; carrier: string; trackingNumber: string; trackingUrl: string; methodKind: string; pickupPoint: string | null },
  lines: readonly ShippedLine[],
  remaining: number,
): EmailPayload {
  const fr = order.language === 'fr';
  const items = lines.map((l) => `- ${l.quantity} × ${fr ? l.name.fr : l.name.en}`);
  const where = shipment.pickupPoint ? [fr ? `Point de retrait : ${shipment.pickupPoint}` : `Collection point: ${shipment.pickupPoint}`] : [];
  const rest = remaining > 0 ? [fr ? `Les ${remaining} autres articles de la commande suivront dans un autre colis.` : `The other ${remaining} items of the order will follow in another parcel.`] : [];
  return orderEmail(order, fr ? `Votre commande ${order.number} est expédiée` : `Your order ${order.number} has shipped`, [
    fr ? `Votre colis ${shipment.number} a été remis au transporteur ${shipment.carrier}.` : `Your parcel ${shipment.number} was handed to the carrier ${shipment.carrier}.`,
    fr ? `Numéro de suivi : ${shipment.trackingNumber}` : `Tracking number: ${shipment.trackingNumber}`,
    fr ? `Suivre le colis : ${shipment.trackingUrl}` : `Track the parcel: ${shipment.trackingUrl}`,
    ...where,
    '',
    fr ? 'Contenu du colis :' : 'In this parcel:',
    ...items,
    ...rest,
    '',
    fr ? 'Vous pouvez aussi suivre vos commandes depuis votre compte.' : 'You can also follow your orders from your account.',
    replyClosing(order.language),
  ]);
}

/**
 * SH-7: the parcel waits to be collected until the end of the window; what to
 * bring (FA store pickup: ID and this email — only the customer may collect);
 * a warehouse collection is paid already (EL: no payment on site).
 */
export function availabilityEmail(
  order: OrderFacts,
  input: { shipmentNumber: string; where: string; lastDay: string; requires: readonly ('identity_document' | 'availability_email')[]; methodKind: string },
): EmailPayload {
  const fr = order.language === 'fr';
  const bring: string[] = [];
  if (input.requires.includes('identity_document')) bring.push(fr ? "une pièce d'identité à votre nom" : 'an identity document in your name');
  if (input.requires.includes('availability_email')) bring.push(fr ? 'ce message' : 'this email');
  const lines = [
    fr ? `Votre colis ${input.shipmentNumber} (commande ${order.number}) vous attend : ${input.where}.` : `Your parcel ${input.shipmentNumber} (order ${order.number}) is waiting for you: ${input.where}.`,
    fr ? `Vous pouvez le retirer jusqu'au ${legalDate(input.lastDay, 'fr')} inclus.` : `You can collect it until ${legalDate(input.lastDay, 'en')} inclusive.`,
  ];
  if (bring.length > 0) lines.push(fr ? `Présentez ${bring.join(' et ')}.` : `Please bring ${bring.join(' and ')}.`);
  if (input.methodKind === 'store_pickup') lines.push(fr ? 'Seul le titulaire de la commande peut retirer le colis.' : 'Only the person who placed the order may collect the parcel.');
  if (input.methodKind === 'warehouse_collection') lines.push(fr ? 'La commande est déjà réglée : aucun paiement sur place.' : 'The order is already paid: no payment on site.');
  lines.push(
    fr ? "Passé ce délai, le colis est retourné et la commande vous est remboursée dans les conditions de nos CGV." : 'After that date the parcel is sent back and the order is refunded under our terms of sale.',
    '',
    replyClosing(order.language),
  );
  return orderEmail(order, fr ? `Votre colis ${input.shipmentNumber} est disponible` : `Your parcel ${input.shipmentNumber} is ready to collect`, lines);
}

/**
 * SH-7 (FA): the store is told a parcel is on its way for a customer who will
 * collect it — in French, the staff's language; sent to the shop's service
 * address (the catalogue's stores have no address of their own).
 */
export function storeNoticeEmail(input: { to: string; store: string; shipmentNumber: string; orderNumber: string; customerName: string; trackingNumber: string; lines: readonly ShippedLine[] }): EmailPayload {
  return {
    to: input.to,
    subject: `[${input.store}] Colis ${input.shipmentNumber} à remettre en magasin`,
    text: [
      `Le colis ${input.shipmentNumber} (commande ${input.orderNumber}, suivi ${input.trackingNumber}) est en route vers ${input.store}.`,
      `À remettre uniquement à ${input.customerName}, sur présentation d'une pièce d'identité et de l'e-mail de mise à disposition.`,
      '',
      ...input.lines.map((l) => `- ${l.quantity} × ${l.name.fr}`),
      '',
      "À son arrivée, enregistrez-le comme disponible depuis l'écran du colis : le client est alors prévenu et le délai de retrait commence.",
    ].join('\n'),
    html: null,
    language: 'fr',
    related: { kind: 'order', id: input.orderNumber },
  };
}

/** RF-3: how each payment gives the money back. */
export function refundLines(order: OrderFacts, settlement: readonly SettledPayment[]): string[] {
  const fr = order.language === 'fr';
  const amount = (minor: number) => formatMoney(money(minor, order.currency), order.language);
  return settlement.map((s) => {
    switch (s.action) {
      case 'provider_refund':
        return fr ? `${amount(s.amount)} vous sont remboursés sur votre moyen de paiement.` : `${amount(s.amount)} is refunded to your payment method.`;
      case 'transfer_due':
        return fr
          ? `${amount(s.amount)} vous seront remboursés par virement : répondez à ce message en nous indiquant l'IBAN du compte à créditer.`
          : `${amount(s.amount)} will be refunded by bank transfer: reply to this message with the IBAN of the account to credit.`;
      case 'plan_reduced':
        return fr ? `Vos prochaines échéances sont réduites de ${amount(s.amount)}.` : `Your next instalments are reduced by ${amount(s.amount)}.`;
      case 'partner_refund':
        return fr ? `${amount(s.amount)} vous sont remboursés par l'organisme de financement.` : `${amount(s.amount)} is refunded by the financing partner.`;
      case 'store_credit': // RF-4: at the customer's request
        return fr ? `${amount(s.amount)} vous sont rendus en avoir, disponible sur votre compte client.` : `${amount(s.amount)} is given back as store credit, available in your customer account.`;
      case 'store_credit_released': // RF-3: what was paid with store credit goes back to it
        return fr ? `${amount(s.amount)} payés avec votre avoir y sont recrédités.` : `${amount(s.amount)} paid with your store credit is credited back to it.`;
    }
  });
}

/** SH-7: the window ended and the parcel goes back; the refund follows its return. */
export function sentBackEmail(order: OrderFacts, shipmentNumber: string): EmailPayload {
  const fr = order.language === 'fr';
  return orderEmail(order, fr ? `Colis ${shipmentNumber} non retiré` : `Parcel ${shipmentNumber} not collected`, [
    fr
      ? `Votre colis ${shipmentNumber} (commande ${order.number}) n'a pas été retiré dans le délai : il nous est retourné.`
      : `Your parcel ${shipmentNumber} (order ${order.number}) was not collected in time: it is on its way back to us.`,
    fr ? 'Vous serez remboursé dès son retour.' : 'You will be refunded as soon as it is back.',
    '',
    replyClosing(order.language),
  ]);
}

/**
 * A parcel came back and what it carried is refunded: SH-7 not collected in
 * time (the policy's fee kept), or SH-8 refused / returned by the carrier
 * (nothing the customer failed to do, no fee).
 */
export function parcelBackEmail(
  order: OrderFacts,
  input: { shipmentNumber: string; uncollected: boolean; feeKept: number; dueOn: string | null; settlement: readonly SettledPayment[] },
): EmailPayload {
  const fr = order.language === 'fr';
  const n = input.shipmentNumber;
  const amount = (minor: number) => formatMoney(money(minor, order.currency), order.language);
  const [subject, opening] = input.uncollected
    ? [
        fr ? `Colis ${n} non retiré` : `Parcel ${n} not collected`,
        fr ? `Votre colis ${n} (commande ${order.number}) n'a pas été retiré dans le délai : il nous est revenu.` : `Your parcel ${n} (order ${order.number}) was not collected in time: it came back to us.`,
      ]
    : [fr ? `Colis ${n} revenu` : `Parcel ${n} came back`, fr ? `Votre colis ${n} (commande ${order.number}) nous est revenu.` : `Your parcel ${n} (order ${order.number}) came back to us.`];
  return orderEmail(order, subject, [
    opening,
    ...refundLines(order, input.settlement),
    ...(input.feeKept > 0 ? [fr ? `Conformément à nos CGV, ${amount(input.feeKept)} de frais sont retenus.` : `As our terms of sale state, a fee of ${amount(input.feeKept)} is kept.`] : []),
    ...(input.dueOn ? [fr ? `Le remboursement interviendra au plus tard le ${legalDate(input.dueOn, 'fr')}.` : `The refund will be made by ${legalDate(input.dueOn, 'en')} at the latest.`] : []),
    '',
    replyClosing(order.language),
  ]);
}
