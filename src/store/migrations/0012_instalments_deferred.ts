import { sql, type Kysely } from 'kysely';

// Issue 4 §4: instalments (PA-4) and deferred payment for authorised
// professionals (PA-1, PA-7).
//
// - An order paid in instalments is `financed` once the financing partner has
//   accepted the plan: `instalment_plans` keeps the partner's plan id and
//   `instalments` every share to the cent. Their dates are set when shipment
//   is confirmed (PA-4: the first share is taken then; the fulfilment work
//   dates and collects them), so `due_on` is empty until then.
// - A deferred order is `payment_deferred`: invoiced at once with its due date
//   (`orders.payment_due_on`), paid by transfer later. `deferred_payment_accounts`
//   records which professional the merchant authorised (after the credit
//   insurer's approval), up to which outstanding amount, and who decided.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE orders DROP CONSTRAINT orders_state_check;
    ALTER TABLE orders ADD CONSTRAINT orders_state_check
      CHECK (state IN ('awaiting_payment', 'awaiting_transfer', 'financed', 'payment_deferred', 'paid', 'payment_failed', 'on_hold', 'cancelled'));
    ALTER TABLE orders DROP CONSTRAINT orders_payment_method_check;
    ALTER TABLE orders ADD CONSTRAINT orders_payment_method_check
      CHECK (payment_method IN ('card', 'wallet', 'bank_transfer', 'instalments', 'deferred'));
    ALTER TABLE orders ADD COLUMN payment_due_on date;
    ALTER TABLE orders ADD CONSTRAINT orders_deferred_due CHECK ((payment_method = 'deferred') = (payment_due_on IS NOT NULL));

    CREATE TABLE instalment_plans (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      order_id bigint NOT NULL UNIQUE REFERENCES orders(id),
      partner text NOT NULL,
      partner_plan_id text NOT NULL,
      count integer NOT NULL CHECK (count IN (3, 4)),
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      total_minor bigint NOT NULL CHECK (total_minor > 0),
      accepted_at timestamptz NOT NULL,
      -- OR-7: the order cancelled before any share was collected; the partner told (through the outbox) at partner_cancelled_at.
      cancelled_at timestamptz,
      partner_cancelled_at timestamptz
    );
    CREATE TABLE instalments (
      plan_id bigint NOT NULL REFERENCES instalment_plans(id),
      number integer NOT NULL CHECK (number BETWEEN 1 AND 4),
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      due_on date,
      PRIMARY KEY (plan_id, number)
    );

    CREATE TABLE deferred_payment_accounts (
      shop_id text NOT NULL REFERENCES shops(id),
      customer_id bigint NOT NULL REFERENCES customers(id),
      insurer_reference text NOT NULL CHECK (length(insurer_reference) BETWEEN 1 AND 200),
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      credit_limit_minor bigint NOT NULL CHECK (credit_limit_minor > 0),
      granted_by text NOT NULL,
      granted_at timestamptz NOT NULL,
      revoked_by text,
      revoked_at timestamptz,
      PRIMARY KEY (shop_id, customer_id)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE deferred_payment_accounts;
    DROP TABLE instalments;
    DROP TABLE instalment_plans;
    ALTER TABLE orders DROP CONSTRAINT orders_deferred_due;
    ALTER TABLE orders DROP COLUMN payment_due_on;
    ALTER TABLE orders DROP CONSTRAINT orders_payment_method_check;
    ALTER TABLE orders ADD CONSTRAINT orders_payment_method_check CHECK (payment_method IN ('card', 'wallet', 'bank_transfer'));
    ALTER TABLE orders DROP CONSTRAINT orders_state_check;
    ALTER TABLE orders ADD CONSTRAINT orders_state_check
      CHECK (state IN ('awaiting_payment', 'awaiting_transfer', 'paid', 'payment_failed', 'on_hold', 'cancelled'));
  `.execute(db);
}
