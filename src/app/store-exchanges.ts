// EX-2 (FR): exchange at a store counter of items bought online.
//
// Store staff (`exchanges.manage`) take back units of a delivered order's
// lines, on the return slip (the order number printed on it), and hand over a
// replacement from the store's stock: the same product in another size or
// colour (nothing to settle, whatever the prices), or another item (the units'
// invoiced amount, excl. shipping, counts as credit: the customer pays any
// excess at the counter, a lower difference is lost). No refund, no credit, ever
// (EX-2): nothing here calls the refund executor. Pure rules:
// src/domain/exchanges/ (window, outlet exclusion, slip, units, differences).
//
// - storeExchangeOptions: the counter form's first step — the order's lines
//   with their units left to exchange, their window and eligibility.
// - previewStoreExchange: every check and the amounts, writing nothing (the
//   confirmation step shows what to collect).
// - recordStoreExchange: one transaction — locks: the order row → the stock
//   rows of both variants (`lockStock`) → evidence head last. The replacement
//   leaves the store's stock (`exchange.not_in_stock` otherwise), the returned
//   units go back into it, the customer is emailed (FR/EN), the act is audited
//   and proven by `exchange.in_store_recorded`.
// Units already withdrawn, exchanged or refunded are not exchanged (again):
// src/app/settled-units.ts, shared with withdrawals and guarantee claims.
import { sql } from 'kysely';
import { localDateIn } from '../domain/calendar/local-date.js';
import { DomainError } from '../domain/errors.js';
import {
  assertInStoreExchange,
  checkExchangeUnits,
  inStoreExchangeEligibility,
  type InStoreExchangeCheck,
} from '../domain/exchanges/in-store-exchange.js';
import { inStoreExchangeDifference } from '../domain/exchanges/price-difference.js';
import { lineAmountFor } from '../domain/fulfilment/fulfilment-plan.js';
import { formatMoney, money, type Currency } from '../domain/money.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import { inTransaction, type Queryable } from '../store/db.js';
import { appendEvidence } from '../store/evidence.js';
import { priceInForce, refreshProductCards } from '../store/product-cards.js';
import { queueEmail, type EmailPayload } from './emails.js';
import { legalDate, orderEmail, replyClosing } from './order-emails.js';
import { loadOrder, policyOfOrder, type Order } from './orders.js';
import { settledUnits, unitsLeft } from './settled-units.js';
import { lockStock } from './stock.js';

export const STORE_EXCHANGE_RECORDED = 'exchange.in_store_recorded';

type Localised = { fr: string; en: string };
export type Settlement = 'none' | 'paid_in_store' | 'lost';

export type StoreExchangeLineRequest = { position: number; quantity: number; replacementSku: string };

export type StoreExchangeInput = {
  shopId: string;
  orderNumber: string;
  /** The store's location code (`nantes-graslin`). */
  storeCode: string;
  /** EX-2: the customer presented the return slip (its reference is the order number printed on it). */
  returnSlipPresented: boolean;
  lines: readonly StoreExchangeLineRequest[];
  now: Date;
};

export type StoreExchangeLine = {
  position: number;
  sku: string;
  name: Localised;
  options: Record<string, string>;
  quantity: number;
  /** The units' share of the line total, to the cent (excl. shipping). */
  invoiced: number;
  possessionAt: Date;
  windowLastDay: string;
  replacement: { sku: string; name: Localised; options: Record<string, string>; price: number };
  sameProduct: boolean;
};

export type StoreExchangeAmounts = {
  currency: Currency;
  /** What the other-item lines count for (same-product lines count for nothing either way). */
  invoiced: number;
  replacementTotal: number;
  /** The excess the customer pays at the counter. */
  customerPays: number;
  /** The lower difference: neither refunded nor credited (EX-2). */
  lost: number;
  settlement: Settlement;
};

export type StoreExchangePreview = StoreExchangeAmounts & { orderNumber: string; store: { code: string; name: string }; lines: StoreExchangeLine[] };

export type StoreExchange = StoreExchangePreview & { id: string; number: string; returnSlip: string; recordedAt: Date; recordedBy: string };

const placeOf = (order: Order) => ({ country: order.deliveryAddress.country });

// ---------------------------------------------------------------------------
// Reading

async function exchangesWhere(q: Queryable, where: { shopId: string; id?: string; orderId?: string; limit?: number }): Promise<StoreExchange[]> {
  let query = q
    .selectFrom('store_exchanges as e')
    .innerJoin('orders as o', 'o.id', 'e.order_id')
    .innerJoin('locations as l', 'l.id', 'e.location_id')
    .select([
      'e.id', 'e.number', 'e.return_slip', 'e.currency', 'e.invoiced_minor', 'e.replacement_minor', 'e.customer_paid_minor', 'e.lost_minor', 'e.settlement',
      'e.recorded_at', 'e.recorded_by', 'e.order_id', 'o.number as order_number', 'l.code as store_code', 'l.name as store_name',
    ])
    .where('e.shop_id', '=', where.shopId);
  if (where.id !== undefined) query = query.where('e.id', '=', where.id);
  if (where.orderId !== undefined) query = query.where('e.order_id', '=', where.orderId);
  const rows = await query.orderBy('e.recorded_at', 'desc').orderBy('e.id', 'desc').limit(Math.min(Math.max(where.limit ?? 200, 1), 500)).execute();
  if (rows.length === 0) return [];
  const [lines, orderLines] = await Promise.all([
    q.selectFrom('store_exchange_lines').selectAll().where('exchange_id', 'in', rows.map((r) => r.id)).orderBy('position').execute(),
    q.selectFrom('order_lines').select(['order_id', 'position', 'sku', 'name_fr', 'name_en', 'options']).where('order_id', 'in', [...new Set(rows.map((r) => r.order_id))]).execute(),
  ]);
  return rows.map((r) => ({
    id: r.id,
    number: r.number,
    orderNumber: r.order_number,
    store: { code: r.store_code, name: r.store_name },
    returnSlip: r.return_slip,
    currency: r.currency as Currency,
    invoiced: Number(r.invoiced_minor),
    replacementTotal: Number(r.replacement_minor),
    customerPays: Number(r.customer_paid_minor),
    lost: Number(r.lost_minor),
    settlement: r.settlement,
    recordedAt: r.recorded_at,
    recordedBy: r.recorded_by,
    lines: lines
      .filter((l) => l.exchange_id === r.id)
      .map((l) => {
        const line = orderLines.find((o) => o.order_id === r.order_id && o.position === l.position);
        return {
          position: l.position,
          sku: line?.sku ?? '',
          name: { fr: line?.name_fr ?? '', en: line?.name_en ?? '' },
          options: line?.options ?? {},
          quantity: l.quantity,
          invoiced: Number(l.invoiced_minor),
          possessionAt: l.possession_at,
          windowLastDay: l.window_last_day,
          replacement: { sku: l.replacement_sku, name: l.replacement_name, options: l.replacement_options, price: Number(l.replacement_minor) },
          sameProduct: l.same_product,
        };
      }),
  }));
}

/** The back office's list, newest first. */
export async function listStoreExchanges(q: Queryable, input: { shopId: string; limit?: number }): Promise<StoreExchange[]> {
  return exchangesWhere(q, input);
}

/** The in-store exchanges of an order, newest first (`order.not_found` when there is no such order). */
export async function listStoreExchangesOfOrder(q: Queryable, input: { shopId: string; orderNumber: string }): Promise<StoreExchange[]> {
  const order = await q.selectFrom('orders').select('id').where('shop_id', '=', input.shopId).where('number', '=', input.orderNumber).executeTakeFirst();
  if (!order) throw new DomainError('order.not_found', { field: 'orderNumber' }, `No order ${input.orderNumber}.`);
  return exchangesWhere(q, { shopId: input.shopId, orderId: order.id });
}

// ---------------------------------------------------------------------------
// The order's lines as the counter sees them

type CounterLine = {
  position: number;
  variantId: string;
  productId: string;
  sku: string;
  name: Localised;
  options: Record<string, string>;
  quantity: number;
  total: number;
  outlet: boolean;
  /** Units received in the order's own parcels (a replacement parcel replaces units already counted). */
  delivered: number;
  /** SH-9: possession of the last parcel that brought the line; null: none delivered. */
  possessionAt: Date | null;
  /** Units exchanged in store before (the amounts continue after them). */
  exchanged: number;
  /** Units that may be exchanged now: not withdrawn, exchanged or refunded already (`unitsLeft`). */
  exchangeable: number;
};

async function counterLines(q: Queryable, orderId: string): Promise<CounterLine[]> {
  const [lines, settled] = await Promise.all([
    q
      .selectFrom('order_lines')
      .select(['position', 'variant_id', 'product_id', 'sku', 'name_fr', 'name_en', 'options', 'quantity', 'total_minor', 'outlet'])
      .where('order_id', '=', orderId)
      .orderBy('position')
      .execute(),
    settledUnits(q, orderId),
  ]);
  return lines.map((l) => {
    const units = settled.get(l.position);
    return {
      position: l.position,
      variantId: l.variant_id,
      productId: l.product_id,
      sku: l.sku,
      name: { fr: l.name_fr, en: l.name_en },
      options: l.options,
      quantity: l.quantity,
      total: Number(l.total_minor),
      outlet: l.outlet,
      delivered: units?.received ?? 0,
      possessionAt: units?.possessionAt ?? null,
      exchanged: units?.exchangedInStore ?? 0,
      exchangeable: units ? unitsLeft(units, 'store_exchange') : 0,
    };
  });
}

export type StoreExchangeOptions = {
  orderNumber: string;
  currency: Currency;
  /** EX-2 is in the order's terms. */
  offered: boolean;
  returnSlipRequired: boolean;
  lines: {
    position: number;
    sku: string;
    name: Localised;
    options: Record<string, string>;
    outlet: boolean;
    delivered: number;
    exchangeable: number;
    possessionAt: Date | null;
    /** Eligibility before the slip and the replacement are known (window, outlet of the returned item). */
    eligibility: InStoreExchangeCheck;
  }[];
};

/** The counter form's first step: what of the order may be exchanged now (`order.not_found`). */
export async function storeExchangeOptions(q: Queryable, input: { shopId: string; orderNumber: string; now: Date }): Promise<StoreExchangeOptions> {
  const order = await loadOrder(q, { shopId: input.shopId, number: input.orderNumber });
  if (!order) throw new DomainError('order.not_found', { field: 'orderNumber' }, `No order ${input.orderNumber}.`);
  const policy = await policyOfOrder(q, input.shopId, order.policyHash);
  const rule = policy.exchanges.inStore;
  const lines = await counterLines(q, order.id);
  return {
    orderNumber: order.number,
    currency: order.currency,
    offered: rule !== undefined,
    returnSlipRequired: rule?.returnSlipRequired ?? false,
    lines: lines.map((l) => ({
      position: l.position,
      sku: l.sku,
      name: l.name,
      options: l.options,
      outlet: l.outlet,
      delivered: l.delivered,
      exchangeable: l.exchangeable,
      possessionAt: l.possessionAt,
      eligibility: inStoreExchangeEligibility({ rule, possessionAt: l.possessionAt, returnedOutlet: l.outlet, timeZone: policy.shop.timeZone, place: placeOf(order), at: input.now }),
    })),
  };
}

// ---------------------------------------------------------------------------
// Checking and pricing an exchange (preview and record share it)

type Replacement = { variantId: string; productId: string; sku: string; name: Localised; options: Record<string, string>; outlet: boolean; unitPrice: number };

async function replacementsBySku(q: Queryable, input: { shopId: string; skus: readonly string[]; currency: Currency; now: Date }): Promise<Map<string, Replacement>> {
  if (input.skus.length === 0) return new Map();
  const rows = await q
    .selectFrom('variants as v')
    .innerJoin('products as p', 'p.id', 'v.product_id')
    .select(['v.id', 'v.product_id', 'v.sku', 'v.options', 'p.name', 'p.outlet', 'p.eco_fee_minor', priceInForce(sql.ref('v.id'), input.currency, input.now).as('price_minor')])
    .where('v.shop_id', '=', input.shopId)
    .where('v.sku', 'in', [...new Set(input.skus)])
    .execute();
  const result = new Map<string, Replacement>();
  for (const r of rows) {
    // The price in force at the counter, eco-fee included: what the customer would pay for it in store.
    if (r.price_minor === null) continue;
    result.set(r.sku, { variantId: r.id, productId: r.product_id, sku: r.sku, name: r.name, options: r.options, outlet: r.outlet, unitPrice: Number(r.price_minor) + Number(r.eco_fee_minor) });
  }
  return result;
}

type Checked = StoreExchangePreview & { order: Order; locationId: string; returned: { variantId: string; quantity: number }[]; taken: { variantId: string; quantity: number; index: number }[] };

async function checkExchange(q: Queryable, order: Order, input: StoreExchangeInput): Promise<Checked> {
  const { shopId, now } = input;
  const policy = await policyOfOrder(q, shopId, order.policyHash);
  const rule = policy.exchanges.inStore;
  if (input.lines.length === 0) throw new DomainError('exchange.no_lines', { field: 'lines', rule: 'EX-2' }, 'Name the items brought back.');
  const store = await q.selectFrom('locations').select(['id', 'code', 'name']).where('shop_id', '=', shopId).where('code', '=', input.storeCode).where('kind', '=', 'store').executeTakeFirst();
  if (!store) throw new DomainError('location.not_found', { field: 'storeCode', rule: 'EX-2' }, `No store '${input.storeCode}'.`);
  const lines = await counterLines(q, order.id);
  const replacements = await replacementsBySku(q, { shopId, skus: input.lines.map((l) => l.replacementSku), currency: order.currency, now });
  const seen = new Set<number>();
  const checked: StoreExchangeLine[] = [];
  input.lines.forEach((request, index) => {
    const line = lines.find((l) => l.position === request.position);
    if (!line) throw new DomainError('exchange.unknown_line', { field: `lines.${index}.position`, rule: 'EX-2', position: request.position }, 'This item is not in the order.');
    if (seen.has(line.position)) throw new DomainError('exchange.duplicate_line', { field: `lines.${index}.position`, rule: 'EX-2', position: line.position });
    seen.add(line.position);
    const replacement = replacements.get(request.replacementSku);
    if (!replacement) throw new DomainError('exchange.unknown_replacement', { field: `lines.${index}.replacementSku`, rule: 'EX-2', sku: request.replacementSku }, 'No item on sale with this SKU.');
    const windowLastDay = assertInStoreExchange(
      { rule, returnSlipPresented: input.returnSlipPresented, possessionAt: line.possessionAt, returnedOutlet: line.outlet, replacementOutlet: replacement.outlet, timeZone: policy.shop.timeZone, place: placeOf(order), at: now },
      { index, position: line.position },
    );
    // The domain check counts delivered − exchanged: here the units no longer exchangeable for any reason.
    checkExchangeUnits({ position: line.position, delivered: line.delivered, exchanged: line.delivered - line.exchangeable }, request.quantity, `lines.${index}.quantity`);
    if (replacement.variantId === line.variantId) {
      throw new DomainError('exchange.same_variant', { field: `lines.${index}.replacementSku`, rule: 'EX-2', sku: replacement.sku }, 'The replacement is the item brought back: choose another size, colour or item.');
    }
    checked.push({
      position: line.position,
      sku: line.sku,
      name: line.name,
      options: line.options,
      quantity: request.quantity,
      // The units' share of the line total, continuing after units exchanged before: all of them add up to the line total.
      invoiced: lineAmountFor(line, line.exchanged, request.quantity),
      possessionAt: line.possessionAt!,
      windowLastDay,
      replacement: { sku: replacement.sku, name: replacement.name, options: replacement.options, price: replacement.unitPrice * request.quantity },
      sameProduct: replacement.productId === line.productId,
    });
  });
  // EX-2: same-product lines settle nothing either way; the other lines are settled together at the counter
  // (their invoiced amounts are one credit against the replacements' prices).
  const others = checked.filter((l) => !l.sameProduct);
  const invoiced = others.reduce((s, l) => s + l.invoiced, 0);
  const replacementTotal = others.reduce((s, l) => s + l.replacement.price, 0);
  const { customerPays, lost } = inStoreExchangeDifference({ sameProduct: false, invoicedAmount: invoiced, replacementPrice: replacementTotal });
  return {
    order,
    locationId: store.id,
    orderNumber: order.number,
    store: { code: store.code, name: store.name },
    currency: order.currency,
    invoiced,
    replacementTotal,
    customerPays,
    lost,
    settlement: customerPays > 0 ? 'paid_in_store' : lost > 0 ? 'lost' : 'none',
    lines: checked,
    returned: checked.map((l) => ({ variantId: lines.find((x) => x.position === l.position)!.variantId, quantity: l.quantity })),
    taken: checked.map((l, index) => ({ variantId: replacements.get(l.replacement.sku)!.variantId, quantity: l.quantity, index })),
  };
}

const previewOf = ({ order: _o, locationId: _l, returned: _r, taken: _t, ...preview }: Checked): StoreExchangePreview => preview;

/** EX-2: every check of `recordStoreExchange` and the amounts, writing nothing (stock is checked when recording). */
export async function previewStoreExchange(q: Queryable, input: StoreExchangeInput): Promise<StoreExchangePreview> {
  const order = await loadOrder(q, { shopId: input.shopId, number: input.orderNumber });
  if (!order) throw new DomainError('order.not_found', { field: 'orderNumber' }, `No order ${input.orderNumber}.`);
  return previewOf(await checkExchange(q, order, input));
}

// ---------------------------------------------------------------------------
// Recording

/**
 * EX-2: records the exchange made at the counter (see the header). Refusals
 * name the field and the rule; nothing is written then. Recording it says the
 * excess shown by the preview was paid at the counter.
 */
export async function recordStoreExchange(db: Queryable, input: StoreExchangeInput & { actor: Actor }): Promise<StoreExchange> {
  const { shopId, now } = input;
  return inTransaction(db, async (tx) => {
    const order = await loadOrder(tx, { shopId, number: input.orderNumber, forUpdate: true });
    if (!order) throw new DomainError('order.not_found', { field: 'orderNumber' }, `No order ${input.orderNumber}.`);
    const checked = await checkExchange(tx, order, input);

    // Stock: the replacement leaves the store, the units brought back go back on sale there (CAT-6).
    const variantIds = [...new Set([...checked.taken, ...checked.returned].map((v) => v.variantId))];
    const rows = await lockStock(tx, variantIds);
    const needed = new Map<string, number>();
    for (const t of checked.taken) {
      needed.set(t.variantId, (needed.get(t.variantId) ?? 0) + t.quantity);
      const available = rows.find((r) => r.variantId === t.variantId && r.locationId === checked.locationId)?.quantity ?? 0;
      if (needed.get(t.variantId)! > available) {
        throw new DomainError('exchange.not_in_stock', { field: `lines.${t.index}.replacementSku`, rule: 'EX-2', sku: checked.lines[t.index]!.replacement.sku, available }, 'The store has not this replacement in stock.');
      }
    }
    for (const [variantId, quantity] of needed) {
      await sql`UPDATE stock SET quantity = quantity - ${quantity}::int WHERE variant_id = ${variantId}::bigint AND location_id = ${checked.locationId}::bigint`.execute(tx);
    }
    for (const r of checked.returned) {
      await sql`
        INSERT INTO stock (variant_id, location_id, quantity) VALUES (${r.variantId}::bigint, ${checked.locationId}::bigint, ${r.quantity}::int)
        ON CONFLICT (variant_id, location_id) DO UPDATE SET quantity = stock.quantity + excluded.quantity`.execute(tx);
    }
    await refreshProductCards(tx, { variantIds, now });

    const count = await tx.selectFrom('store_exchanges').select((eb) => eb.fn.countAll<string>().as('n')).where('order_id', '=', order.id).executeTakeFirstOrThrow();
    const number = `${order.number}-E${Number(count.n) + 1}`;
    const recordedBy = actorLabel(input.actor);
    const row = await tx
      .insertInto('store_exchanges')
      .values({
        shop_id: shopId,
        order_id: order.id,
        number,
        location_id: checked.locationId,
        return_slip: order.number,
        currency: order.currency,
        invoiced_minor: checked.invoiced,
        replacement_minor: checked.replacementTotal,
        customer_paid_minor: checked.customerPays,
        lost_minor: checked.lost,
        settlement: checked.settlement,
        recorded_at: now,
        recorded_by: recordedBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('store_exchange_lines')
      .values(
        checked.lines.map((l, i) => ({
          exchange_id: row.id,
          position: l.position,
          quantity: l.quantity,
          returned_variant_id: checked.returned[i]!.variantId,
          invoiced_minor: l.invoiced,
          possession_at: l.possessionAt,
          window_last_day: l.windowLastDay,
          replacement_variant_id: checked.taken[i]!.variantId,
          replacement_sku: l.replacement.sku,
          replacement_name: JSON.stringify(l.replacement.name),
          replacement_options: JSON.stringify(l.replacement.options),
          replacement_minor: l.replacement.price,
          same_product: l.sameProduct,
        })),
      )
      .execute();
    const exchange = (await exchangesWhere(tx, { shopId, id: row.id }))[0]!;
    const policy = await policyOfOrder(tx, shopId, order.policyHash);
    await queueEmail(tx, { shopId, key: `${STORE_EXCHANGE_RECORDED}:${shopId}:${number}`, email: storeExchangeEmail(order, exchange, policy.shop.timeZone) }, now);
    const summary = {
      order: order.number,
      exchange: number,
      store: checked.store.code,
      lines: exchange.lines.map((l) => ({ position: l.position, quantity: l.quantity, replacementSku: l.replacement.sku, sameProduct: l.sameProduct })),
      customerPays: checked.customerPays,
      lost: checked.lost,
    };
    await recordAudit(tx, { shopId, actor: input.actor, action: STORE_EXCHANGE_RECORDED, target: `store_exchange:${number}`, details: summary, at: now });
    await appendEvidence(tx, {
      shopId,
      kind: STORE_EXCHANGE_RECORDED,
      subject: { type: 'order', id: order.number },
      actor: recordedBy,
      data: {
        number: order.number,
        exchange: number,
        rule: 'EX-2',
        store: checked.store.code,
        returnSlip: order.number,
        currency: order.currency,
        lines: exchange.lines.map((l) => ({
          position: l.position,
          quantity: l.quantity,
          invoiced: l.invoiced,
          possessionAt: l.possessionAt.toISOString(),
          windowLastDay: l.windowLastDay,
          replacementSku: l.replacement.sku,
          replacementPrice: l.replacement.price,
          sameProduct: l.sameProduct,
        })),
        invoiced: checked.invoiced,
        replacementTotal: checked.replacementTotal,
        customerPaid: checked.customerPays,
        lost: checked.lost,
        settlement: checked.settlement,
      },
      at: now,
    });
    return exchange;
  });
}

// ---------------------------------------------------------------------------
// The customer's email (the order's language; French is the reference)

const itemText = (name: Localised, options: Record<string, string>, lang: 'fr' | 'en') => {
  const values = Object.values(options);
  return values.length > 0 ? `${name[lang]} (${values.join(', ')})` : name[lang];
};

/** EX-2: what was exchanged, where and when, and what was settled (no refund, no credit). */
export function storeExchangeEmail(order: Order, exchange: StoreExchange, timeZone: string): EmailPayload {
  const lang = order.language;
  const fr = lang === 'fr';
  const amount = (minor: number) => formatMoney(money(minor, exchange.currency), lang);
  const day = legalDate(localDateIn(timeZone, exchange.recordedAt), lang);
  const settled =
    exchange.settlement === 'paid_in_store'
      ? fr
        ? `Complément réglé en magasin : ${amount(exchange.customerPays)}.`
        : `Difference paid in store: ${amount(exchange.customerPays)}.`
      : exchange.settlement === 'lost'
        ? fr
          ? `La différence de prix en votre faveur (${amount(exchange.lost)}) n’est ni remboursée ni convertie en avoir, conformément à nos conditions générales de vente.`
          : `The price difference in your favour (${amount(exchange.lost)}) is neither refunded nor given as store credit, as stated in our terms of sale.`
        : fr
          ? 'Aucune différence de prix à régler.'
          : 'No price difference to settle.';
  return orderEmail(order, fr ? `Votre échange en magasin ${exchange.number}` : `Your in-store exchange ${exchange.number}`, [
    fr
      ? `Le ${day}, au magasin ${exchange.store.name}, vous avez échangé des articles de votre commande ${order.number} :`
      : `On ${day}, at our ${exchange.store.name} store, you exchanged items of your order ${order.number}:`,
    ...exchange.lines.map((l) => `- ${l.quantity} × ${itemText(l.name, l.options, lang)} → ${l.quantity} × ${itemText(l.replacement.name, l.replacement.options, lang)}`),
    '',
    settled,
    '',
    replyClosing(lang),
  ]);
}
