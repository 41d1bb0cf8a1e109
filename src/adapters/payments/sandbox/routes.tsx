// The sandbox PSP's pages, served by the same Fastify server but belonging to
// the "separate service": its own minimal layout, no shop session, no shop
// cookie. The session id in the URL (24 random bytes) is the capability, as on
// a real PSP's hosted page. Card data is posted here only, checked, and
// dropped: the sandbox keeps the brand and the last 4 digits.
//
//   GET  /sandbox/pay/:sessionId      card form (number, expiry, CVC)
//   POST /sandbox/pay/:sessionId      → 303 to returnUrl?payment=<id>, or to the 3-D Secure page
//   GET  /sandbox/3ds/:sessionId      "Approve" / "Fail" (PA-2)
//   POST /sandbox/3ds/:sessionId      decision=approve|fail → 303 to returnUrl?payment=<id>
//   GET  /sandbox/wallet/:sessionId   "Pay" / "Cancel"
//   POST /sandbox/wallet/:sessionId   decision=pay|cancel → 303 to returnUrl?payment=<id>
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ComponentChildren, VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { Clock } from '../../clock.js';
import { DomainError } from '../../../domain/errors.js';
import { formatMoney, money } from '../../../domain/money.js';
import { TEST_CARDS, type CardFormError } from './cards.js';
import { hostedPath, returnLocation, type SandboxPsp, type SandboxSession } from './psp.js';

const formErrors: Readonly<Record<CardFormError, string>> = {
  'card.number_invalid': 'This card number is not valid.',
  'card.not_a_test_card': 'The sandbox accepts test cards only (see the list below).',
  'card.expiry_invalid': 'Expiry must be MM/YY.',
  'card.expired': 'This card has expired.',
  'card.cvc_invalid': 'The security code is 3 digits (4 for Amex).',
};

function Page(props: { title: string; children: ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${props.title} — Sandbox PSP`}</title>
        <style>{'body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.6rem 0}input{display:block;width:100%;padding:.4rem;font-size:1rem}button{margin:.6rem .4rem 0 0;padding:.5rem 1rem;font-size:1rem}.error{color:#a00}.note{color:#555;font-size:.9rem}code{font-size:.95rem}'}</style>
      </head>
      <body>
        <p class="note">Sandbox PSP — test mode: no real money moves.</p>
        <main id="main">
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

function Amount({ session }: { session: SandboxSession }) {
  return (
    <p>
      Amount: <strong data-amount={String(session.amount)}>{formatMoney(money(session.amount, session.currency), 'en')}</strong>
    </p>
  );
}

function CardForm(props: { session: SandboxSession; error?: CardFormError | undefined; field?: string | undefined }) {
  const action = hostedPath('card', props.session.id);
  return (
    <Page title="Pay by card">
      <Amount session={props.session} />
      {props.error ? (
        <p class="error" role="alert" data-error={props.error}>
          {formErrors[props.error]}
        </p>
      ) : null}
      <form method="post" action={action} autoComplete="off">
        <label>
          Card number
          <input name="number" inputMode="numeric" autoComplete="cc-number" required aria-invalid={props.field === 'number' ? 'true' : undefined} />
        </label>
        <label>
          Expiry (MM/YY)
          <input name="expiry" autoComplete="cc-exp" placeholder="12/30" required aria-invalid={props.field === 'expiry' ? 'true' : undefined} />
        </label>
        <label>
          Security code (CVC)
          <input name="cvc" inputMode="numeric" autoComplete="cc-csc" required aria-invalid={props.field === 'cvc' ? 'true' : undefined} />
        </label>
        <button type="submit">Pay</button>
      </form>
      <h2>Test cards</h2>
      <ul class="note">
        {Object.entries(TEST_CARDS).map(([number, card]) => (
          <li key={number}>
            <code>{number.replace(/(\d{4})(?=\d)/g, '$1 ')}</code> — issued in {card.country}: {card.label}
          </li>
        ))}
      </ul>
      <p class="note">Any future expiry and any 3-digit CVC.</p>
    </Page>
  );
}

function DecisionPage(props: { session: SandboxSession; title: string; text: string; action: string; yes: [string, string]; no: [string, string] }) {
  return (
    <Page title={props.title}>
      <Amount session={props.session} />
      <p>{props.text}</p>
      <form method="post" action={props.action}>
        <button type="submit" name="decision" value={props.yes[0]}>
          {props.yes[1]}
        </button>
        <button type="submit" name="decision" value={props.no[0]}>
          {props.no[1]}
        </button>
      </form>
    </Page>
  );
}

function ClosedPage({ session }: { session: SandboxSession }) {
  return (
    <Page title="Payment closed">
      {session.state === 'cancelled' ? (
        <p data-state={session.state} role="alert">
          The merchant cancelled this order: this payment can no longer be made, and nothing was charged.
        </p>
      ) : (
        <p data-state={session.state}>This payment is no longer open ({session.state}).</p>
      )}
      <p>
        <a href={returnLocation(session)}>Back to the shop</a>
      </p>
    </Page>
  );
}

const send = (reply: FastifyReply, page: VNode, status = 200) =>
  reply
    .status(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>${render(page)}`);

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, 100) : '';
};

export const sandboxPaymentRoutes =
  (psp: SandboxPsp, clock: Clock): FastifyPluginAsync =>
  async (app) => {
    const load = async (sessionId: string, method: 'card' | 'wallet'): Promise<SandboxSession> => {
      const session = await psp.getSession(sessionId);
      if (!session || session.method !== method || session.merchant !== psp.merchant) throw new DomainError('sandbox.not_found', { field: 'sessionId' });
      return session;
    };
    const closedOr = async (reply: FastifyReply, error: unknown, sessionId: string, method: 'card' | 'wallet') => {
      if (error instanceof DomainError && error.code === 'sandbox.session_closed') return send(reply, <ClosedPage session={await load(sessionId, method)} />, 409);
      throw error;
    };

    app.get<{ Params: { sessionId: string } }>('/sandbox/pay/:sessionId', async (request, reply) => {
      const session = await load(request.params.sessionId, 'card');
      if (session.state === 'requires_action') return reply.redirect(hostedPath('3ds', session.id), 303);
      if (session.state !== 'open') return send(reply, <ClosedPage session={session} />);
      return send(reply, <CardForm session={session} />);
    });

    app.post<{ Params: { sessionId: string } }>('/sandbox/pay/:sessionId', async (request, reply) => {
      await load(request.params.sessionId, 'card');
      try {
        const result = await psp.submitCard(
          request.params.sessionId,
          { number: field(request.body, 'number'), expiry: field(request.body, 'expiry'), cvc: field(request.body, 'cvc') },
          await clock.now(),
        );
        if (result.kind === 'form_error') return send(reply, <CardForm session={result.session} error={result.error} field={result.field} />, 422);
        return reply.redirect(result.location, 303);
      } catch (error) {
        return closedOr(reply, error, request.params.sessionId, 'card');
      }
    });

    app.get<{ Params: { sessionId: string } }>('/sandbox/3ds/:sessionId', async (request, reply) => {
      const session = await load(request.params.sessionId, 'card');
      if (session.state !== 'requires_action') return send(reply, <ClosedPage session={session} />);
      return send(
        reply,
        <DecisionPage
          session={session}
          title="3-D Secure"
          text={`Your bank asks you to confirm this payment with the ${session.card?.brand ?? 'card'} ending in ${session.card?.last4 ?? '····'}.`}
          action={hostedPath('3ds', session.id)}
          yes={['approve', 'Approve']}
          no={['fail', 'Fail']}
        />,
      );
    });

    app.post<{ Params: { sessionId: string } }>('/sandbox/3ds/:sessionId', async (request, reply) => {
      await load(request.params.sessionId, 'card');
      const decision = field(request.body, 'decision');
      if (decision !== 'approve' && decision !== 'fail') throw new DomainError('sandbox.invalid_decision', { field: 'decision' });
      try {
        const result = await psp.completeChallenge(request.params.sessionId, decision, await clock.now());
        return reply.redirect(result.location, 303);
      } catch (error) {
        return closedOr(reply, error, request.params.sessionId, 'card');
      }
    });

    app.get<{ Params: { sessionId: string } }>('/sandbox/wallet/:sessionId', async (request, reply) => {
      const session = await load(request.params.sessionId, 'wallet');
      if (session.state !== 'open') return send(reply, <ClosedPage session={session} />);
      return send(
        reply,
        <DecisionPage session={session} title="Sandbox Wallet" text="Sign in to your wallet and pay the merchant." action={hostedPath('wallet', session.id)} yes={['pay', 'Pay']} no={['cancel', 'Cancel']} />,
      );
    });

    app.post<{ Params: { sessionId: string } }>('/sandbox/wallet/:sessionId', async (request, reply) => {
      await load(request.params.sessionId, 'wallet');
      const decision = field(request.body, 'decision');
      if (decision !== 'pay' && decision !== 'cancel') throw new DomainError('sandbox.invalid_decision', { field: 'decision' });
      try {
        const result = await psp.completeWallet(request.params.sessionId, decision, await clock.now());
        return reply.redirect(result.location, 303);
      } catch (error) {
        return closedOr(reply, error, request.params.sessionId, 'wallet');
      }
    });
  };
