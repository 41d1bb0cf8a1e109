// Issue 5 §5 through the public HTTP API with the manual clock: the customer
// picks a relay point or a store when ordering (SH-1), the parcel waits there
// for the policy's window (SH-7, timer `shipment.collection_window`), and an
// uncollected parcel is refunded — in full from a relay point once back, less
// the 15.00 EUR fee from an FA store — with the emails and evidence.
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { dispatchOutbox } from '../../../src/jobs/outbox-dispatcher.js';
import { signIn, useTestApp, type TestApp } from '../../support/app.js';
import { payOnHostedPage, stockedVariant } from '../../support/orders.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PARIS = { name: 'Camille Martin', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR', phone: '01 23 45 67 89' };

function client(t: TestApp) {
  const jar = new Map<string, string>();
  let staff = '';
  const send = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> => {
    const cookie = [...jar].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
    const r = await t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }), headers: { accept: 'application/json', ...(cookie ? { cookie } : {}), ...headers } });
    for (const c of r.cookies) if (c.value) jar.set(c.name, c.value);
    return r;
  };
  const admin = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    staff ||= await signIn(t.app, t.owner.email, t.owner.password);
    return t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }), headers: { accept: 'application/json', cookie: staff } });
  };
  const flush = async () => expect((await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now())).failures).toEqual([]);
  /** A registered customer's cart with one item, delivered in France by `method`; the order body without its pickup point. */
  const cart = async (method: string) => {
    const email = `relay-${Math.random().toString(36).slice(2, 10)}@example.com`;
    expect((await send('POST', '/api/store/customers', { email, password: 'correct horse battery staple', name: 'Camille Martin', language: 'fr' })).statusCode).toBe(201);
    expect((await send('POST', '/api/store/cart/lines', { variantId: await stockedVariant(t, 5), quantity: 1 })).statusCode).toBe(200);
    expect((await send('PUT', '/api/store/cart/destination', { country: 'FR', shippingMethodId: method })).statusCode).toBe(200);
    const terms = (await send('GET', '/api/store/terms/current')).json() as Json;
    return {
      email,
      body: { deliveryAddress: PARIS, shippingMethodId: method, paymentMethod: 'card', acceptedTerms: { versionId: terms.id, hash: terms.hash.fr, language: 'fr' }, declarations: { age: { meetsMinimumAge: true } } },
    };
  };
  const order = (body: object, key: string) => send('POST', '/api/store/orders', body, { 'idempotency-key': key });
  const carrier = (trackingNumber: string, kind: string, extra: object = {}) => admin('POST', '/api/admin/dev/carrier/events', { trackingNumber, kind, ...extra });
  const clock = async (advance: string) => expect((await admin('POST', '/api/admin/dev/clock', { advance })).statusCode).toBe(200);
  const mails = async (to: string) => ((await admin('GET', `/api/admin/mailbox?to=${encodeURIComponent(to)}`)).json() as { emails: Json[] }).emails;
  const evidenceKinds = async (number: string) => ((await admin('GET', `/api/admin/evidence?subjectType=order&subjectId=${number}&limit=100`)).json() as { events: Json[] }).events.map((e) => e.kind);
  return { send, admin, flush, cart, order, carrier, clock, mails, evidenceKinds };
}

describe('FA relay point: chosen at checkout, 14 days to collect, refunded in full once back (SH-1, SH-7)', () => {
  const t = useTestApp('fa');

  it('walks the whole window through the API', async () => {
    const c = client(t);
    const { email, body } = await c.cart('relay');
    const points = (await c.send('GET', '/api/store/pickup-points?shippingMethodId=relay&country=FR&postalCode=75011')).json() as { points: { id: string; label: string }[] };
    expect(points.points).toHaveLength(3);
    const point = points.points[1]!;

    // SH-1: no point, or one not offered, is a 422 naming the field; nothing is written
    const none = await c.order(body, 'relay-key-0001');
    expect(none.statusCode).toBe(422);
    expect((none.json() as Json).error).toMatchObject({ code: 'order.pickup_point_required', field: 'pickupPointId', rule: 'SH-1' });
    const unknown = await c.order({ ...body, pickupPointId: 'FR-99999-9' }, 'relay-key-0002');
    expect((unknown.json() as Json).error).toMatchObject({ code: 'order.unknown_pickup_point', field: 'pickupPointId' });
    expect(await t.ctx.db.selectFrom('orders').select('id').execute()).toEqual([]);

    const placed = await c.order({ ...body, pickupPointId: point.id }, 'relay-key-0003');
    expect(placed.statusCode, placed.body).toBe(201);
    const { order, redirectUrl } = placed.json() as Json;
    await payOnHostedPage(t, redirectUrl);
    const number: string = order.number;

    const shipped = (await c.admin('POST', `/api/admin/orders/${number}/shipments`, { lines: [{ position: order.lines[0].position, quantity: 1 }] })).json() as Json;
    expect(shipped.shipment.pickupPoint).toBe(point.label);
    const tn: string = shipped.shipment.trackingNumber;
    await c.clock('2d'); // Wed 25 Nov 2026, 10:00 Paris
    const waiting = (await c.carrier(tn, 'available_for_collection')).json() as Json;
    expect(waiting.shipment).toMatchObject({ state: 'awaiting_collection', collectionDueAt: '2026-12-09T23:00:00.000Z' }); // end of Wed 9 Dec, Paris
    await c.flush();
    const ready = (await c.mails(email)).find((m) => m.subject === `Votre colis ${number}-1 est disponible`)!;
    expect(ready.text).toContain(point.label);
    expect(ready.text).toContain("jusqu'au 9 décembre 2026 inclus");

    await c.clock('14d'); // 9 Dec: still there
    expect(((await c.admin('GET', `/api/admin/shipments/${number}-1`)).json() as Json).shipment.state).toBe('awaiting_collection');
    await c.clock('1d'); // 10 Dec 10:00: the window ended at midnight
    expect(((await c.admin('GET', `/api/admin/shipments/${number}-1`)).json() as Json).shipment.state).toBe('returning');
    await c.clock('3d');
    const back = (await c.carrier(tn, 'returned')).json() as Json;
    expect(back.shipment).toMatchObject({ state: 'returned', returnedAt: '2026-12-13T09:00:00.000Z' });
    await c.flush();

    const detail = (await c.admin('GET', `/api/admin/orders/${number}`)).json() as Json;
    expect(detail.payments[0]).toMatchObject({ captured: order.total, refunded: order.total });
    const refundMail = (await c.mails(email)).find((m) => m.subject === `Colis ${number}-1 non retiré`)!;
    expect(refundMail.text).toContain('au plus tard le 27 décembre 2026'); // 14 days after the return on 13 Dec
    expect(await c.evidenceKinds(number)).toEqual(expect.arrayContaining(['shipment.dispatched', 'shipment.tracking', 'shipment.returned', 'order.refund_due', 'payment.refunded']));
  });
});

describe('FA store pickup: one month to collect, then resolved less the 15.00 EUR fee (SH-7)', () => {
  const t = useTestApp('fa');

  it('refunds the order less the fee when the month ends', async () => {
    const c = client(t);
    const { email, body } = await c.cart('store');
    const stores = (await c.send('GET', '/api/store/pickup-points?shippingMethodId=store&country=FR&postalCode=75011')).json() as { points: { id: string; label: string }[] };
    const lyon = stores.points.find((p) => p.label.includes('Lyon'))!;
    const placed = (await c.order({ ...body, pickupPointId: lyon.id }, 'store-key-0001')).json() as Json;
    await payOnHostedPage(t, placed.redirectUrl);
    const number: string = placed.order.number;
    const shipped = (await c.admin('POST', `/api/admin/orders/${number}/shipments`, { lines: [{ position: placed.order.lines[0].position, quantity: 1 }] })).json() as Json;
    await c.clock('3d'); // Thu 26 Nov 2026: in the store
    await c.carrier(shipped.shipment.trackingNumber, 'available_for_collection', { location: lyon.label });
    await c.clock('31d'); // Sun 27 Dec, 10:00 Paris: the month ended at midnight
    const resolved = ((await c.admin('GET', `/api/admin/shipments/${number}-1`)).json() as Json).shipment;
    expect(resolved).toMatchObject({ state: 'returned', returnedAt: '2026-12-26T23:00:00.000Z' });
    await c.clock('1d');
    await c.flush();
    const detail = (await c.admin('GET', `/api/admin/orders/${number}`)).json() as Json;
    expect(detail.payments[0]).toMatchObject({ captured: placed.order.total, refunded: placed.order.total - 1500 });
    const mail = (await c.mails(email)).find((m) => m.subject === `Colis ${number}-1 non retiré`)!;
    expect(mail.text).toContain('15,00');
    expect(mail.text).toContain('10 janvier 2027'); // 14 days after the end of the window
  });
});
