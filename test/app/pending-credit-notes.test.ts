// DOC-1: a refund made before the order's invoice exists (PF invoices at the
// last dispatch) is credited on the invoice as soon as it is issued.
import { describe, expect, it } from 'vitest';
import { orderDocuments } from '../../src/app/credit-notes.js';
import { decideDeliveryClaim, fileDeliveryClaim } from '../../src/app/delivery-claims.js';
import { useTestApp } from '../support/app.js';
import { ownerActor, shipOrder, track } from '../support/fulfilment.js';
import { payOnHostedPage, placeCardOrder, stockedVariant } from '../support/orders.js';
import { afterSales } from '../support/returns.js';

describe('PF: a claim refunded on the first parcel, the invoice at the second (DOC-1)', () => {
  const t = useTestApp('pf');
  const h = afterSales(t);

  it('the invoice bills what shipped and the credit note follows it at once, under the refund', async () => {
    const variantId = await stockedVariant(t, 20, { skip: 2 });
    await h.price(variantId, 4_000);
    const placed = await placeCardOrder(t, { variantId, quantity: 2, method: 'standard' });
    await payOnHostedPage(t, placed.redirectUrl!);
    const number = placed.order.number;
    const first = await shipOrder(t, number, [{ position: 0, quantity: 1 }]);
    await h.dispatch();
    await track(t, first.trackingNumber!, { kind: 'delivered', signedBy: 'Camille Martin', recipient: 'customer' });
    const claim = await fileDeliveryClaim(t.ctx.db, {
      shopId: 'pf', orderNumber: number, shipmentNumber: first.number, kind: 'damaged', description: 'Flacon cassé', lines: [{ position: 0, quantity: 1 }], photos: [], access: { customerId: placed.customerId }, now: await h.now(),
    });
    const actor = await ownerActor(t);
    await t.ctx.db.transaction().execute(async (tx) => decideDeliveryClaim(tx, { shopId: 'pf', claimId: claim.id, outcome: 'refund', actor, now: await h.now() }));
    const unit = placed.order.lines[0]!.total / 2;
    expect(await orderDocuments(t.ctx.db, { shopId: 'pf', orderNumber: number })).toEqual([]); // no invoice yet: nothing to credit
    const pending = await t.ctx.db.selectFrom('order_refunds').select(['amount_minor', 'credit_pending']).where('key', '=', `delivery_claim:${claim.number}`).executeTakeFirstOrThrow();
    expect(pending).toMatchObject({ amount_minor: String(unit), credit_pending: { items: [{ position: 0, quantity: 1, amount: unit }], shipping: 0 } });

    await shipOrder(t, number, [{ position: 0, quantity: 1 }]); // the last parcel: PF captures it and issues the invoice
    const documents = await orderDocuments(t.ctx.db, { shopId: 'pf', orderNumber: number });
    expect(documents.map((d) => [d.kind, d.total])).toEqual([
      ['invoice', placed.order.total],
      ['credit_note', unit],
    ]);
    const after = await t.ctx.db.selectFrom('order_refunds').select('credit_pending').where('key', '=', `delivery_claim:${claim.number}`).executeTakeFirstOrThrow();
    expect(after.credit_pending).toBeNull();
  });
});
