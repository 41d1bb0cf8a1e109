// Every query on `payments` and `payment_events`, including the one row lock
// of a payment (style.md §2): use cases lock a payment here, nowhere else.
import type { Selectable, Updateable } from 'kysely';
import type { Currency } from '../domain/money.js';
import type { PaymentState } from '../domain/payments/payment-lifecycle.js';
import type { Queryable, Tx } from './db.js';
import type { PaymentsTable } from './schema.js';

export type PaymentMethod = PaymentsTable['method'];

export type Payment = {
  id: string;
  shopId: string;
  reference: { kind: string; id: string };
  method: PaymentMethod;
  currency: Currency;
  /** Minor units. */
  amount: number;
  state: PaymentState;
  failureCode: string | null;
  captureMode: 'automatic' | 'manual' | null;
  provider: string | null;
  providerSessionId: string | null;
  redirectUrl: string | null;
  card: { brand: string; last4: string } | null;
  authorised: number;
  captured: number;
  refunded: number;
  captureRequested: number;
  refundRequested: number;
  voidRequestedAt: Date | null;
  bankTransferReference: string | null;
  dueAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

export type PaymentEventRow = {
  id: string;
  paymentId: string;
  type: string;
  providerEventId: string | null;
  stateBefore: string;
  stateAfter: string;
  receivedAt: Date;
  data: Record<string, unknown>;
};

export function toPayment(row: Selectable<PaymentsTable>): Payment {
  return {
    id: row.id,
    shopId: row.shop_id,
    reference: { kind: row.reference_kind, id: row.reference_id },
    method: row.method,
    currency: row.currency as Currency,
    amount: Number(row.amount_minor),
    state: row.state,
    failureCode: row.failure_code,
    captureMode: row.capture_mode,
    provider: row.provider,
    providerSessionId: row.provider_session_id,
    redirectUrl: row.redirect_url,
    card: row.card_brand && row.card_last4 ? { brand: row.card_brand, last4: row.card_last4 } : null,
    authorised: Number(row.authorised_minor),
    captured: Number(row.captured_minor),
    refunded: Number(row.refunded_minor),
    captureRequested: Number(row.capture_requested_minor),
    refundRequested: Number(row.refund_requested_minor),
    voidRequestedAt: row.void_requested_at,
    bankTransferReference: row.bank_transfer_reference,
    dueAt: row.due_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type NewPayment = {
  id: string;
  shopId: string;
  reference: { kind: string; id: string };
  method: PaymentMethod;
  currency: Currency;
  amount: number;
  captureMode?: 'automatic' | 'manual' | null;
  provider?: string | null;
  bankTransferReference?: string | null;
  dueAt?: Date | null;
  now: Date;
};

/** @returns the payment, or undefined when its bank transfer reference is taken in the shop (draw another). */
export async function insertPayment(tx: Tx, p: NewPayment): Promise<Payment | undefined> {
  const row = await tx
    .insertInto('payments')
    .values({
      id: p.id,
      shop_id: p.shopId,
      reference_kind: p.reference.kind,
      reference_id: p.reference.id,
      method: p.method,
      currency: p.currency,
      amount_minor: p.amount,
      state: 'pending',
      capture_mode: p.captureMode ?? null,
      provider: p.provider ?? null,
      bank_transfer_reference: p.bankTransferReference ?? null,
      due_at: p.dueAt ?? null,
      created_at: p.now,
      updated_at: p.now,
    })
    .onConflict((oc) => oc.columns(['shop_id', 'bank_transfer_reference']).doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ? toPayment(row) : undefined;
}

export async function getPayment(q: Queryable, shopId: string, id: string): Promise<Payment | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await q.selectFrom('payments').selectAll().where('shop_id', '=', shopId).where('id', '=', id).executeTakeFirst();
  return row ? toPayment(row) : undefined;
}

/** Locks one payment row until the transaction ends. */
export async function lockPayment(tx: Tx, shopId: string, id: string): Promise<Payment | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await tx.selectFrom('payments').selectAll().where('shop_id', '=', shopId).where('id', '=', id).forUpdate().executeTakeFirst();
  return row ? toPayment(row) : undefined;
}

/** Locks the payment of a provider session (webhooks name the session). */
export async function lockPaymentBySession(tx: Tx, provider: string, sessionId: string): Promise<Payment | undefined> {
  const row = await tx
    .selectFrom('payments')
    .selectAll()
    .where('provider', '=', provider)
    .where('provider_session_id', '=', sessionId)
    .forUpdate()
    .executeTakeFirst();
  return row ? toPayment(row) : undefined;
}

/** Locks the payment with this bank transfer reference (normalised `XXXX-XXXX`). */
export async function lockPaymentByTransferReference(tx: Tx, shopId: string, reference: string): Promise<Payment | undefined> {
  const row = await tx
    .selectFrom('payments')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('bank_transfer_reference', '=', reference)
    .forUpdate()
    .executeTakeFirst();
  return row ? toPayment(row) : undefined;
}

export async function updatePayment(tx: Tx, id: string, set: Updateable<PaymentsTable>, now: Date): Promise<Payment> {
  const row = await tx
    .updateTable('payments')
    .set({ ...set, updated_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toPayment(row);
}

export async function paymentEventExists(q: Queryable, providerEventId: string): Promise<boolean> {
  const row = await q.selectFrom('payment_events').select('id').where('provider_event_id', '=', providerEventId).executeTakeFirst();
  return row !== undefined;
}

/** @returns false when an event with this provider event id was already recorded (a duplicate delivery). */
export async function insertPaymentEvent(
  tx: Tx,
  e: { paymentId: string; type: string; providerEventId?: string | null; stateBefore: string; stateAfter: string; data: Record<string, unknown>; now: Date },
): Promise<boolean> {
  const result = await tx
    .insertInto('payment_events')
    .values({
      payment_id: e.paymentId,
      type: e.type,
      provider_event_id: e.providerEventId ?? null,
      state_before: e.stateBefore,
      state_after: e.stateAfter,
      received_at: e.now,
      data: JSON.stringify(e.data),
    })
    .onConflict((oc) => oc.column('provider_event_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function listPaymentEvents(q: Queryable, paymentId: string): Promise<PaymentEventRow[]> {
  const rows = await q.selectFrom('payment_events').selectAll().where('payment_id', '=', paymentId).orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    paymentId: r.payment_id,
    type: r.type,
    providerEventId: r.provider_event_id,
    stateBefore: r.state_before,
    stateAfter: r.state_after,
    receivedAt: r.received_at,
    data: r.data,
  }));
}

export async function listPaymentsFor(q: Queryable, shopId: string, reference: { kind: string; id: string }): Promise<Payment[]> {
  const rows = await q
    .selectFrom('payments')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('reference_kind', '=', reference.kind)
    .where('reference_id', '=', reference.id)
    .orderBy('created_at')
    .execute();
  return rows.map(toPayment);
}

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
