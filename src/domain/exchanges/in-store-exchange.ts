// EX-2 (FR): may an item bought online be exchanged at a store counter now?
// Pure: the policy's rule, the facts of the line and `at` are parameters.
//
// The window is the policy's `exchanges.inStore.within` (FR: 30 calendar
// days) counted with `periodEnd` from the possession of the parcel that
// brought the item (SH-9 / WD-1: never the "shipped" date), the day of
// possession not counted, ending at midnight in the shop's time zone. It is a
// commercial window, counted exactly as the terms state it: no WD-3 shift to
// the next working day (as SH-8's claim window). Outlet items (CAT-4 flag
// `outlet`) are excluded, returned or taken in exchange; the return slip
// (the order number printed on it) must be presented.
import { periodEnd, type PeriodEnd } from '../calendar/period-end.js';
import type { CalendarPlace } from '../calendar/public-holidays.js';
import { DomainError } from '../errors.js';
import type { Policy } from '../../policy/schema.js';

export type InStoreExchangeRule = NonNullable<Policy['exchanges']['inStore']>;

export const IN_STORE_REFUSALS = ['not_offered', 'return_slip_required', 'not_delivered', 'window_closed', 'outlet_excluded'] as const;
export type InStoreRefusal = (typeof IN_STORE_REFUSALS)[number];

export type InStoreExchangeCheck = { ok: true; lastDay: string } | { ok: false; reason: InStoreRefusal; lastDay: string | null };

/** EX-2: the end of the exchange window of an item whose parcel was taken into possession at `possessionAt`. */
export function inStoreExchangeWindowEnd(input: { rule: InStoreExchangeRule; possessionAt: Date; timeZone: string; place: CalendarPlace }): PeriodEnd {
  return periodEnd({ from: input.possessionAt, period: input.rule.within, timeZone: input.timeZone, place: input.place });
}

export type InStoreExchangeFacts = {
  /** The policy's `exchanges.inStore` (none: the shop offers no in-store exchange). */
  rule: InStoreExchangeRule | undefined;
  /** Absent: not asked yet (the counter form's first step lists the lines before the slip is checked). */
  returnSlipPresented?: boolean;
  /** Possession of the parcel that brought the item; null: not delivered. */
  possessionAt: Date | null;
  returnedOutlet: boolean;
  /** Absent: no replacement chosen yet. */
  replacementOutlet?: boolean;
  timeZone: string;
  place: CalendarPlace;
  at: Date;
};

/** EX-2: whether the exchange may be made, else the first reason it may not (in the order the counter checks them). */
export function inStoreExchangeEligibility(facts: InStoreExchangeFacts): InStoreExchangeCheck {
  const { rule } = facts;
  if (!rule) return { ok: false, reason: 'not_offered', lastDay: null };
  if (rule.returnSlipRequired && facts.returnSlipPresented === false) return { ok: false, reason: 'return_slip_required', lastDay: null };
  if (facts.possessionAt === null || facts.at.getTime() < facts.possessionAt.getTime()) return { ok: false, reason: 'not_delivered', lastDay: null };
  const end = inStoreExchangeWindowEnd({ rule, possessionAt: facts.possessionAt, timeZone: facts.timeZone, place: facts.place });
  if (facts.at.getTime() >= end.dueAt.getTime()) return { ok: false, reason: 'window_closed', lastDay: end.lastDay };
  if (rule.outletExcluded && (facts.returnedOutlet || facts.replacementOutlet === true)) return { ok: false, reason: 'outlet_excluded', lastDay: end.lastDay };
  return { ok: true, lastDay: end.lastDay };
}

const refusalMessages: Readonly<Record<InStoreRefusal, (lastDay: string | null) => string>> = {
  not_offered: () => 'This shop does not exchange online purchases in store.',
  return_slip_required: () => 'The return slip must be presented for an exchange in store.',
  not_delivered: () => 'This item is not recorded as delivered: it cannot be exchanged yet.',
  window_closed: (lastDay) => `Items are exchanged in store until ${lastDay} (EX-2: the window runs from delivery).`,
  outlet_excluded: () => 'Outlet items are not exchanged in store.',
};

/** The field at fault for each refusal, as the counter's request names it (`lines.<i>…` for the i-th line asked). */
function refusalField(facts: InStoreExchangeFacts, reason: InStoreRefusal, index: number): string {
  if (reason === 'not_offered') return 'orderNumber';
  if (reason === 'return_slip_required') return 'returnSlipPresented';
  if (reason === 'outlet_excluded' && !facts.returnedOutlet) return `lines.${index}.replacementSku`;
  return `lines.${index}.position`;
}

/** EX-2: the last day of the window, or `exchange.<reason>` naming the field, the line and the last day when known. */
export function assertInStoreExchange(facts: InStoreExchangeFacts, line: { index: number; position: number }): string {
  const check = inStoreExchangeEligibility(facts);
  if (check.ok) return check.lastDay;
  const details = { field: refusalField(facts, check.reason, line.index), rule: 'EX-2', position: line.position, ...(check.lastDay ? { lastDay: check.lastDay } : {}) };
  throw new DomainError(`exchange.${check.reason}`, details, refusalMessages[check.reason](check.lastDay));
}

/** A line as the counter sees it: its units delivered (original parcels) and those exchanged in store already. */
export type ExchangeableLine = { readonly position: number; readonly delivered: number; readonly exchanged: number };

/** EX-2: 1 … the line's delivered units not exchanged already. */
export function checkExchangeUnits(line: ExchangeableLine, quantity: number, field: string): void {
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw new DomainError('exchange.invalid_quantity', { field, rule: 'EX-2', quantity });
  const left = line.delivered - line.exchanged;
  if (quantity > left) {
    throw new DomainError('exchange.quantity_exceeds_line', { field, rule: 'EX-2', position: line.position, available: left }, `At most ${left} unit(s) of this item can be exchanged.`);
  }
}
