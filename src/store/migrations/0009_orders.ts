import { sql, type Kysely } from 'kysely';

// Issue 4 §3: orders (OR-3, OR-4, CAT-7, PR-4, ID-1, ID-2).
//
// An order freezes everything that governs it: amounts (integer minor units),
// the lines as the customer saw them, addresses, the seller's identity, the
// policy version (by hash), the terms version accepted with the SHA-256 of the
// exact text. Nothing here refers to the catalogue's current prices or names:
// a later change of the catalogue never alters an accepted order (CAT-7).
//
// `order_number_counters` is the per-shop, per-year sequence of order numbers
// (FA-2026-000001): the next number is taken by an upsert on the counter row
// inside the placing transaction, so a rollback returns it (no gap) and two
// concurrent orders never share one (the row lock queues them).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE order_number_counters (
      shop_id text NOT NULL REFERENCES shops(id),
      year integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
      last_number integer NOT NULL CHECK (last_number > 0),
      PRIMARY KEY (shop_id, year)
    );

    CREATE TABLE orders (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      number text NOT NULL,
      state text NOT NULL CHECK (state IN ('awaiting_payment', 'awaiting_transfer', 'paid', 'payment_failed', 'cancelled')),
      customer_id bigint REFERENCES customers(id),
      email text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
      language text NOT NULL CHECK (language IN ('fr', 'en')),
      customer_kind text NOT NULL CHECK (customer_kind IN ('consumer', 'professional', 'programme_reseller')),
      -- CU-2 / CU-3: what was declared at checkout (age, resale, professional details).
      declarations jsonb NOT NULL DEFAULT '{}',
      -- A guest reads the order with this token (only its SHA-256 is kept).
      access_token_hash text NOT NULL,
      idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      goods_minor bigint NOT NULL CHECK (goods_minor >= 0),
      eco_fees_minor bigint NOT NULL CHECK (eco_fees_minor >= 0),
      discounts_minor bigint NOT NULL CHECK (discounts_minor >= 0),
      shipping_minor bigint NOT NULL CHECK (shipping_minor >= 0),
      total_minor bigint NOT NULL CHECK (total_minor >= 0),
      vat_treatment jsonb NOT NULL,
      vat_breakdown jsonb NOT NULL,
      promotions jsonb NOT NULL DEFAULT '[]',
      shipping_method_id text NOT NULL,
      -- SH-1/SH-3: the method's label, carrier, kind and estimated dates as quoted.
      shipping jsonb NOT NULL,
      delivery_address jsonb NOT NULL,
      billing_address jsonb NOT NULL,
      payment_method text NOT NULL CHECK (payment_method IN ('card', 'wallet', 'bank_transfer')),
      -- ID-1: the seller's legal identity at the time of the order.
      seller jsonb NOT NULL,
      -- OR-4: the policy version (its content hash) that governs the order.
      policy_hash text NOT NULL,
      -- ID-2 / OR-4: the terms version accepted, the language shown and the SHA-256 of that exact text.
      terms_version_id text NOT NULL,
      terms_language text NOT NULL CHECK (terms_language IN ('fr', 'en')),
      terms_hash text NOT NULL CHECK (terms_hash ~ '^[0-9a-f]{64}$'),
      -- WD-1/WD-2: the withdrawal period the engine applies to this order.
      withdrawal_period jsonb NOT NULL,
      placed_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      cancelled_at timestamptz,
      cancel_reason text,
      UNIQUE (shop_id, number),
      UNIQUE (shop_id, idempotency_key),
      FOREIGN KEY (shop_id, policy_hash) REFERENCES policy_versions (shop_id, hash),
      FOREIGN KEY (shop_id, terms_version_id) REFERENCES terms_versions (shop_id, id)
    );
    CREATE INDEX orders_customer ON orders (shop_id, customer_id, placed_at DESC) WHERE customer_id IS NOT NULL;
    CREATE INDEX orders_state ON orders (shop_id, state);

    CREATE TABLE order_lines (
      order_id bigint NOT NULL REFERENCES orders(id),
      position integer NOT NULL CHECK (position >= 0),
      -- For stock and reporting; the frozen facts below are what the order says.
      variant_id bigint NOT NULL,
      product_id bigint NOT NULL,
      sku text NOT NULL,
      name_fr text NOT NULL,
      name_en text NOT NULL,
      options jsonb NOT NULL DEFAULT '{}',
      quantity integer NOT NULL CHECK (quantity > 0),
      unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
      catalogue_unit_price_minor bigint NOT NULL CHECK (catalogue_unit_price_minor >= 0),
      eco_fee_per_unit_minor bigint NOT NULL CHECK (eco_fee_per_unit_minor >= 0),
      goods_minor bigint NOT NULL CHECK (goods_minor >= 0),
      eco_fee_minor bigint NOT NULL CHECK (eco_fee_minor >= 0),
      discount_minor bigint NOT NULL CHECK (discount_minor >= 0),
      total_minor bigint NOT NULL CHECK (total_minor >= 0),
      vat_rate_basis_points integer NOT NULL CHECK (vat_rate_basis_points >= 0),
      is_gift boolean NOT NULL DEFAULT false,
      initial_unit_price_minor bigint,
      promotion_id text,
      -- CAT-4 flags as they were: later rules (WD-9 exceptions, guarantees) read these.
      hygiene_sealed boolean NOT NULL,
      personalised boolean NOT NULL,
      perishable boolean NOT NULL,
      second_hand boolean NOT NULL,
      outlet boolean NOT NULL,
      -- OR-3: the stock taken, per location ([{ locationId, quantity }]), released on cancellation.
      stock_taken jsonb NOT NULL DEFAULT '[]',
      -- CAT-2: units back-ordered (no stock taken for them; shipped on arrival).
      backordered_quantity integer NOT NULL DEFAULT 0 CHECK (backordered_quantity >= 0 AND backordered_quantity <= quantity),
      PRIMARY KEY (order_id, position)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE order_lines; DROP TABLE orders; DROP TABLE order_number_counters;`.execute(db);
}
