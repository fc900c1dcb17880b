// readTarball inflates a small tarball in one synchronous call and a larger one as a stream
// (src/core/packages/tarball.ts): both ways must give every tarball the same answer, the same
// contents or the same refusal word for word.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DomainError } from '../../src/core/errors.ts';
import { readTarball, useSyncInflate } from '../../src/core/packages/tarball.ts';
import { makeTarball, tarArchive } from '../support/tarball.ts';

const MiB = 1024 * 1024;
const pj = (extra: Record<string, unknown> = {}) => JSON.stringify({ name: 'p', version: '1.0.0', ...extra });
const tgz = (entries: Parameters<typeof tarArchive>[0]) => gzipSync(tarArchive(entries));
const plain = tarArchive([{ path: 'package/package.json', content: pj() }]);

const corpus: Array<[string, Buffer]> = [
  ['an ordinary tarball with a README', makeTarball({ 'package.json': pj(), 'index.js': 'module.exports = 1;\n', 'README.md': '# p\n\nhello\n' })],
  ['a shrinkwrap, AUTHORS and files in folders', makeTarball({ 'package.json': pj(), 'npm-shrinkwrap.json': '{}', AUTHORS: 'a <a@b.c>\n', 'lib/a/b.js': 'x', 'bin/cli': '#!/bin/sh\n' })],
  ...[512, 1024, 1536, 70_000].map((n): [string, Buffer] => [`a file ending in ${n} zero bytes`, tgz([{ path: 'package/package.json', content: pj() }, { path: 'package/data.bin', content: Buffer.alloc(n) }])]),
  ['data after the end-of-archive marker', gzipSync(Buffer.concat([plain, tarArchive([{ path: 'package/package.json', content: pj({ scripts: { preinstall: 'pwn' } }) }])]))],
  ['zero padding after the marker', gzipSync(Buffer.concat([plain, Buffer.alloc(10240)]))],
  ['two package.json entries', tgz([{ path: 'package/package.json', content: pj() }, { path: 'package/PACKAGE.JSON', content: pj() }])],
  ['a second top folder', tgz([{ path: 'package/package.json', content: pj() }, { path: 'other/index.js', content: '' }])],
  ['a path with ..', tgz([{ path: 'package/package.json', content: pj() }, { path: 'package/../x', content: '' }])],
  ['an absolute path', tgz([{ path: '/package/package.json', content: pj() }])],
  ['package.json as a symbolic link', tgz([{ path: 'package/package.json', content: 'x', type: '2' }])],
  ['a FIFO', tgz([{ path: 'package/package.json', content: pj() }, { path: 'package/fifo', type: '6' }])],
  ['no package.json', tgz([{ path: 'package/index.js', content: 'x' }])],
  ['compressed twice', gzipSync(makeTarball({ 'package.json': pj() }))],
  ['not gzip', Buffer.from('not gzip')],
  ['gzip of something that is not tar', gzipSync(Buffer.from('not a tar archive at all'))],
  ['a truncated gzip', makeTarball({ 'package.json': pj(), 'index.js': 'x'.repeat(3000) }).subarray(0, 60)],
  ['a gzip without its trailer', (() => { const g = makeTarball({ 'package.json': pj() }); return g.subarray(0, g.length - 8); })()],
  ['a gzip followed by garbage', Buffer.concat([makeTarball({ 'package.json': pj() }), Buffer.from('garbage')])],
  ['the archive split over two gzip members', Buffer.concat([gzipSync(plain.subarray(0, 512)), gzipSync(plain.subarray(512))])],
  ['3 MiB of zeros in 3 KB (past the synchronous inflate, within the limit)', tgz([{ path: 'package/package.json', content: pj() }, { path: 'package/zeros', content: Buffer.alloc(3 * MiB) }])],
  ['1 MiB less 1 KiB exactly at the limit', tgz([{ path: 'package/package.json', content: pj() }, { path: 'package/zeros', content: Buffer.alloc(MiB - 3 * 512 - 1024) }])],
  ['a little over 1 MiB (past a 1 MiB limit)', tgz([{ path: 'package/package.json', content: pj() }, { path: 'package/zeros', content: Buffer.alloc(MiB) }])],
  ['200 KB of incompressible bytes (streamed both times)', tgz([{ path: 'package/package.json', content: pj() }, { path: 'package/random.bin', content: randomBytes(200_000) }])],
];

async function answer(gzipped: Buffer, limit: number, sync: boolean): Promise<unknown> {
  useSyncInflate(sync);
  try {
    const c = await readTarball(gzipped, { maxUnpackedBytes: limit });
    return { ...c, docs: [...c.docs] };
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return { code: e.code, message: e.message };
  } finally {
    useSyncInflate(true);
  }
}

test('the synchronous and the streamed inflate give every tarball the same answer, under a 1 MiB and a 512 MiB limit', async () => {
  for (const limit of [MiB, 512 * MiB]) {
    for (const [what, gzipped] of corpus) {
      const streamed = await answer(gzipped, limit, false);
      const sync = await answer(gzipped, limit, true);
      assert.deepEqual(sync, streamed, `${what} (limit ${limit})`);
    }
  }
  // the corpus holds both kinds of answer
  const answers = await Promise.all(corpus.map(([, g]) => answer(g, MiB, true)));
  assert.ok(answers.some((a) => (a as { code?: string }).code === 'BODY_TOO_LARGE'));
  assert.ok(answers.some((a) => (a as { code?: string }).code === 'INVALID_PUBLISH'));
  assert.ok(answers.filter((a) => (a as { fileCount?: number }).fileCount !== undefined).length >= 8);
});
