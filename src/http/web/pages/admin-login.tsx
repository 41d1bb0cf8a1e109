import { Layout, type ShopView } from '../layout.js';
import type { Language } from '../language.js';
import { messages } from '../messages.js';

export function AdminLoginPage(props: { lang: Language; shop: ShopView; csrfToken: string; next: string; failed: boolean; email?: string }) {
  const t = messages[props.lang];
  return (
    <Layout lang={props.lang} title={t.signIn} shop={props.shop} path="/admin/login" area="admin">
      <h1>{t.signIn}</h1>
      {props.failed ? (
        <p class="error" role="alert">
          {t.invalidCredentials}
        </p>
      ) : null}
      <form method="post" action="/admin/login" class="stack">
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <input type="hidden" name="next" value={props.next} />
        <label>
          {t.email}
          <input type="email" name="email" required autoComplete="username" value={props.email ?? ''} />
        </label>
        <label>
          {t.password}
          <input type="password" name="password" required autoComplete="current-password" />
        </label>
        <button type="submit">{t.signIn}</button>
      </form>
    </Layout>
  );
}
