// Issue 4 §4, the payment side: the use cases the order work calls.
//
// - startPayment: a card or wallet payment — the payment row, then a session
//   at the provider (idempotency key `payment.session:<id>`); the customer is
//   sent to the provider's hosted page (PA-1: card data never touches the engine).
// - handleProviderWebhook: verify (signature + engine-time freshness) → dedupe
//   by the provider's event id → lifecycle transition, in one transaction.
// - capturePayment / voidPayment / refundPayment: checked against what was
//   authorised / captured (requests in flight included), then sent to the
//   provider THROUGH THE OUTBOX (kind `payment.provider_call`) with an
//   idempotency key derived from the caller's key (style.md §4). The state
//   moves when the provider's webhook confirms; a refusal by the provider is
//   compensated explicitly (the requested amount is released, an event says why).
// - cancelPaymentSession: a card / wallet payment nobody paid yet, whose order
//   is cancelled (OR-7), is closed at the provider through the outbox too, so
//   its hosted page can no longer authorise it.
// - startBankTransferPayment / recordBankTransferReceived / expireBankTransfer (PA-5).
// - recordTransferRefundDue / recordBankTransferRefund: money received by
//   transfer goes back by a transfer the shop makes (no provider to call).
//
// Why a session is created synchronously and not through the outbox: the
// customer must be redirected now. The call carries an idempotency key, so a
// retry never creates a second session; a session orphaned by a rolled-back
// transaction is never paid (nobody knows its URL) and simply stays open.
import { randomInt, randomUUID } from 'node:crypto';
import { ManualClock, type Clock } from '../adapters/clock.js';
import type { FinancingPartner } from '../adapters/financing/partner.js';
import { sandboxFinancingPartner } from '../adapters/financing/sandbox.js';
import { ProviderRefusal, type CaptureMode, type CardRules, type PaymentProvider, type PaymentSessionMethod, type ProviderEvent, type WebhookHeaders } from '../adapters/payments/provider.js';
import { SandboxPaymentProvider } from '../adapters/payments/sandbox/provider.js';
import { SANDBOX_WEBHOOK, SandboxPsp } from '../adapters/payments/sandbox/psp.js';
import { sandboxWebhookHandler } from '../adapters/payments/sandbox/webhooks.js';
import type { Config } from '../config.js';
import { localDateIn } from '../domain/calendar/local-date.js';
import { isCalendarDate } from '../domain/calendar/working-days.js';
import { DomainError } from '../domain/errors.js';
import { money, parseAmount, type Money } from '../domain/money.js';
import {
  bankTransferDeadline,
  bankTransferReference,
  normaliseBankTransferReference,
  REFERENCE_ALPHABET,
  REFERENCE_BODY_LENGTH,
} from '../domain/payments/bank-transfer.js';
import { canTransition, reachableFrom, transition, type PaymentState } from '../domain/payments/payment-lifecycle.js';
import type { Policy } from '../policy/schema.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import { inTransaction, separatePool, type Db, type Queryable, type Tx } from '../store/db.js';
import { appendEvidence } from '../store/evidence.js';
import { enqueue, getOutboxMessage } from '../store/outbox.js';
import {
  getPayment,
  insertPayment,
  insertPaymentEvent,
  listPaymentsFor,
  lockPayment,
  lockPaymentBySession,
  lockPaymentByTransferReference,
  paymentEventExists,
  updatePayment,
  type Payment,
} from '../store/payments.js';
import { getOrCreateSecret } from '../store/secrets.js';
import { cancelTimer } from '../store/timers.js';

export type { Payment, PaymentEventRow } from '../store/payments.js';
export { listPaymentEvents, listPaymentsFor, getPayment } from '../store/payments.js';

/** What the engine holds of its payment provider (AppContext.payments). */
export type PaymentsContext = {
  provider: PaymentProvider;
  /** The sandbox PSP itself, for its hosted pages (src/adapters/payments/sandbox/routes.tsx). */
  sandbox: SandboxPsp;
  /** The secret the sandbox signs its webhooks with (the provider verifies with the same). */
  webhookSecret: Buffer;
  /** PA-4: the financing partner for instalments (the sandbox one, alongside the sandbox PSP). */
  financing: FinancingPartner;
};

/**
 * The sandbox PSP and its client. The webhook secret is SANDBOX_PAYMENTS_SECRET,
 * or, outside production, one generated once and kept in the database. In
 * production without the variable the sandbox is off (undefined): a live shop
 * never takes test payments by accident.
 */
export async function openPayments(config: Config, db: Db, clock: Clock, shopId: string): Promise<PaymentsContext | undefined> {
  let secret: Buffer;
  if (config.sandboxPaymentsSecret) secret = Buffer.from(config.sandboxPaymentsSecret, 'utf8');
  else if (config.env !== 'production') secret = await getOrCreateSecret(db, 'sandbox_payments_webhook', 32);
  else return undefined;
  // The sandbox stands for a separate service: its own connections, its own
  // reading of the (manual) clock. placeOrder asks it for a session while
  // holding stock locks; on the engine's pool, ten concurrent checkouts could
  // hold every connection and wait for it forever.
  const sandboxDb = separatePool(db, 5);
  const sandboxClock = clock instanceof ManualClock ? await ManualClock.open(sandboxDb) : clock;
  const sandbox = new SandboxPsp({ db: sandboxDb, merchant: shopId, baseUrl: config.publicUrl });
  return { provider: new SandboxPaymentProvider(sandbox, sandboxClock, secret), sandbox, webhookSecret: secret, financing: sandboxFinancingPartner };
}

/** PA-3: at_order → the provider authorises and captures at once; at_dispatch → authorise now, capture per shipment. */
export function captureModeFor(policy: Policy): CaptureMode {
  return policy.payment.capture === 'at_dispatch' ? 'manual' : 'automatic';
}

/**
 * PA-1, PA-2: the shop's card rules, which the provider enforces on its hosted
 * page (only it sees the card). A wallet session has none (CreateSessionInput).
 */
export function cardRulesFor(policy: Policy, method: PaymentSessionMethod): CardRules | null {
  if (method === 'wallet') return null;
  const card = policy.payment.methods.card;
  if (!card) throw new DomainError('payment.method_not_offered', { field: 'paymentMethod', rule: 'PA-1', method });
  return { strongAuthentication: card.threeDSecure, issuerCountries: card.issuedInCountries ?? null };
}

function assertReference(reference: { kind: string; id: string }): void {
  if (!/^[a-z_]{1,40}$/.test(reference.kind)) throw new DomainError('payment.invalid_reference', { field: 'reference.kind' });
  if (!reference.id || reference.id.length > 100) throw new DomainError('payment.invalid_reference', { field: 'reference.id' });
}

function assertAmount(amount: Money, field = 'amount'): void {
  if (!Number.isSafeInteger(amount.amount) || amount.amount <= 0) throw new DomainError('payment.invalid_amount', { field });
}

async function evidence(tx: Tx, payment: Payment, kind: string, actor: string, data: Record<string, string | number | boolean | null>, now: Date): Promise<void> {
  // OR-6: payment events land in the evidence log, about what was paid for.
  await appendEvidence(tx, {
    shopId: payment.shopId,
    kind,
    subject: { type: payment.reference.kind, id: payment.reference.id },
    actor,
    data: { paymentId: payment.id, method: payment.method, currency: payment.currency, ...data },
    at: now,
  });
}

// ---- Card and wallet ----------------------------------------------------------

export type StartPaymentInput = {
  shopId: string;
  reference: { kind: string; id: string };
  method: PaymentSessionMethod;
  amount: Money;
  captureMode: CaptureMode;
  /** PA-1, PA-2: the shop's card rules (`cardRulesFor`); null for a wallet. */
  cardRules: CardRules | null;
  /** Where the provider sends the customer back (`?payment=<id>` is added). */
  returnUrl: string;
  now: Date;
};

/**
 * A card or wallet payment, step 1: the payment row (pending, no session yet),
 * in the transaction of what it pays for. The session is opened by
 * `openPaymentSession` — after that transaction commits when the caller can
 * (placeOrder does: no provider call while it holds the stock and number locks,
 * and no session exists for an order that was never committed).
 */
export async function preparePayment(tx: Tx, input: Omit<StartPaymentInput, 'cardRules' | 'returnUrl'>): Promise<Payment> {
  assertReference(input.reference);
  assertAmount(input.amount);
  const payment = await insertPayment(tx, {
    id: randomUUID(),
    shopId: input.shopId,
    reference: input.reference,
    method: input.method,
    currency: input.amount.currency,
    amount: input.amount.amount,
    captureMode: input.captureMode,
    provider: null,
    now: input.now,
  });
  if (!payment) throw new Error('preparePayment: the payment row was not inserted');
  return payment;
}

/**
 * Step 2: the session at the provider for a pending payment, under an
 * idempotency key (`payment.session:<id>`): asked again — a retry, a
 * repeated order submit — it returns the same session, never a second one.
 */
export async function openPaymentSession(
  q: Queryable,
  provider: PaymentProvider,
  input: { shopId: string; paymentId: string; cardRules: CardRules | null; returnUrl: string; now: Date },
): Promise<{ payment: Payment; redirectUrl: string }> {
  return inTransaction(q, async (tx) => {
    const locked = await lockPayment(tx, input.shopId, input.paymentId);
    if (!locked) throw new DomainError('payment.not_found', { field: 'paymentId' });
    if (locked.redirectUrl) return { payment: locked, redirectUrl: locked.redirectUrl };
    if (locked.state !== 'pending' || (locked.method !== 'card' && locked.method !== 'wallet')) {
      throw new DomainError('payment.not_pending', { field: 'paymentId', state: locked.state });
    }
    const session = await provider.createSession({
      paymentId: locked.id,
      amount: locked.amount,
      currency: locked.currency,
      method: locked.method,
      returnUrl: input.returnUrl,
      idempotencyKey: `payment.session:${locked.id}`,
      captureMode: locked.captureMode ?? 'automatic',
      cardRules: input.cardRules,
    });
    const payment = await updatePayment(tx, locked.id, { provider: provider.name, provider_session_id: session.sessionId, redirect_url: session.redirectUrl }, input.now);
    await insertPaymentEvent(tx, { paymentId: locked.id, type: 'session.created', stateBefore: 'pending', stateAfter: 'pending', data: { sessionId: session.sessionId }, now: input.now });
    return { payment, redirectUrl: session.redirectUrl };
  });
}

/**
 * OR-6: `payment.started` for a prepared payment, in the transaction of what it
 * pays for — as late in it as the caller can (the evidence head stays locked
 * until the commit); the session that follows is recorded in payment_events.
 */
export async function provePaymentStarted(tx: Tx, payment: Payment, now: Date): Promise<void> {
  await evidence(tx, payment, 'payment.started', 'system', { amount: payment.amount, captureMode: payment.captureMode ?? 'automatic' }, now);
}

/**
 * RF-4: the part of an order paid with the customer's store credit, captured
 * as the order is placed — no provider: src/app/store-credit.ts records the
 * use in the credit's ledger, and gives it back as credit (RF-3).
 */
export async function captureStoreCreditPayment(tx: Tx, input: { shopId: string; reference: { kind: string; id: string }; amount: Money; now: Date }): Promise<Payment> {
  assertReference(input.reference);
  assertAmount(input.amount);
  const payment = await insertPayment(tx, { id: randomUUID(), shopId: input.shopId, reference: input.reference, method: 'store_credit', currency: input.amount.currency, amount: input.amount.amount, captureMode: 'automatic', now: input.now });
  if (!payment) throw new Error('captureStoreCreditPayment: the payment row was not inserted');
  const state = transition(transition(payment.state, 'authorise'), 'capture_full');
  const captured = await updatePayment(tx, payment.id, { state, authorised_minor: payment.amount, captured_minor: payment.amount, capture_requested_minor: payment.amount }, input.now);
  await insertPaymentEvent(tx, { paymentId: payment.id, type: 'store_credit.used', stateBefore: payment.state, stateAfter: state, data: { amount: payment.amount }, now: input.now });
  return captured;
}

/** OR-6: `payment.captured` for a payment taken in the transaction of what it pays for (store credit), as late in it as the caller can. */
export async function provePaymentCaptured(tx: Tx, payment: Payment, now: Date): Promise<void> {
  await evidence(tx, payment, 'payment.captured', 'system', { amount: payment.amount }, now);
}

/** Both steps in one transaction, for a payment that needs no other lock. */
export async function startPayment(tx: Tx, provider: PaymentProvider, input: StartPaymentInput): Promise<{ payment: Payment; redirectUrl: string }> {
  const payment = await preparePayment(tx, input);
  await provePaymentStarted(tx, payment, input.now);
  return openPaymentSession(tx, provider, { shopId: input.shopId, paymentId: payment.id, cardRules: input.cardRules, returnUrl: input.returnUrl, now: input.now });
}

// ---- What the payment is for -----------------------------------------------------

/**
 * Called in the transaction of a payment's state change (provider webhook,
 * bank transfer received) for the payment's reference kind — e.g. the order
 * work (src/app/orders.ts) registers 'order' and moves the order to `paid`.
 * Runs after the payment row is updated and before the payment's evidence
 * event, under the payment's lock (lock order: payment → what it pays for → evidence head).
 */
export type PaymentStateListener = (tx: Tx, payment: Payment, before: PaymentState, now: Date) => Promise<void>;
const paymentStateListeners = new Map<string, PaymentStateListener>();

/** Registers the one listener of a reference kind (a second registration replaces the first). */
export function onPaymentStateChanged(referenceKind: string, listener: PaymentStateListener): void {
  paymentStateListeners.set(referenceKind, listener);
}

async function notifyStateChanged(tx: Tx, payment: Payment, before: PaymentState, now: Date): Promise<void> {
  if (payment.state === before) return;
  await paymentStateListeners.get(payment.reference.kind)?.(tx, payment, before, now);
}

// ---- Webhooks -----------------------------------------------------------------

export type WebhookOutcome = { outcome: 'processed' | 'duplicate' | 'ignored'; eventId: string; paymentId: string; state: PaymentState };

function targetOf(event: ProviderEvent, payment: Payment): PaymentState {
  const d = event.data;
  switch (event.type) {
    case 'payment.requires_action':
      return 'requires_action';
    case 'payment.authorised':
      return 'authorised';
    case 'payment.captured': // a final capture (PA-3) released the rest: the provider's authorised total came down to it
      if (payment.state === 'partially_refunded') return 'partially_refunded'; // a later parcel captured after an earlier one was refunded
      return d.capturedTotal >= Math.min(payment.amount, d.authorisedTotal) ? 'captured' : 'partially_captured';
    case 'payment.refunded': // with an authorisation still to capture (PA-3: parcels to come), not over yet
      return d.refundedTotal >= Math.max(d.capturedTotal, payment.captured) && d.authorisedTotal <= d.capturedTotal ? 'refunded' : 'partially_refunded';
    case 'payment.voided': // after partial captures, only the remainder was released (PA-3): what was captured (or refunded) stays
      if (d.capturedTotal === 0) return 'voided';
      if (payment.state === 'partially_refunded' || payment.state === 'refunded') return d.refundedTotal >= d.capturedTotal ? 'refunded' : 'partially_refunded';
      return 'captured';
    case 'payment.failed':
      return 'failed';
  }
}

/**
 * A provider's webhook: verified (forged → `payment.webhook_signature_invalid`
 * 401, stale → `payment.webhook_timestamp_stale` 400), deduplicated by the
 * provider's event id (a second delivery → 'duplicate', nothing reprocessed),
 * then applied as one lifecycle transition with its event and evidence, in
 * one transaction (`q` may be the pool or an open transaction).
 *
 * Order: PSPs do not promise it. An event whose state is already behind the
 * payment (an `authorised` arriving after `captured`) is recorded and
 * 'ignored'; an event that comes too early (a `captured` before its
 * `authorised`) is refused with `payment.webhook_out_of_order` (409) so the
 * provider sends it again later.
 */
export async function handleProviderWebhook(
  q: Queryable,
  provider: PaymentProvider,
  rawBody: Buffer | string,
  headers: WebhookHeaders,
  now: Date,
): Promise<WebhookOutcome> {
  const event = provider.verifyWebhook(rawBody, headers, now);
  return inTransaction(q, async (tx) => {
    const payment = await lockPaymentBySession(tx, provider.name, event.data.sessionId);
    if (!payment) throw new DomainError('payment.not_found', { field: 'data.sessionId' });
    if (payment.id !== event.data.paymentId || payment.currency !== event.data.currency) {
      throw new DomainError('payment.webhook_invalid', { field: 'data.paymentId' });
    }
    const result = (outcome: WebhookOutcome['outcome'], state: PaymentState): WebhookOutcome => ({ outcome, eventId: event.id, paymentId: payment.id, state });
    // Dedupe under the payment's lock: a second delivery of this event id is acknowledged, not reprocessed.
    if (await paymentEventExists(tx, event.id)) return result('duplicate', payment.state);

    const target = targetOf(event, payment);
    const data = { ...event.data, created: event.created.toISOString() } as Record<string, unknown>;
    const legal = canTransition(payment.state, target);
    if (!legal) {
      if (reachableFrom(payment.state).has(target)) {
        throw new DomainError('payment.webhook_out_of_order', { field: 'type', state: payment.state, type: event.type });
      }
      await insertPaymentEvent(tx, { paymentId: payment.id, type: event.type, providerEventId: event.id, stateBefore: payment.state, stateAfter: payment.state, data: { ...data, ignored: true }, now });
      return result('ignored', payment.state);
    }
    const d = event.data;
    const updated = await updatePayment(
      tx,
      payment.id,
      {
        state: target,
        authorised_minor: Math.max(payment.authorised, d.authorisedTotal),
        captured_minor: Math.max(payment.captured, d.capturedTotal),
        refunded_minor: Math.max(payment.refunded, d.refundedTotal),
        ...(target === 'failed' ? { failure_code: d.failureCode ?? 'failed' } : {}),
        ...(d.card ? { card_brand: d.card.brand, card_last4: d.card.last4 } : {}),
      },
      now,
    );
    await insertPaymentEvent(tx, { paymentId: payment.id, type: event.type, providerEventId: event.id, stateBefore: payment.state, stateAfter: target, data, now });
    await notifyStateChanged(tx, updated, payment.state, now);
    await evidence(
      tx,
      updated,
      event.type,
      `provider:${provider.name}`,
      {
        providerEventId: event.id,
        state: target,
        amount: d.amount,
        capturedTotal: updated.captured,
        refundedTotal: updated.refunded,
        failureCode: target === 'failed' ? (updated.failureCode ?? null) : null,
      },
      now,
    );
    return result('processed', target);
  });
}

// ---- Capture, void, refund (through the outbox) --------------------------------

export const PAYMENT_PROVIDER_CALL = 'payment.provider_call';

type ProviderCall = { operation: 'capture' | 'void' | 'refund' | 'cancel_session'; paymentId: string; sessionId: string; amount: number; currency: string; final?: boolean };

async function lockForOperation(tx: Tx, shopId: string, paymentId: string): Promise<Payment & { providerSessionId: string }> {
  const payment = await lockPayment(tx, shopId, paymentId);
  if (!payment) throw new DomainError('payment.not_found', { field: 'paymentId' });
  if (!payment.providerSessionId) throw new DomainError('payment.no_provider_session', { field: 'paymentId', method: payment.method });
  return payment as Payment & { providerSessionId: string };
}

function assertOperationKey(key: string): void {
  if (!/^[A-Za-z0-9._:-]{1,100}$/.test(key)) throw new DomainError('payment.invalid_operation_key', { field: 'key' });
}

export type PaymentOperationInput = {
  shopId: string;
  paymentId: string;
  /** The caller's key for this operation (e.g. `shipment:42`): calling again with it does nothing more. */
  key: string;
  now: Date;
};

/**
 * PA-3: captures `amount` (all or part of what is authorised; at dispatch, the
 * shipped items only). Refused above what is authorised minus the captures
 * already asked: `payment.capture_exceeds_authorised`.
 */
export async function capturePayment(tx: Tx, input: PaymentOperationInput & { amount: Money; final?: boolean }): Promise<Payment> {
  assertOperationKey(input.key);
  const payment = await lockForOperation(tx, input.shopId, input.paymentId);
  const key = `payment.capture:${payment.id}:${input.key}`;
  if (await getOutboxMessage(tx, key)) return payment; // same operation key: already asked
  assertAmount(input.amount);
  if (input.amount.currency !== payment.currency) throw new DomainError('payment.currency_mismatch', { field: 'amount', currency: payment.currency });
  // PA-3: a parcel refunded (a claim, a return) leaves the rest of the authorisation to capture for the next parcels.
  if (!['authorised', 'partially_captured', 'partially_refunded'].includes(payment.state) || payment.voidRequestedAt) {
    throw new DomainError('payment.not_capturable', { field: 'paymentId', state: payment.state, rule: 'PA-3' });
  }
  if (payment.captureRequested + input.amount.amount > payment.authorised) {
    throw new DomainError('payment.capture_exceeds_authorised', { field: 'amount', rule: 'PA-3', authorised: payment.authorised, requested: payment.captureRequested });
  }
  const call: ProviderCall = { operation: 'capture', paymentId: payment.id, sessionId: payment.providerSessionId, amount: input.amount.amount, currency: payment.currency, final: input.final === true };
  await enqueue(tx, { shopId: payment.shopId, kind: PAYMENT_PROVIDER_CALL, key, payload: call }, input.now);
  return updatePayment(tx, payment.id, { capture_requested_minor: payment.captureRequested + input.amount.amount }, input.now);
}

/**
 * PA-3: releases what is left of an authorisation after partial captures (the
 * order's remaining lines will never ship). The provider confirms with
 * `payment.voided`, and the payment ends `captured` at what was captured.
 */
export async function releaseAuthorisationRemainder(tx: Tx, input: Omit<PaymentOperationInput, 'key'>): Promise<Payment> {
  const payment = await lockForOperation(tx, input.shopId, input.paymentId);
  const key = `payment.release:${payment.id}`;
  if (await getOutboxMessage(tx, key)) return payment;
  if (!['authorised', 'partially_captured', 'partially_refunded'].includes(payment.state) || payment.captureRequested === 0 || payment.captureRequested >= payment.authorised || payment.voidRequestedAt) {
    throw new DomainError('payment.nothing_to_release', { field: 'paymentId', state: payment.state, rule: 'PA-3' });
  }
  const call: ProviderCall = { operation: 'void', paymentId: payment.id, sessionId: payment.providerSessionId, amount: payment.authorised - payment.captureRequested, currency: payment.currency };
  await enqueue(tx, { shopId: payment.shopId, kind: PAYMENT_PROVIDER_CALL, key, payload: call }, input.now);
  return updatePayment(tx, payment.id, { void_requested_at: input.now }, input.now);
}

/** Releases an authorisation nothing was captured from (an order cancelled before dispatch). */
export async function voidPayment(tx: Tx, input: Omit<PaymentOperationInput, 'key'>): Promise<Payment> {
  const payment = await lockForOperation(tx, input.shopId, input.paymentId);
  const key = `payment.void:${payment.id}`;
  if (await getOutboxMessage(tx, key)) return payment;
  if (payment.state !== 'authorised' || payment.captureRequested > 0) {
    throw new DomainError('payment.not_voidable', { field: 'paymentId', state: payment.state });
  }
  const call: ProviderCall = { operation: 'void', paymentId: payment.id, sessionId: payment.providerSessionId, amount: payment.authorised, currency: payment.currency };
  await enqueue(tx, { shopId: payment.shopId, kind: PAYMENT_PROVIDER_CALL, key, payload: call }, input.now);
  return updatePayment(tx, payment.id, { void_requested_at: input.now }, input.now);
}

/**
 * OR-7: closes the provider session of a card / wallet payment nobody has paid
 * yet (pending, or in its 3-D Secure challenge) — its order is cancelled — so
 * the hosted page refuses to authorise it. The payment fails when the
 * provider's webhook confirms (`session_cancelled`). Paid meanwhile, the
 * provider refuses the call, and the order work voids or refunds the payment
 * when its webhook arrives (`orderPaymentChanged`, src/app/orders.ts).
 */
export async function cancelPaymentSession(tx: Tx, input: Omit<PaymentOperationInput, 'key'>): Promise<Payment> {
  const payment = await lockForOperation(tx, input.shopId, input.paymentId);
  const key = `payment.cancel_session:${payment.id}`;
  if (await getOutboxMessage(tx, key)) return payment;
  if (payment.state !== 'pending' && payment.state !== 'requires_action') {
    throw new DomainError('payment.not_cancellable', { field: 'paymentId', state: payment.state });
  }
  const call: ProviderCall = { operation: 'cancel_session', paymentId: payment.id, sessionId: payment.providerSessionId, amount: payment.amount, currency: payment.currency };
  await enqueue(tx, { shopId: payment.shopId, kind: PAYMENT_PROVIDER_CALL, key, payload: call }, input.now);
  await insertPaymentEvent(tx, { paymentId: payment.id, type: 'session.cancel_requested', stateBefore: payment.state, stateAfter: payment.state, data: { key }, now: input.now });
  return payment;
}

/**
 * Refunds `amount` of what was captured (confirmed by the provider). Never
 * above it: with the refunds already asked, `payment.refund_exceeds_captured`.
 */
export async function refundPayment(tx: Tx, input: PaymentOperationInput & { amount: Money }): Promise<Payment> {
  assertOperationKey(input.key);
  const payment = await lockForOperation(tx, input.shopId, input.paymentId);
  const key = `payment.refund:${payment.id}:${input.key}`;
  if (await getOutboxMessage(tx, key)) return payment;
  assertAmount(input.amount);
  if (input.amount.currency !== payment.currency) throw new DomainError('payment.currency_mismatch', { field: 'amount', currency: payment.currency });
  if (!['captured', 'partially_captured', 'partially_refunded'].includes(payment.state)) {
    throw new DomainError('payment.not_refundable', { field: 'paymentId', state: payment.state });
  }
  if (payment.refundRequested + input.amount.amount > payment.captured) {
    throw new DomainError('payment.refund_exceeds_captured', { field: 'amount', captured: payment.captured, refundRequested: payment.refundRequested });
  }
  const call: ProviderCall = { operation: 'refund', paymentId: payment.id, sessionId: payment.providerSessionId, amount: input.amount.amount, currency: payment.currency };
  await enqueue(tx, { shopId: payment.shopId, kind: PAYMENT_PROVIDER_CALL, key, payload: call }, input.now);
  return updatePayment(tx, payment.id, { refund_requested_minor: payment.refundRequested + input.amount.amount }, input.now);
}

/**
 * The outbox handler of `payment.provider_call`: performs the call with the
 * message's key as idempotency key (a retry after a crash is the same call).
 * A refusal by the provider is compensated here: the requested amount is
 * released and the refusal recorded; a transient error is thrown and retried.
 */
export function providerCallHandler(provider: PaymentProvider) {
  return async (tx: Tx, message: { shopId: string; key: string; payload: Record<string, unknown> }, now: Date): Promise<void> => {
    const call = message.payload as ProviderCall;
    const amount = money(call.amount, call.currency as Money['currency']);
    try {
      if (call.operation === 'capture') await provider.capture(call.sessionId, amount, message.key, { final: call.final === true });
      else if (call.operation === 'void') {
        // A remainder is released only once the captures asked before it are done (the outbox keeps no order between messages).
        const payment = await lockPayment(tx, message.shopId, call.paymentId);
        if (payment && payment.captured < payment.captureRequested) throw new Error(`payment ${payment.id}: captures still in flight, remainder released later`);
        await provider.void(call.sessionId, message.key);
      }
      else if (call.operation === 'cancel_session') await provider.cancelSession(call.sessionId, message.key);
      else await provider.refund(call.sessionId, amount, message.key);
    } catch (error) {
      if (!(error instanceof ProviderRefusal)) throw error;
      const payment = await lockPayment(tx, message.shopId, call.paymentId);
      if (!payment) throw error;
      const release =
        call.operation === 'capture'
          ? { capture_requested_minor: Math.max(0, payment.captureRequested - call.amount) }
          : call.operation === 'refund'
            ? { refund_requested_minor: Math.max(0, payment.refundRequested - call.amount) }
            : call.operation === 'void'
              ? { void_requested_at: null }
              : {}; // cancel_session: paid meanwhile — its webhook brings the payment to the order work, which gives the money back
      await updatePayment(tx, payment.id, release, now);
      await insertPaymentEvent(tx, {
        paymentId: payment.id,
        type: `${call.operation}.refused`,
        stateBefore: payment.state,
        stateAfter: payment.state,
        data: { code: error.code, amount: call.amount, key: message.key },
        now,
      });
    }
  };
}

/** The outbox kinds of the payment side (registered in src/jobs/outbox-kinds.ts). */
export function paymentOutboxHandlers(payments: PaymentsContext) {
  return {
    [PAYMENT_PROVIDER_CALL]: providerCallHandler(payments.provider),
    // The sandbox's webhooks, delivered in-process to the same function as
    // POST /api/webhooks/sandbox-payments (see src/adapters/payments/sandbox/webhooks.ts).
    [SANDBOX_WEBHOOK]: sandboxWebhookHandler({
      secret: payments.webhookSecret,
      deliver: async (tx, rawBody, headers, now) => {
        try {
          const outcome = await handleProviderWebhook(tx, payments.provider, rawBody, headers, now);
          return { status: 200, body: outcome };
        } catch (error) {
          if (error instanceof DomainError) return { status: 400, body: { code: error.code } };
          throw error;
        }
      },
    }),
  };
}

// ---- Bank transfer (PA-5) --------------------------------------------------------

/** Timer kind of the bank transfer deadline; the order work registers its handler and schedules it. */
export const BANK_TRANSFER_DEADLINE_TIMER = 'payment.bank_transfer_deadline';

/** The key the order work schedules the deadline under (cancelled when the money arrives). */
export function bankTransferTimerKey(shopId: string, paymentId: string): string {
  return `${BANK_TRANSFER_DEADLINE_TIMER}:${shopId}:${paymentId}`;
}

export type BankTransferInstructions = {
  reference: string;
  holder: string;
  iban: string;
  bic: string;
  amount: Money;
  /** Last day for the money to arrive, and the instant the order is cancelled without it. */
  lastDay: string;
  dueAt: Date;
};

/**
 * A payment the customer makes by transfer to the shop's account (PA-5 bank
 * transfer, PA-7 deferred invoice): pending, with a typable reference drawn
 * free in the shop (check character: src/domain/payments/bank-transfer.ts)
 * and the instant it is due.
 */
async function insertAwaitedTransfer(
  tx: Tx,
  input: { shopId: string; reference: { kind: string; id: string }; method: 'bank_transfer' | 'deferred'; amount: Money; dueAt: Date; now: Date },
): Promise<Payment> {
  assertReference(input.reference);
  assertAmount(input.amount);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const transferReference = bankTransferReference(Array.from({ length: REFERENCE_BODY_LENGTH }, () => randomInt(REFERENCE_ALPHABET.length)));
    const payment = await insertPayment(tx, {
      id: randomUUID(),
      shopId: input.shopId,
      reference: input.reference,
      method: input.method,
      currency: input.amount.currency,
      amount: input.amount.amount,
      bankTransferReference: transferReference,
      dueAt: input.dueAt,
      now: input.now,
    });
    if (!payment) continue; // reference already used in this shop: draw another
    await insertPaymentEvent(tx, { paymentId: payment.id, type: `${input.method}.awaited`, stateBefore: 'pending', stateAfter: 'pending', data: { reference: transferReference, dueAt: input.dueAt.toISOString() }, now: input.now });
    await evidence(tx, payment, 'payment.started', 'system', { amount: payment.amount, transferReference, dueAt: input.dueAt.toISOString() }, input.now);
    return payment;
  }
  throw new Error('insertAwaitedTransfer: could not draw a free reference');
}

/**
 * PA-5: a payment waiting for a bank transfer, with its reference and the
 * shop's account; `dueAt` is when the order work's timer (BANK_TRANSFER_DEADLINE_TIMER,
 * key `bankTransferTimerKey`) cancels the order.
 */
export async function startBankTransferPayment(
  tx: Tx,
  input: { shopId: string; policy: Policy; reference: { kind: string; id: string }; amount: Money; now: Date },
): Promise<{ payment: Payment; instructions: BankTransferInstructions }> {
  const method = input.policy.payment.methods.bankTransfer;
  if (!method) throw new DomainError('payment.method_not_offered', { field: 'method', rule: 'PA-1', method: 'bank_transfer' });
  const deadline = bankTransferDeadline({
    orderedAt: input.now,
    payWithin: method.payWithinDays,
    timeZone: input.policy.shop.timeZone,
    place: { country: input.policy.shop.dispatchCountry },
  });
  const payment = await insertAwaitedTransfer(tx, { ...input, method: 'bank_transfer', dueAt: deadline.dueAt });
  return {
    payment,
    instructions: { reference: payment.bankTransferReference!, holder: method.account.holder, iban: method.account.iban, bic: method.account.bic, amount: input.amount, lastDay: deadline.lastDay, dueAt: deadline.dueAt },
  };
}

/** Timer kind of a deferred invoice's due date (PA-7); src/app/deferred-payments.ts handles it. */
export const DEFERRED_PAYMENT_DUE_TIMER = 'payment.deferred_due';

export function deferredPaymentTimerKey(shopId: string, paymentId: string): string {
  return `${DEFERRED_PAYMENT_DUE_TIMER}:${shopId}:${paymentId}`;
}

export type BankAccount = { holder: string; iban: string; bic: string };

/** PA-7: the account a deferred invoice is paid to (the policy's schema makes sure there is one). */
export function deferredPaymentAccount(policy: Policy): BankAccount {
  const account = policy.payment.methods.deferredB2B?.account ?? policy.payment.methods.bankTransfer?.account;
  if (!account) throw new DomainError('payment.method_not_offered', { field: 'method', rule: 'PA-1', method: 'deferred' });
  return account;
}

/** PA-7: the due date of an invoice on a deferred payment issued at `now` (the policy's payment term, counted like PA-5). */
export function deferredPaymentDue(policy: Policy, now: Date): { lastDay: string; dueAt: Date } {
  const method = policy.payment.methods.deferredB2B;
  if (!method) throw new DomainError('payment.method_not_offered', { field: 'method', rule: 'PA-1', method: 'deferred' });
  return bankTransferDeadline({ orderedAt: now, payWithin: method.paymentTerm, timeZone: policy.shop.timeZone, place: { country: policy.shop.dispatchCountry } });
}

/**
 * PA-1/PA-7: an authorised professional pays the invoice by transfer by
 * `dueAt` (`deferredPaymentDue`: the policy's payment term, counted like PA-5
 * from the day after the order, the invoice being issued at order). The
 * caller schedules DEFERRED_PAYMENT_DUE_TIMER at `dueAt`.
 */
export async function startDeferredPayment(tx: Tx, input: { shopId: string; reference: { kind: string; id: string }; amount: Money; dueAt: Date; now: Date }): Promise<Payment> {
  return insertAwaitedTransfer(tx, { ...input, method: 'deferred' });
}

/**
 * PA-5 / PA-7, staff: the transfer arrived — for a bank-transfer order or a
 * deferred invoice — (found by its reference as typed on the statement, or by
 * payment id). The full amount only: a different amount is
 * refused (`payment.bank_transfer_amount_mismatch`) for staff to sort out.
 */
export async function recordBankTransferReceived(
  tx: Tx,
  input: { shopId: string; reference?: string; paymentId?: string; amount: Money; actor: Actor; now: Date },
): Promise<Payment> {
  let payment: Payment | undefined;
  if (input.paymentId) payment = await lockPayment(tx, input.shopId, input.paymentId);
  else {
    const reference = normaliseBankTransferReference(input.reference ?? '');
    if (!reference) throw new DomainError('payment.bank_transfer_reference_invalid', { field: 'reference', rule: 'PA-5' });
    payment = await lockPaymentByTransferReference(tx, input.shopId, reference);
  }
  if (!payment || (payment.method !== 'bank_transfer' && payment.method !== 'deferred')) throw new DomainError('payment.not_found', { field: input.paymentId ? 'paymentId' : 'reference' });
  if (payment.state !== 'pending') throw new DomainError('payment.bank_transfer_not_pending', { field: 'reference', rule: 'PA-5', state: payment.state });
  if (input.amount.currency !== payment.currency || input.amount.amount !== payment.amount) {
    throw new DomainError('payment.bank_transfer_amount_mismatch', { field: 'amount', rule: 'PA-5', expected: payment.amount, currency: payment.currency });
  }
  const state = transition(transition(payment.state, 'authorise'), 'capture_full');
  const updated = await updatePayment(tx, payment.id, { state, authorised_minor: payment.amount, captured_minor: payment.amount, capture_requested_minor: payment.amount }, input.now);
  await insertPaymentEvent(tx, { paymentId: payment.id, type: 'bank_transfer.received', stateBefore: payment.state, stateAfter: state, data: { amount: payment.amount, by: actorLabel(input.actor) }, now: input.now });
  await cancelTimer(tx, payment.method === 'deferred' ? deferredPaymentTimerKey(payment.shopId, payment.id) : bankTransferTimerKey(payment.shopId, payment.id), input.now);
  await notifyStateChanged(tx, updated, payment.state, input.now);
  await recordAudit(tx, { shopId: payment.shopId, actor: input.actor, action: 'payment.bank_transfer_received', target: payment.id, details: { amount: payment.amount, currency: payment.currency }, at: input.now });
  await evidence(tx, updated, 'payment.captured', actorLabel(input.actor), { amount: payment.amount, transferReference: payment.bankTransferReference }, input.now);
  return updated;
}

/**
 * PA-5: the deadline passed without the money — the payment fails (the order
 * work cancels the order and releases its stock). OR-7: the same when the
 * merchant cancels the order first (`failureCode: 'order_cancelled'`, `actor`
 * the staff member): a transfer arriving later is refused at reconciliation.
 */
export async function expireBankTransfer(
  tx: Tx,
  input: { shopId: string; paymentId: string; now: Date; failureCode?: 'bank_transfer_not_received' | 'order_cancelled'; actor?: string },
): Promise<Payment> {
  const payment = await lockPayment(tx, input.shopId, input.paymentId);
  if (!payment || payment.method !== 'bank_transfer') throw new DomainError('payment.not_found', { field: 'paymentId' });
  if (payment.state !== 'pending') return payment; // paid meanwhile: nothing to do
  const failureCode = input.failureCode ?? 'bank_transfer_not_received';
  const state = transition(payment.state, 'fail');
  const updated = await updatePayment(tx, payment.id, { state, failure_code: failureCode }, input.now);
  const type = failureCode === 'order_cancelled' ? 'bank_transfer.cancelled' : 'bank_transfer.expired';
  await insertPaymentEvent(tx, { paymentId: payment.id, type, stateBefore: payment.state, stateAfter: state, data: { dueAt: payment.dueAt?.toISOString() ?? null }, now: input.now });
  await evidence(tx, updated, 'payment.failed', input.actor ?? 'system', { failureCode }, input.now);
  return updated;
}

// ---- Money received by transfer, given back by transfer ----------------------------

/** The payment event of a refund transfer made by the shop (listed on the order page). */
export const BANK_TRANSFER_REFUNDED = 'bank_transfer.refunded';

const paidByTransfer = (p: Payment) => p.method === 'bank_transfer' || p.method === 'deferred';

/** Money received by transfer that the shop owes back and has not yet transferred (minor units; 0 for any other payment). */
export const transferRefundDue = (p: Payment): number => (paidByTransfer(p) ? p.refundRequested - p.refunded : 0);

/**
 * OR-7 / PA-5: the order of money received by transfer is cancelled — no
 * provider can refund it, the shop makes a transfer. What was received and is
 * not yet due back becomes due to the customer (`refund_requested_minor`),
 * until staff record the transfer made (`recordBankTransferRefund`).
 * @returns the amount now due (0 when nothing more is).
 */
export async function recordTransferRefundDue(tx: Tx, input: { shopId: string; paymentId: string; now: Date; amount?: number }): Promise<number> {
  const payment = await lockPayment(tx, input.shopId, input.paymentId);
  if (!payment || !paidByTransfer(payment)) throw new DomainError('payment.not_found', { field: 'paymentId' });
  // `amount`: part of what was received (a line not delivered, an uncollected parcel); all of it by default (a cancellation).
  const due = Math.min(input.amount ?? Infinity, payment.captured - payment.refundRequested);
  if (due <= 0) return 0;
  await updatePayment(tx, payment.id, { refund_requested_minor: payment.refundRequested + due }, input.now);
  await insertPaymentEvent(tx, { paymentId: payment.id, type: 'bank_transfer.refund_due', stateBefore: payment.state, stateAfter: payment.state, data: { amount: due }, now: input.now });
  return due;
}

export type BankTransferRefundInput = {
  shopId: string;
  /** What was paid for (an order): its payment received by transfer with a refund due. */
  reference: { kind: string; id: string };
  /** Money, or a decimal as typed (`149,90`) read in the payment's currency. */
  amount: Money | string;
  /** The day the shop's bank made the transfer (YYYY-MM-DD), not after today in the shop's time zone. */
  transferredOn: string;
  /** The reference of the transfer on the shop's bank statement. */
  bankReference: string;
  timeZone: string;
  actor: Actor;
  now: Date;
};

/**
 * Staff record a refund transfer made to the customer, for money received by
 * transfer that is due back (`recordTransferRefundDue`; none: `payment.no_refund_due`):
 * never above what was received and not yet given back
 * (`payment.refund_exceeds_received`), nor above what is due
 * (`payment.refund_exceeds_due`). The payment becomes refunded (or partially),
 * audited, `payment.refunded` in the evidence log with the date and the bank reference.
 */
export async function recordBankTransferRefund(tx: Tx, input: BankTransferRefundInput): Promise<Payment> {
  const bankReference = input.bankReference.trim();
  if (bankReference.length === 0 || bankReference.length > 100) throw new DomainError('payment.bank_reference_required', { field: 'bankReference' }, 'Give the reference of the transfer on the bank statement.');
  const today = localDateIn(input.timeZone, input.now);
  if (!isCalendarDate(input.transferredOn) || input.transferredOn > today) {
    throw new DomainError('payment.refund_date_invalid', { field: 'transferredOn', today }, 'Give the day the transfer was made (YYYY-MM-DD, today at the latest).');
  }
  const due = transferRefundDue;
  const candidate = (await listPaymentsFor(tx, input.shopId, input.reference)).filter((p) => due(p) > 0).at(-1);
  const payment = candidate && (await lockPayment(tx, input.shopId, candidate.id));
  if (!payment || due(payment) <= 0) throw new DomainError('payment.no_refund_due', { field: 'amount' }, 'No money received by transfer is due back to the customer.');
  // A decimal as typed by staff (`149,90`) is read in the payment's currency.
  const amount = typeof input.amount === 'string' ? parseAmount(input.amount.replace(',', '.'), payment.currency) : input.amount;
  assertAmount(amount);
  if (amount.currency !== payment.currency) throw new DomainError('payment.currency_mismatch', { field: 'amount', currency: payment.currency });
  if (payment.state !== 'captured' && payment.state !== 'partially_refunded') throw new DomainError('payment.not_refundable', { field: 'paymentId', state: payment.state });
  if (payment.refunded + amount.amount > payment.captured) {
    throw new DomainError('payment.refund_exceeds_received', { field: 'amount', received: payment.captured, refunded: payment.refunded, currency: payment.currency });
  }
  if (amount.amount > due(payment)) throw new DomainError('payment.refund_exceeds_due', { field: 'amount', due: due(payment), currency: payment.currency });
  const refunded = payment.refunded + amount.amount;
  const state = transition(payment.state, refunded === payment.captured ? 'refund_full' : 'refund_partial');
  const updated = await updatePayment(tx, payment.id, { state, refunded_minor: refunded }, input.now);
  const by = actorLabel(input.actor);
  const details = { amount: amount.amount, currency: payment.currency, transferredOn: input.transferredOn, bankReference };
  await insertPaymentEvent(tx, { paymentId: payment.id, type: BANK_TRANSFER_REFUNDED, stateBefore: payment.state, stateAfter: state, data: { ...details, by }, now: input.now });
  await notifyStateChanged(tx, updated, payment.state, input.now);
  await recordAudit(tx, { shopId: payment.shopId, actor: input.actor, action: 'payment.bank_transfer_refunded', target: `${payment.reference.kind}:${payment.reference.id}`, details: { paymentId: payment.id, ...details }, at: input.now });
  await evidence(tx, updated, 'payment.refunded', by, { amount: amount.amount, refundedTotal: refunded, transferredOn: details.transferredOn, bankReference }, input.now);
  return updated;
}

/** The payment as the storefront may show it after the provider's redirect (`?payment=<id>`). */
export async function paymentStatus(q: Queryable, shopId: string, paymentId: string): Promise<Pick<Payment, 'id' | 'state' | 'amount' | 'currency' | 'method' | 'failureCode'> | undefined> {
  const p = await getPayment(q, shopId, paymentId);
  return p ? { id: p.id, state: p.state, amount: p.amount, currency: p.currency, method: p.method, failureCode: p.failureCode } : undefined;
}
