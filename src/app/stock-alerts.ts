// CAT-2: back-in-stock alerts. A customer joins the alert list of a variant
// that is not in stock at the warehouse (online orders draw from the warehouse,
// CAT-6); when the variant's warehouse stock goes from 0 to more, the stock use
// case (src/app/stock.ts) calls `queueBackInStockAlerts` in its transaction:
// one email per active subscription, in the subscriber's language, queued in
// the outbox, and the subscription marked notified — all or nothing, once.
//
// Section 12 lists back-in-stock alerts among the engine's own duties: here
// the duty is triggered by the stock change rather than by a timer, and is
// durable and idempotent through the outbox (`stock_alert:<id>` keys).
import { h } from 'preact';
import { render } from 'preact-render-to-string';
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import type { Policy } from '../policy/schema.js';
import type { Localised } from '../policy/catalogue-file.js';
import type { Queryable, Tx } from '../store/db.js';
import { queueEmail } from './emails.js';

export type AlertLanguage = 'fr' | 'en';

export type StockAlert = {
  id: string;
  variantId: string;
  email: string;
  language: AlertLanguage;
  createdAt: Date;
  notifiedAt: Date | null;
};

export type SubscribeStockAlertInput = {
  shopId: string;
  /** CAT-2: the shop offers the alert list only when `catalogue.backInStockAlerts` is on. */
  policy: Pick<Policy, 'catalogue'>;
  variantId: string;
  email: string;
  language: AlertLanguage;
  /** Base URL of the storefront (`config.publicUrl`) the alert's link will point to. */
  storefrontUrl: string;
  now: Date;
};

const emailSchema = z.email().max(254);

/** An address as the alert list keeps it: trimmed, lower case; `stock_alert.invalid_email` when it is not one. */
export function normaliseAlertEmail(email: string): string {
  const normalised = email.trim().toLowerCase();
  if (!emailSchema.safeParse(normalised).success) {
    throw new DomainError('stock_alert.invalid_email', { field: 'email', rule: 'CAT-2' }, 'This is not a valid email address.');
  }
  return normalised;
}

const isId = (id: string) => /^[1-9][0-9]{0,17}$/.test(id);

/** Warehouse stock of a variant (CAT-6: online orders draw from the warehouse). */
async function warehouseStock(q: Queryable, variantId: string): Promise<number> {
  const row = await q
    .selectFrom('stock as s')
    .innerJoin('locations as l', 'l.id', 's.location_id')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('s.quantity'), eb.val('0')).as('quantity'))
    .where('s.variant_id', '=', variantId)
    .where('l.kind', '=', 'warehouse')
    .executeTakeFirst();
  return Number(row?.quantity ?? 0);
}

/**
 * CAT-2: puts an address on the alert list of a variant that is not in stock
 * at the warehouse. Idempotent: while a subscription of this address to this
 * variant waits, subscribing again returns it (`created: false`).
 *
 * @throws DomainError `stock_alert.not_offered` (the shop has no alert list),
 *   `stock_alert.invalid_email`, `variant.not_found`, `stock_alert.in_stock`
 *   (the variant can be ordered now).
 */
export async function subscribeStockAlert(q: Queryable, input: SubscribeStockAlertInput): Promise<{ alert: StockAlert; created: boolean }> {
  const { shopId, variantId, now } = input;
  if (!input.policy.catalogue.backInStockAlerts) {
    throw new DomainError('stock_alert.not_offered', { rule: 'CAT-2' }, 'This shop does not offer back-in-stock alerts.');
  }
  const email = normaliseAlertEmail(input.email);
  if (input.language !== 'fr' && input.language !== 'en') throw new DomainError('stock_alert.invalid_language', { field: 'language' });
  if (!isId(variantId)) throw new DomainError('variant.not_found', { field: 'variantId' }, `No variant ${variantId}.`);
  const variant = await q.selectFrom('variants').select('id').where('id', '=', variantId).where('shop_id', '=', shopId).executeTakeFirst();
  if (!variant) throw new DomainError('variant.not_found', { field: 'variantId' }, `No variant ${variantId}.`);
  if ((await warehouseStock(q, variantId)) > 0) {
    throw new DomainError('stock_alert.in_stock', { field: 'variantId', rule: 'CAT-2' }, 'This item is in stock: it can be ordered now.');
  }

  const inserted = await q
    .insertInto('stock_alerts')
    .values({ shop_id: shopId, variant_id: variantId, email, language: input.language, storefront_url: input.storefrontUrl, created_at: now })
    .onConflict((oc) => oc.columns(['variant_id', 'email']).where('notified_at', 'is', null).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { alert: toAlert(inserted), created: true };
  const existing = await q
    .selectFrom('stock_alerts')
    .selectAll()
    .where('variant_id', '=', variantId)
    .where('email', '=', email)
    .where('notified_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { alert: toAlert(existing), created: false };
}

/** The subscriptions of a variant still waiting for stock (back office, tests). */
export async function listActiveStockAlerts(q: Queryable, shopId: string, variantId: string): Promise<StockAlert[]> {
  if (!isId(variantId)) return [];
  const rows = await q
    .selectFrom('stock_alerts')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('variant_id', '=', variantId)
    .where('notified_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map(toAlert);
}

/**
 * CAT-2: the variant's warehouse stock has just gone from 0 to more. Call it in
 * the stock change's transaction, AFTER writing the new quantities: queues one
 * `email.send` per waiting subscription (FR or EN, with the product's name and
 * a link to its page) and marks the subscriptions notified, so each subscriber
 * gets one email for this return of stock and a later restock sends nothing
 * more. Does nothing when the warehouse stock is still 0.
 *
 * @returns how many alerts were queued.
 */
export async function queueBackInStockAlerts(tx: Tx, input: { shopId: string; variantId: string; now: Date }): Promise<number> {
  const { shopId, variantId, now } = input;
  if (!isId(variantId)) return 0;
  // The subscriptions are locked: two restocks racing each notify a subscription once.
  const alerts = await tx
    .selectFrom('stock_alerts')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('variant_id', '=', variantId)
    .where('notified_at', 'is', null)
    .orderBy('id')
    .forUpdate()
    .execute();
  if (alerts.length === 0) return 0;
  if ((await warehouseStock(tx, variantId)) <= 0) return 0;

  const product = await tx
    .selectFrom('variants as v')
    .innerJoin('products as p', 'p.id', 'v.product_id')
    .innerJoin('shops as s', 's.id', 'p.shop_id')
    .select(['p.slug', 'p.name', 'v.options', 's.name as shop_name'])
    .where('v.id', '=', variantId)
    .where('v.shop_id', '=', shopId)
    .executeTakeFirstOrThrow();

  for (const alert of alerts) {
    const url = `${alert.storefront_url.replace(/\/+$/, '')}/products/${encodeURIComponent(product.slug)}`;
    const email = renderBackInStockEmail({ language: alert.language, shopName: product.shop_name, productName: product.name, options: product.options, url });
    await queueEmail(
      tx,
      {
        shopId,
        key: `stock_alert:${alert.id}`,
        email: { to: alert.email, ...email, language: alert.language, related: { kind: 'stock_alert', id: alert.id } },
      },
      now,
    );
  }
  await tx
    .updateTable('stock_alerts')
    .set({ notified_at: now })
    .where('id', 'in', alerts.map((a) => a.id))
    .execute();
  return alerts.length;
}

/** The back-in-stock email, rendered once, in the subscriber's language. */
export function renderBackInStockEmail(input: {
  language: AlertLanguage;
  shopName: string;
  productName: Localised;
  options: Record<string, string>;
  url: string;
}): { subject: string; text: string; html: string } {
  const { language, shopName, url } = input;
  const variant = Object.values(input.options).filter(Boolean).join(' / ');
  const item = `${input.productName[language]}${variant ? ` (${variant})` : ''}`;
  const t =
    language === 'fr'
      ? {
          subject: `De retour en stock\u00a0: ${input.productName.fr}`,
          hello: 'Bonjour,',
          news: `Bonne nouvelle\u00a0: « ${item} » est de nouveau en stock chez ${shopName}.`,
          see: 'Voir le produit',
          note: "Le stock n'est pas réservé\u00a0: premier arrivé, premier servi. Vous recevez ce message une seule fois, parce que vous avez demandé à être prévenu du retour de cet article.",
        }
      : {
          subject: `Back in stock: ${input.productName.en}`,
          hello: 'Hello,',
          news: `Good news: “${item}” is back in stock at ${shopName}.`,
          see: 'See the product',
          note: 'Stock is not reserved: first come, first served. You receive this message once, because you asked to be told when this item came back.',
        };
  const text = [t.hello, '', t.news, '', `${t.see}${language === 'fr' ? '\u00a0:' : ':'} ${url}`, '', t.note, '', `— ${shopName}`, ''].join('\n');
  // preact escapes every value: a product name cannot inject markup.
  const html = `<!doctype html>${render(
    h('html', { lang: language }, [
      h('head', null, [h('meta', { charSet: 'utf-8' }), h('title', null, t.subject)]),
      h('body', null, [
        h('p', null, t.hello),
        h('p', null, t.news),
        h('p', null, h('a', { href: url }, t.see)),
        h('p', { style: 'color:#555;font-size:90%' }, t.note),
        h('p', null, `— ${shopName}`),
      ]),
    ]),
  )}`;
  return { subject: t.subject, text, html };
}

function toAlert(row: { id: string; variant_id: string; email: string; language: AlertLanguage; created_at: Date; notified_at: Date | null }): StockAlert {
  return { id: row.id, variantId: row.variant_id, email: row.email, language: row.language, createdAt: row.created_at, notifiedAt: row.notified_at };
}
