// Issue 6 "done when", FA (Fil d'Azur) through the HTTP API on the manual clock:
// the 14 days ending on a Saturday run to Monday (WD-1, WD-3); a partial
// return keeps the delivery and the rest brings it back (RF-2 FA variant);
// store credit on request with its 12-month validity (RF-4); a gift and a
// discount by promotion charged back on a partial return, on a complementary
// invoice (RF-5, DOC-1); a refund made 12 days late with its L242-4 surcharge (RF-1).
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyEvidenceChain } from '../../../../src/store/evidence.js';
import { listPaymentsFor } from '../../../../src/store/payments.js';
import { useTestApp } from '../../../support/app.js';
import { afterSales, afterSalesApi, variantOfSku } from '../../../support/returns.js';

type Doc = { kind: string; number: string; total: number };

describe('FA: delivery → withdrawal → return → inspection → refund over HTTP', () => {
  // Saturday 5 December 2026 09:00 UTC (10:00 in Paris): both orders are delivered then.
  const t = useTestApp('fa', { clockStart: '2026-12-05T09:00:00Z' });
  const h = afterSales(t);
  const api = afterSalesApi(t);
  type Delivered = { number: string; cookie: string };
  let plain: Delivered; // 2 × FA-CAP-38 89.00 + 1 × FA-LIN-38-SAB 69.00, home 4.90
  let promo: Delivered; // FA-OXF-M-BLE 55.00 and FA-LIN-40-KAK 69.00 at −10 %, the gift FA-CUL-S (25.00), home 4.90

  beforeAll(async () => {
    const cap = await variantOfSku(t, 'FA-CAP-38');
    const lin = await variantOfSku(t, 'FA-LIN-38-SAB');
    const a = await h.deliveredOrder({ method: 'home', lines: [{ variantId: cap, quantity: 2 }, { variantId: lin, quantity: 1 }] });
    plain = { number: a.order.number, cookie: await api.customer(a.order.email) };
    // PR-7 / PR-8: two automatic promotions that stack, created by staff after the first order.
    const gift = await variantOfSku(t, 'FA-CUL-S');
    const created = [
      await api.staff('POST', '/api/admin/promotions', { name: 'Culotte offerte', code: null, kind: 'gift', giftVariantId: gift, minimumBasket: { amount: 3_000, currency: 'EUR' }, combinable: true }),
      await api.staff('POST', '/api/admin/promotions', { name: 'Moins 10 %', code: null, kind: 'percentage', percentBasisPoints: 1_000, combinable: true }),
    ];
    for (const r of created) expect(r.statusCode, r.body).toBe(201);
    const oxf = await variantOfSku(t, 'FA-OXF-M-BLE');
    const kak = await variantOfSku(t, 'FA-LIN-40-KAK');
    const b = await h.deliveredOrder({ method: 'home', lines: [{ variantId: oxf, quantity: 1 }, { variantId: kak, quantity: 1 }] });
    promo = { number: b.order.number, cookie: await api.customer(b.order.email) };
  });

  it('the orders as the customer sees them: 251.90; and 49.50 + 62.10 + a 0.00 gift worth 25.00 + 4.90 = 116.50', async () => {
    const rows = await t.ctx.db.selectFrom('orders').select(['number', 'total_minor', 'shipping_minor']).where('number', 'in', [plain.number, promo.number]).execute();
    const totals = new Map(rows.map((r) => [r.number, [Number(r.total_minor), Number(r.shipping_minor)]]));
    expect(totals.get(plain.number)).toEqual([25_190, 490]); // 2 × 89.00 + 69.00 + 4.90
    // 10 % of 124.00 = 12.40, split by amount: 5.50 on 55.00, 6.90 on 69.00 → 49.50 + 62.10 = 111.60; + 4.90 = 116.50.
    expect(totals.get(promo.number)).toEqual([11_650, 490]);
    const lines = await t.ctx.db
      .selectFrom('order_lines as l')
      .innerJoin('orders as o', 'o.id', 'l.order_id')
      .select(['l.position', 'l.sku', 'l.total_minor', 'l.discount_minor', 'l.initial_unit_price_minor'])
      .where('o.number', '=', promo.number)
      .orderBy('l.position')
      .execute();
    expect(lines.map((l) => [l.position, l.sku, Number(l.total_minor), Number(l.discount_minor), l.initial_unit_price_minor === null ? null : Number(l.initial_unit_price_minor)])).toEqual([
      [0, 'FA-LIN-40-KAK', 6_210, 690, null],
      [1, 'FA-OXF-M-BLE', 4_950, 550, null],
      [2, 'FA-CUL-S', 0, 0, 2_500],
    ]);
  });

  it('WD-1/WD-3: delivered Saturday 5 December → day 14 is Saturday 19 December, moved to Monday 21 December', async () => {
    const options = (await api.call('GET', `/api/store/account/orders/${plain.number}/withdrawal`, { cookie: plain.cookie })).json();
    expect(options).toMatchObject({ window: { open: true, purpose: 'withdrawal', lastDay: '2026-12-21' }, storeCreditOffered: true });
  });

  it('RF-4: on Monday 7 December the linen trousers withdrawn with store credit asked for; from the promo order only the shirt', async () => {
    await h.moveTo('2026-12-07T10:00:00Z');
    // Sent 7 December + 14 days = Monday 21 December (send by, refund due).
    const credit = await api.withdraw(plain.number, plain.cookie, { name: 'Camille Martin', items: [{ position: 1, quantity: 1 }], refundTo: 'store_credit' });
    expect(credit.statusCode, credit.body).toBe(201);
    expect(credit.json()).toMatchObject({ number: `${plain.number}-RT1`, refundTo: 'store_credit', periodLastDay: '2026-12-21', sendBy: '2026-12-21', refundDueOn: '2026-12-21', label: null });
    const shirt = await api.withdraw(promo.number, promo.cookie, { name: 'Camille Martin', items: [{ position: 1, quantity: 1 }] });
    expect(shirt.json()).toMatchObject({ number: `${promo.number}-RT1`, refundTo: 'original_payment', refundDueOn: '2026-12-21' });
  });

  it('RF-2 (FA) + RF-4: the partial return on 10 December keeps the delivery; 69.00 as store credit, usable until 10 December 2027', async () => {
    await h.moveTo('2026-12-10T09:00:00Z');
    const rt = `${plain.number}-RT1`;
    await api.receive(rt);
    const done = (await api.inspect(rt, [{ position: 1, outcome: 'accepted' }])).json().return;
    expect(done.refund).toMatchObject({ itemsTotal: 6_900, shipping: { amount: 0 }, charges: [], refund: 6_900, executed: 6_900, to: 'store_credit', wholeOrderReturned: false });
    expect(done.refund.shipping.rule).toContain('RF-2 (shop variant)');
    const [payment] = await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: plain.number });
    expect(payment!.refundRequested).toBe(0); // nothing back to the card
    const credit = (await api.call('GET', '/api/store/account/store-credit', { cookie: plain.cookie })).json();
    // RF-4 (FA): validity 12 months from 10 December 2026.
    expect(credit).toMatchObject({ balances: [{ currency: 'EUR', amount: 6_900 }], credits: [{ amount: 6_900, left: 6_900, expiresOn: '2027-12-10', state: 'usable', orderNumber: plain.number }] });
  });

  it('RF-5: the shirt back without the gift → the gift kept is charged 25.00 on a complementary invoice; invoice, credit note, complementary invoice', async () => {
    const rt = `${promo.number}-RT1`;
    await api.receive(rt);
    const done = (await api.inspect(rt, [{ position: 1, outcome: 'accepted' }])).json().return;
    expect(done.refund).toMatchObject({ items: [{ position: 1, quantity: 1, amount: 4_950, depreciation: 0, net: 4_950 }], itemsTotal: 4_950, shipping: { amount: 0 }, owed: 0 });
    // RF-5 (FA): any purchase returned asks for the gift back; kept, it is charged its initial unit price 25.00.
    expect(done.refund.charges).toContainEqual({ position: 2, quantity: 1, amount: 2_500, kind: 'gift_kept' });
    expect(done.refund.creditNote).toMatch(/^FA-A-2026-\d{6}$/);
    expect(done.refund.complementaryInvoice).toMatch(/^FA-F-2026-\d{6}$/);
    const docs = (await api.call('GET', `/api/store/returns/${rt}/documents`, { cookie: promo.cookie })).json() as Doc[];
    // DOC-1: the invoice 116.50, the credit note of the shirt 49.50, then the complementary invoice.
    expect(docs.map((d) => d.kind)).toEqual(['invoice', 'credit_note', 'complementary_invoice']);
    expect(docs.map((d) => d.number)).toEqual([expect.stringMatching(/^FA-F-2026-/), done.refund.creditNote, done.refund.complementaryInvoice]);
    expect(docs.slice(0, 2).map((d) => d.total)).toEqual([11_650, 4_950]);
  });

  // RF-5 (FA): the promotion that discounted a line is frozen on it (order_lines.promotion_id), so a partial return re-prices what is kept.
  it('RF-5: … and the kept trousers re-priced without their 10 % (6.90) → refund 49.50 − 25.00 − 6.90 = 17.60; complementary invoice 31.90', async () => {
    const rt = `${promo.number}-RT1`;
    const done = (await api.staff('GET', `/api/admin/returns/${rt}`)).json().return;
    expect(done.refund).toMatchObject({
      charges: [
        { position: 2, quantity: 1, amount: 2_500, kind: 'gift_kept' },
        { position: 0, quantity: 1, amount: 690, kind: 'bundle_repriced' },
      ],
      chargesTotal: 3_190,
      refund: 1_760,
      executed: 1_760,
    });
    const docs = (await api.call('GET', `/api/store/returns/${rt}/documents`, { cookie: promo.cookie })).json() as Doc[];
    expect(docs.map((d) => d.total)).toEqual([11_650, 4_950, 3_190]);
    const [payment] = await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: promo.number });
    expect(payment!.refundRequested).toBe(1_760);
  });

  it('WD-3: a statement on Monday 21 December at 20:00 Paris is in time; Tuesday 22 December is refused', async () => {
    await h.moveTo('2026-12-21T19:00:00Z');
    const rest = await api.withdraw(plain.number, plain.cookie, { name: 'Camille Martin', items: [{ position: 0, quantity: 2 }] });
    expect(rest.statusCode, rest.body).toBe(201);
    // Sent 21 December + 14 days = Monday 4 January 2027.
    expect(rest.json()).toMatchObject({ number: `${plain.number}-RT2`, periodLastDay: '2026-12-21', sendBy: '2027-01-04', refundDueOn: '2027-01-04' });
    await h.moveTo('2026-12-22T08:00:00Z');
    const late = await api.withdraw(promo.number, promo.cookie, { name: 'Camille Martin', items: [{ position: 0, quantity: 1 }] });
    expect(api.refusal(late)).toMatchObject({ status: 422, code: 'withdrawal.period_closed', field: 'sentAt', rule: 'WD-1' });
  });

  it('RF-1: proof of shipment on 23 December; on Tuesday 12 January the queue shows 8 days late on the 178.00 named', async () => {
    const rt = `${plain.number}-RT2`;
    await h.moveTo('2026-12-23T10:00:00Z');
    const proof = await api.call('POST', `/api/store/returns/${rt}/shipment-proof`, { cookie: plain.cookie, payload: { trackingNumber: '6A98765432109' } });
    expect(proof.json()).toMatchObject({ state: 'sent_back', refundLateAfter: '2027-01-04' });
    await h.moveTo('2027-01-12T09:00:00Z');
    const queue = (await api.staff('GET', '/api/admin/returns')).json().returns;
    // 5…12 January = 8 days late: 178.00 × 6.65 % × 8/365 = 0.2594… → 0.26.
    expect(queue.find((r: { number: string }) => r.number === rt)).toMatchObject({ late: true, daysLate: 8, surchargeIfRefundedToday: 26 });
  });

  it('RF-2 (FA) + RF-1: the rest back on Saturday 16 January completes the order → 178.00 + 3.90 = 181.90, 12 days late → +5 % = 9.10', async () => {
    await h.moveTo('2027-01-16T09:00:00Z');
    const rt = `${plain.number}-RT2`;
    await api.receive(rt);
    const done = (await api.inspect(rt, [{ position: 0, outcome: 'accepted' }])).json().return;
    // RF-2: the whole order is back now, so the delivery goes back, up to the cheapest standard delivery the
    // shop offered: the relay point 3.90 (home 4.90 paid). 2 × 89.00 + 3.90 = 181.90.
    // 5…16 January = 12 days late (11 to 20 days: 5 %): 181.90 × 5 % = 9.095 → 9.10 (half away from zero).
    expect(done.refund).toMatchObject({ itemsTotal: 17_800, shipping: { amount: 390 }, refund: 18_190, executed: 18_190, to: 'original_payment', wholeOrderReturned: true, dueOn: '2027-01-04', daysLate: 12, lateSurcharge: 910 });
    expect(done.refund.shipping.rule).toBe('RF-2: cheapest standard delivery 3.90 (paid 4.90)');
    const [payment] = await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: plain.number });
    expect(payment!.refundRequested).toBe(18_190);
    await h.dispatch();
    const mail = (await h.emailsAbout(plain.number)).find((m) => m.subject.includes(rt) && m.text.includes('181,90'));
    expect(mail, 'the inspection email states the refund').toBeDefined();
  });

  it('evidence chain intact', async () => {
    expect((await verifyEvidenceChain(t.ctx.db, 'fa')).ok).toBe(true);
  });
});
