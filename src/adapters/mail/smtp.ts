// SMTP through nodemailer (`SMTP_URL`, e.g. `smtps://user:pass@mail.example:465`
// or `smtp://127.0.0.1:1025`). The Message-ID is ours (derived from the outbox
// key), so a message sent again after a crash between the SMTP answer and the
// database commit carries the same Message-ID (see src/jobs/outbox-dispatcher.ts).
import nodemailer from 'nodemailer';
import type { MailMessage, Mailer, SentMail } from './mailer.js';

export function createSmtpMailer(url: string): Mailer {
  const transporter = nodemailer.createTransport(url);
  return {
    transport: 'smtp',
    async send(message: MailMessage): Promise<SentMail> {
      const info = await transporter.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html !== null ? { html: message.html } : {}),
        messageId: message.messageId,
        ...(message.headers ? { headers: { ...message.headers } } : {}),
      });
      const rejected = [...(info.rejected ?? [])];
      if (rejected.length > 0) throw new Error(`SMTP server rejected ${rejected.length} recipient(s)`);
      return { messageId: info.messageId || message.messageId, transport: 'smtp' };
    },
    async close() {
      transporter.close();
    },
  };
}
