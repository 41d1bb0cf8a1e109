import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson, loadPolicyFile, loadShop, parsePolicyText, PolicyLoadError } from '../../src/policy/loader.js';
import { currencyFor, rateRowFor } from '../../src/policy/schema.js';

const shopsDir = path.resolve('shops');
const fixtures = path.resolve('test/policy/fixtures');

async function loadError(promise: Promise<unknown>): Promise<PolicyLoadError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(PolicyLoadError);
  return error as PolicyLoadError;
}

function lineOf(text: string, fragment: string): number {
  return text.split('\n').findIndex((l) => l.includes(fragment)) + 1;
}

describe('the five example shops', () => {
  it.each(['jw', 'fa', 'pf', 'el', 'fr'])('%s loads with its terms', async (id) => {
    const shop = await loadShop(shopsDir, id);
    expect(shop.id).toBe(id);
    expect(shop.policy.shop.id).toBe(id);
    expect(shop.policyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(shop.terms.length).toBeGreaterThanOrEqual(1);
    for (const v of shop.terms) {
      expect(v.hash.fr).toMatch(/^[0-9a-f]{64}$/);
      expect(v.text.en.length).toBeGreaterThan(100);
    }
  });

  it('PF: the full rate table, in minor units (SH-2), GBP for GB (PR-1), 3 per reference (CAT-3)', async () => {
    const { policy } = await loadShop(shopsDir, 'pf');
    const [standard, express] = policy.shipping.methods;
    expect(standard!.id).toBe('standard');
    expect(standard!.rates.DE!.EUR).toBe(1070);
    expect(standard!.rates.FR!.EUR).toBe(547);
    expect(standard!.rates.SE!.EUR).toBe(1492);
    expect(express!.rates.HU!.EUR).toBe(1724);
    expect(express!.rates.IE!.EUR).toBe(1360);
    expect(Object.keys(standard!.rates)).toHaveLength(23);
    expect(express!.transit.byCountry.FR).toEqual({ minDays: 1, maxDays: 1 });
    expect(currencyFor(policy, 'GB')).toBe('GBP');
    expect(currencyFor(policy, 'DE')).toBe('EUR');
    expect(rateRowFor(standard!, 'GB')!.GBP).toBeTypeOf('number');
    expect(policy.shipping.freeShipping[0]).toMatchObject({ minimum: { EUR: 17500 }, methods: ['standard'], basis: 'goods_incl_vat' });
    expect(policy.cart.maxQuantityPerReference).toBe(3);
    expect(policy.customers.age).toEqual({ minimum: 16, byCountry: { IT: 18 }, minorsWithGuardianConsent: false });
    expect(policy.payment.capture).toBe('at_dispatch');
    expect(policy.payment.fraudReview!.answerWithin).toEqual({ days: 15, kind: 'calendar' });
    expect(policy.withdrawal.period).toEqual({ days: 14, kind: 'working' });
    expect(policy.withdrawal.refusedReturns.keptFor).toEqual({ days: 28, kind: 'calendar' });
  });

  it('FA: exactly the 29 countries, instalments 3x 150–2,000 and 4x 350–2,000 EUR (PA-4), store pickup fee (SH-7)', async () => {
    const { policy } = await loadShop(shopsDir, 'fa');
    expect([...policy.destinations.countries!].sort()).toEqual(
      ['FR', 'DE', 'AT', 'BE', 'BG', 'CY', 'DK', 'ES', 'EE', 'FI', 'GI', 'GR', 'HU', 'IE', 'IT', 'RE', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'CZ', 'RO', 'GB', 'SK', 'SI', 'SE'].sort(),
    );
    const inst = policy.payment.methods.instalments!;
    expect(inst.plans).toEqual([
      { count: 3, basket: { min: { amount: 15000, currency: 'EUR' }, max: { amount: 200000, currency: 'EUR' } } },
      { count: 4, basket: { min: { amount: 35000, currency: 'EUR' }, max: { amount: 200000, currency: 'EUR' } } },
    ]);
    expect(inst.schedule).toBe('same_day_of_following_months');
    expect(inst.residency).toEqual(['FR']);
    const store = policy.shipping.methods.find((m) => m.kind === 'store_pickup')!;
    expect(store.collectionWindow).toEqual({ months: 1 });
    expect(store.uncollected!.feeKept).toEqual({ amount: 1500, currency: 'EUR' });
    expect(policy.shipping.methods.find((m) => m.kind === 'relay_point')!.collectionWindow).toEqual({ days: 14, kind: 'calendar' });
    expect(policy.payment.methods.card!.threeDSecure).toBe('required');
    expect(policy.refunds.storeCredit.offered).toBe('on_request');
    expect(policy.reservations!.hold).toEqual({ hours: 48, withinOpeningHours: true });
  });

  it('FA keeps two terms versions, oldest first (ID-2)', async () => {
    const { terms } = await loadShop(shopsDir, 'fa');
    expect(terms.map((t) => t.id)).toEqual(['v1', 'v2']);
    expect(terms[0]!.effectiveAt.getTime()).toBeLessThan(terms[1]!.effectiveAt.getTime());
    expect(terms[0]!.hash.fr).not.toBe(terms[1]!.hash.fr);
  });

  it('EL: destinations incl. CH and overseas, free delivery from 400 EUR excl. VAT in four countries, transfer 6 days', async () => {
    const { policy } = await loadShop(shopsDir, 'el');
    expect(policy.destinations.countries).toEqual(expect.arrayContaining(['FR', 'CH', 'RE', 'GP', 'DE']));
    expect(policy.shipping.freeShipping).toEqual([
      { minimum: { EUR: 40000 }, basis: 'goods_excl_vat', methods: ['standard', 'relay'], countries: ['FR', 'ES', 'BE', 'IT'], customerKinds: ['consumer', 'programme_reseller'] },
    ]);
    expect(policy.payment.methods.bankTransfer!.payWithinDays).toEqual({ days: 6, kind: 'calendar' });
    expect(policy.payment.methods.deferredB2B!.lateInterest.multiple).toBe(1.5);
    expect(policy.shipping.damageAtDelivery.claimWindow).toEqual({ days: 3, kind: 'working_and_saturdays' });
    expect(policy.guarantees.deadOnArrival!.window.days).toBe(10);
    expect(policy.guarantees.commercial).toMatchObject({ months: 36, secondHandMonths: 6 });
    expect(policy.withdrawal.moneyBackGuarantee!.period.days).toBe(30);
    expect(policy.pricing.extraFees.weeeEcoFee).toBe(true);
  });

  it('FR: metropolitan France only, 30 days abroad, reservations, French cards', async () => {
    const { policy } = await loadShop(shopsDir, 'fr');
    expect(policy.destinations).toMatchObject({ countries: ['FR'], france: 'metropolitan' });
    expect(policy.withdrawal.abroad).toEqual({ days: 30, kind: 'calendar' });
    expect(policy.reservations).toEqual({ confirmationWithinHours: 2, hold: { days: 3, kind: 'working', from: 'confirmation' }, maxDistinctItems: 10 });
    expect(policy.payment.methods.card!.issuedInCountries).toEqual(['FR']);
    expect(policy.shipping.methods[0]!.collectionWindow).toEqual({ days: 15, kind: 'calendar' });
    expect(policy.cart.retention).toEqual({ days: 30, kind: 'calendar' });
  });

  it('JW: worldwide, two carriers, not subject to VAT, no PO box or CEDEX', async () => {
    const { policy } = await loadShop(shopsDir, 'jw');
    expect(policy.destinations.worldwide).toBe(true);
    expect(policy.shipping.methods.map((m) => m.carrier)).toEqual(['EMS (La Poste)', 'DPD']);
    expect(policy.pricing.vat.mode).toBe('not_subject');
    expect(policy.addressRules).toMatchObject({ refusePoBox: true, refuseCedex: true });
    expect(policy.withdrawal.period).toEqual({ days: 10, kind: 'calendar' });
    expect(policy.refunds.storeCredit).toEqual({ offered: 'never' });
    expect(policy.exchanges.byPost!.maxPerOrder).toBe(1);
  });
});

describe('policy hash', () => {
  it('is the sha256 of the canonical parsed policy: key order and comments do not change it', async () => {
    const file = path.join(shopsDir, 'fr', 'policy.yaml');
    const { policyHash } = await loadPolicyFile(file);
    const text = await readFile(file, 'utf8');
    const reordered = text.replace(/^forceMajeure: .*$/m, '').replace(/^shop:/m, 'forceMajeure: { suspendsDeadlines: true }\n# moved\nshop:');
    expect(parsePolicyText(reordered, file).policyHash).toBe(policyHash);
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });
});

describe('errors', () => {
  it('name the file, the path inside it, the line and what is wrong', async () => {
    const file = path.join(fixtures, 'bad-values', 'policy.yaml');
    const text = await readFile(file, 'utf8');
    const error = await loadError(loadPolicyFile(file));
    expect(error.message).toContain('bad-values/policy.yaml');
    expect(error.message).toContain(`shipping.methods[0].rates.DE.EUR (line ${lineOf(text, 'DE: { EUR: ten }')}): expected an amount in EUR`);
    expect(error.message).toContain(`cart.maxQuantityPerRef (line ${lineOf(text, 'maxQuantityPerRef')}): unknown key "maxQuantityPerRef"`);
  });

  it('report a rate missing in the destination\'s currency', async () => {
    const file = path.join(fixtures, 'bad-values', 'policy.yaml');
    const text = (await readFile(file, 'utf8')).replace('DE: { EUR: ten }', 'DE: { EUR: 10.70 }').replace('maxQuantityPerRef', 'maxQuantityPerReference');
    expect(() => parsePolicyText(text, file)).toThrow(/shipping\.methods\[1\]\.rates\.GB \(line \d+\): GB is priced in GBP/);
  });

  it('report YAML syntax errors with their line', async () => {
    const error = await loadError(loadPolicyFile(path.join(fixtures, 'not-yaml', 'policy.yaml')));
    expect(error.message).toMatch(/not-yaml\/policy\.yaml/);
    expect(error.problems[0]!.line).toBeGreaterThan(0);
    expect(error.problems[0]!.message).toMatch(/^not valid YAML/);
  });

  it('an unknown shop lists the shops that exist', async () => {
    const error = await loadError(loadShop(shopsDir, 'xx'));
    expect(error.message).toContain('Unknown shop "xx"');
    expect(error.message).toContain('el, fa, fr, jw, pf');
  });

  it('refuse UK for GB and a missing file', async () => {
    const file = path.join(shopsDir, 'fa', 'policy.yaml');
    const text = (await readFile(file, 'utf8')).replace('GB: { EUR: 12.90 }', 'UK: { EUR: 12.90 }');
    expect(() => parsePolicyText(text, file)).toThrow(/rates\.UK \(line \d+\): key "UK": use the ISO code GB/);
    await loadError(loadPolicyFile(path.join(fixtures, 'nowhere.yaml')));
  });
});
