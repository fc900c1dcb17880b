// The WebAuthn ceremonies core needs, without the cryptography: the adapter
// (adapters/webauthn.ts) does them with @simplewebauthn/server. Core makes the challenges,
// keeps them in the store, decides who may do what and checks the signature counter.

/** Where a ceremony must have happened: the RP ID (a host name) and the page's origin. */
export interface RelyingParty {
  rpId: string;
  origin: string;
  name: string;
}

/** A stored credential as the verification needs it (public data only). */
export interface CredentialKey {
  id: string;
  /** COSE public key, base64url. */
  publicKey: string;
  transports: string[];
}

export interface RegisteredCredential {
  id: string;
  publicKey: string;
  counter: number;
  transports: string[];
  multiDevice: boolean;
  backedUp: boolean;
}

export interface WebAuthnCeremonies {
  /**
   * PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create (W3C WebAuthn L3
   * 5.4): `challenge` base64url; resident keys preferred, user verification preferred.
   */
  registrationOptions(input: { rp: RelyingParty; challenge: string; userName: string; userHandle: string; exclude: CredentialKey[] }): Promise<unknown>;
  /** Checks an attestation (any format, no attestation trust needed); throws with the reason. */
  verifyRegistration(response: unknown, expected: { rp: RelyingParty; challenge: string }): Promise<RegisteredCredential>;
  /** PublicKeyCredentialRequestOptionsJSON for navigator.credentials.get. */
  authenticationOptions(input: { rp: RelyingParty; challenge: string; allow: CredentialKey[]; userVerification: 'required' | 'preferred' }): Promise<unknown>;
  /**
   * Checks an assertion's origin, RP ID, challenge, flags and signature against `credential`;
   * throws with the reason. The signature counter is returned, not judged (core judges it).
   */
  verifyAuthentication(
    response: unknown,
    expected: { rp: RelyingParty; challenge: string; credential: CredentialKey; requireUserVerification: boolean },
  ): Promise<{ counter: number; userVerified: boolean; backedUp: boolean }>;
}
