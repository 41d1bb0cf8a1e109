// Issue 5 §2, PA-4 collections (FA), on the manual clock: at the first
// dispatch every share is dated (the dispatch day in Paris, then the same day
// of the following months, clamped at a month's end, a Saturday kept), the
// first share is collected at once through the outbox and the next ones
// exactly on their day; a declined share is retried (3 attempts, 2 days
// apart), told to the customer and listed for the merchant; refunds lower the
// last shares first, then the partner gives collected money back.
import { describe, expect, it } from 'vitest';
import type { FinancingPartner } from '../../src/adapters/financing/partner.js';
import type { ManualClock } from '../../src/adapters/clock.js';
import { addPrice } from '../../src/app/catalogue-admin.js';
import {
  FINANCING_COLLECT_SHARE,
  FINANCING_REFUND,
  INSTALMENT_COLLECT_TIMER,
  getInstalmentCollections,
  instalmentCollectionOutboxHandlers,
  listFailedInstalmentCollections,
  refundThroughPartner,
  startInstalmentCollections,
} from '../../src/app/instalment-collections.js';
import { cancelOrder } from '../../src/app/order-cancellation.js';
import { createSandboxFinancingPartner } from '../../src/adapters/financing/sandbox.js';
import { parseAmount } from '../../src/domain/money.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import { verifyEvidenceChain } from '../../src/store/evidence.js';
import { signIn, useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { placeCardOrder, registeredCustomer, stockedVariant } from '../support/orders.js';

const eur = (text: string) => parseAmount(text, 'EUR');

function helpers(t: TestApp) {
  const db = () => t.ctx.db;
  const now = () => t.ctx.clock.now();
  const moveTo = async (iso: string) => advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, new Date(iso));
  const dispatch = async () => {
    const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await now());
    expect(report.failures).toEqual([]);
    return report;
  };

  /** An FA order financed in `count` shares, for `total` (home delivery in France, 4.90 included); `marker` goes into the customer's email (`+collectfail`…). */
  async function financedOrder(total: string, count: 3 | 4, marker = '') {
    const variantId = await stockedVariant(t, 5);
    await addPrice(t.ctx.db, { shopId: 'fa', variantId, currency: 'EUR', amountMinor: eur(total).amount - 490, currencies: ['EUR'], actor: { kind: 'system' }, now: await now() });
    const customer = await registeredCustomer(t);
    if (marker) await t.ctx.db.updateTable('customers').set({ email: customer.email.replace('@', `${marker}@`) }).where('id', '=', customer.id).execute();
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', customerId: customer.id, over: { paymentMethod: 'instalments', instalmentCount: count, financing: t.ctx.payments?.financing } });
    expect(placed.order).toMatchObject({ state: 'financed', total: eur(total).amount });
    return placed.order;
  }

  const start = async (orderId: string, dispatchedAt?: Date) => {
    const at = await now();
    await t.ctx.db.transaction().execute((tx) => startInstalmentCollections(tx, { shopId: 'fa', orderId, dispatchedAt: dispatchedAt ?? at, now: at }));
  };
  const collections = async (orderId: string) => (await getInstalmentCollections(t.ctx.db, { shopId: 'fa', orderId }))!;
  const rows = async (orderId: string) => (await collections(orderId)).shares.map((s) => [s.number, s.dueOn, s.amount.amount, s.state]);
  const timersOf = async (orderId: string) => {
    const plan = await t.ctx.db.selectFrom('instalment_plans').select('id').where('order_id', '=', orderId).executeTakeFirstOrThrow();
    return t.ctx.db.selectFrom('timers').select(['key', 'due_at', 'state']).where('kind', '=', INSTALMENT_COLLECT_TIMER).where('key', 'like', `${INSTALMENT_COLLECT_TIMER}:${plan.id}:%`).orderBy('due_at').orderBy('key').execute();
  };
  const outboxOf = async (kind: string, orderId: string) => {
    const plan = await t.ctx.db.selectFrom('instalment_plans').select('partner_plan_id').where('order_id', '=', orderId).executeTakeFirstOrThrow();
    return t.ctx.db.selectFrom('outbox').select(['key', 'state', 'payload']).where('kind', '=', kind).where('key', 'like', `${kind}:${plan.partner_plan_id}:%`).orderBy('id').execute();
  };
  const evidence = async (number: string, prefix = 'instalments.') =>
    t.ctx.db.selectFrom('evidence_events').select(['kind', 'data', 'recorded_at']).where('subject_id', '=', number).where('kind', 'like', `${prefix}%`).orderBy('seq').execute();
  return { db, now, moveTo, dispatch, financedOrder, start, collections, rows, timersOf, outboxOf, evidence };
}

describe('FA 4x of 600.00: dated at dispatch, first share at once, the next ones on their day', () => {
  const t = useTestApp('fa'); // the clock starts Mon 23 Nov 2026, 09:00 UTC (10:00 Paris)
  const h = helpers(t);

  it('dates the shares, collects the first through the outbox, the others exactly at 00:00 Paris on their day; the plan completes', async () => {
    const order = await h.financedOrder('600.00', 4);
    await h.start(order.id);

    // PA-4 / catalogue §15: dispatch day, then the same day of the next months; Sat 23 Jan 2027 is kept.
    expect(await h.rows(order.id)).toEqual([
      [1, '2026-11-23', 15000, 'collecting'],
      [2, '2026-12-23', 15000, 'pending'],
      [3, '2027-01-23', 15000, 'pending'],
      [4, '2027-02-23', 15000, 'pending'],
    ]);
    // One timer per later share, due at the start of its day in Paris (UTC+1 in winter).
    expect((await h.timersOf(order.id)).map((x) => [x.due_at.toISOString(), x.state])).toEqual([
      ['2026-12-22T23:00:00.000Z', 'pending'],
      ['2027-01-22T23:00:00.000Z', 'pending'],
      ['2027-02-22T23:00:00.000Z', 'pending'],
    ]);
    // Nothing collected inside the dispatch transaction: the first share waits in the outbox.
    expect((await h.outboxOf(FINANCING_COLLECT_SHARE, order.id)).map((m) => m.state)).toEqual(['pending']);
    expect((await h.collections(order.id)).shares[0]!.collected).toBeNull();

    // Called again (a second parcel, a replay): nothing more.
    await h.start(order.id, new Date('2026-11-25T10:00:00Z'));
    expect((await h.timersOf(order.id)).length).toBe(3);
    expect((await h.outboxOf(FINANCING_COLLECT_SHARE, order.id)).length).toBe(1);
    expect((await h.rows(order.id))[1]![1]).toBe('2026-12-23');

    await h.dispatch();
    let view = await h.collections(order.id);
    expect(view.shares[0]).toMatchObject({ state: 'collected', collected: eur('150.00'), attempts: 1, collectedAt: new Date('2026-11-23T09:00:00Z') });
    expect(view.completedAt).toBeNull();
    const first = (await h.evidence(order.number)).filter((e) => e.kind === 'instalments.share_collected');
    expect(first).toHaveLength(1);
    expect(first[0]!.data).toMatchObject({ share: 1, count: 4, amount: 15000, attempt: 1, partner: 'Crédit Azur Financement', rule: 'PA-4', planCompleted: false });
    expect((first[0]!.data as { schedule: unknown }).schedule).toEqual([
      { number: 1, dueOn: '2026-11-23', amount: 15000 },
      { number: 2, dueOn: '2026-12-23', amount: 15000 },
      { number: 3, dueOn: '2027-01-23', amount: 15000 },
      { number: 4, dueOn: '2027-02-23', amount: 15000 },
    ]);

    // One minute before share 2's day in Paris: nothing.
    await h.moveTo('2026-12-22T22:59:00Z');
    await h.dispatch();
    expect((await h.rows(order.id))[1]![3]).toBe('pending');
    // 00:00 Paris on 23 Dec: the timer hands it to the outbox, which collects it.
    await h.moveTo('2026-12-22T23:00:00Z');
    expect((await h.rows(order.id))[1]![3]).toBe('collecting');
    await h.dispatch();
    view = await h.collections(order.id);
    expect(view.shares[1]).toMatchObject({ state: 'collected', collectedAt: new Date('2026-12-22T23:00:00Z') });
    expect(view.shares[2]!.state).toBe('pending');

    await h.moveTo('2027-01-22T23:00:00Z');
    await h.dispatch();
    await h.moveTo('2027-02-22T22:59:59Z');
    await h.dispatch();
    expect((await h.collections(order.id)).completedAt).toBeNull();
    await h.moveTo('2027-02-22T23:00:00Z');
    await h.dispatch();

    // PA-4: every share collected — the order's payment is complete; the order stays `financed` (fulfilment decides states).
    view = await h.collections(order.id);
    expect(view.shares.map((s) => [s.state, s.collected?.amount])).toEqual([
      ['collected', 15000],
      ['collected', 15000],
      ['collected', 15000],
      ['collected', 15000],
    ]);
    expect(view.completedAt).toEqual(new Date('2027-02-22T23:00:00Z'));
    const kinds = (await h.evidence(order.number)).map((e) => e.kind);
    expect(kinds).toEqual(['instalments.plan_accepted', 'instalments.share_collected', 'instalments.share_collected', 'instalments.share_collected', 'instalments.share_collected', 'instalments.plan_completed']);
    expect((await h.evidence(order.number, 'instalments.plan_completed'))[0]!.data).toMatchObject({ collected: 60000, count: 4, rule: 'PA-4' });
    const state = await t.ctx.db.selectFrom('orders').select('state').where('id', '=', order.id).executeTakeFirstOrThrow();
    expect(state.state).toBe('financed');
    const attempts = await t.ctx.db.selectFrom('instalment_collection_attempts as a').innerJoin('instalment_plans as p', 'p.id', 'a.plan_id').select(['a.number', 'a.outcome', 'a.amount_minor']).where('p.order_id', '=', order.id).orderBy('a.number').execute();
    expect(attempts.map((a) => [a.number, a.outcome, Number(a.amount_minor)])).toEqual([
      [1, 'collected', 15000],
      [2, 'collected', 15000],
      [3, 'collected', 15000],
      [4, 'collected', 15000],
    ]);
    expect(await verifyEvidenceChain(t.ctx.db, 'fa')).toMatchObject({ ok: true });
  });

  it('an order not paid in instalments has nothing to start; a cancelled plan refuses to start', async () => {
    const variantId = await stockedVariant(t, 5);
    const card = await placeCardOrder(t, { variantId, quantity: 1, method: 'home' });
    await h.start(card.order.id);
    expect(await getInstalmentCollections(t.ctx.db, { shopId: 'fa', orderId: card.order.id })).toBeNull();

    const order = await h.financedOrder('300.00', 3);
    await t.ctx.db.transaction().execute(async (tx) => cancelOrder(tx, { shopId: 'fa', orderNumber: order.number, reason: 'flagged_as_risky', actor: { kind: 'system' }, now: await h.now() }));
    expect(await codeOf(h.start(order.id))).toBe('instalments.plan_cancelled');
  });
});

describe('FA 3x of 200.01 shipped late on 30 Jan (UTC), already 31 Jan in Paris: month ends and summer time', () => {
  const t = useTestApp('fa', { clockStart: '2027-01-30T20:00:00Z' });
  const h = helpers(t);

  it('31 Jan → 28 Feb (clamped) → 31 Mar; timers at 00:00 Paris, before and after the change to summer time', async () => {
    const order = await h.financedOrder('200.01', 3);
    await h.moveTo('2027-01-30T23:30:00Z'); // 00:30 on Sunday 31 Jan in Paris
    await h.start(order.id);
    // 200.01 / 3 is 66.67 exactly (the first share takes leftovers when there are some: see the refund case below).
    expect(await h.rows(order.id)).toEqual([
      [1, '2027-01-31', 6667, 'collecting'],
      [2, '2027-02-28', 6667, 'pending'],
      [3, '2027-03-31', 6667, 'pending'],
    ]);
    expect((await h.timersOf(order.id)).map((x) => x.due_at.toISOString())).toEqual(['2027-02-27T23:00:00.000Z', '2027-03-30T22:00:00.000Z']);
    await h.dispatch();
    await h.moveTo('2027-02-27T23:00:00Z');
    await h.dispatch();
    await h.moveTo('2027-03-30T21:59:59Z');
    expect((await h.rows(order.id))[2]![3]).toBe('pending');
    await h.moveTo('2027-03-30T22:00:00Z');
    await h.dispatch();
    expect((await h.rows(order.id)).map((r) => r[3])).toEqual(['collected', 'collected', 'collected']);
    expect((await h.collections(order.id)).completedAt).toEqual(new Date('2027-03-30T22:00:00Z'));
  });
});

describe('FA: a declined share is retried, told to the customer and listed for the merchant', () => {
  const t = useTestApp('fa');
  const h = helpers(t);

  it('+collectfail: share 2 declined on its day, the customer emailed, listed; collected on the retry 2 days later', async () => {
    const order = await h.financedOrder('300.00', 3, '+collectfail');
    await h.start(order.id);
    await h.dispatch();
    await h.moveTo('2026-12-22T23:00:00Z');
    await h.dispatch();

    let share = (await h.collections(order.id)).shares[1]!;
    expect(share).toMatchObject({ state: 'failed', attempts: 1, lastFailure: 'insufficient_funds', nextAttemptOn: '2026-12-25', collected: null });
    // Retry timer: 00:00 Paris on 25 Dec (a public holiday: card debits run every day).
    expect((await h.timersOf(order.id)).map((x) => [x.key.split(':').slice(-2).join(':'), x.due_at.toISOString(), x.state])).toEqual([
      ['2:1', '2026-12-22T23:00:00.000Z', 'fired'],
      ['2:2', '2026-12-24T23:00:00.000Z', 'pending'],
      ['3:1', '2027-01-22T23:00:00.000Z', 'pending'],
    ]);
    const failed = (await h.evidence(order.number, 'instalments.share_failed'))[0]!;
    expect(failed.data).toMatchObject({ share: 2, attempt: 1, amount: 10000, reason: 'insufficient_funds', nextAttemptOn: '2026-12-25', gaveUp: false, rule: 'PA-4' });
    const email = await t.ctx.db.selectFrom('emails').select(['to_address', 'subject', 'text', 'related_id']).where('subject', 'like', `Commande ${order.number} : l'échéance 2/3%`).executeTakeFirstOrThrow();
    expect(email.to_address).toContain('+collectfail@');
    expect(email.related_id).toBe(order.number);
    expect(email.text).toContain("Crédit Azur Financement n'a pas pu prélever l'échéance 2 sur 3 de votre commande");
    expect(email.text).toContain('100,00\u00a0€');
    expect(email.text).toContain('Une nouvelle tentative aura lieu le 25 décembre 2026.');

    // The merchant's list (API and page, `orders.read`).
    const cookie = await signIn(t.app, t.owner.email, t.owner.password);
    const api = await t.app.inject({ method: 'GET', url: '/api/admin/instalments/failed', headers: { cookie } });
    expect(api.statusCode).toBe(200);
    expect((api.json() as { failed: unknown[] }).failed).toEqual([
      expect.objectContaining({ orderNumber: order.number, share: 2, count: 3, amount: 10000, currency: 'EUR', dueOn: '2026-12-23', attempts: 1, problem: 'declined', lastFailure: 'insufficient_funds', nextAttemptOn: '2026-12-25', gaveUp: false }),
    ]);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/instalments/failed' })).statusCode).toBe(401);
    const page = await t.app.inject({ method: 'GET', url: '/admin/instalments', headers: { cookie, accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(order.number);
    expect(page.body).toContain('provision insuffisante');
    expect(page.body).toContain('25 décembre 2026');

    // The retry, exactly on its day.
    await h.moveTo('2026-12-24T22:59:00Z');
    expect((await h.collections(order.id)).shares[1]!.state).toBe('failed');
    await h.moveTo('2026-12-24T23:00:00Z');
    await h.dispatch();
    share = (await h.collections(order.id)).shares[1]!;
    expect(share).toMatchObject({ state: 'collected', attempts: 2, collected: eur('100.00'), collectedAt: new Date('2026-12-24T23:00:00Z'), nextAttemptOn: null });
    expect(await listFailedInstalmentCollections(t.ctx.db, 'fa')).toEqual([]);
    expect((await h.evidence(order.number)).map((e) => e.kind)).toEqual(['instalments.plan_accepted', 'instalments.share_collected', 'instalments.share_failed', 'instalments.share_collected']);
  });

  it('+collectfailalways: 3 attempts 2 days apart, then none left — listed for the merchant; a refund then waives it', async () => {
    const order = await h.financedOrder('600.00', 4, '+collectfailalways');
    const dispatchedAt = await h.now(); // 24 Dec 2026, 23:00 UTC (the previous test moved the clock): 25 Dec in Paris
    await h.start(order.id, dispatchedAt);
    await h.dispatch();
    expect((await h.rows(order.id)).map((r) => r[1])).toEqual(['2026-12-25', '2027-01-25', '2027-02-25', '2027-03-25']);

    await h.moveTo('2027-01-24T23:00:00Z');
    await h.dispatch();
    await h.moveTo('2027-01-26T23:00:00Z');
    await h.dispatch();
    await h.moveTo('2027-01-28T23:00:00Z');
    await h.dispatch();

    const share = (await h.collections(order.id)).shares[1]!;
    expect(share).toMatchObject({ state: 'failed', attempts: 3, nextAttemptOn: null });
    expect((await h.evidence(order.number, 'instalments.share_failed')).map((e) => [(e.data as { attempt: number }).attempt, (e.data as { nextAttemptOn: string | null }).nextAttemptOn, (e.data as { gaveUp: boolean }).gaveUp])).toEqual([
      [1, '2027-01-27', false],
      [2, '2027-01-29', false],
      [3, null, true],
    ]);
    const emails = await t.ctx.db.selectFrom('emails').select('text').where('subject', 'like', `Commande ${order.number} : l'échéance 2/4%`).orderBy('id').execute();
    expect(emails).toHaveLength(3);
    expect(emails[2]!.text).toContain('Aucune autre tentative automatique');
    // No 4th attempt is ever scheduled.
    expect((await h.timersOf(order.id)).filter((x) => x.key.split(':')[2] === '2').map((x) => x.state)).toEqual(['fired', 'fired', 'fired']);
    const listed = await listFailedInstalmentCollections(t.ctx.db, 'fa');
    expect(listed).toEqual([expect.objectContaining({ orderNumber: order.number, number: 2, attempts: 3, problem: 'declined', nextAttemptOn: null })]);

    // Share 3 is collected on its day all the same.
    await h.moveTo('2027-02-24T23:00:00Z');
    await h.dispatch();
    expect((await h.rows(order.id)).map((r) => r[3])).toEqual(['collected', 'failed', 'collected', 'pending']);

    // A refund of 300.00 (a cancelled line): share 4 then the failed share 2 are removed — it leaves the list.
    const outcome = await t.ctx.db.transaction().execute(async (tx) => refundThroughPartner(tx, { shopId: 'fa', orderId: order.id, amount: eur('300.00'), key: 'line_unavailable:1', now: await h.now() }));
    expect(outcome).toMatchObject({ action: 'plan_reduced', amount: 30000, reduced: 30000, refunded: 0, reductions: [{ number: 4, amount: 15000 }, { number: 2, amount: 15000 }], planCompleted: true });
    expect(await listFailedInstalmentCollections(t.ctx.db, 'fa')).toEqual([]);
    expect((await h.collections(order.id)).completedAt).not.toBeNull();
    expect(await verifyEvidenceChain(t.ctx.db, 'fa')).toMatchObject({ ok: true });
  });

  it('a partner that cannot be reached is retried by the outbox, then listed as unreachable (not a decline)', async () => {
    const order = await h.financedOrder('300.00', 3);
    await h.start(order.id);
    const down: FinancingPartner = {
      ...t.ctx.payments!.financing,
      collectShare: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    };
    const handlers = { ...t.ctx.outbox, ...instalmentCollectionOutboxHandlers(down) };
    const report = await dispatchOutbox(t.ctx.db, handlers, await h.now(), { maxAttempts: 1 });
    expect(report.gaveUp).toBe(1);
    expect((await h.collections(order.id)).shares[0]).toMatchObject({ state: 'collecting', attempts: 0 });
    expect(await listFailedInstalmentCollections(t.ctx.db, 'fa')).toEqual([expect.objectContaining({ orderNumber: order.number, number: 1, problem: 'partner_unreachable', lastFailure: expect.stringContaining('ECONNREFUSED'), nextAttemptOn: null })]);
    expect(await h.evidence(order.number, 'instalments.share_')).toEqual([]);
  });
});

describe('FA: refunds through the partner (PA-4 / RF-3)', () => {
  const t = useTestApp('fa');
  const h = helpers(t);
  const refund = (orderId: string, amount: string, key: string) =>
    t.ctx.db.transaction().execute(async (tx) => refundThroughPartner(tx, { shopId: 'fa', orderId, amount: eur(amount), key, now: await h.now() }));

  it('lowers the last shares first, once per key; above what remains, the partner refunds collected money through the outbox; never above the plan', async () => {
    const order = await h.financedOrder('600.00', 4);
    await h.start(order.id);
    await h.dispatch(); // share 1 collected (150.00)

    const first = await refund(order.id, '200.00', 'line_unavailable:2');
    expect(first).toEqual({ action: 'plan_reduced', amount: 20000, reduced: 20000, refunded: 0, unsettled: 0, reductions: [{ number: 4, amount: 15000 }, { number: 3, amount: 5000 }], planCompleted: false });
    expect((await h.collections(order.id)).shares.map((s) => [s.number, s.state, s.amount.amount - s.reduced.amount])).toEqual([
      [1, 'collected', 15000],
      [2, 'pending', 15000],
      [3, 'pending', 10000],
      [4, 'waived', 0],
    ]);
    // Share 4's timer is cancelled.
    expect((await h.timersOf(order.id)).map((x) => [x.key.split(':').slice(-2).join(':'), x.state])).toEqual([
      ['2:1', 'pending'],
      ['3:1', 'pending'],
      ['4:1', 'cancelled'],
    ]);

    // The same key again: the same outcome, nothing more.
    expect(await refund(order.id, '200.00', 'line_unavailable:2')).toMatchObject({ action: 'plan_reduced', amount: 20000, reductions: first.reductions });
    expect((await h.collections(order.id)).shares[2]!.reduced).toEqual(eur('50.00'));

    // Share 3 is collected at its lowered amount, on its day.
    await h.moveTo('2026-12-22T23:00:00Z');
    await h.dispatch();
    await h.moveTo('2027-01-22T23:00:00Z');
    await h.dispatch();
    expect((await h.collections(order.id)).shares.map((s) => [s.state, s.collected?.amount ?? null])).toEqual([
      ['collected', 15000],
      ['collected', 15000],
      ['collected', 10000],
      ['waived', null],
    ]);
    expect((await h.collections(order.id)).completedAt).toEqual(new Date('2027-01-22T23:00:00Z'));

    // Nothing left to collect: 120.00 goes back through the partner, from the 400.00 collected.
    const second = await refund(order.id, '120.00', 'uncollected:1');
    expect(second).toMatchObject({ action: 'partner_refund', amount: 12000, reduced: 0, refunded: 12000, unsettled: 0, reductions: [] });
    const messages = await t.ctx.db.selectFrom('outbox').select(['key', 'state']).where('kind', '=', FINANCING_REFUND).execute();
    expect(messages.map((m) => m.state)).toEqual(['pending']);
    await h.dispatch();
    const refunded = await h.evidence(order.number, 'instalments.partner_refunded');
    expect(refunded.map((e) => e.data)).toEqual([expect.objectContaining({ amount: 12000, currency: 'EUR', key: 'uncollected:1', reference: expect.stringMatching(/^ref_/), rule: 'PA-4' })]);
    const row = await t.ctx.db.selectFrom('instalment_refunds').select(['partner_refunded_at', 'partner_reference']).where('key', '=', 'uncollected:1').executeTakeFirstOrThrow();
    expect(row.partner_refunded_at).toEqual(await h.now());

    // Never above what the plan holds: 400.00 collected − 120.00 refunded = 280.00 at most.
    expect(await refund(order.id, '300.00', 'delivery_claim:1')).toMatchObject({ action: 'partner_refund', amount: 28000, refunded: 28000, unsettled: 2000 });
    expect(await refund(order.id, '10.00', 'delivery_claim:2')).toMatchObject({ action: 'none', amount: 0, unsettled: 1000 });
    expect(await verifyEvidenceChain(t.ctx.db, 'fa')).toMatchObject({ ok: true });
  });

  it('3x of 200.00 before shipment: the first share keeps the leftover cent and is reduced last; an order without a plan is refused', async () => {
    const order = await h.financedOrder('200.00', 3);
    expect((await h.collections(order.id)).shares.map((s) => s.amount.amount)).toEqual([6668, 6666, 6666]);
    const outcome = await refund(order.id, '150.00', 'line_unavailable:9');
    expect(outcome).toMatchObject({ action: 'plan_reduced', amount: 15000, reductions: [{ number: 3, amount: 6666 }, { number: 2, amount: 6666 }, { number: 1, amount: 1668 }], planCompleted: false });
    // Shipped: the waived shares get no timer; the first share is collected at 50.00.
    await h.start(order.id);
    expect(await h.timersOf(order.id)).toEqual([]);
    await h.dispatch();
    const view = await h.collections(order.id);
    expect(view.shares.map((s) => [s.state, s.collected?.amount ?? null])).toEqual([
      ['collected', 5000],
      ['waived', null],
      ['waived', null],
    ]);
    expect(view.completedAt).not.toBeNull();

    const variantId = await stockedVariant(t, 5);
    const card = await placeCardOrder(t, { variantId, quantity: 1, method: 'home' });
    expect(await codeOf(refund(card.order.id, '10.00', 'k'))).toBe('instalments.plan_not_found');
    expect(await codeOf(t.ctx.db.transaction().execute(async (tx) => refundThroughPartner(tx, { shopId: 'fa', orderId: order.id, amount: { amount: 100, currency: 'GBP' }, key: 'gbp', now: await h.now() })))).toBe('instalments.currency_mismatch');
  });

  it('a partner answering a replayed key with a larger, earlier amount: the excess goes back through the partner', async () => {
    const order = await h.financedOrder('400.00', 4);
    await h.start(order.id);
    // The partner had collected the full 100.00 under this key before a refund lowered share 1 to 60.00.
    await refund(order.id, '340.00', 'line_unavailable:3');
    const replaying: FinancingPartner = { ...t.ctx.payments!.financing, collectShare: async (_plan, shareNumber) => ({ status: 'collected', shareNumber, amount: eur('100.00'), reference: 'col_earlier' }) };
    const report = await dispatchOutbox(t.ctx.db, { ...t.ctx.outbox, ...instalmentCollectionOutboxHandlers(replaying) }, await h.now());
    expect(report.failures).toEqual([]);
    expect((await h.collections(order.id)).shares[0]).toMatchObject({ state: 'collected', collected: eur('100.00') });
    const excess = await t.ctx.db.selectFrom('instalment_refunds').select(['key', 'partner_refund_minor', 'partner_refunded_at']).where('key', 'like', 'excess:%').execute();
    expect(excess.map((e) => [Number(e.partner_refund_minor), e.partner_refunded_at !== null])).toEqual([[4000, true]]);
  });
});

describe('PA-4 sandbox partner: collections and refunds (documented test inputs)', () => {
  const request = (email: string) => ({ idempotencyKey: `instalments:${email}`, amount: eur('300.00'), count: 3 as const, customer: { email, country: 'FR' } });
  const planOf = async (partner: FinancingPartner, email: string) => {
    const decision = await partner.requestPlan(request(email));
    if (decision.status !== 'accepted') throw new Error('refused');
    return decision.planId;
  };

  it('collects by default; +collectfail declines the 2nd share once; +collectfailalways every time; the same key gives the same answer', async () => {
    const partner = createSandboxFinancingPartner();
    const plain = await planOf(partner, 'jane@example.com');
    expect(await partner.collectShare(plain, 2, eur('100.00'), 'k1')).toMatchObject({ status: 'collected', shareNumber: 2, amount: eur('100.00') });

    const once = await planOf(partner, 'jane+collectfail@example.com');
    expect(once).toMatch(/^plan_cf1_/);
    expect(await partner.collectShare(once, 1, eur('100.00'), 'o1')).toMatchObject({ status: 'collected' });
    expect(await partner.collectShare(once, 2, eur('100.00'), 'o2a')).toEqual({ status: 'declined', shareNumber: 2, reason: 'insufficient_funds' });
    expect(await partner.collectShare(once, 2, eur('100.00'), 'o2a')).toEqual({ status: 'declined', shareNumber: 2, reason: 'insufficient_funds' });
    expect(await partner.collectShare(once, 2, eur('100.00'), 'o2b')).toMatchObject({ status: 'collected' });

    const always = await planOf(partner, 'Jane+CollectFailAlways@example.com');
    expect(always).toMatch(/^plan_cfa_/);
    for (const key of ['a1', 'a2', 'a3']) expect(await partner.collectShare(always, 2, eur('100.00'), key)).toMatchObject({ status: 'declined' });
    expect(await partner.collectShare(always, 3, eur('100.00'), 'a4')).toMatchObject({ status: 'collected' });

    expect(await partner.refund(plain, eur('20.00'), 'r1')).toEqual({ planId: plain, status: 'refunded', amount: eur('20.00'), reference: expect.stringMatching(/^ref_/) });
  });
});
