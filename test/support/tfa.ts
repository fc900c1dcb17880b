// Helpers for 2FA tests with an injected clock: enrol an account, make codes for any step.

import assert from 'node:assert/strict';
import { totpCode } from '../../src/core/accounts/totp.ts';
import { PASSWORD, type TestApp } from './app.ts';
import type { TestClock } from './clock.ts';

export { TestClock } from './clock.ts';

export function codeAt(secret: string, clock: TestClock, offset = 0): string {
  return totpCode(secret, clock.step() + offset);
}

export async function enrol(t: TestApp, token: string, clock: TestClock, mode: 'auth-only' | 'auth-and-writes' = 'auth-and-writes') {
  const start = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, payload: { tfa: { mode, password: PASSWORD } } });
  assert.equal(start.statusCode, 200, start.body);
  const url = new URL(start.json().tfa);
  const secret = url.searchParams.get('secret')!;
  const confirm = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, payload: { tfa: [codeAt(secret, clock)] } });
  assert.equal(confirm.statusCode, 200, confirm.body);
  const codes = confirm.json().tfa as string[];
  // The confirmation consumed the current step: later writes use the next ones.
  clock.advanceSeconds(30);
  return { secret, codes, url };
}
