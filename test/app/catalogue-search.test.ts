// Issue 3 §1: listing by category, search by name (FR/EN, case and accents
// ignored, prefixes), product detail in one query, and plans that stay
// index-backed on a large catalogue (bulk synthetic products).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countProducts, getProductDetail, listCategories, listProducts, priceDisplayOf, searchQuery } from '../../src/app/catalogue.js';
import { seedCatalogue } from '../../src/app/seed-catalogue.js';
import { seedSyntheticProducts } from '../../src/app/synthetic-catalogue.js';
import { DomainError } from '../../src/domain/errors.js';
import type { Db } from '../../src/store/db.js';
import type { Database } from '../../src/store/schema.js';
import { useTestDatabase } from '../support/database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const seededAt = new Date('2026-11-20T09:00:00.000Z');
const day = 24 * 3600 * 1000;
const at = (days: number): Date => new Date(seededAt.getTime() + days * day);

async function seedShop(db: Db, id: string): Promise<void> {
  await db.insertInto('shops').values({ id, name: id, policy_hash: 'test', loaded_at: seededAt }).execute();
  await seedCatalogue(db, { shopId: id, shopDir: path.join(root, 'shops', id), now: seededAt });
}

const t = useTestDatabase();
beforeAll(async () => {
  await seedShop(t.db, 'el');
  await seedShop(t.db, 'fa');
});

const slugs = async (filter: { shopId?: string; search?: string; categorySlug?: string }) =>
  (await listProducts(t.db, { shopId: 'el', currency: 'EUR', now: at(1), limit: 100, offset: 0, ...filter })).map((p) => p.slug);

describe('search by name', () => {
  it('builds a prefix query of the words, ignoring punctuation; no word is no filter', () => {
    expect(searchQuery('  Écran, 27! ')).toBe('Écran:* & 27:*');
    expect(searchQuery("l'été")).toBe('l:* & été:*');
    expect(searchQuery('!!!')).toBeNull();
    expect(searchQuery('')).toBeNull();
  });

  it('finds French and English names, whatever the case and accents, by word prefix', async () => {
    expect(await slugs({ search: 'écran' })).toEqual(['ecran-panorama-27']);
    expect(await slugs({ search: 'ECRAN' })).toEqual(['ecran-panorama-27']);
    expect(await slugs({ search: 'monitor' })).toEqual(['ecran-panorama-27']);
    expect(await slugs({ search: 'pano' })).toEqual(['ecran-panorama-27']);
    expect(await slugs({ search: 'casque' })).toEqual(['casque-onde', 'casque-onde-occasion']);
    expect(await slugs({ search: 'casque occasion' })).toEqual(['casque-onde-occasion']);
    expect(await slugs({ search: 'zzzz' })).toEqual([]);
    // Punctuation in the search box cannot break the query.
    expect(await slugs({ search: "nova' & | ! :* (" })).toEqual(['portable-nova-14', 'nova-13-occasion']);
  });

  it('counts what it lists, and keeps to one shop', async () => {
    expect(await countProducts(t.db, { shopId: 'el', search: 'casque' })).toBe(2);
    expect(await countProducts(t.db, { shopId: 'fa', search: 'casque' })).toBe(0);
  });
});

describe('category filter', () => {
  it('lists and counts the products of one category; an unknown category has none', async () => {
    expect(await slugs({ categorySlug: 'audio' })).toEqual(['casque-onde', 'enceinte-echo-mini']);
    expect(await countProducts(t.db, { shopId: 'el', categorySlug: 'audio' })).toBe(2);
    expect(await slugs({ categorySlug: 'nope' })).toEqual([]);
    expect(await slugs({ categorySlug: 'audio', search: 'enceinte' })).toEqual(['enceinte-echo-mini']);
  });

  it('lists the categories with their number of products', async () => {
    const categories = await listCategories(t.db, { shopId: 'el' });
    expect(categories[0]).toEqual({ slug: 'laptops', name: { fr: 'Ordinateurs portables', en: 'Laptops' }, products: 1 });
    expect(categories.find((c) => c.slug === 'audio')?.products).toBe(2);
  });
});

describe('product detail', () => {
  it('CAT-1/CAT-2/PR-3: variants with options, SKU, price, availability per variant, eco-fee, images, category', async () => {
    const p = await getProductDetail(t.db, { shopId: 'el', slug: 'portable-nova-14', currency: 'EUR', now: at(1) });
    expect(p).toMatchObject({
      slug: 'portable-nova-14',
      name: { fr: 'Ordinateur portable Nova 14', en: 'Nova 14 laptop' },
      category: { slug: 'laptops', name: { en: 'Laptops' } },
      images: [{ path: 'portable-nova-14.svg' }],
      ecoFeeMinor: 100,
      composition: { en: expect.stringContaining('Recycled aluminium') },
    });
    expect(p.variants.map((v) => [v.sku, v.options, v.price, v.availability])).toEqual([
      ['EL-NOV14-512-GRI', { capacity: '512 Go', colour: 'gris' }, { amount: 89900, currency: 'EUR' }, { state: 'in_stock' }],
      ['EL-NOV14-1TO-GRI', { capacity: '1 To', colour: 'gris' }, { amount: 104900, currency: 'EUR' }, { state: 'in_stock' }],
      ['EL-NOV14-1TO-BLE', { capacity: '1 To', colour: 'bleu nuit' }, { amount: 104900, currency: 'EUR' }, { state: 'awaiting_stock', expectedArrival: '2027-01-18', backorderAllowed: true }],
    ]);
    expect(p.variants[0]!.priceHistory).toEqual([{ amountMinor: 89900, effectiveAt: seededAt }]);
  });

  it('CAT-4: flags (FA hygiene-sealed)', async () => {
    const { rows } = await sql<{ slug: string }>`SELECT slug FROM products WHERE shop_id = 'fa' AND hygiene_sealed LIMIT 1`.execute(t.db);
    const p = await getProductDetail(t.db, { shopId: 'fa', slug: rows[0]!.slug, currency: 'EUR', now: at(1) });
    expect(p.flags.hygieneSealed).toBe(true);
  });

  it('PR-6: a scheduled price is not in the history before its instant; then it shows as a reduction from the 30-day lowest', async () => {
    const { rows } = await sql<{ id: string }>`SELECT id FROM variants WHERE sku = 'EL-NOV14-512-GRI'`.execute(t.db);
    // Up to 949.00 on day 5, then down to 699.00 on day 40 (scheduled on day 1).
    await sql`INSERT INTO price_history (variant_id, currency, amount_minor, effective_at, recorded_at) VALUES (${rows[0]!.id}, 'EUR', 94900, ${at(5)}, ${at(1)})`.execute(t.db);
    await sql`INSERT INTO price_history (variant_id, currency, amount_minor, effective_at, recorded_at) VALUES (${rows[0]!.id}, 'EUR', 69900, ${at(40)}, ${at(1)})`.execute(t.db);
    const before = await getProductDetail(t.db, { shopId: 'el', slug: 'portable-nova-14', currency: 'EUR', now: at(39) });
    expect(before.variants[0]!.price).toEqual({ amount: 94900, currency: 'EUR' });
    expect(before.variants[0]!.priceHistory).toHaveLength(2);
    const after = await getProductDetail(t.db, { shopId: 'el', slug: 'portable-nova-14', currency: 'EUR', now: at(40) });
    // Lowest of the 30 days before day 40: 949.00 (899.00 ended on day 5, before the window); 26 % off it, rounded down.
    expect(priceDisplayOf(after.variants[0]!.priceHistory, 'EUR', at(40))).toEqual({
      current: { amount: 69900, currency: 'EUR' },
      reduced: { reference: { amount: 94900, currency: 'EUR' }, percentOff: 26, since: at(40) },
    });
  });

  it('throws product.not_found for an unknown slug or another shop', async () => {
    const error = await getProductDetail(t.db, { shopId: 'fa', slug: 'portable-nova-14', currency: 'EUR', now: at(1) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('product.not_found');
  });
});

describe('query count (style.md §7: no N+1)', () => {
  const queries: string[] = [];
  let counted: Db;
  beforeAll(() => {
    counted = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: t.url, max: 2 }) }),
      log: (event) => {
        if (event.level === 'query') queries.push(event.query.sql);
      },
    });
  });
  afterAll(async () => {
    await counted?.destroy();
  });

  it('lists a filtered, searched page in ONE query and counts it in one more', async () => {
    queries.length = 0;
    await listProducts(counted, { shopId: 'el', categorySlug: 'audio', search: 'cas', currency: 'EUR', now: at(1), limit: 20, offset: 0 });
    expect(queries).toHaveLength(1);
    await countProducts(counted, { shopId: 'el', categorySlug: 'audio', search: 'cas' });
    expect(queries).toHaveLength(2);
  });

  it('reads a product with all its variants, stock, prices and images in ONE query', async () => {
    queries.length = 0;
    const p = await getProductDetail(counted, { shopId: 'el', slug: 'ssd-flux', currency: 'EUR', now: at(1) });
    expect(p.variants.length).toBeGreaterThan(1);
    expect(queries).toHaveLength(1);
  });
});

describe('plans on a large catalogue (20 000 synthetic products)', () => {
  beforeAll(async () => {
    const started = Date.now();
    await seedSyntheticProducts(t.db, { shopId: 'el', count: 20_000, currencies: ['EUR'], now: seededAt });
    // Bulk INSERT … SELECT: seconds, not minutes.
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  async function plan(query: { compile: () => { sql: string; parameters: readonly unknown[] } }): Promise<string> {
    const compiled = query.compile();
    const { rows } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${sql.raw(inline(compiled.sql, compiled.parameters))}`.execute(t.db);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  /** EXPLAIN cannot take bind parameters through kysely's sql tag: inline them as literals. */
  function inline(text: string, parameters: readonly unknown[]): string {
    return text.replace(/\$(\d+)/g, (_, i: string) => {
      const v = parameters[Number(i) - 1];
      if (typeof v === 'number') return String(v);
      if (v instanceof Date) return `'${v.toISOString()}'::timestamptz`;
      return `'${String(v).replace(/'/g, "''")}'`;
    });
  }

  const explained = (filter: { search?: string; categorySlug?: string; offset?: number }) => {
    let captured: { sql: string; parameters: readonly unknown[] } | undefined;
    const capturing = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: t.url, max: 1 }) }),
      log: (event) => {
        captured ??= { sql: event.query.sql, parameters: event.query.parameters };
      },
    });
    return listProducts(capturing, { shopId: 'el', currency: 'EUR', now: at(1), limit: 24, offset: filter.offset ?? 0, ...filter })
      .then(async (rows) => {
        await capturing.destroy();
        return { rows, plan: await plan({ compile: () => captured! }) };
      });
  };

  it('counts them', async () => {
    expect(await countProducts(t.db, { shopId: 'el' })).toBe(20_010);
    expect(await slugs({ search: 'ÉCRAN rouge 12' })).toContain('synthetic-12');
  });

  it.each([
    ['the plain listing', {}],
    ['a deep page', { offset: 10_000 }],
    ['a category', { categorySlug: 'audio' }],
    ['a search', { search: 'Écran bleu 120' }],
    ['a search in a category', { search: 'monitor', categorySlug: 'monitors' }],
  ])('uses indexes for %s: no Seq Scan on products nor on their cards', async (_name, filter) => {
    const { plan: text } = await explained(filter);
    expect(text).not.toMatch(/Seq Scan on (products|product_cards)/);
    expect(text).toMatch(/Index|Bitmap/);
  });
});
