// The legal floor: the ONE place where what the law guarantees a consumer is
// put under a shop's policy at run time (catalogue: rules marked "law").
// The engine calls these functions instead of reading the policy number
// directly, and the policy linter (src/policy/lint.ts) calls the same
// functions to report what it changes. Pure: no I/O, no clock.
//
// Each function returns { declared, floor, applied, rule }: what the shop's
// policy says, the legal minimum, and what the engine actually applies (the
// more generous of the two for the customer).
import type { DayKind, Period, Policy } from '../policy/schema.js';

export type FloorResult<T> = {
  /** What the policy declares (undefined when it says nothing). */
  declared: T | undefined;
  /** The legal minimum for the customer. */
  floor: T;
  /** What the engine applies. */
  applied: T;
  /** Rule IDs from spec/terms-catalogue.md. */
  rule: string;
  /** True when `applied` differs from `declared` (the policy was below the floor or silent). */
  raised: boolean;
};

const samePeriod = (a: Period | undefined, b: Period) => a !== undefined && a.days === b.days && a.kind === b.kind;

function result<T>(declared: T | undefined, floor: T, applied: T, rule: string, same: (a: T | undefined, b: T) => boolean): FloorResult<T> {
  return { declared, floor, applied, rule, raised: !same(declared, applied) };
}

// ---------------------------------------------------------------------------
// WD-1 / WD-2: withdrawal period

/** WD-1: 14 calendar days from possession of the last item. */
export const WITHDRAWAL_FLOOR: Period = { days: 14, kind: 'calendar' };

/**
 * Ordering of day kinds by generosity for the same count: a working day is never
 * shorter than a calendar day, so N working days always last at least as long as
 * N calendar days (WD-2: PF's 14 working days is more generous than the law).
 */
const KIND_RANK: Record<DayKind, number> = { calendar: 0, working_and_saturdays: 1, working: 2 };

/**
 * The customer's withdrawal period for a delivery to `destinationCountry`
 * (WD-1, WD-2). The shop's "abroad" period applies outside its dispatch
 * country (FR: 30 days). Below the floor, the count is raised to 14 while the
 * kind of days is kept: 10 calendar → 14 calendar (JW); a hypothetical
 * 10 working → 14 working, which lasts at least as long as both 14 calendar and
 * 10 working days, so the customer never gets less than either.
 * The EL money-back guarantee is a commercial promise on top (see moneyBackPeriod).
 */
export function effectiveWithdrawalPeriod(policy: Pick<Policy, 'withdrawal' | 'shop'>, destinationCountry?: string): FloorResult<Period> {
  const w = policy.withdrawal;
  const abroad = destinationCountry !== undefined && destinationCountry !== policy.shop.dispatchCountry && w.abroad !== undefined;
  return withdrawalFloor(abroad ? w.abroad! : w.period);
}

/** WD-1: the floor applied to one declared withdrawal period (see effectiveWithdrawalPeriod). */
export function withdrawalFloor(declared: Period, rule = 'WD-1/WD-2'): FloorResult<Period> {
  const applied: Period =
    declared.days >= WITHDRAWAL_FLOOR.days && KIND_RANK[declared.kind] >= KIND_RANK[WITHDRAWAL_FLOOR.kind]
      ? declared
      : { days: Math.max(declared.days, WITHDRAWAL_FLOOR.days), kind: declared.kind };
  return result(declared, WITHDRAWAL_FLOOR, applied, rule, samePeriod);
}

/** WD-2 (EL): the commercial money-back period, never shorter than the legal withdrawal period. */
export function moneyBackPeriod(policy: Pick<Policy, 'withdrawal' | 'shop'>): Period | undefined {
  const mb = policy.withdrawal.moneyBackGuarantee;
  if (!mb) return undefined;
  const legal = effectiveWithdrawalPeriod(policy).applied;
  return mb.period.days >= legal.days ? mb.period : legal;
}

// ---------------------------------------------------------------------------
// WD-6: time for the customer to send the goods back

/** WD-6: the customer has 14 days after the notice to send the goods. */
export const SEND_BACK_FLOOR: Period = { days: 14, kind: 'calendar' };

export function effectiveSendBackPeriod(policy: Pick<Policy, 'withdrawal'>): FloorResult<Period> {
  const declared = policy.withdrawal.sendBackWithin;
  const applied = declared.days >= SEND_BACK_FLOOR.days ? declared : { days: SEND_BACK_FLOOR.days, kind: declared.kind };
  return result(declared, SEND_BACK_FLOOR, applied, 'WD-6', samePeriod);
}

// ---------------------------------------------------------------------------
// RF-1: refund delay

export type RefundDelay = { days: number; kind: DayKind; from: 'withdrawal_notice' | 'goods_received' };

/**
 * RF-1: refund within 14 calendar days of the withdrawal notice; unless the shop
 * offered to collect the goods, it may hold the refund until the goods are back
 * or the customer proves they were sent, whichever comes first (L221-24).
 */
export const REFUND_FLOOR: RefundDelay = { days: 14, kind: 'calendar', from: 'withdrawal_notice' };

/**
 * Money the shop owes back outside a withdrawal is due within the same 14
 * calendar days of its cause: a cancelled line (AV-2 → RF-1), a termination
 * (SH-4, L216-7), a delivery claim (SH-8), a parcel back (SH-7, when the policy
 * states no other period).
 */
export const MONEY_BACK_WITHIN: Period = { days: REFUND_FLOOR.days, kind: REFUND_FLOOR.kind };

/**
 * The refund due date rule. Only a delay counted in calendar days from the
 * notice and no longer than 14 days is at or above the floor: a count of
 * working days, or one starting when the goods arrive, can end later than the
 * law allows (JW: 15 working days after receipt → 14 calendar days from the notice).
 */
export function effectiveRefundDelay(policy: Pick<Policy, 'refunds'>): FloorResult<RefundDelay> {
  const d = policy.refunds.delay;
  const declared: RefundDelay = { days: d.days, kind: d.kind, from: d.from };
  const compliant = d.kind === 'calendar' && d.from === 'withdrawal_notice' && d.days <= REFUND_FLOOR.days;
  const applied = compliant ? declared : REFUND_FLOOR;
  return result(declared, REFUND_FLOOR, applied, 'RF-1', (a, b) => a !== undefined && a.days === b.days && a.kind === b.kind && a.from === b.from);
}

// ---------------------------------------------------------------------------
// RF-2: delivery cost refunded on withdrawal

export type ShippingRefundFacts = {
  /** What the customer paid for the initial delivery (minor units). */
  initialShippingPaid: number;
  /** The cheapest standard delivery the shop offered for that order (minor units). */
  cheapestStandardShipping: number;
  /** The whole order is withdrawn (not a partial return). */
  wholeOrderReturned: boolean;
  /** The goods were non-conforming (wrong, defective). */
  nonConforming: boolean;
};

/**
 * RF-2: the amount of the initial delivery cost to refund — THE rule, used by
 * the refund calculator (src/domain/returns/refund-calculation.ts). The law:
 * up to the cheapest standard delivery (a customer who chose express gets the
 * standard price back), given back with the goods. The one variant the
 * catalogue accepts below that is FA's: on a partial return of conforming
 * goods the delivery stays with the customer, so the floor is then 0 for it;
 * `none` is raised to the law. Never more than what was paid.
 */
export function shippingRefund(refunds: Pick<Policy['refunds'], 'shipping'>, facts: ShippingRefundFacts): FloorResult<number> {
  const cheapest = Math.min(facts.initialShippingPaid, facts.cheapestStandardShipping);
  const fullOrFaulty = facts.wholeOrderReturned || facts.nonConforming;
  const variant = refunds.shipping === 'cheapest_standard_on_full_return_or_non_conformity';
  const floor = fullOrFaulty || !variant ? cheapest : 0;
  const declared = { full_initial_cost: facts.initialShippingPaid, cheapest_standard: cheapest, cheapest_standard_on_full_return_or_non_conformity: fullOrFaulty ? cheapest : 0, none: 0 }[refunds.shipping];
  return result(declared, floor, Math.max(declared, floor), 'RF-2', (a, b) => a === b);
}

// ---------------------------------------------------------------------------
// SH-4: delivery deadline

/** SH-4: without an agreed date, delivery at the latest 30 days after the order (L216-1). */
export const DELIVERY_DEADLINE_FLOOR_DAYS = 30;

export function effectiveDeliveryDeadlineDays(policy: Pick<Policy, 'shipping'>): FloorResult<number> {
  const declared = policy.shipping.deliveryDeadlineDays;
  const applied = declared === undefined ? DELIVERY_DEADLINE_FLOOR_DAYS : Math.min(declared, DELIVERY_DEADLINE_FLOOR_DAYS);
  // Silence is not a violation: the law's 30 days simply apply.
  return { declared, floor: DELIVERY_DEADLINE_FLOOR_DAYS, applied, rule: 'SH-4', raised: declared !== undefined && declared !== applied };
}

// ---------------------------------------------------------------------------
// OR-1b: final order button

/** OR-1b: the legal wording (French L221-14). */
export const LEGAL_ORDER_BUTTON_LABEL = { fr: 'Commande avec obligation de paiement', en: 'Order with obligation to pay' } as const;

/**
 * Labels accepted as "as explicit as" the legal wording, compared after
 * normalisation (lower case, accents, punctuation and repeated spaces removed).
 * The allow-list is deliberately closed: a label is explicit only when it says
 * that clicking means paying — the legal wording and its grammatical variants,
 * or an imperative to pay / buy. "Valider ma commande", "Finalise my order",
 * "Continuer", "Passer au paiement" (which announces a next step, not a
 * commitment) are not. A shop wanting another label adds it here, in review.
 */
export const EXPLICIT_ORDER_BUTTON_LABELS: Record<'fr' | 'en', readonly string[]> = {
  fr: [
    'commande avec obligation de paiement',
    'commander avec obligation de paiement',
    'commande avec obligation de payer',
    'commander avec obligation de payer',
    'commander et payer',
    'valider et payer',
    'payer',
    'payer maintenant',
    'payer ma commande',
    'payer la commande',
    'acheter',
    'acheter maintenant',
  ],
  en: [
    'order with obligation to pay',
    'order with an obligation to pay',
    'order and pay',
    'place order and pay',
    'confirm and pay',
    'pay',
    'pay now',
    'pay for my order',
    'pay for order',
    'buy',
    'buy now',
  ],
};

export function normaliseButtonLabel(label: string): string {
  return label
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function isExplicitOrderButtonLabel(label: string, lang: 'fr' | 'en'): boolean {
  return EXPLICIT_ORDER_BUTTON_LABELS[lang].includes(normaliseButtonLabel(label));
}

/** OR-1b: the label the engine shows on the final button: the shop's when explicit, the legal wording otherwise. */
export function effectiveOrderButtonLabel(policy: Pick<Policy, 'checkout'>, lang: 'fr' | 'en'): FloorResult<string> {
  const declared = policy.checkout.finalButtonLabel[lang];
  const floor = LEGAL_ORDER_BUTTON_LABEL[lang];
  const applied = isExplicitOrderButtonLabel(declared, lang) ? declared : floor;
  return result(declared, floor, applied, 'OR-1b', (a, b) => a === b);
}

// ---------------------------------------------------------------------------
// GU-1 / GU-2: legal guarantees (not a policy parameter: the same for every shop)

/**
 * GU-1: legal guarantee of conformity: 24 months from delivery; a defect
 * appearing within 24 months (12 for second-hand goods) is presumed to have
 * existed at delivery; repair or replacement within 30 days; a repair extends
 * the guarantee by 6 months. GU-2: hidden defects: 2 years from discovery.
 */
export function legalGuarantee(item: { secondHand: boolean }): {
  conformityMonths: number;
  presumptionMonths: number;
  remedyWithinDays: number;
  extensionAfterRepairMonths: number;
  hiddenDefectYearsFromDiscovery: number;
  rule: string;
} {
  return {
    conformityMonths: 24,
    presumptionMonths: item.secondHand ? 12 : 24,
    remedyWithinDays: 30,
    extensionAfterRepairMonths: 6,
    hiddenDefectYearsFromDiscovery: 2,
    rule: 'GU-1/GU-2',
  };
}

/** GU-1: a shop's remedy delay (GU-3) never exceeds 30 days. */
export function effectiveConformityRemedyDays(policy: Pick<Policy, 'guarantees'>): FloorResult<Period> {
  const declared = policy.guarantees.conformityRemedy.within;
  const floor: Period = { days: 30, kind: 'calendar' };
  const applied = declared.kind === 'calendar' && declared.days <= 30 ? declared : floor;
  return result(declared, floor, applied, 'GU-1/GU-3', samePeriod);
}

// ---------------------------------------------------------------------------
// DOC-4: order archive

/** DOC-4: orders of 120 EUR or more are kept with their evidence for 10 years (L213-1). */
export const ORDER_ARCHIVE_FLOOR = { years: 10, fromOrderAmountEur: 12000 } as const;

export function effectiveOrderArchive(policy: Pick<Policy, 'records'>): FloorResult<{ years: number; fromOrderAmount: number }> {
  const a = policy.records.orderArchive;
  const declared = { years: a.years, fromOrderAmount: a.fromOrderAmount.amount };
  const floor = { years: ORDER_ARCHIVE_FLOOR.years, fromOrderAmount: ORDER_ARCHIVE_FLOOR.fromOrderAmountEur };
  const applied = { years: Math.max(declared.years, floor.years), fromOrderAmount: Math.min(declared.fromOrderAmount, floor.fromOrderAmount) };
  return result(declared, floor, applied, 'DOC-4', (x, y) => x !== undefined && x.years === y.years && x.fromOrderAmount === y.fromOrderAmount);
}
