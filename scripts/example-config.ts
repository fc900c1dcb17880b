// Writes docs/tessera.example.yaml from the schema: every key with its default and a comment (a
// test keeps the two equal, and checks that the file loads to the defaults):
// node --import tsx scripts/example-config.ts
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { schema } from '../src/config/schema.ts';
import { envName, flagName, type Keys, type Spec } from '../src/config/spec.ts';

/** `text` as comment lines of at most `width` characters, each starting with `prefix`. */
function comment(text: string, prefix = '# ', width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(prefix + line);
  return lines;
}

function range(spec: Spec): string {
  if (spec.kind === 'enum') return ` One of: ${spec.values.join(', ')}.`;
  if (spec.kind === 'int') return ` ${spec.min}-${spec.max}.`;
  return '';
}

/** `key: value` as YAML writes it (quoted where needed). */
const yamlLine = (key: string, value: unknown) => stringify({ [key]: value }, { lineWidth: 0 }).trimEnd();

function itemKeys(keys: Keys): string[] {
  const out: string[] = [];
  for (const [key, spec] of Object.entries(keys)) {
    if (spec.kind === 'section' || spec.kind === 'array') continue;
    const dflt = spec.default === undefined ? '(required)' : `default ${JSON.stringify(spec.default)}`;
    out.push(...comment(`${key}: ${dflt}. ${spec.doc}${range(spec)}`, '#     ', 100));
  }
  return out;
}

export function exampleConfig(): string {
  const out = [
    '# Tessera: a sample configuration with every key at its default (docs/configuration.md says',
    '# the same as a table). Generated from src/config/schema.ts by',
    '# `node --import tsx scripts/example-config.ts`; a test keeps it equal to the schema.',
    '#',
    '# Use it with `tessera serve --config /etc/tessera/tessera.yaml`. Every top-level key may also',
    '# come from a TESSERA_* variable or a --flag (which win over this file). Keys whose default',
    '# is computed at start are left commented out.',
  ];
  for (const [key, spec] of Object.entries(schema as Keys)) {
    out.push('');
    if (spec.kind === 'array') {
      out.push(...comment(`${spec.doc} Each entry has:`));
      out.push(...itemKeys(spec.item.keys));
      out.push(yamlLine(key, []));
      continue;
    }
    if (spec.kind === 'section') {
      out.push(...comment(spec.doc));
      out.push(...itemKeys(spec.keys));
      out.push(yamlLine(key, {}));
      continue;
    }
    out.push(...comment(`${spec.doc}${range(spec)} Flag ${flagName(key)}, variable ${envName(key)}.`));
    const computed = spec.defaultDoc !== undefined && !(spec.kind === 'string' && spec.default === '');
    if (computed) out.push(`# ${key}:   (default: ${spec.defaultDoc})`);
    else {
      if (spec.defaultDoc !== undefined) out.push(`# (empty means ${spec.defaultDoc})`);
      out.push(yamlLine(key, spec.kind === 'list' ? [...(spec.default ?? [])] : spec.default));
    }
  }
  return `${out.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('../docs/tessera.example.yaml', import.meta.url), exampleConfig());
}
