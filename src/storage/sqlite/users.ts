import type Database from 'better-sqlite3';
import { DomainError } from '../../core/errors.ts';
import type { NewUser, User, UserPatch, UserStore } from '../../core/ports.ts';

export interface UserRow {
  id: number;
  name: string;
  email: string;
  email_verified: number;
  password_hash: string;
  fullname: string | null;
  homepage: string | null;
  freenode: string | null;
  twitter: string | null;
  github: string | null;
  created_at: string;
  updated_at: string;
}

export const USER_COLUMNS = 'u.id, u.name, u.email, u.email_verified, u.password_hash, u.fullname, u.homepage, u.freenode, u.twitter, u.github, u.created_at, u.updated_at';

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    emailVerified: r.email_verified === 1,
    passwordHash: r.password_hash,
    fullname: r.fullname,
    homepage: r.homepage,
    freenode: r.freenode,
    twitter: r.twitter,
    github: r.github,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const PATCH_COLUMNS: Record<keyof UserPatch, string> = {
  email: 'email',
  emailVerified: 'email_verified',
  passwordHash: 'password_hash',
  fullname: 'fullname',
  homepage: 'homepage',
  freenode: 'freenode',
  twitter: 'twitter',
  github: 'github',
};

export function sqliteUsers(db: Database.Database, now: () => string): UserStore {
  const byName = db.prepare(`SELECT ${USER_COLUMNS} FROM users u WHERE u.name = ?`);
  const byId = db.prepare(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ?`);
  const scopeTaken = db.prepare('SELECT 1 FROM scopes WHERE scope = ?');
  const insert = db.prepare('INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const create = db.transaction((u: NewUser): number => {
    // The scope @NAME belongs to user NAME, so a name somebody's scope already uses is taken.
    if (byName.get(u.name) || scopeTaken.get(u.name)) throw new DomainError('USER_EXISTS', 'The user name is taken.');
    const t = now();
    return Number(insert.run(u.name, u.email, u.passwordHash, t, t).lastInsertRowid);
  });
  return {
    async findByName(name) {
      const r = byName.get(name) as UserRow | undefined;
      return r ? toUser(r) : null;
    },
    async findById(id) {
      const r = byId.get(id) as UserRow | undefined;
      return r ? toUser(r) : null;
    },
    async create(u) {
      const id = create.immediate(u);
      return toUser(byId.get(id) as UserRow);
    },
    async update(id, patch) {
      const sets: string[] = [];
      const values: unknown[] = [];
      for (const [k, v] of Object.entries(patch) as Array<[keyof UserPatch, unknown]>) {
        if (v === undefined) continue;
        sets.push(`${PATCH_COLUMNS[k]} = ?`);
        values.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
      }
      sets.push('updated_at = ?');
      values.push(now(), id);
      db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values);
      return toUser(byId.get(id) as UserRow);
    },
  };
}
