// Items unavailable after ordering (AV-1, AV-2) through HTTP, on PF (guests
// allowed, AV-1b): staff declare (who may, bad input → 4xx naming the field),
// the guest answers through the email's link (only the token's SHA-256 is
// stored), the signed-in customer from the account (scoped to their orders),
// and the same through the pages with CSRF.
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { addCartLine, chooseDestination } from '../../../src/app/cart.js';
import { placeOrder } from '../../../src/app/orders.js';
import { listTermsVersions } from '../../../src/app/terms.js';
import { versionInForce } from '../../../src/domain/terms-versions.js';
import { dispatchOutbox } from '../../../src/jobs/outbox-dispatcher.js';
import { signIn, useTestApp, type TestApp } from '../../support/app.js';
import { customerSession, payOnHostedPage, registeredCustomer, stockedVariant, testKey } from '../../support/orders.js';

function helpers(t: TestApp) {
  const shopId = () => t.ctx.shop.id;
  const flush = async () => {
    const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
    expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
  };
  /** A paid PF card order of two lines: for the customer, or a guest (CU-1: PF allows guests). */
  const paidOrder = async (customerId: string | null, skip: number) => {
    const shop = { id: shopId(), policy: t.ctx.shop.policy };
    const now = await t.ctx.clock.now();
    const a = await stockedVariant(t, 10, { skip });
    const b = await stockedVariant(t, 10, { skip: skip + 1 });
    let token = (await addCartLine(t.ctx.db, { shop, token: null, variantId: a, quantity: 1, now })).token;
    token = (await addCartLine(t.ctx.db, { shop, token, variantId: b, quantity: 2, now })).token;
    await chooseDestination(t.ctx.db, { shop, token, country: 'FR', shippingMethodId: 'standard', now });
    const terms = versionInForce(await listTermsVersions(t.ctx.db, shopId()), now)!;
    const placed = await placeOrder(t.ctx.db, {
      shop: { ...shop, policyHash: t.ctx.shop.policyHash },
      provider: t.ctx.payments?.provider,
      cartToken: token,
      customerId,
      email: customerId ? null : `guest-${testKey()}@example.com`,
      deliveryAddress: { name: 'Camille Martin', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR' },
      shippingMethodId: 'standard',
      paymentMethod: 'card',
      acceptedTerms: { versionId: terms.id, hash: terms.hash.fr, language: 'fr' },
      declarations: { age: { meetsMinimumAge: true } },
      idempotencyKey: testKey(),
      returnUrl: '/checkout/done',
      now,
    });
    await payOnHostedPage(t, placed.redirectUrl!);
    await flush();
    return placed.order.number;
  };
  const json = (method: 'GET' | 'POST', url: string, cookie?: string, payload?: Record<string, unknown>) =>
    t.app.inject({ method, url, headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) }, ...(payload ? { payload } : {}) });
  const page = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } });
  /** The form's CSRF token and the session cookie that goes with it. */
  const csrfFrom = async (url: string, cookie?: string) => {
    const r = await page(url, cookie);
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(r.body)![1]!;
    const session = r.cookies.find((c) => c.name === 'comptoir_session');
    return { token, cookie: session ? `comptoir_session=${encodeURIComponent(session.value)}` : cookie! };
  };
  const postForm = (url: string, cookie: string, fields: Record<string, string>) =>
    t.app.inject({ method: 'POST', url, headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
  const linkIn = async (number: string) => {
    await flush();
    const { rows } = await sql<{ body: string }>`SELECT text AS body FROM emails WHERE related_id = ${number} AND text LIKE ${'%/unavailable/%'} ORDER BY id`.execute(t.ctx.db);
    const body = rows.at(-1)!.body;
    return { body, path: /http:\/\/[^/]+(\/orders\/[^/]+\/unavailable\/[A-Za-z0-9_-]+)/.exec(body)![1]! };
  };
  const staffCookie = async (owner: string, role: string) => {
    const email = `${role}-${testKey()}@example.com`;
    const password = 'a long enough password 123';
    const created = await json('POST', '/api/admin/staff', owner, { email, role, password });
    expect(created.statusCode).toBe(201);
    return signIn(t.app, email, password);
  };
  return { shopId, flush, paidOrder, json, page, csrfFrom, postForm, linkIn, staffCookie };
}

describe('PF (AV-1b) over HTTP', () => {
  const t = useTestApp('pf');
  const h = helpers(t);
  let owner: string;
  let warehouse: string;
  let store: string;

  beforeAll(async () => {
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    warehouse = await h.staffCookie(owner, 'warehouse');
    store = await h.staffCookie(owner, 'store_staff');
  });

  it('AV-1 staff declare: strangers 401, a role without fulfilment.manage nor orders.manage 403, bad input 4xx naming the field; the warehouse may (201)', async () => {
    const number = await h.paidOrder(null, 0);
    const url = `/api/admin/orders/${number}/lines/1/unavailable`;
    expect((await h.json('POST', url, undefined, { quantity: 1 })).statusCode).toBe(401);
    const forbidden = await h.json('POST', url, store, { quantity: 1 });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('auth.forbidden');
    const invalid = await h.json('POST', url, warehouse, { quantity: 'two' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error).toMatchObject({ code: 'request.invalid', field: 'quantity' });
    const tooMany = await h.json('POST', url, warehouse, { quantity: 3 });
    expect(tooMany.statusCode).toBe(422);
    expect(tooMany.json().error).toMatchObject({ code: 'unavailability.quantity_exceeds_remaining', field: 'quantity', rule: 'AV-1', details: { remaining: 2 } });
    expect((await h.json('POST', `/api/admin/orders/${number}/lines/7/unavailable`, warehouse, { quantity: 1 })).json().error).toMatchObject({ code: 'order_line.not_found', field: 'position' });
    expect((await h.json('POST', `/api/admin/orders/PF-1999-000000/lines/1/unavailable`, warehouse, { quantity: 1 })).statusCode).toBe(404);
    const substitute = await h.json('POST', url, warehouse, { quantity: 1, substituteSku: 'PF-ANY' });
    expect(substitute.json().error).toMatchObject({ code: 'unavailability.substitute_not_offered', field: 'substituteSku' });

    const declared = await h.json('POST', url, warehouse, { quantity: 1 });
    expect(declared.statusCode).toBe(201);
    expect(declared.json().case).toMatchObject({ orderNumber: number, position: 1, quantity: 1, state: 'awaiting_answer', choices: ['wait', 'refund'], lastDay: '2026-11-26', declaredBy: expect.stringMatching(/^staff:/) });
    const view = await h.json('GET', `/api/admin/orders/${number}/unavailable`, store); // reading: orders.read
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({ mode: 'customer_chooses_wait_or_refund', open: true, lines: [{ position: 0, remaining: 1, declarable: 1 }, { position: 1, remaining: 2, declarable: 1 }], cases: [{ state: 'awaiting_answer' }] });
  });

  it('AV-1b a guest answers through the link: the case without staff details, a wrong token 404, an invalid choice 422, refund once (409 after)', async () => {
    const number = await h.paidOrder(null, 2);
    expect((await h.json('POST', `/api/admin/orders/${number}/lines/1/unavailable`, owner, { quantity: 2 })).statusCode).toBe(201);
    const { body, path } = await h.linkIn(number);
    expect(body).not.toContain('/account/orders/'); // a guest has no account
    const api = `/api/store${path}`;
    const read = await h.json('GET', api);
    expect(read.statusCode).toBe(200);
    expect(read.json().case).toMatchObject({ orderNumber: number, quantity: 2, state: 'awaiting_answer', choices: ['wait', 'refund'] });
    expect(read.json().case.declaredBy).toBeUndefined();
    expect((await h.json('GET', api.replace(/[A-Za-z0-9_-]{10}$/, 'AAAAAAAAAA'))).json().error.code).toBe('unavailability.not_found');
    expect((await h.json('GET', api.replace(number, 'PF-2026-999999'))).statusCode).toBe(404);
    const bad = await h.json('POST', api, undefined, { choice: 'substitute' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error).toMatchObject({ code: 'unavailability.invalid_choice', field: 'choice' });
    const done = await h.json('POST', api, undefined, { choice: 'refund' });
    expect(done.statusCode).toBe(200);
    expect(done.json().case).toMatchObject({ state: 'cancelled', choice: 'refund', answeredBy: 'customer', refund: null });
    const again = await h.json('POST', api, undefined, { choice: 'wait' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('unavailability.already_answered');
    const stored = await t.ctx.db.selectFrom('unavailability_cases').select('token_sha256').where('id', '=', done.json().case.id).executeTakeFirstOrThrow();
    expect(stored.token_sha256).not.toBe(path.split('/').at(-1));
  });

  it('AV-1b the signed-in customer answers from the account, for their own order only (another customer: 404)', async () => {
    const alice = await registeredCustomer(t);
    const bob = await registeredCustomer(t);
    const aliceCookie = await customerSession(t, alice.email);
    const bobCookie = await customerSession(t, bob.email);
    const number = await h.paidOrder(alice.id, 4);
    const declared = (await h.json('POST', `/api/admin/orders/${number}/lines/0/unavailable`, owner, { quantity: 1 })).json().case;
    const { body } = await h.linkIn(number);
    expect(body).toContain(`/account/orders/${number}/unavailable`);
    const url = `/api/store/account/orders/${number}/unavailable`;
    expect((await h.json('GET', url)).statusCode).toBe(401);
    expect((await h.json('GET', url, bobCookie)).json().error.code).toBe('order.not_found');
    expect((await h.json('POST', `${url}/${declared.id}`, bobCookie, { choice: 'refund' })).json().error.code).toBe('unavailability.not_found');
    expect((await h.json('GET', url, aliceCookie)).json().cases).toMatchObject([{ id: declared.id, state: 'awaiting_answer' }]);
    // The account's order page points to the open question (AV-1b); it is gone once answered.
    const orderPage = `/account/orders/${number}`;
    expect((await h.page(orderPage, aliceCookie)).body).toContain(`href="/account/orders/${number}/unavailable"`);
    const waiting = await h.json('POST', `${url}/${declared.id}`, aliceCookie, { choice: 'wait' });
    expect(waiting.statusCode).toBe(200);
    expect(waiting.json().case).toMatchObject({ state: 'waiting', choice: 'wait' });
    expect((await h.page(orderPage, aliceCookie)).body).not.toContain(`href="/account/orders/${number}/unavailable"`);
  });

  it('AV-1 pages: the back office declares through its form (CSRF), the customer answers on the link page (CSRF), the account page shows the outcome', async () => {
    const alice = await registeredCustomer(t);
    const aliceCookie = await customerSession(t, alice.email);
    const number = await h.paidOrder(alice.id, 6);
    const panel = `/admin/orders/${number}/unavailable`;
    const form = await h.csrfFrom(panel, owner);
    expect((await h.page(panel, owner)).body).toContain(`action="/admin/orders/${number}/lines/1/unavailable"`);
    const noCsrf = await h.postForm(`/admin/orders/${number}/lines/1/unavailable`, form.cookie, { quantity: '1' });
    expect(noCsrf.statusCode).toBe(403);
    const refused = await h.postForm(`/admin/orders/${number}/lines/1/unavailable`, form.cookie, { _csrf: form.token, quantity: '5' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('data-error-code="unavailability.quantity_exceeds_remaining"');
    const posted = await h.postForm(`/admin/orders/${number}/lines/1/unavailable`, form.cookie, { _csrf: form.token, quantity: '1' });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe(`${panel}?done=1`);
    expect((await h.page(panel, owner)).body).toMatch(/data-case-state="awaiting_answer"/);
    expect((await h.page(panel)).statusCode).toBe(303); // a stranger goes to the login page

    const { path } = await h.linkIn(number);
    const question = await h.csrfFrom(path);
    const html = (await h.page(path, question.cookie)).body;
    expect(html).toContain('name="choice" value="wait"');
    expect(html).toContain('name="choice" value="refund"');
    expect(html).toContain('26 novembre 2026');
    const answered = await h.postForm(path, question.cookie, { _csrf: question.token, choice: 'refund' });
    expect(answered.statusCode).toBe(303);
    expect(answered.headers.location).toBe(`${path}?done=1`);
    const after = await h.page(`${path}?done=1`, question.cookie);
    expect(after.body).toContain('data-case-state="cancelled"');
    expect(after.body).toContain('Votre réponse est enregistrée.');
    const twice = await h.postForm(path, question.cookie, { _csrf: question.token, choice: 'wait' });
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain('data-error-code="unavailability.already_answered"');

    const account = await h.page(`/account/orders/${number}/unavailable`, aliceCookie);
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain('data-case-state="cancelled"');
    expect((await h.page(`/account/orders/${number}/unavailable`)).statusCode).toBe(303); // sign in first
  });
});
