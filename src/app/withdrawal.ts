// The right of withdrawal of an order as it stands now (WD-1…WD-3, WD-7,
// WD-9; src/domain/withdrawal/status.ts): read for the account's order page
// and API. The period is the one frozen on the order when it was placed (WD-2
// raised to the legal floor), counted from the possession of its last item.
import { localDateIn } from '../domain/calendar/local-date.js';
import { withdrawalStatus, type WithdrawalStatus } from '../domain/withdrawal/status.js';
import type { Queryable } from '../store/db.js';
import { policyOfOrder, type Order } from './orders.js';

export type { WithdrawalStatus };

export async function withdrawalOfOrder(q: Queryable, input: { shopId: string; order: Order; now: Date }): Promise<WithdrawalStatus> {
  const { order } = input;
  const timeZone = (await policyOfOrder(q, input.shopId, order.policyHash)).shop.timeZone;
  return withdrawalStatus({
    customerKind: order.customerKind,
    cancelled: order.state === 'cancelled',
    period: order.withdrawalPeriod,
    lastDeliveredAt: order.lastDeliveredAt,
    placedOn: localDateIn(timeZone, order.placedAt),
    timeZone,
    place: { country: order.deliveryAddress.country },
    lines: order.lines,
    now: input.now,
  });
}
