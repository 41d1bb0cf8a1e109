// Issue 6: settling an exchange by post over HTTP (EX-1, JW): permissions,
// bad input named by field, the settlement of a same-price exchange (nothing
// to pay or refund, the replacement packed at once), and reading it back.
import { beforeAll, describe, expect, it } from 'vitest';
import { signIn, staffSession, useTestApp } from '../../support/app.js';
import { stockedVariant } from '../../support/orders.js';
import { afterSales } from '../../support/returns.js';

describe('POST /api/admin/returns/:number/exchange (EX-1, JW)', () => {
  const t = useTestApp('jw', { clockStart: '2026-12-01T09:00:00Z' });
  const h = afterSales(t);
  const json = (method: 'GET' | 'POST', url: string, cookie?: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  let owner: string;
  let warehouse: string;
  let store: string;
  let orderNumber: string;
  let returnNumber: string;
  let other: string;

  beforeAll(async () => {
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    warehouse = await staffSession(t.app, owner, 'warehouse');
    store = await staffSession(t.app, owner, 'store_staff');
    const o = await h.deliveredOrder({ method: 'ems', lines: [{ quantity: 1, price: 4_500 }] });
    orderNumber = o.order.number;
    other = await stockedVariant(t, 5, { skip: 1 });
    await h.price(other, 4_500);
    await h.moveTo('2026-12-03T10:00:00Z');
    const r = await h.withdraw({ orderNumber, name: 'Camille Martin', exchange: true, items: [{ position: 0, quantity: 1, exchangeVariantId: other }], access: { customerId: o.customerId } });
    returnNumber = r.number;
  });

  const url = () => `/api/admin/returns/${returnNumber}/exchange`;

  it('settling needs `returns.manage` and `refunds.manage` (it may refund): store staff and the warehouse are refused; an unknown return is a 404', async () => {
    expect((await json('POST', url(), undefined, { lines: [] })).statusCode).toBe(401);
    expect((await json('POST', url(), warehouse, { lines: [{ position: 0, outcome: 'accepted' }] })).statusCode).toBe(403);
    const byStore = await json('POST', url(), store, { lines: [{ position: 0, outcome: 'accepted' }] });
    expect(byStore.statusCode).toBe(403);
    expect(byStore.json().error.code).toBe('auth.forbidden');
    expect((await json('POST', `${url()}/payment-link`, store)).statusCode).toBe(403);
    expect((await json('POST', `/api/admin/returns/${orderNumber}-RT9/exchange`, owner, { lines: [] })).statusCode).toBe(404);
  });

  it('before the goods are in: 409; bad outcomes name the field', async () => {
    const early = await json('POST', url(), owner, { lines: [{ position: 0, outcome: 'accepted' }] });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('return.not_received');
    await h.receive(returnNumber);
    const bad = await json('POST', url(), owner, { lines: [{ position: 0, outcome: 'depreciated' }] });
    expect(bad.statusCode).toBe(400);
    const noReason = await json('POST', url(), owner, { lines: [{ position: 0, outcome: 'refused' }] });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.json().error).toMatchObject({ code: 'return.reason_required', field: 'lines.0.reason', rule: 'WD-8' });
  });

  it('same price: nothing to pay or refund, the replacement packed at once; read back with `returns.read`', async () => {
    const settled = await json('POST', url(), owner, { lines: [{ position: 0, outcome: 'accepted' }] });
    expect(settled.statusCode).toBe(200);
    expect(settled.json().exchange).toMatchObject({
      state: 'refunded',
      paymentUrl: null,
      exchange: { returnedAmount: 4_500, replacementPrice: 4_500, customerPays: 0, shopRefunds: 0, payment: null, replacementShipment: `${orderNumber}-2` },
      refund: { refund: 0, executed: 0, dueOn: null },
    });
    const read = await json('GET', url(), warehouse);
    expect(read.statusCode).toBe(200);
    expect(read.json().exchange.exchange.replacements).toMatchObject([{ returnedPosition: 0, variantId: other, quantity: 1, total: 4_500, position: 1 }]);
    await h.dispatch();
    const mail = (await h.emailsAbout(orderNumber)).find((m) => m.subject === `Votre échange ${returnNumber}`)!;
    expect(mail.text).toContain('Aucune différence de prix.');
    expect(mail.text).toContain(`${orderNumber}-2`);
  });

  it('no difference to pay: a new payment link is a 409', async () => {
    const link = await json('POST', `${url()}/payment-link`, owner);
    expect(link.statusCode).toBe(409);
    expect(link.json().error).toMatchObject({ code: 'exchange.no_payment_due', rule: 'EX-1' });
  });
});
