// Provenance for local packages: `npm publish --provenance` (and trusted publishing from a public
// GitHub repository) attaches a Sigstore bundle as `_attachments["NAME-VERSION.sigstore"]`
// (libnpmpublish lib/publish.js). Tessera keeps it with the version (the manifest's
// PROVENANCE_KEY, never served in packuments) and serves it as npmjs does: `dist.attestations`
// `{url, provenance: {predicateType}}` and `GET /-/npm/v1/attestations/NAME@VERSION` answering
// `{attestations: [{predicateType, bundle}]}`. Tessera checks the bundle's shape and that its one
// in-toto subject is this package, version and tarball (as libnpmpublish's verifyProvenance
// does), but cannot verify its Sigstore signature and certificate offline (docs/signatures.md).

import { fail, shown } from '../errors.ts';
import { isPlainObject } from './rules.ts';

/** Where the bundle is stored in a version's manifest; stripped from every packument. */
export const PROVENANCE_KEY = '_provenanceBundle';
/** Largest bundle accepted (npmjs's are 4-10 KB). */
export const MAX_BUNDLE_BYTES = 256 * 1024;

export interface ProvenanceBundle {
  /** The bundle as sent (parsed JSON). */
  bundle: Record<string, unknown>;
  /** The in-toto statement's predicateType, e.g. `https://slsa.dev/provenance/v1`. */
  predicateType: string;
  /** The subject's sha512 digest, hex: must be the tarball's. */
  sha512Hex: string;
}

/**
 * The provenance bundle among a publish body's attachments, or null when there is none.
 * Errors: INVALID_PUBLISH naming what is wrong (not JSON, not a Sigstore DSSE bundle, no or
 * several subjects, a subject of another package or version).
 */
export function readProvenanceAttachment(name: string, version: string, attachments: Record<string, unknown>): ProvenanceBundle | null {
  const bad = (msg: string): never => fail('INVALID_PUBLISH', `The provenance bundle ${msg}`);
  const files = Object.keys(attachments).filter((f) => f.endsWith('.sigstore'));
  if (files.length === 0) return null;
  if (files.length > 1 || files[0] !== `${name}-${version}.sigstore`) bad(`must be the one attachment ${name}-${version}.sigstore.`);
  const att = attachments[files[0]];
  if (!isPlainObject(att) || typeof att.data !== 'string') bad('has no data.');
  const data = (att as Record<string, unknown>).data as string;
  if (Buffer.byteLength(data) > MAX_BUNDLE_BYTES) bad(`is larger than ${MAX_BUNDLE_BYTES} bytes.`);
  let bundle: unknown;
  try {
    bundle = JSON.parse(data);
  } catch {
    return bad('is not JSON.');
  }
  if (!isPlainObject(bundle)) return bad('is not a JSON object.');
  const b = bundle as Record<string, unknown>;
  if (typeof b.mediaType !== 'string' || !b.mediaType.startsWith('application/vnd.dev.sigstore.bundle')) bad('has no Sigstore bundle mediaType.');
  const env = b.dsseEnvelope;
  if (!isPlainObject(env) || typeof env.payload !== 'string' || env.payloadType !== 'application/vnd.in-toto+json' || !Array.isArray(env.signatures)) {
    bad('has no in-toto DSSE envelope.');
  }
  let statement: unknown;
  try {
    statement = JSON.parse(Buffer.from((env as Record<string, string>).payload, 'base64').toString('utf8'));
  } catch {
    return bad('payload is not an in-toto statement.');
  }
  const s = isPlainObject(statement) ? (statement as Record<string, unknown>) : bad('payload is not an in-toto statement.');
  if (typeof s.predicateType !== 'string' || s.predicateType.length === 0 || s.predicateType.length > 200) bad('statement has no predicateType.');
  if (!Array.isArray(s.subject) || s.subject.length !== 1) bad('statement must have exactly one subject.');
  const subject = (s.subject as unknown[])[0];
  if (!isPlainObject(subject) || typeof subject.name !== 'string' || !isPlainObject(subject.digest)) bad('subject has no name and digest.');
  const subj = subject as { name: string; digest: Record<string, unknown> };
  let named: string | null = null;
  try {
    named = subj.name.startsWith('pkg:npm/') ? decodeURIComponent(subj.name.slice(8)) : null;
  } catch {
    named = null;
  }
  if (named !== `${name}@${version}`) bad(`subject ${shown(subj.name, 200)} is not ${name}@${version}.`);
  const sha512Hex = subj.digest.sha512;
  if (typeof sha512Hex !== 'string' || !/^[0-9a-f]{128}$/.test(sha512Hex)) bad('subject has no sha512 digest.');
  return { bundle: b, predicateType: s.predicateType as string, sha512Hex: sha512Hex as string };
}

/** The attestations URL of a version (npmjs's form: a scoped name's slash as %2f). */
export function attestationsUrl(publicUrl: string, name: string, version: string): string {
  return `${publicUrl}-/npm/v1/attestations/${name.replace('/', '%2f')}@${version}`;
}

/**
 * The answer of `GET /-/npm/v1/attestations/NAME@VERSION` for a stored manifest, or null when
 * the version has no bundle: `{attestations: [{predicateType, bundle}]}` (pacote
 * lib/registry.js reads `attestations[].predicateType` and `.bundle`).
 */
export function attestationsDocument(manifest: Record<string, unknown>): { attestations: Array<{ predicateType: string; bundle: unknown }> } | null {
  const bundle = manifest[PROVENANCE_KEY];
  const dist = manifest.dist as Record<string, unknown> | undefined;
  const att = dist?.attestations as { provenance?: { predicateType?: unknown } } | undefined;
  const predicateType = att?.provenance?.predicateType;
  if (!isPlainObject(bundle) || typeof predicateType !== 'string') return null;
  return { attestations: [{ predicateType, bundle }] };
}
