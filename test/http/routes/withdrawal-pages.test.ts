// Issue 6 §2–3, the withdrawal function's pages through HTTP forms (WD-4,
// WD-6, WD-10, EX-1; manual clock, French pages): the account order page's
// « Renoncer au contrat ici » while the period is open, the two steps then the
// return's page (FA, signed in); a guest naming the order by number and email
// (PF) and sending the proof of shipment from the acknowledgment's link; the
// exchange by post instead of a refund, once per order (JW).
import { describe, expect, it } from 'vitest';
import { getReturn } from '../../../src/app/returns.js';
import { useTestApp } from '../../support/app.js';
import { browserOf, hiddenFields } from '../../support/browser.js';
import { customerSession, registeredCustomer } from '../../support/orders.js';
import { afterSales, variantOfSku } from '../../support/returns.js';

describe('FA signed in: the order page’s link, the two steps, the return’s page', () => {
  // Delivered on Tuesday 1 December 2026 (FA: 14 days → 15 December).
  const t = useTestApp('fa', { clockStart: '2026-12-01T09:00:00Z' });
  const h = afterSales(t);
  let number = '';
  let customer: ReturnType<typeof browserOf>;
  const orderPage = () => `/account/orders/${number}`;
  const functionPage = () => `/account/orders/${number}/withdrawal`;

  it('delivers 2 × 59.90 to a registered customer on 1 December', async () => {
    const buyer = await registeredCustomer(t);
    number = (await h.deliveredOrder({ method: 'home', customerId: buyer.id, lines: [{ quantity: 2, price: 5_990 }] })).order.number;
    customer = browserOf(t, await customerSession(t, buyer.email));
    await h.moveTo('2026-12-10T10:00:00Z');
  });

  it('WD-4: the order page links to the function while the period is open', async () => {
    const page = await customer.get(orderPage());
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`href="${functionPage()}" data-withdrawal-function="order"`);
    expect(page.body).toContain('Renoncer au contrat ici');
  });

  it('step 1: the window, the items, the name given; CSRF checked; no item → the page again with the refusal', async () => {
    const step1 = await customer.get(functionPage());
    expect(step1.statusCode).toBe(200);
    expect(step1.body).toContain('data-withdrawal-step="1"');
    expect(step1.body).toContain('data-last-day="2026-12-15"');
    expect(step1.body).toContain('Délai de rétractation : jusqu’au 15 décembre 2026 inclus.');
    expect(step1.body).toContain('name="qty_0"');
    expect(step1.body).not.toContain('data-exchange-choice'); // FA does not exchange by post
    const fields: Record<string, string> = { ...hiddenFields(step1.body, functionPage()), name: 'Camille Martin', qty_0: '0' };
    expect(fields.step).toBe('review');

    const forged = await customer.post(functionPage(), { ...fields, _csrf: 'forged', qty_0: '1' });
    expect(forged.statusCode).toBe(403);
    const none = await customer.post(functionPage(), fields);
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('data-withdrawal-step="1"');
    expect(none.body).toContain('data-error-code="withdrawal.no_items"');
    expect(none.body).toContain('Choisissez au moins un article.');
    expect(await t.ctx.db.selectFrom('returns').select('id').execute()).toEqual([]);
  });

  it('step 2 quotes the statement; « Confirmer la rétractation » → the return’s page: authorised, to send back by 24 December (WD-6)', async () => {
    const step1 = await customer.get(functionPage());
    const review = await customer.post(functionPage(), { ...hiddenFields(step1.body, functionPage()), name: 'Camille Martin', qty_0: '1' });
    expect(review.statusCode).toBe(200);
    expect(review.body).toContain('data-withdrawal-step="2"');
    expect(review.body).toContain('Je vous notifie par la présente ma rétractation du contrat portant sur la vente des biens ci-dessous :');
    expect(review.body).toMatch(/<li data-line="0">1 × /);
    const step2 = hiddenFields(review.body, functionPage());
    expect(step2).toMatchObject({ name: 'Camille Martin', qty_0: '1' });

    const sent = await customer.post(functionPage(), { ...step2, step: 'confirm' });
    expect(sent.statusCode, sent.body).toBe(303);
    expect(sent.headers.location).toBe(`/returns/${number}-RT1?done=1`);
    const page = await customer.get(sent.headers.location!);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`Retour ${number}-RT1`);
    expect(page.body).toContain('Votre déclaration est envoyée : vous en recevez l’accusé de réception par e-mail.');
    expect(page.body).toContain('data-return-state="authorised"');
    expect(page.body).toContain('data-send-by="2026-12-24"');
    expect(page.body).toContain('À renvoyer au plus tard le 24 décembre 2026');
  });

  it('WD-1: once the period has closed, the order page no longer offers the function but lists the return', async () => {
    await h.moveTo('2026-12-16T09:00:00Z');
    const page = await customer.get(orderPage());
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('data-withdrawal-function="order"');
    expect(page.body).toContain(`data-return="${number}-RT1"`);
    const closed = await customer.get(functionPage());
    expect(closed.body).toContain('data-withdrawal-window="closed"');
    expect(closed.body).not.toContain('name="qty_0"');
  });
});

describe('PF guest: the order named by number and email (WD-10), then the proof of shipment', () => {
  // Mon 23 Nov 2026 09:00 UTC.
  const t = useTestApp('pf');
  const h = afterSales(t);
  const email = 'invite.pf@example.com';
  const guest = () => browserOf(t);
  let number = '';

  it('delivers a guest order of 2 units on Tuesday 24 November', async () => {
    number = (await h.deliveredGuestOrder({ email, quantity: 2, price: 3_900, shipAt: '2026-11-24T08:00:00Z', deliverAt: '2026-11-24T15:00:00Z' })).number;
    await h.moveTo('2026-12-01T10:30:00Z');
  });

  it('a wrong email names nothing (404); the right one opens step 1', async () => {
    const b = guest();
    const form = await b.get('/withdrawal');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('data-withdrawal-step="identify"');
    const fields = hiddenFields(form.body, '/withdrawal');
    const wrong = await b.post('/withdrawal', { ...fields, orderNumber: number, email: 'other@example.com' });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.body).toContain('data-error-code="order.not_found"');
    expect(wrong.body).toContain('Aucune commande ne correspond à ce numéro et à cette adresse e-mail.');
    expect(wrong.body).not.toContain('data-withdrawal-step="1"');
    const right = await b.post('/withdrawal', { ...fields, orderNumber: number, email: email.toUpperCase() });
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain('data-withdrawal-step="1"');
    expect(right.body).toContain('data-last-day="2026-12-14"'); // PF: 14 working days from 24 November
  });

  it('the two steps → the return’s page through its token; the proof of shipment comes back « C’est enregistré. »', async () => {
    const b = guest();
    const form = await b.get('/withdrawal');
    const step1 = await b.post('/withdrawal', { ...hiddenFields(form.body, '/withdrawal'), orderNumber: number, email });
    const review = await b.post('/withdrawal', { ...hiddenFields(step1.body, '/withdrawal'), name: 'Alex Invité', qty_0: '1', sealed_0: '1' });
    expect(review.body).toContain('data-withdrawal-step="2"');
    const sent = await b.post('/withdrawal', { ...hiddenFields(review.body, '/withdrawal'), step: 'confirm' });
    expect(sent.statusCode, sent.body).toBe(303);
    const location = sent.headers.location!;
    expect(location).toMatch(new RegExp(`^/returns/${number}-RT1\\?token=[\\w-]+&done=1$`));
    const token = new URL(location, 'http://shop').searchParams.get('token')!;

    // The acknowledgment's link works without any session (another browser).
    const other = guest();
    const page = await other.get(`/returns/${number}-RT1?token=${token}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-return-state="authorised"');
    expect(page.body).toContain('data-send-by="2026-12-15"');
    expect((await other.get(`/returns/${number}-RT1?token=wrong`)).statusCode).toBe(404);

    const proofForm = hiddenFields(page.body, `/returns/${number}-RT1/shipment-proof`);
    expect(proofForm.token).toBe(token);
    const saved = await other.post(`/returns/${number}-RT1/shipment-proof`, { ...proofForm, trackingNumber: '6A12345678901' });
    expect(saved.statusCode, saved.body).toBe(303);
    expect(saved.headers.location).toBe(`/returns/${number}-RT1?token=${token}&saved=1`);
    const after = await other.get(saved.headers.location!);
    expect(after.body).toContain('C’est enregistré.');
    expect(after.body).toContain('data-return-state="sent_back"');
    expect(after.body).toContain('Colis renvoyé : suivi 6A12345678901');
  });
});

describe('JW: an exchange by post instead of a refund, once per order (EX-1)', () => {
  const t = useTestApp('jw', { clockStart: '2026-12-01T09:00:00Z' });
  const h = afterSales(t);
  let number = '';
  let customer: ReturnType<typeof browserOf>;
  let size54 = '';
  let size58 = '';
  const functionPage = () => `/account/orders/${number}/withdrawal`;

  it('delivers 2 × Bague Solène size 52 (89.00) on 1 December', async () => {
    const buyer = await registeredCustomer(t);
    const size52 = await variantOfSku(t, 'JW-SOL-52');
    size54 = await variantOfSku(t, 'JW-SOL-54', 4);
    size58 = await variantOfSku(t, 'JW-SOL-58', 0);
    number = (await h.deliveredOrder({ method: 'ems', customerId: buyer.id, lines: [{ variantId: size52, quantity: 2 }] })).order.number;
    customer = browserOf(t, await customerSession(t, buyer.email));
    await h.moveTo('2026-12-03T10:00:00Z');
  });

  it('step 1 offers « Je souhaite : être remboursé / échanger contre un autre article » and the other sizes for sale, out of stock ones not selectable', async () => {
    const step1 = await customer.get(functionPage());
    expect(step1.statusCode).toBe(200);
    expect(step1.body).toContain('data-exchange-choice');
    expect(step1.body).toContain('Je souhaite :');
    expect(step1.body).toContain('<input type="radio" name="want" value="refund" checked/> être remboursé');
    expect(step1.body).toContain('échanger contre un autre article');
    const select = /<select name="variant_0"[^>]*>([\s\S]*?)<\/select>/.exec(step1.body)![1]!;
    const offered = [...select.matchAll(/<option value(?:="(\d+)")?([^>]*)>([^<]*)<\/option>/g)].map((m) => ({ value: m[1], disabled: m[2]!.includes('disabled'), text: m[3] }));
    expect(offered.map((o) => o.text)).toEqual([
      '— choisir —',
      'Bague Solène — 50 (JW-SOL-50), 89,00\u00a0€',
      'Bague Solène — 54 (JW-SOL-54), 89,00\u00a0€',
      'Bague Solène — 56 (JW-SOL-56), 89,00\u00a0€',
      'Bague Solène — 58 (JW-SOL-58), 89,00\u00a0€ — épuisé pour le moment',
    ]);
    expect(offered.find((o) => o.value === size58)!.disabled).toBe(true);
    expect(offered.find((o) => o.value === size54)!.disabled).toBe(false);
  });

  it('an exchange without the size wanted, or with an item not offered, is refused on the page', async () => {
    const step1 = await customer.get(functionPage());
    const fields = { ...hiddenFields(step1.body, functionPage()), name: 'Camille Martin', qty_0: '1', want: 'exchange' };
    const noVariant = await customer.post(functionPage(), fields);
    expect(noVariant.statusCode).toBe(422);
    expect(noVariant.body).toContain('data-error-code="exchange.variant_required"');
    expect(noVariant.body).toContain('Pour un échange, choisissez l’article souhaité en échange de chaque article renvoyé.');
    const forged = await customer.post(functionPage(), { ...fields, variant_0: '999999999' });
    expect(forged.statusCode).toBe(404);
    expect(forged.body).toContain('data-error-code="variant.not_found"');
  });

  it('step 2 quotes « en échange de : … »; confirmed → an exchange return naming size 54', async () => {
    const step1 = await customer.get(functionPage());
    const review = await customer.post(functionPage(), { ...hiddenFields(step1.body, functionPage()), name: 'Camille Martin', qty_0: '1', want: 'exchange', variant_0: size54 });
    expect(review.statusCode, review.body).toBe(200);
    expect(review.body).toContain('en échange de : Bague Solène — 54 (JW-SOL-54), 89,00\u00a0€');
    expect(review.body).toContain('Je demande un échange par la poste plutôt qu’un remboursement.');
    const step2 = hiddenFields(review.body, functionPage());
    expect(step2).toMatchObject({ want: 'exchange', variant_0: size54, qty_0: '1' });
    const sent = await customer.post(functionPage(), { ...step2, step: 'confirm' });
    expect(sent.statusCode, sent.body).toBe(303);
    expect(sent.headers.location).toBe(`/returns/${number}-RT1?done=1`);
    const ret = await getReturn(t.ctx.db, { shopId: 'jw', number: `${number}-RT1` });
    expect(ret).toMatchObject({ purpose: 'exchange', state: 'authorised', lines: [{ position: 0, quantity: 1, exchangeVariantId: size54 }] });
  });

  it('JW: one exchange per order — the page no longer offers it, and a forged one is refused with nothing written', async () => {
    const step1 = await customer.get(functionPage());
    expect(step1.statusCode).toBe(200);
    expect(step1.body).not.toContain('name="want"');
    const review = await customer.post(functionPage(), { ...hiddenFields(step1.body, functionPage()), name: 'Camille Martin', qty_0: '1', want: 'exchange', variant_0: size54 });
    const refused = review.statusCode === 200 ? await customer.post(functionPage(), { ...hiddenFields(review.body, functionPage()), step: 'confirm' }) : review;
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    expect((await t.ctx.db.selectFrom('returns').select('number').execute()).map((r) => r.number)).toEqual([`${number}-RT1`]);
  });
});
