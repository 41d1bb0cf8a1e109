// CAT-2: the availability state of one variant, from its warehouse stock
// (online orders draw from the warehouse, CAT-6) and its restocking facts.

export type VariantAvailability =
  | { state: 'in_stock' }
  /** Awaiting stock: the customer may back-order and prepay when `backorderAllowed`, else join the back-in-stock alert list. */
  | { state: 'awaiting_stock'; expectedArrival: string | null; backorderAllowed: boolean }
  /** Cannot be ordered; the customer may join the back-in-stock alert list. */
  | { state: 'unavailable' };

export function variantAvailability(facts: { warehouseQuantity: number; expectedArrival: string | null; backorderAllowed: boolean }): VariantAvailability {
  if (facts.warehouseQuantity > 0) return { state: 'in_stock' };
  if (facts.expectedArrival !== null || facts.backorderAllowed) {
    return { state: 'awaiting_stock', expectedArrival: facts.expectedArrival, backorderAllowed: facts.backorderAllowed };
  }
  return { state: 'unavailable' };
}

/** CAT-2: what the customer may do with a variant. */
export function canAddToCart(availability: VariantAvailability): boolean {
  return availability.state === 'in_stock' || (availability.state === 'awaiting_stock' && availability.backorderAllowed);
}

/** CAT-2: the back-in-stock alert is offered for a variant that is not in stock. */
export function offersStockAlert(availability: VariantAvailability): boolean {
  return availability.state !== 'in_stock';
}
