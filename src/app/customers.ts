// Customer accounts (issue 4 §1): CU-1 registration and sign-in (always
// possible, whether the shop requires an account or allows guests), the
// profile with CU-3 professional details, the OR-2 address book, password
// reset and email change by one-time emailed tokens, CU-4 merchant blocks,
// and the CA-3 wish list.
//
// Passwords are argon2id (the parameters of src/app/staff.ts); an unknown
// email is verified against a dummy hash so it takes as long as a wrong
// password. Tokens are 256 random bits, stored as their SHA-256 only, valid
// for a limited time of ENGINE time, used once. Emails leave through the
// outbox in the use case's transaction (src/app/emails.ts).
import { createHash, randomBytes } from 'node:crypto';
import { sql, type Selectable, type Updateable } from 'kysely';
import { z } from 'zod';
import { assertAddress, checkAddress, type AddressInput, type AddressPurpose, type CheckedAddress } from '../domain/customers/address-rules.js';
import { assertKindAccepted, checkProfessionalDetails, type ProfessionalDetails, type ProfessionalDetailsInput } from '../domain/customers/eligibility.js';
import { DomainError } from '../domain/errors.js';
import { can, type Permission } from '../domain/staff-roles.js';
import type { Policy } from '../policy/schema.js';
import { recordAudit, type Actor } from '../store/audit.js';
import { lockCustomer } from '../store/customers.js';
import { type Queryable, type Tx, inTransaction } from '../store/db.js';
import type { CustomerAccountKind, CustomerAddressesTable, CustomerBlockKind, CustomerBlocksTable, CustomersTable } from '../store/schema.js';
import { queueEmail } from './emails.js';
import { dummyPasswordHash, hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordMatches } from './passwords.js';

export type CustomerShop = { id: string; policy: Policy };
export type CustomerLanguage = 'fr' | 'en';

export type CustomerAccount = {
  id: string;
  shopId: string;
  email: string;
  name: string;
  language: CustomerLanguage;
  kind: CustomerAccountKind;
  professional: ProfessionalDetails | null;
  createdAt: Date;
  emailVerifiedAt: Date | null;
  disabledAt: Date | null;
};

export type CustomerAddress = CheckedAddress & {
  id: string;
  label: string;
  isDefaultDelivery: boolean;
  isDefaultBilling: boolean;
  createdAt: Date;
  updatedAt: Date;
};

export type CustomerBlock = {
  id: string;
  customerId: string;
  kind: CustomerBlockKind;
  /** For the merchant only: never shown to the customer (CU-4). */
  reason: string;
  createdBy: string | null;
  createdAt: Date;
  liftedAt: Date | null;
  liftedBy: string | null;
};

export type WishListItem = {
  variantId: string;
  sku: string;
  productId: string;
  productSlug: string;
  name: { fr: string; en: string };
  options: Record<string, string>;
  addedAt: Date;
};

/** One hour of engine time for a password reset link. */
export const PASSWORD_RESET_VALIDITY_MS = 60 * 60 * 1000;
/** A day of engine time to confirm a new email address. */
export const EMAIL_CHANGE_VALIDITY_MS = 24 * 60 * 60 * 1000;
export const MAX_ADDRESSES = 50;
export const MAX_WISH_LIST_ITEMS = 200;

const emailSchema = z.email().max(254);
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
const idPattern = /^[1-9][0-9]{0,17}$/;

type CustomerRow = Selectable<CustomersTable>;
type AddressRow = Selectable<CustomerAddressesTable>;
type BlockRow = Selectable<CustomerBlocksTable>;

function toAccount(row: CustomerRow): CustomerAccount {
  return {
    id: row.id,
    shopId: row.shop_id,
    email: row.email,
    name: row.name,
    language: row.language,
    kind: row.kind,
    professional:
      row.kind === 'professional'
        ? { companyName: row.company_name ?? '', registrationNumber: row.registration_number, vatNumber: row.vat_number, headcount: row.headcount }
        : null,
    createdAt: row.created_at,
    emailVerifiedAt: row.email_verified_at,
    disabledAt: row.disabled_at,
  };
}

function toAddress(row: AddressRow): CustomerAddress {
  return {
    id: row.id,
    label: row.label,
    name: row.name,
    line1: row.line1,
    line2: row.line2,
    postalCode: row.postal_code,
    city: row.city,
    region: row.region,
    country: row.country,
    phone: row.phone,
    isDefaultDelivery: row.is_default_delivery,
    isDefaultBilling: row.is_default_billing,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toBlock(row: BlockRow): CustomerBlock {
  return {
    id: row.id,
    customerId: row.customer_id,
    kind: row.kind,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    liftedAt: row.lifted_at,
    liftedBy: row.lifted_by,
  };
}

const normaliseEmail = (email: string) => email.trim().toLowerCase();

function parseEmail(email: unknown, field = 'email'): string {
  const normalised = typeof email === 'string' ? normaliseEmail(email) : '';
  if (!emailSchema.safeParse(normalised).success) {
    throw new DomainError('customer.invalid_email', { field, rule: 'CU-1' }, 'This is not a valid email address.');
  }
  return normalised;
}

function checkPassword(password: unknown, field = 'password'): string {
  if (typeof password !== 'string' || [...password].length < MIN_PASSWORD_LENGTH || password.trim() === '') {
    throw new DomainError('customer.weak_password', { field, rule: 'CU-1', min: MIN_PASSWORD_LENGTH }, `A password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new DomainError('customer.password_too_long', { field, max: MAX_PASSWORD_LENGTH }, `A password has at most ${MAX_PASSWORD_LENGTH} characters.`);
  }
  return password;
}

function parseName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim().replace(/\s+/g, ' ') : '';
  if (trimmed.length > 200) throw new DomainError('customer.invalid_name', { field: 'name', max: 200 }, 'A name has at most 200 characters.');
  return trimmed;
}

function parseLanguage(language: unknown): CustomerLanguage {
  if (language === undefined || language === null || language === '') return 'fr';
  if (language !== 'fr' && language !== 'en') throw new DomainError('customer.invalid_language', { field: 'language', allowed: ['fr', 'en'] });
  return language;
}

function parseKind(kind: unknown): CustomerAccountKind {
  if (kind === undefined || kind === null || kind === '') return 'consumer';
  if (kind !== 'consumer' && kind !== 'professional') {
    throw new DomainError('customer.invalid_kind', { field: 'kind', rule: 'CU-3', allowed: ['consumer', 'professional'] });
  }
  return kind;
}


const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

async function requireCustomerRow(q: Queryable, shopId: string, customerId: string): Promise<CustomerRow> {
  const row = idPattern.test(customerId)
    ? await q.selectFrom('customers').selectAll().where('id', '=', customerId).where('shop_id', '=', shopId).executeTakeFirst()
    : undefined;
  if (!row) throw new DomainError('customer.not_found', { field: 'customerId' }, 'No such customer.');
  return row;
}

/** Locks the signed-in customer's row; a disabled or unknown account is refused as signed out. */
async function lockActive(tx: Tx, shopId: string, customerId: string): Promise<CustomerRow> {
  if (!idPattern.test(customerId) || !(await lockCustomer(tx, shopId, customerId))) {
    throw new DomainError('auth.required', {}, 'Sign in to your account.');
  }
  const row = await requireCustomerRow(tx, shopId, customerId);
  if (row.disabled_at !== null) throw new DomainError('auth.required', {}, 'Sign in to your account.');
  return row;
}

// ---------------------------------------------------------------------------
// CU-1: registration, sign-in, profile

/**
 * CU-1: creates an account. Always possible (an account required or guests
 * allowed, CU-1 only decides whether checkout needs one). CU-3: the kind must
 * be one the shop accepts; a professional gives their details.
 * @throws customer.invalid_email, customer.weak_password, customer.email_taken (409),
 *   customer.kind_not_accepted, customer.company_name_required, customer.invalid_vat_number…
 */
export async function registerCustomer(
  q: Queryable,
  input: {
    shop: CustomerShop;
    email: string;
    password: string;
    name?: string | undefined;
    language?: string | undefined;
    kind?: string | undefined;
    professional?: ProfessionalDetailsInput | undefined;
    now: Date;
  },
): Promise<CustomerAccount> {
  const email = parseEmail(input.email);
  const password = checkPassword(input.password);
  const name = parseName(input.name);
  const language = parseLanguage(input.language);
  const kind = parseKind(input.kind);
  assertKindAccepted(input.shop.policy, kind);
  const professional = kind === 'professional' ? checkProfessionalDetails(input.professional ?? {}, 'professional.') : null;
  const passwordHash = await hashPassword(password);
  const row = await q
    .insertInto('customers')
    .values({
      shop_id: input.shop.id,
      email,
      password_hash: passwordHash,
      name,
      language,
      kind,
      company_name: professional?.companyName ?? null,
      registration_number: professional?.registrationNumber ?? null,
      vat_number: professional?.vatNumber ?? null,
      headcount: professional?.headcount ?? null,
      created_at: input.now,
    })
    // The unique index on (shop_id, lower(email)): a taken email leaves the caller's transaction usable.
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new DomainError('customer.email_taken', { field: 'email', rule: 'CU-1' }, 'An account with this email already exists.');
  return toAccount(row);
}

/**
 * Email + password → the account. An unknown email, a wrong password and a
 * disabled account all give `auth.invalid_credentials`, after the same argon2 work.
 */
export async function authenticateCustomer(q: Queryable, input: { shopId: string; email: string; password: string; now: Date }): Promise<CustomerAccount> {
  const email = typeof input.email === 'string' ? normaliseEmail(input.email) : '';
  const row = email
    ? await q.selectFrom('customers').selectAll().where('shop_id', '=', input.shopId).where(sql<string>`lower(email)`, '=', email).executeTakeFirst()
    : undefined;
  const password = typeof input.password === 'string' ? input.password : '';
  const matches = await passwordMatches(row?.password_hash ?? dummyPasswordHash, password);
  if (!row || !matches || row.disabled_at !== null) throw new DomainError('auth.invalid_credentials', {}, 'Wrong email or password.');
  return toAccount(row);
}

/** The account, disabled or not; null when unknown in this shop. Session checks must refuse a disabled one. */
export async function getCustomer(q: Queryable, shopId: string, customerId: string): Promise<CustomerAccount | null> {
  if (!idPattern.test(customerId)) return null;
  const row = await q.selectFrom('customers').selectAll().where('id', '=', customerId).where('shop_id', '=', shopId).executeTakeFirst();
  return row ? toAccount(row) : null;
}

/** The signed-in customer changes their name, language or (a professional) their company details. */
export async function updateProfile(
  q: Queryable,
  input: {
    shop: CustomerShop;
    customerId: string;
    name?: string | undefined;
    language?: string | undefined;
    professional?: ProfessionalDetailsInput | undefined;
    now: Date;
  },
): Promise<CustomerAccount> {
  return inTransaction(q, async (tx) => {
    const current = await lockActive(tx, input.shop.id, input.customerId);
    const changes: Updateable<CustomersTable> = {};
    if (input.name !== undefined) changes.name = parseName(input.name);
    if (input.language !== undefined) changes.language = parseLanguage(input.language);
    if (input.professional !== undefined) {
      if (current.kind !== 'professional') {
        throw new DomainError('customer.not_professional', { field: 'professional', rule: 'CU-3' }, 'Only a professional account has company details.');
      }
      const merged: ProfessionalDetailsInput = {
        companyName: current.company_name,
        registrationNumber: current.registration_number,
        vatNumber: current.vat_number,
        headcount: current.headcount,
        ...input.professional,
      };
      const details = checkProfessionalDetails(merged, 'professional.');
      changes.company_name = details.companyName;
      changes.registration_number = details.registrationNumber;
      changes.vat_number = details.vatNumber;
      changes.headcount = details.headcount;
    }
    if (Object.keys(changes).length === 0) return toAccount(current);
    const row = await tx.updateTable('customers').set(changes).where('id', '=', current.id).returningAll().executeTakeFirstOrThrow();
    return toAccount(row);
  });
}

// ---------------------------------------------------------------------------
// OR-2: the address book. Every query is scoped to the signed-in customer: an
// address of another customer is `address.not_found`, as if it did not exist.

export type AddressFields = AddressInput & { label?: string | null | undefined; isDefaultDelivery?: boolean | undefined; isDefaultBilling?: boolean | undefined };

function parseLabel(label: unknown): string {
  const trimmed = typeof label === 'string' ? label.trim().replace(/\s+/g, ' ') : '';
  if (trimmed.length > 60) throw new DomainError('address.too_long', { field: 'label', rule: 'OR-2', max: 60 }, 'A label has at most 60 characters.');
  return trimmed;
}

export async function listAddresses(q: Queryable, input: { shopId: string; customerId: string }): Promise<CustomerAddress[]> {
  if (!idPattern.test(input.customerId)) return [];
  const rows = await q
    .selectFrom('customer_addresses as a')
    .innerJoin('customers as c', 'c.id', 'a.customer_id')
    .selectAll('a')
    .where('a.customer_id', '=', input.customerId)
    .where('c.shop_id', '=', input.shopId)
    .orderBy('a.is_default_delivery', 'desc')
    .orderBy('a.id')
    .execute();
  return rows.map(toAddress);
}

export async function getAddress(q: Queryable, input: { shopId: string; customerId: string; addressId: string }): Promise<CustomerAddress> {
  return toAddress(await requireAddress(q, input));
}

async function requireAddress(q: Queryable, input: { shopId: string; customerId: string; addressId: string }): Promise<AddressRow> {
  const row =
    idPattern.test(input.addressId) && idPattern.test(input.customerId)
      ? await q
          .selectFrom('customer_addresses as a')
          .innerJoin('customers as c', 'c.id', 'a.customer_id')
          .selectAll('a')
          .where('a.id', '=', input.addressId)
          .where('a.customer_id', '=', input.customerId)
          .where('c.shop_id', '=', input.shopId)
          .executeTakeFirst()
      : undefined;
  if (!row) throw new DomainError('address.not_found', { field: 'addressId' }, 'No such address in your account.');
  return row;
}

/** One default delivery and one default billing address at most: setting one unsets the other's. */
async function clearDefaults(tx: Tx, customerId: string, flags: { delivery: boolean; billing: boolean }, exceptId?: string): Promise<void> {
  for (const [wanted, column] of [
    [flags.delivery, 'is_default_delivery'],
    [flags.billing, 'is_default_billing'],
  ] as const) {
    if (!wanted) continue;
    let update = tx.updateTable('customer_addresses').set({ [column]: false }).where('customer_id', '=', customerId).where(column, '=', true);
    if (exceptId) update = update.where('id', '<>', exceptId);
    await update.execute();
  }
}

/**
 * OR-2: adds an address, checked against the shop's rules as a delivery
 * address. The first address becomes the default for delivery and billing.
 * @throws address.* (field, rule OR-2), address.too_many
 */
export async function addAddress(q: Queryable, input: { shop: CustomerShop; customerId: string; address: AddressFields; now: Date }): Promise<CustomerAddress> {
  const checked = assertAddress(input.shop.policy, input.address);
  const label = parseLabel(input.address.label);
  return inTransaction(q, async (tx) => {
    const customer = await lockActive(tx, input.shop.id, input.customerId);
    const count = await tx
      .selectFrom('customer_addresses')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('customer_id', '=', customer.id)
      .executeTakeFirstOrThrow();
    const n = Number(count.n);
    if (n >= MAX_ADDRESSES) throw new DomainError('address.too_many', { max: MAX_ADDRESSES }, `An account keeps at most ${MAX_ADDRESSES} addresses.`);
    const delivery = n === 0 || input.address.isDefaultDelivery === true;
    const billing = n === 0 || input.address.isDefaultBilling === true;
    await clearDefaults(tx, customer.id, { delivery, billing });
    const row = await tx
      .insertInto('customer_addresses')
      .values({
        customer_id: customer.id,
        label,
        name: checked.name,
        line1: checked.line1,
        line2: checked.line2,
        postal_code: checked.postalCode,
        city: checked.city,
        region: checked.region,
        country: checked.country,
        phone: checked.phone,
        is_default_delivery: delivery,
        is_default_billing: billing,
        created_at: input.now,
        updated_at: input.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAddress(row);
  });
}

const ADDRESS_FIELDS = ['name', 'line1', 'line2', 'postalCode', 'city', 'region', 'country', 'phone'] as const;

/** CU-1: the saved entry equal to `address` once checked (the OR-2 normalisation of `purpose`), if any. */
export function findSavedAddress(policy: Policy, book: readonly CustomerAddress[], address: AddressInput, purpose: AddressPurpose): CustomerAddress | undefined {
  const checked = checkAddress(policy, address, purpose).address;
  return book.find((entry) => ADDRESS_FIELDS.every((k) => entry[k] === checked[k]));
}

/** CU-1: keeps an address in the book once — an equal entry already there is returned, not added again. */
export async function saveAddressOnce(q: Queryable, input: { shop: CustomerShop; customerId: string; address: AddressInput; now: Date }): Promise<CustomerAddress> {
  const book = await listAddresses(q, { shopId: input.shop.id, customerId: input.customerId });
  return findSavedAddress(input.shop.policy, book, input.address, 'delivery') ?? addAddress(q, input);
}

/** OR-2: changes some fields of one of the customer's addresses; the whole address is checked again. */
export async function updateAddress(
  q: Queryable,
  input: { shop: CustomerShop; customerId: string; addressId: string; changes: Partial<AddressFields>; now: Date },
): Promise<CustomerAddress> {
  return inTransaction(q, async (tx) => {
    await lockActive(tx, input.shop.id, input.customerId);
    const current = toAddress(await requireAddress(tx, { shopId: input.shop.id, customerId: input.customerId, addressId: input.addressId }));
    const merged: AddressFields = { ...current, ...Object.fromEntries(Object.entries(input.changes).filter(([, v]) => v !== undefined)) };
    const checked = assertAddress(input.shop.policy, merged);
    const label = parseLabel(merged.label);
    const delivery = input.changes.isDefaultDelivery === true;
    const billing = input.changes.isDefaultBilling === true;
    await clearDefaults(tx, input.customerId, { delivery, billing }, current.id);
    const row = await tx
      .updateTable('customer_addresses')
      .set({
        label,
        name: checked.name,
        line1: checked.line1,
        line2: checked.line2,
        postal_code: checked.postalCode,
        city: checked.city,
        region: checked.region,
        country: checked.country,
        phone: checked.phone,
        is_default_delivery: input.changes.isDefaultDelivery ?? current.isDefaultDelivery,
        is_default_billing: input.changes.isDefaultBilling ?? current.isDefaultBilling,
        updated_at: input.now,
      })
      .where('id', '=', current.id)
      .where('customer_id', '=', input.customerId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAddress(row);
  });
}

/** Deletes one of the customer's addresses (orders keep their own frozen copy, OR-4). */
export async function deleteAddress(q: Queryable, input: { shopId: string; customerId: string; addressId: string }): Promise<void> {
  await inTransaction(q, async (tx) => {
    await lockActive(tx, input.shopId, input.customerId);
    const row = await requireAddress(tx, input);
    await tx.deleteFrom('customer_addresses').where('id', '=', row.id).where('customer_id', '=', input.customerId).execute();
  });
}

// ---------------------------------------------------------------------------
// One-time tokens: password reset, email change

function link(storefrontUrl: string, path: string, token: string): string {
  return `${storefrontUrl.replace(/\/+$/, '')}${path}?token=${encodeURIComponent(token)}`;
}

function passwordResetEmail(language: CustomerLanguage, url: string): { subject: string; text: string } {
  return language === 'en'
    ? {
        subject: 'Reset your password',
        text: `Hello,\n\nSomeone (hopefully you) asked to reset the password of your account. Choose a new password here:\n\n${url}\n\nThis link works once, for one hour. If you did not ask for it, ignore this email: your password has not changed.\n`,
      }
    : {
        subject: 'Réinitialisation de votre mot de passe',
        text: `Bonjour,\n\nUne demande de réinitialisation du mot de passe de votre compte a été faite. Choisissez un nouveau mot de passe ici :\n\n${url}\n\nCe lien ne sert qu'une fois et reste valable une heure. Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe n'a pas changé.\n`,
      };
}

function emailChangeEmail(language: CustomerLanguage, url: string): { subject: string; text: string } {
  return language === 'en'
    ? {
        subject: 'Confirm your new email address',
        text: `Hello,\n\nTo use this address for your account, confirm it here:\n\n${url}\n\nThis link works once, for 24 hours. Until you confirm, your account keeps its current address.\n`,
      }
    : {
        subject: 'Confirmez votre nouvelle adresse e-mail',
        text: `Bonjour,\n\nPour utiliser cette adresse pour votre compte, confirmez-la ici :\n\n${url}\n\nCe lien ne sert qu'une fois et reste valable 24 heures. Tant que vous n'avez pas confirmé, votre compte garde son adresse actuelle.\n`,
      };
}

function emailChangeNoticeEmail(language: CustomerLanguage, newEmail: string): { subject: string; text: string } {
  return language === 'en'
    ? {
        subject: 'Change of email address requested',
        text: `Hello,\n\nA change of your account's email address to ${newEmail} was requested. It applies only once confirmed from that address. If you did not ask for it, change your password and contact customer service.\n`,
      }
    : {
        subject: "Demande de changement d'adresse e-mail",
        text: `Bonjour,\n\nLe remplacement de l'adresse e-mail de votre compte par ${newEmail} a été demandé. Il ne prendra effet qu'une fois confirmé depuis cette adresse. Si vous n'êtes pas à l'origine de cette demande, changez votre mot de passe et contactez le service client.\n`,
      };
}

/**
 * Sends a one-hour password reset link if an active account has this email.
 * Says nothing either way (the answer never reveals whether the email exists).
 */
export async function requestPasswordReset(q: Queryable, input: { shopId: string; email: string; storefrontUrl: string; now: Date }): Promise<void> {
  const email = typeof input.email === 'string' ? normaliseEmail(input.email) : '';
  if (!emailSchema.safeParse(email).success) return;
  await inTransaction(q, async (tx) => {
    const customer = await tx
      .selectFrom('customers')
      .select(['id', 'email', 'language', 'disabled_at'])
      .where('shop_id', '=', input.shopId)
      .where(sql<string>`lower(email)`, '=', email)
      .executeTakeFirst();
    if (!customer || customer.disabled_at !== null) return;
    const token = newToken();
    const row = await tx
      .insertInto('customer_tokens')
      .values({
        customer_id: customer.id,
        purpose: 'password_reset',
        token_hash: hashToken(token),
        new_email: null,
        created_at: input.now,
        expires_at: new Date(input.now.getTime() + PASSWORD_RESET_VALIDITY_MS),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const content = passwordResetEmail(customer.language, link(input.storefrontUrl, '/account/password-reset', token));
    await queueEmail(
      tx,
      {
        shopId: input.shopId,
        key: `customer.password_reset:${row.id}`,
        email: { to: customer.email, ...content, html: null, language: customer.language, related: { kind: 'customer', id: customer.id } },
      },
      input.now,
    );
  });
}

/** Takes an open token of `purpose` (locks the customer, marks the token used); refuses an unknown, used or expired one. */
async function useToken(tx: Tx, input: { shopId: string; token: string; purpose: 'password_reset' | 'email_change'; now: Date }) {
  const invalid = () => new DomainError('customer.invalid_token', { field: 'token' }, 'This link is not valid (any more). Ask for a new one.');
  if (typeof input.token !== 'string' || !tokenPattern.test(input.token)) throw invalid();
  const found = await tx
    .selectFrom('customer_tokens as t')
    .innerJoin('customers as c', 'c.id', 't.customer_id')
    .select(['t.id', 't.customer_id', 't.new_email', 't.expires_at'])
    .where('t.token_hash', '=', hashToken(input.token))
    .where('t.purpose', '=', input.purpose)
    .where('c.shop_id', '=', input.shopId)
    .executeTakeFirst();
  if (!found) throw invalid();
  const customer = await lockActive(tx, input.shopId, found.customer_id).catch(() => {
    throw invalid();
  });
  // Used once: the update that marks it is the check (two confirmations at once: one wins).
  const used = await tx
    .updateTable('customer_tokens')
    .set({ used_at: input.now })
    .where('id', '=', found.id)
    .where('used_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (!used) throw invalid();
  if (found.expires_at.getTime() <= input.now.getTime()) {
    throw new DomainError('customer.token_expired', { field: 'token' }, 'This link has expired. Ask for a new one.');
  }
  // The other open links of the same purpose die with this one.
  await tx
    .updateTable('customer_tokens')
    .set({ used_at: input.now })
    .where('customer_id', '=', customer.id)
    .where('purpose', '=', input.purpose)
    .where('used_at', 'is', null)
    .execute();
  return { customer, newEmail: found.new_email };
}

/**
 * Sets a new password from a reset link (valid one hour of engine time, once).
 * The link proves the mailbox: the email counts as verified.
 * @throws customer.invalid_token, customer.token_expired, customer.weak_password
 */
export async function resetPassword(q: Queryable, input: { shopId: string; token: string; newPassword: string; now: Date }): Promise<CustomerAccount> {
  const password = checkPassword(input.newPassword, 'newPassword');
  const passwordHash = await hashPassword(password);
  return inTransaction(q, async (tx) => {
    const { customer } = await useToken(tx, { shopId: input.shopId, token: input.token, purpose: 'password_reset', now: input.now });
    const row = await tx
      .updateTable('customers')
      .set({ password_hash: passwordHash, email_verified_at: customer.email_verified_at ?? input.now })
      .where('id', '=', customer.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAccount(row);
  });
}

/**
 * The signed-in customer asks to use a new email address: their password is
 * asked again, a link is sent to the NEW address (and a notice to the current
 * one); nothing changes until the link is followed.
 * @throws auth.invalid_credentials (field password), customer.invalid_email, customer.email_taken
 */
export async function requestEmailChange(
  q: Queryable,
  input: { shopId: string; customerId: string; newEmail: string; password: string; storefrontUrl: string; now: Date },
): Promise<void> {
  const newEmail = parseEmail(input.newEmail, 'newEmail');
  const current = await requireCustomerRow(q, input.shopId, input.customerId).catch(() => null);
  if (!current || current.disabled_at !== null) throw new DomainError('auth.required', {}, 'Sign in to your account.');
  if (!(await passwordMatches(current.password_hash, typeof input.password === 'string' ? input.password : ''))) {
    throw new DomainError('auth.invalid_credentials', { field: 'password' }, 'The password is wrong.');
  }
  await inTransaction(q, async (tx) => {
    const customer = await lockActive(tx, input.shopId, input.customerId);
    if (normaliseEmail(customer.email) === newEmail) {
      throw new DomainError('customer.email_unchanged', { field: 'newEmail' }, 'This is already the email address of your account.');
    }
    await assertEmailFree(tx, input.shopId, newEmail, customer.id);
    const token = newToken();
    const row = await tx
      .insertInto('customer_tokens')
      .values({
        customer_id: customer.id,
        purpose: 'email_change',
        token_hash: hashToken(token),
        new_email: newEmail,
        created_at: input.now,
        expires_at: new Date(input.now.getTime() + EMAIL_CHANGE_VALIDITY_MS),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const related = { kind: 'customer', id: customer.id };
    await queueEmail(
      tx,
      {
        shopId: input.shopId,
        key: `customer.email_change:${row.id}`,
        email: { to: newEmail, ...emailChangeEmail(customer.language, link(input.storefrontUrl, '/account/email-change', token)), html: null, language: customer.language, related },
      },
      input.now,
    );
    await queueEmail(
      tx,
      {
        shopId: input.shopId,
        key: `customer.email_change_notice:${row.id}`,
        email: { to: customer.email, ...emailChangeNoticeEmail(customer.language, newEmail), html: null, language: customer.language, related },
      },
      input.now,
    );
  });
}

async function assertEmailFree(q: Queryable, shopId: string, email: string, exceptId: string): Promise<void> {
  const taken = await q
    .selectFrom('customers')
    .select('id')
    .where('shop_id', '=', shopId)
    .where(sql<string>`lower(email)`, '=', email)
    .where('id', '<>', exceptId)
    .executeTakeFirst();
  if (taken) throw new DomainError('customer.email_taken', { field: 'newEmail', rule: 'CU-1' }, 'An account with this email already exists.');
}

/**
 * Applies a requested email change from the link sent to the new address
 * (once, within its validity of engine time). The new email is verified.
 * @throws customer.invalid_token, customer.token_expired, customer.email_taken
 */
export async function confirmEmailChange(q: Queryable, input: { shopId: string; token: string; now: Date }): Promise<CustomerAccount> {
  return inTransaction(q, async (tx) => {
    const { customer, newEmail } = await useToken(tx, { shopId: input.shopId, token: input.token, purpose: 'email_change', now: input.now });
    if (!newEmail) throw new Error(`email_change token of customer ${customer.id} has no new email`);
    await assertEmailFree(tx, input.shopId, newEmail, customer.id);
    const row = await tx
      .updateTable('customers')
      .set({ email: newEmail, email_verified_at: input.now })
      .where('id', '=', customer.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAccount(row);
  });
}

// ---------------------------------------------------------------------------
// CU-4: merchant blocks

/** The policy switch that allows each kind of block (CU-4). */
const blockSwitch: Record<CustomerBlockKind, keyof Policy['customers']['blocking']> = {
  unpaid_order: 'unpaidEarlierOrder',
  payment_dispute: 'openPaymentDispute',
  risk_flag: 'riskFlag',
};
export const customerBlockKinds = Object.keys(blockSwitch) as CustomerBlockKind[];

async function authorise(q: Queryable, shopId: string, actor: Actor, permission: Permission): Promise<void> {
  if (actor.kind !== 'staff') return;
  const row = idPattern.test(actor.staffId)
    ? await q.selectFrom('staff').select(['role', 'disabled_at']).where('id', '=', actor.staffId).where('shop_id', '=', shopId).executeTakeFirst()
    : undefined;
  if (!row || row.disabled_at !== null || !can(row.role, permission)) throw new DomainError('auth.forbidden', { permission }, 'Your role does not allow this.');
}

/**
 * CU-4: the merchant refuses this customer's orders, for a reason the shop's
 * terms allow (policy `customers.blocking`); the reason is for the merchant.
 * @throws customer.block_kind_not_allowed, customer.invalid_block_reason, customer.not_found
 */
export async function blockCustomer(
  q: Queryable,
  input: { shop: CustomerShop; customerId: string; kind: string; reason: string; actor: Actor; now: Date },
): Promise<CustomerBlock> {
  const kind = input.kind as CustomerBlockKind;
  if (!Object.hasOwn(blockSwitch, kind)) {
    throw new DomainError('customer.invalid_block_kind', { field: 'kind', rule: 'CU-4', allowed: customerBlockKinds });
  }
  if (!input.shop.policy.customers.blocking[blockSwitch[kind]]) {
    throw new DomainError('customer.block_kind_not_allowed', { field: 'kind', rule: 'CU-4' }, 'The terms of this shop do not allow refusing orders for this reason.');
  }
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason === '' || reason.length > 1000) {
    throw new DomainError('customer.invalid_block_reason', { field: 'reason', rule: 'CU-4', max: 1000 }, 'Give the reason (1 to 1000 characters).');
  }
  return inTransaction(q, async (tx) => {
    await authorise(tx, input.shop.id, input.actor, 'orders.manage');
    const customer = await requireCustomerRow(tx, input.shop.id, input.customerId);
    const row = await tx
      .insertInto('customer_blocks')
      .values({
        shop_id: input.shop.id,
        customer_id: customer.id,
        kind,
        reason,
        created_by: input.actor.kind === 'staff' ? input.actor.staffId : null,
        created_at: input.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, {
      shopId: input.shop.id,
      actor: input.actor,
      action: 'customer.block',
      target: `customer:${customer.id}`,
      details: { blockId: row.id, kind, reason },
      at: input.now,
    });
    return toBlock(row);
  });
}

/** CU-4: ends a block (idempotent). */
export async function liftBlock(
  q: Queryable,
  input: { shopId: string; customerId: string; blockId: string; actor: Actor; now: Date },
): Promise<CustomerBlock> {
  return inTransaction(q, async (tx) => {
    await authorise(tx, input.shopId, input.actor, 'orders.manage');
    const row =
      idPattern.test(input.blockId) && idPattern.test(input.customerId)
        ? await tx
            .selectFrom('customer_blocks')
            .selectAll()
            .where('id', '=', input.blockId)
            .where('customer_id', '=', input.customerId)
            .where('shop_id', '=', input.shopId)
            .forUpdate()
            .executeTakeFirst()
        : undefined;
    if (!row) throw new DomainError('customer_block.not_found', { field: 'blockId' }, 'No such block for this customer.');
    if (row.lifted_at !== null) return toBlock(row);
    const lifted = await tx
      .updateTable('customer_blocks')
      .set({ lifted_at: input.now, lifted_by: input.actor.kind === 'staff' ? input.actor.staffId : null })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, {
      shopId: input.shopId,
      actor: input.actor,
      action: 'customer.block_lift',
      target: `customer:${row.customer_id}`,
      details: { blockId: row.id, kind: row.kind },
      at: input.now,
    });
    return toBlock(lifted);
  });
}

export async function listBlocks(q: Queryable, input: { shopId: string; customerIds: readonly string[] }): Promise<CustomerBlock[]> {
  const ids = input.customerIds.filter((id) => idPattern.test(id));
  if (ids.length === 0) return [];
  const rows = await q.selectFrom('customer_blocks').selectAll().where('shop_id', '=', input.shopId).where('customer_id', 'in', ids).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(toBlock);
}

/** The back office's search: by email (whatever its case), else the newest accounts; each with its blocks and their reasons. */
export async function findCustomers(
  q: Queryable,
  input: { shopId: string; email?: string | undefined; limit?: number },
): Promise<Array<CustomerAccount & { blocks: CustomerBlock[] }>> {
  let query = q.selectFrom('customers').selectAll().where('shop_id', '=', input.shopId);
  const email = input.email?.trim();
  if (email) query = query.where(sql<string>`lower(email)`, '=', normaliseEmail(email));
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(input.limit ?? 50, 1), 200))
    .execute();
  const blocks = await listBlocks(q, { shopId: input.shopId, customerIds: rows.map((r) => r.id) });
  return rows.map((r) => ({ ...toAccount(r), blocks: blocks.filter((b) => b.customerId === r.id) }));
}

/**
 * CU-4: may this customer order? A disabled account or an active block of a
 * kind the shop's terms allow refuses the order with `customer.order_refused`,
 * whose `reasonForMerchant` is for the merchant only (the HTTP layer shows the
 * customer a neutral message, src/http/errors.ts).
 */
export async function assertCustomerMayOrder(q: Queryable, input: { shopId: string; customerId: string; policy: Policy }): Promise<void> {
  const customer = await requireCustomerRow(q, input.shopId, input.customerId);
  if (customer.disabled_at !== null) {
    throw new DomainError('customer.order_refused', { rule: 'CU-4', reasonForMerchant: 'The customer account is disabled.' });
  }
  const enabled = customerBlockKinds.filter((kind) => input.policy.customers.blocking[blockSwitch[kind]]);
  if (enabled.length === 0) return;
  const block = await q
    .selectFrom('customer_blocks')
    .selectAll()
    .where('shop_id', '=', input.shopId)
    .where('customer_id', '=', customer.id)
    .where('lifted_at', 'is', null)
    .where('kind', 'in', enabled)
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst();
  if (block) {
    throw new DomainError('customer.order_refused', { rule: 'CU-4', blockId: block.id, kind: block.kind, reasonForMerchant: block.reason });
  }
}

// ---------------------------------------------------------------------------
// CA-3: the wish list

/** Adds a variant of the shop to the customer's wish list (idempotent). @throws variant.not_found, wish_list.full */
export async function addToWishList(q: Queryable, input: { shopId: string; customerId: string; variantId: string; now: Date }): Promise<void> {
  await inTransaction(q, async (tx) => {
    const customer = await lockActive(tx, input.shopId, input.customerId);
    const variant = idPattern.test(input.variantId)
      ? await tx.selectFrom('variants').select('id').where('id', '=', input.variantId).where('shop_id', '=', input.shopId).executeTakeFirst()
      : undefined;
    if (!variant) throw new DomainError('variant.not_found', { field: 'variantId', rule: 'CA-3' }, `No product variant ${input.variantId}.`);
    const count = await tx
      .selectFrom('wish_list_items')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('customer_id', '=', customer.id)
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_WISH_LIST_ITEMS) {
      const present = await tx.selectFrom('wish_list_items').select('variant_id').where('customer_id', '=', customer.id).where('variant_id', '=', variant.id).executeTakeFirst();
      if (present) return;
      throw new DomainError('wish_list.full', { rule: 'CA-3', max: MAX_WISH_LIST_ITEMS }, `A wish list holds at most ${MAX_WISH_LIST_ITEMS} items.`);
    }
    await tx
      .insertInto('wish_list_items')
      .values({ customer_id: customer.id, variant_id: variant.id, added_at: input.now })
      .onConflict((oc) => oc.columns(['customer_id', 'variant_id']).doNothing())
      .execute();
  });
}

/** Removes a variant from the customer's wish list (idempotent). */
export async function removeFromWishList(q: Queryable, input: { shopId: string; customerId: string; variantId: string }): Promise<void> {
  if (!idPattern.test(input.variantId) || !idPattern.test(input.customerId)) return;
  await q
    .deleteFrom('wish_list_items')
    .where('customer_id', '=', input.customerId)
    .where('variant_id', '=', input.variantId)
    .where('customer_id', 'in', (eb) => eb.selectFrom('customers').select('id').where('shop_id', '=', input.shopId))
    .execute();
}

/** The customer's wish list, newest first, with what the storefront shows of each variant (one query). */
export async function listWishList(q: Queryable, input: { shopId: string; customerId: string }): Promise<WishListItem[]> {
  if (!idPattern.test(input.customerId)) return [];
  const rows = await q
    .selectFrom('wish_list_items as w')
    .innerJoin('customers as c', 'c.id', 'w.customer_id')
    .innerJoin('variants as v', 'v.id', 'w.variant_id')
    .innerJoin('products as p', 'p.id', 'v.product_id')
    .select(['w.variant_id', 'w.added_at', 'v.sku', 'v.options', 'p.id as product_id', 'p.slug', 'p.name'])
    .where('w.customer_id', '=', input.customerId)
    .where('c.shop_id', '=', input.shopId)
    .orderBy('w.added_at', 'desc')
    .orderBy('w.variant_id')
    .execute();
  return rows.map((r) => ({
    variantId: r.variant_id,
    sku: r.sku,
    productId: r.product_id,
    productSlug: r.slug,
    name: r.name,
    options: r.options,
    addedAt: r.added_at,
  }));
}
