// The right of withdrawal of an order as it stands now (WD-1…WD-3, WD-7,
// WD-9; src/domain/withdrawal/status.ts): read for the account's order page
// and API. The period is the one frozen on the order when it was placed (WD-2
// raised to the legal floor), counted from the possession of its last item.
import { localDateIn } from '../domain/calendar/local-date.js';
import { withdrawalStatus, type WithdrawalStatus } from '../domain/withdrawal/status.js';
import type { WithdrawalPeriod } from '../domain/withdrawal/deadline.js';
import type { Queryable } from '../store/db.js';
import { policyOfOrder, type Order } from './orders.js';

export type { WithdrawalStatus };

export async function withdrawalOfOrder(q: Queryable, input: { shopId: string; order: Order; now: Date }): Promise<WithdrawalStatus> {
  const { order } = input;
  const [row, lines, policy] = await Promise.all([
    q.selectFrom('orders').select(['customer_kind', 'withdrawal_period']).where('id', '=', order.id).executeTakeFirstOrThrow(),
    q.selectFrom('order_lines').select(['position', 'personalised', 'perishable', 'hygiene_sealed']).where('order_id', '=', order.id).orderBy('position').execute(),
    policyOfOrder(q, input.shopId, order.policyHash),
  ]);
  const timeZone = policy.shop.timeZone;
  return withdrawalStatus({
    customerKind: row.customer_kind,
    cancelled: order.state === 'cancelled',
    period: row.withdrawal_period as unknown as WithdrawalPeriod,
    lastDeliveredAt: order.lastDeliveredAt,
    placedOn: localDateIn(timeZone, order.placedAt),
    timeZone,
    place: { country: order.deliveryAddress.country },
    lines: lines.map((l) => ({ position: l.position, personalised: l.personalised, perishable: l.perishable, hygieneSealed: l.hygiene_sealed })),
    now: input.now,
  });
}
