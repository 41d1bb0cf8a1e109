// Placing and paying orders in tests (issue 4): a stocked variant, a cart, a
// customer, the order, and the sandbox PSP's hosted page walked to the webhook.
import { sql } from 'kysely';
import { addCartLine, chooseDestination } from '../../src/app/cart.js';
import { registerCustomer } from '../../src/app/customers.js';
import { placeOrder, type PlacedOrder, type PlaceOrderInput } from '../../src/app/orders.js';
import { pickupPointsFor } from '../../src/app/pickup-points.js';
import { setStock } from '../../src/app/stock.js';
import { listTermsVersions } from '../../src/app/terms.js';
import { versionInForce } from '../../src/domain/terms-versions.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import type { TestApp } from './app.js';

let counter = 0;
export const testKey = () => `test-key-${++counter}-${Math.random().toString(36).slice(2)}`;

/** A priced variant of the shop (eco-fee-free unless `withEcoFee`), with `quantity` units at the warehouse. */
export async function stockedVariant(t: TestApp, quantity: number, options: { skip?: number; withEcoFee?: boolean } = {}): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    SELECT v.id::text AS id FROM variants v JOIN products p ON p.id = v.product_id
     WHERE v.shop_id = ${t.ctx.shop.id} AND (p.eco_fee_minor > 0) = ${options.withEcoFee === true}
       AND EXISTS (SELECT 1 FROM price_history ph WHERE ph.variant_id = v.id AND ph.currency = 'EUR')
     ORDER BY v.id OFFSET ${options.skip ?? 0} LIMIT 1`.execute(t.ctx.db);
  const id = rows[0]!.id;
  const warehouse = await t.ctx.db.selectFrom('locations').select('code').where('shop_id', '=', t.ctx.shop.id).where('kind', '=', 'warehouse').executeTakeFirstOrThrow();
  await setStock(t.ctx.db, { shopId: t.ctx.shop.id, variantId: id, levels: [{ locationCode: warehouse.code, quantity }], actor: { kind: 'system' }, now: await t.ctx.clock.now() });
  return id;
}

export const CUSTOMER_PASSWORD = 'correct horse battery staple';

/** The customer's session cookie, signed in through the store API. */
export async function customerSession(t: TestApp, email: string): Promise<string> {
  const r = await t.app.inject({ method: 'POST', url: '/api/store/session', payload: { email, password: CUSTOMER_PASSWORD } });
  if (r.statusCode !== 200) throw new Error(`customer sign-in: ${r.statusCode} ${r.body}`);
  const cookie = r.cookies.find((c) => c.name === 'comptoir_session')!;
  return `comptoir_session=${encodeURIComponent(cookie.value)}`;
}

export async function registeredCustomer(t: TestApp): Promise<{ id: string; email: string }> {
  const email = `buyer-${testKey()}@example.com`;
  const c = await registerCustomer(t.ctx.db, { shop: { id: t.ctx.shop.id, policy: t.ctx.shop.policy }, email, password: CUSTOMER_PASSWORD, now: await t.ctx.clock.now() });
  return { id: c.id, email };
}

/** Places a card order of `quantity` × the variant for a new customer (or `customerId`), delivered in France by `method`. */
export async function placeCardOrder(
  t: TestApp,
  input: { variantId: string; quantity: number; method: string; customerId?: string; over?: Partial<PlaceOrderInput>; more?: readonly { variantId: string; quantity: number }[] },
): Promise<PlacedOrder & { customerId: string }> {
  const shop = { id: t.ctx.shop.id, policy: t.ctx.shop.policy };
  const now = await t.ctx.clock.now();
  const added = await addCartLine(t.ctx.db, { shop, token: null, variantId: input.variantId, quantity: input.quantity, now });
  for (const line of input.more ?? []) await addCartLine(t.ctx.db, { shop, token: added.token, variantId: line.variantId, quantity: line.quantity, now });
  await chooseDestination(t.ctx.db, { shop, token: added.token, country: 'FR', shippingMethodId: input.method, now });
  const terms = versionInForce(await listTermsVersions(t.ctx.db, t.ctx.shop.id), now)!;
  const customerId = input.customerId ?? (await registeredCustomer(t)).id;
  // SH-1: a relay point or store method needs a point: the first one offered for the address.
  const method = t.ctx.shop.policy.shipping.methods.find((m) => m.id === input.method);
  const [pickupPoint] = method ? await pickupPointsFor(t.ctx.db, t.ctx.carrier, { shopId: t.ctx.shop.id, method, country: 'FR', postalCode: '75011' }) : [];
  const placed = await placeOrder(t.ctx.db, {
    shop: { ...shop, policyHash: t.ctx.shop.policyHash },
    provider: t.ctx.payments?.provider,
    cartToken: added.token,
    customerId,
    deliveryAddress: { name: 'Camille Martin', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR' },
    shippingMethodId: input.method,
    pickupPoint: pickupPoint ?? null,
    paymentMethod: 'card',
    acceptedTerms: { versionId: terms.id, hash: terms.hash.fr, language: 'fr' },
    declarations: { age: { meetsMinimumAge: true } },
    idempotencyKey: testKey(),
    returnUrl: '/checkout/done',
    now,
    ...input.over,
  });
  return { ...placed, customerId };
}

/** Pays on the sandbox PSP's hosted page (with its 3-D Secure challenge) and delivers the webhook. */
export async function payOnHostedPage(t: TestApp, redirectUrl: string): Promise<void> {
  const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
  const submitted = await t.app.inject({ method: 'POST', url: new URL(redirectUrl).pathname, payload: new URLSearchParams({ number: '4000 0000 0000 3220', expiry: '12/30', cvc: '123' }).toString(), headers: form });
  if (submitted.statusCode !== 303) throw new Error(`hosted page: ${submitted.statusCode} ${submitted.body.slice(0, 200)}`);
  const approved = await t.app.inject({ method: 'POST', url: submitted.headers.location as string, payload: new URLSearchParams({ decision: 'approve' }).toString(), headers: form });
  if (approved.statusCode !== 303) throw new Error(`challenge: ${approved.statusCode} ${approved.body.slice(0, 200)}`);
  await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
}
