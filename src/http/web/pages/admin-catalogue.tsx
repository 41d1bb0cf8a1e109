// Back-office catalogue pages: the product list (search, category, create),
// a product's edit page with its variants, and a variant's page with its stock
// per location (CAT-6) and its price history with the "schedule a price" form
// (PR-4/PR-6). Forms post with the CSRF token and work without JavaScript.
import type { ComponentChildren } from 'preact';
import type { AdminProduct, PriceEntry } from '../../../app/catalogue-admin.js';
import type { CategorySummary, ProductSummary } from '../../../app/catalogue.js';
import type { LocationStock } from '../../../app/stock.js';
import { formatMoney, money, toDecimalString, type Currency } from '../../../domain/money.js';
import { catalogueMessages } from '../catalogue-messages.js';
import { Layout, type ShopView } from '../layout.js';
import type { Language } from '../language.js';
import { messages } from '../messages.js';

type Common = { lang: Language; shop: ShopView; csrfToken: string; staffEmail: string };

const Csrf = ({ token }: { token: string }) => <input type="hidden" name="_csrf" value={token} />;

function AdminLayout(props: Common & { title: string; path: string; children: ComponentChildren }) {
  return (
    <Layout lang={props.lang} title={props.title} shop={props.shop} path={props.path} area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      {props.children}
    </Layout>
  );
}

function ProductFields(props: { lang: Language; categories: CategorySummary[]; product?: AdminProduct | undefined; baseCurrency: Currency }) {
  const c = catalogueMessages[props.lang];
  const p = props.product;
  return (
    <>
      <label>
        {c.slug}
        <input name="slug" required pattern="[a-z0-9]+(-[a-z0-9]+)*" value={p?.slug ?? ''} />
      </label>
      <label>
        {c.category}
        <select name="category">
          <option value="">{c.none}</option>
          {props.categories.map((cat) => (
            <option key={cat.slug} value={cat.slug} selected={cat.slug === p?.categorySlug}>
              {cat.name[props.lang]}
            </option>
          ))}
        </select>
      </label>
      <label>
        {c.nameFr}
        <input name="name_fr" required value={p?.name.fr ?? ''} />
      </label>
      <label>
        {c.nameEn}
        <input name="name_en" required value={p?.name.en ?? ''} />
      </label>
      <label>
        {c.descriptionFr}
        <textarea name="description_fr" required rows={3}>{p?.description.fr ?? ''}</textarea>
      </label>
      <label>
        {c.descriptionEn}
        <textarea name="description_en" required rows={3}>{p?.description.en ?? ''}</textarea>
      </label>
      <label>
        {c.compositionFr}
        <textarea name="composition_fr" rows={2}>{p?.composition?.fr ?? ''}</textarea>
      </label>
      <label>
        {c.compositionEn}
        <textarea name="composition_en" rows={2}>{p?.composition?.en ?? ''}</textarea>
      </label>
      <label>
        {c.ecoFee} ({props.baseCurrency})
        <input name="ecoFee" inputMode="decimal" value={toDecimalString(money(p?.ecoFeeMinor ?? 0, props.baseCurrency))} />
      </label>
      <fieldset>
        <legend>{c.flags}</legend>
        {(
          [
            ['hygieneSealed', c.hygieneSealedFlag],
            ['personalised', c.personalisedFlag],
            ['secondHand', c.secondHandFlag],
            ['outlet', c.outletFlag],
            ['perishable', c.perishableFlag],
          ] as const
        ).map(([name, label]) => (
          <label key={name} class="check">
            <input type="checkbox" name={name} value="1" checked={p?.flags[name] ?? false} /> {label}
          </label>
        ))}
        <label>
          {c.extraLead}
          <input type="number" name="extraLeadWorkingDays" min={0} max={365} value={String(p?.flags.extraLeadWorkingDays ?? 0)} />
        </label>
      </fieldset>
    </>
  );
}

export function AdminCataloguePage(
  props: Common & {
    products: ProductSummary[];
    total: number;
    categories: CategorySummary[];
    filter: { category: string | null; q: string | null };
    page: number;
    pageSize: number;
    canManage: boolean;
    baseCurrency: Currency;
  },
) {
  const { lang } = props;
  const t = messages[lang];
  const c = catalogueMessages[lang];
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  const href = (page: number) => {
    const params = new URLSearchParams();
    if (props.filter.q) params.set('q', props.filter.q);
    if (props.filter.category) params.set('category', props.filter.category);
    params.set('page', String(page));
    return `/admin/catalogue?${params.toString()}`;
  };
  return (
    <AdminLayout {...props} title={t.catalogue} path="/admin/catalogue">
      <h1>{t.catalogue}</h1>
      <form method="get" action="/admin/catalogue" role="search" class="catalogue-filter">
        <label>
          {c.searchLabel}
          <input type="search" name="q" value={props.filter.q ?? ''} />
        </label>
        <label>
          {c.category}
          <select name="category">
            <option value="">{c.allCategories}</option>
            {props.categories.map((cat) => (
              <option key={cat.slug} value={cat.slug} selected={cat.slug === props.filter.category}>
                {cat.name[lang]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{c.search}</button>
      </form>
      <p class="meta">{t.productsCount(props.total)}</p>
      <table>
        <thead>
          <tr>
            <th scope="col">{c.products}</th>
            <th scope="col">{c.category}</th>
            <th scope="col">{c.price}</th>
            <th scope="col">{c.availability}</th>
          </tr>
        </thead>
        <tbody>
          {props.products.map((p) => (
            <tr key={p.id}>
              <td>
                <a href={`/admin/catalogue/products/${p.id}`}>{p.name[lang]}</a> <code>{p.slug}</code>
              </td>
              <td>{p.categorySlug ?? c.none}</td>
              <td>{p.price ? formatMoney(p.price, lang) : c.none}</td>
              <td>{p.availability.state}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 ? (
        <p class="pagination">
          {props.page > 1 ? <a href={href(props.page - 1)}>{c.previous}</a> : null} {c.pageOf(props.page, pages)}{' '}
          {props.page < pages ? <a href={href(props.page + 1)}>{c.next}</a> : null}
        </p>
      ) : null}
      {props.canManage ? (
        <section aria-labelledby="new-product">
          <h2 id="new-product">{c.newProduct}</h2>
          <form method="post" action="/admin/catalogue/products" class="stack">
            <Csrf token={props.csrfToken} />
            <ProductFields lang={lang} categories={props.categories} baseCurrency={props.baseCurrency} />
            <button type="submit">{c.create}</button>
          </form>
        </section>
      ) : null}
    </AdminLayout>
  );
}

const optionsText = (options: Record<string, string>) =>
  Object.entries(options)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

export function AdminProductPage(props: Common & { product: AdminProduct; categories: CategorySummary[]; canManage: boolean; baseCurrency: Currency }) {
  const { lang, product: p } = props;
  const c = catalogueMessages[lang];
  return (
    <AdminLayout {...props} title={p.name[lang]} path={`/admin/catalogue/products/${p.id}`}>
      <p>
        <a href="/admin/catalogue">{c.backToCatalogue}</a> · <a href={`/products/${p.slug}`}>/products/{p.slug}</a>
      </p>
      <h1>{p.name[lang]}</h1>
      <h2>{c.variants}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{c.sku}</th>
            <th scope="col">{c.options}</th>
            <th scope="col">{c.prices}</th>
            <th scope="col">{c.stock}</th>
            <th scope="col">{c.expectedArrival}</th>
          </tr>
        </thead>
        <tbody>
          {p.variants.map((v) => (
            <tr key={v.id}>
              <td>
                <a href={`/admin/catalogue/variants/${v.id}`}>{v.sku}</a>
              </td>
              <td>{Object.entries(v.options).map(([k, value]) => `${k}: ${value}`).join(', ')}</td>
              <td>{v.prices.map((m) => formatMoney(m, lang)).join(' · ') || c.none}</td>
              <td>{v.stock.map((s) => `${s.code}: ${s.quantity}`).join(' · ')}</td>
              <td>
                {v.expectedArrival ?? c.none}
                {v.backorderAllowed ? ` (${c.backorderAllowed})` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.canManage ? (
        <>
          <section aria-labelledby="edit-product">
            <h2 id="edit-product">{c.edit}</h2>
            <form method="post" action={`/admin/catalogue/products/${p.id}`} class="stack">
              <Csrf token={props.csrfToken} />
              <ProductFields lang={lang} categories={props.categories} product={p} baseCurrency={props.baseCurrency} />
              <button type="submit">{c.save}</button>
            </form>
          </section>
          <section aria-labelledby="new-variant">
            <h2 id="new-variant">{c.newVariant}</h2>
            <form method="post" action={`/admin/catalogue/products/${p.id}/variants`} class="stack">
              <Csrf token={props.csrfToken} />
              <VariantFields lang={lang} />
              <button type="submit">{c.create}</button>
            </form>
          </section>
        </>
      ) : null}
    </AdminLayout>
  );
}

function VariantFields(props: { lang: Language; variant?: { sku: string; options: Record<string, string>; expectedArrival: string | null; backorderAllowed: boolean } }) {
  const c = catalogueMessages[props.lang];
  const v = props.variant;
  return (
    <>
      <label>
        {c.sku}
        <input name="sku" required pattern="[A-Z0-9]+([\-_.][A-Z0-9]+)*" value={v?.sku ?? ''} />
      </label>
      <label>
        {c.options}
        <textarea name="options" rows={3}>{v ? optionsText(v.options) : ''}</textarea>
      </label>
      <label>
        {c.expectedArrival}
        <input type="date" name="expectedArrival" value={v?.expectedArrival ?? ''} />
      </label>
      <label class="check">
        <input type="checkbox" name="backorderAllowed" value="1" checked={v?.backorderAllowed ?? false} /> {c.backorderAllowed}
      </label>
    </>
  );
}

export function AdminVariantPage(
  props: Common & {
    productId: string;
    variant: AdminProduct['variants'][number];
    stock: LocationStock[] | null;
    prices: PriceEntry[];
    currencies: Currency[];
    timeZone: string;
    can: { manage: boolean; stock: boolean; prices: boolean };
  },
) {
  const { lang, variant: v } = props;
  const t = messages[lang];
  const c = catalogueMessages[lang];
  const instant = (d: Date) =>
    new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: props.timeZone }).format(d);
  return (
    <AdminLayout {...props} title={v.sku} path={`/admin/catalogue/variants/${v.id}`}>
      <p>
        <a href={`/admin/catalogue/products/${props.productId}`}>{c.backToProduct}</a>
      </p>
      <h1>
        {v.sku} <span class="meta">{Object.entries(v.options).map(([k, value]) => `${k}: ${value}`).join(', ')}</span>
      </h1>
      {props.stock ? (
        <section aria-labelledby="stock-title">
          <h2 id="stock-title">{c.stock}</h2>
          <form method="post" action={`/admin/catalogue/variants/${v.id}/stock`}>
            <Csrf token={props.csrfToken} />
            <table>
              <thead>
                <tr>
                  <th scope="col">{c.location}</th>
                  <th scope="col">{c.quantity}</th>
                </tr>
              </thead>
              <tbody>
                {props.stock.map((s) => (
                  <tr key={s.code}>
                    <td>
                      {s.name} <code>{s.code}</code> ({s.kind})
                    </td>
                    <td>
                      {props.can.stock ? (
                        <input type="number" name={`qty_${s.code}`} min={0} value={String(s.quantity)} aria-label={`${c.quantity} ${s.code}`} size={6} />
                      ) : (
                        s.quantity
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {props.can.stock ? <button type="submit">{c.save}</button> : null}
          </form>
        </section>
      ) : null}
      <section aria-labelledby="prices-title">
        <h2 id="prices-title">{c.priceHistory}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{c.effective}</th>
              <th scope="col">{c.amount}</th>
              <th scope="col">{c.recorded}</th>
            </tr>
          </thead>
          <tbody>
            {props.prices.map((p) => (
              <tr key={p.id} class={p.scheduled ? 'scheduled' : undefined}>
                <td>
                  <time dateTime={p.effectiveAt.toISOString()}>{instant(p.effectiveAt)}</time>
                  {p.scheduled ? ` (${c.scheduled})` : ''}
                </td>
                <td>{formatMoney(money(p.amountMinor, p.currency), lang)}</td>
                <td>
                  <time dateTime={p.recordedAt.toISOString()}>{instant(p.recordedAt)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {props.prices.length === 0 ? <p>{t.nothingYet}</p> : null}
        {props.can.prices ? (
          <form method="post" action={`/admin/catalogue/variants/${v.id}/prices`} class="stack">
            <h3>{c.schedulePrice}</h3>
            <Csrf token={props.csrfToken} />
            <label>
              {c.currency}
              <select name="currency">
                {props.currencies.map((cur) => (
                  <option key={cur} value={cur}>
                    {cur}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {c.amount}
              <input name="amount" required inputMode="decimal" pattern="[0-9]+([.,][0-9]{1,2})?" />
            </label>
            <label>
              {c.effectiveAt} ({props.timeZone})
              <input type="datetime-local" name="effectiveAt" />
            </label>
            <button type="submit">{c.schedulePrice}</button>
          </form>
        ) : null}
      </section>
      {props.can.manage ? (
        <section aria-labelledby="edit-variant">
          <h2 id="edit-variant">{c.edit}</h2>
          <form method="post" action={`/admin/catalogue/variants/${v.id}`} class="stack">
            <Csrf token={props.csrfToken} />
            <VariantFields lang={lang} variant={v} />
            <button type="submit">{c.save}</button>
          </form>
        </section>
      ) : null}
    </AdminLayout>
  );
}
