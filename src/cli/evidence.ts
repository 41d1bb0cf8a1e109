// `comptoir evidence verify [--shop <id>]`: proves the shop's evidence log
// (OR-6, src/store/evidence.ts) is intact. Exit 0 with the number of events and
// the head hash (worth writing down or publishing: it vouches for everything
// before it); exit 1 with the first broken event and why; 2 on a usage error.
import { verifyEvidenceChain } from '../store/evidence.js';
import type { CliCommand } from './context.js';

const usage = `Usage:
  comptoir evidence verify [--shop <id>]

Recomputes the hash chain of the shop's evidence log (OR-6) from its first event.
Exit 0: intact (prints the number of events and the head hash).
Exit 1: broken (prints the first altered, missing or out-of-place event and why).`;

export const evidenceCommand: CliCommand = async (args, ctx) => {
  const [sub, ...rest] = args;
  if (sub === 'help' || sub === '--help' || sub === '-h') {
    ctx.out(usage);
    return 0;
  }
  if (sub !== 'verify' || rest.length > 0) {
    ctx.err(`${sub === undefined ? 'Missing subcommand.' : sub !== 'verify' ? `Unknown subcommand '${sub}'.` : `Unexpected argument '${rest[0]}'.`}\n\n${usage}`);
    return 2;
  }

  const db = await ctx.openDb();
  const shopId = ctx.config.shopId;
  const shop = await db.selectFrom('shops').select('id').where('id', '=', shopId).executeTakeFirst();
  if (!shop) {
    ctx.err(`shop ${shopId} is not loaded yet: run \`comptoir start\` or \`comptoir migrate\` first`);
    return 1;
  }
  const result = await verifyEvidenceChain(db, shopId);
  if (result.ok) {
    ctx.out(`Evidence log of shop ${shopId}: ${result.count} event${result.count === 1 ? '' : 's'}, chain intact.`);
    ctx.out(`Head: ${result.head}`);
    return 0;
  }
  ctx.err(`Evidence log of shop ${shopId}: BROKEN at event ${result.brokenAt}: ${result.reason}.`);
  ctx.err(`${result.count} event${result.count === 1 ? '' : 's'} before it verified intact.`);
  return 1;
};
