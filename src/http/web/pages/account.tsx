// Customer account pages (issue 4 §1): forms that work without JavaScript,
// each carrying its CSRF token.
import type { ComponentChildren } from 'preact';
import type { CustomerAccount, CustomerAddress, WishListItem } from '../../../app/customers.js';
import { accountMessages } from '../account-messages.js';
import type { Language } from '../language.js';
import { Layout, type ShopView } from '../layout.js';

export type Flash = { kind: 'error' | 'notice'; message: string } | null;

type Base = { lang: Language; shop: ShopView; csrfToken: string; flash: Flash };

function FlashLine({ flash }: { flash: Flash }) {
  if (!flash) return null;
  return flash.kind === 'error' ? (
    <p class="error" role="alert">
      {flash.message}
    </p>
  ) : (
    <p class="notice" role="status">
      {flash.message}
    </p>
  );
}

/** A link to the other of sign-in / register, carrying where to go afterwards (CU-1: back to the checkout). */
const withNext = (path: string, next: string) => (next === '/account' ? path : `${path}?next=${encodeURIComponent(next)}`);

function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

function Page(props: Base & { title: string; path: string; children: ComponentChildren }) {
  return (
    <Layout lang={props.lang} title={props.title} shop={props.shop} path={props.path} area="store">
      <h1>{props.title}</h1>
      <FlashLine flash={props.flash} />
      {props.children}
    </Layout>
  );
}

export function RegisterPage(props: Base & { professionalAccepted: boolean; consumerAccepted: boolean; values: Record<string, string>; next: string }) {
  const t = accountMessages[props.lang];
  const v = props.values;
  return (
    <Page {...props} title={t.register} path="/account/register">
      <p>{t.registerLead}</p>
      <form method="post" action="/account/register" class="stack">
        <Csrf token={props.csrfToken} />
        <input type="hidden" name="next" value={props.next} />
        <label>
          {t.email}
          <input type="email" name="email" required autoComplete="email" value={v.email ?? ''} />
        </label>
        <label>
          {t.password}
          <input type="password" name="password" required minLength={12} autoComplete="new-password" aria-describedby="password-hint" />
        </label>
        <small id="password-hint">{t.passwordHint}</small>
        <label>
          {t.name}
          <input type="text" name="name" autoComplete="name" value={v.name ?? ''} />
        </label>
        <input type="hidden" name="language" value={props.lang} />
        {props.professionalAccepted ? (
          <fieldset>
            <legend>{t.kind}</legend>
            {props.consumerAccepted ? (
              <label>
                <input type="radio" name="kind" value="consumer" checked={v.kind !== 'professional'} /> {t.consumer}
              </label>
            ) : null}
            <label>
              <input type="radio" name="kind" value="professional" checked={v.kind === 'professional' || !props.consumerAccepted} /> {t.professional}
            </label>
            <label>
              {t.companyName}
              <input type="text" name="companyName" autoComplete="organization" value={v.companyName ?? ''} />
            </label>
            <label>
              {t.registrationNumber}
              <input type="text" name="registrationNumber" value={v.registrationNumber ?? ''} />
            </label>
            <label>
              {t.vatNumber}
              <input type="text" name="vatNumber" value={v.vatNumber ?? ''} />
            </label>
            <label>
              {t.headcount}
              <input type="number" name="headcount" min={0} step={1} value={v.headcount ?? ''} />
            </label>
          </fieldset>
        ) : null}
        <button type="submit">{t.register}</button>
      </form>
      <p>
        {t.haveAccount} <a href={withNext('/account/login', props.next)}>{t.login}</a>
      </p>
    </Page>
  );
}

export function LoginPage(props: Base & { next: string; email: string }) {
  const t = accountMessages[props.lang];
  return (
    <Page {...props} title={t.login} path="/account/login">
      <form method="post" action="/account/login" class="stack">
        <Csrf token={props.csrfToken} />
        <input type="hidden" name="next" value={props.next} />
        <label>
          {t.email}
          <input type="email" name="email" required autoComplete="username" value={props.email} />
        </label>
        <label>
          {t.password}
          <input type="password" name="password" required autoComplete="current-password" />
        </label>
        <button type="submit">{t.login}</button>
      </form>
      <p>
        <a href="/account/password-reset">{t.forgotPassword}</a>
      </p>
      <p>
        {t.noAccount} <a href={withNext('/account/register', props.next)}>{t.register}</a>
      </p>
    </Page>
  );
}

function AddressLines({ a }: { a: CustomerAddress }) {
  return (
    <>
      {a.name}
      <br />
      {a.line1}
      {a.line2 ? (
        <>
          <br />
          {a.line2}
        </>
      ) : null}
      <br />
      {[a.postalCode, a.city].filter(Boolean).join(' ')}
      {a.region ? `, ${a.region}` : ''} — {a.country}
      {a.phone ? (
        <>
          <br />
          {a.phone}
        </>
      ) : null}
    </>
  );
}

export function AccountPage(props: Base & { customer: CustomerAccount; addresses: CustomerAddress[]; wishList: WishListItem[] }) {
  const t = accountMessages[props.lang];
  const c = props.customer;
  return (
    <Page {...props} title={t.account} path="/account">
      <form method="post" action="/account/logout" class="inline">
        <Csrf token={props.csrfToken} />
        <button type="submit" class="link">
          {t.logout} ({c.email})
        </button>
      </form>

      <section aria-labelledby="orders">
        <h2 id="orders">{t.orders}</h2>
        <p>
          <a href="/account/orders">{t.seeOrders}</a>
        </p>
        <ul>
          <li>
            <a href="/account/store-credit">{t.seeStoreCredit}</a>
          </li>
          <li>
            <a href="/account/reservations">{t.seeReservations}</a>
          </li>
        </ul>
      </section>

      <section aria-labelledby="profile">
        <h2 id="profile">{t.profile}</h2>
        <form method="post" action="/account/profile" class="stack">
          <Csrf token={props.csrfToken} />
          <label>
            {t.name}
            <input type="text" name="name" autoComplete="name" value={c.name} />
          </label>
          <label>
            {t.language}
            <select name="language">
              <option value="fr" selected={c.language === 'fr'}>
                Français
              </option>
              <option value="en" selected={c.language === 'en'}>
                English
              </option>
            </select>
          </label>
          {c.professional ? (
            <>
              <label>
                {t.companyName}
                <input type="text" name="companyName" value={c.professional.companyName} />
              </label>
              <label>
                {t.registrationNumber}
                <input type="text" name="registrationNumber" value={c.professional.registrationNumber ?? ''} />
              </label>
              <label>
                {t.vatNumber}
                <input type="text" name="vatNumber" value={c.professional.vatNumber ?? ''} />
              </label>
              <label>
                {t.headcount}
                <input type="number" name="headcount" min={0} step={1} value={c.professional.headcount ?? ''} />
              </label>
            </>
          ) : null}
          <button type="submit">{t.save}</button>
        </form>
      </section>

      <section aria-labelledby="email-change">
        <h2 id="email-change">{t.emailChange}</h2>
        <p>{t.emailChangeHint}</p>
        <form method="post" action="/account/email-change" class="stack">
          <Csrf token={props.csrfToken} />
          <label>
            {t.newEmail}
            <input type="email" name="newEmail" required autoComplete="email" />
          </label>
          <label>
            {t.currentPassword}
            <input type="password" name="password" required autoComplete="current-password" />
          </label>
          <button type="submit">{t.emailChange}</button>
        </form>
      </section>

      <section aria-labelledby="addresses">
        <h2 id="addresses">{t.addresses}</h2>
        {props.addresses.length === 0 ? <p>{t.noAddress}</p> : null}
        <ul class="addresses">
          {props.addresses.map((a) => (
            <li key={a.id}>
              {a.label ? <strong>{a.label}</strong> : null}
              <address>
                <AddressLines a={a} />
              </address>
              {a.isDefaultDelivery ? <p>{t.defaultDelivery}</p> : null}
              {a.isDefaultBilling ? <p>{t.defaultBilling}</p> : null}
              {a.isDefaultDelivery ? null : (
                <form method="post" action={`/account/addresses/${a.id}/default`} class="inline">
                  <Csrf token={props.csrfToken} />
                  <button type="submit" class="link">
                    {t.makeDefault}
                  </button>
                </form>
              )}{' '}
              <form method="post" action={`/account/addresses/${a.id}/delete`} class="inline">
                <Csrf token={props.csrfToken} />
                <button type="submit" class="link">
                  {t.delete}
                </button>
              </form>
            </li>
          ))}
        </ul>
        <h3>{t.addAddress}</h3>
        <form method="post" action="/account/addresses" class="stack">
          <Csrf token={props.csrfToken} />
          <label>
            {t.label}
            <input type="text" name="label" />
          </label>
          <label>
            {t.name}
            <input type="text" name="name" required autoComplete="name" value={c.name} />
          </label>
          <label>
            {t.line1}
            <input type="text" name="line1" required autoComplete="address-line1" />
          </label>
          <label>
            {t.line2}
            <input type="text" name="line2" autoComplete="address-line2" />
          </label>
          <label>
            {t.postalCode}
            <input type="text" name="postalCode" autoComplete="postal-code" />
          </label>
          <label>
            {t.city}
            <input type="text" name="city" required autoComplete="address-level2" />
          </label>
          <label>
            {t.region}
            <input type="text" name="region" autoComplete="address-level1" />
          </label>
          <label>
            {t.country}
            <input type="text" name="country" required maxLength={2} autoComplete="country" value="FR" />
          </label>
          <label>
            {t.phone}
            <input type="tel" name="phone" autoComplete="tel" />
          </label>
          <button type="submit">{t.addAddress}</button>
        </form>
      </section>

      <section aria-labelledby="wish-list">
        <h2 id="wish-list">{t.wishList}</h2>
        {props.wishList.length === 0 ? <p>{t.emptyWishList}</p> : null}
        <ul>
          {props.wishList.map((w) => (
            <li key={w.variantId}>
              <a href={`/products/${encodeURIComponent(w.productSlug)}`}>{w.name[props.lang]}</a> ({w.sku}){' '}
              <form method="post" action={`/account/wish-list/${w.variantId}/delete`} class="inline">
                <Csrf token={props.csrfToken} />
                <button type="submit" class="link">
                  {t.remove}
                </button>
              </form>
            </li>
          ))}
        </ul>
      </section>
    </Page>
  );
}

/** Without a token: the request form; with one (the emailed link): the new password form. */
export function PasswordResetPage(props: Base & { token: string | null }) {
  const t = accountMessages[props.lang];
  return (
    <Page {...props} title={t.passwordReset} path="/account/password-reset">
      {props.token ? (
        <form method="post" action="/account/password-reset/confirm" class="stack">
          <Csrf token={props.csrfToken} />
          <input type="hidden" name="token" value={props.token} />
          <label>
            {t.newPassword}
            <input type="password" name="newPassword" required minLength={12} autoComplete="new-password" />
          </label>
          <small>{t.passwordHint}</small>
          <button type="submit">{t.setPassword}</button>
        </form>
      ) : (
        <>
          <p>{t.passwordResetLead}</p>
          <form method="post" action="/account/password-reset" class="stack">
            <Csrf token={props.csrfToken} />
            <label>
              {t.email}
              <input type="email" name="email" required autoComplete="email" />
            </label>
            <button type="submit">{t.send}</button>
          </form>
        </>
      )}
    </Page>
  );
}

/** The emailed link to a new address lands here; the change applies on the button (never on a GET a mail scanner may follow). */
export function EmailChangePage(props: Base & { token: string | null }) {
  const t = accountMessages[props.lang];
  return (
    <Page {...props} title={t.confirmEmail} path="/account/email-change">
      {props.token ? (
        <form method="post" action="/account/email-change/confirm" class="stack">
          <Csrf token={props.csrfToken} />
          <input type="hidden" name="token" value={props.token} />
          <button type="submit">{t.confirm}</button>
        </form>
      ) : null}
    </Page>
  );
}
