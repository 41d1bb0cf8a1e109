// `npm run bench` — throughput and p99 latency of the hot storefront paths and
// of a whole checkout, each reported as a ratio of a bare Fastify + pg
// primary-key SELECT measured in the same run (test/bench/reference-server.ts).
// Not part of `npm test`.
//
// Each scenario runs against a real `comptoir start` process (the load comes
// from this process, so the two compete for the same 2 cores exactly as the
// reference does). Sizes: BENCH_SIZES=1000,100000 (products seeded with
// `comptoir seed --products N`); BENCH_SECONDS (default 10); BENCH_CONNECTIONS
// (default 20: connections, or buyers for the checkout); BENCH_DATABASE_URL (an
// admin URL; default: an embedded PostgreSQL). `npm run bench -- --only
// checkout` (or `--only listing,product`) runs some scenarios; the reference
// always runs. The server's own variables pass through (e.g.
// COMPTOIR_TIMER_INTERVAL_MS, which paces the outbox the checkout waits for).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { setStock } from '../../src/app/stock.js';
import { readConfig } from '../../src/config.js';
import { createDb } from '../../src/store/db.js';
import { ensureDatabase, freePort, startEmbeddedPostgres, type EmbeddedServer } from '../../src/store/embedded-postgres.js';
import { runCheckouts } from './checkout.js';

const SCENARIO_IDS = ['listing', 'product', 'product-returning', 'add-to-cart', 'checkout'] as const;
type ScenarioId = (typeof SCENARIO_IDS)[number];

type Target = { ratio?: number; perSecond?: number; p99Ms: number };
type Scenario = { id: ScenarioId; name: string; path: string; method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string>; target?: Target };
/** One line of the table: a rate (req/s, or orders/s for the checkout) and its p99; `details` are printed under it. */
type Row = { name: string; rate: number; unit: string; p99: number; target?: Target | undefined; problems: string; details?: string[] };

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const sizes = (process.env.BENCH_SIZES ?? '1000,100000').split(',').map(Number);

/** `--only a,b`: the scenarios to run (all by default). */
function selectedScenarios(): Set<ScenarioId> {
  const { values } = parseArgs({ options: { only: { type: 'string' } }, strict: true });
  if (values.only === undefined) return new Set(SCENARIO_IDS);
  const ids = values.only.split(',').map((id) => id.trim());
  const unknown = ids.filter((id) => !(SCENARIO_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) throw new Error(`--only: unknown scenario ${unknown.join(', ')} (known: ${SCENARIO_IDS.join(', ')})`);
  return new Set(ids as ScenarioId[]);
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs a command to completion; throws with its output when it fails. */
function run(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

/** Starts a server process and resolves once it prints `ready` (a regexp on stdout). */
function serve(args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      if (ready.test(out)) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => reject(new Error(`${args.join(' ')} exited ${code} before it was ready:\n${out}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.removeAllListeners('close');
  await new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.kill('SIGTERM');
  });
}

async function load(base: string, s: Pick<Scenario, 'name' | 'path' | 'method' | 'body' | 'headers' | 'target'>): Promise<Row> {
  const options = { url: `${base}${s.path}`, method: s.method ?? 'GET', body: s.body, headers: s.headers, connections, duration: seconds };
  await autocannon({ ...options, duration: 2 }); // warm-up: JIT, caches, connection pools
  const r = await autocannon(options);
  const errors = r.errors + r.timeouts;
  return { name: s.name, rate: r.requests.average, unit: 'req/s', p99: r.latency.p99, target: s.target, problems: errors || r.non2xx ? `[${errors} errors, ${r.non2xx} non-2xx]` : '' };
}

/** The storefront scenarios, on FA (the demo shop `npm start` runs). */
async function catalogueRows(url: string, env: Record<string, string>, selected: Set<ScenarioId>): Promise<Row[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const { rows: [sample] } = await db.query<{ slug: string; variant_id: string }>(
    `SELECT p.slug, v.id AS variant_id FROM products p JOIN variants v ON v.product_id = p.id
       JOIN stock s ON s.variant_id = v.id AND s.quantity > 0 WHERE p.shop_id = 'fa' ORDER BY p.id LIMIT 1`,
  );
  await db.end();
  if (!sample) throw new Error('no product in stock to benchmark');

  const port = await freePort();
  const server = await serve(['src/cli.ts', 'start'], { ...env, PORT: String(port) }, /started in/);
  const base = `http://127.0.0.1:${port}`;
  // A returning browser sends back the session cookie its first visit received
  // (it holds the CSRF secret of the add-to-cart form): the page then reuses the
  // secret instead of creating, encrypting and setting a new session.
  const first = await fetch(`${base}/products/${sample.slug}`);
  const sessionCookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  if (!sessionCookie.includes('comptoir_session=')) throw new Error('the product page set no session cookie');
  const scenarios: Scenario[] = [
    { id: 'listing', name: 'catalogue listing (20 products, prices, availability)', path: '/api/store/products?limit=20', target: { ratio: 0.3, p99Ms: 50 } },
    { id: 'product', name: 'product page (HTML)', path: `/products/${sample.slug}`, target: { ratio: 0.3, p99Ms: 50 } },
    { id: 'product-returning', name: 'product page (HTML), returning visitor (session cookie)', path: `/products/${sample.slug}`, headers: { cookie: sessionCookie } },
    {
      id: 'add-to-cart',
      name: 'add to cart (new guest cart each time)',
      path: '/api/store/cart/lines',
      method: 'POST',
      body: JSON.stringify({ variantId: sample.variant_id, quantity: 1 }),
      headers: { 'content-type': 'application/json' },
    },
  ];
  const rows: Row[] = [];
  try {
    for (const s of scenarios.filter((s) => selected.has(s.id))) rows.push(await load(base, s));
  } finally {
    await stop(server);
  }
  return rows;
}

/** How many variants the checkouts spread over, each stocked so that nothing sells out. */
const CHECKOUT_VARIANTS = 50;
const CHECKOUT_STOCK = 1_000_000;

/**
 * PF's synthetic variants, restocked through the back office's use case. A
 * catalogue in demand rather than one product: 20 buyers of a single variant
 * would queue on its stock row (a flash sale, not a shop's ordinary day).
 */
async function stockCheckoutVariants(url: string): Promise<string[]> {
  const db = createDb(url, { max: 1 });
  try {
    const variants = await db
      .selectFrom('variants as v')
      .innerJoin('products as p', 'p.id', 'v.product_id')
      .select('v.id')
      .where('p.shop_id', '=', 'pf')
      .where('p.slug', 'like', 'synthetic-%')
      .orderBy('v.id')
      .limit(CHECKOUT_VARIANTS)
      .execute();
    const warehouse = await db.selectFrom('locations').select('code').where('shop_id', '=', 'pf').where('kind', '=', 'warehouse').executeTakeFirstOrThrow();
    for (const v of variants) {
      await setStock(db, { shopId: 'pf', variantId: String(v.id), levels: [{ locationCode: warehouse.code, quantity: CHECKOUT_STOCK }], actor: { kind: 'system' }, now: new Date() });
    }
    return variants.map((v) => String(v.id));
  } finally {
    await db.destroy();
  }
}

/**
 * The checkout scenario (test/bench/checkout.ts), on PF: its policy allows
 * guest checkout (CU-1), so a checkout needs no account (FA requires one) and
 * ends at an authorised order (PF captures at dispatch, PA-3).
 */
async function checkoutRow(url: string, env: Record<string, string>): Promise<Row> {
  const variantIds = await stockCheckoutVariants(url);
  if (variantIds.length === 0) throw new Error('no PF variant to check out');
  const shopEnv = { ...env, COMPTOIR_SHOP: 'pf' };
  const port = await freePort();
  const server = await serve(['src/cli.ts', 'start'], { ...shopEnv, PORT: String(port) }, /started in/);
  const base = `http://127.0.0.1:${port}`;
  try {
    const terms = (await (await fetch(`${base}/api/store/terms/current`)).json()) as { id: string; hash: { fr: string } };
    const r = await runCheckouts({ base, buyers: connections, seconds, variantIds, terms: { versionId: terms.id, hash: terms.hash.fr } });
    const outboxMs = readConfig({ ...process.env, ...shopEnv }).timerIntervalMs;
    return {
      name: 'checkout: guest cart → authorised order (PF)',
      rate: r.perSecond,
      unit: 'orders/s',
      p99: Math.round(r.p99),
      target: { perSecond: 100, p99Ms: 250 },
      problems: r.failures ? `[${r.failures} failed checkouts; first: ${r.firstFailure}]` : '',
      details:
        r.completed === 0
          ? [`no checkout completed within ${seconds} s (outbox polled every ${outboxMs} ms)`]
          : [
              `${r.completed} checkouts by ${connections} buyers, p50 ${Math.round(r.p50)} ms, ${r.requestsPerCheckout.toFixed(1)} requests per checkout, outbox polled every ${outboxMs} ms`,
              `p50 per step: ${r.stepP50.map((s) => `${s.step} ${Math.round(s.ms)} ms`).join(', ')}`,
            ],
    };
  } finally {
    await stop(server);
  }
}

function printRow(r: Row, reference: number): void {
  const ratio = r.rate / reference;
  const t = r.target;
  const meets = t && (t.ratio === undefined || ratio >= t.ratio) && (t.perSecond === undefined || r.rate >= t.perSecond) && r.p99 < t.p99Ms;
  const wanted = t && [t.ratio === undefined ? '' : `≥ ${t.ratio * 100} %`, t.perSecond === undefined ? '' : `≥ ${t.perSecond} ${r.unit}`, `p99 < ${t.p99Ms} ms`].filter(Boolean).join(', ');
  const verdict = !t ? '' : meets ? '  meets target' : `  BELOW target (${wanted})`;
  // Two significant digits for small ratios: a checkout is many requests, its ratio is far below 1.
  const shownRatio = ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2);
  const p99 = Number.isFinite(r.p99) ? String(r.p99) : '—'; // nothing completed
  console.log(`  ${r.name.padEnd(56)} ${r.rate.toFixed(0).padStart(7)} ${r.unit.padEnd(8)} p99 ${p99.padStart(4)} ms  (${shownRatio})${verdict}${r.problems ? `  ${r.problems}` : ''}`);
  for (const d of r.details ?? []) console.log(`      ${d}`);
}

async function benchSize(adminUrl: string, size: number, selected: Set<ScenarioId>): Promise<void> {
  const database = `comptoir_bench_${size}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  await ensureDatabase(adminUrl, database);
  const url = withDatabase(adminUrl, database);
  const env = {
    DATABASE_URL: url,
    COMPTOIR_SHOP: 'fa',
    NODE_ENV: 'production',
    COMPTOIR_SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0',
    COMPTOIR_COOKIE_SECURE: '0',
    // In production the sandbox PSP is off unless its webhook secret is set.
    SANDBOX_PAYMENTS_SECRET: 'bench-sandbox-bench-sandbox-bench-sandbox',
  };
  const checkout = selected.has('checkout');
  const catalogue = [...selected].some((id) => id !== 'checkout');

  const seeded = performance.now();
  if (catalogue) await run(['src/cli.ts', 'seed', '--products', String(size)], env);
  if (checkout) await run(['src/cli.ts', 'seed', '--products', String(size)], { ...env, COMPTOIR_SHOP: 'pf' });
  const seedMs = Math.round(performance.now() - seeded);

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const { rows: [sample] } = await db.query<{ id: string }>(`SELECT id FROM products ORDER BY id LIMIT 1`);
  const { rows: counts } = await db.query<{ shop_id: string; n: string }>(`SELECT shop_id, count(*) AS n FROM products GROUP BY shop_id ORDER BY shop_id`);
  await db.end();
  if (!sample) throw new Error('no product to benchmark');

  const refPort = await freePort();
  const reference = await serve(['test/bench/reference-server.ts'], { DATABASE_URL: url, PORT: String(refPort) }, /listening/);
  const ref = await load(`http://127.0.0.1:${refPort}`, { name: 'reference: Fastify + pg PK SELECT', path: `/ref/${sample.id}` });
  await stop(reference);

  const rows = catalogue ? await catalogueRows(url, env, selected) : [];
  if (checkout) rows.push(await checkoutRow(url, env));

  const products = counts.map((c) => `${c.n} ${c.shop_id.toUpperCase()}`).join(' + ');
  console.log(`\n${products} products (seeded in ${seedMs} ms), ${connections} connections, ${seconds} s per scenario`);
  printRow(ref, ref.rate);
  for (const r of rows) printRow(r, ref.rate);
}

async function main(): Promise<void> {
  let selected: Set<ScenarioId>;
  try {
    selected = selectedScenarios();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
    return;
  }
  let embedded: EmbeddedServer | undefined;
  let dir: string | undefined;
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    dir = await mkdtemp(path.join(os.tmpdir(), 'comptoir-bench-'));
    await chmod(dir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: dir, persistent: false });
    adminUrl = embedded.urlFor('postgres');
  }
  try {
    console.log(`Comptoir benchmark — ${os.cpus().length} cores, node ${process.version}`);
    for (const size of sizes) await benchSize(adminUrl, size, selected);
  } finally {
    await embedded?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

await main();
