import { sql, type Kysely } from 'kysely';

// The catalogue listing's read model (issue 3 §9: the listing stays
// index-backed at 100 000 products): one card per product with what a listing
// shows — name, slug, category, first image, CAT-2 availability facts summed
// over its variants, flags, PR-3 eco-fee — and, per currency, the lowest price
// in force (PR-4 / PR-6) with the interval over which it holds. One table, one
// index scan per page: the listing's query has nothing to join (its planning
// time counts as much as its execution at this size). Written only by
// src/store/product-cards.ts, in the transactions of the writers of its sources.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE product_cards (
      product_id bigint PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE,
      shop_id text NOT NULL REFERENCES shops(id),
      position integer NOT NULL,
      category_id bigint REFERENCES categories(id),
      category_slug text,
      slug text NOT NULL,
      name jsonb NOT NULL,
      image_path text,
      -- CAT-2 facts over the variants: one has warehouse stock (CAT-6); the
      -- earliest expected arrival; one may be back-ordered.
      in_stock boolean NOT NULL,
      expected_arrival date,
      backorder_allowed boolean NOT NULL,
      hygiene_sealed boolean NOT NULL,
      personalised boolean NOT NULL,
      extra_lead_working_days integer NOT NULL,
      second_hand boolean NOT NULL,
      outlet boolean NOT NULL,
      perishable boolean NOT NULL,
      eco_fee_minor bigint NOT NULL,
      -- PR-4 / PR-6, per currency: {"EUR": {"minor": 89900, "from": <ms>|null, "until": <ms>|null}}
      -- — the lowest price in force among the variants is "minor" (null: none)
      -- from "from" (null: always) until "until" (null: until a new price is
      -- recorded, which refreshes the card). Outside that interval the listing
      -- computes the price from price_history itself.
      prices jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX product_cards_listing ON product_cards (shop_id, position, product_id);
    CREATE INDEX product_cards_category ON product_cards (shop_id, category_slug, position, product_id);

  `.execute(db);
  // Catalogues seeded before this migration get their cards at the next start
  // (src/app/boot.ts): a migration stays plain SQL, so it never depends on code
  // that later migrations may change.
}
