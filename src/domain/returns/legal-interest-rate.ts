// RF-1 / L242-4: the French legal interest rate ("taux de l'intérêt légal")
// owed on a refund up to 10 days late — the rate for a creditor who is a
// natural person not acting for professional needs (Code monétaire et
// financier L313-2), set each half-year by ministerial order (arrêté).
//
// Published rates up to the last one this version knows. A date after them
// takes the last known rate and says so (`known: false`): the surcharge shown
// is then an estimate until this table gains the new semester's rate.
import { Temporal } from 'temporal-polyfill';
import type { CalendarDate } from '../calendar/working-days.js';

/** Half-years from their first day, consumer creditor rate in basis points. */
export const LEGAL_INTEREST_RATES: readonly { from: CalendarDate; basisPoints: number }[] = [
  { from: '2024-01-01', basisPoints: 801 }, // arrêté du 13 décembre 2023
  { from: '2024-07-01', basisPoints: 816 }, // arrêté du 21 juin 2024
  { from: '2025-01-01', basisPoints: 721 }, // arrêté du 23 décembre 2024
  { from: '2025-07-01', basisPoints: 665 }, // arrêté du 24 juin 2025
];

/** The rate in force on `on` (its half-year), or the last known one (`known: false`) after the table's last half-year. */
export function legalInterestRate(on: CalendarDate): { basisPoints: number; from: CalendarDate; known: boolean } {
  const applicable = [...LEGAL_INTEREST_RATES].reverse().find((r) => r.from <= on) ?? LEGAL_INTEREST_RATES[0]!;
  const lastHalfYearEnds = Temporal.PlainDate.from(LEGAL_INTEREST_RATES.at(-1)!.from).add({ months: 6 }).toString();
  return { basisPoints: applicable.basisPoints, from: applicable.from, known: on < lastHalfYearEnds };
}
