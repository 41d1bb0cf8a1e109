// Guarantee claims over HTTP (GU-1…GU-5), EL: the customer's API (own
// orders only; a claim outside its guarantee is a 422 naming the dates), the
// account page's "Garanties" section and its multipart form (CSRF), the
// back office's queue (answer due first, overdue flagged) and decisions by
// API (`returns.manage`) and by form; the routes in /docs.
import { beforeAll, describe, expect, it } from 'vitest';
import { signIn, staffSession, useTestApp } from '../../support/app.js';
import { shipOrder, track } from '../../support/fulfilment.js';
import { customerSession, payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant, testKey } from '../../support/orders.js';
import { afterSales } from '../../support/returns.js';

const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF test image'), Buffer.from([0xff, 0xd9])]);

function multipart(fields: Record<string, string>, files: { name: string; filename: string; type: string; data: Buffer }[]) {
  const boundary = `----comptoir${testKey().replace(/[^a-z0-9]/gi, '')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  for (const f of files) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\nContent-Type: ${f.type}\r\n\r\n`), f.data, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('EL guarantee claims over HTTP', () => {
  const t = useTestApp('el', { clockStart: '2026-08-31T08:00:00Z' });
  const { moveTo } = afterSales(t);
  const json = (method: 'GET' | 'POST', url: string, cookie?: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  const sessionOf = (response: { cookies: { name: string; value: string }[] }, fallback: string) => {
    const session = response.cookies.find((c) => c.name === 'comptoir_session');
    return session ? `comptoir_session=${encodeURIComponent(session.value)}` : fallback;
  };

  let alice: string;
  let bob: string;
  let owner: string;
  let warehouse: string;
  const orders: string[] = [];

  beforeAll(async () => {
    const a = await registeredCustomer(t);
    const b = await registeredCustomer(t);
    alice = await customerSession(t, a.email);
    bob = await customerSession(t, b.email);
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    warehouse = await staffSession(t.app, owner, 'warehouse');
    const variantId = await stockedVariant(t, 20);
    for (let i = 0; i < 3; i += 1) {
      const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'standard', customerId: a.id });
      await payOnHostedPage(t, placed.redirectUrl!);
      const shipment = await shipOrder(t, placed.order.number);
      orders.push(placed.order.number);
      await moveTo(`2026-09-01T10:0${i}:00Z`);
      await track(t, shipment.trackingNumber!, { kind: 'delivered', signedBy: 'Alice', recipient: 'customer' });
    }
    await moveTo('2026-09-03T10:00:00Z');
  });

  it('files a dead-on-arrival claim by API for the customer\'s own order only; lists it with each line\'s guarantees', async () => {
    const url = `/api/store/account/orders/${orders[0]}/guarantee-claims`;
    const body = { position: 0, quantity: 1, kind: 'dead_on_arrival', remedy: 'replace', description: 'Ne démarre pas au déballage.' };
    expect((await json('POST', url, bob, body)).statusCode).toBe(404);
    expect((await json('POST', url, undefined, body)).statusCode).toBe(401);
    const early = await json('POST', url, alice, { ...body, kind: 'commercial', photos: [{ data: jpeg.toString('base64') }] });
    expect(early.statusCode).toBe(422);
    expect(early.json()).toMatchObject({ error: { code: 'guarantee.not_started', rule: 'GU-4', details: { startsOn: '2026-09-12' } } });
    const filed = await json('POST', url, alice, body);
    expect(filed.statusCode).toBe(201);
    expect(filed.json().claim).toMatchObject({ number: `${orders[0]}-G1`, state: 'filed', coveredUntil: '2026-09-11', answerDueAt: '2026-09-05T10:00:00.000Z', remedyDueOn: '2026-10-03' });
    const list = await json('GET', url, alice);
    expect(list.json().claims).toHaveLength(1);
    expect(list.json().options.lines[0].guarantees.map((g: { kind: string; lastDay: string }) => `${g.kind}:${g.lastDay}`)).toEqual(['conformity:2028-09-01', 'dead_on_arrival:2026-09-11', 'commercial:2029-09-11']);
    expect((await json('GET', `/api/store/account/guarantee-claims/${orders[0]}-G1`, bob)).statusCode).toBe(404);
  });

  it('the account page shows the Garanties section; its form posts multipart with CSRF', async () => {
    const page = await t.app.inject({ method: 'GET', url: `/account/orders/${orders[1]}/guarantees`, headers: { cookie: alice, accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Garanties');
    expect(page.body).toContain('1 septembre 2028'); // the legal guarantee's last day
    const cookie = sessionOf(page, alice);
    const token = /<section id="guarantees"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const fields = { _csrf: token, position: '0', quantity: '1', kind: 'conformity', remedy: 'repair', description: 'Le ventilateur claque.' };
    const forged = multipart({ ...fields, _csrf: 'forged' }, []);
    expect((await t.app.inject({ method: 'POST', url: `/account/orders/${orders[1]}/guarantee-claims`, headers: { cookie, 'content-type': forged.contentType }, payload: forged.payload })).statusCode).toBe(403);
    const bad = multipart({ ...fields, remedy: 'cancel_sale' }, []);
    const refused = await t.app.inject({ method: 'POST', url: `/account/orders/${orders[1]}/guarantee-claims`, headers: { cookie, accept: 'text/html', 'content-type': bad.contentType }, payload: bad.payload });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('data-error-code="guarantee.remedy_not_allowed"');
    const good = multipart(fields, [{ name: 'photos', filename: 'a.jpg', type: 'image/jpeg', data: jpeg }]);
    const posted = await t.app.inject({ method: 'POST', url: `/account/orders/${orders[1]}/guarantee-claims`, headers: { cookie, 'content-type': good.contentType }, payload: good.payload });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe(`/account/orders/${orders[1]}/guarantees?guarantee=${orders[1]}-G1#guarantees`);
    const after = await t.app.inject({ method: 'GET', url: posted.headers.location as string, headers: { cookie, accept: 'text/html' } });
    expect(after.body).toContain(`Demande ${orders[1]}-G1 enregistrée`);
    expect(after.body).toContain(`data-guarantee-claim="${orders[1]}-G1"`);
    expect(after.body).toContain('3 octobre 2026'); // remedy due
  });

  it('the back office queue puts the overdue answer first; decisions need returns.manage; GU-5 refusal by API', async () => {
    await moveTo('2026-09-05T10:00:00Z'); // the 48 h of G1 passed
    const queue = await json('GET', '/api/admin/guarantee-claims', owner);
    expect(queue.statusCode).toBe(200);
    expect(queue.json().claims.map((c: { number: string; answerOverdue: boolean }) => [c.number, c.answerOverdue])).toEqual([
      [`${orders[0]}-G1`, true],
      [`${orders[1]}-G1`, false],
    ]);
    expect((await json('GET', '/api/admin/guarantee-claims', warehouse)).statusCode).toBe(200);
    const decision = `/api/admin/guarantee-claims/${orders[1]}-G1/decision`;
    expect((await json('POST', decision, warehouse, { outcome: 'refuse', reason: 'x' })).statusCode).toBe(403);
    expect((await json('POST', decision, owner, { outcome: 'refuse' })).json()).toMatchObject({ error: { code: 'guarantee.reason_required' } });
    const refused = await json('POST', decision, owner, { outcome: 'refuse', reason: 'Appareil ouvert, scellé brisé.', exclusion: 'modified' });
    expect(refused.statusCode).toBe(200);
    expect(refused.json().claim).toMatchObject({ state: 'refused', decision: { outcome: 'refuse', exclusion: 'modified' } });
    expect((await json('POST', decision, owner, { outcome: 'repair' })).statusCode).toBe(409);
    const docs = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(Object.keys(docs.json().paths)).toEqual(expect.arrayContaining(['/api/store/account/orders/{number}/guarantee-claims', '/api/admin/guarantee-claims/{claim}/decision']));
  });

  it('the claim screen decides by form (CSRF): a repair, then the item received and given back', async () => {
    const page = await t.app.inject({ method: 'GET', url: `/admin/guarantee-claims/${orders[0]}-G1`, headers: { cookie: owner, accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-guarantee-decision');
    const cookie = sessionOf(page, owner);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const form = (path: string, fields: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: `/admin/guarantee-claims/${orders[0]}-G1/${path}`, headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    expect((await form('decision', { outcome: 'repair' })).statusCode).toBe(403);
    expect((await form('decision', { _csrf: token, outcome: 'repair' })).statusCode).toBe(303);
    expect((await form('item-returned', { _csrf: token })).statusCode).toBe(409);
    expect((await form('item-received', { _csrf: token })).statusCode).toBe(303);
    await moveTo('2026-09-15T10:00:00Z');
    expect((await form('item-returned', { _csrf: token })).statusCode).toBe(303);
    const claim = await json('GET', `/api/admin/guarantee-claims/${orders[0]}-G1`, owner);
    expect(claim.json().claim).toMatchObject({ state: 'repaired', receivedAt: '2026-09-05T10:00:00.000Z', returnedAt: '2026-09-15T10:00:00.000Z' });
    const queuePage = await t.app.inject({ method: 'GET', url: '/admin/guarantee-claims', headers: { cookie: owner, accept: 'text/html' } });
    expect(queuePage.body).toContain('Demandes de garantie');
  });
});
