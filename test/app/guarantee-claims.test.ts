// Issue 6: guarantee claims (GU-1…GU-5) on the manual clock, through real
// orders paid on the sandbox PSP, shipped and delivered by the sandbox carrier:
// - EL: dead on arrival within 10 days (answer due 48 h later; the timer
//   alerts the merchant when it passes), refunded to the cent through the
//   executor; a repair (immobilisation + 6 months, shipping costs refunded);
//   the remedy overdue after 30 days (customer told, escalation to a refund);
//   a GU-5 refusal; a replacement imposed (new 2 years from its delivery); a
//   commercial claim in month 20 with photos; a second-hand item's 6 months;
//   a claim outside the legal guarantee refused with its dates; a hidden
//   defect's partial refund.
// - PF: conformity → replacement, or refund within the 30 days.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { sandboxCarrier } from '../../src/adapters/carrier/sandbox.js';
import { dispatchShipment } from '../../src/app/fulfilment.js';
import {
  decideGuaranteeClaim,
  fileGuaranteeClaim,
  guaranteeOptionsOf,
  listGuaranteeClaimsForStaff,
  recordItemReceived,
  recordItemReturned,
  refundRepairShipping,
  GUARANTEE_ANSWER_OVERDUE,
  GUARANTEE_CLAIM_DECIDED,
  GUARANTEE_CLAIM_FILED,
  type DecideGuaranteeInput,
  type FileGuaranteeClaimInput,
} from '../../src/app/guarantee-claims.js';
import { loadOrder } from '../../src/app/orders.js';
import { setStock } from '../../src/app/stock.js';
import { listEvidence, verifyEvidenceChain } from '../../src/store/evidence.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { codeOf } from '../support/errors.js';
import { ownerActor, shipOrder, track } from '../support/fulfilment.js';
import { payOnHostedPage, placeCardOrder, stockedVariant } from '../support/orders.js';
import { afterSales } from '../support/returns.js';

const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF defect photo'), Buffer.from([0xff, 0xd9])]);

function helpers(t: TestApp) {
  const { shopId, now, moveTo, dispatch, price } = afterSales(t);

  async function shippedOrder(input: { variantId: string; quantity: number; price?: number }) {
    if (input.price !== undefined) await price(input.variantId, input.price);
    const placed = await placeCardOrder(t, { variantId: input.variantId, quantity: input.quantity, method: 'standard' });
    await payOnHostedPage(t, placed.redirectUrl!);
    const shipment = await shipOrder(t, placed.order.number);
    await dispatch();
    return { order: placed.order, customerId: placed.customerId, shipment };
  }

  /** A second-hand variant (CAT-4 flag of the product), stocked. */
  async function secondHandVariant(): Promise<string> {
    const { rows } = await sql<{ id: string }>`
      SELECT v.id::text AS id FROM variants v JOIN products p ON p.id = v.product_id
       WHERE v.shop_id = ${shopId()} AND p.second_hand ORDER BY v.id LIMIT 1`.execute(t.ctx.db);
    const warehouse = await t.ctx.db.selectFrom('locations').select('code').where('shop_id', '=', shopId()).where('kind', '=', 'warehouse').executeTakeFirstOrThrow();
    await setStock(t.ctx.db, { shopId: shopId(), variantId: rows[0]!.id, levels: [{ locationCode: warehouse.code, quantity: 10 }], actor: { kind: 'system' }, now: await now() });
    return rows[0]!.id;
  }

  const file = async (o: { order: { number: string }; customerId: string }, input: Partial<Omit<FileGuaranteeClaimInput, 'shopId' | 'now' | 'orderNumber' | 'access'>>) =>
    fileGuaranteeClaim(t.ctx.db, {
      shopId: shopId(),
      orderNumber: o.order.number,
      position: 0,
      quantity: 1,
      kind: 'conformity',
      remedy: 'repair',
      description: 'Ne s’allume plus.',
      photos: [],
      access: { customerId: o.customerId },
      now: await now(),
      ...input,
    });

  const decide = async (number: string, input: Partial<Omit<DecideGuaranteeInput, 'shopId' | 'number' | 'actor' | 'now'>>) => {
    const actor = await ownerActor(t);
    const at = await now();
    return t.ctx.db.transaction().execute((tx) => decideGuaranteeClaim(tx, { shopId: shopId(), number, outcome: 'repair', actor, now: at, ...input }));
  };

  const step = async <T>(run: (tx: Parameters<typeof recordItemReceived>[0], base: { shopId: string; actor: Awaited<ReturnType<typeof ownerActor>>; now: Date }) => Promise<T>) => {
    const base = { shopId: shopId(), actor: await ownerActor(t), now: await now() };
    return t.ctx.db.transaction().execute((tx) => run(tx, base));
  };

  /** The emails about an order, once the outbox has sent them (DOC-5: stored as sent). */
  const emailsAbout = async (orderNumber: string) => {
    await dispatch();
    return t.ctx.db.selectFrom('emails').select(['subject', 'text', 'to_address']).where('related_id', '=', orderNumber).orderBy('id').execute();
  };
  const refundRow = (key: string) => t.ctx.db.selectFrom('order_refunds').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
  const options = async (orderNumber: string) => guaranteeOptionsOf(t.ctx.db, { shopId: shopId(), order: (await loadOrder(t.ctx.db, { shopId: shopId(), number: orderNumber }))!, now: await now() });

  return { shopId, now, moveTo, dispatch, shippedOrder, secondHandVariant, file, decide, step, emailsAbout, refundRow, options };
}

type Shipped = Awaited<ReturnType<ReturnType<typeof helpers>['shippedOrder']>>;

describe('EL: commercial guarantees on top of the legal ones (GU-1…GU-5)', () => {
  // Delivered Tue 1 September 2026 (Paris): dead on arrival until 11 September, commercial from 12 September.
  const t = useTestApp('el', { clockStart: '2026-08-31T08:00:00Z' });
  const h = helpers(t);
  const o: Record<string, Shipped> = {};

  it('ships and delivers the orders on 1 September 2026', async () => {
    const variantId = await stockedVariant(t, 80);
    for (const name of ['doa', 'repair', 'overdue', 'refuse', 'imposed', 'commercial', 'hidden']) o[name] = await h.shippedOrder({ variantId, quantity: 2, price: 12_999 });
    o.secondHand = await h.shippedOrder({ variantId: await h.secondHandVariant(), quantity: 1 });
    await h.moveTo('2026-09-01T10:00:00Z');
    for (const x of Object.values(o)) await track(t, x.shipment.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin', recipient: 'customer' });
    const opts = await h.options(o.doa!.order.number);
    expect(opts.lines[0]!.guarantees.map((g) => [g.kind, g.startsOn, g.lastDay, g.open])).toEqual([
      ['conformity', '2026-09-01', '2028-09-01', true],
      ['dead_on_arrival', '2026-09-01', '2026-09-11', true],
      ['commercial', '2026-09-12', '2029-09-11', false],
    ]);
    expect(opts.photosRequiredFor).toEqual(['commercial']);
  });

  it('GU-4 dead on arrival within 10 days: answer due 48 h later, remedy within 30 days', async () => {
    await h.moveTo('2026-09-03T10:00:00Z');
    expect(await codeOf(h.file(o.doa!, { kind: 'commercial', photos: [jpeg()] }))).toBe('guarantee.not_started'); // day 11 not yet
    expect(await codeOf(h.file(o.doa!, { kind: 'dead_on_arrival', remedy: 'cancel_sale' }))).toBe('guarantee.remedy_not_allowed');
    expect(await codeOf(h.file(o.doa!, { kind: 'dead_on_arrival', remedy: 'refund', quantity: 3 }))).toBe('guarantee.invalid_quantity');
    const claim = await h.file(o.doa!, { kind: 'dead_on_arrival', remedy: 'refund' });
    expect(claim).toMatchObject({
      number: `${o.doa!.order.number}-G1`,
      state: 'filed',
      kind: 'dead_on_arrival',
      coveredFrom: '2026-09-01',
      coveredUntil: '2026-09-11',
      answerDueAt: new Date('2026-09-05T10:00:00Z'),
      remedyDueOn: '2026-10-03',
      secondHand: false,
    });
    const [filed] = await listEvidence(t.ctx.db, 'el', { subject: { type: 'order', id: o.doa!.order.number }, kinds: [GUARANTEE_CLAIM_FILED] });
    expect(filed!.data).toMatchObject({ claim: claim.number, rule: 'GU-4', answerDueAt: '2026-09-05T10:00:00.000Z', remedyDueOn: '2026-10-03' });
    const [mail] = await h.emailsAbout(o.doa!.order.number).then((m) => m.filter((x) => x.subject.includes(claim.number)));
    expect(mail!.text).toContain('3 octobre 2026');
  });

  it('GU-4: the answer not given within 48 h alerts the merchant, once; the queue puts it first, flagged', async () => {
    await h.moveTo('2026-09-05T09:59:00Z');
    expect(await h.emailsAbout(o.doa!.order.number).then((m) => m.filter((x) => x.to_address === 'sav@voltaique.example'))).toHaveLength(0);
    await h.moveTo('2026-09-05T10:00:00Z');
    const alerts = (await h.emailsAbout(o.doa!.order.number)).filter((x) => x.to_address === 'sav@voltaique.example');
    expect(alerts.map((m) => m.subject)).toEqual([`[Garantie] Réponse en retard : ${o.doa!.order.number}-G1`]);
    expect(await listEvidence(t.ctx.db, 'el', { subject: { type: 'order', id: o.doa!.order.number }, kinds: [GUARANTEE_ANSWER_OVERDUE] })).toHaveLength(1);
    const queue = await listGuaranteeClaimsForStaff(t.ctx.db, { shopId: 'el', now: await h.now() });
    expect(queue[0]).toMatchObject({ number: `${o.doa!.order.number}-G1`, answerOverdue: true, unitsPrice: 12_999 });
  });

  it('GU-4 refund: the unit at its price to the cent through the executor, due within 14 days', async () => {
    const decided = await h.decide(`${o.doa!.order.number}-G1`, { outcome: 'refund' });
    expect(decided).toMatchObject({ state: 'refunded', decision: { outcome: 'refund', refund: { amount: 12_999, dueOn: '2026-09-19' } } });
    expect(await h.refundRow(`guarantee:${decided.number}`)).toMatchObject({ reason: 'guarantee', amount_minor: '12999', due_on: '2026-09-19' });
    // DOC-1 (finding C3): the refunded unit is credited on the invoice.
    const [note] = await t.ctx.db.selectFrom('invoices').select(['total_minor', 'content']).where('kind', '=', 'credit_note').where('key', '=', `guarantee:${decided.number}`).execute();
    expect(Number(note!.total_minor)).toBe(12_999);
    expect(note!.content).toMatchObject({ reason: { fr: `Garantie ${decided.number}` }, lines: [{ kind: 'goods', position: 0, quantity: 1, amount: 12_999, vatRateBasisPoints: 2_000 }] });
    const [event] = await listEvidence(t.ctx.db, 'el', { subject: { type: 'order', id: o.doa!.order.number }, kinds: [GUARANTEE_CLAIM_DECIDED] });
    expect(event!.data).toMatchObject({ outcome: 'refund', refund: 12_999, refundDueOn: '2026-09-19' });
    expect(await codeOf(h.decide(decided.number, { outcome: 'refund' }))).toBe('guarantee.illegal_transition');
    await h.moveTo('2026-09-11T21:59:00Z'); // the last minute of the dead-on-arrival window, Paris
    expect((await h.file(o.doa!, { kind: 'dead_on_arrival', remedy: 'replace' })).coveredUntil).toBe('2026-09-11');
    await h.moveTo('2026-09-11T22:00:00Z');
    // One unit refunded, the other under G2: nothing left to claim on this order (src/app/settled-units.ts).
    expect(await codeOf(h.file(o.doa!, { kind: 'dead_on_arrival', remedy: 'replace' }))).toBe('guarantee.invalid_quantity');
    expect(await codeOf(h.file(o.commercial!, { kind: 'dead_on_arrival', remedy: 'replace' }))).toBe('guarantee.expired'); // delivered the same day
  });

  it('GU-1 repair: immobilisation suspends, the repair extends by 6 months; shipping costs refunded within 14 days', async () => {
    await h.moveTo('2026-09-12T09:00:00Z');
    const claim = await h.file(o.repair!, { kind: 'conformity', remedy: 'repair' });
    expect(claim).toMatchObject({ coveredUntil: '2028-09-01', presumptionUntil: '2028-09-01', answerDueAt: null, remedyDueOn: '2026-10-12' });
    await h.decide(claim.number, { outcome: 'repair' });
    expect(await codeOf(h.step((tx, b) => recordItemReturned(tx, { ...b, number: claim.number })))).toBe('guarantee.illegal_transition');
    await h.moveTo('2026-09-14T09:00:00Z');
    await h.step((tx, b) => recordItemReceived(tx, { ...b, number: claim.number }));
    await h.moveTo('2026-09-28T15:00:00Z');
    const back = await h.step((tx, b) => recordItemReturned(tx, { ...b, number: claim.number }));
    expect(back).toMatchObject({ state: 'repaired', guaranteeUntil: '2029-03-15' }); // 1 September 2028 + 14 days immobilised + 6 months
    const opts = await h.options(o.repair!.order.number);
    expect(opts.lines[0]!.guarantees.find((g) => g.kind === 'conformity')!.lastDay).toBe('2029-03-15');
    const shipped = await h.step((tx, b) => refundRepairShipping(tx, { ...b, number: claim.number, amount: 690 }));
    expect(shipped.shippingRefund).toMatchObject({ amount: 690, dueOn: '2026-10-12' });
    expect(await h.refundRow(`guarantee_shipping:${claim.number}`)).toMatchObject({ reason: 'guarantee', rule: 'GU-1', amount_minor: '690' });
    // DOC-1 (finding C3): credited on the invoice as an amount at the line's rate (EL: 20 %).
    const [note] = await t.ctx.db.selectFrom('invoices').select(['total_minor', 'content']).where('kind', '=', 'credit_note').where('key', '=', `guarantee_shipping:${claim.number}`).execute();
    expect(Number(note!.total_minor)).toBe(690);
    expect((note!.content as { lines: unknown[] }).lines).toEqual([{ kind: 'other', position: null, sku: null, quantity: 1, amount: 690, vatRateBasisPoints: 2_000, description: { fr: 'Frais d’envoi de la réparation remboursés', en: 'Repair shipping costs refunded' } }]);
    expect(await codeOf(h.step((tx, b) => refundRepairShipping(tx, { ...b, number: claim.number, amount: 690 })))).toBe('guarantee.illegal_transition');
  });

  it('GU-5: a refusal with its reason and exclusion, emailed; the customer may then ask a price reduction', async () => {
    const claim = await h.file(o.refuse!, {});
    const refused = await h.decide(claim.number, { outcome: 'refuse', reason: 'Traces de chute sur la coque.', exclusion: 'accident' });
    expect(refused).toMatchObject({ state: 'refused', decision: { outcome: 'refuse', reason: 'Traces de chute sur la coque.', exclusion: 'accident' } });
    const mail = (await h.emailsAbout(o.refuse!.order.number)).find((m) => m.subject === `Garantie ${claim.number} : réponse`)!;
    expect(mail.text).toContain('Motif : Traces de chute sur la coque.');
    expect(mail.text).toContain('dommage accidentel');
  });

  it('GU-1: a repair not done within 30 days → the customer is told, then terminates (refund)', async () => {
    const claim = await h.file(o.overdue!, {}); // filed 28 September: due 28 October
    expect(claim.remedyDueOn).toBe('2026-10-28');
    await h.decide(claim.number, { outcome: 'repair' });
    expect(await codeOf(h.decide(claim.number, { outcome: 'refund' }))).toBe('guarantee.remedy_not_overdue');
    await h.moveTo('2026-10-28T23:00:00Z'); // end of 28 October in Paris (winter time)
    const subjects = (await h.emailsAbout(o.overdue!.order.number)).map((m) => m.subject);
    expect(subjects).toContain(`Garantie ${claim.number} : délai de 30 jours dépassé`);
    expect(subjects).toContain(`[Garantie] Délai de solution dépassé : ${claim.number}`);
    const refunded = await h.decide(claim.number, { outcome: 'refund' });
    expect(refunded).toMatchObject({ state: 'refunded', decision: { refund: { amount: 12_999, dueOn: '2026-11-12' } } });
  });

  it('GU-1: a replacement imposed instead of the repair asked → a replacement parcel, then a new 2-year guarantee from its delivery', async () => {
    const claim = await h.file(o.imposed!, { remedy: 'repair' });
    const replaced = await h.decide(claim.number, { outcome: 'replace' });
    expect(replaced).toMatchObject({ state: 'replaced', decision: { replacementImposed: true, replacementShipment: `${o.imposed!.order.number}-2`, refund: null } });
    const parcel = await sandboxCarrier('http://shop.test').createParcel({ idempotencyKey: `${o.imposed!.order.number}-2`, carrierName: 'UPS Standard', methodKind: 'home_standard', destination: { country: 'FR', postalCode: '75011' } });
    const actor = await ownerActor(t);
    const at = await h.now();
    const sent = await t.ctx.db.transaction().execute((tx) => dispatchShipment(tx, { shopId: 'el', shipmentNumber: `${o.imposed!.order.number}-2`, parcel, actor, now: at }));
    await h.moveTo('2026-11-02T10:00:00Z');
    await track(t, sent.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin', recipient: 'customer' });
    const opts = await h.options(o.imposed!.order.number);
    expect(opts.lines[0]!.guarantees.find((g) => g.kind === 'conformity')).toMatchObject({ startsOn: '2026-11-02', lastDay: '2028-11-02' });
  });

  it('GU-4 commercial in month 20: photos required, 36 months from day 11; second-hand: 6 months only', async () => {
    await h.moveTo('2028-05-05T10:00:00Z');
    expect(await codeOf(h.file(o.commercial!, { kind: 'commercial', remedy: 'repair' }))).toBe('guarantee.photos_required');
    const claim = await h.file(o.commercial!, { kind: 'commercial', remedy: 'repair', photos: [jpeg()] });
    expect(claim).toMatchObject({ coveredFrom: '2026-09-12', coveredUntil: '2029-09-11', answerDueAt: new Date('2028-05-07T10:00:00Z'), photos: [{ n: 1, contentType: 'image/jpeg' }] });
    const error = await h.file(o.secondHand!, { kind: 'commercial', photos: [jpeg()] }).catch((e: unknown) => e as { code: string; details: Record<string, unknown> });
    expect(error).toMatchObject({ code: 'guarantee.expired', details: { rule: 'GU-4', startsOn: '2026-09-12', lastDay: '2027-03-11' } });
    const legal = await h.file(o.secondHand!, { kind: 'conformity' }); // the legal guarantee still runs; presumption 12 months
    expect(legal).toMatchObject({ secondHand: true, coveredUntil: '2028-09-01', presumptionUntil: '2027-09-01' });
  });

  it('GU-1 ended → refused with its dates; GU-2 hidden defect: partial refund through the executor', async () => {
    await h.moveTo('2028-12-01T08:00:00Z');
    const error = await h.file(o.hidden!, { kind: 'conformity' }).catch((e: unknown) => e as { code: string; details: Record<string, unknown> });
    expect(error).toMatchObject({ code: 'guarantee.expired', details: { rule: 'GU-1', startsOn: '2026-09-01', lastDay: '2028-09-01' } });
    expect(await codeOf(h.file(o.hidden!, { kind: 'hidden_defect', remedy: 'partial_refund' }))).toBe('guarantee.discovery_date_required');
    const claim = await h.file(o.hidden!, { kind: 'hidden_defect', remedy: 'partial_refund', discoveredOn: '2028-11-20' });
    expect(claim).toMatchObject({ coveredFrom: '2028-11-20', coveredUntil: '2030-11-20', remedyDueOn: null, answerDueAt: null });
    expect(await codeOf(h.decide(claim.number, { outcome: 'repair' }))).toBe('guarantee.remedy_not_allowed');
    const decided = await h.decide(claim.number, { outcome: 'price_reduction', amount: 4_550 });
    expect(decided).toMatchObject({ state: 'refunded', decision: { outcome: 'price_reduction', refund: { amount: 4_550, dueOn: '2028-12-15' } } });
    expect(await h.refundRow(`guarantee:${claim.number}`)).toMatchObject({ reason: 'guarantee', rule: 'GU-2', amount_minor: '4550', due_on: '2028-12-15' });
    expect(await verifyEvidenceChain(t.ctx.db, 'el')).toMatchObject({ ok: true });
  });
});

describe('PF: replace with an identical product, else refund within 30 days (GU-3)', () => {
  const t = useTestApp('pf', { clockStart: '2026-11-02T09:00:00Z' });
  const h = helpers(t);
  const o: Record<string, Shipped> = {};

  it('conformity claims: a replacement parcel, or the refund due by the 30th day', async () => {
    const variantId = await stockedVariant(t, 20);
    o.replace = await h.shippedOrder({ variantId, quantity: 1, price: 8_990 });
    o.refund = await h.shippedOrder({ variantId, quantity: 3, price: 3_333 });
    await h.moveTo('2026-11-04T10:00:00Z');
    for (const x of Object.values(o)) await track(t, x.shipment.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin', recipient: 'customer' });
    await h.moveTo('2026-12-01T10:00:00Z');
    const a = await h.file(o.replace!, { remedy: 'replace' });
    expect(a.remedyDueOn).toBe('2026-12-31');
    expect(await h.decide(a.number, { outcome: 'replace' })).toMatchObject({ state: 'replaced', decision: { replacementImposed: false, replacementShipment: `${o.replace!.order.number}-2` } });
    const b = await h.file(o.refund!, { remedy: 'replace', quantity: 1 });
    await h.moveTo('2026-12-20T10:00:00Z'); // identical product out: refund — 14 days would be 3 January, the 30 days end 31 December
    const refunded = await h.decide(b.number, { outcome: 'refund' });
    expect(refunded.decision!.refund).toMatchObject({ amount: 3_333, dueOn: '2026-12-31' });
    expect(await h.refundRow(`guarantee:${b.number}`)).toMatchObject({ amount_minor: '3333', due_on: '2026-12-31' });
  });
});
