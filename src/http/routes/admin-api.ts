// /api/admin: staff sign-in, staff and token management, audit log, dev clock.
// Every route but sign-in declares its permission (src/domain/staff-roles.ts).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ManualClock } from '../../adapters/clock.js';
import type { AppContext } from '../../app/context.js';
import { authenticateStaff, createApiToken, createStaff, listStaff, revokeApiToken, type Actor, type StaffAccount } from '../../app/staff.js';
import { DomainError } from '../../domain/errors.js';
import { parseDuration } from '../../domain/duration.js';
import { permissionsOf, staffRoles } from '../../domain/staff-roles.js';
import { advanceManualClock } from '../../jobs/timer-runner.js';
import { listAudit, recordAudit } from '../../store/audit.js';
import { requireStaff } from '../auth.js';

const staffView = z.object({ id: z.string(), email: z.string(), displayName: z.string(), role: z.enum(staffRoles), disabled: z.boolean() });
const toStaffView = (s: StaffAccount) => ({ id: s.id, email: s.email, displayName: s.displayName, role: s.role, disabled: s.disabledAt !== null });
const actorOf = (staff: StaffAccount | null): Actor => ({ kind: 'staff', staffId: staff!.id });

/** The body's `advance` as milliseconds; a bad duration names that field. */
function parseAdvance(advance: string): number {
  try {
    return parseDuration(advance);
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError(error.code, { ...error.details, field: 'advance' }, error.message);
    throw error;
  }
}

export const adminApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const shopId = ctx.shop.id;

  app.post(
    '/session',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['admin: access'],
        summary: 'Sign in to the back office (sets the session cookie)',
        body: z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) }),
        response: { 200: z.object({ staff: staffView }) },
      },
    },
    async (request) => {
      const now = await ctx.clock.now();
      const staff = await authenticateStaff(ctx.db, { shopId, email: request.body.email, password: request.body.password, now });
      request.session.set('staffId', staff.id);
      await recordAudit(ctx.db, { shopId, actor: actorOf(staff), action: 'staff.signed_in', target: `staff:${staff.id}`, at: now });
      return { staff: toStaffView(staff) };
    },
  );

  app.delete('/session', { schema: { tags: ['admin: access'], summary: 'Sign out' } }, async (request, reply) => {
    request.session.delete();
    return reply.status(204).send();
  });

  app.get(
    '/me',
    {
      onRequest: requireStaff(ctx, 'signed_in'),
      schema: { tags: ['admin: access'], summary: 'The signed-in staff member and what they may do', response: { 200: z.object({ staff: staffView, permissions: z.array(z.string()) }) } },
    },
    async (request) => ({ staff: toStaffView(request.staff!), permissions: [...permissionsOf(request.staff!.role)] }),
  );

  app.get(
    '/staff',
    { onRequest: requireStaff(ctx, 'staff.manage'), schema: { tags: ['admin: access'], summary: 'Staff accounts', response: { 200: z.object({ staff: z.array(staffView) }) } } },
    async () => ({ staff: (await listStaff(ctx.db, shopId)).map(toStaffView) }),
  );

  app.post(
    '/staff',
    {
      onRequest: requireStaff(ctx, 'staff.manage'),
      schema: {
        tags: ['admin: access'],
        summary: 'Create a staff account (a password is generated when none is given)',
        body: z.object({ email: z.string().min(3).max(320), role: z.enum(staffRoles), displayName: z.string().max(200).optional(), password: z.string().max(1024).optional() }),
        response: { 201: z.object({ staff: staffView, generatedPassword: z.string().optional() }) },
      },
    },
    async (request, reply) => {
      const now = await ctx.clock.now();
      const created = await ctx.db.transaction().execute((tx) =>
        createStaff(tx, { shopId, ...request.body, actor: actorOf(request.staff), now }),
      );
      return reply.status(201).send({ staff: toStaffView(created.staff), ...(created.generatedPassword ? { generatedPassword: created.generatedPassword } : {}) });
    },
  );

  app.post(
    '/tokens',
    {
      onRequest: requireStaff(ctx, 'tokens.manage'),
      schema: {
        tags: ['admin: access'],
        summary: 'Create an API token for the signed-in staff member (shown once)',
        body: z.object({ name: z.string().min(1).max(100) }),
        response: { 201: z.object({ id: z.string(), token: z.string() }) },
      },
    },
    async (request, reply) => {
      const now = await ctx.clock.now();
      const created = await ctx.db.transaction().execute((tx) =>
        createApiToken(tx, { staffId: request.staff!.id, name: request.body.name, actor: actorOf(request.staff), now }),
      );
      return reply.status(201).send({ id: created.id, token: created.token });
    },
  );

  app.delete(
    '/tokens/:id',
    { onRequest: requireStaff(ctx, 'tokens.manage'), schema: { tags: ['admin: access'], summary: 'Revoke an API token', params: z.object({ id: z.string().regex(/^\d+$/) }) } },
    async (request, reply) => {
      const now = await ctx.clock.now();
      await ctx.db.transaction().execute((tx) => revokeApiToken(tx, { shopId, tokenId: request.params.id, actor: actorOf(request.staff), now }));
      return reply.status(204).send();
    },
  );

  app.get(
    '/audit',
    {
      onRequest: requireStaff(ctx, 'audit.read'),
      schema: {
        tags: ['admin: access'],
        summary: 'Staff actions, newest first',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: z.object({ entries: z.array(z.object({ at: z.string(), actor: z.string(), action: z.string(), target: z.string().nullable(), details: z.record(z.string(), z.unknown()) })) }) },
      },
    },
    async (request) => ({
      entries: (await listAudit(ctx.db, shopId, { limit: request.query.limit })).map((e) => ({ at: e.at.toISOString(), actor: e.actor, action: e.action, target: e.target, details: e.details })),
    }),
  );

  // Issue 2 §7: the dev clock exists only outside production.
  if (ctx.config.env === 'production') return;
  const clockView = z.object({ kind: z.enum(['system', 'manual']), now: z.string() });
  app.get(
    '/dev/clock',
    { onRequest: requireStaff(ctx, 'dev.clock'), schema: { tags: ['admin: dev'], summary: 'The engine clock', response: { 200: clockView } } },
    async () => ({ kind: ctx.clock.kind, now: (await ctx.clock.now()).toISOString() }),
  );
  app.post(
    '/dev/clock',
    {
      onRequest: requireStaff(ctx, 'dev.clock'),
      schema: {
        tags: ['admin: dev'],
        summary: 'Move the manual clock forward; due timers fire in order before the answer',
        body: z.union([z.object({ advance: z.string().min(1).max(40) }), z.object({ to: z.iso.datetime({ offset: true }) })]),
        response: { 200: clockView.extend({ from: z.string(), fired: z.number().int() }) },
      },
    },
    async (request) => {
      if (!(ctx.clock instanceof ManualClock)) {
        throw new DomainError('clock.not_manual', { rule: 'issue-2' }, 'The engine runs on the system clock; start it with COMPTOIR_CLOCK=manual to move time.');
      }
      const target = 'advance' in request.body ? parseAdvance(request.body.advance) : new Date(request.body.to);
      const result = await advanceManualClock(ctx.db, ctx.clock, ctx.timers, target);
      await recordAudit(ctx.db, {
        shopId,
        actor: actorOf(request.staff),
        action: 'clock.advanced',
        details: { from: result.from.toISOString(), to: result.to.toISOString(), fired: result.fired },
        at: result.to,
      });
      return { kind: 'manual' as const, now: result.to.toISOString(), from: result.from.toISOString(), fired: result.fired };
    },
  );
};
