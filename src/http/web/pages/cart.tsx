// The cart page (CA-1): lines with quantity forms, remove, the promotion code
// form (PR-7), the destination and delivery method with prices and estimated
// dates (OR-2, SH-1…SH-3), and the totals — goods, eco-fees (PR-3), discounts,
// shipping, VAT breakdown or the not-subject mention (PR-1), total. Every form
// is a plain CSRF-protected POST: it works without JavaScript.
import type { CartView } from '../../../app/cart.js';
import { formatMoney, type Money } from '../../../domain/money.js';
import { cartMessages } from '../cart-messages.js';
import { TotalsTable } from '../totals-table.js';
import { Layout, type ShopView } from '../layout.js';
import type { Language } from '../language.js';

export type CartPageProps = {
  lang: Language;
  shop: ShopView;
  csrfToken: string;
  view: CartView;
  /** null: worldwide (a free country code field instead of a list). */
  countries: string[] | null;
  flash: { kind: 'error' | 'info'; message: string } | null;
};


export function CartPage(props: CartPageProps) {
  const { lang, view, csrfToken } = props;
  const t = cartMessages[lang];
  const priced = view.priced;
  const m = (x: Money) => formatMoney(x, lang);
  const day = (iso: string) => new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
  const countryName = new Intl.DisplayNames([lang === 'fr' ? 'fr' : 'en'], { type: 'region' });
  const facts = new Map(view.lines.map((l) => [l.variantId, l]));
  const csrf = <input type="hidden" name="_csrf" value={csrfToken} />;

  return (
    <Layout lang={lang} title={t.cartTitle} shop={props.shop} path="/cart" area="store">
      <h1>{t.cartTitle}</h1>
      {props.flash ? (
        <p class={props.flash.kind === 'error' ? 'error' : 'notice'} role={props.flash.kind === 'error' ? 'alert' : 'status'}>
          {props.flash.message}
        </p>
      ) : null}

      {priced.lines.length === 0 ? (
        <p>
          {t.emptyCart} <a href="/catalogue">{t.continueShopping}</a>
        </p>
      ) : (
        <table class="cart-lines">
          <thead>
            <tr>
              <th scope="col">{t.product}</th>
              <th scope="col">{t.unitPrice}</th>
              <th scope="col">{t.quantity}</th>
              <th scope="col">{t.lineTotal}</th>
            </tr>
          </thead>
          <tbody>
            {priced.lines.map((line) => {
              const f = line.isGift ? undefined : facts.get(line.variantId);
              const options = f ? Object.values(f.options).join(', ') : '';
              return (
                <tr key={line.lineId} class={line.isGift ? 'gift' : undefined}>
                  <td>
                    {f ? <a href={`/products/${encodeURIComponent(f.productSlug)}`}>{line.name[lang]}</a> : line.name[lang]}
                    {options ? <span class="meta"> — {options}</span> : null}
                    <br />
                    <span class="meta">{line.sku}</span>
                    {line.isGift ? (
                      <>
                        <br />
                        <strong>{t.gift}</strong>
                        {line.initialUnitPrice ? <span class="meta"> ({t.giftValue(m(line.initialUnitPrice))})</span> : null}
                      </>
                    ) : null}
                    {line.ecoFeePerUnit.amount > 0 ? (
                      <>
                        <br />
                        <span class="meta">{t.ecoFeePerUnit(m(line.ecoFeePerUnit))}</span>
                      </>
                    ) : null}
                  </td>
                  <td>{m(line.unitPrice)}</td>
                  <td>
                    {line.isGift ? (
                      line.quantity
                    ) : (
                      <>
                        <form method="post" action={`/cart/lines/${encodeURIComponent(line.variantId)}`} class="inline">
                          {csrf}
                          <label class="inline-label">
                            <span class="visually-hidden">{`${t.quantity} — ${line.name[lang]}`}</span>
                            <input type="number" name="quantity" value={String(line.quantity)} min="1" step="1" size={3} required />
                          </label>{' '}
                          <button type="submit">{t.update}</button>
                        </form>{' '}
                        <form method="post" action={`/cart/lines/${encodeURIComponent(line.variantId)}`} class="inline">
                          {csrf}
                          <input type="hidden" name="remove" value="1" />
                          <button type="submit" class="link">
                            {t.remove}
                          </button>
                        </form>
                      </>
                    )}
                  </td>
                  <td>
                    {line.discount.amount > 0 ? (
                      <>
                        <s>{m(line.lineGoods)}</s>{' '}
                      </>
                    ) : null}
                    {m(line.lineTotal)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <section aria-labelledby="codes-title">
        <h2 id="codes-title">{t.promoCode}</h2>
        {priced.appliedPromotions.length > 0 ? (
          <ul class="promotions">
            {priced.appliedPromotions.map((a) => (
              <li key={a.promotionId}>
                {a.code ?? t.runningPromotion}
                {a.discount.amount > 0 ? ` : −${m(a.discount)}` : ''}
                {a.code ? (
                  <>
                    {' '}
                    <form method="post" action="/cart/codes" class="inline">
                      {csrf}
                      <input type="hidden" name="remove" value={a.code} />
                      <button type="submit" class="link">
                        {t.remove}
                      </button>
                    </form>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        ) : null}
        <form method="post" action="/cart/codes" class="inline">
          {csrf}
          <label>
            {t.promoCode}
            <input name="code" required maxLength={64} autocomplete="off" />
          </label>{' '}
          <button type="submit">{t.apply}</button>
        </form>
      </section>

      <section aria-labelledby="delivery-title">
        <h2 id="delivery-title">{t.delivery}</h2>
        <form method="post" action="/cart/destination" class="stack">
          {csrf}
          <label>
            {t.country}
            {props.countries ? (
              <select name="country" required>
                <option value="">{t.chooseCountry}</option>
                {props.countries.map((c) => (
                  <option key={c} value={c} selected={c === view.destinationCountry}>
                    {countryName.of(c) ?? c}
                  </option>
                ))}
              </select>
            ) : (
              <input name="country" value={view.destinationCountry ?? ''} required pattern="[A-Za-z]{2}" maxLength={2} size={3} />
            )}
          </label>
          {priced.shippingOptions.length > 0 ? (
            <fieldset>
              <legend>{t.method}</legend>
              {priced.shippingOptions.map((o) => (
                <label key={o.methodId} class="radio">
                  <input type="radio" name="shippingMethodId" value={o.methodId} checked={o.methodId === view.shippingMethodId} />{' '}
                  {o.label[lang]} ({o.carrier}) — {o.free ? t.free : m(o.amount)}
                  {o.free && o.rate.amount > 0 ? (
                    <>
                      {' '}
                      <s>{m(o.rate)}</s>
                    </>
                  ) : null}
                  <span class="meta"> · {t.estimated(day(o.estimate.earliest), day(o.estimate.latest))}</span>
                </label>
              ))}
            </fieldset>
          ) : null}
          <button type="submit">{t.chooseDelivery}</button>
        </form>
      </section>

      <section aria-labelledby="totals-title">
        <h2 id="totals-title">{t.totals}</h2>
        <TotalsTable priced={priced} lang={lang} labels={{ ...t, shippingPending: t.shippingToChoose }} />
        {priced.vat.mention ? <p class="vat-mention">{priced.vat.mention[lang]}</p> : null}
        {view.cart ? <p class="meta">{t.keptUntil(new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long' }).format(view.cart.expiresAt))}</p> : null}
      </section>
    </Layout>
  );
}
