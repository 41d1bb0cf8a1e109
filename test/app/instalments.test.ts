// PA-4 (FA): paying in 3 or 4 instalments through the financing partner —
// eligibility per plan with inclusive bounds, the partner's refusal, every
// share to the cent stored with the order, nothing written on a refusal.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { getCustomerOrder } from '../../src/app/account-orders.js';
import { addPrice } from '../../src/app/catalogue-admin.js';
import { findInstalmentPlan } from '../../src/app/instalments.js';
import { cancelOrder } from '../../src/app/order-cancellation.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { placeCardOrder, registeredCustomer, stockedVariant } from '../support/orders.js';

/** A variant priced `price` (minor units, VAT included) with 5 units in stock. */
async function variantAt(t: TestApp, price: number): Promise<string> {
  const variantId = await stockedVariant(t, 5);
  await addPrice(t.ctx.db, { shopId: 'fa', variantId, currency: 'EUR', amountMinor: price, currencies: ['EUR'], actor: { kind: 'system' }, now: await t.ctx.clock.now() });
  return variantId;
}

async function counts(t: TestApp) {
  const n = async (table: 'orders' | 'payments' | 'instalment_plans' | 'evidence_events' | 'outbox') =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(t.ctx.db)).rows[0]!.n);
  const stock = Number((await sql<{ q: string }>`SELECT coalesce(sum(quantity), 0) AS q FROM stock`.execute(t.ctx.db)).rows[0]!.q);
  return { orders: await n('orders'), payments: await n('payments'), plans: await n('instalment_plans'), evidence: await n('evidence_events'), outbox: await n('outbox'), stock };
}

describe('FA: instalments through the financing partner (PA-4)', () => {
  const t = useTestApp('fa');
  const instalments = (count: number) => ({ paymentMethod: 'instalments' as const, instalmentCount: count, financing: t.ctx.payments?.financing });

  it('3x at exactly 150.00 (bound included): the order is financed, three shares of 50.00 stored undated, no money taken yet', async () => {
    // 145.10 + home delivery in France 4.90 = 150.00, the lower bound of 3x.
    const variantId = await variantAt(t, 14510);
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', over: instalments(3) });
    expect(placed.order).toMatchObject({ state: 'financed', paymentMethod: 'instalments', total: 15000 });
    expect(placed.redirectUrl).toBeNull();
    expect(placed.instalments?.shares.map((s) => s.amount)).toEqual([5000, 5000, 5000]);

    const plan = await findInstalmentPlan(t.ctx.db, placed.order.id);
    expect(plan).toMatchObject({ partner: 'sandbox-financing', count: 3 });
    expect(plan!.shares.map((s) => [s.number, s.amount.amount, s.dueOn])).toEqual([
      [1, 5000, null],
      [2, 5000, null],
      [3, 5000, null],
    ]);
    const mine = await getCustomerOrder(t.ctx.db, { shopId: 'fa', policy: t.ctx.shop.policy, customerId: placed.customerId, number: placed.order.number, now: await t.ctx.clock.now() });
    expect(mine.arrangements.instalments).toMatchObject({ partner: 'Crédit Azur Financement', shares: [{ amount: 5000 }, { amount: 5000 }, { amount: 5000 }] });
    // PA-4: the first share is taken at shipment: no payment, no invoice now.
    expect(await t.ctx.db.selectFrom('payments').select('id').where('reference_id', '=', placed.order.number).execute()).toEqual([]);
    expect(await t.ctx.db.selectFrom('invoices').select('id').where('order_id', '=', placed.order.id).execute()).toEqual([]);

    const events = await t.ctx.db.selectFrom('evidence_events').select(['kind', 'data']).where('subject_id', '=', placed.order.number).orderBy('seq').execute();
    expect(events.map((e) => e.kind)).toEqual(['instalments.plan_accepted', 'order.validated']);
    expect(events[0]!.data).toMatchObject({ count: 3, shares: [5000, 5000, 5000], rule: 'PA-4' });
    expect(events[1]!.data).toMatchObject({ paymentMethod: 'instalments', instalments: 3, total: 15000 });

    // OR-5: the confirmation states the plan and the regulated credit warning.
    const outbox = await t.ctx.db.selectFrom('outbox').select('payload').where('key', '=', `order.confirmation:fa:${placed.order.number}`).executeTakeFirstOrThrow();
    const text = (outbox.payload as { text: string }).text;
    expect(text).toContain('3 échéances sans frais avec Crédit Azur Financement');
    expect(text).toContain("1. 50,00\u00a0€ — prélevée à l'expédition de la commande");
    expect(text).toContain('3. 50,00\u00a0€ — 2 mois plus tard, le même jour');
    expect(text).toContain('Un crédit vous engage et doit être remboursé.');
  });

  it('4x needs 350.00: at 150.00 it is refused and nothing is written; at 1,004.90 the first share takes the leftover cents', async () => {
    const cheap = await variantAt(t, 14510);
    const before = await counts(t);
    expect(await codeOf(placeCardOrder(t, { variantId: cheap, quantity: 1, method: 'home', over: instalments(4) }))).toBe('instalments.basket_below_minimum');
    expect(await codeOf(placeCardOrder(t, { variantId: cheap, quantity: 1, method: 'home', over: instalments(5) }))).toBe('instalments.plan_not_offered');
    expect(await counts(t)).toEqual(before);

    const dear = await variantAt(t, 100000);
    const placed = await placeCardOrder(t, { variantId: dear, quantity: 1, method: 'home', over: instalments(4) });
    // 1,004.90 / 4 = 251.225 → 251.22 × 3 and 251.24 first.
    expect(placed.order.total).toBe(100490);
    expect(placed.instalments?.shares.map((s) => s.amount)).toEqual([25124, 25122, 25122, 25122]);
  });

  it('2,000.00 is the upper bound: 2,000.01 is refused', async () => {
    const variantId = await variantAt(t, 199511); // + 4.90 = 2,000.01
    expect(await codeOf(placeCardOrder(t, { variantId, quantity: 1, method: 'home', over: instalments(3) }))).toBe('instalments.basket_above_maximum');
  });

  it('a billing address outside France is refused (residency), and the partner may refuse: nothing written, stock untouched', async () => {
    const variantId = await variantAt(t, 29510);
    const before = await counts(t);
    const belgian = { name: 'Camille Martin', line1: '1 rue Neuve', postalCode: '1000', city: 'Bruxelles', country: 'BE' };
    expect(await codeOf(placeCardOrder(t, { variantId, quantity: 1, method: 'home', over: { ...instalments(3), billingAddress: belgian } }))).toBe('instalments.residency_not_eligible');

    const refused = await registeredCustomer(t);
    await t.ctx.db.updateTable('customers').set({ email: refused.email.replace('@', '+refuse@') }).where('id', '=', refused.id).execute();
    expect(await codeOf(placeCardOrder(t, { variantId, quantity: 1, method: 'home', customerId: refused.id, over: instalments(3) }))).toBe('instalments.refused_by_partner');
    expect(await counts(t)).toEqual(before);
  });

  it('a repeated submit returns the same order and one plan', async () => {
    const variantId = await variantAt(t, 29510);
    const idempotencyKey = `instalments-${Date.now()}`;
    const first = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', over: { ...instalments(3), idempotencyKey } });
    const again = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', customerId: first.customerId, over: { ...instalments(3), idempotencyKey } });
    expect(again.created).toBe(false);
    expect(again.order.number).toBe(first.order.number);
    const plans = await t.ctx.db.selectFrom('instalment_plans').select('id').where('order_id', '=', first.order.id).execute();
    expect(plans).toHaveLength(1);
  });
});

describe('PA-1: a shop without instalments refuses them', () => {
  const t = useTestApp('el');

  it('EL has no financing partner in its terms', async () => {
    const variantId = await stockedVariant(t, 2);
    expect(await codeOf(placeCardOrder(t, { variantId, quantity: 1, method: 'standard', over: { paymentMethod: 'instalments', instalmentCount: 3, declarations: {} } }))).toBe('payment.method_not_offered');
  });
});

describe('FA: cancelling an order paid in instalments (PA-4, OR-7)', () => {
  const t = useTestApp('fa');

  it('cancels the plan, tells the partner through the outbox, puts the stock back and says nothing will be taken', async () => {
    const variantId = await variantAt(t, 29510);
    const placed = await placeCardOrder(t, { variantId, quantity: 1, method: 'home', over: { paymentMethod: 'instalments', instalmentCount: 3, financing: t.ctx.payments?.financing } });
    const stockBefore = (await counts(t)).stock;
    const staff = await t.ctx.db.selectFrom('staff').select('id').where('email', '=', t.owner.email).executeTakeFirstOrThrow();
    const now = await t.ctx.clock.now();
    const done = await t.ctx.db.transaction().execute((tx) => cancelOrder(tx, { shopId: 'fa', orderNumber: placed.order.number, reason: 'flagged_as_risky', actor: { kind: 'staff', staffId: String(staff.id) }, now }));
    expect(done.payments).toMatchObject([{ method: 'instalments', action: 'plan_cancelled', amount: 0, paymentId: expect.stringMatching(/^plan_/) }]);
    expect((await counts(t)).stock).toBe(stockBefore + 1);

    const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, now);
    expect(report.failures).toEqual([]);
    const plan = await t.ctx.db.selectFrom('instalment_plans').select(['cancelled_at', 'partner_cancelled_at']).where('order_id', '=', placed.order.id).executeTakeFirstOrThrow();
    expect(plan.cancelled_at).toEqual(now);
    expect(plan.partner_cancelled_at).toEqual(now);
    const kinds = (await t.ctx.db.selectFrom('evidence_events').select('kind').where('subject_id', '=', placed.order.number).orderBy('seq').execute()).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['order.cancelled', 'instalments.plan_cancelled']));
    const email = await t.ctx.db.selectFrom('emails').select('text').where('subject', 'like', `%${placed.order.number} annulée%`).executeTakeFirstOrThrow();
    expect(email.text).toContain('Le paiement en plusieurs fois est annulé : aucune échéance ne sera prélevée.');
  });
});
