// Which upstream versions are served: the minimum release age and administrators' blocks hide
// versions, and a dist-tag pointing at a hidden version moves to the highest visible version
// below it. Pure; the proxy calls it on every packument it renders from an upstream copy.
// (Being completed by the policy work: today it hides nothing.)

import type { PackumentForm } from './ports.ts';

/** A packument document as parsed from the upstream's JSON (already checked to be an object with the right name). */
export type PackumentDoc = Record<string, unknown>;

export interface VersionPolicy {
  /** Milliseconds since the epoch. */
  nowMs: number;
  /** Versions published (the full form's `time[version]`) less than this long ago are hidden; 0: off. */
  minReleaseAgeMs: number;
  /** Blocked versions → the administrator's reason. */
  blocked: ReadonlyMap<string, string>;
}

export interface VisibleVersions {
  /** The document to serve (a new object; the input is not changed). */
  doc: PackumentDoc;
  /** Hidden versions → why (shown in the tarball's 404). */
  hidden: Map<string, string>;
}

/**
 * The packument with hidden versions left out and dist-tags moved (npm-pick-manifest's rule
 * for a tag that points at a version too new). `form` is the form of `doc`; the minimum
 * release age needs the full form (which has `time`).
 */
export function visibleVersions(doc: PackumentDoc, form: PackumentForm, policy: VersionPolicy): VisibleVersions {
  void form;
  void policy;
  return { doc, hidden: new Map() };
}

/**
 * The abbreviated packument (application/vnd.npm.install-v1+json) derived from a full one:
 * name, modified, dist-tags and each version's install fields.
 */
export function abbreviate(doc: PackumentDoc): PackumentDoc {
  return doc;
}
