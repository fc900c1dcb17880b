// The part of @yarnpkg/lockfile 1.1 (yarn 1's own yarn.lock parser, a CommonJS bundle without
// types) that Tessera uses. Its exports are only reachable through the default import.
declare module '@yarnpkg/lockfile' {
  /** One yarn.lock entry; a `a@^1, a@^1.1` key appears once per pattern, sharing the value. */
  export interface YarnLockEntry {
    version?: string;
    resolved?: string;
    integrity?: string;
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    [field: string]: unknown;
  }
  export interface ParseResult {
    /** `merge`: merge conflicts that could be merged; `conflict`: ones that could not (object is empty). */
    type: 'success' | 'merge' | 'conflict';
    object: Record<string, YarnLockEntry>;
  }
  const lockfile: {
    /** Parses yarn.lock text; throws a SyntaxError ("Unknown token ... LINE:COL in lockfile") on bad text. */
    parse(text: string, fileLoc?: string): ParseResult;
    stringify(object: Record<string, unknown>, noHeader?: boolean, enableVersions?: boolean): string;
  };
  export default lockfile;
}
