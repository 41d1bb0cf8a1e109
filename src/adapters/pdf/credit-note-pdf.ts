// DOC-1 / RF-5: the PDF of a credit note (« avoir ») or of a complementary
// invoice, rendered from its frozen content only, so the same document always
// gives the same bytes (dates and file id from `issuedAt`).
//
// What it shows: the seller's identity as on the invoice (ID-1), the document
// number and date, the mandatory reference « Avoir n° … se rapportant à la
// facture n° … du … » (or « Facture complémentaire n° … »), the order, the
// buyer, the reason, each line (description, quantity, VAT rate, gross
// amount), the totals credited or charged, the VAT breakdown per rate (PR-9) —
// or the exemption mention (PR-1) — and, on a complementary invoice to a
// professional, the L441-10 penalties. French unless the order was in English.
import type { AdjustmentContent } from '../../domain/invoices/credit-note-content.js';
import { drawBuyer, drawMentions, drawSeller, drawTitle, drawTotal, drawVatBreakdown, layoutWords, moneyIn, showDate, showRate, startDocument, type Lang } from './document-layout.js';

const words = {
  fr: {
    ...layoutWords.fr,
    credit_note: { title: 'AVOIR', number: 'Avoir n°', date: 'Date de l\'avoir', total: 'Total de l\'avoir TTC', totalNoVat: 'Total de l\'avoir' },
    complementary_invoice: { title: 'FACTURE COMPLÉMENTAIRE', number: 'Facture complémentaire n°', date: 'Date de facture', total: 'Total TTC', totalNoVat: 'Total' },
    refersTo: (doc: string, invoice: string, date: string) => `${doc} se rapportant à la facture n° ${invoice} du ${date}`,
    order: 'Commande n°',
    orderDate: 'Date de la vente',
    reason: 'Motif',
    description: 'Désignation',
    quantity: 'Qté',
    vatRate: 'TVA',
    amount: 'Montant TTC',
    amountNoVat: 'Montant',
    totalExcl: 'Total HT',
    totalVat: 'Total TVA',
  },
  en: {
    ...layoutWords.en,
    credit_note: { title: 'CREDIT NOTE', number: 'Credit note no.', date: 'Credit note date', total: 'Total credited incl. VAT', totalNoVat: 'Total credited' },
    complementary_invoice: { title: 'COMPLEMENTARY INVOICE', number: 'Complementary invoice no.', date: 'Invoice date', total: 'Total incl. VAT', totalNoVat: 'Total' },
    refersTo: (doc: string, invoice: string, date: string) => `${doc} relating to invoice no. ${invoice} of ${date}`,
    order: 'Order no.',
    orderDate: 'Date of sale',
    reason: 'Reason',
    description: 'Description',
    quantity: 'Qty',
    vatRate: 'VAT',
    amount: 'Amount incl. VAT',
    amountNoVat: 'Amount',
    totalExcl: 'Total excl. VAT',
    totalVat: 'Total VAT',
  },
} as const;

/** DOC-1 / RF-5: the PDF of a credit note or complementary invoice (see the header). Deterministic for a given content. */
export async function renderCreditNotePdf(content: AdjustmentContent): Promise<Buffer> {
  const lang: Lang = content.language === 'en' ? 'en' : 'fr';
  const w = words[lang];
  const k = w[content.kind];
  const m = moneyIn(content.currency, lang);
  const charged = content.vat.mode === 'included';

  const page = startDocument({ lang, title: `${k.title} ${content.number}`, author: content.seller.companyName, subject: `${w.order} ${content.order.number}`, createdAt: new Date(content.issuedAt) });
  const { doc, left, width, ensureRoom } = page;

  drawSeller(page, content.seller, lang, content.currency);
  drawTitle(page, k.title, [
    `${k.number} ${content.number}`,
    `${k.date} : ${showDate(content.issueDate, lang)}`,
    `${w.order} ${content.order.number}`,
    `${w.orderDate} : ${showDate(content.order.placedDate, lang)}`,
  ]);
  drawBuyer(page, content.buyer, lang);

  // DOC-1: the invoice it refers to, and why.
  doc.font('bold').fontSize(10).text(w.refersTo(`${k.number} ${content.number}`, content.invoice.number, showDate(content.invoice.issueDate, lang)), left, doc.y, { width });
  doc.font('regular').fontSize(9.5).text(`${w.reason} : ${content.reason[lang]}`, left, doc.y + 2, { width });
  doc.y += 12;

  // Lines: description | qty | VAT | amount
  const cols = { desc: width * (charged ? 0.6 : 0.7), qty: width * 0.1, vat: charged ? width * 0.1 : 0, amount: width * 0.2 };
  const x = { qty: left + cols.desc, vat: left + cols.desc + cols.qty, amount: left + width - cols.amount };
  const row = (cells: { desc: string; qty: string; vat: string; amount: string }, font: 'regular' | 'bold') => {
    doc.font(font).fontSize(9);
    const height = Math.max(doc.heightOfString(cells.desc, { width: cols.desc - 6 }), 11);
    ensureRoom(height + 4);
    const y = doc.y;
    doc.text(cells.desc, left, y, { width: cols.desc - 6 });
    doc.text(cells.qty, x.qty, y, { width: cols.qty, align: 'right' });
    if (charged) doc.text(cells.vat, x.vat, y, { width: cols.vat, align: 'right' });
    doc.text(cells.amount, x.amount, y, { width: cols.amount, align: 'right' });
    doc.y = y + height + 4;
  };
  row({ desc: w.description, qty: w.quantity, vat: w.vatRate, amount: charged ? w.amount : w.amountNoVat }, 'bold');
  doc.moveTo(left, doc.y - 2).lineTo(left + width, doc.y - 2).lineWidth(0.5).stroke();
  for (const l of content.lines) {
    row(
      {
        desc: l.sku ? `${l.description[lang]}\n${l.sku}` : l.description[lang],
        qty: String(l.quantity),
        vat: l.vatRateBasisPoints === null ? '' : showRate(l.vatRateBasisPoints, lang),
        amount: m(l.amount),
      },
      'regular',
    );
  }
  doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(0.5).stroke();
  doc.y += 8;

  // Totals (PR-9)
  if (charged) {
    drawTotal(page, w.totalExcl, m(content.vat.totalExclVat));
    drawTotal(page, w.totalVat, m(content.vat.totalVat));
  }
  drawTotal(page, charged ? k.total : k.totalNoVat, m(content.total), true);
  doc.y += 8;
  if (charged) drawVatBreakdown(page, content.vat.breakdown, lang, content.currency);

  drawMentions(page, [content.mentions.vatExemption, content.mentions.latePayment].filter((t) => t != null).map((t) => t[lang]));
  return page.finish();
}
