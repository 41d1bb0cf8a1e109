import { sql, type Kysely } from 'kysely';

// Outbox, sent emails and back-in-stock alerts (issue 3).
//
// - outbox: side effects leave through it (design.md), written in the same
//   transaction as the state change that causes them, dispatched by
//   src/jobs/outbox-dispatcher.ts. `key` is the idempotency key.
// - emails: DOC-5, every customer-facing email as sent, with the SHA-256 of its
//   content. With no SMTP server configured, this table is the dev mailbox.
// - stock_alerts: CAT-2 back-in-stock alert list; one active subscription per
//   variant and address (notified_at IS NULL), notified once.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE outbox (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      kind text NOT NULL,
      key text NOT NULL UNIQUE,
      payload jsonb NOT NULL DEFAULT '{}',
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      last_error text,
      created_at timestamptz NOT NULL,
      done_at timestamptz
    );
    CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'pending';

    CREATE TABLE emails (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      outbox_id bigint REFERENCES outbox(id),
      from_address text NOT NULL,
      to_address text NOT NULL,
      subject text NOT NULL,
      text text NOT NULL,
      html text,
      language text,
      content_sha256 text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
      transport text NOT NULL CHECK (transport IN ('dev_mailbox', 'smtp')),
      message_id text NOT NULL UNIQUE,
      related_kind text,
      related_id text,
      created_at timestamptz NOT NULL,
      sent_at timestamptz
    );
    CREATE INDEX emails_mailbox ON emails (shop_id, created_at DESC, id DESC);
    CREATE INDEX emails_related ON emails (shop_id, related_kind, related_id) WHERE related_kind IS NOT NULL;

    CREATE TABLE stock_alerts (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      variant_id bigint NOT NULL REFERENCES variants(id),
      email text NOT NULL,
      language text NOT NULL CHECK (language IN ('fr', 'en')),
      -- The storefront's base URL when the customer subscribed (configuration,
      -- never a request header): the alert's link points there.
      storefront_url text NOT NULL,
      created_at timestamptz NOT NULL,
      notified_at timestamptz
    );
    CREATE UNIQUE INDEX stock_alerts_active ON stock_alerts (variant_id, email) WHERE notified_at IS NULL;
  `.execute(db);
}
