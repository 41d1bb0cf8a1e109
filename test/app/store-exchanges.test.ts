// EX-2 (FR): exchanges at a store counter of items bought online, on the
// manual clock, through real orders paid on the sandbox PSP, shipped with the
// sandbox carrier and delivered on Tue 24 Nov 2026 at 11:30 Paris time (the
// possession date the 30 days run from: the last day is Thu 24 Dec).
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/adapters/clock.js';
import { addPrice } from '../../src/app/catalogue-admin.js';
import {
  STORE_EXCHANGE_RECORDED,
  listStoreExchangesOfOrder,
  previewStoreExchange,
  recordStoreExchange,
  storeExchangeOptions,
  type StoreExchangeLineRequest,
} from '../../src/app/store-exchanges.js';
import { DomainError } from '../../src/domain/errors.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { advanceManualClock } from '../../src/jobs/timer-runner.js';
import { listEvidence, verifyEvidenceChain } from '../../src/store/evidence.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { ownerActor, shipOrder, track } from '../support/fulfilment.js';
import { payOnHostedPage, placeCardOrder } from '../support/orders.js';

const STORE = 'nantes-graslin';

function helpers(t: TestApp) {
  const now = () => t.ctx.clock.now();
  const moveTo = (iso: string) => advanceManualClock(t.ctx.db, t.ctx.clock as ManualClock, t.ctx.timers, new Date(iso));
  const variant = async (sku: string) => (await t.ctx.db.selectFrom('variants').select('id').where('sku', '=', sku).executeTakeFirstOrThrow()).id;
  const setPrice = async (sku: string, amountMinor: number) =>
    addPrice(t.ctx.db, { shopId: 'fr', variantId: await variant(sku), currency: 'EUR', amountMinor, currencies: ['EUR'], actor: { kind: 'system' }, now: await now() });

  async function shippedOrder(sku: string, quantity: number) {
    const placed = await placeCardOrder(t, { variantId: await variant(sku), quantity, method: 'colissimo' });
    await payOnHostedPage(t, placed.redirectUrl!);
    const shipment = await shipOrder(t, placed.order.number);
    await dispatchOutbox(t.ctx.db, t.ctx.outbox, await now());
    return { order: placed.order, shipment };
  }

  const storeStock = async (sku: string, store = STORE) => {
    const { rows } = await sql<{ q: number }>`SELECT coalesce(sum(s.quantity), 0)::int AS q FROM stock s JOIN locations l ON l.id = s.location_id JOIN variants v ON v.id = s.variant_id WHERE v.sku = ${sku} AND l.code = ${store}`.execute(t.ctx.db);
    return rows[0]!.q;
  };

  const exchange = async (orderNumber: string, lines: StoreExchangeLineRequest[], over: { storeCode?: string; returnSlipPresented?: boolean } = {}) =>
    recordStoreExchange(t.ctx.db, { shopId: 'fr', orderNumber, storeCode: over.storeCode ?? STORE, returnSlipPresented: over.returnSlipPresented ?? true, lines, actor: await ownerActor(t), now: await now() });

  const emailsAbout = async (orderNumber: string) => {
    await dispatchOutbox(t.ctx.db, t.ctx.outbox, await now());
    return t.ctx.db.selectFrom('emails').select(['subject', 'text', 'to_address']).where('related_id', '=', orderNumber).orderBy('id').execute();
  };

  const exchangeRows = async () => Number((await t.ctx.db.selectFrom('store_exchanges').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  return { now, moveTo, setPrice, shippedOrder, storeStock, exchange, emailsAbout, exchangeRows };
}

describe('EX-2: in-store exchange of online purchases (FR)', () => {
  const t = useTestApp('fr');
  const h = helpers(t);
  const o: Record<string, Awaited<ReturnType<typeof h.shippedOrder>>> = {};

  it('ships six orders and delivers them on Tuesday 24 November 2026, 11:30 in Paris', async () => {
    o.sameSize = await h.shippedOrder('FR-BRO-36', 1); // 85.00
    o.dearer = await h.shippedOrder('FR-IRO-S', 1); // 45.00
    o.cheaper = await h.shippedOrder('FR-BRO-40', 1); // 85.00
    o.window = await h.shippedOrder('FR-FIN-GRI', 2); // 2 × 49.00
    o.outlet = await h.shippedOrder('FR-OUE-M', 1); // outlet
    o.notDelivered = await h.shippedOrder('FR-CAB-ECR', 1);
    await h.moveTo('2026-11-24T10:30:00Z');
    for (const [key, x] of Object.entries(o)) if (key !== 'notDelivered') await track(t, x.shipment.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin' });
    await h.moveTo('2026-12-01T09:00:00Z');
  });

  it('the counter sees each line with its window and eligibility', async () => {
    const options = await storeExchangeOptions(t.ctx.db, { shopId: 'fr', orderNumber: o.window!.order.number, now: await h.now() });
    expect(options).toMatchObject({ offered: true, returnSlipRequired: true, lines: [{ position: 0, sku: 'FR-FIN-GRI', delivered: 2, exchangeable: 2, possessionAt: new Date('2026-11-24T10:30:00Z'), eligibility: { ok: true, lastDay: '2026-12-24' } }] });
    const outlet = await storeExchangeOptions(t.ctx.db, { shopId: 'fr', orderNumber: o.outlet!.order.number, now: await h.now() });
    expect(outlet.lines[0]).toMatchObject({ outlet: true, eligibility: { ok: false, reason: 'outlet_excluded' } });
  });

  it('refuses without the slip, outlet items either way, undelivered items, unknown SKUs and an empty store, writing nothing', async () => {
    const line = { position: 0, quantity: 1, replacementSku: 'FR-ARM-M' };
    expect(await codeOf(h.exchange(o.dearer!.order.number, [line], { returnSlipPresented: false }))).toBe('exchange.return_slip_required');
    expect(await codeOf(h.exchange(o.outlet!.order.number, [line]))).toBe('exchange.outlet_excluded');
    expect(await codeOf(h.exchange(o.dearer!.order.number, [{ ...line, replacementSku: 'FR-OUE-M' }]))).toBe('exchange.outlet_excluded');
    expect(await codeOf(h.exchange(o.notDelivered!.order.number, [line]))).toBe('exchange.not_delivered');
    expect(await codeOf(h.exchange(o.dearer!.order.number, [{ ...line, replacementSku: 'NOPE' }]))).toBe('exchange.unknown_replacement');
    expect(await codeOf(h.exchange(o.dearer!.order.number, [{ ...line, quantity: 2 }]))).toBe('exchange.quantity_exceeds_line');
    expect(await codeOf(h.exchange(o.dearer!.order.number, [{ ...line, replacementSku: 'FR-IRO-S' }]))).toBe('exchange.same_variant');
    // FR-ARM-M: none at Angers.
    expect(await codeOf(h.exchange(o.dearer!.order.number, [line], { storeCode: 'angers-ralliement' }))).toBe('exchange.not_in_stock');
    expect(await codeOf(h.exchange(o.dearer!.order.number, [line], { storeCode: 'warehouse' }))).toBe('location.not_found');
    expect(await h.exchangeRows()).toBe(0);
  });

  it('same product in another size, dearer now: nothing to pay; the store\'s stock of both sizes moves', async () => {
    await h.setPrice('FR-BRO-38', 9_500);
    const [before36, before38] = [await h.storeStock('FR-BRO-36'), await h.storeStock('FR-BRO-38')];
    const number = o.sameSize!.order.number;
    const done = await h.exchange(number, [{ position: 0, quantity: 1, replacementSku: 'FR-BRO-38' }]);
    expect(done).toMatchObject({
      number: `${number}-E1`,
      orderNumber: number,
      store: { code: STORE },
      returnSlip: number,
      currency: 'EUR',
      invoiced: 0,
      replacementTotal: 0,
      customerPays: 0,
      lost: 0,
      settlement: 'none',
      lines: [{ position: 0, sku: 'FR-BRO-36', quantity: 1, invoiced: 8_500, windowLastDay: '2026-12-24', sameProduct: true, replacement: { sku: 'FR-BRO-38', price: 9_500 } }],
    });
    expect(await h.storeStock('FR-BRO-36')).toBe(before36 + 1);
    expect(await h.storeStock('FR-BRO-38')).toBe(before38 - 1);
    expect((await storeExchangeOptions(t.ctx.db, { shopId: 'fr', orderNumber: number, now: await h.now() })).lines[0]).toMatchObject({ delivered: 1, exchangeable: 0 });
    // The unit is exchanged: not a second time.
    expect(await codeOf(h.exchange(number, [{ position: 0, quantity: 1, replacementSku: 'FR-BRO-40' }]))).toBe('exchange.quantity_exceeds_line');
    const mails = await h.emailsAbout(number);
    const mail = mails.find((m) => m.subject === `Votre échange en magasin ${number}-E1`)!;
    expect(mail.text).toContain('Le 1 décembre 2026, au magasin FR Nantes Graslin');
    expect(mail.text).toContain('1 × Veste en jean Brocéliande (36) → 1 × Veste en jean Brocéliande (38)');
    expect(mail.text).toContain('Aucune différence de prix à régler.');
  });

  it('another item, dearer: the excess is paid at the counter, to the cent', async () => {
    await h.setPrice('FR-ARM-M', 7_999);
    const number = o.dearer!.order.number;
    const preview = await previewStoreExchange(t.ctx.db, { shopId: 'fr', orderNumber: number, storeCode: STORE, returnSlipPresented: true, lines: [{ position: 0, quantity: 1, replacementSku: 'FR-ARM-M' }], now: await h.now() });
    expect(preview).toMatchObject({ invoiced: 4_500, replacementTotal: 7_999, customerPays: 3_499, lost: 0, settlement: 'paid_in_store' });
    const before = await h.storeStock('FR-ARM-M');
    const done = await h.exchange(number, [{ position: 0, quantity: 1, replacementSku: 'FR-ARM-M' }]);
    expect(done).toMatchObject({ invoiced: 4_500, replacementTotal: 7_999, customerPays: 3_499, lost: 0, settlement: 'paid_in_store', lines: [{ sameProduct: false }] });
    expect(await h.storeStock('FR-ARM-M')).toBe(before - 1);
    const mail = (await h.emailsAbout(number)).find((m) => m.subject.startsWith('Votre échange en magasin'))!;
    expect(mail.text).toContain('Complément réglé en magasin : 34,99');
  });

  it('another item, cheaper: the difference is lost — no refund, no credit', async () => {
    const number = o.cheaper!.order.number;
    const done = await h.exchange(number, [{ position: 0, quantity: 1, replacementSku: 'FR-CAB-ECR' }]);
    expect(done).toMatchObject({ invoiced: 8_500, replacementTotal: 3_900, customerPays: 0, lost: 4_600, settlement: 'lost' });
    const refunds = await t.ctx.db.selectFrom('order_refunds').select('id').where('order_id', '=', o.cheaper!.order.id).execute();
    expect(refunds).toEqual([]);
    const mail = (await h.emailsAbout(number)).find((m) => m.subject.startsWith('Votre échange en magasin'))!;
    expect(mail.text).toContain('n’est ni remboursée ni convertie en avoir');
    const [proof] = await listEvidence(t.ctx.db, 'fr', { subject: { type: 'order', id: number }, kinds: [STORE_EXCHANGE_RECORDED] });
    expect(proof!.data).toMatchObject({
      number,
      exchange: `${number}-E1`,
      rule: 'EX-2',
      store: STORE,
      returnSlip: number,
      lines: [{ position: 0, quantity: 1, invoiced: 8_500, possessionAt: '2026-11-24T10:30:00.000Z', windowLastDay: '2026-12-24', replacementSku: 'FR-CAB-ECR', replacementPrice: 3_900, sameProduct: false }],
      invoiced: 8_500,
      replacementTotal: 3_900,
      customerPaid: 0,
      lost: 4_600,
      settlement: 'lost',
    });
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'target']).where('action', '=', STORE_EXCHANGE_RECORDED).where('target', '=', `store_exchange:${number}-E1`).execute();
    expect(audit).toHaveLength(1);
  });

  it('day 30 (Thursday 24 December, 23:30 in Paris) is accepted; day 31 is refused with the last day', async () => {
    const number = o.window!.order.number;
    await h.moveTo('2026-12-24T22:30:00Z');
    const done = await h.exchange(number, [{ position: 0, quantity: 1, replacementSku: 'FR-FIN-MOU' }]);
    expect(done).toMatchObject({ number: `${number}-E1`, settlement: 'none', lines: [{ invoiced: 4_900, windowLastDay: '2026-12-24' }] });
    await h.moveTo('2026-12-24T23:00:00Z'); // midnight in Paris: 25 December
    const late = await h.exchange(number, [{ position: 0, quantity: 1, replacementSku: 'FR-FIN-MOU' }]).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(DomainError);
    expect((late as DomainError).code).toBe('exchange.window_closed');
    expect((late as DomainError).details).toMatchObject({ rule: 'EX-2', lastDay: '2026-12-24', field: 'lines.0.position' });
    expect(await listStoreExchangesOfOrder(t.ctx.db, { shopId: 'fr', orderNumber: number })).toHaveLength(1);
  });

  it('the evidence chain holds', async () => {
    expect(await verifyEvidenceChain(t.ctx.db, 'fr')).toMatchObject({ ok: true });
  });
});
