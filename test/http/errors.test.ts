// Errors are part of the API (style.md §6): bad input always gives a 4xx JSON
// `{ error: { code, message, field } }`, never a 500.
import Fastify, { type InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { registerErrorHandling, statusFor } from '../../src/http/errors.js';
import { useTestApp } from '../support/app.js';

const t = useTestApp('fa');

let client = 0;

async function expectError(options: InjectOptions, status: number, error: { code: string; field?: string }): Promise<void> {
  const label = `${options.method ?? 'GET'} ${options.url}`;
  // Each call from its own address: the sign-in route, the one JSON body open to anyone, is rate-limited.
  const response = await t.app.inject({ remoteAddress: `192.0.2.${++client}`, ...options });
  expect(response.statusCode, label).toBe(status);
  expect(response.headers['content-type'], label).toMatch(/^application\/json/);
  const body = response.json() as { error: { code: string; message: string; field?: string } };
  expect(body.error, label).toMatchObject(error);
  expect(body.error.message, label).toEqual(expect.any(String));
  expect(body.error.message.length, label).toBeGreaterThan(0);
}

describe('bad input', () => {
  it('refuses a body that is not JSON with 400', async () => {
    await expectError({ method: 'POST', url: '/api/admin/session', headers: { 'content-type': 'application/json' }, payload: '{"email": "a@b.c", ' }, 400, {
      code: 'request.invalid_json',
      field: 'body',
    });
  });

  it('refuses an empty JSON body with 400', async () => {
    await expectError({ method: 'POST', url: '/api/admin/session', headers: { 'content-type': 'application/json' }, payload: '' }, 400, { code: 'request.invalid_json', field: 'body' });
  });

  it('refuses a body that is JSON but not an object with 400', async () => {
    await expectError({ method: 'POST', url: '/api/admin/session', payload: [1, 2] }, 400, { code: 'request.invalid', field: 'body' });
    await expectError({ method: 'POST', url: '/api/admin/session', headers: { 'content-type': 'application/json' }, payload: 'null' }, 400, { code: 'request.invalid', field: 'body' });
  });

  it('refuses an unsupported media type with 415, and plain text as a body of the wrong type', async () => {
    await expectError({ method: 'POST', url: '/api/admin/session', headers: { 'content-type': 'text/plain' }, payload: 'email=a' }, 400, { code: 'request.invalid', field: 'body' });
    await expectError({ method: 'POST', url: '/api/admin/session', headers: { 'content-type': 'application/xml' }, payload: '<email>a</email>' }, 415, { code: 'request.unsupported_media_type', field: 'body' });
  });

  it('refuses a text PostgreSQL cannot store (a NUL byte) with 400, not 500', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/store/withdrawals/lookup', payload: { orderNumber: 'FA\u0000X', email: 'a@b.example' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('request.invalid_text');
  });

  it('names the missing field', async () => {
    await expectError({ method: 'POST', url: '/api/admin/session', payload: { password: 'something long enough' } }, 400, { code: 'request.invalid', field: 'email' });
    await expectError({ method: 'POST', url: '/api/admin/session', payload: { email: 'a@b.c' } }, 400, { code: 'request.invalid', field: 'password' });
  });

  it('names the field of the wrong type', async () => {
    await expectError({ method: 'POST', url: '/api/admin/session', payload: { email: 42, password: 'x' } }, 400, { code: 'request.invalid', field: 'email' });
    await expectError({ method: 'POST', url: '/api/admin/session', payload: { email: 'a@b.c', password: { $ne: '' } } }, 400, { code: 'request.invalid', field: 'password' });
  });

  it('names the query parameter at fault', async () => {
    await expectError({ method: 'GET', url: '/api/store/delivery-methods?country=France' }, 400, { code: 'request.invalid', field: 'country' });
    await expectError({ method: 'GET', url: '/api/store/delivery-methods?country=FR&country=DE' }, 400, { code: 'request.invalid', field: 'country' });
    await expectError({ method: 'GET', url: '/api/store/products?limit=1e3' }, 400, { code: 'request.invalid', field: 'limit' });
  });

  it('refuses a body too large with 413', async () => {
    await expectError({ method: 'POST', url: '/api/admin/session', payload: { email: 'a@b.c', password: 'x'.repeat(2 * 1024 * 1024) } }, 413, { code: 'request.body_too_large', field: 'body' });
  });

  it('names the path parameter at fault', async () => {
    await expectError({ method: 'GET', url: `/api/store/terms/${'v'.repeat(65)}` }, 400, { code: 'request.invalid', field: 'id' });
  });

  it('answers 404 route.not_found for an unknown route or method, on the API and off it', async () => {
    await expectError({ method: 'GET', url: '/api/store/nothing-here' }, 404, { code: 'route.not_found' });
    await expectError({ method: 'PUT', url: '/api/store/shop' }, 404, { code: 'route.not_found' });
    await expectError({ method: 'GET', url: '/no/such/page?x=1' }, 404, { code: 'route.not_found' });
  });
});

describe('the mapping of errors', () => {
  it('maps codes to statuses in one table', () => {
    expect(statusFor('auth.required')).toBe(401);
    expect(statusFor('auth.invalid_token')).toBe(401);
    expect(statusFor('auth.forbidden')).toBe(403);
    expect(statusFor('terms.not_found')).toBe(404);
    expect(statusFor('staff.email_taken')).toBe(409);
    expect(statusFor('clock.backwards')).toBe(409);
    expect(statusFor('clock.invalid_duration')).toBe(400);
    expect(statusFor('destination.not_served')).toBe(422);
    expect(statusFor('payment.provider_unavailable')).toBe(503); // the order is kept; the same submit opens the payment page later
  });

  it('answers an unexpected failure with 500 and a message that reveals nothing', async () => {
    const app = Fastify({ logger: false });
    registerErrorHandling(app);
    app.get('/boom', async () => {
      throw new Error('connection to 10.0.0.5 refused for user admin');
    });
    app.get('/domain', async () => {
      throw new DomainError('cart.max_quantity_per_reference', { field: 'quantity', rule: 'CAT-3', limit: 3 });
    });
    const boom = await app.inject({ method: 'GET', url: '/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({ error: { code: 'internal', message: expect.any(String) } });
    expect(boom.body).not.toContain('10.0.0.5');

    const domain = await app.inject({ method: 'GET', url: '/domain' });
    expect(domain.statusCode).toBe(422);
    expect(domain.json()).toEqual({ error: { code: 'cart.max_quantity_per_reference', message: expect.any(String), field: 'quantity', rule: 'CAT-3', details: { limit: 3 } } });
    await app.close();
  });
});
