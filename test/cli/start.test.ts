// Issue 2 §2: `comptoir start` as a new user meets it — a real process, the
// embedded PostgreSQL by default, one clear line for each start-up error.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs `comptoir <args>`; with `whenReady`, calls it once the banner is printed, then stops the process with SIGTERM. */
function comptoir(args: string[], env: Record<string, string>, whenReady?: (base: string) => Promise<void>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let readyHandled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const banner = /at (http:\/\/[^\s]+)/.exec(stdout);
      if (whenReady && banner && /started in/.test(stdout) && !readyHandled) {
        readyHandled = true;
        whenReady(banner[1]!).then(
          () => child.kill('SIGTERM'),
          (error: unknown) => {
            child.kill('SIGTERM');
            reject(error);
          },
        );
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (text: string) => text.trim().split('\n').filter(Boolean);

describe('comptoir start', () => {
  const temp: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'comptoir-start-'));
    await chmod(dir, 0o755); // the embedded PostgreSQL runs as `postgres` when we are root
    temp.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(temp.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('starts on the embedded PostgreSQL, serves /health and the home page, stops cleanly; a second start reuses the data', async () => {
    const dataDir = await tempDir();
    const env = { COMPTOIR_DATA_DIR: dataDir };
    const first = await comptoir(['start'], env, async (base) => {
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', shop: 'fa', database: 'ok' });
      const home = await (await fetch(`${base}/`)).text();
      expect(home).toContain('Azur');
      expect(home.match(/class="product"/g)?.length).toBeGreaterThanOrEqual(8);
    });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/embedded PostgreSQL in .*pg; clock: system; catalogue: seeded 9 products/);
    expect(first.stdout).toMatch(/password: \S{20,}/); // the first owner, printed once
    expect(first.stdout).toContain('Comptoir stopped.');

    const second = await comptoir(['start'], env, async (base) => {
      expect((await fetch(`${base}/health`)).status).toBe(200);
    });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('catalogue: already seeded');
    expect(second.stdout).not.toMatch(/password:/);
  }, 60_000);

  it('`comptoir clock advance` in another terminal moves the running server\'s manual clock (same embedded PostgreSQL)', async () => {
    const env = { COMPTOIR_DATA_DIR: await tempDir(), COMPTOIR_CLOCK: 'manual', COMPTOIR_CLOCK_START: '2027-03-03T10:00:00Z' };
    const run = await comptoir(['start'], env, async (base) => {
      expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ clock: 'manual', now: '2027-03-03T10:00:00.000Z' });
      const advance = await comptoir(['clock', 'advance', '3d'], env);
      expect(advance.code).toBe(0);
      expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ now: '2027-03-06T10:00:00.000Z' });
    });
    expect(run.code).toBe(0);
  }, 60_000);

  it('`--shop pf` selects another shop', async () => {
    const url = await createTestDatabase();
    const run = await comptoir(['start', '--shop', 'pf'], { DATABASE_URL: url }, async (base) => {
      expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ shop: 'pf' });
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/shop PF/);
  });

  it('an unknown shop stops with one line naming the shops that exist', async () => {
    const run = await comptoir(['start'], { COMPTOIR_SHOP: 'zz' });
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/zz/);
    expect(run.stderr).toMatch(/fa/);
  });

  it('a DATABASE_URL that cannot be reached stops with one line saying what to check', async () => {
    const run = await comptoir(['start'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nowhere' });
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/Cannot use the database 127\.0\.0\.1:1\/nowhere: .*Check DATABASE_URL/);
  });

  it('a DATABASE_URL that is not a PostgreSQL URL is a configuration error', async () => {
    const run = await comptoir(['start'], { DATABASE_URL: 'mysql://localhost/x' });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('Invalid environment variable DATABASE_URL: must be a postgres:// or postgresql:// URL. See README.md#configuration.');
  });

  it('a data directory that cannot be written stops with one line', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'a-file');
    await writeFile(file, '');
    const run = await comptoir(['start'], { COMPTOIR_DATA_DIR: path.join(file, 'data') });
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/data directory .* is not writable\. Set COMPTOIR_DATA_DIR/);
  });

  it('a port already in use stops with one line suggesting another', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const run = await comptoir(['start'], { DATABASE_URL: await createTestDatabase(), PORT: String(port) });
      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toEqual([`Port ${port} is already in use on 127.0.0.1. Stop what uses it or choose another: PORT=3001 npm start.`]);
    } finally {
      blocker.close();
    }
  });
});
