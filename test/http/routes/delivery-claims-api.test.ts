// Issue 5 §7 over HTTP (SH-8, SH-9), EL on the manual clock: the customer's
// claim as JSON with base64 photos and as the account page's multipart form,
// scoped to the signed-in customer (or a guest's access token); photos served
// back to the owner and staff only; the back office's list (with refusals),
// decision API and page, behind `returns.read` / `returns.manage` and CSRF;
// a claim one day late refused with `claim.window_closed`.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../src/adapters/clock.js';
import { dispatchOutbox } from '../../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../../src/jobs/timer-runner.js';
import { listEvidence } from '../../../src/store/evidence.js';
import { signIn, useTestApp } from '../../support/app.js';
import { shipOrder, track } from '../../support/fulfilment.js';
import { customerSession, payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant, testKey } from '../../support/orders.js';

const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF test image'), Buffer.from([0xff, 0xd9])]);
const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x1c, 0, 0, 0]), Buffer.from('WEBPVP8 test image')]);
const textAsJpg = Buffer.from('Just some text, saved as photo.jpg\n');

function multipart(fields: Record<string, string>, files: { name: string; filename: string; type: string; data: Buffer }[]) {
  const boundary = `----comptoir${testKey().replace(/[^a-z0-9]/gi, '')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  for (const f of files) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\nContent-Type: ${f.type}\r\n\r\n`), f.data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('EL delivery claims over HTTP (SH-8)', () => {
  const t = useTestApp('el', { clockStart: '2026-12-21T09:00:00Z' });
  const moveTo = (iso: string) => advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, new Date(iso));
  const dispatch = async () => expect((await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now())).failures).toEqual([]);
  const json = (method: 'GET' | 'POST', url: string, cookie?: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  const sessionOf = (response: { cookies: { name: string; value: string }[] }, fallback: string) => {
    const session = response.cookies.find((c) => c.name === 'comptoir_session');
    return session ? `comptoir_session=${encodeURIComponent(session.value)}` : fallback;
  };

  let alice: { id: string; cookie: string };
  let bob: { cookie: string };
  let owner: string;
  let warehouse: string;
  const orders: { number: string; shipment: string; accessToken: string | null; total: number; lineTotal: number }[] = [];

  beforeAll(async () => {
    const a = await registeredCustomer(t);
    const b = await registeredCustomer(t);
    alice = { id: a.id, cookie: await customerSession(t, a.email) };
    bob = { cookie: await customerSession(t, b.email) };
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    const email = `warehouse-${testKey()}@example.com`;
    const created = await json('POST', '/api/admin/staff', owner, { email, role: 'warehouse', password: 'a long enough password 123' });
    expect(created.statusCode).toBe(201);
    warehouse = await signIn(t.app, email, 'a long enough password 123');
    const variantId = await stockedVariant(t, 20);
    for (let i = 0; i < 4; i += 1) {
      const placed = await placeCardOrder(t, { variantId, quantity: 2, method: 'standard', customerId: a.id });
      await payOnHostedPage(t, placed.redirectUrl!);
      const shipment = await shipOrder(t, placed.order.number);
      orders.push({ number: placed.order.number, shipment: shipment.number, accessToken: placed.accessToken, total: placed.order.total, lineTotal: placed.order.lines[0]!.total });
    }
    await moveTo('2026-12-24T09:30:00Z');
    for (const o of orders) {
      const [s] = await t.ctx.db.selectFrom('shipments').select('tracking_number').where('number', '=', o.shipment).execute();
      await track(t, s!.tracking_number!, { kind: 'delivered', signedBy: 'Alice', recipient: 'customer' });
    }
    await moveTo('2026-12-26T10:00:00Z'); // Saturday: in the window (it counts)
  });

  const claimBody = (o: (typeof orders)[number], photos: { data: string }[]) => ({
    shipment: o.shipment,
    kind: 'damaged',
    description: 'Boîtier fendu',
    lines: [{ position: 0, quantity: 1 }],
    photos,
  });

  it('SH-8 POST /api/store/account/orders/{number}/claims: signed-in owner only; photos checked by their bytes', async () => {
    const o = orders[0]!;
    const url = `/api/store/account/orders/${o.number}/claims`;
    expect((await json('POST', url, undefined, claimBody(o, [{ data: jpeg.toString('base64') }]))).json().error.code).toBe('auth.required');
    const other = await json('POST', url, bob.cookie, claimBody(o, [{ data: jpeg.toString('base64') }]));
    expect([other.statusCode, other.json().error.code]).toEqual([404, 'order.not_found']);
    const renamed = await json('POST', url, alice.cookie, claimBody(o, [{ data: jpeg.toString('base64') }, { data: textAsJpg.toString('base64') }]));
    expect(renamed.statusCode).toBe(422);
    expect(renamed.json().error).toMatchObject({ code: 'claim.photo_type_not_allowed', field: 'photos.1', rule: 'SH-8' });
    const notBase64 = await json('POST', url, alice.cookie, claimBody(o, [{ data: 'not base64 at all!' }]));
    expect(notBase64.json().error).toMatchObject({ code: 'claim.photo_not_base64', field: 'photos.0' });
    const noPhoto = await json('POST', url, alice.cookie, claimBody(o, []));
    expect(noPhoto.json().error).toMatchObject({ code: 'claim.photos_required', field: 'photos' });
    const badKind = await json('POST', url, alice.cookie, { ...claimBody(o, []), kind: 'lost' });
    expect([badKind.statusCode, badKind.json().error.code, badKind.json().error.field]).toEqual([400, 'request.invalid', 'kind']);
    expect(await t.ctx.db.selectFrom('delivery_claims').select('id').execute()).toHaveLength(0);

    const filed = await json('POST', url, alice.cookie, claimBody(o, [{ data: `data:image/jpeg;base64,${jpeg.toString('base64')}` }, { data: webp.toString('base64') }]));
    expect(filed.statusCode).toBe(201);
    const claim = filed.json().claim;
    expect(claim).toMatchObject({
      number: `${o.number}-R1`,
      state: 'filed',
      windowLastDay: '2026-12-29',
      deliveredAt: '2026-12-24T09:30:00.000Z',
      possession: { by: 'customer', name: 'Alice', source: 'carrier' },
      photos: [
        { n: 1, contentType: 'image/jpeg', size: jpeg.length, url: `/api/store/account/claims/${claim.id}/photos/1` },
        { n: 2, contentType: 'image/webp', size: webp.length },
      ],
      decision: null,
    });

    // The photo back, to the owner only.
    const photo = await t.app.inject({ method: 'GET', url: claim.photos[0].url, headers: { cookie: alice.cookie } });
    expect(photo.statusCode).toBe(200);
    expect(photo.headers['content-type']).toBe('image/jpeg');
    expect(photo.headers['cache-control']).toBe('private, no-store');
    expect(Buffer.compare(photo.rawPayload, jpeg)).toBe(0);
    expect((await json('GET', claim.photos[0].url, bob.cookie)).statusCode).toBe(404);
    expect((await json('GET', claim.photos[0].url)).statusCode).toBe(401);

    const mine = await json('GET', `/api/store/account/orders/${o.number}/claims`, alice.cookie);
    expect(mine.json().claims.map((c: { number: string }) => c.number)).toEqual([claim.number]);
    expect((await json('GET', `/api/store/account/orders/${o.number}/claims`, bob.cookie)).statusCode).toBe(404);
    expect((await json('GET', '/api/store/account/claims', bob.cookie)).json().claims).toEqual([]);
    expect((await json('GET', '/api/store/account/claims', alice.cookie)).json().claims).toHaveLength(1);
  });

  it('SH-8 a guest claims with the order\'s access token (?token=), nobody without it', async () => {
    const o = orders[1]!;
    expect(o.accessToken).toBeTruthy();
    const without = await json('POST', `/api/store/orders/${o.number}/claims`, undefined, claimBody(o, [{ data: jpeg.toString('base64') }]));
    expect([without.statusCode, without.json().error.code]).toEqual([404, 'order.not_found']);
    const filed = await json('POST', `/api/store/orders/${o.number}/claims?token=${o.accessToken}`, undefined, claimBody(o, [{ data: jpeg.toString('base64') }]));
    expect(filed.statusCode).toBe(201);
    const claim = filed.json().claim;
    const photo = await t.app.inject({ method: 'GET', url: `${claim.photos[0].url}?token=${o.accessToken}` });
    expect([photo.statusCode, photo.headers['content-type']]).toEqual([200, 'image/jpeg']);
    expect((await t.app.inject({ method: 'GET', url: claim.photos[0].url })).statusCode).toBe(404);
    const [event] = await listEvidence(t.ctx.db, 'el', { subject: { type: 'order', id: o.number }, kinds: ['delivery_claim.filed'] });
    expect(event!.actor).toBe('guest');
  });

  it('SH-8 the account order page offers the claim form; the multipart form files a claim, a text file renamed .jpg is refused', async () => {
    const o = orders[2]!;
    const page = await t.app.inject({ method: 'GET', url: `/account/orders/${o.number}`, headers: { cookie: alice.cookie, accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Un problème avec la livraison ?');
    expect(page.body).toContain(`action="/account/orders/${o.number}/claims"`);
    expect(page.body).toContain('enctype="multipart/form-data"');
    expect(page.body).toContain('29 décembre 2026'); // the last day to claim
    const cookie = sessionOf(page, alice.cookie);
    const token = /<section id="delivery-claims"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const fields = { _csrf: token, shipment: o.shipment, kind: 'missing_item', 'qty.0': '1', description: 'Il manque un article' };

    const refused = multipart(fields, [{ name: 'photos', filename: 'photo.jpg', type: 'image/jpeg', data: textAsJpg }]);
    const bad = await t.app.inject({ method: 'POST', url: `/account/orders/${o.number}/claims`, headers: { cookie, accept: 'text/html', 'content-type': refused.contentType }, payload: refused.payload });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('data-error-code="claim.photo_type_not_allowed"');

    const noCsrf = multipart({ ...fields, _csrf: 'forged' }, [{ name: 'photos', filename: 'photo.jpg', type: 'image/jpeg', data: jpeg }]);
    expect((await t.app.inject({ method: 'POST', url: `/account/orders/${o.number}/claims`, headers: { cookie, 'content-type': noCsrf.contentType }, payload: noCsrf.payload })).statusCode).toBe(403);

    const good = multipart(fields, [
      { name: 'photos', filename: 'a.jpg', type: 'image/jpeg', data: jpeg },
      { name: 'photos', filename: '', type: 'application/octet-stream', data: Buffer.alloc(0) }, // an empty file input
    ]);
    const posted = await t.app.inject({ method: 'POST', url: `/account/orders/${o.number}/claims`, headers: { cookie, 'content-type': good.contentType }, payload: good.payload });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe(`/account/orders/${o.number}?claim=${o.number}-R1#delivery-claims`);
    const after = await t.app.inject({ method: 'GET', url: posted.headers.location as string, headers: { cookie, accept: 'text/html' } });
    expect(after.body).toContain(`Réclamation ${o.number}-R1 enregistrée`);
    expect(after.body).toContain(`data-claim-number="${o.number}-R1"`);
    expect(after.body).toContain('En cours d’examen');
    const [stored] = await t.ctx.db.selectFrom('delivery_claims').selectAll().where('number', '=', `${o.number}-R1`).execute();
    expect(stored).toMatchObject({ kind: 'missing_item', description: 'Il manque un article', filed_by: `customer:${alice.id}` });
    expect(await t.ctx.db.selectFrom('delivery_claim_photos').select('n').where('claim_id', '=', stored!.id).execute()).toEqual([{ n: 1 }]);
  });

  it('SH-8 /api/admin/claims: `returns.read` to see (possession facts, refusals), `returns.manage` to decide; reject needs a reason; refund to the cent', async () => {
    expect((await json('GET', '/api/admin/claims')).statusCode).toBe(401);
    const list = await json('GET', '/api/admin/claims?state=filed', warehouse);
    expect(list.statusCode).toBe(200);
    const claims = list.json().claims as { id: string; number: string; orderNumber: string; possession: unknown; refundProposal: number; photos: { url: string }[] }[];
    expect(claims.map((c) => c.orderNumber)).toEqual([orders[0]!.number, orders[1]!.number, orders[2]!.number]);
    expect(claims[0]).toMatchObject({ possession: { by: 'customer', name: 'Alice', source: 'carrier' }, refundProposal: orders[0]!.lineTotal / 2 });
    expect(list.json().refusals).toEqual([]);
    const photo = await t.app.inject({ method: 'GET', url: claims[0]!.photos[0]!.url, headers: { cookie: warehouse } });
    expect([photo.statusCode, photo.headers['content-type']]).toEqual([200, 'image/jpeg']);

    const decision = `/api/admin/claims/${claims[0]!.id}/decision`;
    expect((await json('POST', decision, warehouse, { outcome: 'refund' })).statusCode).toBe(403);
    const noReason = await json('POST', decision, owner, { outcome: 'reject' });
    expect([noReason.statusCode, noReason.json().error.code, noReason.json().error.field]).toEqual([422, 'claim.reason_required', 'reason']);
    const refunded = await json('POST', decision, owner, { outcome: 'refund' });
    expect(refunded.statusCode).toBe(200);
    expect(refunded.json().claim).toMatchObject({ state: 'refunded', decision: { outcome: 'refund', refund: { amount: orders[0]!.lineTotal / 2, currency: 'EUR', dueOn: '2027-01-09' } } });
    const again = await json('POST', decision, owner, { outcome: 'reship' });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'claim.illegal_transition']);
    await dispatch();
    const seen = await json('GET', `/api/store/account/orders/${orders[0]!.number}/claims`, alice.cookie);
    expect(seen.json().claims[0].decision).toMatchObject({ outcome: 'refund', refund: { amount: orders[0]!.lineTotal / 2 } });
  });

  it('SH-8 the back-office page lists claims with their photos and decides by form (CSRF); reship creates the replacement parcel', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/admin/claims', headers: { cookie: owner, accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Réclamations livraison');
    expect(page.body).toContain('Colis refusés à la livraison');
    const [claim] = await t.ctx.db.selectFrom('delivery_claims').select(['id', 'number']).where('number', '=', `${orders[1]!.number}-R1`).execute();
    expect(page.body).toContain(`<img src="/api/admin/claims/${claim!.id}/photos/1"`);
    const cookie = sessionOf(page, owner);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const form = (fields: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: `/admin/claims/${claim!.id}/decision`, headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    expect((await form({ outcome: 'reship' })).statusCode).toBe(403); // no CSRF token
    const warehousePage = await t.app.inject({ method: 'GET', url: '/admin/claims', headers: { cookie: warehouse, accept: 'text/html' } });
    expect(warehousePage.body).not.toContain(`data-decide="${claim!.id}"`); // may read, not decide
    const decided = await form({ _csrf: token, outcome: 'reship' });
    expect(decided.statusCode).toBe(303);
    expect(decided.headers.location).toBe(`/admin/claims?done=${encodeURIComponent(claim!.number)}`);
    const replacement = await t.ctx.db
      .selectFrom('shipments as s')
      .innerJoin('shipments as r', 'r.id', 's.replaces_shipment_id')
      .select(['s.number', 's.state', 'r.number as replaces'])
      .where('r.number', '=', orders[1]!.shipment)
      .executeTakeFirstOrThrow();
    expect(replacement).toEqual({ number: `${orders[1]!.number}-2`, state: 'packed', replaces: orders[1]!.shipment });
    const reject = await form({ _csrf: token, outcome: 'reject', reason: 'déjà décidée' });
    expect(reject.statusCode).toBe(409);
    expect(reject.body).toContain('data-error-code="claim.illegal_transition"');
  });

  it('SH-8 one day late (Wednesday 30 December): 422 claim.window_closed naming the rule and the last day', async () => {
    await moveTo('2026-12-30T09:00:00Z');
    const o = orders[3]!;
    const late = await json('POST', `/api/store/account/orders/${o.number}/claims`, alice.cookie, claimBody(o, [{ data: jpeg.toString('base64') }]));
    expect(late.statusCode).toBe(422);
    expect(late.json().error).toMatchObject({ code: 'claim.window_closed', field: 'shipment', rule: 'SH-8', details: { lastDay: '2026-12-29' } });
    const page = await t.app.inject({ method: 'GET', url: `/account/orders/${o.number}`, headers: { cookie: alice.cookie, accept: 'text/html' } });
    expect(page.body).toContain('délai de réclamation expiré le 29 décembre 2026');
    expect(page.body).not.toContain(`action="/account/orders/${o.number}/claims"`);
  });
});
