// The sandbox PSP's test cards. Like a real PSP's test mode, the sandbox
// accepts ONLY these numbers: any other number, even a valid one, is refused
// on the form (so a real card typed by mistake is never processed), and no
// number is ever stored or logged — only its brand and last 4 digits.
// Each card has an issuing country, as a real card's BIN tells the PSP, for
// the shops that accept only cards issued in some countries (PA-1, FR).
export type TestCardOutcome = 'success' | 'declined' | 'insufficient_funds' | 'challenge';

export type TestCard = { outcome: TestCardOutcome; label: string; /** ISO 3166-1 alpha-2 */ country: string };

export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  '4242424242424242': { outcome: 'success', country: 'FR', label: 'Succeeds (after 3-D Secure where the shop requires it, PA-2)' },
  '4000000000000002': { outcome: 'declined', country: 'FR', label: 'Declined (card_declined)' },
  '4000000000009995': { outcome: 'insufficient_funds', country: 'FR', label: 'Declined (insufficient_funds)' },
  '4000000000003220': { outcome: 'challenge', country: 'FR', label: '3-D Secure challenge (PA-2)' },
  '4000008260000000': { outcome: 'success', country: 'GB', label: 'Succeeds, except where the shop accepts only cards issued elsewhere (card_country_not_accepted, PA-1)' },
};

/** Digits only: spaces and dashes as people type them are dropped. */
export function normaliseCardNumber(text: string): string {
  return text.replace(/[\s-]/g, '');
}

export function passesLuhn(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function cardBrand(digits: string): string {
  if (/^4/.test(digits)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(digits)) return 'mastercard';
  if (/^3[47]/.test(digits)) return 'amex';
  return 'unknown';
}

export type CardFormError = 'card.number_invalid' | 'card.not_a_test_card' | 'card.expiry_invalid' | 'card.expired' | 'card.cvc_invalid';

export type CardCheck =
  | { ok: true; outcome: TestCardOutcome; country: string; brand: string; last4: string }
  | { ok: false; error: CardFormError; field: 'number' | 'expiry' | 'cvc' };

/** Validates the hosted form's fields at `now` (engine time): an expiry `MM/YY` in the past is refused. */
export function checkCard(input: { number: string; expiry: string; cvc: string }, now: Date): CardCheck {
  const digits = normaliseCardNumber(input.number);
  if (!passesLuhn(digits)) return { ok: false, error: 'card.number_invalid', field: 'number' };
  const card = TEST_CARDS[digits];
  if (!card) return { ok: false, error: 'card.not_a_test_card', field: 'number' };
  const expiry = /^\s*(\d{2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(input.expiry);
  const month = expiry ? Number(expiry[1]) : 0;
  if (!expiry || month < 1 || month > 12) return { ok: false, error: 'card.expiry_invalid', field: 'expiry' };
  const year = expiry[2]!.length === 2 ? 2000 + Number(expiry[2]) : Number(expiry[2]);
  const nowMonths = now.getUTCFullYear() * 12 + now.getUTCMonth();
  if (year * 12 + (month - 1) < nowMonths) return { ok: false, error: 'card.expired', field: 'expiry' };
  const cvcLength = cardBrand(digits) === 'amex' ? 4 : 3;
  if (!new RegExp(`^\\d{${cvcLength}}$`).test(input.cvc.trim())) return { ok: false, error: 'card.cvc_invalid', field: 'cvc' };
  return { ok: true, outcome: card.outcome, country: card.country, brand: cardBrand(digits), last4: digits.slice(-4) };
}
