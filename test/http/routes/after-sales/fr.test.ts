// Issue 6 "done when", FR (ready-to-wear, Nantes) through the HTTP API on the
// manual clock: the statement gets a prepaid label from the carrier (WD-5);
// its 4.90 is deducted from the refund (WD-6) unless the goods were not in
// conformity; the delivery goes back with the first refund (RF-2); an
// in-store exchange for a dearer other item, the excess paid at the counter (EX-2).
// WD-7 exclusions: FR's catalogue has no personalised or perishable item —
// the personalised refusal is in jw.test.ts, the hygiene seal in pf.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyEvidenceChain } from '../../../../src/store/evidence.js';
import { listPaymentsFor } from '../../../../src/store/payments.js';
import { useTestApp } from '../../../support/app.js';
import { afterSales, afterSalesApi, linePosition, variantOfSku } from '../../../support/returns.js';

describe('FR: prepaid return label, non-conformity, in-store exchange over HTTP', () => {
  // Tuesday 1 December 2026 09:00 UTC: both orders delivered then.
  const t = useTestApp('fr', { clockStart: '2026-12-01T09:00:00Z' });
  const h = afterSales(t);
  const api = afterSalesApi(t);
  type Delivered = { number: string; cookie: string };
  let two: Delivered; // FR-IRO-M 45.00 + FR-FIN-GRI 49.00, Colissimo 5.90
  let faulty: Delivered; // FR-GUE-42 69.00, Colissimo 5.90

  const deliver = async (skus: string[]): Promise<Delivered> => {
    const lines = [];
    for (const sku of skus) lines.push({ variantId: await variantOfSku(t, sku), quantity: 1 });
    const o = await h.deliveredOrder({ method: 'colissimo', lines });
    return { number: o.order.number, cookie: await api.customer(o.order.email) };
  };

  beforeAll(async () => {
    two = await deliver(['FR-IRO-M', 'FR-FIN-GRI']);
    faulty = await deliver(['FR-GUE-42']);
  });

  it('the totals: 45.00 + 49.00 + 5.90 = 99.90; 69.00 + 5.90 = 74.90', async () => {
    const rows = await t.ctx.db.selectFrom('orders').select(['number', 'total_minor']).where('number', 'in', [two.number, faulty.number]).execute();
    const totals = new Map(rows.map((r) => [r.number, Number(r.total_minor)]));
    expect([totals.get(two.number), totals.get(faulty.number)]).toEqual([9_990, 7_490]);
  });

  it('WD-5 (FR): the statement on 3 December comes with a prepaid label of the carrier; period to 15 December, send by and refund due 17 December', async () => {
    await h.moveTo('2026-12-03T10:00:00Z');
    const options = (await api.call('GET', `/api/store/account/orders/${two.number}/withdrawal`, { cookie: two.cookie })).json();
    expect(options).toMatchObject({ window: { lastDay: '2026-12-15' }, returnLabel: 'prepaid_via_portal' });
    const r = await api.withdraw(two.number, two.cookie, { name: 'Camille Martin', items: [{ position: await linePosition(t, two.number, 'FR-FIN-GRI'), quantity: 1 }] });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ number: `${two.number}-RT1`, periodLastDay: '2026-12-15', sendBy: '2026-12-17', refundDueOn: '2026-12-17', label: { prepaid: true, trackingNumber: expect.any(String), trackingUrl: expect.stringMatching(/^http/) } });
    const f = await api.withdraw(faulty.number, faulty.cookie, { name: 'Camille Martin', items: [{ position: 0, quantity: 1 }] });
    expect(f.json().label).toMatchObject({ prepaid: true });
    await h.dispatch();
    const mails = await h.emailsAbout(two.number);
    expect(mails.find((m) => m.subject.includes('accusé de réception'))!.text).toContain('Votre étiquette de retour vous est envoyée dans un e-mail séparé.');
    const label = mails.find((m) => m.subject === `Votre étiquette de retour ${two.number}-RT1`)!;
    expect(label.text).toContain(r.json().label.trackingNumber);
    expect(label.text).toMatch(/son coût \(4,90\s€\) sera déduit de votre remboursement/);
  });

  it('WD-6 + RF-2 (FR): the jumper back on 7 December → 49.00 + the delivery 5.90 (first refund) − the label 4.90 = 50.00', async () => {
    await h.moveTo('2026-12-07T09:00:00Z');
    const rt = `${two.number}-RT1`;
    const position = await linePosition(t, two.number, 'FR-FIN-GRI');
    await api.receive(rt);
    const done = (await api.inspect(rt, [{ position, outcome: 'accepted' }])).json().return;
    // RF-2 (law, FR `cheapest_standard`): the delivery goes back once, with the first refund, whatever part comes back; Colissimo 5.90 is the cheapest.
    expect(done.refund).toMatchObject({ itemsTotal: 4_900, shipping: { amount: 590 }, returnLabelCost: 490, refund: 5_000, executed: 5_000, wholeOrderReturned: false });
    const [payment] = await listPaymentsFor(t.ctx.db, 'fr', { kind: 'order', id: two.number });
    expect(payment!.refundRequested).toBe(5_000);
  });

  it('WD-6: goods not in conformity come back at the shop\'s cost → 69.00 + 5.90 = 74.90, no label deducted', async () => {
    const rt = `${faulty.number}-RT1`;
    await api.receive(rt);
    const done = (await api.inspect(rt, [{ position: 0, outcome: 'accepted' }], true)).json().return;
    expect(done.refund).toMatchObject({ itemsTotal: 6_900, shipping: { amount: 590 }, returnLabelCost: 0, refund: 7_490, executed: 7_490, wholeOrderReturned: true });
    const [payment] = await listPaymentsFor(t.ctx.db, 'fr', { kind: 'order', id: faulty.number });
    expect(payment!.refundRequested).toBe(7_490);
  });

  it('EX-2: on 10 December in Nantes, the T-shirt (45.00) exchanged for another item, the jacket FR-ARM-M (79.00) → 34.00 paid in store', async () => {
    await h.moveTo('2026-12-10T14:00:00Z');
    const position = await linePosition(t, two.number, 'FR-IRO-M');
    const body = { orderNumber: two.number, storeCode: 'nantes-graslin', returnSlipPresented: true, lines: [{ position, quantity: 1, replacementSku: 'FR-ARM-M' }] };
    const noSlip = await api.staff('POST', '/api/admin/store-exchanges', { ...body, returnSlipPresented: false });
    expect(api.refusal(noSlip)).toMatchObject({ status: 422, code: 'exchange.return_slip_required', rule: 'EX-2' });
    const made = await api.staff('POST', '/api/admin/store-exchanges', body);
    expect(made.statusCode, made.body).toBe(201);
    // EX-2: another item — the invoiced 45.00 counts (shipping excluded); 79.00 − 45.00 = 34.00 paid at the counter. Window: 30 days from 1 December → 31 December.
    expect(made.json().exchange).toMatchObject({
      number: `${two.number}-E1`,
      invoiced: 4_500,
      replacementTotal: 7_900,
      customerPays: 3_400,
      lost: 0,
      settlement: 'paid_in_store',
      lines: [{ position, sku: 'FR-IRO-M', invoiced: 4_500, windowLastDay: '2026-12-31', replacement: { sku: 'FR-ARM-M', price: 7_900 }, sameProduct: false }],
    });
    // No refund and no credit in store (EX-2): the card refunds are still the 50.00 of the return.
    const [payment] = await listPaymentsFor(t.ctx.db, 'fr', { kind: 'order', id: two.number });
    expect(payment!.refundRequested).toBe(5_000);
  });

  // One count of units already settled (src/app/settled-units.ts): a unit withdrawn by post is not there to exchange at the counter.
  it('EX-2: the jumper, already withdrawn and refunded, is no longer there to exchange', async () => {
    const position = await linePosition(t, two.number, 'FR-FIN-GRI');
    const options = (await api.staff('GET', `/api/admin/orders/${two.number}/store-exchange-options`)).json().options;
    expect(options.lines.find((l: { position: number }) => l.position === position)).toMatchObject({ exchangeable: 0 });
    const refused = await api.staff('POST', '/api/admin/store-exchanges', { orderNumber: two.number, storeCode: 'nantes-graslin', returnSlipPresented: true, lines: [{ position, quantity: 1, replacementSku: 'FR-CAB-ECR' }] });
    expect(api.refusal(refused)).toMatchObject({ status: 422, code: 'exchange.quantity_exceeds_line', field: 'lines.0.quantity' });
  });

  it('evidence chain intact', async () => {
    expect((await verifyEvidenceChain(t.ctx.db, 'fr')).ok).toBe(true);
  });
});
