// Issue 5 §8: reservation in store (ST-1, CAT-6) on the manual clock.
// FA: the store's own stock is taken, the hold ends after 48 OPENING hours —
// the timer fires at that very instant, the units go back, the customer is
// told, every step is in the evidence log. FR: not confirmed within 2 opening
// hours → the customer is told; confirmed → held to the end of the 3rd
// working day (the week of 11 November, a public holiday); at most 10
// different items. JW and PF offer no reservation.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/adapters/clock.js';
import {
  cancelReservation,
  confirmReservation,
  confirmationDueTimerKey,
  holdExpiryTimerKey,
  listCustomerReservations,
  listReservationsForStaff,
  markReservationCollected,
  reserve,
  storesWithStock,
  type Reservation,
} from '../../src/app/reservations.js';
import { setStock } from '../../src/app/stock.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import type { Actor } from '../../src/store/audit.js';
import { verifyEvidenceChain } from '../../src/store/evidence.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { registeredCustomer } from '../support/orders.js';
import { DomainError } from '../../src/domain/errors.js';

function helpers(t: TestApp) {
  const shopId = () => t.ctx.shop.id;
  const now = () => t.ctx.clock.now();
  const shop = () => ({ id: shopId(), policy: t.ctx.shop.policy, policyHash: t.ctx.shop.policyHash });

  /** The shop's priced variants, in id order, from `skip` on. */
  async function variants(count: number, skip = 0): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`
      SELECT v.id::text AS id FROM variants v
       WHERE v.shop_id = ${shopId()} AND EXISTS (SELECT 1 FROM price_history ph WHERE ph.variant_id = v.id AND ph.currency = 'EUR')
       ORDER BY v.id OFFSET ${skip} LIMIT ${count}`.execute(t.ctx.db);
    expect(rows).toHaveLength(count);
    return rows.map((r) => r.id);
  }
  const setAt = async (variantId: string, location: string, quantity: number) =>
    setStock(t.ctx.db, { shopId: shopId(), variantId, levels: [{ locationCode: location, quantity }], actor: { kind: 'system' }, now: await now() });
  const stockAt = async (variantId: string, location: string) => {
    const { rows } = await sql<{ q: number }>`
      SELECT coalesce((SELECT s.quantity FROM stock s WHERE s.variant_id = ${variantId}::bigint AND s.location_id = l.id), 0) AS q
        FROM locations l WHERE l.shop_id = ${shopId()} AND l.code = ${location}`.execute(t.ctx.db);
    return rows[0]!.q;
  };
  const warehouse = async (variantId: string) => stockAt(variantId, 'warehouse');
  const staff = async (): Promise<Actor> => {
    const owner = await t.ctx.db.selectFrom('staff').select('id').where('shop_id', '=', shopId()).executeTakeFirstOrThrow();
    return { kind: 'staff', staffId: owner.id };
  };
  const advanceTo = async (iso: string) => {
    const result = await advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, new Date(iso));
    expect(result.failures, JSON.stringify(result.failures)).toEqual([]);
    return result;
  };
  const dispatch = async () => {
    const report = await dispatchOutbox(t.ctx.db, t.ctx.outbox, await now());
    expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
  };
  const timer = (key: string) => t.ctx.db.selectFrom('timers').select(['state', 'due_at', 'fired_at']).where('key', '=', key).executeTakeFirst();
  const row = (number: string) => t.ctx.db.selectFrom('reservations').selectAll().where('number', '=', number).executeTakeFirstOrThrow();
  const evidenceKinds = async (number: string) =>
    (await sql<{ kind: string }>`SELECT kind FROM evidence_events WHERE shop_id = ${shopId()} AND subject_type = 'reservation' AND subject_id = ${number} ORDER BY seq`.execute(t.ctx.db)).rows.map((r) => r.kind);
  const evidence = async (number: string, kind: string) =>
    (await sql<{ data: Record<string, unknown>; recorded_at: Date; actor: string }>`SELECT data, recorded_at, actor FROM evidence_events WHERE shop_id = ${shopId()} AND subject_type = 'reservation' AND subject_id = ${number} AND kind = ${kind}`.execute(t.ctx.db)).rows[0];
  const emails = async (number: string) =>
    t.ctx.db.selectFrom('emails').select(['subject', 'text', 'to_address', 'created_at']).where('shop_id', '=', shopId()).where('related_kind', '=', 'reservation').where('related_id', '=', number).orderBy('id').execute();
  const reserveFor = async (customerId: string, storeCode: string, lines: { variantId: string; quantity: number }[]) => reserve(t.ctx.db, { shop: shop(), customerId, storeCode, lines, now: await now() });

  return { shopId, now, variants, setAt, stockAt, warehouse, staff, advanceTo, dispatch, timer, row, evidenceKinds, evidence, emails, reserveFor };
}

describe('FA: held 48 hours counted within the store\'s opening hours (ST-1)', () => {
  // Saturday 28 November 2026, 17:00 in Paris.
  const t = useTestApp('fa', { clockStart: '2026-11-28T16:00:00Z' });
  const h = helpers(t);
  let first: Reservation;
  let variant: string;
  let customer: { id: string; email: string };

  it('takes the units from that store\'s stock, not the warehouse\'s, and says until when', async () => {
    [variant] = (await h.variants(1)) as [string];
    await h.setAt(variant, 'lyon-presquile', 3);
    await h.setAt(variant, 'paris-marais', 0);
    const warehouseBefore = await h.warehouse(variant);
    customer = await registeredCustomer(t);
    expect((await storesWithStock(t.ctx.db, { shopId: h.shopId(), variantIds: [variant] })).get(variant)?.map((s) => s.code)).toContain('lyon-presquile');

    first = await h.reserveFor(customer.id, 'lyon-presquile', [{ variantId: variant, quantity: 2 }]);
    // Lyon: Sat 17:00–19:30 (2½ h), Sunday closed, Mon 14:00–19:00 (5 h), Tue–Fri 10:00–19:00 (36 h), Sat 10:00–14:30 (4½ h).
    expect(first).toMatchObject({ state: 'requested', store: { code: 'lyon-presquile' }, confirmationDueAt: null, holdLastDay: null, lines: [{ variantId: variant, quantity: 2 }] });
    expect(first.number).toMatch(/^R-2026-\d{6}$/);
    expect(first.holdUntil?.toISOString()).toBe('2026-12-05T13:30:00.000Z');
    expect(first.total?.amount).toBe(2 * first.lines[0]!.unitPrice!.amount);
    expect(await h.stockAt(variant, 'lyon-presquile')).toBe(1);
    expect(await h.warehouse(variant)).toBe(warehouseBefore);
    expect(await h.timer(holdExpiryTimerKey(h.shopId(), first.number))).toMatchObject({ state: 'pending', due_at: new Date('2026-12-05T13:30:00Z') });
    expect(await h.timer(confirmationDueTimerKey(h.shopId(), first.number))).toBeUndefined();

    await h.dispatch();
    const [sent] = await h.emails(first.number);
    expect(sent?.to_address).toBe(customer.email);
    expect(sent?.subject).toBe(`Votre réservation ${first.number} en magasin`);
    expect(sent?.text).toContain('samedi 5 décembre 2026 à 14:30');
    expect(sent?.text).toContain("48 heures d'ouverture du magasin");
    expect(sent?.text).toContain('vous réglez en magasin');
  });

  it('refuses what the store has not, naming the line, even when the warehouse has it (CAT-6)', async () => {
    await h.setAt(variant, 'warehouse', 50);
    const error = await reserve(t.ctx.db, { shop: { id: h.shopId(), policy: t.ctx.shop.policy, policyHash: t.ctx.shop.policyHash }, customerId: customer.id, storeCode: 'lyon-presquile', lines: [{ variantId: variant, quantity: 2 }], now: await h.now() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('reservation.not_in_stock');
    expect((error as DomainError).details).toMatchObject({ field: 'lines.0.quantity', rule: 'ST-1', store: 'lyon-presquile', items: [{ variantId: variant, asked: 2, available: 1 }] });
    expect(await codeOf(h.reserveFor(customer.id, 'paris-marais', [{ variantId: variant, quantity: 1 }]))).toBe('reservation.not_in_stock');
    expect(await codeOf(h.reserveFor(customer.id, 'warehouse', [{ variantId: variant, quantity: 1 }]))).toBe('store.not_found');
    expect(await codeOf(h.reserveFor(customer.id, 'lyon-presquile', []))).toBe('reservation.no_lines');
    expect(await codeOf(h.reserveFor(customer.id, 'lyon-presquile', [{ variantId: variant, quantity: 0 }]))).toBe('reservation.invalid_quantity');
    expect(await codeOf(h.reserveFor(customer.id, 'lyon-presquile', [{ variantId: '999999999', quantity: 1 }]))).toBe('variant.not_found');
    expect(await h.stockAt(variant, 'lyon-presquile')).toBe(1);
  });

  it('the store confirms: the hold, counted from the request, does not move', async () => {
    const confirmed = await confirmReservation(t.ctx.db, { shopId: h.shopId(), number: first.number, actor: await h.staff(), now: await h.now() });
    expect(confirmed).toMatchObject({ state: 'confirmed', holdUntil: first.holdUntil });
    expect(await codeOf(confirmReservation(t.ctx.db, { shopId: h.shopId(), number: first.number, actor: await h.staff(), now: await h.now() }))).toBe('reservation.illegal_transition');
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'target']).where('target', '=', `reservation:${first.number}`).execute();
    expect(audit).toEqual([{ action: 'reservation.confirmed', target: `reservation:${first.number}` }]);
  });

  it('after 48 opening hours, at that very instant, the units go back on sale and the customer is told', async () => {
    await h.advanceTo('2026-12-05T13:29:00Z');
    expect((await h.row(first.number)).state).toBe('confirmed');
    expect(await h.stockAt(variant, 'lyon-presquile')).toBe(1);

    await h.advanceTo('2026-12-05T14:00:00Z');
    const expired = await h.row(first.number);
    expect(expired.state).toBe('expired');
    expect(expired.expired_at).toEqual(new Date('2026-12-05T13:30:00Z'));
    expect(await h.timer(holdExpiryTimerKey(h.shopId(), first.number))).toMatchObject({ state: 'fired', fired_at: new Date('2026-12-05T13:30:00Z') });
    expect(await h.stockAt(variant, 'lyon-presquile')).toBe(3);

    await h.dispatch();
    const mails = await h.emails(first.number);
    expect(mails.map((m) => m.subject)).toEqual([`Votre réservation ${first.number} en magasin`, `Votre réservation ${first.number} est prête en magasin`, `Votre réservation ${first.number} a expiré`]);
    expect(mails[2]!.text).toContain('remis en vente');
    expect(await h.evidenceKinds(first.number)).toEqual(['reservation.requested', 'email.sent', 'reservation.confirmed', 'reservation.expired', 'email.sent', 'email.sent']);
    const event = await h.evidence(first.number, 'reservation.expired');
    expect(event).toMatchObject({ actor: 'system', recorded_at: new Date('2026-12-05T13:30:00Z'), data: { rule: 'ST-1', store: 'lyon-presquile', holdUntil: '2026-12-05T13:30:00.000Z', from: 'confirmed' } });
    expect(await verifyEvidenceChain(t.ctx.db, h.shopId())).toMatchObject({ ok: true });
  });

  it('the customer cancels (free): units back, timer gone; nobody else may', async () => {
    const r = await h.reserveFor(customer.id, 'lyon-presquile', [{ variantId: variant, quantity: 1 }]);
    expect(await h.stockAt(variant, 'lyon-presquile')).toBe(2);
    const stranger = await registeredCustomer(t);
    expect(await codeOf(cancelReservation(t.ctx.db, { shopId: h.shopId(), number: r.number, by: { kind: 'customer', customerId: stranger.id }, now: await h.now() }))).toBe('reservation.not_found');
    const cancelled = await cancelReservation(t.ctx.db, { shopId: h.shopId(), number: r.number, by: { kind: 'customer', customerId: customer.id }, now: await h.now() });
    expect(cancelled).toMatchObject({ state: 'cancelled', cancelledBy: `customer:${customer.id}` });
    expect(await h.stockAt(variant, 'lyon-presquile')).toBe(3);
    expect(await h.timer(holdExpiryTimerKey(h.shopId(), r.number))).toMatchObject({ state: 'cancelled' });
    expect(await codeOf(cancelReservation(t.ctx.db, { shopId: h.shopId(), number: r.number, by: { kind: 'customer', customerId: customer.id }, now: await h.now() }))).toBe('reservation.illegal_transition');
    expect(await h.evidenceKinds(r.number)).toEqual(['reservation.requested', 'reservation.cancelled']);
    expect((await listCustomerReservations(t.ctx.db, { shopId: h.shopId(), customerId: stranger.id })).length).toBe(0);
    expect((await listCustomerReservations(t.ctx.db, { shopId: h.shopId(), customerId: customer.id })).map((x) => x.number)).toEqual([r.number, first.number]);
  });

  it('collected at the counter: the units stay sold, the hold timer goes', async () => {
    const r = await h.reserveFor(customer.id, 'lyon-presquile', [{ variantId: variant, quantity: 3 }]);
    expect((await listReservationsForStaff(t.ctx.db, { shopId: h.shopId() })).map((x) => x.number)).toContain(r.number);
    const collected = await markReservationCollected(t.ctx.db, { shopId: h.shopId(), number: r.number, actor: await h.staff(), now: await h.now() });
    expect(collected.state).toBe('collected');
    expect(await h.stockAt(variant, 'lyon-presquile')).toBe(0);
    expect(await h.timer(holdExpiryTimerKey(h.shopId(), r.number))).toMatchObject({ state: 'cancelled' });
    expect(await h.evidence(r.number, 'reservation.collected')).toMatchObject({ data: { paidInStore: true } });
    expect((await listReservationsForStaff(t.ctx.db, { shopId: h.shopId() })).map((x) => x.number)).not.toContain(r.number);
    await h.advanceTo('2026-12-20T12:00:00Z');
    expect(await h.stockAt(variant, 'lyon-presquile')).toBe(0);
  });

  it('FA has no limit on different items', async () => {
    const ids = await h.variants(11, 1);
    for (const id of ids) await h.setAt(id, 'paris-marais', 1);
    const r = await h.reserveFor(customer.id, 'paris-marais', ids.map((variantId) => ({ variantId, quantity: 1 })));
    expect(r.lines).toHaveLength(11);
  });
});

describe('FR: confirmed within 2 hours, then held 3 working days (ST-1)', () => {
  // Tuesday 10 November 2026, 10:00 in Paris; Wednesday 11 November is a public holiday.
  const t = useTestApp('fr', { clockStart: '2026-11-10T09:00:00Z' });
  const h = helpers(t);
  let variant: string;
  let customer: { id: string; email: string };

  it('not confirmed within 2 opening hours: the customer is told, the reservation stays requested', async () => {
    [variant] = (await h.variants(1)) as [string];
    await h.setAt(variant, 'nantes-graslin', 4);
    customer = await registeredCustomer(t);
    const r = await h.reserveFor(customer.id, 'nantes-graslin', [{ variantId: variant, quantity: 1 }]);
    expect(r).toMatchObject({ state: 'requested', holdUntil: null, holdLastDay: null });
    expect(r.confirmationDueAt?.toISOString()).toBe('2026-11-10T11:00:00.000Z');
    expect(await h.stockAt(variant, 'nantes-graslin')).toBe(3);

    await h.advanceTo('2026-11-10T10:59:00Z');
    expect((await h.row(r.number)).confirmation_overdue_at).toBeNull();
    await h.advanceTo('2026-11-10T11:00:00Z');
    const overdue = await h.row(r.number);
    expect(overdue).toMatchObject({ state: 'requested', confirmation_overdue_at: new Date('2026-11-10T11:00:00Z') });
    expect(await h.timer(confirmationDueTimerKey(h.shopId(), r.number))).toMatchObject({ state: 'fired', fired_at: new Date('2026-11-10T11:00:00Z') });
    expect(await h.stockAt(variant, 'nantes-graslin')).toBe(3);
    await h.dispatch();
    const mails = await h.emails(r.number);
    expect(mails.map((m) => m.subject)).toEqual([`Votre réservation ${r.number} en magasin`, `Votre réservation ${r.number} : confirmation en attente`]);
    expect(mails[0]!.text).toContain("Le magasin confirme votre réservation dans les 2 heures d'ouverture qui suivent, au plus tard le mardi 10 novembre 2026 à 12:00");
    expect(mails[1]!.text).toContain("n'a pas encore pu confirmer");
    expect(mails[1]!.text).toContain('annuler sans frais');
    expect(await h.evidenceKinds(r.number)).toEqual(['reservation.requested', 'reservation.confirmation_overdue', 'email.sent', 'email.sent']);
    // Not held for ever: counted as if confirmed at its deadline — Thu 12, Fri 13, Mon 16 November (11 November is a holiday).
    expect(await h.timer(holdExpiryTimerKey(h.shopId(), r.number))).toMatchObject({ state: 'pending', due_at: new Date('2026-11-16T23:00:00Z') });
    // Listed first in the back office (its deadline is the oldest).
    expect((await listReservationsForStaff(t.ctx.db, { shopId: h.shopId() }))[0]?.number).toBe(r.number);
  });

  it('confirmed: held to the end of the 3rd working day — 11 November does not count', async () => {
    const r = await h.reserveFor(customer.id, 'nantes-graslin', [{ variantId: variant, quantity: 2 }]);
    expect(r.confirmationDueAt?.toISOString()).toBe('2026-11-10T13:00:00.000Z');
    await h.advanceTo('2026-11-10T11:30:00Z'); // Tue 12:30 Paris
    const confirmed = await confirmReservation(t.ctx.db, { shopId: h.shopId(), number: r.number, actor: await h.staff(), now: await h.now() });
    // Thu 12, Fri 13, Mon 16 November → back on sale Tue 17 November 00:00 Paris.
    expect(confirmed).toMatchObject({ state: 'confirmed', holdLastDay: '2026-11-16', confirmedAt: new Date('2026-11-10T11:30:00Z') });
    expect(confirmed.holdUntil?.toISOString()).toBe('2026-11-16T23:00:00.000Z');
    expect(await h.timer(confirmationDueTimerKey(h.shopId(), r.number))).toMatchObject({ state: 'cancelled' });
    expect(await h.timer(holdExpiryTimerKey(h.shopId(), r.number))).toMatchObject({ state: 'pending', due_at: new Date('2026-11-16T23:00:00Z') });
    await h.dispatch();
    const ready = (await h.emails(r.number)).find((m) => m.subject.includes('prête'));
    expect(ready?.text).toContain("jusqu'au lundi 16 novembre 2026 inclus");

    await h.advanceTo('2026-11-16T22:59:00Z');
    expect((await h.row(r.number)).state).toBe('confirmed');
    expect(await h.stockAt(variant, 'nantes-graslin')).toBe(1);
    await h.advanceTo('2026-11-16T23:00:00Z');
    expect((await h.row(r.number)).state).toBe('expired');
    expect(await h.timer(holdExpiryTimerKey(h.shopId(), r.number))).toMatchObject({ state: 'fired', fired_at: new Date('2026-11-16T23:00:00Z') });
    expect(await h.stockAt(variant, 'nantes-graslin')).toBe(4); // its 2 units, and the unconfirmed reservation's one (test above) ended at the same instant
    await h.dispatch();
    expect((await h.emails(r.number)).map((m) => m.subject)).toContain(`Votre réservation ${r.number} a expiré`);
    expect(await h.evidenceKinds(r.number)).toEqual(['reservation.requested', 'reservation.confirmed', 'email.sent', 'email.sent', 'reservation.expired', 'email.sent']);
    expect(await verifyEvidenceChain(t.ctx.db, h.shopId())).toMatchObject({ ok: true });
  });

  it('confirmed after its deadline: the hold counts from the confirmation, replacing the fallback', async () => {
    const r = await h.reserveFor(customer.id, 'nantes-graslin', [{ variantId: variant, quantity: 1 }]);
    const fallback = (await h.timer(holdExpiryTimerKey(h.shopId(), r.number))) ?? null;
    expect(fallback).toBeNull(); // none before the deadline
    await h.advanceTo('2026-11-17T15:00:00Z'); // the deadline passed (Tue 17, 12:00 Paris): customer told, fallback hold set
    expect(await h.timer(holdExpiryTimerKey(h.shopId(), r.number))).toMatchObject({ state: 'pending', due_at: new Date('2026-11-20T23:00:00Z') }); // Wed 18, Thu 19, Fri 20
    await h.advanceTo('2026-11-18T09:00:00Z'); // Wed 10:00 Paris: the store confirms late
    const confirmed = await confirmReservation(t.ctx.db, { shopId: h.shopId(), number: r.number, actor: await h.staff(), now: await h.now() });
    expect(confirmed).toMatchObject({ state: 'confirmed', holdLastDay: '2026-11-23' }); // Thu 19, Fri 20, Mon 23
    expect(await h.timer(holdExpiryTimerKey(h.shopId(), r.number))).toMatchObject({ state: 'pending', due_at: new Date('2026-11-23T23:00:00Z') });
  });

  it('at most 10 different items per customer, over their active reservations', async () => {
    const ids = await h.variants(11, 1);
    for (const id of ids) await h.setAt(id, 'nantes-graslin', 2);
    const buyer = await registeredCustomer(t);
    // 11 in one request: refused, nothing taken.
    const error = (await h.reserveFor(buyer.id, 'nantes-graslin', ids.map((variantId) => ({ variantId, quantity: 1 }))).catch((e: unknown) => e)) as DomainError;
    expect(error.code).toBe('reservation.too_many_items');
    expect(error.details).toMatchObject({ field: 'lines', rule: 'ST-1', limit: 10, distinct: 11 });
    expect(await h.stockAt(ids[10]!, 'nantes-graslin')).toBe(2);

    const ten = await h.reserveFor(buyer.id, 'nantes-graslin', ids.slice(0, 10).map((variantId) => ({ variantId, quantity: 1 })));
    // The same item again does not add a different one; an 11th does.
    const again = await h.reserveFor(buyer.id, 'nantes-graslin', [{ variantId: ids[0]!, quantity: 1 }]);
    expect(await codeOf(h.reserveFor(buyer.id, 'nantes-graslin', [{ variantId: ids[10]!, quantity: 1 }]))).toBe('reservation.too_many_items');
    // Once one is cancelled, the 11th fits.
    await cancelReservation(t.ctx.db, { shopId: h.shopId(), number: ten.number, by: { kind: 'customer', customerId: buyer.id }, now: await h.now() });
    const eleventh = await h.reserveFor(buyer.id, 'nantes-graslin', [{ variantId: ids[10]!, quantity: 1 }]);
    expect(eleventh.state).toBe('requested');
    expect(again.lines).toHaveLength(1);
  });
});

describe.each(['jw', 'pf'])('%s: no reservation in store', (shopId) => {
  const t = useTestApp(shopId);
  const h = helpers(t);

  it('is refused whatever the store and the stock', async () => {
    const [variant] = (await h.variants(1)) as [string];
    const customer = await registeredCustomer(t);
    const error = (await h.reserveFor(customer.id, 'any-store', [{ variantId: variant, quantity: 1 }]).catch((e: unknown) => e)) as DomainError;
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('reservation.not_offered');
    expect(error.details).toMatchObject({ rule: 'ST-1' });
  });
});
