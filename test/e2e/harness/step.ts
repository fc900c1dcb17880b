// Scenario state for tests run in order: what an earlier step produced, for the later ones.
import assert from 'node:assert/strict';

/** Holds what earlier steps of a scenario produced; later steps fail clearly without it. */
export function step<V>(what: string): { set(v: V): V; get(): V } {
  let value: V | undefined;
  return {
    set: (v) => (value = v),
    get: () => {
      assert.ok(value !== undefined, `an earlier step of this scenario failed (${what} is missing)`);
      return value;
    },
  };
}
