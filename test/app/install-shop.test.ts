// ID-2 / OR-6: installing a shop records each terms version in the evidence
// log when it is first stored — once per version, never again on a restart.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { installShop, TERMS_PUBLISHED } from '../../src/app/install-shop.js';
import { loadShop, type LoadedShop } from '../../src/policy/loader.js';
import { listEvidence, verifyEvidenceChain } from '../../src/store/evidence.js';
import { useTestDatabase } from '../support/database.js';

const t = useTestDatabase();
const FIRST = new Date('2026-11-23T09:00:00.000Z');
const RESTART = new Date('2026-11-24T09:00:00.000Z');
const LATER = new Date('2027-01-10T09:00:00.000Z');
let shop: LoadedShop;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

beforeAll(async () => {
  shop = await loadShop('shops', 'fa');
});

describe('installShop → terms.published', () => {
  it('records every terms version on the first install, with its effective instant and the hashes of its texts', async () => {
    expect(shop.terms.map((v) => v.id)).toEqual(['v1', 'v2']);
    await installShop(t.db, shop, FIRST);
    const events = (await listEvidence(t.db, 'fa', { kinds: [TERMS_PUBLISHED] })).reverse();
    expect(events.map((e) => [e.seq, e.subject.type, e.subject.id, e.actor, e.recordedAt])).toEqual([
      [1, 'terms', 'v1', 'system', FIRST],
      [2, 'terms', 'v2', 'system', FIRST],
    ]);
    const stored = await t.db.selectFrom('terms_versions').select(['id', 'hash_fr', 'hash_en']).where('shop_id', '=', 'fa').orderBy('id').execute();
    for (const [i, version] of shop.terms.entries()) {
      expect(events[i]!.data).toEqual({
        id: version.id,
        effectiveAt: version.effectiveAt.toISOString(),
        summary: version.summary,
        hashes: { fr: stored[i]!.hash_fr, en: stored[i]!.hash_en },
      });
      // The hashes are those of the exact texts published.
      expect(events[i]!.data.hashes).toEqual({ fr: sha256(version.text.fr), en: sha256(version.text.en) });
    }
  });

  it('a restart records nothing more', async () => {
    await installShop(t.db, shop, RESTART);
    await installShop(t.db, shop, RESTART);
    expect(await listEvidence(t.db, 'fa', { kinds: [TERMS_PUBLISHED] })).toHaveLength(2);
  });

  it('a new version is recorded once, when it is first stored', async () => {
    const v3 = { id: 'v3', effectiveAt: new Date('2027-02-01T00:00:00+01:00'), summary: 'Third version.', text: { fr: 'Texte v3', en: 'Text v3' }, hash: { fr: sha256('Texte v3'), en: sha256('Text v3') } };
    const next = { ...shop, terms: [...shop.terms, v3] };
    await installShop(t.db, next, LATER);
    await installShop(t.db, next, LATER);
    const events = await listEvidence(t.db, 'fa', { kinds: [TERMS_PUBLISHED] });
    expect(events.map((e) => e.subject.id)).toEqual(['v3', 'v2', 'v1']);
    expect(events[0]).toMatchObject({ seq: 3, recordedAt: LATER, data: { id: 'v3', effectiveAt: '2027-01-31T23:00:00.000Z', hashes: v3.hash } });
  });

  it('a refused install (a published text edited) records nothing', async () => {
    const edited = { ...shop, terms: shop.terms.map((v) => (v.id === 'v1' ? { ...v, hash: { ...v.hash, fr: sha256('edited') } } : v)) };
    const v4 = { id: 'v4', effectiveAt: LATER, summary: 'Fourth.', text: { fr: 'x', en: 'y' }, hash: { fr: sha256('x'), en: sha256('y') } };
    await expect(installShop(t.db, { ...edited, terms: [v4, ...edited.terms] }, LATER)).rejects.toMatchObject({ code: 'terms.version_changed' });
    expect(await listEvidence(t.db, 'fa')).toHaveLength(3);
    expect(await verifyEvidenceChain(t.db, 'fa')).toMatchObject({ ok: true, count: 3 });
  });
});
