// Keeps Node's process.nextTick on V8's fast path for the life of the process.
//
// Every nextTick builds `{ [async_id_symbol]: id, [trigger_async_id_symbol]: id, callback, args }`
// (node:internal/process/task_queues). Because the first two keys are computed, V8 defines all
// four properties one by one and remembers, per definition, the hidden class ("map") it saw
// the first time. The first time it meets another map there, that definition goes
// megamorphic for good (V8's Runtime_DefineKeyedOwnPropertyInLiteral goes straight from
// monomorphic to megamorphic), and from then on every nextTick (several per HTTP request:
// ending the request stream, finishing the response) defines its properties in the runtime,
// migrating the object from map to map.
//
// The maps after the first property are reachable only from live tick objects. A full
// garbage collection at a moment when no tick is queued (an idle server: V8's memory reducer
// collects a few seconds after start-up) frees them, the next nextTick makes new ones, and
// the definitions go megamorphic. Measured on Node 20 (docs/performance.md): about a tenth of
// the CPU of each cached read, in every process that had such a collection before its first
// request (two of five started this way).
//
// Holding one tick object keeps its maps, and the transitions to them, alive, so later tick
// objects get the very maps the feedback recorded.

import { createHook } from 'node:async_hooks';

let kept: object | undefined;

/**
 * Captures one tick object (through an async hook's `init`, enabled for one nextTick only) and
 * holds it for the life of the process. Call it first thing, before the process has been idle;
 * later calls do nothing. Where Node reports no tick object, nothing is held and the slower
 * path stays possible (keptTickObject() tells).
 */
export function keepTickObjectShapes(): void {
  if (kept !== undefined) return;
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject' && kept === undefined) kept = resource;
    },
  });
  hook.enable();
  try {
    process.nextTick(() => {});
  } finally {
    hook.disable();
  }
}

/** The tick object held (tests compare its hidden class with later ones), or undefined. */
export function keptTickObject(): object | undefined {
  return kept;
}
