// OR-1: what the checkout summary shows besides the priced cart — the photo of
// each line (the product's first image). One query for all the lines.
import type { Queryable } from '../store/db.js';

/** productId → path of its first image (under shops/<id>/images/). */
export async function firstProductImages(q: Queryable, productIds: readonly string[]): Promise<Map<string, string>> {
  if (productIds.length === 0) return new Map();
  const rows = await q
    .selectFrom('product_images')
    .select(['product_id', 'path'])
    .where('product_id', 'in', [...new Set(productIds)])
    .orderBy('product_id')
    .orderBy('position')
    .execute();
  const images = new Map<string, string>();
  for (const r of rows) if (!images.has(String(r.product_id))) images.set(String(r.product_id), r.path);
  return images;
}
