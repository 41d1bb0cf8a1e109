import { sql, type Kysely } from 'kysely';

// Issue 4 §4: the merchant cancels an order (OR-7, per CU-4, PA-5, PA-6).
//
// - `orders.cancel_note`: the staff member's free note next to the reason
//   code (`cancel_reason`); for the merchant only (CU-4), like the reason of a
//   fraud review — the customer's email never quotes it.
// - `fraud_reviews.state` gains `cancelled`: an order on hold that staff
//   cancel ends its review there (the timer's own end stays `expired`).
// - `sandbox_psp_sessions.state` gains `cancelled`: the sandbox PSP closes
//   the session of a card / wallet order cancelled before it was paid, and
//   its hosted page then refuses to authorise it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE orders ADD COLUMN cancel_note text CHECK (cancel_note IS NULL OR length(cancel_note) BETWEEN 1 AND 2000);

    ALTER TABLE fraud_reviews DROP CONSTRAINT fraud_reviews_state_check;
    ALTER TABLE fraud_reviews ADD CONSTRAINT fraud_reviews_state_check
      CHECK (state IN ('open', 'documents_received', 'released', 'expired', 'cancelled'));

    ALTER TABLE sandbox_psp_sessions DROP CONSTRAINT sandbox_psp_sessions_state_check;
    ALTER TABLE sandbox_psp_sessions ADD CONSTRAINT sandbox_psp_sessions_state_check
      CHECK (state IN ('open', 'requires_action', 'authorised', 'partially_captured', 'captured',
                       'partially_refunded', 'refunded', 'voided', 'failed', 'cancelled'));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sandbox_psp_sessions DROP CONSTRAINT sandbox_psp_sessions_state_check;
    ALTER TABLE sandbox_psp_sessions ADD CONSTRAINT sandbox_psp_sessions_state_check
      CHECK (state IN ('open', 'requires_action', 'authorised', 'partially_captured', 'captured',
                       'partially_refunded', 'refunded', 'voided', 'failed'));
    ALTER TABLE fraud_reviews DROP CONSTRAINT fraud_reviews_state_check;
    ALTER TABLE fraud_reviews ADD CONSTRAINT fraud_reviews_state_check
      CHECK (state IN ('open', 'documents_received', 'released', 'expired'));
    ALTER TABLE orders DROP COLUMN cancel_note;
  `.execute(db);
}
