// /api/store: customer accounts as JSON (issue 4 §1). Registration, sign-in
// (rate-limited) and sign-out, password reset, email change confirmation are
// open; everything under /api/store/account needs the customer session and is
// scoped to that customer: another customer's address is a 404.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import {
  addAddress,
  addToWishList,
  assertCustomerMayOrder,
  authenticateCustomer,
  confirmEmailChange,
  deleteAddress,
  getAddress,
  listAddresses,
  listWishList,
  registerCustomer,
  removeFromWishList,
  requestEmailChange,
  requestPasswordReset,
  resetPassword,
  updateAddress,
  updateProfile,
  type CustomerAccount,
  type CustomerAddress,
  type WishListItem,
} from '../../app/customers.js';
import { assertKindAccepted } from '../../domain/customers/eligibility.js';
import { requireCustomer, signInCustomer, signOutCustomer } from '../customer-auth.js';

const professionalJson = z.object({
  companyName: z.string(),
  registrationNumber: z.string().nullable(),
  vatNumber: z.string().nullable(),
  headcount: z.number().int().nullable(),
});

export const customerJson = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  language: z.enum(['fr', 'en']),
  kind: z.enum(['consumer', 'professional']),
  professional: professionalJson.nullable(),
  emailVerified: z.boolean(),
  createdAt: z.string(),
});

export const toCustomerJson = (c: CustomerAccount) => ({
  id: c.id,
  email: c.email,
  name: c.name,
  language: c.language,
  kind: c.kind,
  professional: c.professional,
  emailVerified: c.emailVerifiedAt !== null,
  createdAt: c.createdAt.toISOString(),
});

/** An address checked against the shop's rules (OR-2), as stored in the book and frozen on an order. */
export const checkedAddressJson = z.object({
  name: z.string(),
  line1: z.string(),
  line2: z.string().nullable(),
  postalCode: z.string(),
  city: z.string(),
  region: z.string().nullable(),
  country: z.string(),
  phone: z.string().nullable().describe('E.164'),
});

const addressJson = checkedAddressJson.extend({ id: z.string(), label: z.string(), isDefaultDelivery: z.boolean(), isDefaultBilling: z.boolean() });

const toAddressJson = (a: CustomerAddress) => ({
  id: a.id,
  label: a.label,
  name: a.name,
  line1: a.line1,
  line2: a.line2,
  postalCode: a.postalCode,
  city: a.city,
  region: a.region,
  country: a.country,
  phone: a.phone,
  isDefaultDelivery: a.isDefaultDelivery,
  isDefaultBilling: a.isDefaultBilling,
});

const wishJson = z.object({
  variantId: z.string(),
  sku: z.string(),
  productId: z.string(),
  productSlug: z.string(),
  name: z.object({ fr: z.string(), en: z.string() }),
  options: z.record(z.string(), z.string()),
  addedAt: z.string(),
});
const toWishJson = (w: WishListItem) => ({ ...w, addedAt: w.addedAt.toISOString() });

const text = (max: number) => z.string().max(max);
const professionalBody = z.object({
  companyName: text(300).optional(),
  registrationNumber: text(100).optional(),
  vatNumber: text(40).optional(),
  headcount: z.union([z.number(), z.string().max(12)]).nullable().optional(),
});
const addressBody = z.object({
  label: text(100).optional(),
  name: text(300),
  line1: text(300),
  line2: text(300).nullable().optional(),
  postalCode: text(30).optional(),
  city: text(200),
  region: text(200).nullable().optional(),
  country: text(10),
  phone: text(60).nullable().optional(),
  isDefaultDelivery: z.boolean().optional(),
  isDefaultBilling: z.boolean().optional(),
});
const idParam = z.string().max(20);

export const customerApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['store: customers'];
  const shop = { id: ctx.shop.id, policy: ctx.shop.policy };
  const shopId = shop.id;
  const now = () => ctx.clock.now();
  const signedIn = { onRequest: requireCustomer(ctx) };
  const me = (request: { customer: CustomerAccount | null }) => request.customer!.id;

  app.post(
    '/customers',
    {
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Create a customer account (CU-1) and sign in',
        body: z.object({
          email: text(320),
          password: text(1024),
          name: text(300).optional(),
          language: z.enum(['fr', 'en']).optional(),
          kind: z.enum(['consumer', 'professional']).optional(),
          professional: professionalBody.optional(),
        }),
        response: { 201: z.object({ customer: customerJson }) },
      },
    },
    async (request, reply) => {
      const customer = await registerCustomer(ctx.db, { shop, ...request.body, now: await now() });
      await signInCustomer(ctx, request, reply, customer);
      return reply.status(201).send({ customer: toCustomerJson(customer) });
    },
  );

  app.post(
    '/session',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Customer sign-in (sets the session cookie; CA-2: the cart is found again)',
        body: z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) }),
        response: { 200: z.object({ customer: customerJson }) },
      },
    },
    async (request, reply) => {
      const customer = await authenticateCustomer(ctx.db, { shopId, email: request.body.email, password: request.body.password, now: await now() });
      await signInCustomer(ctx, request, reply, customer);
      return { customer: toCustomerJson(customer) };
    },
  );

  app.delete('/session', { schema: { tags, summary: 'Customer sign-out (a staff session in the same cookie stays)' } }, async (request, reply) => {
    await signOutCustomer(ctx, request, reply);
    return reply.status(204).send();
  });

  app.post(
    '/password-reset',
    {
      config: { rateLimit: { max: 5, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Email a one-hour password reset link; the answer is the same whether the account exists or not',
        body: z.object({ email: text(320) }),
      },
    },
    async (request, reply) => {
      await requestPasswordReset(ctx.db, { shopId, email: request.body.email, storefrontUrl: ctx.config.publicUrl, now: await now() });
      return reply.status(202).send();
    },
  );

  app.post(
    '/password-reset/confirm',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: { tags, summary: 'Set a new password with the emailed token (once, within the hour)', body: z.object({ token: text(100), newPassword: text(1024) }) },
    },
    async (request, reply) => {
      await resetPassword(ctx.db, { shopId, token: request.body.token, newPassword: request.body.newPassword, now: await now() });
      return reply.status(204).send();
    },
  );

  app.post(
    '/account/email-change/confirm',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: { tags, summary: 'Apply a requested email change with the token sent to the new address', body: z.object({ token: text(100) }), response: { 200: z.object({ customer: customerJson }) } },
    },
    async (request) => ({ customer: toCustomerJson(await confirmEmailChange(ctx.db, { shopId, token: request.body.token, now: await now() })) }),
  );

  app.get('/account', { ...signedIn, schema: { tags, summary: 'The signed-in customer', response: { 200: z.object({ customer: customerJson }) } } }, async (request) => ({
    customer: toCustomerJson(request.customer!),
  }));

  app.patch(
    '/account',
    {
      ...signedIn,
      schema: {
        tags,
        summary: 'Change name, language or professional details (CU-3)',
        body: z.object({ name: text(300).optional(), language: z.enum(['fr', 'en']).optional(), professional: professionalBody.optional() }),
        response: { 200: z.object({ customer: customerJson }) },
      },
    },
    async (request) => ({ customer: toCustomerJson(await updateProfile(ctx.db, { shop, customerId: me(request), ...request.body, now: await now() })) }),
  );

  app.get(
    '/account/eligibility',
    {
      ...signedIn,
      schema: { tags, summary: 'May the signed-in customer order (CU-3 kind, CU-4 blocks — a refusal gives a neutral message)?', response: { 200: z.object({ mayOrder: z.literal(true) }) } },
    },
    async (request) => {
      assertKindAccepted(shop.policy, request.customer!.kind);
      await assertCustomerMayOrder(ctx.db, { shopId, customerId: me(request), policy: shop.policy });
      return { mayOrder: true as const };
    },
  );

  app.post(
    '/account/email-change',
    {
      ...signedIn,
      config: { rateLimit: { max: 5, timeWindow: '1 minute' } },
      schema: { tags, summary: 'Ask to change the email address: a link is sent to the new one, nothing changes until it is followed', body: z.object({ newEmail: text(320), password: text(1024) }) },
    },
    async (request, reply) => {
      await requestEmailChange(ctx.db, { shopId, customerId: me(request), ...request.body, storefrontUrl: ctx.config.publicUrl, now: await now() });
      return reply.status(202).send();
    },
  );

  app.get('/account/addresses', { ...signedIn, schema: { tags, summary: 'The address book (OR-2)', response: { 200: z.object({ addresses: z.array(addressJson) }) } } }, async (request) => ({
    addresses: (await listAddresses(ctx.db, { shopId, customerId: me(request) })).map(toAddressJson),
  }));

  app.post(
    '/account/addresses',
    { ...signedIn, schema: { tags, summary: 'Add an address, checked against the shop\'s rules (OR-2)', body: addressBody, response: { 201: z.object({ address: addressJson }) } } },
    async (request, reply) => {
      const address = await addAddress(ctx.db, { shop, customerId: me(request), address: request.body, now: await now() });
      return reply.status(201).send({ address: toAddressJson(address) });
    },
  );

  app.get(
    '/account/addresses/:id',
    { ...signedIn, schema: { tags, summary: 'One address of the signed-in customer', params: z.object({ id: idParam }), response: { 200: z.object({ address: addressJson }) } } },
    async (request) => ({ address: toAddressJson(await getAddress(ctx.db, { shopId, customerId: me(request), addressId: request.params.id })) }),
  );

  app.patch(
    '/account/addresses/:id',
    {
      ...signedIn,
      schema: { tags, summary: 'Change an address (checked again, OR-2)', params: z.object({ id: idParam }), body: addressBody.partial(), response: { 200: z.object({ address: addressJson }) } },
    },
    async (request) => ({
      address: toAddressJson(await updateAddress(ctx.db, { shop, customerId: me(request), addressId: request.params.id, changes: request.body, now: await now() })),
    }),
  );

  app.delete('/account/addresses/:id', { ...signedIn, schema: { tags, summary: 'Delete an address', params: z.object({ id: idParam }) } }, async (request, reply) => {
    await deleteAddress(ctx.db, { shopId, customerId: me(request), addressId: request.params.id });
    return reply.status(204).send();
  });

  app.get('/account/wish-list', { ...signedIn, schema: { tags, summary: 'The wish list (CA-3)', response: { 200: z.object({ items: z.array(wishJson) }) } } }, async (request) => ({
    items: (await listWishList(ctx.db, { shopId, customerId: me(request) })).map(toWishJson),
  }));

  app.post(
    '/account/wish-list',
    {
      ...signedIn,
      schema: {
        tags,
        summary: 'Add a variant to the wish list (CA-3; idempotent)',
        body: z.object({ variantId: z.union([z.string().max(40), z.number().int()]).transform((v) => String(v).trim()) }),
        response: { 200: z.object({ items: z.array(wishJson) }) },
      },
    },
    async (request) => {
      await addToWishList(ctx.db, { shopId, customerId: me(request), variantId: request.body.variantId, now: await now() });
      return { items: (await listWishList(ctx.db, { shopId, customerId: me(request) })).map(toWishJson) };
    },
  );

  app.delete(
    '/account/wish-list/:variantId',
    { ...signedIn, schema: { tags, summary: 'Remove a variant from the wish list (idempotent)', params: z.object({ variantId: idParam }) } },
    async (request, reply) => {
      await removeFromWishList(ctx.db, { shopId, customerId: me(request), variantId: request.params.variantId });
      return reply.status(204).send();
    },
  );
};
