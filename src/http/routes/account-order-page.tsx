// The account's order page (CU-1, issue 4 §8) with the sections of the work
// after ordering: tracking (SH-5, in the page itself), items unavailable
// (AV-1: a link to the choice when one is open), delivery claims (SH-8) and
// the delivery deadline (SH-4), the withdrawal function and returns (WD-4…WD-8),
// the invoice's credit notes (DOC-1), guarantee claims (GU-1…GU-5). One place composes it, for the page and for a
// form that shows it again with its error.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getCustomerOrder } from '../../app/account-orders.js';
import type { AppContext } from '../../app/context.js';
import { unavailabilityOfOrder } from '../../app/unavailability.js';
import type { DomainError } from '../../domain/errors.js';
import { resolveLanguage } from '../web/language.js';
import { OrderPage } from '../web/pages/account-orders.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';
import { invoicePdfPath } from './account-orders-api.js';
import { deliveryClaimsSection } from './delivery-claims-pages.js';
import { deliveryDeadlineSection } from './delivery-deadline-pages.js';
import { OpenUnavailabilityNotice } from './unavailability-pages.js';
import { orderReturnsSection } from './withdrawal-pages.js';
import { guaranteeSection } from './guarantee-claims-pages.js';
import { orderDocuments } from '../../app/credit-notes.js';
import { OrderDocuments } from '../web/order-documents.js';

export async function sendAccountOrderPage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, number: string, flash: { claimError?: DomainError } = {}, status = 200) {
  const shopId = ctx.shop.id;
  const detail = await getCustomerOrder(ctx.db, { shopId, policy: ctx.shop.policy, customerId: request.customer!.id, number: number.slice(0, 40), now: await ctx.clock.now() });
  const lang = resolveLanguage(request, reply);
  const [unavailable, returns, documents, claims, deadline, guarantees] = await Promise.all([
    unavailabilityOfOrder(ctx.db, { shopId, orderNumber: detail.order.number }),
    orderReturnsSection(ctx, { lang, order: detail.order }),
    orderDocuments(ctx.db, { shopId, orderNumber: detail.order.number }),
    deliveryClaimsSection(ctx, request, reply, detail.order, { error: flash.claimError }),
    deliveryDeadlineSection(ctx, { request, reply, orderNumber: detail.order.number }),
    guaranteeSection(ctx, request, reply, detail.order),
  ]);
  return sendPage(
    reply,
    <OrderPage lang={lang} shop={shopView(ctx.shop)} timeZone={ctx.shop.policy.shop.timeZone} detail={detail} invoiceUrl={invoicePdfPath(detail.order.number)} csrfToken={reply.generateCsrf()}>
      <OpenUnavailabilityNotice lang={lang} orderNumber={detail.order.number} cases={unavailable.cases} />
      {returns}
      {documents.length > 1 ? <OrderDocuments documents={documents} lang={lang} area="store" /> : null}
      {claims}
      {deadline}
      {guarantees}
    </OrderPage>,
    status,
  );
}
