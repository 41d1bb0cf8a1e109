// /admin/catalogue: back-office catalogue pages — products (list, create,
// edit), variants, stock per location (CAT-6), prices with their history and
// the "schedule a price" form (PR-4/PR-6). Access is checked in onRequest,
// CSRF in preHandler; each form calls one use case (one transaction, audited).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Temporal } from 'temporal-polyfill';
import { countProducts, listCategories, listProducts } from '../../app/catalogue.js';
import { addPrice, createProduct, createVariant, getProductForAdmin, listPriceHistory, updateProduct, updateVariant, variantOwner, type ProductInput } from '../../app/catalogue-admin.js';
import type { AppContext } from '../../app/context.js';
import { setStock, variantStock } from '../../app/stock.js';
import { DomainError } from '../../domain/errors.js';
import { isCurrency, parseAmount, type Currency } from '../../domain/money.js';
import { can } from '../../domain/staff-roles.js';
import type { Actor } from '../../store/audit.js';
import { requireStaffPage } from '../auth.js';
import { resolveLanguage } from '../web/language.js';
import { AdminCataloguePage, AdminProductPage, AdminVariantPage } from '../web/pages/admin-catalogue.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';
import { baseCurrency } from './catalogue-store-api.js';

const pageSize = 50;

type Form = Record<string, unknown>;
const field = (form: Form, name: string): string => (typeof form[name] === 'string' ? (form[name] as string).trim() : '');
const checked = (form: Form, name: string): boolean => field(form, name) !== '';
const idParam = (request: FastifyRequest): string => {
  const { id } = request.params as { id: string };
  if (!/^\d{1,19}$/.test(id)) throw new DomainError('request.invalid', { field: 'id' }, 'Expected a numeric id.');
  return id;
};

/** A decimal amount typed in a form ("12,90") → minor units; `code` names the rule broken. */
function amountField(form: Form, name: string, currency: Currency, codes: { negative: string; invalid: string }, rule: string): number {
  const text = field(form, name).replace(',', '.');
  if (text.startsWith('-')) throw new DomainError(codes.negative, { field: name, rule }, 'The amount cannot be negative.');
  try {
    return parseAmount(text || '0', currency).amount;
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError(codes.invalid, { field: name, rule }, 'Write the amount like 12.90.');
    throw error;
  }
}

function integerField(form: Form, name: string, code: string, rule: string): number {
  const text = field(form, name) || '0';
  if (!/^-?\d{1,9}$/.test(text)) throw new DomainError(code, { field: name, rule }, 'Expected a whole number.');
  return Number(text);
}

function localisedField(form: Form, name: string): { fr: string; en: string } {
  return { fr: field(form, `${name}_fr`), en: field(form, `${name}_en`) };
}

function optionsField(form: Form): Record<string, string> {
  const options: Record<string, string> = {};
  for (const line of field(form, 'options').split(/\r?\n/)) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at < 1) throw new DomainError('variant.invalid_options', { field: 'options', rule: 'CAT-1' }, 'Write each option as name=value.');
    options[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return options;
}

export const catalogueBackOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  const shopId = ctx.shop.id;
  const { policy } = ctx.shop;
  const base = baseCurrency(policy);
  const currencies = policy.pricing.priceLists.map((l) => l.currency);
  const timeZone = policy.shop.timeZone;
  const actorOf = (request: FastifyRequest): Actor => ({ kind: 'staff', staffId: request.staff!.id });
  const common = (request: FastifyRequest, reply: FastifyReply) => ({
    lang: resolveLanguage(request, reply),
    shop,
    csrfToken: reply.generateCsrf(),
    staffEmail: request.staff!.email,
  });

  const productForm = (form: Form): Omit<ProductInput, 'position'> => {
    const composition = localisedField(form, 'composition');
    return {
      slug: field(form, 'slug'),
      categorySlug: field(form, 'category') || null,
      name: localisedField(form, 'name'),
      description: localisedField(form, 'description'),
      composition: composition.fr || composition.en ? composition : null,
      flags: {
        hygieneSealed: checked(form, 'hygieneSealed'),
        personalised: checked(form, 'personalised'),
        extraLeadWorkingDays: integerField(form, 'extraLeadWorkingDays', 'product.invalid_lead_time', 'CAT-5'),
        secondHand: checked(form, 'secondHand'),
        outlet: checked(form, 'outlet'),
        perishable: checked(form, 'perishable'),
      },
      ecoFeeMinor: amountField(form, 'ecoFee', base, { negative: 'product.eco_fee_negative', invalid: 'product.invalid_eco_fee' }, 'PR-3'),
    };
  };

  app.get('/', { onRequest: requireStaffPage(ctx, 'catalogue.read') }, async (request, reply) => {
    const query = (request.query ?? {}) as Form;
    const filter = { category: field(query, 'category').slice(0, 100) || null, q: field(query, 'q').slice(0, 200) || null };
    const page = Math.min(Math.max(Number(field(query, 'page')) || 1, 1), 10_000);
    const where = { shopId, categorySlug: filter.category, search: filter.q };
    const [products, total, categories] = await Promise.all([
      listProducts(ctx.db, { ...where, currency: base, now: await ctx.clock.now(), limit: pageSize, offset: (page - 1) * pageSize }),
      countProducts(ctx.db, where),
      listCategories(ctx.db, { shopId }),
    ]);
    return sendPage(
      reply,
      <AdminCataloguePage
        {...common(request, reply)}
        products={products}
        total={total}
        categories={categories}
        filter={filter}
        page={page}
        pageSize={pageSize}
        canManage={can(request.staff!.role, 'catalogue.manage')}
        baseCurrency={base}
      />,
    );
  });

  app.post('/products', { onRequest: requireStaffPage(ctx, 'catalogue.manage'), preHandler: app.csrfProtection }, async (request, reply) => {
    const created = await createProduct(ctx.db, { shopId, product: productForm(request.body as Form), actor: actorOf(request), now: await ctx.clock.now() });
    return reply.redirect(`/admin/catalogue/products/${created.id}`, 303);
  });

  app.get('/products/:id', { onRequest: requireStaffPage(ctx, 'catalogue.read') }, async (request, reply) => {
    const product = await getProductForAdmin(ctx.db, { shopId, productId: idParam(request), now: await ctx.clock.now() });
    const categories = await listCategories(ctx.db, { shopId });
    return sendPage(
      reply,
      <AdminProductPage {...common(request, reply)} product={product} categories={categories} canManage={can(request.staff!.role, 'catalogue.manage')} baseCurrency={base} />,
    );
  });

  app.post('/products/:id', { onRequest: requireStaffPage(ctx, 'catalogue.manage'), preHandler: app.csrfProtection }, async (request, reply) => {
    const productId = idParam(request);
    await updateProduct(ctx.db, { shopId, productId, patch: productForm(request.body as Form), actor: actorOf(request), now: await ctx.clock.now() });
    return reply.redirect(`/admin/catalogue/products/${productId}`, 303);
  });

  app.post('/products/:id/variants', { onRequest: requireStaffPage(ctx, 'catalogue.manage'), preHandler: app.csrfProtection }, async (request, reply) => {
    const form = request.body as Form;
    const created = await createVariant(ctx.db, {
      shopId,
      productId: idParam(request),
      variant: { sku: field(form, 'sku'), options: optionsField(form), expectedArrival: field(form, 'expectedArrival') || null, backorderAllowed: checked(form, 'backorderAllowed') },
      actor: actorOf(request),
      now: await ctx.clock.now(),
    });
    return reply.redirect(`/admin/catalogue/variants/${created.id}`, 303);
  });

  app.get('/variants/:id', { onRequest: requireStaffPage(ctx, 'catalogue.read') }, async (request, reply) => {
    const variantId = idParam(request);
    const now = await ctx.clock.now();
    const owner = await variantOwner(ctx.db, { shopId, variantId });
    const product = await getProductForAdmin(ctx.db, { shopId, productId: owner.productId, now });
    const variant = product.variants.find((v) => v.id === variantId)!;
    const role = request.staff!.role;
    const stock = can(role, 'stock.read') ? ((await variantStock(ctx.db, { shopId, variantIds: [variantId] })).get(variantId) ?? []) : null;
    return sendPage(
      reply,
      <AdminVariantPage
        {...common(request, reply)}
        productId={owner.productId}
        variant={variant}
        stock={stock}
        prices={await listPriceHistory(ctx.db, { shopId, variantId, now })}
        currencies={currencies}
        timeZone={timeZone}
        can={{ manage: can(role, 'catalogue.manage'), stock: can(role, 'stock.manage'), prices: can(role, 'prices.manage') }}
      />,
    );
  });

  app.post('/variants/:id', { onRequest: requireStaffPage(ctx, 'catalogue.manage'), preHandler: app.csrfProtection }, async (request, reply) => {
    const variantId = idParam(request);
    const form = request.body as Form;
    await updateVariant(ctx.db, {
      shopId,
      variantId,
      patch: { sku: field(form, 'sku'), options: optionsField(form), expectedArrival: field(form, 'expectedArrival') || null, backorderAllowed: checked(form, 'backorderAllowed') },
      actor: actorOf(request),
      now: await ctx.clock.now(),
    });
    return reply.redirect(`/admin/catalogue/variants/${variantId}`, 303);
  });

  app.post('/variants/:id/stock', { onRequest: requireStaffPage(ctx, 'stock.manage'), preHandler: app.csrfProtection }, async (request, reply) => {
    const variantId = idParam(request);
    const form = request.body as Form;
    const levels = Object.keys(form)
      .filter((name) => name.startsWith('qty_'))
      .map((name) => ({ locationCode: name.slice(4), quantity: integerField(form, name, 'stock.invalid_quantity', 'CAT-6') }));
    await setStock(ctx.db, { shopId, variantId, levels, actor: actorOf(request), now: await ctx.clock.now() });
    return reply.redirect(`/admin/catalogue/variants/${variantId}`, 303);
  });

  app.post('/variants/:id/prices', { onRequest: requireStaffPage(ctx, 'prices.manage'), preHandler: app.csrfProtection }, async (request, reply) => {
    const variantId = idParam(request);
    const form = request.body as Form;
    const currency = field(form, 'currency');
    if (!isCurrency(currency)) throw new DomainError('price.currency_not_sold', { field: 'currency', rule: 'PR-1' }, `No price list in ${currency}.`);
    const local = field(form, 'effectiveAt');
    let effectiveAt: Date | null = null;
    if (local) {
      // The form's local date and time are the shop's wall clock.
      try {
        effectiveAt = new Date(Temporal.PlainDateTime.from(local).toZonedDateTime(timeZone).epochMilliseconds);
      } catch {
        throw new DomainError('price.invalid_instant', { field: 'effectiveAt', rule: 'PR-4' }, 'Expected a date and time.');
      }
    }
    await addPrice(ctx.db, {
      shopId,
      variantId,
      currency,
      amountMinor: amountField(form, 'amount', currency, { negative: 'price.negative', invalid: 'price.invalid_amount' }, 'PR-9'),
      effectiveAt,
      currencies,
      actor: actorOf(request),
      now: await ctx.clock.now(),
    });
    return reply.redirect(`/admin/catalogue/variants/${variantId}`, 303);
  });
};
