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
};
const governance: Row = { ...content, 'bypass-2FA token': '403' };
const account: Row = { ...governance, 'other user': '—', 'Basic password, 2FA': '401*' };
const stageDecision: Row = { ...content, 'other user': '404', 'owner, no 2FA': '403', 'bypass-2FA token': '401*' };

export const expected: Record<Endpoint, Row> = {
  'publish a new version': content,
  'publish a new package': { ...content, 'other user': '—', 'bypass-2FA token': '401*' },
  // a non-owner gets the answer of a free name in that scope (403), never a 404 that shows the package exists
  'publish to a restricted package': content,
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
  // npm stage publish never asks for an OTP (the approval does): any credential that may write.
  'stage publish': { ...content, 'owner, 2FA, no OTP': '2xx' },
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
