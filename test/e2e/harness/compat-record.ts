// What the client matrix ran, for the README's compatibility table (scripts/compat-table.ts):
// each client's results go to test-results/compat/CLIENT-MAJOR.json as
// { client, major, version, node, ranAt, steps: [{ step, result }] }.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './server.ts';

export type StepResult = 'pass' | 'fail' | 'not run' | 'n/a';

export interface StepRecord {
  step: string;
  result: StepResult;
}

/** Where the matrix writes what it ran: one JSON file per client. */
export const compatDir = join(repoRoot, 'test-results', 'compat');

export interface CompatRecorder {
  /** Wraps a test body: the step passes only if every test recorded under its name passed. */
  wrap(step: string, fn: () => Promise<void>): () => Promise<void>;
  /** Marks a step the client has no part in (shown as n/a). */
  notApplicable(step: string): void;
  /** Writes the file; steps listed but never started are "not run". */
  write(version: string): void;
}

export function compatRecorder(client: string, major: number, steps: readonly string[]): CompatRecorder {
  const results = new Map<string, StepResult>();
  const failed = new Set<string>(); // a later passing test of a step does not turn it green
  return {
    wrap: (step, fn) => async () => {
      if (!steps.includes(step)) throw new Error(`unknown compat step ${step}`);
      results.set(step, 'fail');
      try {
        await fn();
      } catch (e) {
        failed.add(step);
        throw e;
      }
      if (!failed.has(step)) results.set(step, 'pass');
    },
    notApplicable: (step) => results.set(step, 'n/a'),
    write(version) {
      const out = steps.map((s) => ({ step: s, result: results.get(s) ?? 'not run' }));
      mkdirSync(compatDir, { recursive: true });
      writeFileSync(
        join(compatDir, `${client}-${major}.json`),
        `${JSON.stringify({ client, major, version, node: process.version, ranAt: new Date().toISOString(), steps: out }, null, 2)}\n`,
      );
    },
  };
}
