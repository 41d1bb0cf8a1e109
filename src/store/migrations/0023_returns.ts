import { sql, type Kysely } from 'kysely';

// Issue 6: withdrawals and returns (WD-4…WD-10, RF-1…RF-3, EX-1, DOC-2),
// src/app/returns.ts.
//
// - `returns`: one per statement of the customer — a withdrawal (WD-4: sent
//   through the withdrawal function, or received by email, letter or the
//   model form and recorded by customer service with the time it was sent),
//   EL's money-back promise after the legal period (WD-2), or an exchange by
//   post (EX-1). The statement is frozen as submitted with its SHA-256 (the
//   acknowledgment email quotes it, WD-4). It authorises the return (WD-5:
//   number, address, label), gives the customer until `send_by` (WD-6), and
//   carries the refund's legal due date (RF-1: the notice + 14 days) and the
//   refund once made (`refund_key`, the row of `order_refunds`).
// - `return_lines`: the units withdrawn per order line; the inspection per
//   line (WD-8: accepted, accepted with a depreciation, refused with the
//   reason); EX-1: the variant wanted instead.
// - `order_refunds.reason` gains the causes of this issue.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE order_refunds DROP CONSTRAINT order_refunds_reason_check;
    ALTER TABLE order_refunds ADD CONSTRAINT order_refunds_reason_check
      CHECK (reason IN ('line_unavailable', 'uncollected', 'delivery_terminated', 'delivery_claim', 'withdrawal', 'exchange', 'guarantee'));

    CREATE TABLE returns (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      order_id bigint NOT NULL REFERENCES orders(id),
      number text NOT NULL,
      purpose text NOT NULL CHECK (purpose IN ('withdrawal', 'money_back', 'exchange')),
      channel text NOT NULL CHECK (channel IN ('withdrawal_function', 'email', 'letter', 'model_form')),
      -- WD-1: in time when SENT before the period ended; the function's own
      -- submissions are sent when received, the others at the date customer
      -- service reads on the email or postmark.
      sent_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL,
      recorded_by text NOT NULL,
      statement jsonb NOT NULL,
      statement_sha256 text NOT NULL CHECK (statement_sha256 ~ '^[0-9a-f]{64}$'),
      -- The return's own page for whoever holds the link of the acknowledgment (a guest has no account).
      access_token_hash text NOT NULL CHECK (access_token_hash ~ '^[0-9a-f]{64}$'),
      period_last_day date NOT NULL,
      state text NOT NULL DEFAULT 'authorised'
        CHECK (state IN ('authorised', 'sent_back', 'received', 'inspected', 'refunded', 'closed')),
      send_by date NOT NULL,
      return_address jsonb NOT NULL,
      label jsonb,
      refund_to text NOT NULL DEFAULT 'original_payment' CHECK (refund_to IN ('original_payment', 'store_credit')),
      refund_due_on date NOT NULL,
      -- Proof of shipment (RF-1: may start the refund clock when earlier than the goods).
      shipped_tracking text CHECK (shipped_tracking IS NULL OR length(shipped_tracking) BETWEEN 3 AND 60),
      shipped_recorded_at timestamptz,
      received_at timestamptz,
      inspected_at timestamptz,
      inspected_by text,
      refund_key text,
      refund jsonb,
      refunded_at timestamptz,
      -- WD-8: refused items wait for the customer until this day, and go back at their cost on request.
      refused_kept_until date,
      refused_resend_requested_at timestamptz,
      UNIQUE (shop_id, number)
    );
    CREATE INDEX returns_order ON returns (order_id);
    CREATE INDEX returns_open ON returns (shop_id, state, refund_due_on) WHERE state NOT IN ('refunded', 'closed');

    CREATE TABLE return_lines (
      return_id bigint NOT NULL REFERENCES returns(id),
      position integer NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      exchange_variant_id bigint REFERENCES variants(id),
      outcome text CHECK (outcome IN ('accepted', 'depreciated', 'refused')),
      accepted_quantity integer CHECK (accepted_quantity IS NULL OR accepted_quantity BETWEEN 0 AND quantity),
      depreciation_minor bigint NOT NULL DEFAULT 0 CHECK (depreciation_minor >= 0),
      reason text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 1000),
      PRIMARY KEY (return_id, position),
      CHECK ((outcome IN ('depreciated', 'refused')) <= (reason IS NOT NULL))
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE return_lines;
    DROP TABLE returns;
    ALTER TABLE order_refunds DROP CONSTRAINT order_refunds_reason_check;
    ALTER TABLE order_refunds ADD CONSTRAINT order_refunds_reason_check
      CHECK (reason IN ('line_unavailable', 'uncollected', 'delivery_terminated', 'delivery_claim'));
  `.execute(db);
}
