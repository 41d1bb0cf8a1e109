import { randomBytes } from 'node:crypto';
import type { Queryable } from './db.js';

/**
 * A random secret generated once per database and kept there (e.g. the dev
 * session key when COMPTOIR_SESSION_SECRET is unset). Concurrent first calls
 * agree on one value.
 */
export async function getOrCreateSecret(q: Queryable, name: string, bytes = 32): Promise<Buffer> {
  await q
    .insertInto('app_secrets')
    .values({ name, value: randomBytes(bytes).toString('hex') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await q.selectFrom('app_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'hex');
}
