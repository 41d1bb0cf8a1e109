// CU-2 / CU-3 per shop, as tables.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertKindAccepted,
  assertRetailOrder,
  checkAgeDeclaration,
  checkProfessionalDetails,
  kindMayOrder,
  minimumAgeFor,
  normaliseVatNumber,
} from '../../../src/domain/customers/eligibility.js';
import { DomainError } from '../../../src/domain/errors.js';
import { loadShop } from '../../../src/policy/loader.js';
import type { Policy } from '../../../src/policy/schema.js';

const policies: Record<string, Policy> = {};
beforeAll(async () => {
  for (const id of ['jw', 'fa', 'pf', 'el', 'fr']) policies[id] = (await loadShop(path.resolve('shops'), id)).policy;
});

function codeOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

describe('CU-2 minimum age', () => {
  it.each([
    ['pf', 'FR', 16],
    ['pf', 'IT', 18], // PF: 16, Italy 18
    ['pf', null, 16],
    ['fa', 'FR', 18],
    ['jw', 'JP', 18],
    ['fr', 'FR', 18],
    ['el', 'FR', null], // EL asks no declaration
  ] as const)('%s delivering to %s: %s', (shop, country, expected) => {
    expect(minimumAgeFor(policies[shop]!, country)).toBe(expected);
  });

  it.each([
    // shop, country, declaration, → error code (null: accepted)
    ['pf', 'IT', { meetsMinimumAge: true }, null],
    ['pf', 'IT', { meetsMinimumAge: false }, 'customer.under_minimum_age'],
    ['pf', 'IT', { meetsMinimumAge: false, guardianConsent: true }, 'customer.under_minimum_age'], // PF does not take consent
    ['pf', 'FR', undefined, 'customer.age_declaration_required'],
    ['fr', 'FR', { meetsMinimumAge: false, guardianConsent: true }, null], // FR: minors with consent
    ['fr', 'FR', { meetsMinimumAge: false }, 'customer.guardian_consent_required'],
    ['fr', 'FR', { meetsMinimumAge: true }, null],
    ['el', 'FR', undefined, null],
  ] as const)('%s %s %j → %s', (shop, country, declaration, expected) => {
    expect(codeOf(() => checkAgeDeclaration(policies[shop]!, { country, declaration }))).toBe(expected);
  });

  it('records what was declared and the rule applied', () => {
    expect(checkAgeDeclaration(policies.pf!, { country: 'IT', declaration: { meetsMinimumAge: true } })).toEqual({
      rule: 'CU-2',
      country: 'IT',
      minimumAge: 18,
      meetsMinimumAge: true,
      guardianConsent: false,
    });
    expect(checkAgeDeclaration(policies.fr!, { country: 'FR', declaration: { meetsMinimumAge: false, guardianConsent: true } })).toMatchObject({ minimumAge: 18, guardianConsent: true });
  });
});

describe('CU-3 kinds and retail', () => {
  it.each([
    ['jw', 'professional', true],
    ['el', 'professional', true],
    ['el', 'programme_reseller', true],
    ['fa', 'professional', false],
    ['pf', 'professional', false],
    ['fr', 'consumer', true],
  ] as const)('%s: a %s may order: %s', (shop, kind, expected) => {
    expect(kindMayOrder(policies[shop]!, kind)).toBe(expected);
    expect(codeOf(() => assertKindAccepted(policies[shop]!, kind))).toBe(expected ? null : 'customer.kind_not_accepted');
  });

  it.each([
    ['pf', true, 'customer.resale_refused'],
    ['fa', true, 'customer.resale_refused'],
    ['pf', false, null],
    ['jw', true, null],
  ] as const)('%s: for resale %s → %s', (shop, forResale, expected) => {
    expect(codeOf(() => assertRetailOrder(policies[shop]!, { forResale }))).toBe(expected);
  });
});

describe('CU-3 professional details', () => {
  it.each([
    ['FR40303265045', 'FR40303265045'],
    ['fr 40 303 265 045', 'FR40303265045'],
    ['FR00303265045', null], // wrong check digits
    ['DE136695976', 'DE136695976'],
    ['XX123', null],
  ])('VAT number %j → %s', (input, expected) => expect(normaliseVatNumber(input)).toBe(expected));

  it('validates and normalises the details', () => {
    expect(checkProfessionalDetails({ companyName: ' Atelier  Dupont ', vatNumber: 'FR 40303265045', headcount: '12', registrationNumber: '303 265 045' })).toEqual({
      companyName: 'Atelier Dupont',
      registrationNumber: '303 265 045',
      vatNumber: 'FR40303265045',
      headcount: 12,
    });
    expect(checkProfessionalDetails({ companyName: 'X' })).toEqual({ companyName: 'X', registrationNumber: null, vatNumber: null, headcount: null });
  });

  it.each([
    [{ companyName: '' }, 'customer.company_name_required', 'companyName'],
    [{ companyName: 'A', vatNumber: 'FR00303265045' }, 'customer.invalid_vat_number', 'vatNumber'],
    [{ companyName: 'A', headcount: 2.5 }, 'customer.invalid_headcount', 'headcount'],
    [{ companyName: 'A', headcount: '-3' }, 'customer.invalid_headcount', 'headcount'],
    [{ companyName: 'A', headcount: 'many' }, 'customer.invalid_headcount', 'headcount'],
  ])('%j → %s on %s', (input, code, field) => {
    let error: unknown;
    try {
      checkProfessionalDetails(input);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code, details: { field, rule: 'CU-3' } });
  });
});
