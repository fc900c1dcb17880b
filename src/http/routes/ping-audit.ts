// Small endpoints every npm install may call: GET /-/ping (npm ping, npm doctor) and the
// audit endpoints (npm audit, and the audit that npm install runs).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../../core/deps.ts';
import { isDomainError } from '../../core/errors.ts';
import { auditBulk, auditQuick } from '../../core/proxy/audit.ts';

export function pingAuditRoutes(app: FastifyInstance, deps: Deps): void {
  app.get('/-/ping', async (_request, reply) => reply.send({}));

  // Proxied names are asked of their upstream, local names never leave (core/proxy/audit.ts);
  // names with no upstream get "no advisories" in the shapes npm reads. The bulk answer is
  // `{name: [advisory]}` (@npmcli/arborist lib/audit-report.js, which sends the body gzipped:
  // see http/request-bodies.ts); the quick-audit answer is the npm 6 report (npm-audit-report:
  // actions, advisories, muted, metadata with every severity counted). Anonymous callers are
  // fine (unless only users may read proxied packages): npm sends its token only when it has one.
  const logged = async <T>(request: FastifyRequest, work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (e) {
      if (isDomainError(e) && (e.kind === 'upstream-down' || e.kind === 'upstream-bad')) request.log.warn({ code: e.code }, e.message);
      throw e;
    }
  };
  app.post('/-/npm/v1/security/advisories/bulk', async (request, reply) =>
    reply.send(await logged(request, auditBulk(deps, request.ctx.principal, request.body ?? {}))),
  );
  app.post('/-/npm/v1/security/audits/quick', async (request, reply) =>
    reply.send(await logged(request, auditQuick(deps, request.ctx.principal, request.body ?? {}))),
  );
}
