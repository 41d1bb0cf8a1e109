import type { LoadedShop } from '../../policy/loader.js';
import type { ShopView } from './layout.js';

/** The identity lines every page carries (ID-1, ID-5). */
export function shopView(shop: LoadedShop): ShopView {
  const id = shop.policy.identity;
  const office = id.headOffice;
  return {
    id: shop.id,
    name: id.tradingName,
    legalLines: [
      `${id.companyName} ${id.legalForm}`,
      `${id.registry.kind} ${id.registry.city} ${id.registry.number}`,
      [office.line1, office.line2, `${office.postalCode} ${office.city}`, office.country].filter(Boolean).join(', '),
      id.vatNumber ? `TVA ${id.vatNumber}` : undefined,
    ].filter((x): x is string => Boolean(x)),
    customerService: `${id.customerService.email} · ${id.customerService.phone}`,
    // ID-5: the linter reports a policy without a mediator as an error.
    mediator: shop.policy.mediator ?? { name: '—', website: '' },
  };
}
