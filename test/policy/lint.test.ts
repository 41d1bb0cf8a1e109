import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadShop, loadShopDir, type LoadedShop } from '../../src/policy/loader.js';
import { lintShop } from '../../src/policy/lint.js';

const shopsDir = path.resolve('shops');

function withLabel(shop: LoadedShop, fr: string, en: string): LoadedShop {
  return { ...shop, policy: { ...shop.policy, checkout: { ...shop.policy.checkout, finalButtonLabel: { fr, en } } } };
}

describe('lintShop', () => {
  it('JW: withdrawal raised 10 → 14 as a warning with the applied value', async () => {
    const findings = lintShop(await loadShop(shopsDir, 'jw'));
    const wd = findings.find((f) => f.path === 'withdrawal.period');
    expect(wd).toMatchObject({
      rule: 'WD-1/WD-2',
      severity: 'warning',
      value: { days: 10, kind: 'calendar' },
      floor: { days: 14, kind: 'calendar' },
      applied: { days: 14, kind: 'calendar' },
    });
    expect(findings.find((f) => f.path === 'refunds.delay')).toMatchObject({ rule: 'RF-1', severity: 'warning' });
    expect(findings.every((f) => f.severity === 'warning')).toBe(true);
  });

  it.each(['fa', 'pf', 'el', 'fr'])('%s has no finding', async (id) => {
    expect(lintShop(await loadShop(shopsDir, id))).toEqual([]);
  });

  it('a missing mediator and an ODR link in the terms are errors; so is a missing withdrawal function', async () => {
    const findings = lintShop(await loadShopDir(path.resolve('test/policy/fixtures/no-mediator')));
    const errors = findings.filter((f) => f.severity === 'error');
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'ID-5', path: 'mediator' }),
        expect.objectContaining({ rule: 'ID-5', path: 'terms/v1.fr.md', value: ['https://ec.europa.eu/consumers/odr/'] }),
        expect.objectContaining({ rule: 'ID-5', path: 'terms/v1.en.md' }),
        expect.objectContaining({ rule: 'WD-4', path: 'terms/v1.fr.md' }),
        expect.objectContaining({ rule: 'WD-4', path: 'terms/v1.en.md' }),
      ]),
    );
  });

  it('an ODR link anywhere in the policy is an error', async () => {
    const shop = await loadShop(shopsDir, 'fr');
    const linked = { ...shop, policy: { ...shop.policy, mediator: { ...shop.policy.mediator!, website: 'https://webgate.ec.europa.eu/odr/main' } } };
    expect(lintShop(linked)).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'ID-5', severity: 'error', path: 'mediator.website' })]));
  });

  it('OR-1b: an explicit label passes, a vague one is a warning applying the legal wording', async () => {
    const shop = await loadShop(shopsDir, 'fr');
    expect(lintShop(withLabel(shop, 'Payer ma commande', 'Pay now')).filter((f) => f.rule === 'OR-1b')).toEqual([]);
    const vague = lintShop(withLabel(shop, 'Valider', 'Continue')).filter((f) => f.rule === 'OR-1b');
    expect(vague).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'checkout.finalButtonLabel.fr', value: 'Valider', applied: 'Commande avec obligation de paiement' }),
      expect.objectContaining({ severity: 'warning', path: 'checkout.finalButtonLabel.en', value: 'Continue', applied: 'Order with obligation to pay' }),
    ]);
  });

  it('a shop without terms is an error (ID-2)', async () => {
    const shop = await loadShop(shopsDir, 'fr');
    expect(lintShop({ ...shop, terms: [] })).toEqual([expect.objectContaining({ rule: 'ID-2', severity: 'error' })]);
  });
});
