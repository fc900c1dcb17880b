// Accounts: the legacy (couch) protocol's sign-up and login, the user document, logout,
// whoami; and npm 11's web login (POST /-/v1/login, then npm polls the doneUrl while the
// person signs in and approves in the browser: npm-profile lib/index.js `webAuth`; docs/security.md, Web UI).

import type { FastifyInstance } from 'fastify';
import { couchLogin } from '../../core/accounts/login.ts';
import { pollWebLogin, startWebLogin } from '../../core/accounts/web-login.ts';
import { requireUser } from '../../core/access/permissions.ts';
import type { Deps } from '../../core/deps.ts';
import { fail } from '../../core/errors.ts';
import { endSession } from '../../core/tokens/sessions.ts';
import { basicCredentials, withBasic } from '../basic-auth.ts';
import { pollOtpChallenge } from '../../core/accounts/web-otp.ts';

const COUCH_PREFIX = 'org.couchdb.user:';

function couchName(id: string): string {
  if (!id.startsWith(COUCH_PREFIX)) fail('NOT_FOUND', 'Not found.');
  return id.slice(COUCH_PREFIX.length);
}

export function userRoutes(app: FastifyInstance, deps: Deps): void {
  app.put<{ Params: { id: string } }>('/-/user/:id', async (request, reply) => {
    const name = couchName(request.params.id);
    const result = await couchLogin(deps, request.ctx, { name, body: request.body });
    return reply.code(201).send({
      ok: result.created ? 'created new user' : `you are authenticated as '${name}'`,
      id: `${COUCH_PREFIX}${name}`,
      rev: '_we_dont_use_revs_any_more',
      token: result.token,
    });
  });

  // The second half of npm's 409 dance: the same login, with Basic credentials.
  app.put<{ Params: { id: string; rev: string } }>('/-/user/:id/-rev/:rev', async (request, reply) => {
    const name = couchName(request.params.id);
    const basic = basicCredentials(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const password = typeof body.password === 'string' ? body.password : basic?.name === name ? basic.password : undefined;
    const result = await couchLogin(deps, request.ctx, { name, body: { name, password } });
    return reply.code(201).send({ ok: true, id: `${COUCH_PREFIX}${name}`, token: result.token });
  });

  // The user document. Names are not probed here: every name gets the same answer, whether or
  // not the account exists. Credentials are always checked (Basic ones as a login: throttled,
  // the OTP under 2FA); an e-mail is shown only in the caller's own document. npm reads this in
  // `npm owner add/rm` (lib/commands/owner.js) for the name only: the owner change itself names
  // the user (and answers 404 when there is none).
  app.get<{ Params: { id: string } }>('/-/user/:id', async (request, reply) => {
    const name = couchName(request.params.id);
    await withBasic(deps, request);
    const doc: Record<string, unknown> = { _id: `${COUCH_PREFIX}${name}`, name };
    const principal = request.ctx.principal;
    if (principal.kind === 'user' && principal.user.name === name) doc.email = principal.user.email;
    return reply.send(doc);
  });

  // Logout: possession of the token is the proof; unknown tokens succeed too (idempotent).
  app.delete<{ Params: { token: string } }>('/-/user/token/:token', async (request, reply) => {
    await endSession(deps, request.params.token);
    return reply.send({ ok: true });
  });

  app.get('/-/whoami', async (request, reply) => {
    const user = requireUser(request.ctx.principal);
    return reply.send({ username: user.user.name });
  });

  // The principal plays no part: npm sends its stale token, if any, while logging in again.
  // Only callers sending npm-auth-type: web get a login link; npm 6-8 get a 404 and prompt.
  app.post('/-/v1/login', async (request, reply) =>
    reply.send(await startWebLogin(deps, request.ctx, request.body)),
  );

  // npm's poll: 202 + Retry-After while waiting (npm parses the body as JSON, so send {}),
  // 200 {token} once, 404 afterwards (npm would then fall back to the password prompt).
  app.get<{ Querystring: { authId?: string } }>('/-/v1/done', async (request, reply) => {
    const result = await pollWebLogin(deps, request.ctx, request.query.authId);
    if ('wait' in result) return reply.code(202).header('retry-after', '1').send({});
    return reply.send({ token: result.token });
  });

  // The same poll for the web OTP challenge: npm then retries its write with npm-otp: TOKEN.
  app.get<{ Querystring: { authId?: string } }>('/-/v1/otp-done', async (request, reply) => {
    const result = await pollOtpChallenge(deps, request.query.authId);
    if ('wait' in result) return reply.code(202).header('retry-after', '1').send({});
    return reply.send({ token: result.token });
  });
}
