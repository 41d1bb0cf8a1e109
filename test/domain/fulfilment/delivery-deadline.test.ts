// SH-4 (L216-1 / L216-6): the delivery due date, when a notice is possible,
// the additional period the customer chooses, and what the back office calls
// "at risk" — dates to the day, in the shop's calendar.
import { describe, expect, it } from 'vitest';
import { checkNoticeAllowed, deliveryDueOn, deliveryRisk, isDeliveryLate, noticeDeliverBy, type DeliveryProgress } from '../../../src/domain/fulfilment/delivery-deadline.js';
import { DomainError } from '../../../src/domain/errors.js';

const codeOf = (run: () => unknown): { code: string; details: Record<string, unknown> } | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, details: error.details };
    throw error;
  }
};

describe('SH-4 deliveryDueOn: the order day in the shop calendar + the days', () => {
  it.each([
    ['2026-11-23T09:00:00Z', 30, 'Europe/Paris', '2026-12-23'],
    ['2026-11-30T23:30:00Z', 30, 'Europe/Paris', '2026-12-31'], // 00:30 on 1 December in Paris
    ['2026-11-30T23:30:00Z', 30, 'UTC', '2026-12-30'],
    ['2027-01-31T10:00:00Z', 30, 'Europe/Paris', '2027-03-02'],
    ['2028-02-01T10:00:00Z', 30, 'Europe/Paris', '2028-03-02'], // 29 February counts
  ])('SH-4 ordered %s, %i days, %s → %s', (placedAt, days, timeZone, expected) => {
    expect(deliveryDueOn({ placedAt: new Date(placedAt), days, timeZone })).toBe(expected);
  });
});

describe('SH-4 a notice is possible from the day after the due date, goods not delivered', () => {
  const due = '2026-12-23';
  it.each([
    ['2026-12-22', 'unfulfilled', false],
    ['2026-12-23', 'shipped', false], // the due date itself is in time
    ['2026-12-24', 'unfulfilled', true],
    ['2026-12-24', 'partially_shipped', true],
    ['2026-12-24', 'partially_delivered', true],
    ['2027-03-01', 'returned', true],
    ['2027-03-01', 'delivered', false],
  ] as [string, DeliveryProgress, boolean][])('SH-4 due %s, today %s, %s → late %s', (today, fulfilment, late) => {
    expect(isDeliveryLate({ dueOn: due, today, fulfilment })).toBe(late);
  });

  it('SH-4 before or on the due date: delivery.not_late naming the rule and the first day of a notice', () => {
    expect(codeOf(() => checkNoticeAllowed({ dueOn: due, today: '2026-12-23', fulfilment: 'unfulfilled' }))).toEqual({
      code: 'delivery.not_late',
      details: { field: 'number', rule: 'SH-4', dueOn: '2026-12-23', noticeFrom: '2026-12-24' },
    });
    expect(codeOf(() => checkNoticeAllowed({ dueOn: '2026-12-31', today: '2026-12-01', fulfilment: 'shipped' }))?.details.noticeFrom).toBe('2027-01-01');
    expect(codeOf(() => checkNoticeAllowed({ dueOn: due, today: '2026-12-24', fulfilment: 'unfulfilled' }))).toBeUndefined();
    expect(codeOf(() => checkNoticeAllowed({ dueOn: due, today: '2027-01-10', fulfilment: 'delivered' }))?.code).toBe('delivery.already_delivered');
  });
});

describe('SH-4 / L216-6 the additional period: 7 to 60 calendar days, 14 by default', () => {
  it.each([
    [undefined, '2027-01-07'],
    ['', '2027-01-07'],
    ['2026-12-31', '2026-12-31'], // 7 days
    ['2027-02-22', '2027-02-22'], // 60 days
  ])('SH-4 notice on 2026-12-24, deliverBy %s → %s', (deliverBy, expected) => {
    expect(noticeDeliverBy({ today: '2026-12-24', deliverBy })).toBe(expected);
  });

  it.each(['2026-12-30', '2027-02-23', '2027-02-30', 'next week', '24/12/2026'])('SH-4 deliverBy %s → delivery.deliver_by_invalid with the limits', (deliverBy) => {
    expect(codeOf(() => noticeDeliverBy({ today: '2026-12-24', deliverBy }))).toEqual({
      code: 'delivery.deliver_by_invalid',
      details: { field: 'deliverBy', rule: 'SH-4', earliest: '2026-12-31', latest: '2027-02-22' },
    });
  });
});

describe('SH-4 orders at risk: due within 3 days, or past due, not delivered', () => {
  it.each([
    ['2026-12-19', 'unfulfilled', null],
    ['2026-12-20', 'unfulfilled', 'due_soon'],
    ['2026-12-23', 'shipped', 'due_soon'],
    ['2026-12-24', 'shipped', 'past_due'],
    ['2027-02-01', 'partially_delivered', 'past_due'],
    ['2026-12-24', 'delivered', null],
  ] as [string, DeliveryProgress, string | null][])('SH-4 due 2026-12-23, today %s, %s → %s', (today, fulfilment, risk) => {
    expect(deliveryRisk({ dueOn: '2026-12-23', today, fulfilment })).toBe(risk);
  });
});
