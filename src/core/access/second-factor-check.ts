// Applies the second-factor policy to one request: refuses when the policy needs an OTP that
// the request does not carry, or when the package needs 2FA the account does not have.

import type { Deps, RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { PackageMfa, TfaMode } from '../ports.ts';
import { type OperationClass, secondFactorFor } from './second-factor.ts';

/** The account's confirmed 2FA mode. Accounts have no second factor until 2FA exists. */
export function confirmedTfaMode(_ctx: RequestContext): TfaMode | null {
  return null;
}

export async function requireSecondFactor(
  _deps: Deps,
  ctx: RequestContext,
  operation: OperationClass,
  packageMfa?: PackageMfa | null,
): Promise<void> {
  const principal = ctx.principal;
  const token = principal.kind === 'user' ? principal.token : null;
  const answer = secondFactorFor({ operation, tfaMode: confirmedTfaMode(ctx), packageMfa, token });
  if (answer.need === 'none') return;
  if (answer.need === 'enable-2fa') {
    fail('TFA_REQUIRED', 'This package requires that publishers enable two-factor authentication and provide an OTP. Run `npm profile enable-2fa`.');
  }
  fail('OTP_REQUIRED', 'This operation requires a one-time password.');
}
