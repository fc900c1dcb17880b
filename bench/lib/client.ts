// The few plain requests the benchmark makes outside autocannon: sign-up, publish, checks.
// Loopback only: anything else is refused before a byte is sent.

export const ABBREVIATED = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== '[::1]' && host !== '::1') throw new Error(`refusing to send traffic to ${host}: loopback only`);
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
}

export async function call(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const url = new URL(path.replace(/^\//, ''), base).toString();
  assertLoopback(url);
  const res = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

export function loginPath(name: string): string {
  return `/-/user/org.couchdb.user:${encodeURIComponent(name)}`;
}

/** Legacy sign-up (or login, without email) on Tessera or Verdaccio; returns the token. */
export async function couchLogin(base: string, name: string, password: string, email?: string): Promise<string> {
  const body = JSON.stringify(email ? { _id: `org.couchdb.user:${name}`, name, password, email, type: 'user', roles: [] } : { name, password });
  const r = await call(base, loginPath(name), { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
  const json = JSON.parse(r.body.toString() || '{}') as { token?: string };
  if (r.status !== 201 || typeof json.token !== 'string') throw new Error(`login of ${name} at ${base} answered ${r.status}: ${r.body.toString().slice(0, 300)}`);
  return json.token;
}

export async function publishOnce(base: string, token: string, name: string, body: string): Promise<void> {
  const r = await call(base, `/${name.replace('/', '%2f')}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'npm-command': 'publish' },
    body,
  });
  if (r.status < 200 || r.status >= 300) throw new Error(`publish of ${name} at ${base} answered ${r.status}: ${r.body.toString().slice(0, 300)}`);
}
