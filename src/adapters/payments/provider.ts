// The payment provider port (PA-1: the engine talks to payment providers
// through one port; card data never touches the engine — the customer types
// it on the provider's hosted page). Every call that moves money carries an
// idempotency key: the same key gives the same result, never a second capture
// or refund (design.md "Side effects"). What happened arrives later as signed
// webhooks, verified by `verifyWebhook` (HMAC-SHA256, engine-time tolerance).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../domain/errors.js';
import type { Currency, Money } from '../../domain/money.js';

export type PaymentSessionMethod = 'card' | 'wallet';
/** PA-3: automatic = authorise and capture at once (at order); manual = authorise now, capture later (at dispatch). */
export type CaptureMode = 'automatic' | 'manual';

/**
 * The card rules of the shop's terms, which only the provider can enforce:
 * it alone sees the card (PA-1: card data never touches the engine).
 */
export type CardRules = {
  /**
   * PA-2: `required` — every card payment passes the 3-D Secure challenge, and
   * a failed or refused challenge fails the payment (FA); `when_issuer_requests`
   * — only the cards whose issuer asks for it are challenged.
   */
  strongAuthentication: 'required' | 'when_issuer_requests';
  /** PA-1: only cards issued in these countries (ISO 3166-1 alpha-2; FR: France only); null = any country. */
  issuerCountries: readonly string[] | null;
};

export type CreateSessionInput = {
  /** The engine's payment id; comes back in every webhook as `data.paymentId`. */
  paymentId: string;
  amount: number;
  currency: Currency;
  method: PaymentSessionMethod;
  /** Where the provider sends the browser back, with `?payment=<paymentId>`. */
  returnUrl: string;
  idempotencyKey: string;
  captureMode: CaptureMode;
  /**
   * PA-1, PA-2: required for a card session; null for a wallet session — the
   * wallet authenticates its holder itself and pays from the wallet, which the
   * shop's card terms do not govern.
   */
  cardRules: CardRules | null;
};

export type PaymentSession = { sessionId: string; redirectUrl: string };

/** The provider's answer to capture / void / refund: its view of the session afterwards. */
export type ProviderOperationResult = {
  sessionId: string;
  /** The provider's operation id (same for the same idempotency key). */
  operationId: string;
  state: string;
  capturedTotal: number;
  refundedTotal: number;
};

export const WEBHOOK_EVENT_TYPES = [
  'payment.requires_action',
  'payment.authorised',
  'payment.captured',
  'payment.failed',
  'payment.voided',
  'payment.refunded',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A verified provider event. */
export type ProviderEvent = {
  id: string;
  type: WebhookEventType;
  /** Instant the provider created the event. */
  created: Date;
  data: {
    sessionId: string;
    paymentId: string;
    currency: Currency;
    /** The amount this event is about (captured, refunded… by this operation). */
    amount: number;
    authorisedTotal: number;
    capturedTotal: number;
    refundedTotal: number;
    failureCode?: string | undefined;
    card?: { brand: string; last4: string } | undefined;
  };
};

export type WebhookHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface PaymentProvider {
  /** A short name stored with each payment (`sandbox`). */
  readonly name: string;
  createSession(input: CreateSessionInput): Promise<PaymentSession>;
  /**
   * Captures `amount` of what is authorised. `final` (PA-3, the last dispatch):
   * what is left of the authorisation is released with this capture.
   */
  capture(sessionId: string, amount: Money, idempotencyKey: string, options?: { final?: boolean }): Promise<ProviderOperationResult>;
  /**
   * Releases what is not captured: the whole authorisation (`payment.voided`),
   * or, after partial captures, the remainder (PA-3: lines never shipped are
   * never charged) — the event then says `capturedTotal` = `authorisedTotal`.
   */
  void(sessionId: string, idempotencyKey: string): Promise<ProviderOperationResult>;
  refund(sessionId: string, amount: Money, idempotencyKey: string): Promise<ProviderOperationResult>;
  /**
   * Closes a session nobody paid yet (an order cancelled while its payment is
   * pending, OR-7): the hosted page then refuses to authorise it, and the
   * provider reports `payment.failed` (failure code `session_cancelled`). A
   * session already closed unpaid (failed, cancelled) is left as it is; one
   * authorised meanwhile is refused (ProviderRefusal): void or refund it instead.
   */
  cancelSession(sessionId: string, idempotencyKey: string): Promise<ProviderOperationResult>;
  /**
   * Checks the signature and freshness of a webhook and reads its event.
   * Throws `payment.webhook_signature_invalid` (forged, missing, malformed
   * header), `payment.webhook_timestamp_stale` (outside the tolerance of ENGINE
   * time `now`), `payment.webhook_invalid` (authentic but unreadable body).
   */
  verifyWebhook(rawBody: Buffer | string, headers: WebhookHeaders, now: Date): ProviderEvent;
}

// ---- Webhook signatures (HMAC-SHA256 over `timestamp.body`) ------------------

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export const SIGNATURE_HEADER = 'comptoir-signature';
/** A webhook older or newer than this, by ENGINE time, is refused (replay protection). */
export const WEBHOOK_TOLERANCE_MS = 5 * 60_000;

export function webhookSignature(secret: Buffer | string, timestampSeconds: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
}

/** The header value a sender puts on a webhook signed at `now`. */
export function signWebhook(secret: Buffer | string, rawBody: Buffer | string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${webhookSignature(secret, t, rawBody)}`;
}

function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies the signature header of a webhook: the HMAC is compared in
 * constant time, then the timestamp is checked against `now` (engine time)
 * within WEBHOOK_TOLERANCE_MS. Returns the raw body as text.
 */
export function verifyWebhookSignature(secret: Buffer | string, rawBody: Buffer | string, headers: WebhookHeaders, now: Date): string {
  const header = headerValue(headers, SIGNATURE_HEADER);
  const parts = new Map((header ?? '').split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !/^\d{1,12}$/.test(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) {
    throw new DomainError('payment.webhook_signature_invalid', { field: SIGNATURE_HEADER });
  }
  const expected = Buffer.from(webhookSignature(secret, Number(t), rawBody), 'hex');
  const given = Buffer.from(v1, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new DomainError('payment.webhook_signature_invalid', { field: SIGNATURE_HEADER });
  }
  if (Math.abs(now.getTime() - Number(t) * 1000) > WEBHOOK_TOLERANCE_MS) {
    throw new DomainError('payment.webhook_timestamp_stale', { field: SIGNATURE_HEADER, toleranceSeconds: WEBHOOK_TOLERANCE_MS / 1000 });
  }
  return typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
}

/**
 * The provider answered and said no (capture above the authorisation, nothing
 * left to refund…): retrying the same request cannot succeed. Any other error
 * (network, timeout, provider down) is transient and retried by the outbox.
 */
export class ProviderRefusal extends Error {
  constructor(
    readonly code: string,
    message?: string,
  ) {
    super(message ?? code);
    this.name = 'ProviderRefusal';
  }
}
