// Reads a published tarball once, whole and bounded: inflated by zlib, its entries read with
// `tar` (npm's own tar library, which pacote extracts with), stopping as soon as the inflated
// size passes the limit. One pass yields the raw package/package.json, the file list (for npm's
// manifest preparation, prepare-manifest.ts), `fileCount` and `unpackedSize`.
//
// Most tarballs are small: one of at most SYNC_INPUT_BYTES is inflated in one synchronous call
// (at most SYNC_OUTPUT_BYTES out, about a millisecond of the event loop; a stream's set-up and
// events cost more than that inflate), and one that inflates further is read again as a
// stream on libuv's thread pool, as every larger one is, so the event loop never inflates
// more than SYNC_OUTPUT_BYTES for one publish. Both ways feed the same checks the same bytes.

import { createGunzip, gunzipSync } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { DomainError } from '../errors.ts';
import { type RawEntry, TarHeaderWalker } from './tar-headers.ts';

export interface TarballLimits {
  /** Most bytes the tar archive may inflate to (headers and padding included). */
  maxUnpackedBytes: number;
}

export interface TarballContents {
  /** The bytes of the one package.json at the top folder. */
  packageJson: Buffer;
  /** Paths of the regular files, relative to the top folder ("lib/index.js"), as npm extracts them. */
  files: string[];
  /** Regular files and the sum of their sizes in bytes (npm's `dist.fileCount` / `dist.unpackedSize`). */
  fileCount: number;
  unpackedSize: number;
  /** Whether the package ships an npm-shrinkwrap.json (the registry's `_hasShrinkwrap`). */
  hasShrinkwrap: boolean;
  /**
   * Contents of the top-level files npm's preparation reads (README*, AUTHORS), by path: at most
   * MAX_DOC_BYTES of each and MAX_DOCS_TOTAL in all; `truncated` when the file is longer.
   */
  docs: Map<string, { data: Buffer; truncated: boolean }>;
}

/** Most bytes kept of one README or AUTHORS file (the readme a version stores: docs/security.md). */
export const MAX_DOC_BYTES = 256 * 1024;
const MAX_DOCS_TOTAL = 1024 * 1024;
/** Top-level files whose content npm's `readme` and `authors` steps read (@npmcli/package-json normalize.js). */
export const isDocFile = (rel: string) => /^readme(\.[^/]*)?$/i.test(rel) || rel === 'AUTHORS';

/** Largest package.json accepted inside a tarball. */
const MAX_PACKAGE_JSON = 1024 * 1024;
const FILE_TYPES = new Set(['File', 'OldFile']);
const BLOCK = 512;
const ZEROS = Buffer.alloc(64 * 1024);
/** Largest gzipped tarball tried with one synchronous inflate, and the most that inflate may produce. */
const SYNC_INPUT_BYTES = 128 * 1024;
const SYNC_OUTPUT_BYTES = 1024 * 1024;

/** Off only in the test that holds the synchronous and the streamed reading to the same answers. */
let SYNC_INFLATE = true;
export function useSyncInflate(on: boolean): void {
  SYNC_INFLATE = on;
}

/**
 * The whole inflated archive when `gzipped` is small and inflates to at most
 * min(SYNC_OUTPUT_BYTES, limit) bytes; BODY_TOO_LARGE when it passes a limit of at most
 * SYNC_OUTPUT_BYTES; otherwise 'stream': read it as a stream (also a file zlib refuses, so that
 * the stream path finds and words the error as it always has).
 */
function inflateSmall(gzipped: Buffer, limit: number): Buffer | 'stream' | DomainError {
  if (!SYNC_INFLATE || gzipped.length > SYNC_INPUT_BYTES) return 'stream';
  try {
    return gunzipSync(gzipped, { maxOutputLength: Math.min(SYNC_OUTPUT_BYTES, limit) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') return 'stream'; // the stream path words the error
    return limit <= SYNC_OUTPUT_BYTES ? tooLarge(limit) : 'stream';
  }
}

const tooLarge = (limit: number) => new DomainError('BODY_TOO_LARGE', `The tarball unpacks to more than ${limit} bytes, the most this registry accepts.`);

const bad = (message: string) => new DomainError('INVALID_PUBLISH', message);

/**
 * The path an entry is extracted to, relative to the package folder: pacote extracts with
 * `strip: 1` (the top folder's name, `package/` from npm pack, is dropped). null for the top
 * folder itself. Paths that other extractors could place differently (absolute, `.`, `..` or
 * empty segments) are refused.
 */
function relativePath(raw: string): string | null {
  const path = raw.replace(/\/+$/, '');
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw bad(`The tarball has an entry with a path that is not plainly relative: ${JSON.stringify(raw.slice(0, 200))}.`);
  }
  return parts.length < 2 ? null : parts.slice(1).join('/');
}

/** Whether an extractor could write this path as package.json (case-folding file systems, Windows separators). */
function isManifestPath(rel: string): boolean {
  const folded = rel.normalize('NFKC').toLowerCase().replace(/\\/g, '/');
  return folded === 'package.json' || folded.startsWith('package.json/');
}

const showPath = (p: string) => JSON.stringify(p.slice(0, 200));

/**
 * Holds one raw entry (tar-headers.ts) to a single meaning: every path an extractor could give
 * it lies in the one top folder (`top.name`, set by the first entry), is plainly relative
 * (`\\` counts as a separator, as on Windows), and is a file only below the top folder; an
 * entry any reading of which is package.json must read the same under every reader, and only
 * one entry may. Throws INVALID_PUBLISH naming the entry.
 */
function checkRawEntry(e: RawEntry, top: { name: string | null; manifests: number }): void {
  const split = (reading: string) => reading.replace(/\/+$/, '').split(/[\\/]/);
  const manifest = e.readings.some((r) => {
    const parts = split(r);
    return parts.length >= 2 && isManifestPath(parts.slice(1).join('/'));
  });
  if (manifest && e.readings.length !== 1) {
    throw bad(`The tarball's entry ${showPath(e.path)} is read as package.json by some extractors and as ${e.readings.filter((r) => r !== e.path).map(showPath).join(', ')} by others.`);
  }
  if (manifest && ++top.manifests > 1) {
    throw bad(`The tarball has more than one package.json at its top folder (${showPath(e.path)}); extractors would keep the last.`);
  }
  for (const reading of e.readings) {
    // a header name that an extension header replaces is only a reading for extractors without
    // pax/GNU support (none of npm's, yarn's, pnpm's or GNU tar): it only must not be package.json
    if (reading !== e.path && e.extended) continue;
    const parts = split(reading);
    if (parts.some((p) => p === '' || p === '.' || p === '..')) {
      throw bad(`The tarball has an entry with a path that is not plainly relative: ${showPath(reading)}.`);
    }
    top.name ??= parts[0];
    if (parts[0] !== top.name) {
      throw bad(`The tarball's entry ${showPath(reading)} is outside its top folder ${showPath(top.name)}; extractors would place it differently.`);
    }
    if (parts.length < 2 && e.type !== '5') {
      throw bad(`The tarball's entry ${showPath(reading)} is a file outside its top folder; npm would skip it and other extractors write it.`);
    }
  }
}

/**
 * Inflates and reads a gzipped npm tarball.
 *
 * Errors (DomainError): BODY_TOO_LARGE when the archive inflates beyond
 * `limits.maxUnpackedBytes` (reading stops there); INVALID_PUBLISH for a file that is not
 * gzip, a tar archive that `tar` refuses in strict mode, nested compression, an entry path that
 * is not plainly relative, no package.json at the top folder, or more than one entry an
 * extractor could write as package.json (extractors keep the last one, so two could show the
 * registry one manifest and install another).
 */
export function readTarball(gzipped: Buffer, limits: TarballLimits): Promise<TarballContents> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let inflated = 0;
    let eof = false;
    let first = true;
    const files: string[] = [];
    let fileCount = 0;
    let unpackedSize = 0;
    let hasShrinkwrap = false;
    let manifests = 0;
    const manifestChunks: Buffer[] = [];
    let manifestSize = 0;
    const docs = new Map<string, { data: Buffer; truncated: boolean }>();
    let docsTotal = 0;
    const top = { name: null as string | null, manifests: 0 };
    const rawEntries: RawEntry[] = [];
    const tarPaths: string[] = [];
    const walker = new TarHeaderWalker((e) => {
      checkRawEntry(e, top);
      rawEntries.push(e);
    });

    const small = inflateSmall(gzipped, limits.maxUnpackedBytes);
    if (small instanceof DomainError) return reject(small);
    const gunzip = small === 'stream' ? createGunzip({ chunkSize: 64 * 1024 }) : null;
    const parser = new Parser({ strict: true, zstd: false });
    const stop = (error: unknown) => {
      if (settled) return;
      settled = true;
      gunzip?.destroy();
      parser.removeAllListeners('entry');
      reject(error);
    };

    parser.on('eof', () => {
      eof = true;
    });
    parser.on('entry', (entry: ReadEntry) => {
      try {
        tarPaths.push(entry.path);
        const rel = relativePath(entry.path);
        const isFile = FILE_TYPES.has(entry.type);
        if (rel === null) {
          if (entry.type !== 'Directory') throw bad(`The tarball's entry ${showPath(entry.path)} is outside its top folder.`);
          entry.resume();
          return;
        }
        if (isFile) {
          fileCount++;
          unpackedSize += entry.size;
          files.push(rel);
          if (rel === 'npm-shrinkwrap.json') hasShrinkwrap = true;
        }
        if (isFile && isDocFile(rel) && !docs.has(rel)) {
          const room = Math.max(0, Math.min(MAX_DOC_BYTES, MAX_DOCS_TOTAL - docsTotal));
          const doc = { data: Buffer.alloc(0), truncated: entry.size > room };
          const parts: Buffer[] = [];
          let kept = 0;
          docs.set(rel, doc);
          docsTotal += Math.min(room, entry.size);
          entry.on('data', (c: Buffer) => {
            if (kept < room) parts.push(c.subarray(0, room - kept));
            kept += c.length;
          });
          entry.on('end', () => {
            doc.data = Buffer.concat(parts);
          });
          return;
        }
        if (!isManifestPath(rel)) {
          entry.resume();
          return;
        }
        manifests++;
        if (manifests > 1) throw bad('The tarball has more than one package.json at its top folder; extractors would keep the last.');
        if (!isFile || rel !== 'package.json') throw bad(`The tarball's ${rel} is not a regular file named package.json.`);
        if (entry.size > MAX_PACKAGE_JSON) throw bad(`The tarball's package.json is larger than ${MAX_PACKAGE_JSON} bytes.`);
        entry.on('data', (c: Buffer) => {
          manifestSize += c.length;
          if (manifestSize <= MAX_PACKAGE_JSON) manifestChunks.push(c);
        });
      } catch (e) {
        entry.resume();
        stop(e);
      }
    });
    parser.on('error', (e: Error) => stop(bad(`The tarball is not a valid tar archive (${e.message.slice(0, 200)}).`)));
    parser.on('end', () => {
      if (settled) return;
      if (manifests === 0) return stop(bad('The tarball has no package/package.json.'));
      // node-tar and the raw reading must agree on every entry's path (tar-headers.ts)
      for (let i = 0; i < Math.max(rawEntries.length, tarPaths.length); i++) {
        if (rawEntries[i]?.path !== tarPaths[i]) {
          return stop(bad(`The tarball's entry ${showPath(tarPaths[i] ?? rawEntries[i]?.path ?? '')} reads differently under different tar readers.`));
        }
      }
      settled = true;
      resolve({ packageJson: Buffer.concat(manifestChunks), files, fileCount, unpackedSize, hasShrinkwrap, docs });
    });

    // tar stops at the end-of-archive marker (two zero blocks) and ignores what follows, but
    // other extractors (tar-stream, yarn 1's) skip zero blocks and read on: anything but zeros
    // after the marker could be a second package.json that only they see. So the archive is
    // written to tar in block-aligned pieces that end after every pair of zero blocks outside
    // an entry's body, and once tar reports the end, every byte left must be zero.
    let carry: Buffer | null = null;
    let prevZero = false;
    let skip = 0; // bytes of the current entry's body still to come
    let current: ReadEntry | null = null;
    let pairEnd = false;
    parser.on('ignoredEntry', (entry: ReadEntry) => {
      current = entry;
      stop(bad(`The tarball's entry ${showPath(entry.path)} is one npm's tar reader skips (other extractors may write it).`));
    });
    parser.prependListener('entry', (entry: ReadEntry) => {
      current = entry;
    });
    parser.on('eof', () => {
      if (!pairEnd) stop(bad('The tarball\'s end-of-archive marker could not be placed.'));
    });
    const write = (piece: Buffer, endsWithPair: boolean) => {
      if (piece.length === 0) return;
      pairEnd = endsWithPair;
      try {
        walker.push(piece);
      } catch (e) {
        stop(e);
        return;
      }
      parser.write(piece);
      pairEnd = false;
    };
    const afterEnd = (rest: Buffer) => {
      for (let i = 0; i < rest.length; i += ZEROS.length) {
        const part = rest.subarray(i, i + ZEROS.length);
        if (!part.equals(ZEROS.subarray(0, part.length))) {
          stop(bad('The tarball has data after its end-of-archive marker.'));
          return;
        }
      }
    };
    const feed = (chunk: Buffer, last: boolean) => {
      let buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = null;
      if (eof) return afterEnd(buf);
      const whole = buf.length - (buf.length % BLOCK);
      if (!last && whole < buf.length) {
        carry = Buffer.from(buf.subarray(whole));
        buf = buf.subarray(0, whole);
      }
      let start = 0;
      let i = 0;
      while (i + BLOCK <= buf.length && !settled) {
        if (skip > 0) {
          const s = Math.min(skip, buf.length - i);
          i += s;
          skip -= s;
          prevZero = false;
          continue;
        }
        const zero = buf[i] === 0 && buf.subarray(i, i + BLOCK).equals(ZEROS.subarray(0, BLOCK));
        i += BLOCK;
        if (zero && prevZero) {
          write(buf.subarray(start, i), true);
          start = i;
          // the block just written may have been tar's first null header (the pair began in a body)
          prevZero = true;
          if (eof) return afterEnd(buf.subarray(i));
          skip = current?.blockRemain ?? 0;
          continue;
        }
        prevZero = zero;
      }
      if (!settled) write(buf.subarray(start), false);
    };

    const onInflated = (chunk: Buffer) => {
      if (settled) return;
      inflated += chunk.length;
      if (inflated > limits.maxUnpackedBytes) {
        stop(tooLarge(limits.maxUnpackedBytes));
        return;
      }
      if (first) {
        first = false;
        // tar would inflate a nested gzip itself, synchronously and without our limit
        if (chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
          stop(bad('The tarball is compressed twice.'));
          return;
        }
      }
      feed(chunk, false);
    };
    const onInflatedEnd = () => {
      if (!settled && carry) feed(Buffer.alloc(0), true);
      if (!settled) parser.end();
    };
    if (gunzip === null) {
      if ((small as Buffer).length > 0) onInflated(small as Buffer);
      onInflatedEnd();
      return;
    }
    gunzip.on('data', onInflated);
    gunzip.on('error', () => stop(bad('The tarball is not a valid gzip file.')));
    gunzip.on('end', onInflatedEnd);
    gunzip.end(gzipped);
  });
}
