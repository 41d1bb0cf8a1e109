// The audit log (issue "Foundation" §9): who did what in the back office. A use
// case writes its row with the same queryable (transaction) as its change, so
// the change and its record commit or roll back together.
import type { Queryable } from './db.js';

/** Who acts: a signed-in staff member (session or API token), the operator's shell, or the engine itself. */
export type Actor = { kind: 'staff'; staffId: string } | { kind: 'cli' } | { kind: 'system' };

export type AuditEntry = {
  id: string;
  shopId: string;
  /** `staff:<id>`, `cli` or `system`. */
  actor: string;
  staffId: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  at: Date;
};

export function actorLabel(actor: Actor): string {
  return actor.kind === 'staff' ? `staff:${actor.staffId}` : actor.kind;
}

// Secrets never reach the log, whatever a caller passes by mistake.
const secretKey = /^(password|passwords|password_?hash|new_?password|current_?password|token|token_?hash|api_?token|secret|session)$/i;

function assertNoSecrets(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertNoSecrets(v, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, v] of Object.entries(value)) {
      if (secretKey.test(key)) throw new Error(`recordAudit: refusing to store a secret in details (${path}.${key})`);
      assertNoSecrets(v, `${path}.${key}`);
    }
  }
}

export async function recordAudit(
  q: Queryable,
  entry: { shopId: string; actor: Actor; action: string; target?: string; details?: Record<string, unknown>; at: Date },
): Promise<void> {
  const details = entry.details ?? {};
  assertNoSecrets(details, 'details');
  await q
    .insertInto('audit_log')
    .values({
      shop_id: entry.shopId,
      staff_id: entry.actor.kind === 'staff' ? entry.actor.staffId : null,
      actor: actorLabel(entry.actor),
      action: entry.action,
      target: entry.target ?? null,
      details: JSON.stringify(details),
      at: entry.at,
    })
    .execute();
}

/** Newest first; `limit` defaults to 50 and is capped at 500. */
export async function listAudit(q: Queryable, shopId: string, options: { limit?: number } = {}): Promise<AuditEntry[]> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50) || 50, 1), 500);
  const rows = await q
    .selectFrom('audit_log')
    .select(['id', 'shop_id', 'actor', 'staff_id', 'action', 'target', 'details', 'at'])
    .where('shop_id', '=', shopId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    shopId: r.shop_id,
    actor: r.actor,
    staffId: r.staff_id,
    action: r.action,
    target: r.target,
    details: r.details,
    at: r.at,
  }));
}
