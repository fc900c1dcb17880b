// Web pages for two-factor authentication, over the same state machine as
// `npm profile enable-2fa` (core/accounts/two-factor.ts). Recovery codes appear only in the
// answer to the POST that made them: never in a URL, never again.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { confirmedTfaMode } from '../../core/access/second-factor.ts';
import { changeTwoFactor, recoveryCodesLeft, regenerateRecoveryCodes } from '../../core/accounts/two-factor.ts';
import type { Deps } from '../../core/deps.ts';
import { field, formOf } from '../form.ts';
import type { Notice } from '../layout.ts';
import { recoveryCodesPage, setupPage, type TfaAction, type TfaStatus, twoFactorPage } from '../pages/two-factor.ts';
import { qrDataUrl } from '../qr.ts';
import { formError, pageContext, redirect, sendPage, sessionOrLogin, webBase, webCtx } from '../request.ts';
import { hasTotp, passkeysUsable } from '../../core/accounts/passkey-policy.ts';
import { passkeyFormCtx } from './passkeys.ts';

const DONE: Record<string, string> = {
  mode: 'Two-factor mode changed.',
  off: 'Two-factor authentication is off. Your other sessions have ended.',
  cancelled: 'The set-up was cancelled.',
  'app-removed': 'The authenticator app was removed. Two-factor authentication stays on with your passkeys.',
  approval: 'Browser approval saved.',
};
const APPROVAL_REFUSED: Record<string, string> = {
  otp: 'The one-time password was missing or wrong: the browser-approval setting was not changed.',
  locked: 'Too many wrong one-time passwords. Try again later.',
  'tfa-off': 'Turn on two-factor authentication first.',
};
const FORM_ERRORS = ['BAD_REQUEST', 'BAD_LOGIN', 'OTP_REQUIRED', 'TOO_MANY_ATTEMPTS', 'FORBIDDEN'];

/** The secret of an otpauth URL made by core/accounts/totp.ts, or null. */
function secretOf(otpauth: string): string | null {
  if (!otpauth.startsWith('otpauth://totp/')) return null;
  try {
    const secret = new URL(otpauth).searchParams.get('secret');
    return secret && /^[A-Z2-7]{16,128}$/.test(secret) ? secret : null;
  } catch {
    return null;
  }
}

export function webTwoFactorRoutes(web: FastifyInstance, deps: Deps): void {
  /** The page; `open`: the action whose form stays open (the one just refused). */
  const show = async (request: FastifyRequest, reply: FastifyReply, status: number, notice: Notice, open: TfaAction | null = null) => {
    const user = request.web.session!.user;
    const tfa = user.tfa;
    let state: TfaStatus = { state: 'off' };
    if (tfa?.pending) state = { state: 'pending', mode: tfa.mode };
    else if (tfa) {
      const passkeys = passkeysUsable(deps) && (await deps.store.passkeys.list(user.id)).length > 0;
      state = { state: 'on', mode: tfa.mode, recoveryLeft: (await recoveryCodesLeft(deps, webCtx(request))).remaining, webApproval: user.webOtpChallenge, passkeys, totp: hasTotp(user) };
    }
    return sendPage(reply, status, twoFactorPage(pageContext(deps, request, reply), { status: state, notice, open }));
  };

  const showSetup = async (request: FastifyRequest, reply: FastifyReply, status: number, otpauth: string, notice: Notice) => {
    const secret = secretOf(otpauth);
    if (!secret) return show(request, reply, 400, { kind: 'error', text: 'The set-up could not be shown again. Start it again.' });
    const qr = await qrDataUrl(otpauth);
    return sendPage(reply, status, setupPage(pageContext(deps, request, reply), { otpauth, qr, secret, notice }));
  };

  web.get<{ Querystring: { done?: string; approval?: string } }>('/2fa', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const done = request.query.done;
    const refused = request.query.approval;
    if (refused && Object.hasOwn(APPROVAL_REFUSED, refused)) return show(request, reply, 400, { kind: 'error', text: APPROVAL_REFUSED[refused] }, 'approval');
    return show(request, reply, 200, done && Object.hasOwn(DONE, done) ? { kind: 'ok', text: DONE[done] } : null);
  });

  web.post('/2fa/enable', async (request, reply) => {
    const session = sessionOrLogin(deps, request, reply);
    if (!session) return reply;
    // With 2FA on, {mode, password} would be a mode change: that has its own form.
    if (confirmedTfaMode(session.user)) return redirect(reply, `${webBase(deps)}2fa`);
    const form = formOf(request.body);
    const mode = field(form, 'mode') || 'auth-and-writes';
    let otpauth: unknown;
    try {
      otpauth = (await changeTwoFactor(deps, webCtx(request), { mode, password: field(form, 'password') })).tfa;
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return show(request, reply, status, notice);
    }
    return showSetup(request, reply, 200, String(otpauth), null);
  });

  web.post('/2fa/confirm', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const form = formOf(request.body);
    let codes: unknown;
    try {
      codes = (await changeTwoFactor(deps, webCtx(request), [field(form, 'code')])).tfa;
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return showSetup(request, reply, status, field(form, 'otpauth'), notice);
    }
    return sendPage(reply, 200, recoveryCodesPage(pageContext(deps, request, reply), codes as string[], 'enabled'));
  });

  web.post('/2fa/mode', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const form = formOf(request.body);
    try {
      await changeTwoFactor(deps, await passkeyFormCtx(deps, request, form, '2fa-mode'), { mode: field(form, 'mode'), password: field(form, 'password') });
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return show(request, reply, status, notice, 'mode');
    }
    return redirect(reply, `${webBase(deps)}2fa?done=mode`);
  });

  web.post('/2fa/disable', async (request, reply) => {
    const session = sessionOrLogin(deps, request, reply);
    if (!session) return reply;
    const form = formOf(request.body);
    const wasPending = session.user.tfa?.pending === true;
    let stillOn = false;
    try {
      const after = await changeTwoFactor(deps, await passkeyFormCtx(deps, request, form, '2fa-off'), { mode: 'disable', password: field(form, 'password') });
      stillOn = after.tfa !== false && !wasPending;
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return show(request, reply, status, notice, 'off');
    }
    return redirect(reply, `${webBase(deps)}2fa?done=${stillOn ? 'app-removed' : wasPending ? 'cancelled' : 'off'}`);
  });

  web.post('/2fa/recovery-codes', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const form = formOf(request.body);
    let codes: string[];
    try {
      codes = await regenerateRecoveryCodes(deps, await passkeyFormCtx(deps, request, form, '2fa-codes'), { password: field(form, 'password') });
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return show(request, reply, status, notice, 'codes');
    }
    return sendPage(reply, 200, recoveryCodesPage(pageContext(deps, request, reply), codes, 'regenerated'));
  });
}
