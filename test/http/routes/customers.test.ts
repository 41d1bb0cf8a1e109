// Issue 4 §1 through HTTP: customer accounts (CU-1), the address book scoped to
// its owner (OR-2), password reset and email change by emailed one-time tokens
// on the manual clock, CU-4 blocks (a neutral message for the customer, the
// reason for the merchant), the cart found again at sign-in (CA-2) and the
// wish list (CA-3).
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { setStock } from '../../../src/app/stock.js';
import { signIn, useTestApp, type TestApp } from '../../support/app.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** A browser: keeps its cookies (session, cart) between calls. */
function browser(t: TestApp) {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
  const keep = (r: LightMyRequestResponse) => {
    for (const c of r.cookies) {
      if (c.value && !(c.expires && c.expires.getTime() < Date.now()) && c.maxAge !== 0) jar.set(c.name, c.value);
      else jar.delete(c.name);
    }
    return r;
  };
  return {
    jar,
    call: async (method: Method, url: string, payload?: object) =>
      keep(await t.app.inject({ method, url, headers: jar.size ? { cookie: cookie() } : {}, ...(payload ? { payload } : {}) })),
    form: async (url: string, fields: Record<string, string>) =>
      keep(
        await t.app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...(jar.size ? { cookie: cookie() } : {}) },
          payload: new URLSearchParams(fields).toString(),
        }),
      ),
  };
}

const PASSWORD = 'correct horse battery';
let counter = 0;
const uniqueEmail = (prefix: string) => `${prefix}.${++counter}.${Date.now().toString(36)}@example.test`;

async function register(t: TestApp, email = uniqueEmail('c'), extra: object = {}) {
  const b = browser(t);
  const r = await b.call('POST', '/api/store/customers', { email, password: PASSWORD, name: 'Camille Martin', ...extra });
  expect(r.statusCode, r.body).toBe(201);
  return { b, email, customer: r.json().customer as Json };
}

/** The one-time token of the last email queued to `to` (read from the outbox). */
async function lastTokenSentTo(t: TestApp, to: string): Promise<string> {
  const rows = await t.ctx.db.selectFrom('outbox').select(['payload', 'id']).where('kind', '=', 'email.send').orderBy('id', 'desc').execute();
  const row = rows.find((r) => (r.payload as Json).to === to && /token=/.test((r.payload as Json).text));
  if (!row) throw new Error(`no email with a token to ${to}`);
  return /token=([A-Za-z0-9_-]{43})/.exec((row.payload as Json).text)![1]!;
}

async function variantOf(t: TestApp, sku: string): Promise<string> {
  return (await t.ctx.db.selectFrom('variants').select('id').where('shop_id', '=', t.ctx.shop.id).where('sku', '=', sku).executeTakeFirstOrThrow()).id;
}

const address = { label: 'Maison', name: 'Camille Martin', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR', phone: '06 12 34 56 78' };

describe('PF — accounts (guest checkout allowed, registration always possible)', () => {
  const t = useTestApp('pf');

  it('registers, signs out and in again; the same error for unknown email and wrong password', async () => {
    const { b, email, customer } = await register(t);
    expect(customer).toMatchObject({ email, kind: 'consumer', language: 'fr', emailVerified: false });
    expect((await b.call('GET', '/api/store/account')).json().customer.email).toBe(email);
    expect((await b.call('DELETE', '/api/store/session')).statusCode).toBe(204);
    expect((await b.call('GET', '/api/store/account')).json()).toMatchObject({ error: { code: 'auth.required' } });

    const wrong = await b.call('POST', '/api/store/session', { email, password: 'wrong password 123' });
    const unknown = await b.call('POST', '/api/store/session', { email: uniqueEmail('nobody'), password: PASSWORD });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json()).toMatchObject({ error: { code: 'auth.invalid_credentials' } });

    // Case does not matter for the email.
    const ok = await b.call('POST', '/api/store/session', { email: email.toUpperCase(), password: PASSWORD });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await b.call('GET', '/api/store/account')).statusCode).toBe(200);
  });

  it('refuses a taken email (whatever its case), a short password, an invalid email; stores only an argon2id hash', async () => {
    const { email } = await register(t);
    const again = await browser(t).call('POST', '/api/store/customers', { email: email.toUpperCase(), password: PASSWORD });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'customer.email_taken', field: 'email' } });
    const short = await browser(t).call('POST', '/api/store/customers', { email: uniqueEmail('s'), password: 'short pass' });
    expect(short.json()).toMatchObject({ error: { code: 'customer.weak_password', field: 'password' } });
    const invalid = await browser(t).call('POST', '/api/store/customers', { email: 'not-an-email', password: PASSWORD });
    expect(invalid.json()).toMatchObject({ error: { code: 'customer.invalid_email', field: 'email' } });
    const row = await t.ctx.db.selectFrom('customers').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('CU-3: PF sells to private individuals only', async () => {
    const r = await browser(t).call('POST', '/api/store/customers', { email: uniqueEmail('pro'), password: PASSWORD, kind: 'professional', professional: { companyName: 'Atelier' } });
    expect(r.json()).toMatchObject({ error: { code: 'customer.kind_not_accepted', field: 'kind', rule: 'CU-3' } });
  });

  it('keeps addresses scoped to their owner: B cannot read, change or delete A\'s (404)', async () => {
    const a = await register(t);
    const created = await a.b.call('POST', '/api/store/account/addresses', address);
    expect(created.statusCode, created.body).toBe(201);
    const addr = created.json().address;
    expect(addr).toMatchObject({ phone: '+33612345678', isDefaultDelivery: true, isDefaultBilling: true, country: 'FR' });

    const b = await register(t);
    expect((await b.b.call('GET', '/api/store/account/addresses')).json().addresses).toEqual([]);
    for (const [method, payload] of [['GET'], ['PATCH', { city: 'Lyon' }], ['DELETE']] as [Method, object?][]) {
      const r = await b.b.call(method, `/api/store/account/addresses/${addr.id}`, payload);
      expect(r.statusCode, `${method} ${r.body}`).toBe(404);
      expect(r.json()).toMatchObject({ error: { code: 'address.not_found' } });
    }
    // A's address is untouched; A can change and delete it.
    expect((await a.b.call('GET', `/api/store/account/addresses/${addr.id}`)).json().address.city).toBe('Paris');
    const patched = await a.b.call('PATCH', `/api/store/account/addresses/${addr.id}`, { city: 'Lyon', postalCode: '69001' });
    expect(patched.json().address).toMatchObject({ city: 'Lyon', postalCode: '69001' });
    expect((await a.b.call('DELETE', `/api/store/account/addresses/${addr.id}`)).statusCode).toBe(204);
    expect((await a.b.call('GET', '/api/store/account/addresses')).json().addresses).toEqual([]);
    // Signed out: 401, not a 404.
    expect((await browser(t).call('GET', `/api/store/account/addresses/${addr.id}`)).statusCode).toBe(401);
  });

  it('OR-2: refuses an address outside PF\'s 23 countries and a bad phone, naming the field', async () => {
    const { b } = await register(t);
    const swiss = await b.call('POST', '/api/store/account/addresses', { ...address, country: 'CH', postalCode: '8001', city: 'Zürich', phone: null });
    expect(swiss.statusCode).toBe(422);
    expect(swiss.json()).toMatchObject({ error: { code: 'address.country_not_served', field: 'country', rule: 'OR-2' } });
    const phone = await b.call('POST', '/api/store/account/addresses', { ...address, phone: '12345' });
    expect(phone.json()).toMatchObject({ error: { code: 'address.invalid_phone', field: 'phone', rule: 'OR-2' } });
  });

  it('password reset: an emailed one-hour token, used once, expired after an hour of engine time; the request never tells whether the email exists', async () => {
    const { email } = await register(t);
    const outboxBefore = await t.ctx.db.selectFrom('outbox').select('id').execute();
    const unknown = await browser(t).call('POST', '/api/store/password-reset', { email: uniqueEmail('ghost') });
    expect(unknown.statusCode).toBe(202);
    expect((await t.ctx.db.selectFrom('outbox').select('id').execute()).length).toBe(outboxBefore.length);
    const known = await browser(t).call('POST', '/api/store/password-reset', { email });
    expect(known.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);

    const token = await lastTokenSentTo(t, email);
    const stored = await t.ctx.db.selectFrom('customer_tokens').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const mail = (await t.ctx.db.selectFrom('outbox').select('payload').orderBy('id', 'desc').executeTakeFirstOrThrow()).payload as Json;
    expect(mail).toMatchObject({ to: email, language: 'fr', subject: 'Réinitialisation de votre mot de passe' });
    expect(mail.text).toContain(`/account/password-reset?token=${token}`);

    const weak = await browser(t).call('POST', '/api/store/password-reset/confirm', { token, newPassword: 'short' });
    expect(weak.json()).toMatchObject({ error: { code: 'customer.weak_password', field: 'newPassword' } });
    const newPassword = 'a brand new passphrase';
    expect((await browser(t).call('POST', '/api/store/password-reset/confirm', { token, newPassword })).statusCode).toBe(204);
    // Once only.
    expect((await browser(t).call('POST', '/api/store/password-reset/confirm', { token, newPassword: 'yet another passphrase' })).json()).toMatchObject({
      error: { code: 'customer.invalid_token', field: 'token' },
    });
    expect((await browser(t).call('POST', '/api/store/session', { email, password: PASSWORD })).statusCode).toBe(401);
    expect((await browser(t).call('POST', '/api/store/session', { email, password: newPassword })).statusCode).toBe(200);

    // A second link, left for an hour of engine time, has expired.
    await browser(t).call('POST', '/api/store/password-reset', { email });
    const late = await lastTokenSentTo(t, email);
    expect(late).not.toBe(token);
    const owner = await signIn(t.app, t.owner.email, t.owner.password);
    const moved = await t.app.inject({ method: 'POST', url: '/api/admin/dev/clock', headers: { cookie: owner }, payload: { advance: '1h' } });
    expect(moved.statusCode, moved.body).toBe(200);
    const expired = await browser(t).call('POST', '/api/store/password-reset/confirm', { token: late, newPassword: 'too late passphrase' });
    expect(expired.statusCode).toBe(422);
    expect(expired.json()).toMatchObject({ error: { code: 'customer.token_expired', field: 'token' } });
    expect((await browser(t).call('POST', '/api/store/session', { email, password: newPassword })).statusCode).toBe(200);
  });

  it('email change: applies only once confirmed from the NEW address', async () => {
    const { b, email } = await register(t);
    const newEmail = uniqueEmail('new');
    const wrongPassword = await b.call('POST', '/api/store/account/email-change', { newEmail, password: 'not my password' });
    expect(wrongPassword.json()).toMatchObject({ error: { code: 'auth.invalid_credentials', field: 'password' } });
    const asked = await b.call('POST', '/api/store/account/email-change', { newEmail, password: PASSWORD });
    expect(asked.statusCode, asked.body).toBe(202);
    // Nothing changes yet.
    expect((await b.call('GET', '/api/store/account')).json().customer.email).toBe(email);
    const token = await lastTokenSentTo(t, newEmail);
    // The current address is told, without the link.
    const notice = (await t.ctx.db.selectFrom('outbox').select('payload').orderBy('id', 'desc').execute()).map((r) => r.payload as Json).find((p) => p.to === email);
    expect(notice?.text).toContain(newEmail);
    expect(notice?.text).not.toContain('token=');

    const confirmed = await browser(t).call('POST', '/api/store/account/email-change/confirm', { token });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json().customer).toMatchObject({ email: newEmail, emailVerified: true });
    expect((await browser(t).call('POST', '/api/store/account/email-change/confirm', { token })).json()).toMatchObject({ error: { code: 'customer.invalid_token' } });
    expect((await browser(t).call('POST', '/api/store/session', { email, password: PASSWORD })).statusCode).toBe(401);
    expect((await browser(t).call('POST', '/api/store/session', { email: newEmail, password: PASSWORD })).statusCode).toBe(200);

    // A taken address is refused.
    const other = await register(t);
    expect((await other.b.call('POST', '/api/store/account/email-change', { newEmail, password: PASSWORD })).json()).toMatchObject({ error: { code: 'customer.email_taken' } });
  });

  it('CA-2: the guest cart is attached at sign-in and merged with the account\'s cart, CAT-3 capping the sums', async () => {
    const fig = await variantOf(t, 'PF-FIG-30');
    const rose = await variantOf(t, 'PF-ROS-50');
    const { b, email } = await register(t);
    // Signed in: a cart on this browser, attached to the account.
    expect((await b.call('POST', '/api/store/cart/lines', { variantId: fig, quantity: 2 })).statusCode).toBe(200);
    await b.call('DELETE', '/api/store/session');
    expect((await b.call('GET', '/api/store/cart')).json().cart).toBeNull(); // the cart cookie went with the session
    await b.call('POST', '/api/store/session', { email, password: PASSWORD });
    // Found again when the customer comes back.
    expect((await b.call('GET', '/api/store/cart')).json().lines).toMatchObject([{ variantId: fig, quantity: 2 }]);

    // Another device: a guest cart, then sign-in merges the account's cart into it (2 + 2 → 3, PF's limit).
    const other = browser(t);
    await other.call('POST', '/api/store/cart/lines', { variantId: fig, quantity: 2 });
    await other.call('POST', '/api/store/cart/lines', { variantId: rose, quantity: 1 });
    const signedIn = await other.call('POST', '/api/store/session', { email, password: PASSWORD });
    expect(signedIn.statusCode).toBe(200);
    const merged = (await other.call('GET', '/api/store/cart')).json();
    expect(merged.lines.map((l: Json) => [l.variantId, l.quantity]).sort()).toEqual([[fig, 3], [rose, 1]].sort());
    const carts = await t.ctx.db.selectFrom('carts').innerJoin('customers', 'customers.id', 'carts.customer_id').select('carts.id').where('customers.email', '=', email).execute();
    expect(carts).toHaveLength(1);
  });

  it('CA-3: the wish list of an account', async () => {
    const { b } = await register(t);
    const fig = await variantOf(t, 'PF-FIG-30');
    const added = await b.call('POST', '/api/store/account/wish-list', { variantId: fig });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json().items).toMatchObject([{ variantId: fig, sku: 'PF-FIG-30' }]);
    await b.call('POST', '/api/store/account/wish-list', { variantId: fig }); // idempotent
    expect((await b.call('GET', '/api/store/account/wish-list')).json().items).toHaveLength(1);
    expect((await b.call('POST', '/api/store/account/wish-list', { variantId: '999999999' })).json()).toMatchObject({ error: { code: 'variant.not_found' } });
    // Another customer sees only their own.
    expect((await (await register(t)).b.call('GET', '/api/store/account/wish-list')).json().items).toEqual([]);
    expect((await b.call('DELETE', `/api/store/account/wish-list/${fig}`)).statusCode).toBe(204);
    expect((await b.call('GET', '/api/store/account/wish-list')).json().items).toEqual([]);
  });

  it('CU-4: a block refuses orders with a neutral message; the merchant sees the reason; PF allows risk flags only', async () => {
    const { b, email, customer } = await register(t);
    expect((await b.call('GET', '/api/store/account/eligibility')).json()).toEqual({ mayOrder: true });
    const owner = await signIn(t.app, t.owner.email, t.owner.password);
    const reason = 'Chargeback on order 1042 — card reported stolen';
    const notAllowed = await t.app.inject({ method: 'POST', url: `/api/admin/customers/${customer.id}/blocks`, headers: { cookie: owner }, payload: { kind: 'unpaid_order', reason } });
    expect(notAllowed.json()).toMatchObject({ error: { code: 'customer.block_kind_not_allowed', rule: 'CU-4' } });
    const blocked = await t.app.inject({ method: 'POST', url: `/api/admin/customers/${customer.id}/blocks`, headers: { cookie: owner }, payload: { kind: 'risk_flag', reason } });
    expect(blocked.statusCode, blocked.body).toBe(201);
    const block = blocked.json().block;

    const refused = await b.call('GET', '/api/store/account/eligibility');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ error: { code: 'customer.order_refused', rule: 'CU-4', message: expect.any(String) } });
    expect(refused.body).not.toContain('Chargeback');
    expect(refused.body).not.toContain('risk_flag');

    const seen = await t.app.inject({ method: 'GET', url: `/api/admin/customers?email=${encodeURIComponent(email.toUpperCase())}`, headers: { cookie: owner } });
    expect(seen.statusCode).toBe(200);
    expect(seen.json().customers).toMatchObject([{ email, blocks: [{ id: block.id, kind: 'risk_flag', reason, active: true }] }]);
    const audit = (await t.app.inject({ method: 'GET', url: '/api/admin/audit', headers: { cookie: owner } })).json().entries as Json[];
    expect(audit.find((e) => e.action === 'customer.block')).toMatchObject({ target: `customer:${customer.id}`, actor: expect.stringMatching(/^staff:/) });

    const lifted = await t.app.inject({ method: 'POST', url: `/api/admin/customers/${customer.id}/blocks/${block.id}/lift`, headers: { cookie: owner } });
    expect(lifted.json().block).toMatchObject({ active: false, liftedBy: expect.any(String) });
    expect((await b.call('GET', '/api/store/account/eligibility')).json()).toEqual({ mayOrder: true });
  });

  it('the customer session and the staff session live side by side in one cookie', async () => {
    const { b } = await register(t);
    const staff = await b.call('POST', '/api/admin/session', { email: t.owner.email, password: t.owner.password });
    expect(staff.statusCode).toBe(200);
    expect((await b.call('GET', '/api/store/account')).statusCode).toBe(200);
    expect((await b.call('GET', '/api/admin/me')).statusCode).toBe(200);
    await b.call('DELETE', '/api/store/session');
    expect((await b.call('GET', '/api/store/account')).statusCode).toBe(401);
    expect((await b.call('GET', '/api/admin/me')).statusCode).toBe(200);
  });

  it('a customer session does not open the back office', async () => {
    const { b } = await register(t);
    expect((await b.call('GET', '/api/admin/customers')).statusCode).toBe(401);
  });
});

describe('JW — address rules and professionals', () => {
  const t = useTestApp('jw');

  it('OR-2: refuses PO boxes and CEDEX addresses', async () => {
    const { b } = await register(t);
    const box = await b.call('POST', '/api/store/account/addresses', { ...address, line1: 'BP 123' });
    expect(box.json()).toMatchObject({ error: { code: 'address.po_box_refused', field: 'line1', rule: 'OR-2' } });
    const cedex = await b.call('POST', '/api/store/account/addresses', { ...address, city: 'Paris Cedex 11' });
    expect(cedex.json()).toMatchObject({ error: { code: 'address.cedex_refused', field: 'city', rule: 'OR-2' } });
    const tokyo = await b.call('POST', '/api/store/account/addresses', { ...address, postalCode: '100-0001', city: 'Tokyo', country: 'JP', phone: '03-1234-5678' });
    expect(tokyo.json().address).toMatchObject({ country: 'JP', phone: '+81312345678' });
  });

  it('CU-3: a professional registers with a checked VAT number', async () => {
    const bad = await browser(t).call('POST', '/api/store/customers', {
      email: uniqueEmail('pro'),
      password: PASSWORD,
      kind: 'professional',
      professional: { companyName: 'Atelier Dupont', vatNumber: 'FR00303265045' },
    });
    expect(bad.json()).toMatchObject({ error: { code: 'customer.invalid_vat_number', field: 'professional.vatNumber', rule: 'CU-3' } });
    const { customer } = await register(t, uniqueEmail('pro'), { kind: 'professional', professional: { companyName: 'Atelier Dupont', vatNumber: 'FR 40 303 265 045', headcount: 12 } });
    expect(customer).toMatchObject({ kind: 'professional', professional: { companyName: 'Atelier Dupont', vatNumber: 'FR40303265045', headcount: 12 } });
  });
});

describe('FR — account pages without JavaScript', () => {
  const t = useTestApp('fr');

  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

  it('registers, signs in, adds an address (Corsica yes, Guadeloupe no) and resets a password through forms', async () => {
    const b = browser(t);
    const home = await b.call('GET', '/');
    expect(home.body).toContain('href="/account"');
    expect(home.body).toContain('Mon compte');
    expect((await b.call('GET', '/account')).headers.location).toBe('/account/login?next=%2Faccount');

    const page = await b.call('GET', '/account/register');
    expect(page.statusCode).toBe(200);
    expect((await b.form('/account/register', { email: 'x@example.test', password: PASSWORD })).statusCode).toBe(403); // no CSRF token
    const email = uniqueEmail('page');
    const done = await b.form('/account/register', { _csrf: csrfOf(page.body), email, password: PASSWORD, name: 'Lou' });
    expect(done.statusCode, done.body).toBe(303);
    expect(done.headers.location).toBe('/account');

    let account = await b.call('GET', '/account');
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain('Votre compte est créé.');
    const corsica = await b.form('/account/addresses', { _csrf: csrfOf(account.body), name: 'Lou', line1: '1 cours Napoléon', postalCode: '20000', city: 'Ajaccio', country: 'FR' });
    expect(corsica.statusCode).toBe(303);
    account = await b.call('GET', '/account');
    expect(account.body).toContain('Ajaccio');
    await b.form('/account/addresses', { _csrf: csrfOf(account.body), name: 'Lou', line1: '1 rue Schœlcher', postalCode: '97110', city: 'Pointe-à-Pitre', country: 'FR' });
    account = await b.call('GET', '/account');
    expect(account.body).toContain('La boutique livre uniquement en France métropolitaine');
    expect(account.body).not.toContain('Pointe-à-Pitre');

    // Sign out, then the password reset pages.
    expect((await b.form('/account/logout', { _csrf: csrfOf(account.body) })).headers.location).toBe('/');
    const reset = await b.call('GET', '/account/password-reset');
    const asked = await b.form('/account/password-reset', { _csrf: csrfOf(reset.body), email });
    expect(asked.headers.location).toBe('/account/password-reset');
    expect((await b.call('GET', '/account/password-reset')).body).toContain('Si un compte existe pour cette adresse');
    const token = await lastTokenSentTo(t, email);
    const form = await b.call('GET', `/account/password-reset?token=${token}`);
    expect(form.body).toContain(`value="${token}"`);
    const set = await b.form('/account/password-reset/confirm', { _csrf: csrfOf(form.body), token, newPassword: 'page new passphrase' });
    expect(set.headers.location).toBe('/account/login');
    const login = await b.call('GET', '/account/login');
    expect(login.body).toContain('vous pouvez vous connecter');
    const failed = await b.form('/account/login', { _csrf: csrfOf(login.body), email, password: PASSWORD });
    expect(failed.statusCode).toBe(401);
    expect(failed.body).toContain('Adresse e-mail ou mot de passe incorrect.');
    const ok = await b.form('/account/login', { _csrf: csrfOf(failed.body), email, password: 'page new passphrase', next: '/account' });
    expect(ok.headers.location).toBe('/account');
    // No open redirect.
    const login2 = await b.call('GET', '/account/login');
    expect((await b.form('/account/login', { _csrf: csrfOf(login2.body), email, password: 'page new passphrase', next: 'https://evil.example' })).headers.location).toBe('/account');
  });
});

describe('EL: deferred payment for authorised professionals, through HTTP (PA-1, PA-7)', () => {
  const t = useTestApp('el');
  const deferredOf = (id: string) => `/api/admin/customers/${id}/deferred-payment`;

  it('only the owner authorises (credit.manage); the professional then orders on account and reads the due date, account and reference', async () => {
    const owner = await signIn(t.app, t.owner.email, t.owner.password);
    const admin = (method: Method, url: string, cookie: string, payload?: object) => t.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
    const { b, customer } = await register(t, uniqueEmail('pro'), { kind: 'professional', professional: { companyName: 'Électricité Dupont SARL' } });
    const grant = { insurerReference: 'Atradius 2026-77', creditLimit: { amount: 100000, currency: 'EUR' } };

    // Who may decide: the owner only; a stranger is not even let in.
    expect((await t.app.inject({ method: 'PUT', url: deferredOf(customer.id), payload: grant })).statusCode).toBe(401);
    const created = await admin('POST', '/api/admin/staff', owner, { email: uniqueEmail('cs'), role: 'customer_service', password: 'a long enough password 123' });
    expect(created.statusCode, created.body).toBe(201);
    const service = await signIn(t.app, created.json().staff.email, 'a long enough password 123');
    expect((await admin('PUT', deferredOf(customer.id), service, grant)).statusCode).toBe(403);
    expect((await admin('GET', deferredOf(customer.id), owner)).json()).toMatchObject({ error: { code: 'deferred_payment.not_found', rule: 'PA-1' } });
    const { customer: consumer } = await register(t);
    expect((await admin('PUT', deferredOf(consumer.id), owner, grant)).json()).toMatchObject({ error: { code: 'payment.deferred_kind_not_eligible', rule: 'PA-1' } });

    const granted = await admin('PUT', deferredOf(customer.id), owner, grant);
    expect(granted.statusCode, granted.body).toBe(200);
    expect(granted.json()).toMatchObject({ insurerReference: 'Atradius 2026-77', creditLimit: { amount: 100000, currency: 'EUR' }, outstanding: { amount: 0, currency: 'EUR' } });

    // The professional orders on account through the JSON API (TEST_START: Mon 23 Nov 2026 → due Wed 23 Dec 2026).
    const variantId = await variantOf(t, 'EL-PAN27');
    const warehouse = await t.ctx.db.selectFrom('locations').select('code').where('shop_id', '=', 'el').where('kind', '=', 'warehouse').executeTakeFirstOrThrow();
    await setStock(t.ctx.db, { shopId: 'el', variantId, levels: [{ locationCode: warehouse.code, quantity: 3 }], actor: { kind: 'system' }, now: await t.ctx.clock.now() });
    expect((await b.call('POST', '/api/store/cart/lines', { variantId, quantity: 1 })).statusCode).toBe(200);
    expect((await b.call('PUT', '/api/store/cart/destination', { country: 'FR', shippingMethodId: 'standard' })).statusCode).toBe(200);
    const terms = (await b.call('GET', '/api/store/terms/current')).json();
    const address = { name: 'Jean Dupont', line1: '3 rue des Forges', postalCode: '33000', city: 'Bordeaux', country: 'FR', phone: '05 56 00 00 00' };
    const placed = await t.app.inject({
      method: 'POST',
      url: '/api/store/orders',
      headers: { cookie: [...b.jar].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; '), 'idempotency-key': 'deferred-http-1' },
      payload: { deliveryAddress: address, shippingMethodId: 'standard', paymentMethod: 'deferred', acceptedTerms: { versionId: terms.id, hash: terms.hash.fr, language: 'fr' } },
    });
    expect(placed.statusCode, placed.body).toBe(201);
    const body = placed.json();
    expect(body.order).toMatchObject({ state: 'payment_deferred', paymentMethod: 'deferred', paymentDueOn: '2026-12-23' });
    expect(body.deferred).toMatchObject({ dueOn: '2026-12-23', iban: 'FR7612345000010001234567887', bic: 'VOLTFRPPXXX', holder: 'Voltaïque Distribution SARL' });

    const mine = (await b.call('GET', `/api/store/account/orders/${body.order.number}`)).json();
    expect(mine.order.deferredPayment).toEqual({ dueOn: '2026-12-23', reference: body.deferred.reference, holder: 'Voltaïque Distribution SARL', iban: 'FR7612345000010001234567887', bic: 'VOLTFRPPXXX' });
    expect(mine.order.instalments).toBeNull();
    expect(mine.order.invoice).toMatchObject({ number: 'EL-F-2026-000001' });
    expect((await admin('GET', deferredOf(customer.id), owner)).json()).toMatchObject({ outstanding: { amount: body.order.total } });

    // Revoked: no new order on account.
    expect((await admin('DELETE', deferredOf(customer.id), owner)).statusCode).toBe(204);
    expect((await admin('GET', deferredOf(customer.id), owner)).statusCode).toBe(404);
  });
});
