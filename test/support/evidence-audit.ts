// `comptoir evidence verify` over the whole run (issue 6 done-when): after the
// suite, every shop's evidence log in every test database is recomputed with
// the function the CLI command runs (`verifyEvidenceChain`); a broken chain
// fails the run. The few tests that break a chain on purpose — to prove it is
// detected — say so with `tamperWithEvidence`, which marks their database.
import { sql, type RawBuilder } from 'kysely';
import pg from 'pg';
import { createDb, type Db } from '../../src/store/db.js';
import { verifyEvidenceChain } from '../../src/store/evidence.js';

const TAMPERED = 'comptoir:evidence-tampered-on-purpose';

/** As a DBA would, around the append-only trigger; the database is then left out of the run's verification. */
export async function tamperWithEvidence(db: Db, statement: RawBuilder<unknown>): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(tx);
    await sql`COMMENT ON DATABASE ${sql.id(rows[0]!.name)} IS ${sql.lit(TAMPERED)}`.execute(tx);
    await sql`ALTER TABLE evidence_events DISABLE TRIGGER evidence_events_append_only`.execute(tx);
    await statement.execute(tx);
    await sql`ALTER TABLE evidence_events ENABLE TRIGGER evidence_events_append_only`.execute(tx);
  });
}

export type EvidenceAudit = { databases: number; chains: number; events: number; skipped: number; broken: string[] };

/** Verifies every shop's chain in the databases named (the run's per-file databases). */
export async function verifyEvidenceOfRun(adminUrl: string, databases: readonly string[]): Promise<EvidenceAudit> {
  const audit: EvidenceAudit = { databases: 0, chains: 0, events: 0, skipped: 0, broken: [] };
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const name of databases) {
      const { rows } = await admin.query<{ comment: string | null }>('SELECT shobj_description(oid, $2) AS comment FROM pg_database WHERE datname = $1', [name, 'pg_database']);
      if (rows[0]?.comment === TAMPERED) {
        audit.skipped += 1;
        continue;
      }
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const db = createDb(url.toString(), { max: 1 });
      try {
        const exists = await sql<{ t: string | null }>`SELECT to_regclass('evidence_events')::text AS t`.execute(db);
        if (!exists.rows[0]?.t) continue;
        audit.databases += 1;
        const shops = await sql<{ shop_id: string }>`SELECT shop_id FROM evidence_heads UNION SELECT shop_id FROM evidence_events`.execute(db);
        for (const { shop_id } of shops.rows) {
          const result = await verifyEvidenceChain(db, shop_id);
          audit.chains += 1;
          if (result.ok) audit.events += result.count;
          else audit.broken.push(`${name}/${shop_id}: event ${result.brokenAt} — ${result.reason}`);
        }
      } finally {
        await db.destroy();
      }
    }
  } finally {
    await admin.end();
  }
  return audit;
}
