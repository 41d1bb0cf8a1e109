import { sql, type Kysely } from 'kysely';

// Issue 4 §5: invoices (DOC-1, PR-9, ID-1, PA-8).
//
// `invoice_number_counters` is the sequence of a shop's invoices per year and
// kind (FA-F-2026-000001): the issuing transaction takes the next number by an
// upsert on the counter row, which locks it until commit — a rollback gives the
// number back (no gap) and two concurrent issues queue on the row (never the
// same number). Credit notes will have their own kind, hence their own sequence.
//
// An invoice freezes its whole content (`content`, with its SHA-256): what the
// PDF shows is rendered from it, never from the order or the policy of today.
// Once issued it is never edited nor deleted (DOC-1): triggers refuse both, and
// TRUNCATE; a correction is a credit note.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE invoice_number_counters (
      shop_id text NOT NULL REFERENCES shops(id),
      kind text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
      year integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
      last_number integer NOT NULL CHECK (last_number > 0),
      PRIMARY KEY (shop_id, kind, year)
    );

    CREATE TABLE invoices (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      kind text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
      year integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
      sequence integer NOT NULL CHECK (sequence > 0),
      number text NOT NULL,
      order_id bigint NOT NULL REFERENCES orders(id),
      issued_at timestamptz NOT NULL,
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      total_minor bigint NOT NULL CHECK (total_minor >= 0),
      content jsonb NOT NULL,
      content_sha256 text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
      UNIQUE (shop_id, number),
      UNIQUE (shop_id, kind, year, sequence)
    );
    -- One invoice per order (credit notes reference it, several per order later).
    CREATE UNIQUE INDEX invoices_one_per_order ON invoices (order_id) WHERE kind = 'invoice';

    CREATE FUNCTION invoices_never_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'invoices are never edited nor deleted once issued (DOC-1): issue a credit note'
        USING ERRCODE = 'integrity_constraint_violation';
    END $$;
    CREATE TRIGGER invoices_no_update_delete BEFORE UPDATE OR DELETE ON invoices
      FOR EACH ROW EXECUTE FUNCTION invoices_never_change();
    CREATE TRIGGER invoices_no_truncate BEFORE TRUNCATE ON invoices
      FOR EACH STATEMENT EXECUTE FUNCTION invoices_never_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE invoices; DROP FUNCTION invoices_never_change(); DROP TABLE invoice_number_counters;`.execute(db);
}
