// Concurrency against a real server: parallel publishes all land, parallel dist-tag changes
// end in one requested state, and a revoked token stops working the moment the revoke answers.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { publishBody } from '../support/tarball.ts';
import { api } from './harness/http.ts';
import { type RunningServer, startServer } from './harness/server.ts';

const PASSWORD = 'violet kettle orbit 42';
let server: RunningServer;
let token: string;
before(async () => {
  server = await startServer();
  const res = await api(server.url, '/-/user/org.couchdb.user:racer', { method: 'PUT', body: { name: 'racer', password: PASSWORD, email: 'r@example.com' } });
  token = res.json.token;
});
after(async () => {
  await server.stop();
});

test('50 concurrent publishes of distinct versions of one package all land', async () => {
  assert.equal((await api(server.url, '/race', { method: 'PUT', token, body: publishBody('race', '0.0.0') })).status, 201);
  const versions = Array.from({ length: 50 }, (_, i) => `1.${i}.0`);
  const results = await Promise.all(versions.map((v) => api(server.url, '/race', { method: 'PUT', token, body: publishBody('race', v) })));
  assert.deepEqual(results.map((r) => r.status), versions.map(() => 201));
  const doc = (await api(server.url, '/race')).json;
  assert.equal(Object.keys(doc.versions).length, 51);
  for (const v of versions) assert.ok(doc.time[v], v);
});

test('20 concurrent dist-tag changes end in one of the requested states, consistently', async () => {
  const versions = Array.from({ length: 20 }, (_, i) => `1.${i}.0`);
  const results = await Promise.all(
    versions.map((v) => api(server.url, '/-/package/race/dist-tags/stable', { method: 'PUT', token, body: v })),
  );
  assert.ok(results.every((r) => r.status === 201));
  const tags = (await api(server.url, '/-/package/race/dist-tags')).json;
  assert.ok(versions.includes(tags.stable), tags.stable);
  const doc = (await api(server.url, '/race')).json;
  assert.equal(doc['dist-tags'].stable, tags.stable);
  const abbreviated = (await api(server.url, '/race', { headers: { accept: 'application/vnd.npm.install-v1+json' } })).json;
  assert.equal(abbreviated['dist-tags'].stable, tags.stable);
});

test('once a revoke has answered, no request with that token succeeds', async () => {
  const created = await api(server.url, '/-/npm/v1/tokens', {
    method: 'POST',
    token,
    body: { name: 'doomed', password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-write' },
  });
  const doomed = created.json.token as string;
  let revokedAt = Number.POSITIVE_INFINITY;
  const outcomes: Array<{ sentAt: number; status: number }> = [];
  let stop = false;
  const hammer = async () => {
    while (!stop) {
      const sentAt = performance.now();
      const res = await api(server.url, '/-/whoami', { token: doomed });
      outcomes.push({ sentAt, status: res.status });
    }
  };
  const hammers = Array.from({ length: 8 }, hammer);
  await new Promise((r) => setTimeout(r, 300));
  const del = await api(server.url, `/-/npm/v1/tokens/token/${created.json.key}`, { method: 'DELETE', token });
  revokedAt = performance.now();
  assert.equal(del.status, 204);
  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  await Promise.all(hammers);
  const before = outcomes.filter((o) => o.sentAt < revokedAt);
  const afterRevoke = outcomes.filter((o) => o.sentAt >= revokedAt);
  assert.ok(before.some((o) => o.status === 200), 'the token worked before');
  assert.ok(afterRevoke.length > 10);
  assert.deepEqual([...new Set(afterRevoke.map((o) => o.status))], [401]);
});
