// Issue 6: credit notes (DOC-1) and complementary invoices (RF-5, DOC-2) — the
// documents that adjust an order's invoice, which is never edited (DOC-1).
//
// `issueCreditNote` and `issueComplementaryInvoice` run in the caller's
// transaction (a refund, a return inspection), in this order:
//   (a) the order row locked (FOR UPDATE; the caller may hold it already), then
//       the caller's `key` looked up: the same key returns the first document
//       (`created: false`), two concurrent calls queue on the order row;
//   (b) the order's invoice: none yet (PF before dispatch) → null, nothing to
//       adjust (the caller refunds without a credit note);
//   (c) the amounts checked and split by VAT rate against the invoice and the
//       earlier documents of the same kind (src/domain/invoices/credit-note-content.ts);
//       EX-1: an exchange's replacement lines are billed by a complementary
//       invoice (`issueReplacementInvoice`), and credited like invoiced ones;
//   (d) the number from the shop's counter row for the year: a credit note
//       from its own A sequence, a complementary invoice from the invoice's F
//       sequence (it is an invoice) — a rollback gives the number back (DOC-1);
//   (e) the content frozen with its SHA-256 (never edited: migration 0010's
//       triggers), then the evidence (`credit_note.issued`,
//       `invoice.complementary_issued`), last.
//
// Locks: order row → counter row → evidence head.
import { localDateIn } from '../domain/calendar/local-date.js';
import { DomainError } from '../domain/errors.js';
import {
  ADJUSTMENT_FORMAT,
  COMPLEMENTARY_REASON,
  complementaryInvoiceAmounts,
  creditNoteAmounts,
  EXCHANGE_REPLACEMENT_REASON,
  creditLessKept,
  invoicedPositions,
  replacementInvoiceAmounts,
  replacementPositions,
  withReplacementsBilled,
  type AdjustedAmounts,
  type AdjustmentContent,
  type AdjustmentKind,
  type ChargeRequest,
  type CreditRequest,
  type ReplacementCharge,
} from '../domain/invoices/credit-note-content.js';
import type { Localised } from '../domain/invoices/invoice-content.js';
import type { Currency } from '../domain/money.js';
import type { Queryable, Tx } from '../store/db.js';
import { appendEvidence, type NewEvidence } from '../store/evidence.js';
import { allocateInvoiceNumber, findInvoiceOfOrder, frozenContentSha256, type Invoice } from './invoices.js';
import { policyOfOrder } from './orders.js';

export const CREDIT_NOTE_ISSUED = 'credit_note.issued';
export const COMPLEMENTARY_INVOICE_ISSUED = 'invoice.complementary_issued';
export type { AdjustmentContent } from '../domain/invoices/credit-note-content.js';

/** A credit note or a complementary invoice, as issued. */
export type AdjustmentDocument = {
  id: string;
  shopId: string;
  kind: AdjustmentKind;
  number: string;
  orderId: string;
  orderNumber: string;
  /** DOC-1: the invoice it refers to. */
  invoiceNumber: string;
  issuedAt: Date;
  total: number;
  content: AdjustmentContent;
  contentSha256: string;
  created: boolean;
};
export type CreditNote = AdjustmentDocument;
export type ComplementaryInvoice = AdjustmentDocument;

type OrderRow = { id: string; number: string; language: 'fr' | 'en'; policy_hash: string; vat_treatment: unknown; currency: string };

/** `replacements`: the complementary invoices billing an exchange's replacement lines (EX-1), which the invoice does not list. */
type Adjust = (facts: { invoice: Invoice; order: OrderRow; positions: ReturnType<typeof invoicedPositions>; earlier: AdjustmentContent[]; replacements: AdjustmentContent[] }) => AdjustedAmounts;

async function issueAdjustment(
  tx: Tx,
  input: { shopId: string; orderId: string; key: string; kind: AdjustmentKind; reason: Localised; now: Date; proofs?: NewEvidence[] | undefined },
  adjust: Adjust,
): Promise<AdjustmentDocument | null> {
  const { shopId, kind, now } = input;
  if (input.key.length === 0 || input.key.length > 200) throw new DomainError(`${kind}.invalid_key`, { field: 'key' });
  // (a) the order, locked; the key
  const order = await tx
    .selectFrom('orders')
    .select(['id', 'number', 'language', 'policy_hash', 'vat_treatment', 'currency'])
    .where('shop_id', '=', shopId)
    .where('id', '=', input.orderId)
    .forUpdate()
    .executeTakeFirst();
  if (!order) throw new DomainError('order.not_found', { field: 'orderId' }, `No order ${input.orderId}.`);
  const existing = await tx
    .selectFrom('invoices as d')
    .innerJoin('invoices as i', 'i.id', 'd.refers_to_invoice_id')
    .select(['d.id', 'd.order_id', 'd.number', 'd.issued_at', 'd.total_minor', 'd.content', 'd.content_sha256', 'i.number as invoice_number'])
    .where('d.shop_id', '=', shopId)
    .where('d.kind', '=', kind)
    .where('d.key', '=', input.key)
    .executeTakeFirst();
  if (existing) {
    if (existing.order_id !== order.id) throw new DomainError(`${kind}.key_reused`, { field: 'key' }, `The key ${input.key} was used for another order.`);
    return {
      id: existing.id,
      shopId,
      kind,
      number: existing.number,
      orderId: order.id,
      orderNumber: order.number,
      invoiceNumber: existing.invoice_number,
      issuedAt: existing.issued_at,
      total: Number(existing.total_minor),
      content: existing.content as AdjustmentContent,
      contentSha256: existing.content_sha256,
      created: false,
    };
  }

  // (b) the invoice adjusted
  const invoice = await findInvoiceOfOrder(tx, { shopId, orderNumber: order.number });
  if (!invoice) return null;

  // (c) the amounts
  const documents = (await tx.selectFrom('invoices').select(['kind', 'content']).where('refers_to_invoice_id', '=', invoice.id).orderBy('id').execute()).map((d) => ({ kind: d.kind, content: d.content as AdjustmentContent }));
  const earlier = documents.filter((d) => d.kind === kind).map((d) => d.content);
  const replacements = documents.filter((d) => d.kind === 'complementary_invoice').map((d) => d.content);
  // EX-1: the lines added by an exchange are not on the invoice: left out of the walk that matches its lines.
  const added = replacementPositions(replacements);
  const orderLines = await tx.selectFrom('order_lines').select(['position', 'sku', 'options']).where('order_id', '=', order.id).execute();
  const positions = invoicedPositions(
    orderLines.filter((l) => !added.has(l.position)).map((l) => ({ position: l.position, sku: l.sku, options: l.options as Record<string, string> })),
    invoice.content.lines,
  );
  const amounts = adjust({ invoice, order, positions, earlier, replacements });

  // (d) the number
  const policy = await policyOfOrder(tx, shopId, order.policy_hash);
  const issueDate = localDateIn(policy.shop.timeZone, now);
  const year = Number(issueDate.slice(0, 4));
  const { sequence, number } = await allocateInvoiceNumber(tx, { shopId, kind: kind === 'credit_note' ? 'credit_note' : 'invoice', year });

  // (e) the content, frozen; the proof, last
  const c = invoice.content;
  const content: AdjustmentContent = {
    format: ADJUSTMENT_FORMAT,
    kind,
    number,
    issuedAt: now.toISOString(),
    issueDate,
    language: order.language,
    currency: c.currency,
    invoice: { number: invoice.number, issueDate: c.issueDate },
    order: c.order,
    seller: c.seller,
    buyer: c.buyer,
    reason: input.reason,
    lines: amounts.lines,
    total: amounts.total,
    vat: amounts.vat,
    mentions: { vatExemption: c.mentions.vatExemption, latePayment: kind === 'complementary_invoice' ? c.mentions.latePayment : null },
  };
  const contentSha256 = frozenContentSha256(content);
  const inserted = await tx
    .insertInto('invoices')
    .values({
      shop_id: shopId,
      kind,
      year,
      sequence,
      number,
      order_id: order.id,
      issued_at: now,
      currency: order.currency,
      total_minor: amounts.total,
      content: JSON.stringify(content),
      content_sha256: contentSha256,
      refers_to_invoice_id: invoice.id,
      key: input.key,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const proof: NewEvidence = {
    shopId,
    kind: kind === 'credit_note' ? CREDIT_NOTE_ISSUED : COMPLEMENTARY_INVOICE_ISSUED,
    subject: { type: 'order', id: order.number },
    actor: 'system',
    data: { number, invoice: invoice.number, order: order.number, key: input.key, contentSha256, total: amounts.total, currency: order.currency, rule: kind === 'credit_note' ? 'DOC-1' : 'RF-5' },
    at: now,
  };
  // The caller that takes more locks after this document (stock, counters, store credit) appends the proof last itself.
  if (input.proofs) input.proofs.push(proof);
  else await appendEvidence(tx, proof);
  return { id: inserted.id, shopId, kind, number, orderId: order.id, orderNumber: order.number, invoiceNumber: invoice.number, issuedAt: now, total: amounts.total, content, contentSha256, created: true };
}

/**
 * DOC-1: a credit note on the order's invoice for `items` (units and gross
 * amounts per order line position), `shipping` and `other` gross amounts —
 * or null when the order has no invoice yet. Idempotent by `key`.
 * @throws credit_note.exceeds_invoice, credit_note.exceeds_invoiced_units, credit_note.position_not_invoiced,
 *   credit_note.invalid_amount, credit_note.empty, credit_note.key_reused
 */
export async function issueCreditNote(
  tx: Tx,
  input: {
    shopId: string;
    orderId: string;
    key: string;
    reason: Localised;
    items: CreditRequest['items'];
    shipping: number;
    other?: CreditRequest['other'];
    now: Date;
    /** Collects the proof instead of appending it, for a caller that locks more after (it appends them last). */
    proofs?: NewEvidence[] | undefined;
  },
): Promise<CreditNote | null> {
  return issueAdjustment(tx, { ...input, kind: 'credit_note' }, ({ invoice, order, positions, earlier, replacements }) => {
    // PR-9: shipping carries the sale's rate (the destination's), as on the invoice.
    const treatment = order.vat_treatment as { mode: string; rateBasisPoints: number };
    // DOC-1 / EX-1: the positions invoiced are the invoice's and the exchange replacements' (complementary invoices).
    const billed = withReplacementsBilled(invoice.content, positions, replacements);
    return creditNoteAmounts({
      invoice: billed.invoice,
      positions: billed.positions,
      shippingRateBasisPoints: treatment.mode === 'included' ? treatment.rateBasisPoints : null,
      earlier,
      request: { items: input.items, shipping: input.shipping, ...(input.other ? { other: input.other } : {}) },
    });
  });
}

/**
 * RF-5: a complementary invoice (F sequence) referring to the order's invoice,
 * charging the gifts kept and the bundle items re-priced — or null when the
 * order has no invoice. Idempotent by `key`.
 * @throws complementary_invoice.invalid_item, complementary_invoice.exceeds_invoiced_units,
 *   complementary_invoice.position_not_invoiced, complementary_invoice.invalid_amount, complementary_invoice.key_reused
 */
export async function issueComplementaryInvoice(
  tx: Tx,
  input: { shopId: string; orderId: string; key: string; items: ChargeRequest; now: Date; proofs?: NewEvidence[] | undefined },
): Promise<ComplementaryInvoice | null> {
  return issueAdjustment(tx, { ...input, kind: 'complementary_invoice', reason: COMPLEMENTARY_REASON }, ({ invoice, positions, earlier }) =>
    complementaryInvoiceAmounts({ invoice: invoice.content, positions, earlier, items: input.items }),
  );
}

/**
 * EX-1 / DOC-1: the complementary invoice (F sequence) of an exchange's
 * replacement lines — order lines added after the invoice, billed in full at
 * their line's total — or null when the order has no invoice. Idempotent by `key`.
 * @throws complementary_invoice.position_already_invoiced, complementary_invoice.invalid_amount, complementary_invoice.key_reused
 */
export async function issueReplacementInvoice(
  tx: Tx,
  input: { shopId: string; orderId: string; key: string; positions: readonly number[]; now: Date; proofs?: NewEvidence[] | undefined },
): Promise<ComplementaryInvoice | null> {
  const lines = await tx
    .selectFrom('order_lines')
    .select(['position', 'sku', 'name_fr', 'name_en', 'quantity', 'total_minor', 'vat_rate_basis_points'])
    .where('order_id', '=', input.orderId)
    .where('position', 'in', input.positions.length > 0 ? [...input.positions] : [-1])
    .orderBy('position')
    .execute();
  const items: ReplacementCharge[] = lines.map((l) => ({
    position: l.position,
    sku: l.sku,
    description: { fr: l.name_fr, en: l.name_en },
    quantity: l.quantity,
    amount: Number(l.total_minor),
    vatRateBasisPoints: l.vat_rate_basis_points,
  }));
  return issueAdjustment(tx, { ...input, kind: 'complementary_invoice', reason: EXCHANGE_REPLACEMENT_REASON }, ({ invoice, positions, earlier }) =>
    replacementInvoiceAmounts({ invoice: invoice.content, positions, earlier, items }),
  );
}

export type OrderDocumentKind = 'invoice' | AdjustmentKind;

/** One document of an order, for the lists of the account and the back office. */
export type OrderDocument = {
  number: string;
  kind: OrderDocumentKind;
  issuedAt: Date;
  issueDate: string;
  total: number;
  currency: Currency;
  /** The invoice a credit note or complementary invoice refers to; null for the invoice. */
  refersTo: string | null;
};

/** DOC-1: the invoice, credit notes and complementary invoices of order `orderNumber`, in issue order (callers check who may read them). */
export async function orderDocuments(q: Queryable, input: { shopId: string; orderNumber: string }): Promise<OrderDocument[]> {
  const rows = await q
    .selectFrom('invoices as d')
    .innerJoin('orders as o', 'o.id', 'd.order_id')
    .leftJoin('invoices as i', 'i.id', 'd.refers_to_invoice_id')
    .select(['d.number', 'd.kind', 'd.issued_at', 'd.total_minor', 'd.currency', 'd.content', 'i.number as refers_to'])
    .where('d.shop_id', '=', input.shopId)
    .where('o.number', '=', input.orderNumber)
    .orderBy('d.issued_at')
    .orderBy('d.id')
    .execute();
  return rows.map((r) => ({
    number: r.number,
    kind: r.kind,
    issuedAt: r.issued_at,
    issueDate: (r.content as { issueDate: string }).issueDate,
    total: Number(r.total_minor),
    currency: r.currency as Currency,
    refersTo: r.refers_to,
  }));
}

/** A document of the shop by its number, with its order's number (callers check who may read it). */
export async function findDocument(
  q: Queryable,
  input: { shopId: string; number: string },
): Promise<{ kind: OrderDocumentKind; number: string; orderNumber: string; content: unknown; contentSha256: string } | undefined> {
  const row = await q
    .selectFrom('invoices as d')
    .innerJoin('orders as o', 'o.id', 'd.order_id')
    .select(['d.kind', 'd.number', 'o.number as order_number', 'd.content', 'd.content_sha256'])
    .where('d.shop_id', '=', input.shopId)
    .where('d.number', '=', input.number)
    .executeTakeFirst();
  return row ? { kind: row.kind, number: row.number, orderNumber: row.order_number, content: row.content, contentSha256: row.content_sha256 } : undefined;
}

/**
 * DOC-1: the credit notes of refunds made before the order's invoice existed
 * (`order_refunds.credit_pending`), issued right after the invoice in its
 * transaction, each under its refund's key. One the invoice cannot carry (the
 * units were not billed) stays pending (order_refunds.credit_pending).
 */
export async function issuePendingCreditNotes(tx: Tx, input: { shopId: string; orderId: string; now: Date; proofs: NewEvidence[] }): Promise<string[]> {
  const pending = await tx.selectFrom('order_refunds').select(['id', 'key', 'credit_pending']).where('order_id', '=', input.orderId).where('credit_pending', 'is not', null).orderBy('id').execute();
  const issued: string[] = [];
  for (const row of pending) {
    const credit = row.credit_pending as unknown as CreditRequest & { reason: Localised };
    try {
      const note = await issueCreditNote(tx, { shopId: input.shopId, orderId: input.orderId, key: row.key, reason: credit.reason, items: credit.items, shipping: credit.shipping, ...(credit.other ? { other: credit.other } : {}), proofs: input.proofs, now: input.now });
      if (!note) continue;
      issued.push(note.number);
      await tx.updateTable('order_refunds').set({ credit_pending: null }).where('id', '=', row.id).execute();
    } catch (error) {
      // Refused before any write (the amounts are checked first): the invoice stands, the refund stays in order_refunds.credit_pending, to credit by hand.
      if (!(error instanceof DomainError) || !error.code.startsWith('credit_note.')) throw error;
    }
  }
  return issued;
}

/**
 * DOC-1 / OR-7: a credit note of everything the order's invoice billed and no
 * credit note credited yet — the whole sale undone (a cancellation after the
 * invoice). Null without an invoice, or with nothing left to credit.
 */
export async function creditWhatRemains(tx: Tx, input: { shopId: string; orderId: string; key: string; reason: Localised; proofs?: NewEvidence[] | undefined; now: Date }): Promise<CreditNote | null> {
  const order = await tx.selectFrom('orders').select(['number']).where('shop_id', '=', input.shopId).where('id', '=', input.orderId).executeTakeFirst();
  if (!order) return null;
  const invoice = await findInvoiceOfOrder(tx, { shopId: input.shopId, orderNumber: order.number });
  if (!invoice) return null;
  const [orderLines, earlier] = await Promise.all([
    tx.selectFrom('order_lines').select(['position', 'sku', 'options']).where('order_id', '=', input.orderId).execute(),
    tx.selectFrom('invoices').select('content').where('refers_to_invoice_id', '=', invoice.id).where('kind', '=', 'credit_note').execute(),
  ]);
  const positions = invoicedPositions(orderLines.map((l) => ({ position: l.position, sku: l.sku, options: l.options as Record<string, string> })), invoice.content.lines);
  const lines = earlier.flatMap((e) => (e.content as AdjustmentContent).lines);
  const credited = (position: number, pick: (l: AdjustmentContent['lines'][number]) => number) => lines.filter((l) => l.kind === 'goods' && l.position === position).reduce((n, l) => n + pick(l), 0);
  const items = [...positions].flatMap(([position, line]) => {
    const quantity = line.quantity - credited(position, (l) => l.quantity);
    const amount = line.total - credited(position, (l) => l.amount);
    return amount > 0 ? [{ position, quantity: Math.max(0, quantity), amount }] : [];
  });
  const shipping = invoice.content.shipping.amount - lines.filter((l) => l.kind === 'shipping').reduce((n, l) => n + l.amount, 0);
  // Amounts credited without units (a price reduction) come off what remains, so the total never exceeds the invoice.
  const others = lines.filter((l) => l.kind === 'other').reduce((n, l) => n + l.amount, 0);
  const request = creditLessKept({ items, shipping: Math.max(0, shipping) }, others);
  if (request.items.length === 0 && request.shipping === 0) return null;
  return issueCreditNote(tx, { shopId: input.shopId, orderId: input.orderId, key: input.key, reason: input.reason, items: request.items, shipping: request.shipping, proofs: input.proofs, now: input.now });
}
