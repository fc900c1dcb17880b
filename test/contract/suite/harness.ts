// What every part of the store contract shares: the factory type, a settable clock, a `check`
// that gives each test a fresh store, and builders for users, versions and mutations.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ErrorCode, isDomainError } from '../../../src/core/errors.ts';
import { TestClock } from '../../support/clock.ts';
import type { Clock, PackageMutation, PackageRecord, Store, TfaState, User, VersionRecord } from '../../../src/core/ports.ts';
import type { OrgRole } from '../../../src/core/orgs/model.ts';

export interface StoreHandle {
  store: Store;
  /** Another store on the same data, as a second node (or process) would open it. */
  open(): Promise<Store>;
  /** Closes every store opened and removes the data. */
  cleanup(): Promise<void>;
}

export type StoreFactory = (clock: Clock) => Promise<StoreHandle>;

export { TestClock };

export interface Ctx {
  store: Store;
  clock: TestClock;
  open(): Promise<Store>;
}

export type Check = (name: string, fn: (ctx: Ctx) => Promise<void>) => void;

export function checker(factory: StoreFactory): Check {
  return (name, fn) => {
    test(name, async () => {
      const clock = new TestClock(Date.parse('2026-03-01T12:00:00.000Z'));
      const handle = await factory(clock);
      try {
        await fn({ store: handle.store, clock, open: handle.open });
      } finally {
        await handle.cleanup();
      }
    });
  };
}

/** Asserts that the promise rejects with the DomainError of this code. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(isDomainError(e), `expected DomainError ${code}, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  });
}

/** Commits, checks the commit's own answer against a fresh read, and returns the package. */
export async function commitAndGet(store: Store, name: string, mutation: PackageMutation, options?: Parameters<Store['packages']['commit']>[2]): Promise<PackageRecord> {
  const result = await store.packages.commit(name, mutation, options);
  const pkg = await store.packages.get(name);
  if (!pkg) throw new Error(`${name} is gone after a commit`);
  if (result.rev !== pkg.rev || JSON.stringify(result.distTags) !== JSON.stringify(pkg.distTags)) {
    throw new Error(`commit answered ${JSON.stringify(result)} but the package has rev ${pkg.rev} and tags ${JSON.stringify(pkg.distTags)}`);
  }
  const head = await store.packages.head(name);
  const { versions: _v, distTags: _t, removedVersions: _r, stars: _s, ...rest } = pkg;
  if (JSON.stringify(head) !== JSON.stringify(rest)) throw new Error(`head() differs from get(): ${JSON.stringify(head)} vs ${JSON.stringify(rest)}`);
  return pkg;
}

export function makeUser(store: Store, name: string): Promise<User> {
  return store.users.create({ name, email: `${name}@example.com`, passwordHash: `hash-of-${name}` });
}

/** Turns on an (already confirmed) second factor with two recovery code hashes. */
/** `userId` joins the org with `role`, invited by `inviterId` and accepting at once (set-up, not the thing tested). */
export async function join(store: Store, orgId: number, userId: number, role: OrgRole, inviterId: number): Promise<void> {
  await store.orgs.invite(orgId, userId, role, inviterId);
  await store.orgs.acceptInvitation(orgId, userId);
}

export function activeTfa(overrides: Partial<TfaState> = {}): TfaState {
  return { mode: 'auth-and-writes', pending: false, secret: 'sealed-secret', lastStep: null, lastStepKey: null, ...overrides };
}

export async function withTfa(store: Store, name: string, recovery: string[] = ['rc-1', 'rc-2']): Promise<User> {
  const user = await makeUser(store, name);
  return store.users.setTfa(user.id, activeTfa(), recovery);
}

const blobKey = (seed: string) => seed.padEnd(128, '0').replace(/[^0-9a-f]/g, 'a').slice(0, 128);

export function version(v: string, manifest: Record<string, unknown> = {}, publishedAt = '2026-03-01T12:00:00.000Z', blobSeed = v): VersionRecord {
  return {
    version: v,
    manifest: { name: 'x', version: v, ...manifest },
    publishedAt,
    deprecated: null,
    tarball: { file: `x-${v}.tgz`, blobKey: blobKey(Buffer.from(blobSeed).toString('hex')), size: 100 + v.length, integrity: `sha512-${v}`, shasum: `sha1-${v}` },
  };
}

/** The first publish of a name by `ownerId`. */
export function create(ownerId: number, v: VersionRecord, extra: { tag?: string; access?: 'public' | 'restricted'; claimScope?: string } = {}): PackageMutation {
  return {
    type: 'publish',
    version: v,
    tag: extra.tag ?? 'latest',
    create: {
      ownerId,
      access: extra.access ?? 'public',
      mfa: { publishRequiresTfa: false, automationOverridesTfa: false },
      ...(extra.claimScope ? { claimScope: extra.claimScope } : {}),
    },
  };
}

export function publish(v: VersionRecord, tag = 'latest', access?: 'public' | 'restricted'): PackageMutation {
  return { type: 'publish', version: v, tag, ...(access ? { access } : {}) };
}
