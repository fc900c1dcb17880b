// A second, independent reading of a tar archive's raw 512-byte headers (POSIX.1-1988 ustar,
// GNU and pax extensions: https://www.gnu.org/software/tar/manual/html_node/Standard.html,
// https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html), run beside node-tar
// on the same bytes. Extractors read the same header differently (node-tar reads the ustar
// `prefix` field only under the `ustar\0` `00` magic; yarn 1's bundled tar-stream prepends it
// whatever the magic; pax `path`, GNU `L` long names and global headers are applied by some
// and not others), so for every entry this module gives each path an extractor could write,
// and refuses the header fields on which readers are known to differ. tarball.ts then requires
// one meaning per entry.

import { DomainError } from '../errors.ts';

const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
/** Whether every byte is 0 (`b` at most one block long). */
const allZero = (b: Buffer) => b.equals(ZERO_BLOCK.subarray(0, b.length));
/** Largest pax/GNU long-name body read (node-tar's default maxMetaEntrySize). */
const MAX_META = 1024 * 1024;
/** Typeflags accepted: files, hard and symbolic links, directories, and the extension headers. */
const ENTRY_TYPES = new Set(['0', '\0', '1', '2', '5']);
const META_TYPES = new Set(['x', 'g', 'L', 'K']);

export interface RawEntry {
  /** Index of the entry among the archive's non-extension entries (0-based). */
  index: number;
  /** The typeflag character ('0', '\0', '1', '2' or '5'). */
  type: string;
  /** The path node-tar gives it: pax path, else GNU long name, else (ustar magic) prefix/name, else name. */
  path: string;
  /** Every path some extractor could give it (includes `path`). */
  readings: string[];
  /** Whether the path came from an extension header (pax `path` or GNU `L`). */
  extended: boolean;
}

const bad = (message: string) => new DomainError('INVALID_PUBLISH', message);
const show = (s: string) => JSON.stringify(s.slice(0, 200));

/** The field's text up to its first NUL; refused when anything but NULs follows that NUL. */
function field(h: Buffer, start: number, length: number, what: string): string {
  const f = h.subarray(start, start + length);
  const nul = f.indexOf(0);
  if (nul !== -1 && !allZero(f.subarray(nul))) {
    throw bad(`The tarball has an entry whose ${what} field has bytes after its terminating NUL (${show(f.subarray(0, nul).toString('utf8'))}); extractors would read it differently.`);
  }
  return f.subarray(0, nul === -1 ? length : nul).toString('utf8');
}

/** An octal size field as every reader parses it; base-256 and stray characters are refused. */
function octalSize(h: Buffer): number {
  const text = h.subarray(124, 136).toString('latin1');
  const m = /^ *([0-7]*)[ \0]*$/.exec(text);
  if (!m) throw bad(`The tarball has an entry whose size field is not plain octal (${JSON.stringify(text)}).`);
  return m[1] === '' ? 0 : parseInt(m[1], 8);
}

/** Pax extended-header records ("LEN key=value\n"), strictly: malformed or repeated keys are refused. */
function paxRecords(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    if (body[i] === 0 && body.subarray(i).every((b) => b === 0)) break;
    const sp = body.indexOf(0x20, i);
    const len = sp === -1 ? NaN : Number(body.subarray(i, sp).toString('latin1'));
    if (!Number.isInteger(len) || len <= 0 || i + len > body.length || body[i + len - 1] !== 0x0a) {
      throw bad('The tarball has a malformed pax extended header.');
    }
    const rec = body.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq <= 0) throw bad('The tarball has a malformed pax extended header.');
    const key = rec.slice(0, eq);
    if (out.has(key)) throw bad(`The tarball has a pax extended header that sets ${show(key)} twice.`);
    out.set(key, rec.slice(eq + 1));
    i += len;
  }
  return out;
}

/**
 * Walks a tar stream's headers. Feed it the inflated archive in order (any chunking); it calls
 * `onEntry` for each entry (not for extension headers) and stops at the end-of-archive marker.
 *
 * Errors (DomainError INVALID_PUBLISH, thrown from `push`): a name, link name or prefix field
 * with bytes after its NUL; a non-empty prefix field without the POSIX `ustar\0` `00` magic; a
 * size that is not plain octal, or a pax `size` that differs from it; a typeflag other than
 * regular file, link, symbolic link, directory, pax or GNU long name/link (character and block
 * devices, FIFOs, contiguous and sparse files, GNU volume and multi-volume headers); a regular
 * file whose name ends in `/` (tar-stream makes it a directory); a global pax header that sets
 * a path, link path or size; more than one extension header for one entry; an extension
 * header larger than 1 MiB or not followed by an entry.
 */
export class TarHeaderWalker {
  #carry: Buffer | null = null;
  #remain = 0; // body bytes (padded) still to skip or collect
  #meta: { type: string; chunks: Buffer[]; size: number } | null = null;
  #ext: { kind: string; path?: string; linkpath?: string; size?: string } | null = null;
  #prevZero = false;
  #count = 0;
  ended = false;

  constructor(private readonly onEntry: (entry: RawEntry) => void) {}

  push(chunk: Buffer): void {
    let buf = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    this.#carry = null;
    let i = 0;
    while (!this.ended && i < buf.length) {
      if (this.#remain > 0) {
        const n = Math.min(this.#remain, buf.length - i);
        if (this.#meta) {
          const want = this.#meta.size - this.#meta.chunks.reduce((s, c) => s + c.length, 0);
          if (want > 0) this.#meta.chunks.push(Buffer.from(buf.subarray(i, i + Math.min(n, want))));
        }
        i += n;
        this.#remain -= n;
        if (this.#remain === 0 && this.#meta) this.#endMeta();
        continue;
      }
      if (buf.length - i < BLOCK) {
        this.#carry = Buffer.from(buf.subarray(i));
        return;
      }
      this.#header(buf.subarray(i, i + BLOCK));
      i += BLOCK;
    }
  }

  #header(h: Buffer): void {
    if (allZero(h)) {
      if (this.#prevZero) {
        if (this.#ext) throw bad('The tarball ends with an extension header that describes no entry.');
        this.ended = true;
      }
      this.#prevZero = true;
      return;
    }
    this.#prevZero = false;
    const type = String.fromCharCode(h[156]);
    const name = field(h, 0, 100, 'name');
    const size = octalSize(h);
    const magic = h.subarray(257, 265).toString('latin1');
    const posix = magic === 'ustar\u000000';
    const prefixLen = posix && h[475] === 0 ? 130 : 155;
    let prefix = '';
    if (posix) prefix = field(h, 345, prefixLen, 'prefix');
    else if (!allZero(h.subarray(345, 500))) {
      throw bad(`The tarball's entry ${show(name)} has a ustar prefix field but no POSIX ustar magic: extractors disagree on its path (tar-stream would read ${show(field(h, 345, 155, 'prefix') + '/' + name)}).`);
    }
    if (META_TYPES.has(type)) {
      if (size > MAX_META) throw bad(`The tarball has an extension header of ${size} bytes (at most ${MAX_META}).`);
      if (type !== 'g' && this.#ext) throw bad('The tarball has two extension headers for one entry; extractors disagree on which applies.');
      this.#meta = { type, chunks: [], size };
      this.#remain = Math.ceil(size / BLOCK) * BLOCK;
      if (this.#remain === 0) this.#endMeta();
      return;
    }
    if (!ENTRY_TYPES.has(type)) {
      throw bad(`The tarball's entry ${show(name)} has typeflag ${JSON.stringify(type)}; only files, links and directories are accepted.`);
    }
    field(h, 157, 100, 'link name');
    if (size !== 0 && (type === '1' || type === '2' || type === '5')) {
      throw bad(`The tarball's entry ${show(name)} is a link or folder with a size (${size}); extractors disagree on whether a body follows.`);
    }
    const plain = posix && prefix !== '' ? `${prefix}/${name}` : name;
    // (a non-empty prefix without the POSIX magic was refused above; with it, every reader applies it)
    const readings = new Set([plain]);
    const ext = this.#ext;
    this.#ext = null;
    if (ext?.size !== undefined && Number(ext.size) !== size) {
      throw bad(`The tarball's entry ${show(plain)} has a pax size (${show(ext.size)}) that differs from its header's (${size}).`);
    }
    const path = ext?.path ?? plain;
    readings.add(path);
    if ((type === '0' || type === '\0') && [...readings].some((r) => r.endsWith('/'))) {
      throw bad(`The tarball's entry ${show(path)} is a regular file whose name ends in "/"; some extractors would make it a folder.`);
    }
    this.onEntry({ index: this.#count++, type, path, readings: [...readings], extended: ext?.path !== undefined });
    this.#remain = Math.ceil(size / BLOCK) * BLOCK;
  }

  #endMeta(): void {
    const meta = this.#meta!;
    this.#meta = null;
    const body = Buffer.concat(meta.chunks);
    if (meta.type === 'L' || meta.type === 'K') {
      const nul = body.indexOf(0);
      if (nul !== -1 && body.subarray(nul).some((b) => b !== 0)) throw bad('The tarball has a GNU long name with bytes after its NUL.');
      const value = body.subarray(0, nul === -1 ? body.length : nul).toString('utf8');
      this.#ext = meta.type === 'L' ? { kind: 'L', path: value } : { kind: 'K', linkpath: value };
      return;
    }
    const recs = paxRecords(body);
    if (meta.type === 'g') {
      for (const k of ['path', 'linkpath', 'size']) {
        if (recs.has(k)) throw bad(`The tarball has a global pax header that sets "${k}"; extractors disagree on whether it applies.`);
      }
      return;
    }
    this.#ext = { kind: 'x', path: recs.get('path'), linkpath: recs.get('linkpath'), size: recs.get('size') };
  }
}
