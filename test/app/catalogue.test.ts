import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countProducts, listCountedPage, listProductPage, listProducts, type ProductSummary } from '../../src/app/catalogue.js';
import { addPrice } from '../../src/app/catalogue-admin.js';
import { setStock } from '../../src/app/stock.js';
import { seedCatalogue } from '../../src/app/seed-catalogue.js';
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

async function variantId(db: Db, shopId: string, sku: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`SELECT id FROM variants WHERE shop_id = ${shopId} AND sku = ${sku}`.execute(db);
  return rows[0]!.id;
}

/**
 * PR-6: the price history is append-only; a change is a new row, recorded
 * through the use case (which keeps the listing's card in step, issue 3 §9).
 */
async function recordPrice(db: Db, shopId: string, sku: string, amountMinor: number, effectiveAt: Date, currency = 'EUR'): Promise<void> {
  const id = await variantId(db, shopId, sku);
  await addPrice(db, { shopId, variantId: id, currency, amountMinor, effectiveAt, currencies: [currency as 'EUR'], actor: { kind: 'system' }, now: seededAt });
}

async function setWarehouseStock(db: Db, shopId: string, sku: string, quantity: number): Promise<void> {
  const { rows } = await sql<{ code: string }>`SELECT code FROM locations WHERE shop_id = ${shopId} AND kind = 'warehouse'`.execute(db);
  await setStock(db, { shopId, variantId: await variantId(db, shopId, sku), levels: [{ locationCode: rows[0]!.code, quantity }], actor: { kind: 'system' }, now: seededAt });
}

const bySlug = (list: ProductSummary[], slug: string): ProductSummary => {
  const p = list.find((x) => x.slug === slug);
  if (!p) throw new Error(`no ${slug} in the list`);
  return p;
};

describe('listProducts / countProducts', () => {
  const t = useTestDatabase();
  beforeAll(async () => {
    await seedShop(t.db, 'el');
    await seedShop(t.db, 'pf');
  });

  const list = (now: Date, extra: { shopId?: string; currency?: 'EUR' | 'GBP'; limit?: number; offset?: number } = {}) =>
    listProducts(t.db, { shopId: extra.shopId ?? 'el', currency: extra.currency ?? 'EUR', now, limit: extra.limit ?? 50, offset: extra.offset ?? 0 });

  it('counts the products of one shop', async () => {
    expect(await countProducts(t.db, { shopId: 'el' })).toBe(10);
    expect(await countProducts(t.db, { shopId: 'pf' })).toBe(9);
    expect(await countProducts(t.db, { shopId: 'nowhere' })).toBe(0);
  });

  it('lists products in catalogue order with name, category, first image, lowest price, flags and eco-fee', async () => {
    const products = await list(at(1));
    expect(products.map((p) => p.slug)).toEqual([
      'portable-nova-14',
      'ecran-panorama-27',
      'casque-onde',
      'ssd-flux',
      'clavier-frappe',
      'routeur-maille',
      'enceinte-echo-mini',
      'sacoche-portable',
      'nova-13-occasion',
      'casque-onde-occasion',
    ]);
    expect(products[0]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      slug: 'portable-nova-14',
      name: { fr: 'Ordinateur portable Nova 14', en: 'Nova 14 laptop' },
      categorySlug: 'laptops',
      imagePath: 'portable-nova-14.svg',
      price: { amount: 89900, currency: 'EUR' }, // lowest of 899.00 / 1049.00 / 1049.00
      availability: { state: 'in_stock' },
      flags: { hygieneSealed: false, personalised: false, extraLeadWorkingDays: 0, secondHand: false, outlet: false, perishable: false },
      ecoFeeMinor: 100,
    });
    expect(bySlug(products, 'sacoche-portable').price).toEqual({ amount: 3990, currency: 'EUR' });
    expect(bySlug(products, 'nova-13-occasion')).toMatchObject({ price: { amount: 38900, currency: 'EUR' }, flags: { secondHand: true }, ecoFeeMinor: 0 });
  });

  it('CAT-2: availability — in stock, awaiting stock with the earliest arrival, unavailable', async () => {
    const products = await list(at(1));
    // One variant awaiting, others in stock: in stock.
    expect(bySlug(products, 'ssd-flux').availability).toEqual({ state: 'in_stock' });
    // No warehouse stock; arrivals 2027-01-11 (back-order) and 2026-12-21 (alert only).
    expect(bySlug(products, 'routeur-maille').availability).toEqual({ state: 'awaiting_stock', expectedArrival: '2026-12-21', backorderAllowed: true });
    expect(bySlug(products, 'enceinte-echo-mini').availability).toEqual({ state: 'unavailable' });
  });

  it('CAT-6: only warehouse stock makes a product in stock online', async () => {
    await setWarehouseStock(t.db, 'el', 'EL-ECH-ANT', 3);
    expect(bySlug(await list(at(1)), 'enceinte-echo-mini').availability).toEqual({ state: 'in_stock' });
    await setWarehouseStock(t.db, 'el', 'EL-ECH-ANT', 0);
    expect(bySlug(await list(at(1)), 'enceinte-echo-mini').availability).toEqual({ state: 'unavailable' });
  });

  it('PR-4 / PR-6: the current price is the latest in force; a future-dated price is not yet', async () => {
    // Nova 14 512 Go down to 799.00 from day 10; SSD 1 To up to 129.00 from day 5.
    await recordPrice(t.db, 'el', 'EL-NOV14-512-GRI', 79900, at(10));
    await recordPrice(t.db, 'el', 'EL-FLX-1TO', 12900, at(5));

    const before = await list(at(4));
    expect(bySlug(before, 'portable-nova-14').price).toEqual({ amount: 89900, currency: 'EUR' });
    expect(bySlug(before, 'ssd-flux').price).toEqual({ amount: 10900, currency: 'EUR' });

    const between = await list(at(5));
    expect(bySlug(between, 'portable-nova-14').price).toEqual({ amount: 89900, currency: 'EUR' });
    // 129.00 is now in force for the 1 To; still the lowest of 129.00 / 179.00 / 319.00.
    expect(bySlug(between, 'ssd-flux').price).toEqual({ amount: 12900, currency: 'EUR' });

    const after = await list(at(10));
    expect(bySlug(after, 'portable-nova-14').price).toEqual({ amount: 79900, currency: 'EUR' });

    // Before the catalogue was seeded, nothing was priced.
    expect(bySlug(await list(at(-1)), 'portable-nova-14').price).toBeNull();
  });

  it('PR-1: prices in the requested currency (PF in GBP; EL has no GBP price list)', async () => {
    const pf = await list(at(1), { shopId: 'pf', currency: 'GBP' });
    expect(bySlug(pf, 'figue-ardente').price).toEqual({ amount: 5200, currency: 'GBP' });
    expect(bySlug(pf, 'iris-poudre-grave')).toMatchObject({ price: { amount: 8600, currency: 'GBP' }, flags: { personalised: true, extraLeadWorkingDays: 15, hygieneSealed: true } });
    expect(bySlug(pf, 'masque-frais-avocat').flags.perishable).toBe(true);
    expect(bySlug(pf, 'coffret-decouverte').availability).toEqual({ state: 'unavailable' });
    expect((await list(at(1), { currency: 'GBP' }))[0]?.price).toBeNull();
  });

  it('pages with limit and offset, and refuses an invalid page', async () => {
    expect((await list(at(1), { limit: 3, offset: 3 })).map((p) => p.slug)).toEqual(['ssd-flux', 'clavier-frappe', 'routeur-maille']);
    // Whether a page follows is read with the page (one card more), not counted.
    expect((await listProductPage(t.db, { shopId: 'el', currency: 'EUR', now: at(1), limit: 3, offset: 6 })).hasMore).toBe(true);
    expect((await listProductPage(t.db, { shopId: 'el', currency: 'EUR', now: at(1), limit: 4, offset: 6 })).hasMore).toBe(false);
    expect((await listCountedPage(t.db, { shopId: 'el', currency: 'EUR', now: at(1), limit: 3, offset: 3 })).total).toBe(10);
    expect((await listCountedPage(t.db, { shopId: 'el', currency: 'EUR', now: at(1), limit: 20, offset: 0 })).total).toBe(10);
    expect((await listCountedPage(t.db, { shopId: 'el', currency: 'EUR', now: at(1), limit: 20, offset: 40 })).total).toBe(10);
    expect(await list(at(1), { limit: 5, offset: 10 })).toEqual([]);
    for (const page of [{ limit: 0 }, { limit: 101 }, { limit: 2.5 }, { offset: -1 }]) {
      const error = await list(at(1), page).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('catalogue.invalid_page');
    }
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

    it('lists a page of products and variants in ONE query', async () => {
      queries.length = 0;
      const products = await listProducts(counted, { shopId: 'el', currency: 'EUR', now: at(1), limit: 50, offset: 0 });
      expect(products).toHaveLength(10);
      expect(queries).toHaveLength(1);
      // The listing reads the cards (src/store/product-cards.ts), not the variants.
      expect(queries[0]).toMatch(/from "product_cards"/i);
      expect(queries[0]).not.toMatch(/join lateral/i);
    });
  });
});
