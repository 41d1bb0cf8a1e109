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
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import type { InvoiceAddress, InvoiceContent } from '../../domain/invoices/invoice-content.js';
import { formatMoney, money } from '../../domain/money.js';

const fontDir = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const REGULAR = path.join(fontDir, 'DejaVuSans.ttf');
const BOLD = path.join(fontDir, 'DejaVuSans-Bold.ttf');

type Lang = 'fr' | 'en';

const words = {
  fr: {
    invoice: 'FACTURE',
    number: 'Facture n°',
    date: 'Date de facture',
    order: 'Commande n°',
    orderDate: 'Date de la vente',
    seller: 'Vendeur',
    buyer: 'Client',
    billing: 'Adresse de facturation',
    delivery: 'Adresse de livraison',
    capital: 'au capital de',
    vatNumber: 'N° TVA intracommunautaire',
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
    breakdown: 'Récapitulatif TVA',
    rate: 'Taux',
    base: 'Base HT',
    vat: 'TVA',
    totalExcl: 'Total HT',
    totalVat: 'Total TVA',
    total: 'Total TTC',
    totalNoVat: 'Total',
    gift: 'cadeau',
    professional: 'professionnel',
  },
  en: {
    invoice: 'INVOICE',
    number: 'Invoice no.',
    date: 'Invoice date',
    order: 'Order no.',
    orderDate: 'Date of sale',
    seller: 'Seller',
    buyer: 'Customer',
    billing: 'Billing address',
    delivery: 'Delivery address',
    capital: 'with a share capital of',
    vatNumber: 'EU VAT number',
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
    breakdown: 'VAT summary',
    rate: 'Rate',
    base: 'Net',
    vat: 'VAT',
    totalExcl: 'Total excl. VAT',
    totalVat: 'Total VAT',
    total: 'Total incl. VAT',
    totalNoVat: 'Total',
    gift: 'gift',
    professional: 'business',
  },
} as const;

function addressLines(a: InvoiceAddress): string[] {
  return [a.name, a.line1, a.line2 ?? '', [a.postalCode ?? '', a.city].filter(Boolean).join(' '), [a.region ?? '', a.country].filter(Boolean).join(' ')].filter((l) => l !== '');
}

/** A date YYYY-MM-DD as shown: 23/11/2026 (fr) or 23 Nov 2026 (en) — from the string, never shifted through a time zone. */
function showDate(date: string, lang: Lang): string {
  const [y, m, d] = date.split('-');
  if (lang === 'fr') return `${d}/${m}/${y}`;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(m) - 1];
  return `${Number(d)} ${month} ${y}`;
}

function showRate(basisPoints: number, lang: Lang): string {
  const text = (basisPoints / 100).toFixed(basisPoints % 100 === 0 ? 0 : basisPoints % 10 === 0 ? 1 : 2);
  return lang === 'fr' ? `${text.replace('.', ',')} %` : `${text}%`;
}

/** DOC-1: the PDF of an invoice (see the header). Deterministic for a given content. */
export async function renderInvoicePdf(content: InvoiceContent): Promise<Buffer> {
  const lang: Lang = content.language === 'en' ? 'en' : 'fr';
  const w = words[lang];
  const m = (amount: number) => formatMoney(money(amount, content.currency), lang);
  const issuedAt = new Date(content.issuedAt);
  const s = content.seller;
  const charged = content.vat.mode === 'included';

  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    compress: false,
    lang: lang === 'fr' ? 'fr-FR' : 'en-GB',
    info: { Title: `${w.invoice} ${content.number}`, Author: s.companyName, Subject: `${w.order} ${content.order.number}`, Producer: 'Comptoir', Creator: 'Comptoir', CreationDate: issuedAt, ModDate: issuedAt },
  });
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottom = doc.page.height - doc.page.margins.bottom;
  const ensureRoom = (height: number) => {
    if (doc.y + height > bottom) doc.addPage();
  };

  // Seller (ID-1) and title
  doc.font('bold').fontSize(14).text(s.companyName, left, doc.page.margins.top, { width: width / 2 });
  doc.font('regular').fontSize(8.5);
  const sellerLines = [
    `${s.legalForm}${s.shareCapital ? ` ${w.capital} ${m(s.shareCapital.amount)}` : ''}`,
    `${s.registry.kind} ${s.registry.city} ${s.registry.number}`,
    ...(s.siret ? [`SIRET ${s.siret}`] : []),
    ...(s.vatNumber ? [`${w.vatNumber} ${s.vatNumber}`] : []),
    ...addressLines(s.headOffice),
    `${s.email} — ${s.phone}`,
  ];
  for (const line of sellerLines) doc.text(line, { width: width / 2 });
  const afterSeller = doc.y;

  doc.font('bold').fontSize(18).text(w.invoice, left + width / 2, doc.page.margins.top, { width: width / 2, align: 'right' });
  doc.font('regular').fontSize(9.5);
  for (const line of [
    `${w.number} ${content.number}`,
    `${w.date} : ${showDate(content.issueDate, lang)}`,
    `${w.order} ${content.order.number}`,
    `${w.orderDate} : ${showDate(content.order.placedDate, lang)}`,
  ]) {
    doc.text(line, left + width / 2, doc.y, { width: width / 2, align: 'right' });
  }
  doc.y = Math.max(afterSeller, doc.y) + 16;

  // Buyer
  const top = doc.y;
  doc.font('bold').fontSize(9.5).text(`${w.buyer}${content.buyer.kind !== 'consumer' ? ` (${w.professional})` : ''} — ${w.billing}`, left, top, { width: width / 2 - 10 });
  doc.font('regular').fontSize(9);
  for (const line of [...addressLines(content.buyer.billingAddress), content.buyer.email]) doc.text(line, { width: width / 2 - 10 });
  const afterBilling = doc.y;
  doc.font('bold').fontSize(9.5).text(w.delivery, left + width / 2, top, { width: width / 2 });
  doc.font('regular').fontSize(9);
  for (const line of addressLines(content.buyer.deliveryAddress)) doc.text(line, left + width / 2, doc.y, { width: width / 2 });
  doc.y = Math.max(afterBilling, doc.y) + 16;

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
  const total = (label: string, amount: string, bold = false) => {
    ensureRoom(14);
    const y = doc.y;
    doc.font(bold ? 'bold' : 'regular').fontSize(bold ? 10.5 : 9.5);
    doc.text(label, left + width * 0.45, y, { width: width * 0.33, align: 'right' });
    doc.text(amount, left + width * 0.78, y, { width: width * 0.22, align: 'right' });
    doc.y = y + (bold ? 15 : 13);
  };
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
  if (charged) {
    ensureRoom(16 + 13 * (content.vat.breakdown.length + 1));
    doc.font('bold').fontSize(9.5).text(w.breakdown, left, doc.y);
    const line = (cells: [string, string, string, string], bold: boolean) => {
      const y = doc.y;
      doc.font(bold ? 'bold' : 'regular').fontSize(9);
      cells.forEach((cell, i) => doc.text(cell, left + i * (width / 4), y, { width: width / 4 - 6, align: i === 0 ? 'left' : 'right' }));
      doc.y = y + 12;
    };
    line([w.rate, w.base, w.vat, w.total], true);
    for (const r of content.vat.breakdown) line([showRate(r.rateBasisPoints, lang), m(r.base), m(r.vat), m(r.base + r.vat)], false);
    doc.y += 8;
  }

  // Mentions
  doc.font('regular').fontSize(8.5);
  const mentions = [content.mentions.vatExemption, content.mentions.paid, content.mentions.paymentDue, content.mentions.retentionOfTitle, content.mentions.latePayment].filter((t) => t != null);
  for (const text of mentions) {
    ensureRoom(doc.heightOfString(text[lang], { width }) + 4);
    doc.text(text[lang], left, doc.y, { width });
    doc.y += 4;
  }

  doc.end();
  return done;
}
