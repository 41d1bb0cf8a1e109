// Brings a shop up on an open database: policy and terms loaded and installed,
// the clock chosen, the demo catalogue seeded once, the first owner created.
// Shared by `comptoir start`, `comptoir migrate|seed` and the test harness.
import { openEngineClock } from '../adapters/clock.js';
import { openMailer } from '../adapters/mail/mailer.js';
import type { Config } from '../config.js';
import { outboxHandlers } from '../jobs/outbox-kinds.js';
import { timerHandlers } from '../jobs/timer-kinds.js';
import { loadShop, type LoadedShop } from '../policy/loader.js';
import type { Db } from '../store/db.js';
import { refreshProductCards } from '../store/product-cards.js';
import type { AppContext } from './context.js';
import { installShop } from './install-shop.js';
import { openPayments } from './payments.js';
import { sandboxCarrier } from '../adapters/carrier/sandbox.js';
import { seedCatalogue } from './seed-catalogue.js';
import { ensureOwnerAccount } from './staff.js';

export type Booted = {
  ctx: AppContext;
  /** Set only on the very first start of the shop: print it once. */
  firstOwner: { email: string; password: string } | null;
  catalogue: { seeded: boolean; products: number };
};

/** `options.shop`: the shop's files already loaded (start-up loads them before opening the database, to fail fast). */
/** Products without a listing card (a catalogue older than migration 0005) get one. */
async function ensureProductCards(db: Db, shopId: string, now: Date): Promise<void> {
  const missing = await db
    .selectFrom('products as p')
    .select('p.id')
    .where('p.shop_id', '=', shopId)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('product_cards as c').select('c.product_id').whereRef('c.product_id', '=', 'p.id'))))
    .limit(1)
    .executeTakeFirst();
  if (missing) await refreshProductCards(db, { shopId, now });
}

export async function bootShop(config: Config, db: Db, options: { seed?: boolean; shop?: LoadedShop } = {}): Promise<Booted> {
  const shop = options.shop ?? (await loadShop(config.shopsDir, config.shopId));
  const clock = await openEngineClock(db, config.clock);
  const now = await clock.now();
  await installShop(db, shop, now);
  const catalogue = options.seed === false ? { seeded: false, products: 0 } : await seedCatalogue(db, { shopId: shop.id, shopDir: shop.dir, now });
  await ensureProductCards(db, shop.id, now);
  const firstOwner = await ensureOwnerAccount(db, { shopId: shop.id, now });
  const mailer = openMailer({ smtpUrl: config.smtpUrl });
  const mailFrom = config.mailFrom ?? defaultSender(shop);
  const payments = await openPayments(config, db, clock, shop.id); // issue 4 §4: the sandbox PSP
  const carrier = sandboxCarrier(config.publicUrl); // issue 5: the built-in carrier until a real one is plugged in
  return { ctx: { config, db, clock, shop, timers: timerHandlers(), mailer, outbox: outboxHandlers({ mailer, mailFrom, payments }), payments, carrier }, firstOwner, catalogue };
}

/** Without MAIL_FROM, customer emails come from the shop's customer service (ID-1). */
function defaultSender(shop: LoadedShop): string {
  const name = shop.policy.identity.tradingName.replace(/[\\"\r\n]/g, '');
  return `"${name}" <${shop.policy.identity.customerService.email}>`;
}
