// The SMTP adapter against a real SMTP server (smtp-server) on a free local
// port; what arrives is parsed with mailparser.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMailer, type Mailer } from '../../../src/adapters/mail/mailer.js';
import { createSmtpMailer } from '../../../src/adapters/mail/smtp.js';

describe('SMTP mailer', () => {
  const received: { envelopeTo: string[]; mail: ParsedMail }[] = [];
  let rejectNext = false;
  let server: SMTPServer;
  let mailer: Mailer;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (rejectNext) {
          rejectNext = false;
          const error = new Error('Mailbox unavailable') as Error & { responseCode: number };
          error.responseCode = 550;
          return callback(error);
        }
        callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((mail) => {
            received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    mailer = createSmtpMailer(`smtp://127.0.0.1:${port}`);
  });
  afterAll(async () => {
    await mailer?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('delivers subject, text, HTML and our Message-ID', async () => {
    const sent = await mailer.send({
      from: '"Élan Maison" <contact@elan.example>',
      to: 'chloe@example.com',
      subject: 'De retour en stock\u00a0: Chaise « Lune »',
      text: 'Bonne nouvelle\u00a0: la chaise est de nouveau en stock.\nVoir : https://shop.example/products/chaise-lune',
      html: '<p>Bonne nouvelle : <a href="https://shop.example/products/chaise-lune">la chaise</a></p>',
      messageId: '<0123abcd.comptoir@elan.example>',
    });
    expect(sent).toEqual({ messageId: '<0123abcd.comptoir@elan.example>', transport: 'smtp' });
    expect(received).toHaveLength(1);
    const { mail, envelopeTo } = received[0]!;
    expect(envelopeTo).toEqual(['chloe@example.com']);
    expect(mail.messageId).toBe('<0123abcd.comptoir@elan.example>');
    expect(mail.subject).toBe('De retour en stock\u00a0: Chaise « Lune »');
    expect(mail.from?.value[0]).toMatchObject({ name: 'Élan Maison', address: 'contact@elan.example' });
    expect(mail.text?.trim()).toBe('Bonne nouvelle\u00a0: la chaise est de nouveau en stock.\nVoir : https://shop.example/products/chaise-lune');
    expect(mail.html).toContain('<a href="https://shop.example/products/chaise-lune">la chaise</a>');
  });

  it('keeps the same Message-ID when a message is sent again (receivers drop the duplicate)', async () => {
    received.length = 0;
    const message = { from: 'contact@elan.example', to: 'x@example.com', subject: 'Twice', text: 'same', html: null, messageId: '<same.comptoir@elan.example>' };
    await mailer.send(message);
    await mailer.send(message);
    expect(received.map((r) => r.mail.messageId)).toEqual(['<same.comptoir@elan.example>', '<same.comptoir@elan.example>']);
    expect(received[0]!.mail.html).toBe(false);
  });

  it('rejects when the server refuses the recipient (the outbox retries)', async () => {
    rejectNext = true;
    await expect(
      mailer.send({ from: 'contact@elan.example', to: 'gone@example.com', subject: 'x', text: 'x', html: null, messageId: '<r.comptoir@elan.example>' }),
    ).rejects.toThrow();
  });

  it('openMailer picks SMTP with a URL and the dev mailbox without', async () => {
    const smtp = openMailer({ smtpUrl: 'smtp://127.0.0.1:1' });
    expect(smtp.transport).toBe('smtp');
    await smtp.close();
    expect(openMailer({ smtpUrl: undefined }).transport).toBe('dev_mailbox');
  });
});
