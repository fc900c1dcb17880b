// Passkeys and security keys (WebAuthn) as a second factor: where they work (the relying party
// from the public URL), which accounts use which factor, and what new set-ups may use. One
// rule for "2FA on" everywhere: a confirmed TfaState, which an account has when it has a
// confirmed TOTP secret or at least one passkey (the store keeps the two in step).

import { isIP } from 'node:net';
import type { Deps } from '../deps.ts';
import { fail } from '../errors.ts';
import type { User } from '../ports.ts';
import type { RelyingParty } from './webauthn-port.ts';

/**
 * The relying party of a public URL: RP ID = its host name, origin = its scheme, host and port
 * (W3C WebAuthn L3 5.1.3 and 13.4.9). null for an IP address, which cannot be an RP ID
 * (browsers refuse it: "This is an invalid domain").
 */
export function relyingPartyOf(publicUrl: string, name: string): RelyingParty | null {
  const url = new URL(publicUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 || host === '') return null;
  return { rpId: host, origin: url.origin, name };
}

/** Whether this registry offers passkeys: a host name in its URL and a policy that allows them. */
export function passkeysEnabled(deps: Deps): boolean {
  return deps.settings.twoFactorMethods !== 'totp' && relyingPartyOf(deps.settings.publicUrl, deps.settings.registryName) !== null;
}

/** Whether existing passkeys can be used (any policy: existing set-ups keep working). */
export function passkeysUsable(deps: Deps): boolean {
  return relyingPartyOf(deps.settings.publicUrl, deps.settings.registryName) !== null;
}

/** The relying party, or BAD_REQUEST explaining how to turn passkeys on. */
export function relyingParty(deps: Deps): RelyingParty {
  const rp = relyingPartyOf(deps.settings.publicUrl, deps.settings.registryName);
  if (!rp) fail('BAD_REQUEST', 'Passkeys are off on this registry: its public URL is an IP address. An administrator can set `url` to a host name (localhost included).');
  return rp;
}

/** The account has a confirmed TOTP secret (an authenticator app). */
export function hasTotp(user: User | null): boolean {
  return !!user?.tfa && !user.tfa.pending && user.tfa.secret !== null;
}

/** Two-factor is on and the account's factors are passkeys only: it cannot type a code. */
export function passkeysOnly(user: User | null): boolean {
  return !!user?.tfa && !user.tfa.pending && user.tfa.secret === null;
}
