// npm org / npm team over HTTP (in process): roles, invitations, the org's 2FA requirement,
// teams, the credential check, the second factor, and refusals that change nothing.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { codeAt, enrol, TestClock } from '../support/tfa.ts';

describe('organisations and teams over HTTP', () => {
  let t: TestApp;
  const clock = new TestClock(Date.parse('2026-03-01T12:00:00.000Z'));
  const tokens: Record<string, string> = {};
  before(async () => {
    t = await startApp({}, clock);
    for (const name of ['owner1', 'admin1', 'dev1', 'outsider', 'newbie', 'tfauser']) tokens[name] = await t.signUp(name);
  });
  after(async () => t?.close());

  const req = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, who: string | null, payload?: unknown, headers?: Record<string, string>) =>
    t.request({ method, url, ...(who ? { token: tokens[who] } : {}), ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}), ...(headers ? { headers } : {}) });
  const join = async (org: string, user: string, role: string) => {
    assert.equal((await req('PUT', `/-/org/${org}/user`, 'owner1', { user, role })).statusCode, 200);
    const accepted = await req('POST', `/-/org/${org}/invitation`, user);
    assert.equal(accepted.statusCode, 200, accepted.body);
  };

  test('a signed-in user creates an org and owns it; names are shared with users', async () => {
    const res = await req('POST', '/-/org', 'owner1', { name: 'acme' });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual((await req('GET', '/-/org/acme/user', 'owner1')).json(), { owner1: 'owner' });
    assert.equal((await req('POST', '/-/org', 'owner1', { name: 'dev1' })).statusCode, 409);
    assert.equal((await req('POST', '/-/org', 'owner1', { name: 'acme' })).statusCode, 409);
    assert.equal((await req('POST', '/-/org', 'owner1', { name: 'Bad Name' })).statusCode, 400);
    const signup = await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:acme', payload: { name: 'acme', password: 'violet kettle orbit 42', email: 'a@example.com' } });
    assert.equal(signup.statusCode, 409, 'no one signs up as an org');
    assert.deepEqual((await req('GET', '/-/org/acme/team', 'owner1')).json(), ['acme:developers']);
  });

  test('npm org set invites; the answer is the same for a real account and a missing one; the invitee accepts', async () => {
    const real = await req('PUT', '/-/org/acme/user', 'owner1', { user: 'newbie', role: 'admin' });
    const ghost = await req('PUT', '/-/org/acme/user', 'owner1', { user: 'ghost', role: 'admin' });
    assert.equal(real.statusCode, 200);
    assert.equal(ghost.statusCode, 200);
    assert.deepEqual(real.json(), { org: { name: 'acme', size: 1 }, user: 'newbie', role: 'admin' });
    assert.deepEqual(ghost.json(), { org: { name: 'acme', size: 1 }, user: 'ghost', role: 'admin' });
    assert.deepEqual((await req('GET', '/-/org/acme/user', 'owner1')).json(), { owner1: 'owner' }, 'not a member before accepting');
    assert.deepEqual((await req('GET', '/-/org-invitations', 'newbie')).json().map((i: { org: string; role: string }) => [i.org, i.role]), [['acme', 'admin']]);
    assert.equal((await req('POST', '/-/org/acme/invitation', 'outsider')).statusCode, 404);
    const accepted = await req('POST', '/-/org/acme/invitation', 'newbie');
    assert.deepEqual(accepted.json(), { org: 'acme', role: 'admin' });
    assert.deepEqual((await req('GET', '/-/org/acme/user', 'newbie')).json(), { newbie: 'admin', owner1: 'owner' });
    assert.deepEqual((await req('GET', '/-/team/acme/developers/user', 'newbie')).json(), ['newbie', 'owner1']);
    await join('acme', 'admin1', 'admin');
    await join('acme', 'dev1', 'developer');
  });

  test('roles: developers and admins cannot manage members; outsiders cannot read; an org keeps an owner', async () => {
    assert.equal((await req('PUT', '/-/org/acme/user', 'dev1', { user: 'outsider', role: 'owner' })).statusCode, 403);
    assert.equal((await req('PUT', '/-/org/acme/user', 'admin1', { user: 'outsider', role: 'developer' })).statusCode, 403);
    assert.equal((await req('DELETE', '/-/org/acme/user', 'admin1', { user: 'dev1' })).statusCode, 403);
    const outsider = await req('GET', '/-/org/acme/user', 'outsider');
    assert.equal(outsider.statusCode, 403);
    assert.match(outsider.json().error, /not a member/);
    assert.equal((await req('GET', '/-/org/acme/user', null)).statusCode, 401);
    assert.equal((await req('GET', '/-/org/nope/user', 'owner1')).statusCode, 404);
    const last = await req('DELETE', '/-/org/acme/user', 'owner1', { user: 'owner1' });
    assert.equal(last.statusCode, 400);
    assert.match(last.json().error, /at least one owner/);
    assert.equal((await req('PUT', '/-/org/acme/user', 'owner1', { user: 'owner1', role: 'developer' })).statusCode, 400);
    assert.equal((await req('PUT', '/-/org/acme/user', 'owner1', { user: 'dev1', role: 'superuser' })).statusCode, 400);
    assert.equal((await req('PUT', '/-/org/acme/user', 'owner1', { role: 'developer' })).statusCode, 400);
    assert.equal((await req('DELETE', '/-/org/acme/user', 'owner1', { user: 'outsider' })).statusCode, 404);
    assert.deepEqual(Object.keys((await req('GET', '/-/org/acme/user', 'owner1')).json()).sort(), ['admin1', 'dev1', 'newbie', 'owner1']);
  });

  test('teams: admins create and fill them with org members only; developers only list', async () => {
    assert.equal((await req('PUT', '/-/org/acme/team', 'admin1', { name: 'core', description: 'Core' })).statusCode, 201);
    assert.equal((await req('PUT', '/-/org/acme/team', 'admin1', { name: 'core' })).statusCode, 409);
    assert.equal((await req('PUT', '/-/org/acme/team', 'admin1', { name: 'Bad:Name' })).statusCode, 400);
    assert.equal((await req('PUT', '/-/org/acme/team', 'dev1', { name: 'rogue' })).statusCode, 403);
    assert.equal((await req('PUT', '/-/team/acme/core/user', 'admin1', { user: 'dev1' })).statusCode, 201);
    const stranger = await req('PUT', '/-/team/acme/core/user', 'admin1', { user: 'outsider' });
    const ghost = await req('PUT', '/-/team/acme/core/user', 'admin1', { user: 'ghost' });
    assert.equal(stranger.statusCode, 403);
    assert.equal(ghost.statusCode, 403);
    assert.equal(stranger.json().error.replace('outsider', 'X'), ghost.json().error.replace('ghost', 'X'), 'no difference between a stranger and no account');
    assert.equal((await req('PUT', '/-/team/acme/core/user', 'dev1', { user: 'newbie' })).statusCode, 403);
    assert.deepEqual((await req('GET', '/-/team/acme/core/user?format=cli', 'dev1')).json(), ['dev1']);
    assert.deepEqual((await req('GET', '/-/org/acme/team?format=cli', 'dev1')).json(), ['acme:core', 'acme:developers']);
    assert.equal((await req('DELETE', '/-/team/acme/core/user', 'admin1', { user: 'newbie' })).statusCode, 404);
    assert.equal((await req('DELETE', '/-/team/acme/core/user', 'admin1', { user: 'dev1' })).statusCode, 204);
    assert.equal((await req('DELETE', '/-/team/acme/developers', 'owner1')).statusCode, 403);
    assert.equal((await req('DELETE', '/-/team/acme/core', 'dev1')).statusCode, 403);
    assert.equal((await req('DELETE', '/-/team/acme/core', 'admin1')).statusCode, 204);
    assert.equal((await req('GET', '/-/team/acme/core/user', 'dev1')).statusCode, 404);
    assert.equal((await req('GET', '/-/team/acme/core/user', 'outsider')).statusCode, 403);
  });

  test('a removed member loses the org and its teams; a member may leave', async () => {
    await join('acme', 'outsider', 'developer');
    assert.equal((await req('DELETE', '/-/org/acme/user', 'owner1', { user: 'outsider' })).statusCode, 204);
    assert.equal((await req('GET', '/-/org/acme/team', 'outsider')).statusCode, 403);
    assert.deepEqual((await req('GET', '/-/team/acme/developers/user', 'owner1')).json().includes('outsider'), false);
    await join('acme', 'outsider', 'developer');
    assert.equal((await req('DELETE', '/-/org/acme/user', 'outsider', { user: 'outsider' })).statusCode, 204);
    assert.equal((await req('GET', '/-/org/acme/user', 'outsider')).statusCode, 403);
  });

  test('granular tokens without --orgs have no access to org membership or teams, reading included', async () => {
    const create = await req('POST', '/-/npm/v1/tokens', 'owner1', { password: 'violet kettle orbit 42', name: 'g', packages_all: true, packages_and_scopes_permission: 'read-write' });
    assert.equal(create.statusCode, 201, create.body);
    tokens.granular = create.json().token;
    for (const [method, url, body] of [
      ['GET', '/-/org/acme/user', undefined],
      ['GET', '/-/org/acme/team', undefined],
      ['PUT', '/-/org/acme/team', { name: 'viagranular' }],
      ['PUT', '/-/org/acme/user', { user: 'outsider', role: 'developer' }],
    ] as const) {
      const res = await req(method, url, 'granular', body);
      assert.equal(res.statusCode, 403, `${method} ${url}`);
      assert.match(res.json().error, /no access to the organization acme/);
    }
    assert.equal((await req('GET', '/-/org/acme/team', 'owner1')).json().includes('acme:viagranular'), false);
    assert.deepEqual((await req('GET', '/-/org', 'granular')).json(), [], 'nor lists the orgs');
    assert.equal((await req('POST', '/-/org', 'granular', { name: 'tokenorg' })).statusCode, 403, 'orgs are created from a login session');
  });

  test('org and team changes need an OTP in auth-only mode too, and the OTP is used once', async () => {
    const { secret } = await enrol(t, tokens.owner1, clock, 'auth-only');
    const noOtp = await req('PUT', '/-/org/acme/team', 'owner1', { name: 'ops' });
    assert.equal(noOtp.statusCode, 401);
    assert.match(String(noOtp.headers['www-authenticate']), /otp/i);
    const code = codeAt(secret, clock);
    assert.equal((await req('PUT', '/-/org/acme/team', 'owner1', { name: 'ops' }, { 'npm-otp': code })).statusCode, 201);
    // the same code again with another credential: refused, nothing changed
    const login = await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:owner1', payload: { name: 'owner1', password: 'violet kettle orbit 42' }, headers: { 'npm-otp': codeAt(secret, clock, 1) } });
    assert.equal(login.statusCode, 201, login.body);
    const other = login.json().token as string;
    const replay = await t.request({ method: 'PUT', url: '/-/org/acme/team', token: other, payload: { name: 'ops2' }, headers: { 'npm-otp': code } });
    assert.equal(replay.statusCode, 401);
    assert.equal((await req('GET', '/-/org/acme/team', 'owner1')).json().includes('acme:ops2'), false);
    clock.advanceSeconds(60);
    // reads need none
    assert.equal((await req('GET', '/-/org/acme/user', 'owner1')).statusCode, 200);
    tokens.ownerSecret = secret;
  });

  test('the 2FA requirement: lockouts listed before it applies, members without 2FA cannot manage, invitees told at acceptance', async () => {
    const otp = () => {
      clock.advanceSeconds(30);
      return { 'npm-otp': codeAt(tokens.ownerSecret, clock) };
    };
    const preview = await req('POST', '/-/org/acme/settings', 'owner1', { require_tfa: true }, otp());
    assert.equal(preview.statusCode, 200, preview.body);
    assert.deepEqual(preview.json(), { applied: false, require_tfa: false, developers_access: 'read-write', lockouts: ['admin1', 'dev1', 'newbie'] });
    assert.equal((await req('GET', '/-/org/acme', 'owner1')).json().require_tfa, false);
    const seenByDev = (await req('GET', '/-/org/acme', 'dev1')).json();
    assert.deepEqual(seenByDev.lockouts, [], 'who lacks 2FA is for owners to see');
    assert.equal(seenByDev.members.some((m: Record<string, unknown>) => 'tfa' in m), false);
    const applied = await req('POST', '/-/org/acme/settings', 'owner1', { require_tfa: true, confirm: true }, otp());
    assert.equal(applied.json().applied, true, applied.body);
    const blocked = await req('PUT', '/-/org/acme/team', 'admin1', { name: 'blocked' });
    assert.equal(blocked.statusCode, 403);
    assert.match(blocked.json().error, /requires its members to use two-factor authentication/);
    assert.equal((await req('GET', '/-/org/acme/user', 'admin1')).statusCode, 200, 'reading stays open');
    // the inviter learns nothing; the invitee without 2FA is told when accepting
    const invite = await req('PUT', '/-/org/acme/user', 'owner1', { user: 'tfauser', role: 'developer' }, otp());
    assert.equal(invite.statusCode, 200);
    const refused = await req('POST', '/-/org/acme/invitation', 'tfauser');
    assert.equal(refused.statusCode, 403);
    assert.match(refused.json().error, /requires two-factor authentication/);
    assert.equal((await req('GET', '/-/org/acme/user', 'owner1')).json().tfauser, undefined);
    const { secret } = await enrol(t, tokens.tfauser, clock, 'auth-and-writes');
    const ok = await req('POST', '/-/org/acme/invitation', 'tfauser', undefined, { 'npm-otp': codeAt(secret, clock) });
    assert.equal(ok.statusCode, 200, ok.body);
    const log = await req('GET', '/-/org/acme/log', 'owner1');
    assert.equal(log.statusCode, 200);
    const types = log.json().objects.map((e: { type: string }) => e.type);
    assert.ok(types.includes('org-settings') && types.includes('org-join') && types.includes('team-create'), types.join());
    assert.equal((await req('GET', '/-/org/acme/log', 'tfauser')).statusCode, 403, 'only owners read the log');
  });
});
