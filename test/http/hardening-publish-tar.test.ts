// Every tarball entry has one meaning for every extractor (security review 2, publish item 1):
// the raw headers are read beside node-tar (src/core/packages/tar-headers.ts) and an entry
// whose path would differ under another reader (yarn 1's tar-stream, GNU tar, pax/GNU
// extensions) is refused with a 400 naming it, never skipped.

import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBodyFor } from '../support/tarball.ts';

let t: TestApp;
let alice: string;
before(async () => {
  t = await startApp({});
  alice = await t.signUp('alice');
});
after(() => t.close());

interface Raw {
  name: string;
  content?: string | Buffer;
  type?: string;
  magic?: 'posix' | 'gnu' | 'v7';
  prefix?: string;
  /** Bytes written into the name field after its NUL. */
  nameTail?: string;
  size?: string;
}

function header(e: Raw, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(e.name, 0, 100, 'utf8');
  if (e.nameTail) h.write(e.nameTail, Buffer.byteLength(e.name) + 1, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(e.size ?? `${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(e.type ?? '0', 156, 'latin1');
  const magic = e.magic ?? 'posix';
  if (magic === 'posix') h.write('ustar\u000000', 257, 'latin1');
  if (magic === 'gnu') h.write('ustar  \0', 257, 'latin1');
  if (e.prefix) h.write(e.prefix, 345, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function archive(entries: Raw[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.content ?? '');
    parts.push(header(e, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

const pax = (records: Record<string, string>) => {
  let out = '';
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
    out += `${len}${rest}`;
  }
  return out;
};

const put = (name: string, tgz: Buffer) =>
  t.request({ method: 'PUT', url: `/${name}`, payload: publishBodyFor(name, '1.0.0', tgz, { main: 'index.js' }), token: alice });
const good = (name: string) => JSON.stringify({ name, version: '1.0.0', main: 'index.js' });
const evil = (name: string) => JSON.stringify({ name, version: '1.0.0', main: 'index.js', scripts: { preinstall: 'node -e "pwn()"' } });

test('the reviewer\'s input: a GNU-magic entry "package.json" whose prefix field says "package" is refused, naming the entry', async () => {
  const name = 'yconf-prefix';
  const tgz = archive([
    { name: 'package/package.json', content: good(name) },
    { name: 'package/index.js', content: 'module.exports=1\n' },
    { name: 'package.json', content: evil(name), magic: 'gnu', prefix: 'package' },
  ]);
  const res = await put(name, tgz);
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().code, 'INVALID_PUBLISH');
  assert.match(res.json().error, /"package\.json".*prefix/);
  assert.equal((await t.request({ url: `/${name}` })).statusCode, 404);
});

test('siblings: every entry whose path differs under another reader, or that npm would skip, is refused', async () => {
  const cases: Array<[string, Raw[], RegExp]> = [
    ['prefix with old v7 magic', [{ name: 'package/package.json', content: good('s') }, { name: 'index.js', magic: 'v7', prefix: 'package' }], /prefix/],
    ['prefix with GNU magic on a harmless file', [{ name: 'package/package.json', content: good('s') }, { name: 'x.js', magic: 'gnu', prefix: 'package/lib' }], /prefix/],
    ['NUL-padded name with trailing garbage', [{ name: 'package/package.json', content: good('s') }, { name: 'package/readme.md', nameTail: 'package.json' }], /after its terminating NUL/],
    ['a file at the top level (npm skips it, GNU tar writes it)', [{ name: 'package/package.json', content: good('s') }, { name: 'package.json', content: evil('s') }], /outside its top folder/],
    ['a second top folder', [{ name: 'package/package.json', content: good('s') }, { name: 'other/index.js' }], /outside its top folder/],
    ['package.json spelled package//package.json', [{ name: 'package//package.json', content: good('s') }], /not plainly relative/],
    ['package.json spelled ./package/package.json', [{ name: './package/package.json', content: good('s') }], /not plainly relative/],
    ['package.json spelled package/package.json/.', [{ name: 'package/package.json', content: good('s') }, { name: 'package/package.json/.', type: '5' }], /more than one package\.json|not plainly relative/],
    ['a second package.json in another case', [{ name: 'package/package.json', content: good('s') }, { name: 'package/Package.Json', content: evil('s') }], /more than one package\.json/],
    ['a second package.json with a Windows separator', [{ name: 'package/package.json', content: good('s') }, { name: 'package\\package.json', content: evil('s') }], /more than one package\.json/],
    ['a regular file whose name ends in / (tar-stream makes it a folder)', [{ name: 'package/package.json', content: good('s') }, { name: 'package/lib/', content: 'x' }], /ends in "\/"/],
    ['a FIFO entry', [{ name: 'package/package.json', content: good('s') }, { name: 'package/fifo', type: '6' }], /typeflag/],
    ['a contiguous file', [{ name: 'package/package.json', content: good('s') }, { name: 'package/c.js', type: '7', content: 'x' }], /typeflag/],
    ['a GNU sparse file', [{ name: 'package/package.json', content: good('s') }, { name: 'package/s.js', type: 'S', content: 'x' }], /typeflag/],
    ['a size field that is not plain octal', [{ name: 'package/package.json', content: good('s') }, { name: 'package/a.js', size: '0000000000x\0' }], /not plain octal/],
    ['a folder with a body', [{ name: 'package/package.json', content: good('s') }, { name: 'package/lib/', type: '5', size: '00000001000\0' }], /link or folder with a size/],
    ['a pax path that makes package.json out of another name', [{ name: 'package/package.json', content: good('s') }, { name: 'PaxHeader', type: 'x', content: pax({ path: 'package/package.json' }) }, { name: 'package/harmless.js', content: evil('s') }], /read as package\.json by some extractors/],
    ['a GNU long name that makes package.json out of another name', [{ name: 'package/package.json', content: good('s') }, { name: '././@LongLink', type: 'L', content: 'package/package.json\0' }, { name: 'package/harmless.js', content: evil('s') }], /read as package\.json by some extractors/],
    ['both a pax path and a GNU long name for one entry', [{ name: 'package/package.json', content: good('s') }, { name: '././@LongLink', type: 'L', content: 'package/a.js\0' }, { name: 'PaxHeader', type: 'x', content: pax({ path: 'package/b.js' }) }, { name: 'package/c.js' }], /two extension headers/],
    ['a global pax header that sets a path', [{ name: 'pax_global_header', type: 'g', content: pax({ path: 'package/package.json' }) }, { name: 'package/package.json', content: good('s') }], /global pax header/],
    ['a pax size that differs from the header', [{ name: 'package/package.json', content: good('s') }, { name: 'PaxHeader', type: 'x', content: pax({ size: '0' }) }, { name: 'package/a.js', content: 'x'.repeat(600) }], /pax size/],
  ];
  let i = 0;
  for (const [what, entries, message] of cases) {
    const name = `tar-sibling-${i++}`;
    const fixed = entries.map((e) => (typeof e.content === 'string' ? { ...e, content: e.content.replace(/"name":"s"/, `"name":"${name}"`) } : e));
    const res = await put(name, archive(fixed));
    assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
    assert.match(res.json().error, message, what);
    assert.equal((await t.request({ url: `/${name}` })).statusCode, 404, what);
  }
});

test('ordinary tarballs still publish: folder entries, ustar prefixes for long paths, pax paths, a global pax comment', async () => {
  const name = 'tar-ordinary';
  const longDir = `lib/${'d'.repeat(90)}`;
  const tgz = archive([
    { name: 'package/', type: '5' },
    { name: 'package/package.json', content: good(name) },
    { name: 'pax_global_header', type: 'g', content: pax({ comment: 'abc123' }) },
    { name: 'x.js', prefix: `package/${longDir}`, content: 'x' },
    { name: 'PaxHeader', type: 'x', content: pax({ path: `package/${'p'.repeat(300)}.js` }) },
    { name: `package/${'p'.repeat(90)}`, content: 'y' },
    { name: 'package/index.js', content: 'module.exports=1\n' },
  ]);
  const res = await put(name, tgz);
  assert.equal(res.statusCode, 201, res.body);
  const v = (await t.request({ url: `/${name}` })).json().versions['1.0.0'];
  assert.equal(v.dist.fileCount, 4);
});
