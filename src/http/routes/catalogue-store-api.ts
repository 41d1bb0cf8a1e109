// /api/store: the catalogue (CAT-1…CAT-7) — listing with category filter,
// search and pages, categories, and one product's detail with its variants'
// availability (CAT-2), prices in the asked currency (PR-1), the eco-fee per
// unit shown apart (PR-3) and the PR-6 reduction display.
import { isDeepStrictEqual } from 'node:util';
import { serializerCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { countProducts, getProductDetail, listCategories, listProductPage, maxPageSize, priceDisplayOf, type PriceDisplayView } from '../../app/catalogue.js';
import type { AppContext } from '../../app/context.js';
import { DomainError } from '../../domain/errors.js';
import { isCurrency, money, type Currency } from '../../domain/money.js';
import { currencyFor, type Policy } from '../../policy/schema.js';

const localised = z.object({ fr: z.string(), en: z.string() });
const moneyView = z.object({ amount: z.number().int().describe('minor units'), currency: z.string() });
const availabilityView = z
  .object({ state: z.enum(['in_stock', 'awaiting_stock', 'unavailable']), expectedArrival: z.string().nullable().optional(), backorderAllowed: z.boolean().optional() })
  .describe('CAT-2');
const flagsView = z.object({
  hygieneSealed: z.boolean(),
  personalised: z.boolean(),
  extraLeadWorkingDays: z.number().int(),
  secondHand: z.boolean(),
  outlet: z.boolean(),
  perishable: z.boolean(),
});
const currencyQuery = z.string().refine(isCurrency, 'expected a currency code such as EUR or GBP').optional();

/** PR-1: the asked currency, or the price list of the shop's own country; refused when the shop has no price list in it. */
export function catalogueCurrency(policy: Policy, asked: string | undefined): Currency {
  const currency = asked && isCurrency(asked) ? asked : currencyFor(policy, policy.shop.dispatchCountry);
  if (!policy.pricing.priceLists.some((l) => l.currency === currency)) {
    throw new DomainError('catalogue.currency_not_sold', { field: 'currency', rule: 'PR-1' }, `This shop does not sell in ${currency}.`);
  }
  return currency;
}

/** The shop's base currency: eco-fees are stated in it (the catalogue file's first currency, the default price list). */
export const baseCurrency = (policy: Policy): Currency => currencyFor(policy, policy.shop.dispatchCountry);

const displayView = (d: PriceDisplayView | null) =>
  d === null ? null : { current: d.current, reduced: d.reduced ? { ...d.reduced, since: d.reduced.since.toISOString() } : null };

/**
 * The response serializer of the hot catalogue routes. Their handlers build
 * exactly the objects their response schema describes (no extra key, no
 * transform), so in production the response is JSON.stringify'd without zod
 * walking it first. Elsewhere (development, tests) zod still checks it, as for
 * every other route, and the plain string must say the same as zod's output.
 * `schema.response` stays: the OpenAPI document is unchanged.
 */
export function hotRouteSerializer(env: AppContext['config']['env']): <S>(route: { schema: S; method: string; url: string }) => (data: unknown) => string {
  if (env === 'production') return () => (data) => JSON.stringify(data);
  return (route) => {
    // Fastify passes each status's response schema, which its route-level typing does not say.
    const checked = serializerCompiler(route as unknown as Parameters<typeof serializerCompiler>[0]);
    return (data) => {
      const out = checked(data);
      const plain = JSON.stringify(data);
      if (out !== plain && !isDeepStrictEqual(JSON.parse(out), JSON.parse(plain))) {
        throw new Error(`${route.method} ${route.url}: the response holds more than its schema; the production serializer would send it`);
      }
      return out;
    };
  };
}

export const catalogueStoreApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const { policy } = ctx.shop;
  const shopId = ctx.shop.id;
  const tags = ['store: catalogue'];
  const serializer = hotRouteSerializer(ctx.config.env);

  app.get(
    '/products',
    {
      serializerCompiler: serializer,
      schema: {
        tags,
        summary: 'Catalogue listing with current price and availability; filter by category, search by name (FR/EN, case and accents ignored)',
        querystring: z.object({
          currency: currencyQuery,
          category: z.string().max(100).optional(),
          q: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(maxPageSize).default(20),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
          total: z.enum(['true', 'false']).optional().describe('true: also count every matching product (an extra query, O(matches))'),
        }),
        response: {
          200: z.object({
            total: z.number().int().optional().describe('only with total=true'),
            hasMore: z.boolean().describe('another page follows'),
            limit: z.number().int(),
            offset: z.number().int(),
            products: z.array(
              z.object({
                id: z.string(),
                slug: z.string(),
                name: localised,
                categorySlug: z.string().nullable(),
                imageUrl: z.string().nullable(),
                price: moneyView.nullable(),
                availability: availabilityView,
                flags: flagsView,
                ecoFee: moneyView.nullable().describe('PR-3: per unit, on top of the price'),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const currency = catalogueCurrency(policy, request.query.currency);
      const { limit, offset } = request.query;
      const filter = { shopId, categorySlug: request.query.category ?? null, search: request.query.q ?? null };
      const [{ products, hasMore }, total] = await Promise.all([
        listProductPage(ctx.db, { ...filter, currency, now: await ctx.clock.now(), limit, offset }),
        request.query.total === 'true' ? countProducts(ctx.db, filter) : undefined,
      ]);
      const base = baseCurrency(policy);
      return {
        ...(total === undefined ? {} : { total }),
        hasMore,
        limit,
        offset,
        products: products.map((p) => ({
          id: p.id,
          slug: p.slug,
          name: p.name,
          categorySlug: p.categorySlug,
          imageUrl: p.imagePath ? `/media/${encodeURIComponent(p.imagePath)}` : null,
          price: p.price,
          availability: p.availability,
          flags: p.flags,
          ecoFee: p.ecoFeeMinor > 0 ? money(p.ecoFeeMinor, base) : null,
        })),
      };
    },
  );

  app.get(
    '/categories',
    {
      schema: {
        tags,
        summary: 'The categories of the catalogue with their number of products',
        response: { 200: z.object({ categories: z.array(z.object({ slug: z.string(), name: localised, products: z.number().int() })) }) },
      },
    },
    async () => ({ categories: await listCategories(ctx.db, { shopId }) }),
  );

  app.get(
    '/products/:slug',
    {
      serializerCompiler: serializer,
      schema: {
        tags,
        summary: 'One product: variants (options, SKU, availability CAT-2, price and its PR-6 display), eco-fee per unit (PR-3), flags (CAT-4/CAT-5), images, category',
        params: z.object({ slug: z.string().min(1).max(200) }),
        querystring: z.object({ currency: currencyQuery }),
        response: {
          200: z.object({
            id: z.string(),
            slug: z.string(),
            name: localised,
            description: localised,
            composition: localised.nullable(),
            category: z.object({ slug: z.string(), name: localised }).nullable(),
            images: z.array(z.object({ url: z.string(), alt: localised })),
            flags: flagsView,
            ecoFee: moneyView.nullable().describe('PR-3: per unit, on top of the price, shown apart'),
            currency: z.string(),
            variants: z.array(
              z.object({
                id: z.string(),
                sku: z.string(),
                options: z.record(z.string(), z.string()),
                price: moneyView.nullable(),
                priceDisplay: z
                  .object({ current: moneyView, reduced: z.object({ reference: moneyView, percentOff: z.number().int(), since: z.string() }).nullable() })
                  .nullable()
                  .describe('PR-6: reference = lowest price of the 30 days before the reduction'),
                priceHistory: z.array(z.object({ amount: z.number().int(), effectiveAt: z.string() })),
                availability: availabilityView,
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const currency = catalogueCurrency(policy, request.query.currency);
      const now = await ctx.clock.now();
      const p = await getProductDetail(ctx.db, { shopId, slug: request.params.slug, currency, now });
      return {
        id: p.id,
        slug: p.slug,
        name: p.name,
        description: p.description,
        composition: p.composition,
        category: p.category,
        images: p.images.map((i) => ({ url: `/media/${encodeURIComponent(i.path)}`, alt: i.alt })),
        flags: p.flags,
        ecoFee: p.ecoFeeMinor > 0 ? money(p.ecoFeeMinor, baseCurrency(policy)) : null,
        currency,
        variants: p.variants.map((v) => ({
          id: v.id,
          sku: v.sku,
          options: v.options,
          price: v.price,
          priceDisplay: displayView(priceDisplayOf(v.priceHistory, currency, now)),
          priceHistory: v.priceHistory.map((h) => ({ amount: h.amountMinor, effectiveAt: h.effectiveAt.toISOString() })),
          availability: v.availability,
        })),
      };
    },
  );
};
