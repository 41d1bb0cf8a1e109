import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_outbox_mail.js';
import * as m0003 from './0003_catalogue.js';
import * as m0004 from './0004_cart_promotions.js';
import * as m0005 from './0005_product_cards.js';
import * as m0006 from './0006_evidence.js';
import * as m0007 from './0007_customers.js';
import * as m0008 from './0008_payments.js';
import * as m0009 from './0009_orders.js';
import * as m0010 from './0010_invoices.js';
import * as m0011 from './0011_fraud_review.js';
import * as m0012 from './0012_instalments_deferred.js';
import * as m0013 from './0013_sandbox_card_rules.js';
import * as m0014 from './0014_order_cancellation.js';
import * as m0015 from './0015_evidence_append_function.js';
import * as m0016 from './0016_order_number_sequences.js';
import * as m0017 from './0017_fulfilment.js';
import * as m0018 from './0018_reservations.js';
import * as m0019 from './0019_instalment_collections.js';
import * as m0020 from './0020_delivery_notices.js';
import * as m0021 from './0021_unavailability.js';
import * as m0022 from './0022_delivery_claims.js';
import * as m0023 from './0023_returns.js';
import * as m0024 from './0024_credit_notes.js';
import * as m0025 from './0025_store_credit.js';
import * as m0026 from './0026_guarantee_claims.js';
import * as m0027 from './0027_store_exchanges.js';
import * as m0028 from './0028_return_idempotency.js';
import * as m0029 from './0029_pending_credit_notes.js';

// Ordered list of migrations; add new files here (the name is the order key).
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_outbox_mail': m0002,
  '0003_catalogue': m0003,
  '0004_cart_promotions': m0004,
  '0005_product_cards': m0005,
  '0006_evidence': m0006,
  '0007_customers': m0007,
  '0008_payments': m0008,
  '0009_orders': m0009,
  '0010_invoices': m0010,
  '0011_fraud_review': m0011,
  '0012_instalments_deferred': m0012,
  '0013_sandbox_card_rules': m0013,
  '0014_order_cancellation': m0014,
  '0015_evidence_append_function': m0015,
  '0016_order_number_sequences': m0016,
  '0017_fulfilment': m0017,
  '0018_reservations': m0018,
  '0019_instalment_collections': m0019,
  '0020_delivery_notices': m0020,
  '0021_unavailability': m0021,
  '0022_delivery_claims': m0022,
  '0023_returns': m0023,
  '0024_credit_notes': m0024,
  '0025_store_credit': m0025,
  '0026_guarantee_claims': m0026,
  '0027_store_exchanges': m0027,
  '0028_return_idempotency': m0028,
  '0029_pending_credit_notes': m0029,
};
