// /api/admin/catalogue: products, variants, stock per location (CAT-6) and
// prices with their append-only history (PR-4/PR-6). Each route declares its
// permission (src/domain/staff-roles.ts); each change is one transaction with
// its audit row. Bad input is a 4xx naming the field: shapes are checked here
// (zod → `request.invalid`), rules in the use cases (`price.negative`,
// `stock.negative`, `variant.sku_taken`…).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { countProducts, listProducts, maxPageSize } from '../../app/catalogue.js';
import { addPrice, createProduct, createVariant, getProductForAdmin, listPriceHistory, updateProduct, updateVariant, type AdminProduct, type PriceEntry } from '../../app/catalogue-admin.js';
import type { AppContext } from '../../app/context.js';
import type { Actor } from '../../app/staff.js';
import { setStock, variantStock } from '../../app/stock.js';
import { DomainError } from '../../domain/errors.js';
import type { StaffAccount } from '../../app/staff.js';
import { requireStaff } from '../auth.js';
import { baseCurrency } from './catalogue-store-api.js';

const localised = z.object({ fr: z.string().max(10_000), en: z.string().max(10_000) });
const moneyView = z.object({ amount: z.number().int(), currency: z.string() });
const id = z.string().regex(/^\d{1,19}$/, 'expected a numeric id');
const flagsInput = z.object({
  hygieneSealed: z.boolean().optional(),
  personalised: z.boolean().optional(),
  extraLeadWorkingDays: z.number().int().optional(),
  secondHand: z.boolean().optional(),
  outlet: z.boolean().optional(),
  perishable: z.boolean().optional(),
});
const productFields = {
  slug: z.string().max(200),
  category: z.string().max(100).nullable(),
  name: localised,
  description: localised,
  composition: localised.nullable(),
  flags: flagsInput,
  ecoFee: z.number().int().describe('PR-3: minor units of the base currency, per unit'),
  position: z.number().int(),
};
const variantFields = {
  sku: z.string().max(100),
  options: z.record(z.string().max(100), z.string().max(200)),
  expectedArrival: z.string().max(10).nullable().describe('CAT-2: YYYY-MM-DD'),
  backorderAllowed: z.boolean(),
  position: z.number().int(),
};
const stockView = z.object({ location: z.string(), name: z.string(), kind: z.enum(['warehouse', 'store']), quantity: z.number().int() });
const priceView = z.object({ id: z.string(), currency: z.string(), amount: z.number().int(), effectiveAt: z.string(), recordedAt: z.string(), scheduled: z.boolean() });
const productView = z.object({
  id: z.string(),
  slug: z.string(),
  category: z.string().nullable(),
  name: localised,
  description: localised,
  composition: localised.nullable(),
  flags: z.object({ hygieneSealed: z.boolean(), personalised: z.boolean(), extraLeadWorkingDays: z.number().int(), secondHand: z.boolean(), outlet: z.boolean(), perishable: z.boolean() }),
  ecoFee: moneyView,
  position: z.number().int(),
  variants: z.array(
    z.object({
      id: z.string(),
      sku: z.string(),
      options: z.record(z.string(), z.string()),
      expectedArrival: z.string().nullable(),
      backorderAllowed: z.boolean(),
      position: z.number().int(),
      prices: z.array(moneyView),
      stock: z.array(stockView),
    }),
  ),
});

const actorOf = (staff: StaffAccount | null): Actor => ({ kind: 'staff', staffId: staff!.id });
const toPriceView = (p: PriceEntry) => ({ id: p.id, currency: p.currency, amount: p.amountMinor, effectiveAt: p.effectiveAt.toISOString(), recordedAt: p.recordedAt.toISOString(), scheduled: p.scheduled });

export const catalogueAdminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const shopId = ctx.shop.id;
  const { policy } = ctx.shop;
  const currencies = policy.pricing.priceLists.map((l) => l.currency);
  const tags = ['admin: catalogue'];
  const toProductView = (p: AdminProduct) => ({
    id: p.id,
    slug: p.slug,
    category: p.categorySlug,
    name: p.name,
    description: p.description,
    composition: p.composition,
    flags: p.flags,
    ecoFee: { amount: p.ecoFeeMinor, currency: baseCurrency(policy) },
    position: p.position,
    variants: p.variants.map((v) => ({ ...v, stock: v.stock.map((s) => ({ location: s.code, name: s.name, kind: s.kind, quantity: s.quantity })) })),
  });
  const productById = async (productId: string) => toProductView(await getProductForAdmin(ctx.db, { shopId, productId, now: await ctx.clock.now() }));

  app.get(
    '/products',
    {
      onRequest: requireStaff(ctx, 'catalogue.read'),
      schema: {
        tags,
        summary: 'Products, in catalogue order; filter by category, search by name',
        querystring: z.object({
          category: z.string().max(100).optional(),
          q: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(maxPageSize).default(50),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
        response: {
          200: z.object({
            total: z.number().int(),
            products: z.array(z.object({ id: z.string(), slug: z.string(), name: localised, categorySlug: z.string().nullable(), price: moneyView.nullable(), availability: z.object({ state: z.string() }).loose() })),
          }),
        },
      },
    },
    async (request) => {
      const filter = { shopId, categorySlug: request.query.category ?? null, search: request.query.q ?? null };
      const [products, total] = await Promise.all([
        listProducts(ctx.db, { ...filter, currency: baseCurrency(policy), now: await ctx.clock.now(), limit: request.query.limit, offset: request.query.offset }),
        countProducts(ctx.db, filter),
      ]);
      return { total, products: products.map((p) => ({ id: p.id, slug: p.slug, name: p.name, categorySlug: p.categorySlug, price: p.price, availability: p.availability })) };
    },
  );

  app.post(
    '/products',
    {
      onRequest: requireStaff(ctx, 'catalogue.manage'),
      schema: {
        tags,
        summary: 'Create a product (CAT-1, CAT-4 flags, CAT-5 lead time, PR-3 eco-fee)',
        body: z.object({ ...productFields, composition: productFields.composition.optional(), flags: flagsInput.optional(), ecoFee: productFields.ecoFee.optional(), position: productFields.position.optional() }),
        response: { 201: productView },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const created = await createProduct(ctx.db, {
        shopId,
        product: {
          slug: b.slug,
          categorySlug: b.category,
          name: b.name,
          description: b.description,
          composition: b.composition ?? null,
          ...(b.flags ? { flags: Object.fromEntries(Object.entries(b.flags).filter(([, v]) => v !== undefined)) } : {}),
          ecoFeeMinor: b.ecoFee ?? 0,
          ...(b.position !== undefined ? { position: b.position } : {}),
        },
        actor: actorOf(request.staff),
        now: await ctx.clock.now(),
      });
      return reply.status(201).send(await productById(created.id));
    },
  );

  app.get(
    '/products/:id',
    { onRequest: requireStaff(ctx, 'catalogue.read'), schema: { tags, summary: 'A product with its variants, current prices and stock per location', params: z.object({ id }), response: { 200: productView } } },
    async (request) => productById(request.params.id),
  );

  app.patch(
    '/products/:id',
    {
      onRequest: requireStaff(ctx, 'catalogue.manage'),
      schema: { tags, summary: 'Change a product (CAT-7: accepted orders keep what they froze)', params: z.object({ id }), body: z.object(productFields).partial(), response: { 200: productView } },
    },
    async (request) => {
      const b = request.body;
      await updateProduct(ctx.db, {
        shopId,
        productId: request.params.id,
        patch: {
          ...(b.slug !== undefined ? { slug: b.slug } : {}),
          ...(b.category !== undefined ? { categorySlug: b.category } : {}),
          ...(b.name !== undefined ? { name: b.name } : {}),
          ...(b.description !== undefined ? { description: b.description } : {}),
          ...(b.composition !== undefined ? { composition: b.composition } : {}),
          ...(b.flags !== undefined ? { flags: Object.fromEntries(Object.entries(b.flags).filter(([, v]) => v !== undefined)) } : {}),
          ...(b.ecoFee !== undefined ? { ecoFeeMinor: b.ecoFee } : {}),
          ...(b.position !== undefined ? { position: b.position } : {}),
        },
        actor: actorOf(request.staff),
        now: await ctx.clock.now(),
      });
      return productById(request.params.id);
    },
  );

  app.post(
    '/products/:id/variants',
    {
      onRequest: requireStaff(ctx, 'catalogue.manage'),
      schema: {
        tags,
        summary: 'Add a variant (SKU unique in the shop); it starts with 0 in stock at every location',
        params: z.object({ id }),
        body: z.object({ ...variantFields, options: variantFields.options.default({}), expectedArrival: variantFields.expectedArrival.default(null), backorderAllowed: variantFields.backorderAllowed.default(false), position: variantFields.position.optional() }),
        response: { 201: z.object({ id: z.string(), sku: z.string() }) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const created = await createVariant(ctx.db, {
        shopId,
        productId: request.params.id,
        variant: { sku: b.sku, options: b.options, expectedArrival: b.expectedArrival, backorderAllowed: b.backorderAllowed, ...(b.position !== undefined ? { position: b.position } : {}) },
        actor: actorOf(request.staff),
        now: await ctx.clock.now(),
      });
      return reply.status(201).send(created);
    },
  );

  app.patch(
    '/variants/:id',
    {
      onRequest: requireStaff(ctx, 'catalogue.manage'),
      schema: { tags, summary: 'Change a variant: SKU, options, expected arrival and back-order (CAT-2)', params: z.object({ id }), body: z.object(variantFields).partial(), response: { 200: z.object({ id: z.string(), sku: z.string() }) } },
    },
    async (request) => {
      const patch = Object.fromEntries(Object.entries(request.body).filter(([, v]) => v !== undefined));
      return updateVariant(ctx.db, { shopId, variantId: request.params.id, patch, actor: actorOf(request.staff), now: await ctx.clock.now() });
    },
  );

  app.get(
    '/variants/:id/stock',
    { onRequest: requireStaff(ctx, 'stock.read'), schema: { tags, summary: 'Stock of a variant per location (CAT-6)', params: z.object({ id }), response: { 200: z.object({ stock: z.array(stockView) }) } } },
    async (request) => {
      const stock = (await variantStock(ctx.db, { shopId, variantIds: [request.params.id] })).get(request.params.id) ?? [];
      if (stock.length === 0) throw new DomainError('variant.not_found', { field: 'id' }, `No variant ${request.params.id}.`);
      return { stock: stock.map((s) => ({ location: s.code, name: s.name, kind: s.kind, quantity: s.quantity })) };
    },
  );

  app.put(
    '/variants/:id/stock',
    {
      onRequest: requireStaff(ctx, 'stock.manage'),
      schema: {
        tags,
        summary: 'Set the counted stock of a variant at some locations (CAT-6); 0 → more at the warehouse queues the back-in-stock alerts (CAT-2)',
        params: z.object({ id }),
        body: z.object({ levels: z.array(z.object({ location: z.string().min(1).max(100), quantity: z.number().int() })).min(1).max(100) }),
        response: { 200: z.object({ levels: z.array(z.object({ location: z.string(), kind: z.string(), before: z.number().int(), after: z.number().int() })), backInStock: z.boolean() }) },
      },
    },
    async (request) => {
      const result = await setStock(ctx.db, {
        shopId,
        variantId: request.params.id,
        levels: request.body.levels.map((l) => ({ locationCode: l.location, quantity: l.quantity })),
        actor: actorOf(request.staff),
        now: await ctx.clock.now(),
      });
      return { levels: result.levels.map((l) => ({ location: l.locationCode, kind: l.kind, before: l.before, after: l.after })), backInStock: result.backInStock };
    },
  );

  app.get(
    '/variants/:id/prices',
    { onRequest: requireStaff(ctx, 'catalogue.read'), schema: { tags, summary: 'The price history of a variant, scheduled prices included, newest first (PR-6)', params: z.object({ id }), response: { 200: z.object({ prices: z.array(priceView) }) } } },
    async (request) => {
      const now = await ctx.clock.now();
      const prices = await listPriceHistory(ctx.db, { shopId, variantId: request.params.id, now });
      return { prices: prices.map(toPriceView) };
    },
  );

  app.post(
    '/variants/:id/prices',
    {
      onRequest: requireStaff(ctx, 'prices.manage'),
      schema: {
        tags,
        summary: 'Add a price, in force now or from a future instant (a scheduled reduction); the history is append-only (PR-4/PR-6)',
        params: z.object({ id }),
        body: z.object({ currency: z.string().max(3), amount: z.number().int().describe('minor units'), effectiveAt: z.iso.datetime({ offset: true }).optional() }),
        response: { 201: priceView },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const price = await addPrice(ctx.db, {
        shopId,
        variantId: request.params.id,
        currency: b.currency,
        amountMinor: b.amount,
        effectiveAt: b.effectiveAt ? new Date(b.effectiveAt) : null,
        currencies,
        actor: actorOf(request.staff),
        now: await ctx.clock.now(),
      });
      return reply.status(201).send(toPriceView(price));
    },
  );
};
