// After-sales in tests (issue 6): an order delivered on the manual clock,
// then the customer's withdrawal and the warehouse's steps, as they happen.
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { ManualClock } from '../../src/adapters/clock.js';
import { addPrice } from '../../src/app/catalogue-admin.js';
import { setStock } from '../../src/app/stock.js';
import type { Shipment } from '../../src/app/fulfilment.js';
import { inspectReturn, receiveReturn, type InspectedLine } from '../../src/app/returns.js';
import { submitWithdrawal, type SubmitWithdrawalInput } from '../../src/app/withdrawals.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import { signIn, type TestApp } from './app.js';
import { ownerActor, shipOrder, track } from './fulfilment.js';
import { customerSession, payOnHostedPage, placeCardOrder, stockedVariant } from './orders.js';

export function afterSales(t: TestApp) {
  const shopId = () => t.ctx.shop.id;
  const now = () => t.ctx.clock.now();
  const moveTo = (iso: string) => advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, new Date(iso));
  const dispatch = async () => {
    const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await now());
    expect(report.failures).toEqual([]);
  };
  const price = async (variantId: string, amountMinor: number) =>
    addPrice(t.ctx.db, { shopId: shopId(), variantId, currency: 'EUR', amountMinor, currencies: ['EUR'], actor: { kind: 'system' }, now: await now() });

  /** A card order paid, shipped in one parcel and delivered to the customer now. */
  async function deliveredOrder(input: { method: string; lines: { variantId?: string; quantity: number; price?: number }[]; customerId?: string }) {
    const [first, ...more] = input.lines;
    const variantId = first!.variantId ?? (await stockedVariant(t, 50));
    if (first!.price !== undefined) await price(variantId, first!.price);
    const extra = [];
    for (const [i, l] of more.entries()) {
      const id = l.variantId ?? (await stockedVariant(t, 50, { skip: i + 1 }));
      if (l.price !== undefined) await price(id, l.price);
      extra.push({ variantId: id, quantity: l.quantity });
    }
    const placed = await placeCardOrder(t, { variantId, quantity: first!.quantity, method: input.method, ...(input.customerId ? { customerId: input.customerId } : {}), ...(extra.length ? { more: extra } : {}) });
    await payOnHostedPage(t, placed.redirectUrl!);
    const shipment = await shipOrder(t, placed.order.number);
    await dispatch();
    await deliver(shipment);
    return { order: placed.order, customerId: placed.customerId, shipment, variantId };
  }

  /** A PF-style guest order (no account, WD-10: named by its email) paid now, shipped at `shipAt`, delivered at `deliverAt`. */
  async function deliveredGuestOrder(input: { email: string; quantity: number; price: number; shipAt: string; deliverAt: string }) {
    const variantId = await stockedVariant(t, 20);
    await price(variantId, input.price);
    const placed = await placeCardOrder(t, { variantId, quantity: input.quantity, method: 'standard', over: { customerId: null, email: input.email } });
    await payOnHostedPage(t, placed.redirectUrl!);
    await moveTo(input.shipAt);
    const shipment = await shipOrder(t, placed.order.number);
    await dispatch();
    await moveTo(input.deliverAt);
    await track(t, shipment.trackingNumber!, { kind: 'delivered', signedBy: 'Alex Invité', recipient: 'customer' });
    return placed.order;
  }

  const deliver = (shipment: Shipment) => track(t, shipment.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin', recipient: 'customer' });

  const withdraw = async (input: Omit<SubmitWithdrawalInput, 'shopId' | 'now'>) => submitWithdrawal(t.ctx.db, { shopId: shopId(), now: await now(), ...input });
  const receive = async (returnNumber: string) => receiveReturn(t.ctx.db, { shopId: shopId(), returnNumber, actor: await ownerActor(t), now: await now() });
  const inspect = async (returnNumber: string, lines: InspectedLine[], nonConforming = false) =>
    inspectReturn(t.ctx.db, { shopId: shopId(), returnNumber, lines, nonConforming, actor: await ownerActor(t), now: await now() });

  const emailsAbout = (orderNumber: string) =>
    t.ctx.db.selectFrom('emails').select(['subject', 'text', 'language', 'to_address']).where('related_id', '=', orderNumber).orderBy('id').execute();

  return { shopId, now, moveTo, dispatch, price, deliveredOrder, deliveredGuestOrder, deliver, withdraw, receive, inspect, emailsAbout };
}

/** The variant of a SKU, with `quantity` units at the warehouse. */
export async function variantOfSku(t: TestApp, sku: string, quantity = 50): Promise<string> {
  const row = await t.ctx.db.selectFrom('variants').select(sql<string>`id::text`.as('id')).where('shop_id', '=', t.ctx.shop.id).where('sku', '=', sku).executeTakeFirstOrThrow();
  const warehouse = await t.ctx.db.selectFrom('locations').select('code').where('shop_id', '=', t.ctx.shop.id).where('kind', '=', 'warehouse').executeTakeFirstOrThrow();
  await setStock(t.ctx.db, { shopId: t.ctx.shop.id, variantId: row.id, levels: [{ locationCode: warehouse.code, quantity }], actor: { kind: 'system' }, now: await t.ctx.clock.now() });
  return row.id;
}

/** The position of an order's line of a SKU (lines are numbered by the engine, not in the cart's order). */
export async function linePosition(t: TestApp, orderNumber: string, sku: string): Promise<number> {
  const row = await t.ctx.db
    .selectFrom('order_lines as l')
    .innerJoin('orders as o', 'o.id', 'l.order_id')
    .select('l.position')
    .where('o.shop_id', '=', t.ctx.shop.id)
    .where('o.number', '=', orderNumber)
    .where('l.sku', '=', sku)
    .executeTakeFirstOrThrow();
  return row.position;
}

/**
 * Issue 6 through HTTP: JSON calls with a staff or customer session cookie
 * (or a return's access token), the owner signed in once.
 */
export function afterSalesApi(t: TestApp) {
  let ownerCookie: string | null = null;
  const call = async (method: 'GET' | 'POST', url: string, options: { cookie?: string | null; token?: string; payload?: unknown } = {}) =>
    t.app.inject({
      method,
      url,
      headers: { accept: 'application/json', ...(options.cookie ? { cookie: options.cookie } : {}), ...(options.token ? { 'x-return-token': options.token } : {}) },
      ...(options.payload !== undefined ? { payload: options.payload as Record<string, unknown> } : {}),
    });
  const owner = async () => (ownerCookie ??= await signIn(t.app, t.owner.email, t.owner.password));
  /** A staff call as the owner (every permission). */
  const staff = async (method: 'GET' | 'POST', url: string, payload?: unknown) => call(method, url, { cookie: await owner(), payload });
  /** The customer's session cookie (accounts made by `placeCardOrder`/`registeredCustomer` share the test password). */
  const customer = (email: string) => customerSession(t, email);
  /** WD-4 through the account: the statement of the signed-in customer. */
  const withdraw = (orderNumber: string, cookie: string, body: Record<string, unknown>) => call('POST', `/api/store/account/orders/${orderNumber}/withdrawals`, { cookie, payload: body });
  const receive = (returnNumber: string) => staff('POST', `/api/admin/returns/${returnNumber}/receive`);
  const inspect = (returnNumber: string, lines: unknown[], nonConforming?: boolean) =>
    staff('POST', `/api/admin/returns/${returnNumber}/inspection`, { lines, ...(nonConforming !== undefined ? { nonConforming } : {}) });
  /** A 4xx refusal's status and error body. */
  const refusal = (r: { statusCode: number; json: () => { error: Record<string, unknown> } }) => ({ status: r.statusCode, ...r.json().error });
  return { call, owner, staff, customer, withdraw, receive, inspect, refusal };
}
