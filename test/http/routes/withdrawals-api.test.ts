// Issue 6 §2–5 through the store API (WD-4, WD-5, WD-10, RF-1, DOC-1, DOC-2):
// a PF guest withdraws with the order's number and email, follows the return
// with the acknowledgment's link, sends the proof of shipment, downloads the
// slip, and reads the credit note once refunded; a stranger learns nothing.
import { describe, expect, it } from 'vitest';
import { loadOrder } from '../../../src/app/orders.js';
import { useTestApp } from '../../support/app.js';
import { afterSales } from '../../support/returns.js';
import { customerSession, registeredCustomer } from '../../support/orders.js';

describe('PF guest: the withdrawal function through the store API', () => {
  // Mon 23 Nov 2026 09:00 UTC.
  const t = useTestApp('pf');
  const h = afterSales(t);
  const email = 'invite.pf@example.com';
  let number = '';
  let returnNumber = '';
  let token = '';

  it('delivers a guest order of 2 × 39.00 with standard delivery (5.47) on Tuesday 24 November', async () => {
    number = (await h.deliveredGuestOrder({ email, quantity: 2, price: 3_900, shipAt: '2026-11-24T08:00:00Z', deliverAt: '2026-11-24T15:00:00Z' })).number;
    const order = (await loadOrder(t.ctx.db, { shopId: 'pf', number }))!;
    expect(order).toMatchObject({ customerId: null, total: 7_800 + 547 });
  });

  it('WD-10: a wrong email is a 404 naming nothing', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/store/withdrawals/lookup', payload: { orderNumber: number, email: 'other@example.com' } });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('order.not_found');
  });

  it('WD-2 (PF): 14 working days from 24 November → Monday 14 December; both units may be withdrawn', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/store/withdrawals/lookup', payload: { orderNumber: number, email: email.toUpperCase() } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ orderNumber: number, window: { open: true, purpose: 'withdrawal', lastDay: '2026-12-14' }, lines: [{ position: 0, withdrawable: 2 }], storeCreditOffered: false, returnLabel: 'none' });
  });

  it('refuses a statement without a name or with too many units, writing nothing', async () => {
    const base = { orderNumber: number, email, items: [{ position: 0, quantity: 1 }] };
    const noName = await t.app.inject({ method: 'POST', url: '/api/store/withdrawals', payload: { ...base, name: ' ' } });
    expect(noName.statusCode).toBe(422);
    expect(noName.json().error).toMatchObject({ code: 'withdrawal.name_required', field: 'name', rule: 'WD-4' });
    const tooMany = await t.app.inject({ method: 'POST', url: '/api/store/withdrawals', payload: { ...base, name: 'Alex', items: [{ position: 0, quantity: 3 }] } });
    expect(tooMany.json().error).toMatchObject({ code: 'withdrawal.too_many_units', field: 'items.0.quantity' });
    expect(Number((await t.ctx.db.selectFrom('returns').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)).toBe(0);
  });

  it('WD-4: the statement on 10 December 17:45 Paris → return RT1, send by 24 December, refund due 24 December; the acknowledgment quotes it', async () => {
    await h.moveTo('2026-12-10T16:45:00Z');
    const r = await t.app.inject({ method: 'POST', url: '/api/store/withdrawals', payload: { orderNumber: number, email, name: 'Alex Invité', items: [{ position: 0, quantity: 1, sealed: true }] } });
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json();
    returnNumber = body.number;
    token = body.accessToken;
    expect(body).toMatchObject({ number: `${number}-RT1`, state: 'authorised', sendBy: '2026-12-24', refundDueOn: '2026-12-24', periodLastDay: '2026-12-14', sentAt: '2026-12-10T16:45:00.000Z' });
    await h.dispatch();
    const ack = (await h.emailsAbout(number)).find((m) => m.subject.includes(returnNumber))!;
    expect(ack.to_address).toBe(email);
    expect(ack.text).toContain('10 décembre 2026 à 17:45:00 (Europe/Paris)');
    expect(ack.text).toContain('1 × ');
    expect(ack.text).toContain(`/returns/${returnNumber}?token=${token}`);
  });

  it('a statement sent twice with the same Idempotency-Key is recorded once (same return, same link)', async () => {
    const send = () =>
      t.app.inject({ method: 'POST', url: '/api/store/withdrawals', headers: { 'idempotency-key': 'retry-1' }, payload: { orderNumber: number, email, name: 'Alex Invité', items: [{ position: 0, quantity: 1, sealed: true }] } });
    const first = await send();
    const again = await send();
    expect(first.statusCode, first.body).toBe(201);
    expect(again.json()).toMatchObject({ number: first.json().number, accessToken: first.json().accessToken });
    expect(first.json().number).toBe(`${number}-RT2`);
    const rows = await t.ctx.db.selectFrom('returns').select('number').where('idempotency_key', '=', 'retry-1').execute();
    expect(rows).toHaveLength(1);
  });

  it('the return page: 404 without the token, the slip PDF and the proof of shipment with it', async () => {
    expect((await t.app.inject({ method: 'GET', url: `/api/store/returns/${returnNumber}` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/store/returns/${returnNumber}?token=wrong` })).statusCode).toBe(404);
    const slip = await t.app.inject({ method: 'GET', url: `/api/store/returns/${returnNumber}/slip.pdf?token=${token}` });
    expect(slip.statusCode, slip.body).toBe(200);
    expect(slip.headers['content-type']).toBe('application/pdf');
    expect(slip.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const bad = await t.app.inject({ method: 'POST', url: `/api/store/returns/${returnNumber}/shipment-proof?token=${token}`, payload: { trackingNumber: 'x' } });
    expect(bad.json().error).toMatchObject({ code: 'return.invalid_tracking', field: 'trackingNumber' });
    await h.moveTo('2026-12-12T09:00:00Z');
    const proof = await t.app.inject({ method: 'POST', url: `/api/store/returns/${returnNumber}/shipment-proof`, headers: { 'x-return-token': token }, payload: { trackingNumber: '6A12345678901' } });
    expect(proof.json()).toMatchObject({ state: 'sent_back', shippedTracking: '6A12345678901', refundLateAfter: '2026-12-24' });
  });

  it('RF-2: received and accepted on 15 December → 39.00 and the standard delivery 5.47 back (PF: the normal delivery cost), credit note issued', async () => {
    await h.moveTo('2026-12-15T10:00:00Z');
    await h.receive(returnNumber);
    const done = await h.inspect(returnNumber, [{ position: 0, outcome: 'accepted' }]);
    expect(done.refund).toMatchObject({ itemsTotal: 3_900, shipping: { amount: 547 }, refund: 4_447, executed: 4_447, lateSurcharge: 0, customerBankFeesRefunded: false });
    expect(done.refund!.creditNote).toBe('PF-A-2026-000001');
    const docs = await t.app.inject({ method: 'GET', url: `/api/store/returns/${returnNumber}/documents?token=${token}` });
    expect(docs.json().map((d: { kind: string; number: string; total: number }) => [d.kind, d.total])).toEqual([
      ['invoice', 8_347],
      ['credit_note', 4_447],
    ]);
    const pdf = await t.app.inject({ method: 'GET', url: docs.json()[1].pdf });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
  });

  it('another customer, signed in, cannot read the return', async () => {
    const stranger = await registeredCustomer(t);
    const cookie = await customerSession(t, stranger.email);
    expect((await t.app.inject({ method: 'GET', url: `/api/store/returns/${returnNumber}`, headers: { cookie } })).statusCode).toBe(404);
  });
});
