// Issue "Foundation" §9 through the back-office pages: the login form (CSRF,
// wrong password, rate limit), the home page per role, and the forms behind it.
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../../../src/http/web/messages.js';
import { signIn, TEST_START, useTestApp } from '../../support/app.js';

const t = useTestApp('fa');

/** The session cookie a response sets, as a request header, or undefined. */
function sessionOf(response: LightMyRequestResponse): string | undefined {
  const cookie = response.cookies.find((c) => c.name === 'comptoir_session');
  return cookie?.value ? `comptoir_session=${encodeURIComponent(cookie.value)}` : undefined;
}

function csrfTokenIn(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token in the page');
  return token;
}

/** Opens the login page: its session cookie (holding the CSRF secret) and the form's token. */
async function openLogin(remoteAddress?: string): Promise<{ cookie: string; csrf: string }> {
  const page = await t.app.inject({ method: 'GET', url: '/admin/login', ...(remoteAddress ? { remoteAddress } : {}) });
  expect(page.statusCode).toBe(200);
  return { cookie: sessionOf(page)!, csrf: csrfTokenIn(page.body) };
}

function postForm(url: string, fields: Record<string, string>, cookie?: string, remoteAddress?: string) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    payload: new URLSearchParams(fields).toString(),
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

describe('the login form', () => {
  it('shows a form carrying a CSRF token', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/admin/login' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('<form method="post" action="/admin/login"');
    expect(csrfTokenIn(response.body).length).toBeGreaterThan(10);
  });

  it('refuses a post without the CSRF token with 403, even with the right password', async () => {
    const { cookie } = await openLogin();
    const response = await postForm('/admin/login', { email: t.owner.email, password: t.owner.password }, cookie);
    expect(response.statusCode).toBe(403);
    expect(sessionOf(response)).toBeUndefined();
  });

  it('answers a browser whose form lost its token with a 403 page', async () => {
    const { cookie } = await openLogin();
    const response = await t.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email: t.owner.email, password: t.owner.password }).toString(),
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain(messages.fr.forbidden);
    expect(response.body).toContain('class="area-admin"');
  });

  it('refuses a token from another session', async () => {
    const first = await openLogin();
    const second = await openLogin();
    const response = await postForm('/admin/login', { _csrf: first.csrf, email: t.owner.email, password: t.owner.password }, second.cookie);
    expect(response.statusCode).toBe(403);
  });

  it('signs in with the token and the right credentials: 303 to /admin, which then opens', async () => {
    const { cookie, csrf } = await openLogin();
    const response = await postForm('/admin/login', { _csrf: csrf, email: t.owner.email, password: t.owner.password }, cookie);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/admin');
    const session = sessionOf(response)!;
    const home = await t.app.inject({ method: 'GET', url: '/admin', headers: { cookie: session } });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain(t.owner.email);
  });

  it('follows `next` within the back office only', async () => {
    for (const [next, expected] of [['/admin', '/admin'], ['https://evil.example/admin', '/admin'], ['//evil.example', '/admin']] as const) {
      const { cookie, csrf } = await openLogin();
      const response = await postForm('/admin/login', { _csrf: csrf, email: t.owner.email, password: t.owner.password, next }, cookie);
      expect(response.headers.location, next).toBe(expected);
    }
  });

  it('answers a wrong password with a 401 page carrying an error message, and no session', async () => {
    const { cookie, csrf } = await openLogin();
    const response = await postForm('/admin/login', { _csrf: csrf, email: t.owner.email, password: 'not the password at all' }, cookie);
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('role="alert"');
    expect(response.body).toContain(messages.fr.invalidCredentials);
    const home = await t.app.inject({ method: 'GET', url: '/admin', headers: { cookie: sessionOf(response) ?? cookie } });
    expect(home.statusCode).toBe(303);
  });

  it('escapes what it echoes back', async () => {
    const { cookie, csrf } = await openLogin();
    const email = '"><script>alert(1)</script>@x.example';
    const response = await postForm('/admin/login', { _csrf: csrf, email, password: 'whatever it is' }, cookie);
    expect(response.statusCode).toBe(401);
    expect(response.body).not.toContain('<script>alert(1)</script>');
    expect(response.body).toContain('&quot;>&lt;script>alert(1)&lt;/script>@x.example');
  });

  it('limits sign-in attempts: it eventually answers 429 with a JSON error code', async () => {
    const address = '198.51.100.23';
    const { cookie, csrf } = await openLogin(address);
    let status = 0;
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 15 && status !== 429; i++) {
      last = await postForm('/admin/login', { _csrf: csrf, email: t.owner.email, password: 'guessing, guessing' }, cookie, address);
      status = last.statusCode;
    }
    expect(status).toBe(429);
    expect(last!.json()).toMatchObject({ error: { code: 'request.rate_limited' } });
  });
});

describe('the back-office home page', () => {
  let owner: string;
  let warehouse: string;

  beforeAll(async () => {
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/admin/staff',
      headers: { cookie: owner },
      payload: { email: 'quai@fa.example', role: 'warehouse', password: 'warehouse password 2026' },
    });
    expect(created.statusCode).toBe(201);
    warehouse = await signIn(t.app, 'quai@fa.example', 'warehouse password 2026');
  });

  it('shows the owner the team, the audit log and the dev clock form', async () => {
    const home = await t.app.inject({ method: 'GET', url: '/admin', headers: { cookie: owner } });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('quai@fa.example');
    expect(home.body).toContain('staff.create');
    expect(home.body).toContain('action="/admin/dev/clock"');
  });

  it('opens for a warehouse member too, without what their role may not see', async () => {
    const home = await t.app.inject({ method: 'GET', url: '/admin', headers: { cookie: warehouse } });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('quai@fa.example');
    expect(home.body).not.toContain('staff.create');
    expect(home.body).not.toContain('action="/admin/dev/clock"');
  });

  it('refuses the dev clock form to a warehouse member (403) and moves nothing', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/admin', headers: { cookie: warehouse } });
    const response = await postForm('/admin/dev/clock', { _csrf: csrfTokenIn(page.body), advance: '1d' }, warehouse);
    expect(response.statusCode).toBe(403);
    expect((await t.ctx.clock.now()).toISOString()).toBe(new Date(TEST_START).toISOString());
  });

  it('moves the clock from the owner form with its CSRF token, and refuses it without', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/admin', headers: { cookie: owner } });
    // The page's response carries the session with the CSRF secret, as a browser would keep it.
    const session = sessionOf(page) ?? owner;
    const without = await postForm('/admin/dev/clock', { advance: '1d' }, session);
    expect(without.statusCode).toBe(403);
    const response = await postForm('/admin/dev/clock', { _csrf: csrfTokenIn(page.body), advance: '1d' }, session);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/admin');
    expect((await t.ctx.clock.now()).toISOString()).toBe('2026-11-24T09:00:00.000Z');
  });

  it('signs out with the CSRF token: the session no longer opens the back office', async () => {
    const session = await signIn(t.app, t.owner.email, t.owner.password);
    const page = await t.app.inject({ method: 'GET', url: '/admin', headers: { cookie: session } });
    const response = await postForm('/admin/logout', { _csrf: csrfTokenIn(page.body) }, sessionOf(page) ?? session);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/admin/login');
    const after = sessionOf(response);
    const home = await t.app.inject({ method: 'GET', url: '/admin', headers: after ? { cookie: after } : {} });
    expect(home.statusCode).toBe(303);
  });
});
