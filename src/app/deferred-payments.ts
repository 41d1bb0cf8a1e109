// PA-1 / PA-7: deferred payment for authorised professionals (EL: "traders
// which are authorised to pay later … subject to approval by our insurance
// provider").
//
// - The merchant authorises a professional account (`grantDeferredPayment`,
//   owner only: it is credit), naming the credit insurer's approval and the
//   most the customer may owe at once; `revokeDeferredPayment` ends it.
// - At checkout (`assertDeferredPaymentAllowed`, called by placeOrder): the
//   shop offers it, the account is authorised, nothing is overdue (PA-7:
//   nothing more until everything due is paid) and the outstanding amount
//   stays within the limit.
// - The order is invoiced at once with its due date (src/app/orders.ts); the
//   payment waits for a transfer (`startDeferredPayment`, src/app/payments.ts)
//   recorded by staff like a PA-5 transfer.
// - The due date passing unpaid (timer `payment.deferred_due`) sends the
//   customer a reminder with the late-payment terms and proves it; the
//   interest itself is `latePaymentCharges` (src/domain/payments/late-interest.ts).
import { localDateIn } from '../domain/calendar/local-date.js';
import { DomainError } from '../domain/errors.js';
import { formatMoney, money, type Currency, type Money } from '../domain/money.js';
import type { CustomerKind, Policy } from '../policy/schema.js';
import { actorLabel, recordAudit, type Actor } from '../store/audit.js';
import { inTransaction, type Queryable, type Tx } from '../store/db.js';
import { appendEvidence } from '../store/evidence.js';
import { insertPaymentEvent, lockPayment } from '../store/payments.js';
import type { DueTimer } from '../store/timers.js';
import { queueEmail } from './emails.js';
import { findInvoiceOfOrder } from './invoices.js';
import { legalDate } from './order-emails.js';

export const PAYMENT_OVERDUE = 'payment.overdue';

export type DeferredPaymentAccount = {
  customerId: string;
  insurerReference: string;
  creditLimit: Money;
  grantedBy: string;
  grantedAt: Date;
  /** What the customer owes now on deferred orders not yet paid. */
  outstanding: Money;
};

const idPattern = /^[1-9]\d{0,17}$/;

async function outstandingOf(q: Queryable, shopId: string, customerId: string, currency: Currency): Promise<Money> {
  const row = await q
    .selectFrom('orders')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('total_minor'), eb.val('0')).as('owed'))
    .where('shop_id', '=', shopId)
    .where('customer_id', '=', customerId)
    .where('state', '=', 'payment_deferred')
    .where('currency', '=', currency)
    .executeTakeFirstOrThrow();
  return money(Number(row.owed), currency);
}

/** The customer's authorisation in force, with what they owe now; null when none. */
export async function findDeferredPaymentAccount(q: Queryable, shopId: string, customerId: string): Promise<DeferredPaymentAccount | null> {
  if (!idPattern.test(customerId)) return null;
  const row = await q.selectFrom('deferred_payment_accounts').selectAll().where('shop_id', '=', shopId).where('customer_id', '=', customerId).where('revoked_at', 'is', null).executeTakeFirst();
  if (!row) return null;
  const currency = row.currency as Currency;
  return {
    customerId: row.customer_id,
    insurerReference: row.insurer_reference,
    creditLimit: money(Number(row.credit_limit_minor), currency),
    grantedBy: row.granted_by,
    grantedAt: row.granted_at,
    outstanding: await outstandingOf(q, shopId, customerId, currency),
  };
}

/**
 * PA-1/PA-7, owner: authorises a professional account to pay later, up to
 * `creditLimit` owed at once (granting again replaces the limit). Audited.
 * @throws payment.method_not_offered, customer.not_found, payment.deferred_kind_not_eligible, payment.invalid_credit_limit
 */
export async function grantDeferredPayment(
  q: Queryable,
  input: { shop: { id: string; policy: Policy }; customerId: string; insurerReference: string; creditLimit: Money; actor: Actor; now: Date },
): Promise<DeferredPaymentAccount> {
  const rule = input.shop.policy.payment.methods.deferredB2B;
  if (!rule) throw new DomainError('payment.method_not_offered', { field: 'paymentMethod', rule: 'PA-1', method: 'deferred' });
  const insurerReference = input.insurerReference.trim();
  if (insurerReference === '' || insurerReference.length > 200) throw new DomainError('payment.invalid_insurer_reference', { field: 'insurerReference', rule: 'PA-1' });
  const currencies = input.shop.policy.pricing.priceLists.map((l) => l.currency);
  if (!Number.isSafeInteger(input.creditLimit.amount) || input.creditLimit.amount <= 0 || !currencies.includes(input.creditLimit.currency)) {
    throw new DomainError('payment.invalid_credit_limit', { field: 'creditLimit', rule: 'PA-7', currencies });
  }
  return inTransaction(q, async (tx) => {
    const customer = idPattern.test(input.customerId)
      ? await tx.selectFrom('customers').select(['id', 'kind']).where('shop_id', '=', input.shop.id).where('id', '=', input.customerId).executeTakeFirst()
      : undefined;
    if (!customer) throw new DomainError('customer.not_found', { field: 'id' });
    if (!rule.customerKinds.includes(customer.kind as CustomerKind)) {
      throw new DomainError('payment.deferred_kind_not_eligible', { field: 'id', rule: 'PA-1', kind: customer.kind, allowed: rule.customerKinds });
    }
    const values = {
      insurer_reference: insurerReference,
      currency: input.creditLimit.currency,
      credit_limit_minor: input.creditLimit.amount,
      granted_by: actorLabel(input.actor),
      granted_at: input.now,
      revoked_by: null,
      revoked_at: null,
    };
    await tx
      .insertInto('deferred_payment_accounts')
      .values({ shop_id: input.shop.id, customer_id: customer.id, ...values })
      .onConflict((oc) => oc.columns(['shop_id', 'customer_id']).doUpdateSet(values))
      .execute();
    await recordAudit(tx, {
      shopId: input.shop.id,
      actor: input.actor,
      action: 'customer.deferred_payment_granted',
      target: `customer:${customer.id}`,
      details: { insurerReference, creditLimit: input.creditLimit.amount, currency: input.creditLimit.currency },
      at: input.now,
    });
    return (await findDeferredPaymentAccount(tx, input.shop.id, customer.id))!;
  });
}

/** PA-1, owner: ends the authorisation (orders already placed keep their due dates). Audited; idempotent. */
export async function revokeDeferredPayment(q: Queryable, input: { shopId: string; customerId: string; actor: Actor; now: Date }): Promise<void> {
  if (!idPattern.test(input.customerId)) throw new DomainError('customer.not_found', { field: 'id' });
  await inTransaction(q, async (tx) => {
    const revoked = await tx
      .updateTable('deferred_payment_accounts')
      .set({ revoked_by: actorLabel(input.actor), revoked_at: input.now })
      .where('shop_id', '=', input.shopId)
      .where('customer_id', '=', input.customerId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(revoked.numUpdatedRows) > 0) {
      await recordAudit(tx, { shopId: input.shopId, actor: input.actor, action: 'customer.deferred_payment_revoked', target: `customer:${input.customerId}`, at: input.now });
    }
  });
}

/**
 * PA-1/PA-7 at checkout: may this customer pay this order later? The account
 * row is locked so two orders placed at once cannot both pass the limit.
 * @throws payment.deferred_not_authorised, payment.deferred_overdue, payment.credit_limit_exceeded
 */
export async function assertDeferredPaymentAllowed(tx: Tx, input: { shopId: string; policy: Policy; customerId: string | null; total: Money; now: Date }): Promise<void> {
  const rule = input.policy.payment.methods.deferredB2B;
  if (!rule) throw new DomainError('payment.method_not_offered', { field: 'paymentMethod', rule: 'PA-1', method: 'deferred' });
  const refuse = () => {
    throw new DomainError('payment.deferred_not_authorised', { field: 'paymentMethod', rule: 'PA-1' }, 'Paying later is reserved for professional accounts the shop has authorised.');
  };
  if (!input.customerId) return refuse();
  const row = await tx
    .selectFrom('deferred_payment_accounts')
    .select(['currency', 'credit_limit_minor'])
    .where('shop_id', '=', input.shopId)
    .where('customer_id', '=', input.customerId)
    .where('revoked_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (!row || row.currency !== input.total.currency) return refuse();
  const overdue = await tx
    .selectFrom('orders')
    .select('number')
    .where('shop_id', '=', input.shopId)
    .where('customer_id', '=', input.customerId)
    .where('state', '=', 'payment_deferred')
    .where('payment_due_on', '<', localDateIn(input.policy.shop.timeZone, input.now))
    .executeTakeFirst();
  if (overdue) {
    throw new DomainError('payment.deferred_overdue', { field: 'paymentMethod', rule: 'PA-7', order: overdue.number }, `Order ${overdue.number} is past its due date: pay it before ordering on account again.`);
  }
  const owed = await outstandingOf(tx, input.shopId, input.customerId, input.total.currency);
  const limit = Number(row.credit_limit_minor);
  if (owed.amount + input.total.amount > limit) {
    throw new DomainError('payment.credit_limit_exceeded', { field: 'paymentMethod', rule: 'PA-7', limit, outstanding: owed.amount, currency: input.total.currency });
  }
}

/**
 * Timer `payment.deferred_due` (PA-7): the due date passed and the invoice is
 * not paid. The payment stays payable; the customer gets a reminder quoting
 * the invoice — its amount, the account and reference to pay with, and the
 * late-payment terms printed on it (from the policy version of the order,
 * L441-10 C. com.) — and the shop the proof that it was sent. Money recorded
 * before cancels the timer; checked again under the lock.
 */
export async function remindOverdueDeferredPayment(tx: Tx, timer: DueTimer, now: Date): Promise<void> {
  const paymentId = timer.payload['paymentId'];
  if (typeof paymentId !== 'string') throw new Error(`${timer.kind} timer ${timer.key} has no paymentId`);
  const payment = await lockPayment(tx, timer.shopId, paymentId);
  if (!payment || payment.state !== 'pending') return; // paid meanwhile
  const order = await tx.selectFrom('orders').select(['number', 'email', 'language', 'payment_due_on', 'state']).where('shop_id', '=', timer.shopId).where('number', '=', payment.reference.id).executeTakeFirst();
  if (!order || order.state !== 'payment_deferred') return;
  const invoice = await findInvoiceOfOrder(tx, { shopId: timer.shopId, orderNumber: order.number });
  if (!invoice) throw new Error(`deferred order ${order.number} has no invoice`);
  const lang = order.language;
  const fr = lang === 'fr';
  const amount = formatMoney(money(payment.amount, payment.currency), lang);
  const due = legalDate(order.payment_due_on!, lang);
  const { paymentDue, latePayment } = invoice.content.mentions;
  await queueEmail(
    tx,
    {
      shopId: timer.shopId,
      key: `payment.overdue:${timer.shopId}:${order.number}`,
      email: {
        to: order.email,
        subject: fr ? `Facture ${invoice.number} échue (commande ${order.number})` : `Invoice ${invoice.number} is overdue (order ${order.number})`,
        text: [
          fr
            ? `Le paiement de la facture ${invoice.number} (commande ${order.number}), soit ${amount}, était dû le ${due} et ne nous est pas parvenu.`
            : `Payment of invoice ${invoice.number} (order ${order.number}), ${amount}, was due on ${due} and has not reached us.`,
          paymentDue?.[lang],
          latePayment?.[lang],
          fr ? 'Aucune nouvelle livraison n\'aura lieu avant le paiement complet.' : 'Nothing more will be delivered until everything is paid.',
        ]
          .filter((line): line is string => Boolean(line))
          .join('\n\n'),
        html: null,
        language: lang,
        related: { kind: 'order', id: order.number },
      },
    },
    now,
  );
  await insertPaymentEvent(tx, { paymentId: payment.id, type: 'deferred.overdue', stateBefore: payment.state, stateAfter: payment.state, data: { dueOn: order.payment_due_on }, now });
  await appendEvidence(tx, {
    shopId: timer.shopId,
    kind: PAYMENT_OVERDUE,
    subject: { type: 'order', id: order.number },
    actor: 'system',
    data: { paymentId: payment.id, invoice: invoice.number, dueOn: order.payment_due_on, amount: payment.amount, currency: payment.currency, rule: 'PA-7' },
    at: now,
  });
}
