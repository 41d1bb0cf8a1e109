// Issue 3 §7/§8 through HTTP: the guest cart API and page for the five shops
// where each rule applies, amounts to the cent.
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { signIn, useTestApp, type TestApp } from '../../support/app.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A browser: keeps the cart cookie (and the session cookie for CSRF) between calls. */
function browser(t: TestApp) {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
  const keep = (r: LightMyRequestResponse) => {
    for (const c of r.cookies) if (c.value) jar.set(c.name, c.value);
    return r;
  };
  return {
    jar,
    call: async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object) =>
      keep(await t.app.inject({ method, url, headers: jar.size ? { cookie: cookie() } : {}, ...(payload ? { payload } : {}) })),
    form: async (url: string, fields: Record<string, string>) =>
      keep(
        await t.app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...(jar.size ? { cookie: cookie() } : {}) },
          payload: new URLSearchParams(fields).toString(),
        }),
      ),
  };
}

async function variantOf(t: TestApp, sku: string): Promise<string> {
  const row = await t.ctx.db.selectFrom('variants').select('id').where('shop_id', '=', t.ctx.shop.id).where('sku', '=', sku).executeTakeFirstOrThrow();
  return row.id;
}

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const gbp = (amount: number) => ({ amount, currency: 'GBP' });

async function createPromotion(t: TestApp, body: object): Promise<Json> {
  const cookie = await signIn(t.app, t.owner.email, t.owner.password);
  const r = await t.app.inject({ method: 'POST', url: '/api/admin/promotions', headers: { cookie }, payload: body });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().promotion;
}

describe('PF — perfume, EU + UK', () => {
  const t = useTestApp('pf');

  it('CAT-3: refuses more than 3 units of one reference, with the code, the field and the limit', async () => {
    const b = browser(t);
    const fig = await variantOf(t, 'PF-FIG-30');
    const refused = await b.call('POST', '/api/store/cart/lines', { variantId: fig, quantity: 4 });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ error: { code: 'cart.max_quantity_per_reference', field: 'quantity', rule: 'CAT-3', details: { limit: 3 } } });

    expect((await b.call('POST', '/api/store/cart/lines', { variantId: fig, quantity: 2 })).statusCode).toBe(200);
    const more = await b.call('POST', '/api/store/cart/lines', { variantId: fig, quantity: 2 });
    expect(more.json()).toMatchObject({ error: { code: 'cart.max_quantity_per_reference', details: { limit: 3 } } });
    const patched = await b.call('PATCH', `/api/store/cart/lines/${fig}`, { quantity: 4 });
    expect(patched.json()).toMatchObject({ error: { code: 'cart.max_quantity_per_reference', field: 'quantity' } });
    const cart = (await b.call('GET', '/api/store/cart')).json();
    expect(cart.lines).toHaveLength(1);
    expect(cart.lines[0]).toMatchObject({ sku: 'PF-FIG-30', quantity: 2, lineTotal: eur(11800) });
  });

  it('PR-1: the United Kingdom is priced from the GBP list, delivery included', async () => {
    const b = browser(t);
    await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'PF-FIG-30'), quantity: 1 });
    const gb = await b.call('PUT', '/api/store/cart/destination', { country: 'GB', shippingMethodId: 'standard' });
    expect(gb.statusCode, gb.body).toBe(200);
    const cart = gb.json();
    expect(cart.currency).toBe('GBP');
    expect(cart.lines[0]).toMatchObject({ unitPrice: gbp(5200), lineTotal: gbp(5200) });
    expect(cart.shipping).toMatchObject({ methodId: 'standard', amount: gbp(1095) });
    expect(cart.total).toEqual(gbp(6295));
    // Back to France: EUR again.
    const fr = (await b.call('PUT', '/api/store/cart/destination', { country: 'FR' })).json();
    expect(fr.currency).toBe('EUR');
    expect(fr.total).toEqual(eur(5900 + 547));
  });

  it('SH-2: standard delivery is free from 175.00 EUR of goods, express is not', async () => {
    const b = browser(t);
    for (const sku of ['PF-FIG-30', 'PF-NER-50', 'PF-CED-190']) await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, sku), quantity: 1 });
    let cart = (await b.call('PUT', '/api/store/cart/destination', { country: 'FR', shippingMethodId: 'standard' })).json();
    expect(cart.goods).toEqual(eur(14600));
    expect(cart.shipping).toMatchObject({ amount: eur(547), free: false });
    await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'PF-VEL-COQ'), quantity: 1 });
    cart = (await b.call('GET', '/api/store/cart')).json();
    expect(cart.goods).toEqual(eur(17500));
    expect(cart.shipping).toMatchObject({ methodId: 'standard', amount: eur(0), rate: eur(547), free: true });
    expect(cart.total).toEqual(eur(17500));
    const express = cart.shippingOptions.find((o: Json) => o.methodId === 'express');
    expect(express).toMatchObject({ amount: eur(1091), free: false });
    const quote = (await b.call('GET', '/api/store/quote?country=FR')).json();
    expect(quote.options.map((o: Json) => [o.methodId, o.amount.amount])).toEqual([
      ['standard', 0],
      ['express', 1091],
    ]);
    expect(quote.options[0].estimate).toEqual(expect.objectContaining({ earliest: expect.stringMatching(/^\d{4}-\d\d-\d\d$/) }));
    // 20 % VAT inside 175.00: 29.17.
    expect(cart.vatBreakdown).toEqual([{ rateBasisPoints: 2000, base: eur(14583), vat: eur(2917), treatment: 'included' }]);
  });

  it('shows the cart page and refuses a 4th unit by a form, with a flash message', async () => {
    const b = browser(t);
    const page = await b.call('GET', '/cart');
    expect(page.statusCode).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const fig = await variantOf(t, 'PF-FIG-30');
    const added = await b.form('/cart/lines', { variantId: fig, quantity: '3', _csrf: csrf });
    expect(added.statusCode).toBe(303);
    expect(added.headers.location).toBe('/cart');
    const refused = await b.form('/cart/lines', { variantId: fig, quantity: '1', _csrf: csrf });
    expect(refused.statusCode).toBe(303);
    const shown = await b.call('GET', '/cart?lang=en');
    expect(shown.body).toContain('You can order at most 3 units of one reference.');
    expect(shown.body).toContain('PF-FIG-30');
    expect(shown.body).toContain('€177.00');
    // The flash is shown once.
    expect((await b.call('GET', '/cart?lang=en')).body).not.toContain('at most 3 units');
    // Without the CSRF token: refused.
    expect((await b.form('/cart/lines', { variantId: fig, quantity: '1' })).statusCode).toBe(403);
  });
});

describe('EL — electronics: eco-fee, free delivery above 400 EUR excl. VAT to FR', () => {
  const t = useTestApp('el');

  it('PR-3 / SH-2: eco-fees shown apart; below 400 EUR excl. VAT delivery is paid', async () => {
    const b = browser(t);
    await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'EL-PAN27'), quantity: 1 });
    await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'EL-OND-NOI'), quantity: 1 });
    const cart = (await b.call('PUT', '/api/store/cart/destination', { country: 'FR', shippingMethodId: 'standard' })).json();
    expect(cart.goods).toEqual(eur(47800)); // 398.33 excl. VAT
    expect(cart.ecoFees).toEqual(eur(250 + 17));
    expect(cart.shipping).toMatchObject({ amount: eur(690), free: false });
    expect(cart.total).toEqual(eur(47800 + 267 + 690));
  });

  it('SH-2: free standard delivery to FR for a consumer guest from 400 EUR excl. VAT, not to DE', async () => {
    const b = browser(t);
    await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'EL-PAN27'), quantity: 1 });
    await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'EL-FLX-2TO'), quantity: 1 });
    const fr = (await b.call('PUT', '/api/store/cart/destination', { country: 'FR', shippingMethodId: 'standard' })).json();
    expect(fr.cart.customerKind).toBe('consumer');
    expect(fr.goods).toEqual(eur(50800));
    expect(fr.ecoFees).toEqual(eur(252));
    expect(fr.lines.find((l: Json) => l.sku === 'EL-PAN27')).toMatchObject({ ecoFeePerUnit: eur(250), lineEcoFee: eur(250), lineTotal: eur(33150) });
    expect(fr.shipping).toMatchObject({ amount: eur(0), free: true });
    expect(fr.total).toEqual(eur(51052));
    const de = (await b.call('PUT', '/api/store/cart/destination', { country: 'DE', shippingMethodId: 'standard' })).json();
    expect(de.shipping).toMatchObject({ amount: eur(1490), free: false });
    expect(de.total).toEqual(eur(51052 + 1490));
  });

  it('CAT-2: a variant without stock nor back-order is refused; a back-orderable one is accepted', async () => {
    const b = browser(t);
    const refused = await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'EL-ECH-ANT'), quantity: 1 });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ error: { code: 'cart.variant_unavailable', field: 'variantId', rule: 'CAT-2' } });
    const awaitingOnly = await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'EL-MAI-3'), quantity: 1 });
    expect(awaitingOnly.json()).toMatchObject({ error: { code: 'cart.variant_unavailable' } });
    const backOrder = await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'EL-MAI-1'), quantity: 1 });
    expect(backOrder.statusCode).toBe(200);
  });
});

describe('JW — jewellery, not subject to VAT', () => {
  const t = useTestApp('jw');

  it('PR-1: no VAT, the franchise mention instead', async () => {
    const b = browser(t);
    await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'JW-SOL-50'), quantity: 1 });
    const cart = (await b.call('PUT', '/api/store/cart/destination', { country: 'FR', shippingMethodId: 'ems' })).json();
    expect(cart.vat).toMatchObject({ mode: 'not_subject', rateBasisPoints: 0, mention: { fr: 'TVA non applicable, art. 293 B du CGI' } });
    expect(cart.vatBreakdown.every((r: Json) => r.vat.amount === 0)).toBe(true);
    expect(cart.total).toEqual(eur(8900 + 750));
    const page = await b.call('GET', '/cart?lang=fr');
    expect(page.body).toContain('TVA non applicable, art. 293 B du CGI');
    expect(page.body).not.toContain('dont TVA');
  });

  it('a worldwide shop still refuses a method that does not serve the country', async () => {
    const b = browser(t);
    const r = await b.call('PUT', '/api/store/cart/destination', { country: 'DE', shippingMethodId: 'ems' });
    expect(r.json()).toMatchObject({ error: { code: 'shipping.method_unavailable', field: 'shippingMethodId', rule: 'SH-1' } });
    expect((await b.call('PUT', '/api/store/cart/destination', { country: 'DE', shippingMethodId: 'dpd' })).statusCode).toBe(200);
  });
});

describe('FR — fashion, metropolitan France', () => {
  const t = useTestApp('fr');

  it('PR-7: a non-combinable code is refused while an automatic running promotion applies, and is not kept', async () => {
    await createPromotion(t, { name: 'Soldes', code: null, kind: 'percentage', percentBasisPoints: 1000 });
    await createPromotion(t, { name: 'Bienvenue', code: 'BIENVENUE', kind: 'fixed_amount', amount: eur(500) });
    const b = browser(t);
    const added = (await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'FR-IRO-S'), quantity: 2 })).json();
    expect(added.discounts).toEqual(eur(900));
    expect(added.total).toEqual(eur(8100));
    const refused = await b.call('POST', '/api/store/cart/codes', { code: 'bienvenue' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ error: { code: 'promotion.not_combinable', field: 'code', rule: 'PR-7' } });
    const cart = (await b.call('GET', '/api/store/cart')).json();
    expect(cart.codes).toEqual([]);
    expect(cart.total).toEqual(eur(8100));
  });

  it('PR-7: an expired code and an unknown code are refused naming field code', async () => {
    await createPromotion(t, { name: 'Été', code: 'ETE2026', kind: 'percentage', percentBasisPoints: 2000, combinable: true, endsAt: '2026-09-30T22:00:00Z' });
    const b = browser(t);
    await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'FR-IRO-S'), quantity: 1 });
    const expired = await b.call('POST', '/api/store/cart/codes', { code: 'ETE2026' });
    expect(expired.json()).toMatchObject({ error: { code: 'promotion.expired', field: 'code' } });
    const unknown = await b.call('POST', '/api/store/cart/codes', { code: 'NOPE' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ error: { code: 'promotion.unknown_code', field: 'code' } });
  });

  it('CA-1: a price change between two reads shows the new price', async () => {
    const b = browser(t);
    const id = await variantOf(t, 'FR-ABE-S');
    const before = (await b.call('POST', '/api/store/cart/lines', { variantId: id, quantity: 1 })).json();
    expect(before.lines.find((l: Json) => l.sku === 'FR-ABE-S').unitPrice).toEqual(eur(3500));
    const now = await t.ctx.clock.now();
    await sql`INSERT INTO price_history (variant_id, currency, amount_minor, effective_at, recorded_at) VALUES (${id}, 'EUR', 2990, ${now}, ${now})`.execute(t.ctx.db);
    const after = (await b.call('GET', '/api/store/cart')).json();
    expect(after.lines.find((l: Json) => l.sku === 'FR-ABE-S').unitPrice).toEqual(eur(2990));
  });

  it('unknown variant, bad quantity and an unserved country are 4xx naming the field', async () => {
    const b = browser(t);
    const unknown = await b.call('POST', '/api/store/cart/lines', { variantId: '99999999', quantity: 1 });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'variant.not_found', field: 'variantId' } });
    const garbage = await b.call('POST', '/api/store/cart/lines', { variantId: 'abc', quantity: 1 });
    expect(garbage.json()).toMatchObject({ error: { code: 'variant.not_found', field: 'variantId' } });
    const id = await variantOf(t, 'FR-IRO-S');
    for (const quantity of [0, -1, 1.5]) {
      const bad = await b.call('POST', '/api/store/cart/lines', { variantId: id, quantity });
      expect(bad.statusCode).toBe(422);
      expect(bad.json()).toMatchObject({ error: { code: 'cart.invalid_quantity', field: 'quantity' } });
    }
    const text = await b.call('POST', '/api/store/cart/lines', { variantId: id, quantity: 'two' });
    expect(text.statusCode).toBe(400);
    expect(text.json()).toMatchObject({ error: { field: 'quantity' } });
    const de = await b.call('PUT', '/api/store/cart/destination', { country: 'DE' });
    expect(de.statusCode).toBe(422);
    expect(de.json()).toMatchObject({ error: { code: 'destination.not_served', field: 'country', rule: 'OR-2' } });
    const quote = await b.call('GET', '/api/store/quote?country=DE');
    expect(quote.json()).toMatchObject({ error: { code: 'destination.not_served', field: 'country' } });
  });

  it('CA-2: the cart is still there after 29 days, gone after 30', async () => {
    const b = browser(t);
    await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'FR-GUE-40'), quantity: 1 });
    const id = (await b.call('GET', '/api/store/cart')).json().cart.id as string;
    const owner = await signIn(t.app, t.owner.email, t.owner.password);
    const advance = (by: string) => t.app.inject({ method: 'POST', url: '/api/admin/dev/clock', headers: { cookie: owner }, payload: { advance: by } });
    expect((await advance('29d')).statusCode).toBe(200);
    const kept = (await b.call('GET', '/api/store/cart')).json();
    expect(kept.cart.id).toBe(id);
    expect(kept.lines.map((l: Json) => l.sku)).toEqual(['FR-GUE-40']);
    expect((await advance('1d')).json().fired).toBeGreaterThanOrEqual(1);
    const gone = (await b.call('GET', '/api/store/cart')).json();
    expect(gone.cart).toBeNull();
    expect(gone.lines).toEqual([]);
    expect(await t.ctx.db.selectFrom('carts').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
    // A new cart starts, under a new cookie.
    const fresh = (await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'FR-GUE-40'), quantity: 1 })).json();
    expect(fresh.cart.id).not.toBe(id);
  });
});

describe('FA — fashion: a promotion attaches a gift', () => {
  const t = useTestApp('fa');

  it('PR-8: the gift is a zero-price line that remembers its initial price', async () => {
    const gift = await variantOf(t, 'FA-CUL-S');
    await createPromotion(t, { name: 'Culotte offerte', code: null, kind: 'gift', giftVariantId: gift, minimumBasket: eur(3000) });
    const b = browser(t);
    const cart = (await b.call('POST', '/api/store/cart/lines', { variantId: await variantOf(t, 'FA-ECU-S-MAR'), quantity: 1 })).json();
    expect(cart.lines).toHaveLength(2);
    expect(cart.lines[1]).toMatchObject({ sku: 'FA-CUL-S', isGift: true, quantity: 1, unitPrice: eur(0), lineTotal: eur(0), initialUnitPrice: eur(2500) });
    expect(cart.goods).toEqual(eur(3995));
    expect(cart.total).toEqual(eur(3995));
    expect(cart.appliedPromotions).toEqual([expect.objectContaining({ kind: 'gift', code: null })]);
    const page = await b.call('GET', '/cart?lang=en');
    expect(page.body).toContain('Free gift');
    expect(page.body).toContain('worth €25.00');
  });

  it('back office: lists promotions and creates one from the form', async () => {
    const owner = await signIn(t.app, t.owner.email, t.owner.password);
    const page = await t.app.inject({ method: 'GET', url: '/admin/promotions?lang=en', headers: { cookie: owner } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Culotte offerte');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const session = page.cookies.find((c) => c.name === 'comptoir_session');
    const cookie = session?.value ? `comptoir_session=${encodeURIComponent(session.value)}` : owner;
    const post = (fields: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/admin/promotions', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString() });
    const created = await post({ name: 'Dix pour cent', code: 'DIX', kind: 'percentage', percent: '10', currency: 'EUR' });
    expect(created.statusCode, created.body).toBe(303);
    const bad = await post({ name: 'Trop', code: 'dix', kind: 'percentage', percent: '10', currency: 'EUR' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('promotion.code_taken');
    const list = await t.app.inject({ method: 'GET', url: '/api/admin/promotions', headers: { cookie: owner } });
    expect(list.json().promotions.map((p: Json) => p.code)).toContain('DIX');
  });
});
