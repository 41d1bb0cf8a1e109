import { beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiToken, authenticateStaff, listStaff } from '../../src/app/staff.js';
import { adminCommand } from '../../src/cli/admin.js';
import type { CliContext } from '../../src/cli/context.js';
import { readConfig } from '../../src/config.js';
import { listAudit } from '../../src/store/audit.js';
import { useTestDatabase } from '../support/database.js';

const t = useTestDatabase();
const start = new Date('2027-03-01T10:00:00Z');

async function admin(args: string[], shopId = 'cli-shop') {
  const out: string[] = [];
  const err: string[] = [];
  let opened = false;
  const ctx: CliContext = {
    config: readConfig({ COMPTOIR_SHOP: shopId, COMPTOIR_CLOCK: 'manual', COMPTOIR_CLOCK_START: start.toISOString() }),
    openDb: async () => {
      opened = true;
      return t.db;
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  const code = await adminCommand(args, ctx);
  return { code, out: out.join('\n'), err: err.join('\n'), opened };
}

describe('comptoir admin', () => {
  beforeAll(async () => {
    await t.db.insertInto('shops').values({ id: 'cli-shop', name: 'CLI', policy_hash: 'x', loaded_at: start }).execute();
  });

  it('create with a generated password prints it once, and the CLI is the recorded actor', async () => {
    const r = await admin(['create', '--email', 'Boss@Example.fr', '--role', 'owner', '--name', 'Boss']);
    expect(r).toMatchObject({ code: 0, err: '' });
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^Created owner boss@example\.fr \(staff \d+\)\.$/);
    const printed = /^Password \(shown once, store it now\): ([A-Za-z0-9_-]{32})$/.exec(lines[1]!)?.[1];
    expect(printed).toBeDefined();
    expect(lines).toHaveLength(2);
    const staff = await authenticateStaff(t.db, { shopId: 'cli-shop', email: 'boss@example.fr', password: printed!, now: start });
    expect(staff).toMatchObject({ role: 'owner', displayName: 'Boss' });

    const audit = await listAudit(t.db, 'cli-shop', { limit: 1 });
    // The audit time is the engine clock (manual here), not the wall clock.
    expect(audit[0]).toMatchObject({ actor: 'cli', action: 'staff.create', target: `staff:${staff.id}`, at: start });
  });

  it('create with --password prints no password', async () => {
    const r = await admin(['create', '--email', 'cs@example.fr', '--role', 'customer_service', '--password', 'a long enough secret']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Created customer_service cs@example\.fr \(staff \d+\)\.$/);
    expect(r.out).not.toContain('a long enough secret');
    await authenticateStaff(t.db, { shopId: 'cli-shop', email: 'cs@example.fr', password: 'a long enough secret', now: start });
  });

  it.each([
    [['create', '--email', 'boss@example.fr', '--role', 'warehouse', '--password', 'a long enough secret'], 'error: staff.email_taken (email): '],
    [['create', '--email', 'x@example.fr', '--role', 'admin'], 'error: staff.invalid_role (role): '],
    [['create', '--email', 'nope', '--role', 'owner'], 'error: staff.invalid_email (email): '],
    [['create', '--email', 'x@example.fr', '--role', 'owner', '--password', 'short'], 'error: staff.weak_password (password): '],
    [['token', 'create', '--email', 'nobody@example.fr', '--name', 'x'], 'error: staff.not_found (email): '],
    [['token', 'revoke', '4242'], 'error: api_token.not_found (tokenId): '],
  ])('%j fails with one line naming the code (exit 1)', async (args, prefix) => {
    const r = await admin(args);
    expect(r.code).toBe(1);
    expect(r.err.startsWith(prefix)).toBe(true);
    expect(r.err.split('\n')).toHaveLength(1);
  });

  it.each([
    [[]],
    [['frobnicate']],
    [['create', '--role', 'owner']],
    [['create', '--email', 'x@example.fr']],
    [['create', '--email', 'x@example.fr', '--role', 'owner', '--colour', 'red']],
    [['create', '--email']],
    [['list', 'extra']],
    [['token']],
    [['token', 'create', '--email', 'boss@example.fr']],
    [['token', 'revoke']],
    [['token', 'revoke', 'abc']],
    [['token', 'revoke', '1', '2']],
  ])('usage error for %j (exit 2, before opening the database)', async (args) => {
    const r = await admin(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage:');
    expect(r.err).toContain('comptoir admin create --email');
    expect(r.opened).toBe(false);
  });

  it('--help prints the usage (exit 0)', async () => {
    const r = await admin(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('comptoir admin token revoke <token id>');
  });

  it('list shows every account with its role and status', async () => {
    const r = await admin(['list']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^ID\s+EMAIL\s+ROLE\s+STATUS\s+NAME$/);
    expect(lines.some((l) => /^\d+\s+boss@example\.fr\s+owner\s+active\s+Boss$/.test(l))).toBe(true);
    expect(lines.some((l) => /^\d+\s+cs@example\.fr\s+customer_service\s+active$/.test(l))).toBe(true);
  });

  it('token create prints the token once; it works until token revoke', async () => {
    const r = await admin(['token', 'create', '--email', 'cs@example.fr', '--name', 'helpdesk']);
    expect(r.code).toBe(0);
    const [first, second] = r.out.split('\n');
    const id = /^Created API token (\d+) "helpdesk" acting as cs@example\.fr \(customer_service\)\.$/.exec(first!)?.[1];
    const token = /^Token \(shown once, store it now\): (cpt_[A-Za-z0-9_-]{43})$/.exec(second!)?.[1];
    expect(id).toBeDefined();
    expect(token).toBeDefined();
    expect((await authenticateApiToken(t.db, { shopId: 'cli-shop', token: token!, now: start })).email).toBe('cs@example.fr');

    const list = await admin(['token', 'list']);
    expect(list.out).toMatch(new RegExp(`^${id}\\s+helpdesk\\s+cs@example\\.fr\\s+2027-03-01 10:00\\s+2027-03-01 10:00\\s+active$`, 'm'));
    expect(list.out).not.toContain(token!);

    const revoke = await admin(['token', 'revoke', id!]);
    expect(revoke).toMatchObject({ code: 0, out: `Revoked API token ${id} "helpdesk" (cs@example.fr).` });
    await expect(authenticateApiToken(t.db, { shopId: 'cli-shop', token: token!, now: start })).rejects.toMatchObject({ code: 'auth.invalid_token' });

    const actions = (await listAudit(t.db, 'cli-shop', { limit: 100 })).filter((e) => e.action.startsWith('api_token.'));
    expect(actions.map((e) => [e.actor, e.action, e.target])).toEqual([
      ['cli', 'api_token.revoke', `api_token:${id}`],
      ['cli', 'api_token.create', `api_token:${id}`],
    ]);
    expect(JSON.stringify(actions)).not.toContain(token!);
  });

  it('password resets and prints a generated password; disable refuses the last owner', async () => {
    const reset = await admin(['password', '--email', 'cs@example.fr']);
    expect(reset.code).toBe(0);
    const printed = /Password \(shown once, store it now\): (\S+)$/.exec(reset.out)?.[1];
    await authenticateStaff(t.db, { shopId: 'cli-shop', email: 'cs@example.fr', password: printed!, now: start });

    expect(await admin(['disable', '--email', 'cs@example.fr'])).toMatchObject({ code: 0 });
    expect((await listStaff(t.db, 'cli-shop')).find((s) => s.email === 'cs@example.fr')!.disabledAt).toEqual(start);
    expect((await admin(['list'])).out).toMatch(/cs@example\.fr\s+customer_service\s+disabled 2027-03-01 10:00/);

    const last = await admin(['disable', '--email', 'boss@example.fr']);
    expect(last.code).toBe(1);
    expect(last.err).toMatch(/^error: staff\.last_owner \(staffId\): /);
  });

  it('says the shop is not loaded yet when its row does not exist (exit 1)', async () => {
    const r = await admin(['list'], 'unknown-shop');
    expect(r.code).toBe(1);
    expect(r.err).toBe('shop unknown-shop is not loaded yet: run `comptoir start` or `comptoir migrate` first');
    expect(r.out).toBe('');
  });
});
