// Prints the configuration table of docs/configuration.md from the schema (a test keeps the
// two equal): node --import tsx scripts/docs-config.ts
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

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${configTable()}\n`);
