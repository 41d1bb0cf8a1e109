// After-sales in tests (issue 6): an order delivered on the manual clock,
// then the customer's withdrawal and the warehouse's steps, as they happen.
import { expect } from 'vitest';
import type { ManualClock } from '../../src/adapters/clock.js';
import { addPrice } from '../../src/app/catalogue-admin.js';
import type { Shipment } from '../../src/app/fulfilment.js';
import { inspectReturn, receiveReturn, type InspectedLine } from '../../src/app/returns.js';
import { submitWithdrawal, type SubmitWithdrawalInput } from '../../src/app/withdrawals.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import type { TestApp } from './app.js';
import { ownerActor, shipOrder, track } from './fulfilment.js';
import { payOnHostedPage, placeCardOrder, stockedVariant } from './orders.js';

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

  const deliver = (shipment: Shipment) => track(t, shipment.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin', recipient: 'customer' });

  const withdraw = async (input: Omit<SubmitWithdrawalInput, 'shopId' | 'now'>) => submitWithdrawal(t.ctx.db, { shopId: shopId(), now: await now(), ...input });
  const receive = async (returnNumber: string) => receiveReturn(t.ctx.db, { shopId: shopId(), returnNumber, actor: await ownerActor(t), now: await now() });
  const inspect = async (returnNumber: string, lines: InspectedLine[], nonConforming = false) =>
    inspectReturn(t.ctx.db, { shopId: shopId(), returnNumber, lines, nonConforming, actor: await ownerActor(t), now: await now() });

  const emailsAbout = (orderNumber: string) =>
    t.ctx.db.selectFrom('emails').select(['subject', 'text', 'language', 'to_address']).where('related_id', '=', orderNumber).orderBy('id').execute();

  return { shopId, now, moveTo, dispatch, price, deliveredOrder, deliver, withdraw, receive, inspect, emailsAbout };
}
