// /api/admin/evidence (OR-6): the timeline for staff who may read orders, the
// chain check for the owner (audit.read), never for a stranger.
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { queueEmail } from '../../../src/app/emails.js';
import { dispatchOutbox } from '../../../src/jobs/outbox-dispatcher.js';
import { listEvidence } from '../../../src/store/evidence.js';
import { tamperWithEvidence } from '../../support/evidence-audit.js';
import { signIn, useTestApp } from '../../support/app.js';

const t = useTestApp('fa');
let owner: string;
let warehouse: string;
let service: string;

type Event = { seq: number; recordedAt: string; kind: string; subject: { type: string; id: string }; actor: string; data: Record<string, unknown>; prevHash: string; hash: string };
type Page = { events: Event[]; nextBefore: number | null };

async function get(url: string, cookie?: string) {
  return t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
}

beforeAll(async () => {
  owner = await signIn(t.app, t.owner.email, t.owner.password);
  const create = async (email: string, role: string) => {
    const response = await t.app.inject({ method: 'POST', url: '/api/admin/staff', headers: { cookie: owner }, payload: { email, role, password: 'a-long-enough-password-123' } });
    expect(response.statusCode).toBe(201);
    return signIn(t.app, email, 'a-long-enough-password-123');
  };
  warehouse = await create('depot@fildazur.example', 'warehouse');
  service = await create('sav@fildazur.example', 'customer_service');

  // Booting the shop recorded its terms (v1, v2); one email about an order follows.
  const now = await t.ctx.clock.now();
  await t.ctx.db.transaction().execute((tx) =>
    queueEmail(tx, { shopId: 'fa', key: 'test:evidence:1', email: { to: 'ada@example.com', subject: 'Commande', text: 'Merci', html: null, related: { kind: 'order', id: '2026-000001' } } }, now),
  );
  await dispatchOutbox(t.ctx.db, t.ctx.outbox, now);
});

describe('GET /api/admin/evidence', () => {
  it('refuses strangers (401)', async () => {
    for (const url of ['/api/admin/evidence', '/api/admin/evidence?subjectType=order&subjectId=2026-000001', '/api/admin/evidence/verify']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'auth.required' } });
    }
  });

  it('lists the log newest first for every role that may read orders', async () => {
    for (const cookie of [owner, service, warehouse]) {
      const response = await get('/api/admin/evidence', cookie);
      expect(response.statusCode).toBe(200);
      const body = response.json() as Page;
      expect(body.events.map((e) => [e.seq, e.kind, e.subject.type, e.subject.id])).toEqual([
        [3, 'email.sent', 'order', '2026-000001'],
        [2, 'terms.published', 'terms', 'v2'],
        [1, 'terms.published', 'terms', 'v1'],
      ]);
      expect(body.nextBefore).toBeNull();
      expect(body.events[1]!.prevHash).toBe(body.events[2]!.hash);
    }
  });

  it('gives the timeline of one subject, filters by kind, and pages with nextBefore', async () => {
    const timeline = (await get('/api/admin/evidence?subjectType=order&subjectId=2026-000001', service)).json() as Page;
    expect(timeline.events).toHaveLength(1);
    expect(timeline.events[0]).toMatchObject({ kind: 'email.sent', actor: 'system', data: { to: 'ada@example.com', related: { kind: 'order', id: '2026-000001' } } });
    expect(timeline.events[0]!.data.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(timeline.events[0]!.recordedAt).toBe((await t.ctx.clock.now()).toISOString());

    const terms = (await get('/api/admin/evidence?kind=terms.published', owner)).json() as Page;
    expect(terms.events.map((e) => e.subject.id)).toEqual(['v2', 'v1']);

    const first = (await get('/api/admin/evidence?limit=2', owner)).json() as Page;
    expect(first.events.map((e) => e.seq)).toEqual([3, 2]);
    expect(first.nextBefore).toBe(2);
    const second = (await get(`/api/admin/evidence?limit=2&before=${first.nextBefore}`, owner)).json() as Page;
    expect(second.events.map((e) => e.seq)).toEqual([1]);
    expect(second.nextBefore).toBeNull();
  });

  it('refuses half a subject, naming the missing field (400)', async () => {
    const response = await get('/api/admin/evidence?subjectType=order', owner);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'request.invalid', field: 'subjectId' } });
    expect((await get('/api/admin/evidence?limit=0', owner)).statusCode).toBe(400);
  });
});

describe('GET /api/admin/evidence/verify', () => {
  it('is for audit.read (the owner): 403 for other staff', async () => {
    for (const cookie of [service, warehouse]) {
      const response = await get('/api/admin/evidence/verify', cookie);
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ error: { code: 'auth.forbidden' } });
    }
  });

  it('reports an intact chain with its head, then the first broken event after tampering', async () => {
    const [last] = await listEvidence(t.ctx.db, 'fa', { limit: 1 });
    const intact = await get('/api/admin/evidence/verify', owner);
    expect(intact.statusCode).toBe(200);
    expect(intact.json()).toEqual({ ok: true, count: 3, head: last!.hash });

    await tamperWithEvidence(t.ctx.db, sql`UPDATE evidence_events SET actor = 'staff:1' WHERE shop_id = 'fa' AND seq = 2`);
    const broken = await get('/api/admin/evidence/verify', owner);
    expect(broken.statusCode).toBe(200);
    expect(broken.json()).toMatchObject({ ok: false, count: 1, brokenAt: 2 });
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await get('/docs/json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/admin/evidence'] ?? {})).toContain('get');
    expect(Object.keys(doc.paths['/api/admin/evidence/verify'] ?? {})).toContain('get');
  });
});
