// `comptoir admin …`: staff accounts and API tokens from the operator's shell
// (issue "Foundation" §9). The CLI acts as `cli` in the audit log. Passwords
// and tokens are printed once and never stored in clear.
import { parseArgs } from 'node:util';
import { openEngineClock } from '../adapters/clock.js';
import {
  changePassword,
  createApiToken,
  createStaff,
  disableStaff,
  getStaffByEmail,
  listApiTokens,
  listStaff,
  revokeApiToken,
  type Actor,
  type StaffAccount,
} from '../app/staff.js';
import { DomainError } from '../domain/errors.js';
import { staffRoles } from '../domain/staff-roles.js';
import type { Db } from '../store/db.js';
import type { CliCommand, CliContext } from './context.js';

const usage = `Usage:
  comptoir admin create --email <email> --role <role> [--password <password>] [--name <display name>]
  comptoir admin list
  comptoir admin disable --email <email>
  comptoir admin password --email <email> [--password <password>]
  comptoir admin token create --email <email> --name <token name>
  comptoir admin token list
  comptoir admin token revoke <token id>

Roles: ${staffRoles.join(', ')}.
Without --password, a password is generated and printed once.`;

class UsageError extends Error {}

const actor: Actor = { kind: 'cli' };

type Run = (db: Db, now: Date, ctx: CliContext) => Promise<number>;

function parse(args: string[], options: string[], positionals: string[] = []): { values: Record<string, string | undefined>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: Object.fromEntries(options.map((name) => [name, { type: 'string' as const }])),
      allowPositionals: positionals.length > 0,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.positionals.length !== positionals.length) {
    throw new UsageError(positionals.length ? `Expected ${positionals.map((p) => `<${p}>`).join(' ')}.` : `Unexpected argument '${parsed.positionals[0]}'.`);
  }
  return { values: parsed.values as Record<string, string | undefined>, positionals: parsed.positionals };
}

function required(values: Record<string, string | undefined>, name: string): string {
  const value = values[name];
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required.`);
  return value;
}

async function staffByEmail(db: Db, shopId: string, email: string): Promise<StaffAccount> {
  const staff = await getStaffByEmail(db, shopId, email);
  if (!staff) throw new DomainError('staff.not_found', { field: 'email' }, `No staff account with the email ${email}.`);
  return staff;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '-');

/** Reads the command line into what to run; throws UsageError before any database is opened. */
function plan(args: string[]): Run | 'help' {
  const [sub, ...rest] = args;
  switch (sub) {
    case undefined:
      throw new UsageError('Missing subcommand.');
    case '--help':
    case '-h':
    case 'help':
      return 'help';
    case 'create': {
      const { values } = parse(rest, ['email', 'role', 'password', 'name']);
      const email = required(values, 'email');
      const role = required(values, 'role');
      return async (db, now, ctx) => {
        const { staff, generatedPassword } = await createStaff(db, {
          shopId: ctx.config.shopId,
          email,
          role,
          password: values.password,
          displayName: values.name,
          actor,
          now,
        });
        ctx.out(`Created ${staff.role} ${staff.email} (staff ${staff.id}).`);
        if (generatedPassword) ctx.out(`Password (shown once, store it now): ${generatedPassword}`);
        return 0;
      };
    }
    case 'list': {
      parse(rest, []);
      return async (db, _now, ctx) => {
        const staff = await listStaff(db, ctx.config.shopId);
        if (staff.length === 0) {
          ctx.out(`No staff accounts in shop ${ctx.config.shopId}.`);
          return 0;
        }
        const rows = staff.map((s) => [s.id, s.email, s.role, s.disabledAt ? `disabled ${day(s.disabledAt)}` : 'active', s.displayName]);
        for (const line of table([['ID', 'EMAIL', 'ROLE', 'STATUS', 'NAME'], ...rows])) ctx.out(line);
        return 0;
      };
    }
    case 'disable': {
      const { values } = parse(rest, ['email']);
      const email = required(values, 'email');
      return async (db, now, ctx) => {
        const target = await staffByEmail(db, ctx.config.shopId, email);
        const staff = await disableStaff(db, { shopId: ctx.config.shopId, staffId: target.id, actor, now });
        ctx.out(`Disabled ${staff.email} (staff ${staff.id}).`);
        return 0;
      };
    }
    case 'password': {
      const { values } = parse(rest, ['email', 'password']);
      const email = required(values, 'email');
      return async (db, now, ctx) => {
        const target = await staffByEmail(db, ctx.config.shopId, email);
        const { staff, generatedPassword } = await changePassword(db, {
          shopId: ctx.config.shopId,
          staffId: target.id,
          newPassword: values.password,
          actor,
          now,
        });
        ctx.out(`Password changed for ${staff.email} (staff ${staff.id}).`);
        if (generatedPassword) ctx.out(`Password (shown once, store it now): ${generatedPassword}`);
        return 0;
      };
    }
    case 'token':
      return planToken(rest);
    default:
      throw new UsageError(`Unknown subcommand '${sub}'.`);
  }
}

function planToken(args: string[]): Run {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create': {
      const { values } = parse(rest, ['email', 'name']);
      const email = required(values, 'email');
      const name = required(values, 'name');
      return async (db, now, ctx) => {
        const staff = await staffByEmail(db, ctx.config.shopId, email);
        const created = await createApiToken(db, { shopId: ctx.config.shopId, staffId: staff.id, name, actor, now });
        ctx.out(`Created API token ${created.id} "${created.name}" acting as ${staff.email} (${staff.role}).`);
        ctx.out(`Token (shown once, store it now): ${created.token}`);
        return 0;
      };
    }
    case 'list': {
      parse(rest, []);
      return async (db, _now, ctx) => {
        const tokens = await listApiTokens(db, ctx.config.shopId);
        if (tokens.length === 0) {
          ctx.out(`No API tokens in shop ${ctx.config.shopId}.`);
          return 0;
        }
        const rows = tokens.map((t) => [t.id, t.name, t.staffEmail, day(t.createdAt), day(t.lastUsedAt), t.revokedAt ? `revoked ${day(t.revokedAt)}` : 'active']);
        for (const line of table([['ID', 'NAME', 'STAFF', 'CREATED', 'LAST USED', 'STATUS'], ...rows])) ctx.out(line);
        return 0;
      };
    }
    case 'revoke': {
      const { positionals } = parse(rest, [], ['token id']);
      const tokenId = positionals[0]!;
      if (!/^[1-9][0-9]*$/.test(tokenId)) throw new UsageError(`'${tokenId}' is not a token id (see \`comptoir admin token list\`).`);
      return async (db, now, ctx) => {
        const token = await revokeApiToken(db, { shopId: ctx.config.shopId, tokenId, actor, now });
        ctx.out(`Revoked API token ${token.id} "${token.name}" (${token.staffEmail}).`);
        return 0;
      };
    }
    case undefined:
      throw new UsageError('Missing token subcommand: create, list or revoke.');
    default:
      throw new UsageError(`Unknown token subcommand '${sub}'.`);
  }
}

export const adminCommand: CliCommand = async (args, ctx) => {
  let run: Run | 'help';
  try {
    run = plan(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    ctx.err(`${error.message}\n\n${usage}`);
    return 2;
  }
  if (run === 'help') {
    ctx.out(usage);
    return 0;
  }

  const db = await ctx.openDb();
  const shopId = ctx.config.shopId;
  const shop = await db.selectFrom('shops').select('id').where('id', '=', shopId).executeTakeFirst();
  if (!shop) {
    ctx.err(`shop ${shopId} is not loaded yet: run \`comptoir start\` or \`comptoir migrate\` first`);
    return 1;
  }
  const now = await (await openEngineClock(db, ctx.config.clock)).now();
  try {
    return await run(db, now, ctx);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const field = error.details.field ? ` (${error.details.field})` : '';
    ctx.err(`error: ${error.code}${field}: ${error.message === error.code ? error.code.replace(/[._]/g, ' ') : error.message}`);
    return 1;
  }
};
