// Issue 4 §2/§8 through HTTP: the checkout forms refuse what they must, next to
// the field, and place nothing — the terms box left unticked (ID-2/OR-1), a
// destination the shop does not serve (OR-2), a post-office box at JW (OR-2);
// a guest's order is readable with its short-lived cookie only (CU-1, OR-5).
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { addPrice } from '../../../src/app/catalogue-admin.js';
import { setStock } from '../../../src/app/stock.js';
import { signIn, useTestApp, type TestApp } from '../../support/app.js';

/** A browser without JavaScript: a cookie jar, and forms posted with the page's CSRF token. */
function browser(t: TestApp) {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
  const keep = (r: LightMyRequestResponse) => {
    for (const c of r.cookies) if (c.value) jar.set(c.name, c.value);
    return r;
  };
  const get = async (url: string) => keep(await t.app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...(jar.size ? { cookie: cookie() } : {}) } }));
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return {
    jar,
    get,
    /** Posts `fields` to `url` with the CSRF token of the page at `from`. */
    form: async (from: string, url: string, fields: Record<string, string>) => {
      const page = await get(from);
      return keep(
        await t.app.inject({
          method: 'POST',
          url,
          headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
          payload: new URLSearchParams({ _csrf: csrfOf(page.body), ...fields }).toString(),
        }),
      );
    },
  };
}

async function stockedVariant(t: TestApp): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    SELECT v.id::text AS id FROM variants v JOIN products p ON p.id = v.product_id
     WHERE v.shop_id = ${t.ctx.shop.id} AND p.eco_fee_minor = 0
       AND EXISTS (SELECT 1 FROM price_history ph WHERE ph.variant_id = v.id AND ph.currency = 'EUR')
     ORDER BY v.id LIMIT 1`.execute(t.ctx.db);
  const id = rows[0]!.id;
  const warehouse = await t.ctx.db.selectFrom('locations').select('code').where('shop_id', '=', t.ctx.shop.id).where('kind', '=', 'warehouse').executeTakeFirstOrThrow();
  await setStock(t.ctx.db, { shopId: t.ctx.shop.id, variantId: id, levels: [{ locationCode: warehouse.code, quantity: 20 }], actor: { kind: 'system' }, now: await t.ctx.clock.now() });
  return id;
}

const orderCount = async (t: TestApp) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM orders WHERE shop_id = ${t.ctx.shop.id}`.execute(t.ctx.db)).rows[0]!.n);
const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

const address = (prefix: string, over: Record<string, string> = {}) => {
  const a = { name: 'Camille Martin', line1: '12 rue des Lilas', line2: '', postalCode: '75011', city: 'Paris', region: '', country: 'FR', phone: '01 23 45 67 89', ...over };
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [`${prefix}.${k}`, v]));
};

describe('PF (guest checkout): form refusals and a guest order', () => {
  const t = useTestApp('pf');

  it('refuses a foreign country next to the field, then refuses an unticked terms box, and places nothing', async () => {
    const b = browser(t);
    const variantId = await stockedVariant(t);
    expect((await b.form('/cart', '/cart/lines', { variantId, quantity: '1' })).statusCode).toBe(303);

    const details = await b.get('/checkout');
    expect(details.statusCode).toBe(200);
    expect(details.body).toContain('name="email"'); // CU-1: PF allows guests

    // OR-2: the United States are not a PF destination.
    const foreign = await b.form('/checkout', '/checkout/details', { email: 'guest@example.com', ...address('delivery', { country: 'US', postalCode: '10001', city: 'New York', phone: '+1 212 555 0100' }), billingSame: '1', shippingMethodId: 'standard' });
    expect(foreign.statusCode).toBe(422);
    expect(foreign.body).toMatch(/id="delivery-country-error" data-code="address.country_not_served"/);
    // Errors in two fields at once: a bad email too.
    const twice = await b.form('/checkout', '/checkout/details', { email: 'not-an-email', ...address('delivery', { postalCode: '7501' }), billingSame: '1', shippingMethodId: 'standard' });
    expect(twice.statusCode).toBe(422);
    expect(twice.body).toMatch(/id="email-error" data-code="checkout.invalid_email"/);
    expect(twice.body).toMatch(/id="delivery-postalCode-error" data-code="address.invalid_postcode"/);
    expect(twice.body).toContain('value="not-an-email"'); // what was typed stays, to correct it

    const ok = await b.form('/checkout', '/checkout/details', { email: 'guest@example.com', ...address('delivery'), billingSame: '1', shippingMethodId: 'standard' });
    expect(ok.statusCode, ok.body).toBe(303);
    expect(ok.headers.location).toBe('/checkout/summary');

    const summary = await b.get('/checkout/summary');
    expect(summary.statusCode).toBe(200);
    expect(summary.body).toMatch(/<input type="checkbox" name="acceptTerms" value="1"\s*\/?>/); // unticked
    expect(summary.body).toContain('Commande avec obligation de paiement');
    const key = hidden(summary.body, 'idempotencyKey');
    expect(key).toMatch(/^checkout-/);
    const placeFields = { idempotencyKey: key, termsVersion: hidden(summary.body, 'termsVersion'), termsHash: hidden(summary.body, 'termsHash'), ageDeclaration: '1', paymentMethod: 'card' };

    // ID-2 / OR-1: no tick, no order.
    const unticked = await b.form('/checkout/summary', '/checkout/place', placeFields);
    expect(unticked.statusCode).toBe(422);
    expect(unticked.body).toMatch(/id="terms-error" data-code="checkout.terms_required"/);
    expect(await orderCount(t)).toBe(0);

    // Ticked: placed, off to the hosted card page; the guest keeps a short-lived order cookie.
    const placed = await b.form('/checkout/summary', '/checkout/place', { ...placeFields, acceptTerms: '1' });
    expect(placed.statusCode, placed.body).toBe(303);
    expect(placed.headers.location).toMatch(/^\/sandbox\/pay\//);
    expect(await orderCount(t)).toBe(1);
    const order = await t.ctx.db.selectFrom('orders').select(['number', 'terms_version_id', 'terms_hash', 'email']).where('shop_id', '=', 'pf').executeTakeFirstOrThrow();
    expect(order).toMatchObject({ terms_version_id: placeFields.termsVersion, terms_hash: placeFields.termsHash, email: 'guest@example.com' });
    const cookie = placed.cookies.find((c) => c.name === 'comptoir_order');
    expect(cookie).toMatchObject({ httpOnly: true, path: '/checkout' });

    const confirmation = await b.get(`/checkout/confirmation/${order.number}`);
    expect(confirmation.statusCode).toBe(200);
    expect(confirmation.body).toContain(`data-order-number="${order.number}"`);
    expect(confirmation.body).toContain('renoncer au contrat ici');
    // Anyone else: 404.
    expect((await browser(t).get(`/checkout/confirmation/${order.number}`)).statusCode).toBe(404);
  });
});

describe('JW (account required): identification and the post-office box', () => {
  const t = useTestApp('jw');

  it('asks a visitor to sign in, and refuses a PO box delivery address next to the field', async () => {
    const b = browser(t);
    const variantId = await stockedVariant(t);
    expect((await b.form('/cart', '/cart/lines', { variantId, quantity: '1' })).statusCode).toBe(303);
    const identification = await b.get('/checkout');
    expect(identification.statusCode).toBe(200);
    expect(identification.body).toContain('href="/account/login?next=/checkout"');
    expect(identification.body).not.toContain('name="email"');

    const registered = await b.form('/account/register', '/account/register', { email: 'jw-buyer@example.com', password: 'correct horse battery staple', name: 'Camille Martin', kind: 'consumer' });
    expect(registered.statusCode, registered.body).toBe(303);
    const details = await b.get('/checkout');
    expect(details.body).toContain('jw-buyer@example.com');

    const poBox = await b.form('/checkout', '/checkout/details', { ...address('delivery', { line1: 'BP 123' }), billingSame: '1', shippingMethodId: 'ems' });
    expect(poBox.statusCode).toBe(422);
    expect(poBox.body).toMatch(/id="delivery-line1-error" data-code="address.po_box_refused"/);
    // Posting to the last step without the details step goes back to it.
    const skipped = await b.form('/checkout', '/checkout/place', { acceptTerms: '1', paymentMethod: 'card' });
    expect(skipped.statusCode).toBe(303);
    expect(skipped.headers.location).toBe('/checkout');
    expect(await orderCount(t)).toBe(0);
  });
});

describe('EL (bank transfer, in English): the confirmation shows the PA-5 instructions', () => {
  const t = useTestApp('el');

  it('places the order without a provider page and lands on the confirmation with the transfer details', async () => {
    const b = browser(t);
    const variantId = await stockedVariant(t);
    expect((await b.get('/cart?lang=en')).statusCode).toBe(200);
    expect((await b.form('/cart', '/cart/lines', { variantId, quantity: '1' })).statusCode).toBe(303);
    expect((await b.form('/account/register', '/account/register', { email: 'el-buyer@example.com', password: 'correct horse battery staple', name: 'Sam Lee', kind: 'consumer' })).statusCode).toBe(303);
    const ok = await b.form('/checkout', '/checkout/details', { ...address('delivery'), billingSame: '1', shippingMethodId: 'standard' });
    expect(ok.statusCode, ok.body).toBe(303);
    const summary = await b.get('/checkout/summary');
    expect(summary.body).toContain('Order with obligation to pay');
    expect(summary.body).not.toContain('name="ageDeclaration"'); // CU-2: EL asks none
    expect(summary.body).toContain('value="bank_transfer"');
    const placed = await b.form('/checkout/summary', '/checkout/place', {
      idempotencyKey: hidden(summary.body, 'idempotencyKey'),
      termsVersion: hidden(summary.body, 'termsVersion'),
      termsHash: hidden(summary.body, 'termsHash'),
      acceptTerms: '1',
      paymentMethod: 'bank_transfer',
    });
    expect(placed.statusCode, placed.body).toBe(303);
    expect(placed.headers.location).toMatch(/^\/checkout\/confirmation\/EL-2026-\d{6}$/);
    const confirmation = await b.get(placed.headers.location as string);
    expect(confirmation.statusCode).toBe(200);
    expect(confirmation.body).toContain('FR7612345000010001234567887');
    expect(confirmation.body).toContain('data-order-state="awaiting_transfer"');
    const order = await t.ctx.db.selectFrom('orders').select(['terms_language']).where('shop_id', '=', 'el').executeTakeFirstOrThrow();
    expect(order.terms_language).toBe('en');
  });
});

describe('FA (account required): back to the checkout after registering, and the saved addresses (CU-1)', () => {
  const t = useTestApp('fa');
  const bookOf = async (email: string) =>
    t.ctx.db
      .selectFrom('customer_addresses as a')
      .innerJoin('customers as c', 'c.id', 'a.customer_id')
      .select(['a.id', 'a.name', 'a.line1', 'a.line2', 'a.postal_code', 'a.city', 'a.region', 'a.country', 'a.phone', 'a.is_default_delivery'])
      .where('c.email', '=', email)
      .orderBy('a.id')
      .execute();

  it('follows next= to the checkout after registering or signing in, and refuses any other site', async () => {
    const b = browser(t);
    const variantId = await stockedVariant(t);
    expect((await b.form('/cart', '/cart/lines', { variantId, quantity: '1' })).statusCode).toBe(303);
    expect((await b.get('/checkout')).body).toContain('href="/account/register?next=/checkout"');
    const register = await b.get('/account/register?next=/checkout');
    expect(register.body).toContain('name="next" value="/checkout"');
    expect(register.body).toContain('href="/account/login?next=%2Fcheckout"');
    const registered = await b.form('/account/register?next=/checkout', '/account/register', { email: 'fa-next@example.com', password: 'correct horse battery staple', name: 'Camille Martin', next: '/checkout' });
    expect(registered.statusCode, registered.body).toBe(303);
    expect(registered.headers.location).toBe('/checkout');
    expect((await b.get('/checkout')).body).toContain('fa-next@example.com');

    // Off-site targets fall back to the account (no open redirect).
    for (const [i, next] of ['//evil.example', 'https://evil.example/checkout', '/\\evil.example', 'javascript:alert(1)'].entries()) {
      const other = browser(t);
      expect((await other.get(`/account/login?next=${encodeURIComponent(next)}`)).body).toContain('name="next" value="/account"');
      const signedIn = await other.form('/account/login', '/account/login', { email: 'fa-next@example.com', password: 'correct horse battery staple', next });
      expect(signedIn.headers.location, next).toBe('/account');
      const again = await browser(t).form('/account/register', '/account/register', { email: `fa-evil-${i}@example.com`, password: 'correct horse battery staple', next });
      expect(again.headers.location, next).toBe('/account');
    }
    const back = await browser(t).form('/account/login', '/account/login', { email: 'fa-next@example.com', password: 'correct horse battery staple', next: '/checkout' });
    expect(back.headers.location).toBe('/checkout');
  });

  it('fills the address step from the saved addresses, saves a new one once, and freezes the chosen one on the order', async () => {
    const b = browser(t);
    const email = 'fa-book@example.com';
    expect((await b.form('/account/register', '/account/register', { email, password: 'correct horse battery staple', name: 'Camille Martin' })).statusCode).toBe(303);
    const home = { label: 'Maison', name: 'Camille Martin', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR', phone: '06 12 34 56 78' };
    const office = { label: 'Bureau', name: 'Camille Martin', line1: '5 place Bellecour', postalCode: '69002', city: 'Lyon', country: 'FR', phone: '04 72 00 00 00' };
    expect((await b.form('/account', '/account/addresses', home)).statusCode).toBe(303);
    expect((await b.form('/account', '/account/addresses', office)).statusCode).toBe(303);
    const [homeRow, officeRow] = await bookOf(email);
    expect(homeRow!.is_default_delivery).toBe(true);

    const variantId = await stockedVariant(t);
    expect((await b.form('/cart', '/cart/lines', { variantId, quantity: '1' })).statusCode).toBe(303);
    // The default delivery address is filled in and ticked in the address book.
    const details = await b.get('/checkout');
    expect(details.statusCode).toBe(200);
    expect(details.body).toContain('value="12 rue des Lilas"');
    expect(details.body).toMatch(new RegExp(`name="deliveryAddressId" value="${homeRow!.id}" checked`));
    expect(details.body).toMatch(/name="billingAddressId" value checked/);
    expect(details.body).toContain('formaction="/checkout/saved-address"');

    // Choosing the office fills the form server-side (no JavaScript), what else was typed stays.
    const chosen = await b.form('/checkout', '/checkout/saved-address', { ...address('delivery'), billingSame: '1', shippingMethodId: 'home', deliveryAddressId: officeRow!.id, billingAddressId: '' });
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(chosen.body).toContain('value="5 place Bellecour"');
    expect(chosen.body).toContain('value="69002"');
    expect(chosen.body).not.toContain('value="12 rue des Lilas"');
    expect(chosen.body).toMatch(new RegExp(`name="deliveryAddressId" value="${officeRow!.id}" checked`));
    // Another customer's address id: refused, as if it did not exist.
    const other = browser(t);
    expect((await other.form('/account/register', '/account/register', { email: 'fa-other@example.com', password: 'correct horse battery staple', name: 'Sam Lee' })).statusCode).toBe(303);
    expect((await other.form('/account', '/account/addresses', { ...home, name: 'Sam Lee' })).statusCode).toBe(303);
    const [stranger] = await bookOf('fa-other@example.com');
    const foreign = await b.form('/checkout', '/checkout/saved-address', { ...address('delivery'), billingSame: '1', shippingMethodId: 'home', deliveryAddressId: stranger!.id, billingAddressId: '' });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).toContain('data-code="address.not_found"');

    // "Save this address": added once, not again when sent twice.
    const typed = address('delivery', { line1: '8 rue Neuve', postalCode: '33000', city: 'Bordeaux', phone: '05 56 00 00 00' });
    expect((await b.form('/checkout', '/checkout/details', { ...typed, billingSame: '1', shippingMethodId: 'home', saveAddress: '1' })).statusCode).toBe(303);
    expect((await b.form('/checkout', '/checkout/details', { ...typed, billingSame: '1', shippingMethodId: 'home', saveAddress: '1' })).statusCode).toBe(303);
    expect((await bookOf(email)).map((a) => a.line1)).toEqual(['12 rue des Lilas', '5 place Bellecour', '8 rue Neuve']);

    // The office, as the form was filled, goes to the summary and is frozen on the order (OR-4).
    const officeFields = { name: officeRow!.name, line1: officeRow!.line1, postalCode: officeRow!.postal_code, city: officeRow!.city, country: officeRow!.country, phone: officeRow!.phone ?? '' };
    const ok = await b.form('/checkout', '/checkout/details', { ...address('delivery', officeFields), billingSame: '1', shippingMethodId: 'home' });
    expect(ok.statusCode, ok.body).toBe(303);
    const summary = await b.get('/checkout/summary');
    const placed = await b.form('/checkout/summary', '/checkout/place', {
      idempotencyKey: hidden(summary.body, 'idempotencyKey'),
      termsVersion: hidden(summary.body, 'termsVersion'),
      termsHash: hidden(summary.body, 'termsHash'),
      acceptTerms: '1',
      ageDeclaration: '1',
      paymentMethod: 'card',
    });
    expect(placed.statusCode, placed.body).toBe(303);
    const order = await t.ctx.db.selectFrom('orders as o').innerJoin('customers as c', 'c.id', 'o.customer_id').select('o.delivery_address').where('c.email', '=', email).executeTakeFirstOrThrow();
    expect(order.delivery_address).toEqual({
      name: officeRow!.name,
      line1: officeRow!.line1,
      line2: officeRow!.line2,
      postalCode: officeRow!.postal_code,
      city: officeRow!.city,
      region: officeRow!.region,
      country: officeRow!.country,
      phone: officeRow!.phone,
    });
  });
});

describe('FA: paying in instalments from the summary (PA-4)', () => {
  const t = useTestApp('fa');

  it('offers 3x (not 4x) for 150.00 with every share and the credit warning, and places a financed order', async () => {
    const b = browser(t);
    const variantId = await stockedVariant(t);
    // 145.10 + home delivery 4.90 = 150.00: the lower bound of 3x; 4x starts at 350.00.
    await addPrice(t.ctx.db, { shopId: 'fa', variantId, currency: 'EUR', amountMinor: 14510, currencies: ['EUR'], actor: { kind: 'system' }, now: await t.ctx.clock.now() });
    expect((await b.form('/account/register', '/account/register', { email: 'fa-3x@example.com', password: 'correct horse battery staple', name: 'Camille Martin' })).statusCode).toBe(303);
    expect((await b.form('/cart', '/cart/lines', { variantId, quantity: '1' })).statusCode).toBe(303);
    const details = await b.form('/checkout', '/checkout/details', { ...address('delivery'), billingSame: '1', shippingMethodId: 'home' });
    expect(details.statusCode, details.body).toBe(303);
    const summary = await b.get('/checkout/summary');
    expect(summary.body).toContain('value="instalments:3"');
    expect(summary.body).not.toContain('value="instalments:4"');
    expect(summary.body).toContain('Paiement en 3 fois sans frais');
    expect(summary.body).toContain('1. 50,00\u00a0€ — prélevée à l\'expédition de la commande');
    expect(summary.body).toContain('Un crédit vous engage et doit être remboursé.');

    const form = { idempotencyKey: hidden(summary.body, 'idempotencyKey'), termsVersion: hidden(summary.body, 'termsVersion'), termsHash: hidden(summary.body, 'termsHash'), acceptTerms: '1', ageDeclaration: '1' };
    // A plan the basket does not reach is refused again by the order, and nothing is placed.
    const refused = await b.form('/checkout/summary', '/checkout/place', { ...form, paymentMethod: 'instalments:4' });
    expect(refused.statusCode).toBe(422);
    expect(await orderCount(t)).toBe(0);

    const placed = await b.form('/checkout/summary', '/checkout/place', { ...form, paymentMethod: 'instalments:3' });
    expect(placed.statusCode, placed.body).toBe(303);
    expect(placed.headers.location).toMatch(/^\/checkout\/confirmation\/FA-2026-\d{6}$/);
    const confirmation = await b.get(placed.headers.location as string);
    expect(confirmation.body).toContain('data-order-state="financed"');
    expect(confirmation.body).toContain('3 échéances sans frais avec Crédit Azur Financement');
    expect(confirmation.body).toContain('3. 50,00\u00a0€ — 2 mois plus tard, le même jour');

    // The account's API gives the same plan; the back office offers to cancel the order (OR-7: the plan is cancelled with it).
    const number = (placed.headers.location as string).split('/').pop()!;
    const mine = JSON.parse((await b.get(`/api/store/account/orders/${number}`)).body);
    expect(mine.order.instalments).toEqual({ partner: 'Crédit Azur Financement', shares: [1, 2, 3].map(() => ({ amount: 5000, currency: 'EUR' })) });
    expect(mine.order.deferredPayment).toBeNull();
    const owner = await signIn(t.app, t.owner.email, t.owner.password);
    const page = await t.app.inject({ method: 'GET', url: `/admin/orders/${number}`, headers: { cookie: owner, accept: 'text/html' } });
    expect(page.body).toContain(`action="/admin/orders/${number}/cancel"`);
  });
});
