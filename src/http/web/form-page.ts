// What the routes of the form pages share: the props of a back-office page,
// reading the order number and the `done` notice, and showing a page again
// with a refusal — its wording and the status of its code.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { DomainError } from '../../domain/errors.js';
import { statusFor } from '../errors.js';
import { pageError, type PageError } from './flash.js';
import { resolveLanguage, type Language } from './language.js';
import type { ShopView } from './layout.js';
import { sendPage } from './render.js';

/** What a page shows after a form: a notice, or the refusal of what was posted. */
export type PageFlash = { notice?: string | null; error?: DomainError };

/** The props every back-office page takes. */
export type StaffPage = { lang: Language; shop: ShopView; csrfToken: string; staffEmail: string };

/** For a route behind `requireStaffPage`. */
export const staffPage = (request: FastifyRequest, reply: FastifyReply, shop: ShopView): StaffPage => ({
  lang: resolveLanguage(request, reply),
  shop,
  csrfToken: reply.generateCsrf(),
  staffEmail: request.staff!.email,
});

/** A refusal as the page shows it: its wording in `wording`, else the error's own message, else `fallback`. */
export const refusalOf = (error: DomainError, wording: Readonly<Record<string, string>>, fallback: string): PageError =>
  pageError(error, wording, error.message !== error.code ? error.message : fallback);

/** Sends a form's page: 200, or the status of the refusal it shows. */
export const sendFormPage = (reply: FastifyReply, page: VNode, refusal?: DomainError | null): FastifyReply => sendPage(reply, page, refusal ? statusFor(refusal.code) : 200);

/** The `:number` of an account order route; a malformed one is an order not found. */
export function orderNumberParam(request: FastifyRequest): string {
  const { number } = request.params as { number: string };
  if (!/^[A-Za-z0-9-]{1,40}$/.test(number)) throw new DomainError('order.not_found', { field: 'number' }, `No order ${number.slice(0, 40)}.`);
  return number;
}

/** The number in `?done=` after a form redirected back (303), if it is one. */
export function doneParam(request: FastifyRequest): string | null {
  const done = (request.query as { done?: unknown } | undefined)?.done;
  return typeof done === 'string' && /^[A-Za-z0-9-]{1,60}$/.test(done) ? done : null;
}
