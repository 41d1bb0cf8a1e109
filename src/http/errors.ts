// One table maps error codes to HTTP statuses (style.md §6). Every error leaves
// as JSON `{ error: { code, message, field?, rule?, details? } }` — or, for a
// browser asking a storefront or back-office page for HTML, as a page with the
// same status and code; bad input is always a 4xx naming the field, never a 500.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError } from '../domain/errors.js';

const statusByCode: ReadonlyArray<[RegExp, number]> = [
  [/^auth\.(required|invalid_credentials|invalid_token|session_expired)$/, 401],
  [/^auth\.forbidden$/, 403],
  [/\.not_found$/, 404],
  [/^staff\.email_taken$/, 409],
  [/^customer\.email_taken$/, 409],
  [/^customer\.order_refused$/, 403],
  [/^(product\.slug_taken|variant\.sku_taken)$/, 409],
  [/^clock\.(backwards|not_manual)$/, 409],
  [/^request\./, 400],
  [/^payment\.webhook_signature_invalid$/, 401],
  [/^payment\.webhook_(timestamp_stale|invalid)$/, 400],
  [/^payment\.webhook_out_of_order$/, 409],
  [/^sandbox\.session_closed$/, 409],
  [/^payment\.provider_unavailable$/, 503],
  [/^order\.(sold_out|idempotency_key_reused|illegal_transition|already_shipped)$/, 409],
  [/^checkout\.terms_outdated$/, 409],
  [/^fraud_review\.(not_holdable|not_on_hold)$/, 409],
  [/^reservation\.(not_in_stock|illegal_transition)$/, 409], // ST-1: the store has not the units; a reservation no longer active
  [/^clock\.invalid_(duration|instant)$/, 400],
  [/^claim\.(illegal_transition|replacement_out_of_stock|parcel_not_delivered)$/, 409], // SH-8: a claim is decided once; no stock to reship; the parcel is not delivered
  [/^unavailability\.(order_not_open|already_answered|substitute_sold_out)$/, 409], // AV-1: the order is not being prepared; a question answered once; the substitute gone
  [/^delivery\.(not_late|already_delivered|partially_delivered|notice_not_applicable|notice_already_sent|no_notice|notice_period_running|already_terminated)$/, 409], // SH-4: not yet, or no longer, possible for this order
  [/^shipment\.(illegal_event|order_not_shippable|payment_overdue|not_dispatched)$/, 409], // SH-5…SH-9: the parcel or the order is not in a state for this
  [/^return\.(illegal_transition|not_received|nothing_kept)$/, 409], // WD-5…WD-8: a return step out of order
  [/^(credit_note|complementary_invoice)\.key_reused$/, 409], // DOC-1: an idempotency key already used for another order
  [/^exchange\.(not_in_stock|not_delivered)$/, 409], // EX-2: the store has not the replacement; the item is not delivered yet
  [/^exchange\.(limit_reached|not_an_exchange|replacement_not_for_sale|replacement_out_of_stock)$/, 409], // EX-1: JW's one exchange per order used; a refund return; the replacement gone
  [/^exchange\.no_payment_due$/, 409], // EX-1: no difference awaits payment (paid, being paid, closed)
  [/^guarantee\.(illegal_transition|line_not_delivered|remedy_not_overdue)$/, 409], // GU-1: a step out of order; the item is not delivered; escalation before the 30 days
  [/^guarantee\.already_settled$/, 409], // GU-1/GU-2: the units were refunded, returned or exchanged already (src/app/settled-units.ts)
  [/^claim\.already_settled$/, 409], // SH-8: the units were withdrawn, exchanged or refunded already (src/app/settled-units.ts)
];

export function statusFor(code: string): number {
  return statusByCode.find(([pattern]) => pattern.test(code))?.[1] ?? 422;
}

export type ErrorBody = {
  error: { code: string; message: string; field?: string; rule?: string; details?: Record<string, unknown> };
};

export function errorBody(code: string, message: string, extra: Omit<ErrorBody['error'], 'code' | 'message'> = {}): ErrorBody {
  return { error: { code, message, ...extra } };
}

/**
 * Codes whose details are for the merchant only (CU-4: the reason a customer is
 * refused): the customer gets this neutral message, the code and the rule, nothing else.
 */
const neutralMessages: Readonly<Record<string, string>> = {
  'customer.order_refused': 'We cannot accept an order from this account at the moment. Please contact customer service.',
};

function fromDomainError(error: DomainError): { status: number; body: ErrorBody } {
  const neutral = neutralMessages[error.code];
  if (neutral !== undefined) {
    return { status: statusFor(error.code), body: errorBody(error.code, neutral, error.details.rule ? { rule: error.details.rule } : {}) };
  }
  const { field, rule, ...details } = error.details;
  return {
    status: statusFor(error.code),
    body: errorBody(error.code, error.message === error.code ? humanise(error.code) : error.message, {
      ...(field ? { field } : {}),
      ...(rule ? { rule } : {}),
      ...(Object.keys(details).length ? { details } : {}),
    }),
  };
}

function humanise(code: string): string {
  return code.replace(/[._]/g, ' ');
}

/** Fastify's own errors about the request body, under stable codes of ours. */
const bodyErrors: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'request.invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request.invalid_json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'request.unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request.body_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request.invalid_content_length',
};

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof DomainError) return fromDomainError(error);
  const fastifyError = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fastifyError)) {
    const first = fastifyError.validation[0]!;
    const where = fastifyError.validationContext ?? 'body';
    const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
    // The field is named as domain errors name it (`currency`, `address.city`),
    // whether it came in the query string or the body; the whole part when it is the part at fault.
    const field = path || where;
    return { status: 400, body: errorBody('request.invalid', `${path ? `${where}.${path}` : where}: ${first.message}`, { field }) };
  }
  if (fastifyError.statusCode === 429) {
    // @fastify/rate-limit's error carries no code of its own.
    return { status: 429, body: errorBody('request.rate_limited', fastifyError.message) };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const known = fastifyError.code ? bodyErrors[fastifyError.code] : undefined;
    if (known) return { status: fastifyError.statusCode, body: errorBody(known, fastifyError.message, { field: 'body' }) };
    const code = `request.${(fastifyError.code ?? 'bad_request').replace(/^FST_(ERR_)?/, '').toLowerCase()}`;
    return { status: fastifyError.statusCode, body: errorBody(code, fastifyError.message) };
  }
  // PostgreSQL refuses a text it cannot store (a NUL byte, 22021; invalid UTF-8, 22P05): the request's fault, not ours.
  const sqlState = (error as { code?: unknown }).code;
  if (sqlState === '22021' || sqlState === '22P05') return { status: 400, body: errorBody('request.invalid_text', 'The request contains characters that cannot be stored (e.g. a NUL byte).') };
  return { status: 500, body: errorBody('internal', 'An unexpected error occurred; it has been logged.') };
}

/** Sends an error as an HTML page (src/http/web/pages/error.tsx). */
export type ErrorPageSender = (request: FastifyRequest, reply: FastifyReply, status: number, error: ErrorBody['error']) => FastifyReply;

/** A browser asking for a storefront or back-office page; the API and the docs always answer JSON. */
function wantsPage(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  if (path === '/api' || path.startsWith('/api/') || path.startsWith('/docs')) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

export function registerErrorHandling(app: FastifyInstance, options: { page?: ErrorPageSender } = {}): void {
  const send = (request: FastifyRequest, reply: FastifyReply, status: number, body: ErrorBody) =>
    options.page && wantsPage(request) ? options.page(request, reply, status, body.error) : reply.status(status).send(body);
  app.setErrorHandler((error, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toErrorResponse(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return send(request, reply, status, body);
  });
  app.setNotFoundHandler((request, reply) =>
    send(request, reply, 404, errorBody('route.not_found', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
