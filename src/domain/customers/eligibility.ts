// CU-2 / CU-3: who may order. The age declaration asked at checkout (the
// shop's minimum, per delivery country; minors with their guardian's consent
// where the shop allows it), the professional's details (VAT number checksum,
// headcount), the customer kinds the shop accepts and its retail-only rule.
// Pure: no I/O, no clock.
import { checkVAT, countries as vatCountries } from 'jsvat';
import type { CustomerKind, Policy } from '../../policy/schema.js';
import { DomainError } from '../errors.js';

type CustomersPolicy = Pick<Policy, 'customers'>;

// ---------------------------------------------------------------------------
// CU-2: age

/** The minimum age declared to order for delivery to `country` (PF: 16, IT 18); null when the shop asks none. */
export function minimumAgeFor(policy: CustomersPolicy, country: string | null): number | null {
  const age = policy.customers.age;
  if (age.minimum === null) return null;
  return (country ? age.byCountry[country] : undefined) ?? age.minimum;
}

/** What the customer ticks at checkout. */
export type AgeDeclaration = {
  /** "I am at least N years old." */
  meetsMinimumAge: boolean;
  /** "I am a minor and order with my legal guardian's prior consent." (FR) */
  guardianConsent?: boolean | undefined;
};

/** What is frozen into the order: the rule applied and what was declared. */
export type AgeDeclarationRecord = {
  rule: 'CU-2';
  country: string | null;
  minimumAge: number | null;
  meetsMinimumAge: boolean;
  guardianConsent: boolean;
};

/**
 * CU-2: checks the declaration for delivery to `country`.
 * @throws customer.age_declaration_required (no declaration where one is asked),
 *   customer.guardian_consent_required (a minor, in a shop that accepts minors with consent),
 *   customer.under_minimum_age (a minor, in a shop that does not).
 */
export function checkAgeDeclaration(
  policy: CustomersPolicy,
  input: { country: string | null; declaration: AgeDeclaration | null | undefined },
): AgeDeclarationRecord {
  const minimumAge = minimumAgeFor(policy, input.country);
  const declaration = input.declaration;
  const record = (meets: boolean, consent: boolean): AgeDeclarationRecord => ({
    rule: 'CU-2',
    country: input.country,
    minimumAge,
    meetsMinimumAge: meets,
    guardianConsent: consent,
  });
  if (minimumAge === null) return record(declaration?.meetsMinimumAge ?? false, false);
  if (!declaration || typeof declaration.meetsMinimumAge !== 'boolean') {
    throw new DomainError('customer.age_declaration_required', { field: 'declarations.age', rule: 'CU-2', minimumAge }, `Declare that you are at least ${minimumAge} years old.`);
  }
  if (declaration.meetsMinimumAge) return record(true, false);
  if (policy.customers.age.minorsWithGuardianConsent) {
    if (declaration.guardianConsent === true) return record(false, true);
    throw new DomainError(
      'customer.guardian_consent_required',
      { field: 'declarations.age.guardianConsent', rule: 'CU-2', minimumAge },
      `Under ${minimumAge}, an order needs the prior consent of a legal guardian.`,
    );
  }
  throw new DomainError('customer.under_minimum_age', { field: 'declarations.age', rule: 'CU-2', minimumAge }, `Orders are accepted from the age of ${minimumAge}.`);
}

// ---------------------------------------------------------------------------
// CU-3: kinds, professional details, retail only

/** May a customer of this kind order from the shop (`customers.kinds.accepted`)? */
export function kindMayOrder(policy: CustomersPolicy, kind: CustomerKind): boolean {
  return policy.customers.kinds.accepted.includes(kind);
}

/** @throws customer.kind_not_accepted (CU-3) */
export function assertKindAccepted(policy: CustomersPolicy, kind: CustomerKind, field = 'kind'): void {
  if (!kindMayOrder(policy, kind)) {
    throw new DomainError(
      'customer.kind_not_accepted',
      { field, rule: 'CU-3', accepted: [...policy.customers.kinds.accepted] },
      kind === 'consumer' ? 'This shop sells to professionals only.' : 'This shop sells to private individuals only.',
    );
  }
}

/**
 * CU-3 (PF, FA): a retail-only shop refuses orders bought for resale. The
 * checkout asks whether the goods are for the customer's own use.
 * @throws customer.resale_refused
 */
export function assertRetailOrder(policy: CustomersPolicy, input: { forResale: boolean }): void {
  if (policy.customers.kinds.retailOnly && input.forResale) {
    throw new DomainError('customer.resale_refused', { field: 'declarations.forResale', rule: 'CU-3' }, 'This shop sells for personal use only, not for resale.');
  }
}

export type ProfessionalDetailsInput = {
  companyName?: string | null | undefined;
  registrationNumber?: string | null | undefined;
  vatNumber?: string | null | undefined;
  headcount?: number | string | null | undefined;
};

export type ProfessionalDetails = {
  companyName: string;
  registrationNumber: string | null;
  /** Upper case, no spaces or dots, with its country prefix (EL for Greece). */
  vatNumber: string | null;
  headcount: number | null;
};

const MAX_HEADCOUNT = 10_000_000;

/** The VAT number without spaces, dots or dashes, upper case; null when its checksum (jsvat) or format fails. */
export function normaliseVatNumber(vatNumber: string): string | null {
  const compact = vatNumber.replace(/[\s.-]/g, '').toUpperCase();
  if (!/^[A-Z]{2}[0-9A-Z+*]{2,13}$/.test(compact)) return null;
  const result = checkVAT(compact, vatCountries);
  return result.isValid ? compact : null;
}

/**
 * CU-3: a professional's details — a company name, an optional registration
 * number, an optional VAT number whose checksum holds, an optional whole
 * headcount.
 * @throws customer.company_name_required, customer.invalid_registration_number,
 *   customer.invalid_vat_number, customer.invalid_headcount (each with its field, rule CU-3)
 */
export function checkProfessionalDetails(input: ProfessionalDetailsInput, fieldPrefix = ''): ProfessionalDetails {
  const field = (name: string) => `${fieldPrefix}${name}`;
  const companyName = (input.companyName ?? '').trim().replace(/\s+/g, ' ');
  if (companyName === '' || companyName.length > 200) {
    throw new DomainError('customer.company_name_required', { field: field('companyName'), rule: 'CU-3', max: 200 }, 'A professional account needs a company name.');
  }
  const registration = (input.registrationNumber ?? '').trim().replace(/\s+/g, ' ');
  if (registration.length > 40) {
    throw new DomainError('customer.invalid_registration_number', { field: field('registrationNumber'), rule: 'CU-3', max: 40 }, 'A registration number has at most 40 characters.');
  }
  const rawVat = (input.vatNumber ?? '').trim();
  const vatNumber = rawVat === '' ? null : normaliseVatNumber(rawVat);
  if (rawVat !== '' && vatNumber === null) {
    throw new DomainError('customer.invalid_vat_number', { field: field('vatNumber'), rule: 'CU-3' }, 'This VAT number is not valid (country prefix and check digits).');
  }
  let headcount: number | null = null;
  const rawHeadcount = input.headcount;
  if (rawHeadcount !== null && rawHeadcount !== undefined && rawHeadcount !== '') {
    const n = typeof rawHeadcount === 'number' ? rawHeadcount : /^\s*\d{1,9}\s*$/.test(rawHeadcount) ? Number(rawHeadcount) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_HEADCOUNT) {
      throw new DomainError('customer.invalid_headcount', { field: field('headcount'), rule: 'CU-3', min: 0, max: MAX_HEADCOUNT }, 'The headcount is a whole number of people.');
    }
    headcount = n;
  }
  return { companyName, registrationNumber: registration || null, vatNumber, headcount };
}
