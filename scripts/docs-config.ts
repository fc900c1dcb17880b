// Writes the configuration table of docs/configuration.md from the schema (a test keeps the
// two equal): node --import tsx scripts/docs-config.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { schema } from '../src/config/schema.ts';
import { envName, flagName, type Keys, type Spec } from '../src/config/spec.ts';

function defaultCell(spec: Spec): string {
  if (spec.kind === 'section') return '{}';
  if (spec.kind === 'array') return '[]';
  if (spec.defaultDoc) return spec.defaultDoc;
  if (spec.default === undefined) return '(required)';
  return Array.isArray(spec.default) ? spec.default.join(',') || '(none)' : String(spec.default);
}

function meaning(spec: Spec): string {
  switch (spec.kind) {
    case 'enum':
      return `${spec.doc} One of: ${spec.values.join(', ')}.`;
    case 'int':
      return `${spec.doc} ${spec.min}-${spec.max}.`;
    case 'bool':
      return `${spec.doc} true or false.`;
    case 'section':
      return `${spec.doc} A mapping with the keys below.`;
    case 'array': {
      const { min = 0, max } = spec;
      const count = max === undefined ? (min > 0 ? ` At least ${min}.` : '') : ` ${min} to ${max} entries.`;
      return `${spec.doc} A list of mappings with the keys below.${count}`;
    }
    default:
      return spec.doc;
  }
}

/**
 * The rows of the table for a schema table: top-level scalar keys with their flag and
 * variable; sections (`a.b`) and lists of sections (`a[].b`) with each nested key, file only.
 */
export function configTable(table: Keys = schema): string {
  const rows = ['| key (config file) | flag | environment | default | meaning |', '|---|---|---|---|---|'];
  const walk = (keys: Keys, prefix: string) => {
    for (const [key, spec] of Object.entries(keys)) {
      const path = `${prefix}${key}`;
      const top = prefix === '' && spec.kind !== 'section' && spec.kind !== 'array';
      const [flag, env] = top ? [`\`${flagName(key)}\``, `\`${envName(key)}\``] : ['(file only)', '(file only)'];
      rows.push(`| \`${path}\` | ${flag} | ${env} | \`${defaultCell(spec)}\` | ${meaning(spec)} |`);
      if (spec.kind === 'section') walk(spec.keys, `${path}.`);
      if (spec.kind === 'array') walk(spec.item.keys, `${path}[].`);
    }
  };
  walk(table, '');
  return rows.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = new URL('../docs/configuration.md', import.meta.url);
  const doc = readFileSync(file, 'utf8');
  const start = '<!-- config-table:start -->';
  const end = '<!-- config-table:end -->';
  writeFileSync(file, `${doc.slice(0, doc.indexOf(start) + start.length)}\n${configTable()}\n${doc.slice(doc.indexOf(end))}`);
}
