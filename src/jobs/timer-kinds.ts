// The registry of timer kinds: which handler does each time-based duty of
// section 12 of the terms catalogue (bank transfer deadline PA-5, withdrawal
// period end WD-1…WD-3, return shipment deadline WD-6, refund due dates RF-1,
// reservation holds ST-1, cart expiry CA-2…).
//
// Each issue that introduces a duty registers its kind here, under a stable
// dotted name (`withdrawal.period_end`), with a handler from its own module;
// the use case schedules it with `scheduleTimer` (src/store/timers.ts) in the
// transaction that creates the duty. A kind, once used in a database, keeps its
// name: pending rows refer to it, and a timer whose kind has no handler fails
// (and is retried, then marked 'failed'), it is never dropped silently.
//
// The server's timer loop, `comptoir clock advance|set` and
// `POST /api/admin/dev/clock` all take their handlers from here.
import type { TimerHandlers } from './timer-runner.js';
import { PAYMENT_WINDOW_TIMER } from '../app/orders.js';
import { FRAUD_REVIEW_DEADLINE } from '../app/fraud-review.js';
import { COLLECTION_WINDOW_TIMER, expireCollectionWindow } from '../app/fulfilment.js';
import { cancelUnansweredReview, cancelUnpaidCardOrder, cancelUnpaidTransferOrder } from '../app/order-cancellation.js';
import { remindOverdueDeferredPayment } from '../app/deferred-payments.js';
import { BANK_TRANSFER_DEADLINE_TIMER, DEFERRED_PAYMENT_DUE_TIMER } from '../app/payments.js';
import { RESERVATION_CONFIRMATION_DUE, RESERVATION_HOLD_EXPIRY, expireReservationHold, tellConfirmationOverdue } from '../app/reservations.js';
import { collectDueInstalment, INSTALMENT_COLLECT_TIMER } from '../app/instalment-collections.js';
import { endNoticePeriod, NOTICE_PERIOD_END_TIMER } from '../app/delivery-deadline.js';
import { applyDefaultAnswer, UNAVAILABILITY_ANSWER_DEADLINE } from '../app/unavailability.js';
import { REFUND_DUE_TIMER, REFUSED_KEPT_TIMER, refundDue, refusedKeepingOver, SEND_BACK_DUE_TIMER, sendBackDue } from '../app/returns.js';
import { expireStoreCredit, STORE_CREDIT_EXPIRY_TIMER } from '../app/store-credit.js';
import { GUARANTEE_ANSWER_DUE_TIMER, GUARANTEE_REMEDY_DUE_TIMER, tellGuaranteeAnswerOverdue, tellGuaranteeRemedyOverdue } from '../app/guarantee-claims.js';
import { EXCHANGE_PAYMENT_DUE_TIMER, expireExchangePayment } from '../app/postal-exchanges.js';
import { deleteExpiredCart } from '../store/carts.js';
import { productCardTimerKind, refreshProductCardOnTimer } from '../store/product-cards.js';

export function timerHandlers(): TimerHandlers {
  return {
    'cart.expire': deleteExpiredCart, // CA-2
    [productCardTimerKind]: refreshProductCardOnTimer, // PR-4 / PR-6: a scheduled price takes effect in the listing
    [BANK_TRANSFER_DEADLINE_TIMER]: cancelUnpaidTransferOrder, // PA-5: unpaid transfer → order cancelled, stock released
    [PAYMENT_WINDOW_TIMER]: cancelUnpaidCardOrder, // OR-3: card/wallet order unpaid after its window → cancelled, stock back on sale
    [FRAUD_REVIEW_DEADLINE]: cancelUnansweredReview, // PA-6: no answer to the review → order cancelled, stock released, money back
    [COLLECTION_WINDOW_TIMER]: expireCollectionWindow, // SH-7: a parcel not collected in its window → store pickup refunded less the fee; relay / post office sent back
    [DEFERRED_PAYMENT_DUE_TIMER]: remindOverdueDeferredPayment, // PA-7: a deferred invoice past its due date → reminder with the late-payment terms
    [RESERVATION_HOLD_EXPIRY]: expireReservationHold, // ST-1: the hold ended → units back on sale in the store, customer emailed
    [RESERVATION_CONFIRMATION_DUE]: tellConfirmationOverdue, // ST-1 (FR): not confirmed within 2 opening hours → customer emailed
    [SEND_BACK_DUE_TIMER]: sendBackDue, // WD-6: the customer's days to send the goods ended without goods or proof → reminded
    [REFUND_DUE_TIMER]: refundDue, // RF-1: a refund's legal due date passed unrefunded → recorded as overdue
    [REFUSED_KEPT_TIMER]: refusedKeepingOver, // WD-8: refused items kept for the customer until this day → return closed
    [INSTALMENT_COLLECT_TIMER]: collectDueInstalment, // PA-4: a share's day (or retry day) has come → its collection goes to the outbox
    [NOTICE_PERIOD_END_TIMER]: endNoticePeriod, // SH-4: the additional period of the customer's notice ended, not delivered → customer told they may terminate
    [UNAVAILABILITY_ANSWER_DEADLINE]: applyDefaultAnswer, // AV-1b / AV-1c: no answer about unavailable units by the last day → the policy's default: units cancelled (never charged or refunded), the rest ships
    [STORE_CREDIT_EXPIRY_TIMER]: expireStoreCredit, // RF-4: the credit's last day ended → what is left of it expires, customer emailed
    [GUARANTEE_ANSWER_DUE_TIMER]: tellGuaranteeAnswerOverdue, // GU-4 (EL): no answer to a dead-on-arrival / commercial claim within 48 h → merchant alerted
    [GUARANTEE_REMEDY_DUE_TIMER]: tellGuaranteeRemedyOverdue, // GU-1: no remedy within 30 days → customer told they may ask price reduction or termination, merchant alerted
    [EXCHANGE_PAYMENT_DUE_TIMER]: expireExchangePayment, // EX-1: the difference of a dearer exchange unpaid after 7 days (engine's choice) → exchange closed, replacement back on sale
  };
}
