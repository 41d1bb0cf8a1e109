// The shop policy: the machine form of a shop's terms of sale (design.md, "the
// idea"; spec/terms-catalogue.md sections 14 and 15). Every number the engine
// applies to a shop is read from here, so every rule-bearing field says which
// rule of the catalogue it drives (`.describe('WD-2: …')`).
//
// Conventions, for policy authors and for the code that reads a Policy:
// - Objects are strict: an unknown key is an error (a typo must not be ignored).
// - Money is written as a decimal in the YAML (`5.47`, or `"15.00 EUR"` when the
//   currency is not implied by the key) and is ALWAYS integer minor units in the
//   parsed Policy (`547`). Multi-currency values are currency maps
//   (`{ EUR: 12.46, GBP: 10.95 }` → `{ EUR: 1246, GBP: 1095 }`).
// - Percentages are numbers with at most 2 decimals (`20`, `5.5`);
//   `percentToBasisPoints` turns one into an exact integer.
// - Durations say which days count: `calendar`, `working` (Monday–Friday without
//   public holidays, French "jours ouvrés") or `working_and_saturdays` (French
//   "jours ouvrables": every day but Sundays and public holidays).
// - Countries are ISO 3166-1 alpha-2 codes (`GB`, never `UK`).
// - What the law fixes whatever the shop says (14-day withdrawal, 14-day refund,
//   30-day delivery, the order-button wording…) is NOT corrected here: the
//   linter reports it and src/domain/legal-floor.ts applies the floor at run time.
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { currencyDigits, isCurrency, parseAmount, type Currency, type Money } from '../domain/money.js';
import { isValidBic, isValidIban } from '../domain/payments/bank-transfer.js';

// ---------------------------------------------------------------------------
// Scalars

/** The currencies a policy may use (the ones src/domain/money.ts knows). */
export const CURRENCIES = ['EUR', 'GBP'] as const satisfies readonly Currency[];
export const currencySchema = z.enum(CURRENCIES).describe('ISO 4217 currency code');
export type { Currency, Money };

/**
 * Exact decimal → integer minor units through src/domain/money.ts (PR-9):
 * "10.70" or 10.7 → 1070; more decimals than the currency has, a sign or an
 * exponent are refused instead of rounded — a policy amount is a fact.
 */
function decimalToMinorUnits(input: string | number, currency: Currency): number | undefined {
  try {
    return parseAmount(input, currency).amount;
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
}

/** An amount of the given currency, written as a decimal (`10.70`), parsed to minor units (`1070`). */
export function amountIn(currency: Currency) {
  return z.union([z.number(), z.string()]).transform((input, ctx) => {
    const minor = decimalToMinorUnits(input, currency);
    if (minor === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `expected an amount in ${currency} with at most ${currencyDigits(currency)} decimals, such as 10.70`,
      });
      return z.NEVER;
    }
    return minor;
  });
}

/** A single-currency amount written as `"15.00 EUR"`, parsed to `{ amount: 1500, currency: 'EUR' }`. */
export const moneySchema = z.string().transform((text, ctx): Money => {
  const match = /^\s*(\S+)\s+([A-Z]{3})\s*$/.exec(text);
  const currency = match && isCurrency(match[2]) ? match[2] : undefined;
  const amount = match && currency ? decimalToMinorUnits(match[1]!, currency) : undefined;
  if (!currency || amount === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected an amount and a currency such as "15.00 EUR" (currencies: ${CURRENCIES.join(', ')})` });
    return z.NEVER;
  }
  return { amount, currency };
});

/** The same amount in each currency the shop may charge it in: `{ EUR: 175, GBP: 150 }` → minor units per currency. */
export const amountByCurrencySchema = z
  .strictObject({ EUR: amountIn('EUR').optional(), GBP: amountIn('GBP').optional() })
  .refine((m) => Object.keys(m).length > 0, 'give the amount in at least one currency, e.g. { EUR: 5.47 }');
export type AmountByCurrency = z.infer<typeof amountByCurrencySchema>;

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const NOT_COUNTRIES = new Set(['UK', 'EU', 'EZ', 'UN', 'ZZ', 'QO']);
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && !NOT_COUNTRIES.has(code) && regionNames.of(code) !== code;
}
export const countrySchema = z
  .string()
  .refine(isCountryCode, {
    error: (iss) => (iss.input === 'UK' ? 'use the ISO code GB for the United Kingdom' : 'expected an ISO 3166-1 country code such as FR or GB'),
  });
export type Country = z.infer<typeof countrySchema>;

const countryListSchema = z
  .array(countrySchema)
  .min(1)
  .refine((list) => new Set(list).size === list.length, 'a country is listed twice');

/** A percentage with at most 2 decimals (`20`, `5.5`). */
export const percentSchema = z
  .number()
  .min(0)
  .max(100)
  .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, 'a percentage has at most 2 decimals, e.g. 5.5');

/** Exact integer basis points for a policy percentage (5.5 → 550). */
export function percentToBasisPoints(percent: number): number {
  return Math.round(percent * 100);
}

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const languageSchema = z.enum(['fr', 'en', 'it', 'de', 'es']).describe('ISO 639-1 language code');
const localisedText = z
  .strictObject({ fr: z.string().min(1), en: z.string().min(1) })
  .describe('The same text in French (reference language, ID-2) and English');
const urlSchema = z.url({ protocol: /^https?$/ });

export const DAY_KINDS = ['calendar', 'working', 'working_and_saturdays'] as const;
export const dayKindSchema = z
  .enum(DAY_KINDS)
  .describe('Which days count: calendar; working = Mon–Fri without public holidays; working_and_saturdays = all but Sundays and public holidays');
export type DayKind = z.infer<typeof dayKindSchema>;

/** A number of days and which days count: `{ days: 14, kind: calendar }`. */
export const periodSchema = z.strictObject({ days: positiveInt, kind: dayKindSchema });
export type Period = z.infer<typeof periodSchema>;

/** A period in days, or in calendar months for the windows the seeds state as "one month". */
export const durationSchema = z.union([periodSchema, z.strictObject({ months: positiveInt })], {
  error: 'expected a duration such as { days: 14, kind: calendar } or { months: 1 }',
});
export type Duration = z.infer<typeof durationSchema>;

const dayRange = z
  .strictObject({ minDays: nonNegativeInt, maxDays: nonNegativeInt })
  .refine((r) => r.minDays <= r.maxDays, 'minDays is greater than maxDays');

const addressSchema = z.strictObject({
  line1: z.string().min(1),
  line2: z.string().min(1).optional(),
  postalCode: z.string().min(1),
  city: z.string().min(1),
  country: countrySchema,
});
export type PolicyAddress = z.infer<typeof addressSchema>;

export const CUSTOMER_KINDS = ['consumer', 'professional', 'programme_reseller'] as const;
export const customerKindSchema = z
  .enum(CUSTOMER_KINDS)
  .describe('CU-3: consumer; professional; programme_reseller = a professional in the shop\'s reseller loyalty programme');
export type CustomerKind = z.infer<typeof customerKindSchema>;

// ---------------------------------------------------------------------------
// Shop, identity, mediator

/** An IANA time zone name the runtime knows (Europe/Paris). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const shopSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'a shop id is lower-case letters, digits and dashes (the folder name)'),
  timeZone: z
    .string()
    .refine(isTimeZone, 'expected an IANA time zone such as Europe/Paris')
    .describe('WD-1: deadlines end at the end of the day in this time zone'),
  dispatchCountry: countrySchema.describe('SH-3/WD-3: whose public holidays count for preparation and transit; "abroad" means any other country (WD-2)'),
  languages: z.array(languageSchema).min(1).describe('ID-2/CS-1: storefront and terms languages; fr is the reference'),
});

const identitySchema = z
  .strictObject({
    tradingName: z.string().min(1).describe('The shop\'s name on the storefront and in emails'),
    companyName: z.string().min(1),
    legalForm: z.string().min(1).describe('e.g. SAS, SARL, EI'),
    shareCapital: moneySchema.optional().describe('Absent for a sole trader (EI)'),
    registry: z
      .strictObject({ kind: z.enum(['RCS', 'RM']), city: z.string().min(1), number: z.string().regex(/^\d{3} \d{3} \d{3}$/, 'expected a SIREN such as 123 456 789') })
      .describe('Trade registry: RCS <city> <number>'),
    siret: z.string().regex(/^\d{3} \d{3} \d{3} \d{5}$/, 'expected a SIRET such as 123 456 789 00012').optional(),
    vatNumber: z
      .string()
      .regex(/^[A-Z]{2}[0-9A-Z ]{2,14}$/, 'expected an intra-EU VAT number such as FR 12 345678901')
      .optional()
      .describe('Absent when the shop is not subject to VAT (PR-1)'),
    headOffice: addressSchema,
    customerService: z.strictObject({
      email: z.email(),
      phone: z.string().regex(/^\+[0-9 ]{6,20}$/, 'expected an international phone number such as +33 1 23 45 67 89'),
      hours: z
        .array(
          z.strictObject({
            days: z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).min(1),
            from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM'),
            to: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM'),
          }),
        )
        .min(1)
        .describe('CS-1: opening hours of customer service, shop time zone'),
      languages: z.array(languageSchema).min(1).describe('CS-1: languages customer service answers in (PF: French and English only)'),
    }),
    returnAddress: addressSchema.optional().describe('WD-5: where returned goods go; the head office when absent'),
  })
  .describe('ID-1: legal identity shown on every legal document, invoice and email');

const mediatorSchema = z
  .strictObject({ name: z.string().min(1), website: urlSchema, address: addressSchema })
  .describe('ID-5: the consumer mediator named on the site, in the terms and on order forms');

// ---------------------------------------------------------------------------
// Prices and taxes

const vatRatesSchema = z.strictObject({
  default: percentSchema.describe('PR-2: VAT rate (%) included in prices for destinations without their own rate'),
  byCountry: z.record(countrySchema, percentSchema).default({}).describe('PR-2: VAT rate (%) per destination country'),
});

const outsideEuSchema = z
  .strictObject({
    vatCharged: z.boolean().describe('PR-2: false = prices shown and charged without French VAT outside the EU'),
    importChargesPaidBy: z.literal('customer').describe('PR-2: duties, import fees and local VAT are the customer\'s (JW, EL for CH)'),
    countries: countryListSchema.optional().describe('PR-2: destinations this applies to; every destination outside the EU when absent'),
  })
  .describe('PR-2: shipments leaving the EU customs territory');

const vatSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('included').describe('PR-1: prices include VAT'),
    rates: vatRatesSchema,
    outsideEu: outsideEuSchema.optional(),
  }),
  z.strictObject({
    mode: z.literal('not_subject').describe('PR-1: the seller is not subject to VAT (French franchise en base)'),
    franchiseMention: localisedText.describe('PR-1: mention printed on every invoice, e.g. « TVA non applicable, art. 293 B du CGI »'),
    outsideEu: outsideEuSchema.optional(),
  }),
]);

const priceListSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  currency: currencySchema,
  countries: countryListSchema.optional().describe('PR-1: destinations priced from this list; the one list without countries is the default'),
});

const pricingSchema = z.strictObject({
  vat: vatSchema,
  priceLists: z.array(priceListSchema).min(1).describe('PR-1: one price list per currency (PF: EUR, and GBP for GB)'),
  extraFees: z
    .strictObject({ weeeEcoFee: z.boolean().describe('PR-3: per-unit WEEE eco-fee (éco-participation) added and shown separately; amounts per product in the catalogue') })
    .default({ weeeEcoFee: false }),
  priceErrors: z
    .enum(['not_stated', 'customer_chooses_correct_price_or_cancel'])
    .describe('PR-5: an obvious price error lets the merchant contact the customer, who pays the correct price or cancels (PF)'),
  gifts: z
    .strictObject({
      chosenInCart: z.boolean().describe('PR-8: free samples / gifts chosen by the customer in the cart (PF)'),
      attachedByPromotion: z.boolean().describe('PR-8: gifts attached to a purchase by a promotion (FA)'),
      missingGiftCancelsOrder: z.literal(false).describe('PR-8: a missing gift never cancels an order'),
    })
    .describe('PR-8'),
});

// ---------------------------------------------------------------------------
// Customers, destinations, addresses, cart, catalogue

const customersSchema = z.strictObject({
  account: z.enum(['required', 'guest_allowed']).describe('CU-1: account required (FA, FR, EL, JW) or guest checkout allowed (PF)'),
  age: z
    .strictObject({
      minimum: positiveInt.nullable().describe('CU-2: minimum age declared at checkout; null = no declaration asked'),
      byCountry: z.record(countrySchema, positiveInt).default({}).describe('CU-2: per-country override by delivery country (PF: IT 18)'),
      minorsWithGuardianConsent: z.boolean().describe('CU-2: a minor may order with the prior consent of a legal guardian, declared at checkout (FR)'),
    })
    .describe('CU-2'),
  kinds: z
    .strictObject({
      accepted: z.array(customerKindSchema).min(1).describe('CU-3: customer kinds that may order'),
      retailOnly: z.boolean().describe('CU-3: orders that are not retail (resale outside the network) are refused (PF, FA)'),
      resellerProgramme: z
        .strictObject({ name: z.string().min(1) })
        .optional()
        .describe('CU-3: the reseller loyalty programme whose members have their own thresholds (EL)'),
    })
    .describe('CU-3'),
  blocking: z
    .strictObject({
      unpaidEarlierOrder: z.boolean(),
      openPaymentDispute: z.boolean(),
      riskFlag: z.boolean(),
    })
    .describe('CU-4: reasons the shop may refuse or cancel an order (merchant sees the reason, customer a neutral message)'),
});

const destinationsSchema = z
  .strictObject({
    worldwide: z.boolean().describe('OR-2: every country may be a destination (JW), minus exceptCountries'),
    countries: countryListSchema.optional().describe('OR-2: the allowed destination countries when not worldwide'),
    exceptCountries: z.array(countrySchema).default([]).describe('OR-2: countries refused even when worldwide'),
    france: z
      .enum(['metropolitan', 'all'])
      .default('all')
      .describe('OR-2: metropolitan = mainland France and Corsica only (postcodes 97xxx/98xxx refused); overseas territories with their own ISO code (RE, GP…) are listed as countries'),
  })
  .refine((d) => d.worldwide !== (d.countries !== undefined), {
    message: 'give either worldwide: true or a list of countries, not both',
  });

const addressRulesSchema = z
  .strictObject({
    refusePoBox: z.boolean().describe('OR-2: post-office box addresses refused (JW)'),
    refuseCedex: z.boolean().describe('OR-2: CEDEX addresses refused (JW)'),
    deliveryAddressFrozenAtValidation: z.literal(true).describe('OR-2/OR-4: the delivery address cannot change once the order is validated (FR states it; true for all)'),
  })
  .describe('OR-2');

const cartSchema = z.strictObject({
  maxQuantityPerReference: positiveInt.nullable().describe('CAT-3: most units of one reference per order (PF: 3); null = no limit'),
  retention: durationSchema.describe('CA-2: how long a cart is kept and found again'),
});

const catalogueRulesSchema = z.strictObject({
  backOrders: z.boolean().describe('CAT-2: items awaiting stock may be back-ordered and prepaid (binding, shipped on arrival) (EL)'),
  backInStockAlerts: z.boolean().describe('CAT-2: customers may join a back-in-stock alert list (EL)'),
  personalisationLeadTime: z
    .strictObject({ minDays: positiveInt, maxDays: positiveInt, kind: dayKindSchema })
    .refine((r) => r.minDays <= r.maxDays, 'minDays is greater than maxDays')
    .optional()
    .describe('CAT-5: extra lead time before dispatch for personalised items (PF engraving: 10–15 working days)'),
});

const checkoutSchema = z.strictObject({
  finalButtonLabel: localisedText.describe('OR-1b: the final order button; must say that ordering means paying (linted; the engine falls back to the legal wording)'),
  ordersByPhoneOrEmail: z.boolean().describe('OR-8: customer service may create orders taken by phone/email, validated when the customer accepts and pays (JW)'),
  confirmationEmailWithinMinutes: positiveInt.describe('OR-5: the confirmation email leaves within this delay (FR: within the hour)'),
});

// ---------------------------------------------------------------------------
// Payment

const cardSchema = z
  .strictObject({
    networks: z.array(z.enum(['cb', 'visa', 'mastercard', 'amex'])).min(1).describe('PA-1: accepted card networks (Amex: PF, FR)'),
    threeDSecure: z.enum(['required', 'when_issuer_requests']).describe('PA-2: required = a failed or refused challenge cancels the payment (FA)'),
    issuedInCountries: countryListSchema.optional().describe('PA-1: only cards issued in these countries (FR: France); any country when absent'),
  })
  .describe('PA-1/PA-2: bank card through the payment provider\'s hosted page');

const instalmentPlanSchema = z
  .strictObject({
    count: z.union([z.literal(3), z.literal(4)]).describe('PA-4: number of payments'),
    basket: z
      .strictObject({ min: moneySchema, max: moneySchema })
      .describe('PA-4: basket total range, both bounds inclusive (FA 3x: 150.00–2000.00 EUR)'),
  })
  .superRefine((plan, ctx) => {
    if (plan.basket.min.currency !== plan.basket.max.currency) ctx.addIssue({ code: 'custom', path: ['basket'], message: 'min and max must be in the same currency' });
    else if (plan.basket.min.amount > plan.basket.max.amount) ctx.addIssue({ code: 'custom', path: ['basket'], message: 'min is greater than max' });
  });

const instalmentsSchema = z
  .strictObject({
    partner: z.string().min(1).describe('PA-4: the financing partner (may refuse; 14-day withdrawal from the credit)'),
    plans: z.array(instalmentPlanSchema).min(1),
    residency: countryListSchema.describe('PA-4: customers must reside in these countries (FA: France)'),
    customerKinds: z.array(customerKindSchema).min(1).describe('PA-4: FA: consumers'),
    firstPayment: z.literal('at_shipment_confirmation').describe('PA-4: the first share is taken when shipment is confirmed'),
    schedule: z
      .literal('same_day_of_following_months')
      .describe('PA-4 (catalogue §15): later shares on the same day of each following month as the first payment'),
    feesForCustomer: z.literal('none').describe('PA-4: no fees'),
  })
  .describe('PA-4: split payment through a financing partner');

const bankAccountSchema = z
  .strictObject({
    holder: z.string().min(1).describe('PA-5: account holder shown to the customer'),
    iban: z
      .string()
      .transform((v) => v.replace(/\s/g, '').toUpperCase())
      .refine(isValidIban, 'expected an IBAN whose checksum is valid (ISO 13616), such as FR76 1234 5000 0100 0123 4567 887'),
    bic: z.string().refine(isValidBic, 'expected a BIC of 8 or 11 characters, such as ELECFRPPXXX'),
  })
  .describe('PA-5: the account the customer transfers the money to');

const paymentSchema = z.strictObject({
  capture: z
    .enum(['at_order', 'at_dispatch'])
    .describe('PA-3: at_order = taken when the order is placed (FA, FR, JW, EL); at_dispatch = authorised at order, captured for the shipped items only (PF)'),
  shipOnlyWhenPaid: z.boolean().describe('PA-3/PA-7: nothing ships before the money is received (JW, EL)'),
  methods: z
    .strictObject({
      card: cardSchema.optional(),
      paypal: z.strictObject({}).optional().describe('PA-1: PayPal (FA, PF, FR, EL)'),
      wallet: z.strictObject({ name: z.string().min(1) }).optional().describe('PA-1: another e-money wallet (FA)'),
      bankTransfer: z
        .strictObject({
          payWithinDays: periodSchema.describe('PA-5: without the money after this period the order is cancelled and its stock released (EL: 6 days)'),
          account: bankAccountSchema,
        })
        .optional(),
      instalments: instalmentsSchema.optional(),
      deferredB2B: z
        .strictObject({
          customerKinds: z.array(customerKindSchema).min(1).describe('PA-1/CU-3: who may be authorised (EL: professionals, after approval by the credit insurer)'),
          paymentTerm: periodSchema
            .refine((p) => p.kind === 'calendar' && p.days <= 60, 'L441-10 Code de commerce: at most 60 calendar days from the invoice date')
            .describe('PA-7: the invoice is due this many days after it is issued (at order); overdue amounts bear the late interest below'),
          account: bankAccountSchema.optional().describe("PA-7: the account deferred invoices are paid to; the bank transfer's account when absent"),
          lateInterest: z
            .strictObject({
              multiple: z.number().positive().describe('PA-7: annual late interest = multiple × reference rate (EL: 1.5)'),
              referenceRate: z
                .strictObject({ domestic: z.string().min(1), abroad: z.string().min(1) })
                .describe('PA-7: the reference rate for a buyer based in the dispatch country / abroad'),
            })
            .describe('PA-7'),
        })
        .optional()
        .describe('PA-1/PA-7: deferred payment for authorised professionals'),
    })
    .refine((m) => Object.keys(m).length > 0, 'a shop offers at least one payment method')
    .refine((m) => !m.deferredB2B || m.deferredB2B.account !== undefined || m.bankTransfer !== undefined, {
      message: 'deferredB2B needs an account to be paid to: its own `account`, or the bankTransfer account',
      path: ['deferredB2B', 'account'],
    }),
  fraudReview: z
    .strictObject({ answerWithin: periodSchema.describe('PA-6: without the requested proof within this period the order is cancelled and refunded (FR: 2 days; PF: 15 days)') })
    .optional()
    .describe('PA-6: hold a suspicious order and ask for identity / address proof'),
});

// ---------------------------------------------------------------------------
// Shipping

export const SHIPPING_KINDS = ['home_standard', 'home_express', 'relay_point', 'post_office_hold', 'store_pickup', 'warehouse_collection'] as const;

const rateKeySchema = z
  .string()
  .refine((k) => k === 'default' || isCountryCode(k), {
    error: (iss) => (iss.input === 'UK' ? 'use the ISO code GB for the United Kingdom' : 'expected a country code such as DE, or default'),
  });

const shippingMethodSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'a method id is lower-case letters, digits and dashes'),
  kind: z.enum(SHIPPING_KINDS).describe('SH-1'),
  label: localisedText,
  carrier: z.string().min(1).describe('SH-1: carrier named in the policy (the warehouse or store for collections)'),
  countries: countryListSchema.optional().describe('SH-1: destinations this method serves; every shop destination when absent'),
  exceptCountries: z.array(countrySchema).default([]).describe('SH-1: destinations this method does not serve'),
  rates: z
    .record(rateKeySchema, amountByCurrencySchema)
    .refine((r) => Object.keys(r).length > 0, 'give at least one rate')
    .describe('SH-2: price per order by destination country (default = any other served destination), in the currency of that destination\'s price list'),
  transit: z
    .strictObject({ minDays: nonNegativeInt, maxDays: nonNegativeInt, kind: dayKindSchema, byCountry: z.record(countrySchema, dayRange).default({}) })
    .refine((t) => t.minDays <= t.maxDays, 'minDays is greater than maxDays')
    .describe('SH-3: transit time after dispatch (preparation excluded), per country when it differs'),
  collectionWindow: durationSchema
    .optional()
    .describe('SH-7: how long the parcel waits to be collected (relay point, store, warehouse; for home delivery: held at the post office after a failed delivery)'),
  uncollected: z
    .strictObject({
      refundWithin: periodSchema.describe('SH-7: refund within this period of the parcel coming back'),
      feeKept: moneySchema.optional().describe('SH-7: flat fee kept from the refund (FA store pickup: 15.00 EUR)'),
    })
    .optional()
    .describe('SH-7: what happens to an uncollected parcel'),
  collectionRequires: z
    .array(z.enum(['identity_document', 'availability_email']))
    .default([])
    .describe('SH-7: what the customer shows to collect (FA store pickup: ID and the availability email)'),
});
export type ShippingMethod = z.infer<typeof shippingMethodSchema>;

const freeShippingSchema = z.strictObject({
  minimum: amountByCurrencySchema.describe('SH-2: goods total from which delivery is free (inclusive)'),
  basis: z.enum(['goods_incl_vat', 'goods_excl_vat']).describe('SH-2: whether the threshold is compared with the goods total incl. or excl. VAT (EL: excl.)'),
  methods: z.array(z.string()).min(1).describe('SH-2: method ids the offer applies to (PF: standard only)'),
  countries: countryListSchema.optional().describe('SH-2: destinations the offer applies to; all when absent (EL: FR ES BE IT)'),
  customerKinds: z.array(customerKindSchema).min(1).optional().describe('SH-2/CU-3: customer kinds the offer applies to; all when absent (EL: consumers and programme resellers)'),
});

const shippingSchema = z.strictObject({
  methods: z.array(shippingMethodSchema).min(1).describe('SH-1'),
  freeShipping: z.array(freeShippingSchema).default([]).describe('SH-2'),
  preparation: z
    .strictObject({ minDays: nonNegativeInt, maxDays: nonNegativeInt, kind: dayKindSchema })
    .refine((t) => t.minDays <= t.maxDays, 'minDays is greater than maxDays')
    .describe('SH-3: preparation time before dispatch for in-stock items (FR: 48 h on working days; EL: 24 business hours)'),
  shipments: z
    .enum(['all_together', 'partial_allowed'])
    .describe('SH-6: all available items in one parcel (JW) or partial shipments when items are missing'),
  deliveryDeadlineDays: positiveInt
    .optional()
    .describe('SH-4: latest delivery, in days after the order, when no date was agreed; the law caps it at 30 (legal-floor.ts)'),
  damageAtDelivery: z
    .strictObject({
      claimWindow: periodSchema.optional().describe('SH-8: claims to customer service within this period after delivery (EL: 3 days incl. Saturdays; JW: 30 days)'),
      parcelRefusalAdvised: z.boolean().describe('SH-8: the customer is asked to refuse a damaged parcel with reservations on the carrier slip (FA)'),
      photosRequested: z.boolean(),
    })
    .describe('SH-8'),
});

// ---------------------------------------------------------------------------
// Availability, withdrawal, returns, refunds, exchanges, guarantees

const unavailabilitySchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('cancel_line').describe('AV-1a: cancel the missing line, never charge / refund it, ship the rest at once (FR, FA)') }),
  z.strictObject({
    mode: z.literal('customer_chooses_wait_or_refund').describe('AV-1b: the customer chooses between waiting and a refund (PF)'),
    answerWithin: periodSchema.describe('AV-1b: the customer\'s time to answer (PF: 3 days)'),
    withoutAnswer: z.enum(['ship_available', 'refund_missing']).describe('AV-1b: what happens without an answer (PF: ship what is available)'),
  }),
  z.strictObject({
    mode: z.literal('substitute_or_refund').describe('AV-1c: offer a substitute product or cancellation with full refund (JW)'),
    answerWithin: periodSchema.describe('AV-1c: the customer\'s time to accept the substitute; without an answer the units are cancelled and refunded'),
    refundWithinDaysOfOrder: positiveInt.optional().describe('AV-1c: latest refund, in calendar days after the order (JW: 30)'),
  }),
  z.strictObject({ mode: z.literal('back_order').describe('AV-1/CAT-2: the item is back-ordered and ships on arrival; alert list offered (EL)') }),
]);

const withdrawalSchema = z.strictObject({
  period: periodSchema.describe('WD-1/WD-2: days to withdraw after possession of the last item; below 14 calendar days the law applies (JW: 10 → 14)'),
  abroad: periodSchema.optional().describe('WD-2: period for deliveries outside the dispatch country (FR: 30 days)'),
  moneyBackGuarantee: z
    .strictObject({
      period: periodSchema.describe('WD-2: commercial money-back period from receipt, on top of the legal withdrawal (EL: 30 days)'),
      outwardShippingRefunded: z.boolean(),
    })
    .optional(),
  sendBackWithin: periodSchema.describe('WD-6: the customer\'s time to send the goods after the notice (law: 14 days at least)'),
  returnCost: z
    .strictObject({
      paidBy: z.enum(['customer', 'shop']).describe('WD-6: who pays the return shipping'),
      shopPaysWhenNonConforming: z.literal(true).describe('WD-6: non-conforming, defective or wrong goods come back at the shop\'s cost'),
    })
    .describe('WD-6'),
  returnLabel: z
    .enum(['none', 'prepaid_via_portal', 'emailed_with_reference'])
    .describe('WD-5: return label provided (FR: prepaid via a return portal; EL: label + reference by email)'),
  returnLabelCost: moneySchema
    .optional()
    .describe('WD-6: what the shop\'s prepaid label costs a customer who bears the return costs, deducted from the refund (FR)'),
  refusedReturns: z
    .strictObject({
      keptFor: durationSchema.describe('WD-8: how long refused items wait for the customer (FA: 1 month; PF: 28 days)'),
      where: z.enum(['shop_warehouse', 'customer_arranges_collection']),
      sentBackAtCustomerCost: z.boolean(),
    })
    .describe('WD-8'),
  giftRecipientMayWithdraw: z.literal(false).describe('WD-10: only the customer who placed the order may withdraw'),
});

const refundsSchema = z.strictObject({
  delay: z
    .strictObject({
      days: positiveInt,
      kind: dayKindSchema,
      from: z.enum(['withdrawal_notice', 'goods_received']),
      maxCalendarDays: positiveInt.optional().describe('RF-1: the shop\'s own outer limit (JW: 30 days)'),
    })
    .describe('RF-1: the shop\'s declared refund delay; the law: 14 calendar days from the notice (legal-floor.ts)'),
  shipping: z
    .enum(['full_initial_cost', 'cheapest_standard', 'cheapest_standard_on_full_return_or_non_conformity', 'none'])
    .describe('RF-2: initial delivery refunded in full (JW), up to the cheapest standard delivery (law), only on a full return or non-conformity (FA); none is raised to the law'),
  customerBankFees: z
    .enum(['not_refunded', 'not_stated'])
    .describe('RF-6: not_refunded = currency-conversion and bank fees charged by the customer\'s own bank are not refunded (PF)'),
  storeCredit: z
    .discriminatedUnion('offered', [
      z.strictObject({ offered: z.literal('never').describe('RF-4: no store credit, ever (JW)') }),
      z.strictObject({ offered: z.literal('not_offered').describe('RF-4: the terms say nothing; refunds are money') }),
      z.strictObject({
        offered: z.literal('on_request').describe('RF-4: store credit only at the customer\'s explicit request (FA)'),
        validity: durationSchema.describe('RF-4: how long the credit can be used on the next orders'),
      }),
    ])
    .describe('RF-4'),
  promotionsOnPartialReturn: z
    .strictObject({
      giftMustComeBack: z.boolean().describe('RF-5: a gift tied to a purchase comes back with it or is charged at its initial price'),
      bundleRepriced: z.boolean().describe('RF-5: kept items of a returned discounted bundle are re-priced without the discount'),
      complementaryInvoiceWithin: periodSchema.describe('RF-5: complementary invoice within this period (FA: 15 days)'),
    })
    .optional()
    .describe('RF-5 (FA)'),
});

const exchangesSchema = z.strictObject({
  byPost: z
    .strictObject({
      maxPerOrder: positiveInt.nullable().describe('EX-1: JW: one exchange per order; null = no limit'),
      priceDifference: z.literal('settled_both_ways').describe('EX-1: dearer → customer pays; cheaper → shop refunds the difference'),
      initialShippingRefunded: z.boolean().describe('EX-1: JW: no'),
    })
    .optional()
    .describe('EX-1: exchange instead of refund (JW, EL)'),
  inStore: z
    .strictObject({
      within: periodSchema.describe('EX-2: from delivery (FR: 30 days)'),
      otherItemCredit: z.literal('invoiced_amount_excl_shipping').describe('EX-2: another item: the invoiced amount counts'),
      lowerPriceDifference: z.literal('lost').describe('EX-2: no cash refund or credit in store'),
      outletExcluded: z.boolean(),
      returnSlipRequired: z.boolean(),
    })
    .optional()
    .describe('EX-2: in-store exchange of online purchases (FR)'),
});

const guaranteesSchema = z.strictObject({
  conformityRemedy: z
    .strictObject({
      remedy: z.enum(['law_only', 'replace_identical_else_refund', 'repair_or_replace']).describe('GU-3: PF replaces with an identical product or refunds; EL repairs or replaces'),
      within: periodSchema.describe('GU-3/GU-1: 30 days at most'),
      refundWhenLongerThan: durationSchema.optional().describe('GU-3: EL: refund if the repair/replacement takes more than a month'),
    })
    .describe('GU-3'),
  deadOnArrival: z
    .strictObject({
      window: periodSchema.describe('GU-4: from receipt (EL: 10 days)'),
      answerWithinHours: positiveInt.describe('GU-4: EL: 48 h'),
      remedies: z.array(z.enum(['repair', 'replace', 'refund'])).min(1),
      shopPaysAllCosts: z.boolean(),
    })
    .optional()
    .describe('GU-4: commercial dead-on-arrival guarantee (EL)'),
  commercial: z
    .strictObject({
      months: positiveInt.describe('GU-4: EL: 36 months from receipt'),
      secondHandMonths: positiveInt.describe('GU-4: EL: 6 months for second-hand items'),
      startsAfterDeadOnArrival: z.boolean().describe('GU-4: starts on the day after the dead-on-arrival window (EL: day 11)'),
      answerWithinHours: positiveInt,
      photosRequired: z.boolean(),
    })
    .optional()
    .describe('GU-4: commercial guarantee on top of the legal one (EL)'),
});

// ---------------------------------------------------------------------------
// Stores, records, force majeure

const reservationsSchema = z
  .strictObject({
    confirmationWithinHours: positiveInt.optional().describe('ST-1: the store confirms within (FR: 2 hours)'),
    hold: z
      .union([
        z.strictObject({ hours: positiveInt, withinOpeningHours: z.boolean() }),
        periodSchema.extend({ from: z.enum(['confirmation', 'request']) }).strict(),
      ], { error: 'expected { hours: 48, withinOpeningHours: true } or { days: 3, kind: working, from: confirmation }' })
      .describe('ST-1: how long the item is held before going back on sale (FA: 48 h within opening hours; FR: 3 working days after confirmation)'),
    maxDistinctItems: positiveInt.nullable().describe('ST-1: most different items per customer (FR: 10); null = no limit'),
  })
  .describe('ST-1: free reservation in store, paid in the store');

const recordsSchema = z.strictObject({
  orderArchive: z
    .strictObject({ years: positiveInt, fromOrderAmount: moneySchema })
    .describe('DOC-4: orders from this amount are kept with their evidence this long (law: 120 EUR, 10 years)'),
  retentionOfTitle: localisedText
    .optional()
    .describe('PA-8: retention-of-title clause printed on invoices (FA, PF, EL): the goods remain the seller\'s until paid in full'),
});

const forceMajeureSchema = z
  .strictObject({
    suspendsDeadlines: z.boolean().describe('FM-1: deadlines of affected orders are suspended (FR)'),
    terminationAfter: durationSchema.optional().describe('FM-1: either party may terminate and the money is refunded after this long (PF: one month)'),
  })
  .describe('FM-1');

// ---------------------------------------------------------------------------
// The policy

const policyObject = z.strictObject({
    shop: shopSchema,
    identity: identitySchema,
    mediator: mediatorSchema.optional(),
    pricing: pricingSchema,
    customers: customersSchema,
    destinations: destinationsSchema,
    addressRules: addressRulesSchema,
    cart: cartSchema,
    catalogue: catalogueRulesSchema,
    checkout: checkoutSchema,
    payment: paymentSchema,
    shipping: shippingSchema,
    unavailability: unavailabilitySchema.describe('AV-1'),
    withdrawal: withdrawalSchema,
    refunds: refundsSchema,
    exchanges: exchangesSchema,
    guarantees: guaranteesSchema,
    reservations: reservationsSchema.optional(),
    records: recordsSchema,
    forceMajeure: forceMajeureSchema,
});

export const policySchema = policyObject.superRefine((p, ctx) => checkConsistency(p, ctx));

export type Policy = z.infer<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;

// ---------------------------------------------------------------------------
// Cross-field checks: references between parts of the policy.

type Parsed = z.infer<typeof policyObject>;

/** The destination countries the shop serves, or 'worldwide' (minus `exceptCountries`). */
export function destinationCountries(policy: Pick<Policy, 'destinations'>): readonly string[] | 'worldwide' {
  return policy.destinations.worldwide ? 'worldwide' : (policy.destinations.countries ?? []);
}

/** PR-1: the currency of the price list that serves a destination. */
export function currencyFor(policy: Pick<Policy, 'pricing'>, country: string): Currency {
  const lists = policy.pricing.priceLists;
  const list = lists.find((l) => l.countries?.includes(country)) ?? lists.find((l) => l.countries === undefined) ?? lists[0]!;
  return list.currency;
}

/** SH-1: whether a shipping method serves a destination (assuming the shop serves it). */
export function methodServes(method: ShippingMethod, country: string): boolean {
  if (method.exceptCountries.includes(country)) return false;
  return method.countries === undefined || method.countries.includes(country);
}

/** SH-2: a method's rate row for a destination (its own row, else `default`), undefined when none. */
export function rateRowFor(method: ShippingMethod, country: string): AmountByCurrency | undefined {
  return method.rates[country] ?? method.rates['default'];
}

function checkConsistency(p: Parsed, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  if (p.shop.languages[0] !== 'fr') issue(['shop', 'languages'], 'French is the reference language (ID-2): list fr first');

  // PR-1: one default price list, no country in two lists.
  const defaults = p.pricing.priceLists.filter((l) => l.countries === undefined);
  if (defaults.length !== 1) issue(['pricing', 'priceLists'], `exactly one price list has no countries (the default); found ${defaults.length}`);
  const listed = new Map<string, number>();
  p.pricing.priceLists.forEach((l, i) =>
    l.countries?.forEach((c, j) => {
      if (listed.has(c)) issue(['pricing', 'priceLists', i, 'countries', j], `${c} is already in price list ${listed.get(c)}`);
      listed.set(c, i);
    }),
  );

  // OR-2 / SH-1: methods only name destinations the shop serves.
  const shopCountries = destinationCountries(p);
  const served = (c: string) => (shopCountries === 'worldwide' ? !p.destinations.exceptCountries.includes(c) : shopCountries.includes(c));
  const ids = new Set<string>();
  p.shipping.methods.forEach((m, i) => {
    if (ids.has(m.id)) issue(['shipping', 'methods', i, 'id'], `method id "${m.id}" is used twice`);
    ids.add(m.id);
    m.countries?.forEach((c, j) => {
      if (!served(c)) issue(['shipping', 'methods', i, 'countries', j], `${c} is not a destination of the shop (destinations)`);
    });
    // SH-2: a rate for each destination the method serves, in that destination's currency.
    for (const [key, row] of Object.entries(m.rates)) {
      if (key !== 'default' && !methodServes(m, key)) issue(['shipping', 'methods', i, 'rates', key], `the method does not serve ${key}`);
      const countries = key === 'default' ? [] : [key];
      for (const c of countries) {
        const cur = currencyFor(p, c);
        if (row[cur] === undefined) issue(['shipping', 'methods', i, 'rates', key], `${c} is priced in ${cur} (pricing.priceLists): give the rate in ${cur}`);
      }
    }
    const explicit = m.countries ?? (shopCountries === 'worldwide' ? [] : shopCountries);
    for (const c of explicit) {
      if (!m.exceptCountries.includes(c) && rateRowFor(m, c) === undefined) issue(['shipping', 'methods', i, 'rates'], `no rate for ${c} (add ${c} or default)`);
    }
    if (m.rates['default'] === undefined && m.countries === undefined && shopCountries === 'worldwide') {
      issue(['shipping', 'methods', i, 'rates'], 'a worldwide method needs a default rate');
    }
    const needsWindow = ['relay_point', 'post_office_hold', 'store_pickup', 'warehouse_collection'].includes(m.kind);
    if (needsWindow && m.collectionWindow === undefined) issue(['shipping', 'methods', i, 'collectionWindow'], `SH-7: a ${m.kind} method states how long the parcel waits`);
  });

  // SH-2: free-shipping offers point at existing methods and priced currencies.
  p.shipping.freeShipping.forEach((f, i) => {
    f.methods.forEach((id, j) => {
      if (!ids.has(id)) issue(['shipping', 'freeShipping', i, 'methods', j], `no shipping method with id "${id}"`);
    });
    f.countries?.forEach((c, j) => {
      if (!served(c)) issue(['shipping', 'freeShipping', i, 'countries', j], `${c} is not a destination of the shop`);
    });
    for (const list of p.pricing.priceLists) {
      const applies = f.countries === undefined || (list.countries ?? f.countries).some((c) => f.countries!.includes(c));
      if (applies && f.minimum[list.currency] === undefined) issue(['shipping', 'freeShipping', i, 'minimum'], `give the threshold in ${list.currency} too (price list ${list.id})`);
    }
  });

  if (p.customers.kinds.resellerProgramme === undefined && p.customers.kinds.accepted.includes('programme_reseller')) {
    issue(['customers', 'kinds', 'resellerProgramme'], 'programme_reseller is accepted but no reseller programme is named');
  }
}
