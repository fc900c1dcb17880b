// Packuments, full and abbreviated, built from a stored package record. Tarball URLs are
// made here from the registry's public URL, so a change of URL needs no data migration.

import type { PackageRecord, VersionRecord } from '../ports.ts';
import { formatRev } from './rules.ts';

const HOISTED = ['author', 'bugs', 'contributors', 'description', 'homepage', 'keywords', 'license', 'repository'];
const ABBREVIATED = [
  'name', 'version', 'deprecated', 'dependencies', 'acceptDependencies', 'optionalDependencies', 'devDependencies',
  'bundleDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'directories', 'dist', 'engines',
  '_hasShrinkwrap', 'hasInstallScript', 'funding', 'cpu', 'os', 'libc',
];
const README_LIMIT = 64 * 1024;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

export function tarballUrl(publicUrl: string, name: string, file: string): string {
  return `${publicUrl}${name}/-/${file}`;
}

function versionObject(pkg: PackageRecord, v: VersionRecord, publicUrl: string): Record<string, unknown> {
  const { readme: _readme, readmeFilename: _readmeFilename, ...rest } = v.manifest;
  const out: Record<string, unknown> = {
    ...rest,
    _id: `${pkg.name}@${v.version}`,
    maintainers: pkg.owners.map((o) => ({ name: o.name, email: o.email })),
    dist: { ...(v.manifest.dist as Record<string, unknown>), tarball: tarballUrl(publicUrl, pkg.name, v.tarball.file) },
  };
  if (v.deprecated) out.deprecated = v.deprecated;
  // npm 11 runs install scripts only when the packument says so; versions stored before
  // publishes derived it (and any whose body left it out) get it from their scripts here.
  const scripts = v.manifest.scripts as Record<string, unknown> | undefined;
  if (scripts && typeof scripts === 'object' && INSTALL_SCRIPTS.some((k) => typeof scripts[k] === 'string')) out.hasInstallScript = true;
  return out;
}

function latestOf(pkg: PackageRecord): VersionRecord | undefined {
  const latest = pkg.distTags.latest;
  return pkg.versions.find((v) => v.version === latest) ?? pkg.versions[pkg.versions.length - 1];
}

export function fullPackument(pkg: PackageRecord, publicUrl: string): Record<string, unknown> {
  const latest = latestOf(pkg);
  const versions: Record<string, unknown> = {};
  const time: Record<string, string> = { created: pkg.createdAt, modified: pkg.modifiedAt };
  for (const v of pkg.versions) {
    versions[v.version] = versionObject(pkg, v, publicUrl);
    time[v.version] = v.publishedAt;
  }
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
    maintainers: pkg.owners.map((o) => ({ name: o.name, email: o.email })),
    users: {},
  });
  const readme = latest?.manifest.readme;
  if (typeof readme === 'string' && readme !== 'ERROR: No README data found!') {
    doc.readme = readme.slice(0, README_LIMIT);
    if (typeof latest?.manifest.readmeFilename === 'string') doc.readmeFilename = latest.manifest.readmeFilename;
  }
  return doc;
}

export function abbreviatedPackument(pkg: PackageRecord, publicUrl: string): Record<string, unknown> {
  const versions: Record<string, unknown> = {};
  for (const v of pkg.versions) {
    const full = versionObject(pkg, v, publicUrl);
    const small: Record<string, unknown> = {};
    for (const k of ABBREVIATED) if (full[k] !== undefined) small[k] = full[k];
    versions[v.version] = small;
  }
  return { name: pkg.name, modified: pkg.modifiedAt, 'dist-tags': pkg.distTags, versions };
}

/** One version document for GET /PACKAGE/VERSION-or-TAG. */
export function versionDocument(pkg: PackageRecord, versionOrTag: string, publicUrl: string): Record<string, unknown> | null {
  const version = pkg.distTags[versionOrTag] ?? versionOrTag;
  const v = pkg.versions.find((x) => x.version === version);
  return v ? versionObject(pkg, v, publicUrl) : null;
}
