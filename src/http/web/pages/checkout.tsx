// The checkout pages (OR-1 … OR-5): identification (CU-1), addresses, phone and
// delivery method (OR-2, SH-1…SH-3), then the summary of every line with the
// declarations (CU-2), the unticked terms checkbox (ID-2), the payment method
// (PA-1) and the final button (OR-1b); then the confirmation page (OR-5, PA-3,
// WD-4). Plain forms with a CSRF token: they work without JavaScript. Errors
// are shown next to their field (aria-invalid + aria-describedby).
import type { CartView } from '../../../app/cart.js';
import type { CustomerAddress } from '../../../app/customers.js';
import { addressLines, debitText, instalmentSharesText, legalDate, paymentMethodText, withdrawalFunctionText, withdrawalPeriodText } from '../../../app/order-emails.js';
import type { PaymentArrangements as PaymentArrangementsData } from '../../../app/payment-arrangements.js';
import { choiceValue, type PaymentChoice } from '../../../app/payment-choices.js';
import type { Order } from '../../../app/orders.js';
import type { CheckedAddress } from '../../../domain/customers/address-rules.js';
import { formatMoney, money, type Money } from '../../../domain/money.js';
import type { Period, Policy } from '../../../policy/schema.js';
import { checkoutError, checkoutMessages } from '../checkout-messages.js';
import { Layout, type ShopView } from '../layout.js';
import { orderStateLabel } from '../order-state-labels.js';
import type { OrderVatRate } from '../../../app/account-orders.js';
import { OrderLinesTable } from '../order-lines.js';
import { PaymentArrangements } from '../payment-arrangements.js';
import { OrderTotalsTable, TotalsTable } from '../totals-table.js';
import type { Language } from '../language.js';

export type AddressForm = { name: string; line1: string; line2: string; postalCode: string; city: string; region: string; country: string; phone: string };
export type CheckoutDetails = {
  email: string;
  delivery: AddressForm;
  billingSame: boolean;
  billing: AddressForm;
  shippingMethodId: string;
  /** SH-1 / SH-7: the relay point or store chosen, for those methods. */
  pickupPointId?: string;
  /** CU-1: a signed-in customer asked to keep the delivery address in the account. */
  saveAddress?: boolean;
};
/** Field name (as posted: `delivery.postalCode`, `email`, `terms`…) → error code. */
export type FieldErrors = Record<string, string>;

export const emptyAddress: AddressForm = { name: '', line1: '', line2: '', postalCode: '', city: '', region: '', country: '', phone: '' };


function Steps({ lang, current }: { lang: Language; current: 1 | 2 | 3 }) {
  const t = checkoutMessages[lang];
  return (
    <ol class="checkout-steps" aria-label={t.stepOf(current, 3)}>
      {t.steps.map((s, i) => (
        <li key={s} aria-current={i + 1 === current ? 'step' : undefined}>
          {s}
        </li>
      ))}
    </ol>
  );
}

function FieldError({ lang, id, code }: { lang: Language; id: string; code: string | undefined }) {
  if (!code) return null;
  return (
    <span class="error field-error" id={id} data-code={code}>
      {checkoutError(lang, code)}
    </span>
  );
}

function ErrorSummary({ lang, errors, general }: { lang: Language; errors: FieldErrors; general?: string | null | undefined }) {
  const t = checkoutMessages[lang];
  if (!general && Object.keys(errors).length === 0) return null;
  return (
    <p class="error" role="alert" data-code={general ?? undefined}>
      {general ? checkoutError(lang, general) : t.errorSummary}
    </p>
  );
}

function TextField(props: {
  lang: Language;
  name: string;
  label: string;
  value: string;
  errors: FieldErrors;
  required?: boolean;
  type?: string;
  autoComplete?: string;
  maxLength?: number;
}) {
  const t = checkoutMessages[props.lang];
  const error = props.errors[props.name];
  const errorId = `${props.name.replace('.', '-')}-error`;
  return (
    <label>
      {props.label}
      {props.required ? null : <span class="meta"> {t.optional}</span>}
      <input
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        autoComplete={props.autoComplete}
        maxLength={props.maxLength ?? 200}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? errorId : undefined}
      />
      <FieldError lang={props.lang} id={errorId} code={error} />
    </label>
  );
}

function AddressFields(props: { lang: Language; prefix: 'delivery' | 'billing'; value: AddressForm; errors: FieldErrors; countries: string[] | null; section: 'shipping' | 'billing' }) {
  const { lang, prefix, value, errors } = props;
  const t = checkoutMessages[lang];
  const countryName = new Intl.DisplayNames([lang], { type: 'region' });
  const ac = (x: string) => `${props.section} ${x}`;
  const countryError = errors[`${prefix}.country`];
  return (
    <>
      <TextField lang={lang} name={`${prefix}.name`} label={t.name} value={value.name} errors={errors} required autoComplete={ac('name')} />
      <TextField lang={lang} name={`${prefix}.line1`} label={t.line1} value={value.line1} errors={errors} required autoComplete={ac('address-line1')} />
      <TextField lang={lang} name={`${prefix}.line2`} label={t.line2} value={value.line2} errors={errors} autoComplete={ac('address-line2')} />
      <TextField lang={lang} name={`${prefix}.postalCode`} label={t.postalCode} value={value.postalCode} errors={errors} autoComplete={ac('postal-code')} maxLength={16} />
      <TextField lang={lang} name={`${prefix}.city`} label={t.city} value={value.city} errors={errors} required autoComplete={ac('address-level2')} maxLength={100} />
      <TextField lang={lang} name={`${prefix}.region`} label={t.region} value={value.region} errors={errors} autoComplete={ac('address-level1')} maxLength={100} />
      <label>
        {t.country}
        {props.countries ? (
          <select name={`${prefix}.country`} required aria-invalid={countryError ? 'true' : undefined} aria-describedby={countryError ? `${prefix}-country-error` : undefined}>
            <option value="">{t.chooseCountry}</option>
            {props.countries.map((c) => (
              <option key={c} value={c} selected={c === value.country}>
                {countryName.of(c) ?? c}
              </option>
            ))}
          </select>
        ) : (
          <input
            name={`${prefix}.country`}
            value={value.country}
            required
            pattern="[A-Za-z]{2}"
            maxLength={2}
            size={3}
            autoComplete={ac('country')}
            aria-invalid={countryError ? 'true' : undefined}
            aria-describedby={countryError ? `${prefix}-country-error` : undefined}
          />
        )}
        <FieldError lang={lang} id={`${prefix}-country-error`} code={countryError} />
      </label>
      <TextField lang={lang} name={`${prefix}.phone`} label={t.phone} value={value.phone} errors={errors} type="tel" autoComplete={ac('tel')} maxLength={40} required={prefix === 'delivery'} />
    </>
  );
}

// ---------------------------------------------------------------------------
// Step 1: identification (account required, CU-1)

export function IdentificationPage(props: { lang: Language; shop: ShopView }) {
  const { lang } = props;
  const t = checkoutMessages[lang];
  return (
    <Layout lang={lang} title={t.checkoutTitle} shop={props.shop} path="/checkout" area="store">
      <h1>{t.checkoutTitle}</h1>
      <Steps lang={lang} current={1} />
      <h2>{t.identification}</h2>
      <p>{t.accountRequired}</p>
      <p>
        <a class="button" href="/account/login?next=/checkout">
          {t.signIn}
        </a>{' '}
        <a class="button" href="/account/register?next=/checkout">
          {t.createAccount}
        </a>
      </p>
      <p class="meta">{t.afterRegister}</p>
    </Layout>
  );
}

// ---------------------------------------------------------------------------
// Step 2: addresses, phone, delivery method

export type DetailsPageProps = {
  lang: Language;
  shop: ShopView;
  csrfToken: string;
  /** The signed-in customer's email, or null for a guest (who gives one, CU-1). */
  customerEmail: string | null;
  guestAllowed: boolean;
  values: CheckoutDetails;
  errors: FieldErrors;
  general?: string | null | undefined;
  countries: string[] | null;
  view: CartView;
  /** CU-1: the signed-in customer's address book (empty for a guest), and the entries matching the form. */
  savedAddresses: CustomerAddress[];
  chosenSaved: { delivery: string | null; billing: string | null };
  /** SH-1 / SH-7: per method id, the relay points or stores offered for the delivery address. */
  pickupPoints: Record<string, { id: string; label: string }[]>;
};

/**
 * CU-1 stored addresses: radio buttons inside the details form; its own submit
 * button posts the whole form to /checkout/saved-address, which answers with
 * the form filled from the chosen entries (no JavaScript).
 */
function SavedAddresses({ lang, addresses, chosen }: { lang: Language; addresses: CustomerAddress[]; chosen: DetailsPageProps['chosenSaved'] }) {
  const t = checkoutMessages[lang];
  if (addresses.length === 0) return null;
  const entry = (a: CustomerAddress) => (
    <>
      {a.label ? <strong>{a.label} — </strong> : null}
      {addressLines(a).join(', ')}
    </>
  );
  return (
    <fieldset class="saved-addresses">
      <legend>{t.savedAddresses}</legend>
      <fieldset>
        <legend>{t.savedDelivery}</legend>
        {addresses.map((a) => (
          <label key={a.id} class="radio">
            <input type="radio" name="deliveryAddressId" value={a.id} checked={a.id === chosen.delivery} /> {entry(a)}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{t.savedBilling}</legend>
        <label class="radio">
          <input type="radio" name="billingAddressId" value="" checked={chosen.billing === null} /> {t.billingAsDelivery}
        </label>
        {addresses.map((a) => (
          <label key={a.id} class="radio">
            <input type="radio" name="billingAddressId" value={a.id} checked={a.id === chosen.billing} /> {entry(a)}
          </label>
        ))}
      </fieldset>
      <button type="submit" formAction="/checkout/saved-address">
        {t.useSaved}
      </button>
    </fieldset>
  );
}

export function DetailsPage(props: DetailsPageProps) {
  const { lang, values, errors, view } = props;
  const t = checkoutMessages[lang];
  const m = (x: Money) => formatMoney(x, lang);
  const methodError = errors['shippingMethodId'];
  return (
    <Layout lang={lang} title={t.checkoutTitle} shop={props.shop} path="/checkout" area="store">
      <h1>{t.checkoutTitle}</h1>
      <Steps lang={lang} current={2} />
      <ErrorSummary lang={lang} errors={errors} general={props.general} />
      <form method="post" action="/checkout/details" class="stack checkout-form" noValidate>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <fieldset>
          <legend>{t.identification}</legend>
          {props.customerEmail ? (
            <p>{t.signedInAs(props.customerEmail)}</p>
          ) : (
            <>
              <p>
                {t.guestOr}{' '}
                <span class="meta">
                  (<a href="/account/login?next=/checkout">{t.signIn}</a> · <a href="/account/register?next=/checkout">{t.createAccount}</a>)
                </span>
              </p>
              <TextField lang={lang} name="email" label={t.email} value={values.email} errors={errors} type="email" required autoComplete="email" maxLength={320} />
            </>
          )}
        </fieldset>
        <SavedAddresses lang={lang} addresses={props.savedAddresses} chosen={props.chosenSaved} />
        <fieldset>
          <legend>{t.deliveryAddress}</legend>
          <AddressFields lang={lang} prefix="delivery" value={values.delivery} errors={errors} countries={props.countries} section="shipping" />
          {props.customerEmail ? (
            <label class="checkbox">
              <input type="checkbox" name="saveAddress" value="1" checked={values.saveAddress === true} aria-describedby={errors['saveAddress'] ? 'saveAddress-error' : undefined} />{' '}
              {t.saveAddress}
              <FieldError lang={lang} id="saveAddress-error" code={errors['saveAddress']} />
            </label>
          ) : null}
        </fieldset>
        <fieldset>
          <legend>{t.billingAddress}</legend>
          <label class="checkbox">
            <input type="checkbox" name="billingSame" value="1" checked={values.billingSame} /> {t.sameBilling}
          </label>
          <AddressFields lang={lang} prefix="billing" value={values.billing} errors={errors} countries={null} section="billing" />
        </fieldset>
        <fieldset aria-describedby={methodError ? 'shippingMethodId-error' : undefined}>
          <legend>{t.method}</legend>
          <p class="meta">{t.methodHint}</p>
          {view.priced.shippingOptions.map((o) => (
            <label key={o.methodId} class="radio">
              <input type="radio" name="shippingMethodId" value={o.methodId} checked={o.methodId === (values.shippingMethodId || view.shippingMethodId)} /> {o.label[lang]} ({o.carrier}) —{' '}
              {o.free ? t.free : m(o.amount)}
              <span class="meta"> · {t.estimated(legalDate(o.estimate.earliest, lang), legalDate(o.estimate.latest, lang))}</span>
              {props.pickupPoints[o.methodId]?.length ? (
                <span class="pickup-point">
                  {' '}
                  <label>
                    {t.pickupPoint}{' '}
                    <select name={`pickupPoint_${o.methodId}`} aria-describedby={errors['pickupPointId'] ? 'pickupPointId-error' : undefined}>
                      <option value="">—</option>
                      {props.pickupPoints[o.methodId]!.map((p) => (
                        <option key={p.id} value={p.id} selected={p.id === values.pickupPointId}>
                          {p.label}
                        </option>
                      ))}
                    </select>
                  </label>
                </span>
              ) : null}
            </label>
          ))}
          <FieldError lang={lang} id="shippingMethodId-error" code={methodError} />
          <FieldError lang={lang} id="pickupPointId-error" code={errors['pickupPointId']} />
        </fieldset>
        <button type="submit">{t.continue}</button>
      </form>
      <p>
        <a href="/cart">{t.editCart}</a>
      </p>
    </Layout>
  );
}

// ---------------------------------------------------------------------------
// Step 3: summary, declarations, terms, payment, final button

export type SummaryPageProps = {
  lang: Language;
  shop: ShopView;
  csrfToken: string;
  view: CartView;
  images: Map<string, string>;
  details: { email: string; delivery: CheckedAddress; billing: CheckedAddress };
  minimumAge: number | null;
  minorsWithGuardianConsent: boolean;
  terms: { id: string; hash: string };
  paymentChoices: PaymentChoice[];
  /** RF-4: the signed-in customer's store credit usable on this order, or null. */
  storeCredit: Money | null;
  chosenPaymentMethod: string;
  buttonLabel: string;
  idempotencyKey: string;
  errors: FieldErrors;
  general?: string | null | undefined;
};

export function SummaryPage(props: SummaryPageProps) {
  const { lang, view, errors } = props;
  const t = checkoutMessages[lang];
  const priced = view.priced;
  const m = (x: Money) => formatMoney(x, lang);
  const facts = new Map(view.lines.map((l) => [l.variantId, l]));
  const shipping = priced.shipping;
  return (
    <Layout lang={lang} title={t.summary} shop={props.shop} path="/checkout/summary" area="store">
      <h1>{t.summary}</h1>
      <Steps lang={lang} current={3} />
      <ErrorSummary lang={lang} errors={errors} general={props.general} />
      <table class="cart-lines checkout-lines">
        <thead>
          <tr>
            <th scope="col">{t.photo}</th>
            <th scope="col">{t.product}</th>
            <th scope="col">{t.sku}</th>
            <th scope="col">{t.quantity}</th>
            <th scope="col">{t.unitPrice}</th>
            <th scope="col">{t.lineTotal}</th>
          </tr>
        </thead>
        <tbody>
          {priced.lines.map((line) => {
            const f = facts.get(line.variantId);
            const options = f ? Object.values(f.options).join(', ') : '';
            const image = props.images.get(line.productId);
            return (
              <tr key={line.lineId}>
                <td>{image ? <img src={`/media/${encodeURI(image)}`} alt="" width={64} height={64} loading="lazy" /> : null}</td>
                <td>
                  {line.name[lang]}
                  {options ? <span class="meta"> — {options}</span> : null}
                  {line.isGift ? <strong> ({t.gift})</strong> : null}
                </td>
                <td>{line.sku}</td>
                <td>{line.quantity}</td>
                <td>{m(line.unitPrice)}</td>
                <td>{m(line.lineTotal)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p>
        <a href="/cart">{t.editCart}</a>
      </p>
      <TotalsTable priced={priced} lang={lang} labels={{ ...t, shippingPending: '—' }} />
      {priced.vat.mention ? <p class="meta">{priced.vat.mention[lang]}</p> : null}

      <section aria-labelledby="delivery-title">
        <h2 id="delivery-title">{t.delivery}</h2>
        {shipping ? (
          <p>
            {shipping.label[lang]} ({shipping.carrier}) — {t.estimated(legalDate(shipping.estimate.earliest, lang), legalDate(shipping.estimate.latest, lang))}
          </p>
        ) : null}
        <h3>{t.deliveryAddress}</h3>
        <address>
          {addressLines(props.details.delivery).map((l, i) => (
            <span key={i}>
              {l}
              <br />
            </span>
          ))}
        </address>
        <h3>{t.billingAddress}</h3>
        <address>{addressLines(props.details.billing).join(', ')}</address>
        <p>
          {t.email}
          {lang === 'fr' ? '\u00a0: ' : ': '}
          {props.details.email}
        </p>
        <p>
          <a href="/checkout">{t.edit}</a>
        </p>
      </section>

      <form method="post" action="/checkout/place" class="stack checkout-form">
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <input type="hidden" name="idempotencyKey" value={props.idempotencyKey} />
        <input type="hidden" name="termsVersion" value={props.terms.id} />
        <input type="hidden" name="termsHash" value={props.terms.hash} />
        {props.minimumAge !== null ? (
          <fieldset>
            <legend>{t.declarations}</legend>
            <label class="checkbox">
              <input type="checkbox" name="ageDeclaration" value="1" aria-describedby={errors['ageDeclaration'] ? 'ageDeclaration-error' : undefined} /> {t.ageDeclaration(props.minimumAge)}
            </label>
            {props.minorsWithGuardianConsent ? (
              <label class="checkbox">
                <input type="checkbox" name="guardianConsent" value="1" /> {t.guardianConsent}
              </label>
            ) : null}
            <FieldError lang={lang} id="ageDeclaration-error" code={errors['ageDeclaration']} />
          </fieldset>
        ) : null}
        <fieldset>
          <legend>{t.termsLegend}</legend>
          <p>
            <a href="/terms" target="_blank" rel="noopener">
              {t.termsLink(props.terms.id)}
            </a>
            <br />
            <span class="meta">
              {t.termsHash} <code>{props.terms.hash}</code>
            </span>
          </p>
          <label class="checkbox">
            <input type="checkbox" name="acceptTerms" value="1" aria-invalid={errors['terms'] ? 'true' : undefined} aria-describedby={errors['terms'] ? 'terms-error' : undefined} />{' '}
            {t.termsAccept}
          </label>
          <FieldError lang={lang} id="terms-error" code={errors['terms']} />
        </fieldset>
        <fieldset>
          <legend>{t.paymentMethod}</legend>
          {props.paymentChoices.map((choice, i) => {
            const value = choiceValue(choice);
            return (
              <div key={value} class="payment-choice">
                <label class="radio">
                  <input type="radio" name="paymentMethod" value={value} checked={props.chosenPaymentMethod ? props.chosenPaymentMethod === value : i === 0} required />{' '}
                  {choice.method === 'instalments' ? t.instalmentsChoice(choice.count) : choice.method === 'deferred' ? t.deferredChoice(legalDate(choice.dueOn, lang)) : paymentMethodText(choice.method, lang)}
                </label>
                {choice.method === 'instalments' ? (
                  // PA-4: every share to the cent, the partner, the right to withdraw from the credit and the regulated warning.
                  <ul class="meta">
                    {instalmentSharesText(choice.partner, choice.shares, lang).map((line) => (
                      <li key={line}>{line}</li>
                    ))}
                  </ul>
                ) : null}
                {choice.method === 'deferred' ? <p class="meta">{t.deferredOutstanding(m(choice.outstanding), m(choice.creditLimit))}</p> : null}
              </div>
            );
          })}
          <FieldError lang={lang} id="paymentMethod-error" code={errors['paymentMethod']} />
          {props.storeCredit ? (
            <label class="checkbox">
              <input type="checkbox" name="storeCredit" value="1" /> {t.useStoreCredit(m(props.storeCredit))}
            </label>
          ) : null}
        </fieldset>
        <p class="meta">{t.finalHint}</p>
        <button type="submit" class="order-button">
          {props.buttonLabel}
        </button>
      </form>
    </Layout>
  );
}

// ---------------------------------------------------------------------------
// The confirmation page (OR-5)

export type ConfirmationPageProps = {
  lang: Language;
  shop: ShopView;
  order: Order;
  policy: Pick<Policy, 'payment'>;
  withdrawal: Period;
  paymentState: string | null;
  bankTransfer: { amount: Money; holder: string; iban: string; bic: string; reference: string; lastDay: string } | null;
  /** PA-4 / PA-7: the instalment plan or the deferred invoice's payment details. */
  arrangements: PaymentArrangementsData;
};

export function ConfirmationPage(props: ConfirmationPageProps) {
  const { lang, order } = props;
  const t = checkoutMessages[lang];
  const m = (amount: number) => formatMoney(money(amount, order.currency), lang);
  const colon = lang === 'fr' ? '\u00a0: ' : ': ';
  const shipping = order.shippingDetails as { label: { fr: string; en: string }; carrier?: string; estimate: { earliest: string; latest: string } };
  const vat = (Array.isArray(order.vatBreakdown) ? order.vatBreakdown : []) as OrderVatRate[];
  const path = `/checkout/confirmation/${order.number}`;
  return (
    <Layout lang={lang} title={t.confirmationTitle(order.number)} shop={props.shop} path={path} area="store">
      <h1>{t.confirmationTitle(order.number)}</h1>
      <p class="notice" role="status">
        {t.thanks}
      </p>
      <dl class="order-facts">
        <dt>{t.orderNumber}</dt>
        <dd data-order-number={order.number}>{order.number}</dd>
        <dt>{t.orderState}</dt>
        <dd data-order-state={order.state}>{orderStateLabel(lang, order.state)}</dd>
        <dt>{t.paymentMethod}</dt>
        <dd>{paymentMethodText(order.paymentMethod, lang)}</dd>
        <dt>{t.paymentState}</dt>
        <dd data-payment-state={props.paymentState ?? ''}>{props.paymentState ? (t.paymentStates[props.paymentState] ?? props.paymentState) : '—'}</dd>
      </dl>
      <p>{debitText(props.policy, order.paymentMethod, lang)}</p>
      <PaymentArrangements arrangements={props.arrangements} lang={lang} />
      {props.bankTransfer ? (
        <section aria-labelledby="transfer-title" class="bank-transfer">
          <h2 id="transfer-title">{t.transferTitle}</h2>
          <dl>
            <dt>{t.amount}</dt>
            <dd>{formatMoney(props.bankTransfer.amount, lang)}</dd>
            <dt>{t.holder}</dt>
            <dd>{props.bankTransfer.holder}</dd>
            <dt>IBAN</dt>
            <dd>{props.bankTransfer.iban}</dd>
            <dt>BIC</dt>
            <dd>{props.bankTransfer.bic}</dd>
            <dt>{t.reference}</dt>
            <dd>{props.bankTransfer.reference}</dd>
          </dl>
          <p>{t.transferDeadline(legalDate(props.bankTransfer.lastDay, lang))}</p>
        </section>
      ) : null}
      <OrderLinesTable order={order} lang={lang} labels={t} />
      <OrderTotalsTable order={order} vatBreakdown={vat} lang={lang} labels={t} />
      <section aria-labelledby="delivery-title">
        <h2 id="delivery-title">{t.delivery}</h2>
        <p>
          {shipping.label[lang]}
          {colon}
          {order.shipping === 0 ? t.free : m(order.shipping)} — {t.estimated(legalDate(shipping.estimate.earliest, lang), legalDate(shipping.estimate.latest, lang))}
        </p>
        <h3>{t.deliveryAddress}</h3>
        <address>{addressLines(order.deliveryAddress).join(', ')}</address>
        <h3>{t.yourDetails}</h3>
        <p>{order.email}</p>
      </section>
      <section aria-labelledby="withdrawal-title">
        <h2 id="withdrawal-title">{t.withdrawal}</h2>
        <p>{t.withdrawalPeriod(withdrawalPeriodText(props.withdrawal, lang))}</p>
        <p>{withdrawalFunctionText(lang, 'page')}</p>
      </section>
      <p class="meta">{t.emailSent(order.email)}</p>
    </Layout>
  );
}
