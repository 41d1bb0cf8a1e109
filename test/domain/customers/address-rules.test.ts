// OR-2: addresses checked against each shop's policy, as tables (style.md §3).
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertAddress, checkAddress, isCedex, isPoBox, type AddressInput } from '../../../src/domain/customers/address-rules.js';
import { DomainError } from '../../../src/domain/errors.js';
import { loadShop } from '../../../src/policy/loader.js';
import type { Policy } from '../../../src/policy/schema.js';

const policies: Record<string, Policy> = {};
beforeAll(async () => {
  for (const id of ['jw', 'fa', 'pf', 'el', 'fr']) policies[id] = (await loadShop(path.resolve('shops'), id)).policy;
});

const base: AddressInput = { name: 'Camille Martin', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR' };
const codes = (shop: string, address: Partial<AddressInput>, purpose: 'delivery' | 'billing' = 'delivery') =>
  checkAddress(policies[shop]!, { ...base, ...address }, purpose).problems.map((p) => `${p.code}@${p.field}`);

describe('OR-2 destinations', () => {
  it.each([
    // shop, address, problems
    ['fr', { postalCode: '20000', city: 'Ajaccio' }, []], // Corsica is metropolitan
    ['fr', { postalCode: '20200', city: 'Bastia' }, []],
    ['fr', { postalCode: '97110', city: 'Pointe-à-Pitre' }, ['address.overseas_refused@postalCode']], // Guadeloupe under FR
    ['fr', { postalCode: '97110', city: 'Pointe-à-Pitre', country: 'GP' }, ['address.overseas_refused@country']],
    ['fr', { postalCode: '98000', city: 'Nouméa' }, ['address.overseas_refused@postalCode']],
    ['fr', { postalCode: '10115', city: 'Berlin', country: 'DE' }, ['address.country_not_served@country']],
    ['fa', { postalCode: '97400', city: 'Saint-Denis', country: 'RE' }, []], // La Réunion is in FA's list
    ['fa', { postalCode: '97110', city: 'Pointe-à-Pitre', country: 'GP' }, ['address.country_not_served@country']],
    ['fa', { postalCode: 'GX11 1AA', city: 'Gibraltar', country: 'GI' }, []],
    ['pf', { postalCode: '00184', city: 'Roma', country: 'IT' }, []],
    ['pf', { postalCode: 'SW1A 1AA', city: 'London', country: 'GB' }, []],
    ['pf', { postalCode: '8001', city: 'Zürich', country: 'CH' }, ['address.country_not_served@country']],
    ['pf', { postalCode: '1000', city: 'Sofia', country: 'BG' }, ['address.country_not_served@country']], // not in PF's 23
    ['el', { postalCode: '97110', city: 'Pointe-à-Pitre', country: 'GP' }, []], // EL serves the overseas departments
    ['el', { postalCode: '8001', city: 'Zürich', country: 'CH' }, []],
    ['jw', { postalCode: '100-0001', city: 'Tokyo', country: 'JP' }, []], // worldwide
    ['jw', { postalCode: '', city: 'Dubai', country: 'AE' }, []], // no postcode system
    ['jw', { country: 'XX' }, ['address.invalid_country@country']],
  ] as const)('%s %j → %j', (shop, address, expected) => {
    expect(codes(shop, address)).toEqual(expected);
  });
});

describe('OR-2 (JW) post-office boxes and CEDEX', () => {
  it.each([
    ['BP 123', true],
    ['B.P. 123', true],
    ['bp123', true],
    ['Boîte postale 45', true],
    ['boite postale 45', true],
    ['PO Box 12', true],
    ['P.O. Box 12', true],
    ['p.o.box 12', true],
    ['Post Office Box 9', true],
    ['Postfach 10 11 12', true],
    ['12 rue des Lilas', false],
    ['Bâtiment BPX', false],
    ['5 Boxwood Lane', false],
    ['Rue de la Poste', false],
  ])('isPoBox(%j) = %s', (line, expected) => expect(isPoBox(line)).toBe(expected));

  it.each([
    ['Paris Cedex 08', true],
    ['PARIS CEDEX', true],
    ['cédex 2', true],
    ['Cedexville', false],
  ])('isCedex(%j) = %s', (text, expected) => expect(isCedex(text)).toBe(expected));

  it('refuses them at JW, accepts them at FR (which does not refuse them)', () => {
    expect(codes('jw', { line1: 'BP 123' })).toEqual(['address.po_box_refused@line1']);
    expect(codes('jw', { line2: 'P.O. Box 7' })).toEqual(['address.po_box_refused@line2']);
    expect(codes('jw', { city: 'Paris Cedex 11' })).toEqual(['address.cedex_refused@city']);
    expect(codes('jw', { line2: 'CS 30001 - 75011 PARIS CEDEX' })).toEqual(['address.cedex_refused@line2']);
    expect(codes('fr', { line1: 'BP 123', city: 'Paris Cedex 11' })).toEqual([]);
  });

  it('applies only the formats to a billing address', () => {
    expect(codes('jw', { line1: 'BP 123', city: 'Paris Cedex 11' }, 'billing')).toEqual([]);
    expect(codes('fr', { country: 'DE', postalCode: '10115' }, 'billing')).toEqual([]);
    expect(codes('fr', { postalCode: '7501' }, 'billing')).toEqual(['address.invalid_postcode@postalCode']);
  });
});

describe('postcodes and phones', () => {
  it.each([
    ['75011', []],
    ['75 011', []],
    ['7501', ['address.invalid_postcode@postalCode']],
    ['00100', ['address.invalid_postcode@postalCode']],
    ['ABCDE', ['address.invalid_postcode@postalCode']],
    ['', ['address.invalid_postcode@postalCode']],
  ] as const)('FR postcode %j → %j', (postalCode, expected) => expect(codes('fa', { postalCode })).toEqual(expected));

  it('an overseas postcode must match its territory', () => {
    expect(codes('fa', { country: 'RE', postalCode: '97110' })).toEqual(['address.invalid_postcode@postalCode']);
  });

  it.each([
    ['fr', 'FR', '75011', '06 12 34 56 78', '+33612345678'],
    ['fr', 'FR', '75011', '+33 1 42 68 53 00', '+33142685300'],
    ['pf', 'GB', 'SW1A 1AA', '020 7946 0958', '+442079460958'],
    ['pf', 'IT', '00184', '06 6982 0000', '+390669820000'],
    ['fa', 'RE', '97400', '0692 12 34 56', '+262692123456'],
    ['jw', 'US', '10001', '(212) 555-0123', '+12125550123'],
  ])('%s: %s phone %j → %s', (shop, country, postalCode, phone, e164) => {
    const { address, problems } = checkAddress(policies[shop]!, { ...base, country, postalCode, phone });
    expect(problems).toEqual([]);
    expect(address.phone).toBe(e164);
  });

  it.each([
    ['FR', '75011', '12345'],
    ['FR', '75011', '06 12 34'],
    ['GB', 'SW1A 1AA', '06 12 34 56 78 90'],
    ['FR', '75011', 'not a phone'],
  ])('%s: an invalid phone %j is refused', (country, postalCode, phone) => {
    expect(codes('pf', { country, postalCode, phone })).toEqual(['address.invalid_phone@phone']);
  });
});

describe('assertAddress', () => {
  it('throws the first problem with its field and rule, every problem in details', () => {
    let error: unknown;
    try {
      assertAddress(policies.jw!, { ...base, line1: 'BP 12', phone: '123' }, { fieldPrefix: 'address' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'address.po_box_refused',
      details: { field: 'address.line1', rule: 'OR-2', problems: [{ code: 'address.po_box_refused' }, { code: 'address.invalid_phone', field: 'address.phone' }] },
    });
  });

  it('returns the address as stored: trimmed, upper-case country, E.164 phone', () => {
    expect(assertAddress(policies.fr!, { name: '  Camille  Martin ', line1: '12 rue des Lilas', postalCode: '20 000', city: 'Ajaccio', country: 'fr', phone: '06 12 34 56 78' })).toEqual({
      name: 'Camille Martin',
      line1: '12 rue des Lilas',
      line2: null,
      postalCode: '20000',
      city: 'Ajaccio',
      region: null,
      country: 'FR',
      phone: '+33612345678',
    });
  });
});
