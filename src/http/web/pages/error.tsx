// The page a browser gets when a storefront or back-office request fails
// (src/http/errors.ts decides when: a non-API path asking for HTML).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '../../errors.js';
import { Layout, type ShopView } from '../layout.js';
import { resolveLanguage, type Language } from '../language.js';
import { messages } from '../messages.js';
import { sendPage } from '../render.js';

export function ErrorPage(props: { lang: Language; shop: ShopView; path: string; status: number; error: ErrorBody['error'] }) {
  const t = messages[props.lang];
  const title = props.status === 404 ? t.notFound : props.status === 403 ? t.forbidden : `${props.status}`;
  return (
    <Layout lang={props.lang} title={title} shop={props.shop} path={props.path} area={props.path.startsWith('/admin') ? 'admin' : 'store'}>
      <h1>{title}</h1>
      <p class="error" role="alert">
        {props.error.message} <code>{props.error.code}</code>
      </p>
      <p>
        <a href="/">{t.home}</a>
      </p>
    </Layout>
  );
}

/** Renders an error as a page of the shop, with the status it carries. */
export function errorPageSender(shop: ShopView) {
  return (request: FastifyRequest, reply: FastifyReply, status: number, error: ErrorBody['error']): FastifyReply => {
    const path = request.url.split('?')[0] ?? '/';
    return sendPage(reply, <ErrorPage lang={resolveLanguage(request, reply)} shop={shop} path={path} status={status} error={error} />, status);
  };
}
