// The mail port (design.md "adapters"): one `send` for every customer-facing
// email. Implementations: SMTP through nodemailer (`SMTP_URL` set,
// ./smtp.ts) and, in development and tests, the dev mailbox (./dev-mailbox.ts):
// the `emails` table the back office shows at /admin/mailbox.
//
// Emails are rendered by the use case that queues them and leave through the
// outbox (`email.send`, src/app/emails.ts); nothing calls a mailer directly.
import { createDevMailbox } from './dev-mailbox.js';
import { createSmtpMailer } from './smtp.js';

export type MailTransport = 'dev_mailbox' | 'smtp';

export type MailMessage = {
  /** `"Name" <address>` or a bare address. */
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** `<id@domain>`: derived from the outbox key, the same on every attempt, so receivers drop duplicates. */
  messageId: string;
  headers?: Readonly<Record<string, string>>;
};

export type SentMail = { messageId: string; transport: MailTransport };

export interface Mailer {
  readonly transport: MailTransport;
  /** Resolves once the transport accepted the message; rejects otherwise (the outbox retries). */
  send(message: MailMessage): Promise<SentMail>;
  /** Closes pooled connections (shutdown). */
  close(): Promise<void>;
}

/** SMTP when a URL is configured, else the dev mailbox. */
export function openMailer(options: { smtpUrl: string | undefined }): Mailer {
  return options.smtpUrl ? createSmtpMailer(options.smtpUrl) : createDevMailbox();
}
