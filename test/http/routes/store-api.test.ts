// Issue "Foundation" §8: the store API of each of the five example shops gives
// that shop's own numbers, as its policy (shops/<id>/policy.yaml, catalogue
// sections 14 and 15) states them — after the legal floor where it applies.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp, type TestApp } from '../../support/app.js';

type Method = { id: string; kind: string; rate: { amount: number; currency: string } | null; transit: { minDays: number; maxDays: number; kind: string } };

async function get<T = Record<string, unknown>>(t: TestApp, url: string): Promise<{ status: number; body: T }> {
  const response = await t.app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() as T };
}

/** `{ methodId: "amount currency" }` for the methods offered to a destination. */
async function ratesTo(t: TestApp, country: string): Promise<Record<string, string>> {
  const { status, body } = await get<{ methods: Method[] }>(t, `/api/store/delivery-methods?country=${country}`);
  expect(status).toBe(200);
  return Object.fromEntries(body.methods.map((m) => [m.id, m.rate ? `${m.rate.amount} ${m.rate.currency}` : 'none']));
}

async function expectNotServed(t: TestApp, country: string): Promise<void> {
  const { status, body } = await get(t, `/api/store/delivery-methods?country=${country}`);
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(body).toMatchObject({ error: { code: 'destination.not_served', field: 'country', rule: 'OR-2' } });
}

describe('JW — jewellery, worldwide, 10-day withdrawal raised by law', () => {
  const t = useTestApp('jw');

  it('names the seller, a sole trader without share capital nor VAT number (ID-1), and its mediator (ID-5)', async () => {
    const { status, body } = await get(t, '/api/store/shop');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'jw',
      name: 'Les Petits Éclats',
      identity: {
        companyName: 'Lucie Marchal — Les Petits Éclats',
        legalForm: 'EI',
        shareCapital: null,
        registry: 'RCS Aix-en-Provence 849 102 365',
        siret: '849 102 365 00012',
        vatNumber: null,
        headOffice: { city: 'Jouques', country: 'FR' },
      },
      mediator: { name: 'Médiation Artisanat et Création', website: 'https://mediation-artisanat.example' },
      // OR-1b: "Finaliser ma commande" is not explicit enough: the legal wording is shown.
      orderButtonLabel: { fr: 'Commande avec obligation de paiement', en: 'Order with obligation to pay' },
    });
  });

  it('sells in EUR and delivers worldwide', async () => {
    expect((await get(t, '/api/store/currencies?country=US')).body).toEqual({ priceLists: [{ id: 'eur', currency: 'EUR', countries: null }], currencyForCountry: 'EUR' });
    expect((await get(t, '/api/store/destinations')).body).toMatchObject({ worldwide: true, countries: null, exceptCountries: [], addressRules: { refusePoBox: true, refuseCedex: true } });
  });

  it('splits delivery as the seed does: EMS for France and outside Europe, DPD for Europe', async () => {
    expect(await ratesTo(t, 'FR')).toEqual({ ems: '750 EUR' });
    expect(await ratesTo(t, 'US')).toEqual({ ems: '3200 EUR' });
    expect(await ratesTo(t, 'DE')).toEqual({ dpd: '1450 EUR' });
    expect(await ratesTo(t, 'gb')).toEqual({ dpd: '1450 EUR' }); // country codes are read case-insensitively
  });

  it('takes cards only, at order (PA-1, PA-3)', async () => {
    const { body } = await get<{ capture: string; methods: { id: string }[] }>(t, '/api/store/payment-methods');
    expect(body.capture).toBe('at_order');
    expect(body.methods.map((m) => m.id)).toEqual(['card']);
  });

  it('applies 14 days of withdrawal where the shop declares 10 (WD-1)', async () => {
    const { status, body } = await get(t, '/api/store/withdrawal');
    expect(status).toBe(200);
    expect(body).toEqual({
      declared: { days: 10, kind: 'calendar' },
      floor: { days: 14, kind: 'calendar' },
      applied: { days: 14, kind: 'calendar' },
      rule: 'WD-1/WD-2',
      raised: true,
    });
  });
});

describe('FA — fashion, 29 countries, terms v2 in force', () => {
  const t = useTestApp('fa');

  it('names the seller (ID-1) and its mediator (ID-5)', async () => {
    const { body } = await get(t, '/api/store/shop');
    expect(body).toMatchObject({
      id: 'fa',
      name: "Fil d'Azur",
      identity: {
        companyName: "Fil d'Azur Diffusion",
        legalForm: 'SAS',
        shareCapital: { amount: 42_000_000, currency: 'EUR' },
        registry: 'RCS Marseille 812 457 630',
        vatNumber: 'FR 47 812457630',
        customerService: { email: 'service-client@fildazur.example' },
      },
      mediator: { name: 'Médiation Mode & Commerce', address: { city: 'Paris' } },
      orderButtonLabel: { fr: 'Commande avec obligation de paiement' },
    });
  });

  it('delivers to the 29 countries and territories of section 15', async () => {
    const { body } = await get<{ worldwide: boolean; countries: string[] }>(t, '/api/store/destinations');
    expect(body.worldwide).toBe(false);
    expect([...body.countries].sort()).toEqual(
      ['FR', 'DE', 'AT', 'BE', 'BG', 'CY', 'DK', 'ES', 'EE', 'FI', 'GI', 'GR', 'HU', 'IE', 'IT', 'RE', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'CZ', 'RO', 'GB', 'SK', 'SI', 'SE'].sort(),
    );
  });

  it('offers relay point and store pickup in France only, home delivery everywhere it serves', async () => {
    expect(await ratesTo(t, 'FR')).toEqual({ home: '490 EUR', relay: '390 EUR', store: '0 EUR' });
    expect(await ratesTo(t, 'DE')).toEqual({ home: '890 EUR' });
    expect(await ratesTo(t, 'RE')).toEqual({ home: '1490 EUR' });
    const { body } = await get<{ methods: Method[] }>(t, '/api/store/delivery-methods?country=RE');
    expect(body.methods[0]!.transit).toEqual({ minDays: 5, maxDays: 10, kind: 'working' });
  });

  it('refuses a destination it does not serve (OR-2), naming the field', async () => {
    await expectNotServed(t, 'US');
    await expectNotServed(t, 'CH');
  });

  it('lists card, PayPal, wallet and 3x/4x instalments, captured at order (PA-1, PA-3, PA-4)', async () => {
    const { body } = await get<{ capture: string; methods: { id: string; details: Record<string, unknown> }[] }>(t, '/api/store/payment-methods');
    expect(body.capture).toBe('at_order');
    expect(body.methods.map((m) => m.id)).toEqual(['card', 'paypal', 'wallet', 'instalments']);
    expect(body.methods.find((m) => m.id === 'instalments')!.details).toMatchObject({ plans: [{ count: 3 }, { count: 4 }] });
  });

  it('gives 14 calendar days of withdrawal, not raised', async () => {
    expect((await get(t, '/api/store/withdrawal')).body).toMatchObject({ applied: { days: 14, kind: 'calendar' }, raised: false });
  });

  it('lists the terms versions and knows v2 is in force at the test clock (ID-2)', async () => {
    const { body } = await get<{ versions: { id: string; effectiveAt: string }[]; inForce: string }>(t, '/api/store/terms');
    expect(body.versions.map((v) => [v.id, v.effectiveAt])).toEqual([
      ['v1', '2026-06-30T22:00:00.000Z'],
      ['v2', '2026-11-19T23:00:00.000Z'],
    ]);
    expect(body.inForce).toBe('v2');

    const current = await get<{ id: string; inForce: boolean; text: { fr: string } }>(t, '/api/store/terms/current');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ id: 'v2', inForce: true });
  });

  it('keeps v1 retrievable by id, its hash the SHA-256 of its text (ID-3)', async () => {
    const { status, body } = await get<{ id: string; inForce: boolean; text: { fr: string; en: string }; hash: { fr: string; en: string } }>(t, '/api/store/terms/v1');
    expect(status).toBe(200);
    expect(body.id).toBe('v1');
    expect(body.inForce).toBe(false);
    expect(body.text.fr).toMatch(/rétractation/i);
    for (const lang of ['fr', 'en'] as const) {
      expect(body.hash[lang]).toBe(createHash('sha256').update(body.text[lang], 'utf8').digest('hex'));
    }
  });

  it('answers 404 terms.not_found for an unknown version', async () => {
    const { status, body } = await get(t, '/api/store/terms/v9');
    expect(status).toBe(404);
    expect(body).toMatchObject({ error: { code: 'terms.not_found', field: 'id' } });
  });

  it('pages the catalogue listing', async () => {
    // issue 3 §9: the total only when asked (total=true); hasMore always.
    const all = await get<{ total: number; hasMore: boolean; products: { id: string; price: { currency: string } | null }[] }>(t, '/api/store/products?limit=100&total=true');
    expect(all.body.total).toBe(t.catalogue.products);
    expect(all.body.hasMore).toBe(false);
    expect(all.body.products).toHaveLength(t.catalogue.products);
    const first = await get<{ total: number; products: { id: string }[] }>(t, '/api/store/products?limit=5');
    const second = await get<{ total: number; products: { id: string }[] }>(t, '/api/store/products?limit=5&offset=5&total=true');
    expect(first.body.products.map((p) => p.id)).toEqual(all.body.products.slice(0, 5).map((p) => p.id));
    expect(second.body.products.map((p) => p.id)).toEqual(all.body.products.slice(5, 10).map((p) => p.id));
    expect(second.body.total).toBe(t.catalogue.products);
    const beyond = await get<{ products: unknown[] }>(t, `/api/store/products?offset=${t.catalogue.products}`);
    expect(beyond.body.products).toEqual([]);
  });

  it('refuses a currency it does not sell, naming the field (PR-1)', async () => {
    const { status, body } = await get(t, '/api/store/products?currency=GBP');
    expect(status).toBe(422);
    expect(body).toMatchObject({ error: { code: 'catalogue.currency_not_sold', field: 'currency', rule: 'PR-1' } });
  });

  it('refuses bad paging with 400 naming the field', async () => {
    for (const [query, field] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['offset=-1', 'offset'], ['limit=abc', 'limit']] as const) {
      const { status, body } = await get(t, `/api/store/products?${query}`);
      expect(status, query).toBe(400);
      expect(body, query).toMatchObject({ error: { code: 'request.invalid', field } });
    }
  });
});

describe('PF — perfume, 23 countries, GBP for the United Kingdom, captured at dispatch', () => {
  const t = useTestApp('pf');

  it('names the seller (ID-1) and its mediator (ID-5)', async () => {
    expect((await get(t, '/api/store/shop')).body).toMatchObject({
      name: 'Maison Ambrette',
      languages: ['fr', 'en', 'it'],
      identity: { companyName: 'Ambrette Parfums', legalForm: 'SA', shareCapital: { amount: 125_000_000, currency: 'EUR' }, registry: 'RCS Paris 503 981 274' },
      mediator: { name: 'Médiateur de la Beauté et du Commerce' },
    });
  });

  it('charges GBP in the United Kingdom and EUR elsewhere (PR-1)', async () => {
    expect((await get(t, '/api/store/currencies')).body).toEqual({
      priceLists: [
        { id: 'eur', currency: 'EUR', countries: null },
        { id: 'gbp', currency: 'GBP', countries: ['GB'] },
      ],
      currencyForCountry: null,
    });
    expect((await get(t, '/api/store/currencies?country=GB')).body).toMatchObject({ currencyForCountry: 'GBP' });
    expect((await get(t, '/api/store/currencies?country=DE')).body).toMatchObject({ currencyForCountry: 'EUR' });
  });

  it('delivers to the 23 countries of its rate table', async () => {
    const { body } = await get<{ countries: string[] }>(t, '/api/store/destinations');
    expect(body.countries).toHaveLength(23);
    expect(body.countries).toEqual(expect.arrayContaining(['FR', 'GB', 'DE', 'SE', 'GR']));
  });

  it('prices delivery from the section 15 table, in the destination currency (SH-2)', async () => {
    expect(await ratesTo(t, 'FR')).toEqual({ standard: '547 EUR', express: '1091 EUR' });
    expect(await ratesTo(t, 'DE')).toEqual({ standard: '1070 EUR', express: '1091 EUR' });
    expect(await ratesTo(t, 'HU')).toEqual({ standard: '1249 EUR', express: '1724 EUR' });
    expect(await ratesTo(t, 'SE')).toEqual({ standard: '1492 EUR', express: '1360 EUR' });
    expect(await ratesTo(t, 'GB')).toEqual({ standard: '1095 GBP', express: '959 GBP' });
  });

  it('gives express one working day in France, two elsewhere (SH-3)', async () => {
    const transitOf = async (country: string) =>
      (await get<{ methods: Method[] }>(t, `/api/store/delivery-methods?country=${country}`)).body.methods.find((m) => m.id === 'express')!.transit;
    expect(await transitOf('FR')).toEqual({ minDays: 1, maxDays: 1, kind: 'working' });
    expect(await transitOf('DE')).toEqual({ minDays: 2, maxDays: 2, kind: 'working' });
  });

  it('refuses a destination outside its table (OR-2)', async () => {
    await expectNotServed(t, 'US');
    await expectNotServed(t, 'CH');
  });

  it('authorises at order and captures at dispatch (PA-3)', async () => {
    const { body } = await get<{ capture: string; methods: { id: string }[] }>(t, '/api/store/payment-methods');
    expect(body.capture).toBe('at_dispatch');
    expect(body.methods.map((m) => m.id)).toEqual(['card', 'paypal']);
  });

  it('gives 14 working days of withdrawal, more generous than the law (WD-2)', async () => {
    expect((await get(t, '/api/store/withdrawal')).body).toMatchObject({ declared: { days: 14, kind: 'working' }, applied: { days: 14, kind: 'working' }, raised: false });
  });

  it('lists the catalogue in EUR by default and in GBP on request', async () => {
    const eur = await get<{ products: { price: { amount: number; currency: string } | null }[] }>(t, '/api/store/products');
    const gbp = await get<{ products: { price: { amount: number; currency: string } | null }[] }>(t, '/api/store/products?currency=GBP');
    expect(eur.status).toBe(200);
    expect(gbp.status).toBe(200);
    const eurPrices = eur.body.products.flatMap((p) => (p.price ? [p.price] : []));
    const gbpPrices = gbp.body.products.flatMap((p) => (p.price ? [p.price] : []));
    expect(eurPrices.length).toBeGreaterThan(0);
    expect(gbpPrices.length).toBeGreaterThan(0);
    expect(new Set(eurPrices.map((p) => p.currency))).toEqual(new Set(['EUR']));
    expect(new Set(gbpPrices.map((p) => p.currency))).toEqual(new Set(['GBP']));
  });

  it('refuses an unknown currency with 400 naming the field', async () => {
    for (const currency of ['XYZ', 'USD', 'gbp']) {
      const { status, body } = await get(t, `/api/store/products?currency=${currency}`);
      expect(status, currency).toBe(400);
      expect(body, currency).toMatchObject({ error: { code: 'request.invalid', field: 'currency' } });
    }
  });
});

describe('EL — electronics, France, overseas departments, Europe and Switzerland', () => {
  const t = useTestApp('el');

  it('names the seller (ID-1) and its mediator (ID-5)', async () => {
    expect((await get(t, '/api/store/shop')).body).toMatchObject({
      name: 'Voltaïque',
      identity: { companyName: 'Voltaïque Distribution', legalForm: 'SARL', shareCapital: { amount: 8_000_000, currency: 'EUR' }, registry: 'RCS Bordeaux 791 336 028' },
      mediator: { name: 'Médiation des Équipements Électroniques' },
    });
  });

  it('delivers to France, the overseas departments, the EU and Switzerland', async () => {
    const { body } = await get<{ countries: string[] }>(t, '/api/store/destinations');
    expect(body.countries).toHaveLength(33);
    expect(body.countries).toEqual(expect.arrayContaining(['FR', 'GP', 'MQ', 'GF', 'RE', 'YT', 'CH', 'DE', 'HR']));
  });

  it('offers each method only where it goes, at its rate (SH-1, SH-2)', async () => {
    expect(await ratesTo(t, 'FR')).toEqual({ standard: '690 EUR', express: '1290 EUR', relay: '490 EUR', warehouse: '0 EUR' });
    expect(await ratesTo(t, 'BE')).toEqual({ standard: '1490 EUR', express: '2490 EUR', relay: '890 EUR' });
    expect(await ratesTo(t, 'CH')).toEqual({ standard: '2490 EUR', express: '3490 EUR' });
    expect(await ratesTo(t, 'GP')).toEqual({ standard: '2990 EUR' });
    await expectNotServed(t, 'US');
    await expectNotServed(t, 'GB');
  });

  it('states free shipping from 400 EUR excluding VAT to FR, ES, BE, IT (SH-2)', async () => {
    const { body } = await get<{ freeShipping: unknown[] }>(t, '/api/store/delivery-methods');
    expect(body.freeShipping).toEqual([{ minimum: { EUR: 40_000 }, basis: 'goods_excl_vat', methods: ['standard', 'relay'], countries: ['FR', 'ES', 'BE', 'IT'] }]);
  });

  it('lists card, PayPal, bank transfer within 6 days and deferred B2B, captured at order', async () => {
    const { body } = await get<{ capture: string; methods: { id: string; details: Record<string, unknown> }[] }>(t, '/api/store/payment-methods');
    expect(body.capture).toBe('at_order');
    expect(body.methods.map((m) => m.id)).toEqual(['card', 'paypal', 'bankTransfer', 'deferredB2B']);
    // PA-5: the account the customer pays into is public, shown before ordering.
    expect(body.methods.find((m) => m.id === 'bankTransfer')!.details).toEqual({
      payWithinDays: { days: 6, kind: 'calendar' },
      account: { holder: 'Voltaïque Distribution SARL', iban: 'FR7612345000010001234567887', bic: 'VOLTFRPPXXX' },
    });
  });

  it('gives the legal 14 days of withdrawal (the 30-day money-back guarantee is separate)', async () => {
    expect((await get(t, '/api/store/withdrawal')).body).toMatchObject({ applied: { days: 14, kind: 'calendar' }, raised: false });
  });
});

describe('FR — fashion, metropolitan France only, 30 days abroad kept as a parameter', () => {
  const t = useTestApp('fr');

  it('names the seller (ID-1) and its mediator (ID-5)', async () => {
    expect((await get(t, '/api/store/shop')).body).toMatchObject({
      name: 'Rue Colbert',
      identity: { companyName: 'Rue Colbert Création', registry: 'RCS Bobigny 538 204 917', customerService: { languages: ['fr'] } },
      mediator: { name: 'Médiation Textile et Habillement' },
    });
  });

  it('delivers to metropolitan France only, by Colissimo', async () => {
    expect((await get(t, '/api/store/destinations')).body).toMatchObject({ worldwide: false, countries: ['FR'], france: 'metropolitan' });
    expect(await ratesTo(t, 'FR')).toEqual({ colissimo: '590 EUR' });
    await expectNotServed(t, 'BE');
    await expectNotServed(t, 'RE');
  });

  it('takes card and PayPal at order', async () => {
    const { body } = await get<{ capture: string; methods: { id: string; details: Record<string, unknown> }[] }>(t, '/api/store/payment-methods');
    expect(body.capture).toBe('at_order');
    expect(body.methods.map((m) => m.id)).toEqual(['card', 'paypal']);
    expect(body.methods[0]!.details).toMatchObject({ issuedInCountries: ['FR'] });
  });

  it('gives 14 days in France and 30 days for a destination abroad (WD-2)', async () => {
    expect((await get(t, '/api/store/withdrawal')).body).toMatchObject({ applied: { days: 14, kind: 'calendar' } });
    expect((await get(t, '/api/store/withdrawal?country=FR')).body).toMatchObject({ applied: { days: 14, kind: 'calendar' } });
    expect((await get(t, '/api/store/withdrawal?country=BE')).body).toMatchObject({ declared: { days: 30, kind: 'calendar' }, applied: { days: 30, kind: 'calendar' }, raised: false });
  });

  it('refuses a country code that is not one, naming the field', async () => {
    const { status, body } = await get(t, '/api/store/withdrawal?country=XX');
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'request.invalid', field: 'country' } });
  });
});
