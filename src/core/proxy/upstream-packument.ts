// What an upstream packument must be before Tessera keeps or serves it, and the view served
// from it. Everything an upstream sends is bad input until checked (issue #15): a document
// that is not a JSON object, names another package, or has versions without a tarball URL and
// a checksum is refused whole, and nothing of it is kept.

import { isPlainObject } from '../packages/rules.ts';
import type { PackumentForm } from './ports.ts';
import { abbreviate, type PackumentDoc, visibleVersions, type VersionPolicy } from './versions.ts';

/** Why an upstream document was refused (the message names the package and the reason). */
export class BadUpstreamPackument extends Error {}

/**
 * Parses and checks an upstream packument: a JSON object whose `name` is `name`, whose
 * `versions` (when present) is an object of objects each with `dist.tarball` (an http(s) URL)
 * and `dist.integrity` or `dist.shasum` (strings), and whose `dist-tags` (when present) is an
 * object of strings. Throws BadUpstreamPackument naming the first problem.
 */
export function parseUpstreamPackument(body: Buffer, name: string): PackumentDoc {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadUpstreamPackument(`the packument of ${name} is not valid JSON`);
  }
  if (!isPlainObject(doc)) throw new BadUpstreamPackument(`the packument of ${name} is not a JSON object`);
  if (doc.name !== name) throw new BadUpstreamPackument(`the packument asked for ${name} names ${JSON.stringify(doc.name)?.slice(0, 100) ?? 'no package'}`);
  const versions = doc.versions;
  if (versions !== undefined) {
    if (!isPlainObject(versions)) throw new BadUpstreamPackument(`the packument of ${name} has "versions" that is not an object`);
    for (const [version, manifest] of Object.entries(versions)) {
      const where = `${name}@${version.slice(0, 64)}`;
      if (!isPlainObject(manifest)) throw new BadUpstreamPackument(`${where} is not an object`);
      const dist = manifest.dist;
      if (!isPlainObject(dist)) throw new BadUpstreamPackument(`${where} has no "dist"`);
      if (typeof dist.tarball !== 'string' || !/^https?:\/\/[^/]/.test(dist.tarball)) throw new BadUpstreamPackument(`${where} has no http(s) dist.tarball`);
      if (typeof dist.integrity !== 'string' && typeof dist.shasum !== 'string') throw new BadUpstreamPackument(`${where} has neither dist.integrity nor dist.shasum`);
    }
  }
  const tags = doc['dist-tags'];
  if (tags !== undefined && (!isPlainObject(tags) || Object.values(tags).some((v) => typeof v !== 'string'))) {
    throw new BadUpstreamPackument(`the packument of ${name} has "dist-tags" that is not an object of versions`);
  }
  return doc;
}

/** What the tarball route needs of one upstream tarball file. */
export interface UpstreamFile {
  version: string;
  /** The upstream's own URL of the tarball. */
  url: string;
  /** The SRI string the bytes must match: sha512 when the upstream gives it, else sha1 from the shasum. */
  integrity: string;
  /** Why the version is not served (minimum release age, a block), or undefined. */
  hidden?: string;
}

/** The file name of a tarball URL: its last path segment, decoded ("lodash-4.17.21.tgz"). */
export function tarballFileOf(url: string): string | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const file = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  return /^[^/\\]+\.tgz$/.test(file) && file !== '.tgz' ? file : null;
}

/** The SRI a tarball must match: dist.integrity's sha512 when present, else sha1 from dist.shasum. */
export function integrityOf(dist: Record<string, unknown>): string | null {
  if (typeof dist.integrity === 'string') {
    const sha512 = dist.integrity.split(/\s+/).find((s) => s.startsWith('sha512-'));
    if (sha512) return sha512;
  }
  if (typeof dist.shasum === 'string' && /^[0-9a-f]{40}$/i.test(dist.shasum)) return `sha1-${Buffer.from(dist.shasum, 'hex').toString('base64')}`;
  if (typeof dist.integrity === 'string' && /^sha1-/.test(dist.integrity)) return dist.integrity.split(/\s+/)[0];
  return null;
}

/** A packument served from an upstream copy: the document, and the tarball files by name. */
export interface ProxiedView {
  doc: PackumentDoc;
  files: Map<string, UpstreamFile>;
}

/**
 * The document served for `form` from the upstream's document `source` (of form
 * `sourceForm`: 'full' when a minimum release age needs `time`): hidden versions left out
 * (versions.ts), the abbreviated form derived when the source is full, and every
 * dist.tarball pointing at `<publicUrl><name>/-/<file>`. Every upstream file (hidden ones with
 * their reason) is listed for the tarball route.
 */
export function proxiedView(source: PackumentDoc, sourceForm: PackumentForm, form: PackumentForm, name: string, publicUrl: string, policy: VersionPolicy): ProxiedView {
  const files = new Map<string, UpstreamFile>();
  const versions = isPlainObject(source.versions) ? source.versions : {};
  for (const [version, manifest] of Object.entries(versions)) {
    const dist = (manifest as Record<string, unknown>).dist as Record<string, unknown>;
    const file = tarballFileOf(dist.tarball as string);
    const integrity = integrityOf(dist);
    if (file && integrity && !files.has(file)) files.set(file, { version, url: dist.tarball as string, integrity });
  }
  const { doc: visible, hidden } = visibleVersions(source, sourceForm, policy);
  for (const f of files.values()) {
    const why = hidden.get(f.version);
    if (why !== undefined) f.hidden = why;
  }
  const shaped = form === 'abbreviated' && sourceForm === 'full' ? abbreviate(visible) : visible;
  const out: PackumentDoc = { ...shaped };
  if (isPlainObject(shaped.versions)) {
    const rewritten: Record<string, unknown> = {};
    for (const [version, manifest] of Object.entries(shaped.versions)) {
      const m = manifest as Record<string, unknown>;
      const dist = m.dist as Record<string, unknown>;
      const file = tarballFileOf(dist.tarball as string);
      // A version whose tarball has no usable file name cannot be served: left out.
      if (!file || !files.has(file)) continue;
      rewritten[version] = { ...m, dist: { ...dist, tarball: `${publicUrl}${name}/-/${file}` } };
    }
    out.versions = rewritten;
  }
  return { doc: out, files };
}
