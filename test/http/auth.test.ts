// Issue "Foundation" §9: every back-office route refuses whoever is not a
// signed-in staff member. The routes are read from the server itself, so a
// route added later without protection makes this test fail; only the
// allow-list below may be reached anonymously.
import type { FastifyInstance, InjectOptions } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { signIn, useTestApp } from '../support/app.js';

type Route = { method: string; path: string };

/** Every route of the server, from `printRoutes` (a tree: each line adds its segment to its parent's path). */
export async function routesOf(app: FastifyInstance): Promise<Route[]> {
  await app.ready();
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^(.*?)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = [...match[1]!].length / 4;
    const path = `${depth > 0 ? stack[depth - 1]! : ''}${match[2]!}`.replace(/\/{2,}/g, '/');
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, path });
  }
  return routes;
}

/** Routes reachable without being signed in: signing in, and signing out (which needs no account). */
const allowList = new Set(['POST /api/admin/session', 'DELETE /api/admin/session', 'GET /admin/login', 'HEAD /admin/login', 'POST /admin/login', 'POST /admin/logout']);

const key = (r: Route) => `${r.method} ${r.path}`;
const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, '1');

/**
 * The placeholder `1` may name nothing (there is no order number "1"): a route
 * with a parameter then answers its own `<thing>.not_found` (404), which it only
 * does once access was granted. `route.not_found` would mean no route: refused.
 */
function letIn(route: Route, response: { statusCode: number; body: string }): boolean {
  if (response.statusCode === 200) return true;
  if (response.statusCode !== 404 || !/\/:[A-Za-z]+/.test(route.path)) return false;
  const code = (JSON.parse(response.body) as { error?: { code?: string } }).error?.code ?? '';
  return code.endsWith('.not_found') && code !== 'route.not_found';
}

const t = useTestApp('fa');
let apiRoutes: Route[];
let pageRoutes: Route[];
let ownerCookie: string;
let ownerToken: string;
let revokedToken: string;

beforeAll(async () => {
  const routes = await routesOf(t.app);
  const keys = routes.map(key);
  // The enumeration must see the routes we know of, or it would prove nothing.
  expect(keys).toEqual(expect.arrayContaining(['GET /api/admin/me', 'POST /api/admin/staff', 'DELETE /api/admin/tokens/:id', 'POST /api/admin/dev/clock', 'GET /admin', 'POST /admin/dev/clock', 'GET /api/store/shop']));
  // The allow-list names real routes only.
  for (const allowed of allowList) expect(keys).toContain(allowed);
  const guarded = routes.filter((r) => !allowList.has(key(r)));
  apiRoutes = guarded.filter((r) => r.path === '/api/admin' || r.path.startsWith('/api/admin/'));
  pageRoutes = guarded.filter((r) => r.path === '/admin' || r.path.startsWith('/admin/'));

  ownerCookie = await signIn(t.app, t.owner.email, t.owner.password);
  const create = async (name: string) => {
    const response = await t.app.inject({ method: 'POST', url: '/api/admin/tokens', headers: { cookie: ownerCookie }, payload: { name } });
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; token: string };
  };
  ownerToken = (await create('integration')).token;
  const revoked = await create('to revoke');
  expect((await t.app.inject({ method: 'DELETE', url: `/api/admin/tokens/${revoked.id}`, headers: { cookie: ownerCookie } })).statusCode).toBe(204);
  revokedToken = revoked.token;
});

function request(route: Route, headers: Record<string, string> = {}): InjectOptions {
  // A body the routes would refuse: who asks must be checked before what is asked.
  const withBody = route.method !== 'GET' && route.method !== 'HEAD';
  return { method: route.method as InjectOptions['method'], url: concrete(route.path), headers, ...(withBody ? { payload: {} } : {}) };
}

/** A session cookie altered by one character: it no longer decrypts. */
function tampered(cookie: string): string {
  const value = cookie.slice(cookie.indexOf('=') + 1);
  const i = Math.floor(value.length / 3);
  return `comptoir_session=${value.slice(0, i)}${value[i] === 'A' ? 'B' : 'A'}${value.slice(i + 1)}`;
}

const strangers: [string, () => Record<string, string>, string][] = [
  ['an anonymous request', () => ({}), 'auth.required'],
  ['a garbage session cookie', () => ({ cookie: 'comptoir_session=garbage;not-a-session' }), 'auth.required'],
  ['a forged session cookie', () => ({ cookie: tampered(ownerCookie) }), 'auth.required'],
  ['a malformed bearer token', () => ({ authorization: 'Bearer not-a-token' }), 'auth.invalid_token'],
  ['a wrong bearer token', () => ({ authorization: `Bearer cpt_${'x'.repeat(43)}` }), 'auth.invalid_token'],
  ['a revoked bearer token', () => ({ authorization: `Bearer ${revokedToken}` }), 'auth.invalid_token'],
];

describe('/api/admin/*', () => {
  it.each(strangers)('refuses %s on every route with 401', async (_who, headers, code) => {
    expect(apiRoutes.length).toBeGreaterThanOrEqual(8);
    for (const route of apiRoutes) {
      const response = await t.app.inject(request(route, headers()));
      expect(response.statusCode, key(route)).toBe(401);
      if (route.method !== 'HEAD') expect(response.json(), key(route)).toMatchObject({ error: { code } });
    }
  });

  it('lets the owner in on every GET route, by session and by API token', async () => {
    for (const route of apiRoutes.filter((r) => r.method === 'GET')) {
      for (const headers of [{ cookie: ownerCookie }, { authorization: `Bearer ${ownerToken}` }] as Record<string, string>[]) {
        const response = await t.app.inject(request(route, headers));
        expect(letIn(route, response), `${key(route)}: ${response.statusCode} ${response.body.slice(0, 200)}`).toBe(true);
      }
    }
  });
});

describe('/admin/* pages', () => {
  it.each(strangers)('sends %s to the login page on every page', async (_who, headers) => {
    expect(pageRoutes.length).toBeGreaterThanOrEqual(2);
    for (const route of pageRoutes) {
      const response = await t.app.inject(request(route, headers()));
      expect(response.statusCode, key(route)).toBe(303);
      expect(response.headers.location, key(route)).toBe(`/admin/login?next=${encodeURIComponent(concrete(route.path))}`);
    }
  });

  it('lets the owner in on every GET page', async () => {
    for (const route of pageRoutes.filter((r) => r.method === 'GET')) {
      const response = await t.app.inject(request(route, { cookie: ownerCookie }));
      expect(letIn(route, response), `${key(route)}: ${response.statusCode}`).toBe(true);
      if (response.statusCode === 200) expect(response.headers['content-type'], key(route)).toMatch(/^text\/html/);
    }
  });

  it('refuses an anonymous sign-out without its CSRF token', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/admin/logout', payload: {} });
    expect(response.statusCode).toBe(403);
  });
});
