// Issue 6 §9, the back-office pages (FA, manual clock, French UI): customer
// service records a letter with the date and time it was sent in the shop's
// time zone (WD-1, WD-4), the queue flags the late refund with the L242-4
// surcharge (RF-1), the return screen records the proof of shipment and the
// receipt, and the inspection form (CSRF) refunds and shows the breakdown
// (WD-8, RF-2 FA variant).
import { h as element } from 'preact';
import { render } from 'preact-render-to-string';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOrder } from '../../../src/app/orders.js';
import { listReturnsOfOrder } from '../../../src/app/returns.js';
import { OrderReturnsPanel } from '../../../src/http/routes/returns-back-office.js';
import { signIn, useTestApp } from '../../support/app.js';
import { testKey } from '../../support/orders.js';
import { afterSales } from '../../support/returns.js';

describe('FA: the withdrawals and returns back office', () => {
  const t = useTestApp('fa', { clockStart: '2026-12-01T09:00:00Z' });
  const h = afterSales(t);
  const euro = (text: string) => `${text}\u00a0€`;

  let owner: string;
  let warehouse: string;
  let order: string;
  const rt1 = () => `${order}-RT1`;

  const get = (url: string, cookie: string) => t.app.inject({ method: 'GET', url, headers: { cookie, accept: 'text/html' } });
  /** The page's session cookie (it may be renewed with the CSRF secret) and its CSRF token. */
  async function formOf(url: string, cookie: string) {
    const page = await get(url, cookie);
    expect(page.statusCode).toBe(200);
    const session = page.cookies.find((c) => c.name === 'comptoir_session');
    return { page, cookie: session ? `comptoir_session=${encodeURIComponent(session.value)}` : cookie, token: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! };
  }
  const post = (url: string, cookie: string, fields: Record<string, string>) =>
    t.app.inject({ method: 'POST', url, headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });

  beforeAll(async () => {
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    const email = `warehouse-${testKey()}@example.com`;
    const created = await t.app.inject({ method: 'POST', url: '/api/admin/staff', headers: { cookie: owner }, payload: { email, role: 'warehouse', password: 'a long enough password 123' } });
    expect(created.statusCode).toBe(201);
    warehouse = await signIn(t.app, email, 'a long enough password 123');
    // 2 × 59.90 and 1 × 25.00, home delivery 4.90, delivered on 1 December.
    order = (await h.deliveredOrder({ method: 'home', lines: [{ quantity: 2, price: 5_990 }, { quantity: 1, price: 2_500 }] })).order.number;
    await h.moveTo('2026-12-10T10:00:00Z');
  });

  it('WD-4: the statement form — sent at 17:00 Paris time the day before, refused in the future, CSRF checked', async () => {
    const url = `/admin/orders/${order}/withdrawals/new`;
    const { page, cookie, token } = await formOf(url, owner);
    expect(page.body).toContain('Délai de rétractation : jusqu’au 15 décembre 2026');
    expect(page.body).toContain('name="qty_0"');
    const fields = { _csrf: token, channel: 'letter', sentAt: '2026-12-09T17:00', text: 'Je me rétracte de ma commande.', name: 'Camille Martin', email: '', qty_0: '2', qty_1: '1' };
    expect((await post(url, cookie, { ...fields, _csrf: 'forged' })).statusCode).toBe(403);
    const future = await post(url, cookie, { ...fields, sentAt: '2026-12-11T09:00' });
    expect(future.statusCode).toBe(422);
    expect(future.body).toContain('data-error-code="withdrawal.invalid_sent_at"');
    expect(future.body).toContain('Je me rétracte de ma commande.'); // the form keeps what was typed

    const done = await post(url, cookie, fields);
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/admin/returns/${rt1()}?done=recorded`);
    const screen = await get(done.headers.location!, owner);
    expect(screen.body).toContain('Rétractation enregistrée');
    expect(screen.body).toContain('data-sent-at="2026-12-09T16:00:00.000Z"');
    expect(screen.body).toContain('9 décembre 2026 à 17:00:00 (Europe/Paris)');
    expect(screen.body).toContain('data-period-last-day="2026-12-15"');
    expect(screen.body).toContain('data-send-by="2026-12-23"');
    expect(screen.body).toContain('data-refund-due="2026-12-23"');
    expect(screen.body).toMatch(/<code>[0-9a-f]{64}<\/code>/);
  });

  it('RF-1: the proof of shipment on the return screen, then the queue flags the refund late on 28 December', async () => {
    await h.moveTo('2026-12-11T08:00:00Z');
    const { cookie, token } = await formOf(`/admin/returns/${rt1()}`, owner);
    const sent = await post(`/admin/returns/${rt1()}/shipment-proof`, cookie, { _csrf: token, trackingNumber: 'CB123456789FR' });
    expect(sent.headers.location).toBe(`/admin/returns/${rt1()}?done=shipment`);

    await h.moveTo('2026-12-28T09:00:00Z');
    const queue = await get('/admin/returns', warehouse);
    expect(queue.statusCode).toBe(200);
    expect(queue.body).toContain(`data-return="${rt1()}" data-late="true"`);
    // 5 days late on 144.80 (the units named, before inspection): legal interest 6.65 % × 5/365 → 0.13.
    expect(queue.body).toContain(`<strong class="error" data-days-late="5">En retard de 5 jours — majoration L242-4 : ${euro('0,13')}</strong>`);
  });

  it('« Marquer comme reçu » (warehouse), who sees no inspection form', async () => {
    const { cookie, token, page } = await formOf(`/admin/returns/${rt1()}`, warehouse);
    expect(page.body).toContain('Marquer comme reçu');
    expect((await post(`/admin/returns/${rt1()}/receive`, cookie, { _csrf: token })).headers.location).toBe(`/admin/returns/${rt1()}?done=received`);
    const after = await get(`/admin/returns/${rt1()}`, warehouse);
    expect(after.body).toContain('data-state="received"');
    expect(after.body).not.toContain('data-inspection=');
    expect((await post(`/admin/returns/${rt1()}/inspection`, cookie, { _csrf: token, outcome_0: 'accepted', outcome_1: 'accepted' })).statusCode).toBe(403);
  });

  it('WD-8: the inspection form — a refusal without reason is shown again, then 12,50 depreciated and a refusal refund 107,30 €', async () => {
    const url = `/admin/returns/${rt1()}`;
    const { cookie, token, page } = await formOf(url, owner);
    expect(page.body).toContain(`data-inspection="${rt1()}"`);
    const fields = { _csrf: token, outcome_0: 'depreciated', depreciation_0: '12,50', reason_0: 'Étiquettes retirées', outcome_1: 'refused', reason_1: '' };
    const refused = await post(`${url}/inspection`, cookie, fields);
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('data-error-code="return.reason_required"');
    expect(refused.body).toContain('value="12,50"');
    const badAmount = await post(`${url}/inspection`, cookie, { ...fields, depreciation_0: '12,5x', reason_1: 'Article porté' });
    expect(badAmount.body).toContain('data-error-code="return.invalid_depreciation"');

    const done = await post(`${url}/inspection`, cookie, { ...fields, reason_1: 'Article porté et lavé' });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`${url}?done=inspected`);
    const screen = await get(done.headers.location!, owner);
    expect(screen.body).toContain(`Inspection enregistrée. Remboursement : ${euro('107,30')} (exécuté : ${euro('107,30')}).`);
    expect(screen.body).toContain('data-refund-amount="10730"');
    expect(screen.body).toContain('data-executed="10730"');
    expect(screen.body).toContain(`<dd>${euro('119,80')}</dd>`); // the two units
    expect(screen.body).toContain(`<dd>− ${euro('12,50')}</dd>`); // WD-8 depreciation
    expect(screen.body).toContain('RF-2 (shop variant): partial return'); // the delivery stays (FA)
    expect(screen.body).toContain(`<dt>Majoration L242-4 (5 jours de retard)</dt><dd data-late-surcharge="10">${euro('0,10')}</dd>`);
    expect(screen.body).toContain('Articles refusés conservés pour le client jusqu’au 28 janvier 2027');
    expect(screen.body).toContain('data-outcome="refused"');
    const queue = await get('/admin/returns', owner);
    expect(queue.body).toContain('Aucun retour en cours.');
    expect((await get('/admin/returns?all=1', owner)).body).toContain(`data-return="${rt1()}" data-late="false"`);
  });

  it('access: a stranger is sent to sign in; the order page\'s panel lists the returns and the link to record one', async () => {
    const stranger = await t.app.inject({ method: 'GET', url: '/admin/returns', headers: { accept: 'text/html' } });
    expect(stranger.statusCode).toBe(303);
    expect(stranger.headers.location).toBe('/admin/login?next=%2Fadmin%2Freturns');
    expect((await get(`/admin/orders/${order}/withdrawals/new`, warehouse)).statusCode).toBe(403);
    const o = (await loadOrder(t.ctx.db, { shopId: 'fa', number: order }))!;
    const returns = await listReturnsOfOrder(t.ctx.db, { shopId: 'fa', order: o });
    const html = render(element(OrderReturnsPanel, { lang: 'fr', orderNumber: order, returns, mayRecord: true }));
    expect(html).toContain(`<a href="/admin/returns/${rt1()}">${rt1()}</a> — Rétractation, Remboursé`);
    expect(html).toContain(`href="/admin/orders/${order}/withdrawals/new"`);
  });
});
