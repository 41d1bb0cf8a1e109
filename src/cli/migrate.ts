// `comptoir migrate` and `comptoir seed`: the database and the shop without the HTTP server.
import { bootShop } from '../app/boot.js';
import type { CliCommand } from './context.js';
import { explainStartupError } from './startup-errors.js';

const install =
  (seed: boolean): CliCommand =>
  async (_args, ctx) => {
    try {
      const db = await ctx.openDb();
      const booted = await bootShop(ctx.config, db, { seed });
      ctx.out(`Database migrated; shop ${booted.ctx.shop.id} loaded (policy ${booted.ctx.shop.policyHash.slice(0, 12)}, ${booted.ctx.shop.terms.length} terms version(s)).`);
      if (seed) ctx.out(booted.catalogue.seeded ? `Demo catalogue seeded: ${booted.catalogue.products} products.` : 'Demo catalogue already seeded: nothing to do.');
      if (booted.firstOwner) ctx.out(`Owner account created — email: ${booted.firstOwner.email} password (shown once): ${booted.firstOwner.password}`);
      return 0;
    } catch (error) {
      ctx.err(explainStartupError(error, ctx.config));
      return 1;
    }
  };

export const migrateCommand = install(false);
export const seedCommand = install(true);
