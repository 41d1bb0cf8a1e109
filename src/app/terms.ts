// ID-2/ID-3: the terms versions as published in the database — the source of
// truth once installed, so a version that governed an order stays retrievable
// even if its file is later removed.
import type { TermsVersion } from '../policy/loader.js';
import type { Queryable } from '../store/db.js';

/** A version as installed: the same shape as the one loaded from the shop's terms folder. */
export type PublishedTerms = TermsVersion;

export async function listTermsVersions(q: Queryable, shopId: string): Promise<PublishedTerms[]> {
  const rows = await q.selectFrom('terms_versions').selectAll().where('shop_id', '=', shopId).orderBy('effective_at', 'asc').execute();
  return rows.map((r) => ({
    id: r.id,
    effectiveAt: r.effective_at,
    summary: r.summary,
    text: { fr: r.text_fr, en: r.text_en },
    hash: { fr: r.hash_fr, en: r.hash_en },
  }));
}
