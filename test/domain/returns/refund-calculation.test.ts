// The refund calculator of a return: items to the cent (lineAmountFor), WD-8
// depreciation, RF-2 delivery (law, JW and FA variants), EX-1, RF-5 gifts and
// bundles (FA), WD-6 label cost (FR), RF-6 echo; refund and what is owed.
import { describe, expect, it } from 'vitest';
import { calculateRefund, type RefundableLine, type RefundCalculationInput } from '../../../src/domain/returns/refund-calculation.js';

const line = (position: number, quantity: number, total: number, more: Partial<RefundableLine> = {}): RefundableLine => ({
  position,
  quantity,
  cancelledQuantity: 0,
  total,
  discount: 0,
  promotionId: null,
  isGift: false,
  initialUnitPrice: null,
  vatRateBasisPoints: 2000,
  ...more,
});

const input = (more: Partial<RefundCalculationInput> = {}): RefundCalculationInput => ({
  currency: 'EUR',
  lines: [line(1, 3, 100_00), line(2, 1, 59_90)],
  earlier: [],
  returned: [{ position: 1, accepted: 1, depreciation: 0 }],
  shipping: { paid: 0, cheapestStandard: 4_90, rule: 'cheapest_standard', alreadyRefunded: 0 },
  nonConforming: false,
  returnLabelCost: 0,
  customerBankFeesRefunded: true,
  ...more,
});

const withShipping = (rule: RefundCalculationInput['shipping']['rule'], paid: number, alreadyRefunded = 0) => ({ shipping: { paid, cheapestStandard: 4_90, rule, alreadyRefunded } });
const invalidAt = (field: string) => expect.objectContaining({ code: 'refund.invalid_return', details: expect.objectContaining({ field }) });

describe('items: each accepted unit at its share of the line, to the cent', () => {
  it('100.00 over 3 units: 33.33, 33.33, then 33.34 — continuing after the units earlier returns refunded', () => {
    expect(calculateRefund(input()).items).toEqual([{ position: 1, quantity: 1, amount: 33_33, depreciation: 0, alreadyRefunded: 0, net: 33_33 }]);
    expect(calculateRefund(input({ earlier: [{ position: 1, accepted: 1 }] })).itemsTotal).toBe(33_33);
    expect(calculateRefund(input({ earlier: [{ position: 1, accepted: 2 }] })).itemsTotal).toBe(33_34);
    expect(calculateRefund(input({ returned: [{ position: 1, accepted: 3, depreciation: 0 }] })).itemsTotal).toBe(100_00);
  });

  it('several positions add up; the whole order back is flagged', () => {
    const result = calculateRefund(input({ returned: [{ position: 2, accepted: 1, depreciation: 0 }, { position: 1, accepted: 3, depreciation: 0 }] }));
    expect(result.items.map((i) => [i.position, i.amount])).toEqual([
      [2, 59_90],
      [1, 100_00],
    ]);
    expect(result).toMatchObject({ itemsTotal: 159_90, refund: 159_90, owed: 0, wholeOrderReturned: true });
  });

  it('wholeOrderReturned counts earlier returns, leaves cancelled units and gift lines out', () => {
    const lines = [line(1, 3, 100_00, { cancelledQuantity: 1 }), line(2, 1, 59_90), line(3, 1, 0, { isGift: true, promotionId: 'GIFT', initialUnitPrice: 15_00 })];
    const result = calculateRefund(input({ lines, earlier: [{ position: 2, accepted: 1 }], returned: [{ position: 1, accepted: 2, depreciation: 0 }] }));
    expect(result.wholeOrderReturned).toBe(true);
    expect(result.itemsTotal).toBe(66_66); // units 1 and 2 of 3: the cancelled one took the last slot
    expect(calculateRefund(input({ lines, returned: [{ position: 1, accepted: 2, depreciation: 0 }] })).wholeOrderReturned).toBe(false);
  });

  it('refuses bad input with the field at fault', () => {
    const lines = [line(1, 3, 100_00, { cancelledQuantity: 1 }), line(2, 1, 59_90)];
    expect(() => calculateRefund(input({ returned: [{ position: 9, accepted: 1, depreciation: 0 }] }))).toThrow(invalidAt('returned.0.position'));
    expect(() => calculateRefund(input({ returned: [{ position: 1, accepted: 0, depreciation: 0 }] }))).toThrow(invalidAt('returned.0.accepted'));
    expect(() => calculateRefund(input({ returned: [{ position: 1, accepted: 1.5, depreciation: 0 }] }))).toThrow(invalidAt('returned.0.accepted'));
    // 3 ordered − 1 cancelled − 1 earlier = 1 left
    expect(() => calculateRefund(input({ lines, earlier: [{ position: 1, accepted: 1 }], returned: [{ position: 1, accepted: 2, depreciation: 0 }] }))).toThrow(
      expect.objectContaining({ code: 'refund.invalid_return', details: expect.objectContaining({ field: 'returned.0.accepted', available: 1 }) }),
    );
    expect(() =>
      calculateRefund(input({ returned: [{ position: 1, accepted: 1, depreciation: 0 }, { position: 1, accepted: 1, depreciation: 0 }] })),
    ).toThrow(invalidAt('returned.1.position'));
    expect(() => calculateRefund(input({ earlier: [{ position: 7, accepted: 1 }] }))).toThrow(invalidAt('earlier.0.position'));
    expect(() => calculateRefund(input({ lines, earlier: [{ position: 1, accepted: 3 }] }))).toThrow(invalidAt('earlier'));
    expect(() => calculateRefund(input({ lines: [line(1, 3, 100.5)] }))).toThrow(invalidAt('lines.0.total'));
    expect(() => calculateRefund(input({ lines: [line(1, 3, 100_00), line(1, 1, 5_00)] }))).toThrow(invalidAt('lines.1.position'));
    expect(() => calculateRefund(input({ shipping: { paid: -1, cheapestStandard: 4_90, rule: 'cheapest_standard', alreadyRefunded: 0 } }))).toThrow(invalidAt('shipping.paid'));
    expect(() => calculateRefund(input({ returnLabelCost: 5.9 }))).toThrow(invalidAt('returnLabelCost'));
    expect(() => calculateRefund(input({ currency: 'USD' as never }))).toThrow(invalidAt('currency'));
  });
});

describe('WD-8 depreciation (EL): taken off the returned item', () => {
  it('59.90 returned with 15.00 depreciation → 44.90', () => {
    const result = calculateRefund(input({ returned: [{ position: 2, accepted: 1, depreciation: 15_00 }] }));
    expect(result.items).toEqual([{ position: 2, quantity: 1, amount: 59_90, depreciation: 15_00, alreadyRefunded: 0, net: 44_90 }]);
    expect(result).toMatchObject({ itemsTotal: 59_90, depreciationTotal: 15_00, refund: 44_90 });
  });

  it('the whole amount at most; never negative nor fractional', () => {
    expect(calculateRefund(input({ returned: [{ position: 2, accepted: 1, depreciation: 59_90 }] })).refund).toBe(0);
    expect(() => calculateRefund(input({ returned: [{ position: 2, accepted: 1, depreciation: 59_91 }] }))).toThrow(
      expect.objectContaining({ code: 'refund.invalid_return', details: expect.objectContaining({ field: 'returned.0.depreciation', rule: 'WD-8', max: 59_90 }) }),
    );
    expect(() => calculateRefund(input({ returned: [{ position: 2, accepted: 1, depreciation: -1 }] }))).toThrow(invalidAt('returned.0.depreciation'));
    expect(() => calculateRefund(input({ returned: [{ position: 2, accepted: 1, depreciation: 0.5 }] }))).toThrow(invalidAt('returned.0.depreciation'));
  });
});

describe('RF-2 initial delivery', () => {
  it('GU-1: a price reduction already given on the line is not refunded again with its unit', () => {
    const r = calculateRefund(input({ returned: [{ position: 2, accepted: 1, depreciation: 0, alreadyRefunded: 20_00 }] }));
    expect(r.items).toEqual([{ position: 2, quantity: 1, amount: 59_90, depreciation: 0, alreadyRefunded: 20_00, net: 39_90 }]);
    expect(r).toMatchObject({ alreadyRefundedTotal: 20_00, refund: 39_90 });
  });

  it('nothing accepted back (every item refused, WD-8): no delivery refunded either', () => {
    const r = calculateRefund(input({ ...withShipping('cheapest_standard', 6_90), returned: [] }));
    expect(r).toMatchObject({ itemsTotal: 0, shipping: { amount: 0 }, refund: 0 });
  });

  it('law: express paid 12.90, cheapest standard 4.90 → 4.90, even on a partial return', () => {
    const result = calculateRefund(input(withShipping('cheapest_standard', 12_90)));
    expect(result.shipping).toEqual({ amount: 4_90, rule: 'RF-2: cheapest standard delivery 4.90 (paid 12.90)' });
    expect(result.refund).toBe(33_33 + 4_90);
  });

  it('law: standard paid 3.90, below the cheapest standard → 3.90', () => {
    expect(calculateRefund(input(withShipping('cheapest_standard', 3_90))).shipping).toEqual({ amount: 3_90, rule: 'RF-2: the initial delivery 3.90' });
  });

  it('free delivery → 0', () => {
    expect(calculateRefund(input(withShipping('full_initial_cost', 0))).shipping).toEqual({ amount: 0, rule: 'RF-2: free delivery, nothing to refund' });
  });

  it('JW full_initial_cost: the whole 12.90', () => {
    expect(calculateRefund(input(withShipping('full_initial_cost', 12_90))).shipping.amount).toBe(12_90);
  });

  it('"none" is below the law and raised to it', () => {
    const result = calculateRefund(input(withShipping('none', 12_90)));
    expect(result.shipping.amount).toBe(4_90);
    expect(result.shipping.rule).toContain('the law applies');
  });

  it('given back once per order: what earlier refunds gave is deducted', () => {
    expect(calculateRefund(input(withShipping('cheapest_standard', 12_90, 4_90))).shipping).toEqual({ amount: 0, rule: 'RF-2: delivery already refunded (4.90)' });
    expect(calculateRefund(input(withShipping('cheapest_standard', 12_90, 2_00))).shipping.amount).toBe(2_90);
    expect(calculateRefund(input(withShipping('full_initial_cost', 12_90, 4_90))).shipping.amount).toBe(8_00);
  });

  it('FA variant: nothing on a partial return of conforming goods', () => {
    const result = calculateRefund(input(withShipping('cheapest_standard_on_full_return_or_non_conformity', 12_90)));
    expect(result.shipping.amount).toBe(0);
    expect(result.shipping.rule).toContain('partial return');
  });

  it('FA variant: the cheapest standard with the return that completes the order', () => {
    const result = calculateRefund(
      input({ ...withShipping('cheapest_standard_on_full_return_or_non_conformity', 12_90), earlier: [{ position: 1, accepted: 2 }], returned: [{ position: 1, accepted: 1, depreciation: 0 }, { position: 2, accepted: 1, depreciation: 0 }] }),
    );
    expect(result).toMatchObject({ wholeOrderReturned: true, shipping: { amount: 4_90 }, itemsTotal: 33_34 + 59_90, refund: 33_34 + 59_90 + 4_90 });
  });

  it('FA variant: non-conforming goods get the delivery back even on a partial return', () => {
    expect(calculateRefund(input({ ...withShipping('cheapest_standard_on_full_return_or_non_conformity', 12_90), nonConforming: true })).shipping.amount).toBe(4_90);
  });

  it('EX-1 (JW): an exchange that does not refund the delivery → 0; one that does (EL) follows RF-2', () => {
    expect(calculateRefund(input({ ...withShipping('full_initial_cost', 12_90), exchangeRefundsShipping: false })).shipping).toEqual({
      amount: 0,
      rule: 'EX-1: an exchange does not refund the initial delivery',
    });
    expect(calculateRefund(input({ ...withShipping('cheapest_standard', 12_90), exchangeRefundsShipping: true })).shipping.amount).toBe(4_90);
  });
});

describe('RF-5 gifts (FA): a gift comes back with the purchase or is charged at its initial price', () => {
  const lines = [line(1, 2, 200_00), line(2, 1, 0, { isGift: true, promotionId: 'GIFT', initialUnitPrice: 15_00 })];
  const fa = { lines, promotions: { giftMustComeBack: true, bundleRepriced: true } };

  it('a purchase returned without the gift: the gift is charged 15.00, deducted from the refund', () => {
    const result = calculateRefund(input({ ...fa, returned: [{ position: 1, accepted: 1, depreciation: 0 }] }));
    expect(result.charges).toEqual([{ position: 2, quantity: 1, amount: 15_00, kind: 'gift_kept' }]);
    expect(result).toMatchObject({ itemsTotal: 100_00, chargesTotal: 15_00, refund: 85_00, owed: 0, wholeOrderReturned: false });
  });

  it('the gift comes back with it: no charge, the gift refunds 0', () => {
    const result = calculateRefund(input({ ...fa, returned: [{ position: 1, accepted: 1, depreciation: 0 }, { position: 2, accepted: 1, depreciation: 0 }] }));
    expect(result.items[1]).toEqual({ position: 2, quantity: 1, amount: 0, depreciation: 0, alreadyRefunded: 0, net: 0 });
    expect(result).toMatchObject({ charges: [], refund: 100_00 });
  });

  it('never charged twice; a gift back in an earlier return is not charged', () => {
    expect(calculateRefund(input({ ...fa, giftsAlreadyCharged: [{ position: 2, quantity: 1 }] })).charges).toEqual([]);
    expect(calculateRefund(input({ ...fa, earlier: [{ position: 2, accepted: 1 }] })).charges).toEqual([]);
  });

  it('only the gift returned, or a shop without the rule: no charge', () => {
    expect(calculateRefund(input({ ...fa, returned: [{ position: 2, accepted: 1, depreciation: 0 }] })).charges).toEqual([]);
    expect(calculateRefund(input({ lines, promotions: undefined })).charges).toEqual([]);
    expect(calculateRefund(input({ lines, promotions: { giftMustComeBack: false, bundleRepriced: true } })).charges).toEqual([]);
  });

  it('charges above the refund are owed on the complementary invoice', () => {
    const small = [line(1, 1, 10_00), line(2, 1, 0, { isGift: true, promotionId: 'GIFT', initialUnitPrice: 25_00 }), line(3, 1, 30_00)];
    const result = calculateRefund(input({ lines: small, promotions: fa.promotions, returned: [{ position: 1, accepted: 1, depreciation: 0 }] }));
    expect(result).toMatchObject({ itemsTotal: 10_00, chargesTotal: 25_00, refund: 0, owed: 15_00 });
  });

  it('a kept gift without its initial price cannot be charged', () => {
    const noPrice = [line(1, 2, 200_00), line(2, 1, 0, { isGift: true, promotionId: 'GIFT' })];
    expect(() => calculateRefund(input({ lines: noPrice, promotions: fa.promotions }))).toThrow(
      expect.objectContaining({ code: 'refund.invalid_return', details: expect.objectContaining({ field: 'lines.initialUnitPrice', rule: 'RF-5', position: 2 }) }),
    );
  });
});

describe('RF-5 bundles (FA): kept items of a returned discounted bundle are re-priced without the discount', () => {
  const lines = [
    line(1, 1, 40_00, { discount: 10_00, promotionId: 'LOT' }),
    line(2, 2, 60_00, { discount: 10_01, promotionId: 'LOT' }),
    line(3, 1, 30_00), // not in the bundle
  ];
  const fa = { lines, promotions: { giftMustComeBack: true, bundleRepriced: true } };

  it('part of the bundle returned: the kept units of the bundle are charged their discount', () => {
    const result = calculateRefund(input({ ...fa, returned: [{ position: 1, accepted: 1, depreciation: 0 }] }));
    expect(result.charges).toEqual([{ position: 2, quantity: 2, amount: 10_01, kind: 'bundle_repriced' }]);
    expect(result).toMatchObject({ itemsTotal: 40_00, chargesTotal: 10_01, refund: 29_99 });
  });

  it('the discount is spread over the units to the cent: the kept unit of a 2-unit line gets its share (5.01)', () => {
    const result = calculateRefund(input({ ...fa, returned: [{ position: 2, accepted: 1, depreciation: 0 }] }));
    expect(result.charges).toEqual([
      { position: 1, quantity: 1, amount: 10_00, kind: 'bundle_repriced' },
      { position: 2, quantity: 1, amount: 5_01, kind: 'bundle_repriced' }, // 10.01 = 5.00 (returned unit) + 5.01 (kept)
    ]);
    expect(result).toMatchObject({ itemsTotal: 30_00, chargesTotal: 15_01, refund: 14_99 });
  });

  it('never re-priced twice; the whole order back or no discounted unit back: no charge', () => {
    expect(calculateRefund(input({ ...fa, repricedAlready: [{ position: 2, quantity: 2 }], returned: [{ position: 1, accepted: 1, depreciation: 0 }] })).charges).toEqual([]);
    const all = [1, 2, 3].map((position) => ({ position, accepted: position === 2 ? 2 : 1, depreciation: 0 }));
    expect(calculateRefund(input({ ...fa, returned: all })).charges).toEqual([]);
    expect(calculateRefund(input({ ...fa, returned: [{ position: 3, accepted: 1, depreciation: 0 }] })).charges).toEqual([]);
    expect(calculateRefund(input({ lines, returned: [{ position: 1, accepted: 1, depreciation: 0 }] })).charges).toEqual([]); // no RF-5 rule
  });

  it('the whole bundle back while other items are kept: nothing left to re-price', () => {
    expect(calculateRefund(input({ ...fa, returned: [{ position: 1, accepted: 1, depreciation: 0 }, { position: 2, accepted: 2, depreciation: 0 }] })).charges).toEqual([]);
  });
});

describe('WD-6 return label (FR) and RF-6 bank fees (PF)', () => {
  it('the prepaid label cost is deducted from the refund', () => {
    const result = calculateRefund(input({ ...withShipping('cheapest_standard', 4_90), returned: [{ position: 2, accepted: 1, depreciation: 0 }], returnLabelCost: 5_90 }));
    expect(result).toMatchObject({ itemsTotal: 59_90, returnLabelCost: 5_90, refund: 59_90 + 4_90 - 5_90, owed: 0 });
  });

  it('the label cost is deducted only up to what is refunded, never owed', () => {
    const result = calculateRefund(input({ returned: [{ position: 2, accepted: 1, depreciation: 57_00 }], returnLabelCost: 5_90 }));
    expect(result).toMatchObject({ refund: 0, owed: 0 });
  });

  it('customer bank fees are echoed for the documents; amounts in pence for GBP', () => {
    const result = calculateRefund(input({ currency: 'GBP', customerBankFeesRefunded: false, ...withShipping('cheapest_standard', 9_95) }));
    expect(result).toMatchObject({ currency: 'GBP', customerBankFeesRefunded: false, refund: 33_33 + 4_90 });
  });
});
