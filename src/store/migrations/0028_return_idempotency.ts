import { sql, type Kysely } from 'kysely';

// Issue 6 (WD-4): a statement sent twice — a double click, a retry after a
// lost answer — is recorded once. The customer's request carries a key; the
// same key returns the return it created.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE returns ADD COLUMN idempotency_key text CHECK (idempotency_key IS NULL OR length(idempotency_key) BETWEEN 1 AND 200);
    CREATE UNIQUE INDEX returns_idempotency_key ON returns (shop_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX returns_idempotency_key;
    ALTER TABLE returns DROP COLUMN idempotency_key;
  `.execute(db);
}
