// SMTP_URL, MAIL_FROM and COMPTOIR_PUBLIC_URL are validated at start-up (src/config.ts).
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../../src/config.js';

describe('mail configuration', () => {
  it('defaults to the dev mailbox, the shop sender and a local public URL', () => {
    const config = readConfig({ PORT: '4000' });
    expect(config).toMatchObject({ smtpUrl: undefined, mailFrom: undefined, publicUrl: 'http://127.0.0.1:4000' });
  });

  it('accepts SMTP URLs and senders, and trims the public URL', () => {
    const config = readConfig({ SMTP_URL: 'smtps://user:secret@mail.example:465', MAIL_FROM: '"Élan" <contact@elan.example>', COMPTOIR_PUBLIC_URL: 'https://elan.example/' });
    expect(config).toMatchObject({ smtpUrl: 'smtps://user:secret@mail.example:465', mailFrom: '"Élan" <contact@elan.example>', publicUrl: 'https://elan.example' });
    expect(readConfig({ MAIL_FROM: 'contact@elan.example' }).mailFrom).toBe('contact@elan.example');
  });

  it.each([
    ['SMTP_URL', 'http://mail.example'],
    ['MAIL_FROM', 'not an address'],
    ['MAIL_FROM', 'a@b.example\r\nBcc: x@y.example'],
    ['COMPTOIR_PUBLIC_URL', 'ftp://shop.example'],
  ])('refuses %s=%j with one line naming it, without echoing the value', (name, value) => {
    expect(() => readConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => readConfig({ [name]: value })).toThrow(new RegExp(`^Invalid environment variable ${name}: `));
    try {
      readConfig({ [name]: value });
    } catch (error) {
      expect((error as Error).message).not.toContain(value);
    }
  });
});
