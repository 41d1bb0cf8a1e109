// PA-1 / PA-7 (EL): deferred payment for professionals the merchant
// authorised — invoiced at order with its due date, the credit limit, the
// reminder when the due date passes, no new order on account while overdue,
// and the transfer recorded by staff making the order paid.
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/adapters/clock.js';
import { getCustomerOrder } from '../../src/app/account-orders.js';
import { registerCustomer } from '../../src/app/customers.js';
import { findDeferredPaymentAccount, grantDeferredPayment, revokeDeferredPayment } from '../../src/app/deferred-payments.js';
import { listAwaitedTransfers } from '../../src/app/orders-admin.js';
import { listPaymentsFor, recordBankTransferReceived } from '../../src/app/payments.js';
import { money } from '../../src/domain/money.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import { verifyEvidenceChain } from '../../src/store/evidence.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { CUSTOMER_PASSWORD, placeCardOrder, stockedVariant, testKey } from '../support/orders.js';

const owner = { kind: 'system' } as const;

async function professional(t: TestApp): Promise<string> {
  const c = await registerCustomer(t.ctx.db, {
    shop: { id: 'el', policy: t.ctx.shop.policy },
    email: `pro-${testKey()}@example.com`,
    password: CUSTOMER_PASSWORD,
    kind: 'professional',
    professional: { companyName: 'Électricité Dupont SARL' },
    now: await t.ctx.clock.now(),
  });
  return c.id;
}

describe('EL: deferred payment for authorised professionals (PA-1, PA-7)', () => {
  const t = useTestApp('el', { clockStart: '2026-11-23T09:00:00Z' });
  const shop = () => ({ id: 'el', policy: t.ctx.shop.policy });
  const deferred = { paymentMethod: 'deferred' as const, declarations: {} };

  it('is refused to an account the merchant has not authorised, and authorising a consumer is refused', async () => {
    const variantId = await stockedVariant(t, 3);
    const pro = await professional(t);
    expect(await codeOf(placeCardOrder(t, { variantId, quantity: 1, method: 'standard', customerId: pro, over: deferred }))).toBe('payment.deferred_not_authorised');

    const consumer = await registerCustomer(t.ctx.db, { shop: shop(), email: `c-${testKey()}@example.com`, password: CUSTOMER_PASSWORD, now: await t.ctx.clock.now() });
    expect(await codeOf(grantDeferredPayment(t.ctx.db, { shop: shop(), customerId: consumer.id, insurerReference: 'ATR-1', creditLimit: money(100000, 'EUR'), actor: owner, now: await t.ctx.clock.now() }))).toBe(
      'payment.deferred_kind_not_eligible',
    );
  });

  it('invoices at order with a due date 30 days later, holds to the limit, reminds when overdue, and becomes paid when the transfer is recorded', async () => {
    const variantId = await stockedVariant(t, 10);
    const pro = await professional(t);
    const now = await t.ctx.clock.now();
    await grantDeferredPayment(t.ctx.db, { shop: shop(), customerId: pro, insurerReference: 'Atradius 2026-4411', creditLimit: money(50000, 'EUR'), actor: owner, now });

    // Mon 23 Nov 2026 10:00 Paris + 30 calendar days → due on Wed 23 Dec 2026.
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'standard', customerId: pro, over: deferred });
    expect(placed.order).toMatchObject({ state: 'payment_deferred', paymentMethod: 'deferred', paymentDueOn: '2026-12-23' });
    expect(placed.redirectUrl).toBeNull();
    expect(placed.deferred).toMatchObject({ dueOn: '2026-12-23' });
    const [payment] = await listPaymentsFor(t.ctx.db, 'el', { kind: 'order', id: placed.order.number });
    expect(payment).toMatchObject({ method: 'deferred', state: 'pending', amount: placed.order.total, bankTransferReference: placed.deferred!.reference });
    expect(payment!.dueAt?.toISOString()).toBe('2026-12-23T23:00:00.000Z'); // end of 23 Dec in Paris

    // DOC-1 / PA-7: the invoice exists now, with its due date and no "paid" mention.
    const invoice = await t.ctx.db.selectFrom('invoices').select(['number', 'content']).where('order_id', '=', placed.order.id).executeTakeFirstOrThrow();
    expect(invoice.number).toBe('EL-F-2026-000001');
    const mentions = (invoice.content as { mentions: Record<string, { fr: string } | null> }).mentions;
    expect(mentions['paid']).toBeNull();
    expect(mentions['paymentDue']?.fr).toBe(`Date d'échéance : 2026-12-23. Paiement par virement — Voltaïque Distribution SARL, IBAN FR7612345000010001234567887, BIC VOLTFRPPXXX, référence ${placed.deferred!.reference}.`);
    // PA-7: the policy's late interest (1.5 × the reference rate) and the 40 € indemnity.
    expect(mentions['latePayment']?.fr).toContain('1,5 fois le taux de référence (Euribor on the due date)');
    expect(mentions['latePayment']?.fr).toContain('40 €');
    expect(placed.deferred).toMatchObject({ holder: 'Voltaïque Distribution SARL', iban: 'FR7612345000010001234567887', bic: 'VOLTFRPPXXX' });

    const account = await findDeferredPaymentAccount(t.ctx.db, 'el', pro);
    expect(account).toMatchObject({ insurerReference: 'Atradius 2026-4411', creditLimit: { amount: 50000 }, outstanding: { amount: placed.order.total } });

    // PA-7: the limit counts what is still owed: with the limit at what is owed now, one more order on account is refused.
    await grantDeferredPayment(t.ctx.db, { shop: shop(), customerId: pro, insurerReference: 'Atradius 2026-4411', creditLimit: money(placed.order.total, 'EUR'), actor: owner, now });
    expect(await codeOf(placeCardOrder(t, { variantId, quantity: 1, method: 'standard', customerId: pro, over: deferred }))).toBe('payment.credit_limit_exceeded');

    // The due date passes (end of 23 Dec, Paris): a reminder, proven; no new order on account.
    await advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, 31 * 24 * 3600 * 1000);
    const reminder = await t.ctx.db.selectFrom('outbox').select('payload').where('key', '=', `payment.overdue:el:${placed.order.number}`).executeTakeFirstOrThrow();
    const { subject, text } = reminder.payload as { subject: string; text: string };
    expect(subject).toBe(`Facture EL-F-2026-000001 échue (commande ${placed.order.number})`);
    expect(text).toContain('IBAN FR7612345000010001234567887');
    expect(text).toContain('1,5 fois le taux de référence');
    expect(text).toContain('était dû le 23 décembre 2026');
    const overdue = await t.ctx.db.selectFrom('evidence_events').select(['kind', 'data']).where('subject_id', '=', placed.order.number).where('kind', '=', 'payment.overdue').executeTakeFirstOrThrow();
    expect(overdue.data).toMatchObject({ dueOn: '2026-12-23', rule: 'PA-7' });
    expect(await codeOf(placeCardOrder(t, { variantId, quantity: 1, method: 'standard', customerId: pro, over: deferred }))).toBe('payment.deferred_overdue');

    // The customer's account shows when, where and with which reference to pay.
    const mine = await getCustomerOrder(t.ctx.db, { shopId: 'el', policy: t.ctx.shop.policy, customerId: pro, number: placed.order.number, now: await t.ctx.clock.now() });
    expect(mine.arrangements.deferred).toEqual({ dueOn: '2026-12-23', reference: placed.deferred!.reference, holder: 'Voltaïque Distribution SARL', iban: 'FR7612345000010001234567887', bic: 'VOLTFRPPXXX' });

    // The back office's awaited transfers list the deferred invoice with its due date.
    const awaited = await listAwaitedTransfers(t.ctx.db, 'el');
    expect(awaited.filter((a) => a.orderNumber === placed.order.number)).toMatchObject([{ method: 'deferred', reference: placed.deferred!.reference, amount: placed.order.total }]);

    // Staff record the transfer by its reference: paid, the same invoice, the reminder timer gone.
    await t.ctx.db.transaction().execute((tx) =>
      recordBankTransferReceived(tx, { shopId: 'el', reference: placed.deferred!.reference, amount: money(placed.order.total, 'EUR'), actor: owner, now: new Date('2026-12-28T10:00:00Z') }),
    );
    const paid = await t.ctx.db.selectFrom('orders').select('state').where('id', '=', placed.order.id).executeTakeFirstOrThrow();
    expect(paid.state).toBe('paid');
    const invoices = await t.ctx.db.selectFrom('invoices').select('number').where('order_id', '=', placed.order.id).execute();
    expect(invoices).toEqual([{ number: 'EL-F-2026-000001' }]);
    expect(await verifyEvidenceChain(t.ctx.db, 'el')).toMatchObject({ ok: true });
  });

  it('revoking ends new orders on account', async () => {
    const variantId = await stockedVariant(t, 3);
    const pro = await professional(t);
    const now = await t.ctx.clock.now();
    await grantDeferredPayment(t.ctx.db, { shop: shop(), customerId: pro, insurerReference: 'ATR-2', creditLimit: money(1000000, 'EUR'), actor: owner, now });
    await revokeDeferredPayment(t.ctx.db, { shopId: 'el', customerId: pro, actor: owner, now });
    expect(await findDeferredPaymentAccount(t.ctx.db, 'el', pro)).toBeNull();
    expect(await codeOf(placeCardOrder(t, { variantId, quantity: 1, method: 'standard', customerId: pro, over: deferred }))).toBe('payment.deferred_not_authorised');
  });
});
