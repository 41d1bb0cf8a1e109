// The sandbox PSP's webhooks: after each state change it records an event and
// enqueues an outbox message of kind `sandbox.webhook` (in the transaction of
// the change); this handler turns the event into the exact HTTP request a PSP
// would send — a JSON body and a `comptoir-signature` header, HMAC-SHA256 of
// `timestamp.body` with the shared secret, timestamped with the ENGINE time of
// delivery — and hands it to a delivery function.
//
// Delivery is in-process (src/app/payments.ts `paymentOutboxHandlers`): the
// same signed bytes go to the same function that serves
// `POST /api/webhooks/sandbox-payments`, so the signature, the timestamp and
// the deduplication are checked exactly as for a webhook from outside. Why
// not an HTTP POST to COMPTOIR_PUBLIC_URL: the engine is not always reachable
// at its public URL from itself (behind a proxy, in tests with `inject`, in
// `comptoir clock advance`), and in-process delivery runs inside the
// dispatcher's transaction, so the engine's processing and the "delivered"
// mark commit together. A rejected delivery (non-2xx) throws: the outbox
// retries it with back-off, as a PSP retries a webhook.
import type { Tx } from '../../../store/db.js';
import { SIGNATURE_HEADER, signWebhook } from '../provider.js';

export type WebhookDelivery = (tx: Tx, rawBody: string, headers: Record<string, string>, now: Date) => Promise<{ status: number; body?: unknown }>;

/** The body a webhook carries: `{ id, type, data, created }`. */
export function webhookBody(event: { id: string; type: string; data: unknown; created_at: Date }): string {
  return JSON.stringify({ id: event.id, type: event.type, data: event.data, created: event.created_at.toISOString() });
}

export function sandboxWebhookHandler(options: { secret: Buffer; deliver: WebhookDelivery }) {
  return async (tx: Tx, message: { payload: Record<string, unknown> }, now: Date): Promise<void> => {
    const eventId = String(message.payload.eventId ?? '');
    const event = await tx.selectFrom('sandbox_psp_events').selectAll().where('id', '=', eventId).executeTakeFirst();
    if (!event) throw new Error(`sandbox.webhook: no event ${eventId}`);
    const rawBody = webhookBody(event);
    const headers = { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(options.secret, rawBody, now) };
    const answer = await options.deliver(tx, rawBody, headers, now);
    if (answer.status < 200 || answer.status >= 300) {
      throw new Error(`sandbox.webhook ${eventId} refused by the engine: ${answer.status} ${JSON.stringify(answer.body ?? null).slice(0, 300)}`);
    }
  };
}
