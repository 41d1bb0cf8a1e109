// /admin: server-rendered back-office pages (forms work without JavaScript,
// CSRF-protected, behind the staff session).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ManualClock } from '../../adapters/clock.js';
import type { AppContext } from '../../app/context.js';
import { authenticateStaff, listStaff } from '../../app/staff.js';
import { DomainError } from '../../domain/errors.js';
import { parseDuration } from '../../domain/duration.js';
import { can } from '../../domain/staff-roles.js';
import { advanceManualClock } from '../../jobs/timer-runner.js';
import { listAudit, recordAudit } from '../../store/audit.js';
import { requireStaffPage } from '../auth.js';
import { resolveLanguage } from '../web/language.js';
import { AdminHomePage } from '../web/pages/admin-home.js';
import { AdminLoginPage } from '../web/pages/admin-login.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';

/** Only back-office paths are followed after sign-in (no open redirect). */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/admin(\/[\w\-/]*)?$/.test(next) ? next : '/admin');

export const backOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  const devClock = ctx.config.env !== 'production';

  const renderLogin = (request: FastifyRequest, reply: FastifyReply, failed: boolean, next: string, email?: string) =>
    sendPage(
      reply,
      <AdminLoginPage lang={resolveLanguage(request, reply)} shop={shop} csrfToken={reply.generateCsrf()} next={next} failed={failed} email={email} />,
      failed ? 401 : 200,
    );

  app.get('/login', async (request, reply) => renderLogin(request, reply, false, safeNext((request.query as { next?: string }).next)));

  app.post(
    '/login',
    { preHandler: app.csrfProtection, config: { rateLimit: { max: 10, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const body = request.body as { email?: string; password?: string; next?: string };
      const next = safeNext(body.next);
      const now = await ctx.clock.now();
      try {
        const staff = await authenticateStaff(ctx.db, { shopId: ctx.shop.id, email: String(body.email ?? ''), password: String(body.password ?? ''), now });
        request.session.set('staffId', staff.id);
        await recordAudit(ctx.db, { shopId: ctx.shop.id, actor: { kind: 'staff', staffId: staff.id }, action: 'staff.signed_in', target: `staff:${staff.id}`, at: now });
        return reply.redirect(next, 303);
      } catch (error) {
        if (error instanceof DomainError && error.code === 'auth.invalid_credentials') return renderLogin(request, reply, true, next, body.email);
        throw error;
      }
    },
  );

  app.post('/logout', { preHandler: app.csrfProtection }, async (request, reply) => {
    request.session.delete();
    return reply.redirect('/admin/login', 303);
  });

  app.get('/', { onRequest: requireStaffPage(ctx, 'signed_in') }, async (request, reply) => {
    const staff = request.staff!;
    const now = await ctx.clock.now();
    return sendPage(
      reply,
      <AdminHomePage
        lang={resolveLanguage(request, reply)}
        shop={shop}
        csrfToken={reply.generateCsrf()}
        staff={{ email: staff.email, role: staff.role }}
        clock={{ kind: ctx.clock.kind, now: now.toISOString(), canAdvance: devClock && ctx.clock.kind === 'manual' && can(staff.role, 'dev.clock') }}
        team={can(staff.role, 'staff.manage') ? (await listStaff(ctx.db, ctx.shop.id)).map((s) => ({ email: s.email, role: s.role, disabled: s.disabledAt !== null })) : null}
        audit={can(staff.role, 'audit.read') ? (await listAudit(ctx.db, ctx.shop.id, { limit: 20 })).map((e) => ({ at: e.at.toISOString(), actor: e.actor, action: e.action, target: e.target })) : null}
      />,
    );
  });

  if (!devClock) return;
  app.post('/dev/clock', { onRequest: requireStaffPage(ctx, 'dev.clock'), preHandler: app.csrfProtection }, async (request, reply) => {
    if (!(ctx.clock instanceof ManualClock)) throw new DomainError('clock.not_manual', {}, 'The engine runs on the system clock.');
    const result = await advanceManualClock(ctx.db, ctx.clock, ctx.timers, parseDuration(String((request.body as { advance?: string }).advance ?? '')));
    await recordAudit(ctx.db, {
      shopId: ctx.shop.id,
      actor: { kind: 'staff', staffId: request.staff!.id },
      action: 'clock.advanced',
      details: { from: result.from.toISOString(), to: result.to.toISOString(), fired: result.fired },
      at: result.to,
    });
    return reply.redirect('/admin', 303);
  });
};
