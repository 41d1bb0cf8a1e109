// A posted form as Fastify's body parsers give it: a field may come once
// (string) or repeated (array: the first counts); anything else reads as empty.
export type Form = Record<string, string | string[] | undefined>;

/** The field `name` of a posted form, trimmed; '' when absent. */
export function formField(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
}
