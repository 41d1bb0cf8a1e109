// Issue 3 §2/§3: /api/admin/catalogue and /admin/catalogue — permissions,
// validation errors with stable codes naming the field (never a 500), audit
// entries, CSRF-protected back-office forms.
import { beforeAll, describe, expect, it } from 'vitest';
import { signIn, useTestApp } from '../../support/app.js';

const t = useTestApp('el');
let owner: string;
let warehouse: string;
let variantId: string;

beforeAll(async () => {
  owner = await signIn(t.app, t.owner.email, t.owner.password);
  const created = await t.app.inject({ method: 'POST', url: '/api/admin/staff', headers: { cookie: owner }, payload: { email: 'wh@el.test', role: 'warehouse', password: 'a-long-warehouse-password-1' } });
  expect(created.statusCode).toBe(201);
  warehouse = await signIn(t.app, 'wh@el.test', 'a-long-warehouse-password-1');
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, cookie: string, payload?: object) => t.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });

describe('/api/admin/catalogue', () => {
  it('creates a product and a variant, sets stock, adds a price — each audited with the staff member', async () => {
    const product = await call('POST', '/api/admin/catalogue/products', owner, {
      slug: 'chargeur-65w',
      category: 'accessories',
      name: { fr: 'Chargeur 65 W', en: '65 W charger' },
      description: { fr: 'Chargeur USB-C.', en: 'USB-C charger.' },
      ecoFee: 50,
    });
    expect(product.statusCode).toBe(201);
    const productId = (product.json() as { id: string }).id;
    const variant = await call('POST', `/api/admin/catalogue/products/${productId}/variants`, owner, { sku: 'EL-CHG-65', options: { colour: 'blanc' } });
    expect(variant.statusCode).toBe(201);
    variantId = (variant.json() as { id: string }).id;
    expect((await call('POST', `/api/admin/catalogue/variants/${variantId}/prices`, owner, { currency: 'EUR', amount: 3990 })).statusCode).toBe(201);
    const stock = await call('PUT', `/api/admin/catalogue/variants/${variantId}/stock`, warehouse, { levels: [{ location: 'warehouse', quantity: 12 }] });
    expect(stock.statusCode).toBe(200);
    expect(stock.json()).toEqual({ levels: [{ location: 'warehouse', kind: 'warehouse', before: 0, after: 12 }], backInStock: true });

    const detail = await call('GET', `/api/admin/catalogue/products/${productId}`, warehouse);
    expect(detail.json()).toMatchObject({ slug: 'chargeur-65w', ecoFee: { amount: 50, currency: 'EUR' }, variants: [{ sku: 'EL-CHG-65', prices: [{ amount: 3990, currency: 'EUR' }], stock: [{ location: 'warehouse', quantity: 12 }] }] });
    const store = await t.app.inject({ method: 'GET', url: '/api/store/products/chargeur-65w' });
    expect(store.json()).toMatchObject({ ecoFee: { amount: 50 }, variants: [{ price: { amount: 3990 }, availability: { state: 'in_stock' } }] });

    const audit = (await call('GET', '/api/admin/audit?limit=10', owner)).json() as { entries: { action: string; actor: string; target: string }[] };
    const actions = audit.entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['product.create', 'variant.create', 'price.add', 'stock.set']));
    expect(audit.entries.find((e) => e.action === 'stock.set')?.actor).not.toBe(audit.entries.find((e) => e.action === 'product.create')?.actor);
  });

  it.each([
    ['POST', '/products', { slug: 'casque-onde', category: null, name: { fr: 'a', en: 'b' }, description: { fr: 'a', en: 'b' } }, 409, 'product.slug_taken', 'slug'],
    ['POST', '/products', { slug: 'Bad Slug', category: null, name: { fr: 'a', en: 'b' }, description: { fr: 'a', en: 'b' } }, 422, 'product.invalid_slug', 'slug'],
    ['POST', '/products', { slug: 'x', category: null, name: { fr: 'a', en: 'b' }, description: { fr: 'a', en: 'b' }, ecoFee: -5 }, 422, 'product.eco_fee_negative', 'ecoFee'],
    ['POST', '/products', { slug: 'x', category: null, name: { fr: 'a' }, description: { fr: 'a', en: 'b' } }, 400, 'request.invalid', 'name.en'],
    ['PATCH', '/products/999999', { slug: 'y' }, 404, 'product.not_found', 'productId'],
    ['GET', '/products/abc', undefined, 400, 'request.invalid', 'id'],
    ['GET', '/products/99999999999999999999', undefined, 400, 'request.invalid', 'id'],
    ['GET', '/products/9999999999999999999', undefined, 404, 'product.not_found', 'productId'],
  ] as const)('%s %s is refused with a code naming the field', async (method, url, payload, status, code, field) => {
    const response = await call(method, `/api/admin/catalogue${url}`, owner, payload);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: { code, field } });
  });

  it('names the rule broken on variants, stock and prices — never a 500', async () => {
    const cases: [string, string, object, number, string, string][] = [
      ['POST', `/variants/${variantId}/prices`, { currency: 'EUR', amount: -1 }, 422, 'price.negative', 'amount'],
      ['POST', `/variants/${variantId}/prices`, { currency: 'GBP', amount: 100 }, 422, 'price.currency_not_sold', 'currency'],
      ['POST', `/variants/${variantId}/prices`, { currency: 'EUR', amount: 100, effectiveAt: '2020-01-01T00:00:00Z' }, 422, 'price.effective_in_past', 'effectiveAt'],
      ['POST', `/variants/${variantId}/prices`, { currency: 'EUR', amount: 1.5 }, 400, 'request.invalid', 'amount'],
      ['PUT', `/variants/${variantId}/stock`, { levels: [{ location: 'warehouse', quantity: -3 }] }, 422, 'stock.negative', 'levels.0.quantity'],
      ['PUT', `/variants/${variantId}/stock`, { levels: [{ location: 'moon', quantity: 3 }] }, 404, 'location.not_found', 'levels.0.location'],
      ['PATCH', `/variants/${variantId}`, { sku: 'EL-FLX-1TO' }, 409, 'variant.sku_taken', 'sku'],
      ['PATCH', `/variants/${variantId}`, { backorderAllowed: true }, 422, 'variant.backorder_needs_arrival', 'backorderAllowed'],
      ['POST', '/products/999999/variants', { sku: 'EL-NEW' }, 404, 'product.not_found', 'productId'],
    ];
    for (const [method, url, payload, status, code, field] of cases) {
      const response = await call(method as 'POST', `/api/admin/catalogue${url}`, owner, payload);
      expect(response.statusCode, `${method} ${url} ${code}`).toBe(status);
      expect(response.json(), `${method} ${url}`).toMatchObject({ error: { code, field } });
    }
  });

  it('checks permissions: warehouse staff set stock but neither prices nor products', async () => {
    expect((await call('POST', `/api/admin/catalogue/variants/${variantId}/prices`, warehouse, { currency: 'EUR', amount: 100 })).json()).toMatchObject({ error: { code: 'auth.forbidden' } });
    expect((await call('PATCH', `/api/admin/catalogue/variants/${variantId}`, warehouse, { sku: 'EL-X' })).statusCode).toBe(403);
    const history = await call('GET', `/api/admin/catalogue/variants/${variantId}/prices`, warehouse);
    expect(history.json()).toMatchObject({ prices: [{ amount: 3990, currency: 'EUR', scheduled: false }] });
  });
});

describe('/admin/catalogue pages', () => {
  async function csrfFrom(url: string, cookie: string): Promise<{ token: string; cookie: string }> {
    const page = await t.app.inject({ method: 'GET', url, headers: { cookie } });
    expect(page.statusCode).toBe(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    expect(token).toBeTruthy();
    const session = page.cookies.find((c) => c.name === 'comptoir_session');
    return { token: token!, cookie: session ? `comptoir_session=${encodeURIComponent(session.value)}` : cookie };
  }

  it('lists and searches products, shows a product and a variant with stock and price history', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/admin/catalogue?q=chargeur', headers: { cookie: owner } });
    expect(list.body).toContain('chargeur-65w');
    expect(list.body).not.toContain('casque-onde');
    const variant = await t.app.inject({ method: 'GET', url: `/admin/catalogue/variants/${variantId}?lang=en`, headers: { cookie: owner } });
    expect(variant.body).toContain('Schedule a price');
    expect(variant.body).toContain('name="qty_warehouse"');
  });

  it('schedules a price and sets stock through CSRF-protected forms; refuses a form without its token', async () => {
    const { token, cookie } = await csrfFrom(`/admin/catalogue/variants/${variantId}`, owner);
    const form = (fields: Record<string, string>) => ({ headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    const scheduled = await t.app.inject({ method: 'POST', url: `/admin/catalogue/variants/${variantId}/prices`, ...form({ _csrf: token, currency: 'EUR', amount: '34,90', effectiveAt: '2027-01-02T10:00' }) });
    expect(scheduled.statusCode).toBe(303);
    const history = (await call('GET', `/api/admin/catalogue/variants/${variantId}/prices`, owner)).json() as { prices: { amount: number; effectiveAt: string; scheduled: boolean }[] };
    // 10:00 in Paris in winter is 09:00 UTC.
    expect(history.prices[0]).toMatchObject({ amount: 3490, effectiveAt: '2027-01-02T09:00:00.000Z', scheduled: true });

    const stock = await t.app.inject({ method: 'POST', url: `/admin/catalogue/variants/${variantId}/stock`, ...form({ _csrf: token, qty_warehouse: '7' }) });
    expect(stock.statusCode).toBe(303);
    const negative = await t.app.inject({ method: 'POST', url: `/admin/catalogue/variants/${variantId}/stock`, ...form({ _csrf: token, qty_warehouse: '-7' }) });
    expect(negative.statusCode).toBe(422);
    expect(negative.json()).toMatchObject({ error: { code: 'stock.negative' } });

    const forged = await t.app.inject({ method: 'POST', url: `/admin/catalogue/variants/${variantId}/stock`, ...form({ qty_warehouse: '0' }) });
    expect(forged.statusCode).toBe(403);
  });

  it('creates a product from the list page', async () => {
    const { token, cookie } = await csrfFrom('/admin/catalogue', owner);
    const response = await t.app.inject({
      method: 'POST',
      url: '/admin/catalogue/products',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: token, slug: 'tapis-souris', category: 'accessories', name_fr: 'Tapis de souris', name_en: 'Mouse mat', description_fr: 'Tapis.', description_en: 'Mat.', ecoFee: '0', extraLeadWorkingDays: '0' }).toString(),
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toMatch(/^\/admin\/catalogue\/products\/\d+$/);
  });
});
