// Back-office catalogue use cases: each one transaction, audited; rules named by code.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { addPrice, createProduct, createVariant, getProductForAdmin, listPriceHistory, updateProduct, updateVariant } from '../../src/app/catalogue-admin.js';
import { getProductDetail, listProducts } from '../../src/app/catalogue.js';
import { seedCatalogue } from '../../src/app/seed-catalogue.js';
import { DomainError } from '../../src/domain/errors.js';
import { listAudit } from '../../src/store/audit.js';
import { useTestDatabase } from '../support/database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const now = new Date('2026-11-20T09:00:00.000Z');
const later = (days: number) => new Date(now.getTime() + days * 86_400_000);
const t = useTestDatabase();
const actor = { kind: 'staff' as const, staffId: '' };
const product = {
  slug: 'cable-usb-c',
  categorySlug: 'accessories',
  name: { fr: 'Câble USB-C tressé', en: 'Braided USB-C cable' },
  description: { fr: 'Un câble.', en: 'A cable.' },
  composition: null,
  ecoFeeMinor: 10,
};

async function codeOf(p: Promise<unknown>): Promise<{ code: string; field: unknown }> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(DomainError);
  return { code: (e as DomainError).code, field: (e as DomainError).details.field };
}

let productId: string;
let variantId: string;

beforeAll(async () => {
  await t.db.insertInto('shops').values({ id: 'el', name: 'el', policy_hash: 'test', loaded_at: now }).execute();
  await seedCatalogue(t.db, { shopId: 'el', shopDir: path.join(root, 'shops', 'el'), now });
  actor.staffId = (await t.db.insertInto('staff').values({ shop_id: 'el', email: 'o@el.test', role: 'owner', password_hash: 'x', created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
});

describe('products', () => {
  it('creates a product at the end of the catalogue, searchable at once, audited', async () => {
    const created = await createProduct(t.db, { shopId: 'el', product: { ...product, flags: { secondHand: true } }, actor, now });
    productId = created.id;
    const admin = await getProductForAdmin(t.db, { shopId: 'el', productId, now });
    expect(admin).toMatchObject({ slug: 'cable-usb-c', categorySlug: 'accessories', ecoFeeMinor: 10, position: 10, flags: { secondHand: true, hygieneSealed: false }, variants: [] });
    expect((await listProducts(t.db, { shopId: 'el', search: 'cable tresse', currency: 'EUR', now, limit: 5, offset: 0 })).map((p) => p.slug)).toEqual(['cable-usb-c']);
    expect((await listAudit(t.db, 'el', { limit: 1 }))[0]).toMatchObject({ action: 'product.create', actor: `staff:${actor.staffId}`, target: `product:${productId}` });
  });

  it('refuses a taken slug, an unknown category, a negative eco-fee, empty names', async () => {
    expect(await codeOf(createProduct(t.db, { shopId: 'el', product: { ...product, slug: 'casque-onde' }, actor, now }))).toEqual({ code: 'product.slug_taken', field: 'slug' });
    expect(await codeOf(createProduct(t.db, { shopId: 'el', product: { ...product, slug: 'x-1', categorySlug: 'nope' }, actor, now }))).toEqual({ code: 'product.unknown_category', field: 'category' });
    expect(await codeOf(createProduct(t.db, { shopId: 'el', product: { ...product, slug: 'x-2', ecoFeeMinor: -1 }, actor, now }))).toEqual({ code: 'product.eco_fee_negative', field: 'ecoFee' });
    expect(await codeOf(createProduct(t.db, { shopId: 'el', product: { ...product, slug: 'x-3', name: { fr: ' ', en: 'x' } }, actor, now }))).toEqual({ code: 'product.text_required', field: 'name.fr' });
    expect(await codeOf(updateProduct(t.db, { shopId: 'el', productId: '999999', patch: {}, actor, now }))).toEqual({ code: 'product.not_found', field: 'productId' });
  });

  it('updates names, flags and the eco-fee (CAT-7: for what is sold from now on)', async () => {
    await updateProduct(t.db, { shopId: 'el', productId, patch: { name: { fr: 'Câble USB-C', en: 'USB-C cable' }, flags: { perishable: true }, ecoFeeMinor: 20 }, actor, now });
    const p = await getProductDetail(t.db, { shopId: 'el', slug: 'cable-usb-c', currency: 'EUR', now });
    expect(p).toMatchObject({ name: { en: 'USB-C cable' }, ecoFeeMinor: 20, flags: { perishable: true, secondHand: true } });
  });
});

describe('variants', () => {
  it('creates a variant with a stock row at every location; the SKU is unique in the shop', async () => {
    variantId = (await createVariant(t.db, { shopId: 'el', productId, variant: { sku: 'EL-USBC-1M', options: { length: '1 m' }, expectedArrival: null, backorderAllowed: false }, actor, now })).id;
    const admin = await getProductForAdmin(t.db, { shopId: 'el', productId, now });
    expect(admin.variants).toEqual([expect.objectContaining({ sku: 'EL-USBC-1M', options: { length: '1 m' }, prices: [], stock: [expect.objectContaining({ code: 'warehouse', quantity: 0 })] })]);
    expect(await codeOf(createVariant(t.db, { shopId: 'el', productId, variant: { sku: 'EL-FLX-1TO', options: {}, expectedArrival: null, backorderAllowed: false }, actor, now }))).toEqual({ code: 'variant.sku_taken', field: 'sku' });
    expect(await codeOf(createVariant(t.db, { shopId: 'el', productId, variant: { sku: 'lower', options: {}, expectedArrival: null, backorderAllowed: false }, actor, now }))).toEqual({ code: 'variant.invalid_sku', field: 'sku' });
  });

  it('CAT-2: a back-order needs an expected arrival date', async () => {
    expect(await codeOf(updateVariant(t.db, { shopId: 'el', variantId, patch: { backorderAllowed: true }, actor, now }))).toEqual({ code: 'variant.backorder_needs_arrival', field: 'backorderAllowed' });
    await updateVariant(t.db, { shopId: 'el', variantId, patch: { backorderAllowed: true, expectedArrival: '2027-02-01' }, actor, now });
    const p = await getProductDetail(t.db, { shopId: 'el', slug: 'cable-usb-c', currency: 'EUR', now });
    expect(p.variants[0]!.availability).toEqual({ state: 'awaiting_stock', expectedArrival: '2027-02-01', backorderAllowed: true });
    expect(await codeOf(updateVariant(t.db, { shopId: 'el', variantId, patch: { expectedArrival: '2027-02-30' }, actor, now }))).toEqual({ code: 'variant.invalid_arrival', field: 'expectedArrival' });
  });
});

describe('prices (PR-4 / PR-6)', () => {
  it('adds a price now and schedules one later; the history keeps both, the scheduled one not in force yet', async () => {
    const first = await addPrice(t.db, { shopId: 'el', variantId, currency: 'EUR', amountMinor: 1990, currencies: ['EUR'], actor, now });
    expect(first).toMatchObject({ amountMinor: 1990, scheduled: false, effectiveAt: now });
    const scheduled = await addPrice(t.db, { shopId: 'el', variantId, currency: 'EUR', amountMinor: 1490, effectiveAt: later(10), currencies: ['EUR'], actor, now });
    expect(scheduled.scheduled).toBe(true);
    expect((await listPriceHistory(t.db, { shopId: 'el', variantId, now })).map((p) => [p.amountMinor, p.scheduled])).toEqual([[1490, true], [1990, false]]);
    expect((await getProductDetail(t.db, { shopId: 'el', slug: 'cable-usb-c', currency: 'EUR', now })).variants[0]!.price).toEqual({ amount: 1990, currency: 'EUR' });
    expect((await getProductDetail(t.db, { shopId: 'el', slug: 'cable-usb-c', currency: 'EUR', now: later(10) })).variants[0]!.price).toEqual({ amount: 1490, currency: 'EUR' });
    expect((await listAudit(t.db, 'el', { limit: 1 }))[0]).toMatchObject({ action: 'price.schedule', details: { amountMinor: 1490, currency: 'EUR' } });
  });

  it('refuses a negative price, a currency without price list, an instant in the past', async () => {
    const base = { shopId: 'el', variantId, currency: 'EUR', amountMinor: 100, currencies: ['EUR'] as const, actor, now };
    expect(await codeOf(addPrice(t.db, { ...base, amountMinor: -1 }))).toEqual({ code: 'price.negative', field: 'amount' });
    expect(await codeOf(addPrice(t.db, { ...base, currency: 'GBP' }))).toEqual({ code: 'price.currency_not_sold', field: 'currency' });
    expect(await codeOf(addPrice(t.db, { ...base, effectiveAt: later(-1) }))).toEqual({ code: 'price.effective_in_past', field: 'effectiveAt' });
    expect(await codeOf(addPrice(t.db, { ...base, variantId: '999999' }))).toEqual({ code: 'variant.not_found', field: 'variantId' });
  });

  it('the database refuses to update or delete a price row', async () => {
    await expect(sql`UPDATE price_history SET amount_minor = 1 WHERE variant_id = ${variantId}::bigint`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM price_history WHERE variant_id = ${variantId}::bigint`.execute(t.db)).rejects.toThrow(/append-only/);
  });
});
