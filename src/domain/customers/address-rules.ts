// OR-2: an address checked against the shop's policy — the destinations it
// serves (worldwide minus exceptions, or a list), metropolitan France only
// (Corsica included) when the policy says so, post-office boxes and CEDEX
// refused when it says so — and against the formats the carriers need (French
// postcodes, a phone number valid for the address's country, kept as E.164).
// Pure: no I/O, no clock.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { isCountryCode, type Policy } from '../../policy/schema.js';
import { DomainError } from '../errors.js';

export type AddressInput = {
  name: string;
  line1: string;
  line2?: string | null | undefined;
  postalCode?: string | null | undefined;
  city: string;
  region?: string | null | undefined;
  country: string;
  phone?: string | null | undefined;
};

/** The address as stored: trimmed, country upper-case, phone in E.164 (null when none was given). */
export type CheckedAddress = {
  name: string;
  line1: string;
  line2: string | null;
  postalCode: string;
  city: string;
  region: string | null;
  country: string;
  phone: string | null;
};

export type AddressProblemCode =
  | 'address.required'
  | 'address.too_long'
  | 'address.invalid_country'
  | 'address.country_not_served'
  | 'address.overseas_refused'
  | 'address.po_box_refused'
  | 'address.cedex_refused'
  | 'address.invalid_postcode'
  | 'address.invalid_phone';

export type AddressProblem = { code: AddressProblemCode; field: keyof AddressInput; rule: 'OR-2' };

/**
 * `delivery`: every rule applies. `billing`: only the formats (a billing
 * address may be anywhere, a PO box included).
 */
export type AddressPurpose = 'delivery' | 'billing';

type AddressPolicy = Pick<Policy, 'destinations' | 'addressRules'>;

const limits: Partial<Record<keyof AddressInput, number>> = { name: 200, line1: 200, line2: 200, postalCode: 16, city: 100, region: 100, phone: 40 };

/** French overseas departments and territories with their own ISO code, and the first three digits of their postcodes. */
const FRENCH_OVERSEAS: Readonly<Record<string, string>> = {
  GP: '971',
  MQ: '972',
  GF: '973',
  RE: '974',
  PM: '975',
  YT: '976',
  BL: '977',
  MF: '978',
  TF: '984',
  WF: '986',
  PF: '987',
  NC: '988',
};

/** Countries without a postcode system (or where it is optional): no postcode is asked. */
const NO_POSTCODE = new Set([
  'AE', 'AG', 'AO', 'AW', 'BF', 'BI', 'BJ', 'BO', 'BS', 'BW', 'BZ', 'CD', 'CF', 'CG', 'CI', 'CK', 'CM', 'CW', 'DJ', 'DM', 'ER', 'FJ', 'GA', 'GD',
  'GH', 'GM', 'GQ', 'GY', 'HK', 'IE', 'KI', 'KM', 'KN', 'KP', 'LC', 'ML', 'MO', 'MR', 'MW', 'NR', 'NU', 'QA', 'RW', 'SB', 'SC', 'SL', 'SR', 'ST',
  'SX', 'SY', 'TD', 'TG', 'TK', 'TL', 'TO', 'TT', 'TV', 'UG', 'VU', 'YE', 'ZW',
]);

/** Metropolitan France, Corsica (20xxx) included: 01000–96999 (97xxx/98xxx are overseas). */
const METROPOLITAN_POSTCODE = /^(?:0[1-9]|[1-8]\d|9[0-6])\d{3}$/;
const FRENCH_POSTCODE = /^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$/;
const GENERIC_POSTCODE = /^[A-Za-z0-9][A-Za-z0-9 -]{1,10}[A-Za-z0-9]$/;

/** Lower case, accents off, dots off, one space between words: « B.P. 12 » → "bp 12", « Boîte postale » → "boite postale". */
function folded(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\./g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

// French « BP 123 » / « boîte postale », English "PO Box", "P.O. Box", "Post Office Box",
// and their neighbours' (Postfach, Postbus, casella postale, apartado de correos).
const PO_BOX = [
  /(?:^| )bp ?\d/, // « BP 123 », « B.P. 123 », « BP123 »
  /(?:^| )bp$/,
  /(?:^| )boite postale(?: |$)/,
  /(?:^| )p ?o ?box(?: |$)/, // "PO Box", "P.O. Box", "POBox"
  /(?:^| )post office box(?: |$)/,
  /(?:^| )postfach(?: |$)/,
  /(?:^| )postbus(?: |$)/,
  /(?:^| )casella postale(?: |$)/,
  /(?:^| )apartado(?: de correos)?(?: |$)/,
];

const CEDEX = /(?:^| )cedex(?: |$)/;

export function isPoBox(text: string): boolean {
  const f = folded(text);
  return PO_BOX.some((pattern) => pattern.test(f));
}

export function isCedex(text: string): boolean {
  return CEDEX.test(folded(text));
}

const clean = (value: string | null | undefined): string => (typeof value === 'string' ? value.trim().replace(/\s+/g, ' ') : '');

/** Is `country` a destination of the shop (OR-2: the list, or worldwide minus the exceptions)? */
export function servesCountry(policy: Pick<Policy, 'destinations'>, country: string): boolean {
  const d = policy.destinations;
  if (d.worldwide) return !d.exceptCountries.includes(country);
  return (d.countries ?? []).includes(country);
}

/** Every problem of the address, in the order of its fields; the address as it would be stored. */
export function checkAddress(policy: AddressPolicy, input: AddressInput, purpose: AddressPurpose = 'delivery'): { address: CheckedAddress; problems: AddressProblem[] } {
  const problems: AddressProblem[] = [];
  const problem = (code: AddressProblemCode, field: keyof AddressInput) => problems.push({ code, field, rule: 'OR-2' });
  const address: CheckedAddress = {
    name: clean(input.name),
    line1: clean(input.line1),
    line2: clean(input.line2) || null,
    postalCode: clean(input.postalCode).toUpperCase(),
    city: clean(input.city),
    region: clean(input.region) || null,
    country: clean(input.country).toUpperCase(),
    phone: null,
  };
  const rawPhone = clean(input.phone);

  for (const field of ['name', 'line1', 'city', 'country'] as const) if (!address[field]) problem('address.required', field);
  for (const [field, max] of Object.entries(limits) as [keyof AddressInput, number][]) {
    const value = field === 'phone' ? rawPhone : address[field as keyof CheckedAddress];
    if (typeof value === 'string' && value.length > max) problem('address.too_long', field);
  }

  const country = address.country;
  const knownCountry = country !== '' && isCountryCode(country);
  if (country !== '' && !knownCountry) problem('address.invalid_country', 'country');

  if (knownCountry && purpose === 'delivery') {
    const metropolitanOnly = policy.destinations.france === 'metropolitan';
    if (metropolitanOnly && FRENCH_OVERSEAS[country] !== undefined) {
      // OR-2: overseas territories are refused by a metropolitan-only shop, whatever its list says.
      problem('address.overseas_refused', 'country');
    } else if (!servesCountry(policy, country)) {
      problem('address.country_not_served', 'country');
    }
  }

  // Postcodes: French ones have a fixed format; elsewhere a plausible one, unless the country has none.
  const postcode = address.postalCode.replace(/\s+/g, country === 'FR' || FRENCH_OVERSEAS[country] ? '' : ' ');
  address.postalCode = postcode;
  if (knownCountry) {
    if (country === 'FR' || FRENCH_OVERSEAS[country] !== undefined) {
      const prefix = FRENCH_OVERSEAS[country];
      if (!FRENCH_POSTCODE.test(postcode) || (prefix !== undefined && !postcode.startsWith(prefix))) {
        problem('address.invalid_postcode', 'postalCode');
      } else if (country === 'FR' && purpose === 'delivery' && policy.destinations.france === 'metropolitan' && !METROPOLITAN_POSTCODE.test(postcode)) {
        // OR-2 (FR): 97xxx/98xxx are overseas; Corsica (20xxx) is metropolitan.
        problem('address.overseas_refused', 'postalCode');
      }
    } else if (postcode === '') {
      if (!NO_POSTCODE.has(country)) problem('address.required', 'postalCode');
    } else if (!GENERIC_POSTCODE.test(postcode)) {
      problem('address.invalid_postcode', 'postalCode');
    }
  }

  if (purpose === 'delivery') {
    // OR-2 (JW): no post-office box, no CEDEX (a CEDEX may sit in the lines, the postcode or the city).
    if (policy.addressRules.refusePoBox) {
      for (const field of ['line1', 'line2'] as const) {
        if (address[field] && isPoBox(address[field])) {
          problem('address.po_box_refused', field);
          break;
        }
      }
    }
    if (policy.addressRules.refuseCedex) {
      for (const field of ['line1', 'line2', 'postalCode', 'city'] as const) {
        if (address[field] && isCedex(address[field])) {
          problem('address.cedex_refused', field);
          break;
        }
      }
    }
  }

  if (rawPhone !== '') {
    const phone = knownCountry ? parsePhoneNumberFromString(rawPhone, country as CountryCode) : parsePhoneNumberFromString(rawPhone);
    if (phone?.isValid()) address.phone = phone.number;
    else problem('address.invalid_phone', 'phone');
  }

  return { address, problems };
}

/**
 * The address as it will be stored, or a DomainError naming the first
 * problem's code, field and rule (every problem in `details.problems`).
 * `fieldPrefix` names the field as the client sent it (`address.postalCode`).
 */
export function assertAddress(policy: AddressPolicy, input: AddressInput, options: { purpose?: AddressPurpose; fieldPrefix?: string } = {}): CheckedAddress {
  const { address, problems } = checkAddress(policy, input, options.purpose ?? 'delivery');
  const first = problems[0];
  if (first) {
    const name = (field: string) => (options.fieldPrefix ? `${options.fieldPrefix}.${field}` : field);
    throw new DomainError(
      first.code,
      { field: name(first.field), rule: first.rule, problems: problems.map((p) => ({ code: p.code, field: name(p.field) })) },
      messages[first.code],
    );
  }
  return address;
}

const messages: Record<AddressProblemCode, string> = {
  'address.required': 'This field is required.',
  'address.too_long': 'This field is too long.',
  'address.invalid_country': 'This is not a country code (ISO 3166-1, such as FR).',
  'address.country_not_served': 'The shop does not deliver to this country.',
  'address.overseas_refused': 'The shop delivers to metropolitan France only (Corsica included).',
  'address.po_box_refused': 'The shop does not deliver to post-office boxes.',
  'address.cedex_refused': 'The shop does not deliver to CEDEX addresses.',
  'address.invalid_postcode': 'This postcode is not valid for the country.',
  'address.invalid_phone': 'This phone number is not valid for the country.',
};
