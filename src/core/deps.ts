// What the use cases get: the ports, the clock and the settings that shape behaviour.

import type { Principal } from './access/principal.ts';
import type { BlobStore, Clock, PackageMfa, PasswordHasher, Store } from './ports.ts';

export interface CoreSettings {
  /** Absolute public URL of the registry, ending in '/'. */
  publicUrl: string;
  /** Name shown to people, and the issuer in otpauth URLs. */
  registryName: string;
  signup: 'open' | 'closed';
  sessionTtlMs: number;
  /** Largest publish body; the tarball inside may be about 3/4 of it (base64). */
  maxBodyBytes: number;
  maxTarballBytes: number;
  defaultPackageMfa: PackageMfa;
}

export interface Deps {
  store: Store;
  blobs: BlobStore;
  clock: Clock;
  hasher: PasswordHasher;
  settings: CoreSettings;
  /** Told after every committed change of a package, so caches can drop it. */
  packageChanged(name: string): void;
}

/** One request as the use cases see it. */
export interface RequestContext {
  principal: Principal;
  /** The raw npm-otp header, if any. */
  otp: string | undefined;
  ip: string;
  userAgent: string;
}

export const isoNow = (deps: Pick<Deps, 'clock'>): string => new Date(deps.clock.now()).toISOString();
