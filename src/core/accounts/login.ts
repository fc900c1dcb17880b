// Sign-up and sign-in through the legacy (couch) flow: PUT /-/user/org.couchdb.user:NAME.
// An existing user is always signed in (never changed), whatever else the body carries.

import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { DomainError, fail } from '../errors.ts';
import type { User } from '../ports.ts';
import { newSession } from '../tokens/sessions.ts';
import { emailProblem, usernameProblem } from './names.ts';
import { checkNewPassword, normalizePassword } from './password-policy.ts';
import { spendAddressBudget } from './login-throttle.ts';
import { checkPassword, openSession } from './sign-in.ts';

export interface CouchLoginInput {
  /** The name in the URL. */
  name: string;
  body: unknown;
}

export async function couchLogin(deps: Deps, ctx: RequestContext, input: CouchLoginInput): Promise<{ token: string; user: User; created: boolean }> {
  const body = input.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('BAD_REQUEST', 'The body must be a JSON object.');
  const b = body as Record<string, unknown>;
  const name = b.name ?? input.name;
  if (typeof name !== 'string' || name !== input.name) fail('BAD_REQUEST', 'The name in the body must match the name in the URL.');
  if (typeof b.password !== 'string' || b.password.length === 0) fail('BAD_REQUEST', 'A password is required.');
  const password = b.password;

  const existing = await deps.store.users.findByName(name);
  if (existing || b.email === undefined) {
    // A login (also when pnpm sends an e-mail for an existing user): never changes the account.
    await spendAddressBudget(deps, ctx.ip, 'login');
    const user = await checkPassword(deps, ctx, name, password, 'legacy');
    const session = await openSession(deps, ctx, user, 'session', deps.settings.sessionTtlMs, 'legacy');
    return { token: session.secret, user, created: false };
  }
  if (deps.settings.signup === 'closed') fail('SIGNUP_CLOSED', 'Registration is disabled on this registry. Ask an administrator for an account.');
  await spendAddressBudget(deps, ctx.ip, 'signup');
  return { ...(await signUp(deps, ctx, { name, email: b.email, password })), created: true };
}

export async function signUp(deps: Deps, ctx: RequestContext, input: { name: unknown; email: unknown; password: string }): Promise<{ token: string; user: User }> {
  const user = await createUser(deps, input);
  const session = newSession(deps, user.id);
  await deps.store.tokens.create(session.token);
  await logEvent(deps, ctx, user.id, 'signup', { session: session.token.prefix });
  return { token: session.secret, user };
}

/** Creates an account (sign-up, or the admin command). */
export async function createUser(deps: Deps, input: { name: unknown; email: unknown; password: string }): Promise<User> {
  const nameProblem = usernameProblem(input.name);
  if (nameProblem) fail('INVALID_NAME', nameProblem);
  const mailProblem = emailProblem(input.email);
  if (mailProblem) fail('INVALID_EMAIL', mailProblem);
  const name = input.name as string;
  const email = input.email as string;
  const pwProblem = checkNewPassword(input.password, { username: name, email });
  if (pwProblem) fail('BAD_REQUEST', pwProblem);
  const passwordHash = await deps.hasher.hash(normalizePassword(input.password));
  try {
    return await deps.store.users.create({ name, email, passwordHash });
  } catch (e) {
    if (e instanceof DomainError && e.code === 'USER_EXISTS') fail('USER_EXISTS', `The user name "${name}" is taken.`);
    throw e;
  }
}
