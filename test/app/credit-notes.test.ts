// Issue 6: credit notes (DOC-1) and complementary invoices (RF-5) on real
// orders paid on the sandbox PSP (FA invoices when paid): numbered in their
// own sequence (A) or the invoice's (F) inside the issuing transaction (no
// gap on rollback), never above the invoice, idempotent by key, frozen and
// proved in the evidence log, rendered as PDF with the mandatory reference.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { renderCreditNotePdf } from '../../src/adapters/pdf/credit-note-pdf.js';
import { addPrice } from '../../src/app/catalogue-admin.js';
import { COMPLEMENTARY_INVOICE_ISSUED, CREDIT_NOTE_ISSUED, issueComplementaryInvoice, issueCreditNote, orderDocuments, type CreditNote } from '../../src/app/credit-notes.js';
import { findInvoiceOfOrder, frozenContentSha256, type Invoice } from '../../src/app/invoices.js';
import { verifyEvidenceChain } from '../../src/store/evidence.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { payOnHostedPage, placeCardOrder, stockedVariant, testKey } from '../support/orders.js';
import { pdfText } from '../support/pdf-text.js';

/** The PDF's text on one line (wrapped lines joined), with ordinary spaces. */
const spaces = (text: string) => text.replace(/[\u202F\u00A0]/g, ' ').replace(/\s*\n\s*/g, ' ');
/** The position of the one line `placeCardOrder` puts in an order. */
const LINE = 0;
const REASON = { fr: 'Rétractation : retour de 1 article', en: 'Withdrawal: 1 item returned' };

function helpers(t: TestApp) {
  const shopId = () => t.ctx.shop.id;
  const now = () => t.ctx.clock.now();

  /** A card order of `quantity` units at `price`, paid (FA, JW: invoiced at payment). */
  async function paidOrder(input: { quantity: number; price: number; method: string; pay?: boolean }): Promise<{ id: string; number: string; accessToken: string | null; customerId: string }> {
    const variantId = await stockedVariant(t, 50);
    await addPrice(t.ctx.db, { shopId: shopId(), variantId, currency: 'EUR', amountMinor: input.price, currencies: ['EUR'], actor: { kind: 'system' }, now: await now() });
    const placed = await placeCardOrder(t, { variantId, quantity: input.quantity, method: input.method });
    if (input.pay !== false) await payOnHostedPage(t, placed.redirectUrl!);
    return { id: placed.order.id, number: placed.order.number, accessToken: placed.accessToken, customerId: placed.customerId };
  }

  const invoiceOf = async (orderNumber: string): Promise<Invoice> => (await findInvoiceOfOrder(t.ctx.db, { shopId: shopId(), orderNumber }))!;

  const credit = async (order: { id: string }, over: Partial<Parameters<typeof issueCreditNote>[1]> = {}) =>
    t.ctx.db.transaction().execute(async (tx) => issueCreditNote(tx, { shopId: shopId(), orderId: order.id, key: testKey(), reason: REASON, items: [], shipping: 0, now: await now(), ...over }));

  const lastNumber = async (kind: 'invoice' | 'credit_note') =>
    (await t.ctx.db.selectFrom('invoice_number_counters').select('last_number').where('shop_id', '=', shopId()).where('kind', '=', kind).executeTakeFirst())?.last_number ?? 0;

  return { shopId, now, paidOrder, invoiceOf, credit, lastNumber };
}

describe('FA (VAT 20 %): credit notes and complementary invoices', () => {
  const t = useTestApp('fa');
  const h = helpers(t);
  let order: { id: string; number: string };
  let first: CreditNote;

  it('DOC-1: credits 1 of 3 units and the shipping, referring to the invoice, with its VAT row to the cent, frozen and proved', async () => {
    order = await h.paidOrder({ quantity: 3, price: 3_333, method: 'home' });
    const invoice = await h.invoiceOf(order.number);
    const shipping = invoice.content.shipping.amount;
    expect(invoice.content.total).toBe(9_999 + shipping);

    first = (await h.credit(order, { items: [{ position: LINE, quantity: 1, amount: 3_333 }], shipping }))!;
    expect(first.created).toBe(true);
    expect(first.number).toBe('FA-A-2026-000001');
    expect(first.invoiceNumber).toBe(invoice.number);
    const c = first.content;
    expect(c.invoice).toEqual({ number: invoice.number, issueDate: invoice.content.issueDate });
    expect(c.seller).toEqual(invoice.content.seller);
    expect(c.buyer).toEqual(invoice.content.buyer);
    expect(c.total).toBe(3_333 + shipping);
    expect(c.lines.map((l) => [l.kind, l.quantity, l.amount, l.vatRateBasisPoints])).toEqual([
      ['goods', 1, 3_333, 2000],
      ['shipping', 1, shipping, 2000],
    ]);
    // VAT consistent with the invoice: what its 20 % row loses when its gross drops by the credit.
    const row = invoice.content.vat.breakdown[0]!;
    const leftGross = row.base + row.vat - c.total;
    const leftVat = Math.round((leftGross * 2000) / 12_000);
    expect(c.vat.breakdown).toEqual([{ rateBasisPoints: 2000, base: row.base - (leftGross - leftVat), vat: row.vat - leftVat }]);
    expect(c.vat.totalExclVat + c.vat.totalVat).toBe(c.total);
    expect(c.mentions.vatExemption).toBeNull();

    const stored = await t.ctx.db.selectFrom('invoices').selectAll().where('number', '=', first.number).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ kind: 'credit_note', refers_to_invoice_id: invoice.id, total_minor: String(c.total), content_sha256: frozenContentSha256(stored.content as object) });
    await expect(sql`UPDATE invoices SET total_minor = 1 WHERE id = ${stored.id}::bigint`.execute(t.ctx.db)).rejects.toThrow(/never edited/);

    const events = await t.ctx.db.selectFrom('evidence_events').select(['kind', 'data']).where('shop_id', '=', h.shopId()).where('subject_id', '=', order.number).orderBy('seq').execute();
    expect(events.at(-1)).toMatchObject({ kind: CREDIT_NOTE_ISSUED, data: { number: first.number, invoice: invoice.number, total: c.total, contentSha256: first.contentSha256, rule: 'DOC-1' } });
    expect((await verifyEvidenceChain(t.ctx.db, h.shopId())).ok).toBe(true);
  });

  it('DOC-1: the same key returns the first credit note and takes no number', async () => {
    const counter = await h.lastNumber('credit_note');
    const key = testKey();
    const a = (await h.credit(order, { key, items: [{ position: LINE, quantity: 1, amount: 100 }] }))!;
    const b = (await h.credit(order, { key, items: [{ position: LINE, quantity: 1, amount: 100 }] }))!;
    expect(b.created).toBe(false);
    expect(b.number).toBe(a.number);
    expect(b.content).toEqual(a.content);
    expect(await h.lastNumber('credit_note')).toBe(counter + 1);
    expect(a.number).toBe('FA-A-2026-000002'); // the second continues the A sequence
  });

  it('DOC-1: a rolled-back credit note gives its number back (no gap)', async () => {
    const counter = await h.lastNumber('credit_note');
    await expect(
      t.ctx.db.transaction().execute(async (tx) => {
        const note = await issueCreditNote(tx, { shopId: h.shopId(), orderId: order.id, key: testKey(), reason: REASON, items: [{ position: LINE, quantity: 0, amount: 50 }], shipping: 0, now: await h.now() });
        expect(note!.number).toBe(`FA-A-2026-${String(counter + 1).padStart(6, '0')}`);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await h.lastNumber('credit_note')).toBe(counter);
    const next = (await h.credit(order, { items: [{ position: LINE, quantity: 0, amount: 50 }] }))!;
    expect(next.number).toBe(`FA-A-2026-${String(counter + 1).padStart(6, '0')}`);
  });

  it('DOC-1: never more than the invoice — units, amounts, in total', async () => {
    const invoice = await h.invoiceOf(order.number);
    const credited = (await orderDocuments(t.ctx.db, { shopId: h.shopId(), orderNumber: order.number })).filter((d) => d.kind === 'credit_note').reduce((n, d) => n + d.total, 0);
    const counter = await h.lastNumber('credit_note');
    // 2 units credited so far (first, then the idempotent one): a third and fourth exceed the 3 invoiced.
    expect(await codeOf(h.credit(order, { items: [{ position: LINE, quantity: 2, amount: 0 }] }))).toBe('credit_note.exceeds_invoiced_units');
    expect(await codeOf(h.credit(order, { other: [{ label: { fr: 'Geste', en: 'Goodwill' }, amount: invoice.content.total - credited + 1, vatRateBasisPoints: 2000 }] }))).toBe('credit_note.exceeds_invoice');
    expect(await codeOf(h.credit(order, { shipping: 1 }))).toBe('credit_note.exceeds_invoice'); // the shipping is credited already
    expect(await h.lastNumber('credit_note')).toBe(counter);
    // What is left can be credited, to the cent.
    const rest = (await h.credit(order, { other: [{ label: { fr: 'Geste', en: 'Goodwill' }, amount: invoice.content.total - credited, vatRateBasisPoints: 2000 }] }))!;
    expect(credited + rest.total).toBe(invoice.content.total);
    const notes = await t.ctx.db.selectFrom('invoices').select('content').where('refers_to_invoice_id', '=', invoice.id).where('kind', '=', 'credit_note').execute();
    const vat = notes.flatMap((n) => (n.content as CreditNote['content']).vat.breakdown).reduce((s, r) => s + r.vat, 0);
    expect(vat).toBe(invoice.content.vat.totalVat);
  });

  it('DOC-1: concurrent credit notes on different orders take consecutive numbers, none shared', async () => {
    const orders = [];
    for (let i = 0; i < 4; i++) orders.push(await h.paidOrder({ quantity: 1, price: 1_000, method: 'home' }));
    const counter = await h.lastNumber('credit_note');
    const notes = await Promise.all(orders.map((o) => h.credit(o, { items: [{ position: LINE, quantity: 1, amount: 1_000 }] })));
    expect(notes.map((n) => Number(n!.number.slice(-6))).sort((a, b) => a - b)).toEqual([1, 2, 3, 4].map((i) => counter + i));
  });

  it('DOC-1: no invoice yet (not paid) → null, nothing written', async () => {
    const unpaid = await h.paidOrder({ quantity: 1, price: 2_000, method: 'home', pay: false });
    const counter = await h.lastNumber('credit_note');
    expect(await h.credit(unpaid, { items: [{ position: LINE, quantity: 1, amount: 2_000 }] })).toBeNull();
    expect(await h.lastNumber('credit_note')).toBe(counter);
  });

  it('RF-5: a complementary invoice takes the next F number after the invoice, refers to it, is idempotent and proved', async () => {
    const other = await h.paidOrder({ quantity: 2, price: 5_000, method: 'home' });
    const invoice = await h.invoiceOf(other.number);
    const key = testKey();
    const issue = async () =>
      t.ctx.db.transaction().execute(async (tx) =>
        issueComplementaryInvoice(tx, { shopId: h.shopId(), orderId: other.id, key, items: [{ position: LINE, quantity: 1, amount: 1_000, kind: 'bundle_repriced' }], now: await h.now() }),
      );
    const complementary = (await issue())!;
    expect(complementary.number).toBe(`FA-F-2026-${String(Number(invoice.number.slice(-6)) + 1).padStart(6, '0')}`);
    expect(complementary.kind).toBe('complementary_invoice');
    expect(complementary.content.invoice.number).toBe(invoice.number);
    expect(complementary.content.vat.breakdown).toEqual([{ rateBasisPoints: 2000, base: 833, vat: 167 }]);
    expect((await issue())!).toMatchObject({ number: complementary.number, created: false });
    // The order keeps one invoice: findInvoiceOfOrder is still the original.
    expect((await h.invoiceOf(other.number)).number).toBe(invoice.number);
    const event = await t.ctx.db.selectFrom('evidence_events').select(['kind', 'data']).where('subject_id', '=', other.number).orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(event).toMatchObject({ kind: COMPLEMENTARY_INVOICE_ISSUED, data: { number: complementary.number, invoice: invoice.number, total: 1_000, rule: 'RF-5' } });
    // The next ordinary invoice continues after it.
    const next = await h.paidOrder({ quantity: 1, price: 1_000, method: 'home' });
    expect(Number((await h.invoiceOf(next.number)).number.slice(-6))).toBe(Number(complementary.number.slice(-6)) + 1);

    const docs = await orderDocuments(t.ctx.db, { shopId: h.shopId(), orderNumber: other.number });
    expect(docs.map((d) => [d.kind, d.number, d.refersTo, d.total])).toEqual([
      ['invoice', invoice.number, null, invoice.content.total],
      ['complementary_invoice', complementary.number, invoice.number, 1_000],
    ]);
  });

  it('renders the credit note PDF with « Avoir n° … se rapportant à la facture n° … du … », the seller, the VAT summary and the total', async () => {
    const invoice = await h.invoiceOf(order.number);
    const pdf = await renderCreditNotePdf(first.content);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = spaces(pdfText(pdf));
    const [y, m, d] = invoice.content.issueDate.split('-');
    expect(text).toContain(`Avoir n° ${first.number} se rapportant à la facture n° ${invoice.number} du ${d}/${m}/${y}`);
    expect(text).toContain('AVOIR');
    expect(text).toContain(invoice.content.seller.companyName);
    expect(text).toContain('Récapitulatif TVA');
    expect(text).toContain(REASON.fr);
    expect(text).toContain(spaces(new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(first.total / 100)));
    expect((await renderCreditNotePdf(first.content)).equals(pdf)).toBe(true);
    const english = spaces(pdfText(await renderCreditNotePdf({ ...first.content, language: 'en' })));
    expect(english).toContain(`Credit note no. ${first.number} relating to invoice no. ${invoice.number}`);
  });
});

describe('JW (not subject to VAT): no VAT rows, the franchise mention', () => {
  const t = useTestApp('jw');
  const h = helpers(t);

  it('issues JW-A-2026-000001 without VAT and prints the franchise mention', async () => {
    const order = await h.paidOrder({ quantity: 2, price: 4_500, method: 'ems' });
    const invoice = await h.invoiceOf(order.number);
    const note = (await h.credit(order, { items: [{ position: LINE, quantity: 1, amount: 4_500 }] }))!;
    expect(note.number).toBe('JW-A-2026-000001');
    expect(note.content.vat).toEqual({ mode: 'not_subject', breakdown: [], totalExclVat: 4_500, totalVat: 0 });
    expect(note.content.lines[0]!.vatRateBasisPoints).toBeNull();
    expect(note.content.mentions.vatExemption).toEqual(invoice.content.mentions.vatExemption);
    const text = spaces(pdfText(await renderCreditNotePdf(note.content)));
    expect(text).toContain('TVA non applicable, art. 293 B du CGI');
    expect(text).not.toContain('Récapitulatif TVA');
  });
});
