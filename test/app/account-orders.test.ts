// Issue 4 §8 (CU-1, DOC-1): the customer's own orders — newest first in keyset
// pages, each with its invoice number once issued; one order with its payment
// state and invoice; anyone else's is `order.not_found`.
import { describe, expect, it } from 'vitest';
import { getCustomerOrder, listCustomerOrders } from '../../src/app/account-orders.js';
import { DomainError } from '../../src/domain/errors.js';
import { useTestApp } from '../support/app.js';
import { payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant } from '../support/orders.js';

describe('FA — listCustomerOrders / getCustomerOrder', () => {
  const t = useTestApp('fa');

  it('lists only the customer\'s orders, newest first, in pages, with the invoice number once paid', async () => {
    const shopId = t.ctx.shop.id;
    const alice = await registeredCustomer(t);
    const bob = await registeredCustomer(t);
    const variantId = await stockedVariant(t, 10);
    const a1 = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', customerId: alice.id });
    const b1 = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', customerId: bob.id });
    const a2 = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', customerId: alice.id });
    await payOnHostedPage(t, a1.redirectUrl!);

    const all = await listCustomerOrders(t.ctx.db, { shopId, customerId: alice.id });
    expect(all.orders.map((o) => o.number)).toEqual([a2.order.number, a1.order.number]);
    expect(all.next).toBeNull();
    expect(all.orders[0]).toMatchObject({ state: 'awaiting_payment', invoiceNumber: null, paymentMethod: 'card', total: a2.order.total });
    expect(all.orders[1]).toMatchObject({ state: 'paid', invoiceNumber: expect.stringMatching(/^FA-F-2026-\d{6}$/) });

    const first = await listCustomerOrders(t.ctx.db, { shopId, customerId: alice.id, limit: 1 });
    expect(first).toMatchObject({ orders: [{ number: a2.order.number }], next: a2.order.number });
    const second = await listCustomerOrders(t.ctx.db, { shopId, customerId: alice.id, limit: 1, before: first.next! });
    expect(second).toMatchObject({ orders: [{ number: a1.order.number }], next: null });

    expect((await listCustomerOrders(t.ctx.db, { shopId, customerId: bob.id })).orders.map((o) => o.number)).toEqual([b1.order.number]);
    // An id that is no customer's: nothing, and no SQL error.
    expect(await listCustomerOrders(t.ctx.db, { shopId, customerId: 'not-an-id' })).toEqual({ orders: [], next: null });

    const detail = await getCustomerOrder(t.ctx.db, { shopId, policy: t.ctx.shop.policy, customerId: alice.id, number: a1.order.number, now: await t.ctx.clock.now() });
    expect(detail.order.number).toBe(a1.order.number);
    expect(detail.invoice!.number).toMatch(/^FA-F-2026-\d{6}$/);
    expect(detail.invoice!.number).toBe(all.orders[1]!.invoiceNumber);
    expect(detail.paymentState).toMatch(/^(authorised|captured)$/);
    expect(detail.vatBreakdown.reduce((n, r) => n + r.base + r.vat, 0)).toBe(detail.order.total); // PR-9
    const pending = await getCustomerOrder(t.ctx.db, { shopId, policy: t.ctx.shop.policy, customerId: alice.id, number: a2.order.number, now: await t.ctx.clock.now() });
    expect(pending).toMatchObject({ invoice: null, paymentState: expect.any(String), arrangements: { instalments: null, deferred: null } });

    // Bob's order read by Alice: not found, never forbidden.
    await expect(getCustomerOrder(t.ctx.db, { shopId, policy: t.ctx.shop.policy, customerId: alice.id, number: b1.order.number, now: await t.ctx.clock.now() })).rejects.toSatisfy(
      (e: unknown) => e instanceof DomainError && e.code === 'order.not_found',
    );
  });
});
