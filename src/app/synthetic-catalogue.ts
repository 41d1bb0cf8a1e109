// `comptoir seed --products N`: synthetic products for benchmarks, generated
// in bulk by PostgreSQL (INSERT … SELECT generate_series), not row by row, so
// 100 000 products take seconds. Each has one variant, a stock row per
// location, an image and a price in each currency of the shop's price lists.
// Names mix FR/EN words (with accents) so that search has something to find.
import { sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Currency } from '../domain/money.js';
import type { Db } from '../store/db.js';
import { refreshProductCards } from '../store/product-cards.js';

export async function seedSyntheticProducts(db: Db, input: { shopId: string; count: number; currencies: readonly Currency[]; now: Date }): Promise<{ products: number }> {
  const { shopId, count, now } = input;
  if (!Number.isSafeInteger(count) || count < 1 || count > 10_000_000) {
    throw new DomainError('seed.invalid_count', { field: 'products' }, 'Give a number of products between 1 and 10 000 000.');
  }
  return db.transaction().execute(async (tx) => {
    await tx.selectFrom('shops').select('id').where('id', '=', shopId).forUpdate().executeTakeFirstOrThrow();
    // Numbering continues after earlier synthetic runs, so slugs and SKUs stay unique.
    const { rows } = await sql<{ first: string; image: string | null }>`
      SELECT coalesce(max(substring(slug FROM '^synthetic-(\\d+)$')::bigint), 0) + 1 AS first,
             (SELECT pi.path FROM product_images pi JOIN products p2 ON p2.id = pi.product_id WHERE p2.shop_id = ${shopId} ORDER BY p2.id, pi.position LIMIT 1) AS image
      FROM products WHERE shop_id = ${shopId}`.execute(tx);
    const first = Number(rows[0]?.first ?? 1);
    const image = rows[0]?.image ?? 'synthetic.svg';
    const last = first + count - 1;
    await sql`
      WITH cats AS (SELECT array_agg(id ORDER BY id) AS ids FROM categories WHERE shop_id = ${shopId}),
           words AS (SELECT ARRAY['Écran','Casque','Chemise','Parfum','Clavier','Sacoche','Bague','Robe','Enceinte','Crème','Montre','Veste'] AS fr,
                            ARRAY['Monitor','Headphones','Shirt','Perfume','Keyboard','Bag','Ring','Dress','Speaker','Cream','Watch','Jacket'] AS en,
                            ARRAY['bleu','rouge','vert','noir','blanc','doré','argenté','rosé'] AS colour_fr,
                            ARRAY['blue','red','green','black','white','golden','silver','pink'] AS colour_en)
      INSERT INTO products (shop_id, slug, category_id, name, description, position, created_at)
      SELECT ${shopId}, 'synthetic-' || n,
             CASE WHEN cardinality(cats.ids) > 0 THEN cats.ids[1 + n % cardinality(cats.ids)] END,
             jsonb_build_object('fr', words.fr[1 + n % 12] || ' ' || words.colour_fr[1 + (n / 12) % 8] || ' ' || n,
                                'en', words.colour_en[1 + (n / 12) % 8] || ' ' || words.en[1 + n % 12] || ' ' || n),
             jsonb_build_object('fr', 'Produit de démonstration n° ' || n, 'en', 'Demonstration product no. ' || n),
             100000 + n, ${now}
      FROM generate_series(${first}::bigint, ${last}::bigint) AS n, cats, words`.execute(tx);
    await sql`
      INSERT INTO product_images (product_id, position, path, alt)
      SELECT id, 0, ${image}, name FROM products p WHERE shop_id = ${shopId} AND position BETWEEN ${100000 + first} AND ${100000 + last} AND p.slug LIKE 'synthetic-%'`.execute(tx);
    await sql`
      INSERT INTO variants (product_id, sku, shop_id, options, position)
      SELECT id, 'SYN-' || (position - 100000), ${shopId}, '{}', 0 FROM products p WHERE shop_id = ${shopId} AND position BETWEEN ${100000 + first} AND ${100000 + last} AND p.slug LIKE 'synthetic-%'`.execute(tx);
    await sql`
      INSERT INTO stock (variant_id, location_id, quantity)
      SELECT v.id, l.id, CASE WHEN l.kind = 'warehouse' THEN (v.id % 5)::int ELSE 0 END
      FROM variants v JOIN products p ON p.id = v.product_id JOIN locations l ON l.shop_id = v.shop_id
      WHERE p.shop_id = ${shopId} AND p.position BETWEEN ${100000 + first} AND ${100000 + last} AND p.slug LIKE 'synthetic-%'`.execute(tx);
    for (const currency of input.currencies) {
      await sql`
        INSERT INTO price_history (variant_id, currency, amount_minor, effective_at, recorded_at)
        SELECT v.id, ${currency}, 500 + (v.id * 37) % 50000, ${now}, ${now}
        FROM variants v JOIN products p ON p.id = v.product_id
        WHERE p.shop_id = ${shopId} AND p.position BETWEEN ${100000 + first} AND ${100000 + last} AND p.slug LIKE 'synthetic-%'`.execute(tx);
    }
    // The listing's cards, set-based like the rows above — after fresh statistics (ANALYZE counts this
    // transaction's own rows): with the sizes of before the seed (another shop's 100 000 products, say),
    // the planner picks nested loops over the new rows and the refresh runs for many minutes.
    await sql`ANALYZE products, variants, stock, price_history, product_images`.execute(tx);
    await refreshProductCards(tx, { shopId, now });
    return { products: count };
  }).then(async (result) => {
    // Fresh statistics, so the planner knows the table's new size at once.
    await sql`ANALYZE product_cards`.execute(db);
    return result;
  });
}
