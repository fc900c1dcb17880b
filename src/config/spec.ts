// The building blocks of the configuration schema (src/config/schema.ts): one builder per kind
// of value, and the types that derive the shape of the validated configuration from a schema,
// so that a key is declared once. src/config/load.ts validates against these specs and
// scripts/docs-config.ts documents them.
//
// A flat key:      port: int({ default: 4873, min: 0, max: 65535, doc: 'Port to listen on.' }),
// A choice:        signup: oneOf({ default: 'open', values: ['open', 'closed'], doc: '...' }),
// A nested object: webauthn: section({ doc: '...', keys: { rpId: str({ doc: '...' }) } }),
// A list of them:  upstreams: arrayOf({ doc: '...', item: section({ doc: '...', keys: {...} }) }),
//
// A scalar key without a `default` is required where it appears (meaningful inside sections).
// Top-level scalar keys also come from TESSERA_* variables and --flags; sections and lists
// of sections come from the config file only.

interface Common {
  /** One line for docs/configuration.md. */
  doc: string;
  /** Shown in docs instead of the default, when the default is computed or empty. */
  defaultDoc?: string;
  /** Never echoed in error messages. */
  secret?: boolean;
}

/** A check returns null when the value is good, else the reason ("must be an http(s) URL"). */
export type Check<T> = (value: T) => string | null;

export interface StringSpec extends Common {
  kind: 'string';
  default?: string;
  check?: Check<string>;
  /**
   * A file or folder: a relative value in a config file is taken relative to the file's own
   * folder (as nginx, systemd units and most daemons read their files); from a flag or a
   * variable, relative to the working directory.
   */
  path?: true;
}
export interface IntSpec extends Common {
  kind: 'int';
  default?: number;
  min: number;
  max: number;
}
export interface BoolSpec extends Common {
  kind: 'bool';
  default?: boolean;
}
export interface EnumSpec<V extends string = string> extends Common {
  kind: 'enum';
  default?: V;
  values: readonly V[];
}
/** A list of strings; from a variable or flag, comma-separated. */
export interface ListSpec extends Common {
  kind: 'list';
  default?: readonly string[];
  check?: Check<string>;
}
/** A nested object with keys of its own; a missing section is `{}` (so its defaults apply). */
export interface SectionSpec<K extends Keys = Keys> {
  kind: 'section';
  doc: string;
  keys: K;
}
/** A list of sections; missing is `[]`. */
export interface ArraySpec<I extends SectionSpec = SectionSpec> {
  kind: 'array';
  doc: string;
  item: I;
  min?: number;
  max?: number;
}

export type ScalarSpec = StringSpec | IntSpec | BoolSpec | EnumSpec | ListSpec;
export type Spec = ScalarSpec | SectionSpec | ArraySpec;
export type Keys = { [key: string]: Spec };

type Args<S> = Omit<S, 'kind'>;
export const str = (o: Args<StringSpec>): StringSpec => ({ kind: 'string', ...o });
export const int = (o: Args<IntSpec>): IntSpec => ({ kind: 'int', ...o });
export const bool = (o: Args<BoolSpec>): BoolSpec => ({ kind: 'bool', ...o });
/** The values are inferred as literals: the derived type is their union. */
export const oneOf = <const V extends string>(o: Common & { values: readonly V[]; default?: NoInfer<V> }): EnumSpec<V> => ({ kind: 'enum', ...o });
export const list = (o: Args<ListSpec>): ListSpec => ({ kind: 'list', ...o });
export const section = <const K extends Keys>(o: { doc: string; keys: K }): SectionSpec<K> => ({ kind: 'section', ...o });
export const arrayOf = <I extends SectionSpec>(o: { doc: string; item: I; min?: number; max?: number }): ArraySpec<I> => ({ kind: 'array', ...o });

/** The validated value of a spec: string, number, boolean, a union of literals, or nested. */
export type ValueOf<S> = S extends StringSpec
  ? string
  : S extends IntSpec
    ? number
    : S extends BoolSpec
      ? boolean
      : S extends EnumSpec<infer V>
        ? V
        : S extends ListSpec
          ? readonly string[]
          : S extends SectionSpec<infer K>
            ? Readonly<ValuesOf<K>>
            : S extends ArraySpec<infer I>
              ? readonly ValueOf<I>[]
              : never;

/** The validated values of a table of keys. */
export type ValuesOf<K extends Keys> = { -readonly [k in keyof K]: ValueOf<K[k]> };

export const isScalar = (spec: Spec): spec is ScalarSpec => spec.kind !== 'section' && spec.kind !== 'array';

/** TESSERA_ + the key in upper snake case: registryName → TESSERA_REGISTRY_NAME. */
export const envName = (key: string) => `TESSERA_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
/** --kebab-case flag: registryName → --registry-name. */
export const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
