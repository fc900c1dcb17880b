#!/usr/bin/env node
// Entry point of the `tessera` command. The sources are TypeScript, loaded through tsx's
// ESM hook so that `npm ci && npm start` needs no build step.
import { register } from 'tsx/esm/api';

register();
// Before anything else runs: keeps process.nextTick off V8's slow path (src/runtime/tick-object-shapes.ts).
(await import('../src/runtime/tick-object-shapes.ts')).keepTickObjectShapes();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
