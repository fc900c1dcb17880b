// Control characters in client-set text. Everything a client stores is later printed by some
// client into a terminal: npm prints deprecations to every installer (transitive dependencies
// included), `npm view` prints descriptions, keywords and maintainers' e-mails, `npm owner ls`
// e-mails, `npm token list` token names. A control character there can start an escape
// sequence (ESC, or the C1 introducers CSI U+009B, OSC U+009D, DCS U+0090...) that sets the
// window title, clears the screen or draws a disguised hyperlink (OSC 8). So text is refused
// at the edge when it holds a C0 or C1 control (Unicode general category Cc: U+0000-U+001F,
// U+007F, U+0080-U+009F), except the whitespace a kind of field may hold:
//
//   line      single-line fields (names, e-mails, tags, deprecations, keywords, people, URLs):
//             no control character at all;
//   text      free text (descriptions, scripts, tool configuration, token descriptions): tab,
//             line feed, and carriage return only as part of a CRLF line end (a lone CR
//             returns the cursor to the start of the line, so the text after it overwrites
//             what was printed before it);
//   both      also none of the Unicode formatting characters that reorder or break a printed
//             line: the bidirectional embedding, override and isolate controls U+202A-U+202E
//             and U+2066-U+2069 (the "Trojan Source" characters, CVE-2021-42574) and the line
//             and paragraph separators U+2028, U+2029;
//   document  the readme: also vertical tab and form feed (page breaks of older plain-text
//             READMEs; a terminal only moves the cursor down for them).
//
// What real packages hold (checked on ~1,050 package.json files and READMEs installed here or
// in npm's cache, and the 27,000 version manifests of 335 cached packuments): line feeds in
// `scripts` values and readmes, tabs and CRLF line ends in readmes, nothing else. Stored text from before this rule is escaped where Tessera prints it
// (`escapeControls`).

import { fail } from './errors.ts';

export type TextKind = 'line' | 'text' | 'document';

const CONTROL = /\p{Cc}/u;
/** Reordering and line-breaking format characters, refused in all but the readme. */
const LINE_FORMAT = /[\u202A-\u202E\u2066-\u2069\u2028\u2029]/u;
const SUSPECT = /[\p{Cc}\u202A-\u202E\u2066-\u2069\u2028\u2029]/u;
const ALLOWED: Record<TextKind, string> = { line: '', text: '\t\n\r', document: '\t\n\v\f\r' };

function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The first control character `value` may not hold as a field of this kind, as
 * `{index, codePoint: "U+001B"}`; null when the text is clean.
 */
export function controlCharacterIn(value: string, kind: TextKind = 'line'): { index: number; codePoint: string } | null {
  if (!SUSPECT.test(value)) return null;
  const allowed = ALLOWED[kind];
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (CONTROL.test(c)) {
      // A carriage return only as part of CRLF: alone it rewrites the printed line.
      const ok = allowed.includes(c) && (c !== '\r' || value[i + 1] === '\n');
      if (!ok) return { index: i, codePoint: codePoint(c) };
    } else if (kind !== 'document' && LINE_FORMAT.test(c)) {
      return { index: i, codePoint: codePoint(c) };
    }
  }
  return null;
}

/** Why `value` cannot be stored as the field `field` (the message names the field, never the value), or null. */
export function controlProblem(field: string, value: string, kind: TextKind = 'line'): string | null {
  const found = controlCharacterIn(value, kind);
  if (!found) return null;
  const what =
    kind === 'line'
      ? 'no control characters and no bidirectional or line-separator formatting characters'
      : kind === 'text'
        ? 'no control characters but tab, line feed and CRLF line ends, and no bidirectional or line-separator formatting characters'
        : 'no control characters but tab, line feed, vertical tab, form feed and CRLF line ends';
  const name = CONTROL.test(value[found.index]) ? 'control character' : 'formatting character';
  return `${field} holds the ${name} ${found.codePoint} at position ${found.index}; it may hold ${what}.`;
}

/** `value` when clean; otherwise a 400 (`BAD_REQUEST` unless told) naming the field. */
export function requireNoControls<T extends string | null | undefined>(field: string, value: T, kind: TextKind = 'line', code: 'BAD_REQUEST' | 'INVALID_PUBLISH' | 'INVALID_EMAIL' = 'BAD_REQUEST'): T {
  if (typeof value !== 'string') return value;
  const problem = controlProblem(field, value, kind);
  if (problem) fail(code, problem);
  return value;
}

// Manifest fields that npm prints on one line (`npm view`, `npm owner ls`, install warnings)
// or that name things: no control character at all. Every other string value is `text`, the
// readme a `document`; object keys (dependency, bin, script and export names) are `line`.
const LINE_FIELDS = new Set([
  'name', 'version', 'keywords', 'license', 'licenses', 'author', 'contributors', 'maintainers', 'homepage', 'repository',
  'bugs', 'funding', 'bin', 'man', 'directories', 'main', 'module', 'types', 'typings', 'type', 'engines', 'os', 'cpu', 'libc',
  'dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies', 'bundledDependencies',
  'peerDependenciesMeta', 'deprecated', 'dist', 'gitHead', 'readmeFilename', 'packageManager', '_npmUser', '_nodeVersion', '_npmVersion',
]);
const DOCUMENT_FIELDS = new Set(['readme']);
const MAX_DEPTH = 64;

/** What controlCharacterIn(value, 'text') refuses, in one pattern: a control but tab and line feed, a CR not before LF, a LINE_FORMAT character. */
const TEXT_REFUSED = /[\0-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069\u2028\u2029]|\r(?!\n)/u;

/**
 * Whether manifestTextProblem's walk would find nothing, tested quickly: every key and `line`
 * string against SUSPECT, every other string against TEXT_REFUSED (as strict as `text`, stricter
 * than `document`), within MAX_DEPTH levels. false means "look closer", not "refused".
 */
function plainlyClean(value: unknown, kind: TextKind, depth: number): boolean {
  if (typeof value === 'string') return !(kind === 'line' ? SUSPECT : TEXT_REFUSED).test(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!plainlyClean(value[i], kind, depth + 1)) return false;
    return true;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (SUSPECT.test(key)) return false;
    const childKind = depth === 0 ? (LINE_FIELDS.has(key) ? 'line' : DOCUMENT_FIELDS.has(key) ? 'document' : 'text') : kind;
    if (!plainlyClean((value as Record<string, unknown>)[key], childKind, depth + 1)) return false;
  }
  return true;
}

/**
 * The first control character in a package manifest (every string and every key, recursively),
 * as a message naming its path (`versions["1.0.0"].author.email`), or null. Objects nested
 * deeper than 64 levels are refused too (JSON.parse builds them; no manifest needs them).
 */
export function manifestTextProblem(manifest: unknown, path: string): string | null {
  // Nearly every manifest is clean: one quick pass tests each key and string for any character
  // some kind refuses, and only a hit (or a deep object) takes the walk that names the path.
  if (plainlyClean(manifest, 'text', 0)) return null;
  const walk = (value: unknown, at: string, kind: TextKind, depth: number): string | null => {
    if (typeof value === 'string') return controlProblem(at, value, kind);
    if (value === null || typeof value !== 'object') return null;
    if (depth > MAX_DEPTH) return `${at} is nested more than ${MAX_DEPTH} levels deep.`;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const p = walk(value[i], `${at}[${i}]`, kind, depth + 1);
        if (p) return p;
      }
      return null;
    }
    for (const [key, v] of Object.entries(value)) {
      const keyAt = `${at}[${JSON.stringify(escapeControls(key))}]`;
      const k = controlProblem(`the key ${keyAt}`, key, 'line');
      if (k) return k;
      const childKind = depth === 0 ? (LINE_FIELDS.has(key) ? 'line' : DOCUMENT_FIELDS.has(key) ? 'document' : 'text') : kind;
      const p = walk(v, /^[A-Za-z_$][\w$]*$/.test(key) ? `${at}.${key}` : keyAt, childKind, depth + 1);
      if (p) return p;
    }
    return null;
  };
  return walk(manifest, path, 'text', 0);
}

/**
 * Refuses a control character in any manifest of a publish body's `versions` object (400
 * `INVALID_PUBLISH` naming the path, e.g. `versions["1.0.0"].keywords[2]`); other shapes pass,
 * for the publish validation to refuse with its own words.
 */
export function requireCleanManifests(versions: unknown): void {
  if (typeof versions !== 'object' || versions === null || Array.isArray(versions)) return;
  for (const [version, manifest] of Object.entries(versions)) {
    const problem = controlProblem('the version key', version, 'line') ?? manifestTextProblem(manifest, `versions[${JSON.stringify(version)}]`);
    if (problem) fail('INVALID_PUBLISH', problem);
  }
}

/**
 * Text with every C0 and C1 control character (and DEL) written as a visible escape (`\x1b`,
 * `\x9b`, `\n`...), for printing stored text to a terminal (the CLI) or into error messages.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\p{Cc}\u202A-\u202E\u2066-\u2069\u2028\u2029]/gu, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return c.charCodeAt(0) > 0xff ? `\\u${c.charCodeAt(0).toString(16)}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
}
