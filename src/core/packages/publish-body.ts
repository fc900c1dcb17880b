// Validation of the body of `npm publish` (PUT /PACKAGE with one attachment). Nothing in the
// body is trusted: the name, version, tarball bytes and checksums must all agree, and the
// served manifest is the tarball's package.json as npm prepares it (the body adds only npm's metadata).
// Two steps: validatePublishBody checks the body's shape (cheap, before the second factor);
// verifyPublishTarball then decodes, hashes, inflates and compares (after it).

import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { DomainError, fail, shown } from '../errors.ts';
import type { Access } from '../ports.ts';
import { parsePackageName } from './names.ts';
import { prepareManifest } from './prepare-manifest.ts';
import { PROVENANCE_KEY, type ProvenanceBundle, readProvenanceAttachment } from './provenance.ts';
import { isPlainObject, isValidVersion, ownMap, requireTag } from './rules.ts';
import { MAX_DOC_BYTES, readTarball, type TarballLimits } from './tarball.ts';
import { requireCleanManifests } from '../text.ts';

/** A publish body whose shape was checked; the tarball is still base64 and unchecked. */
export interface PublishRequest {
  version: string;
  /** The body's manifest, without the fields the registry derives. */
  manifest: Record<string, unknown>;
  tag: string;
  access: Access | null;
  /** The attachment's base64 data and the sha512 (base64) and sha1 (hex, or null) the body claims. */
  data: string;
  claimedSha512: string;
  claimedShasum: string | null;
  claimedLength: unknown;
  /** The `.sigstore` provenance attachment (provenance.ts), or null. */
  provenance: ProvenanceBundle | null;
}

export interface ValidPublish {
  version: string;
  manifest: Record<string, unknown>;
  tag: string;
  access: Access | null;
  tarball: Buffer;
  integrity: string;
  shasum: string;
  sha512Hex: string;
}

// Fields a client may not set: the registry derives them.
const DERIVED = [PROVENANCE_KEY, '_npmUser', 'maintainers', '_rev', 'users', 'time', '_attachments', 'dist-tags', '_id', 'deprecated', 'hasInstallScript', '_hasShrinkwrap'];

/**
 * Fields that change what gets installed: a body that states one must state the tarball's
 * value, also when the tarball has none (other body fields the tarball lacks are dropped).
 */
export const FROM_TARBALL = [
  'scripts', 'dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta',
  'bundleDependencies', 'bundledDependencies', 'acceptDependencies', 'bin', 'man', 'directories', 'os', 'cpu', 'libc',
  'engines', 'main', 'exports', 'license', 'gypfile',
];

/**
 * What npm publish adds to the manifest that is not in package.json, kept from the body when
 * it is a short string: libnpmpublish lib/publish.js patchManifest (`_nodeVersion`,
 * `_npmVersion`) and @npmcli/package-json's `gitHead` step (reads the .git folder, which the
 * tarball does not hold). yarn 4 sends `gitHead` too.
 */
const PUBLISH_METADATA = ['_nodeVersion', '_npmVersion', 'gitHead'];
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

/** `text` cut to at most `bytes` UTF-8 bytes, at a character boundary. */
function truncateUtf8(text: string, bytes: number): string {
  let cut = Buffer.from(text).subarray(0, bytes).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut;
}
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function sha512Integrity(integrity: string): string | null {
  for (const part of integrity.split(/\s+/)) {
    if (part.startsWith('sha512-')) return part.slice(7).replace(/\?.*$/, '');
  }
  return null;
}

/**
 * Checks a publish body's shape (PUT /PACKAGE as libnpmpublish builds it): one version whose
 * manifest names the package and version, a sha512 dist.integrity, at most one dist-tag
 * pointing at it, an access of public/restricted/null, and one .tgz attachment named
 * NAME-VERSION.tgz no larger than `maxTarballBytes`. Cheap: the tarball is not decoded.
 * Errors: INVALID_PUBLISH, INVALID_VERSION, INVALID_TAG, BODY_TOO_LARGE.
 */
export function validatePublishBody(name: string, body: Record<string, unknown>, maxTarballBytes: number): PublishRequest {
  const bad = (msg: string): never => fail('INVALID_PUBLISH', msg);
  requireCleanManifests(body.versions);
  if (body.name !== name) bad(`The body's name (${shown(body.name)}) differs from the package in the URL (${name}).`);
  if (body._id !== undefined && body._id !== name) bad('The body\'s _id differs from the package name.');

  if (!isPlainObject(body.versions)) bad('A publish must carry a "versions" object.');
  const versions = body.versions as Record<string, unknown>;
  const keys = Object.keys(versions);
  if (keys.length !== 1) bad(`A publish must carry exactly one version; this one has ${keys.length}.`);
  const version = keys[0];
  if (!isValidVersion(version)) fail('INVALID_VERSION', `"${version}" is not a valid semver version.`);
  const manifestIn = versions[version];
  if (!isPlainObject(manifestIn)) bad(`The manifest of ${version} must be an object.`);
  const m = manifestIn as Record<string, unknown>;
  if (m.name !== name) bad(`The manifest's name (${shown(m.name)}) differs from ${name}.`);
  if (m.version !== version) bad(`The manifest's version (${shown(m.version)}) differs from ${version}.`);
  if (!isPlainObject(m.dist)) bad('The manifest has no "dist" object.');
  const dist = m.dist as Record<string, unknown>;
  if (typeof dist.integrity !== 'string' || !sha512Integrity(dist.integrity)) {
    bad('dist.integrity must be a sha512 integrity string.');
  }
  if (dist.shasum !== undefined && (typeof dist.shasum !== 'string' || !/^[0-9a-f]{40}$/i.test(dist.shasum))) {
    bad('dist.shasum must be a 40-character hex SHA-1.');
  }

  let tag = 'latest';
  if (body['dist-tags'] !== undefined) {
    if (!isPlainObject(body['dist-tags'])) bad('"dist-tags" must be an object.');
    const tags = Object.entries(body['dist-tags'] as Record<string, unknown>);
    if (tags.length !== 1) bad('A publish sets exactly one dist-tag.');
    const [t, v] = tags[0];
    if (v !== version) bad(`The dist-tag "${t}" must point at the published version ${version}.`);
    tag = requireTag(t);
  }

  let access: Access | null = null;
  if (body.access !== undefined && body.access !== null) {
    if (body.access !== 'public' && body.access !== 'restricted') bad('"access" must be "public", "restricted" or null.');
    access = body.access as Access;
    if (access === 'restricted' && parsePackageName(name)?.scope == null) bad('Unscoped packages cannot be restricted.');
  }

  if (!isPlainObject(body._attachments)) bad('A publish must carry "_attachments".');
  const attachments = Object.entries(body._attachments as Record<string, unknown>).filter(([file]) => file.endsWith('.tgz'));
  if (attachments.length !== 1) bad('A publish must carry exactly one .tgz attachment.');
  const [file, att] = attachments[0];
  const bare = parsePackageName(name)?.bare ?? name;
  if (file !== `${name}-${version}.tgz` && file !== `${bare}-${version}.tgz`) {
    bad(`The attachment must be named ${name}-${version}.tgz, not ${file}.`);
  }
  if (!isPlainObject(att) || typeof att.data !== 'string' || att.data.length === 0) bad('The tarball attachment has no data.');
  const data = (att as Record<string, unknown>).data as string;
  if (data.length > Math.ceil((maxTarballBytes * 4) / 3) + 4) fail('BODY_TOO_LARGE', 'The tarball is larger than this registry accepts.');
  // Own properties only: a manifest key "__proto__" must stay data, not become a prototype.
  const manifest = ownMap(Object.entries(m).filter(([k]) => !DERIVED.includes(k)));
  delete manifest.dist;
  const provenance = readProvenanceAttachment(name, version, body._attachments as Record<string, unknown>);
  return {
    version, manifest, tag, access, data,
    claimedSha512: sha512Integrity(dist.integrity as string) as string,
    claimedShasum: typeof dist.shasum === 'string' ? dist.shasum.toLowerCase() : null,
    claimedLength: (att as Record<string, unknown>).length,
    provenance,
  };
}

const describe = (v: unknown) => (v === undefined ? 'nothing' : shown(v, 200));

/**
 * Decodes the tarball of a checked publish body and holds the body to it: the checksums must
 * match the bytes, the tarball must read whole within `limits` (tarball.ts), its package.json,
 * prepared as npm publish prepares it (prepare-manifest.ts), must name the same package and
 * version (after semver.clean, as npm cleans `1.0.0+build.1` to `1.0.0`), and each field the
 * body states that the tarball's package.json also has (as written, or prepared) must equal it
 * (npm sends the prepared manifest, yarn 4 the packed package.json); other body fields are
 * dropped, except npm's publish metadata (PUBLISH_METADATA). The manifest returned is the
 * prepared package.json (with `readme` from the tarball's README as npm's `readme` step reads
 * it, cut to MAX_DOC_BYTES), that metadata, `hasInstallScript` (true when scripts has preinstall,
 * install or postinstall, as npmjs serves it), `_hasShrinkwrap`, and a `dist` of the
 * registry's own values only (integrity, shasum, fileCount, unpackedSize; the tarball URL is
 * added when served).
 * Errors: INVALID_PUBLISH, INTEGRITY_MISMATCH, MANIFEST_MISMATCH, BODY_TOO_LARGE.
 */
export async function verifyPublishTarball(name: string, req: PublishRequest, limits: TarballLimits): Promise<ValidPublish> {
  const bad = (msg: string): never => fail('INVALID_PUBLISH', msg);
  const { data, version } = req;
  const tarball = Buffer.from(data, 'base64');
  // Canonical base64 (what clients send) encodes back to itself: only other text takes the pattern.
  if (tarball.toString('base64') !== data && !BASE64.test(data)) bad('The tarball attachment is not valid base64.');
  if (tarball.length === 0) bad('The tarball attachment is empty.');
  const length = req.claimedLength;
  if (length !== undefined && length !== tarball.length) bad(`The attachment's length (${shown(length)}) differs from its data (${tarball.length} bytes).`);

  const sha512 = createHash('sha512').update(tarball).digest();
  const shasum = createHash('sha1').update(tarball).digest('hex');
  if (req.claimedSha512 !== sha512.toString('base64')) {
    fail('INTEGRITY_MISMATCH', 'dist.integrity does not match the tarball\'s bytes.');
  }
  if (req.claimedShasum !== null && req.claimedShasum !== shasum) {
    fail('INTEGRITY_MISMATCH', 'dist.shasum does not match the tarball\'s bytes.');
  }
  const contents = await readTarball(tarball, limits);
  const { raw, prepared } = await prepareManifest(contents);
  if (prepared.name !== name || prepared.version !== version) {
    bad(`The tarball's package.json says ${shown(raw.name)}@${shown(raw.version)}, not ${name}@${version}.`);
  }

  // The served manifest is the prepared package.json; the body only adds npm's publish metadata.
  const manifest: Record<string, unknown> = ownMap(Object.entries(prepared).filter(([k]) => !DERIVED.includes(k) && k !== 'dist'));
  for (const [field, said] of Object.entries(req.manifest)) {
    if (PUBLISH_METADATA.includes(field)) {
      if (typeof said !== 'string' || said.length > 200) bad(`The body's "${field}" must be a string of at most 200 characters.`);
      manifest[field] = said;
      continue;
    }
    if (!Object.hasOwn(prepared, field) && !Object.hasOwn(raw, field) && !FROM_TARBALL.includes(field)) continue; // dropped
    // The readme is always the tarball's README, never compared: clients differ in what they send
    // for it (npm's placeholder "ERROR: No README data found!", another file, a cut copy), and
    // it affects no install. The body's value is dropped.
    if (field === 'readme' || field === 'readmeFilename') continue;
    if (!isDeepStrictEqual(said, prepared[field]) && !isDeepStrictEqual(said, raw[field])) {
      throw new DomainError(
        'MANIFEST_MISMATCH',
        `The body's "${field}" differs from the tarball's package.json: the body says ${describe(said)}, the tarball ${describe(prepared[field])}.`,
      );
    }
  }
  if (typeof manifest.readme === 'string' && Buffer.byteLength(manifest.readme) > MAX_DOC_BYTES) {
    manifest.readme = truncateUtf8(manifest.readme, MAX_DOC_BYTES);
  }
  const scripts = isPlainObject(prepared.scripts) ? prepared.scripts : {};
  if (INSTALL_SCRIPTS.some((s) => typeof scripts[s] === 'string')) manifest.hasInstallScript = true;
  manifest._hasShrinkwrap = contents.hasShrinkwrap;
  const integrity = `sha512-${sha512.toString('base64')}`;
  manifest.dist = { integrity, shasum, fileCount: contents.fileCount, unpackedSize: contents.unpackedSize };
  if (req.provenance) {
    if (req.provenance.sha512Hex !== sha512.toString('hex')) bad('The provenance bundle\'s subject digest is not the tarball\'s sha512.');
    // Stored with the version, served at /-/npm/v1/attestations (provenance.ts); the url is added when served.
    (manifest.dist as Record<string, unknown>).attestations = { provenance: { predicateType: req.provenance.predicateType } };
    manifest[PROVENANCE_KEY] = req.provenance.bundle;
  }
  return { version, manifest, tag: req.tag, access: req.access, tarball, integrity, shasum, sha512Hex: sha512.toString('hex') };
}
