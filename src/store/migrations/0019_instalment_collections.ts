import { sql, type Kysely } from 'kysely';

// Issue 5 §2: PA-4 collections — the shares of an instalment plan are dated at
// the order's first dispatch, the first one collected at once and each next
// one on its day, through the financing partner (src/app/instalment-collections.ts).
//
// - `instalment_plans.collections_started_at`: when the first dispatch dated
//   the shares (null before: the plan is only accepted); starting twice does
//   nothing. `completed_at`: no share left to collect — the order's payment
//   is complete.
// - `instalments`: each share's state (src/domain/payments/instalment-collections.ts:
//   pending → collecting → collected | failed → collecting … | waived), what
//   refunds removed from it before it was collected (`reduced_minor`, the last
//   shares first), what the partner took and when, the attempts made, the
//   last decline, the day of the next retry, and the outbox key of the
//   attempt under way (`collect_key`: the back office finds a partner that
//   could not be reached through it).
// - `instalment_collection_attempts`: every answer of the partner (collected
//   or declined), one row per attempt, never changed.
// - `instalment_refunds`: money going back to the customer through the plan
//   (RF-3), one row per refund key (idempotent): what was removed from the
//   remaining shares, and what the partner refunded of the collected money.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE instalment_plans
      ADD COLUMN collections_started_at timestamptz,
      ADD COLUMN completed_at timestamptz,
      ADD CONSTRAINT instalment_plans_completed CHECK (completed_at IS NULL OR collections_started_at IS NOT NULL);

    ALTER TABLE instalments
      ADD COLUMN state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'collecting', 'collected', 'failed', 'waived')),
      ADD COLUMN reduced_minor bigint NOT NULL DEFAULT 0,
      ADD COLUMN collected_minor bigint,
      ADD COLUMN collected_at timestamptz,
      ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      ADD COLUMN last_failure text,
      ADD COLUMN failed_at timestamptz,
      ADD COLUMN next_attempt_on date,
      ADD COLUMN collect_key text,
      ADD CONSTRAINT instalments_reduced CHECK (reduced_minor >= 0 AND reduced_minor <= amount_minor),
      ADD CONSTRAINT instalments_collected CHECK ((state = 'collected') = (collected_at IS NOT NULL AND collected_minor IS NOT NULL)),
      ADD CONSTRAINT instalments_dated CHECK (state = 'pending' OR state = 'waived' OR due_on IS NOT NULL);
    CREATE INDEX instalments_to_watch ON instalments (plan_id) WHERE state IN ('collecting', 'failed');

    CREATE TABLE instalment_collection_attempts (
      id bigserial PRIMARY KEY,
      plan_id bigint NOT NULL,
      number integer NOT NULL,
      attempt integer NOT NULL CHECK (attempt >= 1),
      idempotency_key text NOT NULL UNIQUE,
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      outcome text NOT NULL CHECK (outcome IN ('collected', 'declined')),
      failure text,
      partner_reference text,
      attempted_at timestamptz NOT NULL,
      FOREIGN KEY (plan_id, number) REFERENCES instalments (plan_id, number),
      UNIQUE (plan_id, number, attempt),
      CHECK ((outcome = 'declined') = (failure IS NOT NULL))
    );

    CREATE TABLE instalment_refunds (
      id bigserial PRIMARY KEY,
      plan_id bigint NOT NULL REFERENCES instalment_plans(id),
      key text NOT NULL,
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      requested_minor bigint NOT NULL CHECK (requested_minor >= 0),
      reduced_minor bigint NOT NULL CHECK (reduced_minor >= 0),
      -- [{ number, amount }]: what was removed from each share not yet collected.
      reductions jsonb NOT NULL DEFAULT '[]',
      partner_refund_minor bigint NOT NULL CHECK (partner_refund_minor >= 0),
      action text NOT NULL CHECK (action IN ('plan_reduced', 'partner_refund', 'none')),
      partner_reference text,
      partner_refunded_at timestamptz,
      created_at timestamptz NOT NULL,
      UNIQUE (plan_id, key),
      CHECK (reduced_minor + partner_refund_minor <= requested_minor)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE instalment_refunds;
    DROP TABLE instalment_collection_attempts;
    DROP INDEX instalments_to_watch;
    ALTER TABLE instalments
      DROP CONSTRAINT instalments_dated, DROP CONSTRAINT instalments_collected, DROP CONSTRAINT instalments_reduced,
      DROP COLUMN collect_key, DROP COLUMN next_attempt_on, DROP COLUMN failed_at, DROP COLUMN last_failure,
      DROP COLUMN attempts, DROP COLUMN collected_at, DROP COLUMN collected_minor, DROP COLUMN reduced_minor, DROP COLUMN state;
    ALTER TABLE instalment_plans DROP CONSTRAINT instalment_plans_completed, DROP COLUMN completed_at, DROP COLUMN collections_started_at;
  `.execute(db);
}
