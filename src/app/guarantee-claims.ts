// Issue 6: guarantee claims (GU-1…GU-5).
//
// - fileGuaranteeClaim: the customer (signed in, or a guest with the order's
//   access token) claims for units of a delivered order line under a
//   guarantee — legal conformity (GU-1), hidden defect (GU-2, with the date of
//   discovery), EL's dead on arrival or commercial guarantee (GU-4, photos
//   where the policy asks) — with the remedy asked. Refused outside the
//   guarantee with its dates (src/domain/guarantees/coverage.ts). Frozen on the
//   claim: the possession date (the line's own parcels, never a replacement's), second-hand (CAT-4, from the order line), the
//   guarantee's last day and the clocks — the answer due (GU-4, timer
//   `guarantee.answer_due`) and the remedy due (GU-1 30 days / GU-3, timer
//   `guarantee.remedy_due`). One transaction: the claim, its photos, the
//   timers, the email, `guarantee_claim.filed` last.
// - decideGuaranteeClaim: staff (`returns.manage`) repair, replace (a
//   replacement parcel as SH-8 reship does, nothing charged), refund (the
//   units at their price to the cent) or reduce the price (an amount), or
//   refuse with a reason and the GU-5 exclusion; later, GU-1's escalation
//   (refused, overdue, defect persisting) to a price reduction or termination.
//   Money goes through `refundOrderAmount` (reason `guarantee`). A unit is
//   refunded once, whoever settled it (withdrawal, delivery claim, in-store
//   exchange, another claim: src/app/settled-units.ts, read under the order's
//   lock), and a line's refunds and price reductions never exceed its price.
// - recordItemReceived / recordItemReturned: the immobilisation of a repair
//   (GU-1 suspension); given back = repaired (+6 months).
// - refundRepairShipping: the shipping costs the customer paid for a
//   conformity repair (GU-1), within 14 days, its own refund key.
// - Timers: the answer or the remedy overdue → the merchant and the customer
//   are emailed, the claim marked (idempotent: re-checked under the locks).
//
// Locks, the engine's order: the order's payments → the order
// (`lockOrderWithPayments`) → the claim → stock rows → evidence head (last).
import { createHash } from 'node:crypto';
import { plainDateIn } from '../domain/calendar/period-end.js';
import { DomainError } from '../domain/errors.js';
import { checkClaimPhotos } from '../domain/fulfilment/delivery-claims.js';
import { lineAmountFor } from '../domain/fulfilment/fulfilment-plan.js';
import {
  AWAITING_REMEDY,
  checkDecision,
  checkGuaranteeDescription,
  checkRemedyAsked,
  escalationOpen,
  refundDueOn,
  remediesFor,
  type Exclusion,
  type GuaranteeClaimState,
  type GuaranteeOutcome,
  type RemedyAsked,
} from '../domain/guarantees/claims.js';
import {
  claimClocks,
  conformitySpan,
  coverageFor,
  guaranteesOfLine,
  immobilisedDays,
  isGuaranteeKind,
  GUARANTEE_KINDS,
  type Calendar,
  type GuaranteeKind,
  type LineHistoryEvent,
  type Span,
} from '../domain/guarantees/coverage.js';
import type { Currency } from '../domain/money.js';
import type { Policy } from '../policy/schema.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import { inTransaction, type Queryable, type Tx } from '../store/db.js';
import { appendEvidence, type EvidenceData } from '../store/evidence.js';
import { cancelTimer, scheduleTimer, type DueTimer } from '../store/timers.js';
import { takeReplacementStock, type ClaimAccess } from './delivery-claims.js';
import { queueEmail } from './emails.js';
import { packShipment } from './fulfilment.js';
import { guaranteeDecidedEmail, guaranteeFiledEmail, guaranteeItemEmail, merchantAlertEmail, remedyOverdueEmail, shippingRefundEmail, type ClaimFacts } from './guarantee-emails.js';
import { refundOrderAmount, type SettledPayment } from './order-refunds.js';
import { getOrderFor, lockOrderWithPayments, policyOfOrder, type Order } from './orders.js';
import { settledUnits, unitsLeft, unitsMoney } from './settled-units.js';

export const GUARANTEE_CLAIM_FILED = 'guarantee_claim.filed';
export const GUARANTEE_CLAIM_DECIDED = 'guarantee_claim.decided';
export const GUARANTEE_ITEM_RECEIVED = 'guarantee_claim.item_received';
export const GUARANTEE_ITEM_RETURNED = 'guarantee_claim.item_returned';
export const GUARANTEE_SHIPPING_REFUNDED = 'guarantee_claim.shipping_refunded';
export const GUARANTEE_ANSWER_OVERDUE = 'guarantee_claim.answer_overdue';
export const GUARANTEE_REMEDY_OVERDUE = 'guarantee_claim.remedy_overdue';

/** Timer kinds (src/jobs/timer-kinds.ts). */
export const GUARANTEE_ANSWER_DUE_TIMER = 'guarantee.answer_due';
export const GUARANTEE_REMEDY_DUE_TIMER = 'guarantee.remedy_due';
const answerTimerKey = (shopId: string, number: string) => `${GUARANTEE_ANSWER_DUE_TIMER}:${shopId}:${number}`;
const remedyTimerKey = (shopId: string, number: string) => `${GUARANTEE_REMEDY_DUE_TIMER}:${shopId}:${number}`;

export type MoneyBack = { amount: number; currency: Currency; dueOn: string | null; settlement: SettledPayment[] };

export type GuaranteeClaim = ClaimFacts & {
  id: string;
  orderNumber: string;
  currency: Currency;
  position: number;
  sku: string;
  secondHand: boolean;
  description: string;
  discoveredOn: string | null;
  state: GuaranteeClaimState;
  filedAt: Date;
  deliveredAt: Date;
  coveredFrom: string;
  presumptionUntil: string | null;
  remedyDueAt: Date | null;
  answerOverdueAt: Date | null;
  remedyOverdueAt: Date | null;
  receivedAt: Date | null;
  returnedAt: Date | null;
  photos: { n: number; contentType: string; size: number; sha256: string }[];
  decision: {
    outcome: GuaranteeOutcome;
    decidedAt: Date;
    reason: string | null;
    exclusion: Exclusion | null;
    replacementImposed: boolean;
    replacementShipment: string | null;
    refund: MoneyBack | null;
  } | null;
  shippingRefund: MoneyBack | null;
};

export type GuaranteeClaimForStaff = GuaranteeClaim & {
  customerEmail: string;
  filedBy: string;
  decidedBy: string | null;
  /** What the claimed units cost (minor units): no refund or price reduction gives back more (the decision caps it further by what the line gave back already, `claimMoney`). */
  unitsPrice: number;
};

const calendarOf = (policy: Pick<Policy, 'shop'>, order: Pick<Order, 'deliveryAddress'>): Calendar => ({ timeZone: policy.shop.timeZone, place: { country: order.deliveryAddress.country } });
const proofRule = (kind: GuaranteeKind) => (kind === 'hidden_defect' ? 'GU-2' : 'GU-1');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const numberPattern = /^[A-Za-z0-9-]{1,60}$/;

// ---------------------------------------------------------------------------
// Reading

type Where = { shopId: string; number?: string; orderId?: string; states?: readonly GuaranteeClaimState[] };

async function claimsWhere(q: Queryable, where: Where): Promise<GuaranteeClaimForStaff[]> {
  if (where.number !== undefined && !numberPattern.test(where.number)) return [];
  let query = q
    .selectFrom('guarantee_claims as c')
    .innerJoin('orders as o', 'o.id', 'c.order_id')
    .innerJoin('order_lines as l', (j) => j.onRef('l.order_id', '=', 'c.order_id').onRef('l.position', '=', 'c.position'))
    .innerJoin('shipments as s', 's.id', 'c.shipment_id')
    .leftJoin('shipments as r', 'r.id', 'c.replacement_shipment_id')
    .leftJoin('order_refunds as f', (j) => j.onRef('f.shop_id', '=', 'c.shop_id').onRef('f.key', '=', 'c.refund_key'))
    .leftJoin('order_refunds as g', (j) => j.onRef('g.shop_id', '=', 'c.shop_id').onRef('g.key', '=', 'c.shipping_refund_key'))
    .selectAll('c')
    .select([
      'o.number as order_number', 'o.currency', 'o.email', 'l.sku', 'l.name_fr', 'l.name_en', 'l.quantity as line_quantity', 'l.total_minor',
      's.number as shipment_number', 'r.number as replacement_number',
      'f.amount_minor as refund_amount', 'f.due_on as refund_due_on', 'f.settlement as refund_settlement',
      'g.amount_minor as shipping_amount', 'g.due_on as shipping_due_on', 'g.settlement as shipping_settlement',
    ])
    .where('c.shop_id', '=', where.shopId);
  if (where.number !== undefined) query = query.where('c.number', '=', where.number);
  if (where.orderId !== undefined) query = query.where('c.order_id', '=', where.orderId);
  if (where.states !== undefined && where.states.length > 0) query = query.where('c.state', 'in', [...where.states]);
  const rows = await query.orderBy('c.filed_at', 'desc').orderBy('c.id', 'desc').limit(500).execute();
  if (rows.length === 0) return [];
  const photos = await q.selectFrom('guarantee_claim_photos').select(['claim_id', 'n', 'content_type', 'size_bytes', 'sha256']).where('claim_id', 'in', rows.map((r) => r.id)).orderBy('n').execute();
  return rows.map((r) => {
    const currency = r.currency as Currency;
    const money = (amount: string | null, dueOn: string | null, settlement: unknown): MoneyBack | null =>
      amount === null ? null : { amount: Number(amount), currency, dueOn, settlement: (settlement ?? []) as SettledPayment[] };
    return {
      id: r.id,
      number: r.number,
      orderNumber: r.order_number,
      currency,
      position: r.position,
      sku: r.sku,
      name: { fr: r.name_fr, en: r.name_en },
      quantity: r.quantity,
      secondHand: r.second_hand,
      kind: r.kind,
      remedyAsked: r.remedy_asked,
      description: r.description,
      discoveredOn: r.discovered_on,
      state: r.state,
      filedAt: r.filed_at,
      deliveredAt: r.delivered_at,
      shipmentNumber: r.shipment_number,
      coveredFrom: r.covered_from,
      coveredUntil: r.covered_until,
      presumptionUntil: r.presumption_until,
      answerDueAt: r.answer_due_at,
      remedyDueOn: r.remedy_due_on,
      remedyDueAt: r.remedy_due_at,
      answerOverdueAt: r.answer_overdue_at,
      remedyOverdueAt: r.remedy_overdue_at,
      receivedAt: r.received_at,
      returnedAt: r.returned_at,
      photos: photos.filter((p) => p.claim_id === r.id).map((p) => ({ n: p.n, contentType: p.content_type, size: p.size_bytes, sha256: p.sha256 })),
      decision:
        r.outcome === null || r.decided_at === null
          ? null
          : {
              outcome: r.outcome,
              decidedAt: r.decided_at,
              reason: r.refuse_reason,
              exclusion: r.exclusion,
              replacementImposed: r.replacement_imposed,
              replacementShipment: r.replacement_number,
              refund: money(r.refund_amount, r.refund_due_on, r.refund_settlement),
            },
      shippingRefund: money(r.shipping_amount, r.shipping_due_on, r.shipping_settlement),
      customerEmail: r.email,
      filedBy: r.filed_by,
      decidedBy: r.decided_by,
      unitsPrice: lineAmountFor({ quantity: r.line_quantity, total: Number(r.total_minor) }, 0, r.quantity),
    };
  });
}

const forCustomer = ({ customerEmail: _e, filedBy: _f, decidedBy: _d, unitsPrice: _u, ...claim }: GuaranteeClaimForStaff): GuaranteeClaim => claim;

/** The guarantee claims of an order for whoever may read it (`order.not_found` otherwise), newest first. */
export async function listGuaranteeClaimsOfOrder(q: Queryable, input: { shopId: string; orderNumber: string; access: ClaimAccess }): Promise<GuaranteeClaim[]> {
  const order = await getOrderFor(q, { shopId: input.shopId, number: input.orderNumber, customerId: input.access.customerId ?? null, accessToken: input.access.accessToken ?? null });
  return (await claimsWhere(q, { shopId: input.shopId, orderId: order.id })).map(forCustomer);
}

/** One claim for whoever may read its order (`guarantee.not_found` otherwise, never "forbidden"). */
export async function getGuaranteeClaimFor(q: Queryable, input: { shopId: string; number: string; access: ClaimAccess }): Promise<GuaranteeClaim> {
  const [claim] = await claimsWhere(q, { shopId: input.shopId, number: input.number });
  const notFound = () => new DomainError('guarantee.not_found', { field: 'number' }, 'No such guarantee claim.');
  if (!claim) throw notFound();
  try {
    await getOrderFor(q, { shopId: input.shopId, number: claim.orderNumber, customerId: input.access.customerId ?? null, accessToken: input.access.accessToken ?? null });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'order.not_found') throw notFound();
    throw error;
  }
  return forCustomer(claim);
}

export async function getGuaranteeClaimForStaff(q: Queryable, input: { shopId: string; number: string }): Promise<GuaranteeClaimForStaff> {
  const [claim] = await claimsWhere(q, { shopId: input.shopId, number: input.number });
  if (!claim) throw new DomainError('guarantee.not_found', { field: 'number' }, 'No such guarantee claim.');
  return claim;
}

export type QueuedClaim = GuaranteeClaimForStaff & { answerOverdue: boolean; remedyOverdue: boolean };

/**
 * The back office's queue: claims waiting for an answer or a remedy first —
 * the earliest answer due first (then the earliest remedy due), overdue ones
 * flagged — then the settled ones, newest first.
 */
export async function listGuaranteeClaimsForStaff(q: Queryable, input: { shopId: string; state?: GuaranteeClaimState | 'all' | undefined; now: Date }): Promise<QueuedClaim[]> {
  const states = input.state === undefined || input.state === 'all' ? undefined : [input.state];
  const claims = (await claimsWhere(q, { shopId: input.shopId, ...(states ? { states } : {}) })).map((c) => ({
    ...c,
    answerOverdue: c.state === 'filed' && c.answerDueAt !== null && input.now.getTime() >= c.answerDueAt.getTime(),
    remedyOverdue: AWAITING_REMEDY.includes(c.state) && c.remedyDueAt !== null && input.now.getTime() >= c.remedyDueAt.getTime(),
  }));
  const far = Number.MAX_SAFE_INTEGER;
  const key = (c: QueuedClaim) => [c.state === 'filed' ? (c.answerDueAt?.getTime() ?? far) : far, c.remedyDueAt?.getTime() ?? far, c.filedAt.getTime()] as const;
  const open = claims.filter((c) => AWAITING_REMEDY.includes(c.state)).sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  return [...open, ...claims.filter((c) => !AWAITING_REMEDY.includes(c.state))];
}

// ---------------------------------------------------------------------------
// The delivered lines and their guarantees

/** GU-1: what earlier claims did to the line's guarantee — immobilisation, repairs, replacements imposed and delivered — oldest first. */
async function lineHistory(q: Queryable, orderId: string, position: number, calendar: Calendar): Promise<LineHistoryEvent[]> {
  const rows = await q
    .selectFrom('guarantee_claims as c')
    .leftJoin('shipments as r', 'r.id', 'c.replacement_shipment_id')
    .select(['c.kind', 'c.outcome', 'c.state', 'c.received_at', 'c.returned_at', 'c.replacement_imposed', 'r.delivered_at as replacement_delivered_at'])
    .where('c.order_id', '=', orderId)
    .where('c.position', '=', position)
    .execute();
  const events: { at: number; event: LineHistoryEvent }[] = [];
  for (const r of rows) {
    if (r.received_at !== null && r.returned_at !== null) {
      events.push({ at: r.returned_at.getTime(), event: { kind: 'immobilised', days: immobilisedDays({ receivedAt: r.received_at, returnedAt: r.returned_at, calendar }) } });
      if (r.kind === 'conformity' && r.state === 'repaired') events.push({ at: r.returned_at.getTime(), event: { kind: 'repaired', at: r.returned_at } });
    }
    if (r.kind === 'conformity' && r.replacement_imposed && r.replacement_delivered_at !== null) {
      events.push({ at: r.replacement_delivered_at.getTime(), event: { kind: 'replaced_imposed', deliveredAt: r.replacement_delivered_at } });
    }
  }
  return events.sort((a, b) => a.at - b.at).map((e) => e.event);
}

export type GuaranteeLine = {
  position: number;
  sku: string;
  name: { fr: string; en: string };
  secondHand: boolean;
  deliveredAt: Date;
  /** Units that may be claimed now: received, not returned, exchanged or refunded (src/app/settled-units.ts), not under an open claim. */
  claimable: number;
  guarantees: (Span & { open: boolean })[];
  /** The kinds a claim may name now (hidden defects: always, within 2 years of the discovery). */
  kinds: GuaranteeKind[];
  remedies: Record<GuaranteeKind, string[]>;
};

export type GuaranteeOptions = { lines: GuaranteeLine[]; photosRequiredFor: GuaranteeKind[] };

/** What the customer may claim about an order now (the caller checked they may read it). */
export async function guaranteeOptionsOf(q: Queryable, input: { shopId: string; order: Order; now: Date }): Promise<GuaranteeOptions> {
  const { order, now } = input;
  const policy = await policyOfOrder(q, input.shopId, order.policyHash);
  const calendar = calendarOf(policy, order);
  const [settled, flags, open] = await Promise.all([
    settledUnits(q, order.id),
    q.selectFrom('order_lines').select(['position', 'second_hand']).where('order_id', '=', order.id).execute(),
    openUnits(q, order.id),
  ]);
  const lines: GuaranteeLine[] = [];
  for (const d of settled.values()) {
    const line = order.lines.find((l) => l.position === d.position);
    if (!line || d.possessionAt === null) continue;
    const secondHand = flags.find((f) => f.position === d.position)?.second_hand ?? false;
    const history = await lineHistory(q, order.id, d.position, calendar);
    const spans = guaranteesOfLine({ policy, deliveredAt: d.possessionAt, secondHand, history, calendar });
    const today = plainDateIn(calendar.timeZone, now).toString();
    const guarantees = spans.map((s) => ({ ...s, open: today >= s.startsOn && now.getTime() < s.dueAt.getTime() }));
    const kinds = GUARANTEE_KINDS.filter((k) => k === 'hidden_defect' || guarantees.some((g) => g.kind === k && g.open));
    lines.push({
      position: d.position,
      sku: line.sku,
      name: line.name,
      secondHand,
      deliveredAt: d.possessionAt,
      claimable: Math.max(0, unitsLeft(d, 'guarantee') - (open.get(d.position) ?? 0)),
      guarantees,
      kinds,
      remedies: Object.fromEntries(GUARANTEE_KINDS.map((k) => [k, remediesFor(policy, k)])) as Record<GuaranteeKind, string[]>,
    });
  }
  return { lines, photosRequiredFor: policy.guarantees.commercial?.photosRequired ? ['commercial'] : [] };
}

/** Units of each line under a claim still waiting for its remedy. */
async function openUnits(q: Queryable, orderId: string): Promise<Map<number, number>> {
  const rows = await q
    .selectFrom('guarantee_claims')
    .select(['position', (eb) => eb.fn.sum<string>('quantity').as('units')])
    .where('order_id', '=', orderId)
    .where('state', 'in', [...AWAITING_REMEDY])
    .groupBy('position')
    .execute();
  return new Map(rows.map((r) => [r.position, Number(r.units)]));
}

// ---------------------------------------------------------------------------
// Filing (the customer)

export type FileGuaranteeClaimInput = {
  shopId: string;
  orderNumber: string;
  position: number;
  quantity: number;
  kind: string;
  remedy: string;
  description: string;
  /** GU-2: the day the customer discovered the defect (YYYY-MM-DD). */
  discoveredOn?: string | null | undefined;
  photos: readonly Uint8Array[];
  access: ClaimAccess;
  now: Date;
};

/** Files a claim (see the header). Refusals name the field and the rule; nothing is written then. */
export async function fileGuaranteeClaim(db: Queryable, input: FileGuaranteeClaimInput): Promise<GuaranteeClaim> {
  const { shopId, now } = input;
  if (!isGuaranteeKind(input.kind)) throw new DomainError('guarantee.invalid_kind', { field: 'kind', allowed: [...GUARANTEE_KINDS] });
  const kind = input.kind;
  const description = checkGuaranteeDescription(input.description);
  return inTransaction(db, async (tx) => {
    await getOrderFor(tx, { shopId, number: input.orderNumber, customerId: input.access.customerId ?? null, accessToken: input.access.accessToken ?? null });
    const { order } = await lockOrderWithPayments(tx, shopId, input.orderNumber);
    const policy = await policyOfOrder(tx, shopId, order.policyHash);
    const calendar = calendarOf(policy, order);
    const remedy: RemedyAsked = checkRemedyAsked(policy, kind, input.remedy);
    // GU-4 (EL): commercial claims come with photos; elsewhere photos are welcome, checked the same way (SH-8's rules).
    const photosRequired = kind === 'commercial' && policy.guarantees.commercial?.photosRequired === true;
    if (photosRequired && input.photos.length === 0) throw new DomainError('guarantee.photos_required', { field: 'photos', rule: 'GU-4' }, 'Add at least one photo of the defect.');
    const photos = checkClaimPhotos(input.photos, { required: false });

    const line = order.lines.find((l) => l.position === input.position);
    if (!line) throw new DomainError('guarantee.unknown_line', { field: 'position', position: input.position }, 'This item is not in the order.');
    const delivered = (await settledUnits(tx, order.id)).get(input.position);
    if (!delivered?.possessionAt || !delivered.parcel) throw new DomainError('guarantee.line_not_delivered', { field: 'position', rule: 'GU-1' }, 'A guarantee claim is about an item you received: this one is not recorded as delivered.');
    const left = unitsLeft(delivered, 'guarantee') - ((await openUnits(tx, order.id)).get(input.position) ?? 0);
    if (!Number.isSafeInteger(input.quantity) || input.quantity < 1 || input.quantity > left) {
      throw new DomainError('guarantee.invalid_quantity', { field: 'quantity', available: Math.max(0, left) }, `At most ${Math.max(0, left)} unit(s) of this item can be claimed now.`);
    }
    const flags = await tx.selectFrom('order_lines').select('second_hand').where('order_id', '=', order.id).where('position', '=', input.position).executeTakeFirstOrThrow();
    const history = await lineHistory(tx, order.id, input.position, calendar);
    const span = coverageFor({ policy, kind, deliveredAt: delivered.possessionAt, secondHand: flags.second_hand, history, discoveredOn: input.discoveredOn ?? null, at: now, calendar });
    const clocks = claimClocks({ policy, kind, filedAt: now, calendar });

    const count = await tx.selectFrom('guarantee_claims').select((eb) => eb.fn.countAll<string>().as('n')).where('order_id', '=', order.id).executeTakeFirstOrThrow();
    const number = `${order.number}-G${Number(count.n) + 1}`;
    const filedBy = input.access.customerId ? `customer:${input.access.customerId}` : 'guest';
    const row = await tx
      .insertInto('guarantee_claims')
      .values({
        shop_id: shopId,
        order_id: order.id,
        number,
        position: input.position,
        quantity: input.quantity,
        kind,
        remedy_asked: remedy,
        description,
        discovered_on: kind === 'hidden_defect' ? span.startsOn : null,
        second_hand: flags.second_hand,
        shipment_id: delivered.parcel.id,
        delivered_at: delivered.possessionAt,
        covered_from: span.startsOn,
        covered_until: span.lastDay,
        presumption_until: span.presumptionLastDay,
        filed_at: now,
        filed_by: filedBy,
        answer_due_at: clocks.answerDueAt,
        remedy_due_on: clocks.remedyLastDay,
        remedy_due_at: clocks.remedyDueAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const stored = input.photos.map((bytes, i) => ({ n: i + 1, type: photos[i]!.type, size: photos[i]!.size, sha256: sha256(bytes), bytes }));
    for (const p of stored) {
      await tx.insertInto('guarantee_claim_photos').values({ claim_id: row.id, n: p.n, content_type: p.type, size_bytes: p.size, sha256: p.sha256, content: Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength) }).execute();
    }
    if (clocks.answerDueAt) await scheduleTimer(tx, { shopId, kind: GUARANTEE_ANSWER_DUE_TIMER, key: answerTimerKey(shopId, number), dueAt: clocks.answerDueAt, payload: { number } }, now);
    if (clocks.remedyDueAt) await scheduleTimer(tx, { shopId, kind: GUARANTEE_REMEDY_DUE_TIMER, key: remedyTimerKey(shopId, number), dueAt: clocks.remedyDueAt, payload: { number } }, now);
    const claim = forCustomer((await claimsWhere(tx, { shopId, number }))[0]!);
    await queueEmail(tx, { shopId, key: `${GUARANTEE_CLAIM_FILED}:${shopId}:${number}`, email: guaranteeFiledEmail(order, claim, policy.shop.timeZone) }, now);
    await appendEvidence(tx, {
      shopId,
      kind: GUARANTEE_CLAIM_FILED,
      subject: { type: 'order', id: order.number },
      actor: filedBy,
      data: {
        number: order.number,
        claim: number,
        kind,
        rule: span.rule,
        remedyAsked: remedy,
        position: input.position,
        quantity: input.quantity,
        secondHand: flags.second_hand,
        deliveredAt: delivered.possessionAt.toISOString(),
        discoveredOn: input.kind === 'hidden_defect' ? span.startsOn : null,
        coveredFrom: span.startsOn,
        coveredUntil: span.lastDay,
        presumptionUntil: span.presumptionLastDay,
        answerDueAt: clocks.answerDueAt?.toISOString() ?? null,
        remedyDueOn: clocks.remedyLastDay,
        remedyRule: clocks.rule,
        photos: stored.map((p) => ({ n: p.n, contentType: p.type, size: p.size, sha256: p.sha256 })),
      },
      at: now,
    });
    return claim;
  });
}

// ---------------------------------------------------------------------------
// Staff

type Locked = { order: Order; payments: Awaited<ReturnType<typeof lockOrderWithPayments>>['payments']; claim: GuaranteeClaimForStaff; policy: Policy; calendar: Calendar };

/** The engine's lock order: payments → order → the claim row. */
async function lockClaim(tx: Tx, shopId: string, number: string): Promise<Locked> {
  const found = await getGuaranteeClaimForStaff(tx, { shopId, number });
  const { order, payments } = await lockOrderWithPayments(tx, shopId, found.orderNumber);
  await tx.selectFrom('guarantee_claims').select('id').where('id', '=', found.id).forUpdate().executeTakeFirstOrThrow();
  const claim = await getGuaranteeClaimForStaff(tx, { shopId, number });
  const policy = await policyOfOrder(tx, shopId, order.policyHash);
  return { order, payments, claim, policy, calendar: calendarOf(policy, order) };
}

export type DecideGuaranteeInput = {
  shopId: string;
  number: string;
  outcome: string;
  reason?: string | null | undefined;
  exclusion?: string | null | undefined;
  /** price_reduction: the amount (minor units). */
  amount?: number | null | undefined;
  /** GU-1: the merchant judges the defect minor (no termination then). */
  minorDefect?: boolean | undefined;
  actor: Actor;
  now: Date;
};

/** The merchant's decision (see the header and `checkDecision`). */
export async function decideGuaranteeClaim(tx: Tx, input: DecideGuaranteeInput): Promise<GuaranteeClaimForStaff> {
  const { shopId, now } = input;
  const { order, payments, claim, policy, calendar } = await lockClaim(tx, shopId, input.number);
  const line = order.lines.find((l) => l.position === claim.position)!;
  // GU-1 / GU-2: the most a refund or a price reduction of the claimed units may give back now (the units still the customer's).
  const money = unitsMoney(line, (await settledUnits(tx, order.id)).get(claim.position)!, claim.quantity, 'guarantee');
  const unitsPrice = money.amount;
  const decision = checkDecision({
    from: claim.state,
    kind: claim.kind,
    remedyAsked: claim.remedyAsked as RemedyAsked,
    outcome: input.outcome,
    reason: input.reason,
    exclusion: input.exclusion,
    amount: input.amount,
    // Units no longer the customer's: the price is not what bounds the amount (refused below).
    unitsPrice: claim.quantity > money.available ? claim.unitsPrice : unitsPrice,
    minorDefect: input.minorDefect,
    remedyOverdue: claim.remedyDueAt !== null && now.getTime() >= claim.remedyDueAt.getTime(),
  });
  if ((decision.outcome === 'refund' || decision.outcome === 'price_reduction') && (claim.quantity > money.available || unitsPrice === 0)) {
    // Finding 1: a unit is refunded once — whether by a withdrawal, a delivery claim, an in-store exchange or an earlier guarantee claim.
    throw new DomainError(
      'guarantee.already_settled',
      { field: 'outcome', rule: proofRule(claim.kind), position: claim.position, available: money.available },
      claim.quantity > money.available ? 'These units were refunded, returned or exchanged already.' : 'The price of these units was given back already.',
    );
  }
  const proof: EvidenceData = { number: order.number, claim: claim.number, kind: claim.kind, outcome: decision.outcome, rule: proofRule(claim.kind), escalation: decision.escalation };
  let replacementId: string | null = null;
  let refundKey: string | null = null;

  if (decision.outcome === 'replace') {
    // As SH-8's reship: the units leave the warehouse, a replacement parcel of the line, nothing charged.
    const lines = [{ position: claim.position, quantity: claim.quantity }];
    await takeReplacementStock(tx, { shopId, order, lines, now });
    const packed = await packShipment(tx, { shopId, orderNumber: order.number, lines, replaces: claim.shipmentNumber, actor: input.actor, now });
    replacementId = (await tx.selectFrom('shipments').select('id').where('shop_id', '=', shopId).where('number', '=', packed.number).executeTakeFirstOrThrow()).id;
    Object.assign(proof, { replacementShipment: packed.number, replacementImposed: decision.replacementImposed });
  }
  if (decision.outcome === 'refund' || decision.outcome === 'price_reduction') {
    const amount = decision.outcome === 'refund' ? unitsPrice : decision.amount!;
    const today = plainDateIn(calendar.timeZone, now).toString();
    const dueOn = refundDueOn({ decidedAt: now, remedyLastDay: claim.remedyDueOn, today, calendar });
    refundKey = `guarantee:${claim.number}`;
    // DOC-1: a refund credits the units on the invoice; a price reduction, an amount at the line's VAT rate.
    const reason = { fr: `Garantie ${claim.number}`, en: `Guarantee ${claim.number}` };
    const credit =
      decision.outcome === 'refund'
        ? { items: [{ position: claim.position, quantity: claim.quantity, amount }], shipping: 0, reason }
        : { items: [], shipping: 0, other: [{ label: { fr: 'Réduction de prix (garantie)', en: 'Price reduction (guarantee)' }, amount, vatRateBasisPoints: line.vatRateBasisPoints }], reason };
    const refund = await refundOrderAmount(tx, { shopId, order, payments, key: refundKey, reason: 'guarantee', rule: proof.rule as string, amount, dueOn, credit, actor: input.actor, now });
    Object.assign(proof, { refundRequested: amount, refund: refund.amount, currency: order.currency, refundDueOn: refund.dueOn, settlement: refund.settlement.map((s) => ({ ...s })) });
  }
  if (decision.reason !== null) Object.assign(proof, { reason: decision.reason, exclusion: decision.exclusion });

  const first = claim.state === 'filed';
  await tx
    .updateTable('guarantee_claims')
    .set({
      state: decision.to,
      outcome: decision.outcome,
      decided_at: now,
      decided_by: actorLabel(input.actor),
      ...(first ? { answered_at: now } : {}),
      ...(decision.outcome === 'refuse' ? { refuse_reason: decision.reason, exclusion: decision.exclusion } : {}),
      ...(decision.outcome === 'replace' ? { replacement_shipment_id: replacementId, replacement_imposed: decision.replacementImposed } : {}),
      ...(refundKey !== null ? { refund_key: refundKey } : {}),
    })
    .where('id', '=', claim.id)
    .execute();
  await cancelTimer(tx, answerTimerKey(shopId, claim.number), now);
  if (decision.to !== 'in_repair') await cancelTimer(tx, remedyTimerKey(shopId, claim.number), now);

  const result = await getGuaranteeClaimForStaff(tx, { shopId, number: claim.number });
  const d = result.decision!;
  await queueEmail(tx, { shopId, key: `${GUARANTEE_CLAIM_DECIDED}:${shopId}:${claim.number}:${decision.outcome}`, email: guaranteeDecidedEmail(order, result, d, policy) }, now);
  await recordAudit(tx, { shopId, actor: input.actor, action: GUARANTEE_CLAIM_DECIDED, target: `guarantee_claim:${claim.number}`, details: { order: order.number, ...proof }, at: now });
  await appendEvidence(tx, { shopId, kind: GUARANTEE_CLAIM_DECIDED, subject: { type: 'order', id: order.number }, actor: actorLabel(input.actor), data: proof, at: now });
  return result;
}

type StepInput = { shopId: string; number: string; actor: Actor; now: Date };

/** GU-1: the item is handed over for repair — the guarantee is suspended from now. */
export async function recordItemReceived(tx: Tx, input: StepInput): Promise<GuaranteeClaimForStaff> {
  const { shopId, now } = input;
  const { order, claim } = await lockClaim(tx, shopId, input.number);
  if (claim.state !== 'in_repair' || claim.receivedAt !== null) throw new DomainError('guarantee.illegal_transition', { field: 'number', rule: 'GU-1', state: claim.state, step: 'item_received' }, 'The item is received once, for a repair decided.');
  await tx.updateTable('guarantee_claims').set({ received_at: now }).where('id', '=', claim.id).execute();
  const result = await getGuaranteeClaimForStaff(tx, { shopId, number: claim.number });
  await queueEmail(tx, { shopId, key: `${GUARANTEE_ITEM_RECEIVED}:${shopId}:${claim.number}`, email: guaranteeItemEmail(order, result, 'received', result.coveredUntil) }, now);
  await recordAudit(tx, { shopId, actor: input.actor, action: GUARANTEE_ITEM_RECEIVED, target: `guarantee_claim:${claim.number}`, details: { order: order.number }, at: now });
  await appendEvidence(tx, { shopId, kind: GUARANTEE_ITEM_RECEIVED, subject: { type: 'order', id: order.number }, actor: actorLabel(input.actor), data: { number: order.number, claim: claim.number, rule: 'GU-1', receivedAt: now.toISOString() }, at: now });
  return result;
}

/**
 * GU-1: the repaired item is given back — the claim is `repaired`; the legal
 * guarantee of the line ends later by the days it was immobilised and 6 months.
 * Returns the claim and the line's new last day.
 */
export async function recordItemReturned(tx: Tx, input: StepInput): Promise<GuaranteeClaimForStaff & { guaranteeUntil: string }> {
  const { shopId, now } = input;
  const { order, claim, calendar } = await lockClaim(tx, shopId, input.number);
  if (claim.state !== 'in_repair' || claim.receivedAt === null) throw new DomainError('guarantee.illegal_transition', { field: 'number', rule: 'GU-1', state: claim.state, step: 'item_returned' }, 'Record the item received first.');
  await tx.updateTable('guarantee_claims').set({ returned_at: now, state: 'repaired' }).where('id', '=', claim.id).execute();
  await cancelTimer(tx, remedyTimerKey(shopId, claim.number), now);
  const history = await lineHistory(tx, order.id, claim.position, calendar);
  const until = conformitySpan({ deliveredAt: claim.deliveredAt, secondHand: claim.secondHand, history, calendar }).lastDay;
  const result = await getGuaranteeClaimForStaff(tx, { shopId, number: claim.number });
  const days = immobilisedDays({ receivedAt: claim.receivedAt, returnedAt: now, calendar });
  await queueEmail(tx, { shopId, key: `${GUARANTEE_ITEM_RETURNED}:${shopId}:${claim.number}`, email: guaranteeItemEmail(order, result, 'returned', until) }, now);
  await recordAudit(tx, { shopId, actor: input.actor, action: GUARANTEE_ITEM_RETURNED, target: `guarantee_claim:${claim.number}`, details: { order: order.number, immobilisedDays: days, guaranteeUntil: until }, at: now });
  await appendEvidence(tx, {
    shopId,
    kind: GUARANTEE_ITEM_RETURNED,
    subject: { type: 'order', id: order.number },
    actor: actorLabel(input.actor),
    data: { number: order.number, claim: claim.number, rule: 'GU-1', returnedAt: now.toISOString(), immobilisedDays: days, guaranteeUntil: until },
    at: now,
  });
  return { ...result, guaranteeUntil: until };
}

/** GU-1: the shipping costs the customer paid for a conformity repair (an amount staff enter), refunded within 14 days, once. */
export async function refundRepairShipping(tx: Tx, input: StepInput & { amount: number }): Promise<GuaranteeClaimForStaff> {
  const { shopId, now } = input;
  const { order, payments, claim, calendar } = await lockClaim(tx, shopId, input.number);
  if (claim.kind !== 'conformity' && claim.kind !== 'dead_on_arrival') throw new DomainError('guarantee.shipping_not_refundable', { field: 'number', rule: 'GU-1', kind: claim.kind }, 'Shipping costs are refunded for a conformity repair.');
  if (claim.decision?.outcome !== 'repair' && claim.state !== 'repaired') throw new DomainError('guarantee.shipping_not_refundable', { field: 'number', rule: 'GU-1', state: claim.state }, 'Shipping costs are refunded once a repair is decided.');
  if (claim.shippingRefund !== null) throw new DomainError('guarantee.illegal_transition', { field: 'number', rule: 'GU-1', step: 'shipping_refund' }, 'The shipping costs of this repair are refunded already.');
  if (!Number.isSafeInteger(input.amount) || input.amount < 1 || input.amount > 100_000_00) throw new DomainError('guarantee.invalid_amount', { field: 'amount', rule: 'GU-1' });
  const today = plainDateIn(calendar.timeZone, now).toString();
  const dueOn = refundDueOn({ decidedAt: now, remedyLastDay: null, today, calendar });
  const key = `guarantee_shipping:${claim.number}`;
  // DOC-1: credited on the invoice as an amount at the claimed line's VAT rate.
  const label = { fr: 'Frais d’envoi de la réparation remboursés', en: 'Repair shipping costs refunded' };
  const vatRateBasisPoints = order.lines.find((l) => l.position === claim.position)!.vatRateBasisPoints;
  const credit = { items: [], shipping: 0, other: [{ label, amount: input.amount, vatRateBasisPoints }], reason: { fr: `Garantie ${claim.number}`, en: `Guarantee ${claim.number}` } };
  const refund = await refundOrderAmount(tx, { shopId, order, payments, key, reason: 'guarantee', rule: 'GU-1', amount: input.amount, dueOn, credit, actor: input.actor, now });
  await tx.updateTable('guarantee_claims').set({ shipping_refund_key: key }).where('id', '=', claim.id).execute();
  const result = await getGuaranteeClaimForStaff(tx, { shopId, number: claim.number });
  await queueEmail(tx, { shopId, key: `${GUARANTEE_SHIPPING_REFUNDED}:${shopId}:${claim.number}`, email: shippingRefundEmail(order, result, refund) }, now);
  const data = { number: order.number, claim: claim.number, rule: 'GU-1', amount: refund.amount, currency: order.currency, dueOn: refund.dueOn };
  await recordAudit(tx, { shopId, actor: input.actor, action: GUARANTEE_SHIPPING_REFUNDED, target: `guarantee_claim:${claim.number}`, details: data, at: now });
  await appendEvidence(tx, { shopId, kind: GUARANTEE_SHIPPING_REFUNDED, subject: { type: 'order', id: order.number }, actor: actorLabel(input.actor), data, at: now });
  return result;
}

// ---------------------------------------------------------------------------
// Timers

async function lockForTimer(tx: Tx, timer: DueTimer): Promise<Locked | null> {
  const number = typeof timer.payload.number === 'string' ? timer.payload.number : '';
  if ((await claimsWhere(tx, { shopId: timer.shopId, number })).length === 0) return null;
  return lockClaim(tx, timer.shopId, number);
}

/** GU-4: the promised answer is overdue — the merchant is alerted, the customer told; once. */
export async function tellGuaranteeAnswerOverdue(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const locked = await lockForTimer(tx, timer);
  if (!locked || locked.claim.state !== 'filed' || locked.claim.answerOverdueAt !== null) return;
  const { order, claim, policy } = locked;
  await tx.updateTable('guarantee_claims').set({ answer_overdue_at: now }).where('id', '=', claim.id).execute();
  await queueEmail(tx, { shopId: timer.shopId, key: `${GUARANTEE_ANSWER_OVERDUE}:merchant:${timer.shopId}:${claim.number}`, email: merchantAlertEmail(policy, order, claim, 'answer') }, now);
  await appendEvidence(tx, {
    shopId: timer.shopId,
    kind: GUARANTEE_ANSWER_OVERDUE,
    subject: { type: 'order', id: order.number },
    actor: 'system',
    data: { number: order.number, claim: claim.number, rule: 'GU-4', answerDueAt: claim.answerDueAt?.toISOString() ?? null, merchantAlerted: true },
    at: now,
  });
}

/** GU-1: the remedy is overdue — the customer may ask a price reduction or termination; the merchant is alerted; once. */
export async function tellGuaranteeRemedyOverdue(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const locked = await lockForTimer(tx, timer);
  if (!locked || !AWAITING_REMEDY.includes(locked.claim.state) || locked.claim.remedyOverdueAt !== null) return;
  const { order, claim, policy } = locked;
  await tx.updateTable('guarantee_claims').set({ remedy_overdue_at: now }).where('id', '=', claim.id).execute();
  await queueEmail(tx, { shopId: timer.shopId, key: `${GUARANTEE_REMEDY_OVERDUE}:${timer.shopId}:${claim.number}`, email: remedyOverdueEmail(order, claim) }, now);
  await queueEmail(tx, { shopId: timer.shopId, key: `${GUARANTEE_REMEDY_OVERDUE}:merchant:${timer.shopId}:${claim.number}`, email: merchantAlertEmail(policy, order, claim, 'remedy') }, now);
  await appendEvidence(tx, {
    shopId: timer.shopId,
    kind: GUARANTEE_REMEDY_OVERDUE,
    subject: { type: 'order', id: order.number },
    actor: 'system',
    data: { number: order.number, claim: claim.number, rule: 'GU-1', remedyDueOn: claim.remedyDueOn, escalation: escalationOpen({ state: claim.state, kind: claim.kind, remedyDueAt: claim.remedyDueAt, at: now }) },
    at: now,
  });
}

// ---------------------------------------------------------------------------
// Photos

/** A photo of a claim: for staff, or for whoever may read the claim's order (`guarantee.not_found` otherwise). */
export async function guaranteeClaimPhoto(
  q: Queryable,
  input: { shopId: string; number: string; n: number; reader: { staff: true } | { staff: false; access: ClaimAccess } },
): Promise<{ contentType: string; content: Buffer; sha256: string; filename: string }> {
  const claim = input.reader.staff ? await getGuaranteeClaimForStaff(q, input) : await getGuaranteeClaimFor(q, { ...input, access: input.reader.access });
  const photo = await q.selectFrom('guarantee_claim_photos').select(['content_type', 'content', 'sha256']).where('claim_id', '=', claim.id).where('n', '=', input.n).executeTakeFirst();
  if (!photo) throw new DomainError('guarantee.not_found', { field: 'n' }, 'No such photo.');
  const extension = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' }[photo.content_type];
  return { contentType: photo.content_type, content: photo.content, sha256: photo.sha256, filename: `${claim.number}-${input.n}.${extension}` };
}
