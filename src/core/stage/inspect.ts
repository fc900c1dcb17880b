// What a maintainer looks at before approving a staged version (the web UI's Staged page): its
// files with their sizes, read from the staged tarball, and the package.json fields that differ
// from the package's current latest version.

import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { PROVENANCE_KEY } from '../packages/provenance.ts';

export interface StagedFile {
  /** Path inside the package, without npm's top folder ("lib/index.js"). */
  path: string;
  /** Bytes. */
  size: number;
}

/** Most files listed (a package with more shows this many and says how many there are). */
export const MAX_LISTED_FILES = 1000;

/**
 * The regular files of a staged tarball (already checked at staging by publish-body.ts) in
 * archive order: `{ files, total }`, at most MAX_LISTED_FILES listed. Rejects when the bytes are
 * not a gzipped tar archive.
 */
export function stagedFiles(gzipped: Buffer): Promise<{ files: StagedFile[]; total: number }> {
  return new Promise((resolve, reject) => {
    const files: StagedFile[] = [];
    let total = 0;
    const parser = new Parser({ strict: true, zstd: false });
    parser.on('entry', (entry: ReadEntry) => {
      if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile') {
        total++;
        if (files.length < MAX_LISTED_FILES) files.push({ path: entry.path.replace(/^[^/]*\//, ''), size: entry.size ?? 0 });
      }
      entry.resume();
    });
    parser.on('error', reject);
    parser.on('end', () => resolve({ files, total }));
    const gunzip = createGunzip();
    gunzip.on('error', reject);
    gunzip.pipe(parser);
    gunzip.end(gzipped);
  });
}

/** Manifest fields the registry or npm derives: not package.json changes a person made. */
const DERIVED = new Set(['dist', '_npmUser', '_id', '_rev', 'readme', 'readmeFilename', 'gitHead', '_nodeVersion', '_npmVersion', 'maintainers', '_hasShrinkwrap', 'hasInstallScript', 'deprecated', PROVENANCE_KEY]);

export interface ManifestChange {
  field: string;
  /** JSON of the value in the latest version (null: absent there), and in the staged one (null: removed). */
  before: string | null;
  after: string | null;
}

/**
 * The top-level package.json fields whose values differ between the package's current latest
 * version (`latest`, null for a new package: every field is new) and the staged manifest,
 * sorted by field name; values as JSON, each cut at `maxChars`.
 */
export function manifestChanges(latest: Record<string, unknown> | null, staged: Record<string, unknown>, maxChars = 300): ManifestChange[] {
  const show = (v: unknown) => {
    if (v === undefined) return null;
    const text = JSON.stringify(v) ?? 'null';
    return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
  };
  const fields = new Set([...Object.keys(latest ?? {}), ...Object.keys(staged)].filter((k) => !DERIVED.has(k)));
  const changes: ManifestChange[] = [];
  for (const field of [...fields].sort()) {
    const a = latest && Object.hasOwn(latest, field) ? JSON.stringify(latest[field]) : undefined;
    const b = Object.hasOwn(staged, field) ? JSON.stringify(staged[field]) : undefined;
    if (a !== b) changes.push({ field, before: show(latest?.[field]), after: show(Object.hasOwn(staged, field) ? staged[field] : undefined) });
  }
  return changes;
}
