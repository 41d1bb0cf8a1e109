// PA-1: the ways an order can be paid. One list, read by the order, the
// invoice, the APIs and the pages, so a method added here fails the type check
// wherever it is not yet handled.
export const ORDER_PAYMENT_METHODS = [
  'card',
  'wallet',
  'bank_transfer', // PA-5
  'instalments', // PA-4: through the financing partner
  'deferred', // PA-1/PA-7: authorised professionals pay by the invoice's due date
  'store_credit', // RF-4: the customer's store credit covers the whole order (a part of it: a payment row beside the method of the rest)
] as const;
export type OrderPaymentMethod = (typeof ORDER_PAYMENT_METHODS)[number];
