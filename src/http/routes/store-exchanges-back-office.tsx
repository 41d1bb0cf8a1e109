// In-store exchanges in the back office (issue 6; EX-2, FR), FR and EN, no JavaScript:
//   GET  /admin/store-exchanges       the latest exchanges (`orders.read`)
//   GET  /admin/store-exchanges/new   the counter form: the order number (the one on the return slip),
//                                     then its lines with their window and eligibility (`exchanges.manage`)
//   POST /admin/store-exchanges/new   step=preview: the checks and what to collect or what is lost;
//                                     step=confirm: records the exchange (CSRF) and redirects (303)
// A refusal shows the form again with its code and status.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { legalDate } from '../../app/order-emails.js';
import { localDateIn } from '../../domain/calendar/local-date.js';
import { listStores } from '../../app/reservations.js';
import {
  listStoreExchanges,
  previewStoreExchange,
  recordStoreExchange,
  storeExchangeOptions,
  type Settlement,
  type StoreExchange,
  type StoreExchangeInput,
  type StoreExchangeOptions,
  type StoreExchangePreview,
} from '../../app/store-exchanges.js';
import { DomainError } from '../../domain/errors.js';
import type { InStoreRefusal } from '../../domain/exchanges/in-store-exchange.js';
import { formatMoney, money, type Currency } from '../../domain/money.js';
import { can } from '../../domain/staff-roles.js';
import { requireStaffPage } from '../auth.js';
import { AdminPage } from '../web/admin-page.js';
import { Csrf, pageError } from '../web/flash.js';
import { formField as field } from '../web/form.js';
import { doneParam, sendFormPage, staffPage, type StaffPage as Page } from '../web/form-page.js';
import type { Language } from '../web/language.js';
import { shopView } from '../web/shop-view.js';

const messages = {
  fr: {
    title: 'Échanges en magasin',
    newTitle: 'Nouvel échange en magasin',
    record: 'Enregistrer un échange',
    none: 'Aucun échange en magasin.',
    exchange: 'Échange',
    order: 'Commande',
    store: 'Magasin',
    items: 'Articles',
    settlement: 'Règlement',
    recordedOn: 'Le',
    orderNumber: 'Numéro de commande (sur le bon de retour)',
    find: 'Afficher la commande',
    notOffered: 'Cette boutique ne propose pas l’échange en magasin.',
    line: 'Article',
    delivered: 'Livrés',
    left: 'Échangeables',
    window: 'Échange possible jusqu’au',
    eligible: 'Éligible',
    quantity: 'Quantité rapportée',
    replacementSku: 'Article pris en échange (SKU)',
    slip: 'Le client présente le bon de retour',
    preview: 'Vérifier',
    confirm: (collect: string | null) => (collect ? `Confirmer — complément de ${collect} encaissé` : 'Confirmer l’échange'),
    refusal: { not_offered: 'non proposé', return_slip_required: 'bon de retour requis', not_delivered: 'non livré', window_closed: 'délai dépassé', outlet_excluded: 'article outlet exclu' } as Record<InStoreRefusal, string>,
    settlements: (s: Settlement, amount: string) => ({ none: 'Aucune différence', paid_in_store: `Complément payé en magasin : ${amount}`, lost: `Différence perdue : ${amount} (ni remboursement ni avoir)` })[s],
    sameProduct: 'même article, autre taille/couleur',
    done: (n: string) => `Échange ${n} enregistré ; le client le reçoit par e-mail.`,
    fallback: 'Échange refusé.',
    errors: {
      'exchange.not_offered': 'Cette boutique ne propose pas l’échange en magasin.',
      'exchange.return_slip_required': 'Le bon de retour est obligatoire.',
      'exchange.window_closed': 'Le délai d’échange après la livraison est dépassé.',
      'exchange.outlet_excluded': 'Les articles outlet ne sont ni repris ni donnés en échange.',
      'exchange.not_delivered': 'Cet article n’est pas encore livré.',
      'exchange.not_in_stock': 'Le magasin n’a pas cet article en stock.',
      'exchange.unknown_replacement': 'Aucun article en vente sous ce SKU.',
      'exchange.quantity_exceeds_line': 'Plus d’unités que celles qui restent à échanger.',
      'exchange.same_variant': 'L’article pris en échange est celui rapporté.',
      'exchange.no_lines': 'Indiquez au moins un article rapporté.',
      'order.not_found': 'Aucune commande sous ce numéro.',
    } as Record<string, string>,
  },
  en: {
    title: 'In-store exchanges',
    newTitle: 'New in-store exchange',
    record: 'Record an exchange',
    none: 'No in-store exchange.',
    exchange: 'Exchange',
    order: 'Order',
    store: 'Store',
    items: 'Items',
    settlement: 'Settlement',
    recordedOn: 'On',
    orderNumber: 'Order number (on the return slip)',
    find: 'Show the order',
    notOffered: 'This shop does not offer in-store exchanges.',
    line: 'Item',
    delivered: 'Delivered',
    left: 'Exchangeable',
    window: 'Exchange possible until',
    eligible: 'Eligible',
    quantity: 'Quantity brought back',
    replacementSku: 'Item taken instead (SKU)',
    slip: 'The customer presents the return slip',
    preview: 'Check',
    confirm: (collect: string | null) => (collect ? `Confirm — ${collect} collected` : 'Confirm the exchange'),
    refusal: { not_offered: 'not offered', return_slip_required: 'return slip required', not_delivered: 'not delivered', window_closed: 'window closed', outlet_excluded: 'outlet item excluded' } as Record<InStoreRefusal, string>,
    settlements: (s: Settlement, amount: string) => ({ none: 'No difference', paid_in_store: `Paid in store: ${amount}`, lost: `Difference lost: ${amount} (no refund, no credit)` })[s],
    sameProduct: 'same item, other size/colour',
    done: (n: string) => `Exchange ${n} recorded; the customer receives it by email.`,
    fallback: 'Exchange refused.',
    errors: {
      'exchange.not_offered': 'This shop does not offer in-store exchanges.',
      'exchange.return_slip_required': 'The return slip is required.',
      'exchange.window_closed': 'The exchange window after delivery is over.',
      'exchange.outlet_excluded': 'Outlet items are neither taken back nor given in exchange.',
      'exchange.not_delivered': 'This item is not delivered yet.',
      'exchange.not_in_stock': 'The store does not have this item in stock.',
      'exchange.unknown_replacement': 'No item on sale with this SKU.',
      'exchange.quantity_exceeds_line': 'More units than are left to exchange.',
      'exchange.same_variant': 'The item taken is the one brought back.',
      'exchange.no_lines': 'Name at least one item brought back.',
      'order.not_found': 'No order with this number.',
    } as Record<string, string>,
  },
} as const;

const amount = (lang: Language, minor: number, currency: Currency) => formatMoney(money(minor, currency), lang);
const itemText = (lang: Language, name: { fr: string; en: string }, options: Record<string, string>) => {
  const values = Object.values(options);
  return values.length > 0 ? `${name[lang]} (${values.join(', ')})` : name[lang];
};

function Settled({ lang, p }: { lang: Language; p: StoreExchangePreview }) {
  const value = p.settlement === 'lost' ? p.lost : p.customerPays;
  return <span data-settlement={p.settlement}>{messages[lang].settlements(p.settlement, amount(lang, value, p.currency))}</span>;
}

function Items({ lang, p }: { lang: Language; p: StoreExchangePreview }) {
  return (
    <ul>
      {p.lines.map((l) => (
        <li key={l.position}>
          {l.quantity} × {itemText(lang, l.name, l.options)} ({amount(lang, l.invoiced, p.currency)}) → {l.quantity} × {itemText(lang, l.replacement.name, l.replacement.options)} ({amount(lang, l.replacement.price, p.currency)})
          {l.sameProduct ? <span class="meta"> — {messages[lang].sameProduct}</span> : null}
        </li>
      ))}
    </ul>
  );
}

export function StoreExchangesPage(props: Page & { exchanges: StoreExchange[]; notice: string | null; mayRecord: boolean; timeZone: string }) {
  const { lang } = props;
  const t = messages[lang];
  return (
    <AdminPage {...props} title={t.title} path="/admin/store-exchanges">
      {props.mayRecord ? <p><a href="/admin/store-exchanges/new">{t.record}</a></p> : null}
      {props.exchanges.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <table class="admin-store-exchanges">
          <thead>
            <tr>
              <th scope="col">{t.exchange}</th>
              <th scope="col">{t.store}</th>
              <th scope="col">{t.items}</th>
              <th scope="col">{t.settlement}</th>
            </tr>
          </thead>
          <tbody>
            {props.exchanges.map((e) => (
              <tr key={e.id} data-exchange={e.number}>
                <td>
                  {e.number}
                  <br />
                  <a href={`/admin/orders/${encodeURIComponent(e.orderNumber)}`}>
                    {t.order} {e.orderNumber}
                  </a>
                  <br />
                  <span class="meta">
                    {t.recordedOn} {legalDate(localDateIn(props.timeZone, e.recordedAt), lang)}
                  </span>
                </td>
                <td>{e.store.name}</td>
                <td>
                  <Items lang={lang} p={e} />
                </td>
                <td>
                  <Settled lang={lang} p={e} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminPage>
  );
}

type FormState = { orderNumber: string; storeCode: string; slip: boolean; lines: Record<number, { quantity: string; sku: string }> };

export function NewStoreExchangePage(
  props: Page & { form: FormState; options: StoreExchangeOptions | null; stores: { code: string; name: string }[]; preview: StoreExchangePreview | null; error: DomainError | null },
) {
  const { lang, form, options, preview } = props;
  const t = messages[lang];
  const fields = (
    <>
      <Csrf token={props.csrfToken} />
      <input type="hidden" name="order" value={form.orderNumber} />
    </>
  );
  return (
    <AdminPage {...props} title={t.newTitle} path="/admin/store-exchanges/new" error={props.error ? pageError(props.error, t.errors, t.fallback) : null}>
      <form method="get" action="/admin/store-exchanges/new">
        <label>
          {t.orderNumber} <input name="order" value={form.orderNumber} required maxLength={40} />
        </label>{' '}
        <button type="submit">{t.find}</button>
      </form>
      {options && !options.offered ? <p>{t.notOffered}</p> : null}
      {options && options.offered ? (
        <form method="post" action="/admin/store-exchanges/new" class="stack">
          {fields}
          <table class="admin-exchange-lines">
            <thead>
              <tr>
                <th scope="col">{t.line}</th>
                <th scope="col">{t.delivered}</th>
                <th scope="col">{t.left}</th>
                <th scope="col">{t.window}</th>
                <th scope="col">{t.eligible}</th>
                <th scope="col">{t.quantity}</th>
                <th scope="col">{t.replacementSku}</th>
              </tr>
            </thead>
            <tbody>
              {options.lines.map((l) => {
                const e = l.eligibility;
                const open = e.ok && l.exchangeable > 0;
                return (
                  <tr key={l.position} data-position={l.position} data-eligible={String(open)}>
                    <td>
                      {l.sku} — {itemText(lang, l.name, l.options)}
                    </td>
                    <td>{l.delivered}</td>
                    <td>{l.exchangeable}</td>
                    <td>{e.lastDay ? legalDate(e.lastDay, lang) : '—'}</td>
                    <td>{e.ok ? '✓' : t.refusal[e.reason]}</td>
                    <td>{open ? <input type="number" name={`quantity_${l.position}`} min={0} max={l.exchangeable} value={form.lines[l.position]?.quantity ?? '0'} /> : null}</td>
                    <td>{open ? <input name={`sku_${l.position}`} maxLength={80} value={form.lines[l.position]?.sku ?? ''} /> : null}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <label>
            {t.store}{' '}
            <select name="store">
              {props.stores.map((s) => (
                <option key={s.code} value={s.code} selected={s.code === form.storeCode}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input type="checkbox" name="slip" value="yes" checked={form.slip} /> {t.slip}
          </label>
          <button type="submit" name="step" value="preview">
            {t.preview}
          </button>
          {preview ? (
            <section data-preview={preview.settlement}>
              <Items lang={lang} p={preview} />
              <p>
                <Settled lang={lang} p={preview} />
              </p>
              <button type="submit" name="step" value="confirm">
                {t.confirm(preview.customerPays > 0 ? amount(lang, preview.customerPays, preview.currency) : null)}
              </button>
            </section>
          ) : null}
        </form>
      ) : null}
    </AdminPage>
  );
}

/** The form's lines: every `quantity_<position>` above 0 with its `sku_<position>`. */
function formState(body: unknown, orderNumber: string): FormState {
  const lines: FormState['lines'] = {};
  for (const key of Object.keys((body as Record<string, unknown> | undefined) ?? {})) {
    const m = /^quantity_(\d{1,5})$/.exec(key);
    if (m) lines[Number(m[1])] = { quantity: field(body, key), sku: field(body, `sku_${m[1]}`) };
  }
  return { orderNumber, storeCode: field(body, 'store'), slip: field(body, 'slip') === 'yes', lines };
}

const requestOf = (form: FormState): Omit<StoreExchangeInput, 'shopId' | 'now'> => ({
  orderNumber: form.orderNumber,
  storeCode: form.storeCode,
  returnSlipPresented: form.slip,
  lines: Object.entries(form.lines)
    .map(([position, l]) => ({ position: Number(position), quantity: Number(l.quantity || '0'), replacementSku: l.sku }))
    .filter((l) => l.quantity !== 0 || l.replacementSku !== ''),
});

/** Register with prefix /admin, inside the session scope. */
export const storeExchangeBackOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  const shopId = ctx.shop.id;
  const read = requireStaffPage(ctx, 'orders.read');
  const manage = requireStaffPage(ctx, 'exchanges.manage');

  const renderNew = async (request: FastifyRequest, reply: FastifyReply, form: FormState, extra: { preview?: StoreExchangePreview; error?: DomainError } = {}) => {
    const now = await ctx.clock.now();
    const [options, stores] = await Promise.all([
      form.orderNumber ? storeExchangeOptions(ctx.db, { shopId, orderNumber: form.orderNumber, now }).catch((e: unknown) => (e instanceof DomainError && e.code === 'order.not_found' ? null : Promise.reject(e))) : null,
      listStores(ctx.db, shopId),
    ]);
    const error = extra.error ?? (form.orderNumber && !options ? new DomainError('order.not_found', { field: 'order' }) : null);
    return sendFormPage(
      reply,
      <NewStoreExchangePage
        {...staffPage(request, reply, shop)}
        form={form}
        options={options}
        stores={stores.map((s) => ({ code: s.code, name: s.name }))}
        preview={extra.preview ?? null}
        error={error}
      />,
      error,
    );
  };

  app.get('/store-exchanges', { onRequest: read }, async (request, reply) => {
    const page = staffPage(request, reply, shop);
    const done = doneParam(request);
    return sendFormPage(
      reply,
      <StoreExchangesPage
        {...page}
        exchanges={await listStoreExchanges(ctx.db, { shopId })}
        notice={done ? messages[page.lang].done(done) : null}
        mayRecord={can(request.staff!.role, 'exchanges.manage')}
        timeZone={ctx.shop.policy.shop.timeZone}
      />,
    );
  });

  app.get('/store-exchanges/new', { onRequest: manage }, async (request, reply) => {
    const order = field(request.query, 'order');
    return renderNew(request, reply, { orderNumber: order.slice(0, 40), storeCode: '', slip: false, lines: {} });
  });

  app.post('/store-exchanges/new', { onRequest: manage, preHandler: app.csrfProtection }, async (request, reply) => {
    const form = formState(request.body, field(request.body, 'order').slice(0, 40));
    const input = { shopId, ...requestOf(form), now: await ctx.clock.now() };
    try {
      if (field(request.body, 'step') === 'confirm') {
        const exchange = await recordStoreExchange(ctx.db, { ...input, actor: { kind: 'staff', staffId: request.staff!.id } });
        return reply.redirect(`/admin/store-exchanges?done=${encodeURIComponent(exchange.number)}`, 303);
      }
      return renderNew(request, reply, form, { preview: await previewStoreExchange(ctx.db, input) });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return renderNew(request, reply, form, { error });
    }
  });
};
