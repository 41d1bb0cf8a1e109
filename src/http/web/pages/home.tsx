import type { ProductSummary } from '../../../app/catalogue.js';
import { formatMoney } from '../../../domain/money.js';
import { Layout, type ShopView } from '../layout.js';
import type { Language } from '../language.js';
import { messages } from '../messages.js';

export function HomePage(props: { lang: Language; shop: ShopView; products: ProductSummary[]; total: number }) {
  const { lang } = props;
  const t = messages[lang];
  const date = (iso: string) => new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
  return (
    <Layout lang={lang} title={t.catalogue} shop={props.shop} path="/" area="store">
      <h1>{t.catalogue}</h1>
      <p class="meta">{t.productsCount(props.total)}</p>
      <ul class="products">
        {props.products.map((p) => (
          <li class="product" key={p.id}>
            {p.imagePath ? <img src={`/media/${encodeURIComponent(p.imagePath)}`} alt={p.name[lang]} width={320} height={320} /> : null}
            <h2>{p.name[lang]}</h2>
            {p.price ? <p class="price">{formatMoney(p.price, lang)}</p> : null}
            <p class="availability">
              {p.availability.state === 'in_stock'
                ? t.inStock
                : p.availability.state === 'awaiting_stock' && p.availability.expectedArrival
                  ? t.awaitingStock(date(p.availability.expectedArrival))
                  : t.unavailable}
            </p>
            <ul class="flags">
              {p.flags.hygieneSealed ? <li>{t.hygieneSealed}</li> : null}
              {p.flags.personalised ? <li>{t.personalised}</li> : null}
              {p.flags.secondHand ? <li>{t.secondHand}</li> : null}
              {p.flags.outlet ? <li>{t.outlet}</li> : null}
            </ul>
          </li>
        ))}
      </ul>
    </Layout>
  );
}
