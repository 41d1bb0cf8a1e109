import { sql, type Kysely } from 'kysely';

// Issue 5: fulfilment, delivery and collection (SH-1, SH-3…SH-9, AV-1, PA-3, PA-4).
//
// - `shipments`: one parcel of an order (several per order when the policy
//   allows partial shipments, SH-6), with its lines (`shipment_lines`), carrier
//   and tracking number. Packed first (lines chosen, pick list printed), then
//   dispatched (the carrier issued the tracking number: money taken at
//   dispatch, PA-3/PA-4; dispatch email, SH-5). `delivered_at` and
//   `possession` are recorded from the carrier's delivered event or the
//   customer's declaration, never inferred from "shipped" (SH-9, WD-1).
//   A replacement parcel (SH-8: damaged or missing goods reshipped) names the
//   parcel it replaces and does not count as shipping the lines again.
//   Collections (relay point, post office, store, warehouse) wait from
//   `awaiting_collection_at` until `collection_due_at` (SH-7).
// - `shipment_events`: what the carrier (or staff, or the customer) said
//   happened to the parcel, in order; a carrier event id is stored once, so a
//   webhook delivered twice is recorded once.
// - `orders.fulfilment` sums the shipments up for lists and the account;
//   `orders.last_delivered_at` is the possession of the order's last item (WD-1);
//   `orders.delivery_due_on` is the SH-4 deadline (order + the policy's days, at most 30).
// - `order_lines.cancelled_quantity`: units never to be shipped (AV-1) —
//   never charged, or refunded.
// - `order_refunds`: money the engine owes back outside a cancellation (a line
//   that became unavailable, an uncollected parcel, a terminated late
//   delivery, a claim), with its legal due date and how each payment settled it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE orders
      ADD COLUMN fulfilment text NOT NULL DEFAULT 'unfulfilled'
        CHECK (fulfilment IN ('unfulfilled', 'partially_shipped', 'shipped', 'partially_delivered', 'delivered', 'returned')),
      ADD COLUMN delivery_due_on date,
      ADD COLUMN last_delivered_at timestamptz;
    -- SH-4 for orders placed before this migration: 30 days after the order (UTC date; the shop zone is not known here).
    UPDATE orders SET delivery_due_on = (placed_at AT TIME ZONE 'UTC')::date + 30;
    ALTER TABLE orders ALTER COLUMN delivery_due_on SET NOT NULL;
    CREATE INDEX orders_fulfilment ON orders (shop_id, fulfilment, delivery_due_on) WHERE state <> 'cancelled';

    ALTER TABLE order_lines ADD COLUMN cancelled_quantity integer NOT NULL DEFAULT 0
      CHECK (cancelled_quantity >= 0 AND cancelled_quantity <= quantity);

    CREATE TABLE shipments (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      order_id bigint NOT NULL REFERENCES orders(id),
      number text NOT NULL,
      state text NOT NULL CHECK (state IN ('packed', 'shipped', 'in_transit', 'delivery_attempted', 'awaiting_collection',
                                           'delivered', 'refused', 'returning', 'returned', 'cancelled')),
      method_kind text NOT NULL,
      carrier text NOT NULL,
      tracking_number text,
      tracking_url text,
      -- SH-7: where the parcel waits (relay point, post office, store, warehouse), as chosen or assigned.
      pickup_point jsonb,
      packed_at timestamptz NOT NULL,
      packed_by text NOT NULL,
      shipped_at timestamptz,
      awaiting_collection_at timestamptz,
      collection_due_at timestamptz,
      delivered_at timestamptz,
      -- SH-9: who took possession ({ by: 'customer' | 'third_party', name, source: 'carrier' | 'customer_declaration' | 'store' }).
      possession jsonb,
      returned_at timestamptz,
      -- SH-8: a replacement parcel (damaged or missing goods reshipped): its units are not counted as shipped again.
      replaces_shipment_id bigint REFERENCES shipments(id),
      updated_at timestamptz NOT NULL,
      UNIQUE (shop_id, number),
      UNIQUE (carrier, tracking_number),
      CHECK ((state = 'packed') = (shipped_at IS NULL) OR state = 'cancelled'),
      CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
    );
    CREATE INDEX shipments_order ON shipments (order_id);
    CREATE INDEX shipments_collection ON shipments (shop_id, collection_due_at) WHERE state = 'awaiting_collection';

    CREATE TABLE shipment_lines (
      shipment_id bigint NOT NULL REFERENCES shipments(id),
      order_id bigint NOT NULL,
      position integer NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      PRIMARY KEY (shipment_id, position),
      FOREIGN KEY (order_id, position) REFERENCES order_lines (order_id, position)
    );

    CREATE TABLE shipment_events (
      id bigserial PRIMARY KEY,
      shipment_id bigint NOT NULL REFERENCES shipments(id),
      kind text NOT NULL CHECK (kind IN ('packed', 'shipped', 'in_transit', 'delivery_attempted', 'available_for_collection',
                                         'delivered', 'refused', 'returned_to_sender', 'returned', 'possession_declared', 'cancelled')),
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL,
      source text NOT NULL CHECK (source IN ('carrier', 'staff', 'customer', 'engine')),
      carrier_event_id text,
      data jsonb NOT NULL DEFAULT '{}',
      UNIQUE (shipment_id, carrier_event_id)
    );
    CREATE INDEX shipment_events_shipment ON shipment_events (shipment_id, id);

    CREATE TABLE order_refunds (
      id bigserial PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id),
      order_id bigint NOT NULL REFERENCES orders(id),
      -- Idempotency: the same cause never refunds twice (e.g. 'line_unavailable:3', 'uncollected:<shipment>').
      key text NOT NULL,
      reason text NOT NULL CHECK (reason IN ('line_unavailable', 'uncollected', 'delivery_terminated', 'delivery_claim')),
      rule text NOT NULL,
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
      fee_kept_minor bigint NOT NULL DEFAULT 0 CHECK (fee_kept_minor >= 0),
      -- RF-1 / SH-4 / SH-7: the legal date by which the money must be back (null: nothing had been taken).
      due_on date,
      -- What became of each payment: [{ paymentId, action, amount }].
      settlement jsonb NOT NULL DEFAULT '[]',
      created_by text NOT NULL,
      created_at timestamptz NOT NULL,
      UNIQUE (shop_id, key)
    );
    CREATE INDEX order_refunds_order ON order_refunds (order_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE order_refunds;
    DROP TABLE shipment_events; DROP TABLE shipment_lines; DROP TABLE shipments;
    ALTER TABLE order_lines DROP COLUMN cancelled_quantity;
    ALTER TABLE orders DROP COLUMN fulfilment, DROP COLUMN delivery_due_on, DROP COLUMN last_delivered_at;
  `.execute(db);
}
