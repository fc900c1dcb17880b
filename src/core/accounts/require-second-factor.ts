// Applies the second-factor policy to one request. Returns the checked factor that the write
// must consume in its own transaction, or null when none is needed.

import type { Deps, RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { OtpUse, PackageMfa, User } from '../ports.ts';
import { confirmedTfaMode, type OperationClass, secondFactorFor } from '../access/second-factor.ts';
import { isWebOtpValue } from './otp-input.ts';
import { passkeysOnly } from './passkey-policy.ts';
import { verifyOtp } from './verify-otp.ts';
import { offersWebChallenge, startOtpChallenge, webOtpBinding } from './web-otp-start.ts';

export interface SecondFactorOptions {
  packageMfa?: PackageMfa | null;
  /** Whose factor: the principal's user unless given (a login names its user). */
  user?: User;
  /** The credential that may present the same code again (a login: the session it creates). */
  credentialKey?: string | null;
  /** What the write is about, for a browser approval's page (e.g. "left-pad@1.0.0"). */
  subject?: string;
}

export async function requireSecondFactor(deps: Deps, ctx: RequestContext, operation: OperationClass, options: SecondFactorOptions = {}): Promise<OtpUse | null> {
  const principal = ctx.principal;
  const user = options.user ?? (principal.kind === 'user' ? principal.user : null);
  const token = principal.kind === 'user' ? principal.token : null;
  const answer = secondFactorFor({ operation, tfaMode: confirmedTfaMode(user), packageMfa: options.packageMfa, token });
  if (answer.need === 'none' || !user) return null;
  // Basic credentials signed in with this request's code (basic-login.ts), which is used up:
  // the same request needs no second one, as a session may present its login code again.
  if (principal.kind === 'user' && principal.secondFactorPassed && principal.user.id === user.id) return null;
  if (answer.need === 'enable-2fa') {
    if (operation === 'stage-approval') {
      fail('TFA_REQUIRED', 'Approving or rejecting a staged version needs two-factor authentication on your account and an OTP. Run `npm profile enable-2fa`.');
    }
    fail('TFA_REQUIRED', 'This package requires that publishers enable two-factor authentication and provide an OTP. Run `npm profile enable-2fa`.');
  }
  // A passkey answer checked for this request (bound to its session and action) is the factor.
  if (ctx.passkeyFactor && ctx.passkeyFactor.userId === user.id) return ctx.passkeyFactor;
  const credentialKey = options.credentialKey !== undefined ? options.credentialKey : (token?.key ?? null);
  // A browser approval is bound to the credential, the operation class and the request.
  const binding = ctx.target && (isWebOtpValue(ctx.otp) || offersWebChallenge(ctx, user)) ? webOtpBinding(ctx, user, operation) : null;
  if (binding !== null && offersWebChallenge(ctx, user)) {
    const details = await startOtpChallenge(deps, ctx, user, binding, options.subject);
    fail('OTP_REQUIRED', `Approve this in your browser: ${details.authUrl}`, { details, ...(passkeysOnly(user) ? { factors: 'passkeys' as const } : {}) });
  }
  return verifyOtp(deps, ctx, user, credentialKey, binding);
}
