// The pages through HTTP as a browser without JavaScript sees them: a
// cookie jar kept across requests, and forms posted with their hidden fields.
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from './app.js';

/** A browser's view of the pages: the cookies it keeps (session renewed with the CSRF secret, cart), GET and form POSTs. `initial`: a `name=value` cookie header, e.g. a customer session. */
export function browserOf(t: TestApp, initial = '') {
  const jar = new Map<string, string>();
  for (const pair of initial.split('; ').filter(Boolean)) {
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at), decodeURIComponent(pair.slice(at + 1)));
  }
  const keep = (r: LightMyRequestResponse) => {
    for (const c of r.cookies) {
      if (c.value) jar.set(c.name, c.value);
      else jar.delete(c.name);
    }
    return r;
  };
  const headers = () => ({ accept: 'text/html', ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ') } : {}) });
  return {
    get: async (url: string) => keep(await t.app.inject({ method: 'GET', url, headers: headers() })),
    post: async (url: string, fields: Record<string, string>) =>
      keep(await t.app.inject({ method: 'POST', url, headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() })),
  };
}

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The hidden fields of the page's form posting to `action` (the CSRF token, the step, the draft carried). */
export function hiddenFields(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`<form method="post" action="${action}"`);
  expect(start, `a form posting to ${action}`).toBeGreaterThanOrEqual(0);
  const form = html.slice(start, html.indexOf('</form>', start));
  return Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, decode(m[2]!)]));
}
