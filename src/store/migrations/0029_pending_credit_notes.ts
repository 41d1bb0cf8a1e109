import { sql, type Kysely } from 'kysely';

// DOC-1: a refund made before the order's invoice exists (PF invoices at the
// last dispatch: a claim on its first parcel) keeps what it gives back; the
// credit note is issued with the invoice, in the same transaction.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE order_refunds ADD COLUMN credit_pending jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE order_refunds DROP COLUMN credit_pending`.execute(db);
}
