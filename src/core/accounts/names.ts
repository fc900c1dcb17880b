// User name and e-mail rules, as npm-user-validate applies them on the client. The server
// checks again, because not every client is npm.

export function usernameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'A user name is required.';
  if (name.length > 214) return 'A user name may have at most 214 characters.';
  if (name !== name.toLowerCase()) return 'A user name must be lower case.';
  if (name.startsWith('.')) return 'A user name may not start with ".".';
  if (name.includes("'")) return 'A user name may not contain "\'".';
  if (encodeURIComponent(name) !== name) return 'A user name may contain only URL-safe characters.';
  if (name.startsWith('-')) return 'A user name may not start with "-".';
  return null;
}

// Deliberately loose, like npm's own check (x@y.z): an address is proven by mail, not by regex.
// No control characters (C0, DEL, C1): `npm owner ls` and `npm view` print e-mails raw.
const EMAIL = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;

export function emailProblem(email: unknown): string | null {
  if (typeof email !== 'string' || email.length === 0) return 'An e-mail address is required.';
  if (email.length > 254) return 'An e-mail address may have at most 254 characters.';
  if (/\p{Cc}/u.test(email)) return 'The e-mail address may not contain control characters.';
  if (!EMAIL.test(email)) return 'The e-mail address is not valid.';
  return null;
}
