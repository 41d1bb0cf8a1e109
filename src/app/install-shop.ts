// Makes the database know the shop as its files describe it: the shop row, the
// policy version (by content hash, OR-4 freezes it into orders later) and every
// terms version (ID-2). A terms version is immutable: the same id with another
// text is refused — publish a new version instead.
// Each version first stored is recorded in the evidence log (`terms.published`).
import { sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { LoadedShop } from '../policy/loader.js';
import type { Db } from '../store/db.js';
import { appendEvidence } from '../store/evidence.js';
import { ensureOrderNumberSequence } from '../store/order-numbers.js';

/** The evidence event of a terms version first stored (ID-2, OR-6). */
export const TERMS_PUBLISHED = 'terms.published';

export async function installShop(db: Db, shop: LoadedShop, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('shops')
      .values({ id: shop.id, name: shop.policy.identity.tradingName, policy_hash: shop.policyHash, loaded_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ name: shop.policy.identity.tradingName, policy_hash: shop.policyHash, loaded_at: now }))
      .execute();
    // Serialises concurrent installs of the same shop (two engines starting at once).
    await sql`SELECT 1 FROM shops WHERE id = ${shop.id} FOR UPDATE`.execute(tx);
    await ensureOrderNumberSequence(tx, shop.id); // OR-3: the shop's order numbers (src/store/order-numbers.ts)
    await tx
      .insertInto('policy_versions')
      .values({ shop_id: shop.id, hash: shop.policyHash, policy: JSON.stringify(shop.policy), first_loaded_at: now })
      .onConflict((oc) => oc.columns(['shop_id', 'hash']).doNothing())
      .execute();
    const stored = await tx.selectFrom('terms_versions').select(['id', 'hash_fr', 'hash_en']).where('shop_id', '=', shop.id).execute();
    const byId = new Map(stored.map((row) => [row.id, row]));
    for (const version of shop.terms) {
      const existing = byId.get(version.id);
      if (existing) {
        if (existing.hash_fr !== version.hash.fr || existing.hash_en !== version.hash.en) {
          throw new DomainError(
            'terms.version_changed',
            { field: `terms/${version.id}`, rule: 'ID-2', version: version.id },
            `The text of terms version ${version.id} differs from the one already published; publish it as a new version instead of editing it.`,
          );
        }
        continue;
      }
      await tx
        .insertInto('terms_versions')
        .values({
          shop_id: shop.id,
          id: version.id,
          effective_at: version.effectiveAt,
          summary: version.summary,
          text_fr: version.text.fr,
          text_en: version.text.en,
          hash_fr: version.hash.fr,
          hash_en: version.hash.en,
          stored_at: now,
        })
        .execute();
      // OR-6: when each version became known to the engine, with the hashes of
      // its exact texts (ID-2). Only here, when first stored: a restart adds nothing.
      await appendEvidence(tx, {
        shopId: shop.id,
        kind: TERMS_PUBLISHED,
        subject: { type: 'terms', id: version.id },
        actor: 'system',
        data: { id: version.id, effectiveAt: version.effectiveAt.toISOString(), summary: version.summary, hashes: { fr: version.hash.fr, en: version.hash.en } },
        at: now,
      });
    }
  });
}
