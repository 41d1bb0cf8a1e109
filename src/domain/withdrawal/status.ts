// Where an order stands with the right of withdrawal (WD-1, WD-2, WD-3, WD-7,
// WD-9): not started while an item is still to be delivered (the period runs
// from possession of the LAST item, never from "shipped"), open until the end
// of its last day, then closed; not offered to professionals (WD-9) nor for a
// cancelled order; and, per line, the legal exclusions (WD-7). Pure: the
// caller gives the possession instant of the last item and `now`.
import { localDateIn } from '../calendar/local-date.js';
import type { CalendarPlace } from '../calendar/public-holidays.js';
import { withdrawalDeadline, type WithdrawalDeadline, type WithdrawalPeriod } from './deadline.js';

/** WD-7: why a line cannot be withdrawn from — or, for a sealed hygiene item, on what condition. */
export type WithdrawalExclusion = 'personalised' | 'perishable' | 'hygiene_sealed_if_unsealed';

export type WithdrawalLineFacts = { position: number; personalised: boolean; perishable: boolean; hygieneSealed: boolean };

export type WithdrawalStatus = {
  state: 'not_applicable' | 'not_started' | 'open' | 'closed';
  /** Why not applicable: WD-9 professional, or the order was cancelled. */
  reason: 'professional' | 'cancelled' | null;
  period: WithdrawalPeriod;
  /** The day the last item was received (WD-1), in the shop's calendar; null before. */
  possessionDate: string | null;
  deadline: WithdrawalDeadline | null;
  exclusions: { position: number; exclusion: WithdrawalExclusion }[];
};

/** WD-7: the legal exclusions of a line, from the product flags frozen on the order (CAT-4). */
export function exclusionOf(line: WithdrawalLineFacts): WithdrawalExclusion | null {
  if (line.personalised) return 'personalised';
  if (line.perishable) return 'perishable';
  if (line.hygieneSealed) return 'hygiene_sealed_if_unsealed';
  return null;
}

export function withdrawalStatus(input: {
  customerKind: 'consumer' | 'professional' | 'programme_reseller';
  cancelled: boolean;
  period: WithdrawalPeriod;
  /** Possession of the order's last item (orders.last_delivered_at), null while something is to be delivered. */
  lastDeliveredAt: Date | null;
  /** The day the order was placed: the withdrawal information and the model form went with its confirmation (WD-3b: on time). */
  placedOn: string;
  timeZone: string;
  place: CalendarPlace;
  lines: readonly WithdrawalLineFacts[];
  now: Date;
}): WithdrawalStatus {
  const exclusions = input.lines.flatMap((l) => {
    const exclusion = exclusionOf(l);
    return exclusion ? [{ position: l.position, exclusion }] : [];
  });
  const base = { period: input.period, possessionDate: null, deadline: null, exclusions };
  if (input.customerKind !== 'consumer') return { ...base, state: 'not_applicable', reason: 'professional' }; // WD-9
  if (input.cancelled) return { ...base, state: 'not_applicable', reason: 'cancelled' };
  if (!input.lastDeliveredAt) return { ...base, state: 'not_started', reason: null };
  const possessionDate = localDateIn(input.timeZone, input.lastDeliveredAt);
  const deadline = withdrawalDeadline({ possessionDate, period: input.period, place: input.place, timeZone: input.timeZone, contractDate: input.placedOn, withdrawalInformationGivenOn: input.placedOn });
  return { ...base, possessionDate, deadline, state: input.now.getTime() < deadline.endsAt.getTime() ? 'open' : 'closed', reason: null };
}
