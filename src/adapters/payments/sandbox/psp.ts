// The sandbox PSP: Comptoir's test payment provider, part of the product and
// built as if it were a separate service that happens to share the database
// (its own `sandbox_psp_*` tables, its own transactions — never the engine's).
// It behaves like a real PSP: a session per payment, a hosted card page with
// test cards, a 3-D Secure challenge (PA-2), the shop's card rules (PA-2:
// challenge every card where strong authentication is required; PA-1: decline
// a card issued outside the accepted countries), a wallet redirect, declines,
// authorise / capture (full or partial) / void / partial refunds / closing an
// unpaid session (the merchant cancelled the order, OR-7), each idempotent by key (same key → same result; a key reused for a different
// request is refused), and a signed webhook after each state change, sent
// through the outbox (kind `sandbox.webhook`, src/adapters/payments/sandbox/webhooks.ts).
import { createHash, randomBytes } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { DomainError } from '../../../domain/errors.js';
import type { Currency } from '../../../domain/money.js';
import type { Db, Tx } from '../../../store/db.js';
import { enqueue } from '../../../store/outbox.js';
import type { SandboxPspSessionsTable } from '../../../store/schema.js';
import type { CaptureMode, CardRules, CreateSessionInput, PaymentSessionMethod, ProviderOperationResult, WebhookEventType } from '../provider.js';
import { checkCard, type CardFormError, type TestCardOutcome } from './cards.js';

export const SANDBOX_WEBHOOK = 'sandbox.webhook';

export type SandboxSessionState = SandboxPspSessionsTable['state'];

export type SandboxSession = {
  id: string;
  merchant: string;
  merchantReference: string;
  method: PaymentSessionMethod;
  captureMode: CaptureMode;
  currency: Currency;
  amount: number;
  returnUrl: string;
  /** PA-1, PA-2: the merchant's rules for this card session; null for a wallet. */
  cardRules: CardRules | null;
  state: SandboxSessionState;
  failureCode: string | null;
  authorised: number;
  captured: number;
  refunded: number;
  card: { brand: string; last4: string } | null;
};

export type SandboxPspOptions = {
  db: Db;
  /** The merchant account: the shop whose outbox carries the webhooks. */
  merchant: string;
  /** Base URL of the hosted pages (COMPTOIR_PUBLIC_URL). */
  baseUrl: string;
};

const randomId = (prefix: string, bytes = 18) => `${prefix}_${randomBytes(bytes).toString('base64url')}`;
const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

function toSession(row: Selectable<SandboxPspSessionsTable>): SandboxSession {
  return {
    id: row.id,
    merchant: row.merchant,
    merchantReference: row.merchant_reference,
    method: row.method,
    captureMode: row.capture_mode,
    currency: row.currency as Currency,
    amount: Number(row.amount_minor),
    returnUrl: row.return_url,
    cardRules: row.strong_authentication ? { strongAuthentication: row.strong_authentication, issuerCountries: row.issuer_countries } : null,
    state: row.state,
    failureCode: row.failure_code,
    authorised: Number(row.authorised_minor),
    captured: Number(row.captured_minor),
    refunded: Number(row.refunded_minor),
    card: row.card_brand && row.card_last4 ? { brand: row.card_brand, last4: row.card_last4 } : null,
  };
}

/** The failure code of a session the merchant closed unpaid (`cancelSession`). */
export const SESSION_CANCELLED = 'session_cancelled';
/** PA-1: the failure code of a card issued in a country the merchant does not accept. */
export const CARD_COUNTRY_NOT_ACCEPTED = 'card_country_not_accepted';

function operationResult(session: SandboxSession): ProviderOperationResult {
  return { sessionId: session.id, operationId: randomId('op', 12), state: session.state, capturedTotal: session.captured, refundedTotal: session.refunded };
}

/** Where the browser goes once the customer is done: `returnUrl?payment=<paymentId>`. */
export function returnLocation(session: SandboxSession): string {
  const separator = session.returnUrl.includes('?') ? '&' : '?';
  return `${session.returnUrl}${separator}payment=${encodeURIComponent(session.merchantReference)}`;
}

/**
 * Why a valid test card is declined at once, or null: a country the merchant
 * does not accept (PA-1; checked first, the issuer is not even asked), or the
 * issuer's refusal.
 */
function declineOf(rules: CardRules | null, card: { outcome: TestCardOutcome; country: string }): string | null {
  if (rules?.issuerCountries && !rules.issuerCountries.includes(card.country)) return CARD_COUNTRY_NOT_ACCEPTED;
  if (card.outcome === 'declined') return 'card_declined';
  if (card.outcome === 'insufficient_funds') return 'insufficient_funds';
  return null;
}

export type CardSubmission =
  | { kind: 'redirect'; location: string; session: SandboxSession }
  | { kind: 'form_error'; error: CardFormError; field: 'number' | 'expiry' | 'cvc'; session: SandboxSession };

export class SandboxPsp {
  constructor(private readonly options: SandboxPspOptions) {}

  get merchant(): string {
    return this.options.merchant;
  }

  // ---- Merchant API (server to server, idempotent by key) -------------------

  async createSession(input: CreateSessionInput, now: Date): Promise<{ sessionId: string; redirectUrl: string }> {
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new DomainError('sandbox.invalid_amount', { field: 'amount' });
    if (!/^(https?:\/\/|\/(?![/\\]))/.test(input.returnUrl)) throw new DomainError('sandbox.invalid_return_url', { field: 'returnUrl' });
    // PA-1, PA-2: a card session without its rules would take any card without a challenge.
    if ((input.method === 'card') !== (input.cardRules !== null)) throw new DomainError('sandbox.invalid_card_rules', { field: 'cardRules' });
    // The request hash covers the whole input, card rules included: a key reused with other rules is refused.
    const response = await this.idempotent(input.idempotencyKey, 'create_session', input, now, undefined, async (tx) => {
      const id = randomId('cs');
      await tx
        .insertInto('sandbox_psp_sessions')
        .values({
          id,
          merchant: this.options.merchant,
          merchant_reference: input.paymentId,
          method: input.method,
          capture_mode: input.captureMode,
          currency: input.currency,
          amount_minor: input.amount,
          return_url: input.returnUrl,
          strong_authentication: input.cardRules?.strongAuthentication ?? null,
          issuer_countries: input.cardRules?.issuerCountries ? [...input.cardRules.issuerCountries] : null,
          state: 'open',
          created_at: now,
          updated_at: now,
        })
        .execute();
      return { sessionId: id, redirectUrl: `${this.options.baseUrl}${hostedPath(input.method, id)}` };
    });
    return response as { sessionId: string; redirectUrl: string };
  }

  /** `final`: the rest of the authorisation is released with this capture (PA-3, last dispatch). */
  capture(sessionId: string, amount: number, currency: Currency, idempotencyKey: string, now: Date, final = false): Promise<ProviderOperationResult> {
    return this.operation(idempotencyKey, 'capture', sessionId, { amount, currency, final }, now, async (tx, session) => {
      this.assertCurrency(session, currency);
      if (session.state !== 'authorised' && session.state !== 'partially_captured' && session.state !== 'partially_refunded') {
        throw new DomainError('sandbox.not_capturable', { field: 'sessionId', state: session.state });
      }
      if (!Number.isSafeInteger(amount) || amount <= 0 || session.captured + amount > session.authorised) {
        throw new DomainError('sandbox.capture_exceeds_authorised', { field: 'amount', authorised: session.authorised, captured: session.captured });
      }
      const captured = session.captured + amount;
      const authorised = final ? captured : session.authorised;
      // A capture after a partial refund (PA-3: the next parcel) leaves the session partially refunded.
      const state = session.state === 'partially_refunded' ? 'partially_refunded' : captured === authorised ? 'captured' : 'partially_captured';
      return this.change(tx, session, { state, captured, authorised }, 'payment.captured', amount, now);
    });
  }

  void(sessionId: string, idempotencyKey: string, now: Date): Promise<ProviderOperationResult> {
    return this.operation(idempotencyKey, 'void', sessionId, {}, now, async (tx, session) => {
      // After partial captures (PA-3), the remainder is released and what was captured stays — refunded meanwhile or not.
      if (session.state === 'partially_captured') return this.change(tx, session, { state: 'captured', authorised: session.captured }, 'payment.voided', session.authorised - session.captured, now);
      if ((session.state === 'partially_refunded' || session.state === 'refunded') && session.authorised > session.captured) {
        const state = session.refunded >= session.captured ? 'refunded' : 'partially_refunded';
        return this.change(tx, session, { state, authorised: session.captured }, 'payment.voided', session.authorised - session.captured, now);
      }
      if (session.state !== 'authorised') throw new DomainError('sandbox.not_voidable', { field: 'sessionId', state: session.state });
      return this.change(tx, session, { state: 'voided' }, 'payment.voided', session.authorised, now);
    });
  }

  refund(sessionId: string, amount: number, currency: Currency, idempotencyKey: string, now: Date): Promise<ProviderOperationResult> {
    return this.operation(idempotencyKey, 'refund', sessionId, { amount, currency }, now, async (tx, session) => {
      this.assertCurrency(session, currency);
      if (!['captured', 'partially_captured', 'partially_refunded'].includes(session.state)) {
        throw new DomainError('sandbox.not_refundable', { field: 'sessionId', state: session.state });
      }
      if (!Number.isSafeInteger(amount) || amount <= 0 || session.refunded + amount > session.captured) {
        throw new DomainError('sandbox.refund_exceeds_captured', { field: 'amount', captured: session.captured, refunded: session.refunded });
      }
      const refunded = session.refunded + amount;
      // Still authorised beyond what was captured (PA-3: parcels to come), the payment is not over: partially refunded.
      const over = refunded === session.captured && session.authorised <= session.captured;
      return this.change(tx, session, { state: over ? 'refunded' : 'partially_refunded', refunded }, 'payment.refunded', amount, now);
    });
  }

  /**
   * The merchant closes a session nobody paid (its order was cancelled): from
   * then on the hosted pages refuse it (`sandbox.session_closed`), and the
   * merchant is told by `payment.failed` with failure code `session_cancelled`.
   * A session already closed unpaid (failed, cancelled) stays as it is; one
   * authorised meanwhile is refused (`sandbox.not_cancellable`): void or refund it.
   */
  cancelSession(sessionId: string, idempotencyKey: string, now: Date): Promise<ProviderOperationResult> {
    return this.operation(idempotencyKey, 'cancel_session', sessionId, {}, now, async (tx, session) => {
      if (session.state === 'failed' || session.state === 'cancelled') return operationResult(session);
      if (session.state !== 'open' && session.state !== 'requires_action') {
        throw new DomainError('sandbox.not_cancellable', { field: 'sessionId', state: session.state });
      }
      return this.change(tx, session, { state: 'cancelled', failureCode: SESSION_CANCELLED }, 'payment.failed', 0, now);
    });
  }

  async getSession(sessionId: string): Promise<SandboxSession | undefined> {
    const row = await this.options.db.selectFrom('sandbox_psp_sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
    return row ? toSession(row) : undefined;
  }

  // ---- Customer side (hosted pages) -----------------------------------------

  /**
   * The card form was posted: refuse bad input on the form, else decline (a
   * country the merchant does not accept, PA-1; the issuer's refusals),
   * challenge (the issuer asks, or the merchant requires it, PA-2) or authorise.
   */
  async submitCard(sessionId: string, fields: { number: string; expiry: string; cvc: string }, now: Date): Promise<CardSubmission> {
    return this.options.db.transaction().execute(async (tx) => {
      const session = await this.lockOpen(tx, sessionId, 'card', ['open']);
      const check = checkCard(fields, now);
      if (!check.ok) return { kind: 'form_error', error: check.error, field: check.field, session };
      await tx.updateTable('sandbox_psp_sessions').set({ card_brand: check.brand, card_last4: check.last4 }).where('id', '=', session.id).execute();
      const withCard: SandboxSession = { ...session, card: { brand: check.brand, last4: check.last4 } };
      const declined = declineOf(session.cardRules, check);
      if (declined) {
        const failed = await this.fail(tx, withCard, declined, now);
        return { kind: 'redirect', location: returnLocation(failed), session: failed };
      }
      if (check.outcome === 'challenge' || session.cardRules?.strongAuthentication === 'required') {
        // PA-2: strong customer authentication before any authorisation, when
        // the issuer asks for it or the merchant requires it for every card.
        await this.changeState(tx, withCard, { state: 'requires_action' }, 'payment.requires_action', 0, now);
        return { kind: 'redirect', location: `${hostedPath('3ds', session.id)}`, session: { ...withCard, state: 'requires_action' } };
      }
      const done = await this.authorise(tx, withCard, now);
      return { kind: 'redirect', location: returnLocation(done), session: done };
    });
  }

  /** PA-2: the 3-D Secure challenge's answer. A failed or refused challenge fails the payment. */
  async completeChallenge(sessionId: string, decision: 'approve' | 'fail', now: Date): Promise<{ location: string; session: SandboxSession }> {
    return this.options.db.transaction().execute(async (tx) => {
      const session = await this.lockOpen(tx, sessionId, 'card', ['requires_action']);
      const done = decision === 'approve' ? await this.authorise(tx, session, now) : await this.fail(tx, session, 'authentication_failed', now);
      return { location: returnLocation(done), session: done };
    });
  }

  /** The wallet's page: "Pay" authorises, "Cancel" fails the payment. */
  async completeWallet(sessionId: string, decision: 'pay' | 'cancel', now: Date): Promise<{ location: string; session: SandboxSession }> {
    return this.options.db.transaction().execute(async (tx) => {
      const session = await this.lockOpen(tx, sessionId, 'wallet', ['open']);
      const done = decision === 'pay' ? await this.authorise(tx, session, now) : await this.fail(tx, session, 'wallet_cancelled', now);
      return { location: returnLocation(done), session: done };
    });
  }

  // ---- Internals --------------------------------------------------------------

  private async lockOpen(tx: Tx, sessionId: string, method: PaymentSessionMethod, states: SandboxSessionState[]): Promise<SandboxSession> {
    const row = await tx.selectFrom('sandbox_psp_sessions').selectAll().where('id', '=', sessionId).forUpdate().executeTakeFirst();
    if (!row || row.method !== method) throw new DomainError('sandbox.not_found', { field: 'sessionId' });
    const session = toSession(row);
    if (!states.includes(session.state)) throw new DomainError('sandbox.session_closed', { field: 'sessionId', state: session.state });
    return session;
  }

  /** Authorises the whole amount; with automatic capture, captures it at once (two events, like a real PSP). */
  private async authorise(tx: Tx, session: SandboxSession, now: Date): Promise<SandboxSession> {
    let current = await this.changeState(tx, session, { state: 'authorised', authorised: session.amount }, 'payment.authorised', session.amount, now);
    if (session.captureMode === 'automatic') {
      current = await this.changeState(tx, current, { state: 'captured', captured: current.amount }, 'payment.captured', current.amount, now);
    }
    return current;
  }

  private fail(tx: Tx, session: SandboxSession, failureCode: string, now: Date): Promise<SandboxSession> {
    return this.changeState(tx, session, { state: 'failed', failureCode }, 'payment.failed', 0, now);
  }

  private async change(
    tx: Tx,
    session: SandboxSession,
    next: Partial<Pick<SandboxSession, 'state' | 'authorised' | 'captured' | 'refunded' | 'failureCode'>>,
    type: WebhookEventType,
    amount: number,
    now: Date,
  ): Promise<ProviderOperationResult> {
    return operationResult(await this.changeState(tx, session, next, type, amount, now));
  }

  /** Writes the new state, records the event and puts its webhook in the outbox — one transaction. */
  private async changeState(
    tx: Tx,
    session: SandboxSession,
    next: Partial<Pick<SandboxSession, 'state' | 'authorised' | 'captured' | 'refunded' | 'failureCode'>>,
    type: WebhookEventType,
    amount: number,
    now: Date,
  ): Promise<SandboxSession> {
    const after: SandboxSession = { ...session, ...next };
    await tx
      .updateTable('sandbox_psp_sessions')
      .set({
        state: after.state,
        authorised_minor: after.authorised,
        captured_minor: after.captured,
        refunded_minor: after.refunded,
        failure_code: after.failureCode,
        updated_at: now,
      })
      .where('id', '=', session.id)
      .execute();
    const eventId = randomId('evt', 12);
    const data = {
      sessionId: after.id,
      paymentId: after.merchantReference,
      currency: after.currency,
      amount,
      authorisedTotal: after.authorised,
      capturedTotal: after.captured,
      refundedTotal: after.refunded,
      ...(after.failureCode && type === 'payment.failed' ? { failureCode: after.failureCode } : {}),
      ...(after.card ? { card: after.card } : {}),
    };
    await tx.insertInto('sandbox_psp_events').values({ id: eventId, session_id: after.id, type, data: JSON.stringify(data), created_at: now }).execute();
    await enqueue(tx, { shopId: after.merchant, kind: SANDBOX_WEBHOOK, key: `${SANDBOX_WEBHOOK}:${eventId}`, payload: { eventId } }, now);
    return after;
  }

  private assertCurrency(session: SandboxSession, currency: Currency): void {
    if (session.currency !== currency) throw new DomainError('sandbox.currency_mismatch', { field: 'currency', expected: session.currency, currency });
  }

  private operation(
    key: string,
    operation: string,
    sessionId: string,
    request: Record<string, unknown>,
    now: Date,
    run: (tx: Tx, session: SandboxSession) => Promise<ProviderOperationResult>,
  ): Promise<ProviderOperationResult> {
    return this.idempotent(key, operation, { sessionId, ...request }, now, sessionId, async (tx) => {
      const row = await tx.selectFrom('sandbox_psp_sessions').selectAll().where('id', '=', sessionId).forUpdate().executeTakeFirst();
      if (!row || row.merchant !== this.options.merchant) throw new DomainError('sandbox.not_found', { field: 'sessionId' });
      return run(tx, toSession(row));
    }) as Promise<ProviderOperationResult>;
  }

  /**
   * Runs `run` once per idempotency key: the key is locked for the
   * transaction (advisory lock), a stored response is returned as is, a key
   * reused with another request is refused. A refused request (an error) is
   * not stored: it may be retried with the same key.
   */
  private async idempotent<T extends object>(
    key: string,
    operation: string,
    request: unknown,
    now: Date,
    _sessionId: string | undefined,
    run: (tx: Tx) => Promise<T>,
  ): Promise<T> {
    if (!key || key.length > 255) throw new DomainError('sandbox.idempotency_key_required', { field: 'idempotencyKey' });
    const requestHash = hash({ operation, request });
    return this.options.db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`sandbox_psp:${key}`}, 0))`.execute(tx);
      const stored = await tx.selectFrom('sandbox_psp_idempotency').selectAll().where('key', '=', key).executeTakeFirst();
      if (stored) {
        if (stored.operation !== operation || stored.request_hash !== requestHash) {
          throw new DomainError('sandbox.idempotency_key_reused', { field: 'idempotencyKey', operation: stored.operation });
        }
        return stored.response as T;
      }
      const response = await run(tx);
      await tx
        .insertInto('sandbox_psp_idempotency')
        .values({ key, operation, request_hash: requestHash, response: JSON.stringify(response), created_at: now })
        .execute();
      return response;
    });
  }
}

export function hostedPath(kind: PaymentSessionMethod | '3ds', sessionId: string): string {
  const segment = kind === 'card' ? 'pay' : kind === 'wallet' ? 'wallet' : '3ds';
  return `/sandbox/${segment}/${encodeURIComponent(sessionId)}`;
}
