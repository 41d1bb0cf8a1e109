// Issue 5 §8: reservation in store (ST-1, CAT-6) — free, without obligation,
// no online payment: the customer pays in the store.
//
// Only where the policy has `reservations` (FA, FR); elsewhere every step is
// refused with `reservation.not_offered` (422). A signed-in customer picks a
// store (a location of kind 'store') that has the items in stock:
//
//   reserve           the units are taken from THAT store's stock rows (under
//                     `lockStock`) so they are not sold online nor reserved twice
//                     (`reservation.not_in_stock`, 409, otherwise). FR: at most
//                     10 different items held per customer over their active
//                     reservations (`reservation.too_many_items`, 422).
//                     FA: the hold runs from now, 48 OPENING hours of the store
//                     (timer `reservation.hold_expiry`). FR: the store must
//                     confirm within 2 opening hours (timer
//                     `reservation.confirmation_due`); the hold starts then.
//   confirm           store staff (`reservations.manage`) have set the items
//                     aside. FR: the hold runs to the end of the 3rd working day
//                     after today (public holidays of the store's place).
//   markCollected     the customer came, paid in the store and took the items
//                     (`pickup.manage`): the units stay out of stock, the timers go.
//   cancel            by the customer (free, at any time while active) or by the
//                     store (`reservations.manage`): the units go back on sale.
//   hold expiry       (timer) the hold ended: the units go back on sale, the
//                     customer is told.
//   confirmation due  (timer, FR) still unconfirmed after 2 opening hours: the
//                     customer is told by email. Chosen: the reservation STAYS
//                     `requested` — ST-1 only says the customer is told; the items
//                     are still set aside, the store may still confirm (the 3
//                     working days then start), and the customer may cancel from
//                     their account at any time, free. The back office lists
//                     overdue requests first; staff may cancel them.
//
// Every step is one transaction: state, stock, timers, the customer's email
// (outbox), the audit row for staff acts, and the evidence event (OR-6) as the
// last write. Locks, in this order: the customer row (`lockCustomer`, reserve
// only: serialises one customer's requests so the FR limit holds) or the
// reservation row → the stock rows (`lockStock`) → the evidence head.
// The policy in force at the request is frozen on the reservation (its hash,
// as orders do, OR-4): the timers and staff acts read the hold rule and the
// shop's identity from it.
import { sql, type Selectable, type Updateable } from 'kysely';
import { localDateIn } from '../domain/calendar/local-date.js';
import { DomainError } from '../domain/errors.js';
import { money, multiply, sum, formatMoney, type Currency, type Money } from '../domain/money.js';
import { checkDistinctItems, confirmationDeadline, holdCountedFrom, holdEnd, placeOfStore, type HoldEnd, type OpeningHours } from '../domain/reservations/hold.js';
import { ACTIVE_RESERVATION_STATES, isActiveReservation, reservationTransition, type ReservationState } from '../domain/reservations/reservation-lifecycle.js';
import { currencyFor, type Policy } from '../policy/schema.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import { lockCustomer } from '../store/customers.js';
import type { Db, Queryable, Tx } from '../store/db.js';
import { appendEvidence, type EvidenceData } from '../store/evidence.js';
import { priceInForce, refreshProductCards } from '../store/product-cards.js';
import type { ReservationLinesTable, ReservationsTable } from '../store/schema.js';
import { cancelTimer, rescheduleTimer, scheduleTimer, type DueTimer } from '../store/timers.js';
import { queueEmail } from './emails.js';
import { legalDate } from './order-emails.js';
import { isId, lockStock, variantStock } from './stock.js';

/** Timer kinds (registered in src/jobs/timer-kinds.ts). */
export const RESERVATION_HOLD_EXPIRY = 'reservation.hold_expiry';
export const RESERVATION_CONFIRMATION_DUE = 'reservation.confirmation_due';

/** Evidence kinds (OR-6), subject `reservation` / its number. */
export const RESERVATION_REQUESTED = 'reservation.requested';
export const RESERVATION_CONFIRMED = 'reservation.confirmed';
export const RESERVATION_CONFIRMATION_OVERDUE = 'reservation.confirmation_overdue';
export const RESERVATION_COLLECTED = 'reservation.collected';
export const RESERVATION_EXPIRED = 'reservation.expired';
export const RESERVATION_CANCELLED = 'reservation.cancelled';

export const holdExpiryTimerKey = (shopId: string, number: string) => `${RESERVATION_HOLD_EXPIRY}:${shopId}:${number}`;
export const confirmationDueTimerKey = (shopId: string, number: string) => `${RESERVATION_CONFIRMATION_DUE}:${shopId}:${number}`;

/** The most lines one request may carry, and units of one line (the store's stock is the real limit). */
export const MAX_RESERVATION_LINES = 50;
export const MAX_RESERVATION_QUANTITY = 99;

type Localised = { fr: string; en: string };
type Lang = 'fr' | 'en';

export type StoreAddress = { line1: string; line2?: string; postcode: string; city: string; country: string };
export type ReservationStore = { code: string; name: string; address: StoreAddress; openingHours: OpeningHours | null };

export type ReservationLine = {
  variantId: string;
  sku: string;
  name: Localised;
  options: Record<string, string>;
  quantity: number;
  /** The price shown at the request (to pay in the store); null when none was in force. */
  unitPrice: Money | null;
};

export type Reservation = {
  id: string;
  number: string;
  state: ReservationState;
  customerId: string;
  store: ReservationStore;
  currency: Currency;
  requestedAt: Date;
  /** FR: when the store should have confirmed (2 opening hours after the request). */
  confirmationDueAt: Date | null;
  /** FR: when the customer was told the store had not confirmed in time. */
  confirmationOverdueAt: Date | null;
  confirmedAt: Date | null;
  /** When the items go back on sale; null while an FR reservation awaits its confirmation. */
  holdUntil: Date | null;
  /** For a hold in days (FR): the last day to come, YYYY-MM-DD. */
  holdLastDay: string | null;
  collectedAt: Date | null;
  expiredAt: Date | null;
  cancelledAt: Date | null;
  /** `customer:<id>`, `staff:<id>`… */
  cancelledBy: string | null;
  lines: ReservationLine[];
  /** What the lines cost at the request prices, paid in the store; null when a line had no price. */
  total: Money | null;
};

/** Who cancels: the customer themselves, or staff (audited). */
export type ReservationCanceller = { kind: 'customer'; customerId: string } | Actor;

type ReservationRow = Selectable<ReservationsTable> & { store_code: string; store_name: string; store_address: unknown; store_opening_hours: unknown };

// ---------------------------------------------------------------------------
// Reading

const rowColumns = [
  'r.id',
  'r.shop_id',
  'r.number',
  'r.customer_id',
  'r.location_id',
  'r.state',
  'r.policy_hash',
  'r.currency',
  'r.requested_at',
  'r.confirmation_due_at',
  'r.confirmation_overdue_at',
  'r.confirmed_at',
  'r.confirmed_by',
  'r.hold_until',
  'r.hold_last_day',
  'r.collected_at',
  'r.collected_by',
  'r.expired_at',
  'r.cancelled_at',
  'r.cancelled_by',
  'l.code as store_code',
  'l.name as store_name',
  'l.address as store_address',
  'l.opening_hours as store_opening_hours',
] as const;

const baseQuery = (q: Queryable) => q.selectFrom('reservations as r').innerJoin('locations as l', 'l.id', 'r.location_id');

/** A location's stored opening hours (src/app/seed-catalogue.ts writes the catalogue's), or null when it has none. */
function openingHoursOf(value: unknown): OpeningHours | null {
  const v = value as Partial<OpeningHours> | null;
  if (!v || typeof v.timeZone !== 'string' || typeof v.week !== 'object' || v.week === null) return null;
  return v as OpeningHours;
}

function addressOf(value: unknown): StoreAddress {
  const a = (value ?? {}) as Partial<StoreAddress>;
  return { line1: a.line1 ?? '', ...(a.line2 ? { line2: a.line2 } : {}), postcode: a.postcode ?? '', city: a.city ?? '', country: a.country ?? '' };
}

async function linesOf(q: Queryable, ids: readonly string[]): Promise<Map<string, Selectable<ReservationLinesTable>[]>> {
  const byReservation = new Map<string, Selectable<ReservationLinesTable>[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return byReservation;
  const rows = await q.selectFrom('reservation_lines').selectAll().where('reservation_id', 'in', [...ids]).orderBy('reservation_id').orderBy('position').execute();
  for (const row of rows) byReservation.get(row.reservation_id)?.push(row);
  return byReservation;
}

function toReservation(row: ReservationRow, lines: Selectable<ReservationLinesTable>[]): Reservation {
  const currency = row.currency as Currency;
  const mapped = lines.map(
    (l): ReservationLine => ({
      variantId: l.variant_id,
      sku: l.sku,
      name: l.name,
      options: l.options,
      quantity: l.quantity,
      unitPrice: l.unit_price_minor === null ? null : money(Number(l.unit_price_minor), currency),
    }),
  );
  const priced = mapped.every((l) => l.unitPrice !== null);
  return {
    id: row.id,
    number: row.number,
    state: row.state,
    customerId: row.customer_id,
    store: { code: row.store_code, name: row.store_name, address: addressOf(row.store_address), openingHours: openingHoursOf(row.store_opening_hours) },
    currency,
    requestedAt: row.requested_at,
    confirmationDueAt: row.confirmation_due_at,
    confirmationOverdueAt: row.confirmation_overdue_at,
    confirmedAt: row.confirmed_at,
    holdUntil: row.hold_until,
    holdLastDay: row.hold_last_day,
    collectedAt: row.collected_at,
    expiredAt: row.expired_at,
    cancelledAt: row.cancelled_at,
    cancelledBy: row.cancelled_by,
    lines: mapped,
    total: priced && mapped.length > 0 ? sum(mapped.map((l) => multiply(l.unitPrice!, l.quantity)), currency) : null,
  };
}

async function withLines(q: Queryable, rows: ReservationRow[]): Promise<Reservation[]> {
  const lines = await linesOf(q, rows.map((r) => r.id));
  return rows.map((r) => toReservation(r, lines.get(r.id) ?? []));
}

const notFound = (number: string) => new DomainError('reservation.not_found', { field: 'number', rule: 'ST-1' }, `No reservation ${number.slice(0, 40)}.`);
const numberPattern = /^[A-Za-z0-9-]{1,40}$/;

/** The signed-in customer's reservations, newest first (another customer's never). */
export async function listCustomerReservations(q: Queryable, input: { shopId: string; customerId: string; limit?: number }): Promise<Reservation[]> {
  if (!isId(input.customerId)) return [];
  const rows = await baseQuery(q)
    .select(rowColumns)
    .where('r.shop_id', '=', input.shopId)
    .where('r.customer_id', '=', input.customerId)
    .orderBy('r.id', 'desc')
    .limit(Math.min(Math.max(input.limit ?? 50, 1), 200))
    .execute();
  return withLines(q, rows);
}

/** One reservation of the customer: `reservation.not_found` (404) for anyone else's. */
export async function getCustomerReservation(q: Queryable, input: { shopId: string; customerId: string; number: string }): Promise<Reservation> {
  if (!numberPattern.test(input.number) || !isId(input.customerId)) throw notFound(input.number);
  const row = await baseQuery(q).select(rowColumns).where('r.shop_id', '=', input.shopId).where('r.number', '=', input.number).where('r.customer_id', '=', input.customerId).executeTakeFirst();
  if (!row) throw notFound(input.number);
  return (await withLines(q, [row]))[0]!;
}

export type ReservationForStaff = Reservation & { customerEmail: string; customerName: string };
export type StaffReservationFilter = ReservationState | 'open' | 'all';

/**
 * The back office's list. `open` (default): requested and confirmed, oldest
 * first — overdue FR confirmations and the nearest hold ends come first;
 * otherwise newest first. `store`: one store's code.
 */
export async function listReservationsForStaff(q: Queryable, input: { shopId: string; state?: StaffReservationFilter; store?: string; limit?: number }): Promise<ReservationForStaff[]> {
  const filter = input.state ?? 'open';
  let query = baseQuery(q).innerJoin('customers as c', 'c.id', 'r.customer_id').select([...rowColumns, 'c.email as customer_email', 'c.name as customer_name']).where('r.shop_id', '=', input.shopId);
  if (filter === 'open') query = query.where('r.state', 'in', [...ACTIVE_RESERVATION_STATES]);
  else if (filter !== 'all') query = query.where('r.state', '=', filter);
  if (input.store) query = query.where('l.code', '=', input.store);
  const limit = Math.min(Math.max(input.limit ?? 100, 1), 500);
  const rows =
    filter === 'open'
      ? await query
          .orderBy(sql`coalesce(r.hold_until, r.confirmation_due_at, r.requested_at)`)
          .orderBy('r.id')
          .limit(limit)
          .execute()
      : await query.orderBy('r.id', 'desc').limit(limit).execute();
  const reservations = await withLines(q, rows);
  return reservations.map((r, i) => ({ ...r, customerEmail: rows[i]!.customer_email, customerName: rows[i]!.customer_name }));
}

export type StoreStock = { code: string; name: string; quantity: number };

/** CAT-6 / ST-1: per variant, the stores that have it in stock now (what may be reserved where). */
export async function storesWithStock(q: Queryable, input: { shopId: string; variantIds: readonly string[] }): Promise<Map<string, StoreStock[]>> {
  const stock = await variantStock(q, input);
  return new Map([...stock].map(([variantId, levels]) => [variantId, levels.filter((l) => l.kind === 'store' && l.quantity > 0).map((l) => ({ code: l.code, name: l.name, quantity: l.quantity }))]));
}

/** The shop's stores, with their address and opening hours (where a reservation may be collected). */
export async function listStores(q: Queryable, shopId: string): Promise<ReservationStore[]> {
  const rows = await q.selectFrom('locations').select(['code', 'name', 'address', 'opening_hours']).where('shop_id', '=', shopId).where('kind', '=', 'store').orderBy('id').execute();
  return rows.map((r) => ({ code: r.code, name: r.name, address: addressOf(r.address), openingHours: openingHoursOf(r.opening_hours) }));
}

// ---------------------------------------------------------------------------
// Locks and shared steps

/** The reservation row, locked until the end of the transaction (before any stock row). */
async function lockReservation(tx: Tx, shopId: string, number: string): Promise<Reservation & { policyHash: string; locationId: string }> {
  if (!numberPattern.test(number)) throw notFound(number);
  const row = await baseQuery(tx).select(rowColumns).where('r.shop_id', '=', shopId).where('r.number', '=', number).forUpdate('r').executeTakeFirst();
  if (!row) throw notFound(number);
  return { ...(await withLines(tx, [row]))[0]!, policyHash: row.policy_hash, locationId: row.location_id };
}

/** The policy in force at the request (frozen by its hash, like an order's). */
async function frozenPolicy(q: Queryable, shopId: string, hash: string): Promise<Policy> {
  const row = await q.selectFrom('policy_versions').select('policy').where('shop_id', '=', shopId).where('hash', '=', hash).executeTakeFirstOrThrow();
  return row.policy as unknown as Policy;
}

function offered(policy: Policy): NonNullable<Policy['reservations']> {
  if (!policy.reservations) {
    throw new DomainError('reservation.not_offered', { field: 'store', rule: 'ST-1' }, 'This shop does not offer reservation in store.');
  }
  return policy.reservations;
}

/** CAT-6: the units of every line back in the store's stock row, and the product cards refreshed (as `releaseOrderStock`). */
async function putBackInStore(tx: Tx, reservation: { id: string; locationId: string; lines: readonly ReservationLine[] }, now: Date): Promise<void> {
  const variantIds = reservation.lines.map((l) => l.variantId);
  await lockStock(tx, variantIds);
  for (const line of reservation.lines) {
    await sql`
      INSERT INTO stock (variant_id, location_id, quantity) VALUES (${line.variantId}::bigint, ${reservation.locationId}::bigint, ${line.quantity}::int)
      ON CONFLICT (variant_id, location_id) DO UPDATE SET quantity = stock.quantity + excluded.quantity`.execute(tx);
  }
  await refreshProductCards(tx, { variantIds, now });
}

async function setState(tx: Tx, id: string, changes: Updateable<ReservationsTable>): Promise<void> {
  await tx.updateTable('reservations').set(changes).where('id', '=', id).execute();
}

async function customerContact(q: Queryable, customerId: string): Promise<{ email: string; language: Lang }> {
  const row = await q.selectFrom('customers').select(['email', 'language']).where('id', '=', customerId).executeTakeFirstOrThrow();
  return { email: row.email, language: row.language };
}

const subject = (number: string) => ({ type: 'reservation', id: number });

function evidenceData(r: Reservation, extra: EvidenceData = {}): EvidenceData {
  return {
    number: r.number,
    rule: 'ST-1',
    store: r.store.code,
    customerId: r.customerId,
    lines: r.lines.map((l) => ({ variantId: l.variantId, sku: l.sku, quantity: l.quantity })),
    ...extra,
  };
}

// ---------------------------------------------------------------------------
// Reserving

export type ReserveInput = {
  shop: { id: string; policy: Policy; policyHash: string };
  customerId: string;
  /** The store's location code (`paris-marais`). */
  storeCode: string;
  lines: readonly { variantId: string; quantity: number }[];
  now: Date;
};

function transaction<T>(q: Queryable, work: (tx: Tx) => Promise<T>): Promise<T> {
  return q.isTransaction ? work(q as Tx) : (q as Db).transaction().execute(work);
}

/**
 * ST-1: reserves the lines in one store for a signed-in customer. Refusals,
 * each naming its field: `reservation.not_offered` (the policy has no
 * reservations), `reservation.no_lines`, `reservation.invalid_quantity`
 * (`lines.<i>.quantity`), `variant.not_found` (`lines.<i>.variantId`),
 * `store.not_found` (`store`), `customer.not_found`,
 * `reservation.too_many_items` (FR: 10 different items, `lines`, 422),
 * `reservation.not_in_stock` (409, `lines.<i>.quantity`, with what the store has).
 */
export async function reserve(q: Queryable, input: ReserveInput): Promise<Reservation> {
  const { shop, now } = input;
  const rules = offered(shop.policy);
  if (input.lines.length === 0) throw new DomainError('reservation.no_lines', { field: 'lines', rule: 'ST-1' }, 'Choose at least one item to reserve.');
  if (input.lines.length > MAX_RESERVATION_LINES) throw new DomainError('reservation.too_many_lines', { field: 'lines', rule: 'ST-1', limit: MAX_RESERVATION_LINES });
  // One line per variant (the position of its first mention names it in errors).
  const wanted = new Map<string, { quantity: number; index: number }>();
  input.lines.forEach((line, i) => {
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_RESERVATION_QUANTITY) {
      throw new DomainError('reservation.invalid_quantity', { field: `lines.${i}.quantity`, rule: 'ST-1', max: MAX_RESERVATION_QUANTITY }, `A quantity is a whole number from 1 to ${MAX_RESERVATION_QUANTITY}.`);
    }
    if (!isId(line.variantId)) throw new DomainError('variant.not_found', { field: `lines.${i}.variantId` }, `No variant ${String(line.variantId).slice(0, 40)}.`);
    const seen = wanted.get(line.variantId);
    wanted.set(line.variantId, { quantity: (seen?.quantity ?? 0) + line.quantity, index: seen?.index ?? i });
  });
  const currency = currencyFor(shop.policy, shop.policy.shop.dispatchCountry);

  return transaction(q, async (tx) => {
    // The customer first: their requests queue here, so the FR limit counts what the previous one committed.
    const customerOk = isId(input.customerId) && (await lockCustomer(tx, shop.id, input.customerId));
    const customer = customerOk ? await tx.selectFrom('customers').select(['id', 'email', 'language', 'disabled_at']).where('id', '=', input.customerId).executeTakeFirst() : undefined;
    if (!customer || customer.disabled_at) throw new DomainError('customer.not_found', { field: 'customerId', rule: 'ST-1' }, 'Reserving needs a customer account.');

    const store = await tx.selectFrom('locations').select(['id', 'code', 'name', 'address', 'opening_hours']).where('shop_id', '=', shop.id).where('code', '=', input.storeCode).where('kind', '=', 'store').executeTakeFirst();
    if (!store) throw new DomainError('store.not_found', { field: 'store', rule: 'ST-1' }, `No store '${input.storeCode.slice(0, 60)}'.`);
    const openingHours = openingHoursOf(store.opening_hours);
    const address = addressOf(store.address);

    const ids = [...wanted.keys()];
    const variants = await tx
      .selectFrom('variants as v')
      .innerJoin('products as p', 'p.id', 'v.product_id')
      .select(['v.id', 'v.sku', 'v.options', 'p.name', priceInForce(sql.ref('v.id'), currency, now).as('price_minor')])
      .where('v.shop_id', '=', shop.id)
      .where('v.id', 'in', ids)
      .execute();
    const variantById = new Map(variants.map((v) => [v.id, v]));
    for (const [variantId, { index }] of wanted) {
      if (!variantById.has(variantId)) throw new DomainError('variant.not_found', { field: `lines.${index}.variantId` }, `No variant ${variantId}.`);
    }

    // ST-1 (FR): at most N different items held by this customer at a time.
    const held = await tx
      .selectFrom('reservation_lines as rl')
      .innerJoin('reservations as r', 'r.id', 'rl.reservation_id')
      .select('rl.variant_id')
      .distinct()
      .where('r.shop_id', '=', shop.id)
      .where('r.customer_id', '=', customer.id)
      .where('r.state', 'in', [...ACTIVE_RESERVATION_STATES])
      .execute();
    checkDistinctItems({ held: held.map((h) => h.variant_id), requested: ids, max: rules.maxDistinctItems });

    // The deadlines, before any stock is taken (a store without hours is refused here).
    const place = placeOfStore(address);
    const hold: HoldEnd | null = holdCountedFrom(rules.hold) === 'request' ? holdEnd({ rule: rules.hold, from: now, openingHours, timeZone: shop.policy.shop.timeZone, place }) : null;
    const confirmationDueAt = rules.confirmationWithinHours ? confirmationDeadline({ withinHours: rules.confirmationWithinHours, requestedAt: now, openingHours }) : null;

    // CAT-6: the units come from THIS store's row, under the stock locks.
    const rows = await lockStock(tx, ids);
    const atStore = new Map(rows.filter((r) => r.locationId === store.id).map((r) => [r.variantId, r.quantity]));
    const short = [...wanted].filter(([variantId, w]) => (atStore.get(variantId) ?? 0) < w.quantity);
    if (short.length > 0) {
      const [variantId, first] = short[0]!;
      throw new DomainError(
        'reservation.not_in_stock',
        {
          field: `lines.${first.index}.quantity`,
          rule: 'ST-1',
          store: store.code,
          items: short.map(([id, w]) => ({ variantId: id, sku: variantById.get(id)!.sku, asked: w.quantity, available: atStore.get(id) ?? 0 })),
        },
        `${store.name} has ${atStore.get(variantId) ?? 0} of ${variantById.get(variantId)!.sku} in stock.`,
      );
    }
    for (const [variantId, w] of wanted) {
      await sql`UPDATE stock SET quantity = quantity - ${w.quantity}::int WHERE variant_id = ${variantId}::bigint AND location_id = ${store.id}::bigint`.execute(tx);
    }
    // Cards read warehouse stock today (CAT-6: online sales draw from it); refreshed with every stock change all the same.
    await refreshProductCards(tx, { variantIds: ids, now });

    const { rows: seq } = await sql<{ n: string }>`SELECT nextval('reservation_numbers') AS n`.execute(tx);
    const number = `R-${localDateIn(shop.policy.shop.timeZone, now).slice(0, 4)}-${seq[0]!.n.padStart(6, '0')}`;
    const inserted = await tx
      .insertInto('reservations')
      .values({
        shop_id: shop.id,
        number,
        customer_id: customer.id,
        location_id: store.id,
        state: 'requested',
        policy_hash: shop.policyHash,
        currency,
        requested_at: now,
        confirmation_due_at: confirmationDueAt,
        hold_until: hold?.endsAt ?? null,
        hold_last_day: hold?.lastDay ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('reservation_lines')
      .values(
        [...wanted].map(([variantId, w], position) => {
          const v = variantById.get(variantId)!;
          return { reservation_id: inserted.id, position, variant_id: variantId, sku: v.sku, name: JSON.stringify(v.name), options: JSON.stringify(v.options), quantity: w.quantity, unit_price_minor: v.price_minor };
        }),
      )
      .execute();

    if (hold) {
      await scheduleTimer(tx, { shopId: shop.id, kind: RESERVATION_HOLD_EXPIRY, key: holdExpiryTimerKey(shop.id, number), dueAt: hold.endsAt, payload: { number } }, now);
    }
    if (confirmationDueAt) {
      await scheduleTimer(tx, { shopId: shop.id, kind: RESERVATION_CONFIRMATION_DUE, key: confirmationDueTimerKey(shop.id, number), dueAt: confirmationDueAt, payload: { number } }, now);
    }

    const reservation = await lockReservation(tx, shop.id, number);
    const contact = { email: customer.email, language: customer.language };
    await queueEmail(tx, { shopId: shop.id, key: `reservation.requested:${shop.id}:${number}`, email: reservationEmail('requested', shop.policy, reservation, contact) }, now);
    await appendEvidence(tx, {
      shopId: shop.id,
      kind: RESERVATION_REQUESTED,
      subject: subject(number),
      actor: `customer:${customer.id}`,
      data: evidenceData(reservation, {
        policyHash: shop.policyHash,
        holdUntil: reservation.holdUntil?.toISOString() ?? null,
        confirmationDueAt: reservation.confirmationDueAt?.toISOString() ?? null,
        paidInStore: true,
      }),
      at: now,
    });
    return stripLocks(reservation);
  });
}

const stripLocks = ({ policyHash: _h, locationId: _l, ...r }: Reservation & { policyHash: string; locationId: string }): Reservation => r;

// ---------------------------------------------------------------------------
// Staff: confirm, collected

export type StaffActInput = { shopId: string; number: string; actor: Actor; now: Date };

/**
 * ST-1, staff (`reservations.manage`): the store confirms it has set the items
 * aside. FR: the hold starts now and runs to the end of the 3rd working day
 * after today; the confirmation deadline's timer goes. FA: the hold already
 * runs from the request and is unchanged. The customer is told when to come.
 */
export async function confirmReservation(q: Queryable, input: StaffActInput): Promise<Reservation> {
  const { shopId, now } = input;
  return transaction(q, async (tx) => {
    const r = await lockReservation(tx, shopId, input.number);
    const policy = await frozenPolicy(tx, shopId, r.policyHash);
    const rules = offered(policy);
    reservationTransition(r.state, 'confirmed');
    const by = actorLabel(input.actor);
    let hold: HoldEnd | null = null;
    if (holdCountedFrom(rules.hold) === 'confirmation') {
      hold = holdEnd({ rule: rules.hold, from: now, openingHours: r.store.openingHours, timeZone: policy.shop.timeZone, place: placeOfStore(r.store.address) });
      // A confirmation after the deadline replaces the fallback hold set then (tellConfirmationOverdue).
      const key = holdExpiryTimerKey(shopId, r.number);
      if (!(await rescheduleTimer(tx, key, hold.endsAt, now))) await scheduleTimer(tx, { shopId, kind: RESERVATION_HOLD_EXPIRY, key, dueAt: hold.endsAt, payload: { number: r.number } }, now);
    }
    await setState(tx, r.id, { state: 'confirmed', confirmed_at: now, confirmed_by: by, ...(hold ? { hold_until: hold.endsAt, hold_last_day: hold.lastDay } : {}) });
    await cancelTimer(tx, confirmationDueTimerKey(shopId, r.number), now);
    const confirmed = { ...r, state: 'confirmed' as const, confirmedAt: now, ...(hold ? { holdUntil: hold.endsAt, holdLastDay: hold.lastDay } : {}) };
    await queueEmail(tx, { shopId, key: `reservation.confirmed:${shopId}:${r.number}`, email: reservationEmail('confirmed', policy, confirmed, await customerContact(tx, r.customerId)) }, now);
    await recordAudit(tx, { shopId, actor: input.actor, action: RESERVATION_CONFIRMED, target: `reservation:${r.number}`, details: { holdUntil: confirmed.holdUntil?.toISOString() ?? null }, at: now });
    await appendEvidence(tx, {
      shopId,
      kind: RESERVATION_CONFIRMED,
      subject: subject(r.number),
      actor: by,
      data: evidenceData(confirmed, { holdUntil: confirmed.holdUntil?.toISOString() ?? null, holdLastDay: confirmed.holdLastDay, late: r.confirmationOverdueAt !== null }),
      at: now,
    });
    return stripLocks(confirmed);
  });
}

/**
 * ST-1, staff at the counter (`pickup.manage`): the customer came, paid in
 * the store and took the items. The units stay out of stock (sold in the
 * store); the timers go. No money is recorded online.
 */
export async function markReservationCollected(q: Queryable, input: StaffActInput): Promise<Reservation> {
  const { shopId, now } = input;
  return transaction(q, async (tx) => {
    const r = await lockReservation(tx, shopId, input.number);
    reservationTransition(r.state, 'collected');
    const by = actorLabel(input.actor);
    await setState(tx, r.id, { state: 'collected', collected_at: now, collected_by: by });
    await cancelTimer(tx, holdExpiryTimerKey(shopId, r.number), now);
    await cancelTimer(tx, confirmationDueTimerKey(shopId, r.number), now);
    const collected = { ...r, state: 'collected' as const, collectedAt: now };
    await recordAudit(tx, { shopId, actor: input.actor, action: RESERVATION_COLLECTED, target: `reservation:${r.number}`, details: { store: r.store.code }, at: now });
    await appendEvidence(tx, { shopId, kind: RESERVATION_COLLECTED, subject: subject(r.number), actor: by, data: evidenceData(collected, { paidInStore: true }), at: now });
    return stripLocks(collected);
  });
}

// ---------------------------------------------------------------------------
// Cancelling (customer or staff) and expiring (timer)

/**
 * ST-1: cancels an active reservation — by its customer (free, without
 * obligation; another customer's is a 404) or by staff (`reservations.manage`,
 * audited). The units go back on sale in the store; the customer is told.
 */
export async function cancelReservation(q: Queryable, input: { shopId: string; number: string; by: ReservationCanceller; now: Date }): Promise<Reservation> {
  const { shopId, now, by } = input;
  return transaction(q, async (tx) => {
    const r = await lockReservation(tx, shopId, input.number);
    if (by.kind === 'customer' && r.customerId !== by.customerId) throw notFound(input.number);
    reservationTransition(r.state, 'cancelled');
    const label = by.kind === 'customer' ? `customer:${by.customerId}` : actorLabel(by);
    await setState(tx, r.id, { state: 'cancelled', cancelled_at: now, cancelled_by: label });
    await putBackInStore(tx, r, now);
    await cancelTimer(tx, holdExpiryTimerKey(shopId, r.number), now);
    await cancelTimer(tx, confirmationDueTimerKey(shopId, r.number), now);
    const cancelled = { ...r, state: 'cancelled' as const, cancelledAt: now, cancelledBy: label };
    const policy = await frozenPolicy(tx, shopId, r.policyHash);
    const kind = by.kind === 'customer' ? 'cancelled_by_customer' : 'cancelled_by_store';
    await queueEmail(tx, { shopId, key: `reservation.cancelled:${shopId}:${r.number}`, email: reservationEmail(kind, policy, cancelled, await customerContact(tx, r.customerId)) }, now);
    if (by.kind !== 'customer') await recordAudit(tx, { shopId, actor: by, action: RESERVATION_CANCELLED, target: `reservation:${r.number}`, details: { store: r.store.code, state: r.state }, at: now });
    await appendEvidence(tx, { shopId, kind: RESERVATION_CANCELLED, subject: subject(r.number), actor: label, data: evidenceData(cancelled, { from: r.state, by: by.kind === 'customer' ? 'customer' : 'store' }), at: now });
    return stripLocks(cancelled);
  });
}

function numberOfTimer(timer: DueTimer): string {
  const number = timer.payload['number'];
  if (typeof number !== 'string') throw new Error(`${timer.kind} timer ${timer.key} has no reservation number`);
  return number;
}

/**
 * Timer `reservation.hold_expiry` (ST-1): the hold ended — the units go back
 * on sale in the store, the customer is told. A reservation collected or
 * cancelled meanwhile cancelled the timer; checked again under its lock.
 */
export async function expireReservationHold(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const r = await lockReservation(tx, timer.shopId, numberOfTimer(timer));
  if (!isActiveReservation(r.state) || !r.holdUntil || r.holdUntil.getTime() > now.getTime()) return;
  reservationTransition(r.state, 'expired');
  await setState(tx, r.id, { state: 'expired', expired_at: now });
  await putBackInStore(tx, r, now);
  await cancelTimer(tx, confirmationDueTimerKey(timer.shopId, r.number), now);
  const expired = { ...r, state: 'expired' as const, expiredAt: now };
  const policy = await frozenPolicy(tx, timer.shopId, r.policyHash);
  await queueEmail(tx, { shopId: timer.shopId, key: `reservation.expired:${timer.shopId}:${r.number}`, email: reservationEmail('expired', policy, expired, await customerContact(tx, r.customerId)) }, now);
  await appendEvidence(tx, { shopId: timer.shopId, kind: RESERVATION_EXPIRED, subject: subject(r.number), actor: 'system', data: evidenceData(expired, { holdUntil: r.holdUntil.toISOString(), from: r.state }), at: now });
}

/**
 * Timer `reservation.confirmation_due` (ST-1, FR): the store has not confirmed
 * within 2 opening hours — the customer is told by email; the reservation
 * stays `requested` (see the header), the items still set aside, but not for
 * ever: the hold is counted as if the store had confirmed at its deadline, and
 * the units go back on sale when it ends unless the store confirms meanwhile
 * (the hold then counts from the confirmation).
 */
export async function tellConfirmationOverdue(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const r = await lockReservation(tx, timer.shopId, numberOfTimer(timer));
  if (r.state !== 'requested' || r.confirmationOverdueAt) return;
  const policy = await frozenPolicy(tx, timer.shopId, r.policyHash);
  const hold = holdEnd({ rule: offered(policy).hold, from: timer.dueAt, openingHours: r.store.openingHours, timeZone: policy.shop.timeZone, place: placeOfStore(r.store.address) });
  await setState(tx, r.id, { confirmation_overdue_at: now, hold_until: hold.endsAt, hold_last_day: hold.lastDay });
  await scheduleTimer(tx, { shopId: timer.shopId, kind: RESERVATION_HOLD_EXPIRY, key: holdExpiryTimerKey(timer.shopId, r.number), dueAt: hold.endsAt, payload: { number: r.number } }, now);
  const overdue = { ...r, confirmationOverdueAt: now };
  await queueEmail(tx, { shopId: timer.shopId, key: `reservation.confirmation_overdue:${timer.shopId}:${r.number}`, email: reservationEmail('confirmation_overdue', policy, overdue, await customerContact(tx, r.customerId)) }, now);
  await appendEvidence(tx, {
    shopId: timer.shopId,
    kind: RESERVATION_CONFIRMATION_OVERDUE,
    subject: subject(r.number),
    actor: 'system',
    data: evidenceData(overdue, { confirmationDueAt: r.confirmationDueAt?.toISOString() ?? null, customerTold: true }),
    at: now,
  });
}

// ---------------------------------------------------------------------------
// Emails (FR / EN, in the customer's language; DOC-5: stored as sent)

type EmailKind = 'requested' | 'confirmed' | 'confirmation_overdue' | 'expired' | 'cancelled_by_customer' | 'cancelled_by_store';

const locale = (lang: Lang) => (lang === 'fr' ? 'fr-FR' : 'en-GB');

/** An instant as the store's local date and time ("samedi 5 décembre 2026 à 14:30"). */
export function reservationInstant(at: Date, timeZone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: 'full', timeStyle: 'short', timeZone }).format(at);
}

/** "until Saturday 5 December 2026 at 14:30" / "until the end of Monday 16 November 2026". */
export function holdUntilText(r: Pick<Reservation, 'holdUntil' | 'holdLastDay' | 'store'>, shopTimeZone: string, lang: Lang): string | null {
  if (!r.holdUntil) return null;
  if (r.holdLastDay) {
    const day = new Intl.DateTimeFormat(locale(lang), { weekday: 'long', timeZone: 'UTC' }).format(new Date(`${r.holdLastDay}T00:00:00Z`));
    return lang === 'fr' ? `jusqu'au ${day} ${legalDate(r.holdLastDay, 'fr')} inclus, aux heures d'ouverture du magasin` : `until ${day} ${legalDate(r.holdLastDay, 'en')} included, during the store's opening hours`;
  }
  const at = reservationInstant(r.holdUntil, r.store.openingHours?.timeZone ?? shopTimeZone, lang);
  return lang === 'fr' ? `jusqu'au ${at}` : `until ${at}`;
}

/** How the policy's hold reads ("48 heures d'ouverture du magasin", "3 jours ouvrés après la confirmation du magasin"). */
export function holdRuleText(rule: NonNullable<Policy['reservations']>['hold'], lang: Lang): string {
  if ('hours' in rule) {
    if (lang === 'fr') return rule.withinOpeningHours ? `${rule.hours} heures d'ouverture du magasin` : `${rule.hours} heures`;
    return rule.withinOpeningHours ? `${rule.hours} hours of the store's opening time` : `${rule.hours} hours`;
  }
  const kinds = lang === 'fr' ? { calendar: 'jours', working: 'jours ouvrés', working_and_saturdays: 'jours ouvrables' } : { calendar: 'days', working: 'working days', working_and_saturdays: 'working days (Saturdays included)' };
  const from = lang === 'fr' ? (rule.from === 'confirmation' ? 'après la confirmation du magasin' : 'après la réservation') : rule.from === 'confirmation' ? "after the store's confirmation" : 'after the reservation';
  return `${rule.days} ${kinds[rule.kind]} ${from}`;
}

function lineText(l: ReservationLine, lang: Lang): string {
  const options = Object.entries(l.options).map(([k, v]) => `${k}${lang === 'fr' ? ' : ' : ': '}${v}`).join(', ');
  const price = l.unitPrice ? ` — ${formatMoney(l.unitPrice, lang)}` : '';
  return `- ${l.quantity} × ${l.name[lang]}${options ? ` (${options})` : ''}, ${lang === 'fr' ? 'réf.' : 'ref.'} ${l.sku}${price}`;
}

function storeText(r: Reservation): string {
  const a = r.store.address;
  return `${r.store.name} (${[a.line1, a.line2, `${a.postcode} ${a.city}`].filter(Boolean).join(', ')})`;
}

export function reservationEmail(kind: EmailKind, policy: Policy, r: Reservation, to: { email: string; language: Lang }) {
  const lang = to.language;
  const fr = lang === 'fr';
  const tz = policy.shop.timeZone;
  const store = storeText(r);
  const lines = r.lines.map((l) => lineText(l, lang));
  const until = holdUntilText(r, tz, lang);
  const total = r.total ? formatMoney(r.total, lang) : null;
  const contact = policy.identity.customerService.email;
  const rules = policy.reservations;
  const free = fr
    ? `La réservation est gratuite et sans obligation d'achat : aucun paiement en ligne, vous réglez en magasin${total ? ` (total au prix affiché lors de la réservation : ${total})` : ''}. Vous pouvez l'annuler à tout moment depuis votre compte.`
    : `Reserving is free and without obligation to buy: nothing is paid online, you pay in the store${total ? ` (total at the price shown when reserving: ${total})` : ''}. You may cancel it at any time from your account.`;
  let subjectLine: string;
  let body: string[];
  switch (kind) {
    case 'requested': {
      const next: string[] = [];
      if (until) next.push(fr ? `Vos articles vous attendent ${until} (${rules ? holdRuleText(rules.hold, 'fr') : ''}).` : `Your items are kept for you ${until} (${rules ? holdRuleText(rules.hold, 'en') : ''}).`);
      if (r.confirmationDueAt && rules?.confirmationWithinHours) {
        const due = reservationInstant(r.confirmationDueAt, r.store.openingHours?.timeZone ?? tz, lang);
        const hold = holdRuleText(rules.hold, lang);
        next.push(
          fr
            ? `Le magasin confirme votre réservation dans les ${rules.confirmationWithinHours} heures d'ouverture qui suivent, au plus tard le ${due}. Vos articles sont ensuite gardés ${hold}.`
            : `The store confirms your reservation within ${rules.confirmationWithinHours} hours of its opening time, by ${due} at the latest. Your items are then kept ${hold}.`,
        );
      }
      subjectLine = fr ? `Votre réservation ${r.number} en magasin` : `Your reservation ${r.number} in store`;
      body = fr
        ? [`Bonjour,`, '', `Votre réservation ${r.number} est enregistrée au magasin ${store} :`, ...lines, '', ...next, '', free]
        : [`Hello,`, '', `Your reservation ${r.number} is recorded at the store ${store}:`, ...lines, '', ...next, '', free];
      break;
    }
    case 'confirmed':
      subjectLine = fr ? `Votre réservation ${r.number} est prête en magasin` : `Your reservation ${r.number} is ready in store`;
      body = fr
        ? [`Bonjour,`, '', `Le magasin ${store} a confirmé votre réservation ${r.number} :`, ...lines, '', `Vos articles vous attendent ${until ?? ''}.`, '', free]
        : [`Hello,`, '', `The store ${store} has confirmed your reservation ${r.number}:`, ...lines, '', `Your items are kept for you ${until ?? ''}.`, '', free];
      break;
    case 'confirmation_overdue':
      subjectLine = fr ? `Votre réservation ${r.number} : confirmation en attente` : `Your reservation ${r.number}: confirmation pending`;
      body = fr
        ? [
            `Bonjour,`,
            '',
            `Le magasin ${store} n'a pas encore pu confirmer votre réservation ${r.number} dans le délai de ${rules?.confirmationWithinHours ?? ''} heures annoncé. Nous vous prions de nous en excuser.`,
            `Votre demande reste enregistrée et les articles restent mis de côté ; vous recevrez un message dès que le magasin l'aura confirmée.`,
            `Si vous préférez, vous pouvez l'annuler sans frais depuis votre compte, ou écrire à ${contact}.`,
          ]
        : [
            `Hello,`,
            '',
            `The store ${store} has not yet been able to confirm your reservation ${r.number} within the ${rules?.confirmationWithinHours ?? ''} hours announced. We apologise.`,
            `Your request stays recorded and the items stay set aside; you will get a message as soon as the store has confirmed it.`,
            `If you prefer, you may cancel it free of charge from your account, or write to ${contact}.`,
          ];
      break;
    case 'expired':
      subjectLine = fr ? `Votre réservation ${r.number} a expiré` : `Your reservation ${r.number} has expired`;
      body = fr
        ? [`Bonjour,`, '', `Le délai de garde de votre réservation ${r.number} au magasin ${store} est terminé : les articles ont été remis en vente.`, ...lines, '', `Vous pouvez faire une nouvelle réservation sur notre site.`]
        : [`Hello,`, '', `The hold of your reservation ${r.number} at the store ${store} has ended: the items are back on sale.`, ...lines, '', `You may make a new reservation on our website.`];
      break;
    case 'cancelled_by_customer':
      subjectLine = fr ? `Votre réservation ${r.number} est annulée` : `Your reservation ${r.number} is cancelled`;
      body = fr
        ? [`Bonjour,`, '', `Votre réservation ${r.number} au magasin ${store} est annulée, comme vous l'avez demandé. Rien ne vous est dû ni demandé.`]
        : [`Hello,`, '', `Your reservation ${r.number} at the store ${store} is cancelled, as you asked. Nothing is owed either way.`];
      break;
    case 'cancelled_by_store':
      subjectLine = fr ? `Votre réservation ${r.number} est annulée` : `Your reservation ${r.number} is cancelled`;
      body = fr
        ? [`Bonjour,`, '', `Le magasin ${store} a annulé votre réservation ${r.number}. Rien ne vous est demandé.`, `Pour toute question : ${contact}.`]
        : [`Hello,`, '', `The store ${store} has cancelled your reservation ${r.number}. Nothing is asked of you.`, `For any question: ${contact}.`];
      break;
  }
  return {
    to: to.email,
    subject: subjectLine,
    text: [...body, '', policy.identity.companyName].join('\n'),
    html: null,
    language: lang,
    related: { kind: 'reservation', id: r.number },
  };
}
