// npm profile get / set: the profile object, and changes to its fields and the password.
// npm resends every writable field, so only fields whose value differs from the stored one
// count as changes; an unchanged resend is a no-op and needs no OTP.

import { requireAccountWriter } from '../access/permissions.ts';
import { requireSecondFactor } from './require-second-factor.ts';
import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { ProfileFields, User, UserPatch } from '../ports.ts';
import { isPlainObject } from '../packages/rules.ts';
import { requireNoControls } from '../text.ts';
import { emailProblem } from './names.ts';
import { memberChanged } from '../orgs/writers.ts';
import { checkNewPassword, normalizePassword } from './password-policy.ts';
import { checkOwnPassword } from './sign-in.ts';

export type TfaField = false | { mode: string; pending: boolean } | string | string[];

export function profileOf(user: User, tfa?: TfaField) {
  return {
    name: user.name,
    email: user.email,
    email_verified: user.emailVerified,
    tfa: tfa ?? (user.tfa ? { mode: user.tfa.mode, pending: user.tfa.pending } : false),
    created: user.createdAt,
    updated: user.updatedAt,
    cidr_whitelist: null,
    fullname: user.fullname ?? '',
    homepage: user.homepage ?? '',
    freenode: user.freenode ?? '',
    twitter: user.twitter ?? '',
    github: user.github ?? '',
  };
}

const FREE_FIELDS = ['fullname', 'freenode', 'twitter', 'github'] as const;
const WRITABLE = new Set(['email', 'password', 'homepage', ...FREE_FIELDS]);

function textField(key: string, v: unknown): string | null {
  if (v === null || v === '') return null;
  if (typeof v !== 'string') fail('BAD_REQUEST', `"${key}" must be a string.`);
  if (v.length > 256) fail('BAD_REQUEST', `"${key}" may have at most 256 characters.`);
  // C0, DEL and C1 (src/core/text.ts): npm profile get prints these fields raw.
  return requireNoControls(`"${key}"`, v, 'line');
}

function urlField(key: string, v: unknown): string | null {
  const text = textField(key, v);
  if (text === null) return null;
  let ok = false;
  try {
    const u = new URL(text);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) fail('BAD_REQUEST', `"${key}" must be an http(s) URL.`);
  return text;
}

/** POST /-/npm/v1/user without `tfa`: field changes and password change. */
export async function updateProfile(deps: Deps, ctx: RequestContext, body: Record<string, unknown>): Promise<User> {
  const principal = requireAccountWriter(ctx.principal);
  const user = principal.user;
  const unknown = Object.keys(body).filter((k) => !WRITABLE.has(k));
  if (unknown.length > 0) fail('BAD_REQUEST', `These profile fields cannot be set: ${unknown.join(', ')}.`);

  const patch: UserPatch = {};
  if (body.email !== undefined && body.email !== null && body.email !== user.email) {
    const problem = emailProblem(body.email);
    if (problem) fail('INVALID_EMAIL', problem);
    patch.email = body.email as string;
    patch.emailVerified = false;
  }
  if (body.homepage !== undefined) {
    const v = urlField('homepage', body.homepage);
    if (v !== user.homepage) patch.homepage = v;
  }
  for (const key of FREE_FIELDS) {
    if (body[key] === undefined) continue;
    const v = textField(key, body[key]);
    if (v !== user[key as keyof ProfileFields]) patch[key] = v;
  }
  let newPassword: string | null = null;
  let oldPassword = '';
  if (body.password !== undefined && body.password !== null) {
    const p = body.password;
    if (!isPlainObject(p) || typeof p.old !== 'string' || typeof p.new !== 'string') {
      fail('BAD_REQUEST', '"password" must be {"old": "...", "new": "..."}.');
    }
    const problem = checkNewPassword(p.new as string, { username: user.name, email: user.email });
    if (problem) fail('BAD_REQUEST', problem);
    newPassword = p.new as string;
    oldPassword = p.old as string;
  }
  const changed = Object.keys(patch);
  if (changed.length === 0 && newPassword === null) return user;

  const identity = newPassword !== null || patch.email !== undefined;
  // The current password first, throttled like a login (so a stolen token is no unlimited
  // password oracle), then the second factor: a credential without the password cannot spend
  // the account's OTP budget here.
  if (newPassword !== null) {
    await checkOwnPassword(deps, ctx, user, oldPassword, () => logEvent(deps, ctx, user.id, 'password-change-failed', { reason: 'wrong current password' }));
  }
  const otp = await requireSecondFactor(deps, ctx, identity ? 'account-identity' : 'profile-other');
  if (newPassword !== null) patch.passwordHash = await deps.hasher.hash(normalizePassword(newPassword));
  const updated = await deps.store.users.update(user.id, patch, { otp });
  if (newPassword !== null) {
    const ended = await deps.store.tokens.deleteForUser(user.id, ['session', 'web'], principal.token?.key);
    await logEvent(deps, ctx, user.id, 'password-changed', { sessions_ended: ended });
  }
  if (patch.email !== undefined) {
    // Packuments show owners' e-mails: drop the cached ones of every package this user owns
    // (other nodes hear of it through the store: see the adapters' users.update).
    for (const name of await deps.store.packages.namesOwnedBy(user.id)) deps.packageChanged(name);
    await memberChanged(deps, user.id, 'shown');
    await logEvent(deps, ctx, user.id, 'email-changed');
  }
  const others = changed.filter((k) => k !== 'email' && k !== 'emailVerified');
  if (others.length > 0) await logEvent(deps, ctx, user.id, 'profile-changed', { fields: others.join(',') });
  return updated;
}
