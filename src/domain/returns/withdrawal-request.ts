// What a withdrawal statement may name, as pure rules (WD-1, WD-2, WD-4,
// WD-7, WD-9, WD-10, EX-1). No I/O, no clock: the caller gives the order's
// withdrawal status (src/domain/withdrawal/status.ts), what was delivered and
// already withdrawn, and `sentAt`.
//
// - In time (WD-1): the statement was SENT before the period ended. EL's
//   money-back promise (WD-2) takes over after the legal period, up to its own
//   end, as a commercial return (`money_back`) with the same flow.
// - Who (WD-9, WD-10): a consumer; a professional only with the legal
//   exception (5 employees or fewer, buying outside its core business —
//   L221-3, stated by EL but the law for every shop), declared in the
//   statement. Only the customer who placed the order (WD-10): the caller
//   matches the signed-in account or the order's email.
// - What (WD-7): delivered units not withdrawn yet; personalised and
//   perishable goods never; sealed hygiene goods only while still sealed,
//   which the customer declares per item.
import { DomainError } from '../errors.js';
import type { WithdrawalExclusion, WithdrawalStatus } from '../withdrawal/status.js';

export type ReturnPurpose = 'withdrawal' | 'money_back' | 'exchange';

export type WithdrawableLine = {
  position: number;
  /** Units received by the customer (delivered parcels, net of parcels back). */
  delivered: number;
  /** Units named by earlier statements of the order. */
  withdrawn: number;
  exclusion: WithdrawalExclusion | null;
};

export type RequestedItem = {
  position: number;
  quantity: number;
  /** WD-7: the customer declares a sealed hygiene item still sealed. */
  sealed?: boolean | undefined;
  /** EX-1: the variant wanted instead of a refund. */
  exchangeVariantId?: string | null | undefined;
};

/** WD-9: the legal exception a professional declares (L221-3). */
export type ProfessionalException = { employees: number; outsideCoreBusiness: boolean };

/** WD-9: at most 5 employees, buying outside the core business. */
export const SMALL_PROFESSIONAL_MAX_EMPLOYEES = 5;

/** What withdrawing is open to now: the purpose a statement sent at that time takes, or why none. */
export type WithdrawalWindow =
  | { open: true; purpose: 'withdrawal' | 'money_back'; lastDay: string; endsAt: Date }
  | { open: false; reason: 'not_started' | 'closed' | 'professional' | 'cancelled'; lastDay: string | null };

/**
 * WD-1 / WD-2: whether a statement sent at `sentAt` is in time, and as what.
 * `status` is computed for a consumer when a professional declared the WD-9
 * exception (`isSmallProfessionalException`). `moneyBack`: EL's commercial
 * period's end (same start: the last item's possession).
 */
export function withdrawalWindow(input: { status: WithdrawalStatus; moneyBack: { lastDay: string; endsAt: Date } | null; sentAt: Date }): WithdrawalWindow {
  const { status } = input;
  if (status.reason !== null) return { open: false, reason: status.reason, lastDay: null };
  if (status.state === 'not_started') return { open: false, reason: 'not_started', lastDay: null };
  const deadline = status.deadline;
  if (deadline && input.sentAt.getTime() < deadline.endsAt.getTime()) return { open: true, purpose: 'withdrawal', lastDay: deadline.lastDay, endsAt: deadline.endsAt };
  if (input.moneyBack && input.sentAt.getTime() < input.moneyBack.endsAt.getTime()) {
    return { open: true, purpose: 'money_back', lastDay: input.moneyBack.lastDay, endsAt: input.moneyBack.endsAt };
  }
  return { open: false, reason: 'closed', lastDay: input.moneyBack?.lastDay ?? deadline?.lastDay ?? null };
}

/** WD-9: a professional with 5 employees or fewer, buying outside its core business, withdraws like a consumer. */
export function isSmallProfessionalException(e: ProfessionalException | null | undefined): boolean {
  return e != null && Number.isSafeInteger(e.employees) && e.employees >= 0 && e.employees <= SMALL_PROFESSIONAL_MAX_EMPLOYEES && e.outsideCoreBusiness === true;
}

/** The refusal a closed window gives, naming the rule and the last day. */
export function windowClosedError(window: Extract<WithdrawalWindow, { open: false }>): DomainError {
  switch (window.reason) {
    case 'cancelled':
      return new DomainError('withdrawal.order_cancelled', { field: 'number', rule: 'WD-1' }, 'This order was cancelled: there is nothing to withdraw from.');
    case 'professional':
      return new DomainError(
        'withdrawal.professional_excluded',
        { field: 'professionalException', rule: 'WD-9' },
        'Professionals may not withdraw, unless the business has 5 employees or fewer and bought outside its core business.',
      );
    case 'not_started':
      return new DomainError('withdrawal.not_started', { field: 'number', rule: 'WD-1' }, 'The withdrawal period starts when the last item of the order is received.');
    case 'closed':
      return new DomainError('withdrawal.period_closed', { field: 'sentAt', rule: 'WD-1', lastDay: window.lastDay }, `The withdrawal period ended on ${window.lastDay}.`);
  }
}

/** The units a statement names, checked against what may be withdrawn (WD-7), merged per line. */
export function checkRequestedItems(lines: readonly WithdrawableLine[], items: readonly RequestedItem[], options: { exchange: boolean }): RequestedItem[] {
  if (items.length === 0) throw new DomainError('withdrawal.no_items', { field: 'items', rule: 'WD-4' }, 'Choose at least one item.');
  const seen = new Set<number>();
  return items.map((item, i) => {
    const field = `items.${i}`;
    const line = lines.find((l) => l.position === item.position);
    if (!line) throw new DomainError('withdrawal.unknown_item', { field: `${field}.position`, rule: 'WD-4', position: item.position });
    if (seen.has(item.position)) throw new DomainError('withdrawal.duplicate_item', { field: `${field}.position`, rule: 'WD-4', position: item.position });
    seen.add(item.position);
    if (!Number.isSafeInteger(item.quantity) || item.quantity < 1) throw new DomainError('withdrawal.invalid_quantity', { field: `${field}.quantity`, rule: 'WD-4' });
    const left = line.delivered - line.withdrawn;
    if (item.quantity > left) {
      throw new DomainError('withdrawal.too_many_units', { field: `${field}.quantity`, rule: 'WD-1', position: item.position, left }, `Only ${left} unit(s) of this item can be withdrawn.`);
    }
    if (line.exclusion === 'personalised' || line.exclusion === 'perishable') {
      throw new DomainError('withdrawal.item_excluded', { field: `${field}.position`, rule: 'WD-7', position: item.position, exclusion: line.exclusion }, exclusionMessage(line.exclusion));
    }
    if (line.exclusion === 'hygiene_sealed_if_unsealed' && item.sealed !== true) {
      throw new DomainError('withdrawal.item_excluded', { field: `${field}.sealed`, rule: 'WD-7', position: item.position, exclusion: line.exclusion }, exclusionMessage(line.exclusion));
    }
    if (options.exchange !== (item.exchangeVariantId != null)) {
      throw new DomainError('exchange.variant_required', { field: `${field}.exchangeVariantId`, rule: 'EX-1', position: item.position }, 'An exchange names the item wanted instead of each item sent back.');
    }
    return { position: item.position, quantity: item.quantity, sealed: item.sealed === true, exchangeVariantId: item.exchangeVariantId ?? null };
  });
}

const exclusionMessage = (exclusion: WithdrawalExclusion): string =>
  ({
    personalised: 'Goods made to your specifications or clearly personalised cannot be withdrawn from (L221-28).',
    perishable: 'Goods that deteriorate or expire rapidly cannot be withdrawn from (L221-28).',
    hygiene_sealed_if_unsealed: 'Sealed goods not suitable for return for health protection or hygiene reasons can be withdrawn from only while still sealed (L221-28).',
  })[exclusion];
