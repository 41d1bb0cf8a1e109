import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';

// Ordered list of migrations; add new files here (the name is the order key).
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
};
