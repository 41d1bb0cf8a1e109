// DOC-1 / RF-5: the documents of an order — its invoice, credit notes and
// complementary invoices — with their PDF links, for the account's order page
// (the customer's, or a guest's with the order token) and the back office's.
import type { OrderDocument, OrderDocumentKind } from '../../app/credit-notes.js';
import { legalDate } from '../../app/order-emails.js';
import { formatMoney, money } from '../../domain/money.js';
import type { Language } from './language.js';

const texts = {
  fr: {
    title: 'Factures et avoirs',
    none: 'Aucune facture émise pour le moment.',
    kinds: { invoice: 'Facture', credit_note: 'Avoir', complementary_invoice: 'Facture complémentaire' } satisfies Record<OrderDocumentKind, string>,
    refersTo: (number: string) => `se rapportant à la facture ${number}`,
    issuedOn: (date: string) => `du ${date}`,
    pdf: (kind: string, number: string) => `${kind} ${number} (PDF)`,
  },
  en: {
    title: 'Invoices and credit notes',
    none: 'No invoice issued yet.',
    kinds: { invoice: 'Invoice', credit_note: 'Credit note', complementary_invoice: 'Complementary invoice' } satisfies Record<OrderDocumentKind, string>,
    refersTo: (number: string) => `relating to invoice ${number}`,
    issuedOn: (date: string) => `of ${date}`,
    pdf: (kind: string, number: string) => `${kind} ${number} (PDF)`,
  },
};

/** The PDF of a document: under /api/store for the customer (a guest's link carries the order token), /api/admin for staff. */
export function documentPdfPath(area: 'store' | 'admin', number: string, token?: string | null): string {
  return `/api/${area}/documents/${encodeURIComponent(number)}.pdf${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

export function OrderDocuments({ documents, lang, area, token }: { documents: readonly OrderDocument[]; lang: Language; area: 'store' | 'admin'; token?: string | null }) {
  const t = texts[lang];
  return (
    <section aria-labelledby="order-documents-title" class="order-documents">
      <h2 id="order-documents-title">{t.title}</h2>
      {documents.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <ul>
          {documents.map((d) => (
            <li key={d.number} data-document-kind={d.kind} data-document-number={d.number}>
              <a href={documentPdfPath(area, d.number, token)}>{t.pdf(t.kinds[d.kind], d.number)}</a> {t.issuedOn(legalDate(d.issueDate, lang))}
              {d.refersTo ? `, ${t.refersTo(d.refersTo)}` : ''} — {d.kind === 'credit_note' ? '−' : ''}
              {formatMoney(money(d.total, d.currency), lang)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
