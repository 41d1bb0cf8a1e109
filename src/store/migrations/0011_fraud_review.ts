import { sql, type Kysely } from 'kysely';

// Issue 4 §4: fraud review (PA-6).
//
// An order held for review is in the state `on_hold`; `fraud_reviews` keeps
// each review: why it was opened (for the merchant only, CU-4), the documents
// asked of the customer, the state the order was in (restored on release),
// the answer deadline (the last day, and the instant the timer
// `order.fraud_review_deadline` cancels the order), and how it ended.
// At most one open review per order (partial unique index).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE orders DROP CONSTRAINT orders_state_check;
    ALTER TABLE orders ADD CONSTRAINT orders_state_check
      CHECK (state IN ('awaiting_payment', 'awaiting_transfer', 'paid', 'payment_failed', 'on_hold', 'cancelled'));

    CREATE TABLE fraud_reviews (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      order_id bigint NOT NULL REFERENCES orders(id),
      order_number text NOT NULL,
      state text NOT NULL CHECK (state IN ('open', 'documents_received', 'released', 'expired')),
      held_from text NOT NULL CHECK (held_from IN ('awaiting_payment', 'paid')),
      reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
      documents_requested jsonb NOT NULL DEFAULT '[]',
      last_day date NOT NULL,
      due_at timestamptz NOT NULL,
      held_by text NOT NULL,
      held_at timestamptz NOT NULL,
      closed_by text,
      closed_at timestamptz,
      note text
    );
    CREATE UNIQUE INDEX fraud_reviews_one_open ON fraud_reviews (order_id) WHERE state = 'open';
    CREATE INDEX fraud_reviews_shop_state ON fraud_reviews (shop_id, state, due_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE fraud_reviews;
    ALTER TABLE orders DROP CONSTRAINT orders_state_check;
    ALTER TABLE orders ADD CONSTRAINT orders_state_check
      CHECK (state IN ('awaiting_payment', 'awaiting_transfer', 'paid', 'payment_failed', 'cancelled'));
  `.execute(db);
}
