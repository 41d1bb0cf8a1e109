import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/domain/errors.js';
import { money, type Money } from '../../../src/domain/money.js';
import { quoteShipping, type QuoteShippingInput } from '../../../src/domain/shipping/shipping-quote.js';
import type { Policy } from '../../../src/policy/schema.js';
import { eur, gbp, loadPolicies, type ShopId } from '../pricing/shop-fixtures.js';

let policies: Record<ShopId, Policy>;
beforeAll(async () => {
  policies = await loadPolicies();
});

// Monday 1 March 2027, 10:00 in Paris: a working day, no holiday until Easter Monday (29 March).
const MONDAY = new Date('2027-03-01T09:00:00Z');

function quote(shop: ShopId, country: string, goods: Money | { inclVat: Money; exclVat: Money }, over: Partial<QuoteShippingInput> = {}) {
  return quoteShipping({
    policy: policies[shop],
    destinationCountry: country,
    customerKind: 'consumer',
    goods: 'amount' in goods ? { inclVat: goods, exclVat: goods } : goods,
    orderedAt: MONDAY,
    extraLeadWorkingDays: 0,
    ...over,
  });
}

const byMethod = (options: ReturnType<typeof quote>) => Object.fromEntries(options.map((o) => [o.methodId, o]));
const amounts = (options: ReturnType<typeof quote>) => Object.fromEntries(options.map((o) => [o.methodId, o.amount]));

function domainError(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('SH-2 PF: the full rate table of catalogue §15 (EUR, per order)', () => {
  // country, standard, express — the seed's table, row by row
  it.each([
    ['FR', '5.47', '10.91'],
    ['DE', '10.70', '10.91'], ['NL', '10.70', '10.91'], ['BE', '10.70', '10.91'], ['LU', '10.70', '10.91'],
    ['IE', '12.46', '13.60'],
    ['IT', '12.46', '10.91'], ['ES', '12.46', '10.91'],
    ['PT', '12.46', '13.60'], ['AT', '12.46', '13.60'],
    ['DK', '12.49', '13.60'],
    ['HU', '12.49', '17.24'], ['PL', '12.49', '17.24'], ['CZ', '12.49', '17.24'], ['SK', '12.49', '17.24'],
    ['SI', '12.49', '17.24'], ['EE', '12.49', '17.24'], ['LV', '12.49', '17.24'], ['LT', '12.49', '17.24'],
    ['GR', '14.92', '13.60'], ['FI', '14.92', '13.60'], ['SE', '14.92', '13.60'],
  ])('SH-2 PF to %s: standard %s, express %s', (country, standard, express) => {
    expect(amounts(quote('pf', country, eur('50.00')))).toEqual({ standard: eur(standard), express: eur(express) });
  });

  it('SH-2/PR-1 PF to GB: priced in GBP from the GBP rows (the seed\'s 12.46 / 10.91 EUR stay in the EUR column)', () => {
    expect(amounts(quote('pf', 'GB', gbp('50.00')))).toEqual({ standard: gbp('10.95'), express: gbp('9.59') });
    expect(policies.pf.shipping.methods.map((m) => m.rates['GB'])).toEqual([{ EUR: 1246, GBP: 1095 }, { EUR: 1091, GBP: 959 }]);
  });
});

describe('SH-2 PF: free standard delivery from 175 EUR of goods, standard only', () => {
  it.each([
    ['174.99', false],
    ['175.00', true],
    ['1000.00', true],
  ])('SH-2 goods %s EUR to FR → standard free: %s; express is never free', (goods, free) => {
    const options = byMethod(quote('pf', 'FR', eur(goods)));
    expect(options['standard']!.free).toBe(free);
    expect(options['standard']!.amount).toEqual(free ? eur('0.00') : eur('5.47'));
    expect(options['standard']!.rate).toEqual(eur('5.47'));
    if (free) expect(options['standard']!.freeBecause).toEqual({ minimum: eur('175.00'), basis: 'goods_incl_vat' });
    else expect(options['standard']!.freeBecause).toBeUndefined();
    expect(options['express']).toMatchObject({ amount: eur('10.91'), free: false });
  });

  it('SH-2 the offer applies in every PF country (no country list): SE at 175.00 EUR', () => {
    expect(byMethod(quote('pf', 'SE', eur('175.00')))['standard']).toMatchObject({ amount: eur('0.00'), free: true });
  });

  it.each([
    ['149.99', gbp('10.95')],
    ['150.00', gbp('0.00')],
  ])('SH-2 GB: the GBP threshold of the policy (150.00 GBP): goods %s GBP → standard %j', (goods, amount) => {
    expect(byMethod(quote('pf', 'GB', gbp(goods)))['standard']!.amount).toEqual(amount);
  });
});

describe('SH-3 PF estimates: preparation (2 working days at most) + transit, French holidays', () => {
  // Ordered Monday 1 March 2027 → dispatched by Wednesday 3 March.
  it.each([
    // country, extra lead (CAT-5), method → dispatchBy, earliest, latest
    ['FR', 0, 'express', '2027-03-03', '2027-03-04', '2027-03-04'], // express: 1 working day to France
    ['DE', 0, 'express', '2027-03-03', '2027-03-05', '2027-03-05'], // 2 elsewhere
    ['GB', 0, 'express', '2027-03-03', '2027-03-05', '2027-03-05'],
    ['FR', 0, 'standard', '2027-03-03', '2027-03-09', '2027-03-10'], // 4–5 working days
    // Engraving (+15 working days): dispatched Wednesday 24 March; standard crosses Easter Monday 29 March.
    ['FR', 15, 'express', '2027-03-24', '2027-03-25', '2027-03-25'],
    ['FR', 15, 'standard', '2027-03-24', '2027-03-31', '2027-04-01'],
  ] as const)('SH-3 PF to %s, extra lead %i, %s → dispatch %s, delivery %s–%s', (country, extra, method, dispatchBy, earliest, latest) => {
    const goods = country === 'GB' ? gbp('50.00') : eur('50.00');
    const option = byMethod(quote('pf', country, goods, { extraLeadWorkingDays: extra }))[method]!;
    expect(option.estimate).toEqual({ dispatchBy, earliest, latest });
  });
});

describe('SH-2 EL: free delivery from 400 EUR EXCLUDING VAT to FR ES BE IT, consumers and programme resellers', () => {
  const goods = (exclVat: string) => ({ inclVat: eur('1000.00'), exclVat: eur(exclVat) });

  it.each([
    ['FR', 'consumer', '400.00', true],
    ['FR', 'consumer', '399.99', false],
    ['ES', 'consumer', '400.00', true],
    ['BE', 'programme_reseller', '400.00', true],
    ['IT', 'programme_reseller', '500.00', true],
    ['FR', 'professional', '500.00', false], // not professionals
    ['DE', 'consumer', '500.00', false], // not Germany
  ] as const)('SH-2 EL to %s, %s, goods %s EUR excl. VAT → standard free: %s', (country, customerKind, exclVat, free) => {
    const standard = byMethod(quote('el', country, goods(exclVat), { customerKind }))['standard']!;
    expect(standard.free).toBe(free);
    if (free) expect(standard.freeBecause).toEqual({ minimum: eur('400.00'), basis: 'goods_excl_vat' });
  });

  it('SH-2 the basis is the amount EXCLUDING VAT: 479.99 incl. = 399.99 excl. pays, whatever the VAT-inclusive total', () => {
    expect(byMethod(quote('el', 'FR', { inclVat: eur('479.99'), exclVat: eur('399.99') }))['standard']!.amount).toEqual(eur('6.90'));
    expect(byMethod(quote('el', 'FR', { inclVat: eur('480.00'), exclVat: eur('400.00') }))['standard']!.amount).toEqual(eur('0.00'));
  });

  it('SH-2 EL to FR above the threshold: standard and relay free, express pays, warehouse collection costs nothing', () => {
    const options = quote('el', 'FR', goods('400.00'));
    expect(options.map((o) => [o.methodId, o.amount, o.free])).toEqual([
      ['standard', eur('0.00'), true],
      ['express', eur('12.90'), false],
      ['relay', eur('0.00'), true],
      ['warehouse', eur('0.00'), true],
    ]);
    expect(byMethod(options)['warehouse']!.freeBecause).toBeUndefined();
  });

  it('SH-1/SH-2 EL to Switzerland: standard 24.90 and express 34.90, no relay nor warehouse', () => {
    expect(amounts(quote('el', 'CH', eur('100.00')))).toEqual({ standard: eur('24.90'), express: eur('34.90') });
  });

  it('SH-3 EL: 24 business hours + 24–48 h, ordered on a Friday evening', () => {
    const standard = byMethod(quote('el', 'FR', eur('100.00'), { orderedAt: new Date('2027-03-05T17:00:00Z') }))['standard']!;
    expect(standard.estimate).toEqual({ dispatchBy: '2027-03-08', earliest: '2027-03-09', latest: '2027-03-10' });
  });
});

describe('SH-1/SH-2 FA, FR, JW', () => {
  it('FA: home, relay and store in France; home only elsewhere, RE slower', () => {
    expect(amounts(quote('fa', 'FR', eur('50.00')))).toEqual({ home: eur('4.90'), relay: eur('3.90'), store: eur('0.00') });
    expect(amounts(quote('fa', 'DE', eur('50.00')))).toEqual({ home: eur('8.90') });
    expect(amounts(quote('fa', 'GB', eur('50.00')))).toEqual({ home: eur('12.90') });
    const reunion = quote('fa', 'RE', eur('50.00'));
    expect(amounts(reunion)).toEqual({ home: eur('14.90') });
    // FA preparation 2 working days, RE transit 5–10.
    expect(reunion[0]!.estimate).toEqual({ dispatchBy: '2027-03-03', earliest: '2027-03-10', latest: '2027-03-17' });
  });

  it('FR: Colissimo 5.90, 48 h preparation + 2–3 working days', () => {
    const [colissimo] = quote('fr', 'FR', eur('50.00'));
    expect(colissimo).toMatchObject({ methodId: 'colissimo', amount: eur('5.90'), free: false, carrier: 'Colissimo (La Poste)' });
    expect(colissimo!.estimate).toEqual({ dispatchBy: '2027-03-03', earliest: '2027-03-05', latest: '2027-03-08' });
  });

  it.each([
    ['FR', { ems: eur('7.50') }],
    ['DE', { dpd: eur('14.50') }],
    ['CH', { dpd: eur('14.50') }],
    ['US', { ems: eur('32.00') }],
    ['JP', { ems: eur('32.00') }],
  ])('JW ships worldwide: %s → %j', (country, expected) => {
    expect(amounts(quote('jw', country, eur('89.00')))).toEqual(expected);
  });

  it.each([
    ['fr', 'DE'],
    ['fr', 'GB'],
    ['pf', 'US'],
    ['fa', 'CH'],
  ] as const)('OR-2 %s does not deliver to %s: destination.not_served', (shop, country) => {
    const error = domainError(() => quote(shop, country, eur('50.00')));
    expect(error.code).toBe('destination.not_served');
    expect(error.details).toMatchObject({ field: 'country', rule: 'OR-2', country });
  });

  it('PR-9 goods in another currency than the destination\'s are refused', () => {
    expect(domainError(() => quote('pf', 'GB', money(20_000, 'EUR'))).code).toBe('money.currency_mismatch');
  });
});
