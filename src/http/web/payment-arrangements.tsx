// How an order is paid, as the customer reads it on the confirmation page and
// in the account: the instalment plan with every share (PA-4, with the credit
// warning) or the deferred invoice's due date, account and reference (PA-7).
import { instalmentSharesText, legalDate } from '../../app/order-emails.js';
import type { PaymentArrangements as Arrangements } from '../../app/payment-arrangements.js';
import { checkoutMessages } from './checkout-messages.js';
import type { Language } from './language.js';

export function PaymentArrangements({ arrangements, lang }: { arrangements: Arrangements; lang: Language }) {
  const t = checkoutMessages[lang];
  const { instalments, deferred } = arrangements;
  return (
    <>
      {instalments ? (
        <ul class="instalments">
          {instalmentSharesText(instalments.partner, instalments.shares, lang).map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}
      {deferred ? (
        <section class="deferred-due">
          <p>{t.deferredDue(legalDate(deferred.dueOn, lang), deferred.reference)}</p>
          <dl>
            <dt>{t.holder}</dt>
            <dd>{deferred.holder}</dd>
            <dt>IBAN</dt>
            <dd>{deferred.iban}</dd>
            <dt>BIC</dt>
            <dd>{deferred.bic}</dd>
          </dl>
        </section>
      ) : null}
    </>
  );
}
