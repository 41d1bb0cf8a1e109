import { sql, type Kysely } from 'kysely';

// Issue 5 §3: items unavailable after ordering (AV-1, AV-2).
//
// `unavailability_cases`: staff declared `quantity` units of an order line
// unavailable (src/app/unavailability.ts). One row per declaration, with what
// the policy did (`mode`) and where it stands (`state`, the lifecycle of
// src/domain/fulfilment/unavailability.ts):
//   - cancelled / back_ordered at once (AV-1a, AV-1c without a substitute, a
//     gift; AV-1/CAT-2 back-order);
//   - awaiting_answer: the customer chooses (`choices`) — AV-1b wait or
//     refund, AV-1c the substitute offered or a refund — on a page reached by
//     a link carrying a secret token: only its SHA-256 is kept
//     (`token_sha256`), like password-reset links. `last_day` / `due_at`: the
//     end of the time to answer (timer `unavailability.answer_deadline`), when
//     the policy's default applies;
//   - then waiting, substituted or cancelled (`choice`, `answered_by`:
//     customer or default), or void (the order was cancelled first).
// `cancelled_amount_minor`: what the units were worth on the order (their
// share of the line, to the cent); `refund_key`: the `order_refunds` row of
// the money given back, if any. AV-1c: the substitute offered
// (`substitute_variant_id`, its facts and price when offered) and the order
// line it became once accepted (`substitute_position`).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE unavailability_cases (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      order_id bigint NOT NULL REFERENCES orders(id),
      position integer NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      mode text NOT NULL CHECK (mode IN ('cancel_line', 'customer_chooses_wait_or_refund', 'substitute_or_refund', 'back_order')),
      state text NOT NULL CHECK (state IN ('awaiting_answer', 'waiting', 'substituted', 'cancelled', 'back_ordered', 'void')),
      choices text[] NOT NULL DEFAULT '{}',
      choice text CHECK (choice IN ('wait', 'refund', 'substitute')),
      answered_by text CHECK (answered_by IN ('customer', 'default')),
      token_sha256 text UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
      last_day date,
      due_at timestamptz,
      substitute_variant_id bigint,
      -- { sku, name: { fr, en }, options, unitPrice, ecoFeePerUnit } when offered
      substitute jsonb,
      substitute_position integer,
      cancelled_amount_minor bigint NOT NULL DEFAULT 0 CHECK (cancelled_amount_minor >= 0),
      refund_key text,
      declared_by text NOT NULL,
      declared_at timestamptz NOT NULL,
      answered_at timestamptz,
      closed_at timestamptz,
      FOREIGN KEY (order_id, position) REFERENCES order_lines (order_id, position),
      CHECK ((state = 'awaiting_answer') = (closed_at IS NULL)),
      CHECK (state <> 'awaiting_answer' OR (token_sha256 IS NOT NULL AND due_at IS NOT NULL)),
      CHECK ((substitute_variant_id IS NULL) = (substitute IS NULL))
    );
    CREATE INDEX unavailability_cases_order ON unavailability_cases (order_id, id);
    CREATE INDEX unavailability_cases_open ON unavailability_cases (shop_id, due_at) WHERE state = 'awaiting_answer';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE unavailability_cases;`.execute(db);
}
