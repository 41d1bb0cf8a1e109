// Issue 6 §2–5 on the manual clock (FA): withdrawal → return → inspection →
// refund, through the app's use cases with real orders paid on the sandbox
// PSP and delivered by the sandbox carrier.
import { describe, expect, it } from 'vitest';
import { getReturn, listReturnsOfOrder, recordReturnShipment, returnsQueue } from '../../src/app/returns.js';
import { recordWithdrawal, withdrawalOptions } from '../../src/app/withdrawals.js';
import { loadOrder } from '../../src/app/orders.js';
import { listEvidence, verifyEvidenceChain } from '../../src/store/evidence.js';
import { listPaymentsFor } from '../../src/store/payments.js';
import { useTestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { ownerActor } from '../support/fulfilment.js';
import { afterSales } from '../support/returns.js';

describe('FA: a partial then a full return (WD-1, WD-4…WD-8, RF-1, RF-2 FA variant)', () => {
  // Tue 1 Dec 2026 09:00 UTC; delivered the same day.
  const t = useTestApp('fa', { clockStart: '2026-12-01T09:00:00Z' });
  const h = afterSales(t);
  let o: Awaited<ReturnType<typeof h.deliveredOrder>>;

  it('delivers two lines (2 × 59.90 and 1 × 25.00) by home delivery at 4.90', async () => {
    o = await h.deliveredOrder({ method: 'home', lines: [{ quantity: 2, price: 5_990 }, { quantity: 1, price: 2_500 }] });
    const order = (await loadOrder(t.ctx.db, { shopId: 'fa', number: o.order.number }))!;
    expect(order.shipping).toBe(490);
    expect(order.lines.map((l) => l.total)).toEqual([11_980, 2_500]);
    expect(order.lastDeliveredAt).toEqual(new Date('2026-12-01T09:00:00Z'));
  });

  it('WD-1/WD-3: the period runs 14 days from the day after possession — 15 December', async () => {
    const order = (await loadOrder(t.ctx.db, { shopId: 'fa', number: o.order.number }))!;
    const options = await withdrawalOptions(t.ctx.db, { shopId: 'fa', order, now: await h.now() });
    expect(options.window).toMatchObject({ open: true, purpose: 'withdrawal', lastDay: '2026-12-15' });
    expect(options.lines.map((l) => l.withdrawable)).toEqual([2, 1]);
    expect(options.storeCreditOffered).toBe(true);
  });

  it('WD-10: a stranger naming the order with another email learns nothing', async () => {
    expect(await codeOf(h.withdraw({ orderNumber: o.order.number, name: 'X', items: [{ position: 0, quantity: 1 }], access: { email: 'someone@else.example' } }))).toBe('order.not_found');
  });

  it('WD-4: the statement on 10 December: return number, send-by and refund dates, acknowledgment with the time sent', async () => {
    await h.moveTo('2026-12-10T14:30:00Z');
    const r = await h.withdraw({ orderNumber: o.order.number, name: 'Camille Martin', items: [{ position: 0, quantity: 1 }], access: { email: o.order.email.toUpperCase() } });
    expect(r).toMatchObject({ number: `${o.order.number}-RT1`, state: 'authorised', purpose: 'withdrawal', channel: 'withdrawal_function', sendBy: '2026-12-24', refundDueOn: '2026-12-24', periodLastDay: '2026-12-15', refundLateAfter: null });
    await h.dispatch();
    const mails = await h.emailsAbout(o.order.number);
    const ack = mails.find((m) => m.subject.includes('accusé de réception'))!;
    expect(ack.text).toContain('10 décembre 2026 à 15:30:00 (Europe/Paris)');
    expect(ack.text).toContain(`1 × `);
    expect(ack.text).toContain('Entrepôt Fil d\'Azur');
  });

  it('RF-1: the proof of shipment on 12 December starts the refund clock; the goods arrive on 28 December', async () => {
    await h.moveTo('2026-12-12T10:00:00Z');
    const r = await recordReturnShipment(t.ctx.db, { shopId: 'fa', returnNumber: `${o.order.number}-RT1`, trackingNumber: 'CB123456789FR', by: 'guest', now: await h.now() });
    expect(r).toMatchObject({ state: 'sent_back', refundLateAfter: '2026-12-24' });
    await h.moveTo('2026-12-28T09:00:00Z');
    const received = await h.receive(r.number);
    expect(received.state).toBe('received');
    const queue = await returnsQueue(t.ctx.db, { shopId: 'fa', now: await h.now() });
    expect(queue.find((q) => q.number === r.number)).toMatchObject({ late: true, daysLate: 4 });
  });

  it('WD-8 / RF-2 (FA): a partial return refunds the unit, not the delivery; 4 days late → L242-4 legal interest', async () => {
    const r = await h.inspect(`${o.order.number}-RT1`, [{ position: 0, outcome: 'accepted' }]);
    expect(r.state).toBe('refunded');
    expect(r.refund).toMatchObject({ itemsTotal: 5_990, shipping: { amount: 0 }, refund: 5_990, executed: 5_990, daysLate: 4 });
    expect(r.refund!.lateSurcharge).toBeGreaterThan(0);
    const payments = await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: o.order.number });
    expect(payments[0]!.refundRequested).toBe(5_990);
  });

  it('customer service records the rest by letter sent on 14 December; the whole order back refunds the 4.90 delivery', async () => {
    const r = await recordWithdrawal(t.ctx.db, {
      shopId: 'fa',
      orderNumber: o.order.number,
      name: 'Camille Martin',
      items: [{ position: 0, quantity: 1 }, { position: 1, quantity: 1 }],
      channel: 'letter',
      sentAt: new Date('2026-12-14T08:00:00Z'),
      text: 'Je me rétracte du reste de ma commande.',
      actor: await ownerActor(t),
      now: await h.now(),
    });
    expect(r).toMatchObject({ channel: 'letter', periodLastDay: '2026-12-15', sendBy: '2026-12-28', refundDueOn: '2026-12-28' });
    await h.receive(r.number);
    const done = await h.inspect(r.number, [{ position: 0, outcome: 'accepted' }, { position: 1, outcome: 'refused', reason: 'Article porté et lavé' }]);
    // Position 1 refused: the order is not whole back, the delivery stays (FA).
    expect(done.refund).toMatchObject({ itemsTotal: 5_990, shipping: { amount: 0 }, refund: 5_990 });
    expect(done.refusedKeptUntil).toBe('2027-01-28');
    expect(await listReturnsOfOrder(t.ctx.db, { shopId: 'fa', order: { id: (await loadOrder(t.ctx.db, { shopId: 'fa', number: o.order.number }))!.id } })).toHaveLength(2);
  });

  it('WD-1: a statement sent after 15 December is refused with the last day', async () => {
    expect(await codeOf(h.withdraw({ orderNumber: o.order.number, name: 'Camille Martin', items: [{ position: 1, quantity: 1 }], access: { customerId: o.customerId } }))).toBe('withdrawal.period_closed');
  });

  it('evidence: every step is proved and the chain verifies', async () => {
    const kinds = (await listEvidence(t.ctx.db, 'fa', {})).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['withdrawal.received', 'return.sent_back', 'return.received', 'return.inspected', 'order.refund_due']));
    expect((await verifyEvidenceChain(t.ctx.db, 'fa')).ok).toBe(true);
    expect((await getReturn(t.ctx.db, { shopId: 'fa', number: `${o.order.number}-RT2` })).state).toBe('refunded');
  });
});
