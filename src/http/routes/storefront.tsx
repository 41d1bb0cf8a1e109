// Storefront pages: home (demo catalogue) and the terms with their history (ID-2, ID-3).
import type { FastifyPluginAsync } from 'fastify';
import { listCountedPage } from '../../app/catalogue.js';
import type { AppContext } from '../../app/context.js';
import { listTermsVersions } from '../../app/terms.js';
import { DomainError } from '../../domain/errors.js';
import { versionInForce } from '../../domain/terms-versions.js';
import { currencyFor } from '../../policy/schema.js';
import { resolveLanguage } from '../web/language.js';
import { HomePage } from '../web/pages/home.js';
import { TermsPage } from '../web/pages/terms.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';

export const storefrontRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  // PR-1: the home page shows the price list of the shop's own country.
  const currency = currencyFor(ctx.shop.policy, ctx.shop.policy.shop.dispatchCountry);

  app.get('/', async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const now = await ctx.clock.now();
    const { products, total } = await listCountedPage(ctx.db, { shopId: ctx.shop.id, currency, now, limit: 48, offset: 0 });
    return sendPage(reply, <HomePage lang={lang} shop={shop} products={products} total={total} />);
  });

  app.get('/terms', async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const now = await ctx.clock.now();
    const versions = await listTermsVersions(ctx.db, ctx.shop.id);
    const current = versionInForce(versions, now);
    if (!current) throw new DomainError('terms.not_found', { rule: 'ID-2' }, 'No terms version is in force yet.');
    return sendPage(reply, <TermsPage lang={lang} shop={shop} shown={current} inForce versions={versions} now={now} path="/terms" />);
  });

  app.get('/terms/:id', async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const { id } = request.params as { id: string };
    const now = await ctx.clock.now();
    const versions = await listTermsVersions(ctx.db, ctx.shop.id);
    const shown = versions.find((v) => v.id === id);
    if (!shown) throw new DomainError('terms.not_found', { field: 'id', rule: 'ID-3' }, `No terms version '${id}'.`);
    const inForce = versionInForce(versions, now)?.id === shown.id;
    return sendPage(reply, <TermsPage lang={lang} shop={shop} shown={shown} inForce={inForce} versions={versions} now={now} path={`/terms/${id}`} />);
  });
};
