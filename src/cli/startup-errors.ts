// The errors a new user can meet at start-up, each as one line saying what to do.
import type { Config } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { CatalogueLoadError } from '../policy/catalogue-file.js';
import { PolicyLoadError } from '../policy/loader.js';
import { DatabaseUnavailableError } from '../store/connect.js';
import { EmbeddedPostgresError } from '../store/embedded-postgres.js';

export function explainStartupError(error: unknown, config: Config): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return `Port ${config.port} is already in use on ${config.host}. Stop what uses it or choose another: PORT=3001 npm start.`;
  }
  if (code === 'EACCES' && (error as NodeJS.ErrnoException).syscall === 'listen') {
    return `Port ${config.port} needs privileges on this machine. Choose a port above 1024: PORT=3000 npm start.`;
  }
  if (error instanceof PolicyLoadError || error instanceof CatalogueLoadError || error instanceof EmbeddedPostgresError || error instanceof DatabaseUnavailableError) {
    return error.message;
  }
  if (error instanceof DomainError) return `${error.code}: ${error.message}`;
  return `Comptoir could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}
