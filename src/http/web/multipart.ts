// Forms posted as multipart/form-data (RFC 7578), for the claim forms with
// photos. No multipart plugin is installed: the body is read by the small
// parser below, registered by the route plugins that take such a form (for
// their routes only, with their body limit).
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../domain/errors.js';

const FILES = '__files';
const MAX_PARTS = 300;

export type UploadedFile = { field: string; filename: string; data: Buffer };
export type MultipartBody = Record<string, string | string[] | UploadedFile[] | undefined> & { [FILES]?: UploadedFile[] };

const badMultipart = () => new DomainError('request.invalid_multipart', { field: 'body' }, 'The form could not be read.');

/** Reads a multipart/form-data body (RFC 7578): text fields, and files with a name and content. */
export function parseMultipart(body: Buffer, contentType: string): MultipartBody {
  const match = /boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  if (!match) throw badMultipart();
  const boundary = Buffer.from(`--${match[1] ?? match[2]}`);
  const delimiter = Buffer.concat([Buffer.from('\r\n'), boundary]);
  const result: MultipartBody = {};
  const files: UploadedFile[] = [];
  let pos = body.indexOf(boundary);
  if (pos < 0) throw badMultipart();
  for (let parts = 0; ; parts += 1) {
    if (parts > MAX_PARTS) throw badMultipart();
    pos += boundary.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // the closing delimiter
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) throw badMultipart();
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw badMultipart();
    const headers = body.subarray(pos, headerEnd).toString('utf8');
    const end = body.indexOf(delimiter, headerEnd + 4);
    if (end < 0) throw badMultipart();
    const data = body.subarray(headerEnd + 4, end);
    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw badMultipart();
    if (filename !== undefined) {
      if (filename !== '' || data.length > 0) files.push({ field: name, filename, data: Buffer.from(data) });
    } else {
      const value = data.toString('utf8');
      const previous = result[name];
      result[name] = previous === undefined ? value : Array.isArray(previous) ? [...(previous as string[]), value] : [previous as string, value];
    }
    pos = end + 2;
  }
  result[FILES] = files;
  return result;
}

/** Registers the parser in the plugin `app` (its routes only); `bodyLimit`: the largest form it reads. */
export function acceptMultipartForms(app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    try {
      done(null, parseMultipart(body as Buffer, String(request.headers['content-type'] ?? '')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** The contents of the files posted in the form field `field` (none for a body that is not multipart). */
export function uploadedFiles(body: unknown, field: string): Buffer[] {
  return ((body as MultipartBody | undefined)?.[FILES] ?? []).filter((f) => f.field === field).map((f) => f.data);
}
