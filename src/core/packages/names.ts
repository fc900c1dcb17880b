// Package name rules, after npm's validate-npm-package-name. Existing names are looked up as
// they are; only new names must satisfy every rule (npm requires new names in lower case).

import { builtinModules } from 'node:module';

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
  if (encodeURIComponent(part) !== part) return `The ${what} may contain only URL-safe characters.`;
  return null;
}

/** Why a name may not be used for a new package, or null when it may. */
export function newPackageNameProblem(name: unknown): string | null {
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

/** Looser check for names in request paths: anything that could be a stored name. */
export function isPlausiblePackageName(name: string): boolean {
  const parsed = parsePackageName(name);
  if (!parsed) return false;
  return encodeURIComponent(parsed.bare) === parsed.bare && (parsed.scope === null || encodeURIComponent(parsed.scope) === parsed.scope);
}

/** The tarball file name npm expects: the bare name, a dash, the version, `.tgz`. */
export function tarballFileName(name: string, version: string): string {
  const parsed = parsePackageName(name);
  return `${parsed ? parsed.bare : name}-${version}.tgz`;
}
