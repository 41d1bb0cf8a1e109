// CAT-2: the back-in-stock alert form, for a product page showing a variant
// that is not in stock (and a shop whose policy offers the alert list,
// `catalogue.backInStockAlerts`). It posts to POST /stock-alerts
// (src/http/routes/stock-alerts.ts), which redirects back to `returnTo` with
// `?stockAlert=<outcome>#stock-alert`; pass that outcome as `outcome` to show
// the confirmation or the error.
import type { Language } from './language.js';
import { messages } from './messages.js';

export const stockAlertOutcomes = ['subscribed', 'invalid_email', 'in_stock', 'not_found', 'not_offered'] as const;
export type StockAlertOutcome = (typeof stockAlertOutcomes)[number];

/** The `stockAlert` query parameter of the page, if it is one of ours. */
export function stockAlertOutcome(query: unknown): StockAlertOutcome | undefined {
  const value = (query as Record<string, unknown> | undefined)?.stockAlert;
  return (stockAlertOutcomes as readonly unknown[]).includes(value) ? (value as StockAlertOutcome) : undefined;
}

export function StockAlertForm(props: { lang: Language; variantId: string; csrfToken: string; returnTo: string; outcome?: StockAlertOutcome | undefined }) {
  const t = messages[props.lang].stockAlert;
  return (
    <form method="post" action="/stock-alerts" id="stock-alert" class="stock-alert">
      <fieldset>
        <legend>{t.legend}</legend>
        {props.outcome ? <p role={props.outcome === 'subscribed' ? 'status' : 'alert'}>{t[props.outcome]}</p> : null}
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <input type="hidden" name="variantId" value={props.variantId} />
        <input type="hidden" name="language" value={props.lang} />
        <input type="hidden" name="returnTo" value={props.returnTo} />
        <label>
          {t.email} <input type="email" name="email" required autocomplete="email" maxLength={254} />
        </label>{' '}
        <button type="submit">{t.submit}</button>
      </fieldset>
    </form>
  );
}
