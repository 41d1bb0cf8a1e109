// EX-1 / EX-2: who pays what on an exchange, to the cent.
import { describe, expect, it } from 'vitest';
import { inStoreExchangeDifference, postalExchangeDifference } from '../../../src/domain/exchanges/price-difference.js';
import { codeOfSync } from '../../support/errors.js';

describe('EX-1 by post (JW, EL): settled both ways', () => {
  it('a dearer replacement: the customer pays the difference', () => {
    expect(postalExchangeDifference({ returnedAmount: 4_990, replacementPrice: 6_450 })).toEqual({ customerPays: 1_460, shopRefunds: 0 });
  });
  it('a cheaper replacement: the shop refunds the difference', () => {
    expect(postalExchangeDifference({ returnedAmount: 12_999, replacementPrice: 8_950 })).toEqual({ customerPays: 0, shopRefunds: 4_049 });
  });
  it('the same price: nothing either way', () => {
    expect(postalExchangeDifference({ returnedAmount: 3_333, replacementPrice: 3_333 })).toEqual({ customerPays: 0, shopRefunds: 0 });
  });
  it('refuses amounts that are not whole minor units', () => {
    expect(codeOfSync(() => postalExchangeDifference({ returnedAmount: 10.5, replacementPrice: 100 }))).toBe('exchange.invalid_amount');
    expect(codeOfSync(() => postalExchangeDifference({ returnedAmount: 100, replacementPrice: -1 }))).toBe('exchange.invalid_amount');
  });
});

describe('EX-2 in store (FR)', () => {
  it('the same product in another size or colour: nothing either way, whatever the price', () => {
    expect(inStoreExchangeDifference({ sameProduct: true, invoicedAmount: 8_500, replacementPrice: 9_500 })).toEqual({ customerPays: 0, lost: 0 });
    expect(inStoreExchangeDifference({ sameProduct: true, invoicedAmount: 8_500, replacementPrice: 6_000 })).toEqual({ customerPays: 0, lost: 0 });
  });
  it('another item dearer: the customer pays the excess over the invoiced amount', () => {
    expect(inStoreExchangeDifference({ sameProduct: false, invoicedAmount: 4_500, replacementPrice: 7_999 })).toEqual({ customerPays: 3_499, lost: 0 });
  });
  it('another item cheaper: the difference is lost (no cash, no credit)', () => {
    expect(inStoreExchangeDifference({ sameProduct: false, invoicedAmount: 8_500, replacementPrice: 3_900 })).toEqual({ customerPays: 0, lost: 4_600 });
  });
  it('refuses a negative amount', () => {
    expect(codeOfSync(() => inStoreExchangeDifference({ sameProduct: false, invoicedAmount: -1, replacementPrice: 0 }))).toBe('exchange.invalid_amount');
  });
});
