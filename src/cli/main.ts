// `comptoir <command>`: the developer's and operator's entry point (src/cli.ts runs it).
import { ConfigError, readConfig, type Config } from '../config.js';
import type { CliCommand, CliContext } from './context.js';
import { openDatabase, type OpenDatabase } from '../store/connect.js';

const commands: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  start: { summary: 'start the engine (HTTP server, timers) for a shop', load: async () => (await import('./start.js')).startCommand },
  migrate: { summary: 'apply database migrations and load the shop policy', load: async () => (await import('./migrate.js')).migrateCommand },
  seed: { summary: 'load the shop and seed its demo catalogue (once); --products N adds N synthetic products', load: async () => (await import('./migrate.js')).seedCommand },
  policy: { summary: 'policy lint <shop | file> [--json]: check a policy against the legal floor', load: async () => (await import('./policy-lint.js')).policyLintCommand },
  clock: { summary: 'clock show | advance <duration> | set <instant>: the engine clock (manual in dev/test)', load: async () => (await import('./clock.js')).clockCommand },
  admin: { summary: 'admin create | list | token create | token revoke: staff accounts and API tokens', load: async () => (await import('./admin.js')).adminCommand },
  evidence: { summary: 'evidence verify: prove the evidence log (hash chain, OR-6) is intact', load: async () => (await import('./evidence.js')).evidenceCommand },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return ['Usage: comptoir <command> [--shop <id>] [options]', '', 'Commands:', ...lines, '', 'Configuration: see README.md#configuration.'].join('\n');
}

/** `--shop pf` anywhere on the command line selects the shop, like COMPTOIR_SHOP. */
function extractShop(args: string[]): { shop?: string; rest: string[] } {
  const rest: string[] = [];
  let shop: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--shop') shop = args[++i];
    else if (arg.startsWith('--shop=')) shop = arg.slice(7);
    else rest.push(arg);
  }
  return { shop, rest };
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rawArgs] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`Unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  const { shop, rest } = extractShop(rawArgs);
  let config: Config;
  try {
    config = readConfig(shop ? { ...process.env, COMPTOIR_SHOP: shop } : process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  // The policy command takes `lint` as its first word.
  if (name === 'policy' && rest[0] !== 'lint') {
    console.error(`Usage: comptoir policy lint <shop-id | path/to/policy.yaml> [--json]`);
    return 2;
  }
  const args = name === 'policy' ? rest.slice(1) : rest;
  let opened: OpenDatabase | undefined;
  const ctx: CliContext = {
    config,
    openDb: async () => (opened ??= await openDatabase(config, 'cli')).db,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  };
  try {
    return await (await command.load())(args, ctx);
  } finally {
    await opened?.close();
  }
}

