// Issue 3 §4: promotions in the back office — create (validated, audited),
// list with usage, archive.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { archivePromotion, createPromotion, listPromotions, type NewPromotion } from '../../src/app/promotions.js';
import { DomainError } from '../../src/domain/errors.js';
import { listAudit } from '../../src/store/audit.js';
import { useTestApp } from '../support/app.js';

const fa = useTestApp('fa');
const actor = { kind: 'system' } as const;

const create = (promotion: NewPromotion, t = fa) =>
  t.ctx.db.transaction().execute(async (tx) => createPromotion(tx, { shopId: t.ctx.shop.id, policy: t.ctx.shop.policy, promotion, actor, now: await t.ctx.clock.now() }));

async function refused(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('createPromotion', () => {
  it('creates a code, audited, and refuses the same code in another case', async () => {
    const p = await create({ name: 'Dix', code: 'DIX10', kind: 'percentage', percentBasisPoints: 1000, usageLimitTotal: 100 });
    expect(p).toMatchObject({ code: 'DIX10', kind: 'percentage', percentBasisPoints: 1000, usageLimitTotal: 100, combinable: false, usedTotal: 0, archivedAt: null });
    const audit = await listAudit(fa.ctx.db, 'fa');
    expect(audit[0]).toMatchObject({ action: 'promotion.created', target: `promotion:${p.id}` });
    const taken = await refused(create({ name: 'Encore', code: 'dix10', kind: 'percentage', percentBasisPoints: 500 }));
    expect(taken.code).toBe('promotion.code_taken');
    expect(taken.details.field).toBe('code');
  });

  it.each<[string, NewPromotion, string, string]>([
    ['a bad code', { name: 'x', code: 'é!', kind: 'percentage', percentBasisPoints: 100 }, 'promotion.invalid_code', 'code'],
    ['no name', { name: ' ', code: null, kind: 'percentage', percentBasisPoints: 100 }, 'promotion.invalid_name', 'name'],
    ['a percentage above 100 %', { name: 'x', code: null, kind: 'percentage', percentBasisPoints: 10001 }, 'promotion.invalid_percent', 'percentBasisPoints'],
    ['a fixed amount of zero', { name: 'x', code: null, kind: 'fixed_amount', amount: { amount: 0, currency: 'EUR' } }, 'promotion.invalid_amount', 'amount'],
    ['a currency the shop does not sell', { name: 'x', code: null, kind: 'fixed_amount', amount: { amount: 500, currency: 'GBP' } }, 'promotion.currency_not_sold', 'amount'],
    ['an unknown gift', { name: 'x', code: null, kind: 'gift', giftVariantId: '99999999' }, 'variant.not_found', 'giftVariantId'],
    ['an end before the start', { name: 'x', code: null, kind: 'percentage', percentBasisPoints: 100, startsAt: new Date('2026-12-01T00:00:00Z'), endsAt: new Date('2026-11-01T00:00:00Z') }, 'promotion.invalid_window', 'endsAt'],
    ['an unknown excluded product', { name: 'x', code: null, kind: 'percentage', percentBasisPoints: 100, excludedProductIds: ['99999999'] }, 'product.not_found', 'excludedProductIds'],
    ['a usage limit of 0', { name: 'x', code: null, kind: 'percentage', percentBasisPoints: 100, usageLimitPerCustomer: 0 }, 'promotion.invalid_usage_limit', 'usageLimitPerCustomer'],
  ])('refuses %s', async (_what, promotion, code, field) => {
    const error = await refused(create(promotion));
    expect(error.code).toBe(code);
    expect(error.details.field).toBe(field);
  });
});

describe('PR-8: gifts by promotion only where the terms say so', () => {
  const pf = useTestApp('pf');
  it('refuses a gift promotion for PF (gifts are chosen in the cart there)', async () => {
    const variant = await pf.ctx.db.selectFrom('variants').select('id').where('shop_id', '=', 'pf').limit(1).executeTakeFirstOrThrow();
    const error = await refused(create({ name: 'x', code: null, kind: 'gift', giftVariantId: variant.id }, pf));
    expect(error).toMatchObject({ code: 'promotion.gifts_not_offered', details: { field: 'kind', rule: 'PR-8' } });
  });
});

describe('listPromotions / archivePromotion', () => {
  it('lists with the usage count, archives once (audited), and hides archived ones by default', async () => {
    const p = await create({ name: 'Usage', code: 'USAGE', kind: 'fixed_amount', amount: { amount: 500, currency: 'EUR' } });
    const now = await fa.ctx.clock.now();
    await sql`INSERT INTO promotion_usages (promotion_id, customer_key, order_ref, used_at) VALUES (${p.id}, 'customer:1', 'FA-1', ${now}), (${p.id}, 'customer:2', 'FA-2', ${now})`.execute(fa.ctx.db);
    const listed = (await listPromotions(fa.ctx.db, { shopId: 'fa' })).find((x) => x.id === p.id);
    expect(listed?.usedTotal).toBe(2);
    const archive = () => fa.ctx.db.transaction().execute((tx) => archivePromotion(tx, { shopId: 'fa', promotionId: p.id, actor, now }));
    expect((await archive()).archivedAt).toEqual(now);
    await archive();
    const audits = (await listAudit(fa.ctx.db, 'fa', { limit: 500 })).filter((e) => e.action === 'promotion.archived' && e.target === `promotion:${p.id}`);
    expect(audits).toHaveLength(1);
    expect((await listPromotions(fa.ctx.db, { shopId: 'fa' })).some((x) => x.id === p.id)).toBe(false);
    expect((await listPromotions(fa.ctx.db, { shopId: 'fa', includeArchived: true })).some((x) => x.id === p.id)).toBe(true);
    const missing = await refused(fa.ctx.db.transaction().execute((tx) => archivePromotion(tx, { shopId: 'fa', promotionId: '99999999', actor, now })));
    expect(missing.code).toBe('promotion.not_found');
  });
});
