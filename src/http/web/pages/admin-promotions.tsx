// Back office: the promotions list and the form that creates one (PR-7, PR-8).
import type { Promotion } from '../../../app/promotions.js';
import { formatMoney } from '../../../domain/money.js';
import { cartMessages } from '../cart-messages.js';
import { Layout, type ShopView } from '../layout.js';
import type { Language } from '../language.js';

export type AdminPromotionsProps = {
  lang: Language;
  shop: ShopView;
  csrfToken: string;
  staffEmail: string;
  promotions: Promotion[];
  currencies: string[];
  giftsOffered: boolean;
  error: { code: string; message: string; field?: string } | null;
  notice: string | null;
};

export function AdminPromotionsPage(props: AdminPromotionsProps) {
  const { lang } = props;
  const t = cartMessages[lang];
  const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '…');
  const value = (p: Promotion) =>
    p.kind === 'percentage'
      ? `${(p.percentBasisPoints ?? 0) / 100} %`
      : p.kind === 'fixed_amount' && p.amount
        ? formatMoney(p.amount, lang)
        : `${t.kinds.gift}${p.giftSku ? ` ${p.giftSku}` : ''}`;
  return (
    <Layout lang={lang} title={t.promotions} shop={props.shop} path="/admin/promotions" area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>{t.promotions}</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      {props.error ? (
        <p class="error" role="alert">
          {props.error.message} <code>{props.error.code}</code>
          {props.error.field ? <> ({props.error.field})</> : null}
        </p>
      ) : null}
      {props.promotions.length === 0 ? <p>{t.none}</p> : null}
      {props.promotions.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t.name}</th>
              <th scope="col">{t.code}</th>
              <th scope="col">{t.value}</th>
              <th scope="col">{t.window}</th>
              <th scope="col">{t.minimumBasket}</th>
              <th scope="col">{t.used}</th>
              <th scope="col">{t.combinable}</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {props.promotions.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>{p.code ?? <em>{t.automatic}</em>}</td>
                <td>{value(p)}</td>
                <td>
                  {when(p.startsAt)} → {when(p.endsAt)}
                </td>
                <td>{p.minimumBasket ? formatMoney(p.minimumBasket, lang) : '—'}</td>
                <td>
                  {p.usedTotal}
                  {p.usageLimitTotal !== null ? ` / ${p.usageLimitTotal}` : ''}
                </td>
                <td>{p.combinable ? '✓' : '—'}</td>
                <td>
                  {p.archivedAt ? (
                    <em>{t.archived}</em>
                  ) : (
                    <form method="post" action={`/admin/promotions/${p.id}/archive`} class="inline">
                      <input type="hidden" name="_csrf" value={props.csrfToken} />
                      <button type="submit" class="link">
                        {t.archive}
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      <section aria-labelledby="new-promotion">
        <h2 id="new-promotion">{t.newPromotion}</h2>
        <form method="post" action="/admin/promotions" class="stack">
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <label>
            {t.name}
            <input name="name" required maxLength={200} />
          </label>
          <label>
            {t.code} <span class="meta">({t.automatic} = vide / empty)</span>
            <input name="code" maxLength={40} pattern="[A-Za-z0-9_\-]{2,40}" />
          </label>
          <label>
            {t.kind}
            <select name="kind">
              <option value="percentage">{t.kinds.percentage}</option>
              <option value="fixed_amount">{t.kinds.fixed_amount}</option>
              {props.giftsOffered ? <option value="gift">{t.kinds.gift}</option> : null}
            </select>
          </label>
          <label>
            {t.percent}
            <input name="percent" inputMode="decimal" placeholder="15" />
          </label>
          <label>
            {t.amount}
            <input name="amount" inputMode="decimal" placeholder="10.00" />
          </label>
          <label>
            Devise / Currency
            <select name="currency">
              {props.currencies.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          {props.giftsOffered ? (
            <label>
              {t.giftSku}
              <input name="giftSku" maxLength={64} />
            </label>
          ) : null}
          <label>
            {t.startsAt} (UTC)
            <input type="datetime-local" name="startsAt" />
          </label>
          <label>
            {t.endsAt} (UTC)
            <input type="datetime-local" name="endsAt" />
          </label>
          <label>
            {t.minimumBasket}
            <input name="minimumBasket" inputMode="decimal" placeholder="50.00" />
          </label>
          <label>
            {t.usageLimitTotal}
            <input type="number" name="usageLimitTotal" min="1" step="1" />
          </label>
          <label>
            {t.usageLimitPerCustomer}
            <input type="number" name="usageLimitPerCustomer" min="1" step="1" />
          </label>
          <label class="radio">
            <input type="checkbox" name="combinable" value="1" /> {t.combinable}
          </label>
          <button type="submit">{t.create}</button>
        </form>
      </section>
    </Layout>
  );
}
