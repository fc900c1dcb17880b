// The web OTP challenge (npm CLI lib/utils/auth.js otplease), for users who turn it on: a CLI write that
// needs a second factor and comes from a client able to open a browser (npm-auth-type: web)
// gets, with its 401, an authUrl to approve the write in the browser and a doneUrl that npm
// polls. The approval needs a fresh code from the person's authenticator; the poll then hands
// npm a single-use value (tsrotp_...) that it sends back as npm-otp, valid for 5 minutes and
// bound to what the page showed: the credential that started the challenge, the operation
// class, the method and the path (webOtpBinding). Ids and values are 256-bit; ids, values and
// bindings are stored only as hashes. Starting a challenge (and its binding) is in
// web-otp-start.ts; reading the value npm sends back is in otp-input.ts.

import { randomBytes } from 'node:crypto';
import { requireAccountWriter } from '../access/permissions.ts';
import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { OtpChallenge, User } from '../ports.ts';
import { approvalHash, isApprovalId } from './approval-ids.ts';
import { requireSecondFactor } from './require-second-factor.ts';
import { verifyOtp } from './verify-otp.ts';
import { verifyPasskeyAssertion } from './passkey-assertion.ts';


/** The pending challenge behind an approval link's id. Errors: NOT_FOUND when unknown or expired. */
export async function describeOtpChallenge(deps: Deps, id: string): Promise<OtpChallenge> {
  const challenge = isApprovalId(id) ? await deps.store.otpChallenges.get(approvalHash(id)) : null;
  if (!challenge || challenge.expiresAt <= deps.clock.now()) fail('NOT_FOUND', 'This approval link has expired or was already used. Run the command again.');
  return challenge;
}

/** The passkey action of an approval (passkey-assertion.ts binding): one challenge, one approval. */
export const approvalAction = (challenge: OtpChallenge) => `approve:${challenge.idHash}`;

/**
 * The signed-in owner approves with a fresh code from their authenticator (or a recovery code),
 * or with a passkey: `assertion` is its answer to options made for this approval and session.
 */
export async function approveOtpChallenge(deps: Deps, ctx: RequestContext, user: User, sessionKey: string, id: string, assertion = ''): Promise<void> {
  const challenge = await describeOtpChallenge(deps, id);
  if (challenge.userId !== user.id) fail('NOT_FOUND', 'This approval link belongs to another account.');
  if (challenge.approved) fail('NOT_FOUND', 'This request was already approved.');
  // No binding: a value from another approval does not approve this one.
  const otp =
    assertion !== ''
      ? (await verifyPasskeyAssertion(deps, ctx, { user, holder: sessionKey, action: approvalAction(challenge) }, assertion)).use
      : await verifyOtp(deps, ctx, user, sessionKey, null);
  await deps.store.users.consumeOtp(otp);
  if (!(await deps.store.otpChallenges.approve(challenge.idHash, user.id, deps.clock.now()))) fail('NOT_FOUND', 'This request was already approved.');
  await logEvent(deps, ctx, user.id, 'cli-write-approved', { action: challenge.action, cli_ip: challenge.ip, second_factor: otp.kind });
}

/** npm's poll: pending → wait; approved → the single-use value, handed out once. */
export async function pollOtpChallenge(deps: Deps, id: unknown): Promise<{ wait: true } | { token: string }> {
  if (typeof id !== 'string') fail('NOT_FOUND', 'Unknown approval request.');
  const challenge = await describeOtpChallenge(deps, id);
  if (!challenge.approved) return { wait: true };
  const value = `tsrotp_${randomBytes(32).toString('base64url')}`;
  if (!(await deps.store.otpChallenges.issue(challenge.idHash, approvalHash(value), deps.clock.now()))) fail('NOT_FOUND', 'This approval was already collected.');
  return { token: value };
}

/** Turns the browser approval on or off: it changes how the second factor is asked, so it needs one. */
export async function setWebOtpChallenge(deps: Deps, ctx: RequestContext, on: boolean): Promise<User> {
  const user = requireAccountWriter(ctx.principal).user;
  if (on && (!user.tfa || user.tfa.pending)) fail('BAD_REQUEST', 'Turn on two-factor authentication first.');
  if (user.webOtpChallenge === on) return user;
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  const updated = await deps.store.users.update(user.id, { webOtpChallenge: on }, { otp });
  await logEvent(deps, ctx, user.id, on ? 'web-otp-challenge-on' : 'web-otp-challenge-off');
  return updated;
}
