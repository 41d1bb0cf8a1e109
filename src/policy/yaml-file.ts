// What the two YAML loaders (./loader.ts: policy and terms index;
// ./catalogue-file.ts: catalogue) share when they name a problem: the path of
// a zod issue inside the file and the gist of a YAML syntax error.
import type { YAMLError } from 'yaml';

/** `products[3].variants[0].prices.GBP`; '' for the whole file. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${String(s)}` : String(s);
  }
  return out;
}

/** The first line of a YAML error's message, without its " at line N, column M:" suffix (the caller places the line). */
export function yamlErrorText(error: YAMLError): string {
  return error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
