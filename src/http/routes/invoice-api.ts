// DOC-1: an order's documents.
//   GET /api/store/orders/:number/invoice.pdf       the invoice PDF
//   GET /api/store/orders/:number/documents         its invoice, credit notes and complementary invoices (RF-5), as JSON
//   GET /api/store/documents/:documentNumber.pdf    one of them as PDF
// for the order's customer, or a guest with its token (?token= or
// X-Order-Token) — anyone else gets a 404 — and the same under /api/admin for
// staff with `orders.read`.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import type { OrderDocument } from '../../app/credit-notes.js';
import {
  customerDocumentPdf,
  customerInvoicePdf,
  customerOrderDocuments,
  staffDocumentPdf,
  staffInvoicePdf,
  staffOrderDocuments,
  type InvoicePdf,
} from '../../app/invoice-documents.js';
import { requireStaff } from '../auth.js';
import { identifyCustomer } from '../customer-auth.js';
import { documentPdfPath } from '../web/order-documents.js';

const params = z.object({ number: z.string().max(40) });
const documentParams = z.object({ documentNumber: z.string().max(40) });
const tokenQuery = z.object({ token: z.string().max(100).optional() });

const documentList = z.object({
  documents: z.array(
    z.object({
      number: z.string(),
      kind: z.enum(['invoice', 'credit_note', 'complementary_invoice']),
      issuedAt: z.string().describe('ISO instant'),
      issueDate: z.string().describe('YYYY-MM-DD, shop time zone'),
      total: z.number().int().describe('minor units, VAT included'),
      currency: z.string(),
      refersTo: z.string().nullable().describe('the invoice a credit note or complementary invoice refers to'),
      pdfUrl: z.string(),
    }),
  ),
});

function send(reply: { header(name: string, value: string): unknown; send(body: Buffer): unknown }, invoice: InvoicePdf) {
  reply.header('content-type', 'application/pdf');
  reply.header('content-disposition', `inline; filename="${invoice.filename}"`);
  reply.header('cache-control', 'private, no-store');
  return reply.send(invoice.pdf);
}

const listed = (documents: OrderDocument[], pdfUrl: (number: string) => string) => ({
  documents: documents.map((d) => ({ ...d, issuedAt: d.issuedAt.toISOString(), pdfUrl: pdfUrl(d.number) })),
});

/** The reader of a store request: the session's customer, and the guest's order token. */
async function reader(ctx: AppContext, request: FastifyRequest, queryToken: string | undefined) {
  const customer = await identifyCustomer(ctx, request).catch(() => null);
  const header = request.headers['x-order-token'];
  return { customerId: customer?.id ?? null, accessToken: queryToken ?? (typeof header === 'string' ? header : null) };
}

/** Register with prefix /api/store (inside the session scope: the customer is the session's). */
export const invoiceStoreApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get(
    '/orders/:number/invoice.pdf',
    {
      schema: {
        tags: ['store: orders'],
        summary: 'DOC-1: the invoice PDF of an order — the signed-in customer\'s own, or a guest\'s with its access token (?token= or X-Order-Token)',
        params,
        querystring: tokenQuery,
      },
    },
    async (request, reply) => send(reply, await customerInvoicePdf(ctx.db, { shopId: ctx.shop.id, number: request.params.number, ...(await reader(ctx, request, request.query.token)) })),
  );

  app.get(
    '/orders/:number/documents',
    {
      schema: {
        tags: ['store: orders'],
        summary: 'DOC-1 / RF-5: the invoice, credit notes and complementary invoices of an order, with their PDF links (the customer\'s own, or a guest\'s with its token)',
        params,
        querystring: tokenQuery,
        response: { 200: documentList },
      },
    },
    async (request) => {
      const who = await reader(ctx, request, request.query.token);
      const documents = await customerOrderDocuments(ctx.db, { shopId: ctx.shop.id, number: request.params.number, ...who });
      // A guest's links carry the token they read the list with.
      return listed(documents, (number) => documentPdfPath('store', number, who.accessToken));
    },
  );

  app.get(
    '/documents/:documentNumber.pdf',
    {
      schema: {
        tags: ['store: orders'],
        summary: 'DOC-1 / RF-5: an invoice, credit note or complementary invoice PDF of one of the customer\'s orders (or a guest\'s, with the order\'s token)',
        params: documentParams,
        querystring: tokenQuery,
      },
    },
    async (request, reply) => send(reply, await customerDocumentPdf(ctx.db, { shopId: ctx.shop.id, documentNumber: request.params.documentNumber, ...(await reader(ctx, request, request.query.token)) })),
  );
};

/** Register with prefix /api/admin. */
export const invoiceAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get(
    '/orders/:number/invoice.pdf',
    { onRequest: requireStaff(ctx, 'orders.read'), schema: { tags: ['admin: orders'], summary: 'DOC-1: the invoice PDF of an order', params } },
    async (request, reply) => send(reply, await staffInvoicePdf(ctx.db, { shopId: ctx.shop.id, number: request.params.number })),
  );

  app.get(
    '/orders/:number/documents',
    {
      onRequest: requireStaff(ctx, 'orders.read'),
      schema: { tags: ['admin: orders'], summary: 'DOC-1 / RF-5: the invoice, credit notes and complementary invoices of an order', params, response: { 200: documentList } },
    },
    async (request) =>
      listed(await staffOrderDocuments(ctx.db, { shopId: ctx.shop.id, number: request.params.number }), (number) => documentPdfPath('admin', number)),
  );

  app.get(
    '/documents/:documentNumber.pdf',
    { onRequest: requireStaff(ctx, 'orders.read'), schema: { tags: ['admin: orders'], summary: 'DOC-1 / RF-5: an invoice, credit note or complementary invoice PDF', params: documentParams } },
    async (request, reply) => send(reply, await staffDocumentPdf(ctx.db, { shopId: ctx.shop.id, documentNumber: request.params.documentNumber })),
  );
};
