// Which operations need a second factor: the one table of the policy (docs/security.md shows
// it to users). Routes name the operation class; this file alone decides.

import type { PackageMfa, TfaMode, TokenRecord, User } from '../ports.ts';

export type OperationClass =
  /** Signing in with a password (legacy PUT, web sign-in). */
  | 'login'
  /** Password, e-mail, 2FA mode or disable, recovery-code regeneration, token create / revoke; org and team changes (core/orgs). */
  | 'account-identity'
  /** Profile fields other than password and e-mail. */
  | 'profile-other'
  /** Publish a new version, unpublish, deprecate, dist-tags. */
  | 'package-content'
  /** Owners, access (status and mfa), the first publish of a name. */
  | 'package-governance'
  /** Trust relationships (npm trust): who may publish without anyone's second factor. */
  | 'package-trust'
  /**
   * Approving or rejecting a staged version (npm stage approve / reject): the proof of presence
   * staging deferred, so an OTP in every mode, and 2FA must be on (npm docs, `npm help stage`).
   */
  | 'stage-approval'
  /** Reads, star, logout, whoami, search, profile and token reads, the 2FA confirmation. */
  | 'never';

/** needs an OTP in each account mode. */
export const secondFactorPolicy: Record<OperationClass, Record<TfaMode, boolean>> = {
  login: { 'auth-only': true, 'auth-and-writes': true },
  'account-identity': { 'auth-only': true, 'auth-and-writes': true },
  'profile-other': { 'auth-only': false, 'auth-and-writes': true },
  'package-content': { 'auth-only': false, 'auth-and-writes': true },
  'package-governance': { 'auth-only': false, 'auth-and-writes': true },
  'package-trust': { 'auth-only': true, 'auth-and-writes': true },
  'stage-approval': { 'auth-only': true, 'auth-and-writes': true },
  never: { 'auth-only': false, 'auth-and-writes': false },
};

export interface SecondFactorQuestion {
  operation: OperationClass;
  /** The account's confirmed 2FA mode; null when 2FA is off or still pending. */
  tfaMode: TfaMode | null;
  /** The package's own requirement, for package writes. */
  packageMfa?: PackageMfa | null;
  /** The credential used, when it is a token. */
  token?: TokenRecord | null;
}

export type SecondFactorAnswer =
  | { need: 'none' }
  | { need: 'otp' }
  /** The package requires 2FA and the account has none: refuse, an OTP could not help. */
  | { need: 'enable-2fa' };

export function secondFactorFor(q: SecondFactorQuestion): SecondFactorAnswer {
  const { operation, tfaMode } = q;
  if (operation === 'never') return { need: 'none' };
  // A trusted-publishing token is the CI's proof of identity instead of a second factor, also
  // where the package requires 2FA (mfa=publish: "disallow tokens" but trusted publishing, as
  // on npmjs); it can do nothing but publish and stage (access/permissions.ts).
  if (operation === 'package-content' && q.token?.kind === 'oidc') return { need: 'none' };
  if (operation === 'stage-approval' && tfaMode === null) return { need: 'enable-2fa' };
  const packageWrite = operation === 'package-content' || operation === 'package-governance';
  const packageRequires = packageWrite && q.packageMfa?.publishRequiresTfa === true;
  if (packageRequires && tfaMode === null) return { need: 'enable-2fa' };
  const byMode = tfaMode !== null && secondFactorPolicy[operation][tfaMode];
  if (!byMode && !packageRequires) return { need: 'none' };
  // A bypass token waives the OTP for package content only, and not where the package
  // demands an interactive second factor (mfa=publish).
  if (operation === 'package-content' && q.token?.bypass2fa) {
    if (!packageRequires || q.packageMfa?.automationOverridesTfa) return { need: 'none' };
  }
  return { need: 'otp' };
}

/** The account's 2FA mode once confirmed; null when off or still pending. */
export function confirmedTfaMode(user: User | null): TfaMode | null {
  return user?.tfa && !user.tfa.pending ? user.tfa.mode : null;
}
