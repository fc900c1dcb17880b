// argon2id (m=19456 KiB, t=2, p=1: the OWASP minimum) on libuv's thread pool, with a cap on
// how many run at once so that a login storm cannot starve file I/O or the event loop.

import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../core/ports.ts';

const OPTIONS = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function createArgon2Hasher(maxConcurrent: number): PasswordHasher {
  let running = 0;
  const waiting: Array<() => void> = [];
  async function limited<T>(work: () => Promise<T>): Promise<T> {
    // A finishing hash hands its slot straight to the next waiter.
    if (running >= maxConcurrent) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }
  return {
    hash: (password) => limited(() => hash(password, OPTIONS)),
    verify: (encoded, password) =>
      limited(async () => {
        try {
          return await verify(encoded, password);
        } catch {
          return false;
        }
      }),
  };
}
