// Issue 5 through HTTP: the back office packs and dispatches a parcel, the
// sandbox carrier reports its tracking (SH-5), the customer reads it in the
// account with the possession date (SH-9), staff hand a store parcel over
// (SH-7); bad input is a 4xx naming the field, and writes nothing.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { dispatchOutbox } from '../../../src/jobs/outbox-dispatcher.js';
import { signIn, useTestApp, type TestApp } from '../../support/app.js';
import { customerSession, payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant } from '../../support/orders.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function api(t: TestApp) {
  let staff = '';
  const staffCookie = async () => (staff ||= await signIn(t.app, t.owner.email, t.owner.password));
  const post = async (url: string, payload: unknown, cookie?: string) => t.app.inject({ method: 'POST', url, payload: payload as Json, headers: { cookie: cookie ?? (await staffCookie()) } });
  const get = async (url: string, cookie?: string, accept = 'application/json') => t.app.inject({ method: 'GET', url, headers: { accept, cookie: cookie ?? (await staffCookie()) } });
  const paidOrder = async (method: string, quantity = 2) => {
    const customer = await registeredCustomer(t);
    const placed = await placeCardOrder(t, { variantId: await stockedVariant(t, 10), quantity, method, customerId: customer.id });
    await payOnHostedPage(t, placed.redirectUrl!);
    return { placed, customer, cookie: await customerSession(t, customer.email) };
  };
  const shipmentCount = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM shipments`.execute(t.ctx.db)).rows[0]!.n);
  return { staffCookie, post, get, paidOrder, shipmentCount };
}

describe('FA: ship, track, and the customer sees the possession date', () => {
  const t = useTestApp('fa');
  const h = api(t);

  it('packs and dispatches through the API, the sandbox carrier delivers, the account shows the tracking and when it was received', async () => {
    const { placed, cookie } = await h.paidOrder('home', 2);
    const number = placed.order.number;
    const position = placed.order.lines[0]!.position;

    const queue = (await h.get('/api/admin/fulfilment/queue')).json() as Json;
    expect(queue.orders.map((o: Json) => o.number)).toContain(number);
    const pick = (await h.get(`/api/admin/orders/${number}/pick-list`)).json() as Json;
    expect(pick.lines).toEqual([expect.objectContaining({ position, quantity: 2, locations: [expect.any(String)] })]);

    const created = await h.post(`/api/admin/orders/${number}/shipments`, { lines: [{ position, quantity: 1 }] });
    expect(created.statusCode, created.body).toBe(201);
    const shipment = (created.json() as Json).shipment;
    expect(shipment).toMatchObject({ number: `${number}-1`, state: 'shipped', carrier: 'Colissimo', trackingNumber: expect.stringMatching(/^SB\d{11}$/) });

    const transit = await h.post('/api/admin/dev/carrier/events', { trackingNumber: shipment.trackingNumber, kind: 'in_transit' });
    expect(transit.statusCode, transit.body).toBe(200);
    const delivered = await h.post('/api/admin/dev/carrier/events', { trackingNumber: shipment.trackingNumber, kind: 'delivered', signedBy: 'C. Martin', occurredAt: '2026-11-23T09:00:00Z' });
    expect((delivered.json() as Json).shipment).toMatchObject({ state: 'delivered', deliveredAt: '2026-11-23T09:00:00.000Z', possession: { by: 'customer', name: 'C. Martin', source: 'carrier' } });

    const mine = (await h.get(`/api/store/account/orders/${number}`, cookie)).json() as Json;
    expect(mine.order).toMatchObject({ fulfilment: 'partially_delivered', lastDeliveredAt: null, deliveryDueOn: '2026-12-23' });
    expect(mine.order.withdrawal).toMatchObject({ state: 'not_started', lastDay: null }); // WD-1: one unit still to come
    expect(mine.order.shipments[0]).toMatchObject({ number: shipment.number, trackingUrl: `${t.ctx.config.publicUrl}/sandbox/carrier/${shipment.trackingNumber}`, deliveredAt: '2026-11-23T09:00:00.000Z' });
    expect(mine.order.shipments[0].events.map((e: Json) => e.kind)).toEqual(['packed', 'shipped', 'in_transit', 'delivered']);

    // the rest, then the customer declares it (the carrier said nothing)
    const second = (await h.post(`/api/admin/orders/${number}/shipments`, { lines: [{ position, quantity: 1 }] })).json() as Json;
    expect((await h.post('/api/admin/dev/clock', { advance: '2d' })).statusCode).toBe(200);
    const declared = await h.post(`/api/store/account/orders/${number}/shipments/${second.shipment.number}/received`, { receivedAt: '2026-11-24T18:30:00+01:00', by: 'third_party', name: 'Gardienne' }, cookie);
    expect(declared.statusCode, declared.body).toBe(200);
    const after = (await h.get(`/api/store/account/orders/${number}`, cookie)).json() as Json;
    expect(after.order).toMatchObject({ fulfilment: 'delivered', lastDeliveredAt: '2026-11-24T17:30:00.000Z' }); // the later of the two parcels
    // WD-1: 14 days from the possession of the last item, 24 November → 8 December
    expect(after.order.withdrawal).toMatchObject({ state: 'open', possessionDate: '2026-11-24', lastDay: '2026-12-08', basis: 'WD-1', endsAt: '2026-12-08T23:00:00.000Z' });

    const html = (await h.get(`/account/orders/${number}`, cookie, 'text/html')).body;
    expect(html).toContain('Suivi de livraison');
    expect(html).toContain(shipment.trackingNumber);
    expect(html).toContain('Dernier article reçu le');
    expect(html).toContain("Vous pouvez vous rétracter jusqu'au 8 décembre 2026 inclus");

    const tracking = await t.app.inject({ method: 'GET', url: `/sandbox/carrier/${shipment.trackingNumber}`, headers: { accept: 'text/html' } });
    expect(tracking.statusCode).toBe(200);
    expect(tracking.body).toContain('livré');
  });

  it('bad input is a 4xx naming the field and writes no parcel', async () => {
    const { placed, cookie } = await h.paidOrder('home', 1);
    const number = placed.order.number;
    const position = placed.order.lines[0]!.position;
    const before = await h.shipmentCount();
    const tooMany = await h.post(`/api/admin/orders/${number}/shipments`, { lines: [{ position, quantity: 2 }] });
    expect(tooMany.statusCode).toBe(422);
    expect((tooMany.json() as Json).error).toMatchObject({ code: 'shipment.quantity_exceeds_remaining', field: 'lines.0.quantity', rule: 'SH-6' });
    const unknown = await h.post(`/api/admin/orders/${number}/shipments`, { lines: [{ position: 99, quantity: 1 }] });
    expect((unknown.json() as Json).error).toMatchObject({ code: 'shipment.unknown_line', field: 'lines.0.position' });
    const bad = await h.post(`/api/admin/orders/${number}/shipments`, { lines: [{ position, quantity: 0 }] });
    expect(bad.statusCode).toBe(400);
    expect(await h.shipmentCount()).toBe(before);
    const event = await h.post('/api/admin/dev/carrier/events', { trackingNumber: 'SB00000000000', kind: 'teleported' });
    expect(event.statusCode).toBe(400);
    const noParcel = await h.post('/api/admin/dev/carrier/events', { trackingNumber: 'SB00000000000', kind: 'delivered' });
    expect(noParcel.statusCode).toBe(404);
    // a customer cannot declare someone else's parcel, nor touch the back office
    const other = await registeredCustomer(t);
    const otherCookie = await customerSession(t, other.email);
    const shipped = (await h.post(`/api/admin/orders/${number}/shipments`, { lines: [{ position, quantity: 1 }] })).json() as Json;
    const foreign = await h.post(`/api/store/account/orders/${number}/shipments/${shipped.shipment.number}/received`, { receivedAt: '2026-11-23T09:00:00Z', by: 'customer', name: 'X' }, otherCookie);
    expect(foreign.statusCode).toBe(404);
    expect((await h.post(`/api/admin/orders/${number}/shipments`, { lines: [{ position, quantity: 1 }] }, cookie)).statusCode).toBe(401);
    // OR-7: once a parcel left, staff can no longer cancel the order
    const cancel = await h.post(`/api/admin/orders/${number}/cancel`, { reason: 'payment_dispute' });
    expect(cancel.statusCode).toBe(409);
    expect((cancel.json() as Json).error).toMatchObject({ code: 'order.already_shipped', rule: 'OR-7' });
  });

  it('the back-office pages: queue, preparation with the pick list, parcel screen with the sandbox carrier form; the store hand-over form (SH-7)', async () => {
    const { placed } = await h.paidOrder('store', 1);
    const number = placed.order.number;
    const queue = await h.get('/admin/fulfilment', undefined, 'text/html');
    expect(queue.body).toContain(number);
    const prepare = await h.get(`/admin/orders/${number}/fulfilment`, undefined, 'text/html');
    expect(prepare.body).toContain('Liste de préparation');
    const created = (await h.post(`/api/admin/orders/${number}/shipments`, { lines: [{ position: placed.order.lines[0]!.position, quantity: 1 }] })).json() as Json;
    const tn = created.shipment.trackingNumber;
    await h.post('/api/admin/dev/carrier/events', { trackingNumber: tn, kind: 'available_for_collection', location: 'Boutique Nice' });
    const screen = await h.get(`/admin/shipments/${created.shipment.number}`, undefined, 'text/html');
    expect(screen.body).toContain('Remise au comptoir');
    expect(screen.body).toContain('Boutique Nice');
    const collections = await h.get('/admin/collections', undefined, 'text/html');
    expect(collections.body).toContain(created.shipment.number);
    const refused = await h.post(`/api/admin/shipments/${created.shipment.number}/hand-over`, { collectedBy: 'Camille Martin', identityChecked: false, availabilityEmailShown: true });
    expect(refused.statusCode).toBe(422);
    expect((refused.json() as Json).error).toMatchObject({ code: 'collection.identity_not_checked', field: 'identityChecked', rule: 'SH-7' });
    const done = await h.post(`/api/admin/shipments/${created.shipment.number}/hand-over`, { collectedBy: 'Camille Martin', identityChecked: true, availabilityEmailShown: true });
    expect((done.json() as Json).shipment).toMatchObject({ state: 'delivered', possession: { source: 'store', name: 'Camille Martin' } });
    await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
  });
});
