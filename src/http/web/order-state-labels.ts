// What the customer reads for each order state (issue 4 §8), in FR and EN —
// one map for every customer-facing page. `satisfies Record<OrderState, …>`:
// a state added to the lifecycle (src/domain/orders/order-lifecycle.ts) without
// its label fails the typecheck here. `on_hold` stays neutral (CU-4, PA-6: the
// merchant's reason is never shown to the customer).
import type { OrderState } from '../../domain/orders/order-lifecycle.js';
import type { Language } from './language.js';

const orderStateLabels = {
  fr: {
    awaiting_payment: 'En attente de paiement',
    awaiting_transfer: 'En attente de votre virement',
    financed: 'Financée (paiement en plusieurs fois)',
    payment_deferred: 'Paiement à l’échéance de la facture',
    paid: 'Payée',
    payment_failed: 'Paiement refusé',
    on_hold: 'En cours de vérification',
    cancelled: 'Annulée',
  },
  en: {
    awaiting_payment: 'Awaiting payment',
    awaiting_transfer: 'Awaiting your transfer',
    financed: 'Financed (paid in instalments)',
    payment_deferred: 'To be paid by the invoice due date',
    paid: 'Paid',
    payment_failed: 'Payment refused',
    on_hold: 'Being checked',
    cancelled: 'Cancelled',
  },
} as const satisfies Record<Language, Record<OrderState, string>>;

export const orderStateLabel = (lang: Language, state: OrderState): string => orderStateLabels[lang][state];
