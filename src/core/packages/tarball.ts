// Reads package/package.json out of a gzipped tarball, so that a publish whose tarball says
// something else than its manifest is refused. A minimal ustar reader: npm's tarballs are
// plain ustar with optional pax headers.

import { gunzipSync } from 'node:zlib';

const BLOCK = 512;
/** Refuse to inflate more than this (a gzip bomb must not exhaust memory). */
const MAX_INFLATED = 512 * 1024 * 1024;

function readString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

function parsePax(data: string): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = data;
  while (rest.length > 0) {
    const space = rest.indexOf(' ');
    const len = Number.parseInt(rest.slice(0, space), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = rest.slice(space + 1, len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    rest = rest.slice(len);
  }
  return out;
}

/** The parsed package.json at the tarball's top folder, or an error text. */
export function readTarballManifest(gzipped: Buffer): { manifest: Record<string, unknown> } | { error: string } {
  let tar: Buffer;
  try {
    tar = gunzipSync(gzipped, { maxOutputLength: MAX_INFLATED });
  } catch {
    return { error: 'The tarball is not a valid gzip file.' };
  }
  let offset = 0;
  let paxPath: string | null = null;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(readString(header, 124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) return { error: 'The tarball has a corrupt header.' };
    const type = String.fromCharCode(header[156] || 48);
    const prefix = readString(header, 345, 155);
    const rawName = readString(header, 0, 100);
    const name = paxPath ?? (prefix ? `${prefix}/${rawName}` : rawName);
    const dataStart = offset + BLOCK;
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      paxPath = parsePax(data.toString('utf8')).path ?? null;
      continue;
    }
    paxPath = null;
    // npm packs everything under one top folder, normally `package/`.
    if ((type === '0' || type === '\0') && /^[^/]+\/package\.json$/.test(name)) {
      try {
        const manifest: unknown = JSON.parse(data.toString('utf8'));
        if (manifest && typeof manifest === 'object' && !Array.isArray(manifest)) {
          return { manifest: manifest as Record<string, unknown> };
        }
      } catch {
        // fall through
      }
      return { error: 'The package.json in the tarball is not valid JSON.' };
    }
  }
  return { error: 'The tarball has no package/package.json.' };
}
