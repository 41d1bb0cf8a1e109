// DOC-1: the invoice PDF of an order, for whoever may read the order — the
// signed-in customer who placed it or a guest with its token (same scoping as
// the order itself: `order.not_found` otherwise) — and for staff.
import { renderInvoicePdf } from '../adapters/pdf/invoice-pdf.js';
import { DomainError } from '../domain/errors.js';
import type { Queryable } from '../store/db.js';
import { findInvoiceOfOrder, type Invoice } from './invoices.js';
import { getOrderFor } from './orders.js';

export type InvoicePdf = { number: string; filename: string; pdf: Buffer; contentSha256: string };

async function pdfOf(invoice: Invoice | undefined, orderNumber: string): Promise<InvoicePdf> {
  if (!invoice) throw new DomainError('invoice.not_found', { field: 'number', rule: 'DOC-1' }, `No invoice yet for order ${orderNumber}.`);
  return { number: invoice.number, filename: `${invoice.number}.pdf`, pdf: await renderInvoicePdf(invoice.content), contentSha256: invoice.contentSha256 };
}

/** The customer's (or guest's) invoice of order `number`: 404 `order.not_found` for anyone else, `invoice.not_found` before it is issued. */
export async function customerInvoicePdf(q: Queryable, input: { shopId: string; number: string; customerId?: string | null; accessToken?: string | null }): Promise<InvoicePdf> {
  await getOrderFor(q, input);
  return pdfOf(await findInvoiceOfOrder(q, { shopId: input.shopId, orderNumber: input.number }), input.number);
}

/** Staff (`orders.read`): the invoice of order `number`. */
export async function staffInvoicePdf(q: Queryable, input: { shopId: string; number: string }): Promise<InvoicePdf> {
  return pdfOf(await findInvoiceOfOrder(q, { shopId: input.shopId, orderNumber: input.number }), input.number);
}
