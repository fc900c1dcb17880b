// Request URLs that carry secrets or capabilities (logout's token, token revocation by value,
// the ids of web-login and web-OTP approvals, and the polls that take their results) are
// shortened before they reach a log. The web pages' ids also travel inside `next=` values,
// URL-encoded once or twice, so separators are matched in every such form.

/** `/`, `%2F` and `%252F` (case-insensitive), one or more. */
const SEP = '(?:/|%2F|%252F)+';
/** A query separator or its encoded forms: `?`, `&`, `%3F`, `%26` (also double-encoded). */
const QSEP = '(?:[?&]|%3F|%26|%253F|%2526)';
/** `=` or its encoded forms. */
const EQ = '(?:=|%3D|%253D)';
/** A value: up to the next separator, encoded or not (ids, tokens and codes never hold `%`). */
const VALUE = '[^/?&#%]+';

const SECRET_PATHS: RegExp[] = [
  /(\/-\/user\/token\/)[^/?]+/,
  /(\/-\/npm\/v1\/tokens\/token\/)[^/?]+/,
  // Capability ids of the web pages: /-/web/cli-login/ID and /-/web/otp/ID, anywhere in the URL.
  new RegExp(`(web${SEP}(?:cli-login|otp)${SEP})${VALUE}`, 'gi'),
  // Polls and other query values that are capabilities or secrets, also inside next=.
  new RegExp(`(${QSEP}(?:authId|token|code|otp)${EQ})${VALUE}`, 'gi'),
];

/** The URL with every secret and capability id replaced by `[redacted]`; for logs only. */
export function redactUrl(url: string): string {
  let out = url;
  for (const re of SECRET_PATHS) out = out.replace(re, '$1[redacted]');
  return out;
}
