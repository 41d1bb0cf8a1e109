// Everything a use case or a route needs, built once at start-up (src/cli/start.ts)
// or by a test (test/support/app.ts).
import type { Carrier } from '../adapters/carrier/carrier.js';
import type { Clock } from '../adapters/clock.js';
import type { Mailer } from '../adapters/mail/mailer.js';
import type { Config } from '../config.js';
import type { OutboxHandlers } from '../jobs/outbox-dispatcher.js';
import type { TimerHandlers } from '../jobs/timer-runner.js';
import type { LoadedShop } from '../policy/loader.js';
import type { Db } from '../store/db.js';
import type { PaymentsContext } from './payments.js';

export type AppContext = {
  config: Config;
  db: Db;
  clock: Clock;
  shop: LoadedShop;
  timers: TimerHandlers;
  /** SMTP (SMTP_URL) or the dev mailbox; used only by the `email.send` outbox handler. */
  mailer: Mailer;
  /** Handlers of the outbox dispatcher (src/jobs/outbox-kinds.ts). */
  outbox: OutboxHandlers;
  /** The payment provider (the sandbox PSP); absent in production without SANDBOX_PAYMENTS_SECRET (src/app/payments.ts). */
  payments?: PaymentsContext | undefined;
  /** SH-1/SH-5: the carrier that issues tracking numbers (the sandbox carrier, src/adapters/carrier/sandbox.ts). */
  carrier: Carrier;
};
