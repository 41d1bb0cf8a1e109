// Issue 4 §1: the customer use cases on real PostgreSQL — argon2 with a dummy
// hash for unknown emails, the address book's defaults and scoping, CU-4 blocks
// per policy, and CA-2 carts attached at sign-in.
import { verify } from '@node-rs/argon2';
import { describe, expect, it, vi } from 'vitest';

// Spied (not replaced) so a test can see which hash a sign-in verifies against.
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof import('@node-rs/argon2')>();
  return { ...real, verify: vi.fn(real.verify) };
});
import { attachCartAtSignIn, keepCartWithAccount } from '../../src/app/account-cart.js';
import { addCartLine, findCart, hashCartToken } from '../../src/app/cart.js';
import {
  addAddress,
  assertCustomerMayOrder,
  authenticateCustomer,
  blockCustomer,
  deleteAddress,
  liftBlock,
  listAddresses,
  registerCustomer,
  updateAddress,
} from '../../src/app/customers.js';
import { dummyPasswordHash } from '../../src/app/passwords.js';
import { DomainError } from '../../src/domain/errors.js';
import { toErrorResponse } from '../../src/http/errors.js';
import { listAudit } from '../../src/store/audit.js';
import { listTimers } from '../../src/store/timers.js';
import { useTestApp } from '../support/app.js';

const t = useTestApp('pf');
const shop = () => ({ id: t.ctx.shop.id, policy: t.ctx.shop.policy });
const PASSWORD = 'correct horse battery';
let n = 0;
const email = () => `app.${++n}@example.test`;
const home = { name: 'A', line1: '1 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR' };

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

async function customer() {
  return registerCustomer(t.ctx.db, { shop: shop(), email: email(), password: PASSWORD, now: await t.ctx.clock.now() });
}

async function variantOf(sku: string): Promise<string> {
  return (await t.ctx.db.selectFrom('variants').select('id').where('shop_id', '=', 'pf').where('sku', '=', sku).executeTakeFirstOrThrow()).id;
}

describe('sign-in', () => {
  it('verifies an unknown email against the dummy hash, and refuses a disabled account with the same code', async () => {
    const now = await t.ctx.clock.now();
    const c = await customer();
    vi.mocked(verify).mockClear();
    expect((await refusal(authenticateCustomer(t.ctx.db, { shopId: 'pf', email: 'nobody@example.test', password: PASSWORD, now }))).code).toBe('auth.invalid_credentials');
    expect(vi.mocked(verify).mock.calls[0]![0]).toBe(dummyPasswordHash);
    await t.ctx.db.updateTable('customers').set({ disabled_at: now }).where('id', '=', c.id).execute();
    expect((await refusal(authenticateCustomer(t.ctx.db, { shopId: 'pf', email: c.email, password: PASSWORD, now }))).code).toBe('auth.invalid_credentials');
    // Another shop does not know the account.
    expect((await refusal(authenticateCustomer(t.ctx.db, { shopId: 'fa', email: c.email, password: PASSWORD, now }))).code).toBe('auth.invalid_credentials');
  });
});

describe('the address book (OR-2)', () => {
  it('makes the first address the default, moves the default, and scopes every change to its owner', async () => {
    const now = await t.ctx.clock.now();
    const a = await customer();
    const first = await addAddress(t.ctx.db, { shop: shop(), customerId: a.id, address: home, now });
    expect(first).toMatchObject({ isDefaultDelivery: true, isDefaultBilling: true });
    const second = await addAddress(t.ctx.db, { shop: shop(), customerId: a.id, address: { ...home, city: 'Lyon', postalCode: '69001', isDefaultDelivery: true }, now });
    const list = await listAddresses(t.ctx.db, { shopId: 'pf', customerId: a.id });
    expect(list.map((x) => [x.id, x.isDefaultDelivery, x.isDefaultBilling])).toEqual([
      [second.id, true, false],
      [first.id, false, true],
    ]);
    const b = await customer();
    expect((await refusal(updateAddress(t.ctx.db, { shop: shop(), customerId: b.id, addressId: first.id, changes: { city: 'Nice' }, now }))).code).toBe('address.not_found');
    expect((await refusal(deleteAddress(t.ctx.db, { shopId: 'pf', customerId: b.id, addressId: first.id }))).code).toBe('address.not_found');
    expect((await refusal(addAddress(t.ctx.db, { shop: shop(), customerId: a.id, address: { ...home, country: 'CH', postalCode: '8001' }, now }))).code).toBe('address.country_not_served');
    expect(await listAddresses(t.ctx.db, { shopId: 'pf', customerId: b.id })).toEqual([]);
  });
});

describe('CU-4 blocks', () => {
  it('refuses with the reason for the merchant only, per the policy\'s switches, audited with the staff actor', async () => {
    const now = await t.ctx.clock.now();
    const c = await customer();
    await assertCustomerMayOrder(t.ctx.db, { shopId: 'pf', customerId: c.id, policy: t.ctx.shop.policy });
    const block = await blockCustomer(t.ctx.db, { shop: shop(), customerId: c.id, kind: 'risk_flag', reason: 'Fraud score 97', actor: { kind: 'staff', staffId: await ownerId() }, now });
    const refused = await refusal(assertCustomerMayOrder(t.ctx.db, { shopId: 'pf', customerId: c.id, policy: t.ctx.shop.policy }));
    expect(refused).toMatchObject({ code: 'customer.order_refused', details: { rule: 'CU-4', reasonForMerchant: 'Fraud score 97', kind: 'risk_flag' } });
    // The HTTP answer carries none of it.
    const { status, body } = toErrorResponse(refused);
    expect(status).toBe(403);
    expect(JSON.stringify(body)).not.toContain('Fraud');
    expect(body.error).toEqual({ code: 'customer.order_refused', rule: 'CU-4', message: expect.any(String) });

    // A shop whose terms no longer allow risk flags does not refuse on one.
    const lenient = { ...t.ctx.shop.policy, customers: { ...t.ctx.shop.policy.customers, blocking: { unpaidEarlierOrder: false, openPaymentDispute: false, riskFlag: false } } };
    await assertCustomerMayOrder(t.ctx.db, { shopId: 'pf', customerId: c.id, policy: lenient });

    const lifted = await liftBlock(t.ctx.db, { shopId: 'pf', customerId: c.id, blockId: block.id, actor: { kind: 'cli' }, now });
    expect(lifted.liftedAt).toEqual(now);
    await assertCustomerMayOrder(t.ctx.db, { shopId: 'pf', customerId: c.id, policy: t.ctx.shop.policy });
    const audit = await listAudit(t.ctx.db, 'pf');
    expect(audit.filter((e) => e.target === `customer:${c.id}`).map((e) => [e.action, e.actor])).toEqual([
      ['customer.block_lift', 'cli'],
      ['customer.block', expect.stringMatching(/^staff:\d+$/)],
    ]);
  });

  it('a staff member without orders.manage may not block', async () => {
    const c = await customer();
    const warehouse = await t.ctx.db
      .insertInto('staff')
      .values({ shop_id: 'pf', email: 'wh@example.test', role: 'warehouse', password_hash: dummyPasswordHash, created_at: await t.ctx.clock.now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const error = await refusal(blockCustomer(t.ctx.db, { shop: shop(), customerId: c.id, kind: 'risk_flag', reason: 'x', actor: { kind: 'staff', staffId: warehouse.id }, now: await t.ctx.clock.now() }));
    expect(error.code).toBe('auth.forbidden');
  });
});

async function ownerId(): Promise<string> {
  return (await t.ctx.db.selectFrom('staff').select('id').where('shop_id', '=', 'pf').where('role', '=', 'owner').executeTakeFirstOrThrow()).id;
}

describe('CA-2: the cart at sign-in', () => {
  it('hands the account\'s cart to a new browser under a new token, with its expiry timer moved', async () => {
    const now = await t.ctx.clock.now();
    const c = await customer();
    const fig = await variantOf('PF-FIG-30');
    const { token, view } = await addCartLine(t.ctx.db, { shop: shop(), token: undefined, now, variantId: fig, quantity: 1 });
    await keepCartWithAccount(t.ctx.db, { shopId: 'pf', customerId: c.id, token, now });
    const attached = await attachCartAtSignIn(t.ctx.db, { shop: shop(), customerId: c.id, customerKind: 'consumer', token: undefined, now });
    expect(attached).toMatchObject({ cartId: view.cart!.id, merged: 0 });
    expect(attached!.token).not.toBe(token);
    expect(await findCart(t.ctx.db, { shopId: 'pf', token, now })).toBeNull(); // the old token no longer finds it
    const row = await t.ctx.db.selectFrom('carts').selectAll().where('id', '=', view.cart!.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ customer_id: c.id, token_hash: hashCartToken(attached!.token) });
    const timers = await listTimers(t.ctx.db, 'pf', { kind: 'cart.expire' });
    expect(timers.find((x) => x.key === `cart.expire:${view.cart!.id}`)).toMatchObject({ state: 'pending', dueAt: row.expires_at });
  });

  it('leaves a cart of another account in this browser alone, and has nothing for a customer without a cart', async () => {
    const now = await t.ctx.clock.now();
    const a = await customer();
    const b = await customer();
    const { token, view } = await addCartLine(t.ctx.db, { shop: shop(), token: undefined, now, variantId: await variantOf('PF-FIG-30'), quantity: 1 });
    await keepCartWithAccount(t.ctx.db, { shopId: 'pf', customerId: a.id, token, now });
    expect(await attachCartAtSignIn(t.ctx.db, { shop: shop(), customerId: b.id, customerKind: 'consumer', token, now })).toBeNull();
    expect((await t.ctx.db.selectFrom('carts').select('customer_id').where('id', '=', view.cart!.id).executeTakeFirstOrThrow()).customer_id).toBe(a.id);
  });
});
