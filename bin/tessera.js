#!/usr/bin/env node
// Entry point of the `tessera` command. The sources are TypeScript, loaded through tsx's
// ESM hook so that `npm ci && npm start` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
