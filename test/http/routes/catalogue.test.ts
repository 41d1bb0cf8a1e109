// Issue 3 §2/§3: the catalogue through HTTP (store API and storefront pages)
// for several shops — EL eco-fee per unit and awaiting-stock arrival date, PF
// in GBP, FA hygiene-sealed flag, PR-6 scheduled reduction with the manual clock.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { signIn, useTestApp, type TestApp } from '../../support/app.js';

async function get<T = Record<string, unknown>>(t: TestApp, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T; text: string }> {
  const response = await t.app.inject({ method: 'GET', url, headers });
  const text = response.body;
  return { status: response.statusCode, body: (String(response.headers['content-type'] ?? '').includes('json') ? response.json() : {}) as T, text };
}

type Detail = { ecoFee: { amount: number; currency: string } | null; variants: { id: string; sku: string; price: unknown; priceDisplay: unknown; availability: Record<string, unknown> }[]; flags: Record<string, unknown> };
const html = { accept: 'text/html' };

describe('EL — eco-fee per unit, awaiting stock with its arrival date', () => {
  const t = useTestApp('el');

  it('GET /api/store/products/:slug gives variants, availability per variant and the eco-fee apart (PR-3, CAT-2)', async () => {
    const { status, body } = await get<Detail>(t, '/api/store/products/routeur-maille');
    expect(status).toBe(200);
    expect(body.ecoFee).toEqual({ amount: 25, currency: 'EUR' });
    expect(body.variants.map((v) => [v.sku, v.availability])).toEqual([
      ['EL-MAI-1', { state: 'awaiting_stock', expectedArrival: '2027-01-11', backorderAllowed: true }],
      ['EL-MAI-3', { state: 'awaiting_stock', expectedArrival: '2026-12-21', backorderAllowed: false }],
    ]);
    expect(body.variants[0]!.priceDisplay).toEqual({ current: { amount: 14900, currency: 'EUR' }, reduced: null });
  });

  it('the product page shows the eco-fee per unit, the arrival date, the back-order and the alert form', async () => {
    const { status, text } = await get(t, '/products/routeur-maille?lang=en', html);
    expect(status).toBe(200);
    expect(text).toContain('+ €0.25 WEEE eco-fee per unit');
    expect(text).toContain('Awaiting stock, expected on 11 January 2027');
    expect(text).toContain('Back-order');
    expect(text).toMatch(/<form method="post" action="\/cart\/lines"[^>]*>[\s\S]*?name="variantId"[\s\S]*?name="quantity"/);
    expect(text).toMatch(/action="\/stock-alerts"/);
    const fr = await get(t, '/products/routeur-maille?lang=fr', html);
    expect(fr.text).toContain('arrivée prévue le 11 janvier 2027');
    expect(fr.text).toContain('éco-participation 0,25');
  });

  it('GET /api/store/products: category, search, pages; /api/store/categories', async () => {
    const audio = await get<{ total: number; hasMore: boolean; products: { slug: string }[] }>(t, '/api/store/products?category=audio&total=true');
    expect(audio.body).toMatchObject({ total: 2, hasMore: false });
    const search = await get<{ total: number; products: { slug: string; ecoFee: unknown }[] }>(t, '/api/store/products?q=ECRAN');
    expect(search.body.products.map((p) => p.slug)).toEqual(['ecran-panorama-27']);
    expect(search.body.products[0]!.ecoFee).toEqual({ amount: 250, currency: 'EUR' });
    // issue 3 §9: the catalogue is counted only when asked (total=true); hasMore comes with every page.
    const page = await get<{ total?: number; hasMore: boolean; limit: number; offset: number; products: unknown[] }>(t, '/api/store/products?limit=3&offset=3');
    expect(page.body).toMatchObject({ hasMore: true, limit: 3, offset: 3 });
    expect(page.body.total).toBeUndefined();
    expect((await get<{ total: number }>(t, '/api/store/products?limit=3&offset=3&total=true')).body.total).toBe(10);
    expect((await get<{ hasMore: boolean }>(t, '/api/store/products?limit=3&offset=9')).body.hasMore).toBe(false);
    expect(page.body.products).toHaveLength(3);
    const cats = await get<{ categories: { slug: string; products: number }[] }>(t, '/api/store/categories');
    expect(cats.body.categories.find((c) => c.slug === 'audio')).toMatchObject({ products: 2 });
    expect((await get(t, '/api/store/products?limit=500')).status).toBe(400);
    expect((await get(t, '/api/store/products/nope')).body).toMatchObject({ error: { code: 'product.not_found' } });
  });

  it('/catalogue filters by category and search without JavaScript, and pages', async () => {
    const { status, text } = await get(t, '/catalogue?category=audio&lang=en', html);
    expect(status).toBe(200);
    expect(text).toContain('href="/products/casque-onde"');
    expect(text).not.toContain('href="/products/ssd-flux"');
    expect(text).toMatch(/<form method="get" action="\/catalogue"/);
    const search = await get(t, '/catalogue?q=monitor', html);
    expect(search.text).toContain('href="/products/ecran-panorama-27"');
    expect((await get(t, '/catalogue?page=0', html)).status).toBe(422);
    expect((await get(t, '/products/nope', html)).status).toBe(404);
  });

  it('PR-6: a scheduled price is not shown before its instant, then shows as a reduction from the 30-day lowest', async () => {
    const cookie = await signIn(t.app, t.owner.email, t.owner.password);
    const detail = await get<Detail>(t, '/api/store/products/casque-onde');
    const variant = detail.body.variants[0]!;
    const now = new Date((await get<{ now: string }>(t, '/api/admin/dev/clock', { cookie })).body.now);
    const current = (variant.price as { amount: number }).amount;
    const scheduledAt = new Date(now.getTime() + 40 * 86_400_000);
    const added = await t.app.inject({
      method: 'POST',
      url: `/api/admin/catalogue/variants/${variant.id}/prices`,
      headers: { cookie },
      payload: { currency: 'EUR', amount: current - 2000, effectiveAt: scheduledAt.toISOString() },
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ scheduled: true });

    type Listed = { products: { slug: string; price: { amount: number } | null }[] };
    const listedPrice = async () => (await get<Listed>(t, '/api/store/products?q=casque')).body.products.find((p) => p.slug === 'casque-onde')!.price!.amount;
    const listedBefore = await listedPrice();

    const before = await get<Detail>(t, '/api/store/products/casque-onde');
    expect(before.body.variants[0]!.priceDisplay).toEqual({ current: { amount: current, currency: 'EUR' }, reduced: null });
    expect((await get(t, '/products/casque-onde?lang=en', html)).text).not.toContain('Reference price');

    const moved = await t.app.inject({ method: 'POST', url: '/api/admin/dev/clock', headers: { cookie }, payload: { to: scheduledAt.toISOString() } });
    expect(moved.statusCode).toBe(200);
    const after = await get<Detail>(t, '/api/store/products/casque-onde');
    const percentOff = Math.floor((2000 * 100) / current);
    expect(after.body.variants[0]!.priceDisplay).toEqual({
      current: { amount: current - 2000, currency: 'EUR' },
      reduced: { reference: { amount: current, currency: 'EUR' }, percentOff, since: scheduledAt.toISOString() },
    });
    // The listing follows too (lowest price of the variants), from its card: the
    // product_card.refresh timer fired at the scheduled instant.
    expect(await listedPrice()).toBe(Math.min(listedBefore, current - 2000));
    const { rows } = await sql<{ price: { minor: number; from: number } }>`
      SELECT c.prices -> 'EUR' AS price FROM product_cards c WHERE c.shop_id = 'el' AND c.slug = 'casque-onde'`.execute(t.ctx.db);
    expect(rows[0]!.price).toMatchObject({ minor: Math.min(listedBefore, current - 2000), from: scheduledAt.getTime() });
    const page = await get(t, '/products/casque-onde?lang=en', html);
    expect(page.text).toContain('Reference price');
    expect(page.text).toContain(`−${percentOff} %`);
    expect(page.text).toContain('lowest price of the 30 days before the reduction');
  });
});

describe('PF — prices in GBP', () => {
  const t = useTestApp('pf');

  it('lists and details in GBP when asked; refuses a currency it does not sell in', async () => {
    const list = await get<{ products: { slug: string; price: unknown }[] }>(t, '/api/store/products?currency=GBP&q=figue');
    expect(list.body.products[0]).toMatchObject({ slug: 'figue-ardente', price: { amount: 5200, currency: 'GBP' } });
    const detail = await get<Detail & { currency: string }>(t, '/api/store/products/figue-ardente?currency=GBP');
    expect(detail.body.currency).toBe('GBP');
    expect(detail.body.variants.map((v) => [v.sku, v.price]).slice(0, 2)).toEqual([
      ['PF-FIG-30', { amount: 5200, currency: 'GBP' }],
      ['PF-FIG-50', { amount: 7500, currency: 'GBP' }],
    ]);
    expect(detail.body.ecoFee).toBeNull();
    expect((await get(t, '/api/store/products?currency=USD')).status).toBe(400);
  });

  it('shows the personalised flag with its extra lead time (CAT-5)', async () => {
    const { text } = await get(t, '/products/iris-poudre-grave?lang=en', html);
    expect(text).toContain('15 extra working days before dispatch');
  });
});

describe('FA — hygiene-sealed goods', () => {
  const t = useTestApp('fa');

  it('says in plain words that a sealed item cannot be returned once unsealed (CAT-4)', async () => {
    expect((await get<Detail>(t, '/api/store/products/maillot-calanque')).body.flags).toMatchObject({ hygieneSealed: true });
    expect((await get(t, '/products/maillot-calanque?lang=en', html)).text).toContain('Cannot be returned once unsealed');
    expect((await get(t, '/products/maillot-calanque?lang=fr', html)).text).toContain('Ne peut être retourné une fois descellé');
  });
});
