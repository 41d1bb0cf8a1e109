// `comptoir evidence verify`: exit 0 with the count and head hash when the log
// is intact, exit 1 naming the first broken event, exit 2 on a usage error.
import { sql } from 'kysely';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { evidenceCommand } from '../../src/cli/evidence.js';
import { main } from '../../src/cli/main.js';
import { readConfig } from '../../src/config.js';
import { appendEvidence, evidenceGenesis } from '../../src/store/evidence.js';
import { tamperWithEvidence } from '../support/evidence-audit.js';
import { useTestDatabase } from '../support/database.js';

const t = useTestDatabase();
const start = new Date('2027-03-01T10:00:00Z');

async function evidence(args: string[], shopId: string) {
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
  const code = await evidenceCommand(args, ctx);
  return { code, out: out.join('\n'), err: err.join('\n'), opened };
}

async function addShop(id: string, events: number): Promise<string> {
  await t.db.insertInto('shops').values({ id, name: id, policy_hash: 'x', loaded_at: start }).execute();
  let head = evidenceGenesis(id);
  for (let n = 1; n <= events; n++) {
    head = (
      await t.db.transaction().execute((tx) =>
        appendEvidence(tx, { shopId: id, kind: 'email.sent', subject: { type: 'order', id: String(n) }, actor: 'system', data: { n }, at: start }),
      )
    ).hash;
  }
  return head;
}

describe('comptoir evidence verify', () => {
  let intactHead: string;
  beforeAll(async () => {
    intactHead = await addShop('intact', 3);
    await addShop('empty', 0);
    await addShop('tampered', 4);
    await tamperWithEvidence(t.db, sql`UPDATE evidence_events SET data = '{"n": 0}' WHERE shop_id = 'tampered' AND seq = 2`);
  });

  it('intact: prints the count and the head hash, exit 0', async () => {
    expect(await evidence(['verify'], 'intact')).toEqual({
      code: 0,
      out: `Evidence log of shop intact: 3 events, chain intact.\nHead: ${intactHead}`,
      err: '',
      opened: true,
    });
  });

  it('an empty log is intact, its head the genesis', async () => {
    expect(await evidence(['verify'], 'empty')).toMatchObject({ code: 0, out: `Evidence log of shop empty: 0 events, chain intact.\nHead: ${evidenceGenesis('empty')}` });
  });

  it('broken: names the first broken event and why, exit 1', async () => {
    const r = await evidence(['verify'], 'tampered');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'Evidence log of shop tampered: BROKEN at event 2: its content does not match its hash (altered after it was recorded).\n1 event before it verified intact.',
    );
  });

  it('an unknown shop: exit 1', async () => {
    expect(await evidence(['verify'], 'nowhere')).toMatchObject({ code: 1, err: 'shop nowhere is not loaded yet: run `comptoir start` or `comptoir migrate` first' });
  });

  it.each([[[]], [['check']], [['verify', 'extra']]])('%j is a usage error (exit 2) and opens no database', async (args) => {
    const r = await evidence(args, 'intact');
    expect(r).toMatchObject({ code: 2, opened: false });
    expect(r.err).toContain('Usage:\n  comptoir evidence verify [--shop <id>]');
  });

  it('is listed by `comptoir --help`', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await main(['--help'])).toBe(0);
      expect(log.mock.calls.flat().join('\n')).toMatch(/^ {2}evidence +evidence verify: /m);
    } finally {
      log.mockRestore();
    }
  });
});
