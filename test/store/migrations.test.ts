import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/db.js';
import { migrations } from '../../src/store/migrations/index.js';
import { nextOrderNumber } from '../../src/store/order-numbers.js';
import { useTestDatabase } from '../support/database.js';

describe('migrations', () => {
  const t = useTestDatabase();

  it('the template is migrated, and migrating again is a no-op', async () => {
    expect(await migrateToLatest(t.db)).toEqual([]);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'timers'`.execute(t.db);
    expect(rows[0]!.n).toBe(1);
  });

  it('money columns refuse floats and negative stock', async () => {
    await expect(
      sql`INSERT INTO stock (variant_id, location_id, quantity) VALUES (1, 1, -1)`.execute(t.db),
    ).rejects.toThrow();
  });
});

describe('migration 0016: order numbers go on from the counters (OR-3)', () => {
  const t = useTestDatabase();

  it("each shop's sequence starts after its highest counter, and the counters table is gone", async () => {
    const migrator = new Migrator({ db: t.db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('0015_evidence_append_function')).error).toBeUndefined();
    await t.db.insertInto('shops').values({ id: 'fa', name: 'FA', policy_hash: 'h', loaded_at: new Date() }).execute();
    await sql`INSERT INTO order_number_counters (shop_id, year, last_number) VALUES ('fa', 2025, 41), ('fa', 2026, 7)`.execute(t.db);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await nextOrderNumber(t.db, 'fa')).toBe(42);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'order_number_counters'`.execute(t.db);
    expect(rows[0]!.n).toBe(0);
  });
});
