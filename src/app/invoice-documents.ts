// DOC-1: an order's documents — its invoice, credit notes and complementary
// invoices (RF-5) — as PDFs and as a list, for whoever may read the order: the
// signed-in customer who placed it or a guest with its token (same scoping as
// the order itself: `order.not_found` otherwise) — and for staff.
import { renderCreditNotePdf } from '../adapters/pdf/credit-note-pdf.js';
import { renderInvoicePdf } from '../adapters/pdf/invoice-pdf.js';
import { DomainError } from '../domain/errors.js';
import type { AdjustmentContent } from '../domain/invoices/credit-note-content.js';
import type { InvoiceContent } from '../domain/invoices/invoice-content.js';
import type { Queryable } from '../store/db.js';
import { findDocument, orderDocuments, type OrderDocument } from './credit-notes.js';
import { findInvoiceOfOrder, type Invoice } from './invoices.js';
import { getOrderFor } from './orders.js';

export type InvoicePdf = { number: string; filename: string; pdf: Buffer; contentSha256: string };

type Reader = { customerId?: string | null; accessToken?: string | null };

async function pdfOf(invoice: Invoice | undefined, orderNumber: string): Promise<InvoicePdf> {
  if (!invoice) throw new DomainError('invoice.not_found', { field: 'number', rule: 'DOC-1' }, `No invoice yet for order ${orderNumber}.`);
  return { number: invoice.number, filename: `${invoice.number}.pdf`, pdf: await renderInvoicePdf(invoice.content), contentSha256: invoice.contentSha256 };
}

/** The customer's (or guest's) invoice of order `number`: 404 `order.not_found` for anyone else, `invoice.not_found` before it is issued. */
export async function customerInvoicePdf(q: Queryable, input: { shopId: string; number: string } & Reader): Promise<InvoicePdf> {
  await getOrderFor(q, input);
  return pdfOf(await findInvoiceOfOrder(q, { shopId: input.shopId, orderNumber: input.number }), input.number);
}

/** Staff (`orders.read`): the invoice of order `number`. */
export async function staffInvoicePdf(q: Queryable, input: { shopId: string; number: string }): Promise<InvoicePdf> {
  return pdfOf(await findInvoiceOfOrder(q, { shopId: input.shopId, orderNumber: input.number }), input.number);
}

/** The customer's (or guest's) documents of order `number`, in issue order: 404 `order.not_found` for anyone else. */
export async function customerOrderDocuments(q: Queryable, input: { shopId: string; number: string } & Reader): Promise<OrderDocument[]> {
  await getOrderFor(q, input);
  return orderDocuments(q, { shopId: input.shopId, orderNumber: input.number });
}

/** Staff (`orders.read`): the documents of order `number`. */
export async function staffOrderDocuments(q: Queryable, input: { shopId: string; number: string }): Promise<OrderDocument[]> {
  const order = await q.selectFrom('orders').select('id').where('shop_id', '=', input.shopId).where('number', '=', input.number).executeTakeFirst();
  if (!order) throw new DomainError('order.not_found', { field: 'number' }, `No order ${input.number}.`);
  return orderDocuments(q, { shopId: input.shopId, orderNumber: input.number });
}

const documentNotFound = (number: string) => new DomainError('invoice.not_found', { field: 'documentNumber', rule: 'DOC-1' }, `No document ${number}.`);

async function renderDocument(doc: NonNullable<Awaited<ReturnType<typeof findDocument>>>): Promise<InvoicePdf> {
  const pdf = doc.kind === 'invoice' ? await renderInvoicePdf(doc.content as InvoiceContent) : await renderCreditNotePdf(doc.content as AdjustmentContent);
  return { number: doc.number, filename: `${doc.number}.pdf`, pdf, contentSha256: doc.contentSha256 };
}

/**
 * The PDF of the document `documentNumber` (invoice, credit note,
 * complementary invoice) for the customer or guest who may read its order;
 * anyone else gets `invoice.not_found`, as for a number that does not exist.
 */
export async function customerDocumentPdf(q: Queryable, input: { shopId: string; documentNumber: string } & Reader): Promise<InvoicePdf> {
  const doc = await findDocument(q, { shopId: input.shopId, number: input.documentNumber });
  if (!doc) throw documentNotFound(input.documentNumber);
  try {
    await getOrderFor(q, { shopId: input.shopId, number: doc.orderNumber, customerId: input.customerId ?? null, accessToken: input.accessToken ?? null });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'order.not_found') throw documentNotFound(input.documentNumber);
    throw error;
  }
  return renderDocument(doc);
}

/** Staff (`orders.read`): the PDF of the document `documentNumber`. */
export async function staffDocumentPdf(q: Queryable, input: { shopId: string; documentNumber: string }): Promise<InvoicePdf> {
  const doc = await findDocument(q, { shopId: input.shopId, number: input.documentNumber });
  if (!doc) throw documentNotFound(input.documentNumber);
  return renderDocument(doc);
}
