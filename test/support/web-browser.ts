// A browser for in-process web UI tests: keeps the cookies the server sets (and drops the ones
// it expires), picks up the CSRF token of the last page, and posts forms with it and a
// same-origin Origin header, as a browser would.

import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './app.ts';

export interface WebBrowser {
  get(url: string): Promise<LightMyRequestResponse>;
  /** Posts a form with the last page's CSRF token. */
  post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse>;
  cookies: Map<string, string>;
}

export function webBrowser(t: TestApp, origin = 'http://registry.test'): WebBrowser {
  const cookies = new Map<string, string>();
  let csrf = '';
  const absorb = (res: LightMyRequestResponse) => {
    const set = res.headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      if (/Max-Age=0/.test(line)) cookies.delete(pair.slice(0, eq));
      else cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) csrf = m[1];
    return res;
  };
  const headers = () => (cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {});
  return {
    cookies,
    get: async (url) => absorb(await t.request({ url, headers: headers() })),
    post: async (url, fields) =>
      absorb(
        await t.request({
          method: 'POST',
          url,
          payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin, ...headers() },
        }),
      ),
  };
}
