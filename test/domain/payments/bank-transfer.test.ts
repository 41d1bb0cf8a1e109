import { describe, expect, it } from 'vitest';
import {
  REFERENCE_ALPHABET,
  bankTransferDeadline,
  bankTransferReference,
  isValidBic,
  isValidIban,
  normaliseBankTransferReference,
} from '../../../src/domain/payments/bank-transfer.js';

describe('PA-5 payment reference', () => {
  const reference = bankTransferReference([0, 5, 10, 15, 20, 25, 29]);

  it('is 8 characters in two groups, the last one a check character', () => {
    expect(reference).toMatch(/^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/);
    expect(normaliseBankTransferReference(reference.toLowerCase().replace('-', ' '))).toBe(reference);
  });

  it('catches every single mistyped character and every adjacent swap', () => {
    const compact = reference.replace('-', '');
    for (let i = 0; i < compact.length; i += 1) {
      for (const c of REFERENCE_ALPHABET) {
        if (c === compact[i]) continue;
        const typo = compact.slice(0, i) + c + compact.slice(i + 1);
        expect(normaliseBankTransferReference(typo), typo).toBeUndefined();
      }
      if (i + 1 < compact.length && compact[i] !== compact[i + 1]) {
        const swapped = compact.slice(0, i) + compact[i + 1] + compact[i] + compact.slice(i + 2);
        expect(normaliseBankTransferReference(swapped), swapped).toBeUndefined();
      }
    }
  });
});

describe('IBAN / BIC', () => {
  it.each([
    ['FR76 1234 5000 0100 0123 4567 887', true], // EL's fictional account
    ['FR76 3000 6000 0112 3456 7890 189', true],
    ['FR76 1234 5000 0100 0123 4567 888', false],
    ['FR7612345', false],
  ])('%s → %s', (iban, valid) => expect(isValidIban(iban)).toBe(valid));
  it('BIC shape', () => {
    expect(isValidBic('VOLTFRPPXXX')).toBe(true);
    expect(isValidBic('VOLTFRPP')).toBe(true);
    expect(isValidBic('VOLT-FR')).toBe(false);
  });
});

describe('PA-5 deadline: payWithinDays per day kind, end of the last day in the shop time zone', () => {
  const place = { country: 'FR' };
  it.each([
    // ordered at (UTC)          days kind                       last day      cancelled from (UTC)
    ['2026-11-23T09:00:00Z', 6, 'calendar', '2026-11-29', '2026-11-29T23:00:00.000Z'], // EL
    ['2026-11-23T23:30:00Z', 6, 'calendar', '2026-11-30', '2026-11-30T23:00:00.000Z'], // already the 24th in Paris
    ['2026-11-06T09:00:00Z', 3, 'working', '2026-11-12', '2026-11-12T23:00:00.000Z'], // Wed 11 Nov is a holiday
    ['2026-11-06T09:00:00Z', 3, 'working_and_saturdays', '2026-11-10', '2026-11-10T23:00:00.000Z'], // Sat counts, Sun not
  ] as const)('%s + %i %s → %s', (orderedAt, days, kind, lastDay, dueAt) => {
    const d = bankTransferDeadline({ orderedAt: new Date(orderedAt), payWithin: { days, kind }, timeZone: 'Europe/Paris', place });
    expect(d.lastDay).toBe(lastDay);
    expect(d.dueAt.toISOString()).toBe(dueAt);
  });
});
