// One PostgreSQL for the whole run: TEST_DATABASE_URL when set, else an
// embedded server in a temporary directory. A template database is migrated
// once; each test file clones it (test/support/database.ts).
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb, migrateToLatest } from '../../src/store/db.js';
import { startEmbeddedPostgres, ensureDatabase, type EmbeddedServer } from '../../src/store/embedded-postgres.js';
import { verifyEvidenceOfRun } from './evidence-audit.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  let server: EmbeddedServer | undefined;
  let tempDir: string | undefined;
  let adminUrl: string;
  if (process.env.TEST_DATABASE_URL) {
    adminUrl = process.env.TEST_DATABASE_URL;
  } else {
    // As root, the embedded server runs as `postgres`: os.tmpdir() is reachable by it.
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'comptoir-test-'));
    await chmod(tempDir, 0o755);
    server = await startEmbeddedPostgres({ dataDir: tempDir, persistent: false });
    adminUrl = server.urlFor('postgres');
  }
  const template = `comptoir_tpl_${process.pid}_${Date.now().toString(36)}`;
  await ensureDatabase(adminUrl, template);
  const db = createDb(withDatabase(adminUrl, template), { max: 1 });
  await migrateToLatest(db);
  await db.destroy();

  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('templateDatabase', template);

  return async () => {
    // Issue 6: `comptoir evidence verify` on every evidence log the suite wrote.
    const lister = new pg.Client({ connectionString: adminUrl });
    await lister.connect();
    const { rows: created } = await lister.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${template.replace('_tpl_', '_t_')}%`]).finally(() => lister.end());
    const audit = await verifyEvidenceOfRun(adminUrl, created.map((r) => r.datname));
    console.log(`evidence verify: ${audit.chains - audit.broken.length} of ${audit.chains} chains intact (${audit.events} events) in ${audit.databases} test databases; ${audit.skipped} tampered on purpose, skipped`);
    if (audit.broken.length > 0) {
      // vitest reports an error thrown here but still exits 0: the exit code is set too.
      process.exitCode = 1;
      console.error(`evidence verify FAILED:\n${audit.broken.join('\n')}`);
    }
    if (server) {
      await server.stop();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
      return;
    }
    // External server: drop what this run created.
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE $1",
        [`${template.replace('_tpl_', '_t_')}%`],
      );
      for (const { datname } of [...rows, { datname: template }]) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    } finally {
      await client.end();
    }
  };
}
