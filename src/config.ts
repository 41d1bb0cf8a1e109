// The one module that reads the environment (design.md: configuration). Every
// variable is documented in README.md#configuration; start-up fails with one
// clear line when a value is invalid.
import path from 'node:path';
import { z } from 'zod';

const booleanFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  COMPTOIR_DATA_DIR: z.string().min(1).default('.comptoir'),
  COMPTOIR_SHOPS_DIR: z.string().min(1).default('shops'),
  COMPTOIR_SHOP: z.string().regex(/^[a-z0-9-]+$/, 'must be a shop folder name such as fa').default('fa'),
  COMPTOIR_CLOCK: z.enum(['system', 'manual']).default('system'),
  COMPTOIR_CLOCK_START: z.iso.datetime({ offset: true }).optional(),
  COMPTOIR_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  COMPTOIR_COOKIE_SECURE: booleanFlag.default(true),
  COMPTOIR_TIMER_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  // Each worker holds a database connection of its own: the bound keeps the server's connection count modest.
  COMPTOIR_OUTBOX_WORKERS: z.coerce.number().int().min(1).max(8).default(4),
  COMPTOIR_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL such as https://shop.example' })
    .optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL such as smtps://user:password@mail.example:465')
    .optional(),
  MAIL_FROM: z
    .string()
    .regex(/^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/, 'must be an address such as shop@example.com or "Shop" <shop@example.com>')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SANDBOX_PAYMENTS_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
});

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  shopsDir: string;
  shopId: string;
  clock: { kind: 'system' } | { kind: 'manual'; start: Date | undefined };
  sessionSecret: string | undefined;
  cookieSecure: boolean;
  timerIntervalMs: number;
  /** Outbox messages dispatched concurrently by the server. */
  outboxWorkers: number;
  /** Base URL of the storefront, for links in emails (no trailing slash). */
  publicUrl: string;
  /** Unset: the dev mailbox (emails stored in the database, shown at /admin/mailbox). */
  smtpUrl: string | undefined;
  /** Sender of customer emails; unset: the shop's trading name and customer-service address (ID-1). */
  mailFrom: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** Webhook secret of the sandbox PSP; unset: generated and kept in the database (outside production), sandbox off (in production). */
  sandboxPaymentsSecret?: string | undefined;
};

export class ConfigError extends Error {}

export function readConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid environment variable ${String(issue.path[0])}: ${issue.message}. See README.md#configuration.`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && e.COMPTOIR_CLOCK === 'manual') {
    throw new ConfigError('COMPTOIR_CLOCK=manual is refused when NODE_ENV=production: a production shop runs on real time.');
  }
  if (e.NODE_ENV === 'production' && !e.COMPTOIR_SESSION_SECRET) {
    throw new ConfigError('COMPTOIR_SESSION_SECRET is required when NODE_ENV=production (at least 32 random characters).');
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.COMPTOIR_DATA_DIR),
    shopsDir: path.resolve(e.COMPTOIR_SHOPS_DIR),
    shopId: e.COMPTOIR_SHOP,
    clock:
      e.COMPTOIR_CLOCK === 'manual'
        ? { kind: 'manual', start: e.COMPTOIR_CLOCK_START ? new Date(e.COMPTOIR_CLOCK_START) : undefined }
        : { kind: 'system' },
    sessionSecret: e.COMPTOIR_SESSION_SECRET,
    cookieSecure: e.COMPTOIR_COOKIE_SECURE,
    timerIntervalMs: e.COMPTOIR_TIMER_INTERVAL_MS,
    outboxWorkers: e.COMPTOIR_OUTBOX_WORKERS,
    publicUrl: (e.COMPTOIR_PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`).replace(/\/+$/, ''),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    logLevel: e.LOG_LEVEL,
    sandboxPaymentsSecret: e.SANDBOX_PAYMENTS_SECRET,
    ...overrides,
  };
}
