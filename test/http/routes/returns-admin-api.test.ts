// Issue 6 §9 over HTTP (FA, manual clock): the admin API of withdrawals and
// returns — who may do what (returns.read / returns.manage / returns.receive,
// refunds.manage for the inspection that refunds), a letter recorded with the
// day it was sent (WD-1, WD-4), the queue by refund due date with the late
// flag and the L242-4 surcharge (RF-1), the receipt, and an inspection with a
// depreciation and a refusal refunded to the cent (WD-8, RF-2 FA variant).
import { beforeAll, describe, expect, it } from 'vitest';
import { listEvidence } from '../../../src/store/evidence.js';
import { listPaymentsFor } from '../../../src/store/payments.js';
import { signIn, staffSession, useTestApp } from '../../support/app.js';
import { afterSales } from '../../support/returns.js';

describe('FA: withdrawals and returns through the admin API', () => {
  // Tue 1 Dec 2026 09:00 UTC; the order is delivered then.
  const t = useTestApp('fa', { clockStart: '2026-12-01T09:00:00Z' });
  const h = afterSales(t);
  const json = (method: 'GET' | 'POST', url: string, cookie?: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });

  let owner: string;
  let service: string;
  let warehouse: string;
  let order: string;
  const rt = (n: number) => `${order}-RT${n}`;

  beforeAll(async () => {
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    service = await staffSession(t.app, owner, 'customer_service');
    warehouse = await staffSession(t.app, owner, 'warehouse');
    // 2 × 59.90, 1 × 25.00, 1 × 15.00, home delivery 4.90.
    const o = await h.deliveredOrder({ method: 'home', lines: [{ quantity: 2, price: 5_990 }, { quantity: 1, price: 2_500 }, { quantity: 1, price: 1_500 }] });
    order = o.order.number;
  });

  const letter = (over: Record<string, unknown> = {}) => ({
    channel: 'letter',
    sentAt: '2026-12-09T16:00:00Z', // 17:00 in Paris, the day before
    text: 'Madame, Monsieur, je me rétracte de ma commande (robe et foulard). Camille Martin',
    name: 'Camille Martin',
    items: [{ position: 0, quantity: 2 }, { position: 1, quantity: 1 }],
    ...over,
  });

  it('access: 401 without credentials, 403 without the permission', async () => {
    await h.moveTo('2026-12-10T10:00:00Z');
    expect((await json('GET', '/api/admin/returns')).statusCode).toBe(401);
    expect((await json('POST', `/api/admin/orders/${order}/withdrawals`, undefined, letter())).statusCode).toBe(401);
    const denied = await json('POST', `/api/admin/orders/${order}/withdrawals`, warehouse, letter());
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('auth.forbidden');
    expect((await json('GET', '/api/admin/returns', warehouse)).statusCode).toBe(200); // returns.read
  });

  it('refusals are 4xx naming the field: a statement sent in the future, an unknown channel, an order that does not exist', async () => {
    const future = await json('POST', `/api/admin/orders/${order}/withdrawals`, service, letter({ sentAt: '2026-12-11T08:00:00Z' }));
    expect(future.statusCode).toBe(422);
    expect(future.json().error).toMatchObject({ code: 'withdrawal.invalid_sent_at', field: 'sentAt', rule: 'WD-1' });
    expect((await json('POST', `/api/admin/orders/${order}/withdrawals`, service, letter({ channel: 'withdrawal_function' }))).statusCode).toBe(400);
    expect((await json('POST', '/api/admin/orders/FA-NOPE/withdrawals', service, letter())).statusCode).toBe(404);
  });

  it('WD-4: customer service records a letter sent yesterday — dates counted from the day it was SENT, acknowledged by email', async () => {
    const res = await json('POST', `/api/admin/orders/${order}/withdrawals`, service, letter());
    expect(res.statusCode).toBe(201);
    const r = res.json().return;
    expect(r).toMatchObject({
      number: rt(1),
      orderNumber: order,
      channel: 'letter',
      purpose: 'withdrawal',
      state: 'authorised',
      sentAt: '2026-12-09T16:00:00.000Z',
      recordedAt: '2026-12-10T10:00:00.000Z',
      name: 'Camille Martin',
      periodLastDay: '2026-12-15', // WD-1: delivered 1 December
      sendBy: '2026-12-23', // WD-6: 14 days from 9 December
      refundDueOn: '2026-12-23', // RF-1: the notice + 14 days
      refundLateAfter: null, // neither goods nor proof of shipment yet
      label: null, // FA gives no label
      lines: [
        { position: 0, quantity: 2, outcome: null },
        { position: 1, quantity: 1, outcome: null },
      ],
    });
    expect(r.statementSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r).not.toHaveProperty('accessToken');
    await h.dispatch();
    const ack = (await h.emailsAbout(order)).find((m) => m.subject.includes(rt(1)))!;
    expect(ack.text).toContain('9 décembre 2026 à 17:00:00 (Europe/Paris)');
    expect(ack.text).toContain('Envoyée par : courrier');
    const evidence = (await listEvidence(t.ctx.db, 'fa', {})).filter((e) => e.kind === 'withdrawal.received');
    expect(evidence.at(-1)!.data).toMatchObject({ return: rt(1), channel: 'letter', sentAt: '2026-12-09T16:00:00.000Z', sendBy: '2026-12-23', refundDueOn: '2026-12-23' });
  });

  it('RF-1: the queue by refund due date; the proof of shipment makes a refund late after its due date, with the L242-4 surcharge', async () => {
    // The customer withdraws from the third item on the website the same day: due one day later.
    await h.withdraw({ orderNumber: order, name: 'Camille Martin', items: [{ position: 2, quantity: 1 }], access: { email: (await t.ctx.db.selectFrom('orders').select('email').where('number', '=', order).executeTakeFirstOrThrow()).email } });
    const queue = await json('GET', '/api/admin/returns', service);
    expect(queue.json().returns.map((r: { number: string; refundDueOn: string; late: boolean }) => [r.number, r.refundDueOn, r.late])).toEqual([
      [rt(1), '2026-12-23', false],
      [rt(2), '2026-12-24', false],
    ]);

    await h.moveTo('2026-12-11T08:00:00Z');
    expect((await json('POST', `/api/admin/returns/${rt(1)}/shipment-proof`, warehouse, { trackingNumber: 'CB123456789FR' })).statusCode).toBe(403);
    const bad = await json('POST', `/api/admin/returns/${rt(1)}/shipment-proof`, service, { trackingNumber: 'no spaces allowed' });
    expect(bad.json().error).toMatchObject({ code: 'return.invalid_tracking', field: 'trackingNumber' });
    const sent = await json('POST', `/api/admin/returns/${rt(1)}/shipment-proof`, service, { trackingNumber: 'CB123456789FR' });
    expect(sent.json().return).toMatchObject({ state: 'sent_back', shippedTracking: 'CB123456789FR', shippedRecordedAt: '2026-12-11T08:00:00.000Z', refundLateAfter: '2026-12-23' });

    await h.moveTo('2026-12-28T09:00:00Z');
    const late = (await json('GET', '/api/admin/returns', warehouse)).json().returns;
    // RT1: 5 days late (24–28 December) on 144.80 (the units named, before inspection): legal interest 6.65 % × 5/365 = 0.131… → 0.13.
    // RT2 waits for its goods or a proof of shipment (RF-1): never late yet.
    expect(late[0]).toMatchObject({ number: rt(1), late: true, daysLate: 5, surchargeIfRefundedToday: 13 });
    expect(late[1]).toMatchObject({ number: rt(2), late: false, daysLate: 0, surchargeIfRefundedToday: 0, refundLateAfter: null });
  });

  it('receipt: `returns.receive` (warehouse), not customer service', async () => {
    expect((await json('POST', `/api/admin/returns/${rt(1)}/receive`, service)).statusCode).toBe(403);
    const received = await json('POST', `/api/admin/returns/${rt(1)}/receive`, warehouse);
    expect(received.statusCode).toBe(200);
    expect(received.json().return).toMatchObject({ state: 'received', receivedAt: '2026-12-28T09:00:00.000Z' });
    expect((await json('POST', `/api/admin/returns/${rt(2)}/inspection`, service, { lines: [{ position: 2, outcome: 'accepted' }] })).json().error.code).toBe('return.not_received');
  });

  it('WD-8 + RF-1/RF-2: a depreciation of 12.50 and a refusal → 107.30 refunded to the card, 5 days late', async () => {
    const lines = [
      { position: 0, outcome: 'depreciated', depreciation: 1_250, reason: 'Étiquettes retirées' },
      { position: 1, outcome: 'refused', reason: 'Article porté et lavé' },
    ];
    expect((await json('POST', `/api/admin/returns/${rt(1)}/inspection`, warehouse, { lines })).statusCode).toBe(403);
    const noReason = await json('POST', `/api/admin/returns/${rt(1)}/inspection`, service, { lines: [lines[0], { position: 1, outcome: 'refused' }] });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.json().error).toMatchObject({ code: 'return.reason_required', field: 'lines.1.reason', rule: 'WD-8' });

    const res = await json('POST', `/api/admin/returns/${rt(1)}/inspection`, service, { lines });
    expect(res.statusCode).toBe(200);
    const r = res.json().return;
    expect(r).toMatchObject({
      state: 'refunded',
      inspectedAt: '2026-12-28T09:00:00.000Z',
      refundedAt: '2026-12-28T09:00:00.000Z',
      refusedKeptUntil: '2027-01-28', // WD-8 (FA): one month in the warehouse
      lines: [
        { position: 0, outcome: 'depreciated', acceptedQuantity: 2, depreciation: 1_250, reason: 'Étiquettes retirées' },
        { position: 1, outcome: 'refused', acceptedQuantity: 0, depreciation: 0, reason: 'Article porté et lavé' },
      ],
      refund: {
        items: [{ position: 0, quantity: 2, amount: 11_980, depreciation: 1_250, net: 10_730 }],
        itemsTotal: 11_980,
        depreciationTotal: 1_250,
        shipping: { amount: 0 }, // RF-2 (FA): partial return of conforming goods
        charges: [],
        returnLabelCost: 0,
        refund: 10_730,
        executed: 10_730,
        to: 'original_payment',
        daysLate: 5,
      },
    });
    expect(r.refund.shipping.rule).toContain('RF-2');
    expect(r.refund.lateSurcharge).toBe(10); // L242-4 on 107.30: 6.65 % × 5/365 = 0.097… → 0.10
    const payments = await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: order });
    expect(payments[0]!.refundRequested).toBe(10_730);

    const again = await json('POST', `/api/admin/returns/${rt(1)}/inspection`, service, { lines });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('return.not_received');
  });

  it('the queue keeps open returns only, unless all=true; one return reads by its number', async () => {
    expect((await json('GET', '/api/admin/returns', service)).json().returns.map((r: { number: string }) => r.number)).toEqual([rt(2)]);
    expect((await json('GET', '/api/admin/returns?all=true', service)).json().returns.map((r: { number: string }) => r.number)).toEqual([rt(1), rt(2)]);
    const one = await json('GET', `/api/admin/returns/${rt(1)}`, warehouse);
    expect(one.json().return).toMatchObject({ number: rt(1), state: 'refunded', refund: { refund: 10_730 } });
    expect((await json('GET', `/api/admin/returns/${order}-RT9`, warehouse)).statusCode).toBe(404);
  });

  it('/docs lists the routes under `admin: returns`', async () => {
    const docs = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, { tags?: string[] }>> };
    for (const [path, method] of [['/api/admin/returns', 'get'], ['/api/admin/orders/{number}/withdrawals', 'post'], ['/api/admin/returns/{number}/inspection', 'post']] as const) {
      expect(docs.paths[path]?.[method]?.tags).toEqual(['admin: returns']);
    }
  });
});
