// The web UI's Staged page (GET /-/web/staged) and its Approve / Reject forms, over the use
// cases of npm stage (core/stage/): the same authorisation (whoever may write the package),
// the same second factor (the 'stage-approval' class: 2FA on and an OTP from the form).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { confirmedTfaMode } from '../../core/access/second-factor.ts';
import type { Deps } from '../../core/deps.ts';
import { approveStaged, rejectStaged } from '../../core/stage/decide.ts';
import { manifestChanges, stagedFiles } from '../../core/stage/inspect.ts';
import { stagedFor, stageIdFrom } from '../../core/stage/read.ts';
import { field, formOf } from '../form.ts';
import type { Notice } from '../layout.ts';
import { stagedPage, type StagedView } from '../pages/staged.ts';
import { formError, pageContext, principalOf, redirect, sendPage, sessionOrLogin, webBase, webCtx } from '../request.ts';
import { passkeyFormCtx } from './passkeys.ts';

const FORM_ERRORS = ['BAD_REQUEST', 'OTP_REQUIRED', 'TOO_MANY_ATTEMPTS', 'FORBIDDEN', 'NOT_FOUND', 'TFA_REQUIRED', 'VERSION_EXISTS', 'READ_ONLY_TOKEN', 'INVALID_NAME', 'BODY_TOO_LARGE'];

export function webStagedRoutes(web: FastifyInstance, deps: Deps): void {
  const show = async (request: FastifyRequest, reply: FastifyReply, status: number, note: Notice) => {
    const session = request.web.session!;
    const staged: StagedView[] = [];
    for (const stage of await stagedFor(deps, principalOf(session), null)) {
      const bytes = await deps.blobs.get(stage.tarball.blobKey);
      const files = bytes ? await stagedFiles(bytes).catch(() => null) : null;
      const latest = await deps.store.packages.getVersion(stage.package, 'latest');
      staged.push({ stage, files, latest: latest?.version.version ?? null, changes: manifestChanges(latest?.version.manifest ?? null, stage.manifest) });
    }
    const tfaOn = confirmedTfaMode(session.user) !== null;
    const days = Math.round(deps.settings.stageTtlMs / 86_400_000);
    return sendPage(reply, status, stagedPage(pageContext(deps, request, reply), { staged, tfaOn, notice: note, days }));
  };

  web.get<{ Querystring: { done?: string } }>('/staged', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const done = request.query.done;
    return show(request, reply, 200, done === 'approved' ? { kind: 'ok', text: 'Approved and published.' } : done === 'rejected' ? { kind: 'ok', text: 'Rejected: the staged version is deleted.' } : null);
  });

  for (const action of ['approve', 'reject'] as const) {
    web.post(`/staged/${action}`, async (request, reply) => {
      if (!sessionOrLogin(deps, request, reply)) return reply;
      const form = formOf(request.body);
      try {
        const id = stageIdFrom(field(form, 'id'));
        const ctx = await passkeyFormCtx(deps, request, form, action === 'approve' ? 'stage-approve' : 'stage-reject');
        if (action === 'approve') await approveStaged(deps, ctx, id);
        else await rejectStaged(deps, ctx, id);
      } catch (e) {
        const { status, notice } = formError(e, FORM_ERRORS);
        return show(request, reply, status, notice);
      }
      return redirect(reply, `${webBase(deps)}staged?done=${action === 'approve' ? 'approved' : 'rejected'}`);
    });
  }
}
