// Issue "Foundation" §7 and §9 through /api/admin: signing in, roles, the audit
// log, API tokens, and the dev clock (absent in production).
import type { InjectOptions } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TimerHandler } from '../../../src/jobs/timer-runner.js';
import { scheduleTimer } from '../../../src/store/timers.js';
import { signIn, TEST_START, useTestApp, type TestApp } from '../../support/app.js';

const WAREHOUSE = { email: 'entrepot@fa.example', password: 'warehouse password 2026', role: 'warehouse' };

async function call(t: TestApp, options: InjectOptions) {
  const response = await t.app.inject(options);
  return { status: response.statusCode, body: response.body ? (response.json() as Record<string, unknown>) : null, response };
}

describe('FA back office API', () => {
  const t = useTestApp('fa');
  let owner: string;
  let ownerId: string;

  beforeAll(async () => {
    owner = await signIn(t.app, t.owner.email, t.owner.password);
    ownerId = ((await call(t, { method: 'GET', url: '/api/admin/me', headers: { cookie: owner } })).body as { staff: { id: string } }).staff.id;
  });

  describe('POST /api/admin/session', () => {
    it('signs in with the right password and sets an HttpOnly, SameSite=Lax, Secure session cookie', async () => {
      const { status, body, response } = await call(t, { method: 'POST', url: '/api/admin/session', payload: { email: t.owner.email.toUpperCase(), password: t.owner.password } });
      expect(status).toBe(200);
      expect(body).toMatchObject({ staff: { email: t.owner.email, role: 'owner', disabled: false } });
      const cookie = response.cookies.find((c) => c.name === 'comptoir_session');
      expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
      const me = await call(t, { method: 'GET', url: '/api/admin/me', headers: { cookie: `comptoir_session=${encodeURIComponent(cookie!.value)}` } });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ staff: { email: t.owner.email }, permissions: expect.arrayContaining(['staff.manage', 'dev.clock']) });
    });

    it('answers auth.invalid_credentials alike for an unknown email and a wrong password, and sets no session', async () => {
      for (const payload of [
        { email: 'nobody@fa.example', password: t.owner.password },
        { email: t.owner.email, password: 'wrong password, surely' },
      ]) {
        const { status, body, response } = await call(t, { method: 'POST', url: '/api/admin/session', payload });
        expect(status).toBe(401);
        expect(body).toEqual({ error: { code: 'auth.invalid_credentials', message: expect.any(String) } });
        expect(response.cookies.find((c) => c.name === 'comptoir_session')).toBeUndefined();
      }
    });

    it('signs out: the cookie is cleared', async () => {
      const cookie = await signIn(t.app, t.owner.email, t.owner.password);
      const { status, response } = await call(t, { method: 'DELETE', url: '/api/admin/session', headers: { cookie } });
      expect(status).toBe(204);
      const cleared = response.cookies.find((c) => c.name === 'comptoir_session');
      expect(cleared?.value ?? '').toBe('');
    });

    it('limits sign-in attempts: it eventually answers 429 with a JSON error code', async () => {
      // A client of its own (another address), so the other tests keep their quota.
      const attempt = () =>
        call(t, { method: 'POST', url: '/api/admin/session', remoteAddress: '203.0.113.7', payload: { email: t.owner.email, password: 'guessing, guessing' } });
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof attempt>> | undefined;
      for (let i = 0; i < 15 && last?.status !== 429; i++) {
        last = await attempt();
        statuses.push(last.status);
      }
      expect(statuses[0]).toBe(401);
      expect(last!.status).toBe(429);
      expect(last!.body).toMatchObject({ error: { code: 'request.rate_limited', message: expect.any(String) } });
      expect(last!.response.headers['retry-after']).toBeDefined();
      // Even the right password is refused now, from that address.
      const right = await call(t, { method: 'POST', url: '/api/admin/session', remoteAddress: '203.0.113.7', payload: { email: t.owner.email, password: t.owner.password } });
      expect(right.status).toBe(429);
    });
  });

  describe('roles and the audit log', () => {
    let warehouse: string;
    let warehouseId: string;

    beforeAll(async () => {
      const { status, body } = await call(t, { method: 'POST', url: '/api/admin/staff', headers: { cookie: owner }, payload: WAREHOUSE });
      expect(status).toBe(201);
      warehouseId = (body as { staff: { id: string } }).staff.id;
      warehouse = await signIn(t.app, WAREHOUSE.email, WAREHOUSE.password);
    });

    it('records the staff creation with who did it', async () => {
      const { status, body } = await call(t, { method: 'GET', url: '/api/admin/audit', headers: { cookie: owner } });
      expect(status).toBe(200);
      const entries = (body as { entries: { actor: string; action: string; target: string | null; details: Record<string, unknown> }[] }).entries;
      expect(entries).toContainEqual({
        at: TEST_START.replace('Z', '.000Z'),
        actor: `staff:${ownerId}`,
        action: 'staff.create',
        target: `staff:${warehouseId}`,
        details: { email: WAREHOUSE.email, role: 'warehouse', passwordGenerated: false },
      });
      expect(JSON.stringify(entries)).not.toContain(WAREHOUSE.password);
    });

    it('generates a password when none is given, and refuses a taken email with 409', async () => {
      const created = await call(t, { method: 'POST', url: '/api/admin/staff', headers: { cookie: owner }, payload: { email: 'sav@fa.example', role: 'customer_service' } });
      expect(created.status).toBe(201);
      expect((created.body as { generatedPassword: string }).generatedPassword).toMatch(/^\S{24,}$/);
      const again = await call(t, { method: 'POST', url: '/api/admin/staff', headers: { cookie: owner }, payload: { email: 'SAV@fa.example', role: 'warehouse' } });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ error: { code: 'staff.email_taken', field: 'email' } });
    });

    it('refuses staff management and the dev clock to a warehouse member with 403 auth.forbidden', async () => {
      for (const options of [
        { method: 'GET', url: '/api/admin/staff' },
        { method: 'POST', url: '/api/admin/staff', payload: { email: 'x@fa.example', role: 'owner' } },
        { method: 'GET', url: '/api/admin/audit' },
        { method: 'POST', url: '/api/admin/tokens', payload: { name: 'mine' } },
        { method: 'GET', url: '/api/admin/dev/clock' },
        { method: 'POST', url: '/api/admin/dev/clock', payload: { advance: '1d' } },
      ] as InjectOptions[]) {
        const { status, body } = await call(t, { ...options, headers: { cookie: warehouse } });
        expect(status, `${options.method} ${options.url}`).toBe(403);
        expect(body, `${options.method} ${options.url}`).toMatchObject({ error: { code: 'auth.forbidden' } });
      }
      // Nothing was created, and the clock did not move.
      const staff = await call(t, { method: 'GET', url: '/api/admin/staff', headers: { cookie: owner } });
      expect((staff.body as { staff: { email: string }[] }).staff.map((s) => s.email)).not.toContain('x@fa.example');
      expect((await t.ctx.clock.now()).toISOString()).toBe(new Date(TEST_START).toISOString());
    });

    it('lets the owner do the same', async () => {
      expect((await call(t, { method: 'GET', url: '/api/admin/staff', headers: { cookie: owner } })).status).toBe(200);
      expect((await call(t, { method: 'GET', url: '/api/admin/dev/clock', headers: { cookie: owner } })).body).toEqual({ kind: 'manual', now: new Date(TEST_START).toISOString() });
    });

    it('tells a warehouse member who they are and what they may do', async () => {
      const { status, body } = await call(t, { method: 'GET', url: '/api/admin/me', headers: { cookie: warehouse } });
      expect(status).toBe(200);
      const { staff, permissions } = body as { staff: { role: string }; permissions: string[] };
      expect(staff.role).toBe('warehouse');
      expect(permissions).toContain('fulfilment.manage');
      expect(permissions).not.toContain('staff.manage');
      expect(permissions).not.toContain('dev.clock');
    });
  });

  describe('API tokens', () => {
    it('creates a token, accepts it as Bearer, and refuses it once revoked', async () => {
      const created = await call(t, { method: 'POST', url: '/api/admin/tokens', headers: { cookie: owner }, payload: { name: 'ERP sync' } });
      expect(created.status).toBe(201);
      const { id, token } = created.body as { id: string; token: string };
      expect(token).toMatch(/^cpt_[A-Za-z0-9_-]{43}$/);
      const bearer = { authorization: `Bearer ${token}` };

      const me = await call(t, { method: 'GET', url: '/api/admin/me', headers: bearer });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ staff: { id: ownerId, role: 'owner' } });
      // The token acts with its owner's role: it may manage staff, and that is audited as them.
      const made = await call(t, { method: 'POST', url: '/api/admin/staff', headers: bearer, payload: { email: 'boutique@fa.example', role: 'store_staff' } });
      expect(made.status).toBe(201);

      const revoked = await call(t, { method: 'DELETE', url: `/api/admin/tokens/${id}`, headers: bearer });
      expect(revoked.status).toBe(204);
      const after = await call(t, { method: 'GET', url: '/api/admin/me', headers: bearer });
      expect(after.status).toBe(401);
      expect(after.body).toMatchObject({ error: { code: 'auth.invalid_token' } });

      const audit = (await call(t, { method: 'GET', url: '/api/admin/audit', headers: { cookie: owner } })).body as { entries: { actor: string; action: string; target: string | null }[] };
      expect(audit.entries.map((e) => `${e.actor} ${e.action} ${e.target}`)).toEqual(
        expect.arrayContaining([`staff:${ownerId} api_token.create api_token:${id}`, `staff:${ownerId} api_token.revoke api_token:${id}`]),
      );
      expect(JSON.stringify(audit)).not.toContain(token);
    });

    it('answers 404 for a token that does not exist', async () => {
      const { status, body } = await call(t, { method: 'DELETE', url: '/api/admin/tokens/999999', headers: { cookie: owner } });
      expect(status).toBe(404);
      expect(body).toMatchObject({ error: { code: 'api_token.not_found' } });
    });
  });

  describe('dev clock (§7)', () => {
    const fired: { key: string; at: string }[] = [];

    beforeAll(async () => {
      // A timer kind for this test, registered like those of src/jobs/timer-kinds.ts.
      const ping: TimerHandler = async (_tx, timer, now) => {
        fired.push({ key: timer.key, at: now.toISOString() });
      };
      (t.ctx.timers as Record<string, TimerHandler>)['test.ping'] = ping;
      const start = new Date(TEST_START).getTime();
      const day = 86_400_000;
      // Scheduled out of order: they must fire in due order.
      for (const [key, offset] of [['test.ping:second', 2 * day], ['test.ping:first', day / 2], ['test.ping:later', 5 * day]] as const) {
        await scheduleTimer(t.ctx.db, { shopId: 'fa', kind: 'test.ping', key, dueAt: new Date(start + offset) }, new Date(start));
      }
    });

    it('moves the manual clock by 3 days and fires the timers due, in due order, before answering', async () => {
      const { status, body } = await call(t, { method: 'POST', url: '/api/admin/dev/clock', headers: { cookie: owner }, payload: { advance: '3d' } });
      expect(status).toBe(200);
      expect(body).toEqual({ kind: 'manual', from: '2026-11-23T09:00:00.000Z', now: '2026-11-26T09:00:00.000Z', fired: 2 });
      expect(fired).toEqual([
        { key: 'test.ping:first', at: '2026-11-23T21:00:00.000Z' },
        { key: 'test.ping:second', at: '2026-11-25T09:00:00.000Z' },
      ]);
      expect((await call(t, { method: 'GET', url: '/api/admin/dev/clock', headers: { cookie: owner } })).body).toEqual({ kind: 'manual', now: '2026-11-26T09:00:00.000Z' });
      expect((await call(t, { method: 'GET', url: '/health' })).body).toMatchObject({ now: '2026-11-26T09:00:00.000Z' });

      const audit = (await call(t, { method: 'GET', url: '/api/admin/audit?limit=1', headers: { cookie: owner } })).body as { entries: unknown[] };
      expect(audit.entries).toEqual([
        { at: '2026-11-26T09:00:00.000Z', actor: `staff:${ownerId}`, action: 'clock.advanced', target: null, details: { from: '2026-11-23T09:00:00.000Z', to: '2026-11-26T09:00:00.000Z', fired: 2 } },
      ]);
    });

    it('moves it to an instant, firing what falls due', async () => {
      const { status, body } = await call(t, { method: 'POST', url: '/api/admin/dev/clock', headers: { cookie: owner }, payload: { to: '2026-12-01T00:00:00+01:00' } });
      expect(status).toBe(200);
      expect(body).toMatchObject({ now: '2026-11-30T23:00:00.000Z', fired: 1 });
      expect(fired.map((f) => f.key)).toEqual(['test.ping:first', 'test.ping:second', 'test.ping:later']);
    });

    it('refuses to go backwards with 409 clock.backwards', async () => {
      const { status, body } = await call(t, { method: 'POST', url: '/api/admin/dev/clock', headers: { cookie: owner }, payload: { to: '2026-11-01T00:00:00Z' } });
      expect(status).toBe(409);
      expect(body).toMatchObject({ error: { code: 'clock.backwards' } });
      expect((await t.ctx.clock.now()).toISOString()).toBe('2026-11-30T23:00:00.000Z');
    });

    it('refuses a bad duration with 400 clock.invalid_duration naming the field', async () => {
      for (const advance of ['3 days', '-1d', '1x', 'd3']) {
        const { status, body } = await call(t, { method: 'POST', url: '/api/admin/dev/clock', headers: { cookie: owner }, payload: { advance } });
        expect(status, advance).toBe(400);
        expect(body, advance).toMatchObject({ error: { code: 'clock.invalid_duration', field: 'advance' } });
      }
    });

    it('refuses a body that is neither an advance nor an instant with 400', async () => {
      for (const payload of [{}, { advance: 3 }, { to: 'tomorrow' }]) {
        const { status, body } = await call(t, { method: 'POST', url: '/api/admin/dev/clock', headers: { cookie: owner }, payload });
        expect(status, JSON.stringify(payload)).toBe(400);
        expect(body, JSON.stringify(payload)).toMatchObject({ error: { code: 'request.invalid', field: expect.any(String) } });
      }
    });
  });
});

describe('in production', () => {
  const t = useTestApp('fa', { env: 'production' });

  it('boots on the system clock', async () => {
    const { status, body } = await call(t, { method: 'GET', url: '/health' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', clock: 'system' });
  });

  it('has no dev clock route, even for the owner', async () => {
    const owner = await signIn(t.app, t.owner.email, t.owner.password);
    for (const options of [
      { method: 'GET', url: '/api/admin/dev/clock' },
      { method: 'POST', url: '/api/admin/dev/clock', payload: { advance: '3d' } },
      { method: 'POST', url: '/admin/dev/clock', payload: { advance: '3d' } },
    ] as InjectOptions[]) {
      const { status, body } = await call(t, { ...options, headers: { cookie: owner } });
      expect(status, `${options.method} ${options.url}`).toBe(404);
      expect(body, `${options.method} ${options.url}`).toMatchObject({ error: { code: 'route.not_found' } });
    }
    expect((await call(t, { method: 'GET', url: '/api/admin/me', headers: { cookie: owner } })).status).toBe(200);
  });
});
