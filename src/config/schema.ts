// The one configuration schema: every key with its kind, default, limits and a line of
// documentation, declared once. The `Config` type is derived from it, src/config/load.ts
// validates against it and docs/configuration.md is generated from it (a test keeps them
// equal). Sources, later ones winning: defaults, the config file (YAML or JSON), TESSERA_*
// variables, flags. The builders (str, int, oneOf, list, bool, section, arrayOf) are in
// ./spec.ts. A key written in the old `{ type: 'int', ... }` form ports by dropping `type`
// and wrapping the rest in its builder: string → str({...}), int → int({...}),
// enum → oneOf({...}), list → list({...}); the other fields keep their names.

import { availableParallelism } from 'node:os';
import { arrayOf, bool, int, type Keys, list, oneOf, section, str, type ValuesOf } from './spec.ts';
import { patternProblem } from '../core/proxy/rules.ts';
import { rangeOf } from '../core/tokens/cidr.ts';
import { issuerUrlProblem } from '../core/trust/issuers.ts';

export { envName, flagName } from './spec.ts';

const urlCheck = (v: string) => {
  if (v === '') return null;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'must be an http(s) URL';
  } catch {
    return 'must be an absolute http(s) URL';
  }
};

const databaseCheck = (v: string) => {
  if (v === '') return null;
  try {
    const u = new URL(v);
    return u.protocol === 'postgres:' || u.protocol === 'postgresql:' ? null : 'must be a postgres:// URL (or empty for SQLite)';
  } catch {
    return 'must be a postgres:// URL (or empty for SQLite)';
  }
};

const blobsCheck = (v: string) => {
  if (v === '') return null;
  try {
    const u = new URL(v);
    if (u.protocol !== 's3:' || !u.hostname) return 'must be an s3://BUCKET URL (or empty for DATA/tarballs)';
    const endpoint = u.searchParams.get('endpoint');
    if (endpoint !== null && urlCheck(endpoint) !== null) return 'has an endpoint that is not an http(s) URL';
    return null;
  } catch {
    return 'must be an s3://BUCKET URL (or empty for DATA/tarballs)';
  }
};

export const schema = {
  host: str({ default: '127.0.0.1', doc: 'Address to listen on.' }),
  port: int({ default: 4873, min: 0, max: 65535, doc: 'Port to listen on (0 picks a free one).' }),
  data: str({ default: './data', path: true, doc: 'Folder for the SQLite database, tarballs and the server key. In a config file, relative to the file\'s folder.' }),
  database: str({
    default: '',
    defaultDoc: 'SQLite in DATA/tessera.db',
    secret: true,
    check: databaseCheck,
    doc: 'A `postgres://USER:PASSWORD@HOST:PORT/DB` URL to keep users, tokens, packages and security state in PostgreSQL, shared by several nodes (needs `totpKeys`).',
  }),
  blobs: str({
    default: '',
    defaultDoc: 'DATA/tarballs',
    secret: true,
    check: blobsCheck,
    doc: 'An `s3://BUCKET[/PREFIX]?region=R&endpoint=URL` URL (credentials as `s3://KEY:SECRET@BUCKET` or from `AWS_*` variables) to keep tarballs in an S3-compatible store.',
  }),
  tlsCert: str({
    default: '',
    defaultDoc: 'plain http',
    path: true,
    doc: 'A PEM certificate (chain) file: with `tlsKey`, Tessera serves https itself. Both files are read again on SIGHUP, without dropping connections (docs/operations.md). In a config file, relative to the file\'s folder.',
  }),
  tlsKey: str({ default: '', defaultDoc: 'plain http', path: true, doc: 'The PEM private key file of `tlsCert`. In a config file, relative to the file\'s folder.' }),
  hstsSeconds: int({
    default: 15552000,
    min: 0,
    max: 2 * 365 * 86400,
    doc: 'The `Strict-Transport-Security` max-age sent when Tessera serves https itself or its public `url` is https (180 days by default); 0 sends none.',
  }),
  url: str({ default: '', defaultDoc: 'http://HOST:PORT/', check: urlCheck, doc: 'Public URL of the registry, used in tarball and login URLs.' }),
  registryName: str({
    default: 'Tessera',
    check: (v: string) => (v.length === 0 || v.length > 64 || v.includes(':') ? 'must be 1-64 characters without ":"' : null),
    doc: 'Name shown to people; the issuer in authenticator apps.',
  }),
  totpKeys: str({
    default: '',
    defaultDoc: 'generated into DATA/server.key',
    secret: true,
    check: (v: string) => (v === '' || /^[A-Za-z0-9_-]{1,64}:[A-Za-z0-9+/_=-]+(,[A-Za-z0-9_-]{1,64}:[A-Za-z0-9+/_=-]+)*$/.test(v) ? null : 'must be "id:base64key[,id:base64key...]"'),
    doc: 'Keys that encrypt TOTP secrets, `id:base64key,...` (32-byte keys), the current one first; older ones still decrypt. Several nodes sharing a database need the same value.',
  }),
  signingKeys: str({
    default: '',
    defaultDoc: 'generated into DATA/signing.key',
    secret: true,
    check: (v: string) => (v === '' || /^[A-Za-z0-9+/=]+(@[0-9T:.Z+-]+)?([,\s]+[A-Za-z0-9+/=]+(@[0-9T:.Z+-]+)?)*$/.test(v.trim()) ? null : 'must be "BASE64[@EXPIRES][,BASE64[@EXPIRES]...]"'),
    doc: 'ECDSA P-256 keys that sign every version (`dist.signatures`, checked by `npm audit signatures`), `base64-PKCS8[@ISO-EXPIRY],...`: the first without an expiry signs, all are listed at `/-/npm/v1/keys`. Several nodes need the same value (docs/signatures.md).',
  }),
  signup: oneOf({
    default: 'auto',
    values: ['auto', 'open', 'closed'],
    doc: 'Whether `npm adduser` and the web sign-up may create accounts (`tessera user add` always can). `auto`: open when `host` is a loopback address (only this machine can reach it), closed otherwise; `tessera serve` says which at start.',
  }),
  twoFactorMethods: oneOf({
    default: 'both',
    values: ['both', 'webauthn', 'totp'],
    doc: 'What new two-factor set-ups may use: `both`, `webauthn` (passkeys and security keys only, as on npmjs) or `totp` (authenticator apps only). Existing set-ups keep working. Passkeys need a host name in `url` (`localhost` included), not an IP address; `webauthn` with an IP address `url` is a start-up error.',
  }),
  sessionHours: int({ default: 12, min: 1, max: 24 * 90, doc: 'Lifetime of the session token a login hands out.' }),
  tokenWriteDays: int({ default: 7, min: 1, max: 3650, doc: 'Lifetime of a write token created without --expires, in days.' }),
  tokenWriteMaxDays: int({ default: 90, min: 1, max: 3650, doc: 'Longest lifetime a write token may ask for, in days.' }),
  tokenReadDays: int({ default: 30, min: 1, max: 3650, doc: 'Lifetime of a read-only token created without --expires, in days.' }),
  tokenReadMaxDays: int({ default: 365, min: 1, max: 3650, doc: 'Longest lifetime a read-only token may ask for, in days.' }),
  maxTokens: int({ default: 1000, min: 1, max: 100000, doc: 'Most tokens (besides login sessions) one account may hold.' }),
  maxBodyMb: int({ default: 140, min: 1, max: 2048, doc: 'Largest request body accepted, in MiB (a 100 MB tarball is ~134 MiB base64\'d).' }),
  largeBodiesAtOnce: int({
    default: 4,
    min: 0,
    max: 1000,
    doc: 'Publish bodies over 1 MiB (or of unknown size) received and parsed at once by this node; one more gets 503 `SERVER_BUSY` with Retry-After before its body is read. Each costs up to ~3 x `maxBodyMb` of memory until answered (see docs/security.md). 0 = no cap.',
  }),
  largeBodiesPerUser: int({
    default: 2,
    min: 0,
    max: 1000,
    doc: 'Publish bodies over 1 MiB one account may have in flight at once on this node; one more gets 429 `TOO_MANY_UPLOADS` with Retry-After before its body is read. 0 = no cap.',
  }),
  maxUnpackedMb: int({ default: 512, min: 1, max: 16384, doc: 'Largest size a published tarball may inflate to, in MiB (its tar archive); inflating stops there and the publish gets 413, so a gzip bomb costs no more.' }),
  scopedPackageAccess: oneOf({ default: 'public', values: ['public', 'restricted'], doc: 'The access of a new scoped package published without `--access` (npm 6-11 then send none): `public` (every reader of a private registry is already inside) or `restricted`, as npmjs does. Unscoped packages are public unless published with `--access restricted`.' }),
  maxPackumentMb: int({ default: 20, min: 1, max: 1024, doc: 'Most manifest data one package may hold, in MiB: the JSON of all its versions, readmes aside (packuments serve only the latest readme). A publish past it gets 413. The largest npmjs packuments are about 10 MiB (typescript, @types/node); at 20, two packages at the limit stay in the 96 MiB packument cache in both forms.' }),
  stagedVersionDays: int({ default: 14, min: 1, max: 365, doc: 'How long a version staged with `npm stage publish` waits for approval (`npm stage approve`, with 2FA) before it expires, in days; an expired staged version is deleted and its version number is free again.' }),
  orgInvitationDays: int({ default: 7, min: 1, max: 90, doc: 'How long an invitation to an organization (`npm org set ORG USER` by an owner) waits for the invitee to accept, in days; an expired invitation can no longer be accepted, leaves the lists and is deleted.' }),
  defaultPackageMfa: oneOf({ default: 'none', values: ['none', 'publish', 'automation'], doc: 'The 2FA requirement of new packages, as `npm access set mfa=`.' }),
  hashConcurrency: int({
    default: Math.max(1, availableParallelism() - 1),
    defaultDoc: 'cores - 1 (at least 1)',
    min: 1,
    max: 64,
    doc: 'Password hashes computed at once (each takes ~16 ms of a core and 19 MiB); one core stays free for requests, and while requests keep the server busy each hash is followed by an equal rest.',
  }),
  passwordFailuresPerAddress: int({
    default: 9,
    min: 1,
    max: 1_000_000,
    doc: 'Wrong passwords one network (an IPv4 address or an IPv6 /64) may try in 15 minutes (from its first) before every password check from it gets 429: logins, Basic credentials, and the password asked again by token creation, 2FA and password changes.',
  }),
  signupsPerHour: int({
    default: 30,
    min: 1,
    max: 1_000_000,
    doc: 'Accounts one network (an IPv4 address or an IPv6 /64) may create per hour with `npm adduser` and the web sign-up; a team behind one NAT counts as one network.',
  }),
  loginsPerHour: int({
    default: 300,
    min: 1,
    max: 1_000_000,
    doc: 'Sign-ins one network (an IPv4 address or an IPv6 /64) may make per hour: `npm login` (legacy and web, each `POST /-/v1/login`) and the web sign-in. Failed passwords have their own, stricter limit.',
  }),
  trustedProxies: list({ default: [], check: (v: string) => (rangeOf(v) ? null : 'must be an IP address or CIDR range'), doc: 'Addresses (or CIDRs) of reverse proxies whose X-Forwarded-For is believed.' }),
  headersTimeoutSeconds: int({ default: 30, min: 1, max: 3600, doc: 'Time a client has to send the request line and headers; then 408 and the connection is closed.' }),
  keepAliveSeconds: int({ default: 72, min: 1, max: 3600, doc: 'Idle time after which a kept-alive connection between requests is closed.' }),
  minTransferRate: int({
    default: 4096,
    min: 0,
    max: 1024 * 1024 * 1024,
    doc: 'Bytes per second a connection must move while the server waits on the client (the rest of a request body, or response bytes the client has not read); 0 turns the watch off.',
  }),
  transferGraceSeconds: int({
    default: 20,
    min: 1,
    max: 3600,
    doc: 'Seconds in a row a transfer may stay below `minTransferRate` before its connection is dropped (a slow but steady upload still finishes).',
  }),
  maxConnectionsPerClient: int({
    default: 64,
    min: 0,
    max: 1000000,
    doc: 'Connections one client address (IPv6: one /64) may hold open at once; more get 429 and are closed. 0 = no cap. Trusted proxies are not capped. 64 fits npm (`maxsockets` 15), pnpm and yarn (50) with room; list a NAT of many users in `connectionLimitExempt`.',
  }),
  maxConnections: int({
    default: 0,
    defaultDoc: '(open-file limit - 100) / 2',
    min: 0,
    max: 10_000_000,
    doc: 'Connections the whole server holds at once; when full, idle kept-alive connections are closed first, else a new one gets 503 `SERVER_BUSY` and is closed. 0 = derived from the process\'s open-file soft limit (Linux, /proc/self/limits), leaving 100 descriptors for the database and logs and one per connection for a tarball read or write; elsewhere 0 means no cap. `tessera serve` warns at start when the limit is low for the caps.',
  }),
  connectionLimitExempt: list({
    default: [],
    check: (v: string) => (rangeOf(v) ? null : 'must be an IP address or CIDR range'),
    doc: 'Addresses or CIDR ranges `maxConnectionsPerClient` does not apply to (loopback is capped unless listed here).',
  }),
  upstream: str({
    default: 'https://registry.npmjs.org/',
    check: (v: string) => (v === 'none' ? null : v === '' ? 'must be an http(s) URL or "none"' : urlCheck(v)),
    doc: 'The upstream registry that names without local versions are fetched from and cached (the proxy, docs/proxy.md), when `upstreams` is empty: it is then the upstream `default`, and every name that is not local may come from it. `none` turns the proxy off: nothing is ever asked upstream.',
  }),
  upstreams: arrayOf({
    doc: 'Named upstream registries (config file only); when given, `upstream` is not used unless `none`, and `proxyRules` say which names come from which.',
    item: section({
      doc: 'One upstream registry.',
      keys: {
        name: str({ check: (v: string) => (/^[a-z0-9][a-z0-9_-]{0,31}$/.test(v) && v !== 'none' ? null : 'must be 1-32 lowercase letters, digits, "-" or "_", and not "none"'), doc: 'The name `proxyRules` refer to.' }),
        url: str({ check: (v: string) => (v === '' ? 'must be an http(s) URL' : urlCheck(v)), doc: 'Its URL, e.g. `https://registry.npmjs.org/`.' }),
        token: str({ default: '', secret: true, doc: 'A bearer token sent to it.' }),
        tokenEnv: str({ default: '', doc: 'The environment variable holding a bearer token for it (instead of `token`).' }),
        username: str({ default: '', doc: 'A user name for Basic auth (with `passwordEnv`).' }),
        passwordEnv: str({ default: '', doc: 'The environment variable holding the Basic auth password.' }),
        timeoutSeconds: int({ default: 10, min: 1, max: 600, doc: 'Seconds to wait for its answer (and between chunks of a body) before serving the cached copy, or 504 when there is none.' }),
      },
    }),
  }),
  proxyRules: arrayOf({
    doc: 'Ordered rules (config file only): the first whose `pattern` matches a name says which upstream it may come from (`none`: local only, never asked upstream). A name no rule matches is local only. Default: one rule, `*` from the default upstream.',
    item: section({
      doc: 'One rule.',
      keys: {
        pattern: str({ check: patternProblem, doc: '`*`, `@scope/*` or an exact package name.' }),
        upstream: str({ doc: 'The name of an upstream in `upstreams` (`default` for `upstream`), or `none` for local only.' }),
        minReleaseAgeHours: int({ default: 0, min: 0, max: 24 * 365, doc: 'Upstream versions younger than this are hidden from packuments and their tarballs refused (0: off).' }),
        minReleaseAgeExempt: list({ default: [], check: (v: string) => patternProblem(v), doc: 'Patterns the minimum release age does not apply to.' }),
      },
    }),
  }),
  proxyFreshSeconds: int({ default: 120, min: 0, max: 7 * 86400, doc: 'Seconds a fetched upstream packument is served before the upstream is asked again (a conditional request).' }),
  proxyReaders: oneOf({ default: 'anyone', values: ['anyone', 'users'], doc: 'Who may read proxied packages: `anyone` who may read the registry, or signed-in `users` only.' }),
  trustGithub: bool({ default: true, doc: 'Trusted publishing from GitHub Actions (`npm trust github`, docs/ci-publishing.md): identity tokens of `trustGithubIssuer` are exchanged for short-lived publish tokens.' }),
  trustGithubIssuer: str({
    default: 'https://token.actions.githubusercontent.com',
    check: issuerUrlProblem,
    doc: 'The issuer of GitHub Actions identity tokens: github.com\'s, or a GitHub Enterprise Server\'s (`https://HOST/_services/token`).',
  }),
  trustGitlab: bool({ default: true, doc: 'Trusted publishing from GitLab CI/CD (`npm trust gitlab`): identity tokens of `trustGitlabIssuer`.' }),
  trustGitlabIssuer: str({ default: 'https://gitlab.com', check: issuerUrlProblem, doc: 'The issuer of GitLab identity tokens: GitLab.com, or a self-managed GitLab\'s URL.' }),
  trustCircleci: bool({ default: true, doc: 'Trusted publishing from CircleCI (`npm trust circleci`): identity tokens of `trustCircleciIssuer` + the organisation id of the relationship.' }),
  trustCircleciIssuer: str({ default: 'https://oidc.circleci.com/org/', check: issuerUrlProblem, doc: 'What the issuer of CircleCI identity tokens starts with; the organisation id (a UUID) follows.' }),
  trustedIssuers: arrayOf({
    doc: 'Custom issuers of CI identity tokens for trusted publishing (config file only): self-hosted GitLab, Forgejo/Gitea Actions, Buildkite, Jenkins... Their relationships are made in the web UI or through `POST /-/package/NAME/trust` (docs/ci-publishing.md).',
    max: 50,
    item: section({
      doc: 'One custom issuer.',
      keys: {
        name: str({
          check: (v: string) => (/^[a-z0-9][a-z0-9_-]{0,31}$/.test(v) && !['github', 'gitlab', 'circleci'].includes(v) ? null : 'must be 1-32 lowercase letters, digits, "-" or "_", and not github, gitlab or circleci'),
          doc: 'The relationship type its tokens match, e.g. `forgejo`.',
        }),
        issuer: str({ check: issuerUrlProblem, doc: 'Its `iss`, where `/.well-known/openid-configuration` is served (https; http only on loopback).' }),
        claims: list({ check: (v: string) => (/^[A-Za-z0-9_.:/-]{1,64}$/.test(v) ? null : 'must be a claim name'), doc: 'The claims that identify a workflow (e.g. `repository`, `workflow_ref`): each relationship stores a value for each, and a token matches when all are equal.' }),
      },
    }),
  }),
  trustTokenMinutes: int({ default: 15, min: 1, max: 15, doc: 'Lifetime of the token a trusted-publishing exchange hands out, in minutes.' }),
  logLevel: oneOf({ default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'silent'], doc: 'Log level of the JSON request log on stdout.' }),
} satisfies Keys;

export type ConfigKey = keyof typeof schema;

/** The validated configuration, derived from the schema. */
export type Config = ValuesOf<typeof schema>;
