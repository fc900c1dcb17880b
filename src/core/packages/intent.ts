// Telling PUT /PACKAGE requests apart (the bodies of npm's lib/commands/{deprecate,owner,star}.js,
// libnpmpublish's publish.js/unpublish.js and pnpm's partial deprecate; docs/security.md,
// Packages). A submitted document is never
// stored: an intent is derived from it and applied to the stored state. A body that matches
// no intent is refused.

import { fail } from '../errors.ts';
import type { PackageRecord } from '../ports.ts';
import { requireNoControls } from '../text.ts';
import { isPlainObject } from './rules.ts';

export type PutIntent =
  | { type: 'publish' }
  | { type: 'owners'; names: string[] }
  | { type: 'deprecate'; messages: Record<string, string | null> }
  | { type: 'remove-versions'; versions: string[] };

const MAX_DEPRECATION = 1024;

function deprecationOf(v: unknown): string | null {
  if (v === undefined || v === null || v === '' || v === false) return null;
  if (typeof v !== 'string') fail('BAD_REQUEST', '"deprecated" must be a string.');
  if (v.length > MAX_DEPRECATION) fail('BAD_REQUEST', `A deprecation message may have at most ${MAX_DEPRECATION} characters.`);
  // npm install prints it raw to every installer's terminal (src/core/text.ts).
  return requireNoControls('"deprecated"', v, 'line');
}

function sameContent(stored: PackageRecord['versions'][number], sent: unknown): boolean {
  if (!isPlainObject(sent) || sent.version !== stored.version) return false;
  const dist = sent.dist;
  if (!isPlainObject(dist)) return false;
  const storedDist = stored.manifest.dist as Record<string, unknown>;
  return dist.integrity === storedDist.integrity || dist.shasum === storedDist.shasum;
}

/** A publish is recognised by its tarball: an attachment with data. */
export function isPublishBody(body: Record<string, unknown>): boolean {
  const attachments = body._attachments;
  return isPlainObject(attachments) && Object.values(attachments).some((a) => isPlainObject(a) && typeof a.data === 'string' && a.data.length > 0);
}

export function classifyPut(body: Record<string, unknown>, pkg: PackageRecord | null, withRev: boolean, name = ''): PutIntent {
  if (isPublishBody(body)) return { type: 'publish' };
  if (!pkg) {
    if ('_attachments' in body || 'versions' in body) fail('INVALID_PUBLISH', 'A publish must carry exactly one .tgz attachment with data.');
    fail('NOT_FOUND', name ? `Package ${name} not found.` : 'Package not found.');
  }
  const keys = Object.keys(body);
  if (withRev && body.maintainers !== undefined && keys.every((k) => k === '_id' || k === '_rev' || k === 'maintainers')) {
    if (!Array.isArray(body.maintainers)) fail('BAD_REQUEST', '"maintainers" must be an array.');
    const names = body.maintainers.map((m) => (isPlainObject(m) && typeof m.name === 'string' ? m.name : fail('BAD_REQUEST', 'Each maintainer needs a "name".')));
    return { type: 'owners', names };
  }
  if (!isPlainObject(body.versions)) fail('BAD_REQUEST', 'The body matches no known change: expected a publish, a deprecation, an unpublish or an owner change.');
  const sent = body.versions as Record<string, unknown>;
  const stored = new Map(pkg.versions.map((v) => [v.version, v]));
  const sentKeys = Object.keys(sent);

  // pnpm's partial deprecate: only { deprecated } per named version.
  if (sentKeys.length > 0 && sentKeys.every((k) => isPlainObject(sent[k]) && Object.keys(sent[k] as object).every((f) => f === 'deprecated') && Object.hasOwn(sent[k] as object, 'deprecated'))) {
    const messages: Record<string, string | null> = {};
    for (const k of sentKeys) {
      if (!stored.has(k)) fail('NOT_FOUND', `${pkg.name} has no version ${k}.`);
      messages[k] = deprecationOf((sent[k] as Record<string, unknown>).deprecated);
    }
    return { type: 'deprecate', messages };
  }

  for (const k of sentKeys) {
    const v = stored.get(k);
    if (!v) fail('BAD_REQUEST', `${pkg.name} has no version ${k}; a PUT cannot add versions without a tarball.`);
    if (!sameContent(v, sent[k])) fail('BAD_REQUEST', `The version ${k} in the body differs from the published one; published versions cannot change.`);
  }
  const changed: Record<string, string | null> = {};
  for (const k of sentKeys) {
    const next = deprecationOf((sent[k] as Record<string, unknown>).deprecated);
    if (next !== (stored.get(k)?.deprecated ?? null)) changed[k] = next;
  }
  if (sentKeys.length === stored.size) {
    if (Object.keys(changed).length === 0) fail('BAD_REQUEST', 'The body changes nothing.');
    return { type: 'deprecate', messages: changed };
  }
  if (sentKeys.length === 0) fail('BAD_REQUEST', 'To remove every version, unpublish the whole package.');
  if (Object.keys(changed).length > 0) fail('BAD_REQUEST', 'A body may either remove versions or change deprecations, not both.');
  return { type: 'remove-versions', versions: [...stored.keys()].filter((k) => !Object.hasOwn(sent, k)) };
}
