// Storefront checkout (issue 4 §2, §8; OR-1 … OR-5). Plain CSRF-protected forms:
//
//   GET  /checkout                      identification (CU-1) or addresses, phone, delivery method
//                                       (a customer's default saved addresses filled in, CU-1)
//   POST /checkout/saved-address        the same form filled from the chosen saved addresses (no JavaScript)
//   POST /checkout/details              checked with the address rules (OR-2); errors next to each field;
//                                       the cart's destination and method set; kept in the session;
//                                       the delivery address saved in the account when asked (CU-1)
//   GET  /checkout/summary              every line, totals, declarations (CU-2), unticked terms box (ID-2),
//                                       payment method (PA-1), the final button (OR-1b), an idempotency key
//   POST /checkout/place                placeOrder → the provider's hosted page, or the confirmation
//   GET  /checkout/return?payment=…     back from the provider → the confirmation
//   GET  /checkout/confirmation/:number the customer's own order, or a guest's through the short-lived
//                                       order cookie (its access token)
//
// The JSON backbone is routes/order-api.ts; both call the same use case.
import { formField } from '../web/form.js';
import { needsPickupPoint, pickupPointsFor, resolvePickupPoint } from '../../app/pickup-points.js';
import { randomUUID } from 'node:crypto';
import { storeCreditOf } from '../../app/store-credit.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { viewCart, chooseDestination, quoteShipping, type CartView } from '../../app/cart.js';
import { firstProductImages } from '../../app/checkout.js';
import type { AppContext } from '../../app/context.js';
import { findSavedAddress, listAddresses, saveAddressOnce, type CustomerAccount, type CustomerAddress } from '../../app/customers.js';
import { getOrderFor, placeOrder } from '../../app/orders.js';
import { parseChoiceValue, paymentChoices } from '../../app/payment-choices.js';
import { listPaymentsFor } from '../../app/payments.js';
import { paymentArrangementsOf } from '../../app/payment-arrangements.js';
import { listTermsVersions } from '../../app/terms.js';
import { checkAddress, type AddressInput, type CheckedAddress } from '../../domain/customers/address-rules.js';
import { minimumAgeFor } from '../../domain/customers/eligibility.js';
import { DomainError } from '../../domain/errors.js';
import { effectiveOrderButtonLabel, effectiveWithdrawalPeriod } from '../../domain/legal-floor.js';
import { money } from '../../domain/money.js';
import { versionInForce } from '../../domain/terms-versions.js';
import { destinationCountries, methodServes } from '../../policy/schema.js';
import { cartTokenOf, keepCartCookie } from '../cart-session.js';
import { identifyCustomer } from '../customer-auth.js';
import { resolveLanguage, type Language } from '../web/language.js';
import {
  ConfirmationPage,
  DetailsPage,
  emptyAddress,
  IdentificationPage,
  SummaryPage,
  type AddressForm,
  type CheckoutDetails,
  type FieldErrors,
} from '../web/pages/checkout.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';

declare module '@fastify/secure-session' {
  interface SessionData {
    /** What the customer typed at step 2, until the order is placed. */
    checkoutDetails: CheckoutDetails;
  }
}

/** `<number>.<guest access token>` of the order just placed, for its confirmation page (2 h, /checkout only). */
export const ORDER_COOKIE = 'comptoir_order';
const ORDER_COOKIE_SECONDS = 2 * 60 * 60;

const field = (body: unknown, name: string): string => formField(body, name).slice(0, 400);
const emailPattern = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const addressKeys = ['name', 'line1', 'line2', 'postalCode', 'city', 'region', 'country', 'phone'] as const;

const readAddress = (body: unknown, prefix: string): AddressForm =>
  Object.fromEntries(addressKeys.map((k) => [k, k === 'country' ? field(body, `${prefix}.${k}`).toUpperCase() : field(body, `${prefix}.${k}`)])) as AddressForm;
const toInput = (a: AddressForm): AddressInput => ({ ...a, line2: a.line2 || null, region: a.region || null, phone: a.phone || null });
/** A saved address (CU-1) as the form's fields. */
const toForm = (a: CheckedAddress): AddressForm => Object.fromEntries(addressKeys.map((k) => [k, a[k] ?? ''])) as AddressForm;

export const checkoutPageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const policy = ctx.shop.policy;
  const shop = { id: ctx.shop.id, policy };
  const orderShop = { id: ctx.shop.id, policy, policyHash: ctx.shop.policyHash };
  const view = shopView(ctx.shop);
  const served = destinationCountries(policy);
  const countries = served === 'worldwide' ? null : [...served];
  const guestAllowed = policy.customers.account === 'guest_allowed';
  const now = () => ctx.clock.now();
  const csrf = { preHandler: app.csrfProtection };

  /** The cart priced for `country` (options of that country), without saving anything when it is not the cart's. */
  const cartFor = async (request: FastifyRequest, country: string | null): Promise<CartView> => {
    const cart = await viewCart(ctx.db, { shop, token: cartTokenOf(request), now: await now() });
    if (!country || country === cart.destinationCountry) return cart;
    try {
      const quote = await quoteShipping(ctx.db, { shop, token: cartTokenOf(request), country, now: await now() });
      return { ...cart, priced: { ...cart.priced, shippingOptions: quote.options } };
    } catch (error) {
      if (error instanceof DomainError) return cart;
      throw error;
    }
  };

  // ---- Step 1 and 2 ----
  const addressBook = async (customer: CustomerAccount | null): Promise<CustomerAddress[]> => (customer ? listAddresses(ctx.db, { shopId: shop.id, customerId: customer.id }) : []);
  /** CU-1: the saved entry equal to what the form holds (after the OR-2 normalisation), or null. */
  const entryOf = (book: CustomerAddress[], form: AddressForm, purpose: 'delivery' | 'billing') => findSavedAddress(policy, book, toInput(form), purpose)?.id ?? null;
  const renderDetails = async (
    request: FastifyRequest,
    reply: FastifyReply,
    input: { values: CheckoutDetails; errors: FieldErrors; general?: string | null; cart?: CartView; book?: CustomerAddress[] },
    status = 200,
  ) => {
    const lang = resolveLanguage(request, reply);
    const customer = await identifyCustomer(ctx, request).catch(() => null);
    const cart = input.cart ?? (await cartFor(request, input.values.delivery.country || null));
    const book = input.book ?? (await addressBook(customer));
    // SH-1 / SH-7: the points offered for the address typed, per method that needs one.
    const pickupPoints: Record<string, { id: string; label: string }[]> = {};
    const country = input.values.delivery.country || cart.destinationCountry || '';
    for (const option of country ? cart.priced.shippingOptions : []) {
      const method = policy.shipping.methods.find((m) => m.id === option.methodId);
      if (method && needsPickupPoint(method.kind)) pickupPoints[method.id] = await pickupPointsFor(ctx.db, ctx.carrier, { shopId: shop.id, method, country, postalCode: input.values.delivery.postalCode });
    }
    // The entries matching the form are ticked; otherwise the defaults (CU-1).
    const chosenSaved = {
      delivery: entryOf(book, input.values.delivery, 'delivery') ?? book.find((a) => a.isDefaultDelivery)?.id ?? null,
      billing: input.values.billingSame ? null : (entryOf(book, input.values.billing, 'billing') ?? book.find((a) => a.isDefaultBilling)?.id ?? null),
    };
    return sendPage(
      reply,
      <DetailsPage
        lang={lang}
        shop={view}
        csrfToken={reply.generateCsrf()}
        customerEmail={customer?.email ?? null}
        guestAllowed={guestAllowed}
        values={input.values}
        errors={input.errors}
        general={input.general}
        countries={countries}
        pickupPoints={pickupPoints}
        view={cart}
        savedAddresses={book}
        chosenSaved={chosenSaved}
      />,
      status,
    );
  };

  /** What the details form posted (a customer's email is the account's, CU-1). */
  const postedDetails = (body: unknown, customer: CustomerAccount | null): CheckoutDetails => ({
    email: customer ? customer.email : field(body, 'email'),
    delivery: readAddress(body, 'delivery'),
    billingSame: field(body, 'billingSame') === '1',
    billing: readAddress(body, 'billing'),
    shippingMethodId: field(body, 'shippingMethodId'),
    pickupPointId: field(body, `pickupPoint_${field(body, 'shippingMethodId')}`),
    saveAddress: customer !== null && field(body, 'saveAddress') === '1',
  });

  app.get('/checkout', async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const cart = await viewCart(ctx.db, { shop, token: cartTokenOf(request), now: await now() });
    if (cart.priced.lines.length === 0) return reply.redirect('/cart', 303);
    const customer = await identifyCustomer(ctx, request).catch(() => null);
    if (!customer && !guestAllowed) return sendPage(reply, <IdentificationPage lang={lang} shop={view} />); // CU-1
    const saved = request.session.get('checkoutDetails');
    const fallbackCountry = cart.destinationCountry ?? (countries === null || countries.includes(policy.shop.dispatchCountry) ? policy.shop.dispatchCountry : '');
    const book = await addressBook(customer);
    // CU-1: the account's default delivery and billing addresses, filled in.
    const defaultDelivery = book.find((a) => a.isDefaultDelivery);
    const defaultBilling = book.find((a) => a.isDefaultBilling && a.id !== defaultDelivery?.id);
    const values: CheckoutDetails = saved ?? {
      email: '',
      delivery: defaultDelivery ? toForm(defaultDelivery) : { ...emptyAddress, name: customer?.name ?? '', country: fallbackCountry },
      billingSame: !defaultBilling,
      billing: defaultBilling ? toForm(defaultBilling) : emptyAddress,
      shippingMethodId: cart.shippingMethodId ?? '',
    };
    return renderDetails(request, reply, { values, errors: {}, book });
  });

  // CU-1: the chosen saved addresses fill the form (what else was typed stays); nothing is checked nor kept yet.
  app.post('/checkout/saved-address', csrf, async (request, reply) => {
    const b = request.body;
    const customer = await identifyCustomer(ctx, request).catch(() => null);
    if (!customer) return reply.redirect('/checkout', 303);
    const book = await addressBook(customer);
    const values = postedDetails(b, customer);
    const deliveryId = field(b, 'deliveryAddressId');
    const billingId = field(b, 'billingAddressId');
    const delivery = book.find((a) => a.id === deliveryId);
    const billing = book.find((a) => a.id === billingId);
    if (delivery) values.delivery = toForm(delivery);
    values.billingSame = !billing;
    if (billing) values.billing = toForm(billing);
    // Another customer's (or a deleted) address: the same answer as for none (CU-1: scoped to the account).
    const unknown = (deliveryId !== '' && !delivery) || (billingId !== '' && !billing);
    return renderDetails(request, reply, { values, errors: {}, book, general: unknown ? 'address.not_found' : null }, unknown ? 404 : 200);
  });

  app.post('/checkout/details', csrf, async (request, reply) => {
    const b = request.body;
    const customer = await identifyCustomer(ctx, request).catch(() => null);
    if (!customer && !guestAllowed) return reply.redirect('/checkout', 303);
    const values = postedDetails(b, customer);
    const errors: FieldErrors = {};
    if (!customer && (!emailPattern.test(values.email) || values.email.length > 320)) errors['email'] = 'checkout.invalid_email'; // CU-1
    // OR-2: every problem of each address, next to its field.
    for (const p of checkAddress(policy, toInput(values.delivery), 'delivery').problems) errors[`delivery.${p.field}`] ??= p.code;
    if (!values.delivery.phone) errors['delivery.phone'] ??= 'address.required'; // OR-1: a phone for the carrier
    if (!values.billingSame) for (const p of checkAddress(policy, toInput(values.billing), 'billing').problems) errors[`billing.${p.field}`] ??= p.code;

    let cart: CartView | undefined;
    if (!errors['delivery.country']) {
      const country = values.delivery.country;
      const method = policy.shipping.methods.find((m) => m.id === values.shippingMethodId);
      try {
        const change = await chooseDestination(ctx.db, { shop, token: cartTokenOf(request), now: await now(), country, shippingMethodId: method && methodServes(method, country) ? method.id : null });
        keepCartCookie(ctx, reply, change);
        cart = change.view;
        if (!change.view.shippingMethodId) errors['shippingMethodId'] = 'checkout.method_required';
        else values.shippingMethodId = change.view.shippingMethodId;
        // SH-1 / SH-7: a relay point or store method needs a point offered for this address.
        if (change.view.shippingMethodId && !errors['delivery.postalCode']) {
          try {
            const chosen = policy.shipping.methods.find((m) => m.id === change.view.shippingMethodId);
            await resolvePickupPoint(ctx.db, ctx.carrier, { shopId: shop.id, method: chosen, country, postalCode: values.delivery.postalCode, pickupPointId: values.pickupPointId });
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            errors['pickupPointId'] = error.code;
          }
        }
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        errors['delivery.country'] = error.code;
      }
    }
    if (customer && values.saveAddress && Object.keys(errors).length === 0) {
      try {
        await saveAddressOnce(ctx.db, { shop, customerId: customer.id, address: toInput(values.delivery), now: await now() }); // CU-1
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        errors['saveAddress'] = error.code; // address.too_many
      }
    }
    if (Object.keys(errors).length > 0) return renderDetails(request, reply, { values, errors, ...(cart ? { cart } : {}) }, 422);
    request.session.set('checkoutDetails', values);
    return reply.redirect('/checkout/summary', 303);
  });

  // ---- Step 3 ----
  /** The summary, or where to go instead when a step is missing. */
  const renderSummary = async (
    request: FastifyRequest,
    reply: FastifyReply,
    input: { errors: FieldErrors; general?: string | null; idempotencyKey?: string; paymentMethod?: string },
    status = 200,
  ) => {
    const lang = resolveLanguage(request, reply);
    const at = await now();
    const cart = await viewCart(ctx.db, { shop, token: cartTokenOf(request), now: at });
    if (cart.priced.lines.length === 0) return reply.redirect('/cart', 303);
    const customer = await identifyCustomer(ctx, request).catch(() => null);
    const details = request.session.get('checkoutDetails');
    if ((!customer && !guestAllowed) || !details) return reply.redirect('/checkout', 303);
    const delivery = checkAddress(policy, toInput(details.delivery), 'delivery');
    const billing = details.billingSame ? delivery : checkAddress(policy, toInput(details.billing), 'billing');
    if (delivery.problems.length > 0 || billing.problems.length > 0 || !cart.shippingMethodId || cart.destinationCountry !== delivery.address.country) {
      return reply.redirect('/checkout', 303); // OR-1: back to correct the input
    }
    const terms = versionInForce(await listTermsVersions(ctx.db, shop.id), at);
    if (!terms) throw new DomainError('checkout.terms_outdated', { field: 'acceptedTerms', rule: 'ID-2' });
    const images = await firstProductImages(ctx.db, cart.priced.lines.map((l) => l.productId));
    // PA-1 / PA-4 / PA-7: what this customer may choose for this total.
    const choices = await paymentChoices(ctx.db, { shopId: shop.id, policy, customer, total: cart.priced.total, billingCountry: billing.address.country, now: at });
    // RF-4: the customer's store credit in the cart's currency, usable first.
    const credit = customer ? (await storeCreditOf(ctx.db, { shopId: shop.id, customerId: customer.id, timeZone: policy.shop.timeZone, now: at })).balances.find((b) => b.currency === cart.priced.total.currency) : undefined;
    return sendPage(
      reply,
      <SummaryPage
        lang={lang}
        shop={view}
        csrfToken={reply.generateCsrf()}
        view={cart}
        images={images}
        details={{ email: customer?.email ?? details.email, delivery: delivery.address, billing: billing.address }}
        minimumAge={minimumAgeFor(policy, delivery.address.country)}
        minorsWithGuardianConsent={policy.customers.age.minorsWithGuardianConsent}
        terms={{ id: terms.id, hash: terms.hash[lang] }}
        paymentChoices={choices}
        storeCredit={credit && credit.amount > 0 ? money(credit.amount, credit.currency) : null}
        chosenPaymentMethod={input.paymentMethod ?? ''}
        buttonLabel={effectiveOrderButtonLabel(policy, lang).applied} // OR-1b
        idempotencyKey={input.idempotencyKey ?? `checkout-${randomUUID()}`}
        errors={input.errors}
        general={input.general}
      />,
      status,
    );
  };

  app.get('/checkout/summary', async (request, reply) => renderSummary(request, reply, { errors: {} }));

  app.post('/checkout/place', { ...csrf, config: { rateLimit: { max: 20, timeWindow: '1 minute' } } }, async (request, reply) => {
    const b = request.body;
    const lang: Language = resolveLanguage(request, reply);
    const details = request.session.get('checkoutDetails');
    if (!details) return reply.redirect('/checkout', 303);
    const customer = await identifyCustomer(ctx, request).catch(() => null);
    const idempotencyKey = field(b, 'idempotencyKey') || `checkout-${randomUUID()}`;
    const paymentMethod = field(b, 'paymentMethod');
    const errors: FieldErrors = {};
    // ID-2 / OR-1: the box is never ticked for the customer; no tick, no order.
    if (field(b, 'acceptTerms') !== '1') errors['terms'] = 'checkout.terms_required';
    // CU-2: the declaration the shop asks for this destination.
    const minimumAge = minimumAgeFor(policy, details.delivery.country);
    const ageTicked = field(b, 'ageDeclaration') === '1';
    const consent = policy.customers.age.minorsWithGuardianConsent && field(b, 'guardianConsent') === '1';
    if (minimumAge !== null && !ageTicked && !consent) errors['ageDeclaration'] = 'customer.age_declaration_required';
    const choice = parseChoiceValue(paymentMethod);
    if (!choice) errors['paymentMethod'] = 'payment.method_not_offered';
    if (Object.keys(errors).length > 0) return renderSummary(request, reply, { errors, idempotencyKey, paymentMethod }, 422);

    try {
      const placed = await placeOrder(ctx.db, {
        shop: orderShop,
        provider: ctx.payments?.provider,
        cartToken: cartTokenOf(request),
        customerId: customer?.id ?? null,
        email: details.email,
        deliveryAddress: toInput(details.delivery),
        billingAddress: details.billingSame ? null : toInput(details.billing),
        shippingMethodId: details.shippingMethodId,
        pickupPoint: await resolvePickupPoint(ctx.db, ctx.carrier, {
          shopId: shop.id,
          method: policy.shipping.methods.find((m) => m.id === details.shippingMethodId),
          country: details.delivery.country,
          postalCode: details.delivery.postalCode,
          pickupPointId: details.pickupPointId,
        }),
        paymentMethod: choice!.paymentMethod,
        instalmentCount: choice!.instalmentCount,
        storeCredit: field(b, 'storeCredit') === '1',
        financing: ctx.payments?.financing,
        acceptedTerms: { versionId: field(b, 'termsVersion'), hash: field(b, 'termsHash'), language: lang },
        declarations: { age: minimumAge === null ? null : { meetsMinimumAge: ageTicked, guardianConsent: consent } },
        idempotencyKey,
        returnUrl: '/checkout/return',
        now: await now(),
      });
      const number = placed.order.number;
      request.session.set('checkoutDetails', undefined);
      if (placed.created || !customer) {
        reply.setCookie(ORDER_COOKIE, `${number}.${placed.accessToken ?? ''}`, { path: '/checkout', httpOnly: true, sameSite: 'lax', secure: ctx.config.cookieSecure, maxAge: ORDER_COOKIE_SECONDS });
      }
      if (placed.redirectUrl) {
        // The sandbox PSP is served by this server: follow it on the host the customer uses.
        const sameServer = placed.redirectUrl.startsWith(`${ctx.config.publicUrl}/`);
        return reply.redirect(sameServer ? placed.redirectUrl.slice(ctx.config.publicUrl.length) : placed.redirectUrl, 303);
      }
      return reply.redirect(`/checkout/confirmation/${encodeURIComponent(number)}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const field = typeof error.details['field'] === 'string' ? error.details['field'] : '';
      if (/^(deliveryAddress|billingAddress|email|shippingMethodId)/.test(field)) {
        // OR-1: back to the step where it can be corrected.
        return renderDetails(request, reply, { values: details, errors: {}, general: error.code }, 422);
      }
      const status = error.code === 'order.sold_out' ? 409 : 422;
      return renderSummary(request, reply, { errors: {}, general: error.code, paymentMethod, ...(error.code === 'checkout.terms_outdated' ? {} : { idempotencyKey }) }, status);
    }
  });

  // ---- Back from the provider, and the confirmation ----
  const orderCookie = (request: FastifyRequest): { number: string; token: string } | null => {
    const raw = request.cookies[ORDER_COOKIE];
    const match = raw ? /^([A-Z0-9-]{1,40})\.([\w-]{0,100})$/.exec(raw) : null;
    return match ? { number: match[1]!, token: match[2]! } : null;
  };

  app.get('/checkout/return', async (request, reply) => {
    const placed = orderCookie(request);
    if (!placed) return reply.redirect('/account', 303);
    const payment = (request.query as { payment?: unknown }).payment;
    const query = typeof payment === 'string' && /^[\w-]{1,100}$/.test(payment) ? `?payment=${encodeURIComponent(payment)}` : '';
    return reply.redirect(`/checkout/confirmation/${encodeURIComponent(placed.number)}${query}`, 303);
  });

  app.get('/checkout/confirmation/:number', async (request, reply) => {
    const lang = resolveLanguage(request, reply);
    const { number } = request.params as { number: string };
    const customer = await identifyCustomer(ctx, request).catch(() => null);
    const placed = orderCookie(request);
    const order = await getOrderFor(ctx.db, {
      shopId: shop.id,
      number: number.slice(0, 40),
      customerId: customer?.id ?? null,
      accessToken: placed && placed.number === number ? placed.token : null,
    });
    // The payment of this order (never another one named in `?payment=`).
    const payments = await listPaymentsFor(ctx.db, shop.id, { kind: 'order', id: order.number });
    const payment = payments.at(-1);
    const account = policy.payment.methods.bankTransfer?.account;
    const bankTransfer =
      payment && payment.method === 'bank_transfer' && payment.state === 'pending' && payment.bankTransferReference && account && payment.dueAt
        ? {
            amount: money(payment.amount, payment.currency),
            holder: account.holder,
            iban: account.iban,
            bic: account.bic,
            reference: payment.bankTransferReference,
            // PA-5: dueAt is the end of the last day in the shop's time zone.
            lastDay: new Intl.DateTimeFormat('en-CA', { timeZone: policy.shop.timeZone }).format(new Date(payment.dueAt.getTime() - 1)),
          }
        : null;
    return sendPage(
      reply,
      <ConfirmationPage
        lang={lang}
        shop={view}
        order={order}
        policy={policy}
        withdrawal={effectiveWithdrawalPeriod(policy, order.deliveryAddress.country).applied}
        paymentState={payment?.state ?? null}
        bankTransfer={bankTransfer}
        arrangements={await paymentArrangementsOf(ctx.db, { shopId: shop.id, policy, order, payments })}
      />,
    );
  });
};
