// Small endpoints: ping, search, and the audit endpoint npm install calls.

import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../core/deps.ts';
import { fail } from '../../core/errors.ts';
import { searchPackages } from '../../core/packages/search.ts';

function intParam(raw: unknown, name: string, def: number, max: number): number {
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) fail('BAD_REQUEST', `"${name}" must be a whole number >= 0.`);
  return Math.min(n, max);
}

export function miscRoutes(app: FastifyInstance, deps: Deps): void {
  app.get('/-/ping', async (_request, reply) => reply.header('cache-control', 'no-store').send({}));

  app.get<{ Querystring: Record<string, string | undefined> }>('/-/v1/search', async (request, reply) => {
    const q = request.query;
    const text = typeof q.text === 'string' ? q.text : '';
    if (text.length > 256) fail('BAD_REQUEST', 'The search text may have at most 256 characters.');
    const result = await searchPackages(deps, request.ctx, {
      text,
      size: Math.max(1, intParam(q.size, 'size', 20, 250)),
      from: intParam(q.from, 'from', 0, 100_000),
    });
    return reply.header('cache-control', 'no-store').send(result);
  });

  // No advisory source (until an upstream proxy exists): "no advisories" in the shapes npm
  // reads. The bulk answer is `{name: [advisory]}` (@npmcli/arborist lib/audit-report.js,
  // which sends the body gzipped: see http/request-bodies.ts); the quick-audit answer is the
  // npm 6 report (npm-audit-report: actions, advisories, muted, metadata with every severity
  // counted). Anonymous callers are fine: npm sends its token only when it has one.
  app.post('/-/npm/v1/security/advisories/bulk', async (_request, reply) => reply.header('cache-control', 'no-store').send({}));
  app.post('/-/npm/v1/security/audits/quick', async (request, reply) => {
    const body = (request.body ?? {}) as { dependencies?: unknown };
    const dependencies = body.dependencies !== null && typeof body.dependencies === 'object' ? Object.keys(body.dependencies).length : 0;
    return reply.header('cache-control', 'no-store').send({
      actions: [],
      advisories: {},
      muted: [],
      metadata: {
        vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0 },
        dependencies,
        devDependencies: 0,
        optionalDependencies: 0,
        totalDependencies: dependencies,
      },
    });
  });
}
