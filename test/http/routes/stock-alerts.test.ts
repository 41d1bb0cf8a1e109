// CAT-2 over HTTP: POST /api/store/stock-alerts and the product page's form
// handler POST /stock-alerts (CSRF, redirect back with the outcome).
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { setStock } from '../../../src/app/stock.js';
import { useTestApp } from '../../support/app.js';

const t = useTestApp('el');
let outOfStock: string;
let inStock: string;

function sessionOf(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === 'comptoir_session');
  if (!cookie) throw new Error('no session cookie');
  return `comptoir_session=${encodeURIComponent(cookie.value)}`;
}

/** A session holding a CSRF secret, and the token that goes with it (any page with a form gives one). */
async function csrfSession(): Promise<{ cookie: string; csrf: string }> {
  const page = await t.app.inject({ method: 'GET', url: '/admin/login' });
  return { cookie: sessionOf(page), csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! };
}

function postForm(fields: Record<string, string>, cookie?: string, remoteAddress = '127.0.0.1') {
  return t.app.inject({
    method: 'POST',
    url: '/stock-alerts',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    payload: new URLSearchParams(fields).toString(),
    remoteAddress,
  });
}

beforeAll(async () => {
  const variants = await t.ctx.db.selectFrom('variants').select('id').where('shop_id', '=', 'el').orderBy('id').limit(2).execute();
  [outOfStock, inStock] = [variants[0]!.id, variants[1]!.id];
  const warehouse = await t.ctx.db.selectFrom('locations').select('code').where('shop_id', '=', 'el').where('kind', '=', 'warehouse').executeTakeFirstOrThrow();
  const now = await t.ctx.clock.now();
  await setStock(t.ctx.db, { shopId: 'el', variantId: outOfStock, levels: [{ locationCode: warehouse.code, quantity: 0 }], actor: { kind: 'system' }, now });
  await setStock(t.ctx.db, { shopId: 'el', variantId: inStock, levels: [{ locationCode: warehouse.code, quantity: 2 }], actor: { kind: 'system' }, now });
});

describe('POST /api/store/stock-alerts', () => {
  const post = (payload: object, remoteAddress = '10.0.0.1') => t.app.inject({ method: 'POST', url: '/api/store/stock-alerts', payload, remoteAddress });

  it('subscribes (201), idempotently', async () => {
    const first = await post({ variantId: outOfStock, email: 'Chloe@Example.com', language: 'en' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ created: true, alert: { variantId: outOfStock, email: 'chloe@example.com', language: 'en' } });
    const again = await post({ variantId: Number(outOfStock), email: 'chloe@example.com' });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ created: false, alert: { id: first.json().alert.id } });
  });

  it('answers 4xx with stable codes', async () => {
    const inStockAnswer = await post({ variantId: inStock, email: 'a@example.com' }, '10.0.0.2');
    expect(inStockAnswer.statusCode).toBe(422);
    expect(inStockAnswer.json()).toMatchObject({ error: { code: 'stock_alert.in_stock', field: 'variantId', rule: 'CAT-2' } });
    const badEmail = await post({ variantId: outOfStock, email: 'nope' }, '10.0.0.2');
    expect(badEmail.statusCode).toBe(422);
    expect(badEmail.json()).toMatchObject({ error: { code: 'stock_alert.invalid_email', field: 'email' } });
    const unknown = await post({ variantId: '987654321', email: 'a@example.com' }, '10.0.0.2');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'variant.not_found' } });
    const malformed = await post({ variantId: 'x', email: 'a@example.com' }, '10.0.0.2');
    expect(malformed.statusCode).toBe(400);
  });

  it('is rate-limited per client', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await post({ variantId: outOfStock, email: `r${i}@example.com` }, '10.0.0.3')).statusCode);
    expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('POST /stock-alerts (the product page form)', () => {
  it('refuses a post without its CSRF token', async () => {
    const response = await postForm({ variantId: outOfStock, email: 'x@example.com', returnTo: '/products/x' });
    expect(response.statusCode).toBe(403);
  });

  it('subscribes and redirects back with a confirmation; errors come back the same way', async () => {
    const { cookie, csrf } = await csrfSession();
    const ok = await postForm({ _csrf: csrf, variantId: outOfStock, email: 'form@example.com', language: 'fr', returnTo: '/products/some-chair' }, cookie, '10.0.1.1');
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/products/some-chair?stockAlert=subscribed#stock-alert');
    const alerts = await t.ctx.db.selectFrom('stock_alerts').selectAll().where('email', '=', 'form@example.com').execute();
    expect(alerts).toMatchObject([{ variant_id: outOfStock, language: 'fr', notified_at: null }]);

    const bad = await postForm({ _csrf: csrf, variantId: outOfStock, email: 'nope', returnTo: '/products/some-chair' }, cookie, '10.0.1.1');
    expect(bad.headers.location).toBe('/products/some-chair?stockAlert=invalid_email#stock-alert');
    const available = await postForm({ _csrf: csrf, variantId: inStock, email: 'a@example.com', returnTo: '/products/some-chair' }, cookie, '10.0.1.1');
    expect(available.headers.location).toBe('/products/some-chair?stockAlert=in_stock#stock-alert');
  });

  it('never redirects off the storefront', async () => {
    const { cookie, csrf } = await csrfSession();
    for (const returnTo of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '/admin/staff', 'javascript:alert(1)']) {
      const response = await postForm({ _csrf: csrf, variantId: outOfStock, email: 'safe@example.com', returnTo }, cookie, '10.0.1.2');
      expect(response.statusCode, returnTo).toBe(303);
      expect(response.headers.location, returnTo).toBe('/?stockAlert=subscribed#stock-alert');
    }
  });
});
