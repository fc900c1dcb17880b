// What a search result shows of a package: its latest version's summary and its owners.

import type { PackageRecord, SearchHit } from '../ports.ts';

export function searchHit(pkg: PackageRecord): SearchHit | null {
  const latest = pkg.versions.find((v) => v.version === pkg.distTags.latest) ?? pkg.versions[pkg.versions.length - 1];
  if (!latest) return null;
  const m = latest.manifest;
  return {
    name: pkg.name,
    version: latest.version,
    description: typeof m.description === 'string' ? m.description : null,
    keywords: Array.isArray(m.keywords) ? m.keywords.filter((k): k is string => typeof k === 'string') : [],
    modifiedAt: pkg.modifiedAt,
    owners: pkg.owners,
  };
}
