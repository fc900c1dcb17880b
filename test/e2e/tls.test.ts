// Tessera serving https itself (issue #20 item 3): started with a self-signed certificate
// (`--tls-cert` / `--tls-key`, made here with openssl), the real npm publishes, installs and
// views over https with `--cafile`, and refuses the server without it; every answer (the read
// fast path's too) carries Strict-Transport-Security; SIGHUP loads a second certificate for new
// connections while a kept-alive connection goes on, and a bad pair keeps the old one.

import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { binPath, cleanEnv, repoRoot } from './harness/server.ts';
import { makeNpm } from './harness/npm.ts';
import { tempDir } from './harness/tmp.ts';

const PASSWORD = 'violet kettle orbit 42';

/** A self-signed certificate for 127.0.0.1 and localhost, written as PEM files; returns its fingerprint. */
function selfSigned(dir: string, name: string): { cert: string; key: string; fingerprint: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=tessera test ${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  return { cert, key, fingerprint: new X509Certificate(readFileSync(cert)).fingerprint256 };
}

describe('https with a self-signed certificate', { concurrency: false }, () => {
  const dir = tempDir('tls');
  const data = join(dir, 'data');
  const first = selfSigned(dir, 'first');
  const second = selfSigned(dir, 'second');
  // The files the server reads; SIGHUP reads them again.
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  const ca = join(dir, 'ca.pem');
  let child: ChildProcess;
  let stdout = '';
  let url = '';

  /** Resolves when the server's stdout has printed a match of `pattern` (after `from` characters). */
  const printed = (pattern: RegExp, from = 0) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(stdout.slice(from));
        if (m) {
          child.stdout!.off('data', check);
          child.off('exit', onExit);
          resolve(m);
        }
      };
      const onExit = (code: number | null) => reject(new Error(`tessera exited (${code}):\n${stdout}`));
      child.stdout!.on('data', check);
      child.once('exit', onExit);
      check();
    });

  before(async () => {
    writeFileSync(certFile, readFileSync(first.cert));
    writeFileSync(keyFile, readFileSync(first.key));
    // npm trusts both certificates (the second after the reload).
    writeFileSync(ca, `${readFileSync(first.cert, 'utf8')}${readFileSync(second.cert, 'utf8')}`);
    execFileSync(process.execPath, [binPath, 'user', 'add', 'tina', '--email', 'tina@example.com', '--data', data], { cwd: repoRoot, input: `${PASSWORD}\n`, env: cleanEnv() });
    child = spawn(process.execPath, [binPath, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', data, '--tls-cert', certFile, '--tls-key', keyFile], {
      cwd: repoRoot,
      env: cleanEnv({ TESSERA_UPSTREAM: 'none', TESSERA_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Both streams in one text (what `printed` waits on): the SIGHUP refusal goes to stderr.
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => (stdout += d));
    child.stderr!.on('data', (d: string) => {
      stdout += d;
      child.stdout!.emit('data', '');
    });
    url = (await printed(/listening on (https:\/\/127\.0\.0\.1:\d+\/) \(public URL \1\)/))[1];
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  /** One https request trusting `ca`; returns the status, headers, body and the server's certificate fingerprint. */
  const get = (path: string, opts: { agent?: Agent; token?: string } = {}) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string; fingerprint: string; socket: unknown }>((resolve, reject) => {
      const req = request(new URL(path, url), { ca: readFileSync(ca), agent: opts.agent ?? false, headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {} }, (res) => {
        let body = '';
        const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        const socket = res.socket;
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, fingerprint, socket }));
      });
      req.on('error', reject);
      req.end();
    });

  let token = '';

  test('npm publishes, views and installs over https with --cafile; without it npm refuses the certificate', async () => {
    const login = await new Promise<string>((resolve, reject) => {
      const body = JSON.stringify({ _id: 'org.couchdb.user:tina', name: 'tina', password: PASSWORD, type: 'user', roles: [] });
      const req = request(new URL('-/user/org.couchdb.user:tina', url), { method: 'PUT', ca: readFileSync(ca), headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => (res.statusCode === 201 ? resolve(JSON.parse(text).token as string) : reject(new Error(`${res.statusCode} ${text}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
    token = login;
    const npm = makeNpm(url);
    npm.setToken(token);
    const cafile = `--cafile=${ca}`;

    const who = await npm.run(['whoami', cafile]);
    assert.equal(who.code, 0, who.stderr);
    assert.equal(who.stdout.trim(), 'tina');
    const pkg = npm.makePackage('tls-pkg', '1.0.0');
    const pub = await npm.run(['publish', cafile], { cwd: pkg });
    assert.equal(pub.code, 0, pub.stderr);
    const view = await npm.run(['view', 'tls-pkg', 'dist.tarball', cafile]);
    assert.equal(view.code, 0, view.stderr);
    assert.equal(view.stdout.trim(), `${url}tls-pkg/-/tls-pkg-1.0.0.tgz`, 'tarball URLs are https');
    const project = npm.makeProject();
    const install = await npm.run(['install', 'tls-pkg', cafile], { cwd: project });
    assert.equal(install.code, 0, install.stderr);
    assert.equal(readFileSync(join(project, 'node_modules', 'tls-pkg', 'index.js'), 'utf8'), 'module.exports = "tls-pkg@1.0.0";\n');

    // A fresh npm (no cache to fall back on) without --cafile.
    const untrusting = makeNpm(url);
    const refused = await untrusting.run(['view', 'tls-pkg']);
    assert.notEqual(refused.code, 0, 'npm does not trust a self-signed certificate by itself');
    assert.match(refused.stderr, /SELF_SIGNED_CERT|self[- ]signed certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE/i);
  });

  test('every answer over https carries Strict-Transport-Security, the read fast path\'s too', async () => {
    const ping = await get('-/ping');
    assert.equal(ping.status, 200);
    assert.equal(ping.headers['strict-transport-security'], 'max-age=15552000');
    await get('tls-pkg');
    const cached = await get('tls-pkg');
    assert.equal(cached.status, 200);
    assert.equal(cached.headers['strict-transport-security'], 'max-age=15552000');
    const web = await get('-/web/');
    assert.equal(web.headers['strict-transport-security'], 'max-age=15552000');
    assert.match(String(web.headers['set-cookie']), /__Host-.*; Secure/, 'https public URL: Secure cookies');
  });

  test('SIGHUP: new connections get the second certificate, a kept-alive connection goes on, a bad pair keeps the current one', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(ca) });
    try {
      const before = await get('-/ping', { agent });
      assert.equal(before.fingerprint, first.fingerprint);

      writeFileSync(certFile, readFileSync(second.cert));
      writeFileSync(keyFile, readFileSync(second.key));
      const from = stdout.length;
      process.kill(child.pid!, 'SIGHUP');
      await printed(/SIGHUP, TLS certificate .* reloaded/, from);

      const kept = await get('-/ping', { agent });
      assert.equal(kept.status, 200, 'the kept-alive connection still answers');
      assert.equal(kept.socket, before.socket, 'on the same connection, not dropped by the reload');
      const fresh = await get('-/ping');
      assert.equal(fresh.fingerprint, second.fingerprint, 'a new connection gets the new certificate');

      // A key that does not fit the certificate: reported, and the second pair stays.
      writeFileSync(keyFile, readFileSync(first.key));
      const errFrom = stdout.length;
      process.kill(child.pid!, 'SIGHUP');
      await printed(/SIGHUP: The TLS certificate .* cannot be used together: .*; the previous certificate stays in use/, errFrom);
      const fingerprint = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: Number(new URL(url).port), ca: readFileSync(ca), servername: 'localhost' }, () => {
          resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
          socket.end();
        });
        socket.on('error', reject);
      });
      assert.equal(fingerprint, second.fingerprint);
      assert.equal(stdout.slice(errFrom).includes('reloaded'), false);
      assert.equal(child.exitCode, null, 'still serving');
    } finally {
      agent.destroy();
    }
  });
});
