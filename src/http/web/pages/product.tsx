// /products/:slug: one product — its variants with options, SKU, price (with
// the PR-6 reference price and percentage when reduced), the eco-fee per unit
// shown apart (PR-3), availability (CAT-2) with the arrival date, the flags a
// customer must know before buying (CAT-4/CAT-5), the add-to-cart form and the
// back-in-stock alert form. Works without JavaScript.
import type { PriceDisplayView, ProductDetail, VariantDetail } from '../../../app/catalogue.js';
import { canAddToCart, offersStockAlert } from '../../../domain/catalogue/availability.js';
import { formatMoney, money, type Currency } from '../../../domain/money.js';
import { catalogueMessages } from '../catalogue-messages.js';
import { Layout, type ShopView } from '../layout.js';
import type { Language } from '../language.js';
import { messages } from '../messages.js';
import { StockAlertForm, type StockAlertOutcome } from '../stock-alert-form.js';
import { ReserveInStoreForm, type ReserveInStoreView } from '../reserve-in-store-form.js';
import { longDate } from './catalogue.js';

export type ProductPageProps = {
  lang: Language;
  shop: ShopView;
  csrfToken: string;
  product: ProductDetail;
  displays: Map<string, PriceDisplayView | null>;
  baseCurrency: Currency;
  /** PR-1: the VAT mention next to prices ("TTC", or the franchise mention). */
  vatNote: string;
  /** CAT-3: the most units of one reference per order, when the policy caps it. */
  maxQuantity: number | null;
  /** CAT-2: the shop offers back-in-stock alerts (policy `catalogue.backInStockAlerts`). */
  alertsOffered: boolean;
  /** The outcome of the alert form just sent (POST /stock-alerts redirects back here). */
  alertOutcome?: StockAlertOutcome | undefined;
  /** ST-1: the stores that have each variant, where the shop offers reservation in store. */
  reserveInStore?: ReserveInStoreView | undefined;
};

function Price({ lang, display }: { lang: Language; display: PriceDisplayView | null | undefined }) {
  const c = catalogueMessages[lang];
  if (!display) return <p class="price">{c.notPriced}</p>;
  const { reduced } = display;
  if (!reduced) return <p class="price">{formatMoney(display.current, lang)}</p>;
  // PR-6: the reference is the lowest price of the 30 days before the reduction; the percentage is computed from it.
  return (
    <p class="price reduced">
      <strong>{formatMoney(display.current, lang)}</strong>{' '}
      {reduced.percentOff > 0 ? <span class="percent-off">−{reduced.percentOff} %</span> : null}{' '}
      <span class="reference">
        {c.reference}
        {messages[lang].colon}
        <s>{formatMoney(reduced.reference, lang)}</s> ({c.referenceExplained})
      </span>
    </p>
  );
}

function Variant(props: ProductPageProps & { variant: VariantDetail; showOutcome: boolean }) {
  const { lang, variant: v } = props;
  const t = messages[lang];
  const c = catalogueMessages[lang];
  const a = v.availability;
  const options = Object.entries(v.options).map(([k, value]) => `${k}: ${value}`).join(', ');
  return (
    <li class="variant" id={`variant-${v.id}`}>
      <h3>{options || v.sku}</h3>
      <p class="meta">
        {c.sku}
        {t.colon}
        <code>{v.sku}</code>
      </p>
      <Price lang={lang} display={props.displays.get(v.id)} />
      <p class={`availability ${a.state}`}>
        {a.state === 'in_stock' ? t.inStock : a.state === 'awaiting_stock' && a.expectedArrival ? t.awaitingStock(longDate(lang, a.expectedArrival)) : t.unavailable}
      </p>
      {a.state === 'awaiting_stock' && a.backorderAllowed ? <p class="backorder">{c.backorder}</p> : null}
      {canAddToCart(a) && v.price ? (
        <form method="post" action="/cart/lines" class="add-to-cart">
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <input type="hidden" name="variantId" value={v.id} />
          <label>
            {c.quantity}
            <input type="number" name="quantity" value="1" min={1} {...(props.maxQuantity ? { max: props.maxQuantity } : {})} required size={3} />
          </label>
          <button type="submit">{a.state === 'in_stock' ? c.addToCart : c.preorder}</button>
        </form>
      ) : null}
      {props.alertsOffered && offersStockAlert(a) ? (
        <StockAlertForm lang={lang} variantId={v.id} csrfToken={props.csrfToken} returnTo={`/products/${props.product.slug}`} outcome={props.showOutcome ? props.alertOutcome : undefined} />
      ) : null}
      {props.reserveInStore ? <ReserveInStoreForm lang={lang} variantId={v.id} csrfToken={props.csrfToken} view={props.reserveInStore} /> : null}
    </li>
  );
}

export function ProductPage(props: ProductPageProps) {
  const { lang, product: p } = props;
  const t = messages[lang];
  const c = catalogueMessages[lang];
  const f = p.flags;
  const flagLines = [
    f.hygieneSealed ? t.hygieneSealed : null,
    f.personalised ? (f.extraLeadWorkingDays > 0 ? c.personalisedLead(f.extraLeadWorkingDays) : c.personalisedNoLead) : null,
    f.secondHand ? c.secondHandFull : null,
    f.outlet ? c.outletFull : null,
    f.perishable ? c.perishable : null,
  ].filter((x): x is string => x !== null);
  // The alert form's outcome comes back without the variant: shown on the first alert form.
  const firstAlert = p.variants.find((v) => offersStockAlert(v.availability))?.id;
  return (
    <Layout lang={lang} title={p.name[lang]} shop={props.shop} path={`/products/${p.slug}`} area="store">
      <p class="meta">
        <a href="/catalogue">{t.catalogue}</a>
        {p.category ? (
          <>
            {' › '}
            <a href={`/catalogue?category=${encodeURIComponent(p.category.slug)}`}>{p.category.name[lang]}</a>
          </>
        ) : null}
      </p>
      <h1>{p.name[lang]}</h1>
      <div class="product-detail">
        <div class="images">
          {p.images.map((img) => (
            <img key={img.path} src={`/media/${encodeURIComponent(img.path)}`} alt={img.alt[lang]} width={480} height={480} />
          ))}
        </div>
        <div>
          {flagLines.length > 0 ? (
            <ul class="flags" aria-label={c.flags}>
              {flagLines.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          ) : null}
          <p class="meta vat-note">{props.vatNote}</p>
          {p.ecoFeeMinor > 0 ? <p class="eco-fee">{c.ecoFeeLine(formatMoney(money(p.ecoFeeMinor, props.baseCurrency), lang))}</p> : null}
          <h2>{c.variants}</h2>
          <ul class="variants">
            {p.variants.map((v) => (
              <Variant key={v.id} {...props} variant={v} showOutcome={v.id === firstAlert} />
            ))}
          </ul>
        </div>
      </div>
      <h2>{c.description}</h2>
      <p>{p.description[lang]}</p>
      {p.composition ? (
        <>
          <h2>{c.composition}</h2>
          <p>{p.composition[lang]}</p>
        </>
      ) : null}
    </Layout>
  );
}
