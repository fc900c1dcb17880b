// A provenance bundle of npmjs's shape (Sigstore bundle v0.3, DSSE envelope around an in-toto
// SLSA v1 statement whose subject is the package's purl and tarball sha512), as
// libnpmpublish attaches it to a publish body as NAME-VERSION.sigstore. Its signature and
// certificate are placeholders: Tessera cannot check them offline, and does not.

import { createHash } from 'node:crypto';

export const SLSA_V1 = 'https://slsa.dev/provenance/v1';

/** The purl npm puts in the subject (npa.toPurl): `pkg:npm/%40scope/name@1.0.0`. */
export const purl = (name: string, version: string) => `pkg:npm/${name.replace(/^@/, '%40')}@${version}`;

export function provenanceBundle(name: string, version: string, tarball: Buffer, overrides: { subjectName?: string; sha512?: string } = {}): Record<string, unknown> {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: overrides.subjectName ?? purl(name, version), digest: { sha512: overrides.sha512 ?? createHash('sha512').update(tarball).digest('hex') } }],
    predicateType: SLSA_V1,
    predicate: {
      buildDefinition: {
        buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
        externalParameters: { workflow: { ref: 'refs/heads/main', repository: 'https://github.com/example/repo', path: '.github/workflows/release.yml' } },
        internalParameters: { github: { event_name: 'push', repository_id: '1', repository_owner_id: '2' } },
        resolvedDependencies: [{ uri: 'git+https://github.com/example/repo@refs/heads/main', digest: { gitCommit: 'a'.repeat(40) } }],
      },
      runDetails: { builder: { id: 'https://github.com/actions/runner/github-hosted' }, metadata: { invocationId: 'https://github.com/example/repo/actions/runs/1/attempts/1' } },
    },
  };
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      certificate: { rawBytes: Buffer.from('placeholder certificate').toString('base64') },
      tlogEntries: [{
        logIndex: '123456789',
        logId: { keyId: 'wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=' },
        kindVersion: { kind: 'dsse', version: '0.0.1' },
        integratedTime: '1764440000',
        inclusionPromise: { signedEntryTimestamp: 'MEUCIQ==' },
        inclusionProof: { logIndex: '1', rootHash: 'AA==', treeSize: '2', hashes: ['AA=='], checkpoint: { envelope: 'rekor.sigstore.dev - 1\n2\nAA==\n' } },
        canonicalizedBody: 'e30=',
      }],
    },
    dsseEnvelope: {
      payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
      payloadType: 'application/vnd.in-toto+json',
      signatures: [{ sig: 'MEUCIQDplaceholder', keyid: '' }],
    },
  };
}

/** Adds `bundle` to a publish body as libnpmpublish does (JSON text, its mediaType as content_type). */
export function attachProvenance(body: Record<string, any>, name: string, version: string, bundle: unknown, data = JSON.stringify(bundle)): void {
  body._attachments[`${name}-${version}.sigstore`] = { content_type: (bundle as { mediaType?: string }).mediaType, data, length: data.length };
}
