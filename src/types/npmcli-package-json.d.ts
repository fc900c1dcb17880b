// The part of @npmcli/package-json (npm's own manifest reader, 7.x) that Tessera uses.
declare module '@npmcli/package-json' {
  export default class PackageJson {
    static prepareSteps: readonly string[];
    static fixSteps: readonly string[];
    load(path: string, parseIndex?: boolean): Promise<PackageJson>;
    /** Sets the folder (for the steps that read files) and an empty manifest; no I/O. */
    create(path: string): PackageJson;
    /** Parses package.json text as load() does (json-parse-even-better-errors). */
    fromJSON(data: string | Buffer): PackageJson;
    /** Takes an object (already parsed) as the manifest; throws for anything but an object. */
    fromContent(data: Record<string, unknown>): PackageJson;
    fix(opts?: { changes?: string[] }): Promise<PackageJson>;
    prepare(opts?: { steps?: readonly string[]; root?: string; changes?: string[] }): Promise<PackageJson>;
    get content(): Record<string, unknown>;
  }
}
