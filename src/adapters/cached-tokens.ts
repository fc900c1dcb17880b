// Token checks from memory: the token and its user, cached by the token's hash, and the user's
// org memberships (read with every credential: core/tokens/authenticate.ts), cached by user.
// This process drops an entry whenever it changes the token or the user through the store, and
// every membership after any org write; changes made by other processes arrive through the
// store's change feed (PostgreSQL LISTEN/NOTIFY, SQLite's data_version poll) and drop that
// user, every membership ('orgs'), or everything. Expiry and address ranges are checked on
// every request by the caller, from the cached record.

import type { OrgStore, OtpUse, Store, StoreChange, TokenRecord, User } from '../core/ports.ts';

type Entry = { token: TokenRecord; user: User };
type Memberships = Awaited<ReturnType<OrgStore['membershipsOf']>>;

/** The org store's methods that only read: every other method may change memberships. */
const ORG_READS = new Set<string>(['get', 'getById', 'listForUser', 'role', 'members', 'invitations', 'invitationsForUser', 'team', 'teams', 'teamsOfUser', 'teamMembers', 'packageNames', 'teamPackages', 'packageTeams', 'userPackageGrants', 'events']);

/** The names of an object's methods, its own and inherited (Object.prototype's excepted). */
function methodNames(object: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = object; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (object as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

export function withTokenCache(store: Store, maxEntries = 20_000): Store {
  const entries = new Map<string, Entry>();
  const keysOfUser = new Map<number, Set<string>>();
  let generation = 0;
  const memberships = new Map<number, Memberships>();
  let orgGeneration = 0;
  const dropMemberships = () => {
    orgGeneration++;
    memberships.clear();
  };

  const forget = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    keysOfUser.get(entry.user.id)?.delete(key);
  };
  const dropUser = (id: number) => {
    generation++;
    for (const key of keysOfUser.get(id) ?? []) entries.delete(key);
    keysOfUser.delete(id);
    orgGeneration++;
    memberships.delete(id);
  };
  const dropAll = () => {
    generation++;
    entries.clear();
    keysOfUser.clear();
    dropMemberships();
  };
  const afterOtp = (otp: OtpUse | null | undefined) => {
    if (otp) dropUser(otp.userId);
  };
  const apply = (event: StoreChange) => {
    if (event.type === 'user') dropUser(event.id);
    else if (event.type === 'orgs') dropMemberships();
    else if (event.type === 'reset') dropAll();
  };

  // Memberships from memory; any write through the org store drops them all (before, so that
  // no read during the write keeps an old answer, and after, for reads that began meanwhile).
  const membershipsOf = async (userId: number): Promise<Memberships> => {
    const hit = memberships.get(userId);
    if (hit) return hit;
    const seen = orgGeneration;
    const found = await store.orgs.membershipsOf(userId);
    if (seen === orgGeneration) {
      if (memberships.size >= maxEntries) memberships.delete(memberships.keys().next().value as number);
      memberships.set(userId, found);
    }
    return found;
  };
  const membershipsInMemory = (userId: number): Memberships | undefined => memberships.get(userId);
  // Built once, not a Proxy: the read fast path asks for membershipsInMemory on every request.
  const orgs = { membershipsOf, membershipsInMemory } as Record<string, unknown>;
  for (const name of methodNames(store.orgs)) {
    if (name in orgs) continue;
    const method = (store.orgs as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
    orgs[name] = ORG_READS.has(name)
      ? method.bind(store.orgs)
      : async (...args: unknown[]) => {
          dropMemberships();
          try {
            return await method.apply(store.orgs, args);
          } finally {
            dropMemberships();
          }
        };
  }

  const { users, tokens, packages, passkeys } = store;
  return {
    ...store,
    orgs: orgs as unknown as OrgStore,
    // A passkey added or removed may turn the account's second factor on or off.
    passkeys: {
      ...passkeys,
      async add(passkey, options) {
        try {
          return await passkeys.add(passkey, options);
        } finally {
          dropUser(passkey.userId);
        }
      },
      async remove(userId, id, options) {
        try {
          return await passkeys.remove(userId, id, options);
        } finally {
          dropUser(userId);
        }
      },
    },
    tokens: {
      ...tokens,
      inMemory: (key) => entries.get(key),
      async findWithUser(key) {
        const hit = entries.get(key);
        if (hit) return hit;
        const seen = generation;
        const found = await tokens.findWithUser(key);
        // A change while the lookup ran makes its answer stale: use it, do not keep it.
        if (found && seen === generation) {
          if (entries.size >= maxEntries) forget(entries.keys().next().value as string);
          entries.set(key, found);
          let keys = keysOfUser.get(found.user.id);
          if (!keys) keysOfUser.set(found.user.id, (keys = new Set()));
          keys.add(key);
        }
        return found;
      },
      async create(token, options) {
        afterOtp(options?.otp);
        try {
          return await tokens.create(token, options);
        } finally {
          afterOtp(options?.otp);
        }
      },
      async recordUse(uses) {
        await tokens.recordUse(uses);
        // Keep cached records current: web sessions judge idleness by their last use.
        for (const u of uses) {
          const entry = entries.get(u.key);
          if (entry && (entry.token.lastUsedAt === null || entry.token.lastUsedAt < u.at)) {
            entries.set(u.key, { user: entry.user, token: { ...entry.token, lastUsedAt: u.at } });
          }
        }
      },
      async delete(key) {
        generation++;
        forget(key);
        return tokens.delete(key);
      },
      async deleteForUser(userId, kinds, exceptKey) {
        dropUser(userId);
        try {
          return await tokens.deleteForUser(userId, kinds, exceptKey);
        } finally {
          dropUser(userId);
        }
      },
    },
    users: {
      ...users,
      async update(id, patch, options) {
        try {
          return await users.update(id, patch, options);
        } finally {
          dropUser(id);
        }
      },
      async setTfa(id, tfa, codes, options) {
        try {
          return await users.setTfa(id, tfa, codes, options);
        } finally {
          dropUser(id);
        }
      },
      async consumeOtp(otp) {
        try {
          return await users.consumeOtp(otp);
        } finally {
          afterOtp(otp);
        }
      },
    },
    packages: {
      ...packages,
      async commit(name, mutation, options) {
        try {
          return await packages.commit(name, mutation, options);
        } finally {
          afterOtp(options?.otp);
        }
      },
    },
    ...(store.subscribe
      ? {
          subscribe: (listener: (event: StoreChange) => void) =>
            store.subscribe!((event) => {
              apply(event);
              listener(event);
            }),
        }
      : {}),
  };
}
