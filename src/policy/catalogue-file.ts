// The demo catalogue of a shop, `shops/<id>/catalogue.yaml` (CAT-1…CAT-6,
// PR-1, PR-3): locations with their opening hours, categories, products with
// their flags, variants with SKU, prices per currency and stock per location.
// Amounts are written as decimals and read exactly into integer minor units
// (PR-9, through parseAmount); every error names the file, the path inside it
// and the problem.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { isCurrency, parseAmount, type Currency, type Money } from '../domain/money.js';
import { isTimeZone } from './schema.js';
import { formatPath, yamlErrorText } from './yaml-file.js';

export type Localised = { fr: string; en: string };
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const weekdays: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Local wall-clock intervals per weekday ("10:00"–"19:30"), in the location's time zone. */
export type OpeningHours = {
  timeZone: string;
  week: Record<Weekday, { opens: string; closes: string }[]>;
};

export type Address = { line1: string; line2?: string; postcode: string; city: string; country: string };

export type CatalogueLocation = {
  code: string;
  kind: 'warehouse' | 'store';
  name: string;
  address: Address;
  openingHours: OpeningHours | null;
};

export type CatalogueCategory = { slug: string; name: Localised };

/** CAT-4 / CAT-5: the product flags later rules read. */
export type ProductFlags = {
  hygieneSealed: boolean;
  personalised: boolean;
  extraLeadWorkingDays: number;
  secondHand: boolean;
  outlet: boolean;
  perishable: boolean;
};

export type CatalogueVariant = {
  sku: string;
  options: Record<string, string>;
  /** One price per currency of the file, in its order (PR-1). */
  prices: Money[];
  /** Quantity per location code; every location of the file is present (0 when not listed). */
  stock: Record<string, number>;
  /** CAT-2: ISO calendar date, or null. */
  expectedArrival: string | null;
  backorderAllowed: boolean;
};

export type CatalogueProduct = {
  slug: string;
  category: string;
  name: Localised;
  description: Localised;
  composition: Localised | null;
  /** File names under `<shop>/images/`. */
  images: string[];
  flags: ProductFlags;
  /** PR-3: WEEE eco-fee per unit, in minor units of the file's first currency. */
  ecoFeeMinor: number;
  variants: CatalogueVariant[];
};

export type CatalogueFile = {
  /** The first one is the shop's base currency (eco-fees are in it). */
  currencies: Currency[];
  locations: CatalogueLocation[];
  categories: CatalogueCategory[];
  products: CatalogueProduct[];
};

export type CatalogueIssue = { path: string; message: string };

export class CatalogueLoadError extends Error {
  readonly code = 'catalogue.invalid';
  readonly file: string;
  readonly issues: readonly CatalogueIssue[];

  constructor(file: string, issues: readonly CatalogueIssue[]) {
    const lines = issues.map((i) => `  ${i.path ? `${i.path}: ` : ''}${i.message}`);
    super(`Catalogue file ${file} is invalid:\n${lines.join('\n')}`);
    this.name = 'CatalogueLoadError';
    this.file = file;
    this.issues = issues;
  }
}

// ---------------------------------------------------------------------------
// Raw shape of the YAML file

const text = z.string().trim().min(1, 'must not be empty');
const localised = z.strictObject({ fr: text, en: text });
const slug = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case letters, digits and single hyphens');
const decimal = z.union([z.string(), z.number()], { error: 'must be a decimal amount such as "12.90"' });

const isoDate = z
  .string({ error: 'must be an ISO date YYYY-MM-DD (quote it if your YAML tool turns it into a timestamp)' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be an ISO date YYYY-MM-DD')
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
  }, 'is not a calendar date');

const timeZone = z.string().refine(isTimeZone, 'is not an IANA time zone such as Europe/Paris');

const hhmm = '(?:[01]\\d|2[0-3]):[0-5]\\d';
const interval = z
  .string()
  .regex(new RegExp(`^${hhmm}-(?:${hhmm}|24:00)$`), 'must be an interval "HH:MM-HH:MM"')
  .transform((v) => {
    const [opens = '', closes = ''] = v.split('-');
    return { opens, closes };
  })
  .refine((i) => i.opens < i.closes, 'must open before it closes');

const dayHours = z.array(interval).superRefine((intervals, ctx) => {
  for (let i = 1; i < intervals.length; i += 1) {
    if (intervals[i]!.opens < intervals[i - 1]!.closes) {
      ctx.addIssue({ code: 'custom', message: 'intervals must be in order and must not overlap', path: [i] });
    }
  }
});

const openingHoursSchema = z
  .strictObject({
    time_zone: timeZone,
    week: z.strictObject({ mon: dayHours, tue: dayHours, wed: dayHours, thu: dayHours, fri: dayHours, sat: dayHours, sun: dayHours }),
  })
  .transform((o): OpeningHours => ({ timeZone: o.time_zone, week: o.week }));

const addressSchema = z.strictObject({
  line1: text,
  line2: text.optional(),
  postcode: text,
  city: text,
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 country code such as FR'),
});

const locationSchema = z
  .strictObject({
    code: slug,
    kind: z.enum(['warehouse', 'store']),
    name: text,
    address: addressSchema,
    opening_hours: openingHoursSchema.optional(),
  })
  .superRefine((l, ctx) => {
    // ST-1: a store's opening hours drive reservation holds (FA: 48 hours within opening hours).
    if (l.kind === 'store' && !l.opening_hours) {
      ctx.addIssue({ code: 'custom', message: 'a store needs its opening hours (ST-1)', path: ['opening_hours'] });
    }
  });

const flagsSchema = z.strictObject({
  hygiene_sealed: z.boolean().default(false),
  personalised: z.boolean().default(false),
  // CAT-5: a whole number of working days before dispatch.
  extra_lead_working_days: z.number().int('must be a whole number of working days').min(0, 'must be 0 or more').default(0),
  second_hand: z.boolean().default(false),
  outlet: z.boolean().default(false),
  perishable: z.boolean().default(false),
});

const variantSchema = z
  .strictObject({
    sku: z.string().regex(/^[A-Z0-9]+(?:[-_.][A-Z0-9]+)*$/, 'must be upper-case letters, digits and - _ . separators'),
    options: z.record(z.string().min(1), z.union([text, z.number()]).transform(String)).default({}),
    prices: z.record(z.string(), decimal),
    stock: z.record(z.string(), z.number().int('must be a whole number').min(0, 'must be 0 or more')).default({}),
    expected_arrival: isoDate.optional(),
    backorder_allowed: z.boolean().default(false),
  })
  .superRefine((v, ctx) => {
    // CAT-2: a back-order ships on arrival, so it needs an expected arrival date.
    if (v.backorder_allowed && !v.expected_arrival) {
      ctx.addIssue({ code: 'custom', message: 'a back-orderable variant needs an expected_arrival date (CAT-2)', path: ['backorder_allowed'] });
    }
  });

const productSchema = z.strictObject({
  slug,
  category: slug,
  name: localised,
  description: localised,
  composition: localised.optional(),
  images: z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]*\.(?:svg|png|jpe?g|webp)$/, 'must be a file name under images/ (svg, png, jpg, webp)')).min(1, 'needs at least one image'),
  flags: flagsSchema.default({ hygiene_sealed: false, personalised: false, extra_lead_working_days: 0, second_hand: false, outlet: false, perishable: false }),
  // PR-3: WEEE eco-fee per unit.
  eco_fee: decimal.optional(),
  variants: z.array(variantSchema).min(1, 'needs at least one variant'),
});

const rawCatalogueSchema = z.strictObject({
  currencies: z.array(z.string()).min(1, 'needs at least one currency'),
  locations: z.array(locationSchema).min(1, 'needs at least the warehouse'),
  categories: z.array(z.strictObject({ slug, name: localised })).default([]),
  products: z.array(productSchema).min(1, 'needs at least one product'),
});

type RawCatalogue = z.output<typeof rawCatalogueSchema>;
type IssuePath = (string | number)[];

function amountProblem(error: unknown, currency: Currency): string {
  if (error instanceof DomainError) {
    if (error.code === 'money.too_many_decimals') return `has more decimals than ${currency} allows`;
    if (error.code === 'money.negative_not_allowed') return 'must not be negative';
    return `is not a decimal amount in ${currency} (write it like "12.90")`;
  }
  throw error;
}

/** Cross-references and conversions that need the whole file. */
function buildCatalogue(raw: RawCatalogue, addIssue: (path: IssuePath, message: string) => void): CatalogueFile {
  const currencies: Currency[] = [];
  raw.currencies.forEach((c, i) => {
    if (!isCurrency(c)) addIssue(['currencies', i], `${c} is not a currency the engine sells in`);
    else if (currencies.includes(c)) addIssue(['currencies', i], `${c} is listed twice`);
    else currencies.push(c);
  });
  const baseCurrency = currencies[0] ?? 'EUR';

  const locationCodes = new Set<string>();
  raw.locations.forEach((l, i) => {
    if (locationCodes.has(l.code)) addIssue(['locations', i, 'code'], `location code ${l.code} is used twice`);
    locationCodes.add(l.code);
  });
  // CAT-6: online orders draw from the warehouse.
  const warehouses = raw.locations.filter((l) => l.kind === 'warehouse').length;
  if (warehouses !== 1) addIssue(['locations'], `needs exactly one location of kind warehouse (found ${warehouses})`);

  const categorySlugs = new Set<string>();
  raw.categories.forEach((c, i) => {
    if (categorySlugs.has(c.slug)) addIssue(['categories', i, 'slug'], `category ${c.slug} is listed twice`);
    categorySlugs.add(c.slug);
  });

  const productSlugs = new Set<string>();
  const skus = new Set<string>();
  const products = raw.products.map((p, pi): CatalogueProduct => {
    const at = (...rest: IssuePath): IssuePath => ['products', pi, ...rest];
    if (productSlugs.has(p.slug)) addIssue(at('slug'), `product ${p.slug} is listed twice`);
    productSlugs.add(p.slug);
    if (!categorySlugs.has(p.category)) addIssue(at('category'), `unknown category ${p.category} (not in categories)`);

    let ecoFeeMinor = 0;
    if (p.eco_fee !== undefined) {
      try {
        ecoFeeMinor = parseAmount(p.eco_fee, baseCurrency).amount;
      } catch (error) {
        addIssue(at('eco_fee'), amountProblem(error, baseCurrency));
      }
    }

    const optionKeys = Object.keys(p.variants[0]?.options ?? {}).sort().join(',');
    const optionSets = new Set<string>();
    const variants = p.variants.map((v, vi): CatalogueVariant => {
      const vat = (...rest: IssuePath): IssuePath => at('variants', vi, ...rest);
      if (skus.has(v.sku)) addIssue(vat('sku'), `SKU ${v.sku} is used twice`);
      skus.add(v.sku);
      if (Object.keys(v.options).sort().join(',') !== optionKeys) {
        addIssue(vat('options'), `every variant of a product needs the same options (${optionKeys || 'none'})`);
      }
      const optionSet = JSON.stringify(Object.entries(v.options).sort(([a], [b]) => a.localeCompare(b)));
      if (optionSets.has(optionSet)) addIssue(vat('options'), 'another variant of this product has the same options');
      optionSets.add(optionSet);

      const prices: Money[] = [];
      for (const [currency, amount] of Object.entries(v.prices)) {
        if (!isCurrency(currency) || !currencies.includes(currency)) {
          addIssue(vat('prices', currency), `${currency} is not one of the file's currencies (${currencies.join(', ')})`);
          continue;
        }
        try {
          prices.push(parseAmount(amount, currency));
        } catch (error) {
          addIssue(vat('prices', currency), amountProblem(error, currency));
        }
      }
      // PR-1: every variant is priced in every currency the shop sells in (PF: EUR and GBP).
      for (const currency of currencies) {
        if (!(currency in v.prices)) addIssue(vat('prices'), `no price in ${currency}`);
      }
      prices.sort((a, b) => currencies.indexOf(a.currency) - currencies.indexOf(b.currency));

      const stock: Record<string, number> = {};
      for (const l of raw.locations) stock[l.code] = 0;
      for (const [code, quantity] of Object.entries(v.stock)) {
        if (!locationCodes.has(code)) addIssue(vat('stock', code), `unknown location ${code} (not in locations)`);
        else stock[code] = quantity;
      }

      return {
        sku: v.sku,
        options: v.options,
        prices,
        stock,
        expectedArrival: v.expected_arrival ?? null,
        backorderAllowed: v.backorder_allowed,
      };
    });

    return {
      slug: p.slug,
      category: p.category,
      name: p.name,
      description: p.description,
      composition: p.composition ?? null,
      images: p.images,
      flags: {
        hygieneSealed: p.flags.hygiene_sealed,
        personalised: p.flags.personalised,
        extraLeadWorkingDays: p.flags.extra_lead_working_days,
        secondHand: p.flags.second_hand,
        outlet: p.flags.outlet,
        perishable: p.flags.perishable,
      },
      ecoFeeMinor,
      variants,
    };
  });

  return {
    currencies,
    locations: raw.locations.map((l) => ({
      code: l.code,
      kind: l.kind,
      name: l.name,
      address: l.address,
      openingHours: l.opening_hours ?? null,
    })),
    categories: raw.categories,
    products,
  };
}

/** The schema of catalogue.yaml: raw YAML value in, CatalogueFile (minor units) out. */
export const catalogueFileSchema = rawCatalogueSchema.transform((raw, ctx): CatalogueFile =>
  buildCatalogue(raw, (issuePath, message) => ctx.addIssue({ code: 'custom', message, path: issuePath })),
);

/** Reads, parses and validates a catalogue file; also checks that its images exist under `images/`. */
export async function loadCatalogueFile(file: string): Promise<CatalogueFile> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    throw new CatalogueLoadError(file, [{ path: '', message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` }]);
  }

  const doc = parseDocument(source, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new CatalogueLoadError(
      file,
      doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
        message: `YAML syntax error: ${yamlErrorText(e)}`,
      })),
    );
  }

  const parsed = catalogueFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new CatalogueLoadError(
      file,
      parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  }

  const imagesDir = path.join(path.dirname(file), 'images');
  const missing: CatalogueIssue[] = [];
  await Promise.all(
    parsed.data.products.flatMap((p, pi) =>
      p.images.map(async (image, ii) => {
        try {
          await access(path.join(imagesDir, image));
        } catch {
          missing.push({ path: formatPath(['products', pi, 'images', ii]), message: `image file images/${image} not found` });
        }
      }),
    ),
  );
  if (missing.length > 0) {
    missing.sort((a, b) => a.path.localeCompare(b.path));
    throw new CatalogueLoadError(file, missing);
  }
  return parsed.data;
}
