// Opens the engine's database: DATABASE_URL when set, else the embedded
// PostgreSQL under COMPTOIR_DATA_DIR. A CLI command run while the server is up
// reuses the server's embedded PostgreSQL (found through server.json) instead of
// starting a second one on the same data directory.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.js';
import { createDb, migrateToLatest, type Db } from './db.js';
import { ensureDatabase, startEmbeddedPostgres, embeddedUrl, EmbeddedPostgresError } from './embedded-postgres.js';

export const DATABASE_NAME = 'comptoir';

export class DatabaseUnavailableError extends Error {}

export type OpenDatabase = {
  db: Db;
  /** Where the data lives, for the start-up banner (no password). */
  description: string;
  close(): Promise<void>;
};

type ServerFile = { pid: number; port: number };
const serverFile = (dataDir: string) => path.join(dataDir, 'server.json');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function runningServer(dataDir: string): Promise<ServerFile | undefined> {
  try {
    const info = JSON.parse(await fs.readFile(serverFile(dataDir), 'utf8')) as ServerFile;
    return isAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

async function checkReachable(url: string, label: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseUnavailableError(`Cannot use the database ${label}: ${reason}. Check DATABASE_URL (or unset it to use the embedded PostgreSQL).`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `role: 'server'` owns the embedded PostgreSQL (and refuses to start when another
 * server already does); `role: 'cli'` borrows it when a server is running.
 */
export async function openDatabase(config: Config, role: 'server' | 'cli'): Promise<OpenDatabase> {
  if (config.databaseUrl) {
    await checkReachable(config.databaseUrl, redact(config.databaseUrl));
    const db = createDb(config.databaseUrl);
    await migrateToLatest(db);
    return { db, description: `PostgreSQL at ${redact(config.databaseUrl)}`, close: () => db.destroy() };
  }

  const running = await runningServer(config.dataDir);
  if (running && role === 'server') {
    throw new EmbeddedPostgresError(
      `Another Comptoir server (pid ${running.pid}) is already running on ${config.dataDir}. Stop it first, or set COMPTOIR_DATA_DIR to another directory.`,
    );
  }
  if (running) {
    const url = await embeddedUrl(config.dataDir, running.port, DATABASE_NAME);
    const db = createDb(url, { max: 2 });
    return { db, description: `embedded PostgreSQL of the running server (pid ${running.pid})`, close: () => db.destroy() };
  }

  const server = await startEmbeddedPostgres({ dataDir: config.dataDir });
  await ensureDatabase(server.urlFor('postgres'), DATABASE_NAME);
  const db = createDb(server.urlFor(DATABASE_NAME), { max: role === 'server' ? 10 : 2 });
  await migrateToLatest(db);
  if (role === 'server') {
    await fs.writeFile(serverFile(config.dataDir), JSON.stringify({ pid: process.pid, port: server.port } satisfies ServerFile));
  }
  return {
    db,
    description: `embedded PostgreSQL in ${path.join(config.dataDir, 'pg')}`,
    close: async () => {
      await db.destroy();
      if (role === 'server') await fs.rm(serverFile(config.dataDir), { force: true });
      await server.stop();
    },
  };
}
