// Seeds a Tessera data folder through the storage layer (not the API: 100,000 tokens cannot
// be made through it): users, tokens of every kind, packages with 1-5 versions each and their
// tarballs. Writes SEED.json with the secrets the benchmark uses.
//
//   node --import tsx bench/seed.ts --data DIR [--packages 10000] [--tokens 100000]

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.ts';
import type { TokenKind, TokenRecord } from '../src/core/ports.ts';
import { generateTokenSecret, hashToken } from '../src/core/tokens/format.ts';
import { openDeps } from '../src/server.ts';
import { digests, manifestFor, PASSWORD, tarballFor } from './lib/packages.ts';

export interface SeedResult {
  packages: number;
  versions: number;
  users: number;
  tokens: number;
  /** The `bench` user (password PASSWORD) and a read-write token of it. */
  benchUser: string;
  benchToken: string;
  /** Secrets of some seeded tokens (every user's first), for reads with many tokens. */
  sampleTokens: string[];
  /** Some seeded package names. */
  samplePackages: string[];
  seconds: number;
}

const TOKENS_PER_USER = 100;

function tokenRecord(secret: string, userId: number, kind: TokenKind, i: number, now: number): TokenRecord {
  const iso = new Date(now).toISOString();
  return {
    key: hashToken(secret),
    userId,
    kind,
    prefix: secret.slice(0, 12),
    name: kind === 'granular' ? `ci-${i}` : null,
    description: kind === 'granular' ? 'seeded' : null,
    readonly: kind === 'legacy' && i % 4 === 0,
    cidr: i % 10 === 0 ? ['10.0.0.0/8'] : [],
    limits: kind === 'granular' ? { packages: [], scopes: [], packagesAll: true, permission: i % 2 ? 'read-only' : 'read-write' } : null,
    bypass2fa: kind === 'granular' && i % 3 === 0,
    createdAt: iso,
    expiresAt: kind === 'legacy' ? null : new Date(now + 30 * 86400_000).toISOString(),
    lastUsedAt: null,
  };
}

export async function seed(dataDir: string, packageCount: number, tokenCount: number, log = (s: string) => process.stderr.write(`${s}\n`)): Promise<SeedResult> {
  const started = Date.now();
  const opened = await openDeps(loadConfig({ flags: { data: dataDir }, env: {} }));
  const deps = opened.deps;
  const store = deps.store;
  const now = Date.now();
  const sharedHash = await deps.hasher.hash(`seeded user ${now}`);
  const bench = await store.users.create({ name: 'bench', email: 'bench@example.com', passwordHash: await deps.hasher.hash(PASSWORD) });
  const userCount = Math.max(1, Math.ceil((tokenCount - 1) / TOKENS_PER_USER));
  const userIds: number[] = [];
  for (let u = 0; u < userCount; u++) {
    const user = await store.users.create({ name: `seed-user-${u}`, email: `seed-user-${u}@example.com`, passwordHash: sharedHash });
    userIds.push(user.id);
  }
  log(`seed: ${userCount + 1} users`);

  const benchToken = generateTokenSecret();
  await store.tokens.create(tokenRecord(benchToken, bench.id, 'legacy', 1, now));
  const kinds: TokenKind[] = ['legacy', 'granular', 'session'];
  const sampleTokens: string[] = [];
  for (let i = 0; i < tokenCount - 1; i++) {
    const secret = generateTokenSecret();
    const kind = kinds[i % 3];
    // Every user's first token is a non-expiring, read-write legacy one: those are the samples.
    const first = i % TOKENS_PER_USER === 0;
    await store.tokens.create(tokenRecord(secret, userIds[Math.floor(i / TOKENS_PER_USER) % userCount], first ? 'legacy' : kind, first ? 1 : i, now));
    if (first && sampleTokens.length < 1000) sampleTokens.push(secret);
    if ((i + 1) % 20_000 === 0) log(`seed: ${i + 1} tokens`);
  }

  let versions = 0;
  const samplePackages: string[] = [];
  for (let p = 0; p < packageCount; p++) {
    const owner = userIds[p % userCount];
    const name = p % 10 === 9 ? `@seed-user-${p % userCount}/lib-${p}` : `seed-pkg-${p}`;
    const count = 1 + (p % 5);
    for (let v = 0; v < count; v++) {
      const version = `1.${v}.0`;
      const tarball = tarballFor(name, version, 300);
      const { integrity, shasum } = digests(tarball);
      const sha512Hex = Buffer.from(integrity.slice(7), 'base64').toString('hex');
      const blobKey = await deps.blobs.put(tarball, sha512Hex);
      const publishedAt = new Date(now - (count - v) * 3600_000).toISOString();
      await store.packages.commit(name, {
        type: 'publish',
        tag: 'latest',
        version: {
          version,
          manifest: { ...manifestFor(name, version), _npmUser: { name: `seed-user-${p % userCount}`, email: 'seed@example.com' }, dist: { integrity, shasum } },
          publishedAt,
          deprecated: null,
          tarball: { file: `${name.startsWith('@') ? name.split('/')[1] : name}-${version}.tgz`, blobKey, size: tarball.length, integrity, shasum },
        },
        ...(v === 0 ? { create: { ownerId: owner, access: 'public' as const, mfa: deps.settings.defaultPackageMfa } } : {}),
      });
      versions++;
    }
    if (samplePackages.length < 10_000 && p % Math.max(1, Math.floor(packageCount / 10_000)) === 0) samplePackages.push(name);
    if ((p + 1) % 2000 === 0) log(`seed: ${p + 1} packages`);
  }
  await ('close' in opened ? (opened as { close(): Promise<void> }).close() : store.close());
  return {
    packages: packageCount,
    versions,
    users: userCount + 1,
    tokens: tokenCount,
    benchUser: 'bench',
    benchToken,
    sampleTokens,
    samplePackages,
    seconds: (Date.now() - started) / 1000,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { data: { type: 'string' }, packages: { type: 'string', default: '10000' }, tokens: { type: 'string', default: '100000' } } });
  if (!values.data) {
    process.stderr.write('usage: node --import tsx bench/seed.ts --data DIR [--packages 10000] [--tokens 100000]\n');
    process.exit(2);
  }
  const result = await seed(values.data, Number(values.packages), Number(values.tokens));
  writeFileSync(join(values.data, 'SEED.json'), JSON.stringify(result));
  process.stdout.write(`seeded ${result.packages} packages (${result.versions} versions), ${result.users} users, ${result.tokens} tokens in ${result.seconds.toFixed(1)} s\n`);
}
