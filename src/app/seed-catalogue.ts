// Seeds a shop's demo catalogue (shops/<id>/catalogue.yaml) into the database,
// once: locations, categories, products, images, variants, stock per location
// (CAT-6) and the first row of each variant's price history (PR-6) — all in one
// transaction, under a lock on the shop's row, so a crash leaves nothing
// half-seeded and two engines starting at once seed it only once.
import path from 'node:path';
import { DomainError } from '../domain/errors.js';
import { loadCatalogueFile, type CatalogueFile } from '../policy/catalogue-file.js';
import type { Db, Tx } from '../store/db.js';
import { refreshProductCards } from '../store/product-cards.js';

export type SeedCatalogueResult = {
  /** false when the shop's catalogue was already seeded (nothing done). */
  seeded: boolean;
  /** What this call inserted (0 when nothing was seeded). */
  products: number;
  variants: number;
};

export async function seedCatalogue(
  db: Db,
  input: { shopId: string; shopDir: string; now: Date },
): Promise<SeedCatalogueResult> {
  const { shopId, now } = input;
  // Cheap check first: an engine restarting on a seeded shop neither reads nor
  // validates the file again.
  const shop = await db.selectFrom('shops').select('catalogue_seeded_at').where('id', '=', shopId).executeTakeFirst();
  if (!shop) throw new DomainError('shop.not_installed', { field: 'shopId', shopId }, `Shop ${shopId} is not installed.`);
  if (shop.catalogue_seeded_at !== null) return { seeded: false, products: 0, variants: 0 };

  // File I/O stays outside the transaction.
  const catalogue = await loadCatalogueFile(path.join(input.shopDir, 'catalogue.yaml'));

  return db.transaction().execute(async (tx) => {
    // Serialises concurrent seeds of one shop: the second waits here, then sees
    // catalogue_seeded_at set by the first and does nothing.
    const locked = await tx
      .selectFrom('shops')
      .select('catalogue_seeded_at')
      .where('id', '=', shopId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (locked.catalogue_seeded_at !== null) return { seeded: false, products: 0, variants: 0 };

    const counts = await insertCatalogue(tx, shopId, catalogue, now);
    await refreshProductCards(tx, { shopId, now });
    await tx.updateTable('shops').set({ catalogue_seeded_at: now }).where('id', '=', shopId).execute();
    return { seeded: true, ...counts };
  });
}

function idsBy<K extends string>(rows: readonly ({ id: string } & Record<K, string>)[], key: K): Map<string, string> {
  return new Map(rows.map((row) => [row[key], row.id]));
}

function lookup(ids: Map<string, string>, key: string, what: string): string {
  const id = ids.get(key);
  if (id === undefined) throw new Error(`seedCatalogue: no id for ${what} ${key}`);
  return id;
}

async function insertCatalogue(
  tx: Tx,
  shopId: string,
  catalogue: CatalogueFile,
  now: Date,
): Promise<{ products: number; variants: number }> {
  const locationRows = await tx
    .insertInto('locations')
    .values(
      catalogue.locations.map((l) => ({
        shop_id: shopId,
        code: l.code,
        kind: l.kind,
        name: l.name,
        address: JSON.stringify(l.address),
        opening_hours: JSON.stringify(l.openingHours ?? {}),
      })),
    )
    .returning(['id', 'code'])
    .execute();
  const locationIds = idsBy(locationRows, 'code');

  const categoryIds =
    catalogue.categories.length === 0
      ? new Map<string, string>()
      : idsBy(
          await tx
            .insertInto('categories')
            .values(catalogue.categories.map((c) => ({ shop_id: shopId, slug: c.slug, name: JSON.stringify(c.name) })))
            .returning(['id', 'slug'])
            .execute(),
          'slug',
        );

  const productRows = await tx
    .insertInto('products')
    .values(
      catalogue.products.map((p, position) => ({
        shop_id: shopId,
        slug: p.slug,
        category_id: lookup(categoryIds, p.category, 'category'),
        name: JSON.stringify(p.name),
        description: JSON.stringify(p.description),
        composition: p.composition ? JSON.stringify(p.composition) : null,
        hygiene_sealed: p.flags.hygieneSealed,
        personalised: p.flags.personalised,
        extra_lead_working_days: p.flags.extraLeadWorkingDays,
        second_hand: p.flags.secondHand,
        outlet: p.flags.outlet,
        perishable: p.flags.perishable,
        eco_fee_minor: p.ecoFeeMinor,
        position,
        created_at: now,
      })),
    )
    .returning(['id', 'slug'])
    .execute();
  const productIds = idsBy(productRows, 'slug');

  await tx
    .insertInto('product_images')
    .values(
      catalogue.products.flatMap((p) =>
        p.images.map((image, position) => ({
          product_id: lookup(productIds, p.slug, 'product'),
          position,
          path: image,
          alt: JSON.stringify(p.name),
        })),
      ),
    )
    .execute();

  const variants = catalogue.products.flatMap((p) => p.variants.map((v, position) => ({ product: p.slug, variant: v, position })));
  const variantRows = await tx
    .insertInto('variants')
    .values(
      variants.map(({ product, variant, position }) => ({
        product_id: lookup(productIds, product, 'product'),
        sku: variant.sku,
        shop_id: shopId,
        options: JSON.stringify(variant.options),
        expected_arrival: variant.expectedArrival,
        backorder_allowed: variant.backorderAllowed,
        position,
      })),
    )
    .returning(['id', 'sku'])
    .execute();
  const variantIds = idsBy(variantRows, 'sku');

  // CAT-6: one stock row per variant and location (0 where the file lists none),
  // so that later stock locks always find their row.
  await tx
    .insertInto('stock')
    .values(
      variants.flatMap(({ variant }) =>
        Object.entries(variant.stock).map(([code, quantity]) => ({
          variant_id: lookup(variantIds, variant.sku, 'variant'),
          location_id: lookup(locationIds, code, 'location'),
          quantity,
        })),
      ),
    )
    .execute();

  // PR-6: the price history starts with the seeded price, in force from `now`.
  await tx
    .insertInto('price_history')
    .values(
      variants.flatMap(({ variant }) =>
        variant.prices.map((price) => ({
          variant_id: lookup(variantIds, variant.sku, 'variant'),
          currency: price.currency,
          amount_minor: price.amount,
          effective_at: now,
          recorded_at: now,
        })),
      ),
    )
    .execute();

  return { products: productRows.length, variants: variantRows.length };
}
