// The browser side of the web OTP challenge: the approval page for a CLI write, and the
// setting that turns the challenge on for an account.

import type { FastifyInstance } from 'fastify';
import { approvalAction, approveOtpChallenge, describeOtpChallenge, setWebOtpChallenge } from '../../core/accounts/web-otp.ts';
import { passkeyAssertionOptions } from '../../core/accounts/passkey-assertion.ts';
import { hasTotp, passkeysUsable } from '../../core/accounts/passkey-policy.ts';
import type { User } from '../../core/ports.ts';
import { jsonAnswer, passkeyFormCtx } from './passkeys.ts';
import type { Deps } from '../../core/deps.ts';
import { DomainError, isDomainError } from '../../core/errors.ts';
import { field, formOf } from '../form.ts';
import { errorPage } from '../pages/error.ts';
import { otpApprovalPage, otpApprovedPage } from '../pages/otp-approval.ts';
import { formError, pageContext, redirect, sendPage, sessionOrLogin, webBase, webCtx } from '../request.ts';

export function webOtpRoutes(web: FastifyInstance, deps: Deps): void {
  const factors = async (user: User) => ({ passkeys: passkeysUsable(deps) && (await deps.store.passkeys.list(user.id)).length > 0, totp: hasTotp(user) });

  web.get<{ Params: { id: string } }>('/otp/:id', async (request, reply) => {
    const session = sessionOrLogin(deps, request, reply);
    if (!session) return reply;
    const challenge = await describeOtpChallenge(deps, request.params.id);
    const page = pageContext(deps, request, reply);
    if (challenge.userId !== session.user.id) return sendPage(reply, 404, errorPage(page, 'Not found', 'This approval link belongs to another account.'));
    return sendPage(reply, 200, otpApprovalPage(page, request.params.id, challenge, null, await factors(session.user)));
  });

  web.post<{ Params: { id: string } }>('/otp/:id/passkey-options', async (request, reply) => {
    const session = request.web.session;
    if (!session) return reply.code(401).send({ error: 'Your session has ended: sign in again.' });
    return jsonAnswer(reply, async () => {
      const challenge = await describeOtpChallenge(deps, request.params.id);
      if (challenge.userId !== session.user.id || challenge.approved) throw new DomainError('NOT_FOUND', 'This approval link belongs to another account or was already approved.');
      return passkeyAssertionOptions(deps, session.user, session.token.key, approvalAction(challenge));
    });
  });

  web.post<{ Params: { id: string } }>('/otp/:id', async (request, reply) => {
    const session = sessionOrLogin(deps, request, reply);
    if (!session) return reply;
    const form = formOf(request.body);
    const otp = field(form, 'otp');
    try {
      await approveOtpChallenge(deps, webCtx(request, otp), session.user, session.token.key, request.params.id, field(form, 'assertion'));
    } catch (e) {
      const { status, notice } = formError(e, ['OTP_REQUIRED', 'BAD_REQUEST', 'TOO_MANY_ATTEMPTS']);
      const challenge = await describeOtpChallenge(deps, request.params.id);
      return sendPage(reply, status, otpApprovalPage(pageContext(deps, request, reply), request.params.id, challenge, notice, await factors(session.user)));
    }
    return sendPage(reply, 200, otpApprovedPage(pageContext(deps, request, reply)));
  });

  web.post('/2fa/web-approval', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const form = formOf(request.body);
    try {
      await setWebOtpChallenge(deps, await passkeyFormCtx(deps, request, form, '2fa-approval'), field(form, 'enabled') === 'on');
    } catch (e) {
      // Only a fixed reason travels in the URL (no text of ours that a link could forge).
      const code = isDomainError(e) ? e.code : '';
      const reason = code === 'OTP_REQUIRED' ? 'otp' : code === 'TOO_MANY_ATTEMPTS' ? 'locked' : code === 'BAD_REQUEST' ? 'tfa-off' : null;
      if (!reason) throw e;
      return redirect(reply, `${webBase(deps)}2fa?approval=${reason}`);
    }
    return redirect(reply, `${webBase(deps)}2fa?done=approval`);
  });
}
