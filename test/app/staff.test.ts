import { createHash } from 'node:crypto';
import { verify } from '@node-rs/argon2';
import { describe, expect, it, vi } from 'vitest';

// Spied (not replaced) so a test can see which hash a sign-in verifies against.
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof import('@node-rs/argon2')>();
  return { ...real, verify: vi.fn(real.verify) };
});
import {
  authenticateApiToken,
  authenticateStaff,
  changePassword,
  createApiToken,
  createStaff,
  disableStaff,
  ensureOwnerAccount,
  getStaff,
  getStaffByEmail,
  listApiTokens,
  listStaff,
  ownerEmailFor,
  revokeApiToken,
  type Actor,
} from '../../src/app/staff.js';
import { dummyPasswordHash } from '../../src/app/passwords.js';
import { DomainError } from '../../src/domain/errors.js';
import { listAudit, recordAudit } from '../../src/store/audit.js';
import type { Db } from '../../src/store/db.js';
import { useTestDatabase } from '../support/database.js';

const t = useTestDatabase();
const now = new Date('2027-03-01T10:00:00Z');
const cli: Actor = { kind: 'cli' };
const password = 'correct horse battery';

let shopCounter = 0;
async function newShop(db: Db): Promise<string> {
  const id = `shop-${++shopCounter}`;
  await db.insertInto('shops').values({ id, name: id, policy_hash: 'x', loaded_at: now }).execute();
  return id;
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; field: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, field: error.details.field, message: error.message };
    throw error;
  }
  throw new Error('expected a DomainError');
}

async function storedHash(db: Db, id: string): Promise<string> {
  const row = await db.selectFrom('staff').select('password_hash').where('id', '=', id as never).executeTakeFirstOrThrow();
  return row.password_hash;
}

async function auditOf(db: Db, shopId: string) {
  return (await listAudit(db, shopId, { limit: 500 })).reverse();
}

describe('createStaff', () => {
  it('stores an argon2id hash (not the password) and records who created the account', async () => {
    const shopId = await newShop(t.db);
    const { staff, generatedPassword } = await createStaff(t.db, { shopId, email: ' Claire@Example.FR ', role: 'customer_service', password, displayName: 'Claire', actor: cli, now });
    expect(generatedPassword).toBeUndefined();
    expect(staff).toMatchObject({ shopId, email: 'claire@example.fr', role: 'customer_service', displayName: 'Claire', disabledAt: null });

    const stored = await storedHash(t.db, staff.id);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored).not.toContain(password);
    expect(await verify(stored, password)).toBe(true);
    // The dummy hash verified for unknown emails costs the same work.
    expect(dummyPasswordHash.split('$').slice(0, 4)).toEqual(stored.split('$').slice(0, 4));

    const audit = await auditOf(t.db, shopId);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'cli', staffId: null, action: 'staff.create', target: `staff:${staff.id}`, at: now });
    expect(JSON.stringify(audit[0]!.details)).not.toContain(password);
  });

  it('generates a long random password when none is given, returned once', async () => {
    const shopId = await newShop(t.db);
    const a = await createStaff(t.db, { shopId, email: 'a@example.fr', role: 'warehouse', actor: cli, now });
    const b = await createStaff(t.db, { shopId, email: 'b@example.fr', role: 'warehouse', actor: cli, now });
    expect(a.generatedPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a.generatedPassword).not.toBe(b.generatedPassword);
    expect(await verify(await storedHash(t.db, a.staff.id), a.generatedPassword!)).toBe(true);
    const audit = await auditOf(t.db, shopId);
    expect(audit.map((e) => e.details)).toEqual([
      { email: 'a@example.fr', role: 'warehouse', passwordGenerated: true },
      { email: 'b@example.fr', role: 'warehouse', passwordGenerated: true },
    ]);
    expect(JSON.stringify(audit)).not.toContain(a.generatedPassword!);
  });

  it.each([
    [{ email: 'not-an-email' }, 'staff.invalid_email', 'email'],
    [{ email: '' }, 'staff.invalid_email', 'email'],
    [{ password: 'short pw 11' }, 'staff.weak_password', 'password'],
    [{ password: '            ' }, 'staff.weak_password', 'password'],
    [{ password: 'x'.repeat(1025) }, 'staff.password_too_long', 'password'],
    [{ role: 'admin' }, 'staff.invalid_role', 'role'],
    [{ role: 'Owner' }, 'staff.invalid_role', 'role'],
  ])('refuses %j with %s', async (override, code, field) => {
    const shopId = await newShop(t.db);
    const input = { shopId, email: 'ok@example.fr', role: 'owner', password, actor: cli, now, ...override };
    expect(await codeOf(createStaff(t.db, input))).toMatchObject({ code, field });
    expect(await listStaff(t.db, shopId)).toEqual([]);
    expect(await auditOf(t.db, shopId)).toEqual([]);
  });

  it('refuses an email already taken in the shop, whatever its case, and leaves the caller transaction usable', async () => {
    const shopId = await newShop(t.db);
    const other = await newShop(t.db);
    await createStaff(t.db, { shopId, email: 'dup@example.fr', role: 'owner', password, actor: cli, now });
    expect(await codeOf(createStaff(t.db, { shopId, email: 'DUP@example.fr', role: 'warehouse', password, actor: cli, now }))).toMatchObject({
      code: 'staff.email_taken',
      field: 'email',
    });
    // Another shop may use the same address.
    await createStaff(t.db, { shopId: other, email: 'dup@example.fr', role: 'owner', password, actor: cli, now });

    const after = await t.db.transaction().execute(async (tx) => {
      await expect(createStaff(tx, { shopId, email: 'dup@example.fr', role: 'warehouse', password, actor: cli, now })).rejects.toThrow(DomainError);
      // The transaction is not aborted: the next statement runs.
      await createStaff(tx, { shopId, email: 'next@example.fr', role: 'warehouse', password, actor: cli, now });
      return listStaff(tx, shopId);
    });
    expect(after.map((s) => s.email)).toEqual(['dup@example.fr', 'next@example.fr']);
  });

  it('refuses an unknown shop', async () => {
    expect((await codeOf(createStaff(t.db, { shopId: 'nope', email: 'x@example.fr', role: 'owner', password, actor: cli, now }))).code).toBe('shop.not_found');
  });

  it('a staff actor needs staff.manage, and an active account', async () => {
    const shopId = await newShop(t.db);
    const owner = (await createStaff(t.db, { shopId, email: 'o@example.fr', role: 'owner', password, actor: cli, now })).staff;
    const owner2 = (await createStaff(t.db, { shopId, email: 'o2@example.fr', role: 'owner', password, actor: cli, now })).staff;
    const wh = (await createStaff(t.db, { shopId, email: 'w@example.fr', role: 'warehouse', password, actor: cli, now })).staff;

    const byWarehouse: Actor = { kind: 'staff', staffId: wh.id };
    expect((await codeOf(createStaff(t.db, { shopId, email: 'x@example.fr', role: 'owner', password, actor: byWarehouse, now }))).code).toBe('auth.forbidden');

    const byOwner: Actor = { kind: 'staff', staffId: owner.id };
    const created = await createStaff(t.db, { shopId, email: 'cs@example.fr', role: 'customer_service', password, actor: byOwner, now });
    const entry = (await auditOf(t.db, shopId)).at(-1)!;
    expect(entry).toMatchObject({ actor: `staff:${owner.id}`, staffId: owner.id, action: 'staff.create', target: `staff:${created.staff.id}` });

    // An owner of another shop is nobody here.
    const otherShop = await newShop(t.db);
    const foreign = (await createStaff(t.db, { shopId: otherShop, email: 'f@example.fr', role: 'owner', password, actor: cli, now })).staff;
    expect((await codeOf(createStaff(t.db, { shopId, email: 'y@example.fr', role: 'owner', password, actor: { kind: 'staff', staffId: foreign.id }, now }))).code).toBe('auth.forbidden');

    await disableStaff(t.db, { shopId, staffId: owner2.id, actor: cli, now });
    expect((await codeOf(createStaff(t.db, { shopId, email: 'z@example.fr', role: 'owner', password, actor: { kind: 'staff', staffId: owner2.id }, now }))).code).toBe('auth.forbidden');
  });
});

describe('authenticateStaff', () => {
  it('logs in with the right password (email case-insensitive) and writes nothing', async () => {
    const shopId = await newShop(t.db);
    const { staff } = await createStaff(t.db, { shopId, email: 'login@example.fr', role: 'owner', password, actor: cli, now });
    const before = (await auditOf(t.db, shopId)).length;
    const logged = await authenticateStaff(t.db, { shopId, email: ' LOGIN@example.fr', password, now });
    expect(logged).toEqual(staff);
    expect((await auditOf(t.db, shopId)).length).toBe(before);
  });

  it('fails with the same auth.invalid_credentials for an unknown email, a wrong password and a disabled account', async () => {
    const shopId = await newShop(t.db);
    await createStaff(t.db, { shopId, email: 'owner@example.fr', role: 'owner', password, actor: cli, now });
    const { staff } = await createStaff(t.db, { shopId, email: 'gone@example.fr', role: 'warehouse', password, actor: cli, now });
    await disableStaff(t.db, { shopId, staffId: staff.id, actor: cli, now });
    const otherShop = await newShop(t.db);

    const failures = await Promise.all([
      codeOf(authenticateStaff(t.db, { shopId, email: 'nobody@example.fr', password, now })),
      codeOf(authenticateStaff(t.db, { shopId, email: 'owner@example.fr', password: 'wrong password!', now })),
      codeOf(authenticateStaff(t.db, { shopId, email: 'owner@example.fr', password: '', now })),
      codeOf(authenticateStaff(t.db, { shopId, email: 'gone@example.fr', password, now })),
      codeOf(authenticateStaff(t.db, { shopId: otherShop, email: 'owner@example.fr', password, now })),
      codeOf(authenticateStaff(t.db, { shopId, email: '', password, now })),
    ]);
    for (const failure of failures) expect(failure).toEqual(failures[0]);
    expect(failures[0]!.code).toBe('auth.invalid_credentials');
  });

  it('an unknown email costs the same argon2 work as a wrong password (no account enumeration by timing)', async () => {
    const shopId = await newShop(t.db);
    await createStaff(t.db, { shopId, email: 'timing@example.fr', role: 'owner', password, actor: cli, now });
    const verified = vi.mocked(verify);
    verified.mockClear();
    await authenticateStaff(t.db, { shopId, email: 'nobody@example.fr', password: 'wrong password!', now }).catch(() => undefined);
    expect(verified).toHaveBeenCalledTimes(1);
    expect(verified.mock.calls[0]![0]).toBe(dummyPasswordHash);
    verified.mockClear();
    await authenticateStaff(t.db, { shopId, email: 'timing@example.fr', password: 'wrong password!', now }).catch(() => undefined);
    expect(verified).toHaveBeenCalledTimes(1);
    expect(verified.mock.calls[0]![0]).not.toBe(dummyPasswordHash);
  });
});

describe('getStaff, listStaff', () => {
  it('finds accounts of the shop only, and ignores ids that are not ids', async () => {
    const shopId = await newShop(t.db);
    const other = await newShop(t.db);
    const { staff } = await createStaff(t.db, { shopId, email: 'g@example.fr', role: 'store_staff', password, actor: cli, now });
    expect(await getStaff(t.db, shopId, staff.id)).toEqual(staff);
    expect(await getStaff(t.db, other, staff.id)).toBeNull();
    expect(await getStaff(t.db, shopId, 'abc')).toBeNull();
    expect(await getStaff(t.db, shopId, '99999999999999999999')).toBeNull();
    expect(await getStaffByEmail(t.db, shopId, 'G@EXAMPLE.FR')).toEqual(staff);
    expect(await listStaff(t.db, shopId)).toEqual([staff]);
    expect(await listStaff(t.db, other)).toEqual([]);
  });
});

describe('disableStaff', () => {
  it('disables once, records it, and keeps the last active owner', async () => {
    const shopId = await newShop(t.db);
    const owner = (await createStaff(t.db, { shopId, email: 'o@example.fr', role: 'owner', password, actor: cli, now })).staff;
    const wh = (await createStaff(t.db, { shopId, email: 'w@example.fr', role: 'warehouse', password, actor: cli, now })).staff;
    const byOwner: Actor = { kind: 'staff', staffId: owner.id };

    const later = new Date('2027-03-02T09:00:00Z');
    const disabled = await disableStaff(t.db, { shopId, staffId: wh.id, actor: byOwner, now: later });
    expect(disabled.disabledAt).toEqual(later);
    expect(await disableStaff(t.db, { shopId, staffId: wh.id, actor: byOwner, now })).toEqual(disabled); // idempotent
    expect((await auditOf(t.db, shopId)).filter((e) => e.action === 'staff.disable')).toEqual([
      expect.objectContaining({ actor: `staff:${owner.id}`, target: `staff:${wh.id}`, at: later }),
    ]);

    expect(await codeOf(disableStaff(t.db, { shopId, staffId: owner.id, actor: cli, now }))).toMatchObject({ code: 'staff.last_owner', field: 'staffId' });
    expect((await codeOf(disableStaff(t.db, { shopId, staffId: '424242', actor: cli, now }))).code).toBe('staff.not_found');
    expect((await codeOf(disableStaff(t.db, { shopId, staffId: wh.id, actor: { kind: 'staff', staffId: wh.id }, now }))).code).toBe('auth.forbidden');
  });

  it('two owners disabling each other at the same time leave one owner', async () => {
    const shopId = await newShop(t.db);
    const a = (await createStaff(t.db, { shopId, email: 'a@example.fr', role: 'owner', password, actor: cli, now })).staff;
    const b = (await createStaff(t.db, { shopId, email: 'b@example.fr', role: 'owner', password, actor: cli, now })).staff;
    const results = await Promise.allSettled([
      disableStaff(t.db, { shopId, staffId: b.id, actor: { kind: 'staff', staffId: a.id }, now }),
      disableStaff(t.db, { shopId, staffId: a.id, actor: { kind: 'staff', staffId: b.id }, now }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(['staff.last_owner', 'auth.forbidden']).toContain((rejected.reason as DomainError).code);
    expect((await listStaff(t.db, shopId)).filter((s) => s.disabledAt === null)).toHaveLength(1);
  });
});

describe('changePassword', () => {
  it('a staff member changes their own with the current one; an owner or the CLI resets anyone', async () => {
    const shopId = await newShop(t.db);
    const owner = (await createStaff(t.db, { shopId, email: 'o@example.fr', role: 'owner', password, actor: cli, now })).staff;
    const cs = (await createStaff(t.db, { shopId, email: 'cs@example.fr', role: 'customer_service', password, actor: cli, now })).staff;
    const self: Actor = { kind: 'staff', staffId: cs.id };

    expect(await codeOf(changePassword(t.db, { shopId, staffId: cs.id, newPassword: 'a brand new secret', actor: self, now }))).toMatchObject({
      code: 'staff.current_password_required',
      field: 'currentPassword',
    });
    expect(await codeOf(changePassword(t.db, { shopId, staffId: cs.id, currentPassword: 'not it at all', newPassword: 'a brand new secret', actor: self, now }))).toMatchObject({
      code: 'auth.invalid_credentials',
      field: 'currentPassword',
    });
    expect(await codeOf(changePassword(t.db, { shopId, staffId: cs.id, currentPassword: password, newPassword: 'short', actor: self, now }))).toMatchObject({
      code: 'staff.weak_password',
      field: 'newPassword',
    });
    await changePassword(t.db, { shopId, staffId: cs.id, currentPassword: password, newPassword: 'a brand new secret', actor: self, now });
    await authenticateStaff(t.db, { shopId, email: 'cs@example.fr', password: 'a brand new secret', now });
    expect((await codeOf(authenticateStaff(t.db, { shopId, email: 'cs@example.fr', password, now }))).code).toBe('auth.invalid_credentials');

    // Customer service may not reset the owner's password.
    expect((await codeOf(changePassword(t.db, { shopId, staffId: owner.id, newPassword: 'taking over now', actor: self, now }))).code).toBe('auth.forbidden');

    const reset = await changePassword(t.db, { shopId, staffId: cs.id, actor: { kind: 'staff', staffId: owner.id }, now });
    expect(reset.generatedPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
    await authenticateStaff(t.db, { shopId, email: 'cs@example.fr', password: reset.generatedPassword!, now });

    const changes = (await auditOf(t.db, shopId)).filter((e) => e.action === 'staff.password_change');
    expect(changes).toEqual([
      expect.objectContaining({ actor: `staff:${cs.id}`, target: `staff:${cs.id}`, details: { self: true, passwordGenerated: false } }),
      expect.objectContaining({ actor: `staff:${owner.id}`, target: `staff:${cs.id}`, details: { self: false, passwordGenerated: true } }),
    ]);
    expect(JSON.stringify(await auditOf(t.db, shopId))).not.toContain(reset.generatedPassword!);
  });
});

describe('API tokens', () => {
  it('returns the token once and stores only its SHA-256 hash', async () => {
    const shopId = await newShop(t.db);
    const owner = (await createStaff(t.db, { shopId, email: 'o@example.fr', role: 'owner', password, actor: cli, now })).staff;
    const created = await createApiToken(t.db, { shopId, staffId: owner.id, name: 'ERP sync', actor: { kind: 'staff', staffId: owner.id }, now });
    expect(created.token).toMatch(/^cpt_[A-Za-z0-9_-]{43}$/);

    const row = await t.db.selectFrom('api_tokens').selectAll().where('id', '=', created.id as never).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
    expect(row.token_hash).not.toContain(created.token.slice(4));

    const audit = await auditOf(t.db, shopId);
    expect(audit.at(-1)).toMatchObject({ actor: `staff:${owner.id}`, action: 'api_token.create', target: `api_token:${created.id}`, details: { name: 'ERP sync', staffId: owner.id, email: 'o@example.fr' } });
    expect(JSON.stringify(audit)).not.toContain(created.token);
    expect(JSON.stringify(audit)).not.toContain(row.token_hash);

    // Without shopId (the signature the HTTP layer uses), the staff member's shop.
    const second = await createApiToken(t.db, { staffId: owner.id, name: 'second', actor: cli, now });
    expect((await listApiTokens(t.db, shopId)).map((x) => x.id)).toEqual([second.id, created.id]);
    expect(JSON.stringify(await listApiTokens(t.db, shopId))).not.toContain(row.token_hash);
  });

  it('authenticates as its staff member, records last use, and stops working once revoked', async () => {
    const shopId = await newShop(t.db);
    const owner = (await createStaff(t.db, { shopId, email: 'o@example.fr', role: 'owner', password, actor: cli, now })).staff;
    const wh = (await createStaff(t.db, { shopId, email: 'w@example.fr', role: 'warehouse', password, actor: cli, now })).staff;
    const { id, token } = await createApiToken(t.db, { shopId, staffId: wh.id, name: 'scanner', actor: cli, now });

    expect(await authenticateApiToken(t.db, { shopId, token, now })).toEqual(wh);
    const used = async () => (await listApiTokens(t.db, shopId)).find((x) => x.id === id)!.lastUsedAt;
    expect(await used()).toEqual(now);
    // Written at most once a minute.
    await authenticateApiToken(t.db, { shopId, token, now: new Date(now.getTime() + 30_000) });
    expect(await used()).toEqual(now);
    const later = new Date(now.getTime() + 90_000);
    await authenticateApiToken(t.db, { shopId, token, now: later });
    expect(await used()).toEqual(later);

    // A warehouse member may not revoke someone else's token, but may revoke their own.
    const ownersToken = await createApiToken(t.db, { shopId, staffId: owner.id, name: 'owner', actor: cli, now });
    expect((await codeOf(revokeApiToken(t.db, { shopId, tokenId: ownersToken.id, actor: { kind: 'staff', staffId: wh.id }, now }))).code).toBe('auth.forbidden');
    const revoked = await revokeApiToken(t.db, { shopId, tokenId: id, actor: { kind: 'staff', staffId: wh.id }, now: later });
    expect(revoked.revokedAt).toEqual(later);
    expect(await revokeApiToken(t.db, { shopId, tokenId: id, actor: cli, now })).toEqual(revoked); // idempotent
    expect((await codeOf(authenticateApiToken(t.db, { shopId, token, now }))).code).toBe('auth.invalid_token');

    const revocations = (await auditOf(t.db, shopId)).filter((e) => e.action === 'api_token.revoke');
    expect(revocations).toEqual([expect.objectContaining({ actor: `staff:${wh.id}`, target: `api_token:${id}` })]);
    expect((await codeOf(revokeApiToken(t.db, { shopId, tokenId: '987654', actor: cli, now }))).code).toBe('api_token.not_found');
  });

  it('refuses unknown, malformed, foreign-shop tokens and those of a disabled staff member with auth.invalid_token', async () => {
    const shopId = await newShop(t.db);
    const other = await newShop(t.db);
    await createStaff(t.db, { shopId, email: 'o@example.fr', role: 'owner', password, actor: cli, now });
    const wh = (await createStaff(t.db, { shopId, email: 'w@example.fr', role: 'warehouse', password, actor: cli, now })).staff;
    const { token } = await createApiToken(t.db, { shopId, staffId: wh.id, name: 'scanner', actor: cli, now });

    const attempts = [
      { shopId, token: `cpt_${'A'.repeat(43)}` },
      { shopId, token: 'garbage' },
      { shopId, token: '' },
      { shopId, token: token.toUpperCase() },
      { shopId, token: `${token} ` },
      { shopId: other, token },
    ];
    for (const attempt of attempts) expect((await codeOf(authenticateApiToken(t.db, { ...attempt, now }))).code).toBe('auth.invalid_token');

    await disableStaff(t.db, { shopId, staffId: wh.id, actor: cli, now });
    expect((await codeOf(authenticateApiToken(t.db, { shopId, token, now }))).code).toBe('auth.invalid_token');
    expect((await codeOf(createApiToken(t.db, { shopId, staffId: wh.id, name: 'again', actor: cli, now }))).code).toBe('staff.disabled');
  });

  it('needs tokens.manage and a name', async () => {
    const shopId = await newShop(t.db);
    const cs = (await createStaff(t.db, { shopId, email: 'cs@example.fr', role: 'customer_service', password, actor: cli, now })).staff;
    expect((await codeOf(createApiToken(t.db, { shopId, staffId: cs.id, name: 'mine', actor: { kind: 'staff', staffId: cs.id }, now }))).code).toBe('auth.forbidden');
    expect(await codeOf(createApiToken(t.db, { shopId, staffId: cs.id, name: '  ', actor: cli, now }))).toMatchObject({ code: 'api_token.invalid_name', field: 'name' });
    expect((await codeOf(createApiToken(t.db, { staffId: '31337', name: 'x', actor: cli, now }))).code).toBe('staff.not_found');
  });
});

describe('ensureOwnerAccount', () => {
  it('creates the owner on the first start only, with a password that logs in', async () => {
    const shopId = await newShop(t.db);
    const first = await ensureOwnerAccount(t.db, { shopId, now });
    expect(first).toMatchObject({ email: ownerEmailFor(shopId), staff: { role: 'owner', email: `owner@${shopId}.comptoir.local` } });
    expect(first!.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await authenticateStaff(t.db, { shopId, email: first!.email, password: first!.password, now })).toEqual(first!.staff);

    expect(await ensureOwnerAccount(t.db, { shopId, now })).toBeNull();
    expect(await ensureOwnerAccount(t.db, { shopId, now })).toBeNull();
    expect(await listStaff(t.db, shopId)).toHaveLength(1);
    const audit = await auditOf(t.db, shopId);
    expect(audit).toEqual([expect.objectContaining({ actor: 'system', action: 'staff.create', target: `staff:${first!.staff.id}` })]);
    expect(JSON.stringify(audit)).not.toContain(first!.password);
  });

  it('creates exactly one owner when several processes start at once', async () => {
    const shopId = await newShop(t.db);
    const results = await Promise.all(Array.from({ length: 5 }, () => ensureOwnerAccount(t.db, { shopId, now })));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const staff = await listStaff(t.db, shopId);
    expect(staff.map((s) => s.role)).toEqual(['owner']);
  });

  it('is not fooled by staff created before the first start without an owner', async () => {
    const shopId = await newShop(t.db);
    await createStaff(t.db, { shopId, email: ownerEmailFor(shopId), role: 'warehouse', password, actor: cli, now });
    const first = await ensureOwnerAccount(t.db, { shopId, now });
    expect(first!.email).toMatch(new RegExp(`^owner-[0-9a-f]{8}@${shopId}\\.comptoir\\.local$`));
    expect(await ensureOwnerAccount(t.db, { shopId, now })).toBeNull();
  });

  it('refuses a shop that is not loaded', async () => {
    expect((await codeOf(ensureOwnerAccount(t.db, { shopId: 'not-loaded', now }))).code).toBe('shop.not_found');
  });
});

describe('audit log', () => {
  it('labels actors, lists newest first with a limit, and refuses secrets in details', async () => {
    const shopId = await newShop(t.db);
    const { staff } = await createStaff(t.db, { shopId, email: 'o@example.fr', role: 'owner', password, actor: cli, now });
    await recordAudit(t.db, { shopId, actor: { kind: 'system' }, action: 'x.one', at: new Date('2027-03-02T00:00:00Z') });
    await recordAudit(t.db, { shopId, actor: { kind: 'staff', staffId: staff.id }, action: 'x.two', target: 'order:1', details: { n: 1 }, at: new Date('2027-03-03T00:00:00Z') });
    const entries = await listAudit(t.db, shopId, { limit: 2 });
    expect(entries.map((e) => [e.actor, e.staffId, e.action, e.target, e.details])).toEqual([
      [`staff:${staff.id}`, staff.id, 'x.two', 'order:1', { n: 1 }],
      ['system', null, 'x.one', null, {}],
    ]);
    for (const details of [{ password: 'x' }, { nested: { token: 'cpt_x' } }, { list: [{ passwordHash: 'h' }] }, { secret: 's' }]) {
      await expect(recordAudit(t.db, { shopId, actor: cli, action: 'x.bad', details, at: now })).rejects.toThrow(/secret/);
    }
    expect((await listAudit(t.db, shopId, { limit: 100 })).some((e) => e.action === 'x.bad')).toBe(false);
  });
});
