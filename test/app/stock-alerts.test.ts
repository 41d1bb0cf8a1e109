// CAT-2: back-in-stock alerts, from the subscription to the email in the
// (dev) mailbox, through the stock use case's call and the outbox.
import { beforeAll, describe, expect, it } from 'vitest';
import { queueBackInStockAlerts, listActiveStockAlerts, subscribeStockAlert, type AlertLanguage } from '../../src/app/stock-alerts.js';
import { setStock } from '../../src/app/stock.js';
import { DomainError } from '../../src/domain/errors.js';
import { dispatchOutbox } from '../../src/jobs/outbox-dispatcher.js';
import { listEmails } from '../../src/store/emails.js';
import { listOutbox } from '../../src/store/outbox.js';
import { useTestApp } from '../support/app.js';

const t = useTestApp('el');
let variant: { id: string; slug: string; nameFr: string; nameEn: string };
let other: { id: string };

async function warehouseCode(): Promise<string> {
  const row = await t.ctx.db.selectFrom('locations').select('code').where('shop_id', '=', 'el').where('kind', '=', 'warehouse').executeTakeFirstOrThrow();
  return row.code;
}

async function setWarehouse(variantId: string, quantity: number) {
  const now = await t.ctx.clock.now();
  return setStock(t.ctx.db, { shopId: 'el', variantId, levels: [{ locationCode: await warehouseCode(), quantity }], actor: { kind: 'system' }, now });
}

async function subscribe(email: string, language: AlertLanguage, variantId = variant.id) {
  return subscribeStockAlert(t.ctx.db, { shopId: 'el', policy: t.ctx.shop.policy, variantId, email, language, storefrontUrl: 'https://elan.example', now: await t.ctx.clock.now() });
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return 'no error';
}

beforeAll(async () => {
  const rows = await t.ctx.db
    .selectFrom('variants as v')
    .innerJoin('products as p', 'p.id', 'v.product_id')
    .select(['v.id', 'p.slug', 'p.name'])
    .where('v.shop_id', '=', 'el')
    .orderBy('v.id')
    .limit(2)
    .execute();
  variant = { id: rows[0]!.id, slug: rows[0]!.slug, nameFr: rows[0]!.name.fr, nameEn: rows[0]!.name.en };
  other = { id: rows[1]!.id };
  await setWarehouse(variant.id, 0);
  await setWarehouse(other.id, 5);
});

describe('subscribeStockAlert (CAT-2)', () => {
  it('refuses a variant in stock at the warehouse, an unknown variant, a bad address, a shop without alerts', async () => {
    expect(await code(subscribe('a@example.com', 'fr', other.id))).toBe('stock_alert.in_stock');
    expect(await code(subscribe('a@example.com', 'fr', '999999999'))).toBe('variant.not_found');
    expect(await code(subscribe('a@example.com', 'fr', 'abc'))).toBe('variant.not_found');
    expect(await code(subscribe('not-an-address', 'fr'))).toBe('stock_alert.invalid_email');
    expect(await code(subscribe('a@', 'fr'))).toBe('stock_alert.invalid_email');
    const policy = { ...t.ctx.shop.policy, catalogue: { ...t.ctx.shop.policy.catalogue, backInStockAlerts: false } };
    expect(await code(subscribeStockAlert(t.ctx.db, { shopId: 'el', policy, variantId: variant.id, email: 'a@example.com', language: 'fr', storefrontUrl: 'https://elan.example', now: await t.ctx.clock.now() }))).toBe('stock_alert.not_offered');
    expect(await listActiveStockAlerts(t.ctx.db, 'el', variant.id)).toEqual([]);
  });

  it('subscribes once per address (normalised), idempotently', async () => {
    const first = await subscribe('  Chloe@Example.COM ', 'fr');
    const again = await subscribe('chloe@example.com', 'fr');
    expect(first).toMatchObject({ created: true, alert: { email: 'chloe@example.com', language: 'fr', notifiedAt: null } });
    expect(again).toMatchObject({ created: false, alert: { id: first.alert.id } });
    await subscribe('sam@example.com', 'en');
    expect((await listActiveStockAlerts(t.ctx.db, 'el', variant.id)).map((a) => a.email)).toEqual(['chloe@example.com', 'sam@example.com']);
  });
});

describe('back in stock → one email per subscriber', () => {
  it('queues the alerts with the stock change, and the mailbox gets exactly one email each, FR and EN', async () => {
    const result = await setWarehouse(variant.id, 3);
    expect(result.backInStock).toBe(true);
    // Queued in the stock change's transaction, sent by the dispatcher.
    expect(await listOutbox(t.ctx.db, 'el', { kind: 'email.send', state: 'pending' })).toHaveLength(2);
    expect(await listActiveStockAlerts(t.ctx.db, 'el', variant.id)).toEqual([]);
    await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
    await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());

    const emails = await listEmails(t.ctx.db, 'el');
    expect(emails).toHaveLength(2);
    const fr = emails.find((e) => e.to === 'chloe@example.com')!;
    const en = emails.find((e) => e.to === 'sam@example.com')!;
    const link = `https://elan.example/products/${variant.slug}`;
    expect(fr).toMatchObject({ language: 'fr', transport: 'dev_mailbox', related: { kind: 'stock_alert' } });
    expect(fr.subject).toBe(`De retour en stock\u00a0: ${variant.nameFr}`);
    expect(fr.text).toContain(variant.nameFr);
    expect(fr.text).toContain(link);
    expect(fr.html).toContain(`href="${link}"`);
    expect(en.subject).toBe(`Back in stock: ${variant.nameEn}`);
    expect(en.text).toContain('is back in stock');
    expect(en.text).toContain(link);
    expect(fr.contentSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('sends nothing more on a second restock, nor when called again', async () => {
    await setWarehouse(variant.id, 0);
    const again = await setWarehouse(variant.id, 4);
    expect(again.backInStock).toBe(true);
    expect(await t.ctx.db.transaction().execute(async (tx) => queueBackInStockAlerts(tx, { shopId: 'el', variantId: variant.id, now: await t.ctx.clock.now() }))).toBe(0);
    await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
    expect(await listEmails(t.ctx.db, 'el')).toHaveLength(2);
  });

  it('a new subscription after the first wave gets its own single email at the next return of stock', async () => {
    await setWarehouse(variant.id, 0);
    await subscribe('chloe@example.com', 'en');
    // Not queued while the warehouse is still empty.
    expect(await t.ctx.db.transaction().execute(async (tx) => queueBackInStockAlerts(tx, { shopId: 'el', variantId: variant.id, now: await t.ctx.clock.now() }))).toBe(0);
    await setWarehouse(variant.id, 1);
    await dispatchOutbox(t.ctx.db, t.ctx.outbox, await t.ctx.clock.now());
    const emails = await listEmails(t.ctx.db, 'el', { to: 'chloe@example.com' });
    expect(emails.map((e) => e.language)).toEqual(['en', 'fr']);
  });

  it('escapes product names in the HTML version', async () => {
    const { renderBackInStockEmail } = await import('../../src/app/stock-alerts.js');
    const email = renderBackInStockEmail({ language: 'en', shopName: 'Élan <b>', productName: { fr: 'x', en: 'Lamp <script>alert(1)</script>' }, options: { colour: 'Red & "blue"' }, url: 'https://elan.example/products/lamp' });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script>');
    expect(email.text).toContain('Lamp <script>alert(1)</script> (Red & "blue")');
  });
});
