import { sql, type Kysely } from 'kysely';

// Issue 6: in-store exchange of online purchases (EX-2, FR), src/app/store-exchanges.ts.
//
// - `store_exchanges`: one exchange at a store counter for a delivered order,
//   numbered `<order>-E<n>`, with the return slip presented (the order number
//   printed on it) and what was settled: the excess the customer paid at the
//   counter (`paid_in_store`), or the lower difference lost (`lost`: no cash,
//   no credit), or nothing (`none`: same product, or equal amounts). Never
//   changed afterwards (trigger): it is the record of a sale at the counter.
// - `store_exchange_lines`: each returned order line and its units, the
//   invoiced amount they count for (the line total spread over its units to
//   the cent), the possession date the window ran from and its last day, and
//   the replacement taken from the store's stock with its price then.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE store_exchanges (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      order_id bigint NOT NULL REFERENCES orders(id),
      number text NOT NULL,
      location_id bigint NOT NULL REFERENCES locations(id),
      return_slip text NOT NULL CHECK (length(return_slip) BETWEEN 1 AND 60),
      currency text NOT NULL,
      invoiced_minor bigint NOT NULL CHECK (invoiced_minor >= 0),
      replacement_minor bigint NOT NULL CHECK (replacement_minor >= 0),
      customer_paid_minor bigint NOT NULL CHECK (customer_paid_minor >= 0),
      lost_minor bigint NOT NULL CHECK (lost_minor >= 0),
      settlement text NOT NULL CHECK (settlement IN ('none', 'paid_in_store', 'lost')),
      recorded_at timestamptz NOT NULL,
      recorded_by text NOT NULL,
      UNIQUE (shop_id, number),
      CHECK ((settlement = 'paid_in_store') = (customer_paid_minor > 0)),
      CHECK ((settlement = 'lost') = (lost_minor > 0))
    );
    CREATE INDEX store_exchanges_order ON store_exchanges (order_id);
    CREATE INDEX store_exchanges_list ON store_exchanges (shop_id, recorded_at);

    CREATE TABLE store_exchange_lines (
      exchange_id bigint NOT NULL REFERENCES store_exchanges(id),
      position integer NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      returned_variant_id bigint NOT NULL REFERENCES variants(id),
      invoiced_minor bigint NOT NULL CHECK (invoiced_minor >= 0),
      possession_at timestamptz NOT NULL,
      window_last_day date NOT NULL,
      replacement_variant_id bigint NOT NULL REFERENCES variants(id),
      replacement_sku text NOT NULL,
      replacement_name jsonb NOT NULL,
      replacement_options jsonb NOT NULL,
      replacement_minor bigint NOT NULL CHECK (replacement_minor >= 0),
      same_product boolean NOT NULL,
      PRIMARY KEY (exchange_id, position)
    );

    CREATE FUNCTION store_exchanges_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% rows are never changed', TG_TABLE_NAME;
    END $$;
    CREATE TRIGGER store_exchanges_frozen BEFORE UPDATE OR DELETE ON store_exchanges
      FOR EACH ROW EXECUTE FUNCTION store_exchanges_frozen();
    CREATE TRIGGER store_exchange_lines_frozen BEFORE UPDATE OR DELETE ON store_exchange_lines
      FOR EACH ROW EXECUTE FUNCTION store_exchanges_frozen();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE store_exchange_lines;
    DROP TABLE store_exchanges;
    DROP FUNCTION store_exchanges_frozen();
  `.execute(db);
}
