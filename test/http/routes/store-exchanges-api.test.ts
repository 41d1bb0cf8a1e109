// EX-2 over HTTP (FR, manual clock): the admin API behind `exchanges.manage`
// (store staff may record; warehouse staff may not) and `orders.read`, the
// refusals as 4xx with their code, field and rule, and the back-office
// counter form: order number → lines with their window → preview → confirm (CSRF).
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { signIn, staffSession, useTestApp } from '../../support/app.js';
import { shipOrder, track } from '../../support/fulfilment.js';
import { payOnHostedPage, placeCardOrder } from '../../support/orders.js';
import { afterSales } from '../../support/returns.js';

describe('FR in-store exchanges over HTTP (EX-2)', () => {
  const t = useTestApp('fr');
  const { moveTo, dispatch } = afterSales(t);
  const json = (method: 'GET' | 'POST', url: string, cookie?: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  const storeStock = async (sku: string) =>
    (await sql<{ q: number }>`SELECT coalesce(sum(s.quantity), 0)::int AS q FROM stock s JOIN locations l ON l.id = s.location_id JOIN variants v ON v.id = s.variant_id WHERE v.sku = ${sku} AND l.code = 'nantes-graslin'`.execute(t.ctx.db)).rows[0]!.q;

  let owner: string;
  let store: string;
  let warehouse: string;
  const orders: string[] = [];

  beforeAll(async () => {
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    store = await staffSession(t.app, owner, 'store_staff');
    warehouse = await staffSession(t.app, owner, 'warehouse');
    for (const sku of ['FR-IRO-S', 'FR-BRO-36', 'FR-IRO-M']) {
      const variant = await t.ctx.db.selectFrom('variants').select('id').where('sku', '=', sku).executeTakeFirstOrThrow();
      const placed = await placeCardOrder(t, { variantId: variant.id, quantity: 1, method: 'colissimo' });
      await payOnHostedPage(t, placed.redirectUrl!);
      const shipment = await shipOrder(t, placed.order.number);
      orders.push(placed.order.number);
      await moveTo(new Date((await t.ctx.clock.now()).getTime() + 60_000).toISOString());
      await track(t, shipment.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin' });
    }
    await dispatch();
    await moveTo('2026-12-01T09:00:00Z');
  });

  const body = (orderNumber: string, over: Record<string, unknown> = {}) => ({
    orderNumber,
    storeCode: 'nantes-graslin',
    returnSlipPresented: true,
    lines: [{ position: 0, quantity: 1, replacementSku: 'FR-CAB-ECR' }],
    ...over,
  });

  it('access: a stranger 401, warehouse staff 403, store staff may record', async () => {
    expect((await json('POST', '/api/admin/store-exchanges', undefined, body(orders[0]!))).statusCode).toBe(401);
    expect((await json('POST', '/api/admin/store-exchanges', warehouse, body(orders[0]!))).statusCode).toBe(403);
    expect((await json('GET', '/api/admin/store-exchanges', warehouse)).statusCode).toBe(200); // orders.read
  });

  it('refusals are 4xx naming the code, the field and the rule', async () => {
    const noSlip = await json('POST', '/api/admin/store-exchanges', store, body(orders[0]!, { returnSlipPresented: false }));
    expect(noSlip.statusCode).toBe(422);
    expect(noSlip.json().error).toMatchObject({ code: 'exchange.return_slip_required', field: 'returnSlipPresented', rule: 'EX-2' });
    const outlet = await json('POST', '/api/admin/store-exchanges', store, body(orders[0]!, { lines: [{ position: 0, quantity: 1, replacementSku: 'FR-OUE-M' }] }));
    expect(outlet.statusCode).toBe(422);
    expect(outlet.json().error).toMatchObject({ code: 'exchange.outlet_excluded', field: 'lines.0.replacementSku' });
    const empty = await json('POST', '/api/admin/store-exchanges', store, body(orders[0]!, { storeCode: 'angers-ralliement', lines: [{ position: 0, quantity: 1, replacementSku: 'FR-ARM-M' }] }));
    expect(empty.statusCode).toBe(409);
    expect(empty.json().error.code).toBe('exchange.not_in_stock');
    expect((await json('POST', '/api/admin/store-exchanges', store, body('FR-NOPE'))).statusCode).toBe(404);
  });

  it('records a cheaper other item (the difference lost) and lists it for the order', async () => {
    const before = await storeStock('FR-CAB-ECR');
    const made = await json('POST', '/api/admin/store-exchanges', store, body(orders[0]!));
    expect(made.statusCode).toBe(201);
    expect(made.json().exchange).toMatchObject({
      number: `${orders[0]}-E1`,
      invoiced: 4_500,
      replacementTotal: 3_900,
      customerPays: 0,
      lost: 600,
      settlement: 'lost',
      lines: [{ position: 0, sku: 'FR-IRO-S', windowLastDay: expect.stringMatching(/^2026-12-2\d$/), replacement: { sku: 'FR-CAB-ECR', price: 3_900 }, sameProduct: false }],
    });
    expect(await storeStock('FR-CAB-ECR')).toBe(before - 1);
    const listed = await json('GET', `/api/admin/orders/${orders[0]}/store-exchanges`, owner);
    expect(listed.json().exchanges.map((e: { number: string }) => e.number)).toEqual([`${orders[0]}-E1`]);
    const again = await json('POST', '/api/admin/store-exchanges', store, body(orders[0]!));
    expect(again.json().error).toMatchObject({ code: 'exchange.quantity_exceeds_line', field: 'lines.0.quantity' });
  });

  it('options and preview: the counter\'s steps as JSON', async () => {
    const options = await json('GET', `/api/admin/orders/${orders[1]}/store-exchange-options`, store);
    expect(options.json().options).toMatchObject({ offered: true, returnSlipRequired: true, lines: [{ position: 0, sku: 'FR-BRO-36', exchangeable: 1, eligibility: { ok: true } }] });
    const preview = await json('POST', '/api/admin/store-exchanges/preview', store, body(orders[1]!, { lines: [{ position: 0, quantity: 1, replacementSku: 'FR-BRO-38' }] }));
    expect(preview.json().preview).toMatchObject({ customerPays: 0, lost: 0, settlement: 'none', lines: [{ sameProduct: true }] });
  });

  it('the back-office form: order → lines → preview → confirm (CSRF), then the list', async () => {
    const page = await t.app.inject({ method: 'GET', url: `/admin/store-exchanges/new?order=${orders[2]}`, headers: { cookie: store, accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-position="0" data-eligible="true"');
    const session = page.cookies.find((c) => c.name === 'comptoir_session');
    const cookie = session ? `comptoir_session=${encodeURIComponent(session.value)}` : store;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const form = (fields: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/admin/store-exchanges/new', headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    const fields = { _csrf: token, order: orders[2]!, store: 'nantes-graslin', slip: 'yes', quantity_0: '1', sku_0: 'FR-ARM-M' };
    expect((await form({ ...fields, _csrf: 'forged', step: 'confirm' })).statusCode).toBe(403);
    const noSlip = await form({ ...fields, slip: '', step: 'preview' });
    expect(noSlip.statusCode).toBe(422);
    expect(noSlip.body).toContain('data-error-code="exchange.return_slip_required"');
    const preview = await form({ ...fields, step: 'preview' });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('data-preview="paid_in_store"');
    expect(preview.body).toContain('Complément payé en magasin : 34,00');
    const confirmed = await form({ ...fields, step: 'confirm' });
    expect(confirmed.statusCode).toBe(303);
    expect(confirmed.headers.location).toBe(`/admin/store-exchanges?done=${orders[2]}-E1`);
    const list = await t.app.inject({ method: 'GET', url: '/admin/store-exchanges', headers: { cookie: owner, accept: 'text/html' } });
    expect(list.body).toContain(`data-exchange="${orders[2]}-E1"`);
    expect(list.body).toContain('data-settlement="paid_in_store"');
  });
});
