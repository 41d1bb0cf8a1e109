// Issue "Foundation" §8: the health check and the OpenAPI document.
import { describe, expect, it } from 'vitest';
import { TEST_START, useTestApp } from '../../support/app.js';

const t = useTestApp('fa');

describe('/health', () => {
  it('answers 200 once the database answers, with the shop and the engine clock', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', shop: 'fa', database: 'ok', clock: 'manual', now: new Date(TEST_START).toISOString() });
  });
});

describe('/docs', () => {
  it('serves the OpenAPI document listing the store and admin routes', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations).toEqual(
      expect.arrayContaining([
        'GET /api/store/shop',
        'GET /api/store/currencies',
        'GET /api/store/destinations',
        'GET /api/store/delivery-methods',
        'GET /api/store/payment-methods',
        'GET /api/store/withdrawal',
        'GET /api/store/terms',
        'GET /api/store/terms/current',
        'GET /api/store/terms/{id}',
        'GET /api/store/products',
        'POST /api/admin/session',
        'DELETE /api/admin/session',
        'GET /api/admin/me',
        'GET /api/admin/staff',
        'POST /api/admin/staff',
        'POST /api/admin/tokens',
        'DELETE /api/admin/tokens/{id}',
        'GET /api/admin/audit',
        'GET /api/admin/dev/clock',
        'POST /api/admin/dev/clock',
      ]),
    );
    // The zod schemas are the documented ones: a query parameter and a request body.
    const products = doc.paths['/api/store/products']!.get as { parameters: { name: string; in: string }[] };
    expect(products.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['query:currency', 'query:limit', 'query:offset']));
    const signIn = doc.paths['/api/admin/session']!.post as { requestBody: { content: Record<string, { schema: { required: string[] } }> } };
    expect(signIn.requestBody.content['application/json']!.schema.required).toEqual(['email', 'password']);
  });

  it('serves the documentation page', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs' });
    const page = response.statusCode === 302 ? await t.app.inject({ method: 'GET', url: response.headers.location! }) : response;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toMatch(/swagger/i);
  });
});
