// The dev mailbox: nothing leaves the machine. The `email.send` handler stores
// every email in the `emails` table (DOC-5) in the transaction that marks the
// outbox message done; with this transport that row IS the delivered mail,
// shown in the back office at /admin/mailbox. Exactly once, by construction.
import type { MailMessage, Mailer, SentMail } from './mailer.js';

export function createDevMailbox(): Mailer {
  return {
    transport: 'dev_mailbox',
    async send(message: MailMessage): Promise<SentMail> {
      return { messageId: message.messageId, transport: 'dev_mailbox' };
    },
    async close() {},
  };
}
