// Kysely table types. Keep in step with src/store/migrations/*.
import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { OrderState } from '../domain/orders/order-lifecycle.js';
import type { OrderPaymentMethod } from '../domain/payments/payment-methods.js';
import type { Fulfilment } from '../domain/fulfilment/fulfilment-plan.js';
import type { ShipmentEventKind, ShipmentState } from '../domain/fulfilment/shipment-lifecycle.js';

type Instant = ColumnType<Date, Date | string, Date | string>;
type Int8 = ColumnType<string, number | bigint | string, number | bigint | string>;
/** A bigserial id: read as a string, optional on insert. */
type Id = ColumnType<string, string | number | bigint | undefined, string | number | bigint>;
type Json<T extends object | null = object> = JSONColumnType<T, string, string>;
type Localised = { fr: string; en: string };

export interface ShopsTable {
  id: string;
  name: string;
  policy_hash: string;
  catalogue_seeded_at: Instant | null;
  loaded_at: Instant;
}

export interface PolicyVersionsTable {
  shop_id: string;
  hash: string;
  policy: Json;
  first_loaded_at: Instant;
}

export interface TermsVersionsTable {
  shop_id: string;
  id: string;
  effective_at: Instant;
  summary: string;
  text_fr: string;
  text_en: string;
  hash_fr: string;
  hash_en: string;
  stored_at: Instant;
}

export interface EngineClockTable {
  singleton: Generated<boolean>;
  now: Instant;
}

export interface TimersTable {
  id: Id;
  shop_id: string;
  kind: string;
  key: string;
  due_at: Instant;
  payload: Json<Record<string, unknown>>;
  state: Generated<'pending' | 'fired' | 'failed' | 'cancelled'>;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: Instant;
  fired_at: Instant | null;
}

export interface AppSecretsTable {
  name: string;
  value: string;
  created_at: Generated<Date>;
}

export type StaffRole = 'owner' | 'customer_service' | 'warehouse' | 'store_staff';

export interface StaffTable {
  id: Id;
  shop_id: string;
  email: string;
  display_name: Generated<string>;
  role: StaffRole;
  password_hash: string;
  created_at: Instant;
  disabled_at: Instant | null;
}

export interface ApiTokensTable {
  id: Id;
  staff_id: Int8;
  name: string;
  token_hash: string;
  created_at: Instant;
  last_used_at: Instant | null;
  revoked_at: Instant | null;
}

export interface AuditLogTable {
  id: Id;
  shop_id: string;
  staff_id: Int8 | null;
  actor: string;
  action: string;
  target: string | null;
  details: Json<Record<string, unknown>>;
  at: Instant;
}

export interface LocationsTable {
  id: Id;
  shop_id: string;
  code: string;
  kind: 'warehouse' | 'store';
  name: string;
  address: Json<Record<string, unknown>>;
  opening_hours: Json<Record<string, unknown>>;
}

export interface CategoriesTable {
  id: Id;
  shop_id: string;
  slug: string;
  name: Json<Localised>;
}

export interface ProductsTable {
  id: Id;
  shop_id: string;
  slug: string;
  category_id: Int8 | null;
  name: Json<Localised>;
  description: Json<Localised>;
  composition: Json<Localised> | null;
  hygiene_sealed: Generated<boolean>;
  personalised: Generated<boolean>;
  extra_lead_working_days: Generated<number>;
  second_hand: Generated<boolean>;
  outlet: Generated<boolean>;
  perishable: Generated<boolean>;
  eco_fee_minor: ColumnType<string, number | bigint | string | undefined, number | bigint | string>;
  position: Generated<number>;
  created_at: Instant;
  /** 0003: generated from the FR and EN names (catalogue_search_fold); never written. */
  search_vector: ColumnType<string, never, never>;
}

export interface ProductImagesTable {
  product_id: Int8;
  position: number;
  path: string;
  alt: Json<Localised>;
}

export interface VariantsTable {
  id: Id;
  product_id: Int8;
  sku: string;
  shop_id: string;
  options: Json<Record<string, string>>;
  expected_arrival: ColumnType<string, string, string> | null;
  backorder_allowed: Generated<boolean>;
  position: Generated<number>;
}

export interface StockTable {
  variant_id: Int8;
  location_id: Int8;
  quantity: number;
}

export interface PriceHistoryTable {
  id: Id;
  variant_id: Int8;
  currency: string;
  amount_minor: Int8;
  effective_at: Instant;
  recorded_at: Instant;
}

// ---- Issue 3: promotions and the cart (migration 0004) ----
export interface PromotionsTable {
  id: Id;
  shop_id: string;
  code: string | null;
  name: string;
  kind: 'percentage' | 'fixed_amount' | 'gift';
  percent_basis_points: number | null;
  currency: string | null;
  amount_minor: Int8 | null;
  gift_variant_id: Int8 | null;
  starts_at: Instant | null;
  ends_at: Instant | null;
  minimum_basket_minor: Int8 | null;
  excluded_product_ids: ColumnType<string[], string[] | undefined, string[]>;
  excluded_category_ids: ColumnType<string[], string[] | undefined, string[]>;
  usage_limit_total: number | null;
  usage_limit_per_customer: number | null;
  combinable: Generated<boolean>;
  created_at: Instant;
  archived_at: Instant | null;
}

export interface PromotionUsagesTable {
  id: Id;
  promotion_id: Int8;
  customer_key: string;
  order_ref: string;
  used_at: Instant;
}

export interface CartsTable {
  id: string;
  shop_id: string;
  token_hash: string;
  customer_id: Int8 | null;
  currency: string;
  destination_country: string | null;
  shipping_method_id: string | null;
  codes: ColumnType<string[], string[] | undefined, string[]>;
  customer_kind: Generated<'consumer' | 'professional' | 'programme_reseller'>;
  created_at: Instant;
  updated_at: Instant;
  expires_at: Instant;
}

export interface CartLinesTable {
  cart_id: string;
  variant_id: Int8;
  quantity: number;
  added_at: Instant;
}

// ---- Outbox, emails, stock alerts (migration 0002_outbox_mail) -------------

export type OutboxState = 'pending' | 'done' | 'failed';

export interface OutboxTable {
  id: Id;
  shop_id: string;
  kind: string;
  key: string;
  payload: Json<Record<string, unknown>>;
  state: Generated<OutboxState>;
  attempts: Generated<number>;
  next_attempt_at: Instant;
  last_error: string | null;
  created_at: Instant;
  done_at: Instant | null;
}

export type MailTransportName = 'dev_mailbox' | 'smtp';

export interface EmailsTable {
  id: Id;
  shop_id: string;
  outbox_id: Int8 | null;
  from_address: string;
  to_address: string;
  subject: string;
  text: string;
  html: string | null;
  language: string | null;
  content_sha256: string;
  transport: MailTransportName;
  message_id: string;
  related_kind: string | null;
  related_id: string | null;
  created_at: Instant;
  sent_at: Instant | null;
}

export interface StockAlertsTable {
  id: Id;
  shop_id: string;
  variant_id: Int8;
  email: string;
  language: 'fr' | 'en';
  storefront_url: string;
  created_at: Instant;
  notified_at: Instant | null;
}

// ---- Issue 3 §9: the catalogue listing's read model (migration 0005) ----
export interface ProductCardsTable {
  product_id: Int8;
  shop_id: string;
  position: number;
  category_id: Int8 | null;
  category_slug: string | null;
  slug: string;
  name: Json<Localised>;
  image_path: string | null;
  in_stock: boolean;
  expected_arrival: ColumnType<string, string, string> | null;
  backorder_allowed: boolean;
  hygiene_sealed: boolean;
  personalised: boolean;
  extra_lead_working_days: number;
  second_hand: boolean;
  outlet: boolean;
  perishable: boolean;
  eco_fee_minor: Int8;
  prices: Json<Record<string, CardPrice>>;
}

/** PR-4 / PR-6: the lowest price in force (`minor`) from `from` until `until` (epoch ms; null: unbounded). */
export type CardPrice = { minor: number | null; from: number | null; until: number | null };

// ---- Issue 4 §7: the evidence log (migration 0006; written by src/store/evidence.ts only) ----
export interface EvidenceEventsTable {
  shop_id: string;
  seq: Int8;
  recorded_at: Instant;
  kind: string;
  subject_type: string;
  subject_id: string;
  actor: string;
  data: Json<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
}

export interface EvidenceHeadsTable {
  shop_id: string;
  seq: Int8;
  hash: string;
}

// ---- Issue 4 §1: customers (migration 0007) ----
export type CustomerAccountKind = 'consumer' | 'professional';

export interface CustomersTable {
  id: Id;
  shop_id: string;
  email: string;
  password_hash: string;
  name: Generated<string>;
  language: Generated<'fr' | 'en'>;
  kind: Generated<CustomerAccountKind>;
  company_name: string | null;
  registration_number: string | null;
  vat_number: string | null;
  headcount: number | null;
  created_at: Instant;
  email_verified_at: Instant | null;
  disabled_at: Instant | null;
}

export interface CustomerAddressesTable {
  id: Id;
  customer_id: Int8;
  label: Generated<string>;
  name: string;
  line1: string;
  line2: string | null;
  postal_code: Generated<string>;
  city: string;
  region: string | null;
  country: string;
  phone: string | null;
  is_default_delivery: Generated<boolean>;
  is_default_billing: Generated<boolean>;
  created_at: Instant;
  updated_at: Instant;
}

export interface CustomerTokensTable {
  id: Id;
  customer_id: Int8;
  purpose: 'password_reset' | 'email_change';
  token_hash: string;
  new_email: string | null;
  created_at: Instant;
  expires_at: Instant;
  used_at: Instant | null;
}

export type CustomerBlockKind = 'unpaid_order' | 'payment_dispute' | 'risk_flag';

export interface CustomerBlocksTable {
  id: Id;
  shop_id: string;
  customer_id: Int8;
  kind: CustomerBlockKind;
  reason: string;
  created_by: Int8 | null;
  created_at: Instant;
  lifted_at: Instant | null;
  lifted_by: Int8 | null;
}

export interface WishListItemsTable {
  customer_id: Int8;
  variant_id: Int8;
  added_at: Instant;
}

// ---- Issue 4 §4: payments (migration 0008) ----
export type PaymentStateColumn =
  | 'pending'
  | 'requires_action'
  | 'authorised'
  | 'partially_captured'
  | 'captured'
  | 'partially_refunded'
  | 'refunded'
  | 'voided'
  | 'failed';

export interface PaymentsTable {
  id: string;
  shop_id: string;
  reference_kind: string;
  reference_id: string;
  method: 'card' | 'wallet' | 'bank_transfer' | 'instalments' | 'deferred' | 'store_credit';
  currency: string;
  amount_minor: Int8;
  state: PaymentStateColumn;
  failure_code: string | null;
  capture_mode: 'automatic' | 'manual' | null;
  provider: string | null;
  provider_session_id: string | null;
  redirect_url: string | null;
  card_brand: string | null;
  card_last4: string | null;
  authorised_minor: ColumnType<string, number | string | undefined, number | string>;
  captured_minor: ColumnType<string, number | string | undefined, number | string>;
  refunded_minor: ColumnType<string, number | string | undefined, number | string>;
  capture_requested_minor: ColumnType<string, number | string | undefined, number | string>;
  refund_requested_minor: ColumnType<string, number | string | undefined, number | string>;
  void_requested_at: Instant | null;
  bank_transfer_reference: string | null;
  due_at: Instant | null;
  created_at: Instant;
  updated_at: Instant;
}

export interface PaymentEventsTable {
  id: Id;
  payment_id: string;
  type: string;
  provider_event_id: string | null;
  state_before: string;
  state_after: string;
  received_at: Instant;
  data: Json<Record<string, unknown>>;
}

export interface SandboxPspSessionsTable {
  id: string;
  merchant: string;
  merchant_reference: string;
  method: 'card' | 'wallet';
  capture_mode: 'automatic' | 'manual';
  currency: string;
  amount_minor: Int8;
  return_url: string;
  /** PA-2 (migration 0013): card sessions only; null for a wallet. */
  strong_authentication: 'required' | 'when_issuer_requests' | null;
  /** PA-1 (migration 0013): the accepted issuing countries of a card session; null = any. */
  issuer_countries: string[] | null;
  /** `cancelled` (migration 0014): closed by the merchant before it was paid. */
  state: 'open' | 'requires_action' | 'authorised' | 'partially_captured' | 'captured' | 'partially_refunded' | 'refunded' | 'voided' | 'failed' | 'cancelled';
  failure_code: string | null;
  authorised_minor: ColumnType<string, number | string | undefined, number | string>;
  captured_minor: ColumnType<string, number | string | undefined, number | string>;
  refunded_minor: ColumnType<string, number | string | undefined, number | string>;
  card_brand: string | null;
  card_last4: string | null;
  created_at: Instant;
  updated_at: Instant;
}

export interface SandboxPspIdempotencyTable {
  key: string;
  operation: string;
  request_hash: string;
  response: Json<Record<string, unknown>>;
  created_at: Instant;
}

export interface SandboxPspEventsTable {
  id: string;
  session_id: string;
  type: string;
  data: Json<Record<string, unknown>>;
  created_at: Instant;
}

export interface Database {
  shops: ShopsTable;
  policy_versions: PolicyVersionsTable;
  terms_versions: TermsVersionsTable;
  engine_clock: EngineClockTable;
  timers: TimersTable;
  app_secrets: AppSecretsTable;
  staff: StaffTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  locations: LocationsTable;
  categories: CategoriesTable;
  products: ProductsTable;
  product_images: ProductImagesTable;
  variants: VariantsTable;
  stock: StockTable;
  outbox: OutboxTable;
  emails: EmailsTable;
  stock_alerts: StockAlertsTable;
  price_history: PriceHistoryTable;
  promotions: PromotionsTable;
  promotion_usages: PromotionUsagesTable;
  carts: CartsTable;
  cart_lines: CartLinesTable;
  product_cards: ProductCardsTable;
  evidence_events: EvidenceEventsTable;
  evidence_heads: EvidenceHeadsTable;
  customers: CustomersTable;
  customer_addresses: CustomerAddressesTable;
  customer_tokens: CustomerTokensTable;
  customer_blocks: CustomerBlocksTable;
  wish_list_items: WishListItemsTable;
  payments: PaymentsTable;
  payment_events: PaymentEventsTable;
  sandbox_psp_sessions: SandboxPspSessionsTable;
  sandbox_psp_idempotency: SandboxPspIdempotencyTable;
  sandbox_psp_events: SandboxPspEventsTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  fraud_reviews: FraudReviewsTable;
  invoice_number_counters: InvoiceNumberCountersTable;
  invoices: InvoicesTable;
  instalment_plans: InstalmentPlansTable;
  instalments: InstalmentsTable;
  deferred_payment_accounts: DeferredPaymentAccountsTable;
  shipments: ShipmentsTable;
  shipment_lines: ShipmentLinesTable;
  shipment_events: ShipmentEventsTable;
  order_refunds: OrderRefundsTable;
  returns: ReturnsTable;
  return_lines: ReturnLinesTable;
}

// Migration 0009: orders (issue 4 §3).
export type OrderStateColumn = OrderState;

export interface OrdersTable {
  id: Id;
  shop_id: string;
  number: string;
  state: OrderStateColumn;
  customer_id: Int8 | null;
  email: string;
  language: 'fr' | 'en';
  customer_kind: 'consumer' | 'professional' | 'programme_reseller';
  declarations: Json;
  access_token_hash: string;
  idempotency_key: string;
  currency: string;
  goods_minor: Int8;
  eco_fees_minor: Int8;
  discounts_minor: Int8;
  shipping_minor: Int8;
  total_minor: Int8;
  vat_treatment: Json;
  vat_breakdown: Json<object[]>;
  promotions: Json<object[]>;
  shipping_method_id: string;
  shipping: Json;
  delivery_address: Json;
  billing_address: Json;
  payment_method: OrderPaymentMethod;
  seller: Json;
  policy_hash: string;
  terms_version_id: string;
  terms_language: 'fr' | 'en';
  terms_hash: string;
  withdrawal_period: Json;
  placed_at: Instant;
  updated_at: Instant;
  cancelled_at: Instant | null;
  cancel_reason: string | null;
  /** Migration 0014: the staff member's note on a cancellation (CU-4: for the merchant only). */
  cancel_note: ColumnType<string | null, string | null | undefined, string | null>;
  /** PA-7: the due date of a deferred payment (`date`, YYYY-MM-DD); null for any other method. */
  payment_due_on: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 0017: the shipments summed up (src/domain/fulfilment/fulfilment-state.ts). */
  fulfilment: ColumnType<OrderFulfilment, OrderFulfilment | undefined, OrderFulfilment>;
  /** SH-4: the latest delivery date (`date`): no date is agreed at checkout, so the order + the policy's days, at most 30. */
  delivery_due_on: ColumnType<string, string, string>;
  /** WD-1: possession of the order's last item (null until every shipped item is delivered). */
  last_delivered_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface OrderLinesTable {
  order_id: Int8;
  position: number;
  variant_id: Int8;
  product_id: Int8;
  sku: string;
  name_fr: string;
  name_en: string;
  options: Json<Record<string, string>>;
  quantity: number;
  unit_price_minor: Int8;
  catalogue_unit_price_minor: Int8;
  eco_fee_per_unit_minor: Int8;
  goods_minor: Int8;
  eco_fee_minor: Int8;
  discount_minor: Int8;
  total_minor: Int8;
  vat_rate_basis_points: number;
  is_gift: boolean;
  initial_unit_price_minor: Int8 | null;
  promotion_id: string | null;
  hygiene_sealed: boolean;
  personalised: boolean;
  perishable: boolean;
  second_hand: boolean;
  outlet: boolean;
  stock_taken: Json<{ locationId: string; quantity: number }[]>;
  backordered_quantity: number;
  /** Migration 0017, AV-1: units never to be shipped (never charged, or refunded). */
  cancelled_quantity: ColumnType<number, number | undefined, number>;
}

// Migration 0011: fraud review (PA-6).
export interface FraudReviewsTable {
  id: Id;
  shop_id: string;
  order_id: Int8;
  order_number: string;
  /** `cancelled` (migration 0014): the order was cancelled by staff while on hold. */
  state: 'open' | 'documents_received' | 'released' | 'expired' | 'cancelled';
  held_from: 'awaiting_payment' | 'paid';
  reason: string;
  documents_requested: Json<string[]>;
  /** A legal date (`date`), read as YYYY-MM-DD. */
  last_day: ColumnType<string, string, string>;
  due_at: Instant;
  held_by: string;
  held_at: Instant;
  closed_by: string | null;
  closed_at: Instant | null;
  note: string | null;
}

// Migration 0010: invoices (issue 4 §5, DOC-1).
export interface InvoiceNumberCountersTable {
  shop_id: string;
  kind: 'invoice' | 'credit_note';
  year: number;
  last_number: number;
}

export interface InvoicesTable {
  id: Id;
  shop_id: string;
  kind: 'invoice' | 'credit_note' | 'complementary_invoice';
  year: number;
  sequence: number;
  number: string;
  order_id: Int8;
  issued_at: Instant;
  currency: string;
  total_minor: Int8;
  content: Json;
  content_sha256: string;
}

// Migration 0012: instalments (PA-4) and deferred payment (PA-1, PA-7).
export interface InstalmentPlansTable {
  id: Id;
  shop_id: string;
  order_id: Int8;
  partner: string;
  partner_plan_id: string;
  count: 3 | 4;
  currency: string;
  total_minor: Int8;
  accepted_at: Instant;
  cancelled_at: Instant | null;
  partner_cancelled_at: Instant | null;
}

export interface InstalmentsTable {
  plan_id: Int8;
  number: number;
  amount_minor: Int8;
  /** Set when shipment is confirmed (PA-4); a legal date read as YYYY-MM-DD. */
  due_on: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface DeferredPaymentAccountsTable {
  shop_id: string;
  customer_id: Int8;
  insurer_reference: string;
  currency: string;
  credit_limit_minor: Int8;
  granted_by: string;
  granted_at: Instant;
  revoked_by: string | null;
  revoked_at: Instant | null;
}

// Migration 0017: fulfilment (issue 5: SH-1, SH-3…SH-9, AV-1, PA-3, PA-4).
export type OrderFulfilment = Fulfilment;
export type ShipmentStateColumn = ShipmentState;
export type { ShipmentEventKind };

/** SH-9: who took physical possession, and who said so. */
export type Possession = { by: 'customer' | 'third_party'; name: string; source: 'carrier' | 'customer_declaration' | 'store' };

export interface ShipmentsTable {
  id: Id;
  shop_id: string;
  order_id: Int8;
  number: string;
  state: ShipmentStateColumn;
  method_kind: string;
  carrier: string;
  tracking_number: string | null;
  tracking_url: string | null;
  pickup_point: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  packed_at: Instant;
  packed_by: string;
  shipped_at: Instant | null;
  awaiting_collection_at: Instant | null;
  collection_due_at: Instant | null;
  delivered_at: Instant | null;
  possession: ColumnType<Possession | null, string | null | undefined, string | null>;
  returned_at: Instant | null;
  replaces_shipment_id: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: Instant;
}

export interface ShipmentLinesTable {
  shipment_id: Int8;
  order_id: Int8;
  position: number;
  quantity: number;
}

export interface ShipmentEventsTable {
  id: Id;
  shipment_id: Int8;
  kind: ShipmentEventKind;
  occurred_at: Instant;
  recorded_at: Instant;
  source: 'carrier' | 'staff' | 'customer' | 'engine';
  carrier_event_id: string | null;
  data: Json<Record<string, unknown>>;
}

export type RefundReason = 'line_unavailable' | 'uncollected' | 'delivery_terminated' | 'delivery_claim' | 'withdrawal' | 'exchange' | 'guarantee';

export interface OrderRefundsTable {
  id: Id;
  shop_id: string;
  order_id: Int8;
  key: string;
  reason: RefundReason;
  rule: string;
  currency: string;
  amount_minor: Int8;
  fee_kept_minor: ColumnType<string, number | bigint | string | undefined, number | bigint | string>;
  due_on: ColumnType<string | null, string | null, string | null>;
  settlement: Json<{ paymentId: string; action: string; amount: number }[]>;
  /** DOC-1: what a refund made before the invoice gives back, credited when the invoice is issued (migration 0029). */
  credit_pending: Json<Record<string, unknown>> | null;
  created_by: string;
  created_at: Instant;
}

// ST-1 reservations — migration 0018 (src/app/reservations.ts). The `Database`
// entries are declared here by interface merging, so this block stays one piece.
export interface ReservationsTable {
  id: Id;
  shop_id: string;
  number: string;
  customer_id: Int8;
  location_id: Int8;
  state: 'requested' | 'confirmed' | 'collected' | 'expired' | 'cancelled';
  policy_hash: string;
  currency: string;
  requested_at: Instant;
  confirmation_due_at: Instant | null;
  confirmation_overdue_at: Instant | null;
  confirmed_at: Instant | null;
  confirmed_by: string | null;
  hold_until: Instant | null;
  /** A legal date (`date`), read as YYYY-MM-DD; for a hold in days only. */
  hold_last_day: ColumnType<string | null, string | null | undefined, string | null>;
  collected_at: Instant | null;
  collected_by: string | null;
  expired_at: Instant | null;
  cancelled_at: Instant | null;
  cancelled_by: string | null;
}

export interface ReservationLinesTable {
  reservation_id: Int8;
  position: number;
  variant_id: Int8;
  sku: string;
  name: Json<Localised>;
  options: Json<Record<string, string>>;
  quantity: number;
  unit_price_minor: Int8 | null;
}

export interface Database {
  reservations: ReservationsTable;
  reservation_lines: ReservationLinesTable;
}
// end ST-1 reservations

// PA-4 collections (migration 0019, src/app/instalment-collections.ts): the
// columns added to instalment_plans / instalments (declaration merging) and
// the two tables of attempts and refunds.
export type InstalmentShareStateColumn = 'pending' | 'collecting' | 'collected' | 'failed' | 'waived';

export interface InstalmentPlansTable {
  /** The first dispatch dated the shares (null: not shipped yet). */
  collections_started_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** No share left to collect: the order's payment is complete. */
  completed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface InstalmentsTable {
  state: ColumnType<InstalmentShareStateColumn, InstalmentShareStateColumn | undefined, InstalmentShareStateColumn>;
  reduced_minor: ColumnType<string, number | bigint | string | undefined, number | bigint | string>;
  collected_minor: ColumnType<string | null, number | bigint | string | null | undefined, number | bigint | string | null>;
  collected_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  attempts: ColumnType<number, number | undefined, number>;
  last_failure: ColumnType<string | null, string | null | undefined, string | null>;
  failed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The day of the next retry (`date`, YYYY-MM-DD); null when none is planned. */
  next_attempt_on: ColumnType<string | null, string | null | undefined, string | null>;
  /** The outbox key of the attempt under way (or the last one). */
  collect_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface InstalmentCollectionAttemptsTable {
  id: Id;
  plan_id: Int8;
  number: number;
  attempt: number;
  idempotency_key: string;
  currency: string;
  amount_minor: Int8;
  outcome: 'collected' | 'declined';
  failure: string | null;
  partner_reference: string | null;
  attempted_at: Instant;
}

export interface InstalmentRefundsTable {
  id: Id;
  plan_id: Int8;
  key: string;
  currency: string;
  requested_minor: Int8;
  reduced_minor: Int8;
  reductions: Json<{ number: number; amount: number }[]>;
  partner_refund_minor: Int8;
  action: 'plan_reduced' | 'partner_refund' | 'none';
  partner_reference: string | null;
  partner_refunded_at: Instant | null;
  created_at: Instant;
}

export interface Database {
  instalment_collection_attempts: InstalmentCollectionAttemptsTable;
  instalment_refunds: InstalmentRefundsTable;
}
// end PA-4 collections

// SH-8 delivery claims (migration 0022, src/app/delivery-claims.ts).
export type DeliveryClaimStateColumn = 'filed' | 'reshipped' | 'refunded' | 'rejected';

export interface DeliveryClaimsTable {
  id: Id;
  shop_id: string;
  order_id: Int8;
  shipment_id: Int8;
  number: string;
  kind: 'damaged' | 'missing_item' | 'wrong_item';
  description: string;
  state: ColumnType<DeliveryClaimStateColumn, DeliveryClaimStateColumn | undefined, DeliveryClaimStateColumn>;
  filed_at: Instant;
  filed_by: string;
  delivered_at: Instant;
  /** SH-9: copied from the parcel at filing. */
  possession: ColumnType<Possession, string, string>;
  /** `date`, YYYY-MM-DD; null when the terms set no window. */
  window_last_day: string | null;
  decided_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  decided_by: ColumnType<string | null, string | null | undefined, string | null>;
  reject_reason: ColumnType<string | null, string | null | undefined, string | null>;
  replacement_shipment_id: ColumnType<string | null, string | number | bigint | null | undefined, string | number | bigint | null>;
  refund_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface DeliveryClaimLinesTable {
  claim_id: Int8;
  position: number;
  quantity: number;
  decided_quantity: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface DeliveryClaimPhotosTable {
  claim_id: Int8;
  n: number;
  content_type: 'image/jpeg' | 'image/png' | 'image/webp';
  size_bytes: number;
  sha256: string;
  content: ColumnType<Buffer, Buffer, never>;
}

export interface Database {
  delivery_claims: DeliveryClaimsTable;
  delivery_claim_lines: DeliveryClaimLinesTable;
  delivery_claim_photos: DeliveryClaimPhotosTable;
}
// end SH-8 delivery claims

// SH-4 delivery deadline (migration 0020, src/app/delivery-deadline.ts): the
// customer's notice after the due date, its additional period, and the
// termination with the refund's L216-7 due date.
export interface DeliveryNoticesTable {
  id: Id;
  shop_id: string;
  order_id: Int8;
  delivery_due_on: ColumnType<string, string, string>;
  sent_at: Instant;
  /** The last day of the additional period (YYYY-MM-DD). */
  deliver_by: ColumnType<string, string, string>;
  period_ends_at: Instant;
  period_ended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  terminated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  refund_minor: ColumnType<string | null, number | bigint | string | null | undefined, number | bigint | string | null>;
  refund_due_on: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface Database {
  delivery_notices: DeliveryNoticesTable;
}
// end SH-4 delivery deadline

// AV-1 / AV-2 items unavailable after ordering (migration 0021,
// src/app/unavailability.ts). The `Database` entry is declared by interface
// merging, so this block stays one piece.
export interface UnavailabilityCasesTable {
  id: Id;
  shop_id: string;
  order_id: Int8;
  position: number;
  quantity: number;
  mode: 'cancel_line' | 'customer_chooses_wait_or_refund' | 'substitute_or_refund' | 'back_order';
  state: 'awaiting_answer' | 'waiting' | 'substituted' | 'cancelled' | 'back_ordered' | 'void';
  choices: ColumnType<string[], string[] | undefined, string[]>;
  choice: ColumnType<'wait' | 'refund' | 'substitute' | null, 'wait' | 'refund' | 'substitute' | null | undefined, 'wait' | 'refund' | 'substitute' | null>;
  answered_by: ColumnType<'customer' | 'default' | null, 'customer' | 'default' | null | undefined, 'customer' | 'default' | null>;
  token_sha256: ColumnType<string | null, string | null | undefined, string | null>;
  /** A legal date (`date`), read as YYYY-MM-DD. */
  last_day: ColumnType<string | null, string | null | undefined, string | null>;
  due_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  substitute_variant_id: ColumnType<string | null, number | bigint | string | null | undefined, number | bigint | string | null>;
  substitute: ColumnType<
    { sku: string; name: Localised; options: Record<string, string>; unitPrice: number; ecoFeePerUnit: number } | null,
    string | null | undefined,
    string | null
  >;
  substitute_position: ColumnType<number | null, number | null | undefined, number | null>;
  cancelled_amount_minor: ColumnType<string, number | bigint | string | undefined, number | bigint | string>;
  refund_key: ColumnType<string | null, string | null | undefined, string | null>;
  declared_by: string;
  declared_at: Instant;
  answered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface Database {
  unavailability_cases: UnavailabilityCasesTable;
}
// end AV-1 unavailable items

// Migration 0023: withdrawals and returns (issue 6).
export type ReturnState = 'authorised' | 'sent_back' | 'received' | 'inspected' | 'refunded' | 'closed';
export type ReturnPurpose = 'withdrawal' | 'money_back' | 'exchange';
export type ReturnChannel = 'withdrawal_function' | 'email' | 'letter' | 'model_form';

export interface ReturnsTable {
  id: Id;
  shop_id: string;
  order_id: Int8;
  number: string;
  purpose: ReturnPurpose;
  channel: ReturnChannel;
  sent_at: Instant;
  recorded_at: Instant;
  recorded_by: string;
  statement: Json<Record<string, unknown>>;
  statement_sha256: string;
  access_token_hash: string;
  idempotency_key: ColumnType<string | null, string | null | undefined, string | null>;
  period_last_day: ColumnType<string, string, string>;
  state: ColumnType<ReturnState, ReturnState | undefined, ReturnState>;
  send_by: ColumnType<string, string, string>;
  return_address: Json<Record<string, unknown>>;
  label: Json<Record<string, unknown>> | null;
  refund_to: ColumnType<'original_payment' | 'store_credit', 'original_payment' | 'store_credit' | undefined, 'original_payment' | 'store_credit'>;
  refund_due_on: ColumnType<string, string, string>;
  shipped_tracking: string | null;
  shipped_recorded_at: Instant | null;
  received_at: Instant | null;
  inspected_at: Instant | null;
  inspected_by: string | null;
  refund_key: string | null;
  refund: Json<Record<string, unknown>> | null;
  refunded_at: Instant | null;
  refused_kept_until: ColumnType<string | null, string | null | undefined, string | null>;
  refused_resend_requested_at: Instant | null;
}

export interface ReturnLinesTable {
  return_id: Int8;
  position: number;
  quantity: number;
  exchange_variant_id: Int8 | null;
  outcome: 'accepted' | 'depreciated' | 'refused' | null;
  accepted_quantity: number | null;
  depreciation_minor: ColumnType<string, number | bigint | string | undefined, number | bigint | string>;
  reason: string | null;
}

// DOC-1 credit notes and RF-5 complementary invoices (migration 0024,
// src/app/credit-notes.ts): rows of `invoices` referring to the order's invoice.
export interface InvoicesTable {
  refers_to_invoice_id: ColumnType<string | null, number | bigint | string | null | undefined, never>;
  key: ColumnType<string | null, string | null | undefined, never>;
}
// end DOC-1 credit notes

// EX-2 in-store exchanges (migration 0027, src/app/store-exchanges.ts). The
// `Database` entries are declared by interface merging, so this block stays one piece.
export interface StoreExchangesTable {
  id: Id;
  shop_id: string;
  order_id: Int8;
  number: string;
  location_id: Int8;
  return_slip: string;
  currency: string;
  invoiced_minor: ColumnType<string, number | bigint | string, never>;
  replacement_minor: ColumnType<string, number | bigint | string, never>;
  customer_paid_minor: ColumnType<string, number | bigint | string, never>;
  lost_minor: ColumnType<string, number | bigint | string, never>;
  settlement: 'none' | 'paid_in_store' | 'lost';
  recorded_at: Instant;
  recorded_by: string;
}

export interface StoreExchangeLinesTable {
  exchange_id: Int8;
  position: number;
  quantity: number;
  returned_variant_id: Int8;
  invoiced_minor: ColumnType<string, number | bigint | string, never>;
  possession_at: Instant;
  /** `date`, YYYY-MM-DD: the EX-2 window's last day. */
  window_last_day: ColumnType<string, string, never>;
  replacement_variant_id: Int8;
  replacement_sku: string;
  replacement_name: ColumnType<Localised, string, never>;
  replacement_options: ColumnType<Record<string, string>, string, never>;
  replacement_minor: ColumnType<string, number | bigint | string, never>;
  same_product: boolean;
}

export interface Database {
  store_exchanges: StoreExchangesTable;
  store_exchange_lines: StoreExchangeLinesTable;
}
// end EX-2 in-store exchanges

// RF-4 store credit (migration 0025, src/app/store-credit.ts): the customer's
// append-only ledger; `Database` entry by interface merging.
export interface StoreCreditEntriesTable {
  id: Id;
  shop_id: string;
  customer_id: Int8;
  kind: 'issue' | 'use' | 'release' | 'expiry';
  issue_id: Int8 | null;
  currency: string;
  amount_minor: Int8;
  /** Issue only: the last day the credit may be used (YYYY-MM-DD, shop calendar). */
  expires_on: ColumnType<string | null, string | null | undefined, never>;
  /** Issue only: the validity it was given (the policy's duration). */
  validity: JSONColumnType<{ months: number } | { days: number; kind: string } | null, string | null | undefined, never>;
  order_id: Int8 | null;
  payment_id: string | null;
  key: string;
  rule: string;
  created_by: string;
  created_at: Instant;
}

export interface Database {
  store_credit_entries: StoreCreditEntriesTable;
}
// end RF-4 store credit

// GU-1…GU-5 guarantee claims (migration 0026, src/app/guarantee-claims.ts);
// `Database` entry by interface merging.
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;
type GuaranteeClaimState = 'filed' | 'in_repair' | 'repaired' | 'replaced' | 'refunded' | 'refused';

export interface GuaranteeClaimsTable {
  id: Id;
  shop_id: string;
  order_id: Int8;
  number: string;
  position: number;
  quantity: number;
  kind: 'conformity' | 'hidden_defect' | 'dead_on_arrival' | 'commercial';
  remedy_asked: 'repair' | 'replace' | 'refund' | 'cancel_sale' | 'partial_refund';
  description: string;
  /** `date`, YYYY-MM-DD: GU-2 only. */
  discovered_on: Nullable<string>;
  second_hand: boolean;
  shipment_id: Int8;
  delivered_at: Instant;
  covered_from: string;
  covered_until: string;
  presumption_until: Nullable<string>;
  state: ColumnType<GuaranteeClaimState, GuaranteeClaimState | undefined, GuaranteeClaimState>;
  filed_at: Instant;
  filed_by: string;
  answer_due_at: Nullable<Date>;
  remedy_due_on: Nullable<string>;
  remedy_due_at: Nullable<Date>;
  answered_at: Nullable<Date>;
  answer_overdue_at: Nullable<Date>;
  remedy_overdue_at: Nullable<Date>;
  outcome: Nullable<'repair' | 'replace' | 'refund' | 'price_reduction' | 'refuse'>;
  decided_at: Nullable<Date>;
  decided_by: Nullable<string>;
  replacement_imposed: ColumnType<boolean, boolean | undefined, boolean>;
  refuse_reason: Nullable<string>;
  exclusion: Nullable<'modified' | 'repaired_by_others' | 'misuse' | 'accident'>;
  received_at: Nullable<Date>;
  returned_at: Nullable<Date>;
  replacement_shipment_id: Nullable<string>;
  refund_key: Nullable<string>;
  shipping_refund_key: Nullable<string>;
}

export interface GuaranteeClaimPhotosTable {
  claim_id: Int8;
  n: number;
  content_type: 'image/jpeg' | 'image/png' | 'image/webp';
  size_bytes: number;
  sha256: string;
  content: ColumnType<Buffer, Buffer, never>;
}

export interface Database {
  guarantee_claims: GuaranteeClaimsTable;
  guarantee_claim_photos: GuaranteeClaimPhotosTable;
}
// end GU guarantee claims
