// WD-1…WD-3, WD-7, WD-9: where an order stands with the right of withdrawal.
import { describe, expect, it } from 'vitest';
import { withdrawalStatus } from '../../../src/domain/withdrawal/status.js';

const base = {
  customerKind: 'consumer' as const,
  cancelled: false,
  period: { days: 14, kind: 'calendar' as const },
  lastDeliveredAt: null as Date | null,
  placedOn: '2026-11-23',
  timeZone: 'Europe/Paris',
  place: { country: 'FR' },
  lines: [
    { position: 0, personalised: false, perishable: false, hygieneSealed: false },
    { position: 1, personalised: true, perishable: false, hygieneSealed: false },
    { position: 2, personalised: false, perishable: false, hygieneSealed: true },
  ],
  now: new Date('2026-11-25T09:00:00Z'),
};

describe('WD-1…WD-3 the withdrawal status of an order', () => {
  it('WD-1: not started while an item is still to be delivered — never from "shipped"', () => {
    expect(withdrawalStatus(base)).toMatchObject({ state: 'not_started', possessionDate: null, deadline: null });
  });

  it('WD-1: 14 days from the possession of the last item, in the shop calendar (a 23:30 UTC delivery is the next day in Paris)', () => {
    const s = withdrawalStatus({ ...base, lastDeliveredAt: new Date('2026-11-24T23:30:00Z'), now: new Date('2026-12-09T22:59:00Z') });
    expect(s).toMatchObject({ state: 'open', possessionDate: '2026-11-25', deadline: { lastDay: '2026-12-09', basis: 'WD-1' } });
    expect(withdrawalStatus({ ...base, lastDeliveredAt: new Date('2026-11-24T23:30:00Z'), now: new Date('2026-12-09T23:00:00Z') }).state).toBe('closed');
  });

  it('WD-3: a period ending on a Sunday runs to the Monday', () => {
    const s = withdrawalStatus({ ...base, lastDeliveredAt: new Date('2026-11-29T10:00:00Z') }); // +14 = Sun 13 Dec
    expect(s.deadline).toMatchObject({ lastDay: '2026-12-14', basis: 'WD-3', movedFrom: '2026-12-13' });
  });

  it('WD-9: not for professionals; a cancelled order has none', () => {
    expect(withdrawalStatus({ ...base, customerKind: 'professional' })).toMatchObject({ state: 'not_applicable', reason: 'professional' });
    expect(withdrawalStatus({ ...base, cancelled: true })).toMatchObject({ state: 'not_applicable', reason: 'cancelled' });
  });

  it('WD-7: personalised lines are excluded; sealed hygiene items once unsealed', () => {
    expect(withdrawalStatus(base).exclusions).toEqual([
      { position: 1, exclusion: 'personalised' },
      { position: 2, exclusion: 'hygiene_sealed_if_unsealed' },
    ]);
  });
});
