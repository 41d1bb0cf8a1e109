// Storefront catalogue pages: /catalogue (category filter, search, pages) and
// /products/:slug. Plain GET pages; the forms they carry post to the cart
// (POST /cart/lines) and to the back-in-stock alert list (POST /stock-alerts).
import type { FastifyPluginAsync } from 'fastify';
import { getProductDetail, listCategories, listCountedPage, priceDisplayOf, type PriceDisplayView } from '../../app/catalogue.js';
import type { AppContext } from '../../app/context.js';
import { storesWithStock } from '../../app/reservations.js';
import { DomainError } from '../../domain/errors.js';
import { vatTreatment } from '../../domain/pricing/vat.js';
import { currencyFor } from '../../policy/schema.js';
import { resolveLanguage } from '../web/language.js';
import { CataloguePage } from '../web/pages/catalogue.js';
import { ProductPage } from '../web/pages/product.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';
import { catalogueMessages } from '../web/catalogue-messages.js';
import { stockAlertOutcome } from '../web/stock-alert-form.js';

const pageSize = 24;
const maxPage = 10_000;

const text = (value: unknown, max: number): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : null);

export const cataloguePageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  const { policy } = ctx.shop;
  // PR-1: the storefront shows the price list of the shop's own country.
  const currency = currencyFor(policy, policy.shop.dispatchCountry);
  const vat = vatTreatment(policy, null);

  app.get('/catalogue', async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const query = (request.query ?? {}) as Record<string, unknown>;
    const filter = { category: text(query.category, 100), q: text(query.q, 200) };
    const asked = Number(text(query.page, 6) ?? '1');
    if (!Number.isSafeInteger(asked) || asked < 1 || asked > maxPage) {
      throw new DomainError('catalogue.invalid_page', { field: 'page', max: maxPage }, 'No such page.');
    }
    const where = { shopId: ctx.shop.id, categorySlug: filter.category, search: filter.q };
    const now = await ctx.clock.now();
    const [{ products, total }, categories] = await Promise.all([
      listCountedPage(ctx.db, { ...where, currency, now, limit: pageSize, offset: (asked - 1) * pageSize }),
      listCategories(ctx.db, { shopId: ctx.shop.id }),
    ]);
    return sendPage(
      reply,
      <CataloguePage lang={lang} shop={shop} products={products} total={total} categories={categories} filter={filter} page={asked} pageSize={pageSize} baseCurrency={currency} />,
    );
  });

  app.get('/products/:slug', async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const { slug } = request.params as { slug: string };
    const now = await ctx.clock.now();
    const product = await getProductDetail(ctx.db, { shopId: ctx.shop.id, slug: slug.slice(0, 200), currency, now });
    const displays = new Map<string, PriceDisplayView | null>(product.variants.map((v) => [v.id, priceDisplayOf(v.priceHistory, currency, now)]));
    // ST-1: where the shop offers reservation in store, the stores that have each variant.
    const reserveInStore = policy.reservations ? { rules: policy.reservations, stores: await storesWithStock(ctx.db, { shopId: ctx.shop.id, variantIds: product.variants.map((v) => v.id) }) } : undefined;
    // PR-1: prices include VAT, or the franchise mention of a seller not subject to it.
    const vatNote = vat.mode === 'not_subject' && vat.mention ? vat.mention[lang] : catalogueMessages[lang].vatIncluded;
    return sendPage(
      reply,
      <ProductPage
        lang={lang}
        shop={shop}
        csrfToken={reply.generateCsrf()}
        product={product}
        displays={displays}
        baseCurrency={currency}
        vatNote={vatNote}
        maxQuantity={policy.cart.maxQuantityPerReference}
        alertsOffered={policy.catalogue.backInStockAlerts}
        alertOutcome={stockAlertOutcome(request.query)}
        reserveInStore={reserveInStore}
      />,
    );
  });
};
