import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/domain/errors.js';
import { parseAmount, type Money } from '../../../src/domain/money.js';
import { applyPromotions, type PromotionDefinition, type PromotionLine } from '../../../src/domain/promotions/promotions.js';

const eur = (amount: string): Money => parseAmount(amount, 'EUR');
const NOW = new Date('2027-03-10T10:00:00Z');

const promo = (over: Partial<PromotionDefinition> & Pick<PromotionDefinition, 'id' | 'kind'>): PromotionDefinition => ({
  code: null,
  startsAt: null,
  endsAt: null,
  excludedProductIds: [],
  excludedCategoryIds: [],
  usageLimitTotal: null,
  usageLimitPerCustomer: null,
  usedTotal: 0,
  usedByCustomer: 0,
  combinable: true,
  ...over,
});

const ln = (lineId: string, amount: string, over: Partial<PromotionLine> = {}): PromotionLine => ({
  lineId,
  productId: `p-${lineId}`,
  categoryId: 'dresses',
  lineGoods: eur(amount),
  ...over,
});

// FR-like cart: a dress 85.00 and a T-shirt 45.00.
const cart = [ln('dress', '85.00'), ln('tee', '45.00', { categoryId: 'tops' })];

const run = (promotions: PromotionDefinition[], codes: string[] = [], lines: PromotionLine[] = cart, now = NOW) =>
  applyPromotions({ lines, promotions, codes, now, currency: 'EUR' });

const discounts = (outcome: ReturnType<typeof run>) => Object.fromEntries(outcome.lineDiscounts.map((d) => [d.lineId, d.discount]));

describe('PR-7 amounts', () => {
  it('a percentage on the eligible total, split in proportion to the lines', () => {
    const outcome = run([promo({ id: 'sales', kind: 'percentage', percentBasisPoints: 2000 })]);
    expect(outcome.totalDiscount).toEqual(eur('26.00'));
    expect(discounts(outcome)).toEqual({ dress: eur('17.00'), tee: eur('9.00') });
    expect(outcome.applied).toEqual([{ promotionId: 'sales', code: null, kind: 'percentage', discount: eur('26.00') }]);
  });

  it('PR-9 rounded once on the total, allocated without losing a cent: 10 % of 3 × 33.33', () => {
    const lines = [ln('a', '33.33'), ln('b', '33.33'), ln('c', '33.33')];
    const outcome = run([promo({ id: 'ten', kind: 'percentage', percentBasisPoints: 1000 })], [], lines);
    // 9.999 → 10.00, then 3.34 + 3.33 + 3.33
    expect(outcome.totalDiscount).toEqual(eur('10.00'));
    expect(discounts(outcome)).toEqual({ a: eur('3.34'), b: eur('3.33'), c: eur('3.33') });
  });

  it('a fixed amount never exceeds the eligible total', () => {
    const outcome = run([promo({ id: 'big', code: 'MINUS200', kind: 'fixed_amount', amount: eur('200.00') })], ['minus200']);
    expect(outcome.totalDiscount).toEqual(eur('130.00'));
    expect(discounts(outcome)).toEqual({ dress: eur('85.00'), tee: eur('45.00') });
  });

  it('a fixed amount split in proportion: 10.00 over 85.00 and 45.00', () => {
    const outcome = run([promo({ id: 'ten', code: 'DIX', kind: 'fixed_amount', amount: eur('10.00') })], ['DIX']);
    // 6.538… and 3.461… → 6.54 + 3.46
    expect(discounts(outcome)).toEqual({ dress: eur('6.54'), tee: eur('3.46') });
  });

  it('exclusions: by product and by category', () => {
    const byProduct = run([promo({ id: 'x', kind: 'percentage', percentBasisPoints: 1000, excludedProductIds: ['p-dress'] })]);
    expect(discounts(byProduct)).toEqual({ dress: eur('0.00'), tee: eur('4.50') });
    const byCategory = run([promo({ id: 'x', kind: 'percentage', percentBasisPoints: 1000, excludedCategoryIds: ['tops'] })]);
    expect(discounts(byCategory)).toEqual({ dress: eur('8.50'), tee: eur('0.00') });
  });

  it('two combinable promotions: the second works on what the first left', () => {
    const outcome = run(
      [promo({ id: 'auto10', kind: 'percentage', percentBasisPoints: 1000 }), promo({ id: 'five', code: 'CINQ', kind: 'fixed_amount', amount: eur('5.00') })],
      ['cinq'],
    );
    // 10 %: 8.50 + 4.50 = 13.00; then 5.00 over 76.50 and 40.50 → 3.27 + 1.73
    expect(outcome.applied.map((a) => [a.promotionId, a.discount])).toEqual([['auto10', eur('13.00')], ['five', eur('5.00')]]);
    expect(discounts(outcome)).toEqual({ dress: eur('11.77'), tee: eur('6.23') });
  });
});

describe('PR-7 codes that do not apply, with a stable reason', () => {
  const base = { id: 'code', code: 'BIENVENUE10', kind: 'fixed_amount' as const, amount: eur('10.00') };

  it.each<[string, Partial<PromotionDefinition>, string[], PromotionLine[] | undefined, object]>([
    ['unknown code', {}, ['NOPE'], undefined, { code: 'NOPE', reason: 'promotion.unknown_code' }],
    ['not started', { startsAt: new Date('2027-03-11T00:00:00Z') }, ['BIENVENUE10'], undefined, { reason: 'promotion.not_started', promotionId: 'code' }],
    ['expired (end exclusive)', { endsAt: NOW }, ['BIENVENUE10'], undefined, { reason: 'promotion.expired' }],
    ['minimum not reached', { minimumBasket: eur('130.01') }, ['BIENVENUE10'], undefined, { reason: 'promotion.minimum_not_reached', minimum: eur('130.01') }],
    ['total usage limit', { usageLimitTotal: 100, usedTotal: 100 }, ['BIENVENUE10'], undefined, { reason: 'promotion.usage_limit_reached' }],
    ['per-customer usage limit', { usageLimitPerCustomer: 1, usedByCustomer: 1 }, ['BIENVENUE10'], undefined, { reason: 'promotion.usage_limit_reached' }],
    ['nothing eligible', { excludedCategoryIds: ['dresses', 'tops'] }, ['BIENVENUE10'], undefined, { reason: 'promotion.nothing_eligible' }],
    ['only gift lines', {}, ['BIENVENUE10'], [ln('sample', '0.00', { isGift: true })], { reason: 'promotion.nothing_eligible' }],
    ['in another currency', { amount: parseAmount('10.00', 'GBP') }, ['BIENVENUE10'], undefined, { reason: 'promotion.other_currency' }],
  ])('PR-7 %s', (_title, over, codes, lines, rejection) => {
    const outcome = run([promo({ ...base, ...over })], codes, lines);
    expect(outcome.applied).toEqual([]);
    expect(outcome.totalDiscount).toEqual(eur('0.00'));
    expect(outcome.rejectedCodes).toEqual([expect.objectContaining(rejection)]);
  });

  it('PR-7 the bounds: valid from startsAt, inclusive minimum, codes case-insensitive', () => {
    const outcome = run([promo({ ...base, startsAt: NOW, endsAt: new Date('2027-03-10T10:00:00.001Z'), minimumBasket: eur('130.00') })], ['  bienvenue10 ']);
    expect(outcome.rejectedCodes).toEqual([]);
    expect(outcome.totalDiscount).toEqual(eur('10.00'));
  });

  it('PR-7 a code entered twice counts once; each unknown code is reported as entered', () => {
    const outcome = run([promo(base)], ['BIENVENUE10', 'bienvenue10', 'Foo']);
    expect(outcome.applied).toHaveLength(1);
    expect(outcome.rejectedCodes).toEqual([{ code: 'Foo', reason: 'promotion.unknown_code' }]);
  });
});

describe('PR-7 FR: a code is not combinable with a running promotion unless it says so', () => {
  const running = (combinable: boolean) => promo({ id: 'soldes', kind: 'percentage', percentBasisPoints: 2000, combinable });
  const code = (combinable: boolean) => promo({ id: 'bienvenue', code: 'BIENVENUE10', kind: 'fixed_amount', amount: eur('10.00'), combinable });

  it.each([
    // running combinable, code combinable → code applies
    [true, true, true],
    [true, false, false], // a non-combinable code refused while a promotion runs
    [false, true, false], // a non-combinable running promotion refuses every code
    [false, false, false],
  ])('PR-7 running combinable %s, code combinable %s → code applies: %s', (runningCombinable, codeCombinable, applies) => {
    const outcome = run([running(runningCombinable), code(codeCombinable)], ['BIENVENUE10']);
    expect(outcome.applied[0]?.promotionId).toBe('soldes');
    if (applies) {
      expect(outcome.applied.map((a) => a.promotionId)).toEqual(['soldes', 'bienvenue']);
      expect(outcome.rejectedCodes).toEqual([]);
    } else {
      expect(outcome.applied.map((a) => a.promotionId)).toEqual(['soldes']);
      expect(outcome.rejectedCodes).toEqual([{ code: 'BIENVENUE10', reason: 'promotion.not_combinable', promotionId: 'bienvenue', conflictsWith: 'soldes' }]);
      expect(outcome.totalDiscount).toEqual(eur('26.00'));
    }
  });

  it('PR-7 a running promotion that does not apply to the cart does not block a code', () => {
    const soldes = promo({ id: 'soldes', kind: 'percentage', percentBasisPoints: 2000, combinable: false, minimumBasket: eur('200.00') });
    const outcome = run([soldes, code(false)], ['BIENVENUE10']);
    expect(outcome.applied.map((a) => a.promotionId)).toEqual(['bienvenue']);
    expect(outcome.automaticNotApplied).toEqual([{ promotionId: 'soldes', reason: 'promotion.minimum_not_reached' }]);
  });

  it('PR-7 two codes: the second is refused when the first cannot stack', () => {
    const first = promo({ id: 'first', code: 'A', kind: 'percentage', percentBasisPoints: 1000, combinable: false });
    const second = promo({ id: 'second', code: 'B', kind: 'fixed_amount', amount: eur('5.00') });
    const outcome = run([first, second], ['a', 'b']);
    expect(outcome.applied.map((a) => a.promotionId)).toEqual(['first']);
    expect(outcome.rejectedCodes).toEqual([{ code: 'b', reason: 'promotion.not_combinable', promotionId: 'second', conflictsWith: 'first' }]);
  });
});

describe('PR-8 gifts', () => {
  const gift = promo({
    id: 'tote',
    kind: 'gift',
    minimumBasket: eur('100.00'),
    gift: { variantId: 'v-tote', productId: 'p-tote', sku: 'FA-TOTE', name: { fr: 'Tote bag', en: 'Tote bag' }, initialUnitPrice: eur('15.00') },
  });

  it('PR-8 a gift promotion adds a zero-price line that remembers its initial price (RF-5)', () => {
    const outcome = run([gift]);
    expect(outcome.giftLines).toEqual([
      { lineId: 'gift:tote', promotionId: 'tote', variantId: 'v-tote', productId: 'p-tote', sku: 'FA-TOTE', name: { fr: 'Tote bag', en: 'Tote bag' }, quantity: 1, unitPrice: eur('0.00'), initialUnitPrice: eur('15.00') },
    ]);
    expect(outcome.applied).toEqual([{ promotionId: 'tote', code: null, kind: 'gift', discount: eur('0.00'), giftLineId: 'gift:tote' }]);
    expect(outcome.totalDiscount).toEqual(eur('0.00'));
  });

  it('PR-8 not below its minimum basket', () => {
    expect(run([gift], [], [ln('tee', '45.00')]).giftLines).toEqual([]);
  });

  it('PR-8 gift lines are never discounted nor counted in the basket', () => {
    const lines = [ln('tee', '45.00'), ln('sample', '0.00', { isGift: true }), ln('other-gift', '12.00', { isGift: true })];
    const outcome = run([promo({ id: 'all', kind: 'fixed_amount', amount: eur('100.00'), minimumBasket: eur('45.00') })], [], lines);
    expect(discounts(outcome)).toEqual({ tee: eur('45.00'), sample: eur('0.00'), 'other-gift': eur('0.00') });
    const tooHigh = run([promo({ id: 'all', kind: 'fixed_amount', amount: eur('100.00'), minimumBasket: eur('45.01') })], [], lines);
    expect(tooHigh.applied).toEqual([]);
  });
});

describe('PR-7 definitions and inputs', () => {
  it.each([
    [{ kind: 'percentage' as const }, 'percentBasisPoints'],
    [{ kind: 'percentage' as const, percentBasisPoints: 10_001 }, 'percentBasisPoints'],
    [{ kind: 'fixed_amount' as const }, 'amount'],
    [{ kind: 'gift' as const }, 'gift'],
  ])('PR-7 an incomplete definition %j is refused', (over, field) => {
    try {
      run([promo({ id: 'bad', ...over })]);
      expect.unreachable();
    } catch (error) {
      expect((error as DomainError).code).toBe('promotion.invalid_definition');
      expect((error as DomainError).details.field).toBe(field);
    }
  });

  it('PR-1 lines in another currency than the cart are refused', () => {
    expect(() => run([], [], [ln('a', '1.00', { lineGoods: parseAmount('1.00', 'GBP') })])).toThrow(DomainError);
  });
});
