import { sql, type Kysely } from 'kysely';

// Foundation tables (issue 2). Money is always bigint minor units; instants are
// timestamptz (UTC); legal calendar dates are `date`.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE shops (
      id text PRIMARY KEY,
      name text NOT NULL,
      policy_hash text NOT NULL,
      catalogue_seeded_at timestamptz,
      loaded_at timestamptz NOT NULL
    );

    -- Every policy ever loaded, by content hash: orders freeze the hash (OR-4).
    CREATE TABLE policy_versions (
      shop_id text NOT NULL REFERENCES shops(id),
      hash text NOT NULL,
      policy jsonb NOT NULL,
      first_loaded_at timestamptz NOT NULL,
      PRIMARY KEY (shop_id, hash)
    );

    -- ID-2: versioned terms; a version's text never changes once stored.
    CREATE TABLE terms_versions (
      shop_id text NOT NULL REFERENCES shops(id),
      id text NOT NULL,
      effective_at timestamptz NOT NULL,
      summary text NOT NULL,
      text_fr text NOT NULL,
      text_en text NOT NULL,
      hash_fr text NOT NULL,
      hash_en text NOT NULL,
      stored_at timestamptz NOT NULL,
      PRIMARY KEY (shop_id, id)
    );

    -- The manual clock's instant, shared by every process on this database.
    CREATE TABLE engine_clock (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      now timestamptz NOT NULL
    );

    -- Section 12: time-based duties. A timer fires once, in the transaction
    -- that marks it fired.
    CREATE TABLE timers (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      kind text NOT NULL,
      key text NOT NULL UNIQUE,
      due_at timestamptz NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}',
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fired', 'failed', 'cancelled')),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      created_at timestamptz NOT NULL,
      fired_at timestamptz
    );
    CREATE INDEX timers_due ON timers (due_at, id) WHERE state = 'pending';

    CREATE TABLE app_secrets (
      name text PRIMARY KEY,
      value text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE staff (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      email text NOT NULL,
      display_name text NOT NULL DEFAULT '',
      role text NOT NULL CHECK (role IN ('owner', 'customer_service', 'warehouse', 'store_staff')),
      password_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      disabled_at timestamptz
    );
    CREATE UNIQUE INDEX staff_email ON staff (shop_id, lower(email));

    CREATE TABLE api_tokens (
      id bigserial PRIMARY KEY,
      staff_id bigint NOT NULL REFERENCES staff(id),
      name text NOT NULL,
      token_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL,
      last_used_at timestamptz,
      revoked_at timestamptz
    );

    -- Who did what in the back office (issue 2 §9).
    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      staff_id bigint REFERENCES staff(id),
      actor text NOT NULL,
      action text NOT NULL,
      target text,
      details jsonb NOT NULL DEFAULT '{}',
      at timestamptz NOT NULL
    );
    CREATE INDEX audit_log_shop_at ON audit_log (shop_id, at DESC);

    -- CAT-6: stock is per location.
    CREATE TABLE locations (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      code text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('warehouse', 'store')),
      name text NOT NULL,
      address jsonb NOT NULL DEFAULT '{}',
      opening_hours jsonb NOT NULL DEFAULT '{}',
      UNIQUE (shop_id, code)
    );

    CREATE TABLE categories (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      slug text NOT NULL,
      name jsonb NOT NULL,
      UNIQUE (shop_id, slug)
    );

    -- CAT-1, CAT-4, CAT-5, PR-3: products and the flags later rules read.
    CREATE TABLE products (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      slug text NOT NULL,
      category_id bigint REFERENCES categories(id),
      name jsonb NOT NULL,
      description jsonb NOT NULL,
      composition jsonb,
      hygiene_sealed boolean NOT NULL DEFAULT false,
      personalised boolean NOT NULL DEFAULT false,
      extra_lead_working_days integer NOT NULL DEFAULT 0 CHECK (extra_lead_working_days >= 0),
      second_hand boolean NOT NULL DEFAULT false,
      outlet boolean NOT NULL DEFAULT false,
      perishable boolean NOT NULL DEFAULT false,
      eco_fee_minor bigint NOT NULL DEFAULT 0 CHECK (eco_fee_minor >= 0),
      position integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL,
      UNIQUE (shop_id, slug)
    );
    CREATE INDEX products_listing ON products (shop_id, position, id);

    CREATE TABLE product_images (
      product_id bigint NOT NULL REFERENCES products(id),
      position integer NOT NULL,
      path text NOT NULL,
      alt jsonb NOT NULL,
      PRIMARY KEY (product_id, position)
    );

    CREATE TABLE variants (
      id bigserial PRIMARY KEY,
      product_id bigint NOT NULL REFERENCES products(id),
      sku text NOT NULL,
      shop_id text NOT NULL REFERENCES shops(id),
      options jsonb NOT NULL DEFAULT '{}',
      -- CAT-2: awaiting stock with an expected arrival date.
      expected_arrival date,
      backorder_allowed boolean NOT NULL DEFAULT false,
      position integer NOT NULL DEFAULT 0,
      UNIQUE (shop_id, sku)
    );
    CREATE INDEX variants_product ON variants (product_id, position);

    CREATE TABLE stock (
      variant_id bigint NOT NULL REFERENCES variants(id),
      location_id bigint NOT NULL REFERENCES locations(id),
      quantity integer NOT NULL CHECK (quantity >= 0),
      PRIMARY KEY (variant_id, location_id)
    );

    -- PR-4 / PR-6: append-only price history per variant and currency; the
    -- price in force is the latest whose effective_at has passed.
    CREATE TABLE price_history (
      id bigserial PRIMARY KEY,
      variant_id bigint NOT NULL REFERENCES variants(id),
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
      effective_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL
    );
    CREATE INDEX price_history_lookup ON price_history (variant_id, currency, effective_at DESC);
  `.execute(db);
}
