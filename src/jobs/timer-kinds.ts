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
import { cancelUnansweredReview, cancelUnpaidCardOrder, cancelUnpaidTransferOrder } from '../app/order-cancellation.js';
import { remindOverdueDeferredPayment } from '../app/deferred-payments.js';
import { BANK_TRANSFER_DEADLINE_TIMER, DEFERRED_PAYMENT_DUE_TIMER } from '../app/payments.js';
import { deleteExpiredCart } from '../store/carts.js';
import { productCardTimerKind, refreshProductCardOnTimer } from '../store/product-cards.js';

export function timerHandlers(): TimerHandlers {
  return {
    'cart.expire': deleteExpiredCart, // CA-2
    [productCardTimerKind]: refreshProductCardOnTimer, // PR-4 / PR-6: a scheduled price takes effect in the listing
    [BANK_TRANSFER_DEADLINE_TIMER]: cancelUnpaidTransferOrder, // PA-5: unpaid transfer → order cancelled, stock released
    [PAYMENT_WINDOW_TIMER]: cancelUnpaidCardOrder, // OR-3: card/wallet order unpaid after its window → cancelled, stock back on sale
    [FRAUD_REVIEW_DEADLINE]: cancelUnansweredReview, // PA-6: no answer to the review → order cancelled, stock released, money back
    [DEFERRED_PAYMENT_DUE_TIMER]: remindOverdueDeferredPayment, // PA-7: a deferred invoice past its due date → reminder with the late-payment terms
  };
}
