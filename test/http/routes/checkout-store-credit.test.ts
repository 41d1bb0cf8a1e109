// RF-4 at the checkout, through the pages (FA, French): a signed-in customer
// with store credit sees « Utiliser mon avoir d'abord (… disponibles) » on the
// summary, ticks it, and the order is paid by the credit first, the card the rest.
import { describe, expect, it } from 'vitest';
import { refundOrderAmount } from '../../../src/app/order-refunds.js';
import { lockOrderWithPayments } from '../../../src/app/orders.js';
import { listPaymentsFor } from '../../../src/store/payments.js';
import { useTestApp } from '../../support/app.js';
import { browserOf, hiddenFields } from '../../support/browser.js';
import { customerSession, payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant } from '../../support/orders.js';
import { afterSales } from '../../support/returns.js';

describe('FA: store credit used first from the checkout summary (RF-4)', () => {
  const t = useTestApp('fa');
  const h = afterSales(t);

  it('shows the 20.00 balance next to the payment method and pays 64.80 as 20.00 of credit + 44.80 by card', async () => {
    const buyer = await registeredCustomer(t);
    const variantId = await stockedVariant(t, 10);
    await h.price(variantId, 5_990);
    // A first order, 20.00 of it refunded as store credit at the customer's request.
    const first = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', customerId: buyer.id });
    await payOnHostedPage(t, first.redirectUrl!);
    await t.ctx.db.transaction().execute(async (tx) => {
      const { order, payments } = await lockOrderWithPayments(tx, 'fa', first.order.number);
      await refundOrderAmount(tx, { shopId: 'fa', order, payments, key: `test:${first.order.number}`, reason: 'withdrawal', rule: 'WD-1', amount: 2_000, dueOn: '2026-12-07', to: 'store_credit', actor: { kind: 'system' }, now: await h.now() });
    });

    const b = browserOf(t, await customerSession(t, buyer.email));
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await b.get('/cart')).body)![1]!;
    expect((await b.post('/cart/lines', { _csrf: csrf, variantId, quantity: '1' })).statusCode).toBe(303);
    const details = await b.get('/checkout');
    const address = { 'delivery.name': 'Camille Martin', 'delivery.line1': '12 rue des Lilas', 'delivery.line2': '', 'delivery.postalCode': '75011', 'delivery.city': 'Paris', 'delivery.region': '', 'delivery.country': 'FR', 'delivery.phone': '01 23 45 67 89' };
    const detailed = await b.post('/checkout/details', { ...hiddenFields(details.body, '/checkout/details'), ...address, billingSame: '1', shippingMethodId: 'home' });
    expect(detailed.statusCode, detailed.body).toBe(303);

    const summary = await b.get('/checkout/summary');
    expect(summary.statusCode).toBe(200);
    expect(summary.body).toContain('<input type="checkbox" name="storeCredit" value="1"/>');
    expect(summary.body).toContain("Utiliser mon avoir d'abord (20,00\u00a0€ disponibles) ; le moyen de paiement choisi règle le reste");

    const placed = await b.post('/checkout/place', { ...hiddenFields(summary.body, '/checkout/place'), acceptTerms: '1', ageDeclaration: '1', paymentMethod: 'card', storeCredit: '1' });
    expect(placed.statusCode, placed.body).toBe(303);
    const order = await t.ctx.db.selectFrom('orders').select(['number', 'total_minor']).where('customer_id', '=', buyer.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(order.number).not.toBe(first.order.number);
    const payments = await listPaymentsFor(t.ctx.db, 'fa', { kind: 'order', id: order.number });
    expect(payments.map((p) => ({ method: p.method, amount: p.amount, captured: p.captured }))).toEqual([
      { method: 'store_credit', amount: 2_000, captured: 2_000 },
      { method: 'card', amount: 4_480, captured: 0 },
    ]);

    expect(Number(order.total_minor)).toBe(5_990 + 490);
    // The balance is spent.
    const credit = await t.app.inject({ method: 'GET', url: '/api/store/account/store-credit', headers: { cookie: await customerSession(t, buyer.email) } });
    expect(credit.json().balances).toEqual([{ currency: 'EUR', amount: 0 }]);
  });
});
