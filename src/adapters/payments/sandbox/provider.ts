// The engine's client of the sandbox PSP: implements the PaymentProvider port
// over the sandbox's merchant API (in-process calls, each in the sandbox's own
// transaction), and verifies its webhooks with the shared secret.
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { DomainError } from '../../../domain/errors.js';
import type { Money } from '../../../domain/money.js';
import {
  WEBHOOK_EVENT_TYPES,
  verifyWebhookSignature,
  type CreateSessionInput,
  ProviderRefusal,
  type PaymentProvider,
  type PaymentSession,
  type ProviderEvent,
  type ProviderOperationResult,
  type WebhookHeaders,
} from '../provider.js';
import type { SandboxPsp } from './psp.js';

const amount = z.number().int().nonnegative();
const eventSchema = z.object({
  id: z.string().min(1).max(100),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  created: z.iso.datetime({ offset: true }),
  data: z.object({
    sessionId: z.string().min(1),
    paymentId: z.string().min(1),
    currency: z.enum(['EUR', 'GBP']),
    amount,
    authorisedTotal: amount,
    capturedTotal: amount,
    refundedTotal: amount,
    failureCode: z.string().optional(),
    card: z.object({ brand: z.string(), last4: z.string().regex(/^\d{4}$/) }).optional(),
  }),
});

/** The sandbox's business refusals (its DomainErrors) become ProviderRefusal, as a real PSP's 4xx answers would. */
async function refusals<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof DomainError) throw new ProviderRefusal(error.code);
    throw error;
  }
}

export class SandboxPaymentProvider implements PaymentProvider {
  readonly name = 'sandbox';

  constructor(
    private readonly psp: SandboxPsp,
    private readonly clock: Clock,
    private readonly secret: Buffer,
  ) {}

  async createSession(input: CreateSessionInput): Promise<PaymentSession> {
    return this.psp.createSession(input, await this.clock.now());
  }

  async capture(sessionId: string, m: Money, idempotencyKey: string, options: { final?: boolean } = {}): Promise<ProviderOperationResult> {
    const now = await this.clock.now();
    return refusals(() => this.psp.capture(sessionId, m.amount, m.currency, idempotencyKey, now, options.final === true));
  }

  async void(sessionId: string, idempotencyKey: string): Promise<ProviderOperationResult> {
    const now = await this.clock.now();
    return refusals(() => this.psp.void(sessionId, idempotencyKey, now));
  }

  async refund(sessionId: string, m: Money, idempotencyKey: string): Promise<ProviderOperationResult> {
    const now = await this.clock.now();
    return refusals(() => this.psp.refund(sessionId, m.amount, m.currency, idempotencyKey, now));
  }

  async cancelSession(sessionId: string, idempotencyKey: string): Promise<ProviderOperationResult> {
    const now = await this.clock.now();
    return refusals(() => this.psp.cancelSession(sessionId, idempotencyKey, now));
  }

  verifyWebhook(rawBody: Buffer | string, headers: WebhookHeaders, now: Date): ProviderEvent {
    const text = verifyWebhookSignature(this.secret, rawBody, headers, now);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new DomainError('payment.webhook_invalid', { field: 'body' });
    }
    const parsed = eventSchema.safeParse(json);
    if (!parsed.success) throw new DomainError('payment.webhook_invalid', { field: 'body', issue: parsed.error.issues[0]?.message });
    return { ...parsed.data, created: new Date(parsed.data.created) };
  }
}
