import { sql, type Kysely } from 'kysely';

// Issue 3: promotions (PR-7, PR-8) and the guest cart (CA-1…CA-4).
// The cart never holds stock (CA-4): its lines are wishes, stock is taken when
// the order is placed (OR-3). Money stays bigint minor units.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- PR-7 / PR-8: a code (unique per shop whatever its case) or, with a null
    -- code, an automatic running promotion.
    CREATE TABLE promotions (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      code text CHECK (code IS NULL OR code ~ '^[A-Za-z0-9_-]{2,40}$'),
      name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('percentage', 'fixed_amount', 'gift')),
      percent_basis_points integer CHECK (percent_basis_points BETWEEN 1 AND 10000),
      -- The currency of amount_minor and minimum_basket_minor.
      currency text CHECK (currency ~ '^[A-Z]{3}$'),
      amount_minor bigint CHECK (amount_minor > 0),
      gift_variant_id bigint REFERENCES variants(id),
      starts_at timestamptz,
      ends_at timestamptz,
      minimum_basket_minor bigint CHECK (minimum_basket_minor >= 0),
      excluded_product_ids bigint[] NOT NULL DEFAULT '{}',
      excluded_category_ids bigint[] NOT NULL DEFAULT '{}',
      usage_limit_total integer CHECK (usage_limit_total > 0),
      usage_limit_per_customer integer CHECK (usage_limit_per_customer > 0),
      combinable boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL,
      archived_at timestamptz,
      CHECK (kind <> 'percentage' OR percent_basis_points IS NOT NULL),
      CHECK (kind <> 'fixed_amount' OR (amount_minor IS NOT NULL AND currency IS NOT NULL)),
      CHECK (kind <> 'gift' OR gift_variant_id IS NOT NULL),
      CHECK (minimum_basket_minor IS NULL OR currency IS NOT NULL),
      CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
    );
    CREATE UNIQUE INDEX promotions_code ON promotions (shop_id, lower(code)) WHERE code IS NOT NULL;
    CREATE INDEX promotions_running ON promotions (shop_id) WHERE archived_at IS NULL;

    -- PR-7 usage limits: one row per order that used a promotion (written when
    -- the order is placed, a later issue); counted by the cart now.
    CREATE TABLE promotion_usages (
      id bigserial PRIMARY KEY,
      promotion_id bigint NOT NULL REFERENCES promotions(id),
      customer_key text NOT NULL,
      order_ref text NOT NULL,
      used_at timestamptz NOT NULL,
      UNIQUE (promotion_id, order_ref)
    );
    CREATE INDEX promotion_usages_customer ON promotion_usages (promotion_id, customer_key);

    -- CA-2: a guest cart is found again from its cookie; only the token's hash
    -- is stored. customer_id is for account carts (issue 4 brings customers).
    CREATE TABLE carts (
      id uuid PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      token_hash text NOT NULL UNIQUE,
      customer_id bigint,
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      destination_country text CHECK (destination_country ~ '^[A-Z]{2}$'),
      shipping_method_id text,
      codes text[] NOT NULL DEFAULT '{}',
      customer_kind text NOT NULL DEFAULT 'consumer' CHECK (customer_kind IN ('consumer', 'professional', 'programme_reseller')),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX carts_expiry ON carts (expires_at);

    CREATE TABLE cart_lines (
      cart_id uuid NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
      variant_id bigint NOT NULL REFERENCES variants(id),
      quantity integer NOT NULL CHECK (quantity > 0),
      added_at timestamptz NOT NULL,
      PRIMARY KEY (cart_id, variant_id)
    );
  `.execute(db);
}
