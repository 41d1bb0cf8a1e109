// Issue 5 §8 through HTTP: reservation in store (ST-1, CAT-6) — the customer
// API (reserve, list, cancel; scoped to the signed-in customer), the back
// office API (list, confirm, collected; who may do what), the manual clock
// moved through /api/admin/dev/clock firing the hold and confirmation timers,
// the product page's "Réserver en magasin" form, the account and back-office
// pages. FA (48 opening hours), FR (2 opening hours to confirm, 3 working
// days, 10 different items), JW and PF (not offered).
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { setStock } from '../../../src/app/stock.js';
import { dispatchOutbox } from '../../../src/jobs/outbox-dispatcher.js';
import { signIn, useTestApp, type TestApp } from '../../support/app.js';
import { CUSTOMER_PASSWORD, registeredCustomer } from '../../support/orders.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function http(t: TestApp) {
  const shopId = () => t.ctx.shop.id;
  const json = (method: 'GET' | 'POST', url: string, cookie?: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  async function customerCookie(email: string): Promise<string> {
    const r = await t.app.inject({ method: 'POST', url: '/api/store/session', payload: { email, password: CUSTOMER_PASSWORD } });
    expect(r.statusCode, r.body).toBe(200);
    return `comptoir_session=${encodeURIComponent(r.cookies.find((c) => c.name === 'comptoir_session')!.value)}`;
  }
  async function customer() {
    const c = await registeredCustomer(t);
    return { ...c, cookie: await customerCookie(c.email) };
  }
  async function staffCookie(owner: string, role: string): Promise<string> {
    const email = `${role}-${Math.random().toString(36).slice(2)}@example.com`;
    const password = 'a long enough password 123';
    const created = await json('POST', '/api/admin/staff', owner, { email, role, password });
    expect(created.statusCode, created.body).toBe(201);
    return signIn(t.app, email, password);
  }
  async function variants(count: number, skip = 0): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`
      SELECT v.id::text AS id FROM variants v
       WHERE v.shop_id = ${shopId()} AND EXISTS (SELECT 1 FROM price_history ph WHERE ph.variant_id = v.id AND ph.currency = 'EUR')
       ORDER BY v.id OFFSET ${skip} LIMIT ${count}`.execute(t.ctx.db);
    return rows.map((r) => r.id);
  }
  const setAt = async (variantId: string, location: string, quantity: number) =>
    setStock(t.ctx.db, { shopId: shopId(), variantId, levels: [{ locationCode: location, quantity }], actor: { kind: 'system' }, now: await t.ctx.clock.now() });
  const stockAt = async (variantId: string, location: string) =>
    (await sql<{ q: number }>`SELECT s.quantity AS q FROM stock s JOIN locations l ON l.id = s.location_id WHERE s.variant_id = ${variantId}::bigint AND l.code = ${location}`.execute(t.ctx.db)).rows[0]?.q ?? 0;
  const emails = async (number: string) => {
    await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
    return t.ctx.db.selectFrom('emails').select(['subject', 'text']).where('related_kind', '=', 'reservation').where('related_id', '=', number).orderBy('id').execute();
  };
  const clockTo = (owner: string, to: string) => json('POST', '/api/admin/dev/clock', owner, { to });
  const form = (url: string, cookie: string, fields: Record<string, string>) =>
    t.app.inject({ method: 'POST', url, headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
  /** A page's CSRF token, with the session cookie that goes with it. */
  async function csrfFrom(url: string, cookie: string): Promise<{ token: string; cookie: string; body: string }> {
    const page = await t.app.inject({ method: 'GET', url, headers: { cookie, accept: 'text/html' } });
    expect(page.statusCode, page.body.slice(0, 300)).toBe(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    expect(token).toBeTruthy();
    const session = page.cookies.find((c) => c.name === 'comptoir_session');
    return { token: token!, cookie: session ? `comptoir_session=${encodeURIComponent(session.value)}` : cookie, body: page.body };
  }
  return { json, customer, staffCookie, variants, setAt, stockAt, emails, clockTo, form, csrfFrom };
}

describe('FA: reserve in a store through the API, held 48 opening hours (ST-1)', () => {
  // Saturday 28 November 2026, 17:00 in Paris.
  const t = useTestApp('fa', { clockStart: '2026-11-28T16:00:00Z' });
  const h = http(t);
  let owner: string;
  let alice: { id: string; email: string; cookie: string };
  let bob: { id: string; email: string; cookie: string };
  let variant: string;
  let number: string;

  beforeAll(async () => {
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    alice = await h.customer();
    bob = await h.customer();
    [variant] = (await h.variants(1)) as [string];
    await h.setAt(variant, 'lyon-presquile', 3);
    await h.setAt(variant, 'paris-marais', 0);
  });

  it('needs a signed-in customer', async () => {
    const r = await h.json('POST', '/api/store/account/reservations', undefined, { store: 'lyon-presquile', lines: [{ variantId: variant, quantity: 1 }] });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ error: { code: 'auth.required' } });
  });

  it('lists the stores that have the item, with their hours', async () => {
    const r = await h.json('GET', `/api/store/reservations/stores?variantIds=${variant}`);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json() as Json;
    expect(body).toMatchObject({ offered: true, rules: { confirmationWithinHours: null, hold: { hours: 48, withinOpeningHours: true }, maxDistinctItems: null } });
    const lyon = (body.stores as Json[]).find((s) => s.code === 'lyon-presquile');
    expect(lyon).toMatchObject({ name: "FA Lyon Presqu'île", address: { city: 'Lyon' }, openingHours: { timeZone: 'Europe/Paris', week: { sun: [] } }, stock: { [variant]: 3 } });
  });

  it('reserves: 201, the store\'s stock drops, the hold ends after 48 opening hours', async () => {
    const r = await h.json('POST', '/api/store/account/reservations', alice.cookie, { store: 'lyon-presquile', lines: [{ variantId: variant, quantity: 2 }] });
    expect(r.statusCode, r.body).toBe(201);
    const { reservation } = r.json() as Json;
    number = reservation.number;
    expect(reservation).toMatchObject({ state: 'requested', payment: 'in_store', currency: 'EUR', store: { code: 'lyon-presquile' }, holdUntil: '2026-12-05T13:30:00.000Z', confirmationDueAt: null, lines: [{ variantId: variant, quantity: 2 }] });
    expect(reservation.total).toBe(2 * reservation.lines[0].unitPrice);
    expect(await h.stockAt(variant, 'lyon-presquile')).toBe(1);
  });

  it('refuses more than the store has (409), naming the line and the rule', async () => {
    const r = await h.json('POST', '/api/store/account/reservations', alice.cookie, { store: 'lyon-presquile', lines: [{ variantId: variant, quantity: 2 }] });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ error: { code: 'reservation.not_in_stock', field: 'lines.0.quantity', rule: 'ST-1', details: { store: 'lyon-presquile', items: [{ variantId: variant, asked: 2, available: 1 }] } } });
    const unknown = await h.json('POST', '/api/store/account/reservations', alice.cookie, { store: 'nowhere', lines: [{ variantId: variant, quantity: 1 }] });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'store.not_found', field: 'store' } });
    const bad = await h.json('POST', '/api/store/account/reservations', alice.cookie, { store: 'lyon-presquile', lines: [] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'request.invalid', field: 'lines' } });
  });

  it('scopes reservations to their customer: another\'s is a 404', async () => {
    const mine = await h.json('GET', '/api/store/account/reservations', alice.cookie);
    expect((mine.json() as Json).reservations.map((r: Json) => r.number)).toEqual([number]);
    expect(((await h.json('GET', '/api/store/account/reservations', bob.cookie)).json() as Json).reservations).toEqual([]);
    expect((await h.json('GET', `/api/store/account/reservations/${number}`, alice.cookie)).statusCode).toBe(200);
    const other = await h.json('GET', `/api/store/account/reservations/${number}`, bob.cookie);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ error: { code: 'reservation.not_found' } });
    expect((await h.json('POST', `/api/store/account/reservations/${number}/cancel`, bob.cookie)).statusCode).toBe(404);
  });

  it('back office: customer service reads but may not confirm; the owner confirms', async () => {
    const service = await h.staffCookie(owner, 'customer_service');
    const list = await h.json('GET', '/api/admin/reservations', service);
    expect(list.statusCode, list.body).toBe(200);
    expect((list.json() as Json).reservations.find((r: Json) => r.number === number)).toMatchObject({ state: 'requested', customer: { email: alice.email } });
    const refused = await h.json('POST', `/api/admin/reservations/${number}/confirm`, service);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'auth.forbidden' } });

    const confirmed = await h.json('POST', `/api/admin/reservations/${number}/confirm`, owner);
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect((confirmed.json() as Json).reservation).toMatchObject({ state: 'confirmed', holdUntil: '2026-12-05T13:30:00.000Z' });
    expect((await h.json('POST', `/api/admin/reservations/${number}/confirm`, owner)).json()).toMatchObject({ error: { code: 'reservation.illegal_transition' } });
  });

  it('the clock reaches the end of the hold: expired at that instant, units back, customer emailed', async () => {
    const before = await h.clockTo(owner, '2026-12-05T13:29:59Z');
    expect(before.statusCode, before.body).toBe(200);
    expect(((await h.json('GET', `/api/store/account/reservations/${number}`, alice.cookie)).json() as Json).reservation.state).toBe('confirmed');
    const moved = await h.clockTo(owner, '2026-12-05T18:00:00Z');
    expect((moved.json() as Json).fired).toBeGreaterThanOrEqual(1);
    const { reservation } = (await h.json('GET', `/api/store/account/reservations/${number}`, alice.cookie)).json() as Json;
    expect(reservation).toMatchObject({ state: 'expired', expiredAt: '2026-12-05T13:30:00.000Z' });
    expect(await h.stockAt(variant, 'lyon-presquile')).toBe(3);
    expect((await h.emails(number)).map((m) => m.subject)).toContain(`Votre réservation ${number} a expiré`);
  });

  it('collected at the counter (store staff), then nothing more may happen to it', async () => {
    const r = await h.json('POST', '/api/store/account/reservations', alice.cookie, { store: 'lyon-presquile', lines: [{ variantId: variant, quantity: 1 }] });
    const n = (r.json() as Json).reservation.number as string;
    const store = await h.staffCookie(owner, 'store_staff');
    const collected = await h.json('POST', `/api/admin/reservations/${n}/collected`, store);
    expect(collected.statusCode, collected.body).toBe(200);
    expect((collected.json() as Json).reservation.state).toBe('collected');
    const cancel = await h.json('POST', `/api/store/account/reservations/${n}/cancel`, alice.cookie);
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json()).toMatchObject({ error: { code: 'reservation.illegal_transition', rule: 'ST-1' } });
    expect(await h.stockAt(variant, 'lyon-presquile')).toBe(2);
  });

  it('the product page offers "Réserver en magasin" in the stores that have it; the form reserves', async () => {
    const product = await t.ctx.db.selectFrom('variants as v').innerJoin('products as p', 'p.id', 'v.product_id').select('p.slug').where('v.id', '=', variant).executeTakeFirstOrThrow();
    const page = await h.csrfFrom(`/products/${product.slug}`, alice.cookie);
    // The variant's own form lists only the stores that have it (Paris was set to 0).
    const own = new RegExp(`<form[^>]*class="reserve-in-store" data-variant-id="${variant}">.*?</form>`).exec(page.body)?.[0] ?? '';
    expect(own).toContain('Réserver en magasin');
    expect(own).toContain('value="lyon-presquile"');
    expect(own).toContain('Gratuit et sans obligation d’achat : vous payez en magasin.');
    expect(own).not.toContain('value="paris-marais"');
    const sent = await h.form('/account/reservations', page.cookie, { _csrf: page.token, store: 'lyon-presquile', variantId: variant, quantity: '1' });
    expect(sent.statusCode, sent.body.slice(0, 300)).toBe(303);
    expect(sent.headers.location).toMatch(/^\/account\/reservations\?reserved=R-2026-\d{6}$/);
    const list = await t.app.inject({ method: 'GET', url: sent.headers.location as string, headers: { cookie: page.cookie, accept: 'text/html' } });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Mes réservations en magasin');
    expect(list.body).toContain('data-reservation-state="requested"');
    expect(await h.stockAt(variant, 'lyon-presquile')).toBe(1);

    // Too many for the store: the page again, with the refusal and a 409.
    const again = await h.csrfFrom(`/products/${product.slug}?lang=en`, alice.cookie);
    expect(again.body).toContain('Reserve in store');
    const refused = await h.form('/account/reservations', again.cookie, { _csrf: again.token, store: 'lyon-presquile', variantId: variant, quantity: '5' });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('data-error-code="reservation.not_in_stock"');
  });

  it('the back-office page lists it and confirms it with a CSRF-protected form', async () => {
    const page = await h.csrfFrom('/admin/reservations', owner);
    expect(page.body).toContain('Réservations en magasin');
    const n = /data-reservation-number="(R-2026-\d{6})"/.exec(page.body)?.[1];
    expect(n).toBeTruthy();
    expect((await h.form(`/admin/reservations/${n}/confirm`, page.cookie, {})).statusCode).toBe(403); // no CSRF token
    const done = await h.form(`/admin/reservations/${n}/confirm`, page.cookie, { _csrf: page.token });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/admin/reservations?done=${n}`);
    const stranger = await t.app.inject({ method: 'GET', url: '/admin/reservations', headers: { accept: 'text/html' } });
    expect(stranger.statusCode).toBe(303);
  });
});

describe('FR: confirmed within 2 opening hours, held 3 working days, 10 different items (ST-1)', () => {
  // Tuesday 10 November 2026, 10:00 in Paris; Wednesday 11 November is a public holiday.
  const t = useTestApp('fr', { clockStart: '2026-11-10T09:00:00Z' });
  const h = http(t);
  let owner: string;
  let alice: { id: string; email: string; cookie: string };
  let ids: string[];

  beforeAll(async () => {
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    alice = await h.customer();
    ids = await h.variants(11);
    for (const id of ids) await h.setAt(id, 'nantes-graslin', 2);
  });

  it('refuses 11 different items (422 reservation.too_many_items, rule ST-1)', async () => {
    const r = await h.json('POST', '/api/store/account/reservations', alice.cookie, { store: 'nantes-graslin', lines: ids.map((variantId) => ({ variantId, quantity: 1 })) });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: { code: 'reservation.too_many_items', field: 'lines', rule: 'ST-1', details: { limit: 10, distinct: 11 } } });
    expect(await h.stockAt(ids[0]!, 'nantes-graslin')).toBe(2);
  });

  it('not confirmed within 2 opening hours → the customer is emailed; confirmed later → held to the end of the 3rd working day', async () => {
    const r = await h.json('POST', '/api/store/account/reservations', alice.cookie, { store: 'nantes-graslin', lines: [{ variantId: ids[0]!, quantity: 1 }] });
    expect(r.statusCode, r.body).toBe(201);
    const { reservation } = r.json() as Json;
    expect(reservation).toMatchObject({ state: 'requested', holdUntil: null, confirmationDueAt: '2026-11-10T11:00:00.000Z' });

    await h.clockTo(owner, '2026-11-10T11:15:00Z');
    const overdue = ((await h.json('GET', `/api/store/account/reservations/${reservation.number}`, alice.cookie)).json() as Json).reservation;
    expect(overdue).toMatchObject({ state: 'requested', confirmationOverdueAt: '2026-11-10T11:00:00.000Z' });
    expect((await h.emails(reservation.number)).map((m) => m.subject)).toEqual([`Votre réservation ${reservation.number} en magasin`, `Votre réservation ${reservation.number} : confirmation en attente`]);

    const confirmed = await h.json('POST', `/api/admin/reservations/${reservation.number}/confirm`, owner);
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    // Thu 12, Fri 13, Mon 16 November (11 November does not count) → until Tue 17 November 00:00 Paris.
    expect((confirmed.json() as Json).reservation).toMatchObject({ state: 'confirmed', holdLastDay: '2026-11-16', holdUntil: '2026-11-16T23:00:00.000Z' });
    const mail = (await h.emails(reservation.number)).at(-1);
    expect(mail?.text).toContain("jusqu'au lundi 16 novembre 2026 inclus");

    await h.clockTo(owner, '2026-11-17T08:00:00Z');
    expect(((await h.json('GET', `/api/store/account/reservations/${reservation.number}`, alice.cookie)).json() as Json).reservation).toMatchObject({ state: 'expired', expiredAt: '2026-11-16T23:00:00.000Z' });
    expect(await h.stockAt(ids[0]!, 'nantes-graslin')).toBe(2);
  });

  it('the customer cancels from the account page (free)', async () => {
    const r = await h.json('POST', '/api/store/account/reservations', alice.cookie, { store: 'nantes-graslin', lines: [{ variantId: ids[1]!, quantity: 2 }] });
    const n = (r.json() as Json).reservation.number as string;
    expect(await h.stockAt(ids[1]!, 'nantes-graslin')).toBe(0);
    const page = await h.csrfFrom('/account/reservations', alice.cookie);
    expect(page.body).toContain(`/account/reservations/${n}/cancel`);
    const cancelled = await h.form(`/account/reservations/${n}/cancel`, page.cookie, { _csrf: page.token });
    expect(cancelled.statusCode).toBe(303);
    expect(cancelled.headers.location).toBe(`/account/reservations?cancelled=${n}`);
    expect(await h.stockAt(ids[1]!, 'nantes-graslin')).toBe(2);
  });
});

describe.each(['jw', 'pf'])('%s: no reservation in store (4xx)', (shopId) => {
  const t = useTestApp(shopId);
  const h = http(t);

  it('refuses with reservation.not_offered and lists no store', async () => {
    const alice = await h.customer();
    const [variant] = (await h.variants(1)) as [string];
    const r = await h.json('POST', '/api/store/account/reservations', alice.cookie, { store: 'any-store', lines: [{ variantId: variant, quantity: 1 }] });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: { code: 'reservation.not_offered', rule: 'ST-1' } });
    expect((await h.json('GET', '/api/store/reservations/stores')).json()).toEqual({ offered: false, rules: null, stores: [] });
  });
});
