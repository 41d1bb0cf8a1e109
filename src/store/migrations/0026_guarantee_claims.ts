import { sql, type Kysely } from 'kysely';

// Issue 6: guarantee claims (GU-1…GU-5), src/app/guarantee-claims.ts.
//
// - `guarantee_claims`: a customer's claim about units of one order line
//   under a guarantee — legal conformity (GU-1), hidden defect (GU-2), EL's
//   dead on arrival or commercial guarantee (GU-4) — with the remedy asked.
//   Frozen at filing: the possession date it counts from, whether the item is
//   second-hand (CAT-4, from the order line), the guarantee's last day, the
//   presumption's (GU-1), and the clocks: the answer due (GU-4 48 h) and the
//   remedy due (GU-1 30 days / GU-3). The merchant's decision (`outcome`),
//   the immobilisation for a repair (`received_at` → `returned_at`, GU-1
//   suspension), the replacement parcel, the refund (`refund_key`, a row of
//   `order_refunds`), the shipping costs of a repair refunded
//   (`shipping_refund_key`), a refusal's reason and GU-5 exclusion.
// - `guarantee_claim_photos`: as delivery claim photos (JPEG, PNG, WebP by
//   their bytes, 5 MB, 5 per claim), with their SHA-256; never changed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE guarantee_claims (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      order_id bigint NOT NULL REFERENCES orders(id),
      number text NOT NULL,
      position integer NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      kind text NOT NULL CHECK (kind IN ('conformity', 'hidden_defect', 'dead_on_arrival', 'commercial')),
      remedy_asked text NOT NULL CHECK (remedy_asked IN ('repair', 'replace', 'refund', 'cancel_sale', 'partial_refund')),
      description text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
      discovered_on date,
      second_hand boolean NOT NULL,
      shipment_id bigint NOT NULL REFERENCES shipments(id),
      delivered_at timestamptz NOT NULL,
      covered_from date NOT NULL,
      covered_until date NOT NULL,
      presumption_until date,
      state text NOT NULL DEFAULT 'filed' CHECK (state IN ('filed', 'in_repair', 'repaired', 'replaced', 'refunded', 'refused')),
      filed_at timestamptz NOT NULL,
      filed_by text NOT NULL,
      answer_due_at timestamptz,
      remedy_due_on date,
      remedy_due_at timestamptz,
      answered_at timestamptz,
      answer_overdue_at timestamptz,
      remedy_overdue_at timestamptz,
      outcome text CHECK (outcome IN ('repair', 'replace', 'refund', 'price_reduction', 'refuse')),
      decided_at timestamptz,
      decided_by text,
      replacement_imposed boolean NOT NULL DEFAULT false,
      refuse_reason text CHECK (refuse_reason IS NULL OR length(refuse_reason) BETWEEN 1 AND 1000),
      exclusion text CHECK (exclusion IN ('modified', 'repaired_by_others', 'misuse', 'accident')),
      received_at timestamptz,
      returned_at timestamptz,
      replacement_shipment_id bigint REFERENCES shipments(id),
      refund_key text,
      shipping_refund_key text,
      UNIQUE (shop_id, number),
      CHECK ((kind = 'hidden_defect') = (discovered_on IS NOT NULL)),
      CHECK ((state = 'filed') = (answered_at IS NULL)),
      CHECK ((state = 'refused') = (refuse_reason IS NOT NULL) OR state = 'refunded'),
      CHECK (returned_at IS NULL OR (received_at IS NOT NULL AND returned_at >= received_at))
    );
    CREATE INDEX guarantee_claims_order ON guarantee_claims (order_id, position);
    CREATE INDEX guarantee_claims_queue ON guarantee_claims (shop_id, state, answer_due_at);

    CREATE TABLE guarantee_claim_photos (
      claim_id bigint NOT NULL REFERENCES guarantee_claims(id),
      n smallint NOT NULL CHECK (n BETWEEN 1 AND 5),
      content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
      size_bytes integer NOT NULL CHECK (size_bytes > 0 AND size_bytes <= 5242880),
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      content bytea NOT NULL CHECK (octet_length(content) = size_bytes),
      PRIMARY KEY (claim_id, n)
    );
    CREATE FUNCTION guarantee_claim_photos_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'guarantee_claim_photos rows are never changed';
    END $$;
    CREATE TRIGGER guarantee_claim_photos_frozen BEFORE UPDATE ON guarantee_claim_photos
      FOR EACH ROW EXECUTE FUNCTION guarantee_claim_photos_frozen();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE guarantee_claim_photos;
    DROP FUNCTION guarantee_claim_photos_frozen();
    DROP TABLE guarantee_claims;
  `.execute(db);
}
