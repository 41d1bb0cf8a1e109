// RF-4: store credit ("avoir") as a ledger of entries — pure: no clock, no I/O.
//
// An `issue` gives the customer an amount usable until the end of its last
// day (`expiresOn`, shop calendar). Every other entry draws on one issue: a
// `use` pays part of an order, a `release` gives a use back (the order was
// cancelled or refunded), an `expiry` removes what was left of the issue when
// its last day ended. What is left of an issue is
// amount − used + released − expired, never negative; the balance is what is
// left of the issues whose last day has not passed, in one currency.
// A use draws on the issues that expire first (then the oldest), so an expiry
// takes only what nobody could use in time.
import { DomainError } from '../errors.js';
import { periodEnd, type LegalPeriod } from '../calendar/period-end.js';
import type { CalendarPlace } from '../calendar/public-holidays.js';
import type { Policy } from '../../policy/schema.js';

export type StoreCreditEntryKind = 'issue' | 'use' | 'release' | 'expiry';

/** One row of the ledger as the domain reads it (minor units). */
export type StoreCreditEntry = {
  id: string;
  kind: StoreCreditEntryKind;
  /** The issue drawn on; null for an issue. */
  issueId: string | null;
  currency: string;
  amount: number;
  /** Issue only (YYYY-MM-DD). */
  expiresOn: string | null;
};

export type StoreCreditIssue = {
  id: string;
  currency: string;
  amount: number;
  expiresOn: string;
  used: number;
  released: number;
  expired: number;
  /** What is left of it: amount − used + released − expired. */
  left: number;
};

/** One part of a use or a release: the issue and the amount drawn on it. */
export type IssuePart = { issueId: string; amount: number };

/** The issues of a ledger with what happened to each (entries in any order). */
export function issuesOf(entries: readonly StoreCreditEntry[]): StoreCreditIssue[] {
  const issues = new Map<string, StoreCreditIssue>();
  for (const e of entries) {
    if (e.kind === 'issue') issues.set(e.id, { id: e.id, currency: e.currency, amount: e.amount, expiresOn: e.expiresOn!, used: 0, released: 0, expired: 0, left: 0 });
  }
  for (const e of entries) {
    const issue = e.issueId === null ? undefined : issues.get(e.issueId);
    if (!issue) continue;
    if (e.kind === 'use') issue.used += e.amount;
    else if (e.kind === 'release') issue.released += e.amount;
    else if (e.kind === 'expiry') issue.expired += e.amount;
  }
  const list = [...issues.values()];
  for (const i of list) i.left = i.amount - i.used + i.released - i.expired;
  return list.sort(firstToExpire);
}

/** The issues that expire first come first; on the same day, the oldest. */
function firstToExpire(a: StoreCreditIssue, b: StoreCreditIssue): number {
  if (a.expiresOn !== b.expiresOn) return a.expiresOn < b.expiresOn ? -1 : 1;
  return Number(BigInt(a.id) - BigInt(b.id));
}

/** RF-4: usable on `today` — its last day has not passed (an expiry not yet run by its timer changes nothing). */
export const isUsable = (issue: StoreCreditIssue, today: string): boolean => issue.expiresOn >= today && issue.left > 0;

/** The balance in `currency` on `today` (minor units). */
export function storeCreditBalance(issues: readonly StoreCreditIssue[], currency: string, today: string): number {
  return issues.filter((i) => i.currency === currency && isUsable(i, today)).reduce((sum, i) => sum + i.left, 0);
}

/**
 * RF-4: which issues pay `amount` in `currency` on `today`, the first to
 * expire first. More than the balance (credit of another currency or past its
 * last day does not count): `store_credit.insufficient_balance`.
 */
export function allocateUse(issues: readonly StoreCreditIssue[], input: { amount: number; currency: string; today: string }): IssuePart[] {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new DomainError('store_credit.invalid_amount', { field: 'amount', rule: 'RF-4', amount: input.amount });
  const balance = storeCreditBalance(issues, input.currency, input.today);
  if (input.amount > balance) {
    throw new DomainError('store_credit.insufficient_balance', { field: 'storeCredit', rule: 'RF-4', balance, currency: input.currency, amount: input.amount }, 'Your store credit does not cover this amount.');
  }
  const parts: IssuePart[] = [];
  let rest = input.amount;
  for (const issue of issues) {
    if (rest === 0) break;
    if (issue.currency !== input.currency || !isUsable(issue, input.today)) continue;
    const part = Math.min(rest, issue.left);
    parts.push({ issueId: issue.id, amount: part });
    rest -= part;
  }
  return parts;
}

/**
 * What of a payment's uses is still to give back, issue by issue, up to
 * `amount` (a partial refund gives back part of it): the uses of the payment
 * less what was released already, the issues that expire last given back first
 * (the customer keeps the longest validity).
 */
export function allocateRelease(entries: readonly StoreCreditEntry[], amount: number): IssuePart[] {
  const open = new Map<string, number>();
  for (const e of entries) {
    if (e.issueId === null) continue;
    if (e.kind === 'use') open.set(e.issueId, (open.get(e.issueId) ?? 0) + e.amount);
    else if (e.kind === 'release') open.set(e.issueId, (open.get(e.issueId) ?? 0) - e.amount);
  }
  const parts: IssuePart[] = [];
  let rest = amount;
  for (const [issueId, left] of [...open].reverse()) {
    if (rest === 0) break;
    const part = Math.min(rest, left);
    if (part <= 0) continue;
    parts.push({ issueId, amount: part });
    rest -= part;
  }
  return parts;
}

/**
 * RF-4: the validity of store credit in the shop — only where the policy
 * offers it at the customer's request (FA); `refund.store_credit_not_offered`
 * where it says nothing (refunds are money) or refuses it (JW: never).
 */
export function storeCreditValidity(policy: Pick<Policy, 'refunds'>): LegalPeriod {
  const offer = policy.refunds.storeCredit;
  if (offer.offered !== 'on_request') {
    throw new DomainError('refund.store_credit_not_offered', { field: 'to', rule: 'RF-4', offered: offer.offered }, 'This shop refunds in money only, not in store credit.');
  }
  return offer.validity;
}

/**
 * RF-4: the last day of a credit issued at `issuedAt` for `validity` (issue
 * day + validity, in the shop's calendar: 12 months from 23 Nov 2026 → 23 Nov
 * 2027) and the instant its expiry runs (the end of that day).
 */
export function storeCreditExpiry(input: { issuedAt: Date; validity: LegalPeriod; timeZone: string; place: CalendarPlace }): { expiresOn: string; dueAt: Date } {
  const end = periodEnd({ from: input.issuedAt, period: input.validity, timeZone: input.timeZone, place: input.place });
  return { expiresOn: end.lastDay, dueAt: end.dueAt };
}
