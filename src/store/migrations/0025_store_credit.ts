import { sql, type Kysely } from 'kysely';

// Issue 6: store credit ("avoir", RF-4), src/app/store-credit.ts.
//
// - `store_credit_entries`: the customer's ledger, append-only (trigger), per
//   shop, customer and currency. An `issue` carries its amount, its last day
//   of use (`expires_on`, shop calendar) and the validity it was given (kept so
//   a use given back after that day can be issued again for as long). Every
//   other entry draws on one issue (`issue_id`): a `use` (paying an order: the
//   oldest-expiring issues first, one row per issue drawn on), a `release`
//   (a use given back when the order is cancelled or refunded), an `expiry`
//   (what was left of the issue at the end of its last day). What is left of
//   an issue is amount − uses + releases − expiries, never negative: each
//   change is computed under the lock of the customer's row.
//   `key` makes each operation idempotent in the shop (one row per issue drawn on).
// - `payments.method` gains `store_credit`: the part of an order paid with
//   the credit, captured at placement; `orders.payment_method` too, for an
//   order the credit pays in full.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE store_credit_entries (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      customer_id bigint NOT NULL REFERENCES customers(id),
      kind text NOT NULL CHECK (kind IN ('issue', 'use', 'release', 'expiry')),
      issue_id bigint REFERENCES store_credit_entries(id),
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      expires_on date,
      validity jsonb,
      order_id bigint REFERENCES orders(id),
      payment_id uuid REFERENCES payments(id),
      key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
      rule text NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL,
      UNIQUE NULLS NOT DISTINCT (shop_id, key, issue_id),
      CHECK ((kind = 'issue') = (issue_id IS NULL)),
      CHECK ((kind = 'issue') = (expires_on IS NOT NULL)),
      CHECK ((kind = 'issue') = (validity IS NOT NULL))
    );
    CREATE INDEX store_credit_entries_customer ON store_credit_entries (shop_id, customer_id, currency, id);
    CREATE INDEX store_credit_entries_issue ON store_credit_entries (issue_id);
    CREATE INDEX store_credit_entries_payment ON store_credit_entries (payment_id);

    CREATE FUNCTION store_credit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'store_credit_entries is append-only';
    END $$;
    CREATE TRIGGER store_credit_entries_append_only BEFORE UPDATE OR DELETE ON store_credit_entries
      FOR EACH ROW EXECUTE FUNCTION store_credit_entries_append_only();

    ALTER TABLE payments DROP CONSTRAINT payments_method_check;
    ALTER TABLE payments ADD CONSTRAINT payments_method_check
      CHECK (method IN ('card', 'wallet', 'bank_transfer', 'instalments', 'deferred', 'store_credit'));
    ALTER TABLE orders DROP CONSTRAINT orders_payment_method_check;
    ALTER TABLE orders ADD CONSTRAINT orders_payment_method_check
      CHECK (payment_method IN ('card', 'wallet', 'bank_transfer', 'instalments', 'deferred', 'store_credit'));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE orders DROP CONSTRAINT orders_payment_method_check;
    ALTER TABLE orders ADD CONSTRAINT orders_payment_method_check
      CHECK (payment_method IN ('card', 'wallet', 'bank_transfer', 'instalments', 'deferred'));
    ALTER TABLE payments DROP CONSTRAINT payments_method_check;
    ALTER TABLE payments ADD CONSTRAINT payments_method_check
      CHECK (method IN ('card', 'wallet', 'bank_transfer', 'instalments', 'deferred'));
    DROP TABLE store_credit_entries;
    DROP FUNCTION store_credit_entries_append_only();
  `.execute(db);
}
