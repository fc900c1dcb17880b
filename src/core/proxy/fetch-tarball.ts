// A proxied tarball fetched on its first request (issue #15, item 3): streamed to the client
// while it is hashed and collected, checked at the end against the packument's integrity
// (sha512; sha1 where the upstream gives only a shasum), and only then stored in the blob store
// (so several nodes share it) and recorded in store.proxy. The last chunk is held back until
// the check passes: on a mismatch the stream fails before the client has the whole body (npm
// then fails the install), nothing is stored, the event is logged, and later requests get 502
// with the reason until a new attempt (after FAILURE_RETRY_MS) finds the right bytes.

import { createHash } from 'node:crypto';
import { pipeline, type Readable, Transform } from 'node:stream';
import type { Deps } from '../deps.ts';
import { fail } from '../errors.ts';
import type { ProxyLog } from './load-packument.ts';
import { UpstreamError } from './ports.ts';
import type { Upstream } from './rules.ts';
import type { UpstreamFile } from './upstream-packument.ts';

/** How long a tarball that failed its check is answered with 502 before the upstream is asked again. */
export const FAILURE_RETRY_MS = 10_000;

/** Tarballs whose last fetch failed its integrity check, in memory: name/file → reason and until when. */
export class TarballFailures {
  private readonly byKey = new Map<string, { reason: string; until: number }>();

  record(key: string, reason: string, until: number): void {
    if (this.byKey.size > 10_000) this.byKey.delete(this.byKey.keys().next().value as string);
    this.byKey.set(key, { reason, until });
  }

  current(key: string, now: number): string | null {
    const f = this.byKey.get(key);
    return f && f.until > now ? f.reason : null;
  }

  clear(key: string): void {
    this.byKey.delete(key);
  }
}

/** The SRI string of bytes hashed so far, in the algorithm of `expected` (sha512 or sha1). */
function sriOf(expected: string, sha512: Buffer, sha1: Buffer | null): string {
  return expected.startsWith('sha1-') && sha1 ? `sha1-${sha1.toString('base64')}` : `sha512-${sha512.toString('base64')}`;
}

/**
 * Opens the upstream tarball `file` of `name` as a stream of checked bytes. Throws
 * UPSTREAM_FAILED while an earlier integrity failure is remembered (and when the upstream
 * cannot be used), UPSTREAM_TIMEOUT on a timeout, NOT_FOUND on the upstream's 404. The stream
 * fails (so the response is cut) when the bytes exceed `settings.maxBodyBytes` or do not match
 * `f.integrity`; once checked, the bytes are stored and `onStored(blobKey)` is told.
 */
export async function openUpstreamTarball(
  deps: Pick<Deps, 'upstream' | 'blobs' | 'store' | 'clock' | 'settings' | 'upstreamState'>,
  upstream: Upstream,
  name: string,
  file: string,
  f: UpstreamFile,
  failures: TarballFailures,
  log: ProxyLog,
  onStored: (blobKey: string) => void,
): Promise<Readable> {
  const key = `${name}/${file}`;
  const remembered = failures.current(key, deps.clock.now());
  if (remembered !== null) fail('UPSTREAM_FAILED', remembered);
  const maxBytes = deps.settings.maxBodyBytes;
  let res: Awaited<ReturnType<Deps['upstream']['tarball']>>;
  try {
    res = await deps.upstream.tarball(upstream, f.url, { maxBytes });
  } catch (e) {
    if (!(e instanceof UpstreamError)) throw e;
    deps.upstreamState.failure(upstream.name, deps.clock.now(), e.message);
    log('warn', 'upstream failed: tarball not fetched', { upstream: upstream.name, package: name, file, reason: e.message });
    fail(e.kind === 'timeout' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_FAILED', e.message);
  }
  if (res === null) fail('NOT_FOUND', `The upstream ${upstream.name} has no tarball ${file} of ${name}.`);
  const sha512 = createHash('sha512');
  const sha1 = f.integrity.startsWith('sha1-') ? createHash('sha1') : null;
  const chunks: Buffer[] = [];
  let size = 0;
  let held: Buffer | null = null;
  const refuse = (reason: string): Error => {
    const at = deps.clock.now();
    failures.record(key, reason, at + FAILURE_RETRY_MS);
    deps.upstreamState.failure(upstream.name, at, reason);
    log('warn', 'upstream tarball refused: nothing stored', { upstream: upstream.name, package: name, file, reason });
    return new Error(reason);
  };
  const checked = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) return done(refuse(`The upstream ${upstream.name} sent more than ${maxBytes} bytes for ${file}.`));
      sha512.update(chunk);
      sha1?.update(chunk);
      chunks.push(chunk);
      if (held) this.push(held);
      held = chunk;
      done();
    },
    flush(done) {
      const hex = sha512.digest();
      const actual = sriOf(f.integrity, hex, sha1?.digest() ?? null);
      if (actual !== f.integrity) {
        return done(refuse(`The tarball ${file} from the upstream ${upstream.name} does not match the integrity in its packument (expected ${f.integrity.slice(0, 30)}..., got ${actual.slice(0, 30)}...).`));
      }
      const bytes = Buffer.concat(chunks, size);
      chunks.length = 0;
      deps.blobs
        .put(bytes, hex.toString('hex'))
        .then((blobKey) => deps.store.proxy.putTarball({ name, file, version: f.version, blobKey, integrity: f.integrity, size, fetchedAt: deps.clock.now() }))
        .then(
          (stored) => {
            failures.clear(key);
            deps.upstreamState.success(upstream.name, deps.clock.now());
            onStored(stored.blobKey);
            if (held) this.push(held);
            done();
          },
          (e: Error) => done(e),
        );
    },
  });
  // An upstream body that fails (reset, timeout between chunks) fails the stream too.
  return pipeline(res.body, checked, () => {});
}
