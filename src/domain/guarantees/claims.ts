// A guarantee claim's rules (GU-1…GU-5): what the customer may ask, what the
// merchant may decide, the lifecycle, the escalation to a price reduction or
// termination, and when money is due. Pure: no I/O, no clock.
import type { Policy } from '../../policy/schema.js';
import { periodEnd } from '../calendar/period-end.js';
import type { CalendarDate } from '../calendar/working-days.js';
import { DomainError } from '../errors.js';
import { MONEY_BACK_WITHIN } from '../legal-floor.js';
import type { Calendar, GuaranteeKind } from './coverage.js';

// ---------------------------------------------------------------------------
// What the customer asks

export const REMEDIES_ASKED = ['repair', 'replace', 'refund', 'cancel_sale', 'partial_refund'] as const;
export type RemedyAsked = (typeof REMEDIES_ASKED)[number];

/**
 * The remedies a customer may ask: GU-1 repair or replacement (the customer
 * chooses); GU-2 cancelling the sale or keeping the item with a partial
 * refund; GU-4 (EL) dead on arrival what the policy lists (repair,
 * replacement, refund); EL's commercial guarantee repairs or replaces.
 */
export function remediesFor(policy: Pick<Policy, 'guarantees'>, kind: GuaranteeKind): RemedyAsked[] {
  if (kind === 'hidden_defect') return ['cancel_sale', 'partial_refund'];
  if (kind === 'dead_on_arrival') return [...(policy.guarantees.deadOnArrival?.remedies ?? ['repair', 'replace'])];
  return ['repair', 'replace'];
}

export function checkRemedyAsked(policy: Pick<Policy, 'guarantees'>, kind: GuaranteeKind, remedy: string): RemedyAsked {
  const allowed = remediesFor(policy, kind);
  if (!(allowed as string[]).includes(remedy)) throw new DomainError('guarantee.remedy_not_allowed', { field: 'remedy', rule: kind === 'hidden_defect' ? 'GU-2' : kind === 'conformity' ? 'GU-1' : 'GU-4', allowed }, `Ask one of: ${allowed.join(', ')}.`);
  return remedy as RemedyAsked;
}

// ---------------------------------------------------------------------------
// Lifecycle
//
//   filed ─▶ in_repair ─▶ repaired          (GU-1: +6 months; the immobilisation suspends)
//         ─▶ replaced                       (a replacement parcel, nothing charged)
//         ─▶ refunded                       (refund, price reduction, GU-2 cancel / partial refund)
//         ─▶ refused                        (with a reason; a GU-5 exclusion where it is one)
//   in_repair, repaired, replaced, refused ─▶ refunded
//         (GU-1: the shop refused, exceeded 30 days or the defect persists: price reduction or termination)

export const GUARANTEE_CLAIM_STATES = ['filed', 'in_repair', 'repaired', 'replaced', 'refunded', 'refused'] as const;
export type GuaranteeClaimState = (typeof GUARANTEE_CLAIM_STATES)[number];

export const guaranteeClaimLifecycle = {
  filed: ['in_repair', 'replaced', 'refunded', 'refused'],
  in_repair: ['repaired', 'refunded'],
  repaired: ['refunded'],
  replaced: ['refunded'],
  refused: ['refunded'],
  refunded: [],
} as const satisfies Readonly<Record<GuaranteeClaimState, readonly GuaranteeClaimState[]>>;

export function guaranteeClaimAfter(from: GuaranteeClaimState, to: GuaranteeClaimState): GuaranteeClaimState {
  if (!(guaranteeClaimLifecycle[from] as readonly GuaranteeClaimState[]).includes(to)) throw new DomainError('guarantee.illegal_transition', { field: 'outcome', rule: 'GU-1', from, to });
  return to;
}

/** States in which the claim still waits for the remedy (its clock runs). */
export const AWAITING_REMEDY: readonly GuaranteeClaimState[] = ['filed', 'in_repair'];

// ---------------------------------------------------------------------------
// The merchant's decision

export const GUARANTEE_OUTCOMES = ['repair', 'replace', 'refund', 'price_reduction', 'refuse'] as const;
export type GuaranteeOutcome = (typeof GUARANTEE_OUTCOMES)[number];

/** GU-5: exclusions the merchant may rely on to refuse. */
export const GU5_EXCLUSIONS = ['modified', 'repaired_by_others', 'misuse', 'accident'] as const;
export type Exclusion = (typeof GU5_EXCLUSIONS)[number];

export const REASON_MAX = 1000;

export type CheckedDecision = {
  outcome: GuaranteeOutcome;
  to: GuaranteeClaimState;
  reason: string | null;
  exclusion: Exclusion | null;
  /** price_reduction / partial refund: the amount (minor units); refund: null (the units' price). */
  amount: number | null;
  /** GU-1: a replacement imposed instead of the repair the customer asked for (a new 2-year guarantee). */
  replacementImposed: boolean;
  /** The escalation this decision is (after a refusal, an overdue remedy or a defect that persists), else null. */
  escalation: 'refused' | 'overdue' | 'persists' | null;
};

/**
 * Checks the merchant's decision on a claim in state `from`:
 * - a first decision (filed): repair, replace, refund, price reduction, or a
 *   refusal with a reason (and the GU-5 exclusion when it is one); a hidden
 *   defect (GU-2) is settled as the customer chose — cancel the sale (refund)
 *   or a partial refund (price reduction with an amount);
 * - later (GU-1): a refund (termination) or price reduction once the shop has
 *   refused, the remedy is overdue (`remedyOverdue`) or the defect persists
 *   after the repair or replacement — termination never for a minor defect.
 */
export function checkDecision(input: {
  from: GuaranteeClaimState;
  kind: GuaranteeKind;
  remedyAsked: RemedyAsked;
  outcome: string;
  reason?: string | null | undefined;
  exclusion?: string | null | undefined;
  amount?: number | null | undefined;
  /** What the claimed units cost (the ceiling of a price reduction). */
  unitsPrice: number;
  minorDefect?: boolean | undefined;
  remedyOverdue: boolean;
}): CheckedDecision {
  if (!(GUARANTEE_OUTCOMES as readonly string[]).includes(input.outcome)) throw new DomainError('guarantee.invalid_outcome', { field: 'outcome', allowed: [...GUARANTEE_OUTCOMES] });
  const outcome = input.outcome as GuaranteeOutcome;
  const to: GuaranteeClaimState = ({ repair: 'in_repair', replace: 'replaced', refund: 'refunded', price_reduction: 'refunded', refuse: 'refused' } as const)[outcome];
  guaranteeClaimAfter(input.from, to);
  let escalation: CheckedDecision['escalation'] = null;
  if (input.from !== 'filed') {
    escalation = input.from === 'refused' ? 'refused' : input.from === 'in_repair' ? 'overdue' : 'persists';
    if (escalation === 'overdue' && !input.remedyOverdue) {
      throw new DomainError('guarantee.remedy_not_overdue', { field: 'outcome', rule: 'GU-1' }, 'The repair is still within its 30 days: price reduction or termination come once it is overdue.');
    }
  }
  if (input.kind === 'hidden_defect' && (outcome === 'repair' || outcome === 'replace')) {
    throw new DomainError('guarantee.remedy_not_allowed', { field: 'outcome', rule: 'GU-2', allowed: ['refund', 'price_reduction', 'refuse'] }, 'A hidden defect is settled by cancelling the sale or a partial refund (GU-2).');
  }
  // GU-1: termination is not open for a minor defect (a price reduction is).
  if (outcome === 'refund' && escalation !== null && input.minorDefect === true) {
    throw new DomainError('guarantee.termination_minor_defect', { field: 'outcome', rule: 'GU-1' }, 'A minor defect gives a price reduction, not termination.');
  }
  let reason: string | null = null;
  let exclusion: Exclusion | null = null;
  if (outcome === 'refuse') {
    reason = (input.reason ?? '').trim();
    if (reason.length === 0) throw new DomainError('guarantee.reason_required', { field: 'reason', rule: 'GU-5' }, 'Give the reason of the refusal: the customer reads it.');
    if (reason.length > REASON_MAX) throw new DomainError('guarantee.reason_too_long', { field: 'reason', max: REASON_MAX });
    if (input.exclusion !== undefined && input.exclusion !== null && input.exclusion !== '') {
      if (!(GU5_EXCLUSIONS as readonly string[]).includes(input.exclusion)) throw new DomainError('guarantee.invalid_exclusion', { field: 'exclusion', rule: 'GU-5', allowed: [...GU5_EXCLUSIONS] });
      exclusion = input.exclusion as Exclusion;
    }
  }
  let amount: number | null = null;
  if (outcome === 'price_reduction') {
    const a = input.amount;
    if (a === undefined || a === null || !Number.isSafeInteger(a) || a < 1 || a > input.unitsPrice) {
      throw new DomainError('guarantee.invalid_amount', { field: 'amount', rule: 'GU-1', max: input.unitsPrice }, `A price reduction is between 0.01 and the price of the units (${input.unitsPrice} minor units).`);
    }
    amount = a;
  }
  return { outcome, to, reason, exclusion, amount, replacementImposed: outcome === 'replace' && input.remedyAsked === 'repair', escalation };
}

/**
 * GU-1: after a refusal, an overdue remedy or a defect that persists, the
 * customer may ask a price reduction — or termination, except for a minor
 * defect (which the merchant weighs). Returns the grounds open now.
 */
export function escalationOpen(input: { state: GuaranteeClaimState; kind: GuaranteeKind; remedyDueAt: Date | null; at: Date }): 'refused' | 'overdue' | 'persists' | null {
  if (input.kind === 'hidden_defect') return null;
  if (input.state === 'refused') return 'refused';
  if (AWAITING_REMEDY.includes(input.state) && input.remedyDueAt !== null && input.at.getTime() >= input.remedyDueAt.getTime()) return 'overdue';
  if (input.state === 'repaired' || input.state === 'replaced') return 'persists';
  return null;
}

/**
 * The date money of a guarantee claim is due: within 14 days of the decision
 * (MONEY_BACK_WITHIN, as every refund outside a withdrawal; GU-1 shipping
 * costs of a repair too), brought forward to the remedy's own last day when
 * that is still to come and earlier (PF: refund within the 30 days of GU-3).
 */
export function refundDueOn(input: { decidedAt: Date; remedyLastDay: CalendarDate | null; today: CalendarDate; calendar: Calendar }): CalendarDate {
  const { lastDay } = periodEnd({ from: input.decidedAt, period: MONEY_BACK_WITHIN, timeZone: input.calendar.timeZone, place: input.calendar.place });
  if (input.remedyLastDay !== null && input.remedyLastDay >= input.today && input.remedyLastDay < lastDay) return input.remedyLastDay;
  return lastDay;
}

export const DESCRIPTION_MAX = 4000;

export function checkGuaranteeDescription(text: string): string {
  const value = (text ?? '').trim();
  if (value.length === 0) throw new DomainError('guarantee.description_required', { field: 'description' }, 'Describe the defect.');
  if (value.length > DESCRIPTION_MAX) throw new DomainError('guarantee.description_too_long', { field: 'description', max: DESCRIPTION_MAX });
  return value;
}
