// Small endpoints every npm install may call: GET /-/ping (npm ping, npm doctor) and the
// audit endpoints (npm audit, and the audit that npm install runs).

import type { FastifyInstance } from 'fastify';

export function pingAuditRoutes(app: FastifyInstance): void {
  app.get('/-/ping', async (_request, reply) => reply.send({}));

  // No advisory source (until an upstream proxy exists): "no advisories" in the shapes npm
  // reads. The bulk answer is `{name: [advisory]}` (@npmcli/arborist lib/audit-report.js,
  // which sends the body gzipped: see http/request-bodies.ts); the quick-audit answer is the
  // npm 6 report (npm-audit-report: actions, advisories, muted, metadata with every severity
  // counted). Anonymous callers are fine: npm sends its token only when it has one.
  app.post('/-/npm/v1/security/advisories/bulk', async (_request, reply) => reply.send({}));
  app.post('/-/npm/v1/security/audits/quick', async (request, reply) => {
    const body = (request.body ?? {}) as { dependencies?: unknown };
    const dependencies = body.dependencies !== null && typeof body.dependencies === 'object' ? Object.keys(body.dependencies).length : 0;
    return reply.send({
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
