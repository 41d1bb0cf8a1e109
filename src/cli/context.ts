// What every `comptoir <command>` module receives from src/cli.ts.
import type { Config } from '../config.js';
import type { Db } from '../store/db.js';

export type CliContext = {
  config: Config;
  /** Opens the shop database (the running server's embedded PostgreSQL, a new embedded one, or DATABASE_URL), migrated. */
  openDb(): Promise<Db>;
  out(line: string): void;
  err(line: string): void;
};

/** A command returns its exit code; it throws only for unexpected failures. */
export type CliCommand = (args: string[], ctx: CliContext) => Promise<number>;
