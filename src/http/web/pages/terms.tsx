import { Layout, type ShopView } from '../layout.js';
import type { Language } from '../language.js';
import { messages } from '../messages.js';
import { TermsText } from '../terms-text.js';

import type { PublishedTerms as TermsPageVersion } from '../../../app/terms.js';

export function TermsPage(props: { lang: Language; shop: ShopView; shown: TermsPageVersion; inForce: boolean; versions: TermsPageVersion[]; now: Date; path: string }) {
  const { lang, shown } = props;
  const t = messages[lang];
  const when = (d: Date) => new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' }).format(d);
  return (
    <Layout lang={lang} title={t.terms} shop={props.shop} path={props.path} area="store">
      <h1>{t.terms}</h1>
      <p class="meta">
        {props.inForce ? `${t.currentVersion} — ` : ''}
        <span data-terms-version={shown.id}>{shown.id}</span> · {shown.effectiveAt.getTime() > props.now.getTime() ? t.futureVersion : t.effectiveFrom} {when(shown.effectiveAt)}
      </p>
      <p class="meta">
        {t.fingerprint}{t.colon}<code class="hash">{shown.hash[lang]}</code>
      </p>
      <p class="meta">{t.printHint}</p>
      <article lang={lang}>
        <TermsText markdown={shown.text[lang]} />
      </article>
      <section aria-labelledby="history-title">
        <h2 id="history-title">{t.versionHistory}</h2>
        <ol reversed>
          {[...props.versions]
            .sort((a, b) => b.effectiveAt.getTime() - a.effectiveAt.getTime())
            .map((v) => (
              <li key={v.id}>
                <a href={`/terms/${encodeURIComponent(v.id)}`}>{v.id}</a> — {when(v.effectiveAt)} — {v.summary}
              </li>
            ))}
        </ol>
      </section>
    </Layout>
  );
}
