// DOC-1 / RF-5: the lines, totals and VAT of credit notes and complementary
// invoices — never above the invoice (per line, shipping, rate, total), VAT
// rows to the cent and consistent with the invoice's rounding.
import { describe, expect, it } from 'vitest';
import { type InvoiceLine, type VatRow } from '../../../src/domain/invoices/billed-units.js';
import { complementaryInvoiceAmounts, creditNoteAmounts, invoicedPositions, type AdjustedAmounts } from '../../../src/domain/invoices/credit-note-content.js';
import type { InvoiceContent } from '../../../src/domain/invoices/invoice-content.js';
import { DomainError } from '../../../src/domain/errors.js';

const line = (sku: string, quantity: number, unitPrice: number, rate: number | null, over: Partial<InvoiceLine> = {}): InvoiceLine => ({
  sku,
  description: { fr: `Article ${sku}`, en: `Item ${sku}` },
  options: {},
  quantity,
  unitPrice,
  ecoFeePerUnit: 0,
  goods: unitPrice * quantity,
  ecoFee: 0,
  discount: 0,
  total: unitPrice * quantity,
  vatRateBasisPoints: rate,
  isGift: false,
  ...over,
});

// Two rates: 3 × 33.33 at 20 % and 2 × 10.99 at 5.5 %, shipping 5.90 at the sale's 20 %.
// Invoice rows (PR-9, VAT once per rate): 20 %: 105.89 → 88.24 + 17.65; 5.5 %: 21.98 → 20.83 + 1.15.
const lines = [line('A', 3, 3_333, 2000), line('B', 2, 1_099, 550), line('G', 1, 1_500, 2000, { isGift: true, discount: 1_500, total: 0 })];
const breakdown: VatRow[] = [
  { rateBasisPoints: 2000, base: 8_824, vat: 1_765 },
  { rateBasisPoints: 550, base: 2_083, vat: 115 },
];
const invoice: Pick<InvoiceContent, 'currency' | 'total' | 'shipping' | 'vat'> = {
  currency: 'EUR',
  total: 12_787,
  shipping: { label: { fr: 'Colissimo', en: 'Colissimo' }, amount: 590 },
  vat: { mode: 'included', breakdown, totalExclVat: 10_907, totalVat: 1_880 },
};
const positions = new Map([
  [1, lines[0]!],
  [2, lines[1]!],
  [3, lines[2]!],
]);

const credit = (request: Parameters<typeof creditNoteAmounts>[0]['request'], earlier: AdjustedAmounts[] = []) =>
  creditNoteAmounts({ invoice, positions, shippingRateBasisPoints: 2000, earlier, request });

const codeOf = (run: () => unknown): string => {
  try {
    run();
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  return 'no error';
};

describe('DOC-1 invoicedPositions', () => {
  it('matches order lines to invoice lines by SKU and options, skipping a line cancelled in full before the invoice', () => {
    const orderLines = [
      { position: 1, sku: 'A', options: {} },
      { position: 2, sku: 'X', options: {} }, // cancelled in full (AV-1): not on the invoice
      { position: 3, sku: 'B', options: {} },
      { position: 4, sku: 'G', options: {} },
    ];
    const map = invoicedPositions(orderLines, lines);
    expect([...map].map(([p, l]) => [p, l.sku])).toEqual([
      [1, 'A'],
      [3, 'B'],
      [4, 'G'],
    ]);
  });
});

describe('DOC-1 creditNoteAmounts', () => {
  it('credits part of the invoice at two rates with the shipping: VAT rows to the cent', () => {
    const first = credit({ items: [{ position: 1, quantity: 1, amount: 3_333 }, { position: 2, quantity: 1, amount: 1_099 }], shipping: 590 });
    expect(first.total).toBe(5_022);
    expect(first.lines.map((l) => [l.kind, l.position, l.quantity, l.amount, l.vatRateBasisPoints])).toEqual([
      ['goods', 1, 1, 3_333, 2000],
      ['goods', 2, 1, 1_099, 550],
      ['shipping', null, 1, 590, 2000],
    ]);
    // 20 %: 105.89 → 66.66 left: VAT 17.65 − 11.11 = 6.54 on 39.23; 5.5 %: 21.98 → 10.99 left: VAT 1.15 − 0.57 = 0.58 on 10.99.
    expect(first.vat).toEqual({
      mode: 'included',
      breakdown: [
        { rateBasisPoints: 2000, base: 3_269, vat: 654 },
        { rateBasisPoints: 550, base: 1_041, vat: 58 },
      ],
      totalExclVat: 4_310,
      totalVat: 712,
    });
  });

  it('gives back exactly the invoice\'s VAT once everything is credited (rows telescope)', () => {
    const first = credit({ items: [{ position: 1, quantity: 1, amount: 3_333 }, { position: 2, quantity: 1, amount: 1_099 }], shipping: 590 });
    const rest = credit({ items: [{ position: 1, quantity: 2, amount: 6_666 }, { position: 2, quantity: 1, amount: 1_099 }, { position: 3, quantity: 1, amount: 0 }], shipping: 0 }, [first]);
    expect(rest.vat.breakdown).toEqual([
      { rateBasisPoints: 2000, base: 5_555, vat: 1_111 },
      { rateBasisPoints: 550, base: 1_042, vat: 57 },
    ]);
    expect(first.total + rest.total).toBe(invoice.total);
    for (const row of breakdown) {
      const credited = [first, rest].flatMap((c) => c.vat.breakdown).filter((r) => r.rateBasisPoints === row.rateBasisPoints);
      expect(credited.reduce((n, r) => n + r.vat, 0)).toBe(row.vat);
      expect(credited.reduce((n, r) => n + r.base, 0)).toBe(row.base);
    }
    // A gift coming back is credited for its units, at no amount.
    expect(rest.lines.find((l) => l.position === 3)).toMatchObject({ quantity: 1, amount: 0 });
  });

  it('refuses more units or more money than invoiced, per line, for the shipping, per rate and in total', () => {
    const first = credit({ items: [{ position: 1, quantity: 2, amount: 6_666 }], shipping: 300 });
    expect(codeOf(() => credit({ items: [{ position: 1, quantity: 2, amount: 100 }], shipping: 0 }, [first]))).toBe('credit_note.exceeds_invoiced_units');
    expect(codeOf(() => credit({ items: [{ position: 1, quantity: 1, amount: 3_334 }], shipping: 0 }, [first]))).toBe('credit_note.exceeds_invoice');
    expect(codeOf(() => credit({ items: [], shipping: 291 }, [first]))).toBe('credit_note.exceeds_invoice');
    // An amount at a rate the invoice did not charge, or above what is left at it.
    expect(codeOf(() => credit({ items: [], shipping: 0, other: [{ label: { fr: 'Geste', en: 'Goodwill' }, amount: 100, vatRateBasisPoints: 1000 }] }))).toBe('credit_note.exceeds_invoice');
    expect(codeOf(() => credit({ items: [], shipping: 0, other: [{ label: { fr: 'Geste', en: 'Goodwill' }, amount: 2_199, vatRateBasisPoints: 550 }] }))).toBe('credit_note.exceeds_invoice');
    // In total.
    const all = credit({ items: [{ position: 1, quantity: 3, amount: 9_999 }, { position: 2, quantity: 2, amount: 2_198 }], shipping: 590 });
    expect(codeOf(() => credit({ items: [], shipping: 0, other: [{ label: { fr: 'Geste', en: 'Goodwill' }, amount: 1, vatRateBasisPoints: 2000 }] }, [all]))).toBe('credit_note.exceeds_invoice');
  });

  it('refuses a position not invoiced, a negative or fractional amount, and an empty credit note', () => {
    expect(codeOf(() => credit({ items: [{ position: 9, quantity: 1, amount: 1 }], shipping: 0 }))).toBe('credit_note.position_not_invoiced');
    expect(codeOf(() => credit({ items: [{ position: 1, quantity: 1, amount: -1 }], shipping: 0 }))).toBe('credit_note.invalid_amount');
    expect(codeOf(() => credit({ items: [{ position: 1, quantity: 1, amount: 1.5 }], shipping: 0 }))).toBe('credit_note.invalid_amount');
    expect(codeOf(() => credit({ items: [], shipping: 0 }))).toBe('credit_note.empty');
  });

  it('PR-1: without VAT (not subject) the lines carry no rate and there are no VAT rows', () => {
    const free = { ...invoice, vat: { mode: 'not_subject' as const, breakdown: [], totalExclVat: invoice.total, totalVat: 0 } };
    const noVat = new Map([...positions].map(([p, l]) => [p, { ...l, vatRateBasisPoints: null }]));
    const c = creditNoteAmounts({ invoice: free, positions: noVat, shippingRateBasisPoints: null, earlier: [], request: { items: [{ position: 1, quantity: 1, amount: 3_333 }], shipping: 590 } });
    expect(c.vat).toEqual({ mode: 'not_subject', breakdown: [], totalExclVat: 3_923, totalVat: 0 });
    expect(c.lines.every((l) => l.vatRateBasisPoints === null)).toBe(true);
  });
});

describe('RF-5 complementaryInvoiceAmounts', () => {
  const charge = (items: Parameters<typeof complementaryInvoiceAmounts>[0]['items'], earlier: AdjustedAmounts[] = []) =>
    complementaryInvoiceAmounts({ invoice, positions, earlier, items });

  it('charges a gift kept at its initial price and a bundle item re-priced, VAT once per rate', () => {
    const c = charge([
      { position: 3, quantity: 1, kind: 'gift_kept', amount: 1_500 },
      { position: 2, quantity: 1, kind: 'bundle_repriced', amount: 211 },
    ]);
    expect(c.total).toBe(1_711);
    expect(c.lines.map((l) => [l.kind, l.position, l.amount, l.vatRateBasisPoints, l.description.fr])).toEqual([
      ['gift_kept', 3, 1_500, 2000, 'Article G — cadeau conservé, facturé à son prix initial'],
      ['bundle_repriced', 2, 211, 550, 'Article B — article conservé, refacturé sans la remise du lot'],
    ]);
    // 15.00 at 20 %: 12.50 + 2.50; 2.11 at 5.5 %: 2.00 + 0.11.
    expect(c.vat.breakdown).toEqual([
      { rateBasisPoints: 2000, base: 1_250, vat: 250 },
      { rateBasisPoints: 550, base: 200, vat: 11 },
    ]);
    expect(c.vat.totalVat + c.vat.totalExclVat).toBe(c.total);
  });

  it('charges a gift only on a gift line, never more units than invoiced counting earlier complementary invoices', () => {
    expect(codeOf(() => charge([{ position: 1, quantity: 1, kind: 'gift_kept', amount: 100 }]))).toBe('complementary_invoice.invalid_item');
    expect(codeOf(() => charge([{ position: 3, quantity: 1, kind: 'bundle_repriced', amount: 100 }]))).toBe('complementary_invoice.invalid_item');
    const first = charge([{ position: 3, quantity: 1, kind: 'gift_kept', amount: 1_500 }]);
    expect(codeOf(() => charge([{ position: 3, quantity: 1, kind: 'gift_kept', amount: 1_500 }], [first]))).toBe('complementary_invoice.exceeds_invoiced_units');
    expect(codeOf(() => charge([{ position: 1, quantity: 1, kind: 'bundle_repriced', amount: 0 }]))).toBe('complementary_invoice.invalid_amount');
  });
});
