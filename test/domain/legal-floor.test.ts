import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  effectiveDeliveryDeadlineDays,
  effectiveOrderArchive,
  effectiveOrderButtonLabel,
  effectiveRefundDelay,
  effectiveSendBackPeriod,
  effectiveWithdrawalPeriod,
  isExplicitOrderButtonLabel,
  legalGuarantee,
  moneyBackPeriod,
  shippingRefund,
  withdrawalFloor,
} from '../../src/domain/legal-floor.js';
import { loadShop } from '../../src/policy/loader.js';
import type { Policy } from '../../src/policy/schema.js';

const policies: Record<string, Policy> = {};
beforeAll(async () => {
  for (const id of ['jw', 'fa', 'pf', 'el', 'fr']) policies[id] = (await loadShop(path.resolve('shops'), id)).policy;
});

describe('WD-1/WD-2 withdrawal period', () => {
  it('JW 10 days is raised to 14', () => {
    expect(effectiveWithdrawalPeriod(policies.jw!)).toEqual({
      declared: { days: 10, kind: 'calendar' },
      floor: { days: 14, kind: 'calendar' },
      applied: { days: 14, kind: 'calendar' },
      rule: 'WD-1/WD-2',
      raised: true,
    });
  });
  it('PF 14 working days is more generous and kept', () => {
    const r = effectiveWithdrawalPeriod(policies.pf!);
    expect(r.applied).toEqual({ days: 14, kind: 'working' });
    expect(r.raised).toBe(false);
  });
  it('FR: 14 days in France, 30 abroad', () => {
    expect(effectiveWithdrawalPeriod(policies.fr!, 'FR').applied).toEqual({ days: 14, kind: 'calendar' });
    expect(effectiveWithdrawalPeriod(policies.fr!, 'BE').applied).toEqual({ days: 30, kind: 'calendar' });
    expect(effectiveWithdrawalPeriod(policies.fa!, 'BE').applied).toEqual({ days: 14, kind: 'calendar' });
  });
  it.each([
    [{ days: 10, kind: 'working' as const }, { days: 14, kind: 'working' as const }],
    [{ days: 13, kind: 'working_and_saturdays' as const }, { days: 14, kind: 'working_and_saturdays' as const }],
    [{ days: 21, kind: 'calendar' as const }, { days: 21, kind: 'calendar' as const }],
  ])('%o → %o (the count is raised, the kind kept)', (declared, applied) => {
    expect(withdrawalFloor(declared).applied).toEqual(applied);
  });
  it('EL money-back 30 days sits on top', () => {
    expect(moneyBackPeriod(policies.el!)).toEqual({ days: 30, kind: 'calendar' });
    expect(moneyBackPeriod(policies.fa!)).toBeUndefined();
  });
});

describe('RF-1 refund delay', () => {
  it('JW 15 working days after the goods → 14 calendar days from the notice', () => {
    const r = effectiveRefundDelay(policies.jw!);
    expect(r.raised).toBe(true);
    expect(r.applied).toEqual({ days: 14, kind: 'calendar', from: 'withdrawal_notice' });
  });
  it('14 days from the notice is kept', () => {
    expect(effectiveRefundDelay(policies.fa!).raised).toBe(false);
  });
});

describe('RF-2 shipping refund', () => {
  const facts = { initialShippingPaid: 1091, cheapestStandardShipping: 547, wholeOrderReturned: true, nonConforming: false };
  it('express chosen: the cheapest standard comes back (law)', () => {
    expect(shippingRefund(policies.pf!.refunds, facts).applied).toBe(547);
  });
  it('JW refunds the full initial cost', () => {
    expect(shippingRefund(policies.jw!.refunds, facts).applied).toBe(1091);
  });
  it('FA: nothing on a partial return, the cheapest standard on a full return', () => {
    expect(shippingRefund(policies.fa!.refunds, { ...facts, wholeOrderReturned: false }).applied).toBe(0);
    expect(shippingRefund(policies.fa!.refunds, facts).applied).toBe(547);
    expect(shippingRefund(policies.fa!.refunds, { ...facts, wholeOrderReturned: false, nonConforming: true }).applied).toBe(547);
  });
  it('a policy saying none is raised to the floor', () => {
    const none = { ...policies.fr!.refunds, shipping: 'none' as const };
    expect(shippingRefund(none, facts)).toMatchObject({ declared: 0, floor: 547, applied: 547, raised: true });
  });
  it('never more than what was paid', () => {
    expect(shippingRefund(policies.pf!.refunds, { ...facts, initialShippingPaid: 0 }).applied).toBe(0);
  });
});

describe('SH-4, WD-6, DOC-4, GU-1', () => {
  it('delivery within 30 days unless the shop promises less', () => {
    expect(effectiveDeliveryDeadlineDays(policies.fa!)).toMatchObject({ declared: undefined, applied: 30, raised: false });
    const slow = { ...policies.fa!, shipping: { ...policies.fa!.shipping, deliveryDeadlineDays: 45 } };
    expect(effectiveDeliveryDeadlineDays(slow)).toMatchObject({ declared: 45, applied: 30, raised: true });
  });
  it('14 days to send the goods back at least', () => {
    const short = { ...policies.fa!, withdrawal: { ...policies.fa!.withdrawal, sendBackWithin: { days: 7, kind: 'calendar' as const } } };
    expect(effectiveSendBackPeriod(short).applied).toEqual({ days: 14, kind: 'calendar' });
    expect(effectiveSendBackPeriod(policies.fa!).raised).toBe(false);
  });
  it('orders from 120 EUR kept 10 years; FR keeps every order', () => {
    expect(effectiveOrderArchive(policies.fr!).applied).toEqual({ years: 10, fromOrderAmount: 0 });
    expect(effectiveOrderArchive(policies.pf!).raised).toBe(false);
  });
  it('legal guarantee 2 years, presumption 12 months for second-hand', () => {
    expect(legalGuarantee({ secondHand: false })).toMatchObject({ conformityMonths: 24, presumptionMonths: 24 });
    expect(legalGuarantee({ secondHand: true })).toMatchObject({ conformityMonths: 24, presumptionMonths: 12 });
  });
});

describe('OR-1b order button', () => {
  it.each([
    ['Commande avec obligation de paiement', 'fr', true],
    ['commander avec obligation de paiement !', 'fr', true],
    ['Payer maintenant', 'fr', true],
    ['Valider ma commande', 'fr', false],
    ['Passer au paiement', 'fr', false],
    ['Order with obligation to pay', 'en', true],
    ['Buy now', 'en', true],
    ['Finalise my order', 'en', false],
    ['Continue', 'en', false],
  ] as const)('%s (%s) → explicit: %s', (label, lang, explicit) => {
    expect(isExplicitOrderButtonLabel(label, lang)).toBe(explicit);
  });
  it('JW\'s label is replaced by the legal wording', () => {
    expect(effectiveOrderButtonLabel(policies.jw!, 'en')).toMatchObject({ declared: 'Finalise my order', applied: 'Order with obligation to pay', raised: true });
    expect(effectiveOrderButtonLabel(policies.el!, 'fr')).toMatchObject({ applied: 'Commander avec obligation de paiement', raised: false });
  });
});
