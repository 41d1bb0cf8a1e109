// DOC-1 / AV-1: an invoice bills what is sold. Units cancelled before the
// invoice is issued (AV-1: unavailable; PF invoices at the last dispatch, a
// financed FA order at the first) are left out of it:
//   - each line keeps `quantity − cancelled` units: goods = unit price × kept,
//     eco-fee = eco-fee per unit × kept, total = `lineAmountFor(line, 0, kept)`
//     — the amount the dispatches captured for them (PA-3) — and the discount
//     is what makes goods + eco-fee − discount = total; a line cancelled in
//     full is not printed;
//   - the VAT breakdown is recomputed ONCE per rate, the way the cart's
//     calculator does it (PR-9, pricing/cart-pricing.ts): the rate's gross
//     total less the amounts removed at that rate, then VAT = gross × r /
//     (10 000 + r); a rate left untouched keeps its row as it is, a rate with
//     nothing left is dropped. Σ(base + VAT) is then the invoice's total exactly.
// Units cancelled AFTER the invoice was issued are refunded and need a credit
// note (DOC-1), which this function does not make.
import { lineAmountFor } from '../fulfilment/fulfilment-plan.js';
import { money, type Currency } from '../money.js';
import { splitInclusive } from '../pricing/vat.js';
import type { InvoiceContent } from './invoice-content.js';

export type InvoiceLine = InvoiceContent['lines'][number];
export type VatRow = InvoiceContent['vat']['breakdown'][number];

/** An order line as invoiced, with its units cancelled (AV-1). */
export type OrderedLine = InvoiceLine & { readonly cancelledQuantity: number };

export type BilledUnits = {
  lines: InvoiceLine[];
  goods: number;
  ecoFees: number;
  discounts: number;
  total: number;
  breakdown: VatRow[];
};

/**
 * PR-9: the VAT rows after the gross total of some rates changed by `deltas`
 * (rate in basis points → minor units, negative for amounts removed). Rows
 * whose rate has no delta are kept as they are; a changed rate is split again
 * from its new gross; a rate whose gross falls to 0 is dropped, a new rate is
 * added. Rows stay sorted by rate, highest first (the calculator's order).
 */
export function regrossVatRows<R extends VatRow>(rows: readonly R[], deltas: ReadonlyMap<number, number>, currency: Currency, extra: Omit<R, keyof VatRow>): R[] {
  const out: R[] = [];
  const rates = new Set([...rows.map((r) => r.rateBasisPoints), ...deltas.keys()]);
  for (const rate of [...rates].sort((a, b) => b - a)) {
    const row = rows.find((r) => r.rateBasisPoints === rate);
    const delta = deltas.get(rate) ?? 0;
    if (row && delta === 0) {
      out.push(row);
      continue;
    }
    const gross = (row ? row.base + row.vat : 0) + delta;
    if (gross < 0) throw new Error(`VAT rate ${rate}: the amounts removed exceed the rate's total (PR-9)`);
    if (gross === 0) continue;
    const { net, vat } = splitInclusive(money(gross, currency), rate);
    out.push({ ...(row ?? (extra as R)), rateBasisPoints: rate, base: net.amount, vat: vat.amount });
  }
  return out;
}

/** DOC-1 / AV-1: the invoice's lines, amounts and VAT breakdown without the cancelled units (see the header). */
export function withoutCancelledUnits(input: { lines: readonly OrderedLine[]; shipping: number; breakdown: readonly VatRow[]; currency: Currency }): BilledUnits {
  const deltas = new Map<number, number>();
  const lines: InvoiceLine[] = [];
  for (const { cancelledQuantity, ...line } of input.lines) {
    if (cancelledQuantity === 0) {
      lines.push(line);
      continue;
    }
    const kept = line.quantity - cancelledQuantity;
    const total = lineAmountFor(line, 0, kept);
    if (line.vatRateBasisPoints !== null) deltas.set(line.vatRateBasisPoints, (deltas.get(line.vatRateBasisPoints) ?? 0) - (line.total - total));
    if (kept === 0) continue;
    const goods = line.unitPrice * kept;
    const ecoFee = line.ecoFeePerUnit * kept;
    lines.push({ ...line, quantity: kept, goods, ecoFee, discount: goods + ecoFee - total, total });
  }
  const sum = (pick: (l: InvoiceLine) => number) => lines.reduce((n, l) => n + pick(l), 0);
  const total = sum((l) => l.total) + input.shipping;
  const breakdown = input.breakdown.length === 0 ? [] : regrossVatRows(input.breakdown, deltas, input.currency, {});
  return { lines, goods: sum((l) => l.goods), ecoFees: sum((l) => l.ecoFee), discounts: sum((l) => l.discount), total, breakdown };
}
