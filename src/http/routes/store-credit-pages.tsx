// RF-4: the customer's store credit page, /account/store-credit (FR/EN):
// the balance, each credit with its last day, and what happened to it.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { legalDate } from '../../app/order-emails.js';
import { storeCreditOf, type StoreCreditView } from '../../app/store-credit.js';
import { formatMoney, money, type Currency } from '../../domain/money.js';
import { requireCustomerPage } from '../customer-auth.js';
import { Layout, type ShopView } from '../web/layout.js';
import { resolveLanguage, type Language } from '../web/language.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';

export const STORE_CREDIT_PATH = '/account/store-credit';

const messages = {
  fr: {
    title: 'Mon avoir',
    balance: 'Solde disponible',
    none: "Vous n'avez pas d'avoir.",
    intro: 'Votre avoir est utilisable sur vos prochaines commandes, jusqu\'à sa date limite incluse : cochez « Utiliser mon avoir » au moment de payer.',
    credit: (amount: string, order: string | null) => `Avoir de ${amount}${order ? ` (commande ${order})` : ''}`,
    until: (day: string) => `Utilisable jusqu'au ${day} inclus`,
    expiredOn: (day: string) => `Expiré le ${day}`,
    left: (amount: string) => `Reste : ${amount}`,
    movement: { use: 'Utilisé', release: 'Recrédité', expiry: 'Expiré' },
    onOrder: (order: string) => ` — commande ${order}`,
    back: 'Mon compte',
  },
  en: {
    title: 'My store credit',
    balance: 'Available balance',
    none: 'You have no store credit.',
    intro: 'Your store credit can be used on your next orders until its last day included: tick "Use my store credit" when you pay.',
    credit: (amount: string, order: string | null) => `Store credit of ${amount}${order ? ` (order ${order})` : ''}`,
    until: (day: string) => `Usable until ${day} included`,
    expiredOn: (day: string) => `Expired on ${day}`,
    left: (amount: string) => `Left: ${amount}`,
    movement: { use: 'Used', release: 'Credited back', expiry: 'Expired' },
    onOrder: (order: string) => ` — order ${order}`,
    back: 'My account',
  },
} as const;

function StoreCreditPage({ lang, shop, view }: { lang: Language; shop: ShopView; view: StoreCreditView }) {
  const t = messages[lang];
  const amount = (minor: number, currency: Currency) => formatMoney(money(minor, currency), lang);
  return (
    <Layout lang={lang} title={t.title} shop={shop} path={STORE_CREDIT_PATH} area="store">
      <h1>{t.title}</h1>
      <p>
        <a href="/account">{t.back}</a>
      </p>
      {view.credits.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <>
          <p>{t.intro}</p>
          <dl>
            {view.balances.map((b) => (
              <>
                <dt>{t.balance}</dt>
                <dd class="store-credit-balance">{amount(b.amount, b.currency)}</dd>
              </>
            ))}
          </dl>
          <ul class="store-credits">
            {view.credits.map((c) => (
              <li>
                <strong>{t.credit(amount(c.amount, c.currency), c.orderNumber)}</strong> — {c.state === 'expired' ? t.expiredOn(legalDate(c.expiresOn, lang)) : t.until(legalDate(c.expiresOn, lang))}
                {c.state !== 'expired' ? <> — {t.left(amount(c.left, c.currency))}</> : null}
                {c.movements.length > 0 ? (
                  <ul>
                    {c.movements.map((m) => (
                      <li>
                        {t.movement[m.kind]} {amount(m.amount, c.currency)}
                        {m.orderNumber && m.kind !== 'expiry' ? t.onOrder(m.orderNumber) : ''}
                      </li>
                    ))}
                  </ul>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      )}
    </Layout>
  );
}

/** Register inside the session scope. */
export const storeCreditPageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  app.get(STORE_CREDIT_PATH, { onRequest: requireCustomerPage(ctx) }, async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const view = await storeCreditOf(ctx.db, { shopId: ctx.shop.id, customerId: request.customer!.id, timeZone: ctx.shop.policy.shop.timeZone, now: await ctx.clock.now() });
    return sendPage(reply, <StoreCreditPage lang={lang} shop={shop} view={view} />);
  });
};
