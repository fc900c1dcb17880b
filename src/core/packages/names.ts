// Package name rules, after npm's validate-npm-package-name. Existing names are looked up as
// they are; only new names must satisfy every rule (npm requires new names in lower case).

import { builtinModules } from 'node:module';
import { DomainError } from '../errors.ts';

const SPECIAL = /[~'!()*]/;
const RESERVED = new Set(['node_modules', 'favicon.ico']);
const SCOPED = /^@([^/]+)\/([^/]+)$/;

export interface ParsedName {
  name: string;
  scope: string | null; // without '@'
  bare: string; // the name without its scope
}

/** Splits a name into scope and bare name; null when it cannot be a package name at all. */
export function parsePackageName(name: string): ParsedName | null {
  if (typeof name !== 'string' || name.length === 0 || name.length > 214) return null;
  if (name.startsWith('@')) {
    const m = SCOPED.exec(name);
    if (!m) return null;
    return { name, scope: m[1], bare: m[2] };
  }
  if (name.includes('/')) return null;
  return { name, scope: null, bare: name };
}

function partProblem(part: string, what: string): string | null {
  if (part.length === 0) return `The ${what} may not be empty.`;
  if (part.startsWith('.') || part.startsWith('_')) return `The ${what} may not start with "." or "_".`;
  if (part.trim() !== part) return `The ${what} may not have spaces around it.`;
  if (SPECIAL.test(part)) return `The ${what} may not contain the characters ~'!()*.`;
  if (!isUrlSafe(part)) return `The ${what} may contain only URL-safe characters.`;
  return null;
}

/**
 * Why a name cannot be a package name at all (the rules every stored name satisfies, what
 * validate-npm-package-name calls valid for new packages): non-empty, at most 214 characters,
 * lower case, URL-safe, no ~'!()*, no part starting with "." or "_", not node_modules /
 * favicon.ico / a Node.js core module. Used for names that may already exist (token limits).
 */
export function packageNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'A package name is required.';
  if (name.length > 214) return 'A package name may have at most 214 characters.';
  if (name !== name.toLowerCase()) return `New package names must be lower case: "${name}".`;
  const parsed = parsePackageName(name);
  if (!parsed) return `"${name}" is not a valid package name.`;
  if (parsed.scope !== null) {
    const p = partProblem(parsed.scope, 'scope');
    if (p) return p;
  }
  const p = partProblem(parsed.bare, 'package name');
  if (p) return p;
  if (parsed.scope === null) {
    if (RESERVED.has(name)) return `"${name}" is a reserved name.`;
    if (builtinModules.includes(name)) return `"${name}" is the name of a Node.js core module.`;
  }
  return null;
}

/** Names Windows cannot give a folder (CON, NUL, COM1, LPT1, …, also with an extension). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/;

/**
 * The rules only NEW names must satisfy, on top of packageNameProblem, for one part (the
 * scope or the bare name): it starts with a letter or a digit (`npm install -dash` reads a
 * leading "-" as a flag; `@-/x`, `@namer/-` name nothing), and does not end with "." (Windows
 * drops a trailing dot from folder names, so `@namer/x.` would install as `@namer/x`).
 */
function newPartProblem(part: string, what: string): string | null {
  if (!/^[a-z0-9]/.test(part)) return `The ${what} "${part}" must start with a letter or a digit.`;
  if (part.endsWith('.')) return `The ${what} "${part}" may not end with ".".`;
  return null;
}

/**
 * Why a name may not be used for a new package, or null when it may: packageNameProblem,
 * then newPartProblem for the bare name and for the scope when the scope is new
 * (`scopeExists`: an existing user's or claimed scope stays usable whatever it looks like),
 * and, inside a scope too, not node_modules / favicon.ico / a Windows device name (they cannot
 * be folders under node_modules). Names too similar to existing ones are refused by the store
 * (similarNameKey).
 */
export function newPackageNameProblem(name: unknown, options: { scopeExists?: boolean } = {}): string | null {
  const basic = packageNameProblem(name);
  if (basic) return basic;
  const parsed = parsePackageName(name as string)!;
  if (parsed.scope !== null && !options.scopeExists) {
    const p = newPartProblem(parsed.scope, 'scope');
    if (p) return p;
  }
  const p = newPartProblem(parsed.bare, 'package name');
  if (p) return p;
  if (RESERVED.has(parsed.bare)) return `"${parsed.bare}" is a reserved name.`;
  if (WINDOWS_DEVICE.test(parsed.bare)) return `"${parsed.bare}" is a device name on Windows, which cannot hold it as a folder.`;
  return null;
}

/**
 * The key under which names count as the same (npm's rule against typosquatting: a new name
 * equal to an existing one once ".", "-" and "_" are removed and case is ignored is refused,
 * so `my-pkg` blocks `my_pkg`, `my.pkg` and `mypkg`). Unscoped names are compared with other
 * unscoped names; a scoped name with the names in its scope (the scope is kept as it is).
 * Stored in an indexed column, so the check is one lookup.
 */
export function similarNameKey(name: string): string {
  const parsed = parsePackageName(name);
  const squash = (s: string) => s.toLowerCase().replace(/[._-]/g, '');
  if (!parsed) return squash(name);
  return parsed.scope === null ? squash(parsed.bare) : `@${parsed.scope.toLowerCase()}/${squash(parsed.bare)}`;
}

/** Looser check for names in request paths: anything that could be a stored name. */
export function isPlausiblePackageName(name: string): boolean {
  const parsed = parsePackageName(name);
  if (!parsed) return false;
  return isUrlSafe(parsed.bare) && (parsed.scope === null || isUrlSafe(parsed.scope));
}

/**
 * Whether encodeURIComponent leaves `part` as it is (ECMA-262 §19.2.6.5: A-Z a-z 0-9 and
 * - _ . ! ~ * ' ( ) only), without building the encoded copy (every read asks it) and without
 * its URIError on a lone surrogate (which JSON can carry: such a part is simply not URL-safe).
 */
export function isUrlSafe(part: string): boolean {
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)) continue;
    // - . _ ~ ! * ' ( )
    if (c === 45 || c === 46 || c === 95 || c === 126 || c === 33 || c === 42 || c === 39 || c === 40 || c === 41) continue;
    return false;
  }
  return true;
}

/** The tarball file name npm expects: the bare name, a dash, the version, `.tgz`. */
export function tarballFileName(name: string, version: string): string {
  const parsed = parsePackageName(name);
  return `${parsed ? parsed.bare : name}-${version}.tgz`;
}

/** The refusal of a new name equal to an existing one but for punctuation and case. */
export function similarNameError(name: string, existing: string): DomainError {
  return new DomainError('NAME_TOO_SIMILAR', `Package name too similar to existing package ${existing}: ${name} differs from it only in ".", "-", "_" or case. Choose another name, or publish it under your scope.`);
}
