// Packuments, full and abbreviated, built from a stored package record. Tarball URLs are
// made here from the registry's public URL, so a change of URL needs no data migration.

import { packageWriters } from '../orgs/writers.ts';
import type { PackageRecord, VersionRecord } from '../ports.ts';
import { attestationsUrl, PROVENANCE_KEY } from './provenance.ts';
import { formatRev, ownMap, ownValue } from './rules.ts';

const HOISTED = ['author', 'bugs', 'contributors', 'description', 'homepage', 'keywords', 'license', 'repository'];
/** The fields of a version in the abbreviated packument (npm registry docs, responses/package-metadata.md; npm reads these in pacote and npm-pick-manifest). Shared with core/proxy/versions.ts. */
export const ABBREVIATED = [
  'name', 'version', 'deprecated', 'dependencies', 'acceptDependencies', 'optionalDependencies', 'devDependencies',
  'bundleDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'directories', 'dist', 'engines',
  '_hasShrinkwrap', 'hasInstallScript', 'funding', 'cpu', 'os', 'libc',
];
const README_LIMIT = 64 * 1024;
export const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

export function tarballUrl(publicUrl: string, name: string, file: string): string {
  return `${publicUrl}${name}/-/${file}`;
}

/** The packument's `maintainers` (npm owner ls reads them): the package's writers (core/orgs/writers.ts). */
function maintainersOf(pkg: PackageRecord): Array<{ name: string; email: string }> {
  return packageWriters(pkg).map((o) => ({ name: o.name, email: o.email }));
}

/** A version's `dist` as served: the stored one with the tarball's (and provenance's) URL made from the public URL. */
function distOf(pkg: PackageRecord, v: VersionRecord, publicUrl: string): Record<string, unknown> {
  const dist: Record<string, unknown> = { ...(v.manifest.dist as Record<string, unknown>), tarball: tarballUrl(publicUrl, pkg.name, v.tarball.file) };
  // The bundle itself is served at its own URL (provenance.ts), made here like the tarball's.
  if (dist.attestations && typeof dist.attestations === 'object') dist.attestations = { url: attestationsUrl(publicUrl, pkg.name, v.version), ...dist.attestations };
  return dist;
}

/**
 * Whether the manifest's scripts run at install: npm 11 runs install scripts only when the
 * packument says so; versions stored before publishes derived it (and any whose body left it
 * out) get it from their scripts here.
 */
function runsInstallScripts(manifest: Record<string, unknown>): boolean {
  const scripts = manifest.scripts as Record<string, unknown> | undefined;
  return !!scripts && typeof scripts === 'object' && INSTALL_SCRIPTS.some((k) => typeof scripts[k] === 'string');
}

/** One version's object; `maintainers` is maintainersOf(pkg), made once per document. */
function versionObject(pkg: PackageRecord, v: VersionRecord, publicUrl: string, maintainers: Array<{ name: string; email: string }>): Record<string, unknown> {
  const { readme: _readme, readmeFilename: _readmeFilename, [PROVENANCE_KEY]: _bundle, ...rest } = v.manifest;
  const out: Record<string, unknown> = {
    ...rest,
    _id: `${pkg.name}@${v.version}`,
    maintainers,
    dist: distOf(pkg, v, publicUrl),
  };
  if (v.deprecated) out.deprecated = v.deprecated;
  if (runsInstallScripts(v.manifest)) out.hasInstallScript = true;
  return out;
}

/**
 * One version of the abbreviated packument: the ABBREVIATED fields of versionObject(), in
 * ABBREVIATED's order, those present only. Picked from the manifest directly rather than
 * projected from the full object: a package loaded cold renders in a quarter of the time (the
 * object rest copy of a whole manifest was most of it). test/unit/packument.test.ts holds the
 * two equal.
 */
function abbreviatedVersion(pkg: PackageRecord, v: VersionRecord, publicUrl: string): Record<string, unknown> {
  const m = v.manifest;
  const out: Record<string, unknown> = {};
  for (const k of ABBREVIATED) {
    let value: unknown;
    if (k === 'dist') value = distOf(pkg, v, publicUrl);
    else if (k === 'deprecated' && v.deprecated) value = v.deprecated;
    else if (k === 'hasInstallScript' && runsInstallScripts(m)) value = true;
    else value = Object.hasOwn(m, k) ? m[k] : undefined;
    if (value !== undefined) out[k] = value;
  }
  return out;
}

function latestOf(pkg: PackageRecord): VersionRecord | undefined {
  const latest = ownValue(pkg.distTags, 'latest');
  return pkg.versions.find((v) => v.version === latest) ?? pkg.versions[pkg.versions.length - 1];
}

export function fullPackument(pkg: PackageRecord, publicUrl: string): Record<string, unknown> {
  const latest = latestOf(pkg);
  const maintainers = maintainersOf(pkg);
  const versions = ownMap(pkg.versions.map((v) => [v.version, versionObject(pkg, v, publicUrl, maintainers)] as const));
  // Unpublished versions keep their time entry (as on npmjs): clients read it to know a version
  // existed and cannot come back.
  const published = [...pkg.versions, ...pkg.removedVersions]
    .map((v) => [v.version, v.publishedAt] as const)
    .sort(([va, a], [vb, b]) => (a < b ? -1 : a > b ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  const time = ownMap<string>([['created', pkg.createdAt], ['modified', pkg.modifiedAt], ...published]);
  const doc: Record<string, unknown> = {
    _id: pkg.name,
    _rev: formatRev(pkg.name, pkg.rev),
    name: pkg.name,
  };
  if (latest) for (const k of HOISTED) if (latest.manifest[k] !== undefined) doc[k] = latest.manifest[k];
  Object.assign(doc, {
    'dist-tags': pkg.distTags,
    versions,
    time,
    maintainers,
    // npm star / npm unstar read and send this map: every user who starred it, as true.
    users: ownMap(pkg.stars.map((user) => [user, true] as const)),
  });
  const readme = latest?.manifest.readme;
  if (typeof readme === 'string' && readme !== 'ERROR: No README data found!') {
    doc.readme = readme.slice(0, README_LIMIT);
    if (typeof latest?.manifest.readmeFilename === 'string') doc.readmeFilename = latest.manifest.readmeFilename;
  }
  return doc;
}

/**
 * The abbreviated packument (`Accept: application/vnd.npm.install-v1+json`): name, modified,
 * dist-tags and each version's install fields (ABBREVIATED), as npm's registry docs describe
 * it (responses/package-metadata.md) and pacote asks for it. Tarball URLs from `publicUrl`.
 */
export function abbreviatedPackument(pkg: PackageRecord, publicUrl: string): Record<string, unknown> {
  const versions = ownMap(pkg.versions.map((v) => [v.version, abbreviatedVersion(pkg, v, publicUrl)] as const));
  return { name: pkg.name, modified: pkg.modifiedAt, 'dist-tags': pkg.distTags, versions };
}

/** One version document for GET /PACKAGE/VERSION-or-TAG. */
export function versionDocument(pkg: PackageRecord, versionOrTag: string, publicUrl: string): Record<string, unknown> | null {
  const version = ownValue(pkg.distTags, versionOrTag) ?? versionOrTag;
  const v = pkg.versions.find((x) => x.version === version);
  return v ? versionObject(pkg, v, publicUrl, maintainersOf(pkg)) : null;
}
