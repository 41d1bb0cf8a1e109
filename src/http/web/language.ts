// FR is the reference language of the terms; EN is offered everywhere.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const languages = ['fr', 'en'] as const;
export type Language = (typeof languages)[number];

const isLanguage = (value: unknown): value is Language => value === 'fr' || value === 'en';

/** `?lang=` (remembered in a cookie) → the cookie → Accept-Language → French. */
export function resolveLanguage(request: FastifyRequest, reply: FastifyReply): Language {
  const asked = (request.query as Record<string, unknown> | undefined)?.lang;
  if (isLanguage(asked)) {
    reply.setCookie('lang', asked, { path: '/', sameSite: 'lax', httpOnly: true, maxAge: 365 * 24 * 3600 });
    return asked;
  }
  const remembered = request.cookies.lang;
  if (isLanguage(remembered)) return remembered;
  const accept = request.headers['accept-language'] ?? '';
  const first = accept.split(',')[0]?.trim().slice(0, 2).toLowerCase();
  return first === 'en' ? 'en' : 'fr';
}
