import { sql, type Kysely } from 'kysely';

// OR-6: appending an event in ONE round trip. The shop's head row is the one
// lock of the log and stays locked until the appending transaction commits
// (src/store/evidence.ts); every round trip made while holding it makes every
// other transaction of the shop wait. `evidence_append` locks the head,
// numbers the event, hashes it and moves the head in one call. The hash is the
// same recipe as before: the client sends the event's canonical JSON cut
// around the two values only the head knows (the previous hash and the seq),
// and the function hashes prefix || prev_hash || middle || seq || suffix —
// `verifyEvidenceChain` recomputes it in Node from the stored fields, so a
// mismatch between the two would be caught by every verification. The
// triggers of migration 0006 still guard every row it writes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION evidence_append(
      p_shop text, p_recorded_at timestamptz, p_kind text, p_subject_type text, p_subject_id text, p_actor text, p_data jsonb,
      p_prefix text, p_middle text, p_suffix text
    ) RETURNS TABLE (seq bigint, hash text) LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
      head evidence_heads%ROWTYPE;
      next_seq bigint;
      next_hash text;
    BEGIN
      SELECT * INTO head FROM evidence_heads h WHERE h.shop_id = p_shop FOR UPDATE;
      IF NOT FOUND THEN
        INSERT INTO evidence_heads (shop_id, seq, hash) VALUES (p_shop, 0, evidence_genesis(p_shop)) ON CONFLICT (shop_id) DO NOTHING;
        SELECT * INTO head FROM evidence_heads h WHERE h.shop_id = p_shop FOR UPDATE;
      END IF;
      next_seq := head.seq + 1;
      next_hash := encode(sha256(convert_to(p_prefix || head.hash || p_middle || next_seq::text || p_suffix, 'UTF8')), 'hex');
      INSERT INTO evidence_events (shop_id, seq, recorded_at, kind, subject_type, subject_id, actor, data, prev_hash, hash)
        VALUES (p_shop, next_seq, p_recorded_at, p_kind, p_subject_type, p_subject_id, p_actor, p_data, head.hash, next_hash);
      UPDATE evidence_heads h SET seq = next_seq, hash = next_hash WHERE h.shop_id = p_shop;
      RETURN QUERY SELECT next_seq, next_hash;
    END;
    $$;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION evidence_append(text, timestamptz, text, text, text, text, jsonb, text, text, text)`.execute(db);
}
