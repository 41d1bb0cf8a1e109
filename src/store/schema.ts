// Kysely table types. Keep in step with src/store/migrations/*.
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

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
  price_history: PriceHistoryTable;
}
