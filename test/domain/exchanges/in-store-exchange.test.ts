// EX-2 (FR): the in-store exchange window (30 calendar days from possession,
// the day of possession not counted, ending at midnight Paris time; no shift
// past a Sunday or holiday), outlet items, the return slip, units left.
import { describe, expect, it } from 'vitest';
import { assertInStoreExchange, checkExchangeUnits, inStoreExchangeEligibility, type InStoreExchangeFacts, type InStoreExchangeRule } from '../../../src/domain/exchanges/in-store-exchange.js';
import { DomainError } from '../../../src/domain/errors.js';
import { codeOfSync } from '../../support/errors.js';

const fr: InStoreExchangeRule = { within: { days: 30, kind: 'calendar' }, otherItemCredit: 'invoiced_amount_excl_shipping', lowerPriceDifference: 'lost', outletExcluded: true, returnSlipRequired: true };

// Possession Tue 24 Nov 2026 11:30 Paris: day 1 is 25 Nov, day 30 is Thu 24 Dec.
const facts = (over: Partial<InStoreExchangeFacts> = {}): InStoreExchangeFacts => ({
  rule: fr,
  returnSlipPresented: true,
  possessionAt: new Date('2026-11-24T10:30:00Z'),
  returnedOutlet: false,
  replacementOutlet: false,
  timeZone: 'Europe/Paris',
  place: { country: 'FR' },
  at: new Date('2026-12-01T10:00:00Z'),
  ...over,
});

describe('EX-2 eligibility', () => {
  it('day 30 is accepted until midnight Paris time; day 31 is refused naming the last day', () => {
    expect(inStoreExchangeEligibility(facts({ at: new Date('2026-12-24T22:59:59Z') }))).toEqual({ ok: true, lastDay: '2026-12-24' });
    expect(inStoreExchangeEligibility(facts({ at: new Date('2026-12-24T23:00:00Z') }))).toEqual({ ok: false, reason: 'window_closed', lastDay: '2026-12-24' });
  });

  it('a window ending on a Sunday is not moved to Monday (commercial window, no WD-3 shift)', () => {
    // Possession Fri 6 Nov 2026 → day 30 is Sun 6 Dec.
    const late = facts({ possessionAt: new Date('2026-11-06T09:00:00Z'), at: new Date('2026-12-07T09:00:00Z') });
    expect(inStoreExchangeEligibility(late)).toEqual({ ok: false, reason: 'window_closed', lastDay: '2026-12-06' });
  });

  it('refuses without the policy, without the slip, before delivery, and outlet items (returned or taken)', () => {
    expect(inStoreExchangeEligibility(facts({ rule: undefined }))).toEqual({ ok: false, reason: 'not_offered', lastDay: null });
    expect(inStoreExchangeEligibility(facts({ returnSlipPresented: false }))).toEqual({ ok: false, reason: 'return_slip_required', lastDay: null });
    expect(inStoreExchangeEligibility(facts({ possessionAt: null }))).toEqual({ ok: false, reason: 'not_delivered', lastDay: null });
    expect(inStoreExchangeEligibility(facts({ returnedOutlet: true }))).toMatchObject({ ok: false, reason: 'outlet_excluded' });
    expect(inStoreExchangeEligibility(facts({ replacementOutlet: true }))).toMatchObject({ ok: false, reason: 'outlet_excluded' });
  });

  it('the counter form\'s first step: slip and replacement not known yet are not checked', () => {
    expect(inStoreExchangeEligibility(facts({ returnSlipPresented: undefined, replacementOutlet: undefined }))).toEqual({ ok: true, lastDay: '2026-12-24' });
  });

  it('a shop whose terms accept outlet items and need no slip', () => {
    const lenient = { ...fr, outletExcluded: false, returnSlipRequired: false };
    expect(inStoreExchangeEligibility(facts({ rule: lenient, returnSlipPresented: false, returnedOutlet: true }))).toEqual({ ok: true, lastDay: '2026-12-24' });
  });

  it('assertInStoreExchange names the code, the field and the last day', () => {
    try {
      assertInStoreExchange(facts({ at: new Date('2026-12-25T09:00:00Z') }), { index: 0, position: 2 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('exchange.window_closed');
      expect((error as DomainError).details).toMatchObject({ field: 'lines.0.position', rule: 'EX-2', position: 2, lastDay: '2026-12-24' });
    }
    expect(codeOfSync(() => assertInStoreExchange(facts({ returnSlipPresented: false }), { index: 0, position: 0 }))).toBe('exchange.return_slip_required');
    expect(assertInStoreExchange(facts(), { index: 0, position: 0 })).toBe('2026-12-24');
  });
});

describe('EX-2 units', () => {
  it('at most the delivered units not exchanged already', () => {
    expect(() => checkExchangeUnits({ position: 0, delivered: 3, exchanged: 1 }, 2, 'lines.0.quantity')).not.toThrow();
    expect(codeOfSync(() => checkExchangeUnits({ position: 0, delivered: 3, exchanged: 1 }, 3, 'lines.0.quantity'))).toBe('exchange.quantity_exceeds_line');
    expect(codeOfSync(() => checkExchangeUnits({ position: 0, delivered: 3, exchanged: 0 }, 0, 'lines.0.quantity'))).toBe('exchange.invalid_quantity');
  });
});
