// Browser journeys run in Debian's chromium driven by playwright-core
// (`npx playwright install` cannot work here). CHROMIUM_PATH overrides the binary.
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Browser tests need Chromium: `apt-get install -y chromium` (or set CHROMIUM_PATH).');
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Flags for this sandbox: no GPU, no background connections to the closed network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * For a describe block: the shop's app listening on a free port, its base URL
 * and a Chromium; `prepare` runs on the app before it listens (seed data).
 */
export function useBrowserShop(shopId: string, prepare?: (t: TestApp) => Promise<void>): { readonly t: TestApp; readonly browser: Browser; readonly base: string } {
  const state = {} as { t: TestApp; browser: Browser; base: string };
  beforeAll(async () => {
    state.t = await startTestApp(shopId);
    if (prepare) await prepare(state.t);
    await state.t.app.listen({ port: 0, host: '127.0.0.1' });
    state.base = `http://localhost:${(state.t.app.server.address() as AddressInfo).port}`;
    state.browser = await launchBrowser();
  });
  afterAll(async () => {
    await state.browser?.close();
    await state.t?.app.close();
    await state.t?.ctx.db.destroy();
  });
  return state;
}
