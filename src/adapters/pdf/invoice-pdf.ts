// DOC-1: the invoice PDF, rendered from the invoice's frozen content only (never
// from today's order, catalogue or policy), so the same invoice always gives
// the same bytes: the PDF dates and file id come from `issuedAt`, fonts are
// embedded (DejaVu Sans: the 14 standard PDF fonts have no € sign) and their
// subset names are derived from the document, not random.
//
// What it shows (French mentions, art. 242 nonies A annexe II CGI, L441-9 C.
// com.): the seller's identity (ID-1: company, legal form, share capital,
// registry, SIRET, VAT number, head office), the invoice number and date, the
// order number and date, the buyer, each line (description, quantity, unit
// price, VAT rate), the eco-fee shown separately (PR-3), discounts, shipping,
// the VAT breakdown per rate and the totals (PR-9) — or the exemption mention
// (PR-1: JW's franchise mention) —, the retention-of-title clause (PA-8) and,
// for a professional buyer, the late-payment penalties and the 40 EUR
// indemnity (L441-10). French unless the order was placed in English.
import type { InvoiceContent } from '../../domain/invoices/invoice-content.js';
import { drawBuyer, drawMentions, drawSeller, drawTitle, drawTotal, drawVatBreakdown, layoutWords, moneyIn, showDate, showRate, startDocument, type Lang } from './document-layout.js';

const words = {
  fr: {
    ...layoutWords.fr,
    invoice: 'FACTURE',
    number: 'Facture n°',
    date: 'Date de facture',
    order: 'Commande n°',
    orderDate: 'Date de la vente',
    description: 'Désignation',
    quantity: 'Qté',
    unitPrice: 'PU TTC',
    unitPriceNoVat: 'PU',
    vatRate: 'TVA',
    amount: 'Montant',
    ecoFee: 'dont éco-participation',
    ecoFees: 'Éco-participation (DEEE)',
    discount: 'remise',
    goods: 'Articles',
    discounts: 'Remises',
    shipping: 'Livraison',
    totalExcl: 'Total HT',
    totalVat: 'Total TVA',
    totalNoVat: 'Total',
    gift: 'cadeau',
  },
  en: {
    ...layoutWords.en,
    invoice: 'INVOICE',
    number: 'Invoice no.',
    date: 'Invoice date',
    order: 'Order no.',
    orderDate: 'Date of sale',
    description: 'Description',
    quantity: 'Qty',
    unitPrice: 'Unit price incl. VAT',
    unitPriceNoVat: 'Unit price',
    vatRate: 'VAT',
    amount: 'Amount',
    ecoFee: 'incl. eco-fee',
    ecoFees: 'Eco-fee (WEEE)',
    discount: 'discount',
    goods: 'Items',
    discounts: 'Discounts',
    shipping: 'Shipping',
    totalExcl: 'Total excl. VAT',
    totalVat: 'Total VAT',
    totalNoVat: 'Total',
    gift: 'gift',
  },
} as const;

/** DOC-1: the PDF of an invoice (see the header). Deterministic for a given content. */
export async function renderInvoicePdf(content: InvoiceContent): Promise<Buffer> {
  const lang: Lang = content.language === 'en' ? 'en' : 'fr';
  const w = words[lang];
  const m = moneyIn(content.currency, lang);
  const s = content.seller;
  const charged = content.vat.mode === 'included';

  const page = startDocument({ lang, title: `${w.invoice} ${content.number}`, author: s.companyName, subject: `${w.order} ${content.order.number}`, createdAt: new Date(content.issuedAt) });
  const { doc, left, width, ensureRoom } = page;

  // Seller (ID-1) and title
  drawSeller(page, s, lang, content.currency);
  drawTitle(page, w.invoice, [
    `${w.number} ${content.number}`,
    `${w.date} : ${showDate(content.issueDate, lang)}`,
    `${w.order} ${content.order.number}`,
    `${w.orderDate} : ${showDate(content.order.placedDate, lang)}`,
  ]);

  // Buyer
  drawBuyer(page, content.buyer, lang);

  // Lines: description | qty | unit price | VAT | amount
  const cols = charged
    ? { desc: width * 0.46, qty: width * 0.08, unit: width * 0.17, vat: width * 0.11, amount: width * 0.18 }
    : { desc: width * 0.55, qty: width * 0.08, unit: width * 0.18, vat: 0, amount: width * 0.19 };
  const x = { desc: left, qty: left + cols.desc, unit: left + cols.desc + cols.qty, vat: left + cols.desc + cols.qty + cols.unit, amount: left + width - cols.amount };
  const row = (cells: { desc: string; qty: string; unit: string; vat: string; amount: string }, font: 'regular' | 'bold') => {
    doc.font(font).fontSize(9);
    const height = Math.max(doc.heightOfString(cells.desc, { width: cols.desc - 6 }), 11);
    ensureRoom(height + 4);
    const y = doc.y;
    doc.text(cells.desc, x.desc, y, { width: cols.desc - 6 });
    doc.text(cells.qty, x.qty, y, { width: cols.qty, align: 'right' });
    doc.text(cells.unit, x.unit, y, { width: cols.unit, align: 'right' });
    if (charged) doc.text(cells.vat, x.vat, y, { width: cols.vat, align: 'right' });
    doc.text(cells.amount, x.amount, y, { width: cols.amount, align: 'right' });
    doc.y = y + height + 4;
  };
  row({ desc: w.description, qty: w.quantity, unit: charged ? w.unitPrice : w.unitPriceNoVat, vat: w.vatRate, amount: w.amount }, 'bold');
  doc.moveTo(left, doc.y - 2).lineTo(left + width, doc.y - 2).lineWidth(0.5).stroke();
  for (const l of content.lines) {
    const options = Object.entries(l.options).map(([k, v]) => `${k}: ${v}`).join(', ');
    const details = [
      `${l.description[lang]}${options ? ` (${options})` : ''}${l.isGift ? ` — ${w.gift}` : ''}`,
      `${l.sku}`,
      ...(l.ecoFee > 0 ? [`${w.ecoFee} : ${m(l.ecoFeePerUnit)} × ${l.quantity} = ${m(l.ecoFee)}`] : []),
      ...(l.discount > 0 ? [`${w.discount} : -${m(l.discount)}`] : []),
    ].join('\n');
    row({ desc: details, qty: String(l.quantity), unit: m(l.unitPrice), vat: l.vatRateBasisPoints === null ? '' : showRate(l.vatRateBasisPoints, lang), amount: m(l.total) }, 'regular');
  }
  row({ desc: `${w.shipping} — ${content.shipping.label[lang]}`, qty: '1', unit: m(content.shipping.amount), vat: charged && content.vat.breakdown.length === 1 ? showRate(content.vat.breakdown[0]!.rateBasisPoints, lang) : '', amount: m(content.shipping.amount) }, 'regular');
  doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(0.5).stroke();
  doc.y += 8;

  // Totals (PR-9): goods, eco-fees (PR-3), discounts, shipping, total
  const total = (label: string, amount: string, bold = false) => drawTotal(page, label, amount, bold);
  total(w.goods, m(content.goods));
  if (content.ecoFees > 0) total(w.ecoFees, m(content.ecoFees));
  if (content.discounts > 0) total(w.discounts, `-${m(content.discounts)}`);
  total(w.shipping, m(content.shipping.amount));
  if (charged) {
    total(w.totalExcl, m(content.vat.totalExclVat));
    total(w.totalVat, m(content.vat.totalVat));
  }
  total(charged ? w.total : w.totalNoVat, m(content.total), true);
  doc.y += 8;

  // VAT breakdown per rate — or the exemption mention (PR-1)
  if (charged) drawVatBreakdown(page, content.vat.breakdown, lang, content.currency);

  // Mentions
  const mentions = [content.mentions.vatExemption, content.mentions.paid, content.mentions.paymentDue, content.mentions.retentionOfTitle, content.mentions.latePayment].filter((t) => t != null);
  drawMentions(page, mentions.map((t) => t[lang]));
  return page.finish();
}
