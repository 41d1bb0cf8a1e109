// Issue 6 "done when", JW (jewellery) through the HTTP API on the manual clock:
// the terms' 10 days raised to the law's 14 (WD-1/WD-2, day 14 in time, day
// 15 refused); a full return refunding the whole 7.50 delivery (RF-2, JW
// policy `full_initial_cost`); store credit refused (RF-4, JW: never); a
// personalised item refused (WD-7); an exchange for a dearer variant paid on
// the hosted page, then a second exchange refused (EX-1, one per order).
import { beforeAll, describe, expect, it } from 'vitest';
import { getShipment } from '../../../../src/app/fulfilment.js';
import { verifyEvidenceChain } from '../../../../src/store/evidence.js';
import { listPaymentsFor } from '../../../../src/store/payments.js';
import { useTestApp } from '../../../support/app.js';
import { payOnHostedPage } from '../../../support/orders.js';
import { afterSales, afterSalesApi, linePosition, variantOfSku } from '../../../support/returns.js';

describe('JW: delivery → withdrawal → return → inspection → refund, and an exchange, over HTTP', () => {
  // Thursday 3 December 2026 09:00 UTC (10:00 in Paris): every order is delivered then.
  const t = useTestApp('jw', { clockStart: '2026-12-03T09:00:00Z' });
  const h = afterSales(t);
  const api = afterSalesApi(t);
  type Delivered = { number: string; cookie: string };
  let full: Delivered; // JW-SOL-52 89.00 + JW-JON-DOR 69.00, EMS 7.50
  let engraved: Delivered; // JW-ETO-ARG 65.00 (personalised) + JW-OND-U 39.00, EMS 7.50
  let swap: Delivered; // 2 × JW-GOU-LAB 59.00, EMS 7.50
  let dearer = ''; // JW-GOU-LUN 64.00

  const deliver = async (lines: { sku: string; quantity: number }[]): Promise<Delivered> => {
    const withIds = [];
    for (const l of lines) withIds.push({ variantId: await variantOfSku(t, l.sku), quantity: l.quantity });
    const o = await h.deliveredOrder({ method: 'ems', lines: withIds });
    return { number: o.order.number, cookie: await api.customer(o.order.email) };
  };
  const pos = (o: Delivered, sku: string) => linePosition(t, o.number, sku);

  beforeAll(async () => {
    full = await deliver([{ sku: 'JW-SOL-52', quantity: 1 }, { sku: 'JW-JON-DOR', quantity: 1 }]);
    engraved = await deliver([{ sku: 'JW-ETO-ARG', quantity: 1 }, { sku: 'JW-OND-U', quantity: 1 }]);
    swap = await deliver([{ sku: 'JW-GOU-LAB', quantity: 2 }]);
    dearer = await variantOfSku(t, 'JW-GOU-LUN', 5);
  });

  it('the totals: 89.00 + 69.00 + 7.50 = 165.50; 65.00 + 39.00 + 7.50 = 111.50; 2 × 59.00 + 7.50 = 125.50', async () => {
    const rows = await t.ctx.db.selectFrom('orders').select(['number', 'total_minor']).where('number', 'in', [full.number, engraved.number, swap.number]).execute();
    const totals = new Map(rows.map((r) => [r.number, Number(r.total_minor)]));
    expect([totals.get(full.number), totals.get(engraved.number), totals.get(swap.number)]).toEqual([16_550, 11_150, 12_550]);
  });

  it('WD-1/WD-2: the terms say 10 days, the law gives 14 → last day Thursday 17 December', async () => {
    const options = (await api.call('GET', `/api/store/account/orders/${full.number}/withdrawal`, { cookie: full.cookie })).json();
    // Delivered 3 December: day 1 = 4 December, day 14 = 17 December (not 13 December, the terms' day 10).
    expect(options).toMatchObject({ window: { open: true, purpose: 'withdrawal', lastDay: '2026-12-17' }, storeCreditOffered: false });
  });

  it('WD-7: the engraved medal cannot be withdrawn (personalised); nothing is recorded', async () => {
    await h.moveTo('2026-12-07T10:00:00Z');
    const refused = await api.withdraw(engraved.number, engraved.cookie, { name: 'Camille Martin', items: [{ position: await pos(engraved, 'JW-ETO-ARG'), quantity: 1 }] });
    expect(api.refusal(refused)).toMatchObject({ status: 422, code: 'withdrawal.item_excluded', field: 'items.0.position', rule: 'WD-7' });
    const options = (await api.call('GET', `/api/store/account/orders/${engraved.number}/withdrawal`, { cookie: engraved.cookie })).json();
    expect(options.lines.find((l: { position: number }) => l.position === 0)).toMatchObject({ exclusion: 'personalised' });
    expect(await t.ctx.db.selectFrom('returns').select('id').execute()).toHaveLength(0);
  });

  it('EX-1: on 7 December one earring pair to exchange for the moonstone pair (64.00)', async () => {
    const r = await api.withdraw(swap.number, swap.cookie, { name: 'Camille Martin', exchange: true, items: [{ position: 0, quantity: 1, exchangeVariantId: dearer }] });
    expect(r.statusCode, r.body).toBe(201);
    // Sent 7 December + 14 days = Monday 21 December.
    expect(r.json()).toMatchObject({ number: `${swap.number}-RT1`, purpose: 'exchange', state: 'authorised', sendBy: '2026-12-21', refundDueOn: '2026-12-21' });
  });

  it('EX-1 (JW): a second exchange on the same order is refused (409), before the first is even settled', async () => {
    const second = await api.withdraw(swap.number, swap.cookie, { name: 'Camille Martin', exchange: true, items: [{ position: 0, quantity: 1, exchangeVariantId: dearer }] });
    expect(api.refusal(second)).toMatchObject({ status: 409, code: 'exchange.limit_reached', field: 'exchange', rule: 'EX-1' });
  });

  it('EX-1 (JW): settled on 10 December — 64.00 − 59.00 = 5.00 to pay on the hosted page, nothing ships before', async () => {
    await h.moveTo('2026-12-10T09:00:00Z');
    const rt = `${swap.number}-RT1`;
    await api.receive(rt);
    const settled = await api.staff('POST', `/api/admin/returns/${rt}/exchange`, { lines: [{ position: 0, outcome: 'accepted' }] });
    expect(settled.statusCode, settled.body).toBe(200);
    const x = settled.json().exchange;
    // EX-1 (JW): `initialShippingRefunded: false` — the 7.50 stays.
    expect(x).toMatchObject({ state: 'inspected', exchange: { returnedAmount: 5_900, replacementPrice: 6_400, customerPays: 500, shopRefunds: 0, replacementShipment: null, payment: { amount: 500, state: 'awaiting' } }, refund: { refund: 0, executed: 0 } });
    expect(x.paymentUrl).toMatch(/^http/);
    await h.dispatch();
    const mails = await h.emailsAbout(swap.number);
    expect(mails.find((m) => m.subject === `Votre échange ${rt}`)!.text).toContain('Différence à votre charge : 5,00');

    await payOnHostedPage(t, x.paymentUrl);
    const paid = (await api.staff('GET', `/api/admin/returns/${rt}/exchange`)).json().exchange;
    expect(paid).toMatchObject({ state: 'refunded', exchange: { payment: { state: 'paid' }, replacementShipment: `${swap.number}-2` } });
    const [payment] = await listPaymentsFor(t.ctx.db, 'jw', { kind: 'exchange', id: rt });
    expect(payment).toMatchObject({ state: 'captured', captured: 500 });
    const parcel = await getShipment(t.ctx.db, { shopId: 'jw', number: `${swap.number}-2` });
    expect(parcel).toMatchObject({ state: 'packed', lines: [{ position: 1, quantity: 1 }] });
  });

  it('the replacement parcel is dispatched and delivered on Monday 14 December; WD-1: the period of the order now runs from that last delivery, to 28 December', async () => {
    const parcel = `${swap.number}-2`;
    const sent = await api.staff('POST', `/api/admin/shipments/${parcel}/dispatch`);
    expect(sent.statusCode, sent.body).toBe(200);
    await h.moveTo('2026-12-14T10:00:00Z');
    const delivered = await api.staff('POST', `/api/admin/shipments/${parcel}/tracking-events`, { kind: 'delivered', signedBy: 'Camille Martin', recipient: 'customer' });
    expect(delivered.statusCode, delivered.body).toBe(200);
    const options = (await api.call('GET', `/api/store/account/orders/${swap.number}/withdrawal`, { cookie: swap.cookie })).json();
    // WD-1: the last item of the order received 14 December → day 14 = Monday 28 December.
    expect(options.window).toMatchObject({ open: true, lastDay: '2026-12-28' });
  });

  it('RF-4 (JW): store credit is never offered; on day 14 (17 December, 22:30 Paris) the full statement is in time', async () => {
    await h.moveTo('2026-12-17T21:30:00Z');
    const items = [{ position: 0, quantity: 1 }, { position: 1, quantity: 1 }];
    const credit = await api.withdraw(full.number, full.cookie, { name: 'Camille Martin', items, refundTo: 'store_credit' });
    expect(api.refusal(credit)).toMatchObject({ status: 422, code: 'refund.store_credit_not_offered', field: 'refundTo', rule: 'RF-4' });
    const r = await api.withdraw(full.number, full.cookie, { name: 'Camille Martin', items });
    expect(r.statusCode, r.body).toBe(201);
    // Sent 17 December + 14 days = Thursday 31 December.
    expect(r.json()).toMatchObject({ number: `${full.number}-RT1`, periodLastDay: '2026-12-17', sendBy: '2026-12-31', refundDueOn: '2026-12-31', label: null });
  });

  it('WD-1: day 15 (Friday 18 December) is too late', async () => {
    await h.moveTo('2026-12-18T08:00:00Z');
    const late = await api.withdraw(engraved.number, engraved.cookie, { name: 'Camille Martin', items: [{ position: await pos(engraved, 'JW-OND-U'), quantity: 1 }] });
    expect(api.refusal(late)).toMatchObject({ status: 422, code: 'withdrawal.period_closed', field: 'sentAt', rule: 'WD-1', message: expect.stringContaining('2026-12-17') });
  });

  it('RF-2 (JW): the whole order back on 22 December → 89.00 + 69.00 + the whole 7.50 EMS delivery = 165.50, on time', async () => {
    await h.moveTo('2026-12-22T09:00:00Z');
    const rt = `${full.number}-RT1`;
    await api.receive(rt);
    const done = (await api.inspect(rt, [{ position: 0, outcome: 'accepted' }, { position: 1, outcome: 'accepted' }])).json().return;
    expect(done.refund).toMatchObject({ itemsTotal: 15_800, shipping: { amount: 750 }, refund: 16_550, executed: 16_550, to: 'original_payment', wholeOrderReturned: true, daysLate: 0, lateSurcharge: 0 });
    expect(done.refund.shipping.rule).toBe('RF-2 (shop policy): the whole initial delivery 7.50');
    const [payment] = await listPaymentsFor(t.ctx.db, 'jw', { kind: 'order', id: full.number });
    expect(payment!.refundRequested).toBe(16_550);
    const docs = (await api.call('GET', `/api/store/returns/${rt}/documents`, { cookie: full.cookie })).json() as { kind: string; total: number }[];
    expect(docs.map((d) => [d.kind, d.total])).toEqual([
      ['invoice', 16_550],
      ['credit_note', 16_550],
    ]);
    await h.dispatch();
    expect((await h.emailsAbout(full.number)).some((m) => m.text.includes('165,50'))).toBe(true);
  });

  it('evidence chain intact', async () => {
    expect((await verifyEvidenceChain(t.ctx.db, 'jw')).ok).toBe(true);
  });
});
