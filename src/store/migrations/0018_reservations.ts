import { sql, type Kysely } from 'kysely';

// Issue 5 §8: reservation in store (ST-1, CAT-6), src/app/reservations.ts.
//
// A reservation is made by a signed-in customer for one store (a `locations`
// row of kind 'store'); its lines take units from THAT store's stock rows
// (never the warehouse's), given back when it expires or is cancelled, kept
// when it is collected (the customer paid in the store). `state` follows
// src/domain/reservations/reservation-lifecycle.ts. The instants:
//   requested_at          the request (FA: the 48 opening hours start here)
//   confirmation_due_at   FR: 2 opening hours later (timer `reservation.confirmation_due`)
//   confirmation_overdue_at  FR: when the customer was told the store had not confirmed
//   confirmed_at          the store set the items aside (FR: the 3 working days start here)
//   hold_until            when the items go back on sale (timer `reservation.hold_expiry`);
//                         null while an FR reservation awaits its confirmation
//   hold_last_day         for a hold in days, the last day to come (a legal date)
// `policy_hash` freezes the policy in force at the request (the hold rule, the
// shop's identity in its emails), as orders do (OR-4). Lines keep the SKU,
// name and price shown at the request (the customer pays in the store).
// Numbers come from one sequence (never locked; a number lost by a rollback is
// not reused), unique per shop.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE SEQUENCE reservation_numbers;

    CREATE TABLE reservations (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      number text NOT NULL,
      customer_id bigint NOT NULL REFERENCES customers(id),
      location_id bigint NOT NULL REFERENCES locations(id),
      state text NOT NULL CHECK (state IN ('requested', 'confirmed', 'collected', 'expired', 'cancelled')),
      policy_hash text NOT NULL,
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      requested_at timestamptz NOT NULL,
      confirmation_due_at timestamptz,
      confirmation_overdue_at timestamptz,
      confirmed_at timestamptz,
      confirmed_by text,
      hold_until timestamptz,
      hold_last_day date,
      collected_at timestamptz,
      collected_by text,
      expired_at timestamptz,
      cancelled_at timestamptz,
      cancelled_by text,
      UNIQUE (shop_id, number),
      CHECK (state = 'requested' OR state = 'cancelled' OR state = 'collected' OR hold_until IS NOT NULL)
    );
    -- The account's list, and ST-1's per-customer limit over active reservations.
    CREATE INDEX reservations_customer ON reservations (customer_id, id DESC);
    -- The back office's list of reservations to act on.
    CREATE INDEX reservations_open ON reservations (shop_id, state, id) WHERE state IN ('requested', 'confirmed');

    CREATE TABLE reservation_lines (
      reservation_id bigint NOT NULL REFERENCES reservations(id),
      position integer NOT NULL CHECK (position >= 0),
      variant_id bigint NOT NULL REFERENCES variants(id),
      sku text NOT NULL,
      name jsonb NOT NULL,
      options jsonb NOT NULL DEFAULT '{}',
      quantity integer NOT NULL CHECK (quantity > 0),
      unit_price_minor bigint CHECK (unit_price_minor >= 0),
      PRIMARY KEY (reservation_id, position),
      UNIQUE (reservation_id, variant_id)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE reservation_lines;
    DROP TABLE reservations;
    DROP SEQUENCE reservation_numbers;
  `.execute(db);
}
