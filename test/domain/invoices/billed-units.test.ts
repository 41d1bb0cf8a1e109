// DOC-1 / AV-1: an invoice issued after units were cancelled does not bill
// them — lines, totals and the VAT breakdown per rate recomputed to the cent.
import { describe, expect, it } from 'vitest';
import { regrossVatRows, withoutCancelledUnits, type OrderedLine, type VatRow } from '../../../src/domain/invoices/billed-units.js';
import { money } from '../../../src/domain/money.js';
import { splitInclusive } from '../../../src/domain/pricing/vat.js';

const line = (over: Partial<OrderedLine> & Pick<OrderedLine, 'quantity' | 'unitPrice'>): OrderedLine => {
  const goods = over.unitPrice * over.quantity;
  const ecoFee = (over.ecoFeePerUnit ?? 0) * over.quantity;
  const discount = over.discount ?? 0;
  return {
    sku: 'SKU',
    description: { fr: 'Article', en: 'Item' },
    options: {},
    ecoFeePerUnit: 0,
    goods,
    ecoFee,
    discount,
    total: goods + ecoFee - discount,
    vatRateBasisPoints: 2000,
    isGift: false,
    cancelledQuantity: 0,
    ...over,
  };
};

/** The calculator's breakdown (PR-9): per rate, VAT once on the rate's gross. */
const breakdownOf = (grossByRate: [number, number][]): VatRow[] =>
  grossByRate.map(([rate, gross]) => {
    const { net, vat } = splitInclusive(money(gross, 'EUR'), rate);
    return { rateBasisPoints: rate, base: net.amount, vat: vat.amount };
  });

describe('DOC-1 / AV-1 the invoice without the cancelled units', () => {
  it('AV-1 nothing cancelled: the invoice is the order, unchanged', () => {
    const lines = [line({ quantity: 2, unitPrice: 2_500 })];
    const breakdown = breakdownOf([[2000, 5_000 + 490]]);
    const billed = withoutCancelledUnits({ lines, shipping: 490, breakdown, currency: 'EUR' });
    const { cancelledQuantity: _none, ...printed } = lines[0]!;
    expect(billed).toEqual({ lines: [printed], goods: 5_000, ecoFees: 0, discounts: 0, total: 5_490, breakdown });
  });

  it('AV-1 / PR-9 one of three units at 33.33 cancelled, 20 % VAT: 66.66 + 4.99 delivery = 71.65, VAT 11.94 computed once on the rate (not 16.67 − 5.56)', () => {
    const lines = [line({ quantity: 3, unitPrice: 3_333, cancelledQuantity: 1 })];
    const breakdown = breakdownOf([[2000, 9_999 + 499]]); // 104.98: VAT 17.50
    expect(breakdown).toEqual([{ rateBasisPoints: 2000, base: 8_748, vat: 1_750 }]);
    const billed = withoutCancelledUnits({ lines, shipping: 499, breakdown, currency: 'EUR' });
    expect(billed.lines).toEqual([expect.objectContaining({ quantity: 2, goods: 6_666, ecoFee: 0, discount: 0, total: 6_666 })]);
    expect(billed.total).toBe(7_165);
    expect(billed.breakdown).toEqual([{ rateBasisPoints: 2000, base: 5_971, vat: 1_194 }]); // 71.65 × 20/120 = 11.9416… → 11.94
    expect(billed.breakdown[0]!.base + billed.breakdown[0]!.vat).toBe(billed.total);
  });

  it('AV-1 a discounted line: the kept units carry their share of the discount, so that the kept total is what dispatch captured (PA-3)', () => {
    // 3 × 33.33 = 99.99 less 9.99 → 90.00; one unit cancelled → kept 60.00 (floor(9000 × 2 / 3)), discount 6.66.
    const lines = [line({ quantity: 3, unitPrice: 3_333, discount: 999, cancelledQuantity: 1 })];
    const billed = withoutCancelledUnits({ lines, shipping: 0, breakdown: breakdownOf([[2000, 9_000]]), currency: 'EUR' });
    expect(billed.lines[0]).toMatchObject({ quantity: 2, goods: 6_666, discount: 666, total: 6_000 });
    expect(billed).toMatchObject({ goods: 6_666, discounts: 666, total: 6_000, breakdown: [{ rateBasisPoints: 2000, base: 5_000, vat: 1_000 }] });
  });

  it('AV-1 two rates: only the rate of the cancelled units is recomputed; a line cancelled in full is not printed; eco-fees follow the units (PR-3)', () => {
    const book = line({ sku: 'BOOK', quantity: 1, unitPrice: 1_990, vatRateBasisPoints: 550, cancelledQuantity: 1 });
    const drill = line({ sku: 'DRILL', quantity: 2, unitPrice: 8_990, ecoFeePerUnit: 50 });
    const breakdown = breakdownOf([[2000, drill.total + 690], [550, book.total]]);
    const billed = withoutCancelledUnits({ lines: [book, drill], shipping: 690, breakdown, currency: 'EUR' });
    expect(billed.lines.map((l) => l.sku)).toEqual(['DRILL']);
    expect(billed).toMatchObject({ goods: 17_980, ecoFees: 100, discounts: 0, total: 18_770 });
    expect(billed.breakdown).toEqual([breakdown[0]]); // 20 % untouched, 5.5 % gone
    expect(billed.breakdown[0]).toBe(breakdown[0]);
  });

  it('PR-1: a shop not subject to VAT has no breakdown, before and after', () => {
    const lines = [line({ quantity: 2, unitPrice: 12_000, vatRateBasisPoints: null, cancelledQuantity: 1 })];
    expect(withoutCancelledUnits({ lines, shipping: 1_500, breakdown: [], currency: 'EUR' })).toMatchObject({ total: 13_500, breakdown: [] });
  });
});

describe('PR-9 VAT rows after an amount is added or removed at a rate', () => {
  it('AV-1c a substitute line adds to its rate; a new rate gets its row; rows stay highest rate first with their other fields', () => {
    const rows = [{ rateBasisPoints: 2000, base: 10_000, vat: 2_000, treatment: 'included' as const }];
    const out = regrossVatRows(rows, new Map([[2000, 3_000], [550, 1_055]]), 'EUR', { treatment: 'included' as const });
    expect(out).toEqual([
      { rateBasisPoints: 2000, base: 12_500, vat: 2_500, treatment: 'included' },
      { rateBasisPoints: 550, base: 1_000, vat: 55, treatment: 'included' },
    ]);
  });
});
