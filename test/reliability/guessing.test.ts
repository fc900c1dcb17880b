import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/clock.ts';

const clock = new TestClock();
let t: TestApp;
before(async () => {
  t = await startApp({}, clock, { defaultLimits: true });
});
after(() => t.close());

const login = (name: string, password: string, ip: string) =>
  t.request({ method: 'PUT', url: `/-/user/org.couchdb.user:${name}`, payload: { name, password }, remoteAddress: ip });

test('password guessing from one address: 429 with Retry-After by the 10th failure', async () => {
  await t.signUp('victim1');
  const statuses: number[] = [];
  let last;
  for (let i = 0; i < 10; i++) {
    last = await login(i % 2 ? 'victim1' : `nobody${i}`, 'wrong guess number one', '10.9.9.9');
    statuses.push(last.statusCode);
  }
  assert.ok(statuses.slice(0, 9).every((s) => s === 401), statuses.join());
  assert.equal(statuses[9], 429);
  assert.ok(Number(last!.headers['retry-after']) > 0);
  assert.match(last!.json().error, /Too many failed logins from your address/);
  // Even the right password is refused from that address during the window...
  assert.equal((await login('victim1', PASSWORD, '10.9.9.9')).statusCode, 429);
  // ...but not from the owner's own address.
  assert.equal((await login('victim1', PASSWORD, '10.1.1.1')).statusCode, 201);
  clock.advanceSeconds(15 * 60 + 1);
  assert.equal((await login('victim1', PASSWORD, '10.9.9.9')).statusCode, 201);
});

test('password guessing against one account from many addresses: a short delay, never a lock-out', async () => {
  await t.signUp('victim2');
  for (let i = 0; i < 10; i++) assert.equal((await login('victim2', 'wrong guess number two', `10.2.0.${i}`)).statusCode, 401);
  const throttled = await login('victim2', 'wrong guess number three', '10.2.1.1');
  assert.equal(throttled.statusCode, 429);
  const wait = Number(throttled.headers['retry-after']);
  assert.ok(wait >= 1 && wait <= 30, `Retry-After ${wait}`);
  // The delay is capped: however many guesses came before, the owner waits at most 30 s.
  for (let i = 0; i < 20; i++) {
    clock.advanceSeconds(31);
    await login('victim2', 'yet another wrong guess', `10.3.0.${i}`);
  }
  clock.advanceSeconds(31);
  assert.equal((await login('victim2', PASSWORD, '10.4.4.4')).statusCode, 201);
  // A success resets the account's count.
  assert.equal((await login('victim2', 'wrong after success', '10.4.4.5')).statusCode, 401);
  const token = (await login('victim2', PASSWORD, '10.4.4.6')).json().token;
  const log = (await t.request({ url: '/-/tessera/v1/security-log?limit=100', token })).json().objects;
  assert.ok(log.filter((e: { type: string }) => e.type === 'login-failed').length >= 10);
  assert.ok(log.some((e: { type: string; ip: string }) => e.type === 'login' && e.ip === '10.4.4.4'));
  assert.ok(log.some((e: { type: string; ip: string }) => e.type === 'login-throttled' && e.ip === '10.2.1.1'), 'the refused attempt is in the log');
});

test('a flood of throttled attempts adds one line to the account log per 10 minutes, not one per attempt', async () => {
  await t.signUp('victim3');
  const user = await t.deps.store.users.findByName('victim3');
  const throttledLines = async () => (await t.deps.store.events.list(user!.id, { limit: 500 })).filter((e) => e.type === 'login-throttled').length;
  for (let i = 0; i < 10; i++) await login('victim3', 'wrong guess number four', '10.5.0.1');
  for (let i = 0; i < 40; i++) assert.equal((await login('victim3', 'wrong guess number five', '10.5.0.1')).statusCode, 429);
  clock.advanceSeconds(5 * 60);
  for (let i = 0; i < 10; i++) assert.equal((await login('victim3', 'wrong guess number six', '10.5.0.1')).statusCode, 429);
  assert.equal(await throttledLines(), 1, 'fifty refused attempts, one line');
  // Ten minutes on, the flood (still refused: the address window is 15 minutes) is noted again.
  clock.advanceSeconds(5 * 60 + 1);
  assert.equal((await login('victim3', 'wrong guess number seven', '10.5.0.1')).statusCode, 429);
  assert.equal(await throttledLines(), 2);
  // Anything else logged in between (here the owner's own login) starts a new line too.
  assert.equal((await login('victim3', PASSWORD, '10.6.6.6')).statusCode, 201);
  assert.equal((await login('victim3', 'wrong guess number eight', '10.5.0.1')).statusCode, 429);
  assert.equal(await throttledLines(), 3);
});
