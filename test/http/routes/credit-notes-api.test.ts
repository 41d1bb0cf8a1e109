// DOC-1 / RF-5: an order's documents over HTTP — the list (invoice, credit
// notes, complementary invoices) and each PDF, for the order's customer, a
// guest with the order's token, and staff (`orders.read`); anyone else 404.
import { h } from 'preact';
import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { issueComplementaryInvoice, issueCreditNote, orderDocuments } from '../../../src/app/credit-notes.js';
import { OrderDocuments } from '../../../src/http/web/order-documents.js';
import { signIn, useTestApp } from '../../support/app.js';
import { customerSession, payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant, testKey } from '../../support/orders.js';
import { pdfText } from '../../support/pdf-text.js';

describe('FA: GET /api/store/orders/:number/documents and /api/store/documents/:number.pdf', () => {
  const t = useTestApp('fa');
  let order: { id: string; number: string; accessToken: string };
  let customer: { id: string; email: string };
  let creditNote: string;
  let complementary: string;
  let invoice: string;

  it('lists the invoice, the credit note and the complementary invoice to the order\'s customer, with PDF links that work', async () => {
    customer = await registeredCustomer(t);
    const variantId = await stockedVariant(t, 5);
    const placed = await placeCardOrder(t, { variantId, quantity: 2, method: 'home', customerId: customer.id });
    await payOnHostedPage(t, placed.redirectUrl!);
    order = { id: placed.order.id, number: placed.order.number, accessToken: placed.accessToken! };
    const now = await t.ctx.clock.now();
    await t.ctx.db.transaction().execute(async (tx) => {
      creditNote = (await issueCreditNote(tx, { shopId: t.ctx.shop.id, orderId: order.id, key: testKey(), reason: { fr: 'Rétractation', en: 'Withdrawal' }, items: [{ position: 0, quantity: 1, amount: 500 }], shipping: 0, now }))!.number;
      complementary = (await issueComplementaryInvoice(tx, { shopId: t.ctx.shop.id, orderId: order.id, key: testKey(), items: [{ position: 0, quantity: 1, amount: 300, kind: 'bundle_repriced' }], now }))!.number;
    });

    const cookie = await customerSession(t, customer.email);
    const list = await t.app.inject({ method: 'GET', url: `/api/store/orders/${order.number}/documents`, headers: { cookie } });
    expect(list.statusCode).toBe(200);
    const { documents } = list.json() as { documents: { number: string; kind: string; total: number; refersTo: string | null; pdfUrl: string; issueDate: string }[] };
    invoice = documents[0]!.number;
    expect(documents.map((d) => [d.kind, d.refersTo])).toEqual([
      ['invoice', null],
      ['credit_note', invoice],
      ['complementary_invoice', invoice],
    ]);
    expect(documents.map((d) => d.number)).toEqual([invoice, creditNote, complementary]);
    expect(documents[1]).toMatchObject({ total: 500, pdfUrl: `/api/store/documents/${creditNote}.pdf` });

    for (const d of documents) {
      const pdf = await t.app.inject({ method: 'GET', url: d.pdfUrl, headers: { cookie } });
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.headers['content-disposition']).toBe(`inline; filename="${d.number}.pdf"`);
      expect(pdfText(pdf.rawPayload)).toContain(d.number);
    }
  });

  it('gives another customer and an anonymous caller a 404, the same as for a number that does not exist', async () => {
    const other = await customerSession(t, (await registeredCustomer(t)).email);
    const list = await t.app.inject({ method: 'GET', url: `/api/store/orders/${order.number}/documents`, headers: { cookie: other } });
    expect(list.statusCode).toBe(404);
    expect(list.json()).toMatchObject({ error: { code: 'order.not_found' } });
    const theirs = await t.app.inject({ method: 'GET', url: `/api/store/documents/${creditNote}.pdf`, headers: { cookie: other } });
    expect(theirs.statusCode).toBe(404);
    const missing = await t.app.inject({ method: 'GET', url: '/api/store/documents/FA-A-2026-999999.pdf', headers: { cookie: other } });
    expect(missing.statusCode).toBe(404);
    expect(theirs.json()).toMatchObject({ error: { code: 'invoice.not_found' } });
    expect(missing.json()).toMatchObject({ error: { code: 'invoice.not_found' } });
    expect((await t.app.inject({ method: 'GET', url: `/api/store/documents/${creditNote}.pdf` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/store/documents/${creditNote}.pdf?token=not-the-token` })).statusCode).toBe(404);
  });

  it('serves a guest holding the order\'s token: the links carry it', async () => {
    const list = await t.app.inject({ method: 'GET', url: `/api/store/orders/${order.number}/documents?token=${order.accessToken}` });
    expect(list.statusCode).toBe(200);
    const credit = (list.json() as { documents: { number: string; pdfUrl: string }[] }).documents.find((d) => d.number === creditNote)!;
    expect(credit.pdfUrl).toBe(`/api/store/documents/${creditNote}.pdf?token=${encodeURIComponent(order.accessToken)}`);
    const pdf = await t.app.inject({ method: 'GET', url: credit.pdfUrl });
    expect(pdf.statusCode).toBe(200);
    expect(pdfText(pdf.rawPayload)).toContain(creditNote);
    const byHeader = await t.app.inject({ method: 'GET', url: `/api/store/documents/${creditNote}.pdf`, headers: { 'x-order-token': order.accessToken } });
    expect(byHeader.statusCode).toBe(200);
  });

  it('serves staff with orders.read under /api/admin; 401 without a session', async () => {
    const staff = await signIn(t.app, t.owner.email, t.owner.password);
    const list = await t.app.inject({ method: 'GET', url: `/api/admin/orders/${order.number}/documents`, headers: { cookie: staff } });
    expect(list.statusCode).toBe(200);
    expect((list.json() as { documents: { pdfUrl: string }[] }).documents.map((d) => d.pdfUrl)).toEqual([invoice, creditNote, complementary].map((n) => `/api/admin/documents/${n}.pdf`));
    const pdf = await t.app.inject({ method: 'GET', url: `/api/admin/documents/${complementary}.pdf`, headers: { cookie: staff } });
    expect(pdf.statusCode).toBe(200);
    expect(pdfText(pdf.rawPayload).replace(/\s*\n\s*/g, ' ')).toContain('FACTURE COMPLÉMENTAIRE');
    expect((await t.app.inject({ method: 'GET', url: `/api/admin/documents/${complementary}.pdf` })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: `/api/admin/orders/${order.number}/documents` })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/orders/FA-2026-999999/documents', headers: { cookie: staff } })).json()).toMatchObject({ error: { code: 'order.not_found' } });
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/documents/FA-A-2026-999999.pdf', headers: { cookie: staff } })).statusCode).toBe(404);
  });

  it('renders the section with the PDF links in French and English (the back office\'s under /api/admin, a guest\'s with the token)', async () => {
    const documents = await orderDocuments(t.ctx.db, { shopId: t.ctx.shop.id, orderNumber: order.number });
    const fr = render(h(OrderDocuments, { documents, lang: 'fr', area: 'store', token: 'a&b' }));
    expect(fr).toContain('Factures et avoirs');
    expect(fr).toContain(`href="/api/store/documents/${creditNote}.pdf?token=a%26b"`);
    expect(fr).toContain(`Avoir ${creditNote} (PDF)`);
    expect(fr).toContain(`se rapportant à la facture ${invoice}`);
    expect(fr.replace(/[\u202F\u00A0]/g, ' ')).toContain('−5,00 €');
    const en = render(h(OrderDocuments, { documents, lang: 'en', area: 'admin' }));
    expect(en).toContain(`href="/api/admin/documents/${complementary}.pdf"`);
    expect(en).toContain(`Complementary invoice ${complementary} (PDF)`);
    expect(render(h(OrderDocuments, { documents: [], lang: 'en', area: 'store' }))).toContain('No invoice issued yet.');
  });
});
