// Reads the configuration once, from defaults, a JSON file, TESSERA_* variables and flags,
// validates every value and freezes the result. A bad value stops the start with a message
// naming the key and where it came from.

import { readFileSync } from 'node:fs';
import { type Config, type ConfigKey, type ConfigValue, envName, flagName, type KeySpec, schema } from './schema.ts';

export class ConfigError extends Error {}

function coerce(key: string, spec: KeySpec, raw: unknown, source: string): ConfigValue {
  const bad = (why: string): never => {
    const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
    throw new ConfigError(`Invalid configuration: ${key} (from ${source}) ${why}; got ${shown}.`);
  };
  switch (spec.type) {
    case 'string': {
      if (typeof raw !== 'string') bad('must be a string');
      const problem = spec.check?.(raw as string);
      if (problem) bad(problem);
      return raw as string;
    }
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(n)) bad('must be a whole number');
      if (n < spec.min || n > spec.max) bad(`must be between ${spec.min} and ${spec.max}`);
      return n;
    }
    case 'enum':
      if (typeof raw !== 'string' || !spec.values.includes(raw)) bad(`must be one of ${spec.values.join(', ')}`);
      return raw as string;
    case 'list': {
      const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : bad('must be a list');
      for (const item of list as unknown[]) {
        if (typeof item !== 'string') bad('must be a list of strings');
        const problem = spec.check?.(item as string);
        if (problem) bad(problem);
      }
      return list as string[];
    }
  }
}

export interface ConfigSources {
  flags?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  file?: string;
}

export function loadConfig(sources: ConfigSources): Readonly<Config> {
  const values: Record<string, ConfigValue> = {};
  for (const [key, spec] of Object.entries(schema)) values[key] = spec.default;
  const env = sources.env ?? {};
  const file = sources.flags?.config ?? env.TESSERA_CONFIG ?? sources.file;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`Cannot read the config file ${file}: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`The config file ${file} must hold a JSON object.`);
    for (const [key, raw] of Object.entries(parsed)) {
      if (!(key in schema)) throw new ConfigError(`Unknown configuration key "${key}" in ${file}.`);
      values[key] = coerce(key, schema[key as ConfigKey], raw, file);
    }
  }
  for (const [key, spec] of Object.entries(schema)) {
    const raw = env[envName(key)];
    if (raw !== undefined) values[key] = coerce(key, spec, raw, envName(key));
  }
  for (const [flag, raw] of Object.entries(sources.flags ?? {})) {
    if (flag === 'config') continue;
    const key = Object.keys(schema).find((k) => flagName(k) === `--${flag}`);
    if (!key) throw new ConfigError(`Unknown option --${flag}.`);
    values[key] = coerce(key, schema[key as ConfigKey], raw, `--${flag}`);
  }
  return Object.freeze(values as unknown as Config);
}
