// OR-6: the evidence log is an append-only hash chain per shop that proves
// nothing was altered: numbered without gaps under concurrency, refused UPDATE
// and DELETE, and a DBA going around the triggers is caught by verify at the
// exact event.
import { sql, type RawBuilder } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/store/db.js';
import {
  appendEvidence,
  canonicalJson,
  evidenceGenesis,
  evidenceHash,
  listEvidence,
  verifyEvidenceChain,
  type EvidenceData,
} from '../../src/store/evidence.js';
import { tamperWithEvidence } from '../support/evidence-audit.js';
import { useTestDatabase } from '../support/database.js';

const t = useTestDatabase();
const T0 = new Date('2027-03-03T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
let shops = 0;

/** A fresh shop: each scenario gets its own chain. */
async function newShop(): Promise<string> {
  const id = `ev-${++shops}`;
  await t.db.insertInto('shops').values({ id, name: id, policy_hash: 'h', loaded_at: T0 }).execute();
  return id;
}

async function append(shopId: string, n: number, data: EvidenceData = { n }) {
  return t.db.transaction().execute((tx) =>
    appendEvidence(tx, { shopId, kind: 'order.validated', subject: { type: 'order', id: `2027-${String(n).padStart(6, '0')}` }, actor: 'system', data, at: at(n) }),
  );
}

async function appendMany(shopId: string, count: number) {
  for (let n = 1; n <= count; n++) await append(shopId, n);
}

/** As a DBA would: around the trigger, then the trigger back. */
async function asDba(statement: RawBuilder<unknown>) {
  await tamperWithEvidence(t.db, statement);
}

const refusal = /append-only \(OR-6\)/;

describe('appendEvidence and verifyEvidenceChain', () => {
  it('chains several events from the genesis, and verify recomputes every hash', async () => {
    const shop = await newShop();
    expect(await verifyEvidenceChain(t.db, shop)).toEqual({ ok: true, count: 0, head: evidenceGenesis(shop) });

    const results = [];
    for (let n = 1; n <= 4; n++) results.push(await append(shop, n, { n, nested: { b: [1, 2.5, 'é', null], a: true }, text: 'Chloé « 10 € »' }));
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3, 4]);

    const events = (await listEvidence(t.db, shop)).reverse();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(events[0]!.prevHash).toBe(evidenceGenesis(shop));
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    for (const [i, e] of events.entries()) {
      expect(e.hash).toBe(results[i]!.hash);
      expect(e.recordedAt).toEqual(at(i + 1)); // engine time, not the database's
      expect(evidenceHash(e)).toBe(e.hash); // jsonb round trip keeps the canonical form
    }

    expect(await verifyEvidenceChain(t.db, shop)).toEqual({ ok: true, count: 4, head: results[3]!.hash });
    // In batches smaller than the log: the same answer.
    expect(await verifyEvidenceChain(t.db, shop, { batchSize: 3 })).toEqual({ ok: true, count: 4, head: results[3]!.hash });
    expect(await verifyEvidenceChain(t.db, shop, { batchSize: 1 })).toEqual({ ok: true, count: 4, head: results[3]!.hash });
  });

  it('the genesis is the same in TypeScript and in SQL, and differs per shop', async () => {
    const { rows } = await sql<{ g: string }>`SELECT evidence_genesis('fa') AS g`.execute(t.db);
    expect(rows[0]!.g).toBe(evidenceGenesis('fa'));
    expect(evidenceGenesis('fa')).not.toBe(evidenceGenesis('pf'));
  });

  it('the hash covers every field: changing any one changes it', () => {
    const base = { shopId: 'fa', seq: 7, recordedAt: T0, kind: 'email.sent', subject: { type: 'order', id: '1' }, actor: 'system', data: { a: 1 }, prevHash: 'a'.repeat(64) };
    const hash = evidenceHash(base);
    const variants = [
      { ...base, shopId: 'pf' },
      { ...base, seq: 8 },
      { ...base, recordedAt: new Date(T0.getTime() + 1) },
      { ...base, kind: 'email.bounced' },
      { ...base, subject: { type: 'order', id: '2' } },
      { ...base, subject: { type: 'payment', id: '1' } },
      { ...base, actor: 'staff:1' },
      { ...base, data: { a: 2 } },
      { ...base, prevHash: 'b'.repeat(64) },
    ];
    for (const v of variants) expect(evidenceHash(v)).not.toBe(hash);
    // Key order does not matter (canonical form); the hash is stable.
    expect(evidenceHash({ ...base, data: { b: 1, a: 1 } })).toBe(evidenceHash({ ...base, data: { a: 1, b: 1 } }));
  });

  it('canonical JSON sorts keys and refuses what jsonb would not give back unchanged', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: 'x' })).toBe('{"a":"x","b":[2,{"c":null,"d":1}]}');
    expect(() => canonicalJson({ a: undefined })).toThrow(/data\.a is undefined/);
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/finite/);
    expect(() => canonicalJson({ a: new Date() })).toThrow(/plain object/);
    expect(() => canonicalJson({ a: 'nul\u0000' })).toThrow(/NUL/);
    expect(() => canonicalJson({ a: '\uD800' })).toThrow(/surrogate/);
  });

  it('refuses to append outside a transaction, or with a bad kind, before writing anything', async () => {
    const shop = await newShop();
    const input = { shopId: shop, kind: 'order.validated', subject: { type: 'order', id: '1' }, actor: 'system', data: {}, at: T0 };
    // @ts-expect-error — the pool is not a transaction
    await expect(appendEvidence(t.db, input)).rejects.toThrow(/inside the transaction/);
    await expect(t.db.transaction().execute((tx) => appendEvidence(tx, { ...input, kind: 'Order validated' }))).rejects.toThrow(/dotted/);
    await expect(t.db.transaction().execute((tx) => appendEvidence(tx, { ...input, subject: { type: 'order', id: '' } }))).rejects.toThrow(/subject\.id/);
    expect(await listEvidence(t.db, shop)).toEqual([]);
  });

  it('a rolled-back transaction leaves no event and no gap', async () => {
    const shop = await newShop();
    await appendMany(shop, 2);
    await expect(
      t.db.transaction().execute(async (tx) => {
        await appendEvidence(tx, { shopId: shop, kind: 'order.validated', subject: { type: 'order', id: 'x' }, actor: 'system', data: {}, at: at(3) });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await listEvidence(t.db, shop)).map((e) => e.seq)).toEqual([2, 1]);
    expect((await append(shop, 3)).seq).toBe(3);
    expect(await verifyEvidenceChain(t.db, shop)).toMatchObject({ ok: true, count: 3 });
  });

  it('50 concurrent appends from separate connections get seq 1..50 without gaps, and the chain verifies', async () => {
    const shop = await newShop(); // no head yet: creating it races as well
    const pool: Db = createDb(t.url, { max: 50 });
    try {
      const N = 50;
      let arrived = 0;
      let release!: () => void;
      const barrier = new Promise<void>((resolve) => (release = resolve));
      const pids = new Set<number>();
      const results = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          pool.transaction().execute(async (tx) => {
            const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(tx);
            pids.add(rows[0]!.pid);
            // Every transaction is open on its own connection before any appends.
            if (++arrived === N) release();
            await barrier;
            return appendEvidence(tx, { shopId: shop, kind: 'payment.authorised', subject: { type: 'payment', id: `p${i}` }, actor: 'system', data: { i }, at: T0 });
          }),
        ),
      );
      expect(pids.size).toBe(N);
      expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
      expect(new Set(results.map((r) => r.hash)).size).toBe(N);
      const verified = await verifyEvidenceChain(t.db, shop, { batchSize: 7 });
      expect(verified).toMatchObject({ ok: true, count: N });
    } finally {
      await pool.destroy();
    }
  });

  it('an append never waits on a transaction holding the shop row (installShop does), so the two cannot deadlock', async () => {
    const shop = await newShop();
    await append(shop, 1);
    const pool: Db = createDb(t.url, { max: 2 });
    try {
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      let finished!: () => void;
      const otherDone = new Promise<void>((resolve) => (finished = resolve));
      // Like installShop: the shop row FOR UPDATE first, the evidence head later.
      const installer = pool.transaction().execute(async (tx) => {
        await sql`SELECT 1 FROM shops WHERE id = ${shop} FOR UPDATE`.execute(tx);
        holding();
        await otherDone;
        return appendEvidence(tx, { shopId: shop, kind: 'terms.published', subject: { type: 'terms', id: 'v9' }, actor: 'system', data: {}, at: at(3) });
      });
      await held;
      const other = await pool
        .transaction()
        .execute(async (tx) => {
          await sql`SET LOCAL lock_timeout = '3s'`.execute(tx);
          return appendEvidence(tx, { shopId: shop, kind: 'email.sent', subject: { type: 'order', id: 'o' }, actor: 'system', data: {}, at: at(2) });
        })
        .finally(finished);
      expect([other.seq, (await installer).seq]).toEqual([2, 3]);
      expect(await verifyEvidenceChain(t.db, shop)).toMatchObject({ ok: true, count: 3 });
    } finally {
      await pool.destroy();
    }
  });
});

describe('the database refuses changes (triggers)', () => {
  let shop: string;
  beforeAll(async () => {
    shop = await newShop();
    await appendMany(shop, 3);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of events', async () => {
    await expect(sql`UPDATE evidence_events SET data = '{"n": 99}' WHERE shop_id = ${shop} AND seq = 2`.execute(t.db)).rejects.toThrow(refusal);
    await expect(sql`DELETE FROM evidence_events WHERE shop_id = ${shop} AND seq = 3`.execute(t.db)).rejects.toThrow(refusal);
    await expect(sql`TRUNCATE evidence_events`.execute(t.db)).rejects.toThrow(refusal);
    expect(await verifyEvidenceChain(t.db, shop)).toMatchObject({ ok: true, count: 3 });
  });

  it('refuses an event that does not continue the chain, and a head that does not move one stored event forward', async () => {
    const [last] = await listEvidence(t.db, shop, { limit: 1 });
    const row = (seq: number, prev: string) => sql`
      INSERT INTO evidence_events (shop_id, seq, recorded_at, kind, subject_type, subject_id, actor, data, prev_hash, hash)
      VALUES (${shop}, ${seq}, ${T0}, 'order.validated', 'order', 'x', 'system', '{}', ${prev}, ${'c'.repeat(64)})`;
    await expect(row(5, last!.hash).execute(t.db)).rejects.toThrow(/does not continue the chain/);
    await expect(row(4, 'd'.repeat(64)).execute(t.db)).rejects.toThrow(/does not continue the chain/);
    await expect(sql`UPDATE evidence_heads SET seq = 2 WHERE shop_id = ${shop}`.execute(t.db)).rejects.toThrow(/may only move/);
    await expect(sql`UPDATE evidence_heads SET seq = 4, hash = ${'c'.repeat(64)} WHERE shop_id = ${shop}`.execute(t.db)).rejects.toThrow(/may only move/);
    await expect(sql`DELETE FROM evidence_heads WHERE shop_id = ${shop}`.execute(t.db)).rejects.toThrow(refusal);
    const headless = await newShop();
    await expect(sql`INSERT INTO evidence_heads (shop_id, seq, hash) VALUES (${headless}, 3, ${'c'.repeat(64)})`.execute(t.db)).rejects.toThrow(/start at the genesis/);
    expect(await verifyEvidenceChain(t.db, shop)).toMatchObject({ ok: true, count: 3 });
  });
});

describe('tampering around the triggers is caught by verify', () => {
  it('one event data changed: verify names exactly that seq', async () => {
    const shop = await newShop();
    await appendMany(shop, 6);
    await asDba(sql`UPDATE evidence_events SET data = '{"n": 999}' WHERE shop_id = ${shop} AND seq = 4`);
    const result = await verifyEvidenceChain(t.db, shop, { batchSize: 2 });
    expect(result).toMatchObject({ ok: false, count: 3, brokenAt: 4 });
    expect(result.ok === false && result.reason).toMatch(/does not match its hash/);
  });

  it('one event changed with its hash recomputed: the next event no longer follows it', async () => {
    const shop = await newShop();
    await appendMany(shop, 5);
    const [e2] = await listEvidence(t.db, shop, { before: 3, limit: 1 });
    const forged = evidenceHash({ ...e2!, recordedAt: at(-60) });
    await asDba(sql`UPDATE evidence_events SET recorded_at = ${at(-60)}, hash = ${forged} WHERE shop_id = ${shop} AND seq = 2`);
    expect(await verifyEvidenceChain(t.db, shop)).toMatchObject({ ok: false, brokenAt: 3, reason: 'its prev_hash is not the hash of event 2' });
  });

  it('a middle event deleted: verify names the missing seq', async () => {
    const shop = await newShop();
    await appendMany(shop, 5);
    await asDba(sql`DELETE FROM evidence_events WHERE shop_id = ${shop} AND seq = 3`);
    expect(await verifyEvidenceChain(t.db, shop)).toMatchObject({ ok: false, count: 2, brokenAt: 3, reason: 'event 3 is missing (the next stored event is 4)' });
  });

  it('the last event deleted: the kept head says it is missing', async () => {
    const shop = await newShop();
    await appendMany(shop, 5);
    await asDba(sql`DELETE FROM evidence_events WHERE shop_id = ${shop} AND seq = 5`);
    expect(await verifyEvidenceChain(t.db, shop)).toMatchObject({ ok: false, count: 4, brokenAt: 5, reason: 'event 5 is missing: the chain head records 5 events' });
  });

  it('the last event replaced by a self-consistent forgery: the head still names the original', async () => {
    const shop = await newShop();
    await appendMany(shop, 3);
    const [e3] = await listEvidence(t.db, shop, { limit: 1 });
    const forged = { ...e3!, data: { n: 'forged' } };
    const hash = evidenceHash(forged);
    await asDba(sql`UPDATE evidence_events SET data = ${JSON.stringify(forged.data)}, hash = ${hash} WHERE shop_id = ${shop} AND seq = 3`);
    expect(await verifyEvidenceChain(t.db, shop)).toMatchObject({ ok: false, count: 2, brokenAt: 3, reason: 'event 3 differs from the one the chain head records (replaced)' });
  });

  it('other shops stay intact', async () => {
    const shop = await newShop();
    await appendMany(shop, 2);
    expect(await verifyEvidenceChain(t.db, shop)).toMatchObject({ ok: true, count: 2 });
  });
});

describe('listEvidence', () => {
  let shop: string;
  beforeAll(async () => {
    shop = await newShop();
    await t.db.transaction().execute(async (tx) => {
      await appendEvidence(tx, { shopId: shop, kind: 'order.validated', subject: { type: 'order', id: 'A' }, actor: 'customer:1', data: {}, at: at(1) });
      await appendEvidence(tx, { shopId: shop, kind: 'email.sent', subject: { type: 'order', id: 'A' }, actor: 'system', data: {}, at: at(2) });
      await appendEvidence(tx, { shopId: shop, kind: 'order.validated', subject: { type: 'order', id: 'B' }, actor: 'customer:2', data: {}, at: at(3) });
      await appendEvidence(tx, { shopId: shop, kind: 'payment.authorised', subject: { type: 'order', id: 'A' }, actor: 'system', data: {}, at: at(4) });
    });
  });

  it('gives a subject timeline newest first, by kinds, and pages with before', async () => {
    expect((await listEvidence(t.db, shop, { subject: { type: 'order', id: 'A' } })).map((e) => [e.seq, e.kind])).toEqual([
      [4, 'payment.authorised'],
      [2, 'email.sent'],
      [1, 'order.validated'],
    ]);
    expect((await listEvidence(t.db, shop, { kinds: ['order.validated'] })).map((e) => e.subject.id)).toEqual(['B', 'A']);
    expect((await listEvidence(t.db, shop, { limit: 2 })).map((e) => e.seq)).toEqual([4, 3]);
    expect((await listEvidence(t.db, shop, { limit: 2, before: 3 })).map((e) => e.seq)).toEqual([2, 1]);
    expect(await listEvidence(t.db, shop, { kinds: [] })).toEqual([]);
  });
});
