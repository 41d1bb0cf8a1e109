// Issue 6 "done when", PF (perfumery) through the HTTP API on the manual clock:
// a GUEST withdraws with the order's number and email (WD-4, WD-10) and follows
// the return with the acknowledgment's token; the 14 WORKING days (WD-2, PF)
// run across weekends, Christmas and New Year's Day; sealed hygiene goods only
// while sealed, perishable goods never (WD-7); the card captured at dispatch
// (PA-3) is refunded the goods and the standard delivery, never bank fees (RF-2, RF-6).
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyEvidenceChain } from '../../../../src/store/evidence.js';
import { listPaymentsFor } from '../../../../src/store/payments.js';
import { useTestApp } from '../../../support/app.js';
import { shipOrder } from '../../../support/fulfilment.js';
import { payOnHostedPage, placeCardOrder } from '../../../support/orders.js';
import { afterSales, afterSalesApi, linePosition, variantOfSku } from '../../../support/returns.js';

describe('PF: a guest withdrawal over 14 working days, end to end over HTTP', () => {
  // Friday 11 December 2026 09:00 UTC: ordered, paid, shipped and delivered that day.
  const t = useTestApp('pf', { clockStart: '2026-12-11T09:00:00Z' });
  const h = afterSales(t);
  const api = afterSalesApi(t);
  const email = 'invitee.pf@example.com';
  let number = '';
  let returnNumber = '';
  let token = '';
  const at = { ner: 0, ced: 0, avo: 0 };
  const guest = (path: string, payload: Record<string, unknown>) => api.call('POST', path, { payload: { orderNumber: number, email, ...payload } });

  beforeAll(async () => {
    // 2 × PF-NER-50 49.00 (hygiene sealed), PF-CED-190 38.00, PF-AVO-75 24.00 (perishable), standard delivery 5.47.
    const ner = await variantOfSku(t, 'PF-NER-50');
    const placed = await placeCardOrder(t, {
      variantId: ner,
      quantity: 2,
      method: 'standard',
      more: [{ variantId: await variantOfSku(t, 'PF-CED-190'), quantity: 1 }, { variantId: await variantOfSku(t, 'PF-AVO-75'), quantity: 1 }],
      over: { customerId: null, email },
    });
    number = placed.order.number;
    await payOnHostedPage(t, placed.redirectUrl!);
    const shipment = await shipOrder(t, number);
    await h.dispatch();
    await h.deliver(shipment);
    at.ner = await linePosition(t, number, 'PF-NER-50');
    at.ced = await linePosition(t, number, 'PF-CED-190');
    at.avo = await linePosition(t, number, 'PF-AVO-75');
  });

  it('PA-3 (PF): 2 × 49.00 + 38.00 + 24.00 + 5.47 = 165.47, captured at dispatch', async () => {
    const order = await t.ctx.db.selectFrom('orders').select(['total_minor', 'customer_id']).where('number', '=', number).executeTakeFirstOrThrow();
    expect([Number(order.total_minor), order.customer_id]).toEqual([16_547, null]);
    const [payment] = await listPaymentsFor(t.ctx.db, 'pf', { kind: 'order', id: number });
    expect(payment).toMatchObject({ state: 'captured', captured: 16_547 });
  });

  it('WD-2 (PF): 14 working days from Friday 11 December, skipping weekends, 25 December and 1 January → Monday 4 January', async () => {
    // Day 1 = Mon 14 Dec … 18 (5), 21–24 (9), 28–31 (13), [1 Jan holiday, 2–3 Jan weekend], Mon 4 Jan (14).
    const r = await api.call('POST', '/api/store/withdrawals/lookup', { payload: { orderNumber: number, email } });
    expect(r.statusCode, r.body).toBe(200);
    const options = r.json();
    expect(options).toMatchObject({ orderNumber: number, window: { open: true, purpose: 'withdrawal', lastDay: '2027-01-04' }, storeCreditOffered: false });
    const lines = new Map<number, [string | null, number]>(options.lines.map((l: { position: number; exclusion: string | null; withdrawable: number }) => [l.position, [l.exclusion, l.withdrawable]]));
    expect(lines.get(at.ner)).toEqual(['hygiene_sealed_if_unsealed', 2]);
    expect(lines.get(at.ced)).toEqual([null, 1]);
    expect(lines.get(at.avo)).toEqual(['perishable', 0]); // WD-7: never withdrawable
  });

  it('WD-7: a hygiene item must be declared still sealed; a perishable one is never withdrawn; nothing is recorded', async () => {
    await h.moveTo('2026-12-16T10:00:00Z');
    const unsealed = await guest('/api/store/withdrawals', { name: 'Alex Invité', items: [{ position: at.ced, quantity: 1 }, { position: at.ner, quantity: 1 }] });
    expect(api.refusal(unsealed)).toMatchObject({ status: 422, code: 'withdrawal.item_excluded', field: 'items.1.sealed', rule: 'WD-7' });
    const perishable = await guest('/api/store/withdrawals', { name: 'Alex Invité', items: [{ position: at.avo, quantity: 1, sealed: true }] });
    expect(api.refusal(perishable)).toMatchObject({ status: 422, code: 'withdrawal.item_excluded', field: 'items.0.position', rule: 'WD-7' });
    expect(await t.ctx.db.selectFrom('returns').select('id').execute()).toHaveLength(0);
  });

  it('WD-4: the guest\'s statement on the last day, Monday 4 January 21:00 Paris, is in time: send by and refund due Monday 18 January', async () => {
    await h.moveTo('2027-01-04T20:00:00Z');
    const r = await guest('/api/store/withdrawals', { name: 'Alex Invité', items: [{ position: at.ner, quantity: 1, sealed: true }, { position: at.ced, quantity: 1 }] });
    expect(r.statusCode, r.body).toBe(201);
    returnNumber = r.json().number;
    token = r.json().accessToken;
    // Sent 4 January + 14 calendar days = Monday 18 January (WD-6, RF-1).
    expect(r.json()).toMatchObject({ number: `${number}-RT1`, state: 'authorised', periodLastDay: '2027-01-04', sendBy: '2027-01-18', refundDueOn: '2027-01-18', sentAt: '2027-01-04T20:00:00.000Z', label: null });
    await h.dispatch();
    const ack = (await h.emailsAbout(number)).find((m) => m.subject.includes(returnNumber))!;
    expect(ack.to_address).toBe(email);
    expect(ack.text).toContain('4 janvier 2027 à 21:00:00 (Europe/Paris)');
    expect(ack.text).toContain(`/returns/${returnNumber}?token=${token}`);
  });

  it('WD-1: on Tuesday 5 January the period is over for the other bottle', async () => {
    await h.moveTo('2027-01-05T08:00:00Z');
    const late = await guest('/api/store/withdrawals', { name: 'Alex Invité', items: [{ position: at.ner, quantity: 1, sealed: true }] });
    expect(api.refusal(late)).toMatchObject({ status: 422, code: 'withdrawal.period_closed', rule: 'WD-1', message: expect.stringContaining('2027-01-04') });
  });

  it('RF-1: the guest sends the proof of shipment with the token on 6 January; the return reads with it only', async () => {
    await h.moveTo('2027-01-06T09:00:00Z');
    expect((await api.call('GET', `/api/store/returns/${returnNumber}`)).statusCode).toBe(404);
    const proof = await api.call('POST', `/api/store/returns/${returnNumber}/shipment-proof`, { token, payload: { trackingNumber: '6A11122233344' } });
    expect(proof.json()).toMatchObject({ state: 'sent_back', refundLateAfter: '2027-01-18' });
    const read = await api.call('GET', `/api/store/returns/${returnNumber}?token=${token}`);
    expect(read.json()).toMatchObject({ number: returnNumber, state: 'sent_back', shippedTracking: '6A11122233344' });
  });

  it('RF-2 / RF-6: received Friday 8 January → 49.00 + 38.00 + the standard delivery 5.47 = 92.47 to the card, bank fees not refunded; the credit note', async () => {
    await h.moveTo('2027-01-08T10:00:00Z');
    await api.receive(returnNumber);
    const done = (await api.inspect(returnNumber, [{ position: at.ner, outcome: 'accepted' }, { position: at.ced, outcome: 'accepted' }])).json().return;
    // RF-2 (PF `cheapest_standard`): the delivery goes back with the first refund, partial or not — 5.47, the only standard rate.
    expect(done.refund).toMatchObject({ itemsTotal: 8_700, shipping: { amount: 547 }, refund: 9_247, executed: 9_247, customerBankFeesRefunded: false, wholeOrderReturned: false, daysLate: 0, lateSurcharge: 0 });
    const [payment] = await listPaymentsFor(t.ctx.db, 'pf', { kind: 'order', id: number });
    expect(payment!.refundRequested).toBe(9_247);
    const docs = (await api.call('GET', `/api/store/returns/${returnNumber}/documents?token=${token}`)).json() as { kind: string; total: number; pdf: string }[];
    expect(docs.map((d) => [d.kind, d.total])).toEqual([
      ['invoice', 16_547],
      ['credit_note', 9_247],
    ]);
    expect(docs[1]!.pdf).toContain(`token=${token}`);
    const pdf = await api.call('GET', docs[1]!.pdf);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    await h.dispatch();
    const mail = (await h.emailsAbout(number)).find((m) => m.to_address === email && m.text.includes('92,47'));
    expect(mail, 'the guest is told the refund').toBeDefined();
  });

  it('evidence chain intact', async () => {
    expect((await verifyEvidenceChain(t.ctx.db, 'pf')).ok).toBe(true);
  });
});
