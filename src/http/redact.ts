// Request URLs that carry secrets (logout's token, token revocation by value, web-login
// polls and approval pages) are shortened before they reach a log.

const SECRET_PATHS: RegExp[] = [
  /(\/-\/user\/token\/)[^/?]+/,
  /(\/-\/npm\/v1\/tokens\/token\/)[^/?]+/,
  /(\/-\/web\/cli-login\/)[^/?]+/,
  /([?&]next=[^&]*cli-login(?:\/|%2F))[^&]+/gi,
  /([?&](?:authId|token|code|otp)=)[^&]+/g,
];

export function redactUrl(url: string): string {
  let out = url;
  for (const re of SECRET_PATHS) out = out.replace(re, '$1[redacted]');
  return out;
}
