import type { LoadedShop } from '../../policy/loader.js';
import type { ShopView } from './layout.js';

/** The identity lines every page carries (ID-1, ID-5). */
export function shopView(shop: LoadedShop): ShopView {
  const id = shop.policy.identity;
  return {
    id: shop.id,
    name: id.tradingName,
    legalLines: [id.companyName, id.legalForm, id.registration, id.headOffice, id.vatNumber].filter((x): x is string => Boolean(x)),
    customerService: id.customerService,
    mediator: shop.policy.mediator,
  };
}
