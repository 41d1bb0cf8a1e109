import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { seedCatalogue } from '../../src/app/seed-catalogue.js';
import { DomainError } from '../../src/domain/errors.js';
import { CatalogueLoadError } from '../../src/policy/catalogue-file.js';
import type { Db } from '../../src/store/db.js';
import { useTestDatabase } from '../support/database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shopDir = (shop: string): string => path.join(root, 'shops', shop);
const now = new Date('2026-11-20T09:00:00.000Z');

// Each test seeds its own shop row (shop ids are free; SKUs are unique per shop).
async function createShop(db: Db, id: string): Promise<void> {
  await db.insertInto('shops').values({ id, name: `Shop ${id}`, policy_hash: 'test', loaded_at: now }).execute();
}

async function count(db: Db, table: 'locations' | 'categories' | 'products' | 'variants', shopId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE shop_id = ${shopId}`.execute(db);
  return rows[0]!.n;
}

async function seededAt(db: Db, shopId: string): Promise<Date | null> {
  const row = await db.selectFrom('shops').select('catalogue_seeded_at').where('id', '=', shopId).executeTakeFirstOrThrow();
  return row.catalogue_seeded_at;
}

describe('seedCatalogue', () => {
  const t = useTestDatabase();

  it('seeds FA once: locations with opening hours, categories, products with flags, images, variants, stock per location', async () => {
    await createShop(t.db, 'fa');
    const result = await seedCatalogue(t.db, { shopId: 'fa', shopDir: shopDir('fa'), now });
    expect(result).toEqual({ seeded: true, products: 9, variants: 28 });
    expect(await seededAt(t.db, 'fa')).toEqual(now);
    expect(await count(t.db, 'locations', 'fa')).toBe(5);
    expect(await count(t.db, 'categories', 'fa')).toBe(7);
    expect(await count(t.db, 'products', 'fa')).toBe(9);
    expect(await count(t.db, 'variants', 'fa')).toBe(28);

    const lyon = await t.db.selectFrom('locations').selectAll().where('shop_id', '=', 'fa').where('code', '=', 'lyon-presquile').executeTakeFirstOrThrow();
    expect(lyon).toMatchObject({ kind: 'store', name: "FA Lyon Presqu'île", address: { line1: '41 rue de Brest', postcode: '69002', city: 'Lyon', country: 'FR' } });
    expect(lyon.opening_hours).toMatchObject({ timeZone: 'Europe/Paris', week: { mon: [{ opens: '14:00', closes: '19:00' }], sun: [] } });

    // CAT-6: stock per location, a row for every location (0 where the file lists none).
    const { rows: stock } = await sql<{ code: string; quantity: number }>`
      SELECT l.code, s.quantity FROM stock s
      JOIN variants v ON v.id = s.variant_id JOIN locations l ON l.id = s.location_id
      WHERE v.shop_id = 'fa' AND v.sku = 'FA-ECU-L-MAR' ORDER BY l.id`.execute(t.db);
    expect(stock).toEqual([
      { code: 'warehouse', quantity: 38 },
      { code: 'paris-marais', quantity: 2 },
      { code: 'lyon-presquile', quantity: 2 },
      { code: 'bordeaux-chartrons', quantity: 0 },
      { code: 'lille-centre', quantity: 1 },
    ]);

    const swimsuit = await t.db
      .selectFrom('products')
      .innerJoin('categories', 'categories.id', 'products.category_id')
      .select(['products.name', 'products.hygiene_sealed', 'products.personalised', 'products.position', 'categories.slug as category'])
      .where('products.shop_id', '=', 'fa')
      .where('products.slug', '=', 'maillot-calanque')
      .executeTakeFirstOrThrow();
    expect(swimsuit).toEqual({ name: { fr: 'Maillot une pièce Calanque', en: 'Calanque swimsuit' }, hygiene_sealed: true, personalised: false, position: 5, category: 'swimwear' });

    const image = await t.db
      .selectFrom('product_images')
      .innerJoin('products', 'products.id', 'product_images.product_id')
      .select(['product_images.path', 'product_images.position', 'product_images.alt'])
      .where('products.shop_id', '=', 'fa')
      .where('products.slug', '=', 'robe-capucine')
      .execute();
    expect(image).toEqual([{ path: 'robe-capucine.svg', position: 0, alt: { fr: 'Robe Capucine', en: 'Capucine dress' } }]);

    const variant = await t.db.selectFrom('variants').select(['options', 'position', 'expected_arrival', 'backorder_allowed']).where('shop_id', '=', 'fa').where('sku', '=', 'FA-ECU-M-ROU').executeTakeFirstOrThrow();
    expect(variant).toEqual({ options: { size: 'M', colour: 'rouge' }, position: 3, expected_arrival: null, backorder_allowed: false });
  });

  it('PR-6: one initial price_history row per variant and currency, to the cent (PF: EUR and GBP); flags and lead time', async () => {
    await createShop(t.db, 'pf');
    const result = await seedCatalogue(t.db, { shopId: 'pf', shopDir: shopDir('pf'), now });
    expect(result).toEqual({ seeded: true, products: 9, variants: 16 });

    const { rows } = await sql<{ n: number; currencies: string }>`
      SELECT count(*)::int AS n, string_agg(DISTINCT ph.currency, ',' ORDER BY ph.currency) AS currencies
      FROM price_history ph JOIN variants v ON v.id = ph.variant_id WHERE v.shop_id = 'pf'`.execute(t.db);
    expect(rows[0]).toEqual({ n: 32, currencies: 'EUR,GBP' });

    const prices = await t.db
      .selectFrom('price_history')
      .innerJoin('variants', 'variants.id', 'price_history.variant_id')
      .select(['price_history.currency', 'price_history.amount_minor', 'price_history.effective_at', 'price_history.recorded_at'])
      .where('variants.shop_id', '=', 'pf')
      .where('variants.sku', '=', 'PF-NER-100')
      .orderBy('price_history.currency')
      .execute();
    expect(prices).toEqual([
      { currency: 'EUR', amount_minor: '7200', effective_at: now, recorded_at: now },
      { currency: 'GBP', amount_minor: '6350', effective_at: now, recorded_at: now },
    ]);

    const engraved = await t.db.selectFrom('products').select(['personalised', 'extra_lead_working_days', 'hygiene_sealed', 'perishable']).where('shop_id', '=', 'pf').where('slug', '=', 'iris-poudre-grave').executeTakeFirstOrThrow();
    expect(engraved).toEqual({ personalised: true, extra_lead_working_days: 15, hygiene_sealed: true, perishable: false });
  });

  it('EL: eco-fees, second-hand flag and awaiting-stock variants land in their columns', async () => {
    await createShop(t.db, 'el');
    await seedCatalogue(t.db, { shopId: 'el', shopDir: shopDir('el'), now });
    const laptop = await t.db.selectFrom('products').select(['eco_fee_minor', 'second_hand']).where('shop_id', '=', 'el').where('slug', '=', 'portable-nova-14').executeTakeFirstOrThrow();
    expect(laptop).toEqual({ eco_fee_minor: '100', second_hand: false });
    const used = await t.db.selectFrom('products').select(['eco_fee_minor', 'second_hand']).where('shop_id', '=', 'el').where('slug', '=', 'nova-13-occasion').executeTakeFirstOrThrow();
    expect(used).toEqual({ eco_fee_minor: '0', second_hand: true });
    const awaiting = await t.db.selectFrom('variants').select(['expected_arrival', 'backorder_allowed']).where('shop_id', '=', 'el').where('sku', '=', 'EL-NOV14-1TO-BLE').executeTakeFirstOrThrow();
    expect(awaiting).toEqual({ expected_arrival: '2027-01-18', backorder_allowed: true });
  });

  it('seeding twice seeds once (restart): the second call does nothing', async () => {
    await createShop(t.db, 'jw');
    expect(await seedCatalogue(t.db, { shopId: 'jw', shopDir: shopDir('jw'), now })).toEqual({ seeded: true, products: 9, variants: 22 });
    const later = new Date('2026-11-21T09:00:00.000Z');
    expect(await seedCatalogue(t.db, { shopId: 'jw', shopDir: shopDir('jw'), now: later })).toEqual({ seeded: false, products: 0, variants: 0 });
    expect(await count(t.db, 'products', 'jw')).toBe(9);
    expect(await count(t.db, 'locations', 'jw')).toBe(1);
    expect(await seededAt(t.db, 'jw')).toEqual(now);
  });

  it('two engines starting at once seed once (the shop row is locked)', async () => {
    await createShop(t.db, 'fr');
    const results = await Promise.all(
      [0, 1, 2, 3].map(() => seedCatalogue(t.db, { shopId: 'fr', shopDir: shopDir('fr'), now })),
    );
    expect(results.filter((r) => r.seeded)).toEqual([{ seeded: true, products: 9, variants: 22 }]);
    expect(results.filter((r) => !r.seeded)).toHaveLength(3);
    expect(await count(t.db, 'products', 'fr')).toBe(9);
    expect(await count(t.db, 'variants', 'fr')).toBe(22);
    expect(await count(t.db, 'locations', 'fr')).toBe(4);
  });

  it('a failure half-way leaves nothing seeded (one transaction)', async () => {
    await createShop(t.db, 'el-crash');
    // A variant with a SKU of the file already exists: the variants insert fails
    // after locations, categories and products went in.
    const product = await t.db
      .insertInto('products')
      .values({ shop_id: 'el-crash', slug: 'manual', name: '{"fr":"x","en":"x"}', description: '{"fr":"x","en":"x"}', created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db.insertInto('variants').values({ product_id: product.id, sku: 'EL-PAN27', shop_id: 'el-crash', options: '{}' }).execute();

    await expect(seedCatalogue(t.db, { shopId: 'el-crash', shopDir: shopDir('el'), now })).rejects.toThrow(/variants_shop_id_sku_key|duplicate key/);
    expect(await count(t.db, 'locations', 'el-crash')).toBe(0);
    expect(await count(t.db, 'categories', 'el-crash')).toBe(0);
    expect(await count(t.db, 'products', 'el-crash')).toBe(1);
    expect(await count(t.db, 'variants', 'el-crash')).toBe(1);
    expect(await seededAt(t.db, 'el-crash')).toBeNull();
  });

  it('an invalid catalogue file is refused before anything is written', async () => {
    await createShop(t.db, 'bad');
    const fixture = path.join(root, 'test/policy/fixtures/catalogue/bad-references');
    await expect(seedCatalogue(t.db, { shopId: 'bad', shopDir: fixture, now })).rejects.toBeInstanceOf(CatalogueLoadError);
    expect(await count(t.db, 'locations', 'bad')).toBe(0);
    expect(await seededAt(t.db, 'bad')).toBeNull();
  });

  it('refuses a shop that is not installed', async () => {
    const error = await seedCatalogue(t.db, { shopId: 'nowhere', shopDir: shopDir('jw'), now }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('shop.not_installed');
  });
});
