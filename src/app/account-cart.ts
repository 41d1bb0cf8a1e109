// CA-2: "found again when the customer comes back (account)". At sign-in the
// browser's guest cart becomes the account's cart; a cart the account already
// had (from another visit or device) is merged into it, line by line, CAT-3's
// limit per reference (and MAX_LINE_QUANTITY) capping the sums, then deleted.
// Without a guest cart, the account's cart is handed to this browser under a
// new token (only hashes are stored, so the old token cannot be given back:
// a browser still holding it starts a new guest cart, merged at its next sign-in).
import { sql } from 'kysely';
import { cartExpiresAt } from '../domain/cart/retention.js';
import type { CustomerKind } from '../policy/schema.js';
import { cartExpiryTimerKey, lockCart } from '../store/carts.js';
import { type Queryable, inTransaction } from '../store/db.js';
import { cancelTimer, rescheduleTimer, scheduleTimer } from '../store/timers.js';
import { findCart, hashCartToken, MAX_LINE_QUANTITY, newCartToken, type CartShop } from './cart.js';

export type AccountCart = { cartId: string; token: string; expiresAt: Date; merged: number };

/**
 * Gives the signed-in customer their cart: the guest cart of `token` (unless
 * it belongs to another account), with the account's earlier carts merged in;
 * else the account's latest cart under a new token. Returns the token the
 * browser must keep, or null when there is no cart at all.
 */
export async function attachCartAtSignIn(
  q: Queryable,
  input: { shop: CartShop; customerId: string; customerKind: CustomerKind; token: string | null | undefined; now: Date },
): Promise<AccountCart | null> {
  const { shop, customerId, now } = input;
  return inTransaction(q, async (tx) => {
    const found = await findCart(tx, { shopId: shop.id, token: input.token, now });
    // A cart left in this browser by another account stays theirs.
    const guest = found && (found.customerId === null || found.customerId === customerId) ? found : null;
    const accountCarts = await tx
      .selectFrom('carts')
      .select('id')
      .where('shop_id', '=', shop.id)
      .where('customer_id', '=', customerId)
      .where('expires_at', '>', now)
      .orderBy('updated_at', 'desc')
      .orderBy('id')
      .execute();
    const ids = [...new Set([...(guest ? [guest.id] : []), ...accountCarts.map((c) => c.id)])];
    if (ids.length === 0) return null;
    // The cart rows are locked in id order (style.md §2: no deadlock with a concurrent sign-in).
    const live: string[] = [];
    for (const id of [...ids].sort()) if (await lockCart(tx, id)) live.push(id);
    const targetId = guest && live.includes(guest.id) ? guest.id : ids.find((id) => live.includes(id));
    if (!targetId) return null;

    // CAT-3: a merged line never exceeds the shop's limit per reference.
    const cap = Math.min(shop.policy.cart.maxQuantityPerReference ?? MAX_LINE_QUANTITY, MAX_LINE_QUANTITY);
    const others = live.filter((id) => id !== targetId);
    for (const other of others) {
      await sql`
        INSERT INTO cart_lines (cart_id, variant_id, quantity, added_at)
        SELECT ${targetId}::uuid, variant_id, LEAST(quantity, ${cap}::int), added_at FROM cart_lines WHERE cart_id = ${other}::uuid
        ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = LEAST(cart_lines.quantity + EXCLUDED.quantity, ${cap}::int)
      `.execute(tx);
      await tx.deleteFrom('carts').where('id', '=', other).execute();
      await cancelTimer(tx, cartExpiryTimerKey(other), now);
    }

    // CA-2: the change keeps the cart for the retention period from now.
    const expiresAt = cartExpiresAt(shop.policy.cart.retention, now, shop.policy.shop.timeZone, { country: shop.policy.shop.dispatchCountry });
    const token = targetId === guest?.id ? input.token! : newCartToken();
    await tx
      .updateTable('carts')
      .set({ customer_id: customerId, customer_kind: input.customerKind, token_hash: hashCartToken(token), updated_at: now, expires_at: expiresAt })
      .where('id', '=', targetId)
      .execute();
    const key = cartExpiryTimerKey(targetId);
    if (!(await rescheduleTimer(tx, key, expiresAt, now))) {
      await scheduleTimer(tx, { shopId: shop.id, kind: 'cart.expire', key, dueAt: expiresAt, payload: { cartId: targetId } }, now);
    }
    return { cartId: targetId, token, expiresAt, merged: others.length };
  });
}

/**
 * CA-2 at sign-out: the browser's cart (created while signed in, or attached
 * at sign-in) stays with the account, so it is found again at the next
 * sign-in, on any device. A cart of another account is left alone.
 */
export async function keepCartWithAccount(q: Queryable, input: { shopId: string; customerId: string; token: string | null | undefined; now: Date }): Promise<void> {
  const cart = await findCart(q, { shopId: input.shopId, token: input.token, now: input.now });
  if (!cart || cart.customerId !== null) return;
  await q.updateTable('carts').set({ customer_id: input.customerId }).where('id', '=', cart.id).where('customer_id', 'is', null).execute();
}
