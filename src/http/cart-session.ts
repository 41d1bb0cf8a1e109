// The guest cart's cookie (CA-2) and the JSON form of a priced cart, shared by
// the store API (routes/cart-api.ts) and the cart page (routes/cart-pages.tsx).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CART_COOKIE, type CartChange, type CartView } from '../app/cart.js';
import type { AppContext } from '../app/context.js';

/** The guest cart token the browser sent, if any. */
export const cartTokenOf = (request: FastifyRequest): string | undefined => request.cookies[CART_COOKIE];

/**
 * Keeps the cart's token in an HttpOnly, SameSite=Lax cookie (Secure unless
 * configured off for plain-HTTP development), for as long as the cart lives.
 */
export function keepCartCookie(ctx: AppContext, reply: FastifyReply, change: CartChange): void {
  reply.setCookie(CART_COOKIE, change.token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.cookieSecure,
    ...(change.view.cart ? { expires: change.view.cart.expiresAt } : {}),
  });
}

const money = z.object({ amount: z.number().int().describe('minor units'), currency: z.string() });
const localised = z.object({ fr: z.string(), en: z.string() });

export const shippingOptionJson = z.object({
  methodId: z.string(),
  kind: z.string(),
  label: localised,
  carrier: z.string(),
  amount: money.describe('what the customer pays: 0 when free'),
  rate: money.describe('the rate before any free-shipping offer (SH-2)'),
  free: z.boolean(),
  freeBecause: z.object({ minimum: money, basis: z.string() }).nullable(),
  estimate: z.object({ dispatchBy: z.string(), earliest: z.string(), latest: z.string() }).describe('SH-3: calendar dates'),
});

export const cartJson = z.object({
  cart: z
    .object({
      id: z.string(),
      customerKind: z.string(),
      expiresAt: z.string().describe('CA-2: forgotten at this instant unless it changes before'),
    })
    .nullable(),
  currency: z.string(),
  destinationCountry: z.string().nullable(),
  shippingMethodId: z.string().nullable(),
  codes: z.array(z.string()),
  lines: z.array(
    z.object({
      lineId: z.string(),
      variantId: z.string(),
      productId: z.string(),
      productSlug: z.string().nullable(),
      sku: z.string(),
      name: localised,
      options: z.record(z.string(), z.string()),
      quantity: z.number().int(),
      availability: z.string().nullable(),
      unitPrice: money,
      catalogueUnitPrice: money,
      ecoFeePerUnit: money,
      lineGoods: money,
      lineEcoFee: money,
      discount: money,
      lineTotal: money,
      vatRateBasisPoints: z.number().int(),
      isGift: z.boolean(),
      initialUnitPrice: money.nullable().describe('PR-8: a gift line remembers the price it would have cost'),
      promotionId: z.string().nullable(),
    }),
  ),
  goods: money,
  ecoFees: money,
  discounts: money,
  shipping: shippingOptionJson.nullable(),
  shippingOptions: z.array(shippingOptionJson),
  vat: z.object({ mode: z.string(), rateBasisPoints: z.number().int(), mention: localised.nullable(), importChargesPaidByCustomer: z.boolean() }),
  vatBreakdown: z.array(z.object({ rateBasisPoints: z.number().int(), base: money, vat: money, treatment: z.string() })),
  total: money,
  appliedPromotions: z.array(z.object({ promotionId: z.string(), code: z.string().nullable(), kind: z.string(), discount: money, giftLineId: z.string().nullable() })),
  rejectedCodes: z.array(z.object({ code: z.string(), reason: z.string() })),
  problems: z.array(z.object({ code: z.string(), rule: z.string() }).loose()),
});
export type CartJson = z.infer<typeof cartJson>;

type Option = CartView['priced']['shippingOptions'][number];
const optionJson = (o: Option) => ({
  methodId: o.methodId,
  kind: o.kind,
  label: o.label,
  carrier: o.carrier,
  amount: o.amount,
  rate: o.rate,
  free: o.free,
  freeBecause: o.freeBecause ?? null,
  estimate: { dispatchBy: o.estimate.dispatchBy, earliest: o.estimate.earliest, latest: o.estimate.latest },
});
export const toShippingOptionJson = optionJson;

export function toCartJson(view: CartView): CartJson {
  const { priced } = view;
  const facts = new Map(view.lines.map((l) => [l.variantId, l]));
  return {
    cart: view.cart ? { id: view.cart.id, customerKind: view.cart.customerKind, expiresAt: view.cart.expiresAt.toISOString() } : null,
    currency: priced.currency,
    destinationCountry: view.destinationCountry,
    shippingMethodId: view.shippingMethodId,
    codes: view.codes,
    lines: priced.lines.map((l) => {
      const f = l.isGift ? undefined : facts.get(l.variantId);
      return {
        lineId: l.lineId,
        variantId: l.variantId,
        productId: l.productId,
        productSlug: f?.productSlug ?? null,
        sku: l.sku,
        name: l.name,
        options: f?.options ?? {},
        quantity: l.quantity,
        availability: f?.availability.state ?? null,
        unitPrice: l.unitPrice,
        catalogueUnitPrice: l.catalogueUnitPrice,
        ecoFeePerUnit: l.ecoFeePerUnit,
        lineGoods: l.lineGoods,
        lineEcoFee: l.lineEcoFee,
        discount: l.discount,
        lineTotal: l.lineTotal,
        vatRateBasisPoints: l.vatRateBasisPoints,
        isGift: l.isGift,
        initialUnitPrice: l.initialUnitPrice ?? null,
        promotionId: l.promotionId ?? null,
      };
    }),
    goods: priced.goods,
    ecoFees: priced.ecoFees,
    discounts: priced.discounts,
    shipping: priced.shipping ? optionJson(priced.shipping) : null,
    shippingOptions: priced.shippingOptions.map(optionJson),
    vat: {
      mode: priced.vat.mode,
      rateBasisPoints: priced.vat.rateBasisPoints,
      mention: priced.vat.mention ?? null,
      importChargesPaidByCustomer: priced.vat.importChargesPaidByCustomer,
    },
    vatBreakdown: priced.vatBreakdown.map((r) => ({ rateBasisPoints: r.rateBasisPoints, base: r.base, vat: r.vat, treatment: r.treatment })),
    total: priced.total,
    appliedPromotions: priced.appliedPromotions.map((a) => ({ promotionId: a.promotionId, code: a.code, kind: a.kind, discount: a.discount, giftLineId: a.giftLineId ?? null })),
    rejectedCodes: priced.rejectedCodes.map((r) => ({ code: r.code, reason: r.reason })),
    problems: priced.problems.map((p) => ({ ...p })),
  };
}
