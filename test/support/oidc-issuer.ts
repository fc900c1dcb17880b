// A local OpenID Connect issuer for trusted-publishing tests: its own signing key, a discovery
// document and a JWKS on 127.0.0.1, and GitHub Actions' token endpoint
// (ACTIONS_ID_TOKEN_REQUEST_URL: GET ?audience=..., Bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN,
// answer {"value": JWT}), which hands out the next token the test queued (or a default one).

import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT, type CryptoKey } from 'jose';

export interface SignOptions {
  /** Seconds since the epoch that iat/nbf/exp are relative to (default: now). */
  nowS?: number;
  /** exp - now, in seconds (default 300; negative: expired). */
  lifetimeS?: number;
  /** Sign with a key the JWKS does not publish. */
  unknownKey?: boolean;
  /** Override iss. */
  iss?: string;
}

export interface TestIssuer {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN for a GitHub-flavoured npm. */
  requestUrl: string;
  requestToken: string;
  sign(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** The claims the next GitHub token request gets (then back to `defaults`). */
  queue(claims: Record<string, unknown>, options?: SignOptions): void;
  /** Claims of every GitHub token request without a queued one; `aud` is the requested audience unless set. */
  defaults: Record<string, unknown>;
  /** Audiences GitHub token requests asked for. */
  audiences: string[];
  /** How many times the JWKS was fetched. */
  jwksFetches: number;
  /** Replaces the signing key (and the JWKS): a key rotation. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

async function keyPair(): Promise<{ kid: string; privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export async function startIssuer(): Promise<TestIssuer> {
  let key = await keyPair();
  const stranger = await keyPair();
  const queued: Array<{ claims: Record<string, unknown>; options?: SignOptions }> = [];
  let server: Server;
  const issuer: TestIssuer = {
    url: '',
    requestUrl: '',
    requestToken: 'actions-request-token',
    defaults: {},
    audiences: [],
    jwksFetches: 0,
    async sign(claims, options = {}) {
      const now = options.nowS ?? Math.floor(Date.now() / 1000);
      const k = options.unknownKey ? stranger : key;
      return new SignJWT({ jti: randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: k.kid, typ: 'JWT' })
        .setIssuer(options.iss ?? issuer.url)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + (options.lifetimeS ?? 300))
        .sign(k.privateKey);
    },
    queue(claims, options) {
      queued.push({ claims, options });
    },
    async rotate() {
      key = await keyPair();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer.url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    // Any path prefix is an issuer of its own (GitLab-, Forgejo-flavoured ones in one server).
    if (url.pathname.endsWith('/.well-known/openid-configuration')) {
      const prefix = url.pathname.slice(0, -'/.well-known/openid-configuration'.length);
      return json(200, { issuer: `${issuer.url}${prefix}`, jwks_uri: `${issuer.url}/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
    }
    if (url.pathname === '/jwks') {
      issuer.jwksFetches++;
      return json(200, { keys: [key.jwk] });
    }
    if (url.pathname === '/idtoken') {
      if (req.headers.authorization !== `Bearer ${issuer.requestToken}`) return json(401, { message: 'bad request token' });
      const audience = url.searchParams.get('audience') ?? '';
      issuer.audiences.push(audience);
      const next = queued.shift() ?? { claims: issuer.defaults };
      issuer
        .sign({ aud: audience, ...next.claims }, next.options)
        .then((value) => json(200, { value }), (e: Error) => json(500, { message: e.message }));
      return;
    }
    json(404, { message: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  issuer.url = `http://127.0.0.1:${port}`;
  issuer.requestUrl = `${issuer.url}/idtoken`;
  return issuer;
}

/** The claims GitHub Actions puts in an identity token of a workflow run (a private repository). */
export function githubClaims(repository: string, file: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: `repo:${repository}:ref:refs/heads/main`,
    repository,
    repository_owner: repository.split('/')[0],
    repository_visibility: 'private',
    ref: 'refs/heads/main',
    workflow_ref: `${repository}/.github/workflows/${file}@refs/heads/main`,
    job_workflow_ref: `${repository}/.github/workflows/${file}@refs/heads/main`,
    run_id: '1',
    ...extra,
  };
}

/** The claims GitLab CI puts in an id_token (a private project). */
export function gitlabClaims(project: string, file: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: `project_path:${project}:ref_type:branch:ref:main`,
    project_path: project,
    project_visibility: 'private',
    ref: 'main',
    ci_config_ref_uri: `gitlab.example/${project}//${file}@refs/heads/main`,
    ...extra,
  };
}
