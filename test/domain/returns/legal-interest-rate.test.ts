// RF-1 / L242-4: the legal interest rate of the half-year a late refund falls in.
import { describe, expect, it } from 'vitest';
import { legalInterestRate } from '../../../src/domain/returns/legal-interest-rate.js';

describe('legal interest rate (consumer creditor)', () => {
  it('takes the rate of the half-year the day falls in', () => {
    expect(legalInterestRate('2025-03-10')).toEqual({ basisPoints: 721, from: '2025-01-01', known: true });
    expect(legalInterestRate('2025-06-30')).toMatchObject({ basisPoints: 721 });
    expect(legalInterestRate('2025-07-01')).toEqual({ basisPoints: 665, from: '2025-07-01', known: true });
    expect(legalInterestRate('2025-12-31')).toMatchObject({ basisPoints: 665, known: true });
  });

  it('after the last published half-year: the last rate, said to be an estimate', () => {
    expect(legalInterestRate('2026-01-01')).toEqual({ basisPoints: 665, from: '2025-07-01', known: false });
    expect(legalInterestRate('2026-12-15')).toMatchObject({ known: false });
  });
});
