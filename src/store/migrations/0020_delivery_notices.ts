import { sql, type Kysely } from 'kysely';

// Issue 5 §6: the delivery deadline (SH-4, L216-6 / L216-7 / L241-4 Code de la
// consommation), src/app/delivery-deadline.ts.
//
// - `delivery_notices`: one per order at most. Past `orders.delivery_due_on`,
//   the customer enjoins the shop to deliver by `deliver_by` (the last day of
//   the additional period, chosen by the customer within the limits of
//   `DELIVERY_NOTICE_PERIOD`); `period_ends_at` is the end of that day in the
//   shop's time zone, when the timer `delivery.notice_period_end` fires.
//   `period_ended_at`: the timer found the goods still not delivered and told
//   the customer they may terminate. `terminated_at`: the customer did (the
//   order is cancelled through the one cancellation, reason
//   `delivery_terminated`); `refund_minor` is every sum paid that goes back
//   (0 when nothing was taken), `refund_due_on` the L216-7 due date
//   (termination + 14 days; null when nothing is owed). The same refund is
//   the `order_refunds` row `delivery_terminated:<order number>` (reason
//   `delivery_terminated`), written from the cancellation's settlement, so the
//   money goes back once.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE delivery_notices (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      order_id bigint NOT NULL UNIQUE REFERENCES orders(id),
      delivery_due_on date NOT NULL,
      sent_at timestamptz NOT NULL,
      deliver_by date NOT NULL CHECK (deliver_by > delivery_due_on),
      period_ends_at timestamptz NOT NULL CHECK (period_ends_at > sent_at),
      period_ended_at timestamptz,
      terminated_at timestamptz CHECK (terminated_at >= period_ends_at),
      refund_minor bigint CHECK (refund_minor >= 0),
      refund_due_on date,
      CHECK ((terminated_at IS NULL) = (refund_minor IS NULL)),
      CHECK (refund_due_on IS NULL OR terminated_at IS NOT NULL)
    );
    CREATE INDEX delivery_notices_terminated ON delivery_notices (shop_id, terminated_at DESC) WHERE terminated_at IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE delivery_notices;`.execute(db);
}
