// The WebAuthn ceremonies of core/accounts/webauthn-port.ts with @simplewebauthn/server 14:
// option JSON for the browser and the checks of attestations and assertions (origin, RP ID,
// challenge, user presence and verification flags, signature). Attestation statements are
// checked for consistency but no authenticator model is required ("none" is asked for).

import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, AuthenticatorTransport, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { WebAuthnCeremonies } from '../core/accounts/webauthn-port.ts';

/** How long the browser waits for the person, in milliseconds (the challenge lives a little longer). */
const TIMEOUT_MS = 90_000;

const transports = (t: string[]) => t as AuthenticatorTransport[];

export function createWebAuthnCeremonies(): WebAuthnCeremonies {
  return {
    async registrationOptions({ rp, challenge, userName, userHandle, exclude }) {
      return generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.rpId,
        userName,
        userID: isoBase64URL.toBuffer(userHandle),
        challenge: isoBase64URL.toBuffer(challenge),
        timeout: TIMEOUT_MS,
        attestationType: 'none',
        excludeCredentials: exclude.map((c) => ({ id: c.id, transports: transports(c.transports) })),
        // Platform and roaming authenticators; a resident (discoverable) key where possible, so
        // that it can also sign in without a password.
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      });
    },
    async verifyRegistration(response, { rp, challenge }) {
      const result = await verifyRegistrationResponse({
        response: response as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpId,
        requireUserVerification: false,
      });
      if (!result.verified) throw new Error('the attestation was not verified');
      const info = result.registrationInfo;
      return {
        id: info.credential.id,
        publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
        counter: info.credential.counter,
        transports: info.credential.transports ?? [],
        multiDevice: info.credentialDeviceType === 'multiDevice',
        backedUp: info.credentialBackedUp,
      };
    },
    async authenticationOptions({ rp, challenge, allow, userVerification }) {
      return generateAuthenticationOptions({
        rpID: rp.rpId,
        challenge: isoBase64URL.toBuffer(challenge),
        timeout: TIMEOUT_MS,
        allowCredentials: allow.map((c) => ({ id: c.id, transports: transports(c.transports) })),
        userVerification,
      });
    },
    async verifyAuthentication(response, { rp, challenge, credential, requireUserVerification }) {
      const result = await verifyAuthenticationResponse({
        response: response as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpId,
        // Counter 0 here: the library then never judges the counter, core does (and logs it).
        credential: { id: credential.id, publicKey: isoBase64URL.toBuffer(credential.publicKey), counter: 0, transports: transports(credential.transports) },
        requireUserVerification,
      });
      if (!result.verified) throw new Error('the signature was not verified');
      const info = result.authenticationInfo;
      return { counter: info.newCounter, userVerified: info.userVerified, backedUp: info.credentialBackedUp };
    },
  };
}
