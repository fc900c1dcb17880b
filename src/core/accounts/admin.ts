// Administrator actions from the command line (no HTTP principal): they act on the store
// directly and leave a trace in the user's security log.

import { type Deps, logEvent } from '../deps.ts';
import { fail } from '../errors.ts';

const ADMIN = { ip: 'admin-cli', userAgent: 'tessera admin command' };

/** For a user who lost both their device and their recovery codes. */
export async function resetTwoFactor(deps: Deps, name: string): Promise<void> {
  const user = await deps.store.users.findByName(name);
  if (!user) fail('NOT_FOUND', `There is no user named ${name}.`);
  await deps.store.users.setTfa(user.id, null, null);
  await deps.store.users.clearOtpFailures(user.id);
  const ended = await deps.store.tokens.deleteForUser(user.id, ['session', 'web']);
  await logEvent(deps, ADMIN, user.id, 'tfa-reset-by-admin', { sessions_ended: ended });
}

export async function userSecurityLog(deps: Deps, name: string, limit: number) {
  const user = await deps.store.users.findByName(name);
  if (!user) fail('NOT_FOUND', `There is no user named ${name}.`);
  return deps.store.events.list(user.id, { limit });
}
