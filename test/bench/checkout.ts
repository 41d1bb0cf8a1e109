// The checkout scenario of `npm run bench` (issue 4 §9): guest buyers walk the
// whole path from an empty cart to an authorised order through the real HTTP
// server, and we measure completed checkouts per second and the latency of
// each whole checkout.
//
// Autocannon measures single requests; a checkout is a chain of dependent
// requests (each needs the cookie, the order number or the PSP session of the
// one before), so a small closed-loop driver runs instead: a fixed number of
// buyers, each starting its next checkout as soon as the last one is done.
//
// One checkout, on a guest shop (PF, CU-1):
//   1. POST /api/store/cart/lines             a new guest cart (its cookie) with one line
//   2. PUT  /api/store/cart/destination       France, standard delivery
//   3. POST /api/store/orders                 addresses, method, terms id + hash, card, idempotency key
//   4. POST /sandbox/pay/<session>            the PSP's hosted form with the success card 4242…
//   5. GET  /api/store/orders/<number>?token  polled until the order is `paid`
// Step 5 is part of the checkout: the order is authorised for the shop only
// once the PSP's webhook (outbox `sandbox.webhook`, dispatched in-process) has
// been processed; until then it is `awaiting_payment`. Polling is what the
// buyer's confirmation page would do; its requests and its wait are counted.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export type CheckoutOptions = {
  base: string;
  buyers: number;
  seconds: number;
  /** Stocked variants; consecutive checkouts take consecutive ones, so concurrent buyers rarely share a stock row. */
  variantIds: readonly string[];
  terms: { versionId: string; hash: string };
};

const STEPS = ['cart line', 'destination', 'place order', 'PSP card form', 'until paid'] as const;
type Step = (typeof STEPS)[number];

type Checkout = { ms: number; requests: number; steps: Record<Step, number> };

export type CheckoutResult = {
  completed: number;
  perSecond: number;
  p50: number;
  p99: number;
  requestsPerCheckout: number;
  /** p50 of each step, in ms, in the order of STEPS. */
  stepP50: { step: Step; ms: number }[];
  failures: number;
  firstFailure: string | null;
};

/**
 * How long a waiting buyer waits before asking again whether the order is paid
 * (the latency counted includes up to this): often while the checkout may
 * still meet its target, less often after, so that a slow outbox does not
 * turn the buyers into a polling load test that slows every other step.
 */
const pollDelayMs = (waitedMs: number): number => (waitedMs < 500 ? 20 : 100);
/** A checkout not paid by then counts as a failure (the loops stay bounded). */
const CHECKOUT_TIMEOUT_MS = 30_000;
const WARM_UP_SECONDS = 2;
/** A run whose checkouts keep failing stops early instead of hammering the server with errors. */
const MAX_FAILURES = 20;

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** One HTTP/1.1 request on the buyers' keep-alive agent (lighter than fetch: the driver shares the cores with the server). */
function send(agent: http.Agent, base: URL, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ agent, host: base.hostname, port: base.port, method, path, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
      response.on('error', reject);
    });
    request.setTimeout(CHECKOUT_TIMEOUT_MS, () => request.destroy(new Error(`${method} ${path}: no answer in ${CHECKOUT_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

function expect(answer: Answer, status: number, what: string): Answer {
  if (answer.status !== status) throw new Error(`${what}: ${answer.status} instead of ${status}: ${answer.body.slice(0, 300)}`);
  return answer;
}

/** A buyer: its connection pool, and a count of the requests it sent. */
class Buyer {
  requests = 0;
  constructor(
    private readonly agent: http.Agent,
    private readonly base: URL,
  ) {}

  async json<T>(method: string, path: string, status: number, what: string, options: { body?: unknown; cookie?: string; headers?: Record<string, string> } = {}): Promise<{ data: T; answer: Answer }> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.cookie) headers.cookie = options.cookie;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    this.requests += 1;
    const answer = expect(await send(this.agent, this.base, method, path, headers, options.body === undefined ? undefined : JSON.stringify(options.body)), status, what);
    return { data: JSON.parse(answer.body) as T, answer };
  }

  async form(path: string, fields: Record<string, string>, status: number, what: string): Promise<Answer> {
    this.requests += 1;
    const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
    return expect(await send(this.agent, this.base, 'POST', path, headers, new URLSearchParams(fields).toString()), status, what);
  }
}

type Placed = { order: { number: string; state: string }; accessToken: string; redirectUrl: string };

/** The `name=value` pairs of an answer's Set-Cookie headers, as a browser would send them back. */
const cookiesOf = (answer: Answer): string => (answer.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');

/** Step 5: the order as its confirmation page sees it, until the PSP's webhook has made it `paid`. */
async function untilPaid(buyer: Buyer, number: string, token: string, startedAt: number): Promise<void> {
  const path = `/api/store/orders/${encodeURIComponent(number)}?token=${encodeURIComponent(token)}`;
  const waitFrom = performance.now();
  while (performance.now() - startedAt < CHECKOUT_TIMEOUT_MS) {
    const { data } = await buyer.json<{ state: string }>('GET', path, 200, 'order');
    if (data.state === 'paid') return;
    if (data.state !== 'awaiting_payment') throw new Error(`order ${number} went ${data.state}`);
    await sleep(pollDelayMs(performance.now() - waitFrom));
  }
  throw new Error(`order ${number} not paid ${CHECKOUT_TIMEOUT_MS} ms after the checkout began`);
}

async function checkout(buyer: Buyer, options: CheckoutOptions, variantId: string, n: number): Promise<Checkout> {
  const startedAt = performance.now();
  const requestsBefore = buyer.requests;
  const steps = {} as Record<Step, number>;
  let mark = startedAt;
  const done = (step: Step) => {
    const now = performance.now();
    steps[step] = now - mark;
    mark = now;
  };

  const added = await buyer.json('POST', '/api/store/cart/lines', 200, 'add to cart', { body: { variantId, quantity: 1 } });
  const cookie = cookiesOf(added.answer);
  if (!cookie.includes('comptoir_cart=')) throw new Error('add to cart set no cart cookie');
  done('cart line');
  await buyer.json('PUT', '/api/store/cart/destination', 200, 'destination', { body: { country: 'FR', shippingMethodId: 'standard' }, cookie });
  done('destination');
  const key = `bench-${process.pid}-${n}-${Math.random().toString(36).slice(2, 10)}`;
  const { data: placed } = await buyer.json<Placed>('POST', '/api/store/orders', 201, 'place order', {
    cookie,
    headers: { 'idempotency-key': key },
    body: {
      email: `buyer-${n}@example.com`,
      deliveryAddress: { name: 'Camille Martin', line1: '12 rue des Lilas', postalCode: '75011', city: 'Paris', country: 'FR' },
      shippingMethodId: 'standard',
      paymentMethod: 'card',
      acceptedTerms: { versionId: options.terms.versionId, hash: options.terms.hash, language: 'fr' },
      declarations: { age: { meetsMinimumAge: true } },
      returnUrl: '/checkout/return',
    },
  });
  done('place order');
  const card = { number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' };
  await buyer.form(new URL(placed.redirectUrl).pathname, card, 303, 'PSP card form');
  done('PSP card form');
  await untilPaid(buyer, placed.order.number, placed.accessToken, startedAt);
  done('until paid');
  return { ms: performance.now() - startedAt, requests: buyer.requests - requestsBefore, steps };
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

/**
 * `buyers` buyers check out in a loop for `seconds`; a checkout counts when it
 * ENDS within the window (steady-state completion rate), and the checkouts
 * still running at the end are awaited — not counted — so nothing is left
 * running against the server.
 */
async function phase(options: CheckoutOptions, seconds: number, counter: { n: number }): Promise<{ done: Checkout[]; failures: number; firstFailure: string | null }> {
  const base = new URL(options.base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.buyers });
  const deadline = performance.now() + seconds * 1000;
  const done: Checkout[] = [];
  let failures = 0;
  let firstFailure: string | null = null;
  const worker = async () => {
    const buyer = new Buyer(agent, base);
    while (performance.now() < deadline && failures < MAX_FAILURES) {
      const n = counter.n++;
      try {
        const result = await checkout(buyer, options, options.variantIds[n % options.variantIds.length]!, n);
        if (performance.now() <= deadline) done.push(result);
      } catch (error) {
        failures += 1;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.buyers }, worker));
  agent.destroy();
  return { done, failures, firstFailure };
}

export async function runCheckouts(options: CheckoutOptions): Promise<CheckoutResult> {
  const counter = { n: 0 };
  await phase(options, WARM_UP_SECONDS, counter); // JIT, caches, connection pools
  const { done, failures, firstFailure } = await phase(options, options.seconds, counter);
  const sorted = done.map((c) => c.ms).sort((a, b) => a - b);
  const stepP50 = STEPS.map((step) => ({ step, ms: percentile(done.map((c) => c.steps[step]).sort((a, b) => a - b), 50) }));
  return {
    completed: done.length,
    perSecond: done.length / options.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    requestsPerCheckout: done.reduce((n, c) => n + c.requests, 0) / Math.max(1, done.length),
    stepP50,
    failures,
    firstFailure,
  };
}
