// Back-office access (issue 2 §9): a staff member is identified by the session
// cookie (back office, browser) or by an API token (`Authorization: Bearer …`,
// integrators). Every /api/admin route and /admin page declares the permission
// it needs; the role table lives in src/domain/staff-roles.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.js';
import { authenticateApiToken, getStaff, type StaffAccount } from '../app/staff.js';
import { DomainError } from '../domain/errors.js';
import { can, type Permission } from '../domain/staff-roles.js';

declare module '@fastify/secure-session' {
  interface SessionData {
    staffId: string;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    staff: StaffAccount | null;
  }
}

async function identify(ctx: AppContext, request: FastifyRequest): Promise<StaffAccount | null> {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    // A wrong token is an error, not an anonymous request.
    return authenticateApiToken(ctx.db, { shopId: ctx.shop.id, token: header.slice(7).trim(), now: await ctx.clock.now() });
  }
  const staffId = request.session.get('staffId');
  if (!staffId) return null;
  const staff = await getStaff(ctx.db, ctx.shop.id, staffId);
  if (!staff || staff.disabledAt) {
    request.session.delete();
    return null;
  }
  return staff;
}

/** A permission of the role table, or `signed_in`: any active staff member, whatever their role (who am I, the back-office home). */
export type Access = Permission | 'signed_in';

const allowed = (staff: StaffAccount, access: Access) => access === 'signed_in' || can(staff.role, access);

export function registerAuth(app: FastifyInstance): void {
  app.decorateRequest('staff', null);
}

/**
 * onRequest hook for JSON routes: 401 without credentials, 403 without the
 * permission. Attached as `onRequest`, not `preHandler`: who asks is checked
 * before the body is parsed and validated, so a stranger learns nothing of
 * what a route expects (a 400 would tell).
 */
export function requireStaff(ctx: AppContext, permission: Access) {
  return async (request: FastifyRequest) => {
    const staff = await identify(ctx, request);
    if (!staff) throw new DomainError('auth.required', {}, 'Sign in (session cookie) or send a staff API token.');
    if (!allowed(staff, permission)) throw new DomainError('auth.forbidden', { permission }, `Your role (${staff.role}) may not ${permission}.`);
    request.staff = staff;
  };
}

/** onRequest hook for back-office pages: redirect to the login page, 403 without the permission (CSRF checks stay in preHandler, once the form is parsed). */
export function requireStaffPage(ctx: AppContext, permission: Access) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const staff = await identify(ctx, request).catch(() => null);
    if (!staff) {
      return reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`, 303);
    }
    if (!allowed(staff, permission)) {
      throw new DomainError('auth.forbidden', { permission }, `Your role (${staff.role}) may not ${permission}.`);
    }
    request.staff = staff;
  };
}
