import { sql, type Kysely } from 'kysely';

// OR-3: order numbers come from one PostgreSQL sequence per shop
// (`order_numbers_<shop id>`, created when a shop is installed:
// src/app/install-shop.ts) instead of a counter row locked until the placing
// transaction commits — measured with the checkout benchmark, that row lock
// was where every checkout of a shop queued. A sequence is never locked; the
// price is that a number taken by a transaction that then fails is not
// reused. Every refusal of placeOrder (stock and the financing partner
// included) happens before the number is taken, so a gap only follows a crash
// or a database error. Invoice numbers stay gapless (DOC-1: their own counter
// in the issuing transaction). Numbers go on from the counters of existing
// shops, and no longer restart each year (the year in the number is the year
// the order was placed).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$
    DECLARE c record;
    BEGIN
      FOR c IN SELECT shop_id, max(last_number) AS last FROM order_number_counters GROUP BY shop_id LOOP
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', 'order_numbers_' || c.shop_id);
        PERFORM setval(quote_ident('order_numbers_' || c.shop_id), c.last);
      END LOOP;
    END $$;
    DROP TABLE order_number_counters;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$
    DECLARE s record;
    BEGIN
      FOR s IN SELECT relname FROM pg_class WHERE relkind = 'S' AND relname LIKE 'order\\_numbers\\_%' LOOP
        EXECUTE format('DROP SEQUENCE %I', s.relname);
      END LOOP;
    END $$;
    CREATE TABLE order_number_counters (
      shop_id text NOT NULL REFERENCES shops(id),
      year integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
      last_number integer NOT NULL CHECK (last_number > 0),
      PRIMARY KEY (shop_id, year)
    );
  `.execute(db);
}
