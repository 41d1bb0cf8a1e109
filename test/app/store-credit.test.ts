// RF-4 store credit on the manual clock (FA: on request, valid 12 months),
// through real orders paid on the sandbox PSP:
// - a refund the customer asked to receive as credit: 59.90 issued, emailed at
//   once with its last day, `store_credit.issued`; refused for a guest;
// - checkout: 20.00 of credit with the rest by card (two payments, to the
//   cent; paid when the card is), an order the credit pays in full (paid and
//   invoiced at once), refusals (no credit, not enough, expired);
// - a refund of an order paid partly by credit: the card part to the card,
//   the credit part back as credit (RF-3);
// - an unpaid order cancelled at the end of its payment window gives its use back;
// - expiry by timer at the end of the last day: only what is left, emailed, proven.
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/adapters/clock.js';
import { addPrice } from '../../src/app/catalogue-admin.js';
import { refundOrderAmount } from '../../src/app/order-refunds.js';
import { lockOrderWithPayments, loadOrder } from '../../src/app/orders.js';
import { issueStoreCredit, storeCreditOf } from '../../src/app/store-credit.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import { listEvidence, verifyEvidenceChain } from '../../src/store/evidence.js';
import { listPaymentsFor } from '../../src/store/payments.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant } from '../support/orders.js';

function helpers(t: TestApp) {
  const now = () => t.ctx.clock.now();
  const moveTo = (iso: string) => advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, new Date(iso));
  const dispatch = async () => {
    const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await now());
    expect(report.failures).toEqual([]);
  };
  /** A variant priced `price` (minor units), 50 in stock. */
  const variantAt = async (price: number, skip: number) => {
    const variantId = await stockedVariant(t, 50, { skip });
    await addPrice(t.ctx.db, { shopId: 'fa', variantId, currency: 'EUR', amountMinor: price, currencies: ['EUR'], actor: { kind: 'system' }, now: await now() });
    return variantId;
  };
  const refund = async (number: string, amount: number, key: string, to?: 'store_credit') => {
    const at = await now();
    return t.ctx.db.transaction().execute(async (tx) => {
      const { order, payments } = await lockOrderWithPayments(tx, 'fa', number);
      return refundOrderAmount(tx, { shopId: 'fa', order, payments, key, reason: 'withdrawal', rule: 'WD-1', amount, dueOn: '2026-12-07', to, actor: { kind: 'system' }, now: at });
    });
  };
  const credit = async (customerId: string) => storeCreditOf(t.ctx.db, { shopId: 'fa', customerId, timeZone: 'Europe/Paris', now: await now() });
  const balance = async (customerId: string) => (await credit(customerId)).balances.find((b) => b.currency === 'EUR')?.amount ?? 0;
  const emailsTo = (to: string) => t.ctx.db.selectFrom('emails').select(['subject', 'text']).where('to_address', '=', to).orderBy('id').execute();
  const evidence = (kind: string) => listEvidence(t.ctx.db, 'fa', { kinds: [kind] });
  return { now, moveTo, dispatch, variantAt, refund, credit, balance, emailsTo, evidence };
}

describe('FA: store credit on request, valid 12 months (RF-4)', () => {
  const t = useTestApp('fa'); // Mon 23 Nov 2026, 10:00 Paris
  const h = helpers(t);
  const s: { buyer?: { id: string; email: string }; first?: string; variant?: string; mixed?: string } = {};

  it('issues 59.90 of credit for a refund the customer asked to receive as credit, emails it at once, proves it', async () => {
    s.buyer = await registeredCustomer(t);
    s.variant = await h.variantAt(5_990, 0);
    const placed = await placeCardOrder(t, { variantId: s.variant, quantity: 1, method: 'home', customerId: s.buyer.id });
    await payOnHostedPage(t, placed.redirectUrl!);
    s.first = placed.order.number;
    const refunded = await h.refund(s.first, 5_990, `withdrawal:${s.first}`, 'store_credit');
    expect(refunded).toMatchObject({ amount: 5_990, dueOn: '2026-12-07', settlement: [{ action: 'store_credit', amount: 5_990 }] });
    // the card was not refunded: money and credit are never both given
    const [card] = await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: s.first });
    expect(card).toMatchObject({ method: 'card', refundRequested: 0 });
    expect(await h.credit(s.buyer.id)).toMatchObject({
      balances: [{ currency: 'EUR', amount: 5_990 }],
      credits: [{ amount: 5_990, left: 5_990, expiresOn: '2027-11-23', state: 'usable', orderNumber: s.first, movements: [] }],
    });
    await h.dispatch();
    const mails = await h.emailsTo(s.buyer.email);
    const mail = mails.find((m) => m.subject.startsWith('Votre avoir'))!;
    expect(mail.subject).toMatch(/^Votre avoir de 59,90\s€ est disponible$/);
    expect(mail.text).toContain('utilisable dès votre prochaine commande, jusqu\'au 23 novembre 2027 inclus');
    expect((await h.evidence('store_credit.issued')).map((e) => e.data)).toEqual([expect.objectContaining({ amount: 5_990, currency: 'EUR', expiresOn: '2027-11-23', customerId: s.buyer.id })]);
    // the same cause again: the same refund, no second credit
    expect((await h.refund(s.first, 5_990, `withdrawal:${s.first}`, 'store_credit')).created).toBe(false);
    expect(await h.balance(s.buyer.id)).toBe(5_990);
  });

  it('refuses store credit for a guest (no account to hold it)', async () => {
    const order = (await loadOrder(t.ctx.db, { shopId: 'fa', number: s.first! }))!;
    const at = await h.now();
    const guest = t.ctx.db.transaction().execute((tx) => issueStoreCredit(tx, { shopId: 'fa', customerId: null, orderId: order.id, amount: 100, currency: 'EUR', key: 'guest-credit', rule: 'RF-4', now: at }));
    expect(await codeOf(guest)).toBe('store_credit.account_required');
  });

  it('uses 20.00 of credit at checkout, the rest by card: two payments to the cent, paid when the card is', async () => {
    const other = await registeredCustomer(t);
    const first = await placeCardOrder(t, { variantId: s.variant!, quantity: 1, method: 'home', customerId: other.id });
    await payOnHostedPage(t, first.redirectUrl!);
    await h.refund(first.order.number, 2_000, `withdrawal:${first.order.number}`, 'store_credit');
    expect(await h.balance(other.id)).toBe(2_000);

    const placed = await placeCardOrder(t, { variantId: s.variant!, quantity: 1, method: 'home', customerId: other.id, over: { storeCredit: true } });
    const total = placed.order.total;
    expect(placed).toMatchObject({ storeCreditUsed: 2_000, order: { paymentMethod: 'card', state: 'awaiting_payment' } });
    const payments = await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: placed.order.number });
    expect(payments.map((p) => [p.method, p.amount, p.state]).sort()).toEqual([['card', total - 2_000, 'pending'], ['store_credit', 2_000, 'captured']]);
    expect(await h.balance(other.id)).toBe(0);
    await payOnHostedPage(t, placed.redirectUrl!);
    expect((await loadOrder(t.ctx.db, { shopId: 'fa', number: placed.order.number }))!.state).toBe('paid');
    const validated = (await listEvidence(t.ctx.db, 'fa', { subject: { type: 'order', id: placed.order.number }, kinds: ['order.validated'] }))[0]!;
    expect(validated.data).toMatchObject({ total, storeCredit: 2_000, paymentMethod: 'card' });
    s.mixed = placed.order.number;

    // RF-3: the refund of the whole order: the card part to the card, the credit part back as credit
    const refunded = await h.refund(placed.order.number, total, `withdrawal:${placed.order.number}`);
    expect(refunded.settlement.map((x) => [x.action, x.amount])).toEqual([['provider_refund', total - 2_000], ['store_credit_released', 2_000]]);
    expect(await h.balance(other.id)).toBe(2_000);
    const back = await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: placed.order.number });
    expect(back.find((p) => p.method === 'store_credit')).toMatchObject({ state: 'refunded', refunded: 2_000 });
    expect(back.find((p) => p.method === 'card')).toMatchObject({ refundRequested: total - 2_000 });
  });

  it('pays a whole order with credit: paid and invoiced at once, no other payment', async () => {
    const cheap = await h.variantAt(1_000, 1);
    const placed = await placeCardOrder(t, { variantId: cheap, quantity: 1, method: 'home', customerId: s.buyer!.id, over: { paymentMethod: 'store_credit' } });
    expect(placed).toMatchObject({ redirectUrl: null, storeCreditUsed: placed.order.total, order: { paymentMethod: 'store_credit', state: 'paid' } });
    expect(placed.order.total).toBeLessThan(5_990);
    const payments = await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: placed.order.number });
    expect(payments.map((p) => [p.method, p.amount, p.captured])).toEqual([['store_credit', placed.order.total, placed.order.total]]);
    expect(await t.ctx.db.selectFrom('invoices').select('number').where('order_id', '=', placed.order.id).execute()).toHaveLength(1);
    expect(await h.balance(s.buyer!.id)).toBe(5_990 - placed.order.total);
    expect((await h.credit(s.buyer!.id)).credits[0]!.movements).toEqual([expect.objectContaining({ kind: 'use', amount: placed.order.total, orderNumber: placed.order.number })]);
  });

  it('refuses credit the customer does not have, and a whole order the credit does not cover, writing nothing', async () => {
    const stranger = await registeredCustomer(t);
    expect(await codeOf(placeCardOrder(t, { variantId: s.variant!, quantity: 1, method: 'home', customerId: stranger.id, over: { storeCredit: true } }))).toBe('store_credit.no_balance');
    expect(await codeOf(placeCardOrder(t, { variantId: s.variant!, quantity: 2, method: 'home', customerId: s.buyer!.id, over: { paymentMethod: 'store_credit' } }))).toBe('store_credit.insufficient_balance');
    expect(await codeOf(placeCardOrder(t, { variantId: s.variant!, quantity: 1, method: 'home', customerId: s.buyer!.id, over: { storeCredit: true, paymentMethod: 'instalments', instalmentCount: 3 } }))).toBe('store_credit.method_not_combinable');
    expect(await t.ctx.db.selectFrom('orders').select('number').where('customer_id', '=', stranger.id).execute()).toEqual([]);
  });

  it('gives the credit back when an unpaid order is cancelled at the end of its payment window (OR-3)', async () => {
    const before = await h.balance(s.buyer!.id);
    const placed = await placeCardOrder(t, { variantId: s.variant!, quantity: 1, method: 'home', customerId: s.buyer!.id, over: { storeCredit: true } });
    expect(placed.storeCreditUsed).toBe(before);
    expect(await h.balance(s.buyer!.id)).toBe(0);
    await h.moveTo('2026-11-23T10:05:00Z'); // the 1-hour window ended
    expect((await loadOrder(t.ctx.db, { shopId: 'fa', number: placed.order.number }))!.state).toBe('cancelled');
    expect(await h.balance(s.buyer!.id)).toBe(before);
    const released = await listEvidence(t.ctx.db, 'fa', { subject: { type: 'order', id: placed.order.number }, kinds: ['store_credit.released'] });
    expect(released.map((e) => e.data)).toEqual([expect.objectContaining({ amount: before, rule: 'RF-3' })]);
  });

  it('expires only what is left at the end of the last day (23 Nov 2027, Paris), emailed and proven', async () => {
    const left = await h.balance(s.buyer!.id);
    await h.moveTo('2027-11-23T22:59:00Z'); // 23:59 in Paris: still usable
    expect(await h.balance(s.buyer!.id)).toBe(left);
    await h.moveTo('2027-11-23T23:00:00Z');
    expect(await h.credit(s.buyer!.id)).toMatchObject({ balances: [{ currency: 'EUR', amount: 0 }], credits: [{ amount: 5_990, left: 0, state: 'expired' }] });
    const expiry = (await h.credit(s.buyer!.id)).credits[0]!.movements.filter((m) => m.kind === 'expiry');
    expect(expiry).toEqual([expect.objectContaining({ amount: left })]);
    expect((await h.evidence('store_credit.expired')).map((e) => e.data)).toContainEqual(expect.objectContaining({ amount: left, issued: 5_990, expiresOn: '2027-11-23', customerId: s.buyer!.id }));
    await h.dispatch();
    const mail = (await h.emailsTo(s.buyer!.email)).find((m) => m.subject === 'Votre avoir a expiré')!;
    expect(mail.text).toMatch(/jusqu'au 23 novembre 2027 : les \d+,\d\d\s€ restants ne peuvent plus être utilisés/);
    expect(await codeOf(placeCardOrder(t, { variantId: s.variant!, quantity: 1, method: 'home', customerId: s.buyer!.id, over: { storeCredit: true } }))).toBe('store_credit.no_balance');
    expect((await verifyEvidenceChain(t.ctx.db, 'fa')).ok).toBe(true);
  });
});
