// The evidence log (OR-6, DOC-5; design.md "Evidence log"): every step with
// legal weight, per shop, in an append-only hash chain. In a dispute it is the
// shop's proof of what happened and when; `comptoir evidence verify` (and
// GET /api/admin/evidence/verify) prove nothing was altered since.
//
// Writing. `appendEvidence` runs inside the transaction of the change it proves,
// so the change and its evidence commit together or not at all (a rollback
// leaves no event and no gap). Events are numbered 1, 2, 3… per shop. This
// module owns the one lock of the log (style.md §2): the shop's row of
// `evidence_heads` (last seq and hash), taken `FOR UPDATE` to number the next
// event. Two concurrent appends therefore never share a seq nor fork the chain;
// the second waits until the first commits. The lock is held until commit:
// call `appendEvidence` as the LAST write of a transaction (after provider
// calls, stock locks…), so the shop's appends queue only for the commit itself;
// an append is one round trip (`evidence_append`, migration 0015), so holding
// the lock costs no more than that.
// Nothing locks anything after the head — not even a foreign-key check, which is
// why events carry no FK to shops — so the log adds no deadlock.
//
// The hash. hash = SHA-256 (hex) of the canonical JSON (keys sorted by UTF-16
// code units at every level, no whitespace, JSON.stringify's strings and
// numbers — RFC 8785 JCS for the values accepted here) of
//   { format, shopId, seq, recordedAt, kind, subject: { type, id }, actor, data, prevHash }
// Why each field is in it:
//   - format ("comptoir.evidence/1"): names the recipe, so a later recipe can
//     never be confused with this one when an old log is re-verified.
//   - shopId: an event cannot be moved into another shop's log (nor a whole
//     chain transplanted: the genesis is per shop as well).
//   - seq: the event's place; renumbering, reordering or replaying it breaks.
//   - recordedAt: the "when" is half of the proof (ISO 8601 UTC with
//     milliseconds, from the engine clock — the manual clock in tests).
//   - kind: what happened (`terms.published`, `email.sent`, `order.validated`…).
//   - subject: what it is about (`order` / `2026-000123`); otherwise an email
//     could be re-attributed to another order.
//   - actor: who did it (`system`, `cli`, `staff:12`, `customer:42`…).
//   - data: the details that matter (hashes of documents, amounts, addresses).
//   - prevHash: the previous event's hash (the genesis for seq 1): altering,
//     removing or inserting any event breaks every hash after it, so the head
//     hash alone vouches for the whole history.
// Nothing else is hashed (the row's own `hash` obviously is not).
//
// Verifying. `verifyEvidenceChain` recomputes every hash in seq order, in
// batches, inside one read-only REPEATABLE READ snapshot, and compares the end
// of the chain with `evidence_heads` so that deleting the newest events is
// detected too. Triggers (migration 0006) refuse UPDATE, DELETE and TRUNCATE of
// events and any head move but "one stored event forward"; verification is
// what catches whoever goes around them (a DBA disabling triggers). Someone who
// can rewrite the whole table and the head can rebuild a consistent chain:
// publishing the head hash elsewhere from time to time (the CLI prints it) is
// what pins history beyond the database.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Queryable, Tx } from './db.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type EvidenceData = { [key: string]: JsonValue };
export type EvidenceSubject = { type: string; id: string };

export type NewEvidence = {
  shopId: string;
  /** Dotted lowercase: `terms.published`, `email.sent`, `order.validated`, `payment.authorised`… */
  kind: string;
  subject: EvidenceSubject;
  /** `system`, `cli`, `staff:<id>` (src/store/audit.ts `actorLabel`), `customer:<id>`… */
  actor: string;
  /** Plain JSON: strings, finite numbers, booleans, null, arrays, plain objects (no undefined, no Date: pass ISO strings). */
  data: EvidenceData;
  /** Engine time of the change (the use case's `now`). */
  at: Date;
};

export type EvidenceEvent = {
  shopId: string;
  seq: number;
  recordedAt: Date;
  kind: string;
  subject: EvidenceSubject;
  actor: string;
  data: EvidenceData;
  prevHash: string;
  hash: string;
};

export type EvidenceVerification =
  | { ok: true; count: number; head: string }
  /** `count`: events verified intact, all before `brokenAt`, the first seq that is altered, missing or out of place. */
  | { ok: false; count: number; brokenAt: number; reason: string };

const FORMAT = 'comptoir.evidence/1';
const KIND = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
// PostgreSQL's jsonb and text refuse NUL and lone surrogates: refuse them here, before any write.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The prevHash of a shop's first event; the SQL function `evidence_genesis` computes the same. */
export function evidenceGenesis(shopId: string): string {
  return sha256(`comptoir.evidence.genesis/1:${shopId}`);
}

function checkString(value: string, path: string): string {
  if (value.includes('\u0000') || LONE_SURROGATE.test(value)) throw new TypeError(`evidence: ${path} holds a NUL or a lone surrogate, which PostgreSQL cannot store`);
  return value;
}

/**
 * Canonical JSON: object keys sorted at every level, no whitespace. Throws on
 * anything that would not survive a round trip through jsonb unchanged
 * (undefined, NaN/Infinity, Dates, class instances, bigint, NUL).
 */
export function canonicalJson(value: unknown, path = 'data'): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(checkString(value, path));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`evidence: ${path} is not a finite number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(',')}]`;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new TypeError(`evidence: ${path} is not a plain object (pass dates as ISO strings)`);
      const entries = Object.keys(value)
        .sort()
        .map((key) => `${JSON.stringify(checkString(key, `${path} key`))}:${canonicalJson((value as Record<string, unknown>)[key], `${path}.${key}`)}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`evidence: ${path} is ${typeof value}, not JSON`);
  }
}

/** The hash of one event (see the header for why each field is in it). */
export function evidenceHash(event: Omit<EvidenceEvent, 'hash'>): string {
  return sha256(canonicalJson(hashedFields({ ...event, seq: String(event.seq) })));
}

/** Exactly what an event's hash covers (see the header), written once for `evidenceHash` and `canonicalParts`. */
function hashedFields(event: Omit<EvidenceEvent, 'hash' | 'seq'> & { seq: string }) {
  return {
    format: FORMAT,
    shopId: event.shopId,
    seq: event.seq,
    recordedAt: event.recordedAt.toISOString(),
    kind: event.kind,
    subject: { type: event.subject.type, id: event.subject.id },
    actor: event.actor,
    data: event.data,
    prevHash: event.prevHash,
  };
}

function validate(input: NewEvidence): string {
  if (!KIND.test(input.kind)) throw new TypeError(`evidence: kind '${input.kind}' is not dotted lowercase (e.g. order.validated)`);
  for (const [name, value] of [['subject.type', input.subject.type], ['subject.id', input.subject.id], ['actor', input.actor]] as const) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`evidence: ${name} must be a non-empty string`);
    checkString(value, name);
  }
  if (!(input.at instanceof Date) || Number.isNaN(input.at.getTime())) throw new TypeError('evidence: at must be a valid Date');
  if (input.data === null || typeof input.data !== 'object' || Array.isArray(input.data)) throw new TypeError('evidence: data must be an object');
  return canonicalJson(input.data);
}

/**
 * The event's canonical JSON (the recipe of `evidenceHash`) cut around the
 * two values only the head knows, the previous hash and the seq:
 * `evidence_append` (migration 0015) hashes prefix || prevHash || middle || seq || suffix.
 * Keys are sorted, so the top-level `prevHash` and `seq` are the LAST such
 * keys of the text (only recordedAt, shopId and subject's strings follow, and
 * a string cannot hold an unescaped quote): data holding the same words
 * cannot move the cut.
 */
function canonicalParts(input: NewEvidence): { prefix: string; middle: string; suffix: string } {
  const json = canonicalJson(hashedFields({ shopId: input.shopId, seq: '', recordedAt: input.at, kind: input.kind, subject: input.subject, actor: input.actor, data: input.data, prevHash: '' }));
  const prevKey = '"prevHash":""';
  const seqKey = '"seq":""';
  const i = json.lastIndexOf(prevKey);
  const j = json.lastIndexOf(seqKey);
  if (i < 0 || j < i) throw new Error('evidence: could not cut the canonical JSON around prevHash and seq');
  return {
    prefix: `${json.slice(0, i)}"prevHash":"`,
    middle: `"${json.slice(i + prevKey.length, j)}"seq":"`,
    suffix: `"${json.slice(j + seqKey.length)}`,
  };
}

/**
 * Appends one event to the shop's chain, in the caller's transaction (the one
 * of the change it proves), as that transaction's last write. Returns its seq
 * and hash. Throws before writing anything when the input is not storable.
 * One round trip (`evidence_append`, migration 0015): the head stays locked
 * until the commit, and every round trip under it is a wait for the others.
 */
export async function appendEvidence(tx: Tx, input: NewEvidence): Promise<{ seq: number; hash: string }> {
  if (!tx.isTransaction) throw new Error('appendEvidence must run inside the transaction of the change it proves');
  const dataJson = validate(input);
  const { prefix, middle, suffix } = canonicalParts(input);
  const { rows } = await sql<{ seq: string; hash: string }>`
    SELECT seq, hash FROM evidence_append(${input.shopId}, ${new Date(input.at.getTime())}, ${input.kind}, ${input.subject.type}, ${input.subject.id}, ${input.actor},
                                          ${dataJson}::jsonb, ${prefix}, ${middle}, ${suffix})`.execute(tx);
  return { seq: Number(rows[0]!.seq), hash: rows[0]!.hash };
}

type EventRow = {
  shop_id: string;
  seq: string;
  recorded_at: Date;
  kind: string;
  subject_type: string;
  subject_id: string;
  actor: string;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
};

function toEvent(row: EventRow): EvidenceEvent {
  return {
    shopId: row.shop_id,
    seq: Number(row.seq),
    recordedAt: row.recorded_at,
    kind: row.kind,
    subject: { type: row.subject_type, id: row.subject_id },
    actor: row.actor,
    data: row.data as EvidenceData,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

const columns = ['shop_id', 'seq', 'recorded_at', 'kind', 'subject_type', 'subject_id', 'actor', 'data', 'prev_hash', 'hash'] as const;

async function verifyIn(tx: Queryable, shopId: string, batchSize: number): Promise<EvidenceVerification> {
  let prevHash = evidenceGenesis(shopId);
  let last = 0;
  const broken = (seq: number, reason: string): EvidenceVerification => ({ ok: false, count: seq - 1, brokenAt: seq, reason });
  for (;;) {
    const rows = await tx.selectFrom('evidence_events').select(columns).where('shop_id', '=', shopId).where('seq', '>', String(last)).orderBy('seq').limit(batchSize).execute();
    for (const row of rows) {
      const event = toEvent(row);
      const expected = last + 1;
      if (event.seq !== expected) return broken(expected, `event ${expected} is missing (the next stored event is ${event.seq})`);
      if (event.prevHash !== prevHash) {
        return broken(event.seq, expected === 1 ? 'its prev_hash is not the genesis of the shop' : `its prev_hash is not the hash of event ${expected - 1}`);
      }
      let recomputed: string;
      try {
        recomputed = evidenceHash(event);
      } catch (error) {
        return broken(event.seq, `its content cannot be hashed (${error instanceof Error ? error.message : String(error)})`);
      }
      if (recomputed !== event.hash) return broken(event.seq, 'its content does not match its hash (altered after it was recorded)');
      prevHash = event.hash;
      last = event.seq;
    }
    if (rows.length < batchSize) break;
  }
  const head = await tx.selectFrom('evidence_heads').select(['seq', 'hash']).where('shop_id', '=', shopId).executeTakeFirst();
  const headSeq = head ? Number(head.seq) : 0;
  if (!head && last > 0) return broken(last + 1, 'the chain head is missing: events after the last stored one may have been deleted');
  if (headSeq > last) return broken(last + 1, `event ${last + 1} is missing: the chain head records ${headSeq} events`);
  if (headSeq < last) return broken(headSeq + 1, `event ${headSeq + 1} is beyond the chain head (${headSeq}): it was not appended through the log`);
  if (head && head.hash !== prevHash) {
    return last === 0 ? broken(1, 'the chain head does not start at the genesis of the shop') : broken(last, `event ${last} differs from the one the chain head records (replaced)`);
  }
  return { ok: true, count: last, head: prevHash };
}

/**
 * Verifies a shop's whole chain, `batchSize` events at a time (default 1000),
 * in one consistent snapshot: on the pool, a read-only REPEATABLE READ
 * transaction of its own (appends may go on meanwhile, unseen); in a
 * transaction, the caller's. `head` is the hash of the last event (the genesis
 * for an empty log).
 */
export async function verifyEvidenceChain(q: Queryable, shopId: string, options: { batchSize?: number } = {}): Promise<EvidenceVerification> {
  const batchSize = Math.max(1, Math.trunc(options.batchSize ?? 1000));
  if (q.isTransaction) return verifyIn(q, shopId, batchSize);
  return q
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute((tx) => verifyIn(tx, shopId, batchSize));
}

export type EvidenceFilter = {
  /** Only the events about this subject (a timeline: `order` / `2026-000123`). */
  subject?: EvidenceSubject;
  /** Only these kinds. */
  kinds?: readonly string[];
  /** Default 50, at most 500. */
  limit?: number;
  /** Only events before this seq (the previous page's last seq). */
  before?: number;
};

/** One shop's events, newest (highest seq) first. */
export async function listEvidence(q: Queryable, shopId: string, filter: EvidenceFilter = {}): Promise<EvidenceEvent[]> {
  let query = q.selectFrom('evidence_events').select(columns).where('shop_id', '=', shopId);
  if (filter.subject) query = query.where('subject_type', '=', filter.subject.type).where('subject_id', '=', filter.subject.id);
  if (filter.kinds) {
    if (filter.kinds.length === 0) return [];
    query = query.where('kind', 'in', [...filter.kinds]);
  }
  if (filter.before !== undefined) query = query.where('seq', '<', String(Math.trunc(filter.before)));
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 50) || 50, 1), 500);
  const rows = await query.orderBy('seq', 'desc').limit(limit).execute();
  return rows.map(toEvent);
}
