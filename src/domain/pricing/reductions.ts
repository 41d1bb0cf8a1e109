// PR-6 (law): how a price is announced, from the variant's append-only price
// history. EU Price Indication Directive art. 6a, French Code de la
// consommation L112-1-1, EU Court of Justice C-330/23 (Aldi Süd).
//
// - The reduction campaign: the current price and the run of strictly lower
//   steps that led to it. Walking the history back from the current price,
//   the campaign goes on as long as each earlier price was higher; it starts
//   with the FIRST step down ("successive reductions in one campaign": the
//   price before the first reduction counts). A price that went back up ends
//   any earlier campaign. Repeated entries of the same amount are one price.
// - The reference price: the LOWEST price applied during the 30 days before
//   the campaign started — every price in force at some moment of
//   [start − 30 days, start), including the one already in force when the
//   window opens. 30 days are 30 × 24 hours before the start instant.
// - The price is shown as reduced only when it is below that reference; the
//   percentage is computed from the reference, never from a list price, and
//   rounded DOWN to a whole percent: a rounded-up figure would announce a
//   larger reduction than the customer gets (a misleading practice, L121-2).
import { DomainError } from '../errors.js';

export type PriceHistoryEntry = { readonly amountMinor: number; readonly effectiveAt: Date };

export type PriceDisplay = {
  /** The price in force at `now`, in minor units. */
  readonly current: number;
  readonly reduced: null | {
    /** PR-6: the lowest price of the 30 days before the reduction started. */
    readonly reference: number;
    /** Whole percent off the reference, rounded down (0 when the reduction is under 1 %: show the reference without a percentage). */
    readonly percentOff: number;
    /** When the reduction campaign started (its first step down). */
    readonly since: Date;
  };
};

const REFERENCE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

function checked(history: readonly PriceHistoryEntry[]): PriceHistoryEntry[] {
  for (const entry of history) {
    if (!Number.isSafeInteger(entry.amountMinor) || entry.amountMinor < 0) {
      throw new DomainError('price.invalid_history', { field: 'amountMinor', rule: 'PR-6', value: entry.amountMinor });
    }
    if (!(entry.effectiveAt instanceof Date) || Number.isNaN(entry.effectiveAt.getTime())) {
      throw new DomainError('price.invalid_history', { field: 'effectiveAt', rule: 'PR-6' });
    }
  }
  // Stable sort: two entries at the same instant keep their recorded order (the later one wins).
  return [...history].sort((a, b) => a.effectiveAt.getTime() - b.effectiveAt.getTime());
}

/** Consecutive entries of the same amount are one price, in force from the first of them. */
function priceChanges(sorted: readonly PriceHistoryEntry[]): PriceHistoryEntry[] {
  const changes: PriceHistoryEntry[] = [];
  for (const entry of sorted) {
    const last = changes[changes.length - 1];
    if (last !== undefined && last.effectiveAt.getTime() === entry.effectiveAt.getTime()) changes[changes.length - 1] = entry;
    else if (last === undefined || last.amountMinor !== entry.amountMinor) changes.push(entry);
  }
  // Two entries at one instant may have left equal neighbours: merge them too.
  return changes.filter((entry, i) => i === 0 || changes[i - 1]!.amountMinor !== entry.amountMinor);
}

/** PR-6: the price to show at `now`, and whether and how it may be announced as reduced. */
export function priceDisplay(history: readonly PriceHistoryEntry[], now: Date): PriceDisplay {
  const at = now.getTime();
  const changes = priceChanges(checked(history).filter((entry) => entry.effectiveAt.getTime() <= at));
  const currentIndex = changes.length - 1;
  const current = changes[currentIndex];
  if (current === undefined) throw new DomainError('price.none_in_force', { field: 'history', rule: 'PR-6', at: now.toISOString() });

  // The campaign: walk back while each earlier price was higher.
  let before = currentIndex;
  while (before > 0 && changes[before - 1]!.amountMinor > changes[before]!.amountMinor) before -= 1;
  if (before === currentIndex) return { current: current.amountMinor, reduced: null };
  const firstStep = changes[before + 1]!;
  const start = firstStep.effectiveAt.getTime();
  const windowStart = start - REFERENCE_WINDOW_MS;

  // Prices in force during [windowStart, start): the one in force at windowStart and every change inside.
  let reference = Number.POSITIVE_INFINITY;
  for (let i = 0; i <= before; i += 1) {
    const entry = changes[i]!;
    const next = changes[i + 1]!; // i ≤ before < currentIndex: there is always a next change
    const inForceInWindow = next.effectiveAt.getTime() > windowStart;
    if (inForceInWindow) reference = Math.min(reference, entry.amountMinor);
  }

  if (!(current.amountMinor < reference)) return { current: current.amountMinor, reduced: null };
  // Integer arithmetic: floor((reference − current) × 100 / reference).
  const percentOff = Number((BigInt(reference - current.amountMinor) * 100n) / BigInt(reference));
  return { current: current.amountMinor, reduced: { reference, percentOff, since: new Date(start) } };
}
