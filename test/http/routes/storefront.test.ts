// Issue "Foundation" §8/§10 without a browser: the home page lists the seeded
// catalogue with French prices, `?lang=en` switches to English and is
// remembered, the terms pages show the version in force and older ones, and
// data reaches the HTML escaped.
import { describe, expect, it } from 'vitest';
import { messages } from '../../../src/http/web/messages.js';
import { useTestApp } from '../../support/app.js';

const t = useTestApp('fa');

type ApiProduct = { name: { fr: string; en: string }; price: { amount: number; currency: string } | null };

const unescape = (html: string) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** name → price text, for each product card of the page. */
function cardsOf(html: string): Map<string, string | null> {
  const cards = new Map<string, string | null>();
  for (const card of html.split('<li class="product"').slice(1)) {
    const name = /<h2>([^<]*)<\/h2>/.exec(card)?.[1];
    const price = /<p class="price">([^<]*)<\/p>/.exec(card)?.[1];
    if (name !== undefined) cards.set(unescape(name), price === undefined ? null : unescape(price));
  }
  return cards;
}

async function products(): Promise<ApiProduct[]> {
  const response = await t.app.inject({ method: 'GET', url: '/api/store/products?limit=48' });
  return (response.json() as { products: ApiProduct[] }).products;
}

describe('the home page', () => {
  it('lists every seeded product with its price, the French way', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(response.body).toMatch(/^<!doctype html><html lang="fr">/);
    const cards = cardsOf(response.body);
    const listed = await products();
    expect(cards.size).toBe(Math.min(t.catalogue.products, 48));
    expect(listed.filter((p) => p.price).length).toBeGreaterThan(0);
    for (const p of listed) {
      expect(cards.has(p.name.fr), p.name.fr).toBe(true);
      if (!p.price) continue;
      // « 39,95 € »: a decimal comma and a (narrow) no-break space before the sign.
      const euros = Math.trunc(p.price.amount / 100).toLocaleString('fr-FR');
      const cents = String(p.price.amount % 100).padStart(2, '0');
      expect(cards.get(p.name.fr), p.name.fr).toMatch(new RegExp(`^${euros.replace(/\s/g, '\\s')},${cents}\\s€$`));
    }
    expect(cards.get('Marinière Écume')).toMatch(/^39,95\s€$/);
  });

  it('switches to English with ?lang=en and remembers it in a cookie', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/?lang=en' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(/^<!doctype html><html lang="en">/);
    const lang = response.cookies.find((c) => c.name === 'lang');
    expect(lang).toMatchObject({ value: 'en', path: '/', httpOnly: true, sameSite: 'Lax' });
    const cards = cardsOf(response.body);
    expect(cards.get('Écume Breton top')).toBe('€39.95');

    const again = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: 'lang=en' } });
    expect(again.body).toMatch(/<html lang="en">/);
    const back = await t.app.inject({ method: 'GET', url: '/?lang=fr', headers: { cookie: 'lang=en' } });
    expect(back.body).toMatch(/<html lang="fr">/);
  });

  it('follows Accept-Language when nothing was chosen, and ignores an unknown language', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/', headers: { 'accept-language': 'en-GB,en;q=0.9' } })).body).toMatch(/<html lang="en">/);
    const unknown = await t.app.inject({ method: 'GET', url: '/?lang=de' });
    expect(unknown.body).toMatch(/<html lang="fr">/);
    expect(unknown.cookies.find((c) => c.name === 'lang')).toBeUndefined();
  });

  it('shows the seller and the mediator on every page, escaped (ID-1, ID-5)', async () => {
    for (const url of ['/', '/terms', '/admin/login']) {
      const { body } = await t.app.inject({ method: 'GET', url });
      expect(body, url).toContain("Fil d'Azur Diffusion SAS");
      expect(body, url).toContain('RCS Marseille 812 457 630');
      // "Médiation Mode & Commerce": the ampersand from the policy is escaped.
      expect(body, url).toContain('Médiation Mode &amp; Commerce');
      expect(body, url).not.toContain('Mode & Commerce');
    }
  });
});

describe('the terms pages', () => {
  it('show the version in force, with its fingerprint and the history', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/terms' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('data-terms-version="v2"');
    expect(response.body).toContain(messages.fr.currentVersion);
    const current = (await t.app.inject({ method: 'GET', url: '/api/store/terms/current' })).json() as { hash: { fr: string; en: string } };
    expect(response.body).toContain(current.hash.fr);
    expect(response.body).toContain('href="/terms/v1"');
    expect(response.body).toContain('href="/terms/v2"');

    const english = await t.app.inject({ method: 'GET', url: '/terms?lang=en' });
    expect(english.body).toContain(messages.en.terms);
    expect(english.body).toContain(current.hash.en);
  });

  it('keep v1 readable, not marked as in force (ID-3)', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/terms/v1' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('data-terms-version="v1"');
    expect(response.body).not.toContain(messages.fr.currentVersion);
    const v1 = (await t.app.inject({ method: 'GET', url: '/api/store/terms/v1' })).json() as { hash: { fr: string } };
    expect(response.body).toContain(v1.hash.fr);
  });

  it('answer a browser 404 with a page, escaping what it echoes', async () => {
    const url = `/terms/${encodeURIComponent('<script>alert(1)</script>')}`;
    const response = await t.app.inject({ method: 'GET', url, headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain(messages.fr.notFound);
    expect(response.body).toContain('terms.not_found');
    expect(response.body).not.toContain('<script>');
    expect(response.body).toContain('&lt;script>');
  });

  it('answer other clients 404 with the JSON error', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/terms/v9' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'terms.not_found', field: 'id' } });
  });
});

describe('errors for browsers', () => {
  it('answer an unknown page with a 404 page in the chosen language', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/nowhere?lang=en', headers: { accept: 'text/html' } });
    expect(response.statusCode).toBe(404);
    expect(response.body).toMatch(/<html lang="en">/);
    expect(response.body).toContain(messages.en.notFound);
    expect(response.body).toContain('route.not_found');
  });

  it('keep JSON for the API, whatever the browser accepts', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/store/terms/v9', headers: { accept: 'text/html' } });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'terms.not_found' } });
    const api = await t.app.inject({ method: 'GET', url: '/api/nowhere', headers: { accept: 'text/html' } });
    expect(api.json()).toMatchObject({ error: { code: 'route.not_found' } });
  });
});
