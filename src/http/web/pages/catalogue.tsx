// /catalogue: the product list with a category filter, a search box and pages
// — plain GET forms and links, no JavaScript needed.
import type { CategorySummary, ProductSummary } from '../../../app/catalogue.js';
import { formatMoney, money, type Currency } from '../../../domain/money.js';
import { catalogueMessages } from '../catalogue-messages.js';
import { Layout, type ShopView } from '../layout.js';
import type { Language } from '../language.js';
import { messages } from '../messages.js';

export type CataloguePageProps = {
  lang: Language;
  shop: ShopView;
  products: ProductSummary[];
  total: number;
  categories: CategorySummary[];
  filter: { category: string | null; q: string | null };
  page: number;
  pageSize: number;
  baseCurrency: Currency;
};

export const longDate = (lang: Language, iso: string) =>
  new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));

function pageHref(filter: CataloguePageProps['filter'], page: number): string {
  const params = new URLSearchParams();
  if (filter.category) params.set('category', filter.category);
  if (filter.q) params.set('q', filter.q);
  if (page > 1) params.set('page', String(page));
  const query = params.toString();
  return query ? `/catalogue?${query}` : '/catalogue';
}

export function CataloguePage(props: CataloguePageProps) {
  const { lang, filter } = props;
  const t = messages[lang];
  const c = catalogueMessages[lang];
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  return (
    <Layout lang={lang} title={t.catalogue} shop={props.shop} path="/catalogue" area="store">
      <h1>{t.catalogue}</h1>
      <form method="get" action="/catalogue" class="catalogue-filter" role="search">
        <label>
          {c.searchLabel}
          <input type="search" name="q" value={filter.q ?? ''} maxLength={200} />
        </label>
        <label>
          {c.category}
          <select name="category">
            <option value="">{c.allCategories}</option>
            {props.categories.map((cat) => (
              <option key={cat.slug} value={cat.slug} selected={cat.slug === filter.category}>
                {cat.name[lang]} ({cat.products})
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{c.search}</button>
      </form>
      <p class="meta">{t.productsCount(props.total)}</p>
      {props.products.length === 0 ? <p>{c.noResults}</p> : null}
      <ul class="products">
        {props.products.map((p) => (
          <li class="product" key={p.id}>
            <a href={`/products/${encodeURIComponent(p.slug)}`}>
              {p.imagePath ? <img src={`/media/${encodeURIComponent(p.imagePath)}`} alt="" width={320} height={320} /> : null}
              <h2>{p.name[lang]}</h2>
            </a>
            {p.price ? <p class="price">{formatMoney(p.price, lang)}</p> : null}
            {p.ecoFeeMinor > 0 ? <p class="eco-fee">{c.ecoFeeLine(formatMoney(money(p.ecoFeeMinor, props.baseCurrency), lang))}</p> : null}
            <p class="availability">
              {p.availability.state === 'in_stock'
                ? t.inStock
                : p.availability.state === 'awaiting_stock' && p.availability.expectedArrival
                  ? t.awaitingStock(longDate(lang, p.availability.expectedArrival))
                  : t.unavailable}
            </p>
          </li>
        ))}
      </ul>
      {pages > 1 ? (
        <nav class="pagination" aria-label={c.pageOf(props.page, pages)}>
          {props.page > 1 ? (
            <a rel="prev" href={pageHref(filter, props.page - 1)}>
              {c.previous}
            </a>
          ) : null}{' '}
          <span>{c.pageOf(props.page, pages)}</span>{' '}
          {props.page < pages ? (
            <a rel="next" href={pageHref(filter, props.page + 1)}>
              {c.next}
            </a>
          ) : null}
        </nav>
      ) : null}
    </Layout>
  );
}
