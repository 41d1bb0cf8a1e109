// The registry of outbox kinds: which handler performs each side effect
// (design.md "Side effects"). Pattern of ./timer-kinds.ts: each issue that
// introduces an effect registers its kind here under a stable dotted name, with
// a handler from its own module; the use case enqueues it with `enqueue`
// (src/store/outbox.ts) in the transaction of the state change. A kind, once
// used in a database, keeps its name: pending rows refer to it, and a message
// whose kind has no handler fails (retried with back-off, then 'failed'), it
// is never dropped silently.
//
// The server's outbox loop (src/cli/start.ts) takes its handlers from here.
import type { Mailer } from '../adapters/mail/mailer.js';
import { EMAIL_SEND, emailSendHandler } from '../app/emails.js';
import { instalmentOutboxHandlers } from '../app/instalments.js';
import { instalmentCollectionOutboxHandlers } from '../app/instalment-collections.js';
import { paymentOutboxHandlers, type PaymentsContext } from '../app/payments.js';
// EX-1: registers the listener of `exchange` payments (the difference paid → the replacement packed), for the webhooks this outbox delivers.
import '../app/postal-exchanges.js';
import type { OutboxHandlers } from './outbox-dispatcher.js';

export type OutboxDeps = {
  mailer: Mailer;
  /** Sender of customer emails (MAIL_FROM, or the shop's customer-service address). */
  mailFrom: string;
  /** The payment provider; without it, no payment kinds (production without the sandbox). */
  payments?: PaymentsContext | undefined;
};

export function outboxHandlers(deps: OutboxDeps): OutboxHandlers {
  return {
    [EMAIL_SEND]: emailSendHandler({ mailer: deps.mailer, from: deps.mailFrom }), // DOC-5
    ...(deps.payments ? paymentOutboxHandlers(deps.payments) : {}), // payment.provider_call, sandbox.webhook
    ...(deps.payments ? instalmentOutboxHandlers(deps.payments.financing) : {}), // financing.cancel_plan (PA-4, OR-7)
    ...(deps.payments ? instalmentCollectionOutboxHandlers(deps.payments.financing) : {}), // financing.collect_share, financing.refund (PA-4 collections, RF-3)
  };
}
