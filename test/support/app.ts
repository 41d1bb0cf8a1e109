// A booted shop on a fresh test database, with the HTTP server built (not
// listening: use `app.inject`, or `listen` for browser tests). The manual clock
// starts at a fixed instant so dates in assertions are stable.
import { afterAll, beforeAll, expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { bootShop, type Booted } from '../../src/app/boot.js';
import { readConfig } from '../../src/config.js';
import { createDb } from '../../src/store/db.js';
import { buildServer } from '../../src/http/server.js';
import { createTestDatabase } from './database.js';
import { testKey } from './orders.js';

export const TEST_START = '2026-11-23T09:00:00Z';

export type TestApp = Booted & { app: FastifyInstance; owner: { email: string; password: string } };

export async function startTestApp(shopId = 'fa', options: { clockStart?: string; env?: 'test' | 'production' } = {}): Promise<TestApp> {
  const url = await createTestDatabase();
  const config = readConfig({
    NODE_ENV: options.env ?? 'test',
    COMPTOIR_SHOP: shopId,
    COMPTOIR_CLOCK: options.env === 'production' ? 'system' : 'manual',
    COMPTOIR_CLOCK_START: options.clockStart ?? TEST_START,
    COMPTOIR_SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    LOG_LEVEL: 'silent',
    DATABASE_URL: url,
  });
  const db = createDb(url);
  const booted = await bootShop(config, db);
  if (!booted.firstOwner) throw new Error('a fresh database must create the first owner');
  const app = await buildServer(booted.ctx);
  return { ...booted, app, owner: booted.firstOwner };
}

/** For a test file: `const t = useTestApp('pf');` then `t.app.inject(...)`. */
export function useTestApp(shopId = 'fa', options: { clockStart?: string; env?: 'test' | 'production' } = {}): TestApp {
  const state = {} as TestApp;
  beforeAll(async () => {
    Object.assign(state, await startTestApp(shopId, options));
  });
  afterAll(async () => {
    await state.app?.close();
    await state.ctx?.db.destroy();
  });
  return state;
}

/** Signs in through the API and returns the session cookie header. */
export async function signIn(app: FastifyInstance, email: string, password: string): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/admin/session', payload: { email, password } });
  if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
  const cookie = response.cookies.find((c) => c.name === 'comptoir_session');
  if (!cookie) throw new Error('no session cookie');
  // `cookies` gives the decoded value; the header carries it encoded (it contains a `;`).
  return `comptoir_session=${encodeURIComponent(cookie.value)}`;
}

/** A new staff account of `role`, created by the owner through the API, signed in: its session cookie header. */
export async function staffSession(app: FastifyInstance, ownerCookie: string, role: string): Promise<string> {
  const email = `${role}-${testKey()}@example.com`;
  const password = 'a long enough password 123';
  const created = await app.inject({ method: 'POST', url: '/api/admin/staff', headers: { accept: 'application/json', cookie: ownerCookie }, payload: { email, role, password } });
  expect(created.statusCode).toBe(201);
  return signIn(app, email, password);
}
