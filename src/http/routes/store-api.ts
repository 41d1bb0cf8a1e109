// /api/store: read-only facts about the loaded shop, for storefronts and
// integrators — identity (ID-1), mediator (ID-5), currencies (PR-1),
// destinations (OR-2), delivery (SH-1/SH-2/SH-3) and payment methods (PA-1/PA-3),
// the withdrawal period the engine applies (WD-1/WD-2), the terms (ID-2/ID-3)
// (the catalogue: catalogue-store-api.ts).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { listTermsVersions, type PublishedTerms } from '../../app/terms.js';
import { DomainError } from '../../domain/errors.js';
import { effectiveOrderButtonLabel, effectiveWithdrawalPeriod } from '../../domain/legal-floor.js';
import { versionInForce } from '../../domain/terms-versions.js';
import { currencyFor, destinationCountries, isCountryCode, methodServes, rateRowFor } from '../../policy/schema.js';

const localised = z.object({ fr: z.string(), en: z.string() });
const moneyView = z.object({ amount: z.number().int().describe('minor units'), currency: z.string() });
const address = z.object({ line1: z.string(), line2: z.string().optional(), postalCode: z.string(), city: z.string(), country: z.string() });
const period = z.object({ days: z.number().int(), kind: z.string() });
const termsSummary = z.object({ id: z.string(), effectiveAt: z.string(), summary: z.string(), hash: localised });
const termsFull = termsSummary.extend({ text: localised, inForce: z.boolean() });
const countryQuery = z.object({
  country: z
    .string()
    .transform((c) => c.toUpperCase())
    .refine(isCountryCode, 'expected an ISO 3166-1 country code such as FR')
    .optional(),
});

export const storeApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const { policy } = ctx.shop;
  const tags = ['store'];

  app.get(
    '/shop',
    {
      schema: {
        tags,
        summary: 'The seller: legal identity (ID-1), mediator (ID-5), languages, time zone',
        response: {
          200: z.object({
            id: z.string(),
            name: z.string(),
            timeZone: z.string(),
            languages: z.array(z.string()),
            identity: z.object({
              companyName: z.string(),
              legalForm: z.string(),
              shareCapital: moneyView.nullable(),
              registry: z.string(),
              siret: z.string().nullable(),
              vatNumber: z.string().nullable(),
              headOffice: address,
              customerService: z.object({ email: z.string(), phone: z.string(), languages: z.array(z.string()), hours: z.array(z.object({ days: z.array(z.string()), from: z.string(), to: z.string() })) }),
            }),
            mediator: z.object({ name: z.string(), website: z.string(), address }).nullable(),
            orderButtonLabel: localised.describe('OR-1b: the label the final button carries'),
          }),
        },
      },
    },
    async () => {
      const id = policy.identity;
      return {
        id: ctx.shop.id,
        name: id.tradingName,
        timeZone: policy.shop.timeZone,
        languages: policy.shop.languages,
        identity: {
          companyName: id.companyName,
          legalForm: id.legalForm,
          shareCapital: id.shareCapital ?? null,
          registry: `${id.registry.kind} ${id.registry.city} ${id.registry.number}`,
          siret: id.siret ?? null,
          vatNumber: id.vatNumber ?? null,
          headOffice: id.headOffice,
          customerService: id.customerService,
        },
        mediator: policy.mediator ?? null,
        orderButtonLabel: { fr: effectiveOrderButtonLabel(policy, 'fr').applied, en: effectiveOrderButtonLabel(policy, 'en').applied },
      };
    },
  );

  app.get(
    '/currencies',
    {
      schema: {
        tags,
        summary: 'Price lists and the currency each destination is charged in (PR-1)',
        querystring: countryQuery,
        response: {
          200: z.object({
            priceLists: z.array(z.object({ id: z.string(), currency: z.string(), countries: z.array(z.string()).nullable() })),
            currencyForCountry: z.string().nullable(),
          }),
        },
      },
    },
    async (request) => ({
      priceLists: policy.pricing.priceLists.map((l) => ({ id: l.id, currency: l.currency, countries: l.countries ?? null })),
      currencyForCountry: request.query.country ? currencyFor(policy, request.query.country) : null,
    }),
  );

  app.get(
    '/destinations',
    {
      schema: {
        tags,
        summary: 'Where the shop delivers and its address rules (OR-2)',
        response: {
          200: z.object({
            worldwide: z.boolean(),
            countries: z.array(z.string()).nullable(),
            exceptCountries: z.array(z.string()),
            france: z.enum(['metropolitan', 'all']),
            addressRules: z.object({ refusePoBox: z.boolean(), refuseCedex: z.boolean(), deliveryAddressFrozenAtValidation: z.boolean() }),
          }),
        },
      },
    },
    async () => {
      const countries = destinationCountries(policy);
      return {
        worldwide: countries === 'worldwide',
        countries: countries === 'worldwide' ? null : [...countries],
        exceptCountries: policy.destinations.exceptCountries,
        france: policy.destinations.france,
        addressRules: policy.addressRules,
      };
    },
  );

  app.get(
    '/delivery-methods',
    {
      schema: {
        tags,
        summary: 'Delivery methods (SH-1) with their rate (SH-2) and transit (SH-3); with ?country= only those serving it, priced in its currency',
        querystring: countryQuery,
        response: {
          200: z.object({
            preparation: z.object({ minDays: z.number().int(), maxDays: z.number().int(), kind: z.string() }),
            methods: z.array(
              z.object({
                id: z.string(),
                kind: z.string(),
                label: localised,
                carrier: z.string(),
                rate: moneyView.nullable().describe('for ?country= only'),
                rates: z.record(z.string(), z.record(z.string(), z.number().int())).describe('minor units per destination and currency'),
                transit: z.object({ minDays: z.number().int(), maxDays: z.number().int(), kind: z.string() }),
                collectionWindow: z.union([period, z.object({ months: z.number().int() })]).nullable(),
              }),
            ),
            freeShipping: z.array(z.object({ minimum: z.record(z.string(), z.number().int()), basis: z.string(), methods: z.array(z.string()), countries: z.array(z.string()).nullable() })),
          }),
        },
      },
    },
    async (request) => {
      const country = request.query.country;
      const served = destinationCountries(policy);
      if (country && (served === 'worldwide' ? policy.destinations.exceptCountries.includes(country) : !served.includes(country))) {
        throw new DomainError('destination.not_served', { field: 'country', rule: 'OR-2', country }, `${ctx.shop.policy.identity.tradingName} does not deliver to ${country}.`);
      }
      const currency = country ? currencyFor(policy, country) : undefined;
      const methods = policy.shipping.methods
        .filter((m) => !country || methodServes(m, country))
        .map((m) => {
          const row = country ? rateRowFor(m, country) : undefined;
          const amount = row && currency ? row[currency] : undefined;
          const transit = (country && m.transit.byCountry[country]) || m.transit;
          return {
            id: m.id,
            kind: m.kind,
            label: m.label,
            carrier: m.carrier,
            rate: amount !== undefined && currency ? { amount, currency } : null,
            rates: m.rates as Record<string, Record<string, number>>,
            transit: { minDays: transit.minDays, maxDays: transit.maxDays, kind: m.transit.kind },
            collectionWindow: m.collectionWindow ?? null,
          };
        });
      return {
        preparation: policy.shipping.preparation,
        methods,
        freeShipping: policy.shipping.freeShipping.map((f) => ({ minimum: f.minimum as Record<string, number>, basis: f.basis, methods: f.methods, countries: f.countries ?? null })),
      };
    },
  );

  app.get(
    '/payment-methods',
    {
      schema: {
        tags,
        summary: 'Payment methods (PA-1) and when money is taken (PA-3)',
        response: {
          200: z.object({
            capture: z.enum(['at_order', 'at_dispatch']),
            methods: z.array(z.object({ id: z.string(), details: z.record(z.string(), z.unknown()) })),
          }),
        },
      },
    },
    async () => ({
      capture: policy.payment.capture,
      methods: Object.entries(policy.payment.methods)
        .filter(([, details]) => details !== undefined)
        .map(([id, details]) => ({ id, details: details as Record<string, unknown> })),
    }),
  );

  app.get(
    '/withdrawal',
    {
      schema: {
        tags,
        summary: 'The withdrawal period the engine applies (WD-1/WD-2), with the policy value and the legal floor',
        querystring: countryQuery,
        response: { 200: z.object({ declared: period.nullable(), floor: period, applied: period, rule: z.string(), raised: z.boolean().describe('true when the law lengthens what the shop declares') }) },
      },
    },
    async (request) => {
      const result = effectiveWithdrawalPeriod(policy, request.query.country);
      return { ...result, declared: result.declared ?? null };
    },
  );

  const summary = (v: PublishedTerms) => ({ id: v.id, effectiveAt: v.effectiveAt.toISOString(), summary: v.summary, hash: v.hash });
  const full = (v: PublishedTerms, inForce: boolean) => ({ ...summary(v), text: v.text, inForce });

  app.get(
    '/terms',
    { schema: { tags, summary: 'Every published terms version, oldest first (ID-2)', response: { 200: z.object({ versions: z.array(termsSummary), inForce: z.string().nullable() }) } } },
    async () => {
      const versions = await listTermsVersions(ctx.db, ctx.shop.id);
      return { versions: versions.map(summary), inForce: versionInForce(versions, await ctx.clock.now())?.id ?? null };
    },
  );

  app.get(
    '/terms/current',
    { schema: { tags, summary: 'The terms version in force now: id, SHA-256 of each text, FR/EN text (ID-2)', response: { 200: termsFull } } },
    async () => {
      const current = versionInForce(await listTermsVersions(ctx.db, ctx.shop.id), await ctx.clock.now());
      if (!current) throw new DomainError('terms.not_found', { rule: 'ID-2' }, 'No terms version is in force yet.');
      return full(current, true);
    },
  );

  app.get(
    '/terms/:id',
    { schema: { tags, summary: 'A terms version by id, past ones included (ID-3)', params: z.object({ id: z.string().min(1).max(64) }), response: { 200: termsFull } } },
    async (request) => {
      const versions = await listTermsVersions(ctx.db, ctx.shop.id);
      const version = versions.find((v) => v.id === request.params.id);
      if (!version) throw new DomainError('terms.not_found', { field: 'id', rule: 'ID-3' }, `No terms version '${request.params.id}'.`);
      return full(version, versionInForce(versions, await ctx.clock.now())?.id === version.id);
    },
  );

  // The catalogue (/products, /products/:slug, /categories): src/http/routes/catalogue-store-api.ts.
};
