// Back-office access (issue "Foundation" §9): staff accounts, passwords, API
// tokens for integrators and the owner account generated on a shop's first
// start. Every change writes its audit row in the same transaction; routes
// check permissions with `can()` and these functions check them again for a
// staff actor, so a forgotten check in a route cannot grant anything.
import { createHash, randomBytes } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { can, isRole, staffRoles, type Permission, type StaffRole } from '../domain/staff-roles.js';
import { recordAudit, type Actor } from '../store/audit.js';
import { type Queryable, type Tx, inTransaction } from '../store/db.js';
import type { StaffTable } from '../store/schema.js';
import { dummyPasswordHash, generatePassword, hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordMatches } from './passwords.js';

export type { Actor } from '../store/audit.js';

export type StaffAccount = {
  id: string;
  shopId: string;
  email: string;
  displayName: string;
  role: StaffRole;
  createdAt: Date;
  disabledAt: Date | null;
};

export type ApiTokenInfo = {
  id: string;
  staffId: string;
  staffEmail: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

export const API_TOKEN_PREFIX = 'cpt_';
/** last_used_at is written at most once per this interval, not on every API call. */
const TOKEN_USE_WRITE_INTERVAL_MS = 60_000;


const emailSchema = z.email().max(254);

type StaffRow = Selectable<StaffTable>;

function toAccount(row: StaffRow): StaffAccount {
  return {
    id: row.id,
    shopId: row.shop_id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}

const staffTarget = (id: string) => `staff:${id}`;
const tokenTarget = (id: string) => `api_token:${id}`;

/** A bigint primary key as text; anything else can match no row (and must not reach a ::bigint cast). */
function isId(id: string): boolean {
  return /^[1-9][0-9]{0,18}$/.test(id) && BigInt(id) <= 9_223_372_036_854_775_807n;
}

function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function parseEmail(email: unknown): string {
  const normalised = typeof email === 'string' ? normaliseEmail(email) : '';
  if (!emailSchema.safeParse(normalised).success) {
    throw new DomainError('staff.invalid_email', { field: 'email' }, 'This is not a valid email address.');
  }
  return normalised;
}

function parseRole(role: unknown): StaffRole {
  if (!isRole(role)) {
    throw new DomainError('staff.invalid_role', { field: 'role', allowed: [...staffRoles] }, `The role must be one of ${staffRoles.join(', ')}.`);
  }
  return role;
}

function checkPasswordStrength(password: unknown, field = 'password'): string {
  if (typeof password !== 'string' || [...password].length < MIN_PASSWORD_LENGTH || password.trim() === '') {
    throw new DomainError('staff.weak_password', { field, min: MIN_PASSWORD_LENGTH }, `A password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new DomainError('staff.password_too_long', { field, max: MAX_PASSWORD_LENGTH }, `A password has at most ${MAX_PASSWORD_LENGTH} characters.`);
  }
  return password;
}

function parseDisplayName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed.length > 200) throw new DomainError('staff.invalid_display_name', { field: 'displayName', max: 200 });
  return trimmed;
}


function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

async function requireShop(q: Queryable, shopId: string): Promise<void> {
  const shop = await q.selectFrom('shops').select('id').where('id', '=', shopId).executeTakeFirst();
  if (!shop) throw new DomainError('shop.not_found', { field: 'shopId', shopId }, `Shop ${shopId} is not loaded.`);
}

/** A staff actor must be an active member of the shop whose role grants the permission; the CLI and the engine are trusted. */
async function authorise(q: Queryable, shopId: string, actor: Actor, permission: Permission): Promise<void> {
  if (actor.kind !== 'staff') return;
  const row = isId(actor.staffId)
    ? await q
        .selectFrom('staff')
        .select(['role', 'disabled_at'])
        .where('id', '=', actor.staffId)
        .where('shop_id', '=', shopId)
        .executeTakeFirst()
    : undefined;
  if (!row || row.disabled_at !== null || !can(row.role, permission)) {
    throw new DomainError('auth.forbidden', { permission }, 'Your role does not allow this.');
  }
}

async function insertStaff(
  tx: Tx,
  values: { shopId: string; email: string; displayName: string; role: StaffRole; passwordHash: string; now: Date },
): Promise<StaffRow | undefined> {
  // ON CONFLICT DO NOTHING (the unique index on (shop_id, lower(email))): a
  // taken email leaves the caller's transaction usable.
  return tx
    .insertInto('staff')
    .values({
      shop_id: values.shopId,
      email: values.email,
      display_name: values.displayName,
      role: values.role,
      password_hash: values.passwordHash,
      created_at: values.now,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function createStaff(
  q: Queryable,
  input: { shopId: string; email: string; role: string; password?: string; displayName?: string; actor: Actor; now: Date },
): Promise<{ staff: StaffAccount; generatedPassword?: string }> {
  const email = parseEmail(input.email);
  const role = parseRole(input.role);
  const displayName = parseDisplayName(input.displayName);
  const generatedPassword = input.password === undefined ? generatePassword() : undefined;
  const password = checkPasswordStrength(input.password ?? generatedPassword);

  const staff = await inTransaction(q, async (tx) => {
    await requireShop(tx, input.shopId);
    await authorise(tx, input.shopId, input.actor, 'staff.manage');
    const row = await insertStaff(tx, { shopId: input.shopId, email, displayName, role, passwordHash: await hashPassword(password), now: input.now });
    if (!row) throw new DomainError('staff.email_taken', { field: 'email' }, 'A staff account with this email already exists.');
    await recordAudit(tx, {
      shopId: input.shopId,
      actor: input.actor,
      action: 'staff.create',
      target: staffTarget(row.id),
      details: { email, role, passwordGenerated: generatedPassword !== undefined },
      at: input.now,
    });
    return toAccount(row);
  });
  return generatedPassword === undefined ? { staff } : { staff, generatedPassword };
}

/**
 * Email + password → the account. An unknown email, a wrong password and a
 * disabled account all give the same `auth.invalid_credentials`, after the same
 * argon2 work. Writes nothing: the sign-in route records `staff.signed_in`
 * once it has opened the session.
 */
export async function authenticateStaff(
  q: Queryable,
  input: { shopId: string; email: string; password: string; now: Date },
): Promise<StaffAccount> {
  const email = typeof input.email === 'string' ? normaliseEmail(input.email) : '';
  const row = email
    ? await q
        .selectFrom('staff')
        .selectAll()
        .where('shop_id', '=', input.shopId)
        .where(sql<string>`lower(email)`, '=', email)
        .executeTakeFirst()
    : undefined;
  const password = typeof input.password === 'string' ? input.password : '';
  const matches = await passwordMatches(row?.password_hash ?? dummyPasswordHash, password);
  if (!row || !matches || row.disabled_at !== null) {
    throw new DomainError('auth.invalid_credentials', {}, 'Wrong email or password.');
  }
  return toAccount(row);
}

/** The account, disabled or not; null when unknown in this shop. Session checks must refuse a disabled one. */
export async function getStaff(q: Queryable, shopId: string, id: string): Promise<StaffAccount | null> {
  if (!isId(id)) return null;
  const row = await q.selectFrom('staff').selectAll().where('id', '=', id).where('shop_id', '=', shopId).executeTakeFirst();
  return row ? toAccount(row) : null;
}

export async function getStaffByEmail(q: Queryable, shopId: string, email: string): Promise<StaffAccount | null> {
  const row = await q
    .selectFrom('staff')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where(sql<string>`lower(email)`, '=', normaliseEmail(email))
    .executeTakeFirst();
  return row ? toAccount(row) : null;
}

/** Every account of the shop, disabled ones included, oldest first. */
export async function listStaff(q: Queryable, shopId: string): Promise<StaffAccount[]> {
  const rows = await q.selectFrom('staff').selectAll().where('shop_id', '=', shopId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toAccount);
}

async function requireStaff(q: Queryable, shopId: string, staffId: string): Promise<StaffRow> {
  const row = isId(staffId)
    ? await q.selectFrom('staff').selectAll().where('id', '=', staffId).where('shop_id', '=', shopId).executeTakeFirst()
    : undefined;
  if (!row) throw new DomainError('staff.not_found', { field: 'staffId' }, 'No such staff account.');
  return row;
}

/**
 * Disables an account: it can no longer log in nor use its API tokens.
 * Idempotent. The last active owner cannot be disabled (`staff.last_owner`):
 * the active owners' rows are locked, in id order, so two owners disabling
 * each other at once cannot leave the shop without one.
 */
export async function disableStaff(
  q: Queryable,
  input: { shopId: string; staffId: string; actor: Actor; now: Date },
): Promise<StaffAccount> {
  return inTransaction(q, async (tx) => {
    await authorise(tx, input.shopId, input.actor, 'staff.manage');
    const target = await requireStaff(tx, input.shopId, input.staffId);
    if (target.disabled_at !== null) return toAccount(target);
    if (target.role === 'owner') {
      const activeOwners = await tx
        .selectFrom('staff')
        .select('id')
        .where('shop_id', '=', input.shopId)
        .where('role', '=', 'owner')
        .where('disabled_at', 'is', null)
        .orderBy('id')
        .forUpdate()
        .execute();
      if (activeOwners.some((o) => o.id === target.id) && activeOwners.length <= 1) {
        throw new DomainError('staff.last_owner', { field: 'staffId' }, 'The last active owner cannot be disabled.');
      }
    }
    const updated = await tx
      .updateTable('staff')
      .set({ disabled_at: input.now })
      .where('id', '=', target.id)
      .where('disabled_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!updated) return toAccount(await requireStaff(tx, input.shopId, input.staffId)); // disabled meanwhile
    await recordAudit(tx, {
      shopId: input.shopId,
      actor: input.actor,
      action: 'staff.disable',
      target: staffTarget(updated.id),
      details: { email: updated.email, role: updated.role },
      at: input.now,
    });
    return toAccount(updated);
  });
}

/**
 * A staff member changing their own password must give the current one; an
 * actor with `staff.manage` (or the CLI) resets anyone's. Without
 * `newPassword`, one is generated and returned once.
 */
export async function changePassword(
  q: Queryable,
  input: { shopId: string; staffId: string; newPassword?: string; currentPassword?: string; actor: Actor; now: Date },
): Promise<{ staff: StaffAccount; generatedPassword?: string }> {
  const generatedPassword = input.newPassword === undefined ? generatePassword() : undefined;
  const password = checkPasswordStrength(input.newPassword ?? generatedPassword, 'newPassword');
  const self = input.actor.kind === 'staff' && input.actor.staffId === input.staffId;

  const staff = await inTransaction(q, async (tx) => {
    if (!self) await authorise(tx, input.shopId, input.actor, 'staff.manage');
    const target = await requireStaff(tx, input.shopId, input.staffId);
    if (self) {
      if (target.disabled_at !== null) throw new DomainError('auth.forbidden', {}, 'This account is disabled.');
      if (!input.currentPassword) {
        throw new DomainError('staff.current_password_required', { field: 'currentPassword' }, 'Give your current password.');
      }
      if (!(await passwordMatches(target.password_hash, input.currentPassword))) {
        throw new DomainError('auth.invalid_credentials', { field: 'currentPassword' }, 'The current password is wrong.');
      }
    }
    const updated = await tx
      .updateTable('staff')
      .set({ password_hash: await hashPassword(password) })
      .where('id', '=', target.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, {
      shopId: input.shopId,
      actor: input.actor,
      action: 'staff.password_change',
      target: staffTarget(updated.id),
      details: { self, passwordGenerated: generatedPassword !== undefined },
      at: input.now,
    });
    return toAccount(updated);
  });
  return generatedPassword === undefined ? { staff } : { staff, generatedPassword };
}

async function shopOfStaff(q: Queryable, staffId: string): Promise<string> {
  const row = isId(staffId) ? await q.selectFrom('staff').select('shop_id').where('id', '=', staffId).executeTakeFirst() : undefined;
  if (!row) throw new DomainError('staff.not_found', { field: 'staffId' }, 'No such staff account.');
  return row.shop_id;
}

function parseTokenName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed === '' || trimmed.length > 100) {
    throw new DomainError('api_token.invalid_name', { field: 'name', max: 100 }, 'A token needs a name of 1 to 100 characters.');
  }
  return trimmed;
}

/**
 * A new API token acting as `staffId` (with that staff member's role). The
 * token is returned once: only its SHA-256 hash is stored (the token is 256
 * random bits, so a fast hash is enough and lets the lookup use the index).
 */
export async function createApiToken(
  q: Queryable,
  input: { shopId?: string; staffId: string; name: string; actor: Actor; now: Date },
): Promise<{ id: string; token: string; name: string; staffId: string }> {
  const name = parseTokenName(input.name);
  return inTransaction(q, async (tx) => {
    // Without shopId, the token's shop is its staff member's.
    const shopId = input.shopId ?? (await shopOfStaff(tx, input.staffId));
    await authorise(tx, shopId, input.actor, 'tokens.manage');
    const staff = await requireStaff(tx, shopId, input.staffId);
    if (staff.disabled_at !== null) throw new DomainError('staff.disabled', { field: 'staffId' }, 'This staff account is disabled.');
    const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row = await tx
      .insertInto('api_tokens')
      .values({ staff_id: staff.id, name, token_hash: hashToken(token), created_at: input.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(tx, {
      shopId,
      actor: input.actor,
      action: 'api_token.create',
      target: tokenTarget(row.id),
      details: { name, staffId: staff.id, email: staff.email },
      at: input.now,
    });
    return { id: row.id, token, name, staffId: staff.id };
  });
}

const tokenFormat = new RegExp(`^${API_TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`);

/** `Authorization: Bearer cpt_…` → the staff member it acts as. Unknown, revoked, or a disabled staff member → `auth.invalid_token`. */
export async function authenticateApiToken(
  q: Queryable,
  input: { shopId: string; token: string; now: Date },
): Promise<StaffAccount> {
  const invalid = () => new DomainError('auth.invalid_token', {}, 'This API token is not valid.');
  if (typeof input.token !== 'string' || !tokenFormat.test(input.token)) throw invalid();
  const row = await q
    .selectFrom('api_tokens as t')
    .innerJoin('staff as s', 's.id', 't.staff_id')
    .selectAll('s')
    .select(['t.id as token_id', 't.last_used_at as token_last_used_at'])
    .where('t.token_hash', '=', hashToken(input.token))
    .where('t.revoked_at', 'is', null)
    .where('s.shop_id', '=', input.shopId)
    .where('s.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw invalid();
  const last = row.token_last_used_at;
  if (last === null || Math.abs(input.now.getTime() - last.getTime()) >= TOKEN_USE_WRITE_INTERVAL_MS) {
    await q.updateTable('api_tokens').set({ last_used_at: input.now }).where('id', '=', row.token_id).execute();
  }
  const { token_id: _id, token_last_used_at: _last, ...staff } = row;
  return toAccount(staff);
}

function tokensOfShop(q: Queryable, shopId: string) {
  return q
    .selectFrom('api_tokens as t')
    .innerJoin('staff as s', 's.id', 't.staff_id')
    .select(['t.id', 't.staff_id', 's.email', 't.name', 't.created_at', 't.last_used_at', 't.revoked_at'])
    .where('s.shop_id', '=', shopId);
}

type TokenRow = Awaited<ReturnType<ReturnType<typeof tokensOfShop>['executeTakeFirstOrThrow']>>;

function toTokenInfo(row: TokenRow): ApiTokenInfo {
  return {
    id: row.id,
    staffId: row.staff_id,
    staffEmail: row.email,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** The shop's tokens (never their hashes), newest first. */
export async function listApiTokens(q: Queryable, shopId: string): Promise<ApiTokenInfo[]> {
  const rows = await tokensOfShop(q, shopId).orderBy('t.created_at', 'desc').orderBy('t.id', 'desc').execute();
  return rows.map(toTokenInfo);
}

/** Revokes a token for good. Idempotent. Anyone may revoke their own token; others' need `tokens.manage`. */
export async function revokeApiToken(
  q: Queryable,
  input: { shopId: string; tokenId: string; actor: Actor; now: Date },
): Promise<ApiTokenInfo> {
  return inTransaction(q, async (tx) => {
    const token = isId(input.tokenId) ? await tokensOfShop(tx, input.shopId).where('t.id', '=', input.tokenId).executeTakeFirst() : undefined;
    const own = token !== undefined && input.actor.kind === 'staff' && input.actor.staffId === token.staff_id;
    if (!own) await authorise(tx, input.shopId, input.actor, 'tokens.manage');
    if (!token) throw new DomainError('api_token.not_found', { field: 'tokenId' }, 'No such API token.');
    if (token.revoked_at !== null) return toTokenInfo(token);
    const updated = await tx
      .updateTable('api_tokens')
      .set({ revoked_at: input.now })
      .where('id', '=', token.id)
      .where('revoked_at', 'is', null)
      .returning('revoked_at')
      .executeTakeFirst();
    if (!updated) return toTokenInfo((await tokensOfShop(tx, input.shopId).where('t.id', '=', token.id).executeTakeFirstOrThrow()));
    await recordAudit(tx, {
      shopId: input.shopId,
      actor: input.actor,
      action: 'api_token.revoke',
      target: tokenTarget(token.id),
      details: { name: token.name, staffId: token.staff_id },
      at: input.now,
    });
    return toTokenInfo({ ...token, revoked_at: updated.revoked_at });
  });
}

export function ownerEmailFor(shopId: string): string {
  return `owner@${shopId}.comptoir.local`;
}

async function hasOwner(q: Queryable, shopId: string): Promise<boolean> {
  const row = await q.selectFrom('staff').select('id').where('shop_id', '=', shopId).where('role', '=', 'owner').limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * On a shop's first start (it has no owner account, active or disabled),
 * creates `owner@<shop>.comptoir.local` with a generated password and returns
 * it so the caller prints it once; afterwards returns null. Two processes
 * starting at once serialise on the shop row (FOR NO KEY UPDATE, which does
 * not block inserts referencing the shop): the second sees the first's owner.
 */
export async function ensureOwnerAccount(
  q: Queryable,
  input: { shopId: string; now: Date },
): Promise<{ email: string; password: string; staff: StaffAccount } | null> {
  if (await hasOwner(q, input.shopId)) return null; // the usual start: no hashing, no lock
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  return inTransaction(q, async (tx) => {
    const shop = await tx.selectFrom('shops').select('id').where('id', '=', input.shopId).forNoKeyUpdate().executeTakeFirst();
    if (!shop) throw new DomainError('shop.not_found', { field: 'shopId', shopId: input.shopId }, `Shop ${input.shopId} is not loaded.`);
    if (await hasOwner(tx, input.shopId)) return null;
    // The usual address, or (if a non-owner account already took it) a unique one.
    for (const email of [ownerEmailFor(input.shopId), `owner-${randomBytes(4).toString('hex')}@${input.shopId}.comptoir.local`]) {
      const row = await insertStaff(tx, { shopId: input.shopId, email, displayName: 'Owner', role: 'owner', passwordHash, now: input.now });
      if (!row) continue;
      await recordAudit(tx, {
        shopId: input.shopId,
        actor: { kind: 'system' },
        action: 'staff.create',
        target: staffTarget(row.id),
        details: { email, role: 'owner', passwordGenerated: true, firstStart: true },
        at: input.now,
      });
      return { email, password, staff: toAccount(row) };
    }
    throw new Error(`could not find a free owner email for shop ${input.shopId}`);
  });
}
