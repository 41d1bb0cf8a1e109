import { sql, type Kysely } from 'kysely';

// Issue 4 §1: customer accounts (CU-1…CU-4), their address book (OR-2), their
// one-time tokens (password reset, email change), the merchant's blocks (CU-4)
// and the wish list (CA-3). Passwords are argon2id hashes; tokens are stored
// as their SHA-256 only.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- CU-1: an account = email + password. The email is unique per shop
    -- whatever its case; CU-3: consumer or professional, with the
    -- professional's details only for a professional.
    CREATE TABLE customers (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
      password_hash text NOT NULL,
      name text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
      language text NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'en')),
      kind text NOT NULL DEFAULT 'consumer' CHECK (kind IN ('consumer', 'professional')),
      company_name text CHECK (length(company_name) BETWEEN 1 AND 200),
      registration_number text CHECK (length(registration_number) BETWEEN 1 AND 40),
      vat_number text CHECK (vat_number ~ '^[A-Z]{2}[0-9A-Z+*]{2,13}$'),
      headcount integer CHECK (headcount >= 0),
      created_at timestamptz NOT NULL,
      email_verified_at timestamptz,
      disabled_at timestamptz,
      CHECK (kind = 'professional' OR (company_name IS NULL AND registration_number IS NULL AND vat_number IS NULL AND headcount IS NULL)),
      CHECK (kind = 'consumer' OR company_name IS NOT NULL)
    );
    CREATE UNIQUE INDEX customers_email ON customers (shop_id, lower(email));

    -- OR-2: the address book; each address was checked against the shop's
    -- address rules when saved (and is checked again at checkout).
    CREATE TABLE customer_addresses (
      id bigserial PRIMARY KEY,
      customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
      label text NOT NULL DEFAULT '' CHECK (length(label) <= 60),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      line1 text NOT NULL CHECK (length(line1) BETWEEN 1 AND 200),
      line2 text CHECK (length(line2) <= 200),
      postal_code text NOT NULL DEFAULT '' CHECK (length(postal_code) <= 16),
      city text NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
      region text CHECK (length(region) <= 100),
      country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
      phone text CHECK (phone ~ '^[+][1-9][0-9]{4,14}$'),
      is_default_delivery boolean NOT NULL DEFAULT false,
      is_default_billing boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX customer_addresses_customer ON customer_addresses (customer_id);
    CREATE UNIQUE INDEX customer_addresses_default_delivery ON customer_addresses (customer_id) WHERE is_default_delivery;
    CREATE UNIQUE INDEX customer_addresses_default_billing ON customer_addresses (customer_id) WHERE is_default_billing;

    -- One-time tokens sent by email: only the SHA-256 of the token is kept;
    -- an email change carries the new address, applied once confirmed.
    CREATE TABLE customer_tokens (
      id bigserial PRIMARY KEY,
      customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
      purpose text NOT NULL CHECK (purpose IN ('password_reset', 'email_change')),
      token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
      new_email text CHECK (length(new_email) BETWEEN 3 AND 254),
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      CHECK ((purpose = 'email_change') = (new_email IS NOT NULL)),
      CHECK (expires_at > created_at)
    );
    CREATE INDEX customer_tokens_open ON customer_tokens (customer_id, purpose) WHERE used_at IS NULL;

    -- CU-4: why the merchant refuses this customer's orders (the reason is for
    -- the merchant; the customer gets a neutral message), and who decided.
    CREATE TABLE customer_blocks (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('unpaid_order', 'payment_dispute', 'risk_flag')),
      reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
      created_by bigint REFERENCES staff(id),
      created_at timestamptz NOT NULL,
      lifted_at timestamptz,
      lifted_by bigint REFERENCES staff(id),
      CHECK (lifted_at IS NULL OR lifted_at >= created_at)
    );
    CREATE INDEX customer_blocks_active ON customer_blocks (customer_id) WHERE lifted_at IS NULL;

    -- CA-3: the wish list of an account.
    CREATE TABLE wish_list_items (
      customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
      variant_id bigint NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
      added_at timestamptz NOT NULL,
      PRIMARY KEY (customer_id, variant_id)
    );

    -- CA-2: an account's cart is found again from the account (0004 left the
    -- column without its reference until customers existed).
    ALTER TABLE carts ADD CONSTRAINT carts_customer FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE SET NULL;
    CREATE INDEX carts_customer ON carts (customer_id) WHERE customer_id IS NOT NULL;
  `.execute(db);
}
