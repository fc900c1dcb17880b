// Passkeys and security keys on the web: the list page, the options the browser asks for
// (JSON, CSRF-checked POSTs: a challenge is stored per request), adding, renaming, removing.
// Recovery codes made by a first passkey appear only in the answer to the POST that made them.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { confirmedTfaMode } from '../../core/access/second-factor.ts';
import { passkeyAssertionOptions, verifyPasskeyAssertion } from '../../core/accounts/passkey-assertion.ts';
import { hasTotp, passkeysEnabled } from '../../core/accounts/passkey-policy.ts';
import { listPasskeys, passkeyRegistrationOptions, registerPasskey, removePasskey, renamePasskey } from '../../core/accounts/passkeys.ts';
import type { Deps, RequestContext } from '../../core/deps.ts';
import { isDomainError } from '../../core/errors.ts';
import type { User } from '../../core/ports.ts';
import { statusOfKind } from '../../http/status.ts';
import { type ConfirmAction, isConfirmAction } from '../confirm-actions.ts';
import { field, type FormBody, formOf } from '../form.ts';
import type { Notice } from '../layout.ts';
import { type PasskeyAvailability, passkeysPage, type PasskeysView } from '../pages/passkeys.ts';
import { recoveryCodesPage } from '../pages/two-factor.ts';
import { formError, pageContext, redirect, sendPage, sessionOrLogin, webBase, webCtx } from '../request.ts';

const DONE: Record<string, string> = {
  added: 'Passkey added.',
  renamed: 'Passkey renamed.',
  removed: 'Passkey removed.',
  off: 'Passkey removed. It was your last one: two-factor authentication is now off.',
};
const FORM_ERRORS = ['BAD_REQUEST', 'BAD_LOGIN', 'OTP_REQUIRED', 'TOO_MANY_ATTEMPTS', 'FORBIDDEN', 'NOT_FOUND'];

/** An answer for passkeys.js: the options, or {"error"} with the status of the domain error. */
export async function jsonAnswer(reply: FastifyReply, make: () => Promise<unknown>): Promise<FastifyReply> {
  reply.header('cache-control', 'no-store');
  try {
    return reply.code(200).send(await make());
  } catch (e) {
    if (!isDomainError(e)) throw e;
    if (e.retryAfter !== undefined) reply.header('retry-after', String(e.retryAfter));
    return reply.code(statusOfKind(e.kind)).send({ error: e.message });
  }
}

/**
 * The use-case context of a signed-in form: its code (`otp`) or, when it carries a passkey
 * answer (`assertion`) for this session and `action`, that answer checked now, as the factor
 * the change consumes (RequestContext.passkeyFactor). `action`: the form's name in
 * confirm-actions.ts, the one its page gave confirmWith. Errors of verifyPasskeyAssertion.
 */
export async function passkeyFormCtx(deps: Deps, request: FastifyRequest, form: FormBody, action: ConfirmAction): Promise<RequestContext> {
  const ctx = webCtx(request, field(form, 'otp'));
  const assertion = field(form, 'assertion');
  const session = request.web.session;
  if (assertion === '' || !session) return ctx;
  const { use } = await verifyPasskeyAssertion(deps, ctx, { user: session.user, holder: session.token.key, action }, assertion);
  return { ...ctx, passkeyFactor: use };
}

/** The state of an account's second factor, as the passkey pages describe it. */
export function tfaKind(user: User, keys: number): PasskeysView['tfa'] {
  if (!confirmedTfaMode(user)) return 'off';
  if (hasTotp(user)) return keys > 0 ? 'both' : 'totp';
  return 'passkeys';
}

export function webPasskeyRoutes(web: FastifyInstance, deps: Deps): void {
  const availability = (): PasskeyAvailability => (deps.settings.twoFactorMethods === 'totp' ? 'policy-totp' : passkeysEnabled(deps) ? null : 'ip-url');

  const show = async (request: FastifyRequest, reply: FastifyReply, status: number, n: Notice) => {
    const user = request.web.session!.user;
    const keys = await listPasskeys(deps, user);
    return sendPage(reply, status, passkeysPage(pageContext(deps, request, reply), { keys, tfa: tfaKind(user, keys.length), unavailable: availability(), notice: n }));
  };

  web.get<{ Querystring: { done?: string } }>('/passkeys', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const done = request.query.done;
    return show(request, reply, 200, done && Object.hasOwn(DONE, done) ? { kind: 'ok', text: DONE[done] } : null);
  });

  web.post('/passkeys/options', async (request, reply) => {
    const session = request.web.session;
    if (!session) return reply.code(401).send({ error: 'Your session has ended: sign in again.' });
    return jsonAnswer(reply, () => passkeyRegistrationOptions(deps, session.user, session.token.key));
  });

  // Options for confirming a change with a passkey: adding another key, or removing one.
  web.post<{ Querystring: { action?: string } }>('/passkeys/assert-options', async (request, reply) => {
    const session = request.web.session;
    if (!session) return reply.code(401).send({ error: 'Your session has ended: sign in again.' });
    const action = String(request.query.action ?? '');
    if (!isConfirmAction(action) && !/^remove:[A-Za-z0-9_-]{1,1366}$/.test(action)) return reply.code(400).send({ error: 'Unknown passkey action.' });
    return jsonAnswer(reply, () => passkeyAssertionOptions(deps, session.user, session.token.key, action));
  });

  web.post('/passkeys', async (request, reply) => {
    const session = sessionOrLogin(deps, request, reply);
    if (!session) return reply;
    const form = formOf(request.body);
    let codes: string[] | null;
    try {
      const done = await registerPasskey(deps, webCtx(request, field(form, 'otp')), session.token.key, {
        name: field(form, 'name'),
        response: field(form, 'response'),
        password: field(form, 'password'),
        assertion: field(form, 'assertion'),
        mode: field(form, 'mode'),
      });
      codes = done.recoveryCodes;
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return show(request, reply, status, notice);
    }
    if (codes) return sendPage(reply, 200, recoveryCodesPage(pageContext(deps, request, reply), codes, 'passkey'));
    return redirect(reply, `${webBase(deps)}passkeys?done=added`);
  });

  web.post<{ Params: { id: string } }>('/passkeys/:id/rename', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    try {
      await renamePasskey(deps, webCtx(request), request.params.id, field(formOf(request.body), 'name'));
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return show(request, reply, status, notice);
    }
    return redirect(reply, `${webBase(deps)}passkeys?done=renamed`);
  });

  web.post<{ Params: { id: string } }>('/passkeys/:id/remove', async (request, reply) => {
    const session = sessionOrLogin(deps, request, reply);
    if (!session) return reply;
    const form = formOf(request.body);
    let after: User;
    try {
      after = await removePasskey(deps, webCtx(request, field(form, 'otp')), session.token.key, request.params.id, field(form, 'assertion'));
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return show(request, reply, status, notice);
    }
    return redirect(reply, `${webBase(deps)}passkeys?done=${after.tfa === null ? 'off' : 'removed'}`);
  });
}
