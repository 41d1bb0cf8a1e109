// Issue 4 §5: invoices (DOC-1, PR-9, PR-1, PR-3, PA-3, PA-8, ID-1) — numbered
// in one unbroken sequence allocated in the issuing transaction, one per order,
// never edited; totals to the cent; the PDF with the French mentions; read by
// the order's customer and staff only.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { issueInvoice, type Invoice } from '../../src/app/invoices.js';
import { renderInvoicePdf } from '../../src/adapters/pdf/invoice-pdf.js';
import { DomainError } from '../../src/domain/errors.js';
import { formatMoney, money } from '../../src/domain/money.js';
import { verifyEvidenceChain } from '../../src/store/evidence.js';
import { signIn, useTestApp, type TestApp } from '../support/app.js';
import { CUSTOMER_PASSWORD, payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant } from '../support/orders.js';
import { pdfText } from '../support/pdf-text.js';

const spaces = (text: string) => text.replace(/[\u202F\u00A0]/g, ' ');

async function invoiceOf(t: TestApp, orderNumber: string): Promise<Invoice | undefined> {
  const row = await t.ctx.db
    .selectFrom('invoices as i')
    .innerJoin('orders as o', 'o.id', 'i.order_id')
    .select(['i.id', 'i.shop_id', 'i.number', 'i.order_id', 'o.number as order_number', 'i.issued_at', 'i.content', 'i.content_sha256'])
    .where('o.number', '=', orderNumber)
    .executeTakeFirst();
  return row
    ? { id: row.id, shopId: row.shop_id, number: row.number, orderId: row.order_id, orderNumber: row.order_number, issuedAt: row.issued_at, content: row.content as Invoice['content'], contentSha256: row.content_sha256 }
    : undefined;
}

/** `count` orders placed and marked paid directly (no invoice issued: the hook is bypassed). */
async function paidOrdersWithoutInvoice(t: TestApp, count: number, method: string): Promise<{ id: string; number: string }[]> {
  const variantId = await stockedVariant(t, count + 5, { skip: 1 });
  const orders: { id: string; number: string }[] = [];
  for (let i = 0; i < count; i++) {
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method });
    orders.push({ id: placed.order.id, number: placed.order.number });
  }
  await sql`UPDATE orders SET state = 'paid' WHERE id = ANY(${orders.map((o) => o.id)}::bigint[])`.execute(t.ctx.db);
  return orders;
}

const sequenceOf = (number: string) => Number(number.slice(-6));

async function lastInvoiceSequence(t: TestApp): Promise<number> {
  const row = await t.ctx.db.selectFrom('invoice_number_counters').select('last_number').where('shop_id', '=', t.ctx.shop.id).where('kind', '=', 'invoice').executeTakeFirst();
  return row?.last_number ?? 0;
}

describe('FA (capture at order): the invoice is issued when the order is paid', () => {
  const t = useTestApp('fa');
  let orderNumber: string;
  let customer: { id: string; email: string };

  it('issues it with the order\'s totals to the cent, its VAT breakdown and the mentions, and proves it in the evidence log', async () => {
    const variantId = await stockedVariant(t, 5);
    customer = await registeredCustomer(t);
    const placed = await placeCardOrder(t, { variantId, quantity: 2, method: 'home', customerId: customer.id });
    orderNumber = placed.order.number;
    expect(await invoiceOf(t, orderNumber)).toBeUndefined(); // not paid yet
    await payOnHostedPage(t, placed.redirectUrl!);

    const order = await t.ctx.db.selectFrom('orders').selectAll().where('number', '=', orderNumber).executeTakeFirstOrThrow();
    expect(order.state).toBe('paid');
    const invoice = (await invoiceOf(t, orderNumber))!;
    expect(invoice.number).toMatch(/^FA-F-2026-\d{6}$/);
    const c = invoice.content;
    // PR-9: the order's amounts, to the cent
    expect(c.total).toBe(Number(order.total_minor));
    expect(c.goods).toBe(Number(order.goods_minor));
    expect(c.shipping.amount).toBe(Number(order.shipping_minor));
    expect(c.discounts).toBe(Number(order.discounts_minor));
    expect(c.vat.mode).toBe('included');
    expect(c.vat.breakdown).toEqual((order.vat_breakdown as { rateBasisPoints: number; base: number; vat: number }[]).map((r) => ({ rateBasisPoints: r.rateBasisPoints, base: r.base, vat: r.vat })));
    expect(c.vat.breakdown.reduce((n, r) => n + r.base + r.vat, 0)).toBe(c.total);
    expect(c.vat.breakdown[0]!.rateBasisPoints).toBe(2000);
    expect(c.vat.totalExclVat + c.vat.totalVat).toBe(c.total);
    expect(c.lines).toMatchObject([{ quantity: 2, vatRateBasisPoints: 2000 }]);
    // ID-1 as frozen on the order; PA-8; no L441-10 mention for a consumer
    expect(c.seller).toMatchObject({ companyName: t.ctx.shop.policy.identity.companyName, registry: t.ctx.shop.policy.identity.registry });
    expect(c.mentions.retentionOfTitle).toEqual(t.ctx.shop.policy.records.retentionOfTitle);
    expect(c.mentions.vatExemption).toBeNull();
    expect(c.mentions.latePayment).toBeNull();

    const events = await t.ctx.db.selectFrom('evidence_events').select(['kind', 'data']).where('shop_id', '=', t.ctx.shop.id).where('subject_id', '=', orderNumber).orderBy('seq').execute();
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['order.validated', 'invoice.issued', 'order.paid']));
    expect(events.find((e) => e.kind === 'invoice.issued')!.data).toMatchObject({ number: invoice.number, order: orderNumber, contentSha256: invoice.contentSha256, total: c.total });
    expect((await verifyEvidenceChain(t.ctx.db, t.ctx.shop.id)).ok).toBe(true);
  });

  it('is idempotent per order: issuing again returns the same invoice and takes no number', async () => {
    const before = await invoiceOf(t, orderNumber);
    const counter = await lastInvoiceSequence(t);
    const again = await issueInvoice(t.ctx.db, { shopId: t.ctx.shop.id, orderId: before!.orderId, now: await t.ctx.clock.now() });
    expect(again.created).toBe(false);
    expect(again.number).toBe(before!.number);
    expect(await lastInvoiceSequence(t)).toBe(counter);
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM invoices WHERE order_id = ${before!.orderId}::bigint`.execute(t.ctx.db)).rows[0]!.n)).toBe(1);
  });

  it('is never edited nor deleted once issued', async () => {
    const invoice = (await invoiceOf(t, orderNumber))!;
    await expect(sql`UPDATE invoices SET total_minor = 1 WHERE id = ${invoice.id}::bigint`.execute(t.ctx.db)).rejects.toThrow(/never edited/);
    await expect(sql`UPDATE invoices SET content = '{}' WHERE id = ${invoice.id}::bigint`.execute(t.ctx.db)).rejects.toThrow(/never edited/);
    await expect(sql`DELETE FROM invoices WHERE id = ${invoice.id}::bigint`.execute(t.ctx.db)).rejects.toThrow(/never edited/);
    expect((await invoiceOf(t, orderNumber))!.content.total).toBe(invoice.content.total);
  });

  it('refuses to invoice an order not paid yet', async () => {
    const variantId = await stockedVariant(t, 3, { skip: 2 });
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'home' });
    await expect(issueInvoice(t.ctx.db, { shopId: t.ctx.shop.id, orderId: placed.order.id, now: await t.ctx.clock.now() })).rejects.toSatisfy(
      (e: unknown) => e instanceof DomainError && e.code === 'invoice.order_not_paid',
    );
  });

  it('numbers 20 concurrent issues 1…20 after the last one, without gap or duplicate', async () => {
    const orders = await paidOrdersWithoutInvoice(t, 20, 'home');
    const start = await lastInvoiceSequence(t);
    const now = await t.ctx.clock.now();
    const issued = await Promise.all(orders.map((o) => t.ctx.db.transaction().execute((tx) => issueInvoice(tx, { shopId: t.ctx.shop.id, orderId: o.id, now }))));
    const sequences = issued.map((i) => sequenceOf(i.number)).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 20 }, (_, i) => start + i + 1));
    expect(new Set(issued.map((i) => i.orderId)).size).toBe(20);
  });

  it('gives the number back when the issuing transaction rolls back (no gap)', async () => {
    const [rolledBack, next] = await paidOrdersWithoutInvoice(t, 2, 'home');
    const start = await lastInvoiceSequence(t);
    const now = await t.ctx.clock.now();
    await expect(
      t.ctx.db.transaction().execute(async (tx) => {
        const issued = await issueInvoice(tx, { shopId: t.ctx.shop.id, orderId: rolledBack!.id, now });
        expect(sequenceOf(issued.number)).toBe(start + 1);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await invoiceOf(t, rolledBack!.number)).toBeUndefined();
    const issued = await issueInvoice(t.ctx.db, { shopId: t.ctx.shop.id, orderId: next!.id, now });
    expect(sequenceOf(issued.number)).toBe(start + 1);
    expect((await verifyEvidenceChain(t.ctx.db, t.ctx.shop.id)).ok).toBe(true);
  });

  it('renders the PDF: number, seller identity, the total « 1 234,50 € » style, VAT breakdown, retention of title — the same bytes every time', async () => {
    const invoice = (await invoiceOf(t, orderNumber))!;
    const pdf = await renderInvoicePdf(invoice.content);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = spaces(pdfText(pdf));
    const identity = t.ctx.shop.policy.identity;
    expect(text).toContain(invoice.number);
    expect(text).toContain(orderNumber);
    expect(text).toContain(`RCS ${identity.registry.city} ${identity.registry.number}`);
    expect(text).toContain(identity.companyName);
    if (identity.siret) expect(text).toContain(`SIRET ${identity.siret}`);
    if (identity.vatNumber) expect(text).toContain(identity.vatNumber);
    expect(text).toContain(spaces(formatMoney(money(invoice.content.total, 'EUR'), 'fr')));
    expect(text).toMatch(/\d,\d\d €/);
    expect(spaces(pdfText(await renderInvoicePdf({ ...invoice.content, total: 123450 })))).toContain('1 234,50 €');
    expect(text).toContain('Récapitulatif TVA');
    expect(text).toContain('20 %');
    expect(text).toContain(t.ctx.shop.policy.records.retentionOfTitle!.fr);
    expect(text).not.toContain('40 €');
    expect((await renderInvoicePdf(invoice.content)).equals(pdf)).toBe(true);
  });

  it('prints the L441-10 penalties and the 40 € indemnity for a professional buyer only, and speaks English for an English order', async () => {
    const invoice = (await invoiceOf(t, orderNumber))!;
    const professional = {
      ...invoice.content,
      language: 'en' as const,
      buyer: { ...invoice.content.buyer, kind: 'professional' as const },
      mentions: { ...invoice.content.mentions, latePayment: { fr: 'indemnité forfaitaire de 40 € (art. L441-10)', en: 'fixed recovery indemnity of 40 EUR (art. L441-10)' } },
    };
    const text = spaces(pdfText(await renderInvoicePdf(professional)));
    expect(text).toContain('INVOICE');
    expect(text).toContain('40 EUR (art. L441-10)');
    expect(text).toContain(spaces(formatMoney(money(invoice.content.total, 'EUR'), 'en')));
  });

  it('serves the PDF to the order\'s customer and to staff; anyone else gets 404', async () => {
    const invoice = (await invoiceOf(t, orderNumber))!;
    const url = `/api/store/orders/${orderNumber}/invoice.pdf`;
    const session = await t.app.inject({ method: 'POST', url: '/api/store/session', payload: { email: customer.email, password: CUSTOMER_PASSWORD } });
    expect(session.statusCode).toBe(200);
    const cookie = [session.headers['set-cookie']].flat().map((c) => String(c).split(';')[0]).join('; ');
    const mine = await t.app.inject({ method: 'GET', url, headers: { cookie } });
    expect(mine.statusCode).toBe(200);
    expect(mine.headers['content-type']).toBe('application/pdf');
    expect(pdfText(mine.rawPayload)).toContain(invoice.number);

    const other = await registeredCustomer(t);
    const otherSession = await t.app.inject({ method: 'POST', url: '/api/store/session', payload: { email: other.email, password: CUSTOMER_PASSWORD } });
    const otherCookie = [otherSession.headers['set-cookie']].flat().map((c) => String(c).split(';')[0]).join('; ');
    const theirs = await t.app.inject({ method: 'GET', url, headers: { cookie: otherCookie } });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json()).toMatchObject({ error: { code: 'order.not_found' } });
    expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `${url}?token=not-the-token` })).statusCode).toBe(404);

    const staff = await signIn(t.app, t.owner.email, t.owner.password);
    const admin = await t.app.inject({ method: 'GET', url: `/api/admin/orders/${orderNumber}/invoice.pdf`, headers: { cookie: staff } });
    expect(admin.statusCode).toBe(200);
    expect(admin.rawPayload.equals(mine.rawPayload)).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: `/api/admin/orders/${orderNumber}/invoice.pdf` })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/orders/FA-2026-999999/invoice.pdf', headers: { cookie: staff } })).json()).toMatchObject({ error: { code: 'invoice.not_found' } });
  });
});

describe('JW (not subject to VAT): the franchise mention, no VAT lines', () => {
  const t = useTestApp('jw');

  it('issues the invoice with the franchise mention and prints no VAT breakdown', async () => {
    const variantId = await stockedVariant(t, 3);
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'ems' });
    await payOnHostedPage(t, placed.redirectUrl!);
    const invoice = (await invoiceOf(t, placed.order.number))!;
    expect(invoice.number).toMatch(/^JW-F-2026-000001$/);
    const c = invoice.content;
    expect(c.vat).toEqual({ mode: 'not_subject', breakdown: [], totalExclVat: c.total, totalVat: 0 });
    expect(c.lines.every((l) => l.vatRateBasisPoints === null)).toBe(true);
    const policyVat = t.ctx.shop.policy.pricing.vat;
    expect(c.mentions.vatExemption).toEqual(policyVat.mode === 'not_subject' ? policyVat.franchiseMention : null);
    expect(c.mentions.retentionOfTitle).toBeNull(); // PA-8: FA, PF, EL only
    const text = spaces(pdfText(await renderInvoicePdf(c)));
    expect(text).toContain('TVA non applicable, art. 293 B du CGI');
    expect(text).not.toContain('Récapitulatif TVA');
    expect(text).not.toContain('Total TTC');
    expect(text).toContain(spaces(formatMoney(money(c.total, 'EUR'), 'fr')));
  });
});

describe('PF (capture at dispatch): no invoice when the payment is only authorised', () => {
  const t = useTestApp('pf');

  it('leaves the paid order without invoice (issued at dispatch)', async () => {
    const variantId = await stockedVariant(t, 3);
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'standard' });
    await payOnHostedPage(t, placed.redirectUrl!);
    expect((await t.ctx.db.selectFrom('orders').select('state').where('number', '=', placed.order.number).executeTakeFirstOrThrow()).state).toBe('paid');
    expect(await invoiceOf(t, placed.order.number)).toBeUndefined();
  });
});
