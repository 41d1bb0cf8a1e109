import { sql, type Kysely } from 'kysely';

// OR-6 / DOC-5 (issue 4 §7): the evidence log, an append-only hash chain per
// shop. Rows are written by src/store/evidence.ts only; see that module for the
// hash and why each field is in it.
//
// - evidence_events: one row per step with legal weight, numbered 1, 2, 3… per
//   shop without gaps. UPDATE, DELETE and TRUNCATE are refused by triggers.
// - evidence_heads: per shop, the last seq and hash. appendEvidence locks this
//   row (`FOR UPDATE`) to number the next event, so two concurrent appends never
//   share a seq nor fork the chain; verify compares it with the last event, so
//   deleting the newest events is detected too. It only moves forward, one
//   event at a time, to an event that exists; it is never deleted.
// - evidence_genesis(shop): the prev_hash of a shop's first event; the same
//   computation as `evidenceGenesis` in src/store/evidence.ts.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION evidence_genesis(shop text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
      RETURN encode(sha256(convert_to('comptoir.evidence.genesis/1:' || shop, 'UTF8')), 'hex');

    CREATE TABLE evidence_heads (
      shop_id text PRIMARY KEY REFERENCES shops(id),
      seq bigint NOT NULL CHECK (seq >= 0),
      hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
    );

    -- No foreign key to shops here, on purpose: its check would take a KEY SHARE
    -- lock on the shop row AFTER the head lock, and deadlock with installShop
    -- (shop row FOR UPDATE, then the head). The head references the shop, and
    -- evidence_events_follow_head requires the head.
    CREATE TABLE evidence_events (
      shop_id text NOT NULL,
      seq bigint NOT NULL CHECK (seq >= 1),
      recorded_at timestamptz NOT NULL,
      kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$'),
      subject_type text NOT NULL CHECK (subject_type <> ''),
      subject_id text NOT NULL CHECK (subject_id <> ''),
      actor text NOT NULL CHECK (actor <> ''),
      data jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
      prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
      hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
      PRIMARY KEY (shop_id, seq)
    );
    -- Timelines: the events about one order, payment, email…, newest first.
    CREATE INDEX evidence_events_subject ON evidence_events (shop_id, subject_type, subject_id, seq DESC);

    CREATE FUNCTION evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only (OR-6): % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$;
    CREATE TRIGGER evidence_events_append_only BEFORE UPDATE OR DELETE ON evidence_events
      FOR EACH ROW EXECUTE FUNCTION evidence_append_only();
    CREATE TRIGGER evidence_events_no_truncate BEFORE TRUNCATE ON evidence_events
      FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only();
    CREATE TRIGGER evidence_heads_no_delete BEFORE DELETE ON evidence_heads
      FOR EACH ROW EXECUTE FUNCTION evidence_append_only();
    CREATE TRIGGER evidence_heads_no_truncate BEFORE TRUNCATE ON evidence_heads
      FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only();

    -- An event continues its shop's chain from the head: next seq, previous hash.
    CREATE FUNCTION evidence_events_follow_head() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      head evidence_heads%ROWTYPE;
    BEGIN
      SELECT * INTO head FROM evidence_heads WHERE shop_id = NEW.shop_id;
      IF NOT FOUND OR NEW.seq <> head.seq + 1 OR NEW.prev_hash <> head.hash THEN
        RAISE EXCEPTION 'evidence event %/% does not continue the chain (OR-6)', NEW.shop_id, NEW.seq USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END;
    $$;
    CREATE TRIGGER evidence_events_follow_head BEFORE INSERT ON evidence_events
      FOR EACH ROW EXECUTE FUNCTION evidence_events_follow_head();

    -- A head starts at the genesis and moves one stored event at a time.
    CREATE FUNCTION evidence_heads_advance() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.seq <> 0 OR NEW.hash <> evidence_genesis(NEW.shop_id) THEN
          RAISE EXCEPTION 'evidence head of % must start at the genesis (OR-6)', NEW.shop_id USING ERRCODE = 'integrity_constraint_violation';
        END IF;
      ELSIF NEW.shop_id <> OLD.shop_id OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS (
        SELECT 1 FROM evidence_events e
        WHERE e.shop_id = NEW.shop_id AND e.seq = NEW.seq AND e.hash = NEW.hash AND e.prev_hash = OLD.hash
      ) THEN
        RAISE EXCEPTION 'evidence head of % may only move to the next stored event (OR-6)', OLD.shop_id USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END;
    $$;
    CREATE TRIGGER evidence_heads_advance BEFORE INSERT OR UPDATE ON evidence_heads
      FOR EACH ROW EXECUTE FUNCTION evidence_heads_advance();
  `.execute(db);
}
