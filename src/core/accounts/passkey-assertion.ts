// Using a passkey: the challenge for navigator.credentials.get and the check of its answer.
// A challenge is 256 random bits, stored only as its SHA-256 with what it is good for (the
// binding: who holds it, a session or a sign-in attempt, and the action), lives 2 minutes and
// is taken from the store once, by whichever node gets the answer. A refusal counts against the
// same failure budget as a wrong TOTP code and is logged the same way (verify-otp.ts).

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import { isPlainObject } from '../packages/rules.ts';
import type { OtpUse, Passkey, User } from '../ports.ts';
import { relyingParty } from './passkey-policy.ts';
import { noteFactorFailure, reserveFactorAttempt } from './verify-otp.ts';

/** How long a WebAuthn challenge may be answered, in milliseconds (the browser waits 90 s). */
export const PASSKEY_CHALLENGE_TTL_MS = 2 * 60_000;
/** Most characters of a browser's answer (JSON) that are read. */
const MAX_RESPONSE_CHARS = 32_768;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** What a challenge is good for: who holds it (a session key, a sign-in attempt) and the action. */
export function passkeyBinding(holder: string, action: string): string {
  return sha256(JSON.stringify(['tessera-webauthn', holder, action]));
}

/** A new challenge (base64url) stored for `userId` (null: any account, passwordless sign-in). */
export async function newPasskeyChallenge(deps: Deps, userId: number | null, binding: string): Promise<string> {
  const challenge = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  await deps.store.passkeys.createChallenge({ hash: sha256(challenge), userId, binding, expiresAt: now + PASSKEY_CHALLENGE_TTL_MS }, now);
  return challenge;
}

export interface ParsedResponse {
  /** The credential ID, base64url. */
  id: string;
  /** The challenge the browser signed (from clientDataJSON), base64url. */
  challenge: string;
  json: Record<string, unknown>;
}

/**
 * A browser's answer (the JSON of @simplewebauthn/browser's startRegistration or
 * startAuthentication) read far enough to find its credential and challenge; the library
 * checks the rest. BAD_REQUEST when it is not such an answer.
 */
export function parsePasskeyResponse(text: unknown): ParsedResponse {
  const bad = (why: string): never => fail('BAD_REQUEST', `The passkey answer is malformed: ${why}.`);
  if (typeof text !== 'string' || text === '') bad('it is missing');
  if ((text as string).length > MAX_RESPONSE_CHARS) bad(`it is longer than ${MAX_RESPONSE_CHARS} characters`);
  let json: unknown;
  try {
    json = JSON.parse(text as string);
  } catch {
    bad('it is not JSON');
  }
  if (!isPlainObject(json)) bad('it is not an object');
  const obj = json as Record<string, unknown>;
  if (typeof obj.id !== 'string' || !/^[A-Za-z0-9_-]{1,1366}$/.test(obj.id)) bad('"id" is not a base64url credential ID');
  if (obj.type !== 'public-key') bad('"type" is not "public-key"');
  const response = obj.response;
  if (!isPlainObject(response) || typeof response.clientDataJSON !== 'string') bad('"response.clientDataJSON" is missing');
  let challenge: unknown;
  try {
    challenge = (JSON.parse(Buffer.from((response as Record<string, string>).clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown }).challenge;
  } catch {
    bad('"response.clientDataJSON" is not base64url JSON');
  }
  if (typeof challenge !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(challenge)) bad('the client data has no challenge');
  return { id: obj.id as string, challenge: challenge as string, json: obj };
}

/**
 * Takes the challenge an answer signed, once: true only when it existed, had not expired, was
 * issued for `userId` and has this binding. A taken challenge is gone whatever the outcome.
 */
export async function takePasskeyChallenge(deps: Deps, challenge: string, userId: number | null, binding: string): Promise<boolean> {
  const stored = await deps.store.passkeys.takeChallenge(sha256(challenge), deps.clock.now());
  if (!stored || stored.userId !== userId) return false;
  return stored.binding.length === binding.length && timingSafeEqual(Buffer.from(stored.binding), Buffer.from(binding));
}

const keyOf = (p: Passkey) => ({ id: p.id, publicKey: p.publicKey, transports: p.transports });

/**
 * Options for navigator.credentials.get. With `user`, its keys are allowed (BAD_REQUEST when it
 * has none); without, any discoverable key (passwordless sign-in: user verification required).
 */
export async function passkeyAssertionOptions(deps: Deps, user: User | null, holder: string, action: string): Promise<unknown> {
  const rp = relyingParty(deps);
  const keys = user ? await deps.store.passkeys.list(user.id) : [];
  if (user && keys.length === 0) fail('BAD_REQUEST', 'This account has no passkey.');
  const challenge = await newPasskeyChallenge(deps, user?.id ?? null, passkeyBinding(holder, action));
  return deps.webauthn.authenticationOptions({ rp, challenge, allow: keys.map(keyOf), userVerification: user ? 'preferred' : 'required' });
}

export interface AssertionExpected {
  /** The account whose key must answer; null: whichever account owns the key (passwordless). */
  user: User | null;
  /** The holder and action the options were made for (passkeyAssertionOptions). */
  holder: string;
  action: string;
}

/**
 * Checks a passkey's answer: the challenge (single use, bound to holder and action, not
 * expired), the key (registered, to the expected account), then origin, RP ID, flags and
 * signature (the library; user verification required when passwordless), then the signature
 * counter, which must grow unless the authenticator does not count (both 0): a counter that
 * went backwards means a cloned authenticator, refused and logged ("passkey-counter-regressed").
 * Returns the account and the use to consume with the write (the counter's compare-and-set).
 * Errors: BAD_REQUEST malformed answer or passkeys off; OTP_REQUIRED refused (logged
 * "passkey-failed" with the reason, counted like a wrong code); TOO_MANY_ATTEMPTS while locked.
 */
export async function verifyPasskeyAssertion(deps: Deps, ctx: RequestContext, expected: AssertionExpected, answer: unknown): Promise<{ user: User; use: OtpUse; passkey: Passkey }> {
  const rp = relyingParty(deps);
  const parsed = parsePasskeyResponse(answer);
  const passkey = await deps.store.passkeys.find(parsed.id);
  const user = expected.user ?? (passkey ? await deps.store.users.findById(passkey.userId) : null);
  const binding = passkeyBinding(expected.holder, expected.action);
  if (!user) {
    await takePasskeyChallenge(deps, parsed.challenge, null, binding);
    fail('OTP_REQUIRED', 'This passkey is not registered on this registry.');
  }
  const attempt = await reserveFactorAttempt(deps, ctx, user);
  const refuse = async (reason: string, message: string, type = 'passkey-failed', detail: Record<string, string | number> = {}): Promise<never> => {
    await noteFactorFailure(deps, ctx, user, attempt, type, { reason, ...detail });
    fail('OTP_REQUIRED', message);
  };
  if (!(await takePasskeyChallenge(deps, parsed.challenge, expected.user?.id ?? null, binding))) {
    await refuse('challenge', 'This passkey request has expired, was used already or was made for something else. Try again.');
  }
  if (!passkey || passkey.userId !== user.id) await refuse('unknown key', 'That passkey is not registered to this account (it may have been removed).');
  const key = passkey as Passkey;
  let result: { counter: number; userVerified: boolean };
  try {
    result = await deps.webauthn.verifyAuthentication(parsed.json, { rp, challenge: parsed.challenge, credential: keyOf(key), requireUserVerification: expected.user === null });
  } catch (e) {
    const why = String((e as Error).message ?? e).slice(0, 200);
    return refuse('verification', `The passkey's answer was refused: ${why}`);
  }
  if ((result.counter > 0 || key.counter > 0) && result.counter <= key.counter) {
    await refuse('counter', 'This passkey answered with a signature counter that went backwards: it may have been cloned. It was refused; remove it and register a new one.', 'passkey-counter-regressed', {
      stored: key.counter,
      received: result.counter,
    });
  }
  await deps.store.users.clearOtpFailures(user.id, attempt.budget);
  return { user, passkey: key, use: { userId: user.id, kind: 'passkey', credentialId: key.id, previous: key.counter, counter: result.counter } };
}

/** Logs a passkey used for `action` (no credential ID: only its name). */
export async function logPasskeyUse(deps: Deps, ctx: RequestContext, user: User, passkey: Passkey, action: string): Promise<void> {
  await logEvent(deps, ctx, user.id, 'passkey-used', { name: passkey.name, action });
}
