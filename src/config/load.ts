// Reads the configuration once, from defaults, a YAML or JSON file, TESSERA_* variables and
// flags, validates every value against the schema (src/config/schema.ts, nested sections too)
// and deep-freezes the result. A bad value stops the start with a message naming the key's
// path (`upstreams[1].url`), where it came from and why; values of secret keys, and of whole
// sections, are never echoed.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parse as parseYaml, YAMLParseError } from 'yaml';
import { schema } from './schema.ts';
import type { Config } from './schema.ts';
import { type ArraySpec, envName, flagName, isScalar, type Keys, type ScalarSpec, type SectionSpec, type Spec, type ValuesOf } from './spec.ts';

export class ConfigError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : isObject(v) ? 'a mapping' : `a ${typeof v}`);

/** Validates one scalar; strings from variables and flags are converted ("42", "true", "a,b"). */
function scalar(spec: ScalarSpec, raw: unknown, path: string, source: string): unknown {
  const bad = (why: string): never => {
    const shown = spec.secret ? '(hidden)' : isObject(raw) || Array.isArray(raw) ? kindOf(raw) : JSON.stringify(raw);
    throw new ConfigError(`Invalid configuration: ${path} (from ${source}) ${why}; got ${shown}.`);
  };
  switch (spec.kind) {
    case 'string': {
      if (typeof raw !== 'string') bad('must be a string');
      const problem = spec.check?.(raw as string);
      if (problem) bad(problem);
      return raw;
    }
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(n)) bad('must be a whole number');
      if (n < spec.min || n > spec.max) bad(`must be between ${spec.min} and ${spec.max}`);
      return n;
    }
    case 'bool':
      if (raw === true || raw === 'true') return true;
      if (raw === false || raw === 'false') return false;
      return bad('must be true or false');
    case 'enum':
      if (typeof raw !== 'string' || !spec.values.includes(raw)) bad(`must be one of ${spec.values.join(', ')}`);
      return raw;
    case 'list': {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : bad('must be a list');
      for (const item of items) {
        if (typeof item !== 'string') bad('must be a list of strings');
        const problem = spec.check?.(item as string);
        if (problem) bad(problem);
      }
      return [...items];
    }
  }
}

/** Validates any spec at `path`; `raw` undefined means "not given" (default, `{}` or `[]`). */
function value(spec: Spec, raw: unknown, path: string, source: string): unknown {
  if (spec.kind === 'section') return keys(spec.keys, raw ?? {}, path, source);
  if (spec.kind === 'array') return array(spec, raw ?? [], path, source);
  if (raw === undefined) {
    if (spec.default === undefined) throw new ConfigError(`Invalid configuration: ${path} (from ${source}) is required.`);
    return Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return scalar(spec, raw, path, source);
}

function keys(table: Keys, raw: unknown, path: string, source: string): Record<string, unknown> {
  if (!isObject(raw)) throw new ConfigError(`Invalid configuration: ${path} (from ${source}) must be a mapping of keys; got ${kindOf(raw)}.`);
  for (const key of Object.keys(raw)) {
    // Own keys only: "toString" or "__proto__" are not keys of the schema.
    if (!Object.hasOwn(table, key)) throw new ConfigError(`Unknown configuration key "${path ? `${path}.` : ''}${key}" in ${source}.`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) out[key] = value(spec, raw[key], path ? `${path}.${key}` : key, source);
  return out;
}

function array(spec: ArraySpec, raw: unknown, path: string, source: string): unknown[] {
  if (!Array.isArray(raw)) throw new ConfigError(`Invalid configuration: ${path} (from ${source}) must be a list; got ${kindOf(raw)}.`);
  const { min = 0, max = Infinity } = spec;
  if (raw.length < min || raw.length > max) {
    throw new ConfigError(`Invalid configuration: ${path} (from ${source}) must have ${max === Infinity ? `at least ${min}` : `${min} to ${max}`} entries; got ${raw.length}.`);
  }
  return raw.map((item, i) => value(spec.item as SectionSpec, item, `${path}[${i}]`, source));
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

/**
 * Parses a config file: YAML when its name ends in .yaml or .yml, else JSON. Throws a
 * ConfigError naming the file and, for a syntax error, its line and column, without quoting
 * the file's text (it may hold secrets).
 */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`Cannot read the config file ${file}: ${(e as Error).message}`);
  }
  if (/\.ya?ml$/i.test(file)) {
    const lineCounter = new LineCounter();
    try {
      // An empty document (only comments) sets nothing.
      return parseYaml(text, { lineCounter, prettyErrors: false, logLevel: 'error', uniqueKeys: true }) ?? {};
    } catch (e) {
      if (!(e instanceof YAMLParseError)) throw e;
      const { line, col } = lineCounter.linePos(e.pos[0]);
      throw new ConfigError(`The config file ${file} is not valid YAML: ${e.message.split('\n')[0]} at line ${line}, column ${col}.`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8 quotes the text around the error ("...is not valid JSON"): keep only the reason and
    // turn "at position N" into a line and column.
    const message = (e as Error).message;
    const at = /at position (\d+)/.exec(message);
    const reason = /is not valid JSON$/.test(message) ? message.split(',')[0] : message.replace(/ in JSON at position \d+.*$/s, '');
    let where = '';
    if (at) {
      const before = text.slice(0, Number(at[1]));
      const line = before.split('\n').length;
      where = ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
    }
    throw new ConfigError(`The config file ${file} is not valid JSON: ${reason}${where}.`);
  }
}

export interface ConfigSources {
  flags?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  file?: string;
}

/**
 * Loads the configuration of a given schema table (loadConfig uses the product schema; tests
 * pass fragments). Later sources win: defaults, the file (`--config`, TESSERA_CONFIG or
 * `sources.file`; YAML or JSON), TESSERA_* variables, then flags. Only top-level scalar keys
 * have a variable and a flag. Throws ConfigError on the first bad value or unknown key/flag.
 */
export function loadConfigFrom<K extends Keys>(table: K, sources: ConfigSources): Readonly<ValuesOf<K>> {
  const env = sources.env ?? {};
  const file = sources.flags?.config ?? env.TESSERA_CONFIG ?? sources.file;
  let fromFile: unknown = {};
  if (file) {
    fromFile = readConfigFile(file);
    if (!isObject(fromFile)) throw new ConfigError(`The config file ${file} must hold a mapping of keys (a YAML mapping or a JSON object).`);
  }
  const values = keys(table, fromFile, '', file ?? 'the defaults');
  if (file) {
    // Paths written in the file are the file's: relative to its folder, wherever Tessera starts.
    for (const [key, spec] of Object.entries(table)) {
      const v = values[key];
      if (spec.kind === 'string' && spec.path && typeof v === 'string' && v !== '' && Object.hasOwn(fromFile as object, key)) values[key] = resolve(dirname(resolve(file)), v);
    }
  }
  const scalars = Object.entries(table).filter(([, spec]) => isScalar(spec)) as [string, ScalarSpec][];
  for (const [key, spec] of scalars) {
    const raw = env[envName(key)];
    if (raw !== undefined) values[key] = scalar(spec, raw, key, envName(key));
  }
  for (const [flag, raw] of Object.entries(sources.flags ?? {})) {
    if (flag === 'config') continue;
    const found = scalars.find(([key]) => flagName(key) === `--${flag}`);
    if (!found) throw new ConfigError(`Unknown option --${flag}.`);
    values[found[0]] = scalar(found[1], raw, found[0], `--${flag}`);
  }
  return deepFreeze(values as ValuesOf<K>);
}

/** The product configuration (src/config/schema.ts) from the given sources; see loadConfigFrom. */
export function loadConfig(sources: ConfigSources): Readonly<Config> {
  return loadConfigFrom(schema, sources);
}
