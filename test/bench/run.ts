// `npm run bench` — throughput and p99 latency of the hot storefront paths,
// each reported as a ratio of a bare Fastify + pg primary-key SELECT measured
// in the same run (test/bench/reference-server.ts). Not part of `npm test`.
//
// Each scenario runs against a real `comptoir start` process (the load comes
// from this process, so the two compete for the same 2 cores exactly as the
// reference does). Sizes: BENCH_SIZES=1000,100000 (products seeded with
// `comptoir seed --products N`); BENCH_SECONDS (default 10); BENCH_CONNECTIONS
// (default 20); BENCH_DATABASE_URL (an admin URL; default: an embedded PostgreSQL).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { ensureDatabase, freePort, startEmbeddedPostgres, type EmbeddedServer } from '../../src/store/embedded-postgres.js';

type Scenario = { name: string; path: string; method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string>; target?: { ratio: number; p99Ms: number } };
type Result = { name: string; rps: number; p99: number; errors: number; non2xx: number };

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const sizes = (process.env.BENCH_SIZES ?? '1000,100000').split(',').map(Number);

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

async function load(base: string, s: Scenario): Promise<Result> {
  const options = { url: `${base}${s.path}`, method: s.method ?? 'GET', body: s.body, headers: s.headers, connections, duration: seconds };
  await autocannon({ ...options, duration: 2 }); // warm-up: JIT, caches, connection pools
  const r = await autocannon(options);
  return { name: s.name, rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

async function benchSize(adminUrl: string, size: number): Promise<void> {
  const database = `comptoir_bench_${size}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  await ensureDatabase(adminUrl, database);
  const url = withDatabase(adminUrl, database);
  const env = { DATABASE_URL: url, COMPTOIR_SHOP: 'fa', NODE_ENV: 'production', COMPTOIR_SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0', COMPTOIR_COOKIE_SECURE: '0' };

  const seeded = performance.now();
  await run(['src/cli.ts', 'seed', '--products', String(size)], env);
  const seedMs = Math.round(performance.now() - seeded);

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const { rows: [sample] } = await db.query<{ id: string; slug: string; variant_id: string }>(
    `SELECT p.id, p.slug, v.id AS variant_id FROM products p JOIN variants v ON v.product_id = p.id
       JOIN stock s ON s.variant_id = v.id AND s.quantity > 0 WHERE p.shop_id = 'fa' ORDER BY p.id LIMIT 1`,
  );
  const { rows: [count] } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM products WHERE shop_id = 'fa'`);
  await db.end();
  if (!sample) throw new Error('no product in stock to benchmark');

  const refPort = await freePort();
  const reference = await serve(['test/bench/reference-server.ts'], { DATABASE_URL: url, PORT: String(refPort) }, /listening/);
  const ref = await load(`http://127.0.0.1:${refPort}`, { name: 'reference: Fastify + pg PK SELECT', path: `/ref/${sample.id}` });
  await stop(reference);

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
    { name: 'catalogue listing (20 products, prices, availability)', path: '/api/store/products?limit=20', target: { ratio: 0.3, p99Ms: 50 } },
    { name: 'product page (HTML)', path: `/products/${sample.slug}`, target: { ratio: 0.3, p99Ms: 50 } },
    { name: 'product page (HTML), returning visitor (session cookie)', path: `/products/${sample.slug}`, headers: { cookie: sessionCookie } },
    {
      name: 'add to cart (new guest cart each time)',
      path: '/api/store/cart/lines',
      method: 'POST',
      body: JSON.stringify({ variantId: sample.variant_id, quantity: 1 }),
      headers: { 'content-type': 'application/json' },
    },
  ];
  const results: Result[] = [];
  for (const s of scenarios) results.push(await load(base, s));
  await stop(server);

  console.log(`\n${count!.n} products (seeded in ${seedMs} ms), ${connections} connections, ${seconds} s per scenario`);
  console.log(`  ${ref.name.padEnd(56)} ${ref.rps.toFixed(0).padStart(7)} req/s  p99 ${String(ref.p99).padStart(4)} ms  (1.00)`);
  for (const [i, r] of results.entries()) {
    const ratio = r.rps / ref.rps;
    const target = scenarios[i]!.target;
    const verdict = target ? (ratio >= target.ratio && r.p99 < target.p99Ms ? '  meets target' : `  BELOW target (≥ ${target.ratio * 100} %, p99 < ${target.p99Ms} ms)`) : '';
    const problems = r.errors || r.non2xx ? `  [${r.errors} errors, ${r.non2xx} non-2xx]` : '';
    console.log(`  ${r.name.padEnd(56)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${String(r.p99).padStart(4)} ms  (${ratio.toFixed(2)})${verdict}${problems}`);
  }
}

async function main(): Promise<void> {
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
    for (const size of sizes) await benchSize(adminUrl, size);
  } finally {
    await embedded?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

await main();
