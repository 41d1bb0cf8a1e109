import { describe, expect, it } from 'vitest';
import { sandboxFinancingPartner } from '../../../src/adapters/financing/sandbox.js';
import { parseAmount } from '../../../src/domain/money.js';

describe('PA-4 sandbox financing partner', () => {
  const request = (email: string) => ({ amount: parseAmount('1000.00', 'EUR'), count: 3 as const, customer: { email, country: 'FR' }, firstDueOn: '2027-01-31' });

  it('accepts with the exact schedule, deterministically', async () => {
    const decision = await sandboxFinancingPartner.requestPlan(request('jane@example.com'));
    expect(decision.status).toBe('accepted');
    if (decision.status !== 'accepted') return;
    expect(decision.schedule.map((i) => [i.dueOn, i.amount.amount])).toEqual([
      ['2027-01-31', 33334],
      ['2027-02-28', 33333],
      ['2027-03-31', 33333],
    ]);
    expect(await sandboxFinancingPartner.requestPlan(request('jane@example.com'))).toEqual(decision);
  });

  it('refuses an email ending in +refuse@…', async () => {
    expect(await sandboxFinancingPartner.requestPlan(request('Jane+Refuse@example.com'))).toEqual({ status: 'refused', reason: 'credit_refused' });
  });
});
