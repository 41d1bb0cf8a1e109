// ST-1 (CAT-6): "Réserver en magasin / Reserve in store" on a product page,
// for a shop whose policy has `reservations` (FA, FR) and a variant some store
// has in stock: the stores that have it, the quantity, and the terms in a
// sentence (free, without obligation, paid in the store; how long it is held).
// It posts to POST /account/reservations (src/http/routes/reservations-pages.tsx),
// which asks a customer who is not signed in to sign in first.
import { holdRuleText, type StoreStock } from '../../app/reservations.js';
import type { Policy } from '../../policy/schema.js';
import type { Language } from './language.js';

/** What the product page needs: the policy's rules and, per variant id, the stores that have it. */
export type ReserveInStoreView = { rules: NonNullable<Policy['reservations']>; stores: ReadonlyMap<string, readonly StoreStock[]> };

const text = {
  fr: {
    legend: 'Réserver en magasin',
    free: 'Gratuit et sans obligation d’achat : vous payez en magasin.',
    confirm: (hours: number) => `Le magasin confirme sous ${hours} heures d’ouverture.`,
    held: (rule: string) => `Article gardé ${rule}.`,
    limit: (n: number) => `${n} articles différents au plus.`,
    store: 'Magasin',
    inStock: (n: number) => `${n} en stock`,
    quantity: 'Quantité',
    submit: 'Réserver',
    account: 'Un compte client est nécessaire.',
  },
  en: {
    legend: 'Reserve in store',
    free: 'Free and without obligation to buy: you pay in the store.',
    confirm: (hours: number) => `The store confirms within ${hours} opening hours.`,
    held: (rule: string) => `Held for ${rule}.`,
    limit: (n: number) => `At most ${n} different items.`,
    store: 'Store',
    inStock: (n: number) => `${n} in stock`,
    quantity: 'Quantity',
    submit: 'Reserve',
    account: 'A customer account is needed.',
  },
} as const;

export function ReserveInStoreForm(props: { lang: Language; variantId: string; csrfToken: string; view: ReserveInStoreView }) {
  const stores = props.view.stores.get(props.variantId) ?? [];
  if (stores.length === 0) return null;
  const t = text[props.lang];
  const { rules } = props.view;
  const max = Math.min(99, Math.max(...stores.map((s) => s.quantity)));
  return (
    <form method="post" action="/account/reservations" class="reserve-in-store" data-variant-id={props.variantId}>
      <fieldset>
        <legend>{t.legend}</legend>
        <p class="meta">
          {[t.free, rules.confirmationWithinHours ? t.confirm(rules.confirmationWithinHours) : null, t.held(holdRuleText(rules.hold, props.lang)), rules.maxDistinctItems ? t.limit(rules.maxDistinctItems) : null, t.account]
            .filter((x): x is string => x !== null)
            .join(' ')}
        </p>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <input type="hidden" name="variantId" value={props.variantId} />
        <label>
          {t.store}{' '}
          <select name="store" required>
            {stores.map((s) => (
              <option key={s.code} value={s.code}>
                {s.name} — {t.inStock(s.quantity)}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          {t.quantity} <input type="number" name="quantity" value="1" min={1} max={max} required size={3} />
        </label>{' '}
        <button type="submit">{t.submit}</button>
      </fieldset>
    </form>
  );
}
