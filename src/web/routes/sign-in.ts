// Web sign-in: the password (throttled like the API), then, for accounts with 2FA, a code or a
// recovery code; sign-up; sign-out; and the approval page of `npm login --auth-type=web`.
// Between the two sign-in steps only a signed 5-minute pre-auth cookie is kept (the account
// id), never the password. Each sign-in makes a new session; the browser's old one ends.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { anonymous } from '../../core/access/principal.ts';
import { confirmedTfaMode } from '../../core/access/second-factor.ts';
import { createUser } from '../../core/accounts/login.ts';
import { spendAddressBudget } from '../../core/accounts/login-throttle.ts';
import { checkPassword, openSession } from '../../core/accounts/sign-in.ts';
import { approveWebLogin, describeWebLogin } from '../../core/accounts/web-login.ts';
import { type Deps, logEvent, type RequestContext } from '../../core/deps.ts';
import { isDomainError } from '../../core/errors.ts';
import type { OtpUse, User } from '../../core/ports.ts';
import { passkeyAssertionOptions, verifyPasskeyAssertion } from '../../core/accounts/passkey-assertion.ts';
import { passkeysOnly, passkeysUsable } from '../../core/accounts/passkey-policy.ts';
import { jsonAnswer } from './passkeys.ts';
import { createHash } from 'node:crypto';
import { endSession } from '../../core/tokens/sessions.ts';
import { field, formOf } from '../form.ts';
import { cliLoginDonePage, cliLoginPage } from '../pages/cli-login.ts';
import { errorPage } from '../pages/error.ts';
import { loginPage, otpPage, signupPage } from '../pages/sign-in.ts';
import { formError, pageContext, redirect, safeNext, sendPage, sessionOrLogin, webBase } from '../request.ts';
import { clearCookie, parseCookies, readPreauth, setCookie, signPreauth, WEB_SESSION_TTL_MS } from '../session.ts';

/** A page answering 429 carries Retry-After too. */
function retryAfter(reply: FastifyReply, e: unknown): void {
  if (isDomainError(e) && e.retryAfter !== undefined) reply.header('retry-after', String(e.retryAfter));
}

function signInCtx(request: FastifyRequest, otp?: string): RequestContext {
  return { ...request.ctx, principal: anonymous, otp: otp && otp.trim() !== '' ? otp : undefined };
}

async function startSession(deps: Deps, request: FastifyRequest, reply: FastifyReply, user: User, ctx: RequestContext, next: string, factor?: OtpUse, via = 'web') {
  const session = await openSession(deps, ctx, user, 'web', WEB_SESSION_TTL_MS, via, factor);
  if (request.web.session) await endSession(deps, request.web.session.secret);
  const { names } = request.web;
  reply.header('set-cookie', setCookie(names.session, session.secret, names.secure, WEB_SESSION_TTL_MS / 1000));
  reply.header('set-cookie', clearCookie(names.preauth, names.secure));
  return redirect(reply, next);
}

export function webSignInRoutes(web: FastifyInstance, deps: Deps): void {
  const signupOpen = () => deps.settings.signup === 'open';

  web.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
    const next = safeNext(deps, request.query.next);
    if (request.web.session) return redirect(reply, next);
    return sendPage(reply, 200, loginPage(pageContext(deps, request, reply), { name: '', next, notice: null, signupOpen: signupOpen(), passkeys: passkeysUsable(deps) }));
  });

  web.post('/login', async (request, reply) => {
    const form = formOf(request.body);
    const name = field(form, 'name').trim();
    const next = safeNext(deps, field(form, 'next'));
    const ctx = signInCtx(request);
    let user: User;
    try {
      await spendAddressBudget(deps, ctx.ip, 'login');
      user = await checkPassword(deps, ctx, name, field(form, 'password'), 'web');
    } catch (e) {
      const { status, notice } = formError(e, ['BAD_LOGIN', 'TOO_MANY_ATTEMPTS', 'BAD_REQUEST']);
      retryAfter(reply, e);
      return sendPage(reply, status, loginPage(pageContext(deps, request, reply), { name, next, notice, signupOpen: signupOpen(), passkeys: passkeysUsable(deps) }));
    }
    if (confirmedTfaMode(user)) {
      const { names } = request.web;
      reply.header('set-cookie', setCookie(names.preauth, signPreauth(deps, { userId: user.id, next }), names.secure, 300));
      return redirect(reply, `${webBase(deps)}login/otp`);
    }
    return startSession(deps, request, reply, user, ctx, next);
  });

  // `holder`: what a passkey challenge of this sign-in is bound to (a hash of the signed cookie).
  const preauthUser = async (request: FastifyRequest): Promise<{ user: User; next: string; holder: string } | null> => {
    const cookie = parseCookies(request.headers.cookie).get(request.web.names.preauth);
    const pre = readPreauth(deps, cookie);
    const user = pre ? await deps.store.users.findById(pre.userId) : null;
    return pre && user ? { user, next: safeNext(deps, pre.next), holder: `preauth:${createHash('sha256').update(cookie!).digest('hex')}` } : null;
  };
  const otpView = async (user: User) => {
    const keys = passkeysUsable(deps) ? (await deps.store.passkeys.list(user.id)).length : 0;
    return { name: user.name, passkeys: keys > 0, codes: !passkeysOnly(user) };
  };

  web.get('/login/otp', async (request, reply) => {
    const pre = await preauthUser(request);
    if (!pre) return redirect(reply, `${webBase(deps)}login`);
    return sendPage(reply, 200, otpPage(pageContext(deps, request, reply), { ...(await otpView(pre.user)), notice: null }));
  });

  // The second step with a passkey instead of a code: options bound to this sign-in attempt.
  web.post('/login/passkey/options', async (request, reply) => {
    const pre = await preauthUser(request);
    if (!pre) return reply.code(401).send({ error: 'The sign-in took too long. Enter your password again.' });
    return jsonAnswer(reply, () => passkeyAssertionOptions(deps, pre.user, pre.holder, 'sign-in'));
  });

  web.post('/login/passkey', async (request, reply) => {
    const pre = await preauthUser(request);
    if (!pre) return redirect(reply, `${webBase(deps)}login`);
    const ctx = signInCtx(request);
    try {
      const { use } = await verifyPasskeyAssertion(deps, ctx, { user: pre.user, holder: pre.holder, action: 'sign-in' }, field(formOf(request.body), 'assertion'));
      return await startSession(deps, request, reply, pre.user, ctx, pre.next, use);
    } catch (e) {
      const { status, notice } = formError(e, ['OTP_REQUIRED', 'BAD_REQUEST', 'TOO_MANY_ATTEMPTS']);
      retryAfter(reply, e);
      return sendPage(reply, status, otpPage(pageContext(deps, request, reply), { ...(await otpView(pre.user)), notice }));
    }
  });

  // Passwordless: a discoverable passkey with user verification, bound to this browser's
  // CSRF nonce; the address's sign-in budget is spent when the options are made.
  const nonceHolder = (request: FastifyRequest) => `nonce:${createHash('sha256').update(request.web.nonce ?? '').digest('hex')}`;
  web.post('/login/passwordless/options', async (request, reply) => {
    if (!request.web.nonce) return reply.code(403).send({ error: 'Reload the page and try again.' });
    return jsonAnswer(reply, async () => {
      await spendAddressBudget(deps, request.ctx.ip, 'login');
      return passkeyAssertionOptions(deps, null, nonceHolder(request), 'passwordless');
    });
  });

  web.post('/login/passwordless', async (request, reply) => {
    const form = formOf(request.body);
    const next = safeNext(deps, field(form, 'next'));
    const ctx = signInCtx(request);
    try {
      const { user, use } = await verifyPasskeyAssertion(deps, ctx, { user: null, holder: nonceHolder(request), action: 'passwordless' }, field(form, 'assertion'));
      return await startSession(deps, request, reply, user, ctx, next, use, 'passkey');
    } catch (e) {
      const { status, notice } = formError(e, ['OTP_REQUIRED', 'BAD_REQUEST', 'TOO_MANY_ATTEMPTS']);
      retryAfter(reply, e);
      return sendPage(reply, status, loginPage(pageContext(deps, request, reply), { name: '', next, notice, signupOpen: signupOpen(), passkeys: passkeysUsable(deps) }));
    }
  });

  web.post('/login/otp', async (request, reply) => {
    const pre = await preauthUser(request);
    if (!pre) {
      const page = pageContext(deps, request, reply);
      return sendPage(reply, 401, loginPage(page, { name: '', next: webBase(deps), notice: { kind: 'error', text: 'The sign-in took too long. Enter your password again.' }, signupOpen: signupOpen(), passkeys: passkeysUsable(deps) }));
    }
    const form = formOf(request.body);
    const code = field(form, 'otp') || field(form, 'recovery');
    const view = await otpView(pre.user);
    const again = (status: number, text: string) => sendPage(reply, status, otpPage(pageContext(deps, request, reply), { ...view, notice: { kind: 'error', text } }));
    if (code.trim() === '') return again(400, 'Enter the code from your authenticator app, or a recovery code.');
    try {
      return await startSession(deps, request, reply, pre.user, signInCtx(request, code), pre.next);
    } catch (e) {
      const { status, notice } = formError(e, ['OTP_REQUIRED', 'BAD_REQUEST', 'TOO_MANY_ATTEMPTS']);
      return again(status, notice.text);
    }
  });

  web.post('/logout', async (request, reply) => {
    if (request.web.session) await endSession(deps, request.web.session.secret);
    reply.header('set-cookie', clearCookie(request.web.names.session, request.web.names.secure));
    return redirect(reply, `${webBase(deps)}login`);
  });

  web.get<{ Querystring: { next?: string } }>('/signup', async (request, reply) => {
    const page = pageContext(deps, request, reply);
    if (!signupOpen()) return sendPage(reply, 403, errorPage(page, 'Registration closed', 'Registration is disabled on this registry. Ask an administrator for an account.'));
    return sendPage(reply, 200, signupPage(page, { name: '', email: '', next: safeNext(deps, request.query.next), notice: null }));
  });

  web.post('/signup', async (request, reply) => {
    const form = formOf(request.body);
    const v = { name: field(form, 'name').trim(), email: field(form, 'email').trim(), next: safeNext(deps, field(form, 'next')) };
    const page = () => pageContext(deps, request, reply);
    if (!signupOpen()) return sendPage(reply, 403, errorPage(page(), 'Registration closed', 'Registration is disabled on this registry.'));
    if (field(form, 'password') !== field(form, 'password2')) {
      return sendPage(reply, 400, signupPage(page(), { ...v, notice: { kind: 'error', text: 'The two passwords differ.' } }));
    }
    let user: User;
    const ctx = signInCtx(request);
    try {
      await spendAddressBudget(deps, ctx.ip, 'signup');
      user = await createUser(deps, { name: v.name, email: v.email, password: field(form, 'password') });
    } catch (e) {
      const { status, notice } = formError(e, ['INVALID_NAME', 'INVALID_EMAIL', 'BAD_REQUEST', 'USER_EXISTS', 'TOO_MANY_ATTEMPTS']);
      retryAfter(reply, e);
      return sendPage(reply, status, signupPage(page(), { ...v, notice }));
    }
    await logEvent(deps, ctx, user.id, 'signup', { via: 'web' });
    return startSession(deps, request, reply, user, ctx, v.next);
  });

  web.get<{ Params: { id: string } }>('/cli-login/:id', async (request, reply) => {
    const pending = await describeWebLogin(deps, request.params.id);
    const session = sessionOrLogin(deps, request, reply);
    if (!session) return reply;
    const page = pageContext(deps, request, reply);
    if (pending.approvedUserId !== null) return sendPage(reply, 409, errorPage(page, 'Already approved', 'This login was already approved.'));
    return sendPage(reply, 200, cliLoginPage(page, request.params.id, pending));
  });

  web.post<{ Params: { id: string } }>('/cli-login/:id', async (request, reply) => {
    const session = sessionOrLogin(deps, request, reply);
    if (!session) return reply;
    await approveWebLogin(deps, request.ctx, session.user, request.params.id);
    return sendPage(reply, 200, cliLoginDonePage(pageContext(deps, request, reply)));
  });
}
