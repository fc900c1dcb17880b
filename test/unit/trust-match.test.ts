// Matching identity-token claims to trust relationships (core/trust/match.ts), per CI: what
// each compares, and the reason given when nothing matches.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchTrust, mismatch, workflowOf } from '../../src/core/trust/match.ts';
import type { TrustedIssuer } from '../../src/core/trust/issuers.ts';
import type { TrustConfig } from '../../src/core/ports.ts';

const config = (type: string, claims: Record<string, unknown>): TrustConfig => ({ id: 'c', package: 'p', type, claims, permissions: ['publish'], createdBy: 1, createdAt: '' });
const GH: TrustedIssuer = { type: 'github', issuer: 'https://token.actions.githubusercontent.com' };
const GL: TrustedIssuer = { type: 'gitlab', issuer: 'https://gitlab.com' };
const CC: TrustedIssuer = { type: 'circleci', issuer: 'https://oidc.circleci.com/org/', prefix: true };
const ORG = '11111111-1111-4111-8111-111111111111';
const PROJECT = '22222222-2222-4222-8222-222222222222';
const PIPELINE = '33333333-3333-4333-8333-333333333333';

test('GitHub: repository (any case), the workflow file of workflow_ref or of a reusable workflow in the same repository, the environment', () => {
  const c = config('github', { repository: 'Acme/Tool', workflow_ref: { file: 'release.yml' } });
  const claims = { repository: 'acme/tool', workflow_ref: 'acme/tool/.github/workflows/release.yml@refs/tags/v1' };
  assert.equal(mismatch(GH, GH.issuer, claims, c), null);
  assert.equal(mismatch(GH, GH.issuer, { ...claims, workflow_ref: 'acme/tool/.github/workflows/caller.yml@refs/heads/main', job_workflow_ref: 'acme/tool/.github/workflows/release.yml@refs/heads/main' }, c), null);
  assert.match(mismatch(GH, GH.issuer, { ...claims, workflow_ref: 'acme/tool/.github/workflows/caller.yml@x', job_workflow_ref: 'evil/lib/.github/workflows/release.yml@x' }, c)!, /not the trusted workflow file/);
  assert.match(mismatch(GH, GH.issuer, { ...claims, workflow_ref: 'acme/tool/.github/workflows/release.yml.bak@x' }, c)!, /not the trusted workflow file/);
  assert.match(mismatch(GH, GH.issuer, { ...claims, workflow_ref: 'other/tool/.github/workflows/release.yml@x' }, c)!, /not the trusted workflow file/);
  const withEnv = config('github', { ...c.claims, environment: 'npm' });
  assert.equal(mismatch(GH, GH.issuer, { ...claims, environment: 'NPM' }, withEnv), null);
  assert.match(mismatch(GH, GH.issuer, claims, withEnv)!, /environment nothing/);
});

test('GitLab: project path, the pipeline file of ci_config_ref_uri in that project, the environment', () => {
  const c = config('gitlab', { project_path: 'group/sub/project', ci_config_ref_uri: { file: '.gitlab-ci.yml' } });
  const claims = { project_path: 'group/sub/project', ci_config_ref_uri: 'gitlab.com/group/sub/project//.gitlab-ci.yml@refs/heads/main' };
  assert.equal(mismatch(GL, GL.issuer, claims, c), null);
  assert.match(mismatch(GL, GL.issuer, { ...claims, ci_config_ref_uri: 'gitlab.com/other/project//.gitlab-ci.yml@refs/heads/main' }, c)!, /pipeline file/);
  assert.match(mismatch(GL, GL.issuer, { ...claims, project_path: 'group/project' }, c)!, /project_path group\/project/);
});

test('CircleCI: the organisation of iss, project, pipeline definition, VCS origin and the named contexts', () => {
  const c = config('circleci', {
    'oidc.circleci.com/org-id': ORG,
    'oidc.circleci.com/project-id': PROJECT,
    'oidc.circleci.com/pipeline-definition-id': PIPELINE,
    'oidc.circleci.com/vcs-origin': 'github.com/acme/tool',
    'oidc.circleci.com/context-ids': ['44444444-4444-4444-8444-444444444444'],
  });
  const claims = {
    'oidc.circleci.com/project-id': PROJECT,
    'oidc.circleci.com/pipeline-definition-id': PIPELINE,
    'oidc.circleci.com/vcs-origin': 'github.com/acme/tool',
    'oidc.circleci.com/context-ids': ['44444444-4444-4444-8444-444444444444', '55555555-5555-4555-8555-555555555555'],
  };
  assert.equal(mismatch(CC, `${CC.issuer}${ORG}`, claims, c), null);
  assert.match(mismatch(CC, `${CC.issuer}${PROJECT}`, claims, c)!, /organisation/);
  assert.match(mismatch(CC, `${CC.issuer}${ORG}`, { ...claims, 'oidc.circleci.com/context-ids': [] }, c)!, /context/);
  assert.match(mismatch(CC, `${CC.issuer}${ORG}`, { ...claims, 'oidc.circleci.com/vcs-origin': 'github.com/evil/tool' }, c)!, /vcs-origin/);
  assert.match(workflowOf(CC, `${CC.issuer}${ORG}`, claims), new RegExp(`^circleci:${ORG}/project/${PROJECT}/pipeline/${PIPELINE}$`));
});

test('matchTrust: the first relationship that matches; otherwise why the first candidate does not; other types never match', () => {
  const a = config('github', { repository: 'acme/a', workflow_ref: { file: 'x.yml' } });
  const b = { ...config('github', { repository: 'acme/b', workflow_ref: { file: 'x.yml' } }), id: 'b' };
  const claims = { repository: 'acme/b', workflow_ref: 'acme/b/.github/workflows/x.yml@main' };
  assert.equal((matchTrust(GH, GH.issuer, claims, [a, b]) as { config: TrustConfig }).config.id, 'b');
  assert.deepEqual(matchTrust(GH, GH.issuer, { ...claims, repository: 'acme/c' }, [a, b]), { reason: 'repository acme/c is not the trusted repository' });
  assert.deepEqual(matchTrust(GL, GL.issuer, claims, [a, b]), { reason: 'no trust relationship with gitlab' });
});
