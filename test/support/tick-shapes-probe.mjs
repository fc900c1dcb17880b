// Preloaded (node --import) by test/unit/tick-object-shapes.test.ts into a process it starts
// with --expose-gc and --allow-natives-syntax. After PROBE_AFTER_MS (the process has started
// by then) it lets nextTick run, collects all garbage while no tick is queued (what V8's memory
// reducer does on an idle server), lets nextTick run again, and prints one JSON line,
// {"sameAsKept": true | false | null}: whether a new tick object has the hidden class of the one
// src/runtime/tick-object-shapes.ts holds (null when none is held). V8's inline caches for the
// literal stay monomorphic exactly when it does (V8's %DebugPrint of process.nextTick shows
// their states, but its printer is not reliable enough for a test).
import { createHook } from 'node:async_hooks';
import { pathToFileURL } from 'node:url';

const tick = () => new Promise((resolve) => process.nextTick(resolve));
const later = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The tick object of one nextTick, seen through an async hook. */
function tickObject() {
  let seen;
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'TickObject') seen ??= resource;
    },
  }).enable();
  process.nextTick(() => {});
  hook.disable();
  return seen;
}

setTimeout(async () => {
  for (let i = 0; i < 200; i++) await tick();
  await later(5);
  globalThis.gc();
  globalThis.gc();
  await later(5);
  for (let i = 0; i < 20; i++) await tick();
  let sameAsKept = null;
  const held = (await import(pathToFileURL(process.env.PROBE_MODULE).href)).keptTickObject();
  if (held !== undefined) sameAsKept = new Function('a', 'b', 'return %HaveSameMap(a, b)')(held, tickObject());
  process.stdout.write(`${JSON.stringify({ sameAsKept })}\n`, () => process.exit(0));
}, Number(process.env.PROBE_AFTER_MS ?? 0));
