import { sql, type Kysely } from 'kysely';

// Issue 4 §4, the payment side (PA-1…PA-7).
//
// Engine tables: `payments` (one per attempt to pay for a reference, e.g. an
// order) and `payment_events` (what happened to it; a provider's event id is
// unique, so a webhook delivered twice is processed once). No card data here:
// card numbers go to the payment provider's pages only (PA-1).
//
// Sandbox PSP tables (`sandbox_psp_*`): the test payment provider that ships
// with Comptoir, as if it were a separate service sharing the database. It
// keeps the last 4 digits and the brand of a card, never the number or CVC.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE payments (
      id uuid PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      -- What is paid for, e.g. ('order', 'FA-2026-000123'); linked by the order work.
      reference_kind text NOT NULL CHECK (reference_kind ~ '^[a-z_]{1,40}$'),
      reference_id text NOT NULL CHECK (length(reference_id) BETWEEN 1 AND 100),
      method text NOT NULL CHECK (method IN ('card', 'wallet', 'bank_transfer', 'instalments', 'deferred')),
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      state text NOT NULL CHECK (state IN ('pending', 'requires_action', 'authorised', 'partially_captured', 'captured',
                                           'partially_refunded', 'refunded', 'voided', 'failed')),
      failure_code text,
      capture_mode text CHECK (capture_mode IN ('automatic', 'manual')),
      provider text,
      provider_session_id text UNIQUE,
      redirect_url text,
      card_brand text,
      card_last4 text CHECK (card_last4 ~ '^[0-9]{4}$'),
      -- Confirmed by the provider (webhooks) or by staff (bank transfer).
      authorised_minor bigint NOT NULL DEFAULT 0 CHECK (authorised_minor >= 0 AND authorised_minor <= amount_minor),
      captured_minor bigint NOT NULL DEFAULT 0 CHECK (captured_minor >= 0 AND captured_minor <= amount_minor),
      refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= captured_minor),
      -- Asked of the provider through the outbox, confirmed or not yet: limits
      -- are checked against these so two requests in flight never exceed them.
      capture_requested_minor bigint NOT NULL DEFAULT 0 CHECK (capture_requested_minor >= 0 AND capture_requested_minor <= amount_minor),
      refund_requested_minor bigint NOT NULL DEFAULT 0 CHECK (refund_requested_minor >= 0),
      void_requested_at timestamptz,
      -- PA-5
      bank_transfer_reference text,
      due_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      UNIQUE (shop_id, bank_transfer_reference)
    );
    CREATE INDEX payments_reference ON payments (shop_id, reference_kind, reference_id);

    CREATE TABLE payment_events (
      id bigserial PRIMARY KEY,
      payment_id uuid NOT NULL REFERENCES payments(id),
      type text NOT NULL,
      -- The provider's event id: a webhook delivered twice is processed once.
      provider_event_id text UNIQUE,
      state_before text NOT NULL,
      state_after text NOT NULL,
      received_at timestamptz NOT NULL,
      data jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX payment_events_payment ON payment_events (payment_id, id);

    -- ---- The sandbox PSP -------------------------------------------------
    CREATE TABLE sandbox_psp_sessions (
      id text PRIMARY KEY,
      merchant text NOT NULL,
      merchant_reference text NOT NULL,
      method text NOT NULL CHECK (method IN ('card', 'wallet')),
      capture_mode text NOT NULL CHECK (capture_mode IN ('automatic', 'manual')),
      currency text NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      return_url text NOT NULL,
      state text NOT NULL CHECK (state IN ('open', 'requires_action', 'authorised', 'partially_captured', 'captured',
                                           'partially_refunded', 'refunded', 'voided', 'failed')),
      failure_code text,
      authorised_minor bigint NOT NULL DEFAULT 0,
      captured_minor bigint NOT NULL DEFAULT 0 CHECK (captured_minor <= authorised_minor),
      refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor <= captured_minor),
      card_brand text,
      card_last4 text CHECK (card_last4 ~ '^[0-9]{4}$'),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );

    -- Same idempotency key → same result; a key reused for another request is refused.
    CREATE TABLE sandbox_psp_idempotency (
      key text PRIMARY KEY,
      operation text NOT NULL,
      request_hash text NOT NULL,
      response jsonb NOT NULL,
      created_at timestamptz NOT NULL
    );

    -- Events the sandbox emitted; each is delivered as a signed webhook through the outbox.
    CREATE TABLE sandbox_psp_events (
      id text PRIMARY KEY,
      session_id text NOT NULL REFERENCES sandbox_psp_sessions(id),
      type text NOT NULL,
      data jsonb NOT NULL,
      created_at timestamptz NOT NULL
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE sandbox_psp_events;
    DROP TABLE sandbox_psp_idempotency;
    DROP TABLE sandbox_psp_sessions;
    DROP TABLE payment_events;
    DROP TABLE payments;
  `.execute(db);
}
