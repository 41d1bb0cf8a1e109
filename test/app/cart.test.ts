// Issue 3 §5–§6: the cart use cases on real PostgreSQL — token kept hashed,
// CA-2 retention and its timer, CA-4 no stock held, CA-1 current prices, and
// the bounded query count of viewCart (style.md §7).
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addCartLine,
  applyPromotionCode,
  changeCartLineQuantity,
  chooseDestination,
  findCart,
  hashCartToken,
  quoteShipping,
  removeCartLine,
  removePromotionCode,
  viewCart,
} from '../../src/app/cart.js';
import { createPromotion } from '../../src/app/promotions.js';
import { DomainError } from '../../src/domain/errors.js';
import { fireDueTimers } from '../../src/jobs/timer-runner.js';
import type { Database } from '../../src/store/schema.js';
import { listTimers } from '../../src/store/timers.js';
import { useTestApp } from '../support/app.js';

const t = useTestApp('pf');
const day = 24 * 3600 * 1000;
const shop = () => ({ id: t.ctx.shop.id, policy: t.ctx.shop.policy });

async function variantOf(sku: string): Promise<string> {
  return (await t.ctx.db.selectFrom('variants').select('id').where('shop_id', '=', 'pf').where('sku', '=', sku).executeTakeFirstOrThrow()).id;
}

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('the guest cart', () => {
  it('starts on the first change, keeps only the token hash, and never touches stock (CA-4)', async () => {
    const now = await t.ctx.clock.now();
    expect((await viewCart(t.ctx.db, { shop: shop(), token: undefined, now })).cart).toBeNull();
    const stockBefore = await sql<{ total: string }>`SELECT sum(quantity) AS total FROM stock`.execute(t.ctx.db);
    const { token, view } = await addCartLine(t.ctx.db, { shop: shop(), token: undefined, now, variantId: await variantOf('PF-ROS-50'), quantity: 2 });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await t.ctx.db.selectFrom('carts').selectAll().where('id', '=', view.cart!.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashCartToken(token));
    expect(row.token_hash).not.toContain(token);
    expect(row.customer_kind).toBe('consumer');
    const stockAfter = await sql<{ total: string }>`SELECT sum(quantity) AS total FROM stock`.execute(t.ctx.db);
    expect(stockAfter.rows[0]!.total).toBe(stockBefore.rows[0]!.total);
    // The same token finds the same cart; a forged one finds nothing.
    expect((await findCart(t.ctx.db, { shopId: 'pf', token, now }))?.id).toBe(view.cart!.id);
    expect(await findCart(t.ctx.db, { shopId: 'pf', token: 'x'.repeat(43), now })).toBeNull();
    expect(await findCart(t.ctx.db, { shopId: 'fa', token, now })).toBeNull();
  });

  it('change, remove, codes and destination each keep the cart alive for the retention period (CA-2)', async () => {
    const t0 = await t.ctx.clock.now();
    const fig = await variantOf('PF-FIG-50');
    const first = await addCartLine(t.ctx.db, { shop: shop(), token: undefined, now: t0, variantId: fig, quantity: 1 });
    const cartId = first.view.cart!.id;
    expect(first.view.cart!.expiresAt.getTime()).toBe(t0.getTime() + 30 * day);
    const timers = await listTimers(t.ctx.db, 'pf', { kind: 'cart.expire', state: 'pending' });
    expect(timers.find((x) => x.key === `cart.expire:${cartId}`)?.dueAt.getTime()).toBe(t0.getTime() + 30 * day);

    const t1 = new Date(t0.getTime() + 3 * day);
    const changed = await changeCartLineQuantity(t.ctx.db, { shop: shop(), token: first.token, now: t1, variantId: fig, quantity: 3 });
    expect(changed.token).toBe(first.token);
    expect(changed.view.lines[0]!.quantity).toBe(3);
    expect(changed.view.cart!.expiresAt.getTime()).toBe(t1.getTime() + 30 * day);
    const moved = await listTimers(t.ctx.db, 'pf', { kind: 'cart.expire', state: 'pending' });
    expect(moved.filter((x) => x.key === `cart.expire:${cartId}`).map((x) => x.dueAt.getTime())).toEqual([t1.getTime() + 30 * day]);

    // The old due time passes: nothing is deleted (the timer moved).
    await fireDueTimers(t.ctx.db, t.ctx.timers, new Date(t0.getTime() + 30 * day + 1000));
    expect(await findCart(t.ctx.db, { shopId: 'pf', token: first.token, now: new Date(t0.getTime() + 30 * day + 1000) })).not.toBeNull();

    const gb = await chooseDestination(t.ctx.db, { shop: shop(), token: first.token, now: t1, country: 'gb', shippingMethodId: 'express' });
    expect(gb.view.currency).toBe('GBP');
    expect(gb.view.priced.shipping?.amount).toEqual({ amount: 959, currency: 'GBP' });
    expect(gb.view.priced.total).toEqual({ amount: 3 * 7500 + 959, currency: 'GBP' });

    const removed = await removeCartLine(t.ctx.db, { shop: shop(), token: first.token, now: t1, variantId: fig });
    expect(removed.view.lines).toEqual([]);
    expect(removed.view.priced.total).toEqual({ amount: 959, currency: 'GBP' });
    const missing = await refusal(removeCartLine(t.ctx.db, { shop: shop(), token: first.token, now: t1, variantId: fig }));
    expect(missing.code).toBe('cart.line_not_found');

    // Past its expiry the cart is not found; its timer deletes it.
    const late = new Date(t1.getTime() + 30 * day);
    expect(await findCart(t.ctx.db, { shopId: 'pf', token: first.token, now: late })).toBeNull();
    await fireDueTimers(t.ctx.db, t.ctx.timers, late);
    expect(await t.ctx.db.selectFrom('carts').select('id').where('id', '=', cartId).executeTakeFirst()).toBeUndefined();
  });

  it('a refused code rolls the whole change back; a kept code can be removed', async () => {
    const now = await t.ctx.clock.now();
    await t.ctx.db.transaction().execute((tx) =>
      createPromotion(tx, {
        shopId: 'pf',
        policy: t.ctx.shop.policy,
        actor: { kind: 'system' },
        now,
        promotion: { name: 'Min 100', code: 'CENT', kind: 'fixed_amount', amount: { amount: 1000, currency: 'EUR' }, minimumBasket: { amount: 10000, currency: 'EUR' } },
      }),
    );
    const { token } = await addCartLine(t.ctx.db, { shop: shop(), token: undefined, now, variantId: await variantOf('PF-NER-50'), quantity: 1 });
    const low = await refusal(applyPromotionCode(t.ctx.db, { shop: shop(), token, now, code: 'cent' }));
    expect(low.code).toBe('promotion.minimum_not_reached');
    expect(low.details).toMatchObject({ field: 'code', rule: 'PR-7', minimum: { amount: 10000, currency: 'EUR' } });
    expect((await viewCart(t.ctx.db, { shop: shop(), token, now })).codes).toEqual([]);

    await changeCartLineQuantity(t.ctx.db, { shop: shop(), token, now, variantId: await variantOf('PF-NER-50'), quantity: 3 });
    const applied = await applyPromotionCode(t.ctx.db, { shop: shop(), token, now, code: 'cent' });
    expect(applied.view.codes).toEqual(['CENT']);
    expect(applied.view.priced.discounts).toEqual({ amount: 1000, currency: 'EUR' });
    expect(applied.view.priced.total).toEqual({ amount: 3 * 4900 - 1000, currency: 'EUR' });
    const off = await removePromotionCode(t.ctx.db, { shop: shop(), token, now, code: 'Cent' });
    expect(off.view.codes).toEqual([]);
  });

  it('quotes delivery for another country without saving it', async () => {
    const now = await t.ctx.clock.now();
    const { token } = await addCartLine(t.ctx.db, { shop: shop(), token: undefined, now, variantId: await variantOf('PF-ROS-50'), quantity: 1 });
    const quote = await quoteShipping(t.ctx.db, { shop: shop(), token, country: 'SE', now });
    expect(quote.options.map((o) => [o.methodId, o.amount.amount])).toEqual([
      ['standard', 1492],
      ['express', 1360],
    ]);
    expect((await viewCart(t.ctx.db, { shop: shop(), token, now })).destinationCountry).toBeNull();
    expect((await refusal(quoteShipping(t.ctx.db, { shop: shop(), token, now }))).code).toBe('destination.required');
  });
});

describe('query count (style.md §7: no N+1)', () => {
  const queries: string[] = [];
  let counted: Kysely<Database>;
  beforeAll(() => {
    counted = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: t.ctx.config.databaseUrl, max: 2 }) }),
      log: (event) => {
        if (event.level === 'query') queries.push(event.query.sql);
      },
    });
  });
  afterAll(async () => {
    await counted?.destroy();
  });

  it('reads a cart in three queries whatever its number of lines and promotions', async () => {
    const now = await t.ctx.clock.now();
    let token: string | undefined;
    const counts: number[] = [];
    for (const sku of ['PF-FIG-30', 'PF-NER-50', 'PF-ROS-50', 'PF-AVO-75', 'PF-LAV-100', 'PF-CED-190']) {
      token = (await addCartLine(t.ctx.db, { shop: shop(), token, now, variantId: await variantOf(sku), quantity: 1 })).token;
      queries.length = 0;
      const view = await viewCart(counted, { shop: shop(), token, now });
      counts.push(queries.length);
      expect(view.lines.at(-1)!.sku).toBe(sku);
    }
    expect(new Set(counts)).toEqual(new Set([3]));
  });
});
