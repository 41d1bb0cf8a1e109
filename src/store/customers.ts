// The customer row lock (style.md §2): changes to an account's address book
// (its default flags) and its tokens take it first, so two requests of one
// customer apply one after the other. Nothing else locks a customer row.
import type { Tx } from './db.js';

/** Locks the customer's row for the rest of the transaction; false when it is not a customer of the shop. */
export async function lockCustomer(tx: Tx, shopId: string, customerId: string): Promise<boolean> {
  const row = await tx.selectFrom('customers').select('id').where('id', '=', customerId).where('shop_id', '=', shopId).forUpdate().executeTakeFirst();
  return row !== undefined;
}
