import { describe, expect, it } from 'vitest';
import { sandboxFinancingPartner } from '../../../src/adapters/financing/sandbox.js';
import { parseAmount } from '../../../src/domain/money.js';

describe('PA-4 sandbox financing partner', () => {
  const request = (email: string, idempotencyKey = 'instalments:FA-2026-000001') => ({ idempotencyKey, amount: parseAmount('1000.00', 'EUR'), count: 3 as const, customer: { email, country: 'FR' } });

  it('accepts with the exact shares, the first taking the leftover cent, deterministically per key', async () => {
    const decision = await sandboxFinancingPartner.requestPlan(request('jane@example.com'));
    expect(decision.status).toBe('accepted');
    if (decision.status !== 'accepted') return;
    expect(decision.shares.map((s) => s.amount)).toEqual([33334, 33333, 33333]);
    expect(await sandboxFinancingPartner.requestPlan(request('jane@example.com'))).toEqual(decision);
    const other = await sandboxFinancingPartner.requestPlan(request('jane@example.com', 'instalments:FA-2026-000002'));
    expect(other.status === 'accepted' && other.planId).not.toBe(decision.planId);
  });

  it('refuses an email ending in +refuse@…', async () => {
    expect(await sandboxFinancingPartner.requestPlan(request('Jane+Refuse@example.com'))).toEqual({ status: 'refused', reason: 'credit_refused' });
  });
});
