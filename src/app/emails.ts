// Customer-facing emails (DOC-5). A use case renders its email (subject, text,
// HTML, in the customer's language) and queues it with `queueEmail` in its own
// transaction; the `email.send` outbox handler below stores it in `emails` with
// the hash of its content and hands it to the mailer. The handler renders
// nothing: what is stored is exactly what was queued, and exactly what is sent.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Mailer } from '../adapters/mail/mailer.js';
import type { OutboxHandler } from '../jobs/outbox-dispatcher.js';
import type { Tx } from '../store/db.js';
import { insertEmail, markEmailSent } from '../store/emails.js';
import { appendEvidence } from '../store/evidence.js';
import { enqueue } from '../store/outbox.js';

export const EMAIL_SEND = 'email.send';
/** The evidence event of an email handed to the transport (DOC-5), in the transaction that stores it. */
export const EMAIL_SENT = 'email.sent';

const payloadSchema = z.object({
  to: z.string().min(3).max(320),
  subject: z.string().min(1).max(998),
  text: z.string(),
  html: z.string().nullable(),
  /** Overrides the configured sender (MAIL_FROM). */
  from: z.string().min(3).max(400).optional(),
  language: z.enum(['fr', 'en']).optional(),
  /** What the email is about, for linking it later (an order, a stock alert…). */
  related: z.object({ kind: z.string().min(1), id: z.string().min(1) }).optional(),
});

export type EmailPayload = z.infer<typeof payloadSchema>;

/**
 * Queues one rendered email, in the caller's transaction. Idempotent on `key`
 * (one email per key, ever): e.g. `stock_alert:42`, `order.confirmation:1042`.
 */
export async function queueEmail(tx: Tx, input: { shopId: string; key: string; email: EmailPayload }, now: Date): Promise<boolean> {
  const email = payloadSchema.parse(input.email);
  return enqueue(tx, { shopId: input.shopId, kind: EMAIL_SEND, key: input.key, payload: email }, now);
}

/**
 * DOC-5: SHA-256 (hex) of what the email said: the UTF-8 JSON array
 * `[subject, text, html]` (html `null` when there is none), exactly as stored
 * and sent — the subject is part of what was said, the array keeps the parts apart.
 */
export function emailContentHash(email: { subject: string; text: string; html: string | null }): string {
  return createHash('sha256').update(JSON.stringify([email.subject, email.text, email.html]), 'utf8').digest('hex');
}

/** The domain of a sender (`"Shop" <a@b.example>` → `b.example`), for Message-IDs. */
function senderDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const domain = address.slice(address.lastIndexOf('@') + 1).trim().toLowerCase();
  return /^[a-z0-9.-]+$/.test(domain) && domain.length > 0 ? domain : 'comptoir.invalid';
}

/**
 * The Message-ID of the email queued under `key`: the same on every attempt, so
 * a resend after a crash (at-least-once boundary, src/jobs/outbox-dispatcher.ts)
 * is recognised as a duplicate by mail systems.
 */
export function messageIdFor(key: string, from: string): string {
  const digest = createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 40);
  return `<${digest}.comptoir@${senderDomain(from)}>`;
}

/**
 * The `email.send` handler. In the dispatcher's transaction: stores the email
 * (DOC-5), sends it, marks it sent and records `email.sent` (with the content
 * hash) in the evidence log. The dev mailbox sends nothing (the row is
 * the mailbox: exactly once); SMTP sends before the commit (at least once, same
 * Message-ID).
 */
export function emailSendHandler(deps: { mailer: Mailer; from: string }): OutboxHandler {
  return async (tx, message, now) => {
    const email = payloadSchema.parse(message.payload);
    const from = email.from ?? deps.from;
    const messageId = messageIdFor(message.key, from);
    const contentSha256 = emailContentHash(email);
    const id = await insertEmail(tx, {
      shopId: message.shopId,
      outboxId: message.id,
      from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      language: email.language ?? null,
      contentSha256,
      transport: deps.mailer.transport,
      messageId,
      related: email.related ?? null,
      createdAt: now,
    });
    const sent = await deps.mailer.send({
      from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId,
    });
    await markEmailSent(tx, id, sent, now);
    // DOC-5 / OR-6: what was said, to whom, when. The handler's last write: the
    // shop's evidence lock is then held only for the 'done' mark and the commit.
    await appendEvidence(tx, {
      shopId: message.shopId,
      kind: EMAIL_SENT,
      subject: email.related ? { type: email.related.kind, id: email.related.id } : { type: 'email', id },
      actor: 'system',
      data: {
        emailId: id,
        to: email.to,
        from,
        subject: email.subject,
        language: email.language ?? null,
        contentSha256,
        messageId: sent.messageId,
        transport: sent.transport,
        related: email.related ? { kind: email.related.kind, id: email.related.id } : null,
      },
      at: now,
    });
  };
}
