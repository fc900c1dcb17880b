/**
 * Rules for a new password (registration and change), per
 * NIST SP 800-63B (rev 3 §5.1.1.2, rev 4 §3.1.1.2) and OWASP ASVS (4.0.3 V2.1, 5.0 V6.2):
 * - length counted in Unicode code points after NFKC normalisation (NIST rev 3 §5.1.1.2):
 *   at least 15 (one rule for everyone, which also meets ASVS 4.0.3 2.1.1's 12 and
 *   NIST rev4 for password-only accounts), at most 128 (ASVS 4.0.3 2.1.2,
 *   bounds hashing cost);
 * - any printable Unicode, spaces and emoji included; no composition rules
 *   (ASVS 4.0.3 2.1.9; NIST rev 4); control characters and unpaired
 *   surrogates are refused because they cannot be typed reliably and would
 *   not survive UTF-8 encoding;
 * - refused when built from context words (username, e-mail, its local part,
 *   the product name, "npm") plus only digits/symbols, when on a small
 *   built-in list of common passwords, when on the caller's extra blocklist,
 *   or when one character or a short unit repeated or a plain sequence
 *   (ASVS 5.0 6.2.11; NIST §5.1.1.2).
 * The password is never truncated or otherwise changed (ASVS 5.0 6.2.8); hash
 * normalizePassword(password) at both set and verify time.
 *
 * Not covered here (ASVS 5.0 6.2.4, 6.2.12): the >= 3,000-entry common-password list and a
 * breached-password check; load them outside core and pass them as
 * `blocklist` (lower-cased, whitespace removed, NFKC).
 */

export const PASSWORD_MIN_LENGTH = 15;
export const PASSWORD_MAX_LENGTH = 128;
/** Context words always refused as the basis of a password. */
export const PASSWORD_PRODUCT_WORDS: readonly string[] = ['tessera', 'npm', 'registry'];

export interface PasswordContext {
  username: string;
  email?: string;
  /** Extra context words, e.g. the registry's configured display name. */
  extraWords?: readonly string[];
  /** Extra blocked passwords, compared after NFKC, lower-casing and whitespace removal. */
  blocklist?: ReadonlySet<string>;
}

/**
 * Built-in list of very common passwords that pass the length rule
 * (lower-case, whitespace removed). A seed only; see the module comment.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '123456789012345',
  '1234567890123456',
  '12345678901234567890',
  '123456789123456789',
  '098765432109876',
  '111111111111111',
  '000000000000000',
  'passwordpassword',
  'password12345678',
  'password123456789',
  'password1234567',
  'passw0rdpassw0rd',
  'p@ssw0rdp@ssw0rd',
  'p@ssw0rd12345678',
  'qwertyuiopasdfg',
  'qwertyuiopasdfgh',
  'qwertyuiopasdfghjkl',
  'qwertyuiopasdfghjklzxcvbnm',
  'qwerty123456789',
  '1234567890qwerty',
  'qwerty1234567890',
  '1q2w3e4r5t6y7u8i',
  '1q2w3e4r5t6y7u8i9o0p',
  '1qaz2wsx3edc4rfv',
  'zaq12wsxcde34rfv',
  'asdfghjklasdfghjkl',
  'iloveyouiloveyou',
  'iloveyou12345678',
  'trustno1trustno1',
  'letmeinletmeinletmein',
  'changemechangeme',
  'changeme12345678',
  'welcome123456789',
  'administrator123',
  'administrator1234',
  'superman12345678',
  'correcthorsebatterystaple',
  'thequickbrownfoxjumpsoverthelazydog',
  'abcdefghijklmnop',
  'abcdefghijklmnopqrstuvwxyz',
  'abcd1234abcd1234',
  'aaaaaaaaaaaaaaa',
]);

const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;
const HAS_LETTER = /\p{L}/u;
const WHITESPACE = /\s+/gu;

/** The form that is length-checked and hashed (NIST rev 3 §5.1.1.2: NFKC, nothing else). */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function contextWords(ctx: PasswordContext): string[] {
  const words = [ctx.username, ...PASSWORD_PRODUCT_WORDS, ...(ctx.extraWords ?? [])];
  if (ctx.email !== undefined) {
    words.push(ctx.email);
    const at = ctx.email.lastIndexOf('@');
    if (at > 0) words.push(ctx.email.slice(0, at));
  }
  return words
    .map((w) => normalizePassword(w).toLowerCase().replace(WHITESPACE, ''))
    .filter((w) => [...w].length >= 3)
    .sort((a, b) => b.length - a.length);
}

/** True when removing every context word leaves no letters (e.g. "Alice2024!!", "aliceALICEalice"). */
function builtFromContext(folded: string, words: readonly string[]): boolean {
  if (words.length === 0) return false;
  const pattern = new RegExp(words.map(escapeRegExp).join('|'), 'gu');
  const rest = folded.replace(pattern, '');
  return rest.length < folded.length && !HAS_LETTER.test(rest);
}

/** One character, a unit of up to 4 characters repeated, or a run of consecutive code points. */
function trivialPattern(chars: readonly string[]): boolean {
  for (let unit = 1; unit <= 4; unit++) {
    if (chars.length >= unit * 2 && chars.every((c, i) => c === chars[i % unit])) return true;
  }
  const codes = chars.map((c) => c.codePointAt(0) ?? 0);
  if (codes.length < 2) return false;
  const step = codes[1]! - codes[0]!; // length checked above
  if (step !== 1 && step !== -1) return false;
  return codes.every((c, i) => i === 0 || c - codes[i - 1]! === step);
}

/** Returns a user-facing reason the password is refused, or null if acceptable. */
export function checkNewPassword(password: string, ctx: PasswordContext): string | null {
  if (CONTROL_OR_LONE_SURROGATE.test(password)) {
    return 'Password must not contain control characters or invalid Unicode.';
  }
  const normalized = normalizePassword(password);
  const chars = [...normalized];
  if (chars.length < PASSWORD_MIN_LENGTH) {
    return `Password must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
  }
  if (chars.length > PASSWORD_MAX_LENGTH) {
    return `Password must be at most ${PASSWORD_MAX_LENGTH} characters long.`;
  }
  const folded = normalized.toLowerCase().replace(WHITESPACE, '');
  if (builtFromContext(folded, contextWords(ctx))) {
    return 'Password must not be based on your username, e-mail address or the registry name.';
  }
  if (COMMON_PASSWORDS.has(folded) || ctx.blocklist?.has(folded) === true) {
    return 'Password is too common; choose a different one.';
  }
  if (trivialPattern([...normalized.toLowerCase()])) {
    return 'Password must not be a repeated or sequential pattern.';
  }
  return null;
}
