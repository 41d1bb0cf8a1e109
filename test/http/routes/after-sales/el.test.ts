// Issue 6 "done when", EL (Voltaïque) through the HTTP API on the manual clock:
// express delivery refunded up to the cheapest standard one (RF-2), a
// depreciation (WD-8, EL), a refund made late with its L242-4 surcharge
// (RF-1), the 30-day money-back guarantee after the legal period (WD-2), a
// professional customer (WD-9) and an exchange for a cheaper variant (EX-1).
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyEvidenceChain } from '../../../../src/store/evidence.js';
import { listPaymentsFor } from '../../../../src/store/payments.js';
import { useTestApp } from '../../../support/app.js';
import { CUSTOMER_PASSWORD, testKey } from '../../../support/orders.js';
import { afterSales, afterSalesApi, variantOfSku } from '../../../support/returns.js';

describe('EL: delivery → withdrawal → return → inspection → refund over HTTP', () => {
  // Tue 1 Dec 2026 09:00 UTC (10:00 in Paris): every order below is delivered then.
  const t = useTestApp('el', { clockStart: '2026-12-01T09:00:00Z' });
  const h = afterSales(t);
  const api = afterSalesApi(t);
  type Delivered = { number: string; email: string; cookie: string };
  // PR-3: EL adds the WEEE eco-fee per unit to the price; the line total (what a return refunds) includes it.
  let express: Delivered; // 1 × EL-OND-NOI 120.00 + eco-fee 0.17 = 120.17, express 12.90
  let worn: Delivered; // 2 × EL-FRA-AZ (45.00 + 0.08) = 90.16, standard 6.90
  let late: Delivered; // 2 × EL-FLX-1TO (60.00 + 0.02) = 120.04, standard 6.90
  let swap: Delivered; // 1 × EL-SAC-14 89.90 (no eco-fee), standard 6.90, exchanged
  let moneyBack: Delivered; // 2 × EL-FLX-2TO (45.00 + 0.02) = 90.04, standard 6.90
  let pro: Delivered; // a professional's 1 × EL-PAN27 (50.00 + 2.50) = 52.50, standard 6.90
  let cheaper = ''; // EL-OCC-NOV13-B at 59.90 (no eco-fee)

  const deliver = async (method: string, sku: string, quantity: number, price: number, customerId?: string): Promise<Delivered> => {
    const variantId = await variantOfSku(t, sku);
    const o = await h.deliveredOrder({ method, lines: [{ variantId, quantity, price }], ...(customerId ? { customerId } : {}) });
    return { number: o.order.number, email: o.order.email, cookie: await api.customer(o.order.email) };
  };

  beforeAll(async () => {
    express = await deliver('express', 'EL-OND-NOI', 1, 12_000);
    worn = await deliver('standard', 'EL-FRA-AZ', 2, 4_500);
    late = await deliver('standard', 'EL-FLX-1TO', 2, 6_000);
    swap = await deliver('standard', 'EL-SAC-14', 1, 8_990);
    moneyBack = await deliver('standard', 'EL-FLX-2TO', 2, 4_500);
    cheaper = await variantOfSku(t, 'EL-OCC-NOV13-B', 10);
    await h.price(cheaper, 5_990);
    // CU-3: a professional account, opened through the store API.
    const email = `pro-${testKey()}@example.com`;
    const opened = await t.app.inject({ method: 'POST', url: '/api/store/customers', payload: { email, password: CUSTOMER_PASSWORD, kind: 'professional', professional: { companyName: 'Atelier Dupont SARL' } } });
    expect(opened.statusCode, opened.body).toBe(201);
    pro = await deliver('standard', 'EL-PAN27', 1, 5_000, opened.json().customer.id);
  });

  it('the totals: goods with their eco-fee + delivery (express 12.90, standard 6.90)', async () => {
    const totals = await t.ctx.db.selectFrom('orders').select(['number', 'total_minor', 'shipping_minor']).where('number', 'in', [express.number, worn.number, late.number, swap.number, pro.number, moneyBack.number]).execute();
    const byNumber = new Map(totals.map((o) => [o.number, [Number(o.total_minor), Number(o.shipping_minor)]]));
    expect(byNumber.get(express.number)).toEqual([13_307, 1_290]); // 120.17 + 12.90
    expect(byNumber.get(worn.number)).toEqual([9_706, 690]); // 90.16 + 6.90
    expect(byNumber.get(late.number)).toEqual([12_694, 690]); // 120.04 + 6.90
    expect(byNumber.get(swap.number)).toEqual([9_680, 690]); // 89.90 + 6.90
    expect(byNumber.get(moneyBack.number)).toEqual([9_694, 690]); // 90.04 + 6.90
    expect(byNumber.get(pro.number)).toEqual([5_940, 690]); // 52.50 + 6.90
  });

  it('WD-1/WD-4: statements on Thursday 3 December through the account; period to 15 December, send by and refund due 17 December; a label by email (WD-5)', async () => {
    await h.moveTo('2026-12-03T10:00:00Z');
    // Delivered 1 December: day 1 = 2 December, day 14 = Tuesday 15 December. Sent 3 December: + 14 days = Thursday 17 December.
    for (const o of [express, worn]) {
      const position0 = { position: 0, quantity: o === express ? 1 : 2 };
      const r = await api.withdraw(o.number, o.cookie, { name: 'Camille Martin', items: [position0] });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json()).toMatchObject({ number: `${o.number}-RT1`, purpose: 'withdrawal', state: 'authorised', periodLastDay: '2026-12-15', sendBy: '2026-12-17', refundDueOn: '2026-12-17', refundLateAfter: null, refundTo: 'original_payment' });
      expect(r.json().label).toMatchObject({ trackingNumber: expect.any(String) });
    }
    const r = await api.withdraw(late.number, late.cookie, { name: 'Camille Martin', items: [{ position: 0, quantity: 2 }] });
    expect(r.json()).toMatchObject({ number: `${late.number}-RT1`, refundDueOn: '2026-12-17' });
    // EX-1 (EL): an exchange instead of a refund, naming the variant wanted.
    const x = await api.withdraw(swap.number, swap.cookie, { name: 'Camille Martin', exchange: true, items: [{ position: 0, quantity: 1, exchangeVariantId: cheaper }] });
    expect(x.json()).toMatchObject({ number: `${swap.number}-RT1`, purpose: 'exchange', state: 'authorised', refundDueOn: '2026-12-17' });
  });

  it('RF-1: the proof of shipment of the 2 × 60.00 on 4 December; late only after the due date (17 December) AND that day', async () => {
    await h.moveTo('2026-12-04T10:00:00Z');
    const proof = await api.call('POST', `/api/store/returns/${late.number}-RT1/shipment-proof`, { cookie: late.cookie, payload: { trackingNumber: '1Z999AA10123456784' } });
    expect(proof.json()).toMatchObject({ state: 'sent_back', shippedTracking: '1Z999AA10123456784', refundLateAfter: '2026-12-17' });
  });

  it('RF-2: the express order fully returned (7 December) → 120.17 + 4.90 = 125.07, the cheapest standard delivery for France (relay point 4.90 < home standard 6.90), not the 12.90 paid', async () => {
    await h.moveTo('2026-12-07T09:00:00Z');
    const rt = `${express.number}-RT1`;
    expect((await api.receive(rt)).json().return).toMatchObject({ state: 'received', receivedAt: '2026-12-07T09:00:00.000Z' });
    const done = (await api.inspect(rt, [{ position: 0, outcome: 'accepted' }])).json().return;
    // RF-2 (law): for FR the engine offers home_standard 6.90 and relay_point 4.90; the cheapest standard is 4.90. 120.17 + 4.90 = 125.07.
    expect(done.refund).toMatchObject({ itemsTotal: 12_017, depreciationTotal: 0, shipping: { amount: 490 }, refund: 12_507, executed: 12_507, daysLate: 0, lateSurcharge: 0, wholeOrderReturned: true });
    expect(done.refund.shipping.rule).toBe('RF-2: cheapest standard delivery 4.90 (paid 12.90)');
    expect(done).toMatchObject({ state: 'refunded', refundedAt: '2026-12-07T09:00:00.000Z' });
    const [payment] = await listPaymentsFor(t.ctx.db, 'el', { kind: 'order', id: express.number });
    expect(payment!.refundRequested).toBe(12_507);
  });

  it('WD-8 (EL): a depreciation of 15.00 for the missing original box → 90.16 − 15.00 + 4.90 = 80.06', async () => {
    const rt = `${worn.number}-RT1`;
    await api.receive(rt);
    const noReason = await api.inspect(rt, [{ position: 0, outcome: 'depreciated', depreciation: 1_500 }]);
    expect(api.refusal(noReason)).toMatchObject({ status: 422, code: 'return.reason_required', field: 'lines.0.reason' });
    const done = (await api.inspect(rt, [{ position: 0, outcome: 'depreciated', depreciation: 1_500, reason: 'Boîte d\'origine manquante' }])).json().return;
    expect(done.lines).toEqual([expect.objectContaining({ position: 0, quantity: 2, outcome: 'depreciated', acceptedQuantity: 2, depreciation: 1_500, reason: 'Boîte d\'origine manquante' })]);
    // 2 × (45.00 + 0.08) = 90.16; − 15.00 = 75.16; + 4.90 (cheapest standard, paid 6.90) = 80.06.
    expect(done.refund).toMatchObject({ items: [{ position: 0, quantity: 2, amount: 9_016, depreciation: 1_500, net: 7_516 }], itemsTotal: 9_016, depreciationTotal: 1_500, shipping: { amount: 490 }, refund: 8_006, executed: 8_006 });
    await h.dispatch();
    const mail = (await h.emailsAbout(worn.number)).find((m) => m.text.includes('Boîte d\'origine manquante'));
    expect(mail?.text).toContain('80,06');
  });

  it('EX-1 (EL): 89.90 exchanged for a 59.90 variant, settled on 7 December → 30.00 refunded through the provider, due 21 December; the replacement parcel packed', async () => {
    const rt = `${swap.number}-RT1`;
    await api.receive(rt);
    const refund = await api.inspect(rt, [{ position: 0, outcome: 'accepted' }]);
    expect(api.refusal(refund)).toMatchObject({ code: 'exchange.use_exchange_inspection' });
    const settled = await api.staff('POST', `/api/admin/returns/${rt}/exchange`, { lines: [{ position: 0, outcome: 'accepted' }] });
    expect(settled.statusCode, settled.body).toBe(200);
    // 89.90 − 59.90 = 30.00 back; 7 December + 14 days = Monday 21 December. No delivery back: the order is kept.
    expect(settled.json().exchange).toMatchObject({
      state: 'refunded',
      exchange: { returnedAmount: 8_990, replacementPrice: 5_990, customerPays: 0, shopRefunds: 3_000, payment: null, replacementShipment: `${swap.number}-2` },
      refund: { refund: 3_000, executed: 3_000, dueOn: '2026-12-21', settlement: [{ action: 'provider_refund', amount: 3_000 }] },
      paymentUrl: null,
    });
    const [payment] = await listPaymentsFor(t.ctx.db, 'el', { kind: 'order', id: swap.number });
    expect(payment!.refundRequested).toBe(3_000);
  });

  it('WD-2 (EL): day 20 after delivery (Monday 21 December), past the 14 days: accepted as `money_back`, last day 31 December, send by and refund due 4 January', async () => {
    await h.moveTo('2026-12-21T10:00:00Z');
    // Delivered 1 December: day 30 of the money-back guarantee = Thursday 31 December. Sent 21 December + 14 days = Monday 4 January.
    const r = await api.withdraw(moneyBack.number, moneyBack.cookie, { name: 'Camille Martin', items: [{ position: 0, quantity: 1 }] });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ purpose: 'money_back', periodLastDay: '2026-12-31', sendBy: '2027-01-04', refundDueOn: '2027-01-04' });
  });

  it('WD-9: a professional may not withdraw, unless 5 employees or fewer buying outside the core business', async () => {
    const refused = await api.withdraw(pro.number, pro.cookie, { name: 'Jean Dupont', items: [{ position: 0, quantity: 1 }] });
    expect(api.refusal(refused)).toMatchObject({ status: 422, code: 'withdrawal.professional_excluded', field: 'professionalException', rule: 'WD-9' });
    const tooBig = await api.withdraw(pro.number, pro.cookie, { name: 'Jean Dupont', items: [{ position: 0, quantity: 1 }], professionalException: { employees: 6, outsideCoreBusiness: true } });
    expect(api.refusal(tooBig)).toMatchObject({ code: 'withdrawal.professional_excluded' });
    const ok = await api.withdraw(pro.number, pro.cookie, { name: 'Jean Dupont', items: [{ position: 0, quantity: 1 }], professionalException: { employees: 3, outsideCoreBusiness: true } });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ purpose: 'money_back', periodLastDay: '2026-12-31', sendBy: '2027-01-04', refundDueOn: '2027-01-04' });
  });

  it('RF-1: goods received on Tuesday 22 December → the queue shows 5 days late (18…22 December)', async () => {
    await h.moveTo('2026-12-22T09:00:00Z');
    const queue = (await api.staff('GET', '/api/admin/returns')).json().returns;
    // Estimated on the 120.04 named: 120.04 × 6.65 % × 5/365 = 0.1093… → 0.11.
    expect(queue.find((r: { number: string }) => r.number === `${late.number}-RT1`)).toMatchObject({ late: true, daysLate: 5, surchargeIfRefundedToday: 11, refundDueOn: '2026-12-17' });
  });

  it('RF-1 / L242-4: refunded on 22 December, 5 days late → 120.04 + 4.90 = 124.94, surcharge at the legal interest rate 0.11', async () => {
    const rt = `${late.number}-RT1`;
    await api.receive(rt);
    const done = (await api.inspect(rt, [{ position: 0, outcome: 'accepted' }])).json().return;
    // 124.94 × 6.65 % × 5/365 = 0.1138… → 0.11 (legal interest up to 10 days late; 6.65 % is the last rate known, from 1 July 2025).
    expect(done.refund).toMatchObject({ itemsTotal: 12_004, shipping: { amount: 490 }, refund: 12_494, executed: 12_494, dueOn: '2026-12-17', daysLate: 5, lateSurcharge: 11 });
  });

  it('WD-2 (EL): day 31 after delivery (Friday 1 January) the money-back guarantee is over: refused with its last day', async () => {
    await h.moveTo('2027-01-01T09:00:00Z');
    const closed = await api.withdraw(moneyBack.number, moneyBack.cookie, { name: 'Camille Martin', items: [{ position: 0, quantity: 1 }] });
    expect(api.refusal(closed)).toMatchObject({ status: 422, code: 'withdrawal.period_closed', field: 'sentAt', rule: 'WD-1', message: expect.stringContaining('2026-12-31') });
  });

  it('evidence chain intact', async () => {
    expect((await verifyEvidenceChain(t.ctx.db, 'el')).ok).toBe(true);
  });
});
