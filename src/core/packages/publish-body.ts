// Validation of the body of `npm publish` (PUT /PACKAGE with one attachment). Nothing in the
// body is trusted: the name, version, tarball bytes and checksums must all agree.

import { createHash } from 'node:crypto';
import { fail, shown } from '../errors.ts';
import type { Access } from '../ports.ts';
import { parsePackageName } from './names.ts';
import { isPlainObject, isValidVersion, ownMap, requireTag } from './rules.ts';
import { readTarballManifest } from './tarball.ts';
import { requireCleanManifests } from '../text.ts';

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
const DERIVED = ['_npmUser', 'maintainers', '_rev', 'users', 'time', '_attachments', 'dist-tags', '_id', 'deprecated'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function sha512Integrity(integrity: string): string | null {
  for (const part of integrity.split(/\s+/)) {
    if (part.startsWith('sha512-')) return part.slice(7).replace(/\?.*$/, '');
  }
  return null;
}

export function validatePublishBody(name: string, body: Record<string, unknown>, maxTarballBytes: number): ValidPublish {
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
  if (!BASE64.test(data)) bad('The tarball attachment is not valid base64.');
  const tarball = Buffer.from(data, 'base64');
  if (tarball.length === 0) bad('The tarball attachment is empty.');
  const length = (att as Record<string, unknown>).length;
  if (length !== undefined && length !== tarball.length) bad(`The attachment's length (${shown(length)}) differs from its data (${tarball.length} bytes).`);

  const sha512 = createHash('sha512').update(tarball).digest();
  const shasum = createHash('sha1').update(tarball).digest('hex');
  if (sha512Integrity(dist.integrity as string) !== sha512.toString('base64')) {
    fail('INTEGRITY_MISMATCH', 'dist.integrity does not match the tarball\'s bytes.');
  }
  if (typeof dist.shasum === 'string' && dist.shasum.toLowerCase() !== shasum) {
    fail('INTEGRITY_MISMATCH', 'dist.shasum does not match the tarball\'s bytes.');
  }
  const inner = readTarballManifest(tarball);
  if ('error' in inner) bad(inner.error);
  const innerManifest = (inner as { manifest: Record<string, unknown> }).manifest;
  if (innerManifest.name !== name || innerManifest.version !== version) {
    bad(`The tarball's package.json says ${shown(innerManifest.name)}@${shown(innerManifest.version)}, not ${name}@${version}.`);
  }

  // Own properties only: a manifest key "__proto__" must stay data, not become a prototype.
  const manifest = ownMap(Object.entries(m).filter(([k]) => !DERIVED.includes(k)));
  manifest.dist = { ...dist, integrity: `sha512-${sha512.toString('base64')}`, shasum };
  delete (manifest.dist as Record<string, unknown>).tarball;
  return { version, manifest, tag, access, tarball, integrity: `sha512-${sha512.toString('base64')}`, shasum, sha512Hex: sha512.toString('hex') };
}
