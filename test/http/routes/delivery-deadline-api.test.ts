// Issue 5 §6 through HTTP (SH-4; L216-6 / L216-7 / L241-4): the customer's
// notice and termination from the account — the JSON API and the account
// pages (CSRF forms) — scoped to the signed-in customer; the back office's
// orders at risk, as JSON (`orders.read`) and as a page. FA: card captured at
// order, so the termination refunds the capture to the cent.
import type { ManualClock } from '../../../src/adapters/clock.js';
import { describe, expect, it } from 'vitest';
import { listPaymentsFor } from '../../../src/app/payments.js';
import { dispatchOutbox } from '../../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../../src/jobs/timer-runner.js';
import { signIn, useTestApp, type TestApp } from '../../support/app.js';
import { customerSession, payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant } from '../../support/orders.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function http(t: TestApp) {
  const api = (method: 'GET' | 'POST', url: string, cookie?: string, payload?: Json) =>
    t.app.inject({ method, url, headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) }, ...(payload !== undefined ? { payload } : {}) });
  const page = (url: string, cookie: string) => t.app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie } });
  /** A page's CSRF token and the session cookie that goes with it. */
  const csrfFrom = async (url: string, cookie: string) => {
    const r = await page(url, cookie);
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(r.body)?.[1];
    expect(token).toBeTruthy();
    const session = r.cookies.find((c) => c.name === 'comptoir_session');
    return { body: r.body, token: token!, cookie: session ? `comptoir_session=${encodeURIComponent(session.value)}` : cookie };
  };
  const postForm = (url: string, cookie: string, fields: Record<string, string>) =>
    t.app.inject({ method: 'POST', url, headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
  const advanceTo = async (iso: string) => {
    const report = await advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, new Date(iso));
    expect(report.failures).toEqual([]);
  };
  const dispatch = async () => {
    const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
    expect(report.failures).toEqual([]);
  };
  return { api, page, csrfFrom, postForm, advanceTo, dispatch };
}

describe('FA — the customer\'s notice and termination, the back office\'s orders at risk', () => {
  const t = useTestApp('fa');
  const h = http(t);
  let alice: { id: string; cookie: string };
  let apiOrder: { number: string; total: number };
  let pageOrder: { number: string; total: number };
  let owner: string;

  it('SH-4: the account shows the due date; a notice before it has passed is 409 delivery.not_late naming the rule', async () => {
    const a = await registeredCustomer(t);
    alice = { id: a.id, cookie: await customerSession(t, a.email) };
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    const variantId = await stockedVariant(t, 6);
    for (const target of ['api', 'page'] as const) {
      const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', customerId: alice.id });
      await payOnHostedPage(t, placed.redirectUrl!);
      if (target === 'api') apiOrder = { number: placed.order.number, total: placed.order.total };
      else pageOrder = { number: placed.order.number, total: placed.order.total };
    }

    const status = await h.api('GET', `/api/store/account/orders/${apiOrder.number}/delivery-deadline`, alice.cookie);
    expect(status.statusCode, status.body).toBe(200);
    expect(status.json().deliveryDeadline).toMatchObject({ number: apiOrder.number, dueOn: '2026-12-23', today: '2026-11-23', late: false, canSendNotice: false, noticeFrom: '2026-12-24', notice: null, canTerminate: false });

    const early = await h.api('POST', `/api/store/account/orders/${apiOrder.number}/delivery-notice`, alice.cookie, {});
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: { code: 'delivery.not_late', field: 'number', rule: 'SH-4', details: { dueOn: '2026-12-23', noticeFrom: '2026-12-24' } } });

    const section = await h.page(`/account/orders/${pageOrder.number}`, alice.cookie);
    expect(section.statusCode).toBe(200);
    expect(section.body).toContain('data-due-on="2026-12-23"');
    expect(section.body).toContain('Votre commande doit vous être livrée au plus tard le 23 décembre 2026.');
    expect(section.body).not.toContain('/delivery-notice');
  });

  it('SH-4: another customer, or nobody, reaches nothing (404 / 401)', async () => {
    const b = await registeredCustomer(t);
    const bob = await customerSession(t, b.email);
    for (const url of [`/api/store/account/orders/${apiOrder.number}/delivery-deadline`]) expect((await h.api('GET', url, bob)).json()).toMatchObject({ error: { code: 'order.not_found' } });
    const notice = await h.api('POST', `/api/store/account/orders/${apiOrder.number}/delivery-notice`, bob, {});
    expect(notice.statusCode).toBe(404);
    const terminate = await h.api('POST', `/api/store/account/orders/${apiOrder.number}/terminate`, bob);
    expect(terminate.statusCode).toBe(404);
    expect((await h.api('POST', `/api/store/account/orders/${apiOrder.number}/terminate`)).statusCode).toBe(401);
    expect((await h.page(`/account/orders/${pageOrder.number}/delivery`, bob)).statusCode).toBe(404);
    expect((await h.api('GET', '/api/admin/orders/at-risk')).statusCode).toBe(401);
    expect((await h.api('GET', '/api/admin/orders/at-risk', alice.cookie)).statusCode).toBe(401); // a customer is not staff
  });

  it('SH-4: past the due date — the notice through the API (201), a wrong last day is 422 naming deliverBy; termination refused while the period runs', async () => {
    await h.advanceTo('2026-12-26T09:00:00Z');
    const wrong = await h.api('POST', `/api/store/account/orders/${apiOrder.number}/delivery-notice`, alice.cookie, { deliverBy: '2027-01-01' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toMatchObject({ error: { code: 'delivery.deliver_by_invalid', field: 'deliverBy', rule: 'SH-4', details: { earliest: '2027-01-02', latest: '2027-02-24' } } });
    const sent = await h.api('POST', `/api/store/account/orders/${apiOrder.number}/delivery-notice`, alice.cookie, { deliverBy: '2027-01-02' });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json().deliveryDeadline).toMatchObject({ late: true, canTerminate: false, notice: { deliveryDueOn: '2026-12-23', deliverBy: '2027-01-02', periodEndsAt: '2027-01-02T23:00:00.000Z', terminatedAt: null } });
    expect((await h.api('POST', `/api/store/account/orders/${apiOrder.number}/delivery-notice`, alice.cookie, {})).json()).toMatchObject({ error: { code: 'delivery.notice_already_sent' } });
    const running = await h.api('POST', `/api/store/account/orders/${apiOrder.number}/terminate`, alice.cookie);
    expect(running.statusCode).toBe(409);
    expect(running.json()).toMatchObject({ error: { code: 'delivery.notice_period_running', rule: 'SH-4', details: { deliverBy: '2027-01-02', terminateFrom: '2027-01-03' } } });
  });

  it('SH-4: the notice from the account page — a CSRF form with the default last day, then the page says what comes next', async () => {
    const { body, token, cookie } = await h.csrfFrom(`/account/orders/${pageOrder.number}`, alice.cookie);
    expect(body).toContain(`action="/account/orders/${pageOrder.number}/delivery-notice"`);
    expect(body).toContain('name="deliverBy" min="2027-01-02" max="2027-02-24" value="2027-01-09"');
    expect((await h.postForm(`/account/orders/${pageOrder.number}/delivery-notice`, cookie, { deliverBy: '2027-01-09' })).statusCode).toBe(403); // no CSRF token
    const posted = await h.postForm(`/account/orders/${pageOrder.number}/delivery-notice`, cookie, { _csrf: token, deliverBy: '2027-01-09' });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe(`/account/orders/${pageOrder.number}/delivery?done=notice_sent`);
    const after = await h.page(posted.headers.location as string, cookie);
    expect(after.statusCode).toBe(200);
    expect(after.body).toContain('Votre demande de livraison est enregistrée');
    expect(after.body).toContain('vous nous avez demandé de livrer la commande au plus tard le 9 janvier 2027');
    expect(after.body).toContain('vous pourrez résoudre la vente à partir du 10 janvier 2027');
    // A second one is refused, and the page says why.
    const again = await h.postForm(`/account/orders/${pageOrder.number}/delivery-notice`, cookie, { _csrf: token });
    expect(again.headers.location).toBe(`/account/orders/${pageOrder.number}/delivery?error=delivery.notice_already_sent`);
    expect((await h.page(again.headers.location as string, cookie)).body).toContain('Une demande de livraison a déjà été envoyée');
  });

  it('SH-4 / L216-7: after the period — the termination through the API refunds the capture to the cent by the 14th day', async () => {
    await h.advanceTo('2027-01-03T09:00:00Z');
    const done = await h.api('POST', `/api/store/account/orders/${apiOrder.number}/terminate`, alice.cookie);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().termination).toMatchObject({ number: apiOrder.number, currency: 'EUR', refund: apiOrder.total, refundDueOn: '2027-01-17', parcelsOnTheWay: [], payments: [{ method: 'card', action: 'refund', amount: apiOrder.total }] });
    await h.dispatch();
    expect(await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: apiOrder.number })).toMatchObject([{ state: 'refunded', refunded: apiOrder.total }]);
    const status = (await h.api('GET', `/api/store/account/orders/${apiOrder.number}/delivery-deadline`, alice.cookie)).json().deliveryDeadline;
    expect(status).toMatchObject({ state: 'cancelled', canTerminate: false, notice: { terminatedAt: '2027-01-03T09:00:00.000Z', refund: apiOrder.total, refundDueOn: '2027-01-17' } });
    expect((await h.api('POST', `/api/store/account/orders/${apiOrder.number}/terminate`, alice.cookie)).json()).toMatchObject({ error: { code: 'delivery.already_terminated' } });
  });

  it('SH-4: the back office lists the order still at risk with its notice, and the terminated one with its refund due date (JSON and page)', async () => {
    const r = await h.api('GET', '/api/admin/orders/at-risk', owner);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ today: '2027-01-03', withinDays: 3 });
    expect(body.atRisk).toEqual([
      expect.objectContaining({ number: pageOrder.number, risk: 'past_due', daysLate: 11, dueOn: '2026-12-23', fulfilment: 'unfulfilled', notice: expect.objectContaining({ deliverBy: '2027-01-09', periodEnded: false }) }),
    ]);
    expect(body.terminated).toEqual([
      expect.objectContaining({ number: apiOrder.number, refund: apiOrder.total, refundDueOn: '2027-01-17', refunded: apiOrder.total, refundedOn: '2027-01-03', surcharge: expect.objectContaining({ late: false, surcharge: { amount: 0, currency: 'EUR' } }) }),
    ]);

    const adminPage = await h.page('/admin/orders/at-risk', owner);
    expect(adminPage.statusCode).toBe(200);
    expect(adminPage.body).toContain(`data-order="${pageOrder.number}" data-risk="past_due"`);
    expect(adminPage.body).toContain('11 j de retard');
    expect(adminPage.body).toContain('livrer avant le 9 janvier 2027');
    expect(adminPage.body).toContain(`data-order="${apiOrder.number}" data-late="false"`);
    expect(adminPage.body).toContain('17 janvier 2027');
    const stranger = await t.app.inject({ method: 'GET', url: '/admin/orders/at-risk', headers: { accept: 'text/html' } });
    expect(stranger.statusCode).toBe(303);
  });

  it('SH-4: the termination from the account page once the period ended', async () => {
    await h.advanceTo('2027-01-10T09:00:00Z');
    await h.dispatch();
    const { body, token, cookie } = await h.csrfFrom(`/account/orders/${pageOrder.number}/delivery`, alice.cookie);
    expect(body).toContain(`action="/account/orders/${pageOrder.number}/terminate"`);
    const posted = await h.postForm(`/account/orders/${pageOrder.number}/terminate`, cookie, { _csrf: token });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe(`/account/orders/${pageOrder.number}/delivery?done=terminated`);
    const after = await h.page(`/account/orders/${pageOrder.number}`, cookie);
    expect(after.body).toContain('Vous avez résolu la vente le 10 janvier 2027');
    expect(after.body).toContain('au plus tard le 24 janvier 2027');
    expect(after.body).toContain('data-refund-due-on="2027-01-24"');
  });
});
