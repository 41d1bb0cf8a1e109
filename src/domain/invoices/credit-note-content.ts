// DOC-1 / RF-5 / DOC-2: what a credit note or a complementary invoice says,
// frozen at issue (src/app/credit-notes.ts builds it, src/adapters/pdf/
// credit-note-pdf.ts renders it), and the pure rules that compute its lines.
//
// Both are adjustments of the order's invoice and refer to it (number, date):
//   - a credit note (« avoir », DOC-1) gives back part of what the invoice
//     billed: units of its lines, its shipping, other amounts (gross, given by
//     the caller). Never more than invoiced: per line (units and amount), for
//     the shipping, per VAT rate, and in total, counting the earlier credit
//     notes of the same invoice;
//   - a complementary invoice (RF-5, FA) bills what a partial return makes
//     due: a gift kept, charged at its initial price, or an item kept out of
//     a discounted bundle, re-priced without the discount; or (EX-1) the
//     replacement of an exchange by post, a NEW order line the invoice does
//     not list — billed like the invoice's own lines, so a later credit note
//     may credit it (`withReplacementsBilled`).
//
// VAT, consistent with the invoice (DOC-1, PR-9): the invoice splits each
// rate's gross total once (`splitInclusive`, via `regrossVatRows`). A credit
// note's row for a rate is what that split loses when the rate's gross goes
// from "invoiced − credited before" to "invoiced − credited before − this
// note": the rows of successive credit notes telescope, so everything credited
// gives back the invoice's VAT exactly, never a cent more. A complementary
// invoice is a new sale: each rate's gross split once, like the cart.
import { DomainError } from '../errors.js';
import type { Currency } from '../money.js';
import { regrossVatRows, type InvoiceLine, type VatRow } from './billed-units.js';
import type { InvoiceContent, InvoiceLanguage, Localised } from './invoice-content.js';

export const ADJUSTMENT_FORMAT = 'comptoir.invoice-adjustment/1';

export type AdjustmentKind = 'credit_note' | 'complementary_invoice';
export type AdjustmentLineKind = 'goods' | 'shipping' | 'other' | 'gift_kept' | 'bundle_repriced' | 'exchange_replacement';

export type AdjustmentLine = {
  kind: AdjustmentLineKind;
  /** The order line's position (goods, gift_kept, bundle_repriced); null for shipping and other amounts. */
  position: number | null;
  sku: string | null;
  description: Localised;
  /** Units credited or charged (0: an amount on the line without units, e.g. a price reduction). */
  quantity: number;
  /** Gross amount, VAT included (minor units). */
  amount: number;
  /** null when no VAT applies (not subject, export). */
  vatRateBasisPoints: number | null;
};

/** Everything a credit note or complementary invoice says, frozen at issue (plain JSON, amounts in minor units). */
export type AdjustmentContent = {
  format: typeof ADJUSTMENT_FORMAT;
  kind: AdjustmentKind;
  number: string;
  issuedAt: string;
  issueDate: string;
  language: InvoiceLanguage;
  currency: Currency;
  /** DOC-1: the invoice it refers to. */
  invoice: { number: string; issueDate: string };
  order: InvoiceContent['order'];
  /** ID-1: the seller and the buyer as on the invoice. */
  seller: InvoiceContent['seller'];
  buyer: InvoiceContent['buyer'];
  reason: Localised;
  lines: AdjustmentLine[];
  total: number;
  vat: InvoiceContent['vat'];
  mentions: {
    /** PR-1 / PR-2: as on the invoice. */
    vatExemption: Localised | null;
    /** L441-10: a complementary invoice to a professional buyer; null on a credit note. */
    latePayment: Localised | null;
  };
};

export type AdjustedAmounts = { lines: AdjustmentLine[]; total: number; vat: InvoiceContent['vat'] };

/**
 * The invoice line of each order line position. The invoice lists the order
 * lines in position order, without those cancelled in full before it was
 * issued (AV-1): walk both in order, matching by SKU and options.
 */
export function invoicedPositions(orderLines: readonly { position: number; sku: string; options: Record<string, string> }[], invoiceLines: readonly InvoiceLine[]): Map<number, InvoiceLine> {
  const sameOptions = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  const out = new Map<number, InvoiceLine>();
  let next = 0;
  for (const line of [...orderLines].sort((a, b) => a.position - b.position)) {
    const invoiced = invoiceLines[next];
    if (invoiced && invoiced.sku === line.sku && sameOptions(invoiced.options, line.options)) {
      out.set(line.position, invoiced);
      next++;
    }
  }
  return out;
}

const SHIPPING: Localised = { fr: 'Frais de livraison', en: 'Shipping' };

function assertAmount(value: number, field: string, code: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new DomainError(code, { field, value });
}

const addTo = (map: Map<number, number>, key: number, value: number) => map.set(key, (map.get(key) ?? 0) + value);

function grossByRate(lines: readonly AdjustmentLine[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const l of lines) if (l.vatRateBasisPoints !== null) addTo(out, l.vatRateBasisPoints, l.amount);
  return out;
}

const vatTotals = (mode: InvoiceContent['vat']['mode'], breakdown: VatRow[], total: number): InvoiceContent['vat'] => {
  const totalVat = breakdown.reduce((n, r) => n + r.vat, 0);
  return { mode, breakdown, totalExclVat: total - totalVat, totalVat };
};

/** DOC-1 / PR-9: the credit note's VAT rows, telescoping on the invoice's split (see the header). */
function creditedVatRows(invoiceRows: readonly VatRow[], before: ReadonlyMap<number, number>, now: ReadonlyMap<number, number>, currency: Currency): VatRow[] {
  const removed = (m: ReadonlyMap<number, number>) => new Map([...m].map(([rate, gross]) => [rate, -gross]));
  const after = new Map(before);
  for (const [rate, gross] of now) addTo(after, rate, gross);
  const rowsBefore = regrossVatRows(invoiceRows, removed(before), currency, {});
  const rowsAfter = regrossVatRows(invoiceRows, removed(after), currency, {});
  const at = (rows: VatRow[], rate: number) => rows.find((r) => r.rateBasisPoints === rate) ?? { base: 0, vat: 0 };
  return [...now.keys()]
    .filter((rate) => now.get(rate)! > 0)
    .sort((a, b) => b - a)
    .map((rate) => ({ rateBasisPoints: rate, base: at(rowsBefore, rate).base - at(rowsAfter, rate).base, vat: at(rowsBefore, rate).vat - at(rowsAfter, rate).vat }));
}

export type CreditRequest = {
  items: readonly { position: number; quantity: number; amount: number }[];
  shipping: number;
  other?: readonly { label: Localised; amount: number; vatRateBasisPoints: number }[];
};

/**
 * DOC-1: the lines, total and VAT of a credit note on `invoice` (see the
 * header), given the credit notes already issued on it (`earlier`) and the
 * rate shipping carries on the invoice (the sale's rate; null without VAT).
 * @throws credit_note.invalid_amount, credit_note.position_not_invoiced,
 *   credit_note.exceeds_invoiced_units, credit_note.exceeds_invoice, credit_note.empty
 */
export function creditNoteAmounts(input: {
  invoice: Pick<InvoiceContent, 'currency' | 'total' | 'shipping' | 'vat'>;
  positions: ReadonlyMap<number, InvoiceLine>;
  shippingRateBasisPoints: number | null;
  earlier: readonly Pick<AdjustmentContent, 'lines' | 'total'>[];
  request: CreditRequest;
}): AdjustedAmounts {
  const { invoice, request } = input;
  const charged = invoice.vat.mode === 'included';
  const earlierLines = input.earlier.flatMap((c) => c.lines);
  const units = new Map<number, number>();
  const amounts = new Map<number, number>();
  for (const l of earlierLines) {
    if (l.position === null) continue;
    addTo(units, l.position, l.quantity);
    addTo(amounts, l.position, l.amount);
  }

  const lines: AdjustmentLine[] = [];
  for (const item of request.items) {
    assertAmount(item.quantity, 'quantity', 'credit_note.invalid_amount', 0);
    assertAmount(item.amount, 'amount', 'credit_note.invalid_amount', 0);
    const line = input.positions.get(item.position);
    if (!line) throw new DomainError('credit_note.position_not_invoiced', { field: 'position', rule: 'DOC-1', position: item.position });
    const alreadyUnits = units.get(item.position) ?? 0;
    if (alreadyUnits + item.quantity > line.quantity) {
      throw new DomainError('credit_note.exceeds_invoiced_units', { field: 'quantity', rule: 'DOC-1', position: item.position, invoiced: line.quantity, alreadyCredited: alreadyUnits });
    }
    const alreadyAmount = amounts.get(item.position) ?? 0;
    if (alreadyAmount + item.amount > line.total) {
      throw new DomainError('credit_note.exceeds_invoice', { field: 'amount', rule: 'DOC-1', position: item.position, invoiced: line.total, alreadyCredited: alreadyAmount });
    }
    addTo(units, item.position, item.quantity);
    addTo(amounts, item.position, item.amount);
    if (item.quantity === 0 && item.amount === 0) continue;
    lines.push({ kind: 'goods', position: item.position, sku: line.sku, description: line.description, quantity: item.quantity, amount: item.amount, vatRateBasisPoints: line.vatRateBasisPoints });
  }

  assertAmount(request.shipping, 'shipping', 'credit_note.invalid_amount', 0);
  if (request.shipping > 0) {
    const alreadyShipping = earlierLines.filter((l) => l.kind === 'shipping').reduce((n, l) => n + l.amount, 0);
    if (alreadyShipping + request.shipping > invoice.shipping.amount) {
      throw new DomainError('credit_note.exceeds_invoice', { field: 'shipping', rule: 'DOC-1', invoiced: invoice.shipping.amount, alreadyCredited: alreadyShipping });
    }
    const description = { fr: `${SHIPPING.fr} — ${invoice.shipping.label.fr}`, en: `${SHIPPING.en} — ${invoice.shipping.label.en}` };
    lines.push({ kind: 'shipping', position: null, sku: null, description, quantity: 1, amount: request.shipping, vatRateBasisPoints: charged ? input.shippingRateBasisPoints : null });
  }

  for (const other of request.other ?? []) {
    assertAmount(other.amount, 'amount', 'credit_note.invalid_amount', 1);
    assertAmount(other.vatRateBasisPoints, 'vatRateBasisPoints', 'credit_note.invalid_amount', 0);
    lines.push({ kind: 'other', position: null, sku: null, description: other.label, quantity: 1, amount: other.amount, vatRateBasisPoints: charged ? other.vatRateBasisPoints : null });
  }

  const total = lines.reduce((n, l) => n + l.amount, 0);
  if (total === 0) throw new DomainError('credit_note.empty', { field: 'items', rule: 'DOC-1' }, 'A credit note credits something.');
  const alreadyCredited = input.earlier.reduce((n, c) => n + c.total, 0);
  if (alreadyCredited + total > invoice.total) {
    throw new DomainError('credit_note.exceeds_invoice', { field: 'amount', rule: 'DOC-1', invoiced: invoice.total, alreadyCredited, requested: total }, 'The credit notes of an invoice never exceed it.');
  }
  if (!charged) return { lines, total, vat: vatTotals(invoice.vat.mode, [], total) };

  // Never more VAT back at a rate than the invoice charged at it.
  const before = grossByRate(earlierLines);
  const now = grossByRate(lines);
  for (const [rate, gross] of now) {
    const invoiced = invoice.vat.breakdown.find((r) => r.rateBasisPoints === rate);
    const invoicedGross = invoiced ? invoiced.base + invoiced.vat : 0;
    if ((before.get(rate) ?? 0) + gross > invoicedGross) {
      throw new DomainError('credit_note.exceeds_invoice', { field: 'amount', rule: 'DOC-1', rateBasisPoints: rate, invoiced: invoicedGross, alreadyCredited: before.get(rate) ?? 0 });
    }
  }
  return { lines, total, vat: vatTotals('included', creditedVatRows(invoice.vat.breakdown, before, now, invoice.currency), total) };
}

const CHARGE_DESCRIPTION: Record<'gift_kept' | 'bundle_repriced', Localised> = {
  gift_kept: { fr: 'cadeau conservé, facturé à son prix initial', en: 'gift kept, charged at its initial price' },
  bundle_repriced: { fr: 'article conservé, refacturé sans la remise du lot', en: 'item kept, re-priced without the bundle discount' },
};

/** RF-5: the default reason of a complementary invoice. */
export const COMPLEMENTARY_REASON: Localised = {
  fr: 'Retour partiel d\'une commande avec promotion : cadeau conservé ou lot incomplet.',
  en: 'Partial return of an order with a promotion: gift kept or bundle broken up.',
};

export type ChargeRequest = readonly { position: number; quantity: number; amount: number; kind: 'gift_kept' | 'bundle_repriced' }[];

/**
 * RF-5: the lines, total and VAT of a complementary invoice on `invoice`: a
 * gift line kept (charged at its initial price) or a bundle line kept (the
 * discount taken back), each at its line's VAT rate, never more units than
 * invoiced per line and kind counting the earlier complementary invoices.
 * @throws complementary_invoice.invalid_amount, complementary_invoice.position_not_invoiced,
 *   complementary_invoice.invalid_item, complementary_invoice.exceeds_invoiced_units, complementary_invoice.empty
 */
export function complementaryInvoiceAmounts(input: {
  invoice: Pick<InvoiceContent, 'currency' | 'vat'>;
  positions: ReadonlyMap<number, InvoiceLine>;
  earlier: readonly Pick<AdjustmentContent, 'lines'>[];
  items: ChargeRequest;
}): AdjustedAmounts {
  const charged = new Map<string, number>();
  const keyOf = (kind: string, position: number) => `${kind}:${position}`;
  for (const l of input.earlier.flatMap((c) => c.lines)) if (l.position !== null) charged.set(keyOf(l.kind, l.position), (charged.get(keyOf(l.kind, l.position)) ?? 0) + l.quantity);

  const lines: AdjustmentLine[] = [];
  for (const item of input.items) {
    assertAmount(item.quantity, 'quantity', 'complementary_invoice.invalid_amount', 1);
    assertAmount(item.amount, 'amount', 'complementary_invoice.invalid_amount', 1);
    const line = input.positions.get(item.position);
    if (!line) throw new DomainError('complementary_invoice.position_not_invoiced', { field: 'position', rule: 'RF-5', position: item.position });
    // A gift is charged only on a gift line; a bundle is re-priced only on a paid line.
    if ((item.kind === 'gift_kept') !== line.isGift) throw new DomainError('complementary_invoice.invalid_item', { field: 'kind', rule: 'RF-5', position: item.position, kind: item.kind });
    const already = charged.get(keyOf(item.kind, item.position)) ?? 0;
    if (already + item.quantity > line.quantity) {
      throw new DomainError('complementary_invoice.exceeds_invoiced_units', { field: 'quantity', rule: 'RF-5', position: item.position, invoiced: line.quantity, alreadyCharged: already });
    }
    charged.set(keyOf(item.kind, item.position), already + item.quantity);
    const note = CHARGE_DESCRIPTION[item.kind];
    lines.push({
      kind: item.kind,
      position: item.position,
      sku: line.sku,
      description: { fr: `${line.description.fr} — ${note.fr}`, en: `${line.description.en} — ${note.en}` },
      quantity: item.quantity,
      amount: item.amount,
      vatRateBasisPoints: line.vatRateBasisPoints,
    });
  }
  const total = lines.reduce((n, l) => n + l.amount, 0);
  if (total === 0) throw new DomainError('complementary_invoice.empty', { field: 'items', rule: 'RF-5' }, 'A complementary invoice charges something.');
  const breakdown = input.invoice.vat.mode === 'included' ? regrossVatRows<VatRow>([], grossByRate(lines), input.invoice.currency, {}) : [];
  return { lines, total, vat: vatTotals(input.invoice.vat.mode, breakdown, total) };
}

/**
 * DOC-1: a credit request less an amount kept (SH-7: the fee of an uncollected
 * store pickup), so the credit note states exactly the money given back: the
 * amount is taken off the delivery first, then off the items from the last.
 */
export function creditLessKept(request: CreditRequest, kept: number): CreditRequest {
  let left = kept;
  const shipping = request.shipping - Math.min(left, request.shipping);
  left -= request.shipping - shipping;
  const items = [...request.items];
  for (let i = items.length - 1; i >= 0 && left > 0; i--) {
    const part = Math.min(left, items[i]!.amount);
    items[i] = { ...items[i]!, amount: items[i]!.amount - part };
    left -= part;
  }
  return { ...request, shipping, items: items.filter((i) => i.amount > 0) };
}

/** EX-1 / DOC-1: the reason of the invoice of an exchange's replacement. */
export const EXCHANGE_REPLACEMENT_REASON: Localised = {
  fr: 'Échange : article de remplacement, en complément de la facture.',
  en: 'Exchange: replacement item, in addition to the invoice.',
};

const REPLACEMENT_NOTE: Localised = { fr: "article d'échange", en: 'exchange item' };

/** An order line added by an exchange (EX-1), billed in full: its units and gross total. */
export type ReplacementCharge = { position: number; sku: string; description: Localised; quantity: number; amount: number; vatRateBasisPoints: number };

const isReplacementInvoice = (c: Pick<AdjustmentContent, 'kind' | 'lines'>) =>
  c.kind === 'complementary_invoice' && c.lines.length > 0 && c.lines.every((l) => l.kind === 'exchange_replacement');

/** The order line positions the exchange replacement invoices among `documents` bill (lines the invoice does not list). */
export function replacementPositions(documents: readonly Pick<AdjustmentContent, 'kind' | 'lines'>[]): Set<number> {
  return new Set(documents.filter(isReplacementInvoice).flatMap((c) => c.lines.map((l) => l.position!)));
}

/**
 * EX-1 / DOC-1: the lines, total and VAT of the complementary invoice of an
 * exchange's replacement lines — order lines the invoice does not list, each
 * billed once (never a position the invoice or an earlier document bills), at
 * its line's VAT rate when the invoice charges VAT, each rate's gross split
 * once like the cart.
 * @throws complementary_invoice.invalid_amount, complementary_invoice.position_already_invoiced, complementary_invoice.empty
 */
export function replacementInvoiceAmounts(input: {
  invoice: Pick<InvoiceContent, 'currency' | 'vat'>;
  positions: ReadonlyMap<number, InvoiceLine>;
  earlier: readonly Pick<AdjustmentContent, 'kind' | 'lines'>[];
  items: readonly ReplacementCharge[];
}): AdjustedAmounts {
  const billed = new Set([...input.positions.keys(), ...replacementPositions(input.earlier)]);
  const charged = input.invoice.vat.mode === 'included';
  const lines: AdjustmentLine[] = [];
  for (const item of input.items) {
    assertAmount(item.quantity, 'quantity', 'complementary_invoice.invalid_amount', 1);
    assertAmount(item.amount, 'amount', 'complementary_invoice.invalid_amount', 1);
    if (billed.has(item.position)) throw new DomainError('complementary_invoice.position_already_invoiced', { field: 'position', rule: 'DOC-1', position: item.position });
    billed.add(item.position);
    lines.push({
      kind: 'exchange_replacement',
      position: item.position,
      sku: item.sku,
      description: { fr: `${item.description.fr} — ${REPLACEMENT_NOTE.fr}`, en: `${item.description.en} — ${REPLACEMENT_NOTE.en}` },
      quantity: item.quantity,
      amount: item.amount,
      vatRateBasisPoints: charged ? item.vatRateBasisPoints : null,
    });
  }
  const total = lines.reduce((n, l) => n + l.amount, 0);
  if (total === 0) throw new DomainError('complementary_invoice.empty', { field: 'items', rule: 'DOC-1' }, 'A complementary invoice charges something.');
  const breakdown = charged ? regrossVatRows<VatRow>([], grossByRate(lines), input.invoice.currency, {}) : [];
  return { lines, total, vat: vatTotals(input.invoice.vat.mode, breakdown, total) };
}

/**
 * DOC-1 / EX-1: what credit notes may credit once exchange replacements are
 * billed by complementary invoices: the invoice's positions plus the
 * replacement lines (their units and gross amounts), its total plus theirs,
 * its VAT rows plus theirs rate by rate — so crediting everything gives back
 * exactly the VAT of the invoice and of those documents. The other
 * complementary invoices (RF-5 charges) bill no new line: they change nothing.
 */
export function withReplacementsBilled<I extends Pick<InvoiceContent, 'total' | 'vat'>>(
  invoice: I,
  positions: ReadonlyMap<number, InvoiceLine>,
  complementary: readonly Pick<AdjustmentContent, 'kind' | 'lines' | 'total' | 'vat'>[],
): { invoice: I; positions: Map<number, InvoiceLine> } {
  const billed = complementary.filter(isReplacementInvoice);
  const out = new Map(positions);
  if (billed.length === 0) return { invoice, positions: out };
  const rows = new Map(invoice.vat.breakdown.map((r) => [r.rateBasisPoints, { ...r }]));
  for (const doc of billed) {
    for (const l of doc.lines) {
      out.set(l.position!, {
        sku: l.sku!,
        description: l.description,
        options: {},
        quantity: l.quantity,
        unitPrice: Math.floor(l.amount / l.quantity),
        ecoFeePerUnit: 0,
        goods: l.amount,
        ecoFee: 0,
        discount: 0,
        total: l.amount,
        vatRateBasisPoints: l.vatRateBasisPoints,
        isGift: false,
      });
    }
    for (const r of doc.vat.breakdown) {
      const row = rows.get(r.rateBasisPoints) ?? { rateBasisPoints: r.rateBasisPoints, base: 0, vat: 0 };
      rows.set(r.rateBasisPoints, { ...row, base: row.base + r.base, vat: row.vat + r.vat });
    }
  }
  const breakdown = [...rows.values()].sort((a, b) => b.rateBasisPoints - a.rateBasisPoints);
  const total = invoice.total + billed.reduce((n, d) => n + d.total, 0);
  return { invoice: { ...invoice, total, vat: { ...invoice.vat, breakdown } }, positions: out };
}
