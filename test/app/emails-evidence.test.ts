// DOC-5 / OR-6: every customer-facing email sent lands in the evidence log as
// `email.sent`, in the transaction that stores it, with the SHA-256 of what it
// said — and a failed send leaves neither the email nor the event.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock.js';
import { createDevMailbox } from '../../src/adapters/mail/dev-mailbox.js';
import type { Mailer } from '../../src/adapters/mail/mailer.js';
import { EMAIL_SEND, EMAIL_SENT, emailSendHandler, messageIdFor, queueEmail, type EmailPayload } from '../../src/app/emails.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { outboxHandlers } from '../../src/jobs/outbox-kinds.js';
import { listEmails } from '../../src/store/emails.js';
import { listEvidence, verifyEvidenceChain } from '../../src/store/evidence.js';
import { getOutboxMessage } from '../../src/store/outbox.js';
import { useTestDatabase } from '../support/database.js';

const t = useTestDatabase();
const START = new Date('2027-03-03T10:00:00.000Z');
const FROM = '"Fil d\'Azur" <service-client@fildazur.example>';
let clock: ManualClock;

async function queue(key: string, email: EmailPayload) {
  const now = await clock.now();
  await t.db.transaction().execute((tx) => queueEmail(tx, { shopId: 'fa', key, email }, now));
}

beforeAll(async () => {
  await t.db.insertInto('shops').values({ id: 'fa', name: 'FA', policy_hash: 'h', loaded_at: START }).execute();
  clock = await ManualClock.open(t.db, START);
});

describe('email.send → email.sent evidence (DOC-5)', () => {
  it('records the email sent with its content SHA-256, recipient, message id and the order it is about', async () => {
    const email = {
      to: 'chloe@example.com',
      subject: 'Votre commande 2026-000123',
      text: 'Merci pour votre commande\u00a0!',
      html: '<p>Merci pour votre commande&nbsp;!</p>',
      language: 'fr' as const,
      related: { kind: 'order', id: '2026-000123' },
    };
    await queue('order.confirmation:2026-000123', email);
    const now = (await clock.moveTo(new Date(START.getTime() + 60_000))).to;
    const handlers = outboxHandlers({ mailer: createDevMailbox(), mailFrom: FROM });
    expect(await dispatchOutbox(t.db, handlers, now)).toMatchObject({ done: 1, failed: 0 });

    const [stored] = await listEmails(t.db, 'fa');
    // Independently of the code under test: SHA-256 of the UTF-8 JSON [subject, text, html].
    const expectedHash = createHash('sha256').update(JSON.stringify([email.subject, email.text, email.html]), 'utf8').digest('hex');
    expect(stored!.contentSha256).toBe(expectedHash);

    const [event] = await listEvidence(t.db, 'fa', { subject: { type: 'order', id: '2026-000123' } });
    expect(event).toMatchObject({
      seq: 1,
      kind: EMAIL_SENT,
      actor: 'system',
      recordedAt: now,
      data: {
        emailId: stored!.id,
        to: 'chloe@example.com',
        from: FROM,
        subject: email.subject,
        language: 'fr',
        contentSha256: expectedHash,
        messageId: messageIdFor('order.confirmation:2026-000123', FROM),
        transport: 'dev_mailbox',
        related: { kind: 'order', id: '2026-000123' },
      },
    });
    expect(stored!.messageId).toBe(event!.data.messageId);
    expect(await verifyEvidenceChain(t.db, 'fa')).toMatchObject({ ok: true, count: 1, head: event!.hash });
  });

  it('an email about nothing in particular is its own subject', async () => {
    await queue('newsletter:1', { to: 'sam@example.com', subject: 'Hello', text: 'Hi', html: null });
    const now = await clock.now();
    await dispatchOutbox(t.db, outboxHandlers({ mailer: createDevMailbox(), mailFrom: FROM }), now);
    const stored = (await listEmails(t.db, 'fa', { to: 'sam@example.com' }))[0]!;
    const [event] = await listEvidence(t.db, 'fa', { kinds: [EMAIL_SENT], limit: 1 });
    expect(event).toMatchObject({ seq: 2, subject: { type: 'email', id: stored.id }, data: { related: null, contentSha256: stored.contentSha256 } });
  });

  it('a failed send rolls back the email and its evidence: no event, no gap, and the retry records it once', async () => {
    const failing: Mailer = {
      transport: 'smtp',
      send: async () => {
        throw new Error('SMTP 451 try again later');
      },
      close: async () => undefined,
    };
    await queue('order.shipped:2026-000124', { to: 'lea@example.com', subject: 'Expédiée', text: 'En route', html: null, related: { kind: 'order', id: '2026-000124' } });
    const now = await clock.now();
    expect(await dispatchOutbox(t.db, { [EMAIL_SEND]: emailSendHandler({ mailer: failing, from: FROM }) }, now)).toMatchObject({ done: 0, failed: 1 });
    expect(await listEmails(t.db, 'fa', { to: 'lea@example.com' })).toEqual([]);
    expect(await listEvidence(t.db, 'fa', { subject: { type: 'order', id: '2026-000124' } })).toEqual([]);

    const retry = (await getOutboxMessage(t.db, 'order.shipped:2026-000124'))!.nextAttemptAt;
    await clock.moveTo(retry);
    expect(await dispatchOutbox(t.db, outboxHandlers({ mailer: createDevMailbox(), mailFrom: FROM }), retry)).toMatchObject({ done: 1 });
    const events = await listEvidence(t.db, 'fa', { subject: { type: 'order', id: '2026-000124' } });
    expect(events.map((e) => [e.seq, e.kind, e.recordedAt])).toEqual([[3, EMAIL_SENT, retry]]);
    expect(await verifyEvidenceChain(t.db, 'fa')).toMatchObject({ ok: true, count: 3 });
  });
});
