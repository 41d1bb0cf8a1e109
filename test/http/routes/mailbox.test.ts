// The back office's mailbox (DOC-5; the dev mailbox without SMTP_URL): staff
// with customers.read only, never a stranger; the email's HTML is shown in a
// sandboxed iframe, escaped.
import { beforeAll, describe, expect, it } from 'vitest';
import { queueEmail } from '../../../src/app/emails.js';
import { dispatchOutbox } from '../../../src/jobs/outbox-dispatcher.js';
import { signIn, useTestApp } from '../../support/app.js';

const t = useTestApp('fa');
let owner: string;
let warehouse: string;
let serviceCookie: string;

const hostile = '<p>Hello</p><script>parent.document.title="pwned"</script><img src="https://tracker.example/p.gif">';

beforeAll(async () => {
  owner = await signIn(t.app, t.owner.email, t.owner.password);
  const create = async (email: string, role: string) => {
    const response = await t.app.inject({ method: 'POST', url: '/api/admin/staff', headers: { cookie: owner }, payload: { email, role, password: 'a-long-enough-password-123' } });
    expect(response.statusCode).toBe(201);
  };
  await create('depot@fildazur.example', 'warehouse');
  await create('sav@fildazur.example', 'customer_service');
  warehouse = await signIn(t.app, 'depot@fildazur.example', 'a-long-enough-password-123');
  const service = await signIn(t.app, 'sav@fildazur.example', 'a-long-enough-password-123');
  expect(service).toBeTruthy();
  serviceCookie = service;

  const now = await t.ctx.clock.now();
  await t.ctx.db.transaction().execute(async (tx) => {
    await queueEmail(tx, { shopId: 'fa', key: 'test:mailbox:1', email: { to: 'ada@example.com', subject: 'First <b>one</b>', text: 'Bonjour Ada', html: hostile, language: 'fr' } }, now);
    await queueEmail(tx, { shopId: 'fa', key: 'test:mailbox:2', email: { to: 'bob@example.com', subject: 'Second', text: 'Hello Bob', html: null, language: 'en' } }, now);
  });
  await dispatchOutbox(t.ctx.db, t.ctx.outbox, now);
});

describe('GET /api/admin/mailbox', () => {
  it('refuses strangers (401) and staff without customers.read (403)', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/admin/mailbox' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: { code: 'auth.required' } });
    const bearer = await t.app.inject({ method: 'GET', url: '/api/admin/mailbox', headers: { authorization: 'Bearer cpt_nope' } });
    expect(bearer.statusCode).toBe(401);
    const forbidden = await t.app.inject({ method: 'GET', url: '/api/admin/mailbox', headers: { cookie: warehouse } });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ error: { code: 'auth.forbidden' } });
  });

  it('lists the emails newest first with their content, for staff who may read customers', async () => {
    for (const cookie of [owner, serviceCookie]) {
      const response = await t.app.inject({ method: 'GET', url: '/api/admin/mailbox', headers: { cookie } });
      expect(response.statusCode).toBe(200);
      const body = response.json() as { transport: string; emails: { to: string; subject: string; text: string; html: string | null; contentSha256: string; messageId: string }[] };
      expect(body.transport).toBe('dev_mailbox');
      expect(body.emails.map((e) => e.to)).toEqual(['bob@example.com', 'ada@example.com']);
      expect(body.emails[1]).toMatchObject({ subject: 'First <b>one</b>', text: 'Bonjour Ada', html: hostile });
      expect(body.emails[1]!.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    }
    const filtered = await t.app.inject({ method: 'GET', url: '/api/admin/mailbox?to=ADA@example.com', headers: { cookie: owner } });
    expect((filtered.json() as { emails: unknown[] }).emails).toHaveLength(1);
  });
});

describe('GET /admin/mailbox', () => {
  it('sends strangers to the login page', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/admin/mailbox' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/admin/login?next=%2Fadmin%2Fmailbox');
  });

  it('refuses staff without customers.read', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/admin/mailbox', headers: { cookie: warehouse, accept: 'text/html' } });
    expect(response.statusCode).toBe(403);
  });

  it('lists the emails, escaped', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/admin/mailbox', headers: { cookie: owner } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('First &lt;b>one&lt;/b>');
    expect(response.body).not.toContain('<b>one</b>');
    expect(response.body).toContain('href="/admin/mailbox?id=');
  });

  it('opens one: text as text, HTML in a sandboxed iframe (escaped srcdoc), never inline', async () => {
    const list = (await t.app.inject({ method: 'GET', url: '/api/admin/mailbox?to=ada@example.com', headers: { cookie: owner } })).json() as { emails: { id: string }[] };
    const response = await t.app.inject({ method: 'GET', url: `/admin/mailbox?id=${list.emails[0]!.id}`, headers: { cookie: owner } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<pre class="email-text">Bonjour Ada</pre>');
    const iframe = response.body.slice(response.body.indexOf('<iframe'), response.body.indexOf('</iframe>'));
    expect(iframe).toMatch(/ sandbox(="")? /);
    expect(iframe).toContain('srcdoc="&lt;p>Hello&lt;/p>&lt;script>parent.document.title=&quot;pwned&quot;&lt;/script>');
    expect(response.body).not.toContain('<script>');
    expect(response.body).not.toContain('<img src="https://tracker.example');
  });

  it('answers 404 for an unknown email', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/admin/mailbox?id=999999', headers: { cookie: owner } });
    expect(response.statusCode).toBe(404);
    const garbage = await t.app.inject({ method: 'GET', url: '/admin/mailbox?id=1%20OR%201=1', headers: { cookie: owner } });
    expect(garbage.statusCode).toBe(404);
  });
});
