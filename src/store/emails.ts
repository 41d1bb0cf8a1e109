// DOC-5: every customer-facing email as sent. With the dev mailbox transport
// this table is the mailbox the back office shows (/admin/mailbox). Rows are
// written by the `email.send` outbox handler only (src/app/emails.ts).
import type { Selectable } from 'kysely';
import type { Queryable, Tx } from './db.js';
import type { EmailsTable, MailTransportName } from './schema.js';

export type StoredEmail = {
  id: string;
  shopId: string;
  outboxId: string | null;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  language: string | null;
  contentSha256: string;
  transport: MailTransportName;
  messageId: string;
  related: { kind: string; id: string } | null;
  createdAt: Date;
  sentAt: Date | null;
};

export type NewEmail = Omit<StoredEmail, 'id' | 'sentAt'>;

/** Stores an email about to be sent; returns its id. A second row with the same Message-ID is refused by the database. */
export async function insertEmail(tx: Tx, email: NewEmail): Promise<string> {
  const row = await tx
    .insertInto('emails')
    .values({
      shop_id: email.shopId,
      outbox_id: email.outboxId,
      from_address: email.from,
      to_address: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      language: email.language,
      content_sha256: email.contentSha256,
      transport: email.transport,
      message_id: email.messageId,
      related_kind: email.related?.kind ?? null,
      related_id: email.related?.id ?? null,
      created_at: email.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function markEmailSent(tx: Tx, id: string, sent: { messageId: string; transport: MailTransportName }, now: Date): Promise<void> {
  await tx.updateTable('emails').set({ sent_at: now, message_id: sent.messageId, transport: sent.transport }).where('id', '=', id).execute();
}

export type EmailFilter = {
  /** Only emails to this address (case-insensitive). */
  to?: string;
  related?: { kind: string; id: string };
  /** Default 50, at most 500. */
  limit?: number;
};

/** One shop's emails, newest first. */
export async function listEmails(q: Queryable, shopId: string, filter: EmailFilter = {}): Promise<StoredEmail[]> {
  let query = q.selectFrom('emails').selectAll().where('shop_id', '=', shopId);
  if (filter.to !== undefined) query = query.where((eb) => eb(eb.fn('lower', ['to_address']), '=', filter.to!.toLowerCase()));
  if (filter.related) query = query.where('related_kind', '=', filter.related.kind).where('related_id', '=', filter.related.id);
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toEmail);
}

export async function getEmail(q: Queryable, shopId: string, id: string): Promise<StoredEmail | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const row = await q.selectFrom('emails').selectAll().where('shop_id', '=', shopId).where('id', '=', id).executeTakeFirst();
  return row ? toEmail(row) : undefined;
}

function toEmail(row: Selectable<EmailsTable>): StoredEmail {
  return {
    id: row.id,
    shopId: row.shop_id,
    outboxId: row.outbox_id,
    from: row.from_address,
    to: row.to_address,
    subject: row.subject,
    text: row.text,
    html: row.html,
    language: row.language,
    contentSha256: row.content_sha256,
    transport: row.transport,
    messageId: row.message_id,
    related: row.related_kind && row.related_id ? { kind: row.related_kind, id: row.related_id } : null,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}
