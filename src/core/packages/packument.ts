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

/** One version's object; `maintainers` is maintainersOf(pkg), made once per document. */
function versionObject(pkg: PackageRecord, v: VersionRecord, publicUrl: string, maintainers: Array<{ name: string; email: string }>): Record<string, unknown> {
  const { readme: _readme, readmeFilename: _readmeFilename, [PROVENANCE_KEY]: _bundle, ...rest } = v.manifest;
  const dist: Record<string, unknown> = { ...(v.manifest.dist as Record<string, unknown>), tarball: tarballUrl(publicUrl, pkg.name, v.tarball.file) };
  // The bundle itself is served at its own URL (provenance.ts), made here like the tarball's.
  if (dist.attestations && typeof dist.attestations === 'object') dist.attestations = { url: attestationsUrl(publicUrl, pkg.name, v.version), ...dist.attestations };
  const out: Record<string, unknown> = {
    ...rest,
    _id: `${pkg.name}@${v.version}`,
    maintainers,
    dist,
  };
  if (v.deprecated) out.deprecated = v.deprecated;
  // npm 11 runs install scripts only when the packument says so; versions stored before
  // publishes derived it (and any whose body left it out) get it from their scripts here.
  const scripts = v.manifest.scripts as Record<string, unknown> | undefined;
  if (scripts && typeof scripts === 'object' && INSTALL_SCRIPTS.some((k) => typeof scripts[k] === 'string')) out.hasInstallScript = true;
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

export function abbreviatedPackument(pkg: PackageRecord, publicUrl: string): Record<string, unknown> {
  const maintainers = maintainersOf(pkg);
  const versions = ownMap(
    pkg.versions.map((v) => {
      const full = versionObject(pkg, v, publicUrl, maintainers);
      return [v.version, ownMap(ABBREVIATED.filter((k) => full[k] !== undefined).map((k) => [k, full[k]] as const))] as const;
    }),
  );
  return { name: pkg.name, modified: pkg.modifiedAt, 'dist-tags': pkg.distTags, versions };
}

/** One version document for GET /PACKAGE/VERSION-or-TAG. */
export function versionDocument(pkg: PackageRecord, versionOrTag: string, publicUrl: string): Record<string, unknown> | null {
  const version = ownValue(pkg.distTags, versionOrTag) ?? versionOrTag;
  const v = pkg.versions.find((x) => x.version === version);
  return v ? versionObject(pkg, v, publicUrl, maintainersOf(pkg)) : null;
}
