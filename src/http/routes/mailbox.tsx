// The emails sent (DOC-5) — with the dev mailbox, the mailbox itself: a
// back-office page (/admin/mailbox, ?id= opens one) and its JSON twin
// (GET /api/admin/mailbox) for tests and integrators. Emails carry customers'
// personal data: `customers.read` is required.
import type { FastifyPluginAsync } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { getEmail, listEmails, type StoredEmail } from '../../store/emails.js';
import { requireStaff, requireStaffPage } from '../auth.js';
import { resolveLanguage } from '../web/language.js';
import { AdminMailboxPage, type MailboxEmailView } from '../web/pages/admin-mailbox.js';
import { sendPage } from '../web/render.js';
import { shopView } from '../web/shop-view.js';

const PERMISSION = 'customers.read';

const view = (e: StoredEmail): MailboxEmailView => ({
  id: e.id,
  from: e.from,
  to: e.to,
  subject: e.subject,
  text: e.text,
  html: e.html,
  transport: e.transport,
  messageId: e.messageId,
  contentSha256: e.contentSha256,
  createdAt: e.createdAt.toISOString(),
  sentAt: e.sentAt?.toISOString() ?? null,
});

const emailSchema = z.object({
  id: z.string(),
  from: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string().nullable(),
  language: z.string().nullable(),
  transport: z.enum(['dev_mailbox', 'smtp']),
  messageId: z.string(),
  contentSha256: z.string().describe('DOC-5: SHA-256 of the JSON array [subject, text, html]'),
  related: z.object({ kind: z.string(), id: z.string() }).nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

/** GET /api/admin/mailbox (register with prefix /api/admin). */
export const mailboxApiRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get(
    '/mailbox',
    {
      onRequest: requireStaff(ctx, PERMISSION),
      schema: {
        tags: ['admin: emails'],
        summary: 'Emails sent to customers, newest first, with their content and hash (DOC-5; the dev mailbox when no SMTP_URL is set)',
        querystring: z.object({
          to: z.string().max(320).optional().describe('only emails to this address (case-insensitive)'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ transport: z.enum(['dev_mailbox', 'smtp']), emails: z.array(emailSchema) }) },
      },
    },
    async (request) => {
      const emails = await listEmails(ctx.db, ctx.shop.id, { limit: request.query.limit, ...(request.query.to ? { to: request.query.to } : {}) });
      return {
        transport: ctx.mailer.transport,
        emails: emails.map((e) => ({ ...view(e), transport: e.transport, language: e.language, related: e.related })),
      };
    },
  );
};

/** GET /admin/mailbox (register with prefix /admin). */
export const mailboxPageRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const shop = shopView(ctx.shop);
  app.get('/mailbox', { onRequest: requireStaffPage(ctx, PERMISSION) }, async (request, reply) => {
    const { id } = request.query as { id?: unknown };
    const emails = await listEmails(ctx.db, ctx.shop.id, { limit: 100 });
    const opened = typeof id === 'string' && id !== '' ? ((await getEmail(ctx.db, ctx.shop.id, id)) ?? null) : undefined;
    return sendPage(
      reply,
      <AdminMailboxPage
        lang={resolveLanguage(request, reply)}
        shop={shop}
        csrfToken={reply.generateCsrf()}
        staffEmail={request.staff!.email}
        devMailbox={ctx.mailer.transport === 'dev_mailbox'}
        emails={emails.map(view)}
        opened={opened === undefined ? undefined : opened && view(opened)}
      />,
      opened === null ? 404 : 200,
    );
  });
};
