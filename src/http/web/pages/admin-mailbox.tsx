// Back office: the emails sent (DOC-5), newest first; with the dev mailbox
// (no SMTP_URL) this is where they are read. An email's HTML is shown in a
// sandboxed iframe (`srcdoc`, no scripts, no same-origin, the page's CSP:
// no remote images), never injected into the page.
import { Layout, type ShopView } from '../layout.js';
import type { Language } from '../language.js';
import { messages } from '../messages.js';

export type MailboxEmailView = {
  id: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  transport: string;
  messageId: string;
  contentSha256: string;
  createdAt: string;
  sentAt: string | null;
};

export type AdminMailboxProps = {
  lang: Language;
  shop: ShopView;
  csrfToken: string;
  staffEmail: string;
  devMailbox: boolean;
  emails: MailboxEmailView[];
  /** The email opened with ?id=; `null` when the id matches none. */
  opened?: MailboxEmailView | null;
};

export function AdminMailboxPage(props: AdminMailboxProps) {
  const t = messages[props.lang];
  const m = t.mailbox;
  return (
    <Layout lang={props.lang} title={m.title} shop={props.shop} path="/admin/mailbox" area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>{m.title}</h1>
      {props.devMailbox ? <p class="note">{m.devNote}</p> : null}
      {props.opened === null ? <p role="alert">{m.notFound}</p> : null}
      {props.opened ? <OpenedEmail email={props.opened} lang={props.lang} /> : null}
      {props.emails.length === 0 ? (
        <p>{m.empty}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{m.date}</th>
              <th scope="col">{m.to}</th>
              <th scope="col">{m.subject}</th>
              <th scope="col">{m.transport}</th>
            </tr>
          </thead>
          <tbody>
            {props.emails.map((e) => (
              <tr key={e.id}>
                <td>
                  <time dateTime={e.createdAt}>{e.createdAt}</time>
                </td>
                <td>{e.to}</td>
                <td>
                  <a href={`/admin/mailbox?id=${encodeURIComponent(e.id)}`}>{e.subject}</a>
                </td>
                <td>{e.transport}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

function OpenedEmail({ email, lang }: { email: MailboxEmailView; lang: Language }) {
  const t = messages[lang];
  const m = t.mailbox;
  return (
    <article class="email" aria-labelledby="email-subject">
      <h2 id="email-subject">{email.subject}</h2>
      <dl>
        <dt>{m.from}</dt>
        <dd>{email.from}</dd>
        <dt>{m.to}</dt>
        <dd>{email.to}</dd>
        <dt>{m.date}</dt>
        <dd>
          <time dateTime={email.sentAt ?? email.createdAt}>{email.sentAt ?? email.createdAt}</time>
        </dd>
        <dt>Message-ID</dt>
        <dd>
          <code>{email.messageId}</code>
        </dd>
        <dt>{m.contentHash}</dt>
        <dd>
          <code>{email.contentSha256}</code>
        </dd>
      </dl>
      <h3>{m.textVersion}</h3>
      <pre class="email-text">{email.text}</pre>
      {email.html !== null ? (
        <>
          <h3>{m.htmlVersion}</h3>
          <iframe class="email-html" title={`${m.htmlVersion}: ${email.subject}`} sandbox="" srcdoc={email.html} referrerpolicy="no-referrer" width="100%" height="400" />
        </>
      ) : null}
      <p>
        <a href="/admin/mailbox">{m.back}</a>
      </p>
    </article>
  );
}
