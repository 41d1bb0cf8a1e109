import { stat, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CatalogueLoadError, loadCatalogueFile, weekdays, type CatalogueFile, type CatalogueVariant } from '../../src/policy/catalogue-file.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shopsDir = path.join(root, 'shops');
const fixtures = path.join(root, 'test/policy/fixtures/catalogue');
const shopIds = ['jw', 'fa', 'pf', 'el', 'fr'] as const;

const load = (shop: string): Promise<CatalogueFile> => loadCatalogueFile(path.join(shopsDir, shop, 'catalogue.yaml'));
const variantsOf = (c: CatalogueFile): CatalogueVariant[] => c.products.flatMap((p) => p.variants);
const product = (c: CatalogueFile, slug: string) => {
  const p = c.products.find((x) => x.slug === slug);
  if (!p) throw new Error(`no product ${slug}`);
  return p;
};
const variant = (c: CatalogueFile, sku: string): CatalogueVariant => {
  const v = variantsOf(c).find((x) => x.sku === sku);
  if (!v) throw new Error(`no variant ${sku}`);
  return v;
};
const isUnavailable = (v: CatalogueVariant): boolean => v.stock.warehouse === 0 && v.expectedArrival === null && !v.backorderAllowed;

async function loadError(file: string): Promise<CatalogueLoadError> {
  const error = await loadCatalogueFile(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CatalogueLoadError);
  return error as CatalogueLoadError;
}

describe('the five demo catalogues (CAT-1)', () => {
  it.each(shopIds)('%s loads: ≥ 8 products, each described in FR and EN, with variants, SKUs, a category and an image', async (shop) => {
    const c = await load(shop);
    expect(c.products.length).toBeGreaterThanOrEqual(8);
    const categories = new Set(c.categories.map((x) => x.slug));
    for (const p of c.products) {
      expect(p.name.fr && p.name.en && p.description.fr && p.description.en).toBeTruthy();
      expect(p.composition?.fr && p.composition.en).toBeTruthy();
      expect(categories.has(p.category)).toBe(true);
      expect(p.variants.length).toBeGreaterThanOrEqual(1);
      expect(p.images.length).toBeGreaterThanOrEqual(1);
      for (const v of p.variants) {
        expect(v.sku).toMatch(new RegExp(`^${shop.toUpperCase()}-`));
        expect(v.prices.length).toBe(c.currencies.length);
        for (const price of v.prices) expect(Number.isSafeInteger(price.amount) && price.amount > 0).toBe(true);
      }
    }
    // Some products have several variants along an option (size, colour, volume…).
    expect(c.products.filter((p) => p.variants.length > 1).length).toBeGreaterThanOrEqual(5);
    // CAT-2: every shop shows an out-of-stock variant with no arrival date.
    expect(variantsOf(c).some(isUnavailable)).toBe(true);
  });

  it.each(shopIds)('%s has one warehouse; its images are small local SVG files', async (shop) => {
    const c = await load(shop);
    expect(c.locations.filter((l) => l.kind === 'warehouse').map((l) => l.code)).toEqual(['warehouse']);
    const names = c.products.flatMap((p) => p.images);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      const file = path.join(shopsDir, shop, 'images', name);
      expect((await stat(file)).size).toBeLessThan(2048);
      expect(await readFile(file, 'utf8')).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    }
  });

  it('PR-1: PF prices every variant in EUR and GBP, exactly in minor units', async () => {
    const c = await load('pf');
    expect(c.currencies).toEqual(['EUR', 'GBP']);
    for (const v of variantsOf(c)) expect(v.prices.map((p) => p.currency)).toEqual(['EUR', 'GBP']);
    expect(variant(c, 'PF-FIG-50').prices).toEqual([
      { amount: 8500, currency: 'EUR' },
      { amount: 7500, currency: 'GBP' },
    ]);
    expect(variant(c, 'PF-NER-100').prices[1]).toEqual({ amount: 6350, currency: 'GBP' });
  });

  it('CAT-4 / CAT-5: PF cosmetics are hygiene-sealed, engraving adds 15 working days, one product is perishable', async () => {
    const c = await load('pf');
    for (const slug of ['creme-rose-blanche', 'rouge-velours', 'figue-ardente']) expect(product(c, slug).flags.hygieneSealed).toBe(true);
    const engraved = product(c, 'iris-poudre-grave');
    expect(engraved.flags).toMatchObject({ personalised: true, extraLeadWorkingDays: 15 });
    expect(c.products.filter((p) => p.flags.perishable).map((p) => p.slug)).toEqual(['masque-frais-avocat']);
  });

  it('CAT-4: FA swimwear and underwear are hygiene-sealed, and only they', async () => {
    const c = await load('fa');
    const sealed = c.products.filter((p) => p.flags.hygieneSealed);
    expect(sealed.length).toBeGreaterThanOrEqual(3);
    for (const p of c.products) expect(p.flags.hygieneSealed).toBe(p.category === 'swimwear' || p.category === 'underwear');
  });

  it('CAT-4 / CAT-5: JW engraving is personalised with an extra lead time', async () => {
    const c = await load('jw');
    const personalised = c.products.filter((p) => p.flags.personalised);
    expect(personalised.length).toBeGreaterThanOrEqual(1);
    for (const p of personalised) expect(p.flags.extraLeadWorkingDays).toBeGreaterThan(0);
  });

  it('PR-3 / CAT-2 / CAT-4: EL has WEEE eco-fees, second-hand goods and back-orderable awaiting-stock variants', async () => {
    const c = await load('el');
    expect(product(c, 'portable-nova-14').ecoFeeMinor).toBe(100);
    expect(product(c, 'casque-onde').ecoFeeMinor).toBe(17);
    expect(product(c, 'sacoche-portable').ecoFeeMinor).toBe(0); // not an electrical good
    expect(c.products.filter((p) => p.ecoFeeMinor > 0).length).toBeGreaterThanOrEqual(5);
    const secondHand = c.products.filter((p) => p.flags.secondHand);
    expect(secondHand.length).toBeGreaterThanOrEqual(1);
    for (const p of secondHand) expect(p.category).toBe('refurbished');
    expect(variant(c, 'EL-NOV14-1TO-BLE')).toMatchObject({ expectedArrival: '2027-01-18', backorderAllowed: true });
    expect(variant(c, 'EL-NOV14-1TO-BLE').stock.warehouse).toBe(0);
    // Awaiting stock without back-order (alert list only).
    expect(variant(c, 'EL-MAI-3')).toMatchObject({ expectedArrival: '2026-12-21', backorderAllowed: false });
    // A whole product unavailable.
    expect(product(c, 'enceinte-echo-mini').variants.every(isUnavailable)).toBe(true);
  });

  it('CAT-4: FR has outlet items', async () => {
    const c = await load('fr');
    expect(c.products.filter((p) => p.flags.outlet).map((p) => p.slug)).toEqual(['parka-ouessant-outlet', 'chemise-lin-outlet']);
  });

  it.each([
    ['fa', 3],
    ['fr', 2],
  ] as const)('CAT-6 / ST-1: %s has ≥ %i stores in France with an address, opening hours for every weekday and stock', async (shop, atLeast) => {
    const c = await load(shop);
    const stores = c.locations.filter((l) => l.kind === 'store');
    expect(stores.length).toBeGreaterThanOrEqual(atLeast);
    for (const store of stores) {
      expect(store.address.country).toBe('FR');
      expect(store.openingHours?.timeZone).toBe('Europe/Paris');
      expect(Object.keys(store.openingHours?.week ?? {})).toEqual(weekdays);
      expect(weekdays.filter((d) => (store.openingHours?.week[d].length ?? 0) > 0).length).toBeGreaterThanOrEqual(5);
      expect(variantsOf(c).some((v) => (v.stock[store.code] ?? 0) > 0)).toBe(true);
    }
  });

  it('reads opening hours with a lunch break, and fills unlisted stock with 0', async () => {
    const c = await load('fa');
    const bordeaux = c.locations.find((l) => l.code === 'bordeaux-chartrons');
    expect(bordeaux?.openingHours?.week.tue).toEqual([
      { opens: '10:00', closes: '13:00' },
      { opens: '14:00', closes: '19:00' },
    ]);
    expect(bordeaux?.openingHours?.week.mon).toEqual([]);
    expect(variant(c, 'FA-ECU-M-ROU').stock).toEqual({ warehouse: 20, 'paris-marais': 2, 'lyon-presquile': 0, 'bordeaux-chartrons': 0, 'lille-centre': 0 });
  });
});

describe('catalogue file errors name the file, the path inside it and the problem', () => {
  it('values of the wrong shape', async () => {
    const file = path.join(fixtures, 'bad-values/catalogue.yaml');
    const error = await loadError(file);
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.issues).toEqual([
      { path: 'locations[1].opening_hours', message: expect.stringContaining('opening hours') },
      { path: 'products[0].flags.extra_lead_working_days', message: expect.stringContaining('whole number') },
      { path: 'products[0].variants[0].expected_arrival', message: expect.stringContaining('calendar date') },
      { path: 'products[0].variants[1].backorder_allowed', message: expect.stringContaining('expected_arrival') },
    ]);
    expect(error.message).toContain('products[0].flags.extra_lead_working_days: must be a whole number of working days');
  });

  it('values that do not fit together: missing currency, extra decimals, unknown category or location, duplicate SKU', async () => {
    const error = await loadError(path.join(fixtures, 'bad-references/catalogue.yaml'));
    expect(error.issues.map((i) => i.path)).toEqual([
      'products[0].eco_fee',
      'products[0].variants[1].prices',
      'products[0].variants[1].stock.shop-floor',
      'products[1].category',
      'products[1].variants[0].sku',
      'products[1].variants[0].prices.EUR',
    ]);
    expect(error.issues[1]?.message).toBe('no price in GBP');
    expect(error.issues[5]?.message).toContain('decimals');
  });

  it('a missing image file', async () => {
    const error = await loadError(path.join(fixtures, 'missing-image/catalogue.yaml'));
    expect(error.issues).toEqual([{ path: 'products[0].images[0]', message: 'image file images/no-such-image.svg not found' }]);
  });

  it('unknown keys (strict objects), YAML syntax errors and a missing file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'comptoir-catalogue-'));
    try {
      const source = await readFile(path.join(fixtures, 'missing-image/catalogue.yaml'), 'utf8');
      const withTypo = path.join(dir, 'typo.yaml');
      await writeFile(withTypo, source.replace('    images:', '    colour: red\n    images:'));
      const typo = await loadError(withTypo);
      expect(typo.issues).toEqual([{ path: 'products[0]', message: expect.stringContaining('colour') }]);

      const broken = path.join(dir, 'broken.yaml');
      await writeFile(broken, 'currencies: [EUR\nlocations: {');
      const syntax = await loadError(broken);
      expect(syntax.issues[0]?.path).toMatch(/^line \d+, column \d+$/);
      expect(syntax.message).toContain(broken);

      const missing = await loadError(path.join(dir, 'absent.yaml'));
      expect(missing.issues[0]?.message).toContain('ENOENT');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
