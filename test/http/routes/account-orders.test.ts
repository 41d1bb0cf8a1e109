// Issue 4 §8 through HTTP: the customer's orders and invoices in the account
// (CU-1: order history and invoices to download; DOC-1: the invoice PDF) —
// the JSON API and the pages, FR and EN, scoped to the signed-in customer:
// another customer's order is a 404 `order.not_found`, never a 403.
import { describe, expect, it } from 'vitest';
import { useTestApp, type TestApp } from '../../support/app.js';
import { customerSession, payOnHostedPage, placeCardOrder, registeredCustomer, stockedVariant } from '../../support/orders.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const get = (t: TestApp, url: string, cookie?: string, accept = 'application/json') => t.app.inject({ method: 'GET', url, headers: { accept, ...(cookie ? { cookie } : {}) } });
const page = (t: TestApp, url: string, cookie?: string) => get(t, url, cookie, 'text/html');

describe('FA — a customer reads their orders and downloads their invoices', () => {
  const t = useTestApp('fa');
  let alice: { id: string; email: string; cookie: string };
  let bob: { id: string; email: string; cookie: string };
  let older: string;
  let newer: string;
  let unpaid: string;

  it('lists the two paid orders newest first, with state, total and invoice link (CU-1, DOC-1)', async () => {
    const a = await registeredCustomer(t);
    const b = await registeredCustomer(t);
    alice = { ...a, cookie: await customerSession(t, a.email) };
    bob = { ...b, cookie: await customerSession(t, b.email) };
    const variantId = await stockedVariant(t, 10);
    const first = await placeCardOrder(t, {
      variantId,
      quantity: 1,
      method: 'home',
      customerId: alice.id,
      // Preact escapes what the customer typed (no markup reaches the page).
      over: { deliveryAddress: { name: 'Camille <b>Martin</b>', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR' } },
    });
    await payOnHostedPage(t, first.redirectUrl!);
    const second = await placeCardOrder(t, { variantId, quantity: 2, method: 'home', customerId: alice.id });
    await payOnHostedPage(t, second.redirectUrl!);
    older = first.order.number;
    newer = second.order.number;

    const r = await get(t, '/api/store/account/orders', alice.cookie);
    expect(r.statusCode, r.body).toBe(200);
    const { orders, next } = r.json() as { orders: Json[]; next: string | null };
    expect(orders.map((o) => o.number)).toEqual([newer, older]);
    expect(next).toBeNull();
    expect(orders[0]).toMatchObject({ state: 'paid', currency: 'EUR', total: second.order.total, paymentMethod: 'card', invoice: { number: expect.stringMatching(/^FA-F-2026-\d{6}$/), url: `/api/store/orders/${newer}/invoice.pdf` } });
    expect(orders[0]!.placedAt).toBe(second.order.placedAt.toISOString());

    // The link downloads the PDF (routes/invoice-api.ts, the same session).
    const pdf = await get(t, orders[0]!.invoice.url, alice.cookie, 'application/pdf');
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('pages the list with `next` (keyset, like the back office)', async () => {
    const variantId = await stockedVariant(t, 5, { skip: 1 });
    unpaid = (await placeCardOrder(t, { variantId, quantity: 1, method: 'home', customerId: alice.id })).order.number;
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const r = await get(t, `/api/store/account/orders?limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`, alice.cookie);
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json() as { orders: Json[]; next: string | null };
      expect(body.orders.length).toBeLessThanOrEqual(2);
      seen.push(...body.orders.map((o) => o.number));
      before = body.next;
    } while (before);
    expect(seen).toEqual([unpaid, newer, older]);
    const first = (await get(t, '/api/store/account/orders?limit=2', alice.cookie)).json();
    expect(first.next).toBe(newer);
    // Not paid yet: no invoice (DOC-1, PA-3).
    expect(first.orders[0]).toMatchObject({ number: unpaid, state: 'awaiting_payment', invoice: null });
    expect((await get(t, '/api/store/account/orders?limit=0', alice.cookie)).statusCode).toBe(400);
  });

  it('gives one order with its lines, amounts, addresses, payment state and invoice', async () => {
    const r = await get(t, `/api/store/account/orders/${newer}`, alice.cookie);
    expect(r.statusCode, r.body).toBe(200);
    const order = r.json().order as Json;
    expect(order).toMatchObject({ number: newer, state: 'paid', paymentState: expect.stringMatching(/^(authorised|captured)$/), deliveryAddress: { name: 'Camille Martin', city: 'Paris', country: 'FR' } });
    expect(order.billingAddress).toEqual(order.deliveryAddress);
    expect(order.lines).toHaveLength(1);
    expect(order.lines[0]).toMatchObject({ quantity: 2, vatRateBasisPoints: 2000 });
    expect(order.goods + order.ecoFees - order.discounts + order.shipping).toBe(order.total); // PR-9
    expect(order.vatBreakdown[0]).toMatchObject({ rateBasisPoints: 2000, treatment: 'included' });
    expect(order.invoice.url).toBe(`/api/store/orders/${newer}/invoice.pdf`);
  });

  it('shows another customer nothing: an empty list, 404 order.not_found for the order and its invoice', async () => {
    const list = await get(t, '/api/store/account/orders', bob.cookie);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ orders: [], next: null });
    const detail = await get(t, `/api/store/account/orders/${older}`, bob.cookie);
    expect(detail.statusCode).toBe(404);
    expect(detail.json()).toMatchObject({ error: { code: 'order.not_found' } });
    expect((await get(t, `/api/store/account/orders/NO-SUCH-ORDER`, alice.cookie)).json()).toMatchObject({ error: { code: 'order.not_found' } });
    const pdf = await get(t, `/api/store/orders/${older}/invoice.pdf`, bob.cookie);
    expect(pdf.statusCode).toBe(404);
    expect((await page(t, `/account/orders/${older}`, bob.cookie)).statusCode).toBe(404);
    // A stranger: 401 for the API, the sign-in page for the pages.
    expect((await get(t, '/api/store/account/orders')).json()).toMatchObject({ error: { code: 'auth.required' } });
    const login = await page(t, '/account/orders');
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/account/login?next=%2Faccount%2Forders');
  });

  it('documents both routes in the OpenAPI document', async () => {
    const doc = (await get(t, '/docs/json')).json() as { paths: Record<string, Json> };
    expect(doc.paths['/api/store/account/orders']?.get?.responses?.['200']).toBeDefined();
    expect(doc.paths['/api/store/account/orders/{number}']?.get?.responses?.['200']).toBeDefined();
  });

  it('renders the orders page in French and English, linked from the account', async () => {
    const home = await page(t, '/account', alice.cookie);
    expect(home.body).toContain('href="/account/orders"');

    const fr = await page(t, '/account/orders', alice.cookie);
    expect(fr.statusCode).toBe(200);
    expect(fr.body).toContain('<h1>Mes commandes</h1>');
    expect(fr.body).toContain(`href="/account/orders/${newer}"`);
    expect(fr.body).toMatch(new RegExp(`data-order-state="paid">Payée<`));
    expect(fr.body).toMatch(/data-order-state="awaiting_payment">En attente de paiement</);
    expect(fr.body).toContain(`href="/api/store/orders/${older}/invoice.pdf"`);
    expect(fr.body).toContain('Pas encore émise'); // the unpaid one
    expect(fr.body).toMatch(/23 novembre 2026/);

    const en = await page(t, '/account/orders?lang=en', alice.cookie);
    expect(en.body).toContain('<h1>My orders</h1>');
    expect(en.body).toMatch(/data-order-state="paid">Paid</);
    expect(en.body).toMatch(/Invoice FA-F-2026-\d{6} \(PDF\)/);
    expect(en.body).toMatch(/23 November 2026/);

    // `before` shows the older ones, with a way back to the newest.
    const olderPage = await page(t, `/account/orders?before=${encodeURIComponent(newer)}`, alice.cookie);
    expect(olderPage.body).toContain(`href="/account/orders/${older}"`);
    expect(olderPage.body).not.toContain(`href="/account/orders/${newer}"`);
    expect(olderPage.body).toContain('href="/account/orders"');
  });

  it('renders one order: lines, VAT, totals, addresses, states and the invoice link — escaped', async () => {
    const fr = await page(t, `/account/orders/${older}`, alice.cookie);
    expect(fr.statusCode).toBe(200);
    expect(fr.body).toContain(`<h1>Commande ${older}</h1>`);
    expect(fr.body).toContain('data-order-state="paid"');
    expect(fr.body).toContain('Carte bancaire');
    expect(fr.body).toMatch(/20\u00a0%/);
    expect(fr.body).toContain('Adresse de livraison');
    expect(fr.body).toContain('Camille &lt;b>Martin&lt;/b>');
    expect(fr.body).not.toContain('<b>Martin</b>');
    expect(fr.body).toContain(`href="/api/store/orders/${older}/invoice.pdf"`);
    expect(fr.body).toContain('dont TVA 20');

    const en = await page(t, `/account/orders/${unpaid}?lang=en`, alice.cookie);
    expect(en.body).toContain(`<h1>Order ${unpaid}</h1>`);
    expect(en.body).toContain('Awaiting payment');
    expect(en.body).toContain('Not issued yet');
    expect(en.body).not.toContain('invoice.pdf');
  });
});
