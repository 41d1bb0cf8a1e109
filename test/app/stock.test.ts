// CAT-6: stock per location, changed through one module that owns its row
// locks; CAT-2: back-in-stock alerts queued with the stock change.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedCatalogue } from '../../src/app/seed-catalogue.js';
import { listActiveStockAlerts, subscribeStockAlert } from '../../src/app/stock-alerts.js';
import { lockStock, setStock, variantStock } from '../../src/app/stock.js';
import { DomainError } from '../../src/domain/errors.js';
import { createDb, type Db } from '../../src/store/db.js';
import { listAudit } from '../../src/store/audit.js';
import { useTestDatabase } from '../support/database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const now = new Date('2026-11-20T09:00:00.000Z');
const actor = { kind: 'staff' as const, staffId: '1' };

const t = useTestDatabase();
let staffId: string;

async function variantId(db: Db, sku: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`SELECT id::text FROM variants WHERE sku = ${sku}`.execute(db);
  return rows[0]!.id;
}

async function codeOf(error: Promise<unknown>): Promise<string> {
  const e = await error.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(DomainError);
  return (e as DomainError).code;
}

beforeAll(async () => {
  await t.db.insertInto('shops').values({ id: 'el', name: 'el', policy_hash: 'test', loaded_at: now }).execute();
  await seedCatalogue(t.db, { shopId: 'el', shopDir: path.join(root, 'shops', 'el'), now });
  const staff = await t.db.insertInto('staff').values({ shop_id: 'el', email: 'w@el.test', role: 'warehouse', password_hash: 'x', created_at: now }).returning('id').executeTakeFirstOrThrow();
  staffId = staff.id;
  actor.staffId = staffId;
});

describe('lockStock', () => {
  it('locks every location row of the variants, in ascending id order, until the transaction ends', async () => {
    const a = await variantId(t.db, 'EL-NOV14-512-GRI');
    const b = await variantId(t.db, 'EL-FLX-1TO');
    const other = createDb(t.url, { max: 1 });
    try {
      await t.db.transaction().execute(async (tx) => {
        const rows = await lockStock(tx, [b, a, b, 'not-an-id']);
        const ids = rows.map((r) => BigInt(r.variantId));
        expect(ids).toEqual([...ids].sort((x, y) => (x < y ? -1 : 1)));
        expect(new Set(rows.map((r) => r.variantId))).toEqual(new Set([a, b]));
        // Another connection cannot take them while this transaction holds them.
        const blocked = await other
          .transaction()
          .execute((tx2) => sql`SELECT 1 FROM stock WHERE variant_id = ${a}::bigint FOR UPDATE NOWAIT`.execute(tx2))
          .then(() => 'acquired', (e: { code?: string }) => e.code);
        expect(blocked).toBe('55P03'); // lock_not_available
      });
      // Released at commit.
      await other.transaction().execute((tx2) => sql`SELECT 1 FROM stock WHERE variant_id = ${a}::bigint FOR UPDATE NOWAIT`.execute(tx2));
    } finally {
      await other.destroy();
    }
  });

  it('returns nothing for no ids', async () => {
    expect(await t.db.transaction().execute((tx) => lockStock(tx, []))).toEqual([]);
  });
});

describe('setStock', () => {
  it('sets quantities per location, audited with the staff actor', async () => {
    const id = await variantId(t.db, 'EL-NOV14-512-GRI');
    const result = await setStock(t.db, { shopId: 'el', variantId: id, levels: [{ locationCode: 'warehouse', quantity: 20 }], actor, now });
    expect(result).toEqual({ levels: [{ locationCode: 'warehouse', kind: 'warehouse', before: 14, after: 20 }], backInStock: false });
    expect((await variantStock(t.db, { shopId: 'el', variantIds: [id] })).get(id)).toEqual([expect.objectContaining({ code: 'warehouse', quantity: 20 })]);
    const [entry] = await listAudit(t.db, 'el', { limit: 1 });
    expect(entry).toMatchObject({ action: 'stock.set', actor: `staff:${staffId}`, target: `variant:${id}`, details: { sku: 'EL-NOV14-512-GRI', levels: [{ location: 'warehouse', before: 14, after: 20 }] } });
  });

  it('refuses a negative or fractional quantity, an unknown location or variant, and changes nothing', async () => {
    const id = await variantId(t.db, 'EL-NOV14-512-GRI');
    expect(await codeOf(setStock(t.db, { shopId: 'el', variantId: id, levels: [{ locationCode: 'warehouse', quantity: -1 }], actor, now }))).toBe('stock.negative');
    expect(await codeOf(setStock(t.db, { shopId: 'el', variantId: id, levels: [{ locationCode: 'warehouse', quantity: 1.5 }], actor, now }))).toBe('stock.invalid_quantity');
    expect(await codeOf(setStock(t.db, { shopId: 'el', variantId: id, levels: [{ locationCode: 'mars', quantity: 1 }], actor, now }))).toBe('location.not_found');
    expect(await codeOf(setStock(t.db, { shopId: 'el', variantId: '999999', levels: [{ locationCode: 'warehouse', quantity: 1 }], actor, now }))).toBe('variant.not_found');
    expect(await codeOf(setStock(t.db, { shopId: 'fa', variantId: id, levels: [{ locationCode: 'warehouse', quantity: 1 }], actor, now }))).toBe('variant.not_found');
    expect((await variantStock(t.db, { shopId: 'el', variantIds: [id] })).get(id)?.[0]?.quantity).toBe(20);
    // The database refuses a negative quantity too.
    await expect(sql`UPDATE stock SET quantity = -1 WHERE variant_id = ${id}::bigint`.execute(t.db)).rejects.toThrow(/check/i);
  });

  it('CAT-2: 0 → more at the warehouse queues the back-in-stock alerts in the same transaction, once', async () => {
    const id = await variantId(t.db, 'EL-ECH-ANT');
    const policy = { catalogue: { backInStockAlerts: true } } as Parameters<typeof subscribeStockAlert>[1]['policy'];
    await subscribeStockAlert(t.db, { shopId: 'el', policy, variantId: id, email: 'ana@example.test', language: 'fr', storefrontUrl: 'http://shop.test', now });
    expect(await listActiveStockAlerts(t.db, 'el', id)).toHaveLength(1);

    const first = await setStock(t.db, { shopId: 'el', variantId: id, levels: [{ locationCode: 'warehouse', quantity: 4 }], actor, now });
    expect(first.backInStock).toBe(true);
    expect(await listActiveStockAlerts(t.db, 'el', id)).toHaveLength(0);
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM outbox WHERE payload::text LIKE '%ana@example.test%'`.execute(t.db);
    expect(Number(rows[0]!.n)).toBe(1);

    // More stock on top of stock is no return of stock.
    expect((await setStock(t.db, { shopId: 'el', variantId: id, levels: [{ locationCode: 'warehouse', quantity: 9 }], actor, now })).backInStock).toBe(false);
  });

  it('CAT-2: a rolled-back stock change queues nothing', async () => {
    const id = await variantId(t.db, 'EL-NOV14-1TO-BLE');
    const policy = { catalogue: { backInStockAlerts: true } } as Parameters<typeof subscribeStockAlert>[1]['policy'];
    await subscribeStockAlert(t.db, { shopId: 'el', policy, variantId: id, email: 'bo@example.test', language: 'en', storefrontUrl: 'http://shop.test', now });
    await t.db
      .transaction()
      .execute(async (tx) => {
        expect((await setStock(tx, { shopId: 'el', variantId: id, levels: [{ locationCode: 'warehouse', quantity: 2 }], actor, now })).backInStock).toBe(true);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await listActiveStockAlerts(t.db, 'el', id)).toHaveLength(1);
  });
});
