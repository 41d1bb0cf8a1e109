import { sql, type Kysely } from 'kysely';

// Issue 6: credit notes (DOC-1) and complementary invoices (RF-5, DOC-2),
// src/app/credit-notes.ts. Both live in `invoices`, never edited (the 0010
// triggers cover them):
// - a credit note (`credit_note`, A series) takes its number from its own
//   counter kind (`invoice_number_counters.kind = 'credit_note'`: its own
//   unbroken sequence, DOC-1);
// - a complementary invoice (`complementary_invoice`, F series) is an invoice:
//   it takes the INVOICE counter, so invoices and complementary invoices share
//   one unbroken sequence — `invoices_f_series` keeps their sequences unique
//   together. `invoices_one_per_order` stays on kind 'invoice' alone.
// Each refers to the order's invoice (`refers_to_invoice_id`) and carries the
// caller's idempotency key (`key`, unique per shop and kind).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE invoices DROP CONSTRAINT invoices_kind_check;
    ALTER TABLE invoices ADD CONSTRAINT invoices_kind_check CHECK (kind IN ('invoice', 'credit_note', 'complementary_invoice'));
    ALTER TABLE invoices
      ADD COLUMN refers_to_invoice_id bigint REFERENCES invoices(id),
      ADD COLUMN key text CHECK (key IS NULL OR length(key) BETWEEN 1 AND 200),
      ADD CONSTRAINT invoices_refers_to CHECK ((kind = 'invoice') = (refers_to_invoice_id IS NULL)),
      ADD CONSTRAINT invoices_keyed CHECK ((kind = 'invoice') = (key IS NULL));
    CREATE UNIQUE INDEX invoices_key ON invoices (shop_id, kind, key) WHERE key IS NOT NULL;
    CREATE UNIQUE INDEX invoices_f_series ON invoices (shop_id, year, sequence) WHERE kind <> 'credit_note';
    CREATE INDEX invoices_referring ON invoices (refers_to_invoice_id) WHERE refers_to_invoice_id IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX invoices_referring;
    DROP INDEX invoices_f_series;
    DROP INDEX invoices_key;
    ALTER TABLE invoices DROP CONSTRAINT invoices_keyed, DROP CONSTRAINT invoices_refers_to, DROP COLUMN key, DROP COLUMN refers_to_invoice_id;
    ALTER TABLE invoices DROP CONSTRAINT invoices_kind_check;
    ALTER TABLE invoices ADD CONSTRAINT invoices_kind_check CHECK (kind IN ('invoice', 'credit_note'));
  `.execute(db);
}
