// CA-2 / CA-4: the rows of the guest cart. This module owns the cart's row
// lock (style.md §2) and the `cart.expire` timer's handler; the use cases are
// in src/app/cart.ts.
import type { Queryable, Tx } from './db.js';
import type { DueTimer } from './timers.js';

/** The key of a cart's expiry timer (one per cart, moved on every change). */
export const cartExpiryTimerKey = (cartId: string): string => `cart.expire:${cartId}`;

/**
 * Locks a cart row for the rest of the transaction (every change of a cart
 * takes it first, so two requests on one cart apply one after the other).
 * @returns false when the cart does not exist (any more).
 */
export async function lockCart(tx: Tx, cartId: string): Promise<boolean> {
  const row = await tx.selectFrom('carts').select('id').where('id', '=', cartId).forUpdate().executeTakeFirst();
  return row !== undefined;
}

/**
 * Timer kind `cart.expire` (CA-2): deletes the cart if it is still expired at
 * `now` (a change since the timer was scheduled moves the timer and the
 * expiry together; this check keeps a late-fired timer harmless). Its lines
 * go with it (ON DELETE CASCADE); the cart never held stock (CA-4).
 */
export async function deleteExpiredCart(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const cartId = timer.payload['cartId'];
  if (typeof cartId !== 'string') throw new Error(`cart.expire timer ${timer.key} has no cartId`);
  await tx.deleteFrom('carts').where('id', '=', cartId).where('shop_id', '=', timer.shopId).where('expires_at', '<=', now).execute();
}

/** Operators' view: how many live carts a shop has at `now`. */
export async function countLiveCarts(q: Queryable, shopId: string, now: Date): Promise<number> {
  const row = await q
    .selectFrom('carts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('shop_id', '=', shopId)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
