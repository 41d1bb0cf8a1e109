import { sql, type Kysely } from 'kysely';

// Issue 5 §7: delivery problems (SH-8, SH-9), src/app/delivery-claims.ts.
//
// - `delivery_claims`: a customer's claim about a delivered parcel (damaged,
//   an item missing, a wrong item), filed within the policy's window
//   (`window_last_day`, null when the terms set none). The possession facts
//   the risk transfer rests on (SH-9: who took the parcel, when, on whose
//   word) are copied from the parcel at filing, for staff to weigh. One
//   decision of the merchant, final: a replacement parcel (`replacement_shipment_id`),
//   a refund (`refund_key`, the row of `order_refunds`), or a rejection with
//   its reason, shown to the customer.
// - `delivery_claim_lines`: the order lines concerned and their units; a
//   reship or refund may cover part of them (`decided_quantity`).
// - `delivery_claim_photos`: the photos (JPEG, PNG, WebP by their magic
//   bytes, 5 MB at most, 5 per claim) kept in the database with their
//   SHA-256, which `delivery_claim.filed` proves. Never changed afterwards (trigger).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE delivery_claims (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      order_id bigint NOT NULL REFERENCES orders(id),
      shipment_id bigint NOT NULL REFERENCES shipments(id),
      number text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('damaged', 'missing_item', 'wrong_item')),
      description text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
      state text NOT NULL DEFAULT 'filed' CHECK (state IN ('filed', 'reshipped', 'refunded', 'rejected')),
      filed_at timestamptz NOT NULL,
      -- 'customer:<id>' or 'guest' (the order's access token).
      filed_by text NOT NULL,
      -- SH-9: the parcel's possession when the claim was filed.
      delivered_at timestamptz NOT NULL,
      possession jsonb NOT NULL,
      -- SH-8: the window's last day (customer calendar); null when the terms set no window.
      window_last_day date,
      decided_at timestamptz,
      decided_by text,
      reject_reason text CHECK (reject_reason IS NULL OR length(reject_reason) BETWEEN 1 AND 1000),
      replacement_shipment_id bigint REFERENCES shipments(id),
      refund_key text,
      UNIQUE (shop_id, number),
      CHECK ((state = 'filed') = (decided_at IS NULL)),
      CHECK ((state = 'rejected') = (reject_reason IS NOT NULL)),
      CHECK ((state = 'reshipped') = (replacement_shipment_id IS NOT NULL)),
      CHECK ((state = 'refunded') = (refund_key IS NOT NULL))
    );
    CREATE INDEX delivery_claims_order ON delivery_claims (order_id);
    CREATE INDEX delivery_claims_shipment ON delivery_claims (shipment_id);
    CREATE INDEX delivery_claims_list ON delivery_claims (shop_id, state, filed_at);

    CREATE TABLE delivery_claim_lines (
      claim_id bigint NOT NULL REFERENCES delivery_claims(id),
      position integer NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      decided_quantity integer CHECK (decided_quantity IS NULL OR (decided_quantity >= 0 AND decided_quantity <= quantity)),
      PRIMARY KEY (claim_id, position)
    );

    CREATE TABLE delivery_claim_photos (
      claim_id bigint NOT NULL REFERENCES delivery_claims(id),
      n smallint NOT NULL CHECK (n BETWEEN 1 AND 5),
      content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
      size_bytes integer NOT NULL CHECK (size_bytes > 0 AND size_bytes <= 5242880),
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      content bytea NOT NULL CHECK (octet_length(content) = size_bytes),
      PRIMARY KEY (claim_id, n)
    );

    -- The photos are proof (their hashes are in the evidence log): never changed. (Removing one
    -- stays possible, for a data-erasure request: the hash in the log still says what was sent.)
    CREATE FUNCTION delivery_claim_photos_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'delivery_claim_photos rows are never changed';
    END $$;
    CREATE TRIGGER delivery_claim_photos_frozen BEFORE UPDATE ON delivery_claim_photos
      FOR EACH ROW EXECUTE FUNCTION delivery_claim_photos_frozen();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE delivery_claim_photos;
    DROP FUNCTION delivery_claim_photos_frozen();
    DROP TABLE delivery_claim_lines;
    DROP TABLE delivery_claims;
  `.execute(db);
}
