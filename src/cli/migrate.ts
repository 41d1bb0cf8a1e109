// `comptoir migrate` and `comptoir seed`: the database and the shop without the HTTP server.
import { bootShop } from '../app/boot.js';
import { seedSyntheticProducts } from '../app/synthetic-catalogue.js';
import type { CliCommand } from './context.js';
import { explainStartupError } from './startup-errors.js';

/** `--products N` (seed only): N synthetic products on top of the demo catalogue (benchmarks). */
function syntheticCount(args: string[]): number | null | 'invalid' {
  const i = args.findIndex((a) => a === '--products' || a.startsWith('--products='));
  if (i < 0) return args.length === 0 ? null : 'invalid';
  const value = args[i]!.includes('=') ? args[i]!.slice('--products='.length) : args[i + 1];
  const n = Number(value);
  return value && /^\d+$/.test(value) && n >= 1 && n <= 10_000_000 ? n : 'invalid';
}

const install =
  (seed: boolean): CliCommand =>
  async (args, ctx) => {
    const synthetic = seed ? syntheticCount(args) : null;
    if (synthetic === 'invalid') {
      ctx.err('Usage: comptoir seed [--products N]   (N between 1 and 10 000 000)');
      return 2;
    }
    try {
      const db = await ctx.openDb();
      const booted = await bootShop(ctx.config, db, { seed });
      ctx.out(`Database migrated; shop ${booted.ctx.shop.id} loaded (policy ${booted.ctx.shop.policyHash.slice(0, 12)}, ${booted.ctx.shop.terms.length} terms version(s)).`);
      if (seed) ctx.out(booted.catalogue.seeded ? `Demo catalogue seeded: ${booted.catalogue.products} products.` : 'Demo catalogue already seeded: nothing to do.');
      if (synthetic !== null) {
        const started = Date.now();
        const currencies = booted.ctx.shop.policy.pricing.priceLists.map((l) => l.currency);
        await seedSyntheticProducts(db, { shopId: booted.ctx.shop.id, count: synthetic, currencies, now: await booted.ctx.clock.now() });
        ctx.out(`Synthetic products seeded: ${synthetic} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      }
      if (booted.firstOwner) ctx.out(`Owner account created — email: ${booted.firstOwner.email} password (shown once): ${booted.firstOwner.password}`);
      return 0;
    } catch (error) {
      ctx.err(explainStartupError(error, ctx.config));
      return 1;
    }
  };

export const migrateCommand = install(false);
export const seedCommand = install(true);
