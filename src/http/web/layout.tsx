import type { ComponentChildren } from 'preact';
import type { Language } from './language.js';
import { messages } from './messages.js';

/** What every page shows of the shop (ID-1 identity, ID-5 mediator). */
export type ShopView = {
  id: string;
  name: string;
  legalLines: string[];
  customerService: string;
  mediator: { name: string; website: string };
};

type LayoutProps = {
  lang: Language;
  title: string;
  shop: ShopView;
  /** Current path without the query, for the language switch. */
  path: string;
  area: 'store' | 'admin';
  staffLabel?: string | undefined;
  csrfToken?: string | undefined;
  children: ComponentChildren;
};

export function Layout({ lang, title, shop, path, area, staffLabel, csrfToken, children }: LayoutProps) {
  const t = messages[lang];
  const other: Language = lang === 'fr' ? 'en' : 'fr';
  return (
    <html lang={lang}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} — ${shop.name}`}</title>
        <link rel="stylesheet" href="/assets/site.css" />
      </head>
      <body class={`area-${area}`}>
        <a class="skip" href="#main">
          {t.skipToContent}
        </a>
        <header class="site-header">
          <a class="brand" href={area === 'admin' ? '/admin' : '/'}>
            {shop.name}
            {area === 'admin' ? <span class="badge">{t.backOffice}</span> : null}
          </a>
          <nav aria-label={lang === 'fr' ? 'Navigation principale' : 'Main navigation'}>
            <ul>
              <li>
                <a href="/">{t.home}</a>
              </li>
              <li>
                <a href="/catalogue">{t.catalogue}</a>
              </li>
              <li>
                <a href="/cart">{t.cart}</a>
              </li>
              <li>
                <a href="/account">{t.myAccount}</a>
              </li>
              <li>
                <a href="/terms">{t.termsShort}</a>
              </li>
              <li>
                <a href={`${path}?lang=${other}`} hreflang={other} lang={other}>
                  {t.switchLanguage}
                </a>
              </li>
              {area === 'admin' && staffLabel ? (
                <li>
                  <form method="post" action="/admin/logout" class="inline">
                    <input type="hidden" name="_csrf" value={csrfToken} />
                    <button type="submit" class="link">
                      {t.signOut} ({staffLabel})
                    </button>
                  </form>
                </li>
              ) : null}
            </ul>
          </nav>
        </header>
        <main id="main">{children}</main>
        <footer class="site-footer">
          {area === 'store' ? (
            <p>
              <a href="/withdrawal" data-withdrawal-function="footer">
                {t.withdrawHere}
              </a>
            </p>
          ) : null}
          <p>
            <strong>{t.legalNotice}.</strong> {shop.legalLines.join(' · ')}
          </p>
          <p>
            {t.customerService}{t.colon}{shop.customerService}
          </p>
          <p>
            {t.mediator}{t.colon}{shop.mediator.name}
            {shop.mediator.website ? (
              <>
                {' — '}
                <a href={shop.mediator.website}>{shop.mediator.website}</a>
              </>
            ) : null}
          </p>
        </footer>
      </body>
    </html>
  );
}
