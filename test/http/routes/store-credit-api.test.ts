// RF-4 over HTTP: the signed-in customer reads their own store credit (API and
// /account/store-credit page, FR), staff read a customer's (`orders.read`),
// a stranger gets 401.
import { describe, expect, it } from 'vitest';
import { refundOrderAmount } from '../../../src/app/order-refunds.js';
import { lockOrderWithPayments } from '../../../src/app/orders.js';
import { signIn, useTestApp } from '../../support/app.js';
import { customerSession, payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant } from '../../support/orders.js';
import { addPrice } from '../../../src/app/catalogue-admin.js';

describe('store credit API and page (FA, RF-4)', () => {
  const t = useTestApp('fa');
  const s: { buyer?: { id: string; email: string }; cookie?: string; order?: string } = {};

  it('a refund received as credit shows in the customer\'s account, API and page', async () => {
    const now = await t.ctx.clock.now();
    s.buyer = await registeredCustomer(t);
    const variantId = await stockedVariant(t, 10);
    await addPrice(t.ctx.db, { shopId: 'fa', variantId, currency: 'EUR', amountMinor: 5_990, currencies: ['EUR'], actor: { kind: 'system' }, now });
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', customerId: s.buyer.id });
    await payOnHostedPage(t, placed.redirectUrl!);
    s.order = placed.order.number;
    await t.ctx.db.transaction().execute(async (tx) => {
      const { order, payments } = await lockOrderWithPayments(tx, 'fa', s.order!);
      await refundOrderAmount(tx, { shopId: 'fa', order, payments, key: `withdrawal:${s.order}`, reason: 'withdrawal', rule: 'WD-1', amount: 5_990, dueOn: '2026-12-07', to: 'store_credit', actor: { kind: 'system' }, now });
    });
    s.cookie = await customerSession(t, s.buyer.email);

    const r = await t.app.inject({ method: 'GET', url: '/api/store/account/store-credit', headers: { cookie: s.cookie } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      balances: [{ currency: 'EUR', amount: 5_990 }],
      credits: [{ amount: 5_990, left: 5_990, expiresOn: '2027-11-23', state: 'usable', orderNumber: s.order, movements: [] }],
    });

    const page = await t.app.inject({ method: 'GET', url: '/account/store-credit', headers: { cookie: s.cookie, accept: 'text/html', 'accept-language': 'fr' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Mon avoir');
    expect(page.body).toMatch(/Avoir de 59,90\s€ \(commande FA-2026-\d{6}\)/);
    expect(page.body).toContain("Utilisable jusqu'au 23 novembre 2027 inclus");
  });

  it('shows a customer only their own credit, and none to a stranger', async () => {
    const other = await registeredCustomer(t);
    const r = await t.app.inject({ method: 'GET', url: '/api/store/account/store-credit', headers: { cookie: await customerSession(t, other.email) } });
    expect(r.json()).toEqual({ balances: [], credits: [] });
    expect((await t.app.inject({ method: 'GET', url: '/api/store/account/store-credit' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: `/api/admin/customers/${s.buyer!.id}/store-credit` })).statusCode).toBe(401);
  });

  it('shows staff a customer\'s credit (orders.read)', async () => {
    const cookie = await signIn(t.app, t.owner.email, t.owner.password);
    const r = await t.app.inject({ method: 'GET', url: `/api/admin/customers/${s.buyer!.id}/store-credit`, headers: { cookie } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ balances: [{ currency: 'EUR', amount: 5_990 }], credits: [{ orderNumber: s.order }] });
  });
});
