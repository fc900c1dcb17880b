// User name and e-mail rules, as npm-user-validate applies them on the client. The server
// checks again, because not every client is npm.

/**
 * Why a name cannot be a new user name, or null. A user name is also a scope (`@NAME`), so it
 * follows the anchored subset of the package-name rules (validate-npm-package-name and
 * src/core/packages/names.ts): lower-case letters, digits, ".", "-" and "_", starting and
 * ending with a letter or a digit (no `alice~`, `(alice)`, `alice*`, `!x`, `_x`, `x.`,
 * `namer_`), at most 214 characters. npm-user-validate checks less on the client; the server
 * decides. Applies to sign-up and `tessera user add`; existing accounts are never re-checked.
 */
export function usernameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'A user name is required.';
  if (name.length > 214) return 'A user name may have at most 214 characters.';
  if (name !== name.toLowerCase()) return 'A user name must be lower case.';
  if (!/^[a-z0-9._-]+$/.test(name)) return 'A user name may contain only lower-case letters, digits, ".", "-" and "_" (it is also your scope, @NAME).';
  if (!/^[a-z0-9]/.test(name)) return 'A user name must start with a letter or a digit.';
  if (!/[a-z0-9]$/.test(name)) return 'A user name must end with a letter or a digit.';
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
