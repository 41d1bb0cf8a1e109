import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  add,
  allocate,
  applyRate,
  applyRatio,
  compare,
  equals,
  formatMoney,
  greaterThan,
  lessThan,
  max,
  min,
  money,
  multiply,
  negate,
  parseAmount,
  split,
  subtract,
  sum,
  toDecimalString,
  zero,
  type Currency,
  type Money,
} from '../../src/domain/money.js';

const eur = (amount: number): Money => money(amount, 'EUR');
const gbp = (amount: number): Money => money(amount, 'GBP');

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof DomainError ? error.code : `not a DomainError: ${String(error)}`;
  }
  return undefined;
}

const bound = 1e13; // keeps sums and products of generated amounts far from the unsafe range
const amount = fc.integer({ min: -bound, max: bound });
const currency = fc.constantFrom<Currency>('EUR', 'GBP');

describe('PR-9 money values', () => {
  it.each([
    [1.5, 'money.invalid_amount'],
    [Number.NaN, 'money.invalid_amount'],
    [Number.POSITIVE_INFINITY, 'money.invalid_amount'],
    [2 ** 53, 'money.invalid_amount'],
  ])('PR-9 refuses %s minor units', (value, code) => {
    expect(codeOf(() => money(value, 'EUR'))).toBe(code);
  });

  it('PR-9 refuses an unknown currency', () => {
    expect(codeOf(() => money(1, 'USD' as Currency))).toBe('money.unknown_currency');
  });

  it('PR-9 -0 is 0', () => {
    expect(Object.is(money(-0, 'EUR').amount, 0)).toBe(true);
    expect(eur(-0)).toEqual(zero('EUR'));
  });

  it('PR-9 adds, subtracts, negates, multiplies and sums', () => {
    expect(add(eur(1999), eur(1))).toEqual(eur(2000));
    expect(subtract(eur(500), eur(1247))).toEqual(eur(-747));
    expect(negate(eur(12))).toEqual(eur(-12));
    expect(multiply(eur(1246), 3)).toEqual(eur(3738));
    expect(sum([eur(547), eur(1070), eur(1246)], 'EUR')).toEqual(eur(2863));
    expect(sum([], 'GBP')).toEqual(zero('GBP'));
  });

  it.each([
    ['add', () => add(eur(1), gbp(1))],
    ['subtract', () => subtract(eur(1), gbp(1))],
    ['compare', () => compare(eur(1), gbp(1))],
    ['sum', () => sum([eur(1)], 'GBP')],
    ['min', () => min(eur(1), gbp(1))],
  ])('PR-9 %s with mixed currencies throws', (_name, run) => {
    expect(codeOf(run)).toBe('money.currency_mismatch');
  });

  it('PR-9 refuses a fractional quantity and an overflow', () => {
    expect(codeOf(() => multiply(eur(100), 1.5))).toBe('money.invalid_quantity');
    expect(codeOf(() => multiply(eur(Number.MAX_SAFE_INTEGER), 2))).toBe('money.overflow');
    expect(codeOf(() => add(eur(Number.MAX_SAFE_INTEGER), eur(1)))).toBe('money.overflow');
  });

  it('PR-9 compares', () => {
    expect(compare(eur(1), eur(2))).toBe(-1);
    expect(compare(eur(2), eur(2))).toBe(0);
    expect(compare(eur(3), eur(2))).toBe(1);
    expect(lessThan(eur(1), eur(2))).toBe(true);
    expect(greaterThan(eur(1), eur(2))).toBe(false);
    expect(equals(eur(5), eur(5))).toBe(true);
    expect(min(eur(5), eur(-5))).toEqual(eur(-5));
    expect(max(eur(5), eur(-5))).toEqual(eur(5));
  });
});

describe('PR-9 one rounding rule: half away from zero', () => {
  it.each([
    // amount (cents), basis points, expected cents, reasoning
    [1000, 2000, 200, '20 % of 10.00'],
    [1, 5000, 1, '0.5 cent → 1'],
    [-1, 5000, -1, '-0.5 cent → -1 (away from zero)'],
    [3, 5000, 2, '1.5 → 2'],
    [5, 5000, 3, '2.5 → 3 (not banker’s 2)'],
    [-5, 5000, -3, '-2.5 → -3'],
    [1999, 550, 110, '19.99 × 5.5 % = 1.099 45 → 1.10'],
    [1246, 2000, 249, '12.46 × 20 % = 2.492 → 2.49'],
    [1247, 2000, 249, '12.47 × 20 % = 2.494 → 2.49'],
    [1248, 2000, 250, '12.48 × 20 % = 2.496 → 2.50'],
    [999, 1500, 150, '9.99 × 15 % = 1.4985 → 1.50'],
    [123, 0, 0, '0 %'],
    [123, 10000, 123, '100 %'],
  ])('PR-9 applyRate(%i, %i bp) = %i (%s)', (cents, bp, expected) => {
    expect(applyRate(eur(cents), bp)).toEqual(eur(expected));
  });

  it.each([
    // VAT inside a VAT-inclusive price: gross × r / (10000 + r)
    [1200, 2000, 12000, 200, '12.00 incl. 20 % holds 2.00 VAT'],
    [1000, 2000, 12000, 167, '10.00 incl. 20 % holds 1.666… → 1.67'],
    [1055, 550, 10550, 55, '10.55 incl. 5.5 % holds 0.55'],
  ])('PR-9 applyRatio(%i, %i, %i) = %i (%s)', (cents, numerator, denominator, expected) => {
    expect(applyRatio(eur(cents), numerator, denominator)).toEqual(eur(expected));
  });

  it('PR-9 refuses a fractional rate and a zero denominator', () => {
    expect(codeOf(() => applyRate(eur(100), 5.5))).toBe('money.invalid_rate');
    expect(codeOf(() => applyRatio(eur(100), 1, 0))).toBe('money.invalid_ratio');
  });

  it('PR-9 is exact beyond float precision', () => {
    // 9 007 199 254 740 991 × 1 bp / 10 000 = 900 719 925 474.0991 → 900 719 925 474
    expect(applyRate(eur(Number.MAX_SAFE_INTEGER), 1)).toEqual(eur(900_719_925_474));
  });
});

describe('PR-9 allocation never loses or creates a minor unit', () => {
  it.each([
    [10000, [1, 1, 1], [3334, 3333, 3333]],
    [-10000, [1, 1, 1], [-3334, -3333, -3333]],
    [200, [1, 1, 1], [67, 67, 66]],
    [100, [1, 3], [25, 75]],
    [5, [3, 7], [2, 3]], // exact 1.5 / 3.5: tie → the first share
    [10, [1, 1, 1, 1, 1, 1], [2, 2, 2, 2, 1, 1]],
    [1000, [0, 1], [0, 1000]],
    [7, [7000, 2000, 1000], [5, 1, 1]], // exact 4.9 / 1.4 / 0.7: largest remainders .9 and .7
    [0, [1, 2], [0, 0]],
  ])('PR-9 allocate(%i, %j) = %j', (cents, ratios, expected) => {
    expect(allocate(eur(cents), ratios)).toEqual(expected.map(eur));
  });

  it('PR-9 split(100.00, 3) = 33.34 + 33.33 + 33.33', () => {
    expect(split(eur(10000), 3).map(toDecimalString)).toEqual(['33.34', '33.33', '33.33']);
  });

  it.each([
    [[], 'money.invalid_ratios'],
    [[0, 0], 'money.invalid_ratios'],
    [[1, -1], 'money.invalid_ratios'],
    [[0.5, 0.5], 'money.invalid_ratios'],
  ])('PR-9 refuses ratios %j', (ratios, code) => {
    expect(codeOf(() => allocate(eur(100), ratios))).toBe(code);
  });

  it('PR-9 property: shares sum to the total, each within one minor unit of its exact share', () => {
    fc.assert(
      fc.property(amount, fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 12 }), (cents, ratios) => {
        fc.pre(ratios.some((r) => r > 0));
        const shares = allocate(eur(cents), ratios);
        expect(shares).toHaveLength(ratios.length);
        expect(shares.reduce((s, m) => s + BigInt(m.amount), 0n)).toBe(BigInt(cents));
        const total = BigInt(ratios.reduce((s, r) => s + r, 0));
        shares.forEach((share, i) => {
          // |share − cents × r / total| < 1  ⇔  |share × total − cents × r| < total
          const gap = BigInt(share.amount) * total - BigInt(cents) * BigInt(ratios[i] ?? 0);
          expect(gap < 0n ? -gap : gap).toBeLessThan(total);
        });
      }),
    );
  });

  it('PR-9 property: split shares differ by at most one minor unit, larger ones first', () => {
    fc.assert(
      fc.property(amount, fc.integer({ min: 1, max: 50 }), (cents, n) => {
        const shares = split(eur(cents), n).map((m) => m.amount);
        expect(shares.reduce((s, x) => s + x, 0)).toBe(cents);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
        const magnitudes = shares.map(Math.abs);
        expect([...magnitudes].sort((a, b) => b - a)).toEqual(magnitudes);
      }),
    );
  });
});

describe('PR-9 arithmetic properties', () => {
  it('add is associative and commutative; subtract undoes add', () => {
    fc.assert(
      fc.property(amount, amount, amount, currency, (a, b, c, cur) => {
        const [x, y, z] = [money(a, cur), money(b, cur), money(c, cur)];
        expect(add(add(x, y), z)).toEqual(add(x, add(y, z)));
        expect(add(x, y)).toEqual(add(y, x));
        expect(subtract(add(x, y), y)).toEqual(x);
        expect(subtract(subtract(x, y), z)).toEqual(subtract(x, add(y, z)));
      }),
    );
  });

  it('applyRate is odd: rate of −x is −(rate of x)', () => {
    fc.assert(
      fc.property(amount, fc.integer({ min: 0, max: 10_000 }), (a, bp) => {
        expect(applyRate(eur(-a), bp)).toEqual(negate(applyRate(eur(a), bp)));
      }),
    );
  });
});

describe('PR-9 parseAmount reads decimals from policy and catalogue files exactly', () => {
  it.each([
    ['12.46', 1246],
    [12.46, 1246],
    [5, 500],
    ['5', 500],
    ['0.1', 10],
    [0.07, 7],
    ['1234.5', 123450],
    [' 10.91 ', 1091],
    ['007.50', 750],
    [175, 17500],
    [1.15, 115], // 1.15 × 100 in floats is 114.99999999999999
    [4.35, 435], // and 4.35 × 100 is 434.99999999999994
    [0, 0],
  ])('PR-9 parseAmount(%j) = %i cents', (input, cents) => {
    expect(parseAmount(input, 'EUR')).toEqual(eur(cents));
  });

  it.each([
    ['12.345', 'money.too_many_decimals'],
    ['12.460', 'money.too_many_decimals'],
    [0.1 + 0.2, 'money.too_many_decimals'],
    ['-5', 'money.negative_not_allowed'],
    [-0.5, 'money.negative_not_allowed'],
    ['1e3', 'money.invalid_amount'],
    [1e21, 'money.invalid_amount'],
    ['12,46', 'money.invalid_amount'],
    ['.5', 'money.invalid_amount'],
    ['5.', 'money.invalid_amount'],
    ['+5', 'money.invalid_amount'],
    ['', 'money.invalid_amount'],
    ['€5', 'money.invalid_amount'],
    [Number.NaN, 'money.invalid_amount'],
    ['90071992547409.92', 'money.overflow'],
  ])('PR-9 parseAmount(%j) throws %s', (input, code) => {
    expect(codeOf(() => parseAmount(input, 'EUR'))).toBe(code);
  });

  it('PR-9 parseAmount takes negatives only when allowed', () => {
    expect(parseAmount('-15', 'EUR', { allowNegative: true })).toEqual(eur(-1500));
    expect(parseAmount(-0.5, 'GBP', { allowNegative: true })).toEqual(gbp(-50));
  });

  it('PR-9 property: parseAmount(toDecimalString(m)) = m', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), currency, (cents, cur) => {
        const m = money(cents, cur);
        expect(parseAmount(toDecimalString(m), cur, { allowNegative: true })).toEqual(m);
      }),
    );
  });

  it('PR-9 property: a number with two decimals written in a file parses to its cents', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), (cents) => {
        // What YAML hands us for "123.45" is the double nearest to 123.45.
        const written = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
        expect(parseAmount(Number(written), 'EUR')).toEqual(eur(cents));
      }),
    );
  });
});

describe('PR-9 formatting', () => {
  it.each([
    [123450, 'EUR', 'fr', '1\u202f234,50\u00a0€'],
    [123450, 'EUR', 'en', '€1,234.50'],
    [1246, 'GBP', 'en', '£12.46'],
    [-1246, 'GBP', 'en', '-£12.46'],
    [5, 'EUR', 'fr', '0,05\u00a0€'],
    [-999, 'EUR', 'fr', '-9,99\u00a0€'],
    [Number.MAX_SAFE_INTEGER, 'EUR', 'en', '€90,071,992,547,409.91'],
  ])('PR-9 formatMoney(%i %s, %s) = %j', (cents, cur, locale, expected) => {
    expect(formatMoney(money(cents, cur as Currency), locale as 'fr' | 'en')).toBe(expected);
  });

  it.each([
    [123450, '1234.50'],
    [-5, '-0.05'],
    [0, '0.00'],
    [100, '1.00'],
  ])('PR-9 toDecimalString(%i) = %s', (cents, expected) => {
    expect(toDecimalString(eur(cents))).toBe(expected);
  });

  it('PR-9 property: formatted amounts read back to the same amount in both locales', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), currency, (cents, cur) => {
        const m = money(cents, cur);
        const en = formatMoney(m, 'en').replace(/[€£,]/g, '');
        const fr = formatMoney(m, 'fr')
          .replace(/[\u202f\u00a0€£]/g, '')
          .replace(/GB$/, '')
          .replace(',', '.');
        expect(parseAmount(en, cur, { allowNegative: true })).toEqual(m);
        expect(parseAmount(fr, cur, { allowNegative: true })).toEqual(m);
      }),
    );
  });
});
