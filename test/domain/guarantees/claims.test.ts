// A guarantee claim's rules: remedies the customer may ask (GU-1, GU-2,
// GU-4), the merchant's decisions (GU-5 refusals, imposed replacement,
// price reduction bounds), GU-1 escalation and the money's due date.
import { describe, expect, it } from 'vitest';
import { checkDecision, checkRemedyAsked, escalationOpen, refundDueOn, remediesFor } from '../../../src/domain/guarantees/claims.js';
import type { Policy } from '../../../src/policy/schema.js';
import { codeOfSync } from '../../support/errors.js';

const calendar = { timeZone: 'Europe/Paris', place: { country: 'FR' } };
const EL = {
  guarantees: {
    conformityRemedy: { remedy: 'repair_or_replace', within: { days: 30, kind: 'calendar' } },
    deadOnArrival: { window: { days: 10, kind: 'calendar' }, answerWithinHours: 48, remedies: ['repair', 'replace', 'refund'], shopPaysAllCosts: true },
  },
} as Pick<Policy, 'guarantees'>;
const base = { from: 'filed' as const, kind: 'conformity' as const, remedyAsked: 'repair' as const, unitsPrice: 12_999, remedyOverdue: false };

describe('remedies asked', () => {
  it('GU-1 repair or replacement; GU-2 cancel or partial refund; GU-4 dead on arrival as listed', () => {
    expect(remediesFor(EL, 'conformity')).toEqual(['repair', 'replace']);
    expect(remediesFor(EL, 'hidden_defect')).toEqual(['cancel_sale', 'partial_refund']);
    expect(remediesFor(EL, 'dead_on_arrival')).toEqual(['repair', 'replace', 'refund']);
    expect(codeOfSync(() => checkRemedyAsked(EL, 'conformity', 'refund'))).toBe('guarantee.remedy_not_allowed');
  });
});

describe('the merchant decides', () => {
  it('a replacement instead of the repair asked is imposed (new 2-year guarantee)', () => {
    expect(checkDecision({ ...base, outcome: 'replace' })).toMatchObject({ to: 'replaced', replacementImposed: true, escalation: null });
    expect(checkDecision({ ...base, remedyAsked: 'replace', outcome: 'replace' }).replacementImposed).toBe(false);
  });

  it('GU-5: a refusal carries a reason and, where it is one, the exclusion', () => {
    expect(checkDecision({ ...base, outcome: 'refuse', reason: 'Écran fissuré par une chute', exclusion: 'accident' })).toMatchObject({ to: 'refused', exclusion: 'accident' });
    expect(codeOfSync(() => checkDecision({ ...base, outcome: 'refuse', reason: ' ' }))).toBe('guarantee.reason_required');
    expect(codeOfSync(() => checkDecision({ ...base, outcome: 'refuse', reason: 'x', exclusion: 'wear' }))).toBe('guarantee.invalid_exclusion');
  });

  it('a price reduction is between one cent and the units\' price', () => {
    expect(checkDecision({ ...base, outcome: 'price_reduction', amount: 12_999 }).amount).toBe(12_999);
    expect(codeOfSync(() => checkDecision({ ...base, outcome: 'price_reduction', amount: 13_000 }))).toBe('guarantee.invalid_amount');
    expect(codeOfSync(() => checkDecision({ ...base, outcome: 'price_reduction' }))).toBe('guarantee.invalid_amount');
  });

  it('GU-2: no repair nor replacement for a hidden defect', () => {
    expect(codeOfSync(() => checkDecision({ ...base, kind: 'hidden_defect', remedyAsked: 'partial_refund', outcome: 'repair' }))).toBe('guarantee.remedy_not_allowed');
  });

  it('GU-1 escalation: after a refusal, an overdue repair or a persisting defect; no termination for a minor defect', () => {
    expect(checkDecision({ ...base, from: 'refused', outcome: 'price_reduction', amount: 3_000 }).escalation).toBe('refused');
    expect(codeOfSync(() => checkDecision({ ...base, from: 'in_repair', outcome: 'refund' }))).toBe('guarantee.remedy_not_overdue');
    expect(checkDecision({ ...base, from: 'in_repair', outcome: 'refund', remedyOverdue: true }).escalation).toBe('overdue');
    expect(codeOfSync(() => checkDecision({ ...base, from: 'repaired', outcome: 'refund', minorDefect: true }))).toBe('guarantee.termination_minor_defect');
    expect(codeOfSync(() => checkDecision({ ...base, from: 'refunded', outcome: 'refund' }))).toBe('guarantee.illegal_transition');
    const due = new Date('2027-03-03T23:00:00Z');
    expect(escalationOpen({ state: 'in_repair', kind: 'conformity', remedyDueAt: due, at: new Date('2027-03-03T22:59:00Z') })).toBeNull();
    expect(escalationOpen({ state: 'in_repair', kind: 'conformity', remedyDueAt: due, at: due })).toBe('overdue');
  });
});

describe('money due', () => {
  it('14 days after the decision, brought forward to the remedy\'s last day when earlier (PF 30 days)', () => {
    const decidedAt = new Date('2027-02-20T10:00:00Z');
    expect(refundDueOn({ decidedAt, remedyLastDay: null, today: '2027-02-20', calendar })).toBe('2027-03-06');
    expect(refundDueOn({ decidedAt, remedyLastDay: '2027-03-02', today: '2027-02-20', calendar })).toBe('2027-03-02');
    expect(refundDueOn({ decidedAt, remedyLastDay: '2027-02-19', today: '2027-02-20', calendar })).toBe('2027-03-06');
  });
});
