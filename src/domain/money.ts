// PR-9: all money is exact — integer minor units per currency, one rounding
// rule, allocations that never lose or create a minor unit. This module is the
// only place that rounds money; everything else adds, allocates and compares
// through it (style.md §5). No float arithmetic touches an amount: products and
// quotients go through BigInt, decimals from files through their digits.
import { DomainError } from './errors.js';

/** ISO 4217 codes the engine sells in (PR-1: EUR everywhere, GBP for PF in the UK). */
export type Currency = 'EUR' | 'GBP';

/** Number of minor-unit digits per currency (cents, pence). */
const minorDigits: Readonly<Record<Currency, number>> = { EUR: 2, GBP: 2 };

export const currencies: readonly Currency[] = Object.keys(minorDigits) as Currency[];

/** An amount in integer minor units (cents, pence) and its currency. */
export type Money = { readonly amount: number; readonly currency: Currency };

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && Object.hasOwn(minorDigits, value);
}

/** Minor-unit digits of a currency: 2 for EUR and GBP. */
export function currencyDigits(currency: Currency): number {
  return minorDigits[assertCurrency(currency)];
}

function assertCurrency(currency: Currency): Currency {
  if (!isCurrency(currency)) throw new DomainError('money.unknown_currency', { rule: 'PR-9', currency });
  return currency;
}

function assertSafeInteger(value: number, code: string, field: string): number {
  if (!Number.isSafeInteger(value)) throw new DomainError(code, { rule: 'PR-9', field, value });
  return value;
}

/** Builds a Money from integer minor units; throws on a non-integer or unsafe amount. */
export function money(amount: number, currency: Currency): Money {
  assertSafeInteger(amount, 'money.invalid_amount', 'amount');
  // `+ 0` turns -0 into 0, so that equal amounts are equal for every comparison.
  return Object.freeze({ amount: amount + 0, currency: assertCurrency(currency) });
}

export function zero(currency: Currency): Money {
  return money(0, currency);
}

function fromBigInt(amount: bigint, currency: Currency): Money {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER) || amount < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new DomainError('money.overflow', { rule: 'PR-9', amount: amount.toString() });
  }
  return money(Number(amount), currency);
}

function sameCurrency(a: Money, b: Money): Currency {
  if (a.currency !== b.currency) {
    throw new DomainError('money.currency_mismatch', { rule: 'PR-9', left: a.currency, right: b.currency });
  }
  return a.currency;
}

export function add(a: Money, b: Money): Money {
  return fromBigInt(BigInt(a.amount) + BigInt(b.amount), sameCurrency(a, b));
}

export function subtract(a: Money, b: Money): Money {
  return fromBigInt(BigInt(a.amount) - BigInt(b.amount), sameCurrency(a, b));
}

export function negate(m: Money): Money {
  return money(-m.amount, m.currency);
}

/** Sum of amounts in one currency; the currency is needed for an empty list. */
export function sum(amounts: readonly Money[], currency: Currency): Money {
  return amounts.reduce((total, m) => add(total, m), zero(currency));
}

/** Amount × an integer quantity (a line of 3 units). */
export function multiply(m: Money, quantity: number): Money {
  assertSafeInteger(quantity, 'money.invalid_quantity', 'quantity');
  return fromBigInt(BigInt(m.amount) * BigInt(quantity), m.currency);
}

/**
 * THE rounding rule of the engine: round half away from zero (0.5 → 1,
 * -0.5 → -1, 2.5 → 3), applied once to the exact rational result.
 */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = n / d + (2n * (n % d) >= d ? 1n : 0n);
  return negative ? -quotient : quotient;
}

/**
 * Amount × numerator / denominator, computed exactly and rounded once with the
 * engine's rule. The building block for rates: applyRate is (bp, 10 000); the
 * VAT inside a VAT-inclusive price at rate r bp is applyRatio(gross, r, 10 000 + r).
 */
export function applyRatio(m: Money, numerator: number, denominator: number): Money {
  assertSafeInteger(numerator, 'money.invalid_ratio', 'numerator');
  assertSafeInteger(denominator, 'money.invalid_ratio', 'denominator');
  if (denominator === 0) throw new DomainError('money.invalid_ratio', { rule: 'PR-9', field: 'denominator', value: 0 });
  return fromBigInt(divideRounded(BigInt(m.amount) * BigInt(numerator), BigInt(denominator)), m.currency);
}

/**
 * Amount × a rate in basis points (1 bp = 0.01 %): 2000 = 20 % VAT, 550 =
 * 5.5 %, 1500 = a 15 % discount. Rounded half away from zero.
 */
export function applyRate(m: Money, basisPoints: number): Money {
  assertSafeInteger(basisPoints, 'money.invalid_rate', 'basisPoints');
  return applyRatio(m, basisPoints, 10_000);
}

/**
 * Splits an amount in proportion to integer ratios without losing or creating
 * a minor unit (largest remainder): each share is its exact share rounded
 * toward zero, and the minor units left over go one each to the shares with
 * the largest remainders, the first shares first on a tie. 100.00 in [1, 1, 1]
 * → 33.34 + 33.33 + 33.33. Each share differs from its exact share by less
 * than one minor unit. A negative amount is split as its mirror image.
 */
export function allocate(m: Money, ratios: readonly number[]): Money[] {
  for (const ratio of ratios) {
    if (!Number.isSafeInteger(ratio) || ratio < 0) {
      throw new DomainError('money.invalid_ratios', { rule: 'PR-9', field: 'ratios', value: ratio });
    }
  }
  const total = ratios.reduce((s, r) => s + BigInt(r), 0n);
  if (total === 0n) throw new DomainError('money.invalid_ratios', { rule: 'PR-9', field: 'ratios' });

  const sign = m.amount < 0 ? -1n : 1n;
  const amount = BigInt(m.amount) * sign;
  const exact = ratios.map((r) => amount * BigInt(r));
  const shares = exact.map((e) => e / total);
  let leftover = amount - shares.reduce((s, x) => s + x, 0n);
  const byRemainder = exact
    .map((e, index) => ({ index, remainder: e % total }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of byRemainder) {
    if (leftover === 0n) break;
    shares[index] = (shares[index] ?? 0n) + 1n;
    leftover -= 1n;
  }
  return shares.map((share) => fromBigInt(share * sign, m.currency));
}

/** Splits an amount into n shares as equal as possible, the first ones larger. */
export function split(m: Money, n: number): Money[] {
  if (!Number.isSafeInteger(n) || n < 1) throw new DomainError('money.invalid_ratios', { rule: 'PR-9', field: 'n', value: n });
  return allocate(m, new Array<number>(n).fill(1));
}

/** -1, 0 or 1; throws on mixed currencies. */
export function compare(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

export const equals = (a: Money, b: Money): boolean => compare(a, b) === 0;
export const lessThan = (a: Money, b: Money): boolean => compare(a, b) < 0;
export const lessThanOrEqual = (a: Money, b: Money): boolean => compare(a, b) <= 0;
export const greaterThan = (a: Money, b: Money): boolean => compare(a, b) > 0;
export const greaterThanOrEqual = (a: Money, b: Money): boolean => compare(a, b) >= 0;
export const isZero = (m: Money): boolean => m.amount === 0;
export const isNegative = (m: Money): boolean => m.amount < 0;
export const isPositive = (m: Money): boolean => m.amount > 0;

export function min(a: Money, b: Money): Money {
  return lessThanOrEqual(a, b) ? a : b;
}

export function max(a: Money, b: Money): Money {
  return greaterThanOrEqual(a, b) ? a : b;
}

export type ParseAmountOptions = { readonly allowNegative?: boolean };

const decimalPattern = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Reads a decimal written in a policy or catalogue file ("12.46", 12.46, 5)
 * exactly into minor units, through its decimal digits (a YAML number is
 * turned back into its shortest decimal string, which is the one written in
 * the file). Refuses more decimals than the currency has ("12.345" EUR, and
 * 0.1 + 0.2 as a number), exponents, and a minus sign unless allowed.
 */
export function parseAmount(input: string | number, currency: Currency, options: ParseAmountOptions = {}): Money {
  const digits = currencyDigits(currency);
  if (typeof input === 'number' && !Number.isFinite(input)) {
    throw new DomainError('money.invalid_amount', { rule: 'PR-9', field: 'amount', value: String(input) });
  }
  const text = typeof input === 'number' ? String(input) : input.trim();
  const match = decimalPattern.exec(text);
  if (!match) throw new DomainError('money.invalid_amount', { rule: 'PR-9', field: 'amount', value: text });
  const [, minus, units = '', fraction = ''] = match;
  if (fraction.length > digits) {
    throw new DomainError('money.too_many_decimals', { rule: 'PR-9', field: 'amount', value: text, digits });
  }
  if (minus && !options.allowNegative) {
    throw new DomainError('money.negative_not_allowed', { rule: 'PR-9', field: 'amount', value: text });
  }
  const minor = BigInt(units + fraction.padEnd(digits, '0'));
  return fromBigInt(minus ? -minor : minor, currency);
}

/** The amount as a plain decimal string with all minor digits: "1234.50", "-0.05". */
export function toDecimalString(m: Money): string {
  const digits = currencyDigits(m.currency);
  const absolute = String(Math.abs(m.amount)).padStart(digits + 1, '0');
  const units = absolute.slice(0, absolute.length - digits);
  const fraction = absolute.slice(absolute.length - digits);
  return `${m.amount < 0 ? '-' : ''}${units}${digits > 0 ? `.${fraction}` : ''}`;
}

export type MoneyLocale = 'fr' | 'en';

const intlLocale: Readonly<Record<MoneyLocale, string>> = { fr: 'fr-FR', en: 'en-GB' };
const formatters = new Map<string, Intl.NumberFormat>();

// Intl.NumberFormat formats a decimal string exactly (ES2023), which the ES2022
// typings this project compiles against do not declare yet.
type DecimalStringFormatter = { format(value: string): string };

function formatterFor(locale: MoneyLocale, currency: Currency): DecimalStringFormatter {
  const key = `${locale}:${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    const digits = currencyDigits(currency);
    formatter = new Intl.NumberFormat(intlLocale[locale], {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(key, formatter);
  }
  return formatter as unknown as DecimalStringFormatter;
}

/**
 * Display form: fr → "1 234,50 €" (fr-FR: U+202F narrow no-break space between
 * thousands, U+00A0 before the symbol), en → "€1,234.50", "£12.46" (en-GB).
 */
export function formatMoney(m: Money, locale: MoneyLocale): string {
  return formatterFor(locale, m.currency).format(toDecimalString(m));
}
