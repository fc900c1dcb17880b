// Writes the configuration table of docs/configuration.md from the schema (a test keeps the
// two equal): node --import tsx scripts/docs-config.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { envName, flagName, schema } from '../src/config/schema.ts';

export function configTable(): string {
  const rows = ['| key (config file) | flag | environment | default | meaning |', '|---|---|---|---|---|'];
  for (const [key, spec] of Object.entries(schema)) {
    const d = 'defaultDoc' in spec && spec.defaultDoc ? spec.defaultDoc : Array.isArray(spec.default) ? spec.default.join(',') || '(none)' : String(spec.default);
    const values = spec.type === 'enum' ? ` One of: ${spec.values.join(', ')}.` : spec.type === 'int' ? ` ${spec.min}-${spec.max}.` : '';
    rows.push(`| \`${key}\` | \`${flagName(key)}\` | \`${envName(key)}\` | \`${d}\` | ${spec.doc}${values} |`);
  }
  return rows.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = new URL('../docs/configuration.md', import.meta.url);
  const doc = readFileSync(file, 'utf8');
  const start = '<!-- config-table:start -->';
  const end = '<!-- config-table:end -->';
  writeFileSync(file, `${doc.slice(0, doc.indexOf(start) + start.length)}\n${configTable()}\n${doc.slice(doc.indexOf(end))}`);
}
