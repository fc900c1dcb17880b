// The authorisation matrix: every write endpoint against every kind of caller, with the
// expected status. docs/security.md shows the same table (a test keeps them equal).

export const callers = [
  'anonymous',
  'other user',
  'owner, no 2FA',
  'owner, 2FA, no OTP',
  'owner, 2FA, OTP',
  'read-only token',
  'token outside its CIDR',
  'expired token',
  'revoked token',
  'bypass-2FA token',
  'Basic password, 2FA',
  'disabled owner',
  'trusted-publishing token',
] as const;
export type Caller = (typeof callers)[number];

export const endpoints = [
  'publish a new version',
  'publish a new package',
  'publish to a restricted package',
  'dist-tag add',
  'dist-tag rm',
  'deprecate',
  'unpublish a version',
  'unpublish the package',
  'owner add',
  'access set status',
  'access set mfa',
  'profile set',
  'token create',
  'token revoke',
  'star',
  'star a proxied package',
  'org member set',
  'team create',
  'trust add',
  'trust revoke',
  'stage publish',
  'stage approve',
  'stage reject',
] as const;
export type Endpoint = (typeof endpoints)[number];

// 401* = OTP challenge (WWW-Authenticate: otp); 401ip = WWW-Authenticate: ipaddress.
type Row = Record<Caller, string>;
const content: Row = {
  anonymous: '401',
  'other user': '403',
  'owner, no 2FA': '2xx',
  'owner, 2FA, no OTP': '401*',
  'owner, 2FA, OTP': '2xx',
  'read-only token': '403',
  'token outside its CIDR': '401ip',
  'expired token': '401',
  'revoked token': '401',
  'bypass-2FA token': '2xx',
  // Basic credentials (the owner's password, no OTP) are a login, and package writes take none.
  'Basic password, 2FA': '401',
  // An owner whose account an administrator disabled (docs/admin.md): ACCOUNT_DISABLED everywhere.
  'disabled owner': '403',
  // The short-lived token of an OIDC exchange (npm trust): it publishes its package, nothing else.
  'trusted-publishing token': '403',
};
const governance: Row = { ...content, 'bypass-2FA token': '403' };
const account: Row = { ...governance, 'other user': '—', 'Basic password, 2FA': '401*' };
const stageDecision: Row = { ...content, 'other user': '404', 'owner, no 2FA': '403', 'bypass-2FA token': '401*' };

export const expected: Record<Endpoint, Row> = {
  'publish a new version': { ...content, 'trusted-publishing token': '2xx' },
  'publish a new package': { ...content, 'other user': '—', 'bypass-2FA token': '401*' },
  // a non-owner gets the answer of a free name in that scope (403), never a 404 that shows the package exists
  'publish to a restricted package': { ...content, 'trusted-publishing token': '2xx' },
  'dist-tag add': content,
  'dist-tag rm': content,
  deprecate: content,
  'unpublish a version': content,
  'unpublish the package': content,
  'owner add': governance,
  'access set status': governance,
  'access set mfa': governance,
  'profile set': account,
  'token create': account,
  'token revoke': { ...account, 'other user': '404', 'Basic password, 2FA': '401' },
  // The caller's own data, never an OTP; any signed-in reader may (read-only tokens may not).
  star: { ...content, 'other user': '2xx', 'owner, 2FA, no OTP': '2xx' },
  // A package from the upstream (docs/proxy.md): the star is the caller's own data, as above.
  'star a proxied package': { ...content, 'other user': '2xx', 'owner, 2FA, no OTP': '2xx' },
  // Org changes (docs/orgs.md), by the org's owner: account-security changes (an OTP in both
  // modes); a non-member gets 403; granular tokens without --orgs (the read-only and bypass
  // ones here) have no access to the org; Basic credentials are not read on these routes.
  'org member set': governance,
  'team create': governance,
  // npm trust: 2FA on (403 without), an OTP on each change whatever the mode, never a bypass
  // token; Basic credentials are not read there (401).
  'trust add': { ...governance, 'owner, no 2FA': '403' },
  'trust revoke': { ...governance, 'owner, no 2FA': '403' },
  // npm stage publish never asks for an OTP (the approval does): any credential that may write.
  'stage publish': { ...content, 'owner, 2FA, no OTP': '2xx', 'trusted-publishing token': '2xx' },
  // The deferred proof of presence: 2FA on (403 without), an OTP always, even with a bypass-2FA
  // token; a staged version the caller may not write is a 404, as a missing one.
  'stage approve': stageDecision,
  'stage reject': stageDecision,
};

export function matrixMarkdown(): string {
  const head = `| endpoint | ${callers.join(' | ')} |`;
  const sep = `|---|${callers.map(() => '---').join('|')}|`;
  const rows = endpoints.map((e) => `| ${e} | ${callers.map((c) => expected[e][c]).join(' | ')} |`);
  return [head, sep, ...rows].join('\n');
}

// Organisations (issue #18): org roles and team permissions as callers, against the writes of
// an org's package, its team grants and a read of a restricted one. Each cell runs on a fresh
// package of the org (for the 2FA column, of an org that requires 2FA), created by its owner;
// the developers team gets read-write on it, the readers team read-only. A refused cell must
// leave the package, its versions, tags and grants as they were.
export const orgCallers = [
  'anonymous',
  'org owner',
  'org admin',
  'developer, read-write team',
  'developer without write access',
  'read-only team member',
  'removed member',
  'outsider',
  'member without 2FA, org requires 2FA',
  'token limited to another org',
] as const;
export type OrgCaller = (typeof orgCallers)[number];

export const orgEndpoints = [
  'publish a new version',
  'publish to a restricted package',
  'publish a new package in the scope',
  'dist-tag add',
  'deprecate',
  'unpublish a version',
  'access set status',
  'access grant',
  'access revoke',
  'owner add',
  'read a restricted package',
] as const;
export type OrgEndpoint = (typeof orgEndpoints)[number];

type OrgRow = Record<OrgCaller, string>;
const orgContent: OrgRow = {
  anonymous: '401',
  'org owner': '2xx',
  'org admin': '2xx',
  'developer, read-write team': '2xx',
  'developer without write access': '403',
  'read-only team member': '403',
  'removed member': '403',
  outsider: '403',
  'member without 2FA, org requires 2FA': '403',
  'token limited to another org': '403',
};
// A restricted package: a member who may not read it, and a credential whose limits do not
// cover it, get the 404 of a missing package; non-members the answer of a free name in the
// org's scope (403), so that neither learns whether it exists.
const orgRestricted: OrgRow = { ...orgContent, 'developer without write access': '404', 'token limited to another org': '404' };
const orgTeams: OrgRow = { ...orgContent, 'developer, read-write team': '403' };

export const orgExpected: Record<OrgEndpoint, OrgRow> = {
  'publish a new version': orgContent,
  'publish to a restricted package': orgRestricted,
  // any member may create a package in the org's scope (as on npmjs)
  'publish a new package in the scope': { ...orgContent, 'developer without write access': '2xx', 'read-only team member': '2xx' },
  'dist-tag add': orgContent,
  deprecate: orgContent,
  'unpublish a version': orgContent,
  'access set status': orgContent,
  'access grant': orgTeams,
  'access revoke': orgTeams,
  // an org package has no owners of its own: npm access and npm team instead
  'owner add': { ...orgContent, 'org owner': '403', 'org admin': '403', 'developer, read-write team': '403' },
  'read a restricted package': {
    ...orgRestricted,
    anonymous: '404',
    'removed member': '404',
    outsider: '404',
    'read-only team member': '2xx',
    'member without 2FA, org requires 2FA': '2xx',
    'token limited to another org': '404',
  },
};

export function orgMatrixMarkdown(): string {
  const head = `| endpoint | ${orgCallers.join(' | ')} |`;
  const sep = `|---|${orgCallers.map(() => '---').join('|')}|`;
  const rows = orgEndpoints.map((e) => `| ${e} | ${orgCallers.map((c) => orgExpected[e][c]).join(' | ')} |`);
  return [head, sep, ...rows].join('\n');
}
