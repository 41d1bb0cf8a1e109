// Issue 4 §3: placing an order (OR-1…OR-7, CU-1…CU-4, PA-1, PA-3, PA-5, PR-4, CAT-7).
//
// `placeOrder` is ONE transaction, in this order:
//   (a) idempotency: an order already placed under this key is returned as it is;
//   (b) the cart row is locked (src/store/carts.ts), then the key checked again
//       (a concurrent submit with the same key waited on that lock);
//   (c) every refusal that needs no lock: account mode (CU-1), blocking (CU-4),
//       kind and resale (CU-3), age (CU-2), addresses (OR-2), the terms version
//       in force with the hash of the exact text accepted (ID-2), the payment
//       method (PA-1), the cart priced with the cart's own calculator and its
//       problems (shipping method serving the country, CAT-3, codes);
//   (d) the stock rows locked through `lockStock` (sorted ids, src/app/stock.ts)
//       and decremented at the warehouse — `order.sold_out` (409) otherwise —,
//       the product cards refreshed;
//   (d') RF-4: the store credit applied (its issues locked, src/app/store-credit.ts):
//       min(balance, total), the rest by the chosen method;
//   (e) the number taken from the shop's sequence (never locked, migration 0016), order and lines inserted;
//   (f) the cart deleted;
//   (g) the payment started: a session at the provider (card, wallet) with its
//       payment window timer (OR-3), the PA-5 instructions and deadline timer
//       (bank transfer), the financing partner's plan (PA-4, asked just before
//       the number is taken), or the invoice with its due date and
//       reminder timer (PA-7 deferred payment);
//   (h) the confirmation email queued (outbox);
//   (i) `order.validated` appended to the evidence log, last.
//
// Why no authorisation (nor credit) can exist without an order: a card or
// wallet session is opened only after the order's transaction committed
// (`withPaymentSession`), and the financing partner is asked after every other
// refusal and the stock, its refusal rolling everything back.
// Authorisation happens on the provider's page, after the redirect, i.e. for
// an order that exists.
//
// Locks, always in this order: cart → stock rows (sorted) → store credit issue
// rows (sorted) → (new rows only) → the evidence head. The bank transfer
// deadline takes payment → order → stock → evidence head; the webhook payment →
// order → evidence head. None waits for a lock another holds in reverse order.
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { FinancingPartner } from '../adapters/financing/partner.js';
import type { PaymentProvider } from '../adapters/payments/provider.js';
import { type AddressInput, assertAddress, type CheckedAddress } from '../domain/customers/address-rules.js';
import { assertKindAccepted, assertRetailOrder, checkAgeDeclaration, type AgeDeclaration } from '../domain/customers/eligibility.js';
import { DomainError } from '../domain/errors.js';
import { effectiveDeliveryDeadlineDays, effectiveWithdrawalPeriod } from '../domain/legal-floor.js';
import { deliveryDueOn } from '../domain/fulfilment/delivery-deadline.js';
import { needsPickupPoint, type PickupPoint } from './pickup-points.js';
import { money, type Currency } from '../domain/money.js';
import { transition, type OrderState } from '../domain/orders/order-lifecycle.js';
import type { OrderPaymentMethod } from '../domain/payments/payment-methods.js';
import type { PricedCart } from '../domain/pricing/cart-pricing.js';
import { versionInForce } from '../domain/terms-versions.js';
import type { CustomerKind, Policy } from '../policy/schema.js';
import { lockCart } from '../store/carts.js';
import { nextOrderNumber } from '../store/order-numbers.js';
import { inTransaction, type Queryable, type Tx } from '../store/db.js';
import { appendEvidence } from '../store/evidence.js';
import { lockPayment, type Payment } from '../store/payments.js';
import { refreshProductCards } from '../store/product-cards.js';
import type { OrderFulfilment, OrderStateColumn } from '../store/schema.js';
import { scheduleTimer } from '../store/timers.js';
import { findCart, priceCartForCheckout } from './cart.js';
import { assertCustomerMayOrder, getCustomer } from './customers.js';
import { assertDeferredPaymentAllowed } from './deferred-payments.js';
import { queueEmail } from './emails.js';
import { assertInstalmentPlanOffered, recordInstalmentPlan, requestInstalmentPlan, type AcceptedPlan } from './instalments.js';
import { issueInvoice } from './invoices.js';
import { orderConfirmationEmail } from './order-emails.js';
import { paymentArrangementsOf, type PaymentArrangements } from './payment-arrangements.js';
import {
  BANK_TRANSFER_DEADLINE_TIMER,
  bankTransferTimerKey,
  captureModeFor,
  captureStoreCreditPayment,
  cardRulesFor,
  DEFERRED_PAYMENT_DUE_TIMER,
  deferredPaymentDue,
  deferredPaymentTimerKey,
  listPaymentsFor,
  onPaymentStateChanged,
  refundPayment,
  startBankTransferPayment,
  startDeferredPayment,
  openPaymentSession,
  preparePayment,
  provePaymentCaptured,
  provePaymentStarted,
  type BankTransferInstructions,
  voidPayment,
} from './payments.js';
import { lockStock } from './stock.js';
import { lockStoreCredit, recordStoreCreditUse, releaseStoreCredit, type LockedStoreCredit } from './store-credit.js';
import { listTermsVersions } from './terms.js';

export const ORDER_VALIDATED = 'order.validated';
export const ORDER_PAID = 'order.paid';
export const ORDER_CANCELLED = 'order.cancelled';

/**
 * OR-3: the stock a card or wallet order takes is held for the customer to pay
 * on the provider's page; an order still unpaid (or whose payment failed) this
 * long after it was placed is cancelled and its stock put back on sale
 * (timer handled by src/app/order-cancellation.ts).
 */
export const PAYMENT_WINDOW_TIMER = 'order.payment_window';
export const PAYMENT_WINDOW_MS = 60 * 60_000;
export const paymentWindowTimerKey = (shopId: string, orderNumber: string): string => `${PAYMENT_WINDOW_TIMER}:${shopId}:${orderNumber}`;

export type OrderShop = { id: string; policy: Policy; policyHash: string };
export type { OrderPaymentMethod };
export type OrderLanguage = 'fr' | 'en';

export type PlaceOrderInput = {
  shop: OrderShop;
  /** The payment provider (card, wallet); not needed for a bank transfer. */
  provider?: PaymentProvider | undefined;
  /** The financing partner (PA-4), for instalments only. */
  financing?: FinancingPartner | undefined;
  cartToken: string | null | undefined;
  /** The signed-in customer; absent for a guest (CU-1: only where the shop allows guests). */
  customerId?: string | null | undefined;
  /** A guest's email (ignored for a customer: the account's email is used). */
  email?: string | null | undefined;
  deliveryAddress: AddressInput;
  billingAddress?: AddressInput | null | undefined;
  shippingMethodId: string;
  /** SH-1 / SH-7: the relay point or store chosen, as `resolvePickupPoint` checked it (src/app/pickup-points.ts); required by those methods. */
  pickupPoint?: PickupPoint | null | undefined;
  paymentMethod: OrderPaymentMethod;
  /** PA-4: the number of instalments (3 or 4) when `paymentMethod` is `instalments`. */
  instalmentCount?: number | undefined;
  /** RF-4: apply the customer's store credit first (min(balance, total)); `paymentMethod` pays the rest. `paymentMethod: 'store_credit'` implies it and needs the credit to cover the order. */
  storeCredit?: boolean | undefined;
  /** ID-2: the terms version the customer read and accepted, the language shown and the SHA-256 of that text. */
  acceptedTerms: { versionId: string; hash: string; language: OrderLanguage };
  declarations?: { age?: AgeDeclaration | null | undefined; forResale?: boolean | undefined } | undefined;
  idempotencyKey: string;
  /** Where the provider sends the customer back after paying. */
  returnUrl: string;
  now: Date;
};

export type OrderLine = {
  position: number;
  variantId: string;
  sku: string;
  name: { fr: string; en: string };
  options: Record<string, string>;
  quantity: number;
  unitPrice: number;
  ecoFeePerUnit: number;
  discount: number;
  total: number;
  vatRateBasisPoints: number;
  isGift: boolean;
  backorderedQuantity: number;
  /** AV-1: units never to be shipped (never charged, or refunded). */
  cancelledQuantity: number;
  /** CAT-4 flags as they were (WD-7 exclusions). */
  personalised: boolean;
  perishable: boolean;
  hygieneSealed: boolean;
};

export type Order = {
  id: string;
  number: string;
  state: OrderState;
  customerId: string | null;
  email: string;
  language: OrderLanguage;
  currency: Currency;
  goods: number;
  ecoFees: number;
  discounts: number;
  shipping: number;
  total: number;
  vatBreakdown: unknown;
  shippingMethodId: string;
  shippingDetails: unknown;
  deliveryAddress: CheckedAddress;
  billingAddress: CheckedAddress;
  paymentMethod: OrderPaymentMethod;
  /** PA-7: the due date of a deferred payment (YYYY-MM-DD), else null. */
  paymentDueOn: string | null;
  policyHash: string;
  terms: { versionId: string; hash: string; language: OrderLanguage };
  placedAt: Date;
  /** The shipments summed up (src/domain/fulfilment/fulfilment-plan.ts). */
  fulfilment: OrderFulfilment;
  /** SH-4: the latest delivery date (YYYY-MM-DD). */
  deliveryDueOn: string;
  /** WD-1: possession of the last item, null until every item is delivered. */
  lastDeliveredAt: Date | null;
  customerKind: CustomerKind;
  /** WD-1/WD-2: the withdrawal period applied to the order, frozen when it was placed. */
  withdrawalPeriod: { days: number; kind: 'calendar' | 'working' };
  lines: OrderLine[];
};

export type PlacedOrder = {
  order: Order;
  /** true when this call placed it; false when the idempotency key returned an order placed before. */
  created: boolean;
  /** For a guest to read the order later; only given when the order is created. */
  accessToken: string | null;
  /** Card / wallet: where to send the customer while the payment is pending. */
  redirectUrl: string | null;
  bankTransfer: Omit<BankTransferInstructions, 'dueAt'> & { dueAt: string } | null;
  /** RF-4: the part of the total paid with store credit (minor units; 0 without). */
  storeCreditUsed: number;
} & PaymentArrangements; // PA-4: the plan's shares (dated at shipment); PA-7: when, where and with which reference the invoice is paid

const emailPattern = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const keyPattern = /^[A-Za-z0-9._:-]{8,200}$/;
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

// ---------------------------------------------------------------------------
// Reading

/** An order with its lines (`forUpdate`: its row locked — after the payment's, see the header). */
export async function loadOrder(q: Queryable, where: { shopId: string; number?: string; idempotencyKey?: string; forUpdate?: boolean }): Promise<Order | undefined> {
  let query = q.selectFrom('orders').selectAll().where('shop_id', '=', where.shopId);
  if (where.number !== undefined) query = query.where('number', '=', where.number);
  if (where.idempotencyKey !== undefined) query = query.where('idempotency_key', '=', where.idempotencyKey);
  const row = await (where.forUpdate ? query.forUpdate() : query).executeTakeFirst();
  if (!row) return undefined;
  const lines = await q.selectFrom('order_lines').selectAll().where('order_id', '=', row.id).orderBy('position').execute();
  return {
    id: row.id,
    number: row.number,
    state: row.state,
    customerId: row.customer_id,
    email: row.email,
    language: row.language,
    currency: row.currency as Currency,
    goods: Number(row.goods_minor),
    ecoFees: Number(row.eco_fees_minor),
    discounts: Number(row.discounts_minor),
    shipping: Number(row.shipping_minor),
    total: Number(row.total_minor),
    vatBreakdown: row.vat_breakdown,
    shippingMethodId: row.shipping_method_id,
    shippingDetails: row.shipping,
    deliveryAddress: row.delivery_address as CheckedAddress,
    billingAddress: row.billing_address as CheckedAddress,
    paymentMethod: row.payment_method,
    paymentDueOn: row.payment_due_on,
    policyHash: row.policy_hash,
    terms: { versionId: row.terms_version_id, hash: row.terms_hash, language: row.terms_language },
    placedAt: row.placed_at,
    fulfilment: row.fulfilment,
    deliveryDueOn: row.delivery_due_on,
    lastDeliveredAt: row.last_delivered_at,
    customerKind: row.customer_kind,
    withdrawalPeriod: row.withdrawal_period as unknown as Order['withdrawalPeriod'],
    lines: lines.map((l) => ({
      position: l.position,
      variantId: l.variant_id,
      sku: l.sku,
      name: { fr: l.name_fr, en: l.name_en },
      options: l.options,
      quantity: l.quantity,
      unitPrice: Number(l.unit_price_minor),
      ecoFeePerUnit: Number(l.eco_fee_per_unit_minor),
      discount: Number(l.discount_minor),
      total: Number(l.total_minor),
      vatRateBasisPoints: l.vat_rate_basis_points,
      isGift: l.is_gift,
      backorderedQuantity: l.backordered_quantity,
      cancelledQuantity: l.cancelled_quantity,
      personalised: l.personalised,
      perishable: l.perishable,
      hygieneSealed: l.hygiene_sealed,
    })),
  };
}

/** OR-4: the policy version that governs the order (the one in force when it was placed). */
export async function policyOfOrder(q: Queryable, shopId: string, policyHash: string): Promise<Policy> {
  const row = await q.selectFrom('policy_versions').select('policy').where('shop_id', '=', shopId).where('hash', '=', policyHash).executeTakeFirstOrThrow();
  return row.policy as unknown as Policy;
}

/**
 * The order `number` for whoever may read it: the signed-in customer who placed
 * it, or a guest holding its access token. Anything else is `order.not_found`
 * (404), never "forbidden": another customer learns nothing.
 */
export async function getOrderFor(q: Queryable, input: { shopId: string; number: string; customerId?: string | null; accessToken?: string | null }): Promise<Order> {
  const row = await q.selectFrom('orders').select(['customer_id', 'access_token_hash']).where('shop_id', '=', input.shopId).where('number', '=', input.number).executeTakeFirst();
  const mayRead =
    row !== undefined &&
    ((input.customerId != null && row.customer_id === input.customerId) || (input.accessToken != null && input.accessToken !== '' && hashToken(input.accessToken) === row.access_token_hash));
  if (!mayRead) throw new DomainError('order.not_found', { field: 'number' }, `No order ${input.number}.`);
  return (await loadOrder(q, { shopId: input.shopId, number: input.number }))!;
}

/** RF-4: what the order's store-credit payments took. */
const storeCreditPaid = (payments: readonly Payment[]): number => payments.filter((p) => p.method === 'store_credit').reduce((n, p) => n + p.captured, 0);

/** A placed order, and the card or wallet payment whose provider session is still to open (after the commit). */
type Placing = PlacedOrder & { sessionToOpen: string | null };

/** Where the customer stands with the payment of an order placed before (idempotent replay). */
async function replay(q: Queryable, shop: OrderShop, order: Order): Promise<Placing> {
  const payments = await listPaymentsFor(q, shop.id, { kind: 'order', id: order.number });
  const payment = payments.filter((p) => p.method !== 'store_credit').at(-1); // RF-4: placed with the rest's payment, same instant
  const pending = payment?.state === 'pending';
  return {
    order,
    created: false,
    accessToken: null,
    redirectUrl: pending && payment.redirectUrl ? payment.redirectUrl : null,
    // A session the first submit could not open (provider down) is opened now.
    sessionToOpen: pending && !payment.redirectUrl && (payment.method === 'card' || payment.method === 'wallet') ? payment.id : null,
    bankTransfer: null,
    storeCreditUsed: storeCreditPaid(payments),
    ...(await paymentArrangementsOf(q, { shopId: shop.id, policy: shop.policy, order, payments })),
  };
}

// ---------------------------------------------------------------------------
// Placing

/** CU-1 … CU-4: who orders, with which email, language and kind. */
async function identifyBuyer(
  tx: Tx,
  input: PlaceOrderInput,
  cartCustomerId: string | null,
): Promise<{ customerId: string | null; email: string; language: OrderLanguage; kind: CustomerKind }> {
  const { shop } = input;
  if (input.customerId) {
    if (cartCustomerId !== null && cartCustomerId !== input.customerId) throw new DomainError('cart.not_found', { field: 'cart', rule: 'CA-2' }, 'No cart to order from.');
    await assertCustomerMayOrder(tx, { shopId: shop.id, customerId: input.customerId, policy: shop.policy }); // CU-4
    const customer = (await getCustomer(tx, shop.id, input.customerId))!;
    return { customerId: customer.id, email: customer.email, language: customer.language, kind: customer.kind };
  }
  // CU-1: an account is required unless the shop allows guest checkout (PF).
  if (shop.policy.customers.account !== 'guest_allowed') {
    throw new DomainError('checkout.account_required', { field: 'email', rule: 'CU-1' }, 'Sign in or create an account to order.');
  }
  if (cartCustomerId !== null) throw new DomainError('cart.not_found', { field: 'cart', rule: 'CA-2' }, 'No cart to order from.');
  const email = (input.email ?? '').trim();
  if (!emailPattern.test(email) || email.length > 320) throw new DomainError('checkout.invalid_email', { field: 'email', rule: 'CU-1' }, 'Give a valid email address.');
  return { customerId: null, email, language: input.acceptedTerms.language, kind: 'consumer' };
}

/** ID-2: the customer accepted the version in force now, and the hash is that of its text in the language shown. */
async function checkAcceptedTerms(tx: Tx, input: PlaceOrderInput): Promise<void> {
  const inForce = versionInForce(await listTermsVersions(tx, input.shop.id), input.now);
  const { versionId, hash, language } = input.acceptedTerms;
  if (!inForce || inForce.id !== versionId || (language !== 'fr' && language !== 'en') || inForce.hash[language] !== hash) {
    throw new DomainError(
      'checkout.terms_outdated',
      { field: 'acceptedTerms', rule: 'ID-2', versionInForce: inForce?.id ?? null },
      'The terms of sale have changed: read and accept the current version.',
    );
  }
}

/** PA-1: the shop offers this method (and the engine has a provider for it). */
function checkPaymentMethod(input: PlaceOrderInput): void {
  const methods = input.shop.policy.payment.methods;
  const offered = {
    card: methods.card !== undefined,
    wallet: methods.wallet !== undefined || methods.paypal !== undefined,
    bank_transfer: methods.bankTransfer !== undefined,
    instalments: methods.instalments !== undefined,
    deferred: methods.deferredB2B !== undefined,
    store_credit: true, // RF-4: the balance is checked under its locks (applyStoreCredit)
  }[input.paymentMethod];
  if (!offered) throw new DomainError('payment.method_not_offered', { field: 'paymentMethod', rule: 'PA-1', method: input.paymentMethod });
  if ((input.paymentMethod === 'card' || input.paymentMethod === 'wallet') && !input.provider) {
    throw new DomainError('payment.provider_unavailable', { field: 'paymentMethod', rule: 'PA-1' }, 'Card payments are not available at the moment.');
  }
}

/** The state an order starts in, by how it is paid (src/domain/orders/order-lifecycle.ts). */
const initialStateOf: Record<OrderPaymentMethod, OrderState> = {
  card: 'awaiting_payment',
  wallet: 'awaiting_payment',
  bank_transfer: 'awaiting_transfer', // PA-5
  instalments: 'financed', // PA-4: the partner accepted before the order is written
  deferred: 'payment_deferred', // PA-7
  store_credit: 'paid', // RF-4: the credit covers the order, taken as it is placed
};

/**
 * RF-4: whether the customer asked to pay with store credit; refused for a
 * guest (no account holds credit) and beside instalments or a deferred
 * invoice (their amounts are the order's total).
 */
function wantsStoreCredit(input: PlaceOrderInput, customerId: string | null): boolean {
  if (input.storeCredit !== true && input.paymentMethod !== 'store_credit') return false;
  if (customerId === null) throw new DomainError('store_credit.account_required', { field: 'storeCredit', rule: 'RF-4' }, 'Sign in to use your store credit.');
  if (input.paymentMethod === 'instalments' || input.paymentMethod === 'deferred') {
    throw new DomainError('store_credit.method_not_combinable', { field: 'paymentMethod', rule: 'RF-4', method: input.paymentMethod }, 'Store credit cannot be combined with this payment method.');
  }
  return true;
}

/**
 * RF-4: the customer's credit usable today in the order's currency, locked
 * (after the stock, src/app/store-credit.ts): min(balance, total) is used.
 * None: `store_credit.no_balance` (expired, another currency); `paymentMethod:
 * 'store_credit'` with less than the total: `store_credit.insufficient_balance`.
 */
async function applyStoreCredit(tx: Tx, input: PlaceOrderInput, customerId: string, total: PricedCart['total']): Promise<{ locked: LockedStoreCredit; amount: number }> {
  const locked = await lockStoreCredit(tx, { shopId: input.shop.id, customerId, currency: total.currency, timeZone: input.shop.policy.shop.timeZone, now: input.now });
  if (locked.balance === 0) throw new DomainError('store_credit.no_balance', { field: 'storeCredit', rule: 'RF-4', currency: total.currency }, 'You have no store credit usable in this currency.');
  const amount = Math.min(locked.balance, total.amount);
  if (input.paymentMethod === 'store_credit' && amount < total.amount) {
    throw new DomainError('store_credit.insufficient_balance', { field: 'storeCredit', rule: 'RF-4', balance: locked.balance, currency: total.currency, amount: total.amount }, 'Your store credit does not cover this order: choose how to pay the rest.');
  }
  return { locked, amount };
}

/** OR-2 / SH-1 / CAT-3 / PR-7: what the cart's calculator reports, refused before anything is written. */
function refuseProblems(priced: PricedCart): void {
  const problem = priced.problems[0];
  if (problem) {
    const field = problem.code === 'shipping.method_not_available' ? 'shippingMethodId' : problem.code === 'destination.not_served' ? 'deliveryAddress.country' : 'lines';
    const { code, rule, ...details } = problem;
    throw new DomainError(code, { field, rule, ...details });
  }
  const rejected = priced.rejectedCodes[0];
  if (rejected) throw new DomainError(rejected.reason, { field: 'codes', rule: 'PR-7', code: rejected.code });
}

type VariantFacts = {
  id: string;
  options: Record<string, string>;
  backorder_allowed: boolean;
  expected_arrival: string | null;
  hygiene_sealed: boolean;
  personalised: boolean;
  perishable: boolean;
  second_hand: boolean;
  outlet: boolean;
};

type Allocation = { locationId: string; quantity: number };

/**
 * OR-3: takes the warehouse stock of every line, under the stock rows' locks.
 * A line short of stock is back-ordered when the shop and the variant allow it
 * (CAT-2), refused otherwise: `order.sold_out` naming every such variant.
 * PR-8: a gift short of stock is dropped, never a reason to refuse the order.
 */
async function takeStock(
  tx: Tx,
  input: { shopId: string; policy: Policy; lines: PricedCart['lines']; facts: Map<string, VariantFacts> },
): Promise<{ allocations: Map<string, Allocation[]>; backordered: Map<string, number>; droppedGifts: Set<string> }> {
  const warehouses = await tx.selectFrom('locations').select('id').where('shop_id', '=', input.shopId).where('kind', '=', 'warehouse').execute();
  const warehouseIds = new Set(warehouses.map((w) => String(w.id)));
  const rows = await lockStock(
    tx,
    input.lines.map((l) => l.variantId),
  );
  const available = new Map<string, Allocation[]>();
  for (const r of rows) if (warehouseIds.has(r.locationId)) available.set(r.variantId, [...(available.get(r.variantId) ?? []), { locationId: r.locationId, quantity: r.quantity }]);

  const allocations = new Map<string, Allocation[]>();
  const backordered = new Map<string, number>();
  const droppedGifts = new Set<string>();
  const soldOut: string[] = [];
  // Paid lines first, gifts with what is left.
  const ordered = [...input.lines].sort((a, b) => Number(a.isGift) - Number(b.isGift));
  for (const line of ordered) {
    const pool = available.get(line.variantId) ?? [];
    const inStock = pool.reduce((n, a) => n + a.quantity, 0);
    const facts = input.facts.get(line.variantId);
    let take = line.quantity;
    if (inStock < line.quantity) {
      if (line.isGift) {
        droppedGifts.add(line.lineId);
        continue;
      }
      // CAT-2: awaiting stock with back-orders allowed (the shop's switch and the variant's).
      if (input.policy.catalogue.backOrders && facts?.backorder_allowed) {
        backordered.set(line.lineId, line.quantity - inStock);
        take = inStock;
      } else {
        soldOut.push(line.variantId);
        continue;
      }
    }
    const taken: Allocation[] = [];
    for (const a of pool) {
      if (take === 0) break;
      const q = Math.min(a.quantity, take);
      if (q === 0) continue;
      a.quantity -= q;
      take -= q;
      taken.push({ locationId: a.locationId, quantity: q });
    }
    allocations.set(line.lineId, taken);
  }
  if (soldOut.length > 0) {
    throw new DomainError('order.sold_out', { field: 'lines', rule: 'OR-3', variantIds: [...new Set(soldOut)] }, 'Sorry, some items of your cart have just sold out.');
  }
  for (const line of input.lines) {
    for (const a of allocations.get(line.lineId) ?? []) {
      // The CHECK (quantity >= 0) of `stock` is the last guard; the locks make it unreachable.
      await sql`UPDATE stock SET quantity = quantity - ${a.quantity}::int WHERE variant_id = ${line.variantId}::bigint AND location_id = ${a.locationId}::bigint`.execute(tx);
    }
  }
  return { allocations, backordered, droppedGifts };
}

/**
 * The next order number of the shop, with the year of `now` in its time zone,
 * e.g. FA-2026-000001. From the shop's sequence: never locked, so checkouts do
 * not queue behind each other; every refusal comes before this point, so a
 * number is lost only if the transaction then fails (migration 0016 says why).
 */
async function allocateOrderNumber(tx: Tx, shop: OrderShop, now: Date): Promise<string> {
  const year = Number(new Intl.DateTimeFormat('en', { timeZone: shop.policy.shop.timeZone, year: 'numeric' }).format(now));
  return `${shop.id.toUpperCase()}-${year}-${String(await nextOrderNumber(tx, shop.id)).padStart(6, '0')}`;
}

/**
 * OR-3: places the order of the cart — one transaction (see the header for its
 * steps). Repeating a submit with the same `idempotencyKey` returns the same
 * order and its pending payment, creating nothing.
 */
export async function placeOrder(db: Queryable, input: PlaceOrderInput): Promise<PlacedOrder> {
  const { shop, now } = input;
  if (!keyPattern.test(input.idempotencyKey)) throw new DomainError('order.invalid_idempotency_key', { field: 'idempotencyKey' }, 'Give an idempotency key of 8 to 200 characters.');
  const placing = await inTransaction(db, async (tx): Promise<Placing> => {
    const same = async () => {
      const existing = await loadOrder(tx, { shopId: shop.id, idempotencyKey: input.idempotencyKey });
      if (!existing) return undefined;
      if ((existing.customerId ?? null) !== (input.customerId ?? null)) throw new DomainError('order.idempotency_key_reused', { field: 'idempotencyKey' });
      return replay(tx, shop, existing);
    };
    // (a) a repeated submit
    const before = await same();
    if (before) return before;

    // (b) the cart, locked; a concurrent submit with the same key may have placed the order meanwhile
    const cart = await findCart(tx, { shopId: shop.id, token: input.cartToken, now });
    if (!cart || !(await lockCart(tx, cart.id))) {
      const placed = await same();
      if (placed) return placed;
      throw new DomainError('cart.not_found', { field: 'cart', rule: 'CA-2' }, 'No cart to order from.');
    }
    const after = await same();
    if (after) return after;

    // (c) refusals without stock locks
    const buyer = await identifyBuyer(tx, input, cart.customerId);
    assertKindAccepted(shop.policy, buyer.kind, 'customerKind'); // CU-3
    assertRetailOrder(shop.policy, { forResale: input.declarations?.forResale === true }); // CU-3
    const delivery = assertAddress(shop.policy, input.deliveryAddress, { purpose: 'delivery', fieldPrefix: 'deliveryAddress' }); // OR-2
    const billing = input.billingAddress ? assertAddress(shop.policy, input.billingAddress, { purpose: 'billing', fieldPrefix: 'billingAddress' }) : delivery;
    const age = checkAgeDeclaration(shop.policy, { country: delivery.country, declaration: input.declarations?.age }); // CU-2
    await checkAcceptedTerms(tx, input); // ID-2
    checkPaymentMethod(input); // PA-1
    const useCredit = wantsStoreCredit(input, buyer.customerId); // RF-4

    // (d) priced by the cart's calculator, for this destination and method (PR-4: the prices in force now)
    const { lines: lineFacts, priced } = await priceCartForCheckout(tx, { shop, cart, destinationCountry: delivery.country, shippingMethodId: input.shippingMethodId, now });
    if (priced.lines.length === 0) throw new DomainError('checkout.cart_empty', { field: 'lines', rule: 'OR-1' }, 'The cart is empty.');
    refuseProblems(priced);
    const shipping = priced.shipping!;
    const pickupPoint = needsPickupPoint(shipping.kind) ? (input.pickupPoint ?? null) : null;
    if (needsPickupPoint(shipping.kind) && !pickupPoint) throw new DomainError('order.pickup_point_required', { field: 'pickupPointId', rule: 'SH-1' }, 'Choose where to collect the parcel.');
    // PA-4 / PA-7: the policy's instalment plan and the credit checks, before the stock is taken (a refusal writes nothing).
    let instalmentCount: 3 | 4 | null = null;
    if (input.paymentMethod === 'instalments') {
      instalmentCount = assertInstalmentPlanOffered(shop.policy, { count: input.instalmentCount, total: priced.total, residence: billing.country, customerKind: buyer.kind });
    } else if (input.paymentMethod === 'deferred') {
      await assertDeferredPaymentAllowed(tx, { shopId: shop.id, policy: shop.policy, customerId: buyer.customerId, total: priced.total, now });
    }
    const variantIds = [...new Set(priced.lines.map((l) => l.variantId))];
    const { rows: factRows } = await sql<VariantFacts>`
      SELECT v.id::text AS id, v.options, v.backorder_allowed, v.expected_arrival, p.hygiene_sealed, p.personalised, p.perishable, p.second_hand, p.outlet
        FROM variants v JOIN products p ON p.id = v.product_id
       WHERE v.shop_id = ${shop.id} AND v.id = ANY(${variantIds}::bigint[])`.execute(tx);
    const facts = new Map(factRows.map((r) => [r.id, r]));

    // (e) stock, under its locks
    const stock = await takeStock(tx, { shopId: shop.id, policy: shop.policy, lines: priced.lines, facts });
    await refreshProductCards(tx, { variantIds, now }); // CAT-2: the listing shows the new availability
    // (d') RF-4: the store credit, under its issues' locks (after the stock's); a refusal costs no number.
    const credit = useCredit ? await applyStoreCredit(tx, input, buyer.customerId!, priced.total) : null;
    const method: OrderPaymentMethod = credit?.amount === priced.total.amount ? 'store_credit' : input.paymentMethod;
    const toPay = money(priced.total.amount - (credit?.amount ?? 0), priced.currency); // by `method`, unless the credit covers it all

    // PA-4: the financing partner, asked once every other refusal has passed and before the number is
    // taken (its refusal rolls everything back and costs no number).
    const instalmentPlan: AcceptedPlan | null =
      instalmentCount === null
        ? null
        : await requestInstalmentPlan(input.financing, shop.policy, { count: instalmentCount, total: priced.total, residence: billing.country, email: buyer.email, orderKey: `${shop.id}:${input.idempotencyKey}` });

    // (f) number, order, lines — everything frozen (OR-4, CAT-7)
    const number = await allocateOrderNumber(tx, shop, now);
    const accessToken = randomBytes(24).toString('base64url');
    const withdrawal = effectiveWithdrawalPeriod(shop.policy, delivery.country).applied; // WD-1/WD-2
    const initialState = initialStateOf[method];
    const deferredDue = input.paymentMethod === 'deferred' ? deferredPaymentDue(shop.policy, now) : null; // PA-7
    const declarations = { age, forResale: input.declarations?.forResale === true };
    const inserted = await tx
      .insertInto('orders')
      .values({
        shop_id: shop.id,
        number,
        state: initialState,
        customer_id: buyer.customerId,
        email: buyer.email,
        language: buyer.language,
        customer_kind: buyer.kind,
        declarations: JSON.stringify(declarations),
        access_token_hash: hashToken(accessToken),
        idempotency_key: input.idempotencyKey,
        currency: priced.currency,
        goods_minor: priced.goods.amount,
        eco_fees_minor: priced.ecoFees.amount,
        discounts_minor: priced.discounts.amount,
        shipping_minor: shipping.amount.amount,
        total_minor: priced.total.amount,
        vat_treatment: JSON.stringify(priced.vat),
        vat_breakdown: JSON.stringify(priced.vatBreakdown.map((r) => ({ rateBasisPoints: r.rateBasisPoints, base: r.base.amount, vat: r.vat.amount, treatment: r.treatment }))),
        promotions: JSON.stringify(priced.appliedPromotions),
        shipping_method_id: shipping.methodId,
        shipping: JSON.stringify({ kind: shipping.kind, label: shipping.label, carrier: shipping.carrier, amount: shipping.amount.amount, rate: shipping.rate.amount, free: shipping.free, estimate: shipping.estimate, pickupPoint }),
        delivery_address: JSON.stringify(delivery),
        billing_address: JSON.stringify(billing),
        payment_method: method,
        payment_due_on: deferredDue?.lastDay ?? null,
        delivery_due_on: deliveryDueOn({ placedAt: now, days: effectiveDeliveryDeadlineDays(shop.policy).applied, timeZone: shop.policy.shop.timeZone }), // SH-4
        seller: JSON.stringify({ identity: shop.policy.identity, mediator: shop.policy.mediator }),
        policy_hash: shop.policyHash,
        terms_version_id: input.acceptedTerms.versionId,
        terms_language: input.acceptedTerms.language,
        terms_hash: input.acceptedTerms.hash,
        withdrawal_period: JSON.stringify(withdrawal),
        placed_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const optionsOf = new Map(lineFacts.map((l) => [l.variantId, l.options]));
    const kept = priced.lines.filter((l) => !stock.droppedGifts.has(l.lineId));
    await tx
      .insertInto('order_lines')
      .values(
        kept.map((l, position) => {
          const f = facts.get(l.variantId);
          return {
            order_id: inserted.id,
            position,
            variant_id: l.variantId,
            product_id: l.productId,
            sku: l.sku,
            name_fr: l.name.fr,
            name_en: l.name.en,
            options: JSON.stringify(optionsOf.get(l.variantId) ?? f?.options ?? {}),
            quantity: l.quantity,
            unit_price_minor: l.unitPrice.amount,
            catalogue_unit_price_minor: l.catalogueUnitPrice.amount,
            eco_fee_per_unit_minor: l.ecoFeePerUnit.amount,
            goods_minor: l.lineGoods.amount,
            eco_fee_minor: l.lineEcoFee.amount,
            discount_minor: l.discount.amount,
            total_minor: l.lineTotal.amount,
            vat_rate_basis_points: l.vatRateBasisPoints,
            is_gift: l.isGift,
            initial_unit_price_minor: l.initialUnitPrice?.amount ?? null,
            promotion_id: l.promotionId ?? null,
            hygiene_sealed: f?.hygiene_sealed ?? false,
            personalised: f?.personalised ?? false,
            perishable: f?.perishable ?? false,
            second_hand: f?.second_hand ?? false,
            outlet: f?.outlet ?? false,
            stock_taken: JSON.stringify(stock.allocations.get(l.lineId) ?? []),
            backordered_quantity: stock.backordered.get(l.lineId) ?? 0,
          };
        }),
      )
      .execute();

    // (g) the cart is spent (its expiry timer finds nothing later: CA-2's handler deletes only what exists)
    await tx.deleteFrom('carts').where('id', '=', cart.id).execute();

    // (h) the payment — after every refusal and the stock (see the header)
    const reference = { kind: 'order', id: number };
    let prepared: Payment | null = null;
    let bankTransfer: PlacedOrder['bankTransfer'] = null;
    // RF-4: the credit's part, captured now; the whole order: paid and invoiced at once (DOC-1).
    const creditPayment = credit ? await captureStoreCreditPayment(tx, { shopId: shop.id, reference, amount: money(credit.amount, priced.currency), now }) : null;
    if (credit && creditPayment) {
      await recordStoreCreditUse(tx, { shopId: shop.id, locked: credit.locked, amount: credit.amount, orderId: inserted.id, paymentId: creditPayment.id, key: `order:${number}`, actor: `customer:${buyer.customerId}`, now });
    }
    if (method === 'store_credit') {
      await issueInvoice(tx, { shopId: shop.id, orderId: inserted.id, now });
    } else if (method === 'bank_transfer') {
      const started = await startBankTransferPayment(tx, { shopId: shop.id, policy: shop.policy, reference, amount: toPay, now });
      // PA-5: without the money by then, the order is cancelled and its stock released (handler below).
      await scheduleTimer(
        tx,
        { shopId: shop.id, kind: BANK_TRANSFER_DEADLINE_TIMER, key: bankTransferTimerKey(shop.id, started.payment.id), dueAt: started.instructions.dueAt, payload: { paymentId: started.payment.id, orderNumber: number } },
        now,
      );
      bankTransfer = { ...started.instructions, dueAt: started.instructions.dueAt.toISOString() };
    } else if (instalmentPlan) {
      await recordInstalmentPlan(tx, { shopId: shop.id, orderId: inserted.id, orderNumber: number, plan: instalmentPlan, total: priced.total, now }); // PA-4
    } else if (method === 'deferred') {
      const payment = await startDeferredPayment(tx, { shopId: shop.id, reference, amount: priced.total, dueAt: deferredDue!.dueAt, now });
      // PA-7: the reminder when the due date passes unpaid (src/app/deferred-payments.ts).
      await scheduleTimer(
        tx,
        { shopId: shop.id, kind: DEFERRED_PAYMENT_DUE_TIMER, key: deferredPaymentTimerKey(shop.id, payment.id), dueAt: deferredDue!.dueAt, payload: { paymentId: payment.id, orderNumber: number } },
        now,
      );
      await issueInvoice(tx, { shopId: shop.id, orderId: inserted.id, now }); // DOC-1 / PA-7: invoiced at once, with its due date
    } else if (method === 'card' || method === 'wallet') {
      // The session itself is opened after the commit (`withPaymentSession`).
      prepared = await preparePayment(tx, { shopId: shop.id, reference, method, amount: toPay, captureMode: captureModeFor(shop.policy), now }); // PA-3
      await scheduleTimer(
        tx,
        { shopId: shop.id, kind: PAYMENT_WINDOW_TIMER, key: paymentWindowTimerKey(shop.id, number), dueAt: new Date(now.getTime() + PAYMENT_WINDOW_MS), payload: { orderNumber: number } },
        now,
      );
    }

    const order = (await loadOrder(tx, { shopId: shop.id, number }))!;
    const arrangements = await paymentArrangementsOf(tx, { shopId: shop.id, policy: shop.policy, order }); // PA-4 / PA-7
    // (i) OR-5: the confirmation email, with the model withdrawal form (src/app/order-emails.ts)
    await queueEmail(tx, { shopId: shop.id, key: `order.confirmation:${shop.id}:${number}`, email: orderConfirmationEmail(shop.policy, order, withdrawal, bankTransfer, arrangements) }, now);

    // (j) OR-6: the proof, last (the evidence head is locked from the first event to the commit)
    if (creditPayment) await provePaymentCaptured(tx, creditPayment, now);
    if (prepared) await provePaymentStarted(tx, prepared, now);
    await appendEvidence(tx, {
      shopId: shop.id,
      kind: ORDER_VALIDATED,
      subject: { type: 'order', id: number },
      actor: buyer.customerId ? `customer:${buyer.customerId}` : `guest:${hashToken(buyer.email.toLowerCase()).slice(0, 16)}`,
      data: {
        number,
        currency: priced.currency,
        goods: priced.goods.amount,
        ecoFees: priced.ecoFees.amount,
        discounts: priced.discounts.amount,
        shipping: shipping.amount.amount,
        total: priced.total.amount,
        paymentMethod: method,
        ...(credit ? { storeCredit: credit.amount } : {}),
        ...(instalmentPlan ? { instalments: instalmentPlan.count } : {}),
        ...(order.paymentDueOn ? { paymentDueOn: order.paymentDueOn } : {}),
        termsVersion: input.acceptedTerms.versionId,
        termsLanguage: input.acceptedTerms.language,
        termsHash: input.acceptedTerms.hash,
        policyHash: shop.policyHash,
        lines: order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, total: l.total })),
      },
      at: now,
    });
    if (method === 'store_credit') {
      await appendEvidence(tx, { shopId: shop.id, kind: ORDER_PAID, subject: { type: 'order', id: number }, actor: 'system', data: { number, paymentId: creditPayment!.id, paymentState: 'captured', amount: credit!.amount, currency: priced.currency }, at: now });
    }
    return { order, created: true, accessToken, redirectUrl: null, sessionToOpen: prepared?.id ?? null, bankTransfer, storeCreditUsed: credit?.amount ?? 0, ...arrangements };
  });
  return withPaymentSession(db, input, placing);
}

/**
 * PA-1: the provider session of a card or wallet order, opened AFTER the
 * order's transaction committed — no provider call while the stock, cart and
 * number locks are held, and no session for an order that does not exist. A
 * provider that fails here leaves a committed order with a pending payment:
 * `payment.provider_unavailable` (503) tells the client to repeat the submit
 * with the same idempotency key, which opens the session (same key at the
 * provider: never a second one); an order nobody pays is cancelled when its
 * payment window ends (OR-3).
 */
async function withPaymentSession(db: Queryable, input: PlaceOrderInput, placing: Placing): Promise<PlacedOrder> {
  const { sessionToOpen, ...placed } = placing;
  if (sessionToOpen === null) return placed;
  const method = placed.order.paymentMethod === 'wallet' ? 'wallet' : 'card';
  try {
    if (!input.provider) throw new Error('no payment provider');
    const opened = await openPaymentSession(db, input.provider, { shopId: input.shop.id, paymentId: sessionToOpen, cardRules: cardRulesFor(input.shop.policy, method), returnUrl: input.returnUrl, now: input.now });
    return { ...placed, redirectUrl: opened.redirectUrl };
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError(
      'payment.provider_unavailable',
      { field: 'paymentMethod', rule: 'PA-1', order: placed.order.number },
      `Your order ${placed.order.number} is saved, but the payment page could not be opened: submit again in a moment.`,
    );
  }
}

// ---------------------------------------------------------------------------
// Payment → order

/** A payment of an order authorised or captured: the order is paid; a failed card payment: payment_failed. */
async function orderPaymentChanged(tx: Tx, payment: Payment, _before: string, now: Date): Promise<void> {
  const order = await loadOrder(tx, { shopId: payment.shopId, number: payment.reference.id, forUpdate: true });
  if (!order) return;
  if (order.state === 'cancelled') return returnPaymentAfterCancellation(tx, order, payment, now);
  const paidStates = ['authorised', 'partially_captured', 'captured'];
  let target: OrderState | null = null;
  if (paidStates.includes(payment.state) && (order.state === 'awaiting_payment' || order.state === 'awaiting_transfer' || order.state === 'payment_deferred') && (await paidInFull(tx, order, payment))) target = 'paid';
  else if (payment.state === 'failed' && order.state === 'awaiting_payment') target = 'payment_failed';
  if (target === null) return;
  await setOrderState(tx, order, target, now);
  // DOC-1 / PA-3: the money is taken now (capture at order, or a transfer received) — the invoice; at dispatch (PF) it comes with the dispatch;
  // a deferred order was invoiced when placed (issueInvoice returns that one).
  if (target === 'paid') await invoiceIfMoneyTaken(tx, { shopId: payment.shopId, orderId: order.id, payments: [payment], now });
  await appendEvidence(tx, {
    shopId: payment.shopId,
    kind: target === 'paid' ? ORDER_PAID : 'order.payment_failed',
    subject: { type: 'order', id: order.number },
    actor: 'system',
    data: { number: order.number, paymentId: payment.id, paymentState: payment.state, amount: payment.amount, currency: payment.currency },
    at: now,
  });
}
onPaymentStateChanged('order', orderPaymentChanged);

/** Whether `payment` with the order's other payments (RF-4: its store credit) covers the order's total. */
async function paidInFull(tx: Tx, order: Order, payment: Payment): Promise<boolean> {
  if (payment.amount >= order.total) return true;
  const others = (await listPaymentsFor(tx, payment.shopId, { kind: 'order', id: order.number })).filter((p) => p.id !== payment.id && p.method === 'store_credit');
  return payment.amount + storeCreditPaid(others) >= order.total;
}

/**
 * DOC-1 / PA-3: the invoice is issued when the money is taken — the order is
 * paid by a payment authorised for capture at order (automatic capture) or a
 * transfer received; a payment captured at dispatch (PF, `manual`) is invoiced
 * with the dispatch. Called when a payment makes the order paid, and when an
 * order paid during a fraud review is released (src/app/fraud-review.ts).
 */
export async function invoiceIfMoneyTaken(tx: Tx, input: { shopId: string; orderId: string; payments: readonly Payment[]; now: Date }): Promise<void> {
  const taken = input.payments.some((p) => ['authorised', 'partially_captured', 'captured'].includes(p.state) && p.captureMode !== 'manual');
  if (taken) await issueInvoice(tx, { shopId: input.shopId, orderId: input.orderId, now: input.now });
}

/**
 * OR-7: how a card or wallet payment of a cancelled order goes back — an
 * authorisation for a capture at dispatch is voided, a capture refunded; an
 * automatic capture announced by `authorised` is refunded when its `captured`
 * arrives (`refund_on_capture`: nothing to send now). One rule for the
 * cancellation (src/app/order-cancellation.ts) and for a payment made after it.
 */
export function moneyBackFor(payment: Payment): { action: 'void' | 'refund' | 'refund_on_capture' | 'none'; amount: number } {
  if (payment.providerSessionId === null) return { action: 'none', amount: 0 }; // by transfer: recorded by staff
  if (payment.state === 'authorised' && payment.captureRequested === 0 && payment.voidRequestedAt === null) {
    return payment.captureMode === 'manual' ? { action: 'void', amount: payment.authorised } : { action: 'refund_on_capture', amount: payment.authorised };
  }
  const refundable = payment.captured - payment.refundRequested;
  if (['captured', 'partially_captured', 'partially_refunded'].includes(payment.state) && refundable > 0) return { action: 'refund', amount: refundable };
  return { action: 'none', amount: 0 };
}

/** Sends what `moneyBackFor` decided through the outbox (same operation keys every time: never twice). */
export async function giveMoneyBack(tx: Tx, payment: Payment, now: Date): Promise<ReturnType<typeof moneyBackFor>> {
  const back = moneyBackFor(payment);
  if (back.action === 'void') await voidPayment(tx, { shopId: payment.shopId, paymentId: payment.id, now });
  if (back.action === 'refund') await refundPayment(tx, { shopId: payment.shopId, paymentId: payment.id, key: 'order.cancelled', amount: money(back.amount, payment.currency), now });
  return back;
}

/** OR-7: the customer paid on the provider's page after the order was cancelled (before the provider closed the session): the money goes straight back. */
async function returnPaymentAfterCancellation(tx: Tx, order: Order, payment: Payment, now: Date): Promise<void> {
  const back = await giveMoneyBack(tx, payment, now);
  if (back.action !== 'void' && back.action !== 'refund') return;
  await appendEvidence(tx, {
    shopId: payment.shopId,
    kind: 'order.payment_returned',
    subject: { type: 'order', id: order.number },
    actor: 'system',
    data: { number: order.number, rule: 'OR-7', paymentId: payment.id, action: back.action, amount: back.amount, currency: payment.currency },
    at: now,
  });
}

/** Moves the order through its lifecycle (`order.illegal_transition` otherwise); the caller appends the evidence. */
export async function setOrderState(tx: Tx, order: Order, to: OrderState, now: Date, extra: { cancel_reason?: string; cancel_note?: string | null } = {}): Promise<void> {
  const state = transition(order.state, to) as OrderStateColumn;
  const row = await tx
    .updateTable('orders')
    .set({ state, updated_at: now, ...(to === 'cancelled' ? { cancelled_at: now, cancel_reason: extra.cancel_reason ?? null, cancel_note: extra.cancel_note ?? null } : {}) })
    .where('id', '=', order.id)
    .returning('shop_id')
    .executeTakeFirstOrThrow();
  // RF-3 / RF-4: whatever cancels the order (OR-7), the store credit it used goes back to the customer's credit.
  if (to === 'cancelled') {
    for (const p of await listPaymentsFor(tx, row.shop_id, { kind: 'order', id: order.number })) {
      if (p.method !== 'store_credit') continue;
      const locked = (await lockPayment(tx, row.shop_id, p.id))!;
      await releaseStoreCredit(tx, { shopId: row.shop_id, payment: locked, key: `order.cancelled:${order.number}`, now });
    }
  }
}

/**
 * The engine's lock order for changing an order: its payments (sorted ids),
 * then the order — a payment webhook takes payment → order, so nothing waits
 * in reverse. `order.not_found` when there is no such order.
 * The payments are the order's, then (EX-1) the price differences its
 * exchanges by post took (reference `exchange`, id: the return number,
 * src/app/postal-exchanges.ts): a refund of the replacement draws on them too.
 */
export async function lockOrderWithPayments(tx: Tx, shopId: string, orderNumber: string): Promise<{ order: Order; payments: Payment[] }> {
  const ofOrder = await listPaymentsFor(tx, shopId, { kind: 'order', id: orderNumber });
  const ofExchanges = await tx
    .selectFrom('payments')
    .select('id')
    .where('shop_id', '=', shopId)
    .where('reference_kind', '=', 'exchange')
    .where('reference_id', 'in', (eb) =>
      eb.selectFrom('returns as r').innerJoin('orders as o', 'o.id', 'r.order_id').select('r.number').where('o.shop_id', '=', shopId).where('o.number', '=', orderNumber),
    )
    .orderBy('created_at')
    .execute();
  const locked = new Map<string, Payment>();
  for (const id of [...ofOrder, ...ofExchanges].map((p) => p.id).sort()) {
    const payment = await lockPayment(tx, shopId, id);
    if (payment) locked.set(id, payment);
  }
  // The order's own money first (sorted as locked), then the exchanges' in the order they were taken.
  const payments = [...ofOrder.map((p) => p.id).sort(), ...ofExchanges.map((p) => p.id)].flatMap((id) => locked.get(id) ?? []);
  const order = await loadOrder(tx, { shopId, number: orderNumber, forUpdate: true });
  if (!order) throw new DomainError('order.not_found', { field: 'number' }, `No order ${orderNumber}.`);
  return { order, payments };
}

/**
 * OR-3, on cancellation (OR-7: src/app/order-cancellation.ts): puts back at each location the stock the
 * order's lines took (under `lockStock`, sorted ids) and refreshes the product
 * cards. Units in parcels that left are not here: they go back on sale when
 * their parcel comes back (src/app/fulfilment.ts). The caller holds the order's
 * row lock and moves it to `cancelled`.
 */
export async function releaseOrderStock(tx: Tx, order: Pick<Order, 'id'>, now: Date): Promise<void> {
  const lines = await tx.selectFrom('order_lines').select(['position', 'variant_id', 'stock_taken']).where('order_id', '=', order.id).execute();
  const left = await tx
    .selectFrom('shipment_lines as sl')
    .innerJoin('shipments as s', 's.id', 'sl.shipment_id')
    .select(['sl.position', (eb) => eb.fn.sum<string>('sl.quantity').as('units')])
    .where('sl.order_id', '=', order.id)
    .where('s.shipped_at', 'is not', null)
    .where('s.replaces_shipment_id', 'is', null)
    .groupBy('sl.position')
    .execute();
  const variantIds = [...new Set(lines.map((l) => l.variant_id))];
  await lockStock(tx, variantIds);
  for (const line of lines) {
    // The shipped units came from the first locations (as a parcel back is restocked, fulfilment.ts).
    let shipped = Number(left.find((r) => r.position === line.position)?.units ?? 0);
    for (const a of line.stock_taken) {
      const kept = Math.min(shipped, a.quantity);
      shipped -= kept;
      if (a.quantity - kept === 0) continue;
      await sql`UPDATE stock SET quantity = quantity + ${a.quantity - kept}::int WHERE variant_id = ${line.variant_id}::bigint AND location_id = ${a.locationId}::bigint`.execute(tx);
    }
  }
  await refreshProductCards(tx, { variantIds, now });
}
