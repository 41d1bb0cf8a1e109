import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/db.js';
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
