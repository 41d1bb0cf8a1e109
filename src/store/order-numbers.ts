// OR-3: each shop's order numbers come from its own PostgreSQL sequence
// (migration 0016 says why a sequence and not a locked counter row).
import { sql } from 'kysely';
import type { Queryable } from './db.js';

const sequenceOf = (shopId: string): string => `order_numbers_${shopId}`;

/** Creates the shop's sequence if it has none (installing a shop). */
export async function ensureOrderNumberSequence(q: Queryable, shopId: string): Promise<void> {
  await sql`CREATE SEQUENCE IF NOT EXISTS ${sql.id(sequenceOf(shopId))}`.execute(q);
}

/** The shop's next order number: 1, 2, 3… never handed out twice, never waiting on a lock. */
export async function nextOrderNumber(q: Queryable, shopId: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`SELECT nextval(quote_ident(${sequenceOf(shopId)})) AS n`.execute(q);
  return Number(rows[0]!.n);
}
