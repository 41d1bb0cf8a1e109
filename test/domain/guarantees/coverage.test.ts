// GU-1…GU-4 as pure rules: the spans of each guarantee from the possession
// date, their extensions (immobilisation, repair, imposed replacement), the
// refusals with the dates, and the clocks of a claim (EL 48 h; 30 days vs one month).
import { describe, expect, it } from 'vitest';
import {
  claimClocks,
  commercialSpan,
  conformitySpan,
  coverageFor,
  deadOnArrivalSpan,
  hiddenDefectSpan,
  immobilisedDays,
} from '../../../src/domain/guarantees/coverage.js';
import { DomainError } from '../../../src/domain/errors.js';
import type { Policy } from '../../../src/policy/schema.js';
import { codeOfSync } from '../../support/errors.js';

const calendar = { timeZone: 'Europe/Paris', place: { country: 'FR' } };
const EL: Pick<Policy, 'guarantees'> = {
  guarantees: {
    conformityRemedy: { remedy: 'repair_or_replace', within: { days: 30, kind: 'calendar' }, refundWhenLongerThan: { months: 1 } },
    deadOnArrival: { window: { days: 10, kind: 'calendar' }, answerWithinHours: 48, remedies: ['repair', 'replace', 'refund'], shopPaysAllCosts: true },
    commercial: { months: 36, secondHandMonths: 6, startsAfterDeadOnArrival: true, answerWithinHours: 48, photosRequired: true },
  },
};
const PF: Pick<Policy, 'guarantees'> = { guarantees: { conformityRemedy: { remedy: 'replace_identical_else_refund', within: { days: 30, kind: 'calendar' } } } };
const delivered = new Date('2026-03-10T14:00:00Z'); // Tue 10 March 2026, Paris

describe('GU-1 legal conformity', () => {
  it('runs 2 years from delivery; presumption 24 months, 12 for second-hand', () => {
    expect(conformitySpan({ deliveredAt: delivered, secondHand: false, calendar })).toMatchObject({ startsOn: '2026-03-10', lastDay: '2028-03-10', presumptionLastDay: '2028-03-10', dueAt: new Date('2028-03-10T23:00:00Z') });
    expect(conformitySpan({ deliveredAt: delivered, secondHand: true, calendar })).toMatchObject({ lastDay: '2028-03-10', presumptionLastDay: '2027-03-10' });
  });

  it('is suspended by the days immobilised and extended by 6 months after a repair', () => {
    const days = immobilisedDays({ receivedAt: new Date('2027-01-05T09:00:00Z'), returnedAt: new Date('2027-01-19T16:00:00Z'), calendar });
    expect(days).toBe(14);
    const span = conformitySpan({ deliveredAt: delivered, secondHand: false, history: [{ kind: 'immobilised', days }, { kind: 'repaired', at: new Date('2027-01-19T16:00:00Z') }], calendar });
    expect(span.lastDay).toBe('2028-09-24'); // 10 March 2028 + 14 days = 24 March, + 6 months = 24 September
  });

  it('starts again for 2 years with a replacement imposed instead of the repair asked', () => {
    const span = conformitySpan({ deliveredAt: delivered, secondHand: false, history: [{ kind: 'immobilised', days: 3 }, { kind: 'replaced_imposed', deliveredAt: new Date('2027-06-02T10:00:00Z') }], calendar });
    expect(span).toMatchObject({ startsOn: '2027-06-02', lastDay: '2029-06-02', presumptionLastDay: '2029-06-02' });
  });

  it('refuses a claim after the last day, naming the dates', () => {
    try {
      coverageFor({ policy: PF, kind: 'conformity', deliveredAt: delivered, secondHand: false, at: new Date('2028-03-10T23:00:00Z'), calendar });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('guarantee.expired');
      expect((error as DomainError).details).toMatchObject({ rule: 'GU-1', startsOn: '2026-03-10', lastDay: '2028-03-10' });
    }
    expect(coverageFor({ policy: PF, kind: 'conformity', deliveredAt: delivered, secondHand: false, at: new Date('2028-03-10T22:59:00Z'), calendar }).lastDay).toBe('2028-03-10');
  });
});

describe('GU-2 hidden defects', () => {
  it('runs 2 years from the discovery the customer states, between delivery and today', () => {
    const at = new Date('2029-01-15T10:00:00Z');
    expect(hiddenDefectSpan({ deliveredAt: delivered, discoveredOn: '2028-12-01', at, calendar })).toMatchObject({ startsOn: '2028-12-01', lastDay: '2030-12-01' });
    expect(codeOfSync(() => hiddenDefectSpan({ deliveredAt: delivered, discoveredOn: undefined, at, calendar }))).toBe('guarantee.discovery_date_required');
    expect(codeOfSync(() => hiddenDefectSpan({ deliveredAt: delivered, discoveredOn: '2029-01-16', at, calendar }))).toBe('guarantee.discovery_date_invalid');
    expect(codeOfSync(() => hiddenDefectSpan({ deliveredAt: delivered, discoveredOn: '2026-03-09', at, calendar }))).toBe('guarantee.discovery_date_invalid');
  });
});

describe('GU-4 EL commercial guarantees', () => {
  it('dead on arrival: 10 days from receipt; commercial from day 11 for 36 months (6 second-hand)', () => {
    expect(deadOnArrivalSpan({ policy: EL, deliveredAt: delivered, calendar })).toMatchObject({ lastDay: '2026-03-20' });
    expect(commercialSpan({ policy: EL, deliveredAt: delivered, secondHand: false, calendar })).toMatchObject({ startsOn: '2026-03-21', lastDay: '2029-03-20' });
    expect(commercialSpan({ policy: EL, deliveredAt: delivered, secondHand: true, calendar })).toMatchObject({ startsOn: '2026-03-21', lastDay: '2026-09-20' });
    expect(deadOnArrivalSpan({ policy: PF, deliveredAt: delivered, calendar })).toBeNull();
  });

  it('refuses a commercial claim before day 11 and one the shop does not offer', () => {
    const at = new Date('2026-03-15T10:00:00Z');
    expect(codeOfSync(() => coverageFor({ policy: EL, kind: 'commercial', deliveredAt: delivered, secondHand: false, at, calendar }))).toBe('guarantee.not_started');
    expect(codeOfSync(() => coverageFor({ policy: PF, kind: 'dead_on_arrival', deliveredAt: delivered, secondHand: false, at, calendar }))).toBe('guarantee.not_offered');
    expect(codeOfSync(() => coverageFor({ policy: EL, kind: 'dead_on_arrival', deliveredAt: delivered, secondHand: false, at: new Date('2026-03-20T23:00:00Z'), calendar }))).toBe('guarantee.expired');
  });
});

describe('the clocks of a claim', () => {
  it('EL dead on arrival: answer within 48 h; remedy by the earlier of 30 days and one month', () => {
    const filedAt = new Date('2027-01-31T10:00:00Z');
    const clocks = claimClocks({ policy: EL, kind: 'dead_on_arrival', filedAt, calendar });
    expect(clocks.answerDueAt).toEqual(new Date('2027-02-02T10:00:00Z'));
    // 31 Jan + 1 month = 28 Feb, earlier than 31 Jan + 30 days = 2 March (GU-3 vs GU-1: the earlier applies).
    expect(clocks).toMatchObject({ remedyLastDay: '2027-02-28', rule: 'GU-3' });
    const march = claimClocks({ policy: EL, kind: 'conformity', filedAt: new Date('2027-03-01T10:00:00Z'), calendar });
    expect(march).toMatchObject({ answerDueAt: null, remedyLastDay: '2027-03-31', rule: 'GU-1/GU-3' });
  });

  it('PF: remedy within 30 days; hidden defects have no remedy clock', () => {
    expect(claimClocks({ policy: PF, kind: 'conformity', filedAt: new Date('2027-01-31T10:00:00Z'), calendar })).toMatchObject({ answerDueAt: null, remedyLastDay: '2027-03-02' });
    expect(claimClocks({ policy: PF, kind: 'hidden_defect', filedAt: new Date('2027-01-31T10:00:00Z'), calendar })).toMatchObject({ remedyLastDay: null, remedyDueAt: null });
  });
});
