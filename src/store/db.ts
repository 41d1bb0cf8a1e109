import { createHash } from 'node:crypto';
import { Kysely, Migrator, sql, PostgresDriver, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type CompiledQuery, type QueryResult, type Transaction } from 'kysely';
import pg from 'pg';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** A use case accepts either the pool or an open transaction. */
export type Queryable = Db | Tx;

/** Runs `run` in the caller's transaction if it has one, else in a new one: a use case's changes commit together. */
export const inTransaction = <T>(q: Queryable, run: (tx: Tx) => Promise<T>): Promise<T> => (q.isTransaction ? run(q as Tx) : (q as Db).transaction().execute(run));

// `date` columns are legal calendar dates: keep them as 'YYYY-MM-DD' strings,
// never shifted through a JS Date in the server's time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

/**
 * Marks a hot query of fixed shape as a named prepared statement: PostgreSQL
 * plans it once per connection instead of on every call (planning costs more
 * than executing the catalogue's listing and product queries). Put it first in
 * the text (`sql` template) or after SELECT (`.modifyFront(prepared)`). Only
 * marked queries are named, so the statements kept per connection stay few.
 */
export const prepared = sql.raw('/* prepared */ ');
const preparedMark = /^(?:select )?\/\* prepared \*\//;
const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `comptoir_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** The row type of a kysely query builder (`execute(): Promise<O[]>`) or of a `sql` template (`execute(): Promise<QueryResult<O>>`). */
export type RowOf<B> = B extends { execute(...args: never[]): Promise<QueryResult<infer O>> } ? O : B extends { execute(...args: never[]): Promise<(infer O)[]> } ? O : never;

/** A parameter of a statement compiled once: stands for the value given at each execution. */
class Slot {
  constructor(readonly name: string) {}
}

/**
 * A hot query of fixed shape, built with kysely (type-checked like any other)
 * and compiled to SQL ONCE, then executed with each call's values: building
 * and compiling a query costs more CPU than pg spends sending it. `build`
 * receives placeholders in place of the values (use them only as values —
 * comparisons, `sql` interpolations, limit/offset — never to decide the
 * shape); compiled on first use, with the dialect of the first queryable.
 * Combine with `prepared` so PostgreSQL plans it once per connection too.
 */
export function compiledQuery<P extends Record<string, unknown>, B extends { compile(executorProvider: Queryable): CompiledQuery }>(
  names: readonly (keyof P & string)[],
  build: (q: Queryable, params: P) => B,
): (q: Queryable, params: P) => Promise<RowOf<B>[]> {
  type R = RowOf<B>;
  let template: { compiled: CompiledQuery; parameters: readonly unknown[] } | undefined;
  return async (q, params) => {
    if (template === undefined) {
      const slots = Object.fromEntries(names.map((n) => [n, new Slot(n)])) as unknown as P;
      const compiled = build(q, slots).compile(q);
      template = { compiled, parameters: compiled.parameters };
      const unknownSlot = template.parameters.find((p) => p instanceof Slot && !names.includes(p.name));
      if (unknownSlot) throw new Error(`compiledQuery: unknown parameter ${String(unknownSlot)}`);
    }
    const parameters = template.parameters.map((p) => (p instanceof Slot ? params[p.name] : p));
    const { rows } = await q.executeQuery<R>({ ...template.compiled, parameters });
    return rows;
  };
}

const connectionStrings = new WeakMap<Db, string>();

/**
 * `allowExitOnIdle`: idle connections do not keep the process alive (for pools
 * nobody destroys explicitly, see separatePool).
 */
export function createDb(connectionString: string, options: { max?: number; allowExitOnIdle?: boolean } = {}): Db {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, allowExitOnIdle: options.allowExitOnIdle ?? false });
  // An idle client losing its server (restart, network) must not crash the engine.
  pool.on('error', () => undefined);
  // Queries marked `prepared` go as named statements (kysely sends text + values).
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, values?: unknown, callback?: unknown) =>
      typeof config === 'string' && preparedMark.test(config)
        ? query({ name: statementName(config), text: config, values }, callback)
        : query(config, values, callback);
  });
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new PostgresDriver({ pool }),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  connectionStrings.set(db, connectionString);
  return db;
}

/**
 * Another pool on the same database, for a component that must not compete
 * with the engine's pool (the sandbox PSP, standing for a separate service;
 * the outbox workers, whom checkouts wait for): an engine transaction that
 * waits for it can then never starve it of connections. Idle connections
 * close by themselves.
 */
export function separatePool(db: Db, max: number): Db {
  return createDb(connectionStringOf(db), { max, allowExitOnIdle: true });
}

/** The URL a database was opened with, for a component that needs a connection of its own outside the pool (the outbox's LISTEN). */
export function connectionStringOf(db: Db): string {
  const connectionString = connectionStrings.get(db);
  if (!connectionString) throw new Error('This needs a database opened with createDb');
  return connectionString;
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
