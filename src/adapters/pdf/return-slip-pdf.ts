// DOC-2 / WD-5 / WD-6: the return slip (« bon de retour ») a customer puts in
// the parcel: the return number, the order, the customer, the return address,
// the items coming back, the last day to send them (WD-6), the prepaid label
// where the shop provides one (WD-5) and the caller's notes (already in the
// slip's language). A pure adapter: what it prints is all in `content`.
import { addressLines, drawColumns, drawMentions, showDate, startDocument } from './document-layout.js';

export type ReturnSlipContent = {
  language: 'fr' | 'en';
  seller: { tradingName: string; companyName: string; address: { line1: string; postalCode?: string; city: string; country: string } };
  /** e.g. 'FA-2026-000012-R1' */
  returnNumber: string;
  orderNumber: string;
  /** YYYY-MM-DD */
  orderedOn: string;
  customer: { name: string; email: string };
  returnAddress: { name: string; line1: string; line2?: string; postalCode?: string; city: string; country: string };
  items: { sku: string; name: string; quantity: number }[];
  /** WD-6: the last day to send the goods back (YYYY-MM-DD). */
  sendBy: string;
  /** WD-5: the prepaid or emailed label, where the shop provides one. */
  label: { carrier: string; trackingNumber: string } | null;
  notes: string[];
};

const words = {
  fr: {
    title: 'BON DE RETOUR',
    returnNumber: 'Retour n°',
    order: 'Commande n°',
    orderedOn: 'du',
    customer: 'Client',
    returnTo: 'Adresse de retour',
    item: 'Article',
    sku: 'Référence',
    quantity: 'Qté',
    sendBy: (date: string) => `À renvoyer au plus tard le ${date}.`,
    label: (carrier: string, tracking: string) => `Étiquette de retour : ${carrier}, n° de suivi ${tracking}.`,
    noLabel: 'Renvoyez le colis par le transporteur de votre choix, en conservant la preuve de dépôt.',
    enclose: 'Joignez ce bon de retour au colis.',
  },
  en: {
    title: 'RETURN SLIP',
    returnNumber: 'Return no.',
    order: 'Order no.',
    orderedOn: 'of',
    customer: 'Customer',
    returnTo: 'Return address',
    item: 'Item',
    sku: 'SKU',
    quantity: 'Qty',
    sendBy: (date: string) => `Send back by ${date} at the latest.`,
    label: (carrier: string, tracking: string) => `Return label: ${carrier}, tracking number ${tracking}.`,
    noLabel: 'Send the parcel with the carrier of your choice and keep the proof of posting.',
    enclose: 'Put this slip in the parcel.',
  },
} as const;

/** DOC-2: the return slip PDF (see the header). */
export async function returnSlipPdf(content: ReturnSlipContent): Promise<Buffer> {
  const lang = content.language;
  const w = words[lang];
  const page = startDocument({ lang, title: `${w.title} ${content.returnNumber}`, author: content.seller.companyName, subject: `${w.order} ${content.orderNumber}` });
  const { doc, left, width, ensureRoom } = page;

  // The seller, top left; the title and references, top right.
  const s = content.seller;
  doc.font('bold').fontSize(14).text(s.tradingName, left, doc.page.margins.top, { width: width / 2 });
  doc.font('regular').fontSize(8.5);
  for (const line of [s.companyName, s.address.line1, [s.address.postalCode ?? '', s.address.city].filter(Boolean).join(' '), s.address.country]) doc.text(line, { width: width / 2 });
  const afterSeller = doc.y;
  doc.font('bold').fontSize(18).text(w.title, left + width / 2, doc.page.margins.top, { width: width / 2, align: 'right' });
  doc.font('bold').fontSize(12).text(`${w.returnNumber} ${content.returnNumber}`, left + width / 2, doc.y, { width: width / 2, align: 'right' });
  doc.font('regular').fontSize(9.5).text(`${w.order} ${content.orderNumber} ${w.orderedOn} ${showDate(content.orderedOn, lang)}`, left + width / 2, doc.y, { width: width / 2, align: 'right' });
  doc.y = Math.max(afterSeller, doc.y) + 16;

  drawColumns(page, [
    { heading: w.customer, lines: [content.customer.name, content.customer.email] },
    { heading: w.returnTo, lines: addressLines(content.returnAddress) },
  ]);

  // The items coming back.
  const cols = { name: width * 0.55, sku: width * 0.3, qty: width * 0.15 };
  const row = (cells: [string, string, string], font: 'regular' | 'bold') => {
    doc.font(font).fontSize(9.5);
    const height = Math.max(doc.heightOfString(cells[0], { width: cols.name - 6 }), 12);
    ensureRoom(height + 4);
    const y = doc.y;
    doc.text(cells[0], left, y, { width: cols.name - 6 });
    doc.text(cells[1], left + cols.name, y, { width: cols.sku - 6 });
    doc.text(cells[2], left + cols.name + cols.sku, y, { width: cols.qty, align: 'right' });
    doc.y = y + height + 4;
  };
  row([w.item, w.sku, w.quantity], 'bold');
  doc.moveTo(left, doc.y - 2).lineTo(left + width, doc.y - 2).lineWidth(0.5).stroke();
  for (const item of content.items) row([item.name, item.sku, String(item.quantity)], 'regular');
  doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(0.5).stroke();
  doc.y += 12;

  // WD-6 deadline, WD-5 label.
  doc.font('bold').fontSize(11).text(w.sendBy(showDate(content.sendBy, lang)), left, doc.y, { width });
  doc.y += 4;
  doc.font('regular').fontSize(10).text(content.label ? w.label(content.label.carrier, content.label.trackingNumber) : w.noLabel, left, doc.y, { width });
  doc.text(w.enclose, left, doc.y, { width });
  doc.y += 10;

  drawMentions(page, content.notes);
  return page.finish();
}
