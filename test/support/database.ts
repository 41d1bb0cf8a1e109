// Per-file test database, cloned from the migrated template (fast), on the
// server chosen by global-setup.ts.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { createDb, type Db } from '../../src/store/db.js';
import { ensureDatabase } from '../../src/store/embedded-postgres.js';

export function databaseUrl(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates a fresh, migrated database and returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = inject('adminDatabaseUrl');
  const template = inject('templateDatabase');
  const name = `${template.replace('_tpl_', '_t_')}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(adminUrl, name, template);
  return databaseUrl(adminUrl, name);
}

/** For a test file: `const t = useTestDatabase();` then `t.db` inside tests. */
export function useTestDatabase(): { readonly db: Db; readonly url: string } {
  const state = {} as { db: Db; url: string };
  beforeAll(async () => {
    state.url = await createTestDatabase();
    state.db = createDb(state.url);
  });
  afterAll(async () => {
    await state.db?.destroy();
  });
  return state;
}
