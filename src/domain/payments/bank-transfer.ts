// PA-5: payment by bank transfer. The customer is given the shop's account
// (holder, IBAN, BIC) and a short payment reference to type in the transfer's
// label; the order waits for the money for the policy's `payWithinDays`
// (EL: 6 calendar days), then is cancelled and its stock released.
import { DomainError } from '../errors.js';
import type { CalendarPlace } from '../calendar/public-holidays.js';
import { periodEnd } from '../calendar/period-end.js';
import type { CalendarDate } from '../calendar/working-days.js';

// ---- Payment reference --------------------------------------------------------
//
// 7 characters + 1 check character, written `XXXX-XXXX`, from an alphabet of
// 30 characters a customer cannot confuse when typing (no 0/O, 1/I/L, U).
// The check character is Luhn mod N (N = 30): it catches every single mistyped
// character and every swap of two adjacent characters.

export const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const N = REFERENCE_ALPHABET.length;
export const REFERENCE_BODY_LENGTH = 7;

function codePoint(char: string): number {
  const i = REFERENCE_ALPHABET.indexOf(char);
  if (i < 0) throw new DomainError('bank_transfer.invalid_reference', { field: 'reference', rule: 'PA-5' });
  return i;
}

/** Luhn mod N check character of `body` (characters of REFERENCE_ALPHABET). */
export function referenceCheckCharacter(body: string): string {
  let factor = 2;
  let total = 0;
  for (let i = body.length - 1; i >= 0; i -= 1) {
    let addend = factor * codePoint(body[i]!);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / N) + (addend % N);
    total += addend;
  }
  return REFERENCE_ALPHABET[(N - (total % N)) % N]!;
}

/**
 * The reference from 7 random indices into the alphabet (the caller draws
 * them, the domain does no I/O): `7KQ4-M9ZC`.
 */
export function bankTransferReference(randomIndices: readonly number[]): string {
  if (randomIndices.length !== REFERENCE_BODY_LENGTH || randomIndices.some((i) => !Number.isInteger(i) || i < 0 || i >= N)) {
    throw new DomainError('bank_transfer.invalid_reference', { field: 'randomIndices', rule: 'PA-5' });
  }
  const body = randomIndices.map((i) => REFERENCE_ALPHABET[i]!).join('');
  const full = body + referenceCheckCharacter(body);
  return `${full.slice(0, 4)}-${full.slice(4)}`;
}

/** A reference as a customer or a bank statement wrote it: case, spaces and dashes ignored. `undefined` when it is not one. */
export function normaliseBankTransferReference(text: string): string | undefined {
  const compact = text.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length !== REFERENCE_BODY_LENGTH + 1 || [...compact].some((c) => !REFERENCE_ALPHABET.includes(c))) return undefined;
  const body = compact.slice(0, REFERENCE_BODY_LENGTH);
  if (referenceCheckCharacter(body) !== compact.slice(REFERENCE_BODY_LENGTH)) return undefined;
  return `${compact.slice(0, 4)}-${compact.slice(4)}`;
}

// ---- IBAN ------------------------------------------------------------------

/** ISO 13616 checksum: the IBAN rearranged, letters as 10…35, mod 97 = 1. Spaces ignored. */
export function isValidIban(text: string): boolean {
  const iban = text.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const digits = (iban.slice(4) + iban.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  return rest === 1;
}

/** ISO 9362 shape: bank (4 letters), country (2), location (2), optional branch (3). */
export function isValidBic(text: string): boolean {
  return /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(text);
}

// ---- Deadline --------------------------------------------------------------

export type PayWithin = { readonly days: number; readonly kind: 'calendar' | 'working' | 'working_and_saturdays' };

export type BankTransferDeadline = {
  /** The last day the money may arrive (shop's calendar). */
  readonly lastDay: CalendarDate;
  /** The end of that day in the shop's time zone: when the order is cancelled (PA-5). */
  readonly dueAt: Date;
};

/**
 * PA-5: the day the order was placed does not count; `days` days of the
 * policy's kind are counted from the next day (calendar: every day; working:
 * Monday–Friday without public holidays; working_and_saturdays: all but
 * Sundays and public holidays), and the order waits until the end of the last
 * one in the shop's time zone. EL, 6 calendar days: ordered Mon 23 Nov 2026
 * 10:00 Paris → last day Sun 29 Nov, cancelled from 30 Nov 00:00 Paris.
 */
export function bankTransferDeadline(input: { orderedAt: Date; payWithin: PayWithin; timeZone: string; place: CalendarPlace }): BankTransferDeadline {
  if (!Number.isSafeInteger(input.payWithin.days) || input.payWithin.days < 1) {
    throw new DomainError('bank_transfer.invalid_period', { field: 'payWithinDays', rule: 'PA-5', days: input.payWithin.days });
  }
  return periodEnd({ from: input.orderedAt, period: input.payWithin, timeZone: input.timeZone, place: input.place });
}
