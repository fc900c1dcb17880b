// Crash safety: kill -9 the server during a publish storm, restart it on the same data:
// every acknowledged publish is there, no version lacks its tarball, no tarball's bytes
// differ from its integrity, and no half-written file is served.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { publishBody } from '../support/tarball.ts';
import { api } from './harness/http.ts';
import { startServer } from './harness/server.ts';

const PASSWORD = 'violet kettle orbit 42';

async function signUp(url: string, name: string): Promise<string> {
  const res = await api(url, `/-/user/org.couchdb.user:${name}`, { method: 'PUT', body: { name, password: PASSWORD, email: `${name}@example.com` } });
  assert.equal(res.status, 201, res.text);
  return res.json.token;
}

async function storm(url: string, token: string, round: number, acknowledged: Map<string, string>, stopAfterMs: number) {
  const deadline = Date.now() + stopAfterMs;
  let next = 0;
  const worker = async (w: number) => {
    while (Date.now() < deadline) {
      const i = next++;
      const name = `crash-${i % 3}`;
      const version = `${round}.${w}.${i}`;
      const body = publishBody(name, version, { manifest: { description: 'x'.repeat(2000 + (i % 7) * 3000) } });
      try {
        const res = await fetch(`${url}${name}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (res.status === 201) acknowledged.set(`${name}@${version}`, body.versions[version].dist.integrity);
        await res.arrayBuffer();
      } catch {
        return; // the server was killed
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
}

function checkTarballFolder(dataDir: string) {
  // Every stored blob is complete: its bytes hash to its name.
  const root = join(dataDir, 'tarballs');
  for (const dir of readdirSync(root)) {
    if (dir === 'tmp') continue;
    for (const file of readdirSync(join(root, dir))) {
      const bytes = readFileSync(join(root, dir, file));
      assert.equal(createHash('sha512').update(bytes).digest('hex'), file.replace(/\.tgz$/, ''), `blob ${file}`);
    }
  }
}

test('kill -9 during a publish storm loses no acknowledged publish and leaves nothing half-written', async () => {
  let server = await startServer();
  const dataDir = server.dataDir;
  const token = await signUp(server.url, 'crasher');
  const acknowledged = new Map<string, string>();
  for (let round = 1; round <= 3; round++) {
    const running = storm(server.url, token, round, acknowledged, 5_000);
    await new Promise((r) => setTimeout(r, 400 + round * 300));
    await server.kill9();
    await running;
    server = await startServer({ dataDir });
    checkTarballFolder(dataDir);
    for (const name of ['crash-0', 'crash-1', 'crash-2']) {
      const res = await api(server.url, `/${name}`);
      if (res.status === 404) continue;
      for (const [version, manifest] of Object.entries<any>(res.json.versions)) {
        const tgz = await fetch(manifest.dist.tarball);
        assert.equal(tgz.status, 200, `${name}@${version} has its tarball`);
        const bytes = Buffer.from(await tgz.arrayBuffer());
        assert.equal(`sha512-${createHash('sha512').update(bytes).digest('base64')}`, manifest.dist.integrity, `${name}@${version} bytes match`);
      }
    }
    for (const [id, integrity] of acknowledged) {
      const [name, version] = id.split('@');
      const res = await api(server.url, `/${name}`);
      assert.equal(res.status, 200, `${name} exists`);
      assert.ok(res.json.versions[version], `acknowledged ${id} survived round ${round}`);
      assert.equal(res.json.versions[version].dist.integrity, integrity);
    }
  }
  assert.ok(acknowledged.size > 20, `only ${acknowledged.size} publishes were acknowledged`);
  assert.equal(await server.stop(), 0);
});
