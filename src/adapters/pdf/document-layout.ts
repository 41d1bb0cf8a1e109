// The layout shared by the shop's PDF documents (invoice, credit note,
// complementary invoice, return slip): an A4 page with embedded fonts (DejaVu
// Sans: the 14 standard PDF fonts have no € sign; subset names derived from the
// document, so a document with a fixed creation date always gives the same
// bytes), the seller block (ID-1), the title block, the buyer block, total
// rows, the VAT breakdown (PR-9) and the mentions.
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import type { InvoiceAddress, InvoiceContent } from '../../domain/invoices/invoice-content.js';
import { formatMoney, money, type Currency } from '../../domain/money.js';

const fontDir = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const REGULAR = path.join(fontDir, 'DejaVuSans.ttf');
const BOLD = path.join(fontDir, 'DejaVuSans-Bold.ttf');

export type Lang = 'fr' | 'en';

/** The words of the shared blocks. */
export const layoutWords = {
  fr: {
    buyer: 'Client',
    professional: 'professionnel',
    billing: 'Adresse de facturation',
    delivery: 'Adresse de livraison',
    capital: 'au capital de',
    vatNumber: 'N° TVA intracommunautaire',
    breakdown: 'Récapitulatif TVA',
    rate: 'Taux',
    base: 'Base HT',
    vat: 'TVA',
    total: 'Total TTC',
  },
  en: {
    buyer: 'Customer',
    professional: 'business',
    billing: 'Billing address',
    delivery: 'Delivery address',
    capital: 'with a share capital of',
    vatNumber: 'EU VAT number',
    breakdown: 'VAT summary',
    rate: 'Rate',
    base: 'Net',
    vat: 'VAT',
    total: 'Total incl. VAT',
  },
} as const;

export function addressLines(a: InvoiceAddress): string[] {
  return [a.name, a.line1, a.line2 ?? '', [a.postalCode ?? '', a.city].filter(Boolean).join(' '), [a.region ?? '', a.country].filter(Boolean).join(' ')].filter((l) => l !== '');
}

/** A date YYYY-MM-DD as shown: 23/11/2026 (fr) or 23 Nov 2026 (en) — from the string, never shifted through a time zone. */
export function showDate(date: string, lang: Lang): string {
  const [y, m, d] = date.split('-');
  if (lang === 'fr') return `${d}/${m}/${y}`;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(m) - 1];
  return `${Number(d)} ${month} ${y}`;
}

export function showRate(basisPoints: number, lang: Lang): string {
  const text = (basisPoints / 100).toFixed(basisPoints % 100 === 0 ? 0 : basisPoints % 10 === 0 ? 1 : 2);
  return lang === 'fr' ? `${text.replace('.', ',')} %` : `${text}%`;
}

/** Amounts in minor units as shown in `lang`: « 1 234,50 € » / "€1,234.50". */
export const moneyIn = (currency: Currency, lang: Lang) => (amount: number) => formatMoney(money(amount, currency), lang);

export type Page = {
  doc: PDFKit.PDFDocument;
  left: number;
  width: number;
  /** A new page when `height` does not fit above the bottom margin. */
  ensureRoom(height: number): void;
  /** Ends the document: its bytes. */
  finish(): Promise<Buffer>;
};

/** An A4 document with the fonts registered. `createdAt` fixes the PDF dates and file id (deterministic bytes); without it pdfkit stamps the current time. */
export function startDocument(info: { lang: Lang; title: string; author: string; subject: string; createdAt?: Date }): Page {
  const dates = info.createdAt ? { CreationDate: info.createdAt, ModDate: info.createdAt } : {};
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    compress: false,
    lang: info.lang === 'fr' ? 'fr-FR' : 'en-GB',
    info: { Title: info.title, Author: info.author, Subject: info.subject, Producer: 'Comptoir', Creator: 'Comptoir', ...dates },
  });
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const bottom = doc.page.height - doc.page.margins.bottom;
  return {
    doc,
    left: doc.page.margins.left,
    width: doc.page.width - doc.page.margins.left - doc.page.margins.right,
    ensureRoom: (height) => {
      if (doc.y + height > bottom) doc.addPage();
    },
    finish: () => {
      doc.end();
      return done;
    },
  };
}

/** ID-1: the seller's identity, top left. */
export function drawSeller(page: Page, s: InvoiceContent['seller'], lang: Lang, currency: Currency): void {
  const { doc, left, width } = page;
  const w = layoutWords[lang];
  const m = moneyIn(currency, lang);
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
}

/** The title and its reference lines, top right; leaves `doc.y` below the taller of it and what is already at the left. */
export function drawTitle(page: Page, title: string, lines: readonly string[]): void {
  const { doc, left, width } = page;
  const afterLeft = doc.y;
  doc.font('bold').fontSize(18).text(title, left + width / 2, doc.page.margins.top, { width: width / 2, align: 'right' });
  doc.font('regular').fontSize(9.5);
  for (const line of lines) doc.text(line, left + width / 2, doc.y, { width: width / 2, align: 'right' });
  doc.y = Math.max(afterLeft, doc.y) + 16;
}

/** Two columns of lines under a bold heading each (buyer's billing and delivery addresses, customer and return address). */
export function drawColumns(page: Page, columns: readonly [{ heading: string; lines: readonly string[] }, { heading: string; lines: readonly string[] }]): void {
  const { doc, left, width } = page;
  const top = doc.y;
  const [first, second] = columns;
  doc.font('bold').fontSize(9.5).text(first.heading, left, top, { width: width / 2 - 10 });
  doc.font('regular').fontSize(9);
  for (const line of first.lines) doc.text(line, { width: width / 2 - 10 });
  const afterFirst = doc.y;
  doc.font('bold').fontSize(9.5).text(second.heading, left + width / 2, top, { width: width / 2 });
  doc.font('regular').fontSize(9);
  for (const line of second.lines) doc.text(line, left + width / 2, doc.y, { width: width / 2 });
  doc.y = Math.max(afterFirst, doc.y) + 16;
}

/** The buyer: billing address and email, delivery address. */
export function drawBuyer(page: Page, buyer: InvoiceContent['buyer'], lang: Lang): void {
  const w = layoutWords[lang];
  drawColumns(page, [
    { heading: `${w.buyer}${buyer.kind !== 'consumer' ? ` (${w.professional})` : ''} — ${w.billing}`, lines: [...addressLines(buyer.billingAddress), buyer.email] },
    { heading: w.delivery, lines: addressLines(buyer.deliveryAddress) },
  ]);
}

/** One row of the totals, right-aligned. */
export function drawTotal(page: Page, label: string, amount: string, bold = false): void {
  const { doc, left, width } = page;
  page.ensureRoom(14);
  const y = doc.y;
  doc.font(bold ? 'bold' : 'regular').fontSize(bold ? 10.5 : 9.5);
  doc.text(label, left + width * 0.45, y, { width: width * 0.33, align: 'right' });
  doc.text(amount, left + width * 0.78, y, { width: width * 0.22, align: 'right' });
  doc.y = y + (bold ? 15 : 13);
}

/** PR-9: the VAT breakdown per rate (rate, base, VAT, gross). */
export function drawVatBreakdown(page: Page, rows: InvoiceContent['vat']['breakdown'], lang: Lang, currency: Currency): void {
  const { doc, left, width } = page;
  const w = layoutWords[lang];
  const m = moneyIn(currency, lang);
  page.ensureRoom(16 + 13 * (rows.length + 1));
  doc.font('bold').fontSize(9.5).text(w.breakdown, left, doc.y);
  const line = (cells: [string, string, string, string], bold: boolean) => {
    const y = doc.y;
    doc.font(bold ? 'bold' : 'regular').fontSize(9);
    cells.forEach((cell, i) => doc.text(cell, left + i * (width / 4), y, { width: width / 4 - 6, align: i === 0 ? 'left' : 'right' }));
    doc.y = y + 12;
  };
  line([w.rate, w.base, w.vat, w.total], true);
  for (const r of rows) line([showRate(r.rateBasisPoints, lang), m(r.base), m(r.vat), m(r.base + r.vat)], false);
  doc.y += 8;
}

/** Paragraphs of small print (legal mentions, notes). */
export function drawMentions(page: Page, texts: readonly string[]): void {
  const { doc, left, width } = page;
  doc.font('regular').fontSize(8.5);
  for (const text of texts) {
    page.ensureRoom(doc.heightOfString(text, { width }) + 4);
    doc.text(text, left, doc.y, { width });
    doc.y += 4;
  }
}
