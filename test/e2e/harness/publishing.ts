// Publishing with the npm CLI and reading back what the registry holds.
import assert from 'node:assert/strict';
import { expectOk } from './expect.ts';
import { api } from './http.ts';
import type { Npm, RunResult } from './npm.ts';
import type { RunningServer } from './server.ts';

export function npmPublish(npm: Npm, name: string, version: string, args: string[] = []): Promise<RunResult> {
  return npm.run(['publish', ...args], { cwd: npm.makePackage(name, version) });
}

/** npm publish succeeds and prints "+ name@version". */
export async function expectNpmPublished(server: RunningServer, npm: Npm, name: string, version: string, args: string[] = []): Promise<void> {
  const r = await npmPublish(npm, name, version, args);
  expectOk(r, `npm publish ${name}@${version} ${args.join(' ')}`, server);
  assert.equal(r.stdout, `+ ${name}@${version}\n`);
}

/** The versions the registry holds of a package (none when it does not exist). */
export async function registryVersions(baseUrl: string, name: string): Promise<string[]> {
  const res = await api(baseUrl, `/${name}`);
  if (res.status === 404) return [];
  assert.equal(res.status, 200, res.text);
  return Object.keys(res.json.versions).sort();
}
