// RF-4: the store credit ledger's arithmetic — balance, first-to-expire
// allocation, what a release gives back, the validity per shop and the last day.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allocateRelease, allocateUse, issuesOf, storeCreditBalance, storeCreditExpiry, storeCreditValidity, type StoreCreditEntry } from '../../../src/domain/store-credit/ledger.js';
import { loadPolicyFile } from '../../../src/policy/loader.js';
import { codeOfSync } from '../../support/errors.js';

const issue = (id: string, amount: number, expiresOn: string, currency = 'EUR'): StoreCreditEntry => ({ id, kind: 'issue', issueId: null, currency, amount, expiresOn });
const on = (id: string, kind: 'use' | 'release' | 'expiry', issueId: string, amount: number): StoreCreditEntry => ({ id, kind, issueId, currency: 'EUR', amount, expiresOn: null });
const policyOf = async (shop: string) => (await loadPolicyFile(path.resolve('shops', shop, 'policy.yaml'))).policy;

describe('balance and allocation (RF-4)', () => {
  const entries = [issue('1', 5_990, '2027-11-23'), issue('2', 2_000, '2027-03-01'), issue('3', 1_000, '2027-01-10', 'GBP'), on('4', 'use', '1', 990), on('5', 'release', '1', 490), on('6', 'expiry', '2', 1)];

  it('counts issued − used + released − expired per issue, usable ones only, per currency', () => {
    const issues = issuesOf(entries);
    expect(issues.map((i) => [i.id, i.left])).toEqual([['3', 1_000], ['2', 1_999], ['1', 5_490]]); // first to expire first
    expect(storeCreditBalance(issues, 'EUR', '2026-12-01')).toBe(7_489);
    expect(storeCreditBalance(issues, 'EUR', '2027-03-01')).toBe(7_489); // the last day still counts
    expect(storeCreditBalance(issues, 'EUR', '2027-03-02')).toBe(5_490);
    expect(storeCreditBalance(issues, 'GBP', '2026-12-01')).toBe(1_000);
  });

  it('uses the credit that expires first, refuses more than the balance, another currency or an expired credit', () => {
    const issues = issuesOf(entries);
    expect(allocateUse(issues, { amount: 2_500, currency: 'EUR', today: '2026-12-01' })).toEqual([{ issueId: '2', amount: 1_999 }, { issueId: '1', amount: 501 }]);
    expect(codeOfSync(() => allocateUse(issues, { amount: 7_490, currency: 'EUR', today: '2026-12-01' }))).toBe('store_credit.insufficient_balance');
    expect(codeOfSync(() => allocateUse(issues, { amount: 1_001, currency: 'GBP', today: '2026-12-01' }))).toBe('store_credit.insufficient_balance');
    expect(codeOfSync(() => allocateUse(issues, { amount: 100, currency: 'GBP', today: '2027-01-11' }))).toBe('store_credit.insufficient_balance');
    expect(codeOfSync(() => allocateUse(issues, { amount: 0, currency: 'EUR', today: '2026-12-01' }))).toBe('store_credit.invalid_amount');
  });

  it('gives back what a payment used and was not given back, the longest-valid credit first', () => {
    const uses = [on('7', 'use', '2', 1_999), on('8', 'use', '1', 501), on('9', 'release', '1', 200)];
    expect(allocateRelease(uses, 10_000)).toEqual([{ issueId: '1', amount: 301 }, { issueId: '2', amount: 1_999 }]);
    expect(allocateRelease(uses, 500)).toEqual([{ issueId: '1', amount: 301 }, { issueId: '2', amount: 199 }]);
  });
});

describe('policy and last day (RF-4)', () => {
  it('FA offers 12 months on request; JW never; the others say nothing: refused', async () => {
    expect(storeCreditValidity(await policyOf('fa'))).toEqual({ months: 12 });
    for (const shop of ['jw', 'pf', 'el', 'fr']) {
      const policy = await policyOf(shop);
      expect(codeOfSync(() => storeCreditValidity(policy))).toBe('refund.store_credit_not_offered');
    }
  });

  it('the last day is the issue day + validity in the shop calendar, expired at the end of that day', () => {
    // 23 Nov 2026 at 23:30 Paris is still the 23rd there (22:30 UTC).
    expect(storeCreditExpiry({ issuedAt: new Date('2026-11-23T22:30:00Z'), validity: { months: 12 }, timeZone: 'Europe/Paris', place: { country: 'FR' } })).toEqual({
      expiresOn: '2027-11-23',
      dueAt: new Date('2027-11-23T23:00:00Z'),
    });
    expect(storeCreditExpiry({ issuedAt: new Date('2027-01-31T10:00:00Z'), validity: { months: 1 }, timeZone: 'Europe/Paris', place: { country: 'FR' } }).expiresOn).toBe('2027-02-28');
  });
});

